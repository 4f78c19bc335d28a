// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc_table.h"
#include "shared_str.h"
#include "entity_id.h"

/*
 * uthash doubles its buckets only when one chain reaches 10 entries.  Our
 * hash (hash.h) spreads pids so evenly that by then nearly every chain is
 * that long, and looking up a new pid, which every fork does, walks a
 * whole chain: a cache miss per record.  Doubling at 2 keeps chains at one
 * or two entries for a few more buckets.
 */
#undef HASH_BKT_CAPACITY_THRESH
#define HASH_BKT_CAPACITY_THRESH 2U

uint64_t pa_ns_to_ticks(uint64_t ns)
{
	return ns / PA_NS_PER_TICK;
}

void pa_table_init(struct pa_table *t, const char *boot_id)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->boot_id, sizeof(t->boot_id), "%s", boot_id ? boot_id : "");
	TAILQ_INIT(&t->zombies);
	TAILQ_INIT(&t->reaped);
}

/* Ancestor walks stop here whatever the table holds: pid trees are at
 * most a few thousand deep, sessions nest a handful of times. */
#define ANCESTRY_MAX 4096
#define SESSIONS_MAX 64

/* snprintf(comm, PA_COMM_LEN, "%s", src) without printf: every fork
 * names its child. */
static void set_comm(char comm[PA_COMM_LEN], const char *src)
{
	size_t n = strnlen(src, PA_COMM_LEN - 1);

	memcpy(comm, src, n);
	comm[n] = '\0';
}

static void free_proc(struct pa_proc *p)
{
	pa_str_put(p->cmdline);
	pa_str_put(p->cwd);
	for (unsigned i = 0; i < PA_EXEC_HISTORY; i++)
		pa_str_put(p->execs[i].filename);
	free(p);
}

static void unlink_from_parent(struct pa_proc *p)
{
	if (p->parent) {
		TAILQ_REMOVE(&p->parent->children, p, sibling);
		p->parent = NULL;
	}
}

static void detach_children(struct pa_proc *p)
{
	struct pa_proc *child;

	while ((child = TAILQ_FIRST(&p->children))) {
		TAILQ_REMOVE(&p->children, child, sibling);
		child->parent = NULL;
	}
}

static void link_to_parent(struct pa_table *t, struct pa_proc *p)
{
	struct pa_proc *parent;

	unlink_from_parent(p);
	if (!p->ppid || p->ppid == p->pid)
		return;
	parent = pa_table_find(t, p->ppid);
	if (!parent)
		return;
	p->parent = parent;
	TAILQ_INSERT_TAIL(&parent->children, p, sibling);
}

void pa_table_free(struct pa_table *t)
{
	struct pa_proc *p, *ptmp;
	struct pa_thread *th, *thtmp;

	HASH_ITER(hh, t->procs, p, ptmp) {
		HASH_DEL(t->procs, p);
		free_proc(p);
	}
	HASH_ITER(hh, t->threads, th, thtmp) {
		HASH_DEL(t->threads, th);
		free(th);
	}
	TAILQ_INIT(&t->zombies);
	TAILQ_INIT(&t->reaped);
}

struct pa_proc *pa_table_find(const struct pa_table *t, uint32_t pid)
{
	struct pa_proc *p;

	HASH_FIND(hh, t->procs, &pid, sizeof(pid), p);
	return p;
}

struct pa_proc *pa_table_find_identity(const struct pa_table *t, uint32_t pid, uint64_t start_ns)
{
	struct pa_proc *p = pa_table_find(t, pid);

	if (p && p->start_ticks == pa_ns_to_ticks(start_ns))
		return p;
	return NULL;
}

void pa_table_remove_threads_of(struct pa_table *t, uint32_t tgid)
{
	struct pa_thread *th, *tmp;

	HASH_ITER(hh, t->threads, th, tmp) {
		if (th->tgid == tgid) {
			HASH_DEL(t->threads, th);
			free(th);
		}
	}
}

/* Out of the zombie or reaped queue, if it is in one. */
static void unlink_ended(struct pa_table *t, struct pa_proc *p)
{
	if (p->reaped)
		TAILQ_REMOVE(&t->reaped, p, end_link);
	else if (p->exited)
		TAILQ_REMOVE(&t->zombies, p, end_link);
}

/* Children of a dropped record stay in the table, unlinked, until their
 * own parent is known again. */
void pa_table_remove(struct pa_table *t, struct pa_proc *p)
{
	detach_children(p);
	unlink_from_parent(p);
	if (p->nr_threads > 1)
		pa_table_remove_threads_of(t, p->pid);
	if (!p->exited && t->nr_live)
		t->nr_live--;
	unlink_ended(t, p);
	HASH_DEL(t->procs, p);
	free_proc(p);
}

static struct pa_proc *new_proc(struct pa_table *t, const struct pa_proc_info *info)
{
	struct pa_proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pid = info->pid;
	p->start_ns = info->start_ns;
	p->start_ticks = pa_ns_to_ticks(info->start_ns);
	TAILQ_INIT(&p->children);
	pa_entity_id(p->entity_id, sizeof(p->entity_id), t->boot_id, p->pid, p->start_ticks);
	HASH_ADD(hh, t->procs, pid, sizeof(p->pid), p);
	t->nr_live++;
	return p;
}

struct pa_proc *pa_table_upsert(struct pa_table *t, const struct pa_proc_info *info)
{
	struct pa_proc *p = pa_table_find(t, info->pid);

	if (p && p->start_ticks != pa_ns_to_ticks(info->start_ns)) {
		/* The pid was reused: the old life ended while we were not
		 * looking (lost events). Its children are not ours. */
		t->nr_replaced++;
		pa_table_remove(t, p);
		p = NULL;
	}
	if (!p) {
		p = new_proc(t, info);
		if (!p)
			return NULL;
	}
	set_comm(p->comm, info->comm ? info->comm : "");
	p->state = info->state ? info->state : 'R';
	p->nr_threads = info->nr_threads ? info->nr_threads : 1;
	if (info->cmdline)
		pa_table_set_cmdline(p, info->cmdline, false);
	if (p->ppid != info->ppid || !p->parent) {
		p->ppid = info->ppid;
		link_to_parent(t, p);
	}
	if (p->parent && p->parent->followed)
		p->followed = true;
	return p;
}

void pa_table_link_orphans(struct pa_table *t)
{
	struct pa_proc *p, *tmp;

	HASH_ITER(hh, t->procs, p, tmp) {
		if (!p->parent)
			link_to_parent(t, p);
	}
}

void pa_table_reparent(struct pa_table *t, struct pa_proc *p, uint32_t newppid)
{
	p->ppid = newppid;
	link_to_parent(t, p);
}

void pa_table_set_cmdline(struct pa_proc *p, const char *cmdline, bool truncated)
{
	char *copy = cmdline ? pa_str_dup(cmdline) : NULL;

	if (cmdline && !copy)
		return; /* keep the old one rather than lose it */
	pa_str_put(p->cmdline);
	p->cmdline = copy;
	p->cmdline_truncated = truncated;
}

void pa_table_set_ids(struct pa_proc *p, const struct pa_task_ids *ids)
{
	p->ids = *ids;
	/* A record file or a broken kernel side must not make us read past it. */
	p->ids.cgroup[sizeof(p->ids.cgroup) - 1] = '\0';
	p->ids_known = true;
	if (!pa_container_from_cgroup(p->ids.cgroup, &p->container))
		memset(&p->container, 0, sizeof(p->container));
}

void pa_table_set_cwd(struct pa_proc *p, const char *cwd, uint32_t key)
{
	char *copy;

	if (!cwd)
		return;
	if (!p->cwd || strcmp(p->cwd, cwd)) {
		copy = pa_str_dup(cwd);
		if (!copy)
			return;
		pa_str_put(p->cwd);
		p->cwd = copy;
	}
	p->cwd_key = key;
}

void pa_table_clear_cwd(struct pa_proc *p)
{
	pa_str_put(p->cwd);
	p->cwd = NULL;
	p->cwd_key = 0;
}

const struct pa_proc *pa_proc_session_leader(const struct pa_proc *p)
{
	uint32_t sid = p->ids.sid;
	const struct pa_proc *a = p;

	if (!p->ids_known || !sid)
		return NULL;
	for (unsigned depth = 0; a && depth < ANCESTRY_MAX; a = a->parent, depth++) {
		if (a->pid == sid)
			return a;
		/* An ancestor outside the session: the leader is not above it. */
		if (a->ids_known && a->ids.sid != sid)
			return NULL;
	}
	return NULL;
}

/* s was started by init: pid 1's child, or its pid namespace's init's. */
static bool started_by_init(const struct pa_proc *s)
{
	const struct pa_proc *par = s->parent;

	if (s->ppid <= 1 || (s->ids_known && s->ids.vpid == 1))
		return true;
	return par && par->ids_known && par->ids.vpid == 1;
}

const struct pa_proc *pa_proc_entry_leader(const struct pa_proc *p)
{
	return pa_proc_entry_leader_of_session(pa_proc_session_leader(p));
}

const struct pa_proc *pa_proc_entry_leader_of_session(const struct pa_proc *s)
{
	const struct pa_proc *with_tty = NULL;

	for (unsigned n = 0; s && n < SESSIONS_MAX; n++) {
		if (s->ids_known && s->ids.tty_nr)
			with_tty = s;
		if (started_by_init(s))
			return with_tty ? with_tty : s;
		if (!s->parent)
			return NULL;
		s = pa_proc_session_leader(s->parent);
	}
	return NULL;
}

void pa_table_record_exec(struct pa_proc *p, uint64_t ts_ns, const char *filename)
{
	struct pa_exec_record *slot = &p->execs[p->nr_execs % PA_EXEC_HISTORY];

	pa_str_put(slot->filename);
	slot->filename = pa_str_dup(filename ? filename : "");
	slot->ts_ns = ts_ns;
	p->nr_execs++;
}

void pa_table_inherit(struct pa_proc *child, const struct pa_proc *parent)
{
	const struct pa_exec_record *last = pa_proc_last_exec(parent);

	if (parent->cmdline) {
		pa_str_put(child->cmdline);
		child->cmdline = pa_str_ref(parent->cmdline);
		child->cmdline_truncated = parent->cmdline_truncated;
	}
	if (last && !child->nr_execs) {
		pa_str_put(child->execs[0].filename);
		child->execs[0].filename = pa_str_ref(last->filename);
		child->execs[0].ts_ns = last->ts_ns;
		child->nr_execs = 1;
	}
}

void pa_table_share_cwd(struct pa_proc *child, const struct pa_proc *parent)
{
	if (child->cwd != parent->cwd) {
		pa_str_put(child->cwd);
		child->cwd = pa_str_ref(parent->cwd);
	}
	child->cwd_key = parent->cwd_key;
}

const struct pa_exec_record *pa_proc_last_exec(const struct pa_proc *p)
{
	if (!p->nr_execs)
		return NULL;
	return &p->execs[(p->nr_execs - 1) % PA_EXEC_HISTORY];
}

struct pa_thread *pa_table_find_thread(const struct pa_table *t, uint32_t tid)
{
	struct pa_thread *th;

	HASH_FIND(hh, t->threads, &tid, sizeof(tid), th);
	return th;
}

struct pa_thread *pa_table_add_thread(struct pa_table *t, uint32_t tid, uint32_t tgid,
				      uint64_t start_ns, const char *comm, char state)
{
	struct pa_thread *th = pa_table_find_thread(t, tid);

	if (!th) {
		th = calloc(1, sizeof(*th));
		if (!th)
			return NULL;
		th->tid = tid;
		HASH_ADD(hh, t->threads, tid, sizeof(th->tid), th);
	}
	th->tgid = tgid;
	th->start_ns = start_ns;
	th->state = state ? state : 'R';
	set_comm(th->comm, comm ? comm : "");
	return th;
}

bool pa_table_remove_thread(struct pa_table *t, uint32_t tid)
{
	struct pa_thread *th = pa_table_find_thread(t, tid);

	if (!th)
		return false;
	HASH_DEL(t->threads, th);
	free(th);
	return true;
}

bool pa_table_mark_exited(struct pa_table *t, struct pa_proc *p, uint32_t status, uint64_t ts_ns)
{
	if (p->exited)
		return false;
	if (!p->reaped) /* else its exit came after its reap: it stays reaped */
		TAILQ_INSERT_TAIL(&t->zombies, p, end_link);
	p->exited = true;
	p->exit_status = status;
	p->exit_ns = ts_ns;
	p->state = 'Z';
	p->nr_threads = 0;
	if (t->nr_live)
		t->nr_live--;
	return true;
}

void pa_table_mark_reaped(struct pa_table *t, struct pa_proc *p, uint64_t ts_ns)
{
	unlink_ended(t, p);
	TAILQ_INSERT_TAIL(&t->reaped, p, end_link);
	p->reaped = true;
	p->reaped_ns = ts_ns;
	p->state = 'X';
	/* The kernel handed its children to a new parent before the reap;
	 * they are no longer under this record. */
	detach_children(p);
}

void pa_table_expire(struct pa_table *t, uint64_t now_ns)
{
	struct pa_proc *p;

	/* Reaps come in time order but for the few ns by which CPUs' ring
	 * records may cross: one held back by a neighbour waits a tick. */
	while ((p = TAILQ_FIRST(&t->reaped)) && now_ns >= p->reaped_ns + PA_REAPED_LINGER_NS)
		pa_table_remove(t, p);
}

static void follow(struct pa_proc *p, unsigned depth)
{
	struct pa_proc *child;

	p->followed = true;
	/* A pid tree is at most a few thousand deep; guard against a
	 * corrupted cycle anyway. */
	if (depth > 100000)
		return;
	TAILQ_FOREACH(child, &p->children, sibling)
		follow(child, depth + 1);
}

void pa_table_follow_subtree(struct pa_proc *p)
{
	follow(p, 0);
}
