// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "inputs.h"
#include "detect_zombie.h"
#include "proc_ident.h"
#include "procfs.h"
#include "redact.h"

void pa_collector_init(struct pa_collector *c, const char *boot_id, const char *proc_root)
{
	memset(c, 0, sizeof(*c));
	pa_table_init(&c->table, boot_id);
	c->proc_root = proc_root;
	c->zombie_after_ns = PA_ZOMBIE_AFTER_DEFAULT_NS;
	c->stuck_after_ns = PA_STUCK_AFTER_DEFAULT_NS;
	pa_stuck_init(&c->stuck);
	pa_args_init(&c->args);
	sb_init(&c->scratch);
}

void pa_collector_free(struct pa_collector *c)
{
	for (unsigned i = 0; i < c->nr_sinks; i++)
		pa_sink_destroy(c->sinks[i]);
	pa_table_free(&c->table);
	pa_stuck_free(&c->stuck);
	free(c->dstate_marked);
	pa_ksyms_free(&c->ksyms);
	pa_args_free(&c->args);
	sb_free(&c->scratch);
}

int pa_collector_add_sink(struct pa_collector *c, struct pa_sink *s)
{
	if (!s || c->nr_sinks == PA_MAX_SINKS)
		return -1;
	c->sinks[c->nr_sinks++] = s;
	return 0;
}

void pa_collector_dispatch(struct pa_collector *c, const struct pa_report *r)
{
	if (c->signals_only && r->action != PA_ACT_SIGNAL && r->action != PA_ACT_LOST)
		return;
	for (unsigned i = 0; i < c->nr_sinks; i++)
		c->sinks[i]->emit(c->sinks[i], r);
}

/* The process a record is about: found by identity, or created when its
 * start happened before our snapshot or its fork was lost. */
static struct pa_proc *proc_of(struct pa_collector *c, const struct pa_event_header *h)
{
	struct pa_proc *p = pa_table_find_identity(&c->table, h->tgid, h->start_ns);
	struct pa_proc_info info = {
		.pid = h->tgid,
		.ppid = h->ppid,
		.start_ns = h->start_ns,
		.comm = h->comm,
		.state = 'R',
		.nr_threads = 1,
	};

	if (p)
		return p;
	return pa_table_upsert(&c->table, &info);
}

static void inherit_from_parent(struct pa_proc *child, const struct pa_proc *parent)
{
	pa_table_inherit(child, parent);
	if (parent->followed)
		child->followed = true;
}

/* Where the process works.  A tracepoint cannot build the path (that
 * needs bpf_d_path), so /proc is read, but only when the directory's key
 * in the record says the path we have is not for that directory. */
static bool read_cwd(struct pa_collector *c, uint32_t pid, char *buf, size_t size)
{
	return !pa_input_cwd(c, pid, buf, size);
}

/* A child works where its parent did at fork: the parent's path when it
 * was read for that directory, else the child's from /proc, else (the
 * child gone already) the parent's, which then serves its next forks. */
static void fork_cwd(struct pa_collector *c, struct pa_proc *child, struct pa_proc *parent,
		     uint32_t parent_pid)
{
	uint32_t key = child->ids.cwd_key;
	char cwd[PA_CWD_MAX];

	if (key && parent && parent->cwd && parent->cwd_key == key) {
		pa_table_share_cwd(child, parent);
	} else if (read_cwd(c, child->pid, cwd, sizeof(cwd))) {
		pa_table_set_cwd(child, cwd, key);
	} else if (read_cwd(c, parent_pid, cwd, sizeof(cwd))) {
		pa_table_set_cwd(child, cwd, key);
		if (parent)
			pa_table_set_cwd(parent, cwd, key);
	}
}

/* An exec in the same directory keeps its path; in another, the path is
 * read, or unknown when the process is gone: never an old one. */
static void exec_cwd(struct pa_collector *c, struct pa_proc *p)
{
	uint32_t key = p->ids.cwd_key;
	char cwd[PA_CWD_MAX];

	if (key && p->cwd && p->cwd_key == key)
		return;
	if (read_cwd(c, p->pid, cwd, sizeof(cwd)))
		pa_table_set_cwd(p, cwd, key);
	else
		pa_table_clear_cwd(p);
}

static void on_thread_fork(struct pa_collector *c, const struct pa_fork_event *e)
{
	struct pa_proc *p = proc_of(c, &e->hdr);

	if (!pa_table_find_thread(&c->table, e->hdr.pid) && p)
		p->nr_threads++;
	pa_table_add_thread(&c->table, e->hdr.pid, e->hdr.tgid, e->task_start_ns, e->hdr.comm, 'R');
}

static void on_fork(struct pa_collector *c, const struct pa_fork_event *e)
{
	struct pa_proc_info info = {
		.pid = e->hdr.tgid,
		.ppid = e->hdr.ppid,
		.start_ns = e->hdr.start_ns,
		.comm = e->hdr.comm,
		.state = 'R',
		.nr_threads = 1,
	};
	struct pa_proc *parent, *child;
	struct pa_report r = { .action = PA_ACT_FORK, .ts_ns = e->hdr.ts_ns };

	if (e->hdr.flags & PA_F_THREAD) {
		on_thread_fork(c, e);
		return;
	}
	child = pa_table_upsert(&c->table, &info);
	if (!child)
		return;
	/* Looked up after the upsert, which drops an older life under the
	 * child's pid: in a damaged record file that can be the parent. */
	parent = pa_table_find_identity(&c->table, e->parent_tgid, e->parent_start_ns);
	if (parent == child)
		parent = NULL;
	if (parent)
		inherit_from_parent(child, parent);
	pa_table_set_ids(child, &e->ids);
	fork_cwd(c, child, parent, e->parent_tgid);
	r.proc = child;
	r.parent = parent;
	r.parent_pid = e->parent_tgid;
	pa_collector_dispatch(c, &r);
}

static void set_cmdline_from_args(struct pa_collector *c, struct pa_proc *p)
{
	sb_reset(&c->scratch);
	for (uint32_t i = 0; i < c->args.count; i++) {
		if (i)
			sb_putc(&c->scratch, ' ');
		sb_append(&c->scratch, c->args.arg[i], c->args.len[i]);
	}
	pa_table_set_cmdline(p, c->scratch.buf ? c->scratch.buf : "", c->args.truncated);
}

static void on_exec(struct pa_collector *c, const struct pa_exec_event *e)
{
	struct pa_proc *p = proc_of(c, &e->hdr);
	struct pa_report r = { .action = PA_ACT_EXEC, .ts_ns = e->hdr.ts_ns };

	if (!p)
		return;
	if (pa_args_split(&c->args, pa_exec_args_area(e), e->args_len))
		return;
	c->args.truncated = e->hdr.flags & (PA_F_ARGS_TRUNC | PA_F_ARGS_FAULT);
	c->args.argc = e->argc;
	/* Before anything keeps or prints argv. */
	pa_redact_args(pa_redact_default(), &c->args);
	/* Exec leaves one thread; from a non-leader, that thread took over
	 * the leader's pid. */
	if (p->nr_threads > 1 || e->old_pid != e->hdr.pid)
		pa_table_remove_threads_of(&c->table, e->hdr.tgid);
	p->nr_threads = 1;
	memcpy(p->comm, e->hdr.comm, sizeof(p->comm));
	p->comm[sizeof(p->comm) - 1] = '\0';
	set_cmdline_from_args(c, p);
	pa_table_record_exec(p, e->hdr.ts_ns, pa_exec_filename(e));
	pa_table_set_ids(p, &e->ids);
	exec_cwd(c, p);

	r.proc = p;
	r.parent = p->parent;
	r.parent_pid = e->hdr.ppid;
	r.executable = pa_exec_filename(e);
	r.args = &c->args;
	pa_collector_dispatch(c, &r);
}

/* A namespace's init adopts when no subreaper is nearer: pid 1, or a
 * process that is pid 1 in its own namespace (a container's init). */
static bool is_init(struct pa_collector *c, uint32_t pid)
{
	struct pa_task_info info;

	if (pid == 1)
		return true;
	return !pa_input_inspect(c, pid, &info) && info.ns_pid == 1;
}

static void report_orphan(struct pa_collector *c, struct pa_proc *child, uint32_t previous,
			  uint64_t ts_ns)
{
	struct pa_report r = { .action = PA_ACT_ORPHANED, .ts_ns = ts_ns };
	struct pa_task_info info;

	child->orphaned_from = previous;
	r.proc = child;
	r.parent = child->parent;
	r.parent_pid = child->ppid;
	r.orphan.previous_parent = previous;
	r.orphan.adopter_is_init = is_init(c, child->ppid);
	/* A daemon double-forks and calls setsid() on purpose: mark it so
	 * pipelines can filter it from accidental orphans. */
	r.orphan.daemon = !pa_input_inspect(c, child->pid, &info) && info.session == child->pid &&
			  info.tty_nr == 0;
	pa_collector_dispatch(c, &r);
}

/* The kernel hands the children of an exiting process to a subreaper or
 * init right after the exit tracepoint.  /proc says to whom: the kernel's
 * own choice, not our guess.  A child it has not moved yet is looked at
 * again at the next tick. */
static void adopt_children(struct pa_collector *c, struct pa_proc *p, uint64_t ts_ns)
{
	struct pa_proc *child, *tmp;
	uint32_t ppid;

	for (child = TAILQ_FIRST(&p->children); child; child = tmp) {
		tmp = TAILQ_NEXT(child, sibling);
		/* Reaped: it lingers here for the tree, but its pid may be
		 * another process's now.  A fork storm's parent has thousands. */
		if (child->reaped)
			continue;
		if (pa_input_read_ppid(c, child->pid, &ppid)) {
			child->reparent_pending = false;
			continue;
		}
		if (ppid == p->pid) {
			child->reparent_pending = true;
			c->reparent_pending = true;
			continue;
		}
		child->reparent_pending = false;
		pa_table_reparent(&c->table, child, ppid);
		/* A zombie moves too (its new parent is who must reap it
		 * now), but only a live process is an orphan. */
		if (!child->exited)
			report_orphan(c, child, p->pid, ts_ns);
	}
}

static void adopt_pending(struct pa_collector *c, uint64_t now_ns)
{
	struct pa_proc *p, *tmp;

	/* Rare: a walk of the table only when some child is waiting. */
	if (!c->reparent_pending)
		return;
	c->reparent_pending = false; /* set again by any still waiting */
	pa_table_foreach(&c->table, p, tmp) {
		if (p->reparent_pending && p->parent && p->parent->exited)
			adopt_children(c, p->parent, now_ns);
	}
}

/* Under --transitions, a followed process's exit and reap are state
 * changes like any other (Z, X); by default the exit and reaped events
 * say it, so a fork storm does not double its output. */
static void report_end_state(struct pa_collector *c, struct pa_proc *p, char from, char to,
			     uint64_t ts_ns, uint64_t from_ns)
{
	struct pa_report r;

	if (!c->all_transitions || !p->followed)
		return; /* before r is zeroed: 300 bytes, twice per process */
	r = (struct pa_report){ .action = PA_ACT_STATE, .ts_ns = ts_ns };
	r.proc = p;
	r.parent = p->parent;
	r.parent_pid = p->ppid;
	r.state.tid = p->pid;
	r.state.from = from;
	r.state.to = to;
	r.state.from_ns = from_ns;
	pa_collector_dispatch(c, &r);
}

static void on_exit_event(struct pa_collector *c, const struct pa_exit_event *e)
{
	struct pa_proc *p;
	struct pa_report r = { .action = PA_ACT_EXIT, .ts_ns = e->hdr.ts_ns };

	if (!(e->hdr.flags & PA_F_GROUP_DEAD)) {
		p = pa_table_find_identity(&c->table, e->hdr.tgid, e->hdr.start_ns);
		if (pa_table_remove_thread(&c->table, e->hdr.pid) && p && p->nr_threads > 1)
			p->nr_threads--;
		/* The leader ending first leaves the process running as
		 * its other threads: it is not a process exit. */
		else if (e->hdr.pid == e->hdr.tgid && p && p->nr_threads > 1)
			p->nr_threads--;
		return;
	}
	p = proc_of(c, &e->hdr);
	if (!p)
		return;
	/* No thread outlives its process: drop any whose own exit we missed. */
	if (p->nr_threads > 1)
		pa_table_remove_threads_of(&c->table, p->pid);
	pa_table_remove_thread(&c->table, e->hdr.pid);
	if (!pa_table_mark_exited(&c->table, p, e->exit_status, e->hdr.ts_ns))
		return; /* already reported (two threads raced to be last) */
	memcpy(p->time_ns, e->time_ns, sizeof(p->time_ns));
	p->blocked_partial = p->start_ns < c->tracing_since_ns;
	r.proc = p;
	r.parent = p->parent;
	r.parent_pid = e->hdr.ppid;
	r.exit_status = e->exit_status;
	r.killed_by = pa_collector_killer(p, e->exit_status);
	pa_collector_dispatch(c, &r);
	/* Its last thread was running when it called exit. */
	report_end_state(c, p, 'R', 'Z', e->hdr.ts_ns, 0);
	adopt_children(c, p, e->hdr.ts_ns);
}

static void on_free(struct pa_collector *c, const struct pa_free_event *e)
{
	struct pa_proc *p = pa_table_find_identity(&c->table, e->hdr.tgid, e->hdr.start_ns);
	struct pa_report r;

	if (!p)
		return;
	/* Its children were handed on before it became a zombie. */
	adopt_children(c, p, e->hdr.ts_ns);
	pa_table_mark_reaped(&c->table, p, e->hdr.ts_ns);
	if (p->exited)
		report_end_state(c, p, 'Z', 'X', e->hdr.ts_ns,
				 e->hdr.ts_ns > p->exit_ns ? e->hdr.ts_ns - p->exit_ns : 0);
	if (!p->zombie_named)
		return;
	/* hdr.ppid is its parent at the end: the one that reaped it, or the
	 * init or subreaper that adopted it when that parent died.  (r is
	 * made only now: most reaps report nothing, and it is 300 bytes.) */
	r = (struct pa_report){ .action = PA_ACT_REAPED, .ts_ns = e->hdr.ts_ns };
	r.proc = p;
	r.parent_pid = e->hdr.ppid;
	r.parent = pa_table_find(&c->table, e->hdr.ppid);
	r.reaper_pid = e->hdr.ppid;
	r.zombie.age_ns = e->hdr.ts_ns > p->exit_ns ? e->hdr.ts_ns - p->exit_ns : 0;
	pa_collector_dispatch(c, &r);
}

static void on_state(struct pa_collector *c, const struct pa_state_event *e)
{
	struct pa_proc *p = pa_table_find_identity(&c->table, e->hdr.tgid, e->hdr.start_ns);
	struct pa_thread *th = pa_table_find_thread(&c->table, e->hdr.pid);
	struct pa_report r = { .action = PA_ACT_STATE, .ts_ns = e->hdr.ts_ns };

	if (!p)
		return;
	if (e->hdr.pid == e->hdr.tgid)
		p->state = e->to;
	else if (th)
		th->state = e->to;
	r.proc = p;
	r.parent = p->parent;
	r.parent_pid = p->ppid;
	r.state.tid = e->hdr.pid;
	r.state.from = e->from;
	r.state.to = e->to;
	r.state.stop_signal = e->stop_signal;
	r.state.from_ns = e->from_ns;
	pa_collector_dispatch(c, &r);
}

int pa_collector_handle(struct pa_collector *c, const void *data, size_t size)
{
	const struct pa_event_header *h = NULL;
	enum pa_decode_result res = pa_decode(data, size, &h);

	return pa_collector_handle_decoded(c, res, h);
}

int pa_collector_handle_decoded(struct pa_collector *c, enum pa_decode_result res,
				const struct pa_event_header *h)
{
	const void *data = h;

	if (res == PA_DECODE_UNKNOWN)
		return 0; /* a newer kernel side: skip what we do not know */
	if (res != PA_DECODE_OK) {
		c->nr_bad++;
		return -1;
	}
	c->nr_records++;
	switch (h->type) {
	case PA_EV_FORK:
		on_fork(c, data);
		break;
	case PA_EV_EXEC:
		on_exec(c, data);
		break;
	case PA_EV_EXIT:
		on_exit_event(c, data);
		break;
	case PA_EV_FREE:
		on_free(c, data);
		break;
	case PA_EV_UNSTUCK:
		pa_collector_on_unstuck(c, data);
		break;
	case PA_EV_HUNG:
		pa_collector_on_hung(c, data);
		break;
	case PA_EV_STATE:
		on_state(c, data);
		break;
	case PA_EV_SIGNAL:
		pa_collector_on_signal(c, data);
		break;
	case PA_EV_EXEC_FAILED:
		pa_collector_on_exec_failed(c, data);
		break;
	}
	return 0;
}

void pa_collector_lost(struct pa_collector *c, uint64_t count, uint64_t now_boot_ns)
{
	struct pa_report r = { .action = PA_ACT_LOST, .ts_ns = now_boot_ns, .lost = count };

	if (!count)
		return;
	c->nr_lost += count;
	pa_collector_dispatch(c, &r);
}

void pa_collector_snapshot_zombies(struct pa_collector *c, uint64_t now_boot_ns)
{
	struct pa_proc *p, *tmp;

	pa_table_foreach(&c->table, p, tmp) {
		if (p->state == 'Z' && !p->exited) {
			pa_table_mark_exited(&c->table, p, 0, now_boot_ns);
			p->exit_unseen = true;
		}
	}
}

struct zombie_scan {
	struct pa_collector *c;
	uint64_t now_ns;
};

static void report_zombie(struct zombie_scan *z, const struct pa_zombie_group *g, struct pa_proc *p,
			  const struct pa_task_info *parent, uint32_t summarized)
{
	struct pa_report r = { .action = PA_ACT_ZOMBIE, .ts_ns = z->now_ns };

	r.proc = p;
	r.parent = pa_table_find(&z->c->table, g->ppid);
	r.parent_pid = g->ppid;
	r.zombie.age_ns = z->now_ns - p->exit_ns;
	r.zombie.age_at_least = p->exit_unseen;
	r.zombie.parent_holds = g->nr_held;
	r.zombie.oldest_age_ns = z->now_ns - g->oldest_exit_ns;
	r.zombie.summarized = summarized;
	r.zombie.parent = parent;
	/* Its reap is told only for a zombie named here: a summarized leak
	 * stays one line, in and out. */
	p->zombie_named = true;
	pa_collector_dispatch(z->c, &r);
}

static void on_zombies(void *ctx, const struct pa_zombie_group *g)
{
	struct zombie_scan *z = ctx;
	struct pa_task_info info;
	const struct pa_task_info *parent = NULL;

	/* --pid: a zombie of another subtree (one the /proc snapshot found)
	 * is not ours to report.  A parent's children are followed alike. */
	if (z->c->pid_filtered && !g->oldest_fresh->followed)
		return;
	/* What the parent does instead of reaping: one look per parent. */
	if (!pa_input_inspect(z->c, g->ppid, &info))
		parent = &info;
	if (g->nr_fresh > PA_ZOMBIE_LIST_MAX) {
		report_zombie(z, g, g->oldest_fresh, parent, g->nr_fresh);
		return;
	}
	for (uint32_t i = 0; i < g->nr_fresh; i++)
		report_zombie(z, g, g->fresh[i], parent, 0);
}

void pa_collector_tick(struct pa_collector *c, uint64_t now_boot_ns)
{
	struct zombie_scan z = { .c = c, .now_ns = now_boot_ns };

	adopt_pending(c, now_boot_ns);
	if (c->zombie_after_ns)
		pa_detect_zombies(&c->table, now_boot_ns, c->zombie_after_ns, on_zombies, &z);
	pa_table_expire(&c->table, now_boot_ns);
}

void pa_collector_syscalls(struct pa_collector *c, const struct pa_sysstats *s, bool delta,
			   enum pa_sys_sort sort, unsigned top, uint64_t interval_ns, uint64_t now_ns)
{
	static struct pa_sys_summary sum;
	size_t pos = 0;

	while (pa_sysstats_next(s, &pos, delta, sort, top, &sum)) {
		struct pa_report r = { .action = PA_ACT_SYSCALLS, .ts_ns = now_ns };
		struct pa_proc *p = pa_table_find(&c->table, sum.tgid);
		/* Gone and forgotten (reaped long ago): its pid is all we know. */
		struct pa_proc gone = { .pid = sum.tgid, .comm = "?" };

		r.proc = p ? p : &gone;
		r.parent = p ? p->parent : NULL;
		r.parent_pid = p ? p->ppid : 0;
		r.syscalls.interval_ns = interval_ns;
		r.syscalls.sum = &sum;
		pa_collector_dispatch(c, &r);
	}
}
