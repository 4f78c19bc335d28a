// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ptrace_agent.* members of the signal, failed-exec and deadlock events,
 * and the sender a fatal signal's exit names (../shared/EVENTS.md).
 */
#include "json_signals.h"
#include "signames.h"
#include "syscall_names.h"

/* A task named by pid, thread id (if known) and name (if known). */
static void put_task(struct jw *w, const char *key, uint32_t pid, uint32_t tid, const char *comm)
{
	jw_key(w, key);
	jw_object_begin(w);
	jw_kv_uint(w, "pid", pid);
	if (tid) {
		jw_key(w, "thread");
		jw_object_begin(w);
		jw_kv_uint(w, "id", tid);
		jw_object_end(w);
	}
	if (*comm)
		jw_kv_string(w, "name", comm);
	jw_object_end(w);
}

void pa_json_put_signal(struct jw *w, const struct pa_signal_info *s)
{
	jw_key(w, "signal");
	jw_object_begin(w);
	jw_kv_string(w, "name", pa_signal_name(s->sig));
	jw_kv_int(w, "number", s->sig);
	jw_kv_string(w, "stage", s->delivery ? "deliver" : "generate");
	jw_kv_string(w, "result", pa_sig_result_name(s->result, s->blocked));
	jw_kv_string(w, "action", pa_sig_action_name(s->action));
	jw_kv_string(w, "default_action", pa_sig_default_effect(s->sig));
	jw_kv_string(w, "code", pa_si_code_name(s->code));
	jw_kv_bool(w, "group", s->group);
	jw_kv_bool(w, "fatal", s->fatal);
	if (s->sender_pid)
		put_task(w, "sender", s->sender_pid, s->sender_tid, s->sender_comm);
	jw_object_end(w);
}

void pa_json_put_killed_by(struct jw *w, const struct pa_kill *k)
{
	put_task(w, "killed_by", k->pid, k->tid, k->comm);
}

void pa_json_put_exec_failed(struct jw *w, const struct pa_exec_failed_info *x)
{
	char buf[16];

	jw_key(w, "exec_failed");
	jw_object_begin(w);
	jw_kv_string(w, "filename", x->filename);
	jw_kv_string(w, "error", pa_errno_name(x->error, buf, sizeof(buf)));
	jw_kv_int(w, "errno", x->error);
	jw_object_end(w);
}

static void put_member(struct jw *w, const struct pa_deadlock_member *m)
{
	char state[2] = { m->state ? m->state : '?', '\0' };
	const char *name = pa_syscall_name(m->syscall);

	jw_object_begin(w);
	jw_kv_uint(w, "thread", m->tid);
	jw_kv_uint(w, "pid", m->tgid);
	jw_kv_string(w, "name", m->comm);
	jw_kv_string(w, "state", state);
	jw_kv_uint(w, "waited_ms", m->waited_ns / 1000000);
	jw_kv_string(w, "waits_for", m->waits_for);
	jw_kv_string(w, "resource", m->resource);
	jw_kv_uint(w, "held_by", m->held_by);
	jw_kv_uint(w, "held_by_pid", m->held_by_pid);
	if (name)
		jw_kv_string(w, "syscall", name);
	if (*m->wchan)
		jw_kv_string(w, "wchan", m->wchan);
	if (m->ustack) {
		jw_key(w, "user_stack");
		jw_array_begin(w);
		for (unsigned i = 0; i < m->ustack->nr; i++)
			jw_string(w, m->ustack->frames[i]);
		jw_array_end(w);
	}
	jw_object_end(w);
}

void pa_json_put_deadlock(struct jw *w, const struct pa_deadlock_info *d)
{
	jw_key(w, "deadlock");
	jw_object_begin(w);
	jw_key(w, "threads");
	jw_array_begin(w);
	for (unsigned i = 0; i < d->nr; i++)
		jw_uint(w, d->members[i].tid);
	jw_array_end(w);
	jw_key(w, "edges");
	jw_array_begin(w);
	for (unsigned i = 0; i < d->nr; i++)
		put_member(w, &d->members[i]);
	jw_array_end(w);
	jw_object_end(w);
}
