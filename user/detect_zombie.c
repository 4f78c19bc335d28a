// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "detect_zombie.h"

struct group_entry {
	struct pa_zombie_group g;
	UT_hash_handle hh;
};

static struct group_entry *group_of(struct group_entry **groups, uint32_t ppid)
{
	struct group_entry *e;

	HASH_FIND(hh, *groups, &ppid, sizeof(ppid), e);
	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->g.ppid = ppid;
	e->g.oldest_exit_ns = UINT64_MAX;
	HASH_ADD(hh, *groups, g.ppid, sizeof(e->g.ppid), e);
	return e;
}

/* Keep the fresh list ordered by exit time, the oldest first. */
static void add_fresh(struct pa_zombie_group *g, struct pa_proc *p)
{
	unsigned n = g->nr_fresh < PA_ZOMBIE_LIST_MAX ? g->nr_fresh : PA_ZOMBIE_LIST_MAX;
	unsigned i = n;

	if (!g->oldest_fresh || p->exit_ns < g->oldest_fresh->exit_ns)
		g->oldest_fresh = p;
	g->nr_fresh++;
	while (i > 0 && g->fresh[i - 1]->exit_ns > p->exit_ns)
		i--;
	if (i == PA_ZOMBIE_LIST_MAX)
		return;
	if (n == PA_ZOMBIE_LIST_MAX)
		n--; /* the youngest falls off the end */
	memmove(&g->fresh[i + 1], &g->fresh[i], (n - i) * sizeof(g->fresh[0]));
	g->fresh[i] = p;
}

unsigned pa_detect_zombies(struct pa_table *t, uint64_t now_ns, uint64_t after_ns, pa_zombie_fn fn,
			   void *ctx)
{
	struct group_entry *groups = NULL, *e, *etmp;
	struct pa_proc *p;
	unsigned reported = 0;
	bool complete = true;

	pa_table_foreach_zombie(t, p) {
		e = group_of(&groups, p->ppid);
		if (!e) {
			complete = false; /* out of memory: report nothing, retry next scan */
			break;
		}
		e->g.nr_held++;
		if (p->exit_ns < e->g.oldest_exit_ns)
			e->g.oldest_exit_ns = p->exit_ns;
		if (!p->zombie_reported && now_ns >= p->exit_ns + after_ns)
			add_fresh(&e->g, p);
	}
	HASH_ITER(hh, groups, e, etmp) {
		if (complete && e->g.nr_fresh) {
			fn(ctx, &e->g);
			reported += e->g.nr_fresh;
		}
		HASH_DEL(groups, e);
		free(e);
	}
	if (!reported)
		return 0;
	pa_table_foreach_zombie(t, p) {
		if (!p->zombie_reported && now_ns >= p->exit_ns + after_ns)
			p->zombie_reported = true;
	}
	return reported;
}
