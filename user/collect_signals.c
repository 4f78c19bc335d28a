// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Signal and failed-exec records: reports, and the memory of who sent a
 * process the signal that will end it, so that its exit can name the
 * sender (pa_collector_killer).
 */
#include <string.h>

#include "collector.h"
#include "signames.h"

/* The target's process: by identity, else by pid (a record about a
 * process whose fork we missed still names it rightly by pid). */
static struct pa_proc *target_of(struct pa_collector *c, const struct pa_event_header *h)
{
	struct pa_proc *p = pa_table_find_identity(&c->table, h->tgid, h->start_ns);

	return p ? p : pa_table_find(&c->table, h->tgid);
}

static void remember_kill(struct pa_proc *p, const struct pa_signal_event *e)
{
	p->kill.sig = (int)e->sig;
	p->kill.pid = e->sender_tgid;
	p->kill.tid = e->sender_pid;
	memcpy(p->kill.comm, e->sender_comm, sizeof(p->kill.comm));
}

void pa_collector_on_signal(struct pa_collector *c, const struct pa_signal_event *e)
{
	struct pa_proc *p = target_of(c, &e->hdr);
	struct pa_report r = { .action = PA_ACT_SIGNAL, .ts_ns = e->hdr.ts_ns };
	bool delivery = e->hdr.flags & PA_F_SIG_DELIVER;

	if (!p)
		return; /* gone before we knew it: nothing to name it by */
	if (!delivery && (e->hdr.flags & PA_F_SIG_FATAL))
		remember_kill(p, e);
	r.proc = p;
	r.parent = p->parent;
	r.parent_pid = p->ppid;
	r.signal.tid = e->hdr.pid;
	r.signal.sig = (int)e->sig;
	r.signal.code = e->code;
	r.signal.delivery = delivery;
	r.signal.group = e->hdr.flags & PA_F_SIG_GROUP;
	r.signal.blocked = e->hdr.flags & PA_F_SIG_BLOCKED;
	r.signal.fatal = e->hdr.flags & PA_F_SIG_FATAL;
	r.signal.result = e->result;
	r.signal.action = e->action;
	r.signal.sender_pid = e->sender_tgid;
	r.signal.sender_tid = e->sender_pid;
	r.signal.sender_comm = e->sender_comm;
	pa_collector_dispatch(c, &r);
}

void pa_collector_on_exec_failed(struct pa_collector *c, const struct pa_exec_failed_event *e)
{
	struct pa_proc *p = target_of(c, &e->hdr);
	struct pa_report r = { .action = PA_ACT_EXEC_FAILED, .ts_ns = e->hdr.ts_ns };

	if (!p)
		return;
	r.proc = p;
	r.parent = p->parent;
	r.parent_pid = p->ppid;
	r.exec_failed.error = e->error;
	r.exec_failed.filename = e->filename;
	pa_collector_dispatch(c, &r);
}

const struct pa_kill *pa_collector_killer(const struct pa_proc *p, uint32_t exit_status)
{
	struct pa_exit_info info = pa_decode_wait_status(exit_status);

	if (!info.signal || p->kill.sig != info.signal)
		return NULL;
	return &p->kill;
}
