// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * json_writer: exact output for structure, escaping, UTF-8 and numbers,
 * then property tests that feed random bytes and parse the output with
 * jansson, an independent parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <cmocka.h>
#include <jansson.h>

#include "json_writer.h"

#define MIB (1024 * 1024)
/* Property tests: enough cases to hit every byte value many times. */
#define PROP_CASES 2000
#define PROP_MAX_LEN 64
#define PROP_SEED 0x9e3779b97f4a7c15ULL

static int jw_setup(void **state)
{
	struct jw *w = malloc(sizeof(*w));

	if (!w)
		return -1;
	jw_init(w);
	*state = w;
	return 0;
}

static int jw_teardown(void **state)
{
	jw_free(*state);
	free(*state);
	return 0;
}

/* The whole output equals want, with no stray bytes after a NUL. */
static void assert_json(struct jw *w, const char *want)
{
	const char *got;

	assert_false(jw_failed(w));
	got = jw_cstr(w);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(w->len, strlen(want));
}

/* One string value of len bytes; want includes the quotes. */
static void check_str(struct jw *w, const char *in, size_t len, const char *want)
{
	jw_reset(w);
	jw_string_len(w, in, len);
	assert_json(w, want);
}

#define CHECK_STR(w, lit, want) check_str(w, lit, sizeof(lit) - 1, want)

/* ---- literal keys -------------------------------------------------------- */

/* The literal that starts at s (after its opening quote) is plain: no
 * escape sequence, printable ASCII only, and closed on its line. */
static bool literal_is_plain(const char *s)
{
	for (; *s != '"'; s++) {
		if (*s == '\\' || *s < 0x20 || *s >= 0x7f)
			return false;
	}
	return true;
}

/* Literal keys are copied unscanned (json_writer.h), so every one written
 * in user/ -- jw_key(W, "...") and jw_kv_*(W, "...", ...) -- must be plain.
 * Run from the repository's root, as `make test` does. */
static void test_literal_keys_in_the_source_are_plain(void **state)
{
	static const char *const calls[] = { "jw_key(", "jw_kv_" };
	unsigned files = 0, keys = 0;
	glob_t g;

	(void)state;
	assert_int_equal(glob("user/*.c", 0, NULL, &g), 0);
	for (size_t f = 0; f < g.gl_pathc; f++, files++) {
		FILE *fp = fopen(g.gl_pathv[f], "r");
		char line[1024];

		assert_non_null(fp);
		while (fgets(line, sizeof(line), fp)) {
			for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
				for (const char *at = strstr(line, calls[c]); at; at = strstr(at + 1, calls[c])) {
					const char *comma = strchr(at, ',');

					if (!comma || comma[1] != ' ' || comma[2] != '"')
						continue; /* not a literal key */
					keys++;
					if (!literal_is_plain(comma + 3))
						fail_msg("%s: a literal key needs escaping: %s", g.gl_pathv[f], line);
				}
			}
		}
		fclose(fp);
	}
	globfree(&g);
	assert_true(files > 20);
	assert_true(keys > 100); /* the scan found the keys it is about */
}

/* ---- writing after bytes it was lent ------------------------------------ */

/* A line written into a caller's buffer after what it holds (the output
 * queue): the bytes before it untouched, the buffer grown as needed and
 * handed back; jw_restart starts a value there even after a failure. */
static void test_attach_appends_and_detach_returns(void **state)
{
	struct jw *w = *state;
	char *buf = malloc(4), *got;
	size_t len, cap;

	memcpy(buf, "ab\n", 3);
	jw_attach(w, buf, 3, 4);
	jw_object_begin(w);
	jw_kv_string(w, "key", "a value longer than four bytes");
	jw_object_end(w);
	jw_restart(w);
	jw_object_end(w); /* misuse: fails */
	assert_true(jw_failed(w));
	jw_restart(w);
	assert_false(jw_failed(w));
	jw_uint(w, 7);
	jw_detach(w, &got, &len, &cap);
	assert_true(cap >= len);
	assert_int_equal(len, strlen("ab\n{\"key\":\"a value longer than four bytes\"}7"));
	assert_memory_equal(got, "ab\n{\"key\":\"a value longer than four bytes\"}7", len);
	assert_null(w->buf);
	assert_int_equal(w->len, 0);
	free(got);
}

/* ---- structure ---------------------------------------------------------- */

static void test_empty_object(void **state)
{
	struct jw *w = *state;

	jw_object_begin(w);
	jw_object_end(w);
	assert_json(w, "{}");
}

static void test_empty_array(void **state)
{
	struct jw *w = *state;

	jw_array_begin(w);
	jw_array_end(w);
	assert_json(w, "[]");
}

static void test_members_get_commas(void **state)
{
	struct jw *w = *state;

	jw_object_begin(w);
	jw_kv_uint(w, "a", 1);
	jw_kv_int(w, "b", -2);
	jw_kv_string(w, "c", "x");
	jw_object_end(w);
	assert_json(w, "{\"a\":1,\"b\":-2,\"c\":\"x\"}");
}

static void test_array_of_scalars(void **state)
{
	struct jw *w = *state;

	jw_array_begin(w);
	jw_uint(w, 0);
	jw_bool(w, false);
	jw_bool(w, true);
	jw_null(w);
	jw_string(w, "s");
	jw_int(w, -1);
	jw_array_end(w);
	assert_json(w, "[0,false,true,null,\"s\",-1]");
}

static void test_object_in_array_in_object(void **state)
{
	struct jw *w = *state;

	jw_object_begin(w);
	jw_key(w, "a");
	jw_array_begin(w);
	jw_uint(w, 1);
	jw_object_begin(w);
	jw_kv_bool(w, "b", true);
	jw_object_end(w);
	jw_array_begin(w);
	jw_array_end(w);
	jw_object_begin(w);
	jw_object_end(w);
	jw_array_end(w);
	jw_kv_null(w, "c");
	jw_object_end(w);
	assert_json(w, "{\"a\":[1,{\"b\":true},[],{}],\"c\":null}");
}

static void test_top_level_records_ndjson(void **state)
{
	struct jw *w = *state;
	unsigned i;

	for (i = 1; i <= 2; i++) {
		jw_object_begin(w);
		jw_kv_uint(w, "n", i);
		jw_object_end(w);
		jw_raw(w, "\n", 1);
	}
	assert_json(w, "{\"n\":1}\n{\"n\":2}\n");
}

static void test_max_depth_ok(void **state)
{
	struct jw *w = *state;
	char want[2 * JW_MAX_DEPTH + 1];
	unsigned i;

	for (i = 0; i < JW_MAX_DEPTH; i++)
		jw_array_begin(w);
	for (i = 0; i < JW_MAX_DEPTH; i++)
		jw_array_end(w);
	memset(want, '[', JW_MAX_DEPTH);
	memset(want + JW_MAX_DEPTH, ']', JW_MAX_DEPTH);
	want[2 * JW_MAX_DEPTH] = '\0';
	assert_json(w, want);
}

static void test_too_deep_fails(void **state)
{
	struct jw *w = *state;
	unsigned i;

	for (i = 0; i <= JW_MAX_DEPTH; i++) {
		jw_object_begin(w);
		jw_key(w, "k");
	}
	assert_true(jw_failed(w));
	assert_null(jw_cstr(w));
}

static void test_value_without_key_fails(void **state)
{
	struct jw *w = *state;

	jw_object_begin(w);
	jw_uint(w, 1);
	assert_true(jw_failed(w));
}

static void test_key_in_array_fails(void **state)
{
	struct jw *w = *state;

	jw_array_begin(w);
	jw_key(w, "k");
	assert_true(jw_failed(w));
}

static void test_key_at_top_level_fails(void **state)
{
	struct jw *w = *state;

	jw_key(w, "k");
	assert_true(jw_failed(w));
}

static void test_two_keys_fail(void **state)
{
	struct jw *w = *state;

	jw_object_begin(w);
	jw_key(w, "a");
	jw_key(w, "b");
	assert_true(jw_failed(w));
}

static void test_null_key_fails(void **state)
{
	struct jw *w = *state;

	jw_object_begin(w);
	jw_kv_uint(w, NULL, 1);
	assert_true(jw_failed(w));
}

static void test_key_without_value_fails(void **state)
{
	struct jw *w = *state;

	jw_object_begin(w);
	jw_key(w, "k");
	jw_object_end(w);
	assert_true(jw_failed(w));
}

static void test_mismatched_end_fails(void **state)
{
	struct jw *w = *state;

	jw_object_begin(w);
	jw_array_end(w);
	assert_true(jw_failed(w));
}

static void test_end_at_top_level_fails(void **state)
{
	struct jw *w = *state;

	jw_array_end(w);
	assert_true(jw_failed(w));
}

static void test_failed_writer_appends_nothing(void **state)
{
	struct jw *w = *state;
	size_t len;

	jw_object_begin(w);
	jw_uint(w, 1);
	assert_true(jw_failed(w));
	len = w->len;
	jw_kv_string(w, "k", "v");
	jw_raw(w, "x", 1);
	jw_object_end(w);
	assert_int_equal(w->len, len);
	assert_null(jw_cstr(w));
}

static void test_reset_clears_failure(void **state)
{
	struct jw *w = *state;

	jw_array_begin(w);
	jw_key(w, "k");
	assert_true(jw_failed(w));
	jw_reset(w);
	jw_array_begin(w);
	jw_uint(w, 7);
	jw_array_end(w);
	assert_json(w, "[7]");
}

/* White box: pretend the buffer is nearly SIZE_MAX long, so that growing it
 * would overflow; the writer must fail without writing anywhere. */
static void test_size_overflow_fails(void **state)
{
	struct jw *w = *state;
	size_t len, cap;

	jw_uint(w, 1);
	len = w->len;
	cap = w->cap;
	w->len = w->cap = SIZE_MAX - 1;
	jw_raw(w, "abc", 3);
	assert_true(jw_failed(w));
	assert_int_equal(w->len, SIZE_MAX - 1);
	w->len = len;
	w->cap = cap;
	assert_null(jw_cstr(w));
}

static void test_cstr_of_empty_writer(void **state)
{
	struct jw *w = *state;

	assert_json(w, "");
}

static void test_raw_is_verbatim(void **state)
{
	struct jw *w = *state;

	jw_raw(w, "{\"x\":", 5);
	jw_raw(w, NULL, 0);
	jw_raw(w, "\x01}", 2);
	assert_json(w, "{\"x\":\x01}");
}

/* Kept members go in with the commas the object needs, and only where a
 * member may go. */
static void test_members(void **state)
{
	struct jw *w = *state;

	jw_object_begin(w);
	jw_members(w, "\"a\":1,\"b\":2", 11);
	jw_members(w, "", 0);
	jw_kv_uint(w, "c", 3);
	jw_members(w, "\"d\":[4]", 7);
	jw_key(w, "e");
	jw_object_begin(w);
	jw_members(w, "\"f\":5", 5);
	jw_object_end(w);
	jw_object_end(w);
	assert_json(w, "{\"a\":1,\"b\":2,\"c\":3,\"d\":[4],\"e\":{\"f\":5}}");
}

static void test_members_outside_object_fail(void **state)
{
	struct jw *w = *state;

	jw_members(w, "\"a\":1", 5);
	assert_true(jw_failed(w));
	jw_reset(w);
	jw_array_begin(w);
	jw_members(w, "\"a\":1", 5);
	assert_true(jw_failed(w));
	jw_reset(w);
	jw_object_begin(w);
	jw_key(w, "k");
	jw_members(w, "\"a\":1", 5);
	assert_true(jw_failed(w));
}

/* ---- escaping ----------------------------------------------------------- */

static void test_escape_quote_backslash(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "a\"b\\c", "\"a\\\"b\\\\c\"");
	CHECK_STR(w, "\"", "\"\\\"\"");
	CHECK_STR(w, "\\", "\"\\\\\"");
}

static void test_escape_short_forms(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	CHECK_STR(w, "a\nb", "\"a\\nb\"");
}

static void test_slash_not_escaped(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "/usr/bin/env", "\"/usr/bin/env\"");
}

static void test_every_control_byte(void **state)
{
	static const char *const want[0x20] = {
		"\"\\u0000\"", "\"\\u0001\"", "\"\\u0002\"", "\"\\u0003\"",
		"\"\\u0004\"", "\"\\u0005\"", "\"\\u0006\"", "\"\\u0007\"",
		"\"\\b\"",     "\"\\t\"",     "\"\\n\"",     "\"\\u000b\"",
		"\"\\f\"",     "\"\\r\"",     "\"\\u000e\"", "\"\\u000f\"",
		"\"\\u0010\"", "\"\\u0011\"", "\"\\u0012\"", "\"\\u0013\"",
		"\"\\u0014\"", "\"\\u0015\"", "\"\\u0016\"", "\"\\u0017\"",
		"\"\\u0018\"", "\"\\u0019\"", "\"\\u001a\"", "\"\\u001b\"",
		"\"\\u001c\"", "\"\\u001d\"", "\"\\u001e\"", "\"\\u001f\"",
	};
	struct jw *w = *state;
	char c;

	for (c = 0; c < 0x20; c++)
		check_str(w, &c, 1, want[(unsigned char)c]);
}

static void test_control_bytes_between_text(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "a\0b\x1f" "c\x01", "\"a\\u0000b\\u001fc\\u0001\"");
}

/* Strings are scanned a word at a time, the last bytes (or a string
 * shorter than a word) as one more word, overlapping or padded: every byte
 * value at every offset of every length up to two words and one more must
 * come out as it does alone (whose output the cases above pin down), in
 * values and in keys. */
static void check_byte_at(struct jw *w, const char *in, size_t len, size_t pos,
			  const struct jw *alone)
{
	int esc_len = (int)alone->len - 2;	/* without the quotes */
	char want[64], want_key[80];

	snprintf(want, sizeof(want), "\"%.*s%.*s%.*s\"", (int)pos, in, esc_len,
		 alone->buf + 1, (int)(len - pos - 1), in + pos + 1);
	check_str(w, in, len, want);
	snprintf(want_key, sizeof(want_key), "{%s:1}", want);
	jw_reset(w);
	jw_object_begin(w);
	jw_key_len(w, in, len);
	jw_uint(w, 1);
	jw_object_end(w);
	assert_json(w, want_key);
}

static void test_word_scan_matches_byte_scan(void **state)
{
	struct jw *w = *state;
	char in[17];
	struct jw alone;
	unsigned b;
	size_t len, pos;

	jw_init(&alone);
	for (b = 0; b < 256; b++) {
		in[0] = (char)b;
		jw_reset(&alone);
		jw_string_len(&alone, in, 1);
		for (len = 1; len <= sizeof(in); len++) {
			for (pos = 0; pos < len; pos++) {
				memset(in, 'a', sizeof(in));
				in[pos] = (char)b;
				check_byte_at(w, in, len, pos, &alone);
			}
		}
	}
	jw_free(&alone);
}

static void test_escape_del(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\x7f", "\"\\u007f\"");
	CHECK_STR(w, "a\x7f" "b", "\"a\\u007fb\"");
}

static void test_empty_string(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "", "\"\"");
	jw_reset(w);
	jw_string_len(w, NULL, 0);
	assert_json(w, "null");
}

static void test_null_string(void **state)
{
	struct jw *w = *state;

	jw_object_begin(w);
	jw_kv_string(w, "a", NULL);
	jw_key(w, "b");
	jw_string(w, NULL);
	jw_object_end(w);
	assert_json(w, "{\"a\":null,\"b\":null}");
}

/* A key made at run time (a literal must be plain: see below). */
static void test_key_is_escaped(void **state)
{
	struct jw *w = *state;
	const char *volatile key = "a\"b\n\x01\xff";

	jw_object_begin(w);
	jw_kv_uint(w, key, 1);
	jw_object_end(w);
	assert_json(w, "{\"a\\\"b\\n\\u0001\\ufffd\":1}");
}

/* Known-plain values are copied as they are, with the object's commas. */
static void test_kv_ascii(void **state)
{
	struct jw *w = *state;

	jw_object_begin(w);
	jw_kv_ascii(w, "start", "2026-11-26T10:03:26.214895Z", 27);
	jw_kv_ascii(w, "entity_id", "ZTEy=", 3);
	jw_kv_ascii(w, "empty", "", 0);
	jw_object_end(w);
	assert_json(w, "{\"start\":\"2026-11-26T10:03:26.214895Z\",\"entity_id\":\"ZTE\",\"empty\":\"\"}");
}

static void test_kv_string_len_keeps_nul(void **state)
{
	struct jw *w = *state;

	jw_object_begin(w);
	jw_kv_string_len(w, "argv", "ls\0-l\0", 6);
	jw_object_end(w);
	assert_json(w, "{\"argv\":\"ls\\u0000-l\\u0000\"}");
}

/* ---- UTF-8 -------------------------------------------------------------- */

static void test_utf8_two_byte(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "caf\xc3\xa9", "\"caf\xc3\xa9\"");	/* U+00E9 */
	CHECK_STR(w, "\xc2\x80", "\"\xc2\x80\"");		/* U+0080, lowest */
	CHECK_STR(w, "\xdf\xbf", "\"\xdf\xbf\"");		/* U+07FF, highest */
}

static void test_utf8_three_byte(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\xe2\x82\xac", "\"\xe2\x82\xac\"");	/* U+20AC euro */
	CHECK_STR(w, "\xe0\xa0\x80", "\"\xe0\xa0\x80\"");	/* U+0800, lowest */
	CHECK_STR(w, "\xed\x9f\xbf", "\"\xed\x9f\xbf\"");	/* U+D7FF, below surrogates */
	CHECK_STR(w, "\xee\x80\x80", "\"\xee\x80\x80\"");	/* U+E000, above surrogates */
	CHECK_STR(w, "\xef\xbf\xbf", "\"\xef\xbf\xbf\"");	/* U+FFFF */
	CHECK_STR(w, "\xef\xbf\xbd", "\"\xef\xbf\xbd\"");	/* a real U+FFFD stays raw */
}

static void test_utf8_four_byte(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");	/* U+1F600 */
	CHECK_STR(w, "\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");	/* U+10000, lowest */
	CHECK_STR(w, "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");	/* U+10FFFF, highest */
}

static void test_utf8_mixed_with_escapes(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\xc3\xa9\n\xe2\x82\xac\"", "\"\xc3\xa9\\n\xe2\x82\xac\\\"\"");
}

static void test_invalid_lone_continuation(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\x80", "\"\\ufffd\"");
	CHECK_STR(w, "a\xbf" "b", "\"a\\ufffdb\"");
	CHECK_STR(w, "\x80\x80", "\"\\ufffd\\ufffd\"");
}

static void test_invalid_overlong_two_byte(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\xc0\x80", "\"\\ufffd\\ufffd\"");	/* NUL */
	CHECK_STR(w, "\xc1\xbf", "\"\\ufffd\\ufffd\"");	/* U+007F */
	CHECK_STR(w, "\xc0\xaf", "\"\\ufffd\\ufffd\"");	/* '/' */
}

static void test_invalid_overlong_three_byte(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\xe0\x80\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(w, "\xe0\x9f\xbf", "\"\\ufffd\\ufffd\\ufffd\"");	/* U+07FF */
}

static void test_invalid_overlong_four_byte(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\xf0\x8f\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");	/* U+FFFF */
}

static void test_invalid_surrogates(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* U+D800 */
	CHECK_STR(w, "\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");	/* U+DFFF */
}

static void test_invalid_above_max(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");	/* U+110000 */
	CHECK_STR(w, "\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void test_invalid_truncated_at_end(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "a\xc3", "\"a\\ufffd\"");
	CHECK_STR(w, "a\xe2\x82", "\"a\\ufffd\\ufffd\"");
	CHECK_STR(w, "\xf0\x9f\x98", "\"\\ufffd\\ufffd\\ufffd\"");
	/* Cut by the length, though the bytes after it would complete it. */
	check_str(w, "a\xe2\x82\xac", 3, "\"a\\ufffd\\ufffd\"");
	check_str(w, "\xf0\x9f\x98\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
}

static void test_invalid_truncated_before_ascii(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\xe2\x82x", "\"\\ufffd\\ufffdx\"");
	CHECK_STR(w, "\xf0\x9f\x98\n", "\"\\ufffd\\ufffd\\ufffd\\n\"");
}

static void test_invalid_ff_fe(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\xff", "\"\\ufffd\"");
	CHECK_STR(w, "\xfe\xff", "\"\\ufffd\\ufffd\"");
}

static void test_invalid_then_valid_resyncs(void **state)
{
	struct jw *w = *state;

	CHECK_STR(w, "\xff\xc3\xa9", "\"\\ufffd\xc3\xa9\"");
	CHECK_STR(w, "\xe2\xe2\x82\xac", "\"\\ufffd\xe2\x82\xac\"");
}

/* ---- numbers ------------------------------------------------------------ */

static void test_uint_extremes(void **state)
{
	struct jw *w = *state;

	jw_array_begin(w);
	jw_uint(w, 0);
	jw_uint(w, 9);
	jw_uint(w, 10);
	jw_uint(w, 10000000000000000000ULL);
	jw_uint(w, UINT64_MAX);
	jw_array_end(w);
	assert_json(w, "[0,9,10,10000000000000000000,18446744073709551615]");
}

static void test_int_extremes(void **state)
{
	struct jw *w = *state;

	jw_array_begin(w);
	jw_int(w, 0);
	jw_int(w, -1);
	jw_int(w, INT64_MAX);
	jw_int(w, INT64_MIN);
	jw_int(w, INT64_MIN + 1);
	jw_array_end(w);
	assert_json(w, "[0,-1,9223372036854775807,-9223372036854775808,"
		       "-9223372036854775807]");
}

/* ---- buffer ------------------------------------------------------------- */

static void write_event(struct jw *w, uint64_t pid, const char *comm)
{
	jw_reset(w);
	jw_object_begin(w);
	jw_kv_uint(w, "pid", pid);
	jw_kv_string(w, "comm", comm);
	jw_object_end(w);
	jw_raw(w, "\n", 1);
}

static void test_reset_reuses_memory(void **state)
{
	struct jw *w = *state;
	char *big = malloc(64 * 1024);
	const char *buf;
	size_t cap;
	unsigned i;

	assert_non_null(big);
	memset(big, 'x', 64 * 1024 - 1);
	big[64 * 1024 - 1] = '\0';
	write_event(w, 1, big);
	free(big);
	buf = w->buf;
	cap = w->cap;

	for (i = 0; i < 1000; i++)
		write_event(w, i, "sh");
	assert_ptr_equal(w->buf, buf);
	assert_int_equal(w->cap, cap);
	assert_json(w, "{\"pid\":999,\"comm\":\"sh\"}\n");
}

static void test_long_string_grows_buffer(void **state)
{
	struct jw *w = *state;
	char *in = malloc(MIB);
	size_t i;

	assert_non_null(in);
	memset(in, 'x', MIB);
	jw_string_len(w, in, MIB);
	assert_false(jw_failed(w));
	assert_int_equal(w->len, MIB + 2);
	assert_true(w->cap >= w->len);
	assert_int_equal(w->buf[0], '"');
	assert_memory_equal(w->buf + 1, in, MIB);
	assert_int_equal(w->buf[MIB + 1], '"');
	free(in);

	/* Every byte escaped: six output bytes each. */
	jw_reset(w);
	in = malloc(MIB);
	assert_non_null(in);
	memset(in, 0x01, MIB);
	jw_string_len(w, in, MIB);
	free(in);
	assert_false(jw_failed(w));
	assert_int_equal(w->len, 6 * (size_t)MIB + 2);
	for (i = 1; i < w->len - 1; i += 6)
		assert_memory_equal(w->buf + i, "\\u0001", 6);
}

/* ---- properties, checked by jansson ------------------------------------- */

static uint64_t rng_state;

/* xorshift64*: deterministic, good enough to spread bytes. */
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Reference UTF-8 check, written unlike the writer's on purpose: decode the
 * code point, then judge its value.  Returns the sequence length or 0. */
static size_t ref_utf8_len(const unsigned char *s, size_t avail)
{
	static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* What a parser must read back: each bad byte as U+FFFD (EF BF BD).
 * Returns the length; out holds up to 3 * len bytes. */
static size_t ref_decode(const unsigned char *in, size_t len, unsigned char *out,
			 bool *replaced)
{
	size_t i = 0, o = 0, n;

	*replaced = false;
	while (i < len) {
		n = ref_utf8_len(in + i, len - i);
		if (n) {
			memcpy(out + o, in + i, n);
			o += n;
			i += n;
			continue;
		}
		memcpy(out + o, "\xef\xbf\xbd", 3);
		o += 3;
		i++;
		*replaced = true;
	}
	return o;
}

/* UTF-8 encoding of any value below 2^21, surrogates included: the
 * generator wants invalid sequences too. */
static size_t encode_cp(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A random code point below limit; valid_only skips surrogates and keeps
 * below U+110000, otherwise everything that encode_cp can write. */
static uint32_t gen_cp(bool valid_only)
{
	static const uint32_t limit[] = { 0x80, 0x800, 0x10000, 0x200000 };
	uint32_t cp = (uint32_t)(rng() % limit[rng() % 4]);

	if (!valid_only)
		return cp;
	if (cp >= 0xd800 && cp <= 0xdfff)
		cp -= 0x800;
	return cp % 0x110000;
}

/* Random bytes, ASCII, encoded code points and cut-off sequences, so that
 * multi-byte UTF-8 shows up often, not only by chance.  valid_only keeps
 * to well-formed UTF-8, so that exact round trips are tested as often as
 * replacements. */
static size_t gen_bytes(unsigned char *out, size_t max, bool valid_only)
{
	size_t len = rng() % (max + 1), o = 0, n, j;
	unsigned char seq[4];

	while (o < len) {
		switch (rng() % 5) {
		case 0:
			seq[0] = (unsigned char)(valid_only ? rng() % 0x80 : rng());
			n = 1;
			break;
		case 4:
			if (valid_only) {
				seq[0] = (unsigned char)(rng() % 0x80);
				n = 1;
				break;
			}
			/* Any lead byte with continuations: overlongs,
			 * surrogates and values above U+10FFFF, the
			 * boundaries that random bytes rarely hit. */
			seq[0] = (unsigned char)(0xc0 + rng() % 0x40);
			n = 2 + rng() % 3;
			for (j = 1; j < n; j++)
				seq[j] = (unsigned char)(0x80 + rng() % 0x40);
			break;
		case 1:
			seq[0] = (unsigned char)(rng() % 0x80);
			n = 1;
			break;
		case 2:
			n = encode_cp(gen_cp(valid_only), seq);
			break;
		default:
			n = encode_cp(gen_cp(valid_only), seq);
			if (!valid_only && n > 1)
				n--;
			break;
		}
		if (n > len - o) {
			/* A cut sequence is invalid: fill with ASCII instead. */
			seq[0] = valid_only ? 'v' : seq[0];
			n = valid_only ? 1 : len - o;
		}
		memcpy(out + o, seq, n);
		o += n;
	}
	return len;
}

/* jansson rejects \u0000 unless asked: it is valid JSON, but a C string
 * API cannot hold it.  Use flags 0 whenever the input allows it. */
static size_t parse_flags(const unsigned char *in, size_t len)
{
	return memchr(in, 0, len) ? JSON_ALLOW_NUL : 0;
}

/* {"s": in} must parse, and "s" must read back as want. */
static void check_parses_to(struct jw *w, const unsigned char *in, size_t len,
			    const unsigned char *want, size_t want_len)
{
	json_error_t err;
	json_t *root, *s;

	jw_reset(w);
	jw_object_begin(w);
	jw_kv_string_len(w, "s", (const char *)in, len);
	jw_object_end(w);
	assert_false(jw_failed(w));

	root = json_loadb(w->buf, w->len, parse_flags(in, len), &err);
	if (!root)
		fail_msg("jansson rejected %.*s: %s", (int)w->len, w->buf, err.text);
	assert_true(json_is_object(root));
	assert_int_equal(json_object_size(root), 1);
	s = json_object_get(root, "s");
	assert_true(json_is_string(s));
	assert_int_equal(json_string_length(s), want_len);
	assert_memory_equal(json_string_value(s), want, want_len);
	json_decref(root);
}

static void test_prop_random_bytes_parse(void **state)
{
	struct jw *w = *state;
	unsigned char in[PROP_MAX_LEN], want[3 * PROP_MAX_LEN];
	bool seen[256] = { false };
	unsigned valid = 0, i;
	size_t len, want_len, j;
	bool replaced;

	rng_state = PROP_SEED;
	for (i = 0; i < PROP_CASES; i++) {
		len = gen_bytes(in, PROP_MAX_LEN, i % 2);
		for (j = 0; j < len; j++)
			seen[in[j]] = true;
		want_len = ref_decode(in, len, want, &replaced);
		if (!replaced) {
			/* Valid UTF-8 must come back byte for byte. */
			assert_int_equal(want_len, len);
			assert_memory_equal(want, in, len);
			valid++;
		}
		check_parses_to(w, in, len, want, want_len);
	}
	for (j = 0; j < 256; j++)
		assert_true(seen[j]);
	/* Both outcomes must be common for the test to mean anything. */
	assert_true(valid >= PROP_CASES / 2);
	assert_true(valid < PROP_CASES - PROP_CASES / 4);
}

static void test_prop_ascii_round_trips(void **state)
{
	struct jw *w = *state;
	unsigned char in[PROP_MAX_LEN];
	size_t len, j;
	unsigned i;

	rng_state = PROP_SEED ^ 1;
	for (i = 0; i < PROP_CASES; i++) {
		len = rng() % (PROP_MAX_LEN + 1);
		for (j = 0; j < len; j++)
			in[j] = (unsigned char)(rng() % 0x80);
		check_parses_to(w, in, len, in, len);
	}
}

static void test_prop_random_keys_parse(void **state)
{
	struct jw *w = *state;
	unsigned char in[PROP_MAX_LEN + 1], want[3 * PROP_MAX_LEN];
	size_t len, want_len, j;
	json_error_t err;
	json_t *root;
	void *it;
	unsigned i;
	bool replaced;

	rng_state = PROP_SEED ^ 2;
	for (i = 0; i < PROP_CASES; i++) {
		/* Keys are C strings: no NUL inside. */
		len = gen_bytes(in, PROP_MAX_LEN, i % 2);
		for (j = 0; j < len; j++)
			in[j] = in[j] ? in[j] : 'z';
		in[len] = '\0';
		want_len = ref_decode(in, len, want, &replaced);

		jw_reset(w);
		jw_object_begin(w);
		jw_kv_uint(w, (const char *)in, i);
		jw_object_end(w);
		assert_false(jw_failed(w));

		root = json_loadb(w->buf, w->len, 0, &err);
		if (!root)
			fail_msg("jansson rejected %.*s: %s", (int)w->len, w->buf, err.text);
		it = json_object_iter(root);
		assert_non_null(it);
		assert_int_equal(json_object_iter_key_len(it), want_len);
		assert_memory_equal(json_object_iter_key(it), want, want_len);
		assert_int_equal(json_integer_value(json_object_iter_value(it)), i);
		json_decref(root);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, jw_setup, jw_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty_object),
		T(test_empty_array),
		T(test_members_get_commas),
		T(test_array_of_scalars),
		T(test_object_in_array_in_object),
		T(test_top_level_records_ndjson),
		T(test_max_depth_ok),
		T(test_too_deep_fails),
		T(test_value_without_key_fails),
		T(test_key_in_array_fails),
		T(test_key_at_top_level_fails),
		T(test_two_keys_fail),
		T(test_null_key_fails),
		T(test_key_without_value_fails),
		T(test_mismatched_end_fails),
		T(test_end_at_top_level_fails),
		T(test_failed_writer_appends_nothing),
		T(test_reset_clears_failure),
		T(test_size_overflow_fails),
		T(test_cstr_of_empty_writer),
		T(test_raw_is_verbatim),
		T(test_members),
		T(test_members_outside_object_fail),
		T(test_escape_quote_backslash),
		T(test_escape_short_forms),
		T(test_slash_not_escaped),
		T(test_every_control_byte),
		T(test_control_bytes_between_text),
		T(test_word_scan_matches_byte_scan),
		T(test_escape_del),
		T(test_empty_string),
		T(test_null_string),
		T(test_key_is_escaped),
		T(test_kv_ascii),
		T(test_kv_string_len_keeps_nul),
		T(test_utf8_two_byte),
		T(test_utf8_three_byte),
		T(test_utf8_four_byte),
		T(test_utf8_mixed_with_escapes),
		T(test_invalid_lone_continuation),
		T(test_invalid_overlong_two_byte),
		T(test_invalid_overlong_three_byte),
		T(test_invalid_overlong_four_byte),
		T(test_invalid_surrogates),
		T(test_invalid_above_max),
		T(test_invalid_truncated_at_end),
		T(test_invalid_truncated_before_ascii),
		T(test_invalid_ff_fe),
		T(test_invalid_then_valid_resyncs),
		T(test_uint_extremes),
		T(test_int_extremes),
		T(test_reset_reuses_memory),
		T(test_long_string_grows_buffer),
		T(test_prop_random_bytes_parse),
		T(test_prop_ascii_round_trips),
		T(test_prop_random_keys_parse),
		T(test_attach_appends_and_detach_returns),
		T(test_literal_keys_in_the_source_are_plain),
	};

	return cmocka_run_group_tests_name("json_writer", tests, NULL, NULL);
}
