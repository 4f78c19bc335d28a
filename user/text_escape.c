// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <string.h>

#include "text_escape.h"

#define PA_COMM_COLUMNS 16

static bool is_control(const unsigned char *s, size_t len, size_t i)
{
	if (s[i] < 0x20 || s[i] == 0x7f)
		return true;
	/* U+0080..U+009F in UTF-8 are C2 80..C2 9F: C1 controls (CSI is U+009B). */
	if (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
		return true;
	return false;
}

static void put_hex(struct strbuf *sb, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	sb_append(sb, esc, sizeof(esc));
}

static void escape(struct strbuf *sb, const char *str, size_t len, bool in_quotes)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		bool ctl = is_control(s, len, i);

		if (!ctl && !(in_quotes && s[i] == '\''))
			continue;
		sb_append(sb, str + run, i - run);
		if (ctl) {
			put_hex(sb, s[i]);
			if (s[i] == 0xc2) /* the C1 pair: escape both bytes */
				put_hex(sb, s[++i]);
		} else {
			sb_append(sb, "'\\''", 4);
		}
		run = i + 1;
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
	width = sb->len - start;
	while (width++ < PA_COMM_COLUMNS)
		sb_putc(sb, ' ');
	sb_putc(sb, ' ');
}
