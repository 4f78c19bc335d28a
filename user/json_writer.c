// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "utf8.h"

/* First allocation: a few typical event lines, so a steady stream only
 * reallocates for outliers such as a huge argv. */
#define JW_MIN_CAP 1024
/* UINT64_MAX has 20 decimal digits. */
#define JW_U64_DIGITS 20
/* Byte-lane masks for scanning a string a 64-bit word at a time. */
#define JW_ONES 0x0101010101010101ULL
#define JW_HIGHS 0x8080808080808080ULL

void jw_init(struct jw *w)
{
	memset(w, 0, sizeof(*w));
}

void jw_free(struct jw *w)
{
	free(w->buf);
	jw_init(w);
}

void jw_reset(struct jw *w)
{
	w->len = 0;
	w->depth = 0;
	w->after_key = false;
	w->failed = false;
}

bool jw_failed(const struct jw *w)
{
	return w->failed;
}

static void jw_fail(struct jw *w)
{
	w->failed = true;
}

/* Slow path of jw_reserve: at least double, so appends cost O(1) amortised. */
static bool jw_grow(struct jw *w, size_t n)
{
	size_t need, cap;
	char *buf;

	if (n > SIZE_MAX - w->len) {
		jw_fail(w);
		return false;
	}
	need = w->len + n;
	cap = w->cap ? w->cap : JW_MIN_CAP;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;

	buf = realloc(w->buf, cap);
	if (!buf) {
		/* The old buffer stays owned by w and is freed by jw_free. */
		jw_fail(w);
		return false;
	}
	w->buf = buf;
	w->cap = cap;
	return true;
}

static inline bool jw_reserve(struct jw *w, size_t n)
{
	if (w->failed)
		return false;
	if (w->cap - w->len >= n)
		return true;
	return jw_grow(w, n);
}

static inline void jw_append(struct jw *w, const void *p, size_t n)
{
	/* n == 0 may come with p == NULL, which memcpy must not see. */
	if (!n || !jw_reserve(w, n))
		return;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static inline void jw_putc(struct jw *w, char c)
{
	if (!jw_reserve(w, 1))
		return;
	w->buf[w->len++] = c;
}

/* Bytes that go into a JSON string as they are. */
static inline bool jw_is_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/*
 * Eight bytes at once: true if every one is plain.  Each term sets a
 * byte's high bit for one kind of special byte (Bit Twiddling Hacks,
 * "hasless" and "haszero"); borrows and carries only leave a byte that is
 * itself special, so the answer for the word as a whole is exact.
 */
static inline bool jw_word_is_plain(const unsigned char *p)
{
	uint64_t x, q, b;

	memcpy(&x, p, sizeof(x));	/* one unaligned load, no aliasing issue */
	q = x ^ (JW_ONES * '"');
	b = x ^ (JW_ONES * '\\');
	return !((((x - JW_ONES * 0x20) & ~x) |	/* < 0x20 */
		  (x + JW_ONES) | x |		/* >= 0x7f */
		  ((q - JW_ONES) & ~q) |	/* '"' */
		  ((b - JW_ONES) & ~b)) &	/* '\\' */
		 JW_HIGHS);
}

/* Two-character escapes, by byte; 0 means \u00XX. */
static const char jw_short_esc[0x80] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	['"'] = '"', ['\\'] = '\\',
};

/* One byte that cannot be copied: a JSON escape, or U+FFFD for a byte that
 * is not part of well-formed UTF-8.  The replacement is written escaped so
 * that it stays distinguishable from a real U+FFFD in the input. */
static void jw_put_escape(struct jw *w, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0' };

	if (c >= 0x80) {
		jw_append(w, "\\ufffd", 6);
		return;
	}
	if (jw_short_esc[c]) {
		esc[1] = jw_short_esc[c];
		jw_append(w, esc, 2);
		return;
	}
	esc[4] = hex[c >> 4];
	esc[5] = hex[c & 0xf];
	jw_append(w, esc, sizeof(esc));
}

/* The quoted string.  Runs of bytes needing no change (ASCII and
 * well-formed UTF-8) are found first, ASCII a word at a time, and copied
 * with one memcpy. */
static void jw_put_string(struct jw *w, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;	/* run: first byte not yet copied */
	size_t n;

	/* Most strings need no escape at all: one reservation, one copy. */
	while (len - i >= sizeof(uint64_t) && jw_word_is_plain(s + i))
		i += sizeof(uint64_t);
	while (i < len && jw_is_plain(s[i]))
		i++;
	if (i == len) {
		if (!jw_reserve(w, len + 2))
			return;
		w->buf[w->len++] = '"';
		memcpy(w->buf + w->len, s, len);
		w->len += len;
		w->buf[w->len++] = '"';
		return;
	}
	jw_putc(w, '"');
	while (i < len) {
		if (len - i >= sizeof(uint64_t) && jw_word_is_plain(s + i)) {
			i += sizeof(uint64_t);
			continue;
		}
		if (jw_is_plain(s[i])) {
			i++;
			continue;
		}
		if (s[i] >= 0x80 && (n = pa_utf8_seq_len(s + i, len - i))) {
			i += n;
			continue;
		}
		jw_append(w, s + run, i - run);
		jw_put_escape(w, s[i]);
		run = ++i;
	}
	jw_append(w, s + run, i - run);
	jw_putc(w, '"');
}

/* The comma before an element or member, if it is not the first. */
static void jw_separate(struct jw *w)
{
	bool *first = &w->first[w->depth - 1];

	if (*first)
		*first = false;
	else
		jw_putc(w, ',');
}

/* Before every value: separate it, and refuse a value where JSON wants a
 * key.  Returns false if nothing may be written. */
static bool jw_value_begin(struct jw *w)
{
	if (w->failed)
		return false;
	if (w->after_key) {
		w->after_key = false;
		return true;
	}
	if (w->depth == 0)
		return true;
	if (w->is_object[w->depth - 1]) {
		jw_fail(w);
		return false;
	}
	jw_separate(w);
	return true;
}

static void jw_container_begin(struct jw *w, char open, bool is_object)
{
	if (!jw_value_begin(w))
		return;
	if (w->depth == JW_MAX_DEPTH) {
		jw_fail(w);
		return;
	}
	jw_putc(w, open);
	w->first[w->depth] = true;
	w->is_object[w->depth] = is_object;
	w->depth++;
}

static void jw_container_end(struct jw *w, char close, bool is_object)
{
	if (w->failed)
		return;
	if (w->depth == 0 || w->is_object[w->depth - 1] != is_object || w->after_key) {
		jw_fail(w);
		return;
	}
	w->depth--;
	jw_putc(w, close);
}

void jw_object_begin(struct jw *w)
{
	jw_container_begin(w, '{', true);
}

void jw_object_end(struct jw *w)
{
	jw_container_end(w, '}', true);
}

void jw_array_begin(struct jw *w)
{
	jw_container_begin(w, '[', false);
}

void jw_array_end(struct jw *w)
{
	jw_container_end(w, ']', false);
}

void jw_key(struct jw *w, const char *key)
{
	if (w->failed)
		return;
	if (!key || w->depth == 0 || !w->is_object[w->depth - 1] || w->after_key) {
		jw_fail(w);
		return;
	}
	jw_separate(w);
	jw_put_string(w, key, strlen(key));
	jw_putc(w, ':');
	w->after_key = true;
}

void jw_string_len(struct jw *w, const char *s, size_t len)
{
	if (!s) {
		jw_null(w);
		return;
	}
	if (jw_value_begin(w))
		jw_put_string(w, s, len);
}

void jw_string(struct jw *w, const char *s)
{
	jw_string_len(w, s, s ? strlen(s) : 0);
}

/* Digits from the right into a local buffer: no snprintf on the hot path. */
static void jw_put_u64(struct jw *w, uint64_t v)
{
	char tmp[JW_U64_DIGITS];
	char *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jw_append(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void jw_uint(struct jw *w, uint64_t v)
{
	if (jw_value_begin(w))
		jw_put_u64(w, v);
}

void jw_int(struct jw *w, int64_t v)
{
	if (!jw_value_begin(w))
		return;
	if (v < 0) {
		jw_putc(w, '-');
		/* Negate in unsigned arithmetic: -INT64_MIN overflows int64_t. */
		jw_put_u64(w, 0 - (uint64_t)v);
	} else {
		jw_put_u64(w, (uint64_t)v);
	}
}

void jw_bool(struct jw *w, bool v)
{
	if (!jw_value_begin(w))
		return;
	if (v)
		jw_append(w, "true", 4);
	else
		jw_append(w, "false", 5);
}

void jw_null(struct jw *w)
{
	if (jw_value_begin(w))
		jw_append(w, "null", 4);
}

void jw_kv_string(struct jw *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_string(w, v);
}

void jw_kv_string_len(struct jw *w, const char *k, const char *v, size_t len)
{
	jw_key(w, k);
	jw_string_len(w, v, len);
}

void jw_kv_ascii(struct jw *w, const char *k, const char *v, size_t len)
{
	jw_key(w, k);
	if (!jw_value_begin(w))
		return;
	jw_putc(w, '"');
	jw_append(w, v, len);
	jw_putc(w, '"');
}

void jw_kv_uint(struct jw *w, const char *k, uint64_t v)
{
	jw_key(w, k);
	jw_uint(w, v);
}

void jw_kv_int(struct jw *w, const char *k, int64_t v)
{
	jw_key(w, k);
	jw_int(w, v);
}

void jw_kv_bool(struct jw *w, const char *k, bool v)
{
	jw_key(w, k);
	jw_bool(w, v);
}

void jw_kv_null(struct jw *w, const char *k)
{
	jw_key(w, k);
	jw_null(w);
}

void jw_raw(struct jw *w, const char *s, size_t len)
{
	jw_append(w, s, len);
}

const char *jw_cstr(struct jw *w)
{
	if (!jw_reserve(w, 1))
		return NULL;
	w->buf[w->len] = '\0';
	return w->buf;
}
