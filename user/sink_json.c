// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* JSON lines with Elastic Common Schema names (../shared/EVENTS.md). */
#include <stdlib.h>
#include <string.h>

#include "host_info.h"
#include "json_ident.h"
#include "json_signals.h"
#include "json_writer.h"
#include "signames.h"
#include "sink.h"
#include "sink_json.h"
#include "syscall_names.h"
#include "strbuf.h"

struct json_sink {
	struct pa_sink base;
	struct pa_json_fmt fmt;
};

static void render_event(struct jw *w, const char *kind, const char *type, const char *action)
{
	jw_key(w, "event");
	jw_object_begin(w);
	jw_kv_string(w, "kind", kind);
	jw_key(w, "category");
	jw_array_begin(w);
	jw_string(w, "process");
	jw_array_end(w);
	jw_key(w, "type");
	jw_array_begin(w);
	jw_string(w, type);
	jw_array_end(w);
	jw_kv_string(w, "action", action);
	jw_object_end(w);
}

static void put_args(struct jw *w, struct strbuf *line, const struct pa_args *a)
{
	jw_key(w, "args");
	jw_array_begin(w);
	for (uint32_t i = 0; i < a->count; i++)
		jw_string_len(w, a->arg[i], a->len[i]);
	jw_array_end(w);
	jw_kv_uint(w, "args_count", a->argc);

	/* ECS: command_line is the args joined by spaces. */
	sb_reset(line);
	for (uint32_t i = 0; i < a->count; i++) {
		if (i)
			sb_putc(line, ' ');
		sb_append(line, a->arg[i], a->len[i]);
	}
	jw_kv_string_len(w, "command_line", line->buf ? line->buf : "", line->len);
}

static void put_exit_code(struct jw *w, const struct pa_report *r)
{
	struct pa_exit_info info = pa_decode_wait_status(r->exit_status);

	jw_kv_int(w, "exit_code", info.code);
}

/* The thread an event is about, where it names one; 0 otherwise. */
static uint32_t report_tid(const struct pa_report *r)
{
	switch (r->action) {
	case PA_ACT_STUCK:
		return r->stuck.tid;
	case PA_ACT_STATE:
		return r->state.tid;
	case PA_ACT_SIGNAL:
		return r->signal.tid;
	case PA_ACT_DEADLOCK:
		return r->deadlock.nr ? r->deadlock.members[0].tid : 0;
	default:
		return 0;
	}
}

static void put_process(struct pa_json_fmt *f, const struct pa_sink_env *env,
			const struct pa_report *r)
{
	struct jw *w = &f->w;
	const struct pa_proc *p = r->proc;

	jw_key(w, "process");
	jw_object_begin(w);
	pa_json_put_process_head(w, f->ident, env, p);
	if (r->action == PA_ACT_EXEC) {
		jw_kv_string(w, "executable", r->executable);
		put_args(w, &f->scratch, r->args);
		if (p->cwd)
			jw_kv_string(w, "working_directory", p->cwd);
	} else {
		pa_json_put_program(w, f->ident, p);
	}
	if (r->action == PA_ACT_EXIT) {
		pa_json_put_time(w, env, "end", r->ts_ns);
		put_exit_code(w, r);
	}
	if (report_tid(r)) {
		jw_key(w, "thread");
		jw_object_begin(w);
		jw_kv_uint(w, "id", report_tid(r));
		jw_object_end(w);
	}
	pa_json_put_ids(w, f->ident, p);
	pa_json_put_parent(w, f->ident, env, r);
	pa_json_put_leaders(w, f->ident, env, p);
	jw_object_end(w);
}

static const char *event_type(enum pa_action a)
{
	switch (a) {
	case PA_ACT_FORK:
	case PA_ACT_EXEC:
		return "start";
	case PA_ACT_EXIT:
	case PA_ACT_REAPED:
		return "end";
	case PA_ACT_EXEC_FAILED:
		return "start";
	case PA_ACT_SIGNAL:
	case PA_ACT_DEADLOCK:
		return "info";
	case PA_ACT_STUCK:
		return "info";
	case PA_ACT_STATE:
		return "change";
	case PA_ACT_ORPHANED:
		return "change";
	case PA_ACT_LOST:
	case PA_ACT_ZOMBIE:
	case PA_ACT_SYSCALLS:
		return "info";
	}
	return "info";
}

static bool is_alert(enum pa_action a)
{
	return a == PA_ACT_LOST || a == PA_ACT_ZOMBIE || a == PA_ACT_ORPHANED || a == PA_ACT_STUCK ||
	       a == PA_ACT_DEADLOCK;
}

static void put_syscall(struct jw *w, long nr)
{
	const char *name = pa_syscall_name(nr);

	if (nr == PA_SYSCALL_RUNNING)
		jw_kv_string(w, "syscall", "running");
	else if (nr == PA_SYSCALL_NONE)
		jw_kv_string(w, "syscall", "none");
	else if (name)
		jw_kv_string(w, "syscall", name);
	else if (nr >= 0)
		jw_kv_int(w, "syscall_nr", nr);
}

static void put_zombie(struct jw *w, const struct pa_report *r)
{
	const struct pa_zombie_info *z = &r->zombie;

	jw_key(w, "zombie");
	jw_object_begin(w);
	jw_kv_uint(w, "age_ms", z->age_ns / 1000000);
	if (z->age_at_least)
		jw_kv_bool(w, "age_is_lower_bound", true); /* a zombie before tracing began */
	jw_kv_uint(w, "parent_holds", z->parent_holds);
	jw_kv_uint(w, "oldest_age_ms", z->oldest_age_ns / 1000000);
	if (z->summarized)
		jw_kv_uint(w, "summarized", z->summarized);
	if (z->parent) {
		char state[2] = { z->parent->state, '\0' };

		jw_key(w, "parent");
		jw_object_begin(w);
		jw_kv_string(w, "state", state);
		put_syscall(w, z->parent->syscall);
		jw_kv_string(w, "wchan", z->parent->wchan);
		jw_kv_string(w, "sigchld", pa_sig_disposition_name(z->parent->sigchld));
		jw_object_end(w);
	}
	jw_object_end(w);
}

/* EVENTS.md puts blocked_ms, kernel_stack, wchan and syscall straight
 * under ptrace_agent; what is ours alone goes under ptrace_agent.stuck. */
static void put_stuck(struct jw *w, const struct pa_report *r)
{
	const struct pa_stuck_info *st = &r->stuck;

	/* The watchdog's report says only that the kernel's timeout passed. */
	if (!st->hung_task)
		jw_kv_uint(w, "blocked_ms", st->blocked_ns / 1000000);
	if (st->nr_frames) {
		jw_key(w, "kernel_stack");
		jw_array_begin(w);
		for (unsigned i = 0; i < st->nr_frames; i++)
			jw_string(w, st->frames[i]);
		jw_array_end(w);
	}
	if (st->task) {
		jw_kv_string(w, "wchan", st->task->wchan);
		put_syscall(w, st->task->syscall);
		if (st->task->syscall >= 0) {
			jw_key(w, "syscall_args");
			jw_array_begin(w);
			for (int i = 0; i < 6; i++)
				jw_uint(w, st->task->args[i]);
			jw_array_end(w);
		}
	}
	if (st->file)
		jw_kv_string(w, "file", st->file);
	jw_key(w, "stuck");
	jw_object_begin(w);
	jw_kv_bool(w, "ended", st->ended);
	jw_kv_string(w, "source", st->hung_task ? "hung_task" : "sched_switch");
	jw_object_end(w);
}

static void put_state(struct jw *w, const struct pa_state_info *st)
{
	char from[2] = { st->from, '\0' }, to[2] = { st->to, '\0' };

	jw_key(w, "state");
	jw_object_begin(w);
	jw_kv_string(w, "from", from);
	jw_kv_string(w, "to", to);
	jw_kv_uint(w, "from_ms", st->from_ns / 1000000);
	if (st->stop_signal)
		jw_kv_string(w, "signal", pa_signal_name(st->stop_signal));
	jw_object_end(w);
}

static void put_sys_val(struct jw *w, const struct pa_sys_val *v, bool ms)
{
	jw_kv_uint(w, "count", v->count);
	jw_kv_uint(w, "errors", v->errors);
	if (ms)
		jw_kv_uint(w, "time_ms", v->time_ns / 1000000);
	else
		jw_kv_uint(w, "time_us", v->time_ns / 1000);
}

static void put_syscalls(struct jw *w, const struct pa_syscalls_info *si)
{
	const struct pa_sys_summary *sum = si->sum;

	jw_key(w, "syscalls");
	jw_object_begin(w);
	jw_kv_uint(w, "interval_ms", si->interval_ns / 1000000);
	jw_key(w, "total");
	jw_object_begin(w);
	put_sys_val(w, &sum->total, true);
	jw_object_end(w);
	jw_key(w, "top");
	jw_array_begin(w);
	for (unsigned i = 0; i < sum->nr_top; i++) {
		const struct pa_sys_row *row = &sum->top[i];

		jw_object_begin(w);
		if (row->name)
			jw_kv_string(w, "name", row->name);
		jw_kv_uint(w, "nr", row->nr);
		put_sys_val(w, &row->val, false);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

static void render_event_of(struct jw *w, enum pa_action a)
{
	render_event(w, is_alert(a) ? "alert" : a == PA_ACT_SYSCALLS ? "metric" : "event",
		     event_type(a), pa_action_name(a));
}

/* event.* depends on the action alone: each is rendered once. */
static void put_event(struct pa_json_fmt *f, enum pa_action a)
{
	struct pa_json_piece *piece;
	size_t mark;

	if ((unsigned)a >= sizeof(f->event) / sizeof(f->event[0])) {
		render_event_of(&f->w, a);
		return;
	}
	piece = &f->event[a];
	if (piece->valid) {
		pa_json_piece_put(&f->w, piece);
		return;
	}
	mark = pa_json_piece_mark(&f->w);
	render_event_of(&f->w, a);
	pa_json_piece_keep(piece, &f->w, mark);
}

/* Alert and life-cycle details beyond ECS, under ptrace_agent.*. */
static void put_detector_fields(struct jw *w, const struct pa_report *r)
{
	switch (r->action) {
	case PA_ACT_ZOMBIE:
		put_zombie(w, r);
		return;
	case PA_ACT_STUCK:
		put_stuck(w, r);
		return;
	case PA_ACT_STATE:
		put_state(w, &r->state);
		return;
	case PA_ACT_SYSCALLS:
		put_syscalls(w, &r->syscalls);
		return;
	case PA_ACT_SIGNAL:
		pa_json_put_signal(w, &r->signal);
		return;
	case PA_ACT_EXEC_FAILED:
		pa_json_put_exec_failed(w, &r->exec_failed);
		return;
	case PA_ACT_DEADLOCK:
		pa_json_put_deadlock(w, &r->deadlock);
		return;
	case PA_ACT_REAPED:
		jw_key(w, "reaped");
		jw_object_begin(w);
		jw_kv_uint(w, "by_pid", r->reaper_pid);
		jw_kv_uint(w, "zombie_ms", r->zombie.age_ns / 1000000);
		jw_object_end(w);
		return;
	case PA_ACT_ORPHANED:
		jw_key(w, "previous_parent");
		jw_object_begin(w);
		jw_kv_uint(w, "pid", r->orphan.previous_parent);
		jw_object_end(w);
		jw_key(w, "orphan");
		jw_object_begin(w);
		jw_kv_string(w, "adopter", r->orphan.adopter_is_init ? "init" : "subreaper");
		jw_kv_bool(w, "daemon", r->orphan.daemon);
		jw_object_end(w);
		return;
	default:
		return;
	}
}

/* Time in each scheduler state over the process's life, all threads. */
static void put_times(struct jw *w, const struct pa_proc *p)
{
	uint64_t total = 0;

	for (int i = 0; i < PA_NR_TIMES; i++)
		total += p->time_ns[i];
	if (!total)
		return;
	jw_key(w, "time_ms");
	jw_object_begin(w);
	jw_kv_uint(w, "running", p->time_ns[PA_T_RUNNING] / 1000000);
	jw_kv_uint(w, "runnable", p->time_ns[PA_T_RUNNABLE] / 1000000);
	jw_kv_uint(w, "sleeping", p->time_ns[PA_T_SLEEPING] / 1000000);
	jw_kv_uint(w, "blocked", p->time_ns[PA_T_BLOCKED] / 1000000);
	jw_object_end(w);
	if (p->blocked_partial)
		jw_kv_bool(w, "blocked_partial", true);
}

static void put_exit(struct jw *w, const struct pa_report *r)
{
	struct pa_exit_info info = pa_decode_wait_status(r->exit_status);

	jw_key(w, "exit");
	jw_object_begin(w);
	if (info.signal)
		jw_kv_string(w, "signal", pa_signal_name(info.signal));
	jw_kv_bool(w, "core_dumped", info.core_dumped);
	if (r->proc->start_ns && r->ts_ns > r->proc->start_ns)
		jw_kv_uint(w, "runtime_ms", (r->ts_ns - r->proc->start_ns) / 1000000);
	put_times(w, r->proc);
	if (r->killed_by)
		pa_json_put_killed_by(w, r->killed_by);
	jw_object_end(w);
}

static bool is_detector(enum pa_action a)
{
	return a == PA_ACT_ZOMBIE || a == PA_ACT_REAPED || a == PA_ACT_ORPHANED ||
	       a == PA_ACT_STUCK || a == PA_ACT_STATE || a == PA_ACT_SYSCALLS ||
	       a == PA_ACT_SIGNAL || a == PA_ACT_EXEC_FAILED || a == PA_ACT_DEADLOCK;
}

/* Our own fields, under ptrace_agent.*, only where there is something to say. */
static void put_agent_fields(struct jw *w, const struct pa_report *r)
{
	bool truncated = r->action == PA_ACT_EXEC &&
			 (r->args->truncated || r->args->argc > r->args->count);
	/* The cgroup names the systemd unit or container scope: ECS has no field for it. */
	const char *cgroup = r->proc && r->proc->ids_known ? r->proc->ids.cgroup : "";

	if (!is_detector(r->action) && r->action != PA_ACT_LOST && r->action != PA_ACT_EXIT &&
	    !truncated && !*cgroup)
		return;
	jw_key(w, "ptrace_agent");
	jw_object_begin(w);
	if (is_detector(r->action)) {
		put_detector_fields(w, r);
	} else if (r->action == PA_ACT_LOST) {
		jw_key(w, "lost");
		jw_object_begin(w);
		jw_kv_uint(w, "count", r->lost);
		jw_object_end(w);
	} else if (truncated) {
		jw_kv_bool(w, "args_truncated", true);
	} else if (r->action == PA_ACT_EXIT) {
		put_exit(w, r);
	}
	if (*cgroup) {
		jw_key(w, "cgroup");
		jw_object_begin(w);
		jw_kv_string(w, "name", cgroup);
		jw_object_end(w);
	}
	jw_object_end(w);
}

/* host.* and agent.* rendered once, as `,"host":{...},"agent":{...}`,
 * ready to follow the members before it.  false if it could not be. */
static bool constant_part(struct pa_json_fmt *f, const struct pa_sink_env *env)
{
	unsigned gen = pa_host_info_generation();
	struct jw w;

	if (f->constant_env == env && f->constant_hostname == env->hostname &&
	    f->constant_generation == gen && f->constant.len)
		return true;
	jw_init(&w);
	jw_object_begin(&w);
	pa_json_put_host_agent(&w, env, pa_host_info());
	jw_object_end(&w);
	sb_reset(&f->constant);
	if (!jw_failed(&w)) {
		/* Without the object's braces, after a comma. */
		sb_putc(&f->constant, ',');
		sb_append(&f->constant, w.buf + 1, w.len - 2);
	}
	jw_free(&w);
	if (jw_failed(&w) || f->constant.failed) {
		f->constant_env = NULL;
		return false;
	}
	f->constant_env = env;
	f->constant_hostname = env->hostname;
	f->constant_generation = gen;
	return true;
}

void pa_json_fmt_init(struct pa_json_fmt *f)
{
	jw_init(&f->w);
	sb_init(&f->scratch);
	sb_init(&f->constant);
	f->constant_env = NULL;
	f->constant_hostname = NULL;
	f->constant_generation = 0;
	f->ident = pa_json_ident_cache_new();
	memset(f->event, 0, sizeof(f->event));
}

void pa_json_fmt_free(struct pa_json_fmt *f)
{
	jw_free(&f->w);
	sb_free(&f->scratch);
	sb_free(&f->constant);
	pa_json_ident_cache_free(f->ident);
	f->ident = NULL;
}

/* r as one JSON object after what f->w holds. */
static bool format_report(struct pa_json_fmt *f, const struct pa_sink_env *env,
			  const struct pa_report *r)
{
	struct jw *w = &f->w;

	jw_restart(w);
	jw_object_begin(w);
	pa_json_put_time(w, env, "@timestamp", r->ts_ns);
	put_event(f, r->action);
	/* event came before: the writer owes the next member a comma, which
	 * the constant part brings itself. */
	if (constant_part(f, env))
		jw_raw(w, f->constant.buf, f->constant.len);
	else
		pa_json_put_host_agent(w, env, pa_host_info());
	if (r->proc) {
		put_process(f, env, r);
		pa_json_put_container(w, r->proc);
	}
	put_agent_fields(w, r);
	jw_object_end(w);
	return !jw_failed(w);
}

bool pa_json_format_report(struct pa_json_fmt *f, const struct pa_sink_env *env,
			   const struct pa_report *r)
{
	jw_reset(&f->w);
	return format_report(f, env, r);
}

/* The line is written in place at the end of the output's queue: a line
 * is ~1.4 KB, and copying it there cost 3% of a replay. */
static void json_emit(struct pa_sink *s, const struct pa_report *r)
{
	struct json_sink *js = (struct json_sink *)s;
	struct strbuf *queue = pa_output_queue(s->out);
	struct jw *w = &js->fmt.w;
	size_t start = queue->len;
	bool ok;

	jw_attach(w, queue->buf, queue->len, queue->cap);
	ok = format_report(&js->fmt, s->env, r);
	jw_raw(w, "\n", 1);
	ok = ok && !jw_failed(w);
	jw_detach(w, &queue->buf, &queue->len, &queue->cap);
	if (!ok) {
		queue->len = start; /* out of memory: better a missing line than a broken one */
		return;
	}
	pa_output_appended(s->out);
}

static void json_destroy(struct pa_sink *s)
{
	struct json_sink *js = (struct json_sink *)s;

	pa_json_fmt_free(&js->fmt);
	free(js);
}

struct pa_sink *pa_sink_json_new(const struct pa_sink_env *env, struct pa_output *out)
{
	struct json_sink *js = calloc(1, sizeof(*js));

	if (!js)
		return NULL;
	js->base.name = "json";
	js->base.emit = json_emit;
	js->base.destroy = json_destroy;
	js->base.env = env;
	js->base.out = out;
	pa_json_fmt_init(&js->fmt);
	return &js->base;
}
