/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * How one record is stored in a record file (format 7), before DEFLATE.
 * Compression is most of what recording costs, and it costs per byte: a
 * fork record is 208 bytes of which a handful differ from the previous
 * fork (times, pids; the 96-byte cgroup name is mostly NUL padding).  So
 * a record's first bytes are stored as the difference from the previous
 * record of its kind, 32-bit word by word, and only the words that
 * changed, as zigzag varints:
 *
 *   u8 kind        0: the end of the file; 1..15: a tape type other than
 *                  RAW; 16 + (event type & 15): a RAW record;
 *                  | 0x80 when len is the last record's of the kind,
 *                  | 0x40 when the bitmap is: either is then left out
 *   varint len     the record's length in bytes
 *   bitmap         one bit per word of the coded span, LSB first: changed
 *   varints        zigzag(word - previous word) of each changed word
 *   bytes          the rest of the record past the span, as it is
 *
 * The span is the record's first min(len, PA_CODEC_SPAN) bytes (an exec's
 * fixed part only: its file name and argv are text), zero-padded to a
 * word; the previous record of the kind is zero past its own length.
 * A ring buffer record's span is first predicted (tape_codec.c): fields
 * that usually equal another field of the record, or follow the last
 * ring buffer record's, are replaced by their difference from it.
 * Decoding gives back the exact record bytes.
 */
#ifndef PA_TAPE_CODEC_H
#define PA_TAPE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pa_events.h"
#include "tape.h"

#define PA_CODEC_WORDS 64
#define PA_CODEC_SPAN (PA_CODEC_WORDS * 4)
#define PA_CODEC_KINDS 32
#define PA_CODEC_KIND_END 0
#define PA_CODEC_KIND_RAW 16
#define PA_CODEC_SAME_LEN 0x80
#define PA_CODEC_SAME_BITS 0x40
/* The most bytes a record's kind, length, bitmap and varints take. */
#define PA_CODEC_HEAD_MAX (1 + 5 + PA_CODEC_WORDS / 8 + PA_CODEC_WORDS * 5)

/* The last record of a kind: its words, bitmap and length side by side,
 * so that coding a record touches as few cache lines as it can. */
struct pa_codec_last {
	_Alignas(16) uint32_t words[PA_CODEC_WORDS]; /* zero past its own */
	uint64_t bits;
	uint32_t len;
	uint8_t nwords;
};

struct pa_codec {
	struct pa_codec_last last[PA_CODEC_KINDS];
	/* the last ring buffer record's, of any kind (prediction) */
	uint64_t last_ts, last_start;
	uint32_t last_pid;
};

/* The kind of a record of tape type `type` whose first bytes are `first`
 * (n of them).  Inline, as pa_codec_span: the writer calls both for every
 * record. */
static inline unsigned pa_codec_kind(unsigned type, const void *first, size_t n)
{
	uint16_t ev = 0;

	if (type != PA_TAPE_RAW)
		return type;
	if (n >= sizeof(ev))
		memcpy(&ev, first, sizeof(ev));
	return PA_CODEC_KIND_RAW + (ev & 15);
}

/* Bytes of a record of this kind and length that are coded as words. */
static inline size_t pa_codec_span(unsigned kind, size_t len)
{
	/* An exec's file name and argv are text: deltas would hide, not shrink them. */
	size_t span = kind == PA_CODEC_KIND_RAW + PA_EV_EXEC ? sizeof(struct pa_exec_event) : PA_CODEC_SPAN;

	return len < span ? len : span;
}
/* Code kind, len and the span (the record's first pa_codec_span bytes, at
 * first) into out, which has room for PA_CODEC_HEAD_MAX; returns the bytes
 * written. */
size_t pa_codec_put(struct pa_codec *k, uint8_t *out, unsigned kind, uint32_t len, const void *first);
/* Decode a record's kind and length from in[0..n): the bytes used, 0 if
 * in ends first.  The caller checks both before pa_codec_get_span. */
size_t pa_codec_get_head(const struct pa_codec *k, const uint8_t *in, size_t n, unsigned *kind,
			 uint32_t *len);
/* Decode the span that follows into span (PA_CODEC_SPAN bytes of room)
 * and the bytes it took into *used; same_bits: the kind byte had
 * PA_CODEC_SAME_BITS.  False if in ends first or the bitmap is damaged. */
bool pa_codec_get_span(struct pa_codec *k, const uint8_t *in, size_t n, unsigned kind, bool same_bits,
		       uint32_t len, uint32_t *span, size_t *used);

#endif
