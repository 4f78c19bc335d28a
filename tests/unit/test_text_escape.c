// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * text_escape: what reaches a terminal.  Control bytes become \xNN (C0,
 * DEL, C1 raw and in UTF-8 form), as does every byte that is not valid
 * UTF-8; valid UTF-8 passes, arguments a shell would split are
 * single-quoted, comm is padded to 16 columns.
 */
#include <stdio.h>

#include "synth.h"

#include "strbuf.h"
#include "text_escape.h"

static int setup(void **state)
{
	struct strbuf *sb = malloc(sizeof(*sb));

	if (!sb)
		return -1;
	sb_init(sb);
	*state = sb;
	return 0;
}

static int teardown(void **state)
{
	sb_free(*state);
	free(*state);
	return 0;
}

/* The output of one call on a fresh buffer; in may hold NULs (len bytes). */
static const char *escaped(struct strbuf *sb, const char *in, size_t len)
{
	sb_reset(sb);
	pa_text_escape(sb, in, len);
	return sb->buf ? sb->buf : "";
}

static const char *quoted(struct strbuf *sb, const char *in, size_t len)
{
	sb_reset(sb);
	pa_text_quote(sb, in, len);
	return sb->buf ? sb->buf : "";
}

static const char *comm(struct strbuf *sb, const char *in)
{
	sb_reset(sb);
	pa_text_quote_comm(sb, in);
	return sb->buf ? sb->buf : "";
}

#define ESC(sb, lit) escaped((sb), (lit), sizeof(lit) - 1)
#define QUOTE(sb, lit) quoted((sb), (lit), sizeof(lit) - 1)

/* ---- escaping ----------------------------------------------------------- */

static void test_plain_ascii_unchanged(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(ESC(sb, "hello world"), "hello world", "printable ASCII");
	CHECK_STR(ESC(sb, "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./"), "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./",
		  "every ASCII punctuation mark");
	CHECK_STR(ESC(sb, ""), "", "empty");
}

static void test_c0_controls_escaped(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(ESC(sb, "\x01"), "\\x01", "SOH");
	CHECK_STR(ESC(sb, "a\tb"), "a\\x09b", "tab");
	CHECK_STR(ESC(sb, "a\nb"), "a\\x0ab", "newline");
	CHECK_STR(ESC(sb, "a\rb"), "a\\x0db", "carriage return");
	CHECK_STR(ESC(sb, "\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m", "ANSI colour sequence");
	CHECK_STR(ESC(sb, "\x1f"), "\\x1f", "last C0 byte");
	CHECK_STR(ESC(sb, " "), " ", "space is not a control");
}

static void test_nul_and_del_escaped(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(ESC(sb, "a\0b"), "a\\x00b", "NUL inside the length");
	CHECK_STR(ESC(sb, "\x7f"), "\\x7f", "DEL");
	CHECK_STR(ESC(sb, "~\x7f"), "~\\x7f", "DEL after the last printable");
}

/* U+0080..U+009F as UTF-8 is C2 80..C2 9F; U+009B is CSI. */
static void test_c1_utf8_form_escaped(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(ESC(sb, "a\xc2\x9b" "2Jb"), "a\\xc2\\x9b2Jb", "CSI as UTF-8");
	CHECK_STR(ESC(sb, "\xc2\x80"), "\\xc2\\x80", "U+0080, first C1");
	CHECK_STR(ESC(sb, "\xc2\x9f"), "\\xc2\\x9f", "U+009F, last C1");
	CHECK_STR(ESC(sb, "\xc2\xa0"), "\xc2\xa0", "U+00A0 (no-break space) is not C1");
}

/* A raw C1 byte (not part of a UTF-8 sequence) is CSI to an 8-bit
 * terminal; text_escape.h promises both forms are escaped. */
static void test_c1_raw_byte_escaped(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(ESC(sb, "a\x9b" "2Jb"), "a\\x9b2Jb", "raw CSI");
	CHECK_STR(ESC(sb, "\x80"), "\\x80", "raw 0x80");
}

/* Bytes that do not form valid UTF-8 are shown as \xNN: a terminal could
 * misread them, and they are not text anyway. */
static void test_invalid_utf8_escaped(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(ESC(sb, "x\xc2"), "x\\xc2", "a lead byte cut off at the end");
	CHECK_STR(ESC(sb, "\xe2\x9c" "a"), "\\xe2\\x9ca", "a 3-byte sequence missing its last byte");
	CHECK_STR(ESC(sb, "\xc0\xaf"), "\\xc0\\xaf", "overlong '/'");
	CHECK_STR(ESC(sb, "\xed\xa0\x80"), "\\xed\\xa0\\x80", "a UTF-16 surrogate");
	CHECK_STR(ESC(sb, "\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80", "above U+10FFFF");
	CHECK_STR(ESC(sb, "\xff\xfe"), "\\xff\\xfe", "bytes never in UTF-8");
	CHECK_STR(ESC(sb, "\xa9" "b"), "\\xa9b", "a stray continuation byte");
}

static void test_valid_utf8_kept(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(ESC(sb, "h\xc3\xa9llo"), "h\xc3\xa9llo", "two-byte (e acute)");
	CHECK_STR(ESC(sb, "\xe2\x9c\x93"), "\xe2\x9c\x93", "three-byte (check mark)");
	CHECK_STR(ESC(sb, "\xe6\x97\xa5\xe6\x9c\xac"), "\xe6\x97\xa5\xe6\x9c\xac", "CJK");
	CHECK_STR(ESC(sb, "\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80", "four-byte (emoji)");
}

/* Continuation bytes 0x80..0x9F inside valid sequences are not C1. */
static void test_utf8_continuation_in_c1_range_kept(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(ESC(sb, "\xc4\x9b"), "\xc4\x9b", "U+011B (e caron): C4 9B");
	CHECK_STR(ESC(sb, "\xe2\x9c\x9b"), "\xe2\x9c\x9b", "U+271B: E2 9C 9B");
	CHECK_STR(ESC(sb, "\xe2\x80\x94"), "\xe2\x80\x94", "em dash: E2 80 94");
}

static void test_escape_never_quotes(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(ESC(sb, "a b 'c'"), "a b 'c'", "spaces and quotes untouched");
}

static void test_escape_appends(void **state)
{
	struct strbuf *sb = *state;

	sb_reset(sb);
	sb_puts(sb, "pre:");
	pa_text_escape(sb, "x\x01", 2);
	CHECK_STR(sb->buf, "pre:x\\x01", "appended after existing content");
}

/* ---- quoting ------------------------------------------------------------ */

static void test_quote_plain_word_bare(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(QUOTE(sb, "ls"), "ls", "a word");
	CHECK_STR(QUOTE(sb, "-l"), "-l", "an option");
	CHECK_STR(QUOTE(sb, "/usr/bin/env"), "/usr/bin/env", "a path");
	CHECK_STR(QUOTE(sb, "a=b,c:d@e%f+g"), "a=b,c:d@e%f+g", "harmless punctuation");
	CHECK_STR(QUOTE(sb, "h\xc3\xa9"), "h\xc3\xa9", "UTF-8");
}

static void test_quote_empty(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(QUOTE(sb, ""), "''", "empty argument");
}

static void test_quote_spaces(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(QUOTE(sb, "a b"), "'a b'", "space");
	CHECK_STR(QUOTE(sb, " "), "' '", "only a space");
	CHECK_STR(QUOTE(sb, "echo hi there"), "'echo hi there'", "several spaces");
}

static void test_quote_single_quote(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(QUOTE(sb, "it's"), "'it'\\''s'", "quote inside");
	CHECK_STR(QUOTE(sb, "'"), "''\\'''", "a lone quote");
	CHECK_STR(QUOTE(sb, "''"), "''\\'''\\'''", "two quotes");
}

static void test_quote_shell_metacharacters(void **state)
{
	static const char *const meta[] = { "$HOME", "a*", "a?", "[a]", "{a}", "(a)", "a<b", "a>b",
					    "a|b", "a&b", "a;b", "#x", "~", "a!", "\"a\"", "a\\b", "`a`" };
	char want[32];
	struct strbuf *sb = *state;

	for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++) {
		snprintf(want, sizeof(want), "'%s'", meta[i]);
		CHECK_STR(quoted(sb, meta[i], strlen(meta[i])), want, meta[i]);
	}
}

static void test_quote_with_controls(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(QUOTE(sb, "a\x1b" "b"), "a\\x1bb", "a control alone does not force quotes");
	CHECK_STR(QUOTE(sb, "a b\x1b"), "'a b\\x1b'", "escaped inside quotes");
	CHECK_STR(QUOTE(sb, "a\tb"), "'a\\x09b'", "tab splits words: quoted and escaped");
	CHECK_STR(QUOTE(sb, "a\nb"), "'a\\x0ab'", "newline: quoted and escaped");
}

/* ---- comm --------------------------------------------------------------- */

static void test_comm_padded_to_16(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(comm(sb, "bash"), "bash             ", "4 chars + 12 pad + separator");
	CHECK_U(sb->len, 17, "16 columns and one space");
	CHECK_STR(comm(sb, ""), "                 ", "empty comm");
	CHECK_STR(comm(sb, "kworker/u16:2-ev"), "kworker/u16:2-ev ", "16 chars: no pad");
}

/* Only the first 16 bytes count even without a NUL among them. */
static void test_comm_reads_at_most_16(void **state)
{
	struct strbuf *sb = *state;
	const char raw[20] = "0123456789abcdefXYZ";

	CHECK_STR(comm(sb, raw), "0123456789abcdef ", "cut at 16 bytes");
}

static void test_comm_escaped_not_quoted(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(comm(sb, "a b"), "a b              ", "space: not quoted");
	CHECK_STR(comm(sb, "a\x1b"), "a\\x1b            ", "escape takes 5 columns, 11 pad, 1 separator");
	CHECK_STR(comm(sb, "\x1b\x1b\x1b\x1b\x1b"), "\\x1b\\x1b\\x1b\\x1b\\x1b ",
		  "wider than 16 after escaping: no pad, one space");
}

/* "Padded to 16 columns": a multi-byte character is one column. */
static void test_comm_padding_counts_columns(void **state)
{
	struct strbuf *sb = *state;

	CHECK_STR(comm(sb, "caf\xc3\xa9"), "caf\xc3\xa9             ", "4 columns in 5 bytes: 12 pad");
}

static void test_comm_appends(void **state)
{
	struct strbuf *sb = *state;

	sb_reset(sb);
	sb_puts(sb, "12345 ");
	pa_text_quote_comm(sb, "sh");
	CHECK_STR(sb->buf, "12345 sh               ", "padding counts from where comm starts");
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_plain_ascii_unchanged),
		T(test_c0_controls_escaped),
		T(test_nul_and_del_escaped),
		T(test_c1_utf8_form_escaped),
		T(test_c1_raw_byte_escaped),
		T(test_invalid_utf8_escaped),
		T(test_valid_utf8_kept),
		T(test_utf8_continuation_in_c1_range_kept),
		T(test_escape_never_quotes),
		T(test_escape_appends),
		T(test_quote_plain_word_bare),
		T(test_quote_empty),
		T(test_quote_spaces),
		T(test_quote_single_quote),
		T(test_quote_shell_metacharacters),
		T(test_quote_with_controls),
		T(test_comm_padded_to_16),
		T(test_comm_reads_at_most_16),
		T(test_comm_escaped_not_quoted),
		T(test_comm_padding_counts_columns),
		T(test_comm_appends),
	};
#undef T

	return cmocka_run_group_tests_name("text_escape", tests, NULL, NULL);
}
