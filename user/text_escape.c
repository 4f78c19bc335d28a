// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <string.h>

#include "text_escape.h"
#include "utf8.h"

#define PA_COMM_COLUMNS 16

static void put_hex(struct strbuf *sb, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	sb_append(sb, esc, sizeof(esc));
}

/* Bytes to copy as they are at s[i]: 1 for printable ASCII, the length of
 * a well-formed UTF-8 sequence that is not a C1 control (U+0080..U+009F:
 * CSI is U+009B); 0 for anything a terminal could act on or misread. */
static size_t printable_len(const unsigned char *s, size_t len, size_t i)
{
	size_t n;

	if (s[i] < 0x80)
		return s[i] >= 0x20 && s[i] != 0x7f;
	n = pa_utf8_seq_len(s + i, len - i);
	if (n == 2 && s[i] == 0xc2 && s[i + 1] <= 0x9f)
		return 0;
	return n;
}

static void escape(struct strbuf *sb, const char *str, size_t len, bool in_quotes)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0, i = 0;

	while (i < len) {
		size_t n = printable_len(s, len, i);

		if (n && !(in_quotes && s[i] == '\'')) {
			i += n;
			continue;
		}
		sb_append(sb, str + run, i - run);
		if (n)
			sb_append(sb, "'\\''", 4);
		else
			put_hex(sb, s[i]);
		run = ++i;
	}
	sb_append(sb, str + run, len - run);
}

void pa_text_escape(struct strbuf *sb, const char *s, size_t len)
{
	escape(sb, s, len, false);
}

static bool needs_quotes(const char *s, size_t len)
{
	if (!len)
		return true;
	for (size_t i = 0; i < len; i++) {
		if (strchr(" \t\n'\"\\$`*?[]{}()<>|&;#~!", s[i]) && s[i])
			return true;
	}
	return false;
}

void pa_text_quote(struct strbuf *sb, const char *s, size_t len)
{
	if (!needs_quotes(s, len)) {
		escape(sb, s, len, false);
		return;
	}
	sb_putc(sb, '\'');
	escape(sb, s, len, true);
	sb_putc(sb, '\'');
}

void pa_text_quote_comm(struct strbuf *sb, const char *comm)
{
	size_t start = sb->len;
	size_t width;

	escape(sb, comm, strnlen(comm, PA_COMM_COLUMNS), false);
	width = pa_utf8_columns(sb->buf + start, sb->len - start);
	while (width++ < PA_COMM_COLUMNS)
		sb_putc(sb, ' ');
	sb_putc(sb, ' ');
}
