// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "pa_events.h"
#include "tape.h"
#include "tape_codec.h"

_Static_assert(PA_TAPE_NR_TYPES <= PA_CODEC_KIND_RAW, "tape types fit below the RAW kinds");
_Static_assert(sizeof(struct pa_exec_event) <= PA_CODEC_SPAN, "an exec's fixed part is coded");

unsigned pa_codec_kind(unsigned type, const void *first, size_t n)
{
	uint16_t ev = 0;

	if (type != PA_TAPE_RAW)
		return type;
	if (n >= sizeof(ev))
		memcpy(&ev, first, sizeof(ev));
	return PA_CODEC_KIND_RAW + (ev & 15);
}

size_t pa_codec_span(unsigned kind, size_t len)
{
	/* An exec's file name and argv are text: deltas would hide, not shrink them. */
	size_t span = kind == PA_CODEC_KIND_RAW + PA_EV_EXEC ? sizeof(struct pa_exec_event) : PA_CODEC_SPAN;

	return len < span ? len : span;
}

static uint8_t *put_varint(uint8_t *p, uint32_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* NULL when in ends first or the value does not fit 32 bits. */
static const uint8_t *get_varint(const uint8_t *p, const uint8_t *end, uint32_t *v)
{
	uint32_t x = 0;

	for (unsigned shift = 0; shift < 35; shift += 7) {
		if (p == end)
			return NULL;
		x |= (uint32_t)(*p & 0x7f) << shift;
		if (!(*p++ & 0x80)) {
			*v = x;
			return p;
		}
	}
	return NULL;
}

static void remember(struct pa_codec *k, unsigned kind, const uint32_t *span, unsigned words)
{
	uint32_t *last = k->last[kind];

	memcpy(last, span, words * sizeof(*last));
	if (k->last_words[kind] > words)
		memset(last + words, 0, (k->last_words[kind] - words) * sizeof(*last));
	k->last_words[kind] = (uint8_t)words;
}

size_t pa_codec_put(struct pa_codec *k, uint8_t *out, unsigned kind, uint32_t len,
		    const uint32_t *span)
{
	unsigned words = (unsigned)(pa_codec_span(kind, len) + 3) / 4;
	const uint32_t *last = k->last[kind];
	uint8_t *bitmap, *p = out;

	*p++ = (uint8_t)kind;
	p = put_varint(p, len);
	bitmap = p;
	p += (words + 7) / 8;
	memset(bitmap, 0, (size_t)(p - bitmap));
	for (unsigned i = 0; i < words; i++) {
		int32_t d = (int32_t)(span[i] - last[i]);

		if (!d)
			continue;
		bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
		p = put_varint(p, ((uint32_t)d << 1) ^ (uint32_t)(d >> 31));
	}
	remember(k, kind, span, words);
	return (size_t)(p - out);
}

size_t pa_codec_get_head(const uint8_t *in, size_t n, unsigned *kind, uint32_t *len)
{
	const uint8_t *p;

	if (!n)
		return 0;
	*kind = in[0];
	p = get_varint(in + 1, in + n, len);
	return p ? (size_t)(p - in) : 0;
}

bool pa_codec_get_span(struct pa_codec *k, const uint8_t *in, size_t n, unsigned kind,
		       uint32_t len, uint32_t *span, size_t *used)
{
	unsigned words = (unsigned)(pa_codec_span(kind, len) + 3) / 4;
	const uint8_t *p = in, *end = in + n, *bitmap = in;
	const uint32_t *last = k->last[kind];

	if (n < (words + 7) / 8)
		return false;
	p += (words + 7) / 8;
	for (unsigned i = 0; i < words; i++) {
		uint32_t z;

		span[i] = last[i];
		if (!(bitmap[i / 8] & (1u << (i % 8))))
			continue;
		p = get_varint(p, end, &z);
		if (!p)
			return false;
		span[i] += (z >> 1) ^ (0u - (z & 1));
	}
	remember(k, kind, span, words);
	*used = (size_t)(p - in);
	return true;
}
