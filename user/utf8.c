// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "utf8.h"

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629, the table in
 * Unicode 15 section 3.9), or 0 if the first byte does not start one.
 * Only the second byte's range depends on the lead byte; it excludes
 * overlongs (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
 */
size_t pa_utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;	/* ASCII, continuation, C0/C1 (always overlong), F5..FF */
	if (avail < n)
		return 0;

	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	return n;
}

size_t pa_utf8_columns(const char *s, size_t len)
{
	size_t cols = 0;

	for (size_t i = 0; i < len; i++)
		cols += ((unsigned char)s[i] & 0xc0) != 0x80;
	return cols;
}
