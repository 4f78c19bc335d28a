// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tracker of waitgraph.h: which deadlock cycles were already reported.
 * Cycles are few (a scan returns at most its caller's cap), so the known
 * ones are a sorted array of keys, rebuilt by each update.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "waitgraph.h"

/* One wait of a cycle; no padding, so keys compare with memcmp. */
struct key_item {
	uint32_t tid;
	uint32_t kind;
	uint32_t dev;
	uint32_t zero;
	uint64_t resource;
};

/* A cycle as a set: its waits sorted, the unused items zero. */
struct cycle_key {
	uint32_t len;
	uint32_t zero;
	struct key_item items[PA_WG_MAX_CYCLE_LEN];
};

struct pa_cycle_tracker {
	struct cycle_key *keys; /* sorted by memcmp */
	size_t nr_keys;
};

/* A key and the cycle it came from, to find repeats within one update. */
struct keyed {
	struct cycle_key key;
	size_t index;
};

static int cmp_item(const void *pa, const void *pb)
{
	return memcmp(pa, pb, sizeof(struct key_item));
}

static int cmp_key(const void *pa, const void *pb)
{
	return memcmp(pa, pb, sizeof(struct cycle_key));
}

static int cmp_keyed(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	int c = cmp_key(&a->key, &b->key);

	if (c)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

static void make_key(const struct pa_wait_cycle *c, struct cycle_key *k)
{
	uint32_t len = c->len <= PA_WG_MAX_CYCLE_LEN ? c->len : PA_WG_MAX_CYCLE_LEN;

	memset(k, 0, sizeof(*k));
	k->len = len;
	for (uint32_t i = 0; i < len; i++) {
		k->items[i].tid = c->edges[i].waiter_tid;
		k->items[i].kind = c->edges[i].kind;
		k->items[i].dev = c->edges[i].resource_dev;
		k->items[i].resource = c->edges[i].resource;
	}
	qsort(k->items, len, sizeof(k->items[0]), cmp_item);
}

struct pa_cycle_tracker *pa_cycle_tracker__new(void)
{
	return calloc(1, sizeof(struct pa_cycle_tracker));
}

void pa_cycle_tracker__free(struct pa_cycle_tracker *t)
{
	if (!t)
		return;
	free(t->keys);
	free(t);
}

size_t pa_cycle_tracker__count(const struct pa_cycle_tracker *t)
{
	return t->nr_keys;
}

static bool known(const struct pa_cycle_tracker *t, const struct cycle_key *k)
{
	return t->nr_keys && bsearch(k, t->keys, t->nr_keys, sizeof(*k), cmp_key);
}

static void forget_all(struct pa_cycle_tracker *t)
{
	free(t->keys);
	t->keys = NULL;
	t->nr_keys = 0;
}

int pa_cycle_tracker__update(struct pa_cycle_tracker *t, const struct pa_wait_cycle *cycles,
			     size_t n, bool *is_new)
{
	struct cycle_key *keys = NULL;
	struct keyed *sorted = NULL;
	size_t nr_keys = 0;
	int nr_new = 0;

	if (!n) {
		forget_all(t);
		return 0;
	}
	sorted = calloc(n, sizeof(*sorted));
	keys = calloc(n, sizeof(*keys));
	if (!sorted || !keys) {
		free(sorted);
		free(keys);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		make_key(&cycles[i], &sorted[i].key);
		sorted[i].index = i;
	}
	/* Equal keys end up adjacent, the first listed first: only it may be new. */
	qsort(sorted, n, sizeof(*sorted), cmp_keyed);
	for (size_t i = 0; i < n; i++) {
		bool repeat = nr_keys && !cmp_key(&keys[nr_keys - 1], &sorted[i].key);

		is_new[sorted[i].index] = !repeat && !known(t, &sorted[i].key);
		nr_new += is_new[sorted[i].index];
		if (!repeat)
			keys[nr_keys++] = sorted[i].key;
	}
	free(sorted);
	/* Only what this scan listed is kept: a cycle gone is forgotten. */
	forget_all(t);
	t->keys = keys;
	t->nr_keys = nr_keys;
	return nr_new;
}
