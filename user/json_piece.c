// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "json_piece.h"

void pa_json_piece_begin(struct jw *scratch)
{
	jw_reset(scratch);
	jw_object_begin(scratch);
}

bool pa_json_piece_keep(struct pa_json_piece *p, struct jw *scratch)
{
	jw_object_end(scratch);
	p->valid = false;
	/* { members } */
	if (jw_failed(scratch) || scratch->len - 2 > sizeof(p->text))
		return false;
	p->len = scratch->len - 2;
	memcpy(p->text, scratch->buf + 1, p->len);
	p->valid = true;
	return true;
}

void pa_json_piece_put(struct jw *w, const struct pa_json_piece *p)
{
	jw_members(w, p->text, p->len);
}
