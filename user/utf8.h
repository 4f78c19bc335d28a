/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PA_UTF8_H
#define PA_UTF8_H

#include <stddef.h>

/* Length (2..4) of the well-formed multi-byte UTF-8 sequence at s, or 0
 * if s[0] does not start one (ASCII included); avail bytes may be read. */
size_t pa_utf8_seq_len(const unsigned char *s, size_t avail);

/* Display columns of a UTF-8 string: one per code point (no wide glyphs in
 * comm or argv that we lay out). */
size_t pa_utf8_columns(const char *s, size_t len);

#endif
