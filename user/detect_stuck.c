// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <stdlib.h>

#include "detect_stuck.h"

struct pa_stuck_seen {
	uint32_t tid;
	uint64_t since_ns; /* the block reported: a new block has a new start */
	bool present;      /* seen in this scan */
	UT_hash_handle hh;
};

void pa_stuck_init(struct pa_stuck_tracker *t)
{
	t->seen = NULL;
}

void pa_stuck_free(struct pa_stuck_tracker *t)
{
	struct pa_stuck_seen *s, *tmp;

	HASH_ITER(hh, t->seen, s, tmp) {
		HASH_DEL(t->seen, s);
		free(s);
	}
}

static bool already_reported(struct pa_stuck_tracker *t, const struct pa_dthread *d)
{
	struct pa_stuck_seen *s;

	HASH_FIND(hh, t->seen, &d->tid, sizeof(d->tid), s);
	if (!s)
		return false;
	s->present = true;
	return s->since_ns == d->since_ns;
}

static void remember(struct pa_stuck_tracker *t, const struct pa_dthread *d)
{
	struct pa_stuck_seen *s;

	HASH_FIND(hh, t->seen, &d->tid, sizeof(d->tid), s);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return;
		s->tid = d->tid;
		HASH_ADD(hh, t->seen, tid, sizeof(s->tid), s);
	}
	s->since_ns = d->since_ns;
	s->present = true;
}

void pa_stuck_scan(struct pa_stuck_tracker *t, const struct pa_dthread *d, size_t n, uint64_t now_ns,
		   uint64_t after_ns, pa_stuck_fn fn, void *ctx)
{
	struct pa_stuck_seen *s, *tmp;

	HASH_ITER(hh, t->seen, s, tmp)
		s->present = false;
	for (size_t i = 0; i < n; i++) {
		if (now_ns < d[i].since_ns + after_ns || already_reported(t, &d[i]))
			continue;
		fn(ctx, &d[i]);
		remember(t, &d[i]);
	}
	/* A thread gone from D ended its block: forget it. */
	HASH_ITER(hh, t->seen, s, tmp) {
		if (!s->present) {
			HASH_DEL(t->seen, s);
			free(s);
		}
	}
}
