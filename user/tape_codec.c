// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stddef.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "pa_events.h"
#include "tape.h"
#include "tape_codec.h"

_Static_assert(PA_TAPE_NR_TYPES <= PA_CODEC_KIND_RAW, "tape types fit below the RAW kinds");
_Static_assert(sizeof(struct pa_exec_event) <= PA_CODEC_SPAN, "an exec's fixed part is coded");
_Static_assert(PA_CODEC_WORDS <= 64, "the bitmap is a u64");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "words and bitmaps are little-endian");

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

/* ---- prediction (format 7) --------------------------------------------------
 * Before its words are compared with the last record of its kind, a ring
 * buffer record's first bytes have fields replaced by their difference
 * from a field they usually equal or follow: in a fork storm that takes
 * the coded bytes from 12.7 to 6.3 a record, and DEFLATE costs per byte.
 *   - within the record: a process's tgid is its pid; a task's own start
 *     is its leader's start; a vpid is the pid outside a container; a
 *     parent's tgid is its pid; an exit's times add up to the task's life;
 *   - against the last ring buffer record of any kind: ts_ns, pid and
 *     start_ns (a process's fork, exit and free come one after another).
 * Differences wrap (unsigned), so any bytes come back exactly.  Only
 * fields within a record's first PREDICTED_BYTES are predicted, the
 * header's alone in a shorter record: the same on both sides.
 */
#define PREDICTED_BYTES 104
#define HEADER_BYTES sizeof(struct pa_event_header)
_Static_assert(offsetof(struct pa_fork_event, ids.vpid) + 4 <= PREDICTED_BYTES, "fork");
_Static_assert(sizeof(struct pa_exit_event) <= PREDICTED_BYTES, "exit");
_Static_assert(offsetof(struct pa_exec_event, ids.vpid) + 4 <= PREDICTED_BYTES, "exec");
_Static_assert(HEADER_BYTES % 4 == 0, "whole words");

/* 0 for a record without a ring buffer header. */
static size_t predicted_bytes(unsigned kind, size_t span)
{
	if (kind < PA_CODEC_KIND_RAW || span < HEADER_BYTES)
		return 0;
	return span >= PREDICTED_BYTES ? PREDICTED_BYTES : HEADER_BYTES;
}

static inline uint32_t get32(const void *r, size_t at)
{
	uint32_t v;

	memcpy(&v, (const char *)r + at, sizeof(v));
	return v;
}

static inline uint64_t get64(const void *r, size_t at)
{
	uint64_t v;

	memcpy(&v, (const char *)r + at, sizeof(v));
	return v;
}

/* Where prediction puts fields: dst; and, coding, the last record's
 * words, to tell at once which changed (comparing later, word by word or
 * by vector loads of words just stored, cost more than the prediction). */
struct predicted {
	void *dst;
	const uint32_t *last; /* NULL: decoding */
	uint64_t words;       /* the words written */
	uint64_t changed;     /* coding: those that differ from last */
};

static inline void put32(struct predicted *o, size_t at, uint32_t v)
{
	memcpy((char *)o->dst + at, &v, sizeof(v));
	o->words |= 1ull << (at / 4);
	if (o->last)
		o->changed |= (uint64_t)(v != o->last[at / 4]) << (at / 4);
}

static inline void put64(struct predicted *o, size_t at, uint64_t v)
{
	put32(o, at, (uint32_t)v);
	put32(o, at + 4, (uint32_t)(v >> 32));
}

#define HDR(field) offsetof(struct pa_event_header, field)
#define FORK(field) offsetof(struct pa_fork_event, field)
#define EXIT(field) offsetof(struct pa_exit_event, field)
#define EXEC(field) offsetof(struct pa_exec_event, field)

/* Each field of the record src less (sign -1: coding) or plus (+1:
 * decoding) the field it follows, into o (src itself when decoding: the
 * bases, pid, start_ns and parent_pid, are never changed here).
 * n: the predicted bytes.  Inlined, o stays in registers (outlined, each
 * field's bits were a read-modify-write of memory: 17 ns a record). */
static inline __attribute__((always_inline)) void
within_record(struct predicted *o, const void *src, size_t n, unsigned type, int sign)
{
	uint32_t pid = (uint32_t)sign * get32(src, HDR(pid));
	uint64_t start = (uint64_t)sign * get64(src, HDR(start_ns));

	put32(o, HDR(tgid), get32(src, HDR(tgid)) + pid);
	if (n < PREDICTED_BYTES)
		return;
	switch (type) {
	case PA_EV_FORK:
		put64(o, FORK(task_start_ns), get64(src, FORK(task_start_ns)) + start);
		put32(o, FORK(ids.vpid), get32(src, FORK(ids.vpid)) + pid);
		put32(o, FORK(parent_tgid),
		      get32(src, FORK(parent_tgid)) + (uint32_t)sign * get32(src, FORK(parent_pid)));
		break;
	case PA_EV_EXIT:
		put64(o, EXIT(task_start_ns), get64(src, EXIT(task_start_ns)) + start);
		/* A task's times add up to its life (in every exit of a storm):
		 * its sleeping time is what the others leave.  Decoding, the
		 * task start and ts read here are already restored. */
		put64(o, EXIT(time_ns[PA_T_SLEEPING]),
		      get64(src, EXIT(time_ns[PA_T_SLEEPING])) +
			      (uint64_t)sign * (get64(src, HDR(ts_ns)) - get64(src, EXIT(task_start_ns)) -
						get64(src, EXIT(time_ns[PA_T_RUNNING])) -
						get64(src, EXIT(time_ns[PA_T_RUNNABLE])) -
						get64(src, EXIT(time_ns[PA_T_BLOCKED]))));
		break;
	case PA_EV_EXEC:
		put32(o, EXEC(ids.vpid), get32(src, EXEC(ids.vpid)) + pid);
		break;
	}
}

/* ts_ns, pid and start_ns of src less (sign -1) or plus (+1) the last
 * record's, into o; this record's, as they were before coding, become
 * the last. */
static inline __attribute__((always_inline)) void
against_last(struct pa_codec *k, struct predicted *o, const void *src, int sign)
{
	uint64_t ts = get64(src, HDR(ts_ns)), start = get64(src, HDR(start_ns));
	uint32_t pid = get32(src, HDR(pid));
	uint64_t ts_out = ts + (uint64_t)sign * k->last_ts;
	uint64_t start_out = start + (uint64_t)sign * k->last_start;
	uint32_t pid_out = pid + (uint32_t)sign * k->last_pid;

	put64(o, HDR(ts_ns), ts_out);
	put32(o, HDR(pid), pid_out);
	put64(o, HDR(start_ns), start_out);
	/* this record's own values, before coding or after decoding */
	k->last_ts = sign < 0 ? ts : ts_out;
	k->last_pid = sign < 0 ? pid : pid_out;
	k->last_start = sign < 0 ? start : start_out;
}

static void remember(struct pa_codec *k, unsigned kind, uint32_t len, uint64_t bits,
		     unsigned words)
{
	struct pa_codec_last *l = &k->last[kind];

	if (l->nwords > words)
		memset(l->words + words, 0, (l->nwords - words) * sizeof(uint32_t));
	l->nwords = (uint8_t)words;
	l->len = len;
	l->bits = bits;
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

/* Which words of the span differ from last: a bit per word, branch-free
 * (where a record changes is not predictable).  On x86-64, four words at
 * a time, their four bits taken at once by movmskps (SSE2, which every
 * x86-64 has): a third of what extracting each lane cost. */
static uint64_t changed_words(const uint32_t *last, const uint8_t *in, size_t span)
{
	unsigned words = (unsigned)(span + 3) / 4, i = 0;
	uint64_t bits = 0;

#ifdef __SSE2__
	for (unsigned full = (unsigned)span / 4; i + 4 <= full; i += 4) {
		__m128i now = _mm_loadu_si128((const __m128i *)(const void *)(in + 4 * i));
		__m128i was = _mm_loadu_si128((const __m128i *)(const void *)(last + i));
		unsigned same = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(now, was)));

		bits |= (uint64_t)(~same & 15) << i;
	}
#endif
	for (; i < words; i++)
		bits |= (uint64_t)(word_at(in, span, i) != last[i]) << i;
	return bits;
}

/* The kind byte, and the length and bitmap unless they are the last
 * record's of the kind; returns where the varints go. */
static uint8_t *put_head(const struct pa_codec *k, uint8_t *out, unsigned kind, uint32_t len, uint64_t bits,
			 unsigned words)
{
	uint8_t *p = out + 1;

	*out = (uint8_t)kind;
	if (len == k->last[kind].len)
		*out |= PA_CODEC_SAME_LEN;
	else
		p = put_varint(p, len);
	if (bits == k->last[kind].bits) {
		*out |= PA_CODEC_SAME_BITS;
	} else {
		memcpy(p, &bits, (words + 7) / 8); /* little-endian: bit i in byte i / 8 */
		p += (words + 7) / 8;
	}
	return p;
}

/* A word's change from the last record's, zigzagged: small either way. */
static inline uint8_t *put_delta(uint8_t *p, uint32_t delta)
{
	int32_t d = (int32_t)delta;

	return put_varint(p, ((uint32_t)d << 1) ^ (uint32_t)(d >> 31));
}

/* Codes the span word by word: any kind and length. */
static size_t put_words(struct pa_codec *k, uint8_t *out, unsigned kind, uint32_t len, const void *first)
{
	size_t span = pa_codec_span(kind, len);
	unsigned words = (unsigned)(span + 3) / 4;
	uint32_t *last = k->last[kind].words, predicted[PREDICTED_BYTES / 4];
	size_t npredicted = predicted_bytes(kind, span);
	struct predicted o = { .dst = predicted, .last = last };
	uint64_t bits;
	uint8_t *p;

	if (npredicted) {
		within_record(&o, first, npredicted, kind - PA_CODEC_KIND_RAW, -1);
		against_last(k, &o, first, -1);
	}
	/* Which words changed, first: then the head is written in place. */
	bits = (changed_words(last, first, span) & ~o.words) | o.changed;
	p = put_head(k, out, kind, len, bits, words);
	for (uint64_t todo = bits; todo; todo &= todo - 1) {
		unsigned i = (unsigned)__builtin_ctzll(todo);
		uint32_t w = o.words >> i & 1 ? predicted[i] : word_at(first, span, i);

		p = put_delta(p, w - last[i]);
		last[i] = w;
	}
	remember(k, kind, len, bits, words);
	return (size_t)(p - out);
}

#ifdef __SSE2__
/* ---- the vector coder -------------------------------------------------------
 * The same bytes as put_words for the records a storm is made of (forks,
 * exits, and records of a header alone), 16 bytes at a time: each chunk
 * of four words is predicted by vector subtraction (the field it follows
 * moved into its lane), compared with the last record's, and its deltas
 * kept for the varints.  On a fork storm's records put_words ran 356
 * instructions a record (callgrind), this 218 before code_plain_chunks:
 * 42 against 29 ns a record in a tight loop. */
struct chunks {
	const uint8_t *in;
	__m128i *last;                         /* k->last[kind].words */
	_Alignas(16) uint32_t delta[PA_CODEC_WORDS];
	uint64_t bits;
};

static inline __m128i chunk_at(const struct chunks *c, unsigned j)
{
	return _mm_loadu_si128((const __m128i *)(const void *)(c->in + 16 * j));
}

/* The last two words of a span whose length is 8 past a chunk: the lanes
 * past it are zero, as is the last record's room past its length. */
static inline __m128i half_chunk_at(const struct chunks *c, unsigned j)
{
	return _mm_loadl_epi64((const __m128i *)(const void *)(c->in + 16 * j));
}

/* Chunk j, predicted, against the last record's: changed bits and deltas;
 * it becomes the last. */
static inline void code_chunk(struct chunks *c, unsigned j, __m128i now)
{
	__m128i was = _mm_load_si128(&c->last[j]);
	unsigned same = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(now, was)));

	c->bits |= (uint64_t)(~same & 15) << (4 * j);
	_mm_store_si128((__m128i *)(void *)&c->delta[4 * j], _mm_sub_epi32(now, was));
	_mm_store_si128(&c->last[j], now);
}

/* Chunks [from, to), none with a field predicted.  When all equal the
 * last record's (a storm's forks: the same cgroup name), one test stands
 * for each chunk's compare and stores. */
static inline void code_plain_chunks(struct chunks *c, unsigned from, unsigned to)
{
	__m128i differ = _mm_setzero_si128();

	for (unsigned j = from; j < to; j++)
		differ = _mm_or_si128(differ, _mm_xor_si128(chunk_at(c, j), _mm_load_si128(&c->last[j])));
	if (_mm_movemask_epi8(_mm_cmpeq_epi8(differ, _mm_setzero_si128())) == 0xffff)
		return;
	for (unsigned j = from; j < to; j++)
		code_chunk(c, j, chunk_at(c, j));
}

/* Lane 1 alone: where a record's pid is subtracted from its tgid and vpid. */
static inline __m128i lane1(__m128i v)
{
	return _mm_and_si128(v, _mm_set_epi32(0, 0, -1, 0));
}

/* The header's three chunks (the comm's last 8 bytes are the caller's):
 * ts, pid and start_ns against the last record's, tgid against pid.
 * Returns the pid in lane 1, for the caller's fields. */
static inline __m128i code_header(struct pa_codec *k, struct chunks *c)
{
	__m128i ts_chunk = chunk_at(c, 0), pid_chunk = chunk_at(c, 1), start_chunk = chunk_at(c, 2);
	__m128i pid1 = lane1(_mm_slli_si128(pid_chunk, 4));

	code_chunk(c, 0, _mm_sub_epi64(ts_chunk, _mm_set_epi64x((long long)k->last_ts, 0)));
	code_chunk(c, 1, _mm_sub_epi32(pid_chunk, _mm_or_si128(pid1, _mm_cvtsi32_si128((int)k->last_pid))));
	code_chunk(c, 2, _mm_sub_epi64(start_chunk, _mm_set_epi64x(0, (long long)k->last_start)));
	k->last_ts = get64(c->in, HDR(ts_ns));
	k->last_pid = get32(c->in, HDR(pid));
	k->last_start = get64(c->in, HDR(start_ns));
	return pid1;
}

static void code_fork(struct pa_codec *k, struct chunks *c)
{
	__m128i pid1 = code_header(k, c), parent_chunk = chunk_at(c, 3);
	_Static_assert(FORK(parent_tgid) == 60 && FORK(task_start_ns) == 72 && FORK(ids.vpid) == 100 &&
			       sizeof(struct pa_fork_event) == 13 * 16,
		       "the lanes below");

	/* parent_tgid (lane 3) less parent_pid (lane 2) */
	code_chunk(c, 3, _mm_sub_epi32(parent_chunk,
				       _mm_and_si128(_mm_slli_si128(parent_chunk, 4), _mm_set_epi32(-1, 0, 0, 0))));
	/* task_start_ns (upper half) less start_ns (chunk 2's lower half) */
	code_chunk(c, 4, _mm_sub_epi64(chunk_at(c, 4), _mm_slli_si128(chunk_at(c, 2), 8)));
	code_chunk(c, 5, chunk_at(c, 5));
	code_chunk(c, 6, _mm_sub_epi32(chunk_at(c, 6), pid1)); /* vpid less pid */
	code_plain_chunks(c, 7, 13); /* the cgroup name */
}

static void code_exit(struct pa_codec *k, struct chunks *c)
{
	const void *e = c->in;
	/* what the others leave of the task's life (within_record) */
	uint64_t sleeping = get64(e, HDR(ts_ns)) - get64(e, EXIT(task_start_ns)) -
			    get64(e, EXIT(time_ns[PA_T_RUNNING])) - get64(e, EXIT(time_ns[PA_T_RUNNABLE])) -
			    get64(e, EXIT(time_ns[PA_T_BLOCKED]));
	_Static_assert(EXIT(task_start_ns) == 64 && EXIT(time_ns[PA_T_SLEEPING]) == 88 &&
			       sizeof(struct pa_exit_event) == 6 * 16 + 8,
		       "the lanes below");

	code_header(k, c);
	code_chunk(c, 3, chunk_at(c, 3));
	/* task_start_ns (lower half) less start_ns (chunk 2's lower half) */
	code_chunk(c, 4, _mm_sub_epi64(chunk_at(c, 4), _mm_move_epi64(chunk_at(c, 2))));
	code_chunk(c, 5, _mm_sub_epi64(chunk_at(c, 5), _mm_set_epi64x((long long)sleeping, 0)));
	code_chunk(c, 6, half_chunk_at(c, 6));
}

/* 0 when the record is not of a shape the vector coder knows. */
static size_t put_chunks(struct pa_codec *k, uint8_t *out, unsigned kind, uint32_t len, const void *first,
			 size_t span)
{
	struct chunks c; /* not zeroed: code_chunk writes the deltas the bits name */
	unsigned words = (unsigned)span / 4;
	uint8_t *p;

	c.in = first;
	c.last = (__m128i *)(void *)k->last[kind].words;
	c.bits = 0;

	if (kind == PA_CODEC_KIND_RAW + PA_EV_FORK && span == sizeof(struct pa_fork_event)) {
		code_fork(k, &c);
	} else if (kind == PA_CODEC_KIND_RAW + PA_EV_EXIT && span == sizeof(struct pa_exit_event)) {
		code_exit(k, &c);
	} else if (kind >= PA_CODEC_KIND_RAW && span == HEADER_BYTES) {
		_Static_assert(HEADER_BYTES == 3 * 16 + 8, "the header's chunks");
		code_header(k, &c);
		code_chunk(&c, 3, half_chunk_at(&c, 3));
	} else {
		return 0;
	}
	/* A half chunk's upper lanes held the last record's words if it was
	 * longer: no part of this one (remember zeros them). */
	c.bits &= ~0ull >> (64 - words);
	p = put_head(k, out, kind, len, c.bits, words);
	for (uint64_t todo = c.bits; todo; todo &= todo - 1)
		p = put_delta(p, c.delta[__builtin_ctzll(todo)]);
	remember(k, kind, len, c.bits, words);
	return (size_t)(p - out);
}
#endif

size_t pa_codec_put(struct pa_codec *k, uint8_t *out, unsigned kind, uint32_t len, const void *first)
{
#ifdef __SSE2__
	size_t n = put_chunks(k, out, kind, len, first, pa_codec_span(kind, len));

	if (n)
		return n;
#endif
	return put_words(k, out, kind, len, first);
}

size_t pa_codec_get_head(const struct pa_codec *k, const uint8_t *in, size_t n, unsigned *kind,
			 uint32_t *len)
{
	const uint8_t *p;

	if (!n)
		return 0;
	*kind = in[0] & ~(PA_CODEC_SAME_LEN | PA_CODEC_SAME_BITS);
	if (in[0] & PA_CODEC_SAME_LEN) {
		*len = *kind < PA_CODEC_KINDS ? k->last[*kind].len : 0;
		return 1;
	}
	p = get_varint(in + 1, in + n, len);
	return p ? (size_t)(p - in) : 0;
}

bool pa_codec_get_span(struct pa_codec *k, const uint8_t *in, size_t n, unsigned kind, bool same_bits,
		       uint32_t len, uint32_t *span, size_t *used)
{
	size_t spanlen = pa_codec_span(kind, len), npredicted = predicted_bytes(kind, spanlen);
	unsigned words = (unsigned)(spanlen + 3) / 4, nbitmap = (words + 7) / 8;
	const uint8_t *p = in, *end = in + n;
	uint32_t *last = k->last[kind].words;
	uint64_t bits = k->last[kind].bits, todo;

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
	if (npredicted) { /* the bases first */
		struct predicted o = { .dst = span };

		against_last(k, &o, span, 1);
		within_record(&o, span, npredicted, kind - PA_CODEC_KIND_RAW, 1);
	}
	remember(k, kind, len, bits, words);
	*used = (size_t)(p - in);
	return true;
}
