// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "collector.h"
#include "detect_deadlock.h"
#include "futex_owner.h"
#include "proc_locks.h"
#include "procfs.h"
#include "ustack.h"

int pa_deadlock_detector_init(struct pa_deadlock_detector *d, const char *proc_root)
{
	memset(d, 0, sizeof(*d));
	d->proc_root = proc_root;
	d->min_wait_ns = PA_DEADLOCK_MIN_WAIT_NS;
	d->tracker = pa_cycle_tracker__new();
	d->edges = calloc(PA_DEADLOCK_MAX_EDGES, sizeof(*d->edges));
	d->cycles = calloc(PA_WG_MAX_CYCLES, sizeof(*d->cycles));
	if (!d->tracker || !d->edges || !d->cycles) {
		pa_deadlock_detector_free(d);
		return -ENOMEM;
	}
	return 0;
}

void pa_deadlock_detector_free(struct pa_deadlock_detector *d)
{
	pa_cycle_tracker__free(d->tracker);
	free(d->edges);
	free(d->cycles);
	d->tracker = NULL;
	d->edges = NULL;
	d->cycles = NULL;
}

/* The kernel noted the thread's latest lock-like futex sleep; it holds
 * only if the thread is in that very call now. */
static bool still_waiting(const struct pa_deadlock_detector *d, const struct pa_futex_waiter *w)
{
	struct pa_task_info info;

	if (pa_procfs_inspect_thread(d->proc_root, w->wait.tgid, w->tid, &info))
		return false;
	return info.syscall == SYS_futex && info.args[0] == w->wait.uaddr;
}

static size_t futex_edges(struct pa_deadlock_detector *d, const struct pa_futex_waiter *w,
			  size_t n, uint64_t now, pa_forget_fn forget, void *ctx,
			  struct pa_wait_edge *out, size_t max)
{
	size_t nr = 0;

	for (size_t i = 0; i < n && nr < max; i++) {
		struct pa_wait_edge *e = &out[nr];
		const struct pa_futex_wait *fw = &w[i].wait;

		if (now < fw->since_ns + d->min_wait_ns)
			continue; /* young: maybe contention, not yet a wait */
		if (!still_waiting(d, &w[i])) {
			forget(ctx, w[i].tid);
			continue;
		}
		memset(e, 0, sizeof(*e));
		if (pa_futex_owner(d->proc_root, fw->tgid, w[i].tid, fw->uaddr, fw->op, fw->val,
				   &e->kind, &e->holder_tid, &e->holder_tgid))
			continue; /* not a lock we can name the holder of */
		e->waiter_tid = w[i].tid;
		e->waiter_tgid = fw->tgid;
		e->resource = fw->uaddr;
		e->since_ns = fw->since_ns;
		nr++;
	}
	return nr;
}

static struct pa_lock_seen *seen_of(struct pa_deadlock_detector *d, const struct pa_wait_edge *e)
{
	for (size_t i = 0; i < d->nr_seen; i++) {
		struct pa_lock_seen *s = &d->seen[i];

		if (s->tid == e->waiter_tid && s->dev == e->resource_dev && s->ino == e->resource)
			return s;
	}
	if (d->nr_seen == PA_LOCK_SEEN_MAX)
		return NULL;
	d->seen[d->nr_seen] = (struct pa_lock_seen){
		.tid = e->waiter_tid, .dev = e->resource_dev, .ino = e->resource,
	};
	return &d->seen[d->nr_seen++];
}

/* File-lock waits older than min_wait (by our first sighting). */
static size_t lock_edges(struct pa_deadlock_detector *d, const char *text, size_t len,
			 uint64_t now, struct pa_wait_edge *out, size_t max)
{
	size_t n = text ? pa_proc_locks_parse(text, len, d->proc_root, out, max, NULL) : 0;
	size_t kept = 0, live = 0;

	for (size_t i = 0; i < d->nr_seen; i++)
		d->seen[i].still = false;
	for (size_t i = 0; i < n; i++) {
		struct pa_lock_seen *s = seen_of(d, &out[i]);

		if (!s)
			continue;
		if (!s->still && !s->first_ns)
			s->first_ns = now;
		s->still = true;
		out[i].since_ns = s->first_ns;
		if (now >= s->first_ns + d->min_wait_ns)
			out[kept++] = out[i];
	}
	/* Forget the waits that ended. */
	for (size_t i = 0; i < d->nr_seen; i++) {
		if (d->seen[i].still)
			d->seen[live++] = d->seen[i];
	}
	d->nr_seen = live;
	return kept;
}

static void read_comm(const char *proc_root, uint32_t tgid, uint32_t tid, char *buf, size_t size)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u/task/%u/comm", proc_root, tgid, tid);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* "0x7f3a1c0008c0" for a futex; "08:02:131" (as /proc/locks) for a file. */
static void resource_name(const struct pa_wait_edge *e, char *buf, size_t size)
{
	if (e->kind == PA_WAIT_MUTEX || e->kind == PA_WAIT_PI_FUTEX)
		snprintf(buf, size, "0x%llx", (unsigned long long)e->resource);
	else
		snprintf(buf, size, "%02x:%02x:%llu", e->resource_dev >> PA_DEV_MINOR_BITS,
			 e->resource_dev & ((1u << PA_DEV_MINOR_BITS) - 1),
			 (unsigned long long)e->resource);
}

static void describe(struct pa_deadlock_detector *d, const struct pa_wait_cycle *cy, uint64_t now)
{
	struct pa_deadlock_member *m = d->members;

	for (uint32_t i = 0; i < cy->len; i++) {
		const struct pa_wait_edge *e = &cy->edges[i];
		const struct pa_wait_edge *next = &cy->edges[(i + 1) % cy->len];
		struct pa_task_info info;

		memset(&m[i], 0, sizeof(m[i]));
		m[i].tid = e->waiter_tid;
		m[i].tgid = e->waiter_tgid;
		read_comm(d->proc_root, e->waiter_tgid, e->waiter_tid, m[i].comm, sizeof(m[i].comm));
		m[i].syscall = -1;
		if (!pa_procfs_inspect_thread(d->proc_root, e->waiter_tgid, e->waiter_tid, &info)) {
			m[i].state = info.state;
			m[i].syscall = info.syscall;
			snprintf(m[i].wchan, sizeof(m[i].wchan), "%s", info.wchan);
		}
		m[i].waited_ns = e->since_ns && now > e->since_ns ? now - e->since_ns : 0;
		m[i].waits_for = pa_wait_kind_name(e->kind);
		resource_name(e, m[i].resource, sizeof(m[i].resource));
		m[i].held_by = next->waiter_tid;
		m[i].held_by_pid = next->waiter_tgid;
		/* Read from its memory once per report: where in its code it waits. */
		if (!pa_ustack_read(d->proc_root, e->waiter_tgid, e->waiter_tid, &d->ustacks[i]))
			m[i].ustack = &d->ustacks[i];
	}
}

int pa_deadlock_scan(struct pa_deadlock_detector *d, const struct pa_futex_waiter *w, size_t n,
		     const char *locks, size_t locks_len, uint64_t now_ns, pa_deadlock_fn report,
		     pa_forget_fn forget, void *ctx)
{
	bool is_new[PA_WG_MAX_CYCLES];
	size_t nr = futex_edges(d, w, n, now_ns, forget, ctx, d->edges, PA_DEADLOCK_MAX_EDGES);
	int cycles, fresh;

	nr += lock_edges(d, locks, locks_len, now_ns, d->edges + nr, PA_DEADLOCK_MAX_EDGES - nr);
	cycles = pa_wait_cycles(d->edges, nr, d->cycles, PA_WG_MAX_CYCLES, NULL);
	if (cycles < 0)
		return cycles;
	fresh = pa_cycle_tracker__update(d->tracker, d->cycles, (size_t)cycles, is_new);
	if (fresh <= 0)
		return fresh;
	for (int i = 0; i < cycles; i++) {
		struct pa_deadlock_info info = { .members = d->members, .nr = d->cycles[i].len };

		if (!is_new[i])
			continue;
		describe(d, &d->cycles[i], now_ns);
		report(ctx, &info, now_ns);
		d->reported++;
	}
	return fresh;
}

/* Under --pid, a cycle is ours when one of its threads is followed (file
 * locks are read for the whole box). */
static bool concerns_us(const struct pa_collector *c, const struct pa_deadlock_info *info)
{
	if (!c->pid_filtered)
		return true;
	for (unsigned i = 0; i < info->nr; i++) {
		const struct pa_proc *p = pa_table_find(&c->table, info->members[i].tgid);

		if (p && p->followed)
			return true;
	}
	return false;
}

/* The alert names the first thread's process. */
void pa_collector_deadlock(struct pa_collector *c, const struct pa_deadlock_info *info,
			   uint64_t now_ns)
{
	struct pa_report r = { .action = PA_ACT_DEADLOCK, .ts_ns = now_ns };
	struct pa_proc *p;

	if (!info->nr || !concerns_us(c, info))
		return;
	p = pa_table_find(&c->table, info->members[0].tgid);
	if (!p)
		return; /* not in the table: nothing to name it by (cannot happen after a snapshot) */
	r.proc = p;
	r.parent = p->parent;
	r.parent_pid = p->ppid;
	r.deadlock = *info;
	pa_collector_dispatch(c, &r);
}
