/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Text for a terminal: argv and comm come from any process and may hold
 * escape sequences that would reprogram the user's terminal.  Control
 * bytes (C0, DEL, and C1 in both raw and UTF-8 form) become \xNN; an
 * argument that a shell would split or that is empty is single-quoted, so
 * the line reads back as the command that ran.
 */
#ifndef PA_TEXT_ESCAPE_H
#define PA_TEXT_ESCAPE_H

#include <stddef.h>

#include "strbuf.h"

void pa_text_quote(struct strbuf *sb, const char *s, size_t len);
/* comm padded to 16 columns, escaped but never quoted, then one space. */
void pa_text_quote_comm(struct strbuf *sb, const char *comm);
/* Escape only (no quoting): for the tree's command lines. */
void pa_text_escape(struct strbuf *sb, const char *s, size_t len);

#endif
