// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The default human stream: one aligned line per event, safe to print on a terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signames.h"
#include "syscall_names.h"
#include "sink.h"
#include "strbuf.h"
#include "text_escape.h"

struct text_sink {
	struct pa_sink base;
	struct strbuf line;
	bool header_done;
};

static const char header[] = "TIME         EVENT  PID     PPID    COMM             DETAIL\n";

static void put_exec_detail(struct strbuf *sb, const struct pa_report *r)
{
	const struct pa_args *a = r->args;

	if (!a || !a->count) {
		pa_text_quote(sb, r->executable, strlen(r->executable));
		return;
	}
	for (uint32_t i = 0; i < a->count; i++) {
		if (i)
			sb_putc(sb, ' ');
		pa_text_quote(sb, a->arg[i], a->len[i]);
	}
	if (a->truncated || a->argc > a->count)
		sb_printf(sb, " ... (%u args)", a->argc);
}

/* Where its life went, when the kernel measured it. */
static void put_times(struct strbuf *sb, const struct pa_proc *p)
{
	static const char *const label[PA_NR_TIMES] = { "on-cpu", "runnable", "sleeping", "D" };
	char span[32];
	uint64_t total = 0;

	for (int i = 0; i < PA_NR_TIMES; i++)
		total += p->time_ns[i];
	if (!total)
		return;
	sb_puts(sb, " (");
	for (int i = 0; i < PA_NR_TIMES; i++) {
		pa_format_span(span, sizeof(span), p->time_ns[i]);
		/* D time is ours, counted only since tracing began. */
		sb_printf(sb, "%s%s %s%s", i ? ", " : "", label[i],
			  i == PA_T_BLOCKED && p->blocked_partial ? ">=" : "", span);
	}
	sb_putc(sb, ')');
}

/* "kill[555]": a task's name (any bytes a program chose: escaped, so a
 * name cannot drive the terminal) and its pid. */
static void put_named_pid(struct strbuf *sb, const char *comm, uint32_t pid)
{
	pa_text_escape(sb, comm, strnlen(comm, PA_COMM_LEN));
	sb_printf(sb, "[%u]", pid);
}

static void put_exit_detail(struct strbuf *sb, const struct pa_report *r)
{
	struct pa_exit_info info = pa_decode_wait_status(r->exit_status);
	char span[32];

	if (info.signal && r->killed_by) {
		sb_printf(sb, "killed by %s%s from ", pa_signal_name(info.signal),
			  info.core_dumped ? " (core dumped)" : "");
		put_named_pid(sb, r->killed_by->comm, r->killed_by->pid);
	} else if (info.signal)
		sb_printf(sb, "killed by %s%s", pa_signal_name(info.signal),
			  info.core_dumped ? " (core dumped)" : "");
	else
		sb_printf(sb, "exit %d", info.code);
	if (r->proc && r->proc->start_ns && r->ts_ns > r->proc->start_ns) {
		pa_format_span(span, sizeof(span), r->ts_ns - r->proc->start_ns);
		sb_printf(sb, " after %s", span);
	}
	put_times(sb, r->proc);
}

/* "in clock_nanosleep", "running", "blocked" */
static void put_syscall(struct strbuf *sb, long nr)
{
	const char *name = pa_syscall_name(nr);

	if (nr == PA_SYSCALL_RUNNING)
		sb_puts(sb, "running");
	else if (nr == PA_SYSCALL_NONE)
		sb_puts(sb, "blocked outside a syscall");
	else if (name)
		sb_printf(sb, "in %s", name);
	else if (nr >= 0)
		sb_printf(sb, "in syscall %ld", nr);
	else
		sb_puts(sb, "doing something unknown");
}

static void put_zombie_detail(struct strbuf *sb, const struct pa_report *r)
{
	const struct pa_zombie_info *z = &r->zombie;
	char age[32], oldest[32];

	pa_format_span(age, sizeof(age), z->age_ns);
	pa_format_span(oldest, sizeof(oldest), z->oldest_age_ns);
	sb_printf(sb, "not reaped for %s%s; parent %u", z->age_at_least ? "at least " : "", age,
		  r->parent_pid);
	if (z->parent) {
		sb_printf(sb, " is %c ", z->parent->state);
		put_syscall(sb, z->parent->syscall);
		sb_printf(sb, ", SIGCHLD %s", pa_sig_disposition_name(z->parent->sigchld));
	}
	sb_printf(sb, "; it holds %u zombie%s, oldest %s", z->parent_holds, z->parent_holds == 1 ? "" : "s",
		  oldest);
	if (z->summarized)
		sb_printf(sb, " (%u new ones, summarized)", z->summarized);
}

static void put_reaped_detail(struct strbuf *sb, const struct pa_report *r)
{
	char age[32];

	pa_format_span(age, sizeof(age), r->zombie.age_ns);
	sb_printf(sb, "reaped by %u after %s as a zombie", r->reaper_pid, age);
}

static void put_orphan_detail(struct strbuf *sb, const struct pa_report *r)
{
	sb_printf(sb, "parent %u exited; adopted by %s %u", r->orphan.previous_parent,
		  r->orphan.adopter_is_init ? "init" : "subreaper", r->parent_pid);
	if (r->orphan.daemon)
		sb_puts(sb, " (daemon: own session, no terminal)");
}

static void put_stuck_detail(struct strbuf *sb, const struct pa_report *r)
{
	const struct pa_stuck_info *st = &r->stuck;
	char span[32];

	pa_format_span(span, sizeof(span), st->blocked_ns);
	if (st->ended) {
		sb_printf(sb, "thread %u ran again after %s in D", st->tid, span);
		return;
	}
	if (st->hung_task)
		sb_printf(sb, "thread %u reported hung by the kernel", st->tid);
	else
		sb_printf(sb, "thread %u in D for %s", st->tid, span);
	if (st->task) {
		sb_puts(sb, ", ");
		put_syscall(sb, st->task->syscall);
		if (st->file) {
			sb_printf(sb, "(fd %llu: ", (unsigned long long)st->task->args[0]);
			pa_text_escape(sb, st->file, strlen(st->file));
			sb_putc(sb, ')');
		}
		if (st->task->wchan[0] && strcmp(st->task->wchan, "0"))
			sb_printf(sb, ", wchan %s", st->task->wchan);
	}
	if (st->nr_frames) {
		sb_puts(sb, "; stack:");
		for (unsigned i = 0; i < st->nr_frames; i++)
			sb_printf(sb, " %s", st->frames[i]);
	}
}

static void put_state_detail(struct strbuf *sb, const struct pa_report *r)
{
	const struct pa_state_info *st = &r->state;
	char span[32];

	pa_format_span(span, sizeof(span), st->from_ns);
	sb_printf(sb, "thread %u %c -> %c after %s", st->tid, st->from, st->to, span);
	if (st->stop_signal)
		sb_printf(sb, " (%s)", pa_signal_name(st->stop_signal));
}

/* Wider than the EVENT column holds, so a line of its own:
 * "syscalls pid=200 comm=bash: 1240 in 10.00s, 3 failed: read 1200 (3 err, 15.2ms), write 40 (1.1ms)" */
static void put_syscalls_line(struct strbuf *sb, const struct pa_report *r)
{
	const struct pa_sys_summary *sum = r->syscalls.sum;
	const char *comm = r->proc->comm;
	char span[32];

	sb_printf(sb, "syscalls pid=%u comm=", r->proc->pid);
	pa_text_escape(sb, comm, strnlen(comm, sizeof(r->proc->comm)));
	pa_format_span(span, sizeof(span), r->syscalls.interval_ns);
	sb_printf(sb, ": %llu in %s", (unsigned long long)sum->total.count, span);
	if (sum->total.errors)
		sb_printf(sb, ", %llu failed", (unsigned long long)sum->total.errors);
	sb_puts(sb, ":");
	for (unsigned i = 0; i < sum->nr_top; i++) {
		const struct pa_sys_row *row = &sum->top[i];

		sb_puts(sb, i ? ", " : " ");
		if (row->name)
			sb_puts(sb, row->name);
		else
			sb_printf(sb, "syscall_%u", row->nr);
		sb_printf(sb, " %llu (", (unsigned long long)row->val.count);
		if (row->val.errors)
			sb_printf(sb, "%llu err, ", (unsigned long long)row->val.errors);
		sb_printf(sb, "%.1fms)", row->val.time_ns / 1e6);
	}
}

/* The EVENT column is 6 wide: the two longer names that would cut badly. */
static const char *text_label(enum pa_action a)
{
	if (a == PA_ACT_EXEC_FAILED)
		return "exfail";
	if (a == PA_ACT_DEADLOCK)
		return "deadlk";
	return pa_action_name(a);
}

/* "SIGTERM from kill[812] delivered, default: terminate"; a delivery:
 * "SIGUSR1 taken by thread 4242, handler". */
static void put_signal_detail(struct strbuf *sb, const struct pa_signal_info *si, uint32_t pid)
{
	sb_puts(sb, pa_signal_name(si->sig));
	if (si->delivery)
		sb_puts(sb, " taken");
	else if (si->sender_pid) {
		sb_puts(sb, " from ");
		put_named_pid(sb, si->sender_comm, si->sender_pid);
	}
	if (si->tid != pid)
		sb_printf(sb, " by thread %u", si->tid);
	if (!si->delivery)
		sb_printf(sb, " %s", pa_sig_result_name(si->result, si->blocked));
	if (si->action == PA_SIGACT_DEFAULT)
		sb_printf(sb, ", default: %s", pa_sig_default_effect(si->sig));
	else if (si->action == PA_SIGACT_IGNORE)
		sb_puts(sb, " (SIG_IGN)");
	else
		sb_puts(sb, ", handler");
}

static void put_exec_failed_detail(struct strbuf *sb, const struct pa_exec_failed_info *x)
{
	char buf[16];

	pa_text_quote(sb, x->filename, strlen(x->filename));
	sb_printf(sb, " failed: %s", pa_errno_name(x->error, buf, sizeof(buf)));
}

/* "2 threads: 101 mutex 0x5612a0 held by 102 (3.1s), 102 mutex 0x5612c8 held by 101 (3.1s)" */
static void put_deadlock_detail(struct strbuf *sb, const struct pa_deadlock_info *d)
{
	char span[32];

	sb_printf(sb, "%u threads:", d->nr);
	for (unsigned i = 0; i < d->nr; i++) {
		const struct pa_deadlock_member *m = &d->members[i];

		pa_format_span(span, sizeof(span), m->waited_ns);
		sb_printf(sb, "%s %u (", i ? "," : "", m->tid);
		pa_text_escape(sb, m->comm, strnlen(m->comm, sizeof(m->comm)));
		sb_printf(sb, ") %s %s held by %u (%s)", m->waits_for, m->resource, m->held_by, span);
	}
}

static void text_emit(struct pa_sink *s, const struct pa_report *r)
{
	struct text_sink *ts = (struct text_sink *)s;
	struct strbuf *sb = &ts->line;
	char when[32];

	sb_reset(sb);
	if (!ts->header_done) {
		sb_puts(sb, header);
		ts->header_done = true;
	}
	pa_format_clock(when, sizeof(when), pa_clock_wall_ns(s->env->clock, r->ts_ns));
	if (r->action == PA_ACT_LOST) {
		sb_printf(sb, "%-12s %-6s %-7s %-7s %-16s %llu events lost: ring buffer full (raise --ringbuf-size)\n",
			  when, "lost", "-", "-", "-", (unsigned long long)r->lost);
	} else if (r->action == PA_ACT_SYSCALLS) {
		sb_printf(sb, "%-12s ", when);
		put_syscalls_line(sb, r);
		sb_putc(sb, '\n');
	} else {
		sb_printf(sb, "%-12s %-6.6s %-7u %-7u ", when, text_label(r->action), r->proc->pid,
			  r->parent_pid);
		pa_text_quote_comm(sb, r->proc->comm);
		if (r->action == PA_ACT_EXEC)
			put_exec_detail(sb, r);
		else if (r->action == PA_ACT_EXIT)
			put_exit_detail(sb, r);
		else if (r->action == PA_ACT_ZOMBIE)
			put_zombie_detail(sb, r);
		else if (r->action == PA_ACT_REAPED)
			put_reaped_detail(sb, r);
		else if (r->action == PA_ACT_ORPHANED)
			put_orphan_detail(sb, r);
		else if (r->action == PA_ACT_STUCK)
			put_stuck_detail(sb, r);
		else if (r->action == PA_ACT_STATE)
			put_state_detail(sb, r);
		else if (r->action == PA_ACT_SIGNAL)
			put_signal_detail(sb, &r->signal, r->proc->pid);
		else if (r->action == PA_ACT_EXEC_FAILED)
			put_exec_failed_detail(sb, &r->exec_failed);
		else if (r->action == PA_ACT_DEADLOCK)
			put_deadlock_detail(sb, &r->deadlock);
		while (sb->len && sb->buf[sb->len - 1] == ' ')
			sb->len--;
		sb_putc(sb, '\n');
	}
	pa_output_write(s->out, sb->buf, sb->len);
}

static void text_destroy(struct pa_sink *s)
{
	struct text_sink *ts = (struct text_sink *)s;

	sb_free(&ts->line);
	free(ts);
}

struct pa_sink *pa_sink_text_new(const struct pa_sink_env *env, struct pa_output *out)
{
	struct text_sink *ts = calloc(1, sizeof(*ts));

	if (!ts)
		return NULL;
	ts->base.name = "text";
	ts->base.emit = text_emit;
	ts->base.destroy = text_destroy;
	ts->base.env = env;
	ts->base.out = out;
	sb_init(&ts->line);
	return &ts->base;
}

void pa_sink_destroy(struct pa_sink *s)
{
	if (s)
		s->destroy(s);
}

const char *pa_action_name(enum pa_action a)
{
	switch (a) {
	case PA_ACT_FORK:
		return "fork";
	case PA_ACT_EXEC:
		return "exec";
	case PA_ACT_EXIT:
		return "exit";
	case PA_ACT_LOST:
		return "lost";
	case PA_ACT_ZOMBIE:
		return "zombie";
	case PA_ACT_REAPED:
		return "reaped";
	case PA_ACT_ORPHANED:
		return "orphaned";
	case PA_ACT_STUCK:
		return "stuck";
	case PA_ACT_STATE:
		return "state";
	case PA_ACT_SYSCALLS:
		return "syscalls";
	case PA_ACT_SIGNAL:
		return "signal";
	case PA_ACT_EXEC_FAILED:
		return "exec_failed";
	case PA_ACT_DEADLOCK:
		return "deadlock";
	}
	return "?";
}

const char *pa_sig_disposition_name(enum pa_sig_disposition d)
{
	switch (d) {
	case PA_SIG_DEFAULT:
		return "default";
	case PA_SIG_IGNORED:
		return "ignored";
	case PA_SIG_HANDLED:
		return "handled";
	case PA_SIG_UNKNOWN:
		break;
	}
	return "unknown";
}
