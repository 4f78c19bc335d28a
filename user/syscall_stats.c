// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "syscall_names.h"
#include "syscall_stats.h"

struct pa_sys_val pa_sys_sum_cpus(const struct pa_sys_val *percpu, unsigned ncpus)
{
	struct pa_sys_val sum = { 0, 0, 0 };

	for (unsigned i = 0; i < ncpus; i++) {
		sum.count += percpu[i].count;
		sum.errors += percpu[i].errors;
		sum.time_ns += percpu[i].time_ns;
	}
	return sum;
}

void pa_sysstats_init(struct pa_sysstats *s)
{
	memset(s, 0, sizeof(*s));
}

void pa_sysstats_free(struct pa_sysstats *s)
{
	free(s->cur);
	free(s->prev);
	memset(s, 0, sizeof(*s));
}

static int key_cmp(const struct pa_sys_key *a, const struct pa_sys_key *b)
{
	if (a->tgid != b->tgid)
		return a->tgid < b->tgid ? -1 : 1;
	if (a->nr != b->nr)
		return a->nr < b->nr ? -1 : 1;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct pa_sys_entry *)a)->key, &((const struct pa_sys_entry *)b)->key);
}

int pa_sysstats_update(struct pa_sysstats *s, const struct pa_sys_entry *e, size_t n,
		       uint64_t overflow)
{
	struct pa_sys_entry *tmp;
	size_t tcap;

	/* The current read becomes the previous one; its buffer takes the new. */
	if (n > s->cap_prev) {
		tmp = realloc(s->prev, n * sizeof(*tmp));
		if (!tmp) {
			s->failed = true;
			return -1;
		}
		s->prev = tmp;
		s->cap_prev = n;
	}
	tmp = s->prev;
	tcap = s->cap_prev;
	s->prev = s->cur;
	s->cap_prev = s->cap_cur;
	s->nr_prev = s->nr_cur;
	s->cur = tmp;
	s->cap_cur = tcap;
	if (n)
		memcpy(s->cur, e, n * sizeof(*e));
	s->nr_cur = n;
	if (n)
		qsort(s->cur, n, sizeof(*s->cur), entry_cmp);
	s->overflow_new = overflow >= s->overflow ? overflow - s->overflow : overflow;
	s->overflow = overflow;
	s->failed = false;
	return 0;
}

/* What the previous read had for key, or NULL. */
static const struct pa_sys_val *prev_of(const struct pa_sysstats *s, const struct pa_sys_key *key)
{
	struct pa_sys_entry probe = { .key = *key };
	const struct pa_sys_entry *p;

	if (!s->nr_prev)
		return NULL;
	p = bsearch(&probe, s->prev, s->nr_prev, sizeof(probe), entry_cmp);
	return p ? &p->val : NULL;
}

/* Counters only grow, unless the kernel entry was dropped and made again
 * (a pid used anew): then all of it is new. */
static struct pa_sys_val delta_of(const struct pa_sys_val *cur, const struct pa_sys_val *prev)
{
	struct pa_sys_val d = *cur;

	if (prev && cur->count >= prev->count && cur->errors >= prev->errors &&
	    cur->time_ns >= prev->time_ns) {
		d.count -= prev->count;
		d.errors -= prev->errors;
		d.time_ns -= prev->time_ns;
	}
	return d;
}

/* a ranks before b: more time (or count), then the other measure, then
 * the lower number, so that the order is total and the output stable. */
static bool ranks_before(const struct pa_sys_row *a, const struct pa_sys_row *b, enum pa_sys_sort sort)
{
	uint64_t a1 = sort == PA_SYS_SORT_TIME ? a->val.time_ns : a->val.count;
	uint64_t b1 = sort == PA_SYS_SORT_TIME ? b->val.time_ns : b->val.count;
	uint64_t a2 = sort == PA_SYS_SORT_TIME ? a->val.count : a->val.time_ns;
	uint64_t b2 = sort == PA_SYS_SORT_TIME ? b->val.count : b->val.time_ns;

	if (a1 != b1)
		return a1 > b1;
	if (a2 != b2)
		return a2 > b2;
	return a->nr < b->nr;
}

/* Insert row into the sorted top list, keeping at most max rows. */
static void top_insert(struct pa_sys_summary *out, const struct pa_sys_row *row, unsigned max,
		       enum pa_sys_sort sort)
{
	unsigned i = out->nr_top;

	if (i == max) {
		if (!max || !ranks_before(row, &out->top[max - 1], sort))
			return;
		i--;
	} else {
		out->nr_top++;
	}
	while (i > 0 && ranks_before(row, &out->top[i - 1], sort)) {
		out->top[i] = out->top[i - 1];
		i--;
	}
	out->top[i] = *row;
}

int pa_sysstats_next(const struct pa_sysstats *s, size_t *pos, bool delta, enum pa_sys_sort sort,
		     unsigned top, struct pa_sys_summary *out)
{
	if (top > PA_SYS_TOP_MAX)
		top = PA_SYS_TOP_MAX;
	while (*pos < s->nr_cur) {
		uint32_t tgid = s->cur[*pos].key.tgid;

		memset(out, 0, sizeof(*out));
		out->tgid = tgid;
		for (; *pos < s->nr_cur && s->cur[*pos].key.tgid == tgid; (*pos)++) {
			const struct pa_sys_entry *e = &s->cur[*pos];
			struct pa_sys_row row = { .nr = e->key.nr, .name = pa_syscall_name(e->key.nr) };

			row.val = delta ? delta_of(&e->val, prev_of(s, &e->key)) : e->val;
			if (!row.val.count)
				continue;
			out->total.count += row.val.count;
			out->total.errors += row.val.errors;
			out->total.time_ns += row.val.time_ns;
			top_insert(out, &row, top, sort);
		}
		if (out->total.count)
			return 1;
	}
	return 0;
}

int pa_sys_sort_parse(const char *s, enum pa_sys_sort *sort)
{
	if (!strcmp(s, "time"))
		*sort = PA_SYS_SORT_TIME;
	else if (!strcmp(s, "count"))
		*sort = PA_SYS_SORT_COUNT;
	else
		return -1;
	return 0;
}
