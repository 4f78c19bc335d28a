// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "json_piece.h"

bool pa_json_piece_keep(struct pa_json_piece *p, const struct jw *w, size_t mark)
{
	const char *text = w->buf + mark;
	size_t len = w->len - mark;

	p->valid = false;
	if (jw_failed(w) || mark > w->len)
		return false;
	/* Members start with a key ('"'): a comma first is the writer's
	 * separator from what came before, which jw_members adds again. */
	if (len && *text == ',') {
		text++;
		len--;
	}
	if (len > sizeof(p->text))
		return false;
	if (len)
		memcpy(p->text, text, len);
	p->len = len;
	p->valid = true;
	return true;
}

void pa_json_piece_put(struct jw *w, const struct pa_json_piece *p)
{
	jw_members(w, p->text, p->len);
}
