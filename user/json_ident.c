// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The identity members of a JSON event, by ECS name: who the process is,
 * its relatives, its container, the host and the agent. */
#include <string.h>

#include "json_ident.h"

#ifndef PA_VERSION
#define PA_VERSION "0.0.0"
#endif

/* /proc/PID/stat's tty_nr encoding of a device number (new_encode_dev). */
#define TTY_MAJOR(nr) (((nr) >> 8) & 0xfffu)
#define TTY_MINOR(nr) (((nr) & 0xffu) | (((nr) >> 12) & 0xfff00u))

void pa_json_put_time(struct jw *w, const struct pa_sink_env *env, const char *key,
		      uint64_t boot_ns)
{
	char ts[40];

	size_t len = pa_format_rfc3339(ts, sizeof(ts), pa_clock_wall_ns(env->clock, boot_ns));

	jw_kv_ascii(w, key, ts, len);
}

/* ECS user.id and group.id are keywords: strings, not numbers.  Four of
 * them in every event: digits by hand, not through printf. */
static void put_id(struct jw *w, const char *key, uint32_t id)
{
	char s[12];
	char *p = s + sizeof(s) - 1;

	*p = '\0';
	do {
		*--p = (char)('0' + id % 10);
		id /= 10;
	} while (id);
	jw_key(w, key);
	jw_object_begin(w);
	jw_kv_string(w, "id", p);
	jw_object_end(w);
}

/* Credentials and terminal, as the kernel had them at fork or exec. */
void pa_json_put_ids(struct jw *w, const struct pa_proc *p)
{
	if (!p->ids_known)
		return;
	put_id(w, "user", p->ids.euid);
	put_id(w, "real_user", p->ids.uid);
	put_id(w, "group", p->ids.egid);
	put_id(w, "real_group", p->ids.gid);
	if (p->ids.tty_nr) {
		jw_key(w, "tty");
		jw_object_begin(w);
		jw_key(w, "char_device");
		jw_object_begin(w);
		jw_kv_uint(w, "major", TTY_MAJOR(p->ids.tty_nr));
		jw_kv_uint(w, "minor", TTY_MINOR(p->ids.tty_nr));
		jw_object_end(w);
		jw_object_end(w);
	}
}

/* process.parent, session_leader, entry_leader: what the table knows of it. */
static void put_related(struct jw *w, const struct pa_sink_env *env, const struct pa_proc *q)
{
	jw_kv_ascii(w, "entity_id", q->entity_id, strlen(q->entity_id));
	jw_kv_string_len(w, "name", q->comm, strnlen(q->comm, sizeof(q->comm)));
	if (q->start_ns)
		pa_json_put_time(w, env, "start", q->start_ns);
	if (q->ids_known)
		jw_kv_uint(w, "vpid", q->ids.vpid);
}

void pa_json_put_parent(struct jw *w, const struct pa_sink_env *env, const struct pa_report *r)
{
	const struct pa_exec_record *last;

	jw_key(w, "parent");
	jw_object_begin(w);
	jw_kv_uint(w, "pid", r->parent_pid);
	if (r->parent) {
		put_related(w, env, r->parent);
		last = pa_proc_last_exec(r->parent);
		if (last)
			jw_kv_string(w, "executable", last->filename);
	}
	jw_object_end(w);
}

static void put_leader(struct jw *w, const struct pa_sink_env *env, const char *key,
		       const struct pa_proc *p, const struct pa_proc *leader, uint32_t pid)
{
	jw_key(w, key);
	jw_object_begin(w);
	jw_kv_uint(w, "pid", leader ? leader->pid : pid);
	if (leader) {
		put_related(w, env, leader);
		jw_kv_bool(w, "same_as_process", leader == p);
	}
	jw_object_end(w);
}

/* The session id is the leader's pid even when the table lost the leader. */
void pa_json_put_leaders(struct jw *w, const struct pa_sink_env *env, const struct pa_proc *p)
{
	const struct pa_proc *entry;

	if (!p->ids_known || !p->ids.sid)
		return;
	put_leader(w, env, "session_leader", p, pa_proc_session_leader(p), p->ids.sid);
	entry = pa_proc_entry_leader(p);
	if (entry)
		put_leader(w, env, "entry_leader", p, entry, entry->pid);
}

/* ECS container.*: only for a process in a container we recognised. */
void pa_json_put_container(struct jw *w, const struct pa_proc *p)
{
	if (!p->container.id[0])
		return;
	jw_key(w, "container");
	jw_object_begin(w);
	jw_kv_string(w, "id", p->container.id);
	if (p->container.runtime)
		jw_kv_string(w, "runtime", p->container.runtime);
	jw_object_end(w);
}

/* ECS host.* and agent.*. */
void pa_json_put_host_agent(struct jw *w, const struct pa_sink_env *env,
			    const struct pa_host_info *h)
{
	jw_key(w, "host");
	jw_object_begin(w);
	jw_kv_string(w, "hostname", env->hostname);
	if (env->hostname)
		jw_kv_string(w, "name", env->hostname);
	if (h->id[0])
		jw_kv_string(w, "id", h->id);
	if (h->boot_id[0]) {
		jw_key(w, "boot");
		jw_object_begin(w);
		jw_kv_string(w, "id", h->boot_id);
		jw_object_end(w);
	}
	jw_key(w, "os");
	jw_object_begin(w);
	jw_kv_string(w, "type", "linux");
	if (h->kernel[0])
		jw_kv_string(w, "kernel", h->kernel);
	jw_object_end(w);
	if (h->arch[0])
		jw_kv_string(w, "architecture", h->arch);
	jw_object_end(w);

	jw_key(w, "agent");
	jw_object_begin(w);
	jw_kv_string(w, "type", "ptrace-agent");
	jw_kv_string(w, "version", PA_VERSION);
	if (h->agent_id[0])
		jw_kv_string(w, "id", h->agent_id);
	if (h->ephemeral_id[0])
		jw_kv_string(w, "ephemeral_id", h->ephemeral_id);
	jw_object_end(w);
}
