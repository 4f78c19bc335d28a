// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "waitgraph.h"

const char *pa_wait_kind_name(enum pa_wait_kind k)
{
	switch (k) {
	case PA_WAIT_MUTEX:
		return "mutex";
	case PA_WAIT_PI_FUTEX:
		return "futex";
	case PA_WAIT_FLOCK:
		return "flock";
	case PA_WAIT_POSIX_LOCK:
		return "posix_lock";
	case PA_WAIT_OFD_LOCK:
		return "ofd_lock";
	}
	return "unknown";
}

/* ======================================================================
 * The graph
 * ====================================================================== */

/* A waiting thread: its out-edges are edges[first..end). */
struct wg_node {
	uint32_t tid;
	uint32_t tgid;
	uint32_t first;
	uint32_t end;
};

/*
 * Nodes are sorted by tid, so "a larger tid" is "a larger index".  An
 * edge's targets are a range of by_tgid (nodes by tgid then tid): one
 * entry for a thread holder, all of a process's waiting threads for a
 * process holder.  A range of by_tgid stands for both without copying.
 */
struct wg {
	struct pa_wait_edge *edges; /* sorted by waiter, duplicates dropped */
	uint32_t nr_edges;
	struct wg_node *nodes;
	uint32_t nr_nodes;
	uint32_t *by_tgid;
	uint32_t *tgt_lo; /* per edge: its targets are by_tgid[tgt_lo..tgt_hi) */
	uint32_t *tgt_hi;
	uint32_t *pos;    /* per node: its index in by_tgid */
	bool *on_path;
};

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_edge(const void *pa, const void *pb)
{
	const struct pa_wait_edge *a = pa, *b = pb;

	int c;

	if ((c = cmp_u32(a->waiter_tid, b->waiter_tid)) || (c = cmp_u32(a->kind, b->kind)) ||
	    (c = cmp_u32(a->resource_dev, b->resource_dev)) || (c = cmp_u64(a->resource, b->resource)) ||
	    (c = cmp_u32(a->holder_tid, b->holder_tid)))
		return c;
	return cmp_u32(a->holder_tgid, b->holder_tgid);
}

static int cmp_by_tgid(const void *pa, const void *pb, void *nodes)
{
	const struct wg_node *a = (const struct wg_node *)nodes + *(const uint32_t *)pa;
	const struct wg_node *b = (const struct wg_node *)nodes + *(const uint32_t *)pb;

	return a->tgid != b->tgid ? cmp_u32(a->tgid, b->tgid) : cmp_u32(a->tid, b->tid);
}

static void wg_free(struct wg *g)
{
	free(g->edges);
	free(g->nodes);
	free(g->by_tgid);
	free(g->tgt_lo);
	free(g->tgt_hi);
	free(g->pos);
	free(g->on_path);
}

static int wg_alloc(struct wg *g, size_t n)
{
	memset(g, 0, sizeof(*g));
	g->edges = calloc(n, sizeof(*g->edges));
	g->nodes = calloc(n, sizeof(*g->nodes));
	g->by_tgid = calloc(n, sizeof(*g->by_tgid));
	g->tgt_lo = calloc(n, sizeof(*g->tgt_lo));
	g->tgt_hi = calloc(n, sizeof(*g->tgt_hi));
	g->pos = calloc(n, sizeof(*g->pos));
	g->on_path = calloc(n, sizeof(*g->on_path));
	if (!g->edges || !g->nodes || !g->by_tgid || !g->tgt_lo || !g->tgt_hi || !g->pos ||
	    !g->on_path) {
		wg_free(g);
		return -ENOMEM;
	}
	return 0;
}

/* Sorted, duplicates (same wait, same holder) dropped, one node per waiter. */
static void wg_add_edges(struct wg *g, const struct pa_wait_edge *edges, size_t n)
{
	memcpy(g->edges, edges, n * sizeof(*edges));
	qsort(g->edges, n, sizeof(*edges), cmp_edge);
	for (size_t i = 0; i < n; i++) {
		struct pa_wait_edge *e = &g->edges[g->nr_edges];
		struct wg_node *last = g->nr_nodes ? &g->nodes[g->nr_nodes - 1] : NULL;

		if (g->nr_edges && !cmp_edge(&g->edges[g->nr_edges - 1], &g->edges[i]))
			continue;
		*e = g->edges[i];
		if (!last || last->tid != e->waiter_tid) {
			last = &g->nodes[g->nr_nodes++];
			last->tid = e->waiter_tid;
			last->tgid = e->waiter_tgid;
			last->first = g->nr_edges;
		}
		last->end = ++g->nr_edges;
	}
}

static int find_tid(const struct wg *g, uint32_t tid)
{
	uint32_t lo = 0, hi = g->nr_nodes;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (g->nodes[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->nr_nodes && g->nodes[lo].tid == tid ? (int)lo : -1;
}

/* The first entry of by_tgid whose tgid is >= tgid. */
static uint32_t tgid_lower_bound(const struct wg *g, uint32_t tgid, bool strict)
{
	uint32_t lo = 0, hi = g->nr_nodes;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t t = g->nodes[g->by_tgid[mid]].tgid;

		if (t < tgid || (strict && t == tgid))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void wg_link(struct wg *g)
{
	for (uint32_t i = 0; i < g->nr_nodes; i++)
		g->by_tgid[i] = i;
	qsort_r(g->by_tgid, g->nr_nodes, sizeof(*g->by_tgid), cmp_by_tgid, g->nodes);
	for (uint32_t i = 0; i < g->nr_nodes; i++)
		g->pos[g->by_tgid[i]] = i;

	for (uint32_t e = 0; e < g->nr_edges; e++) {
		const struct pa_wait_edge *edge = &g->edges[e];
		int node;

		if (edge->holder_tid) {
			/* A holder that waits on nothing cannot close a cycle: no target. */
			node = find_tid(g, edge->holder_tid);
			g->tgt_lo[e] = node < 0 ? 0 : g->pos[node];
			g->tgt_hi[e] = node < 0 ? 0 : g->pos[node] + 1;
			continue;
		}
		g->tgt_lo[e] = tgid_lower_bound(g, edge->holder_tgid, false);
		g->tgt_hi[e] = tgid_lower_bound(g, edge->holder_tgid, true);
	}
}

/* ======================================================================
 * The search
 * ====================================================================== */

/* One thread of the current path and where its search stands. */
struct wg_frame {
	uint32_t node;
	uint32_t edge; /* the out-edge being followed */
	uint32_t cur;  /* the next target of it, in by_tgid */
};

struct wg_search {
	struct wg *g;
	struct pa_wait_cycle *out;
	size_t max_cycles;
	size_t nr_cycles;
	uint64_t steps;
	struct pa_wg_stats *stats;
	struct wg_frame path[PA_WG_MAX_CYCLE_LEN];
};

static void push(struct wg_search *s, uint32_t depth, uint32_t node)
{
	struct wg_frame *f = &s->path[depth];

	f->node = node;
	f->edge = s->g->nodes[node].first;
	f->cur = s->g->tgt_lo[f->edge];
	s->g->on_path[node] = true;
}

/* The frame's next target node, or -1 when all its edges are done. */
static int next_target(const struct wg *g, struct wg_frame *f)
{
	while (f->cur >= g->tgt_hi[f->edge]) {
		if (++f->edge >= g->nodes[f->node].end)
			return -1;
		f->cur = g->tgt_lo[f->edge];
	}
	return g->by_tgid[f->cur++];
}

static void emit(struct wg_search *s, uint32_t depth)
{
	struct pa_wait_cycle *c;

	if (s->nr_cycles >= s->max_cycles) {
		s->stats->cycles_capped++;
		return;
	}
	c = &s->out[s->nr_cycles++];
	memset(c, 0, sizeof(*c));
	c->len = depth + 1;
	for (uint32_t i = 0; i <= depth; i++)
		c->edges[i] = s->g->edges[s->path[i].edge];
}

/*
 * Every cycle through start whose other threads all have larger tids:
 * so each cycle is found once, from its smallest tid, and comes out
 * already rotated.  Depth-first over the threads not yet on the path.
 * Returns false when the step budget is spent.
 */
static bool search_from(struct wg_search *s, uint32_t start)
{
	struct wg *g = s->g;
	int depth = 0;
	bool ok = true;

	push(s, 0, start);
	while (depth >= 0) {
		int t = next_target(g, &s->path[depth]);

		if (t < 0) {
			g->on_path[s->path[depth--].node] = false;
			continue;
		}
		if (++s->steps > PA_WG_MAX_STEPS) {
			ok = false;
			break;
		}
		if ((uint32_t)t == start)
			emit(s, depth);
		else if ((uint32_t)t < start || g->on_path[t])
			continue;
		else if (depth + 1 >= PA_WG_MAX_CYCLE_LEN)
			s->stats->too_long++;
		else
			push(s, ++depth, t);
	}
	for (; depth >= 0; depth--)
		g->on_path[s->path[depth].node] = false;
	return ok;
}

int pa_wait_cycles(const struct pa_wait_edge *edges, size_t n, struct pa_wait_cycle *out,
		   size_t max_cycles, struct pa_wg_stats *stats)
{
	struct pa_wg_stats unused = { 0 };
	struct wg_search s = { .out = out, .max_cycles = max_cycles, .stats = stats ? stats : &unused };
	struct wg g;

	if (!n)
		return 0;
	if (s.max_cycles > INT_MAX)
		s.max_cycles = INT_MAX;
	if (n > UINT32_MAX || wg_alloc(&g, n))
		return -ENOMEM;
	wg_add_edges(&g, edges, n);
	wg_link(&g);
	s.g = &g;
	for (uint32_t i = 0; i < g.nr_nodes; i++) {
		if (!search_from(&s, i)) {
			s.stats->steps_capped++;
			break;
		}
	}
	wg_free(&g);
	return (int)s.nr_cycles;
}
