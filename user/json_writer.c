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

void jw_restart(struct jw *w)
{
	w->depth = 0;
	w->after_key = false;
	w->failed = false;
}

void jw_reset(struct jw *w)
{
	w->len = 0;
	jw_restart(w);
}

void jw_attach(struct jw *w, char *buf, size_t len, size_t cap)
{
	jw_free(w);
	w->buf = buf;
	w->len = len;
	w->cap = cap;
}

void jw_detach(struct jw *w, char **buf, size_t *len, size_t *cap)
{
	*buf = w->buf;
	*len = w->len;
	*cap = w->cap;
	jw_init(w);
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

/*
 * memcpy for the short pieces most of a line is made of (keys, names,
 * numbers): two overlapping loads and stores instead of a library call.
 * Reads and writes only [0, n).
 */
static inline void jw_copy(char *dst, const char *src, size_t n)
{
	uint64_t a, b;
	uint32_t c, d;

	if (n > 16) {
		memcpy(dst, src, n);
	} else if (n >= 8) {
		memcpy(&a, src, 8);
		memcpy(&b, src + n - 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&c, src, 4);
		memcpy(&d, src + n - 4, 4);
		memcpy(dst, &c, 4);
		memcpy(dst + n - 4, &d, 4);
	} else if (n) {
		dst[0] = src[0];
		dst[n / 2] = src[n / 2];
		dst[n - 1] = src[n - 1];
	}
}

static inline void jw_append(struct jw *w, const void *p, size_t n)
{
	/* n == 0 may come with p == NULL, which memcpy must not see. */
	if (!n || !jw_reserve(w, n))
		return;
	jw_copy(w->buf + w->len, p, n);
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
static inline bool jw_bits_are_plain(uint64_t x)
{
	uint64_t q, b;

	q = x ^ (JW_ONES * '"');
	b = x ^ (JW_ONES * '\\');
	return !((((x - JW_ONES * 0x20) & ~x) |	/* < 0x20 */
		  (x + JW_ONES) | x |		/* >= 0x7f */
		  ((q - JW_ONES) & ~q) |	/* '"' */
		  ((b - JW_ONES) & ~b)) &	/* '\\' */
		 JW_HIGHS);
}

static inline bool jw_word_is_plain(const unsigned char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));	/* one unaligned load, no aliasing issue */
	return jw_bits_are_plain(x);
}

/*
 * A string of n <= 8 bytes as one word: each of its bytes at least once,
 * spaces (plain) for the rest.  Built in registers from overlapping
 * loads: bytes stored one by one and read back as a word would stall on
 * store forwarding.
 */
static inline uint64_t jw_short_word(const unsigned char *s, size_t n)
{
	uint32_t a, b;

	if (n >= 4) {
		memcpy(&a, s, sizeof(a));
		memcpy(&b, s + n - 4, sizeof(b));
		return a | (uint64_t)b << 32;
	}
	if (!n)
		return JW_ONES * ' ';
	return s[0] | (uint64_t)s[n / 2] << 8 | (uint64_t)s[n - 1] << 16 |
	       (JW_ONES * ' ') << 24;
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

/* How many bytes at the start of s are plain: a word at a time, the
 * last few bytes in one more word (overlapping the ones before, or built
 * by jw_short_word), one by one only if something needs an escape. */
static inline size_t jw_plain_prefix(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (len - i >= sizeof(uint64_t) && jw_word_is_plain(s + i))
		i += sizeof(uint64_t);
	if (i == len)
		return len;
	if (len - i < sizeof(uint64_t)) {
		if (len >= sizeof(uint64_t) ? jw_word_is_plain(s + len - sizeof(uint64_t)) :
					      jw_bits_are_plain(jw_short_word(s, len)))
			return len;
	}
	while (i < len && jw_is_plain(s[i]))
		i++;
	return i;
}

/* Whether all of a short string (a key, mostly) is plain: one or two
 * words, without the loop of jw_plain_prefix. */
static inline bool jw_short_is_plain(const unsigned char *s, size_t len)
{
	if (len <= sizeof(uint64_t))
		return jw_bits_are_plain(jw_short_word(s, len));
	if (len <= 2 * sizeof(uint64_t))
		return jw_word_is_plain(s) && jw_word_is_plain(s + len - sizeof(uint64_t));
	return jw_plain_prefix(s, len) == len;
}

/* The quoted string from byte i on, i being the first that is not plain
 * ASCII: runs of bytes needing no change (ASCII and well-formed UTF-8)
 * are copied whole, the rest escaped one by one. */
static void jw_put_string_escaped(struct jw *w, const unsigned char *s, size_t len, size_t i)
{
	size_t run = 0;	/* first byte not yet copied */
	size_t n;

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

/* The quoted string.  Most strings need no escape at all: one
 * reservation, one copy. */
static void jw_put_string(struct jw *w, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = jw_plain_prefix(s, len);
	char *p;

	if (i < len) {
		jw_put_string_escaped(w, s, len, i);
		return;
	}
	if (!jw_reserve(w, len + 2))
		return;
	p = w->buf + w->len;
	*p = '"';
	jw_copy(p + 1, str, len);
	p[len + 1] = '"';
	w->len += len + 2;
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

void jw_key_len(struct jw *w, const char *key, size_t len)
{
	if (w->failed)
		return;
	if (!key || w->depth == 0 || !w->is_object[w->depth - 1] || w->after_key) {
		jw_fail(w);
		return;
	}
	if (!jw_short_is_plain((const unsigned char *)key, len)) {
		w->after_key = true;
		jw_separate(w);
		jw_put_string(w, key, len);
		jw_putc(w, ':');
		return;
	}
	/* The common case in one reservation: ,"key": */
	if (jw_reserve(w, len + 4))
		jw_put_plain_key(w, key, len);
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

/* "00" to "99": two digits per division. */
static const char jw_digit_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Digits from the right into a local buffer: no snprintf on the hot path. */
static void jw_put_u64(struct jw *w, uint64_t v)
{
	char tmp[JW_U64_DIGITS];
	char *p = tmp + sizeof(tmp);

	while (v >= 100) {
		p -= 2;
		memcpy(p, jw_digit_pairs + v % 100 * 2, 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, jw_digit_pairs + v * 2, 2);
	} else {
		*--p = (char)('0' + v);
	}
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

void jw_ascii(struct jw *w, const char *v, size_t len)
{
	char *p;

	if (!jw_value_begin(w) || !jw_reserve(w, len + 2))
		return;
	p = w->buf + w->len;
	*p = '"';
	jw_copy(p + 1, v, len);
	p[len + 1] = '"';
	w->len += len + 2;
}

void jw_members(struct jw *w, const char *text, size_t len)
{
	if (w->failed)
		return;
	if (w->depth == 0 || !w->is_object[w->depth - 1] || w->after_key) {
		jw_fail(w);
		return;
	}
	if (!len)
		return;
	jw_separate(w);
	jw_append(w, text, len);
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
