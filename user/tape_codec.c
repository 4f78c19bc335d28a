// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "pa_events.h"
#include "tape.h"
#include "tape_codec.h"

_Static_assert(PA_TAPE_NR_TYPES <= PA_CODEC_KIND_RAW, "tape types fit below the RAW kinds");
_Static_assert(sizeof(struct pa_exec_event) <= PA_CODEC_SPAN, "an exec's fixed part is coded");
_Static_assert(PA_CODEC_WORDS <= 64, "the bitmap is a u64");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "words and bitmaps are little-endian");

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

/* NULL when in ends first or the varint runs past 5 bytes (bits past
 * the 32nd are dropped: a damaged record decodes to some record). */
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

static void remember(struct pa_codec *k, unsigned kind, uint32_t len, uint64_t bits,
		     unsigned words)
{
	if (k->last_words[kind] > words)
		memset(k->last[kind] + words, 0, (k->last_words[kind] - words) * sizeof(uint32_t));
	k->last_words[kind] = (uint8_t)words;
	k->last_len[kind] = len;
	k->last_bits[kind] = bits;
}

/* Word i of a span of n bytes at in, zero-padded past its end. */
static inline uint32_t word_at(const uint8_t *in, size_t n, unsigned i)
{
	size_t at = 4 * (size_t)i;
	uint32_t w = 0;

	if (n - at >= 4)
		memcpy(&w, in + at, 4);
	else
		for (size_t b = 0; b < n - at; b++)
			w |= (uint32_t)in[at + b] << (8 * b);
	return w;
}

/* Four words compared at once, without branches (GCC/clang vector
 * extensions: SSE2 on x86-64, NEON on arm64). */
typedef uint32_t pa_v4u __attribute__((vector_size(16)));

/* Which words of the span differ from last: a bit per word, 16 bytes at a
 * time, branch-free (where a record changes is not predictable). */
static uint64_t changed_words(const uint32_t *last, const uint8_t *in, size_t span)
{
	unsigned words = (unsigned)(span + 3) / 4, full = (unsigned)span / 4, i = 0;
	uint64_t bits = 0;

	for (; i + 4 <= full; i += 4) {
		pa_v4u a, b, ne;

		memcpy(&a, in + 4 * i, sizeof(a));
		memcpy(&b, last + i, sizeof(b));
		ne = (pa_v4u)(a != b);
		bits |= (uint64_t)((ne[0] & 1) | (ne[1] & 2) | (ne[2] & 4) | (ne[3] & 8)) << i;
	}
	for (; i < words; i++)
		bits |= (uint64_t)(word_at(in, span, i) != last[i]) << i;
	return bits;
}

size_t pa_codec_put(struct pa_codec *k, uint8_t *out, unsigned kind, uint32_t len, const void *first)
{
	size_t span = pa_codec_span(kind, len);
	unsigned words = (unsigned)(span + 3) / 4, nbitmap = (words + 7) / 8;
	uint32_t *last = k->last[kind];
	/* Which words changed, first: then the head is written in place. */
	uint64_t bits = changed_words(last, first, span);
	uint8_t *p = out + 1;

	*out = (uint8_t)kind;
	if (len == k->last_len[kind])
		*out |= PA_CODEC_SAME_LEN;
	else
		p = put_varint(p, len);
	if (bits == k->last_bits[kind]) {
		*out |= PA_CODEC_SAME_BITS;
	} else {
		memcpy(p, &bits, nbitmap); /* little-endian: bit i in byte i / 8 */
		p += nbitmap;
	}
	for (uint64_t todo = bits; todo; todo &= todo - 1) {
		unsigned i = (unsigned)__builtin_ctzll(todo);
		uint32_t w = word_at(first, span, i);
		int32_t d = (int32_t)(w - last[i]);

		last[i] = w;
		p = put_varint(p, ((uint32_t)d << 1) ^ (uint32_t)(d >> 31));
	}
	remember(k, kind, len, bits, words);
	return (size_t)(p - out);
}

size_t pa_codec_get_head(const struct pa_codec *k, const uint8_t *in, size_t n, unsigned *kind,
			 uint32_t *len)
{
	const uint8_t *p;

	if (!n)
		return 0;
	*kind = in[0] & ~(PA_CODEC_SAME_LEN | PA_CODEC_SAME_BITS);
	if (in[0] & PA_CODEC_SAME_LEN) {
		*len = *kind < PA_CODEC_KINDS ? k->last_len[*kind] : 0;
		return 1;
	}
	p = get_varint(in + 1, in + n, len);
	return p ? (size_t)(p - in) : 0;
}

bool pa_codec_get_span(struct pa_codec *k, const uint8_t *in, size_t n, unsigned kind, bool same_bits,
		       uint32_t len, uint32_t *span, size_t *used)
{
	unsigned words = (unsigned)(pa_codec_span(kind, len) + 3) / 4, nbitmap = (words + 7) / 8;
	const uint8_t *p = in, *end = in + n;
	uint32_t *last = k->last[kind];
	uint64_t bits = k->last_bits[kind], todo;

	if (!same_bits) {
		if (n < nbitmap)
			return false;
		bits = 0;
		memcpy(&bits, in, nbitmap);
		p += nbitmap;
	}
	if (words < 64 && bits >> words) /* a bit past the span: damage */
		return false;
	for (todo = bits; todo; todo &= todo - 1) {
		unsigned i = (unsigned)__builtin_ctzll(todo);
		uint32_t z;

		p = get_varint(p, end, &z);
		if (!p)
			return false;
		last[i] += (z >> 1) ^ (0u - (z & 1));
	}
	/* All the room, not words: a fixed size is a few vector moves where a
	 * variable one was `rep movs`, a third of a decode.  The words past
	 * the record's own are overwritten by its tail or unused. */
	memcpy(span, last, PA_CODEC_SPAN);
	remember(k, kind, len, bits, words);
	*used = (size_t)(p - in);
	return true;
}
