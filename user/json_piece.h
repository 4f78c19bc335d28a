/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A piece of a JSON line rendered once and copied into later lines: some
 * members of an object, as a writer made them.  Most of an event repeats
 * from line to line (who the process and its parent are, their
 * credentials), and copying it costs a fraction of writing and escaping
 * it again.
 *
 * A piece does not know when it is stale: whoever keeps one keeps the
 * values it was rendered from beside it, renders it from those values
 * alone, and uses it only for equal values (json_ident.c).
 */
#ifndef PA_JSON_PIECE_H
#define PA_JSON_PIECE_H

#include <stdbool.h>
#include <stddef.h>

#include "json_writer.h"

/* Larger pieces are not kept (they are written each time instead). */
#define PA_JSON_PIECE_MAX 384

struct pa_json_piece {
	bool valid;
	size_t len;
	char text[PA_JSON_PIECE_MAX];
};

/* Where members about to be written into the open object of w begin. */
static inline size_t pa_json_piece_mark(const struct jw *w)
{
	return w->len;
}

/* Keep the members written into w's open object since mark.  false (and
 * p invalid) if the writer failed or they do not fit. */
bool pa_json_piece_keep(struct pa_json_piece *p, const struct jw *w, size_t mark);
/* The kept members into the open object of w. */
void pa_json_piece_put(struct jw *w, const struct pa_json_piece *p);

#endif
