// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The identity members of a JSON event, by ECS name: who the process is,
 * its relatives, its container, the host and the agent. */
#include <stdlib.h>
#include <string.h>

#include "json_ident.h"
#include "json_piece.h"
#include "shared_str.h"

#ifndef PA_VERSION
#define PA_VERSION "0.0.0"
#endif

/* /proc/PID/stat's tty_nr encoding of a device number (new_encode_dev). */
#define TTY_MAJOR(nr) (((nr) >> 8) & 0xfffu)
#define TTY_MINOR(nr) (((nr) & 0xffu) | (((nr) >> 12) & 0xfff00u))

/*
 * The values each kept piece is rendered from, and all it is rendered
 * from: the renderers below read these, never the process.  A piece is
 * kept with a copy of its values and used only while the values at hand
 * are equal to them, so an exec (new name, new program), new ids, a new
 * parent or leader, pid reuse or another clock offset all show at once,
 * with nothing to invalidate.
 */

/*
 * Who a process is: its own members and those its relatives show of it.
 * The entity id is a function of the pid and start tick (and the table's
 * boot id, which does not change): equal pids and ticks mean equal ids,
 * so its bytes are neither copied nor compared, only pointed to while the
 * piece is rendered.
 */
struct who {
	uint32_t pid;
	uint64_t start_ticks;
	bool ids_known;
	uint32_t vpid;          /* when ids_known */
	bool has_start;
	uint64_t start_wall_ns; /* when has_start */
	size_t comm_len;
	char comm[PA_COMM_LEN];
	const char *entity_id;  /* the process's own: valid while rendering only */
};

/* A parent or a leader, as its object shows it. */
struct relative {
	uint32_t pid;
	bool known;               /* the table has it: who is set */
	struct who who;
	bool has_same;            /* leaders: same_as_process is shown */
	bool same;
	bool has_exe;             /* parents: the last exec's file name (NULL: null) */
	size_t exe_len;
	const char *exe;
};

/* The credentials and terminal pa_json_put_ids shows. */
struct creds {
	uint32_t euid, uid, egid, gid, tty_nr;
};

/* What a process runs and where, between its execs: executable,
 * command_line, working_directory, each shown if present (a NULL string
 * shows as null). */
#define PROGRAM_STRINGS 3

struct program {
	bool present[PROGRAM_STRINGS];
	const char *s[PROGRAM_STRINGS];
	size_t len[PROGRAM_STRINGS];
};

/* Slots of kept pieces, chosen by pid (by the strings' lengths for
 * programs): enough for the processes of a busy moment and their
 * relatives; a collision only costs a rendering. */
#define WHO_SLOTS 64
#define CREDS_SLOTS 16
#define PROGRAM_SLOTS 16

/* A kept piece and the values it was made from.  Strings the values point
 * to are copied into saved. */
struct kept_head {
	struct who who;
	struct pa_json_piece piece;
};

struct kept_relative {
	struct relative rel;
	char saved[PA_JSON_PIECE_MAX];
	struct pa_json_piece piece;
};

struct kept_creds {
	struct creds creds;
	struct pa_json_piece piece;
};

struct kept_program {
	struct program pg;
	char saved[PA_JSON_PIECE_MAX];
	struct pa_json_piece piece;
};

struct pa_json_ident_cache {
	struct kept_head head[WHO_SLOTS];         /* process: pid, vpid, name, entity_id, start */
	struct kept_relative parent[WHO_SLOTS];   /* process.parent */
	struct kept_relative leader[WHO_SLOTS];   /* session_leader, entry_leader */
	struct kept_creds creds[CREDS_SLOTS];     /* user, real_user, group, real_group, tty */
	/* executable, command_line, working_directory */
	struct kept_program program[PROGRAM_SLOTS];
};

struct pa_json_ident_cache *pa_json_ident_cache_new(void)
{
	return calloc(1, sizeof(struct pa_json_ident_cache));
}

void pa_json_ident_cache_free(struct pa_json_ident_cache *c)
{
	free(c);
}

/* ---- values ------------------------------------------------------------- */

static void who_of(struct who *who, const struct pa_sink_env *env, const struct pa_proc *q)
{
	who->pid = q->pid;
	who->start_ticks = q->start_ticks;
	who->ids_known = q->ids_known;
	who->vpid = q->ids_known ? q->ids.vpid : 0;
	who->has_start = q->start_ns != 0;
	who->start_wall_ns = who->has_start ? pa_clock_wall_ns(env->clock, q->start_ns) : 0;
	/* comm fills its array without a NUL when it is 15 bytes long */
	who->comm_len = strnlen(q->comm, sizeof(q->comm));
	memcpy(who->comm, q->comm, who->comm_len);
	who->entity_id = q->entity_id;
}

static bool who_equal(const struct who *a, const struct who *b)
{
	return a->pid == b->pid && a->start_ticks == b->start_ticks &&
	       a->ids_known == b->ids_known && a->vpid == b->vpid &&
	       a->has_start == b->has_start && a->start_wall_ns == b->start_wall_ns &&
	       a->comm_len == b->comm_len && !memcmp(a->comm, b->comm, a->comm_len);
}

/* pid as the object shows it, q what the table has under it (or NULL). */
static void relative_of(struct relative *rel, const struct pa_sink_env *env, uint32_t pid,
			const struct pa_proc *q)
{
	rel->pid = pid;
	rel->known = q != NULL;
	if (q)
		who_of(&rel->who, env, q);
	rel->has_same = false;
	rel->same = false;
	rel->has_exe = false;
	rel->exe = NULL;
	rel->exe_len = 0;
}

static bool relative_equal(const struct relative *a, const struct relative *b)
{
	if (a->pid != b->pid || a->known != b->known || a->has_same != b->has_same ||
	    a->same != b->same || a->has_exe != b->has_exe || !a->exe != !b->exe ||
	    a->exe_len != b->exe_len)
		return false;
	if (a->known && !who_equal(&a->who, &b->who))
		return false;
	return !a->exe || !memcmp(a->exe, b->exe, a->exe_len);
}

static void creds_of(struct creds *c, const struct pa_proc *p)
{
	c->euid = p->ids.euid;
	c->uid = p->ids.uid;
	c->egid = p->ids.egid;
	c->gid = p->ids.gid;
	c->tty_nr = p->ids.tty_nr;
}

static bool creds_equal(const struct creds *a, const struct creds *b)
{
	return a->euid == b->euid && a->uid == b->uid && a->egid == b->egid && a->gid == b->gid &&
	       a->tty_nr == b->tty_nr;
}

static bool program_equal(const struct program *a, const struct program *b)
{
	for (int i = 0; i < PROGRAM_STRINGS; i++) {
		if (a->present[i] != b->present[i] || !a->s[i] != !b->s[i] ||
		    a->len[i] != b->len[i])
			return false;
		if (a->s[i] && memcmp(a->s[i], b->s[i], a->len[i]))
			return false;
	}
	return true;
}

/* Copy n bytes of s to saved + *used; the copy, or NULL if it does not fit. */
static const char *save_string(char *saved, size_t size, size_t *used, const char *s, size_t n)
{
	char *at = saved + *used;

	if (n > size - *used)
		return NULL;
	if (n)
		memcpy(at, s, n);
	*used += n;
	return at;
}

/* ---- renderers ---------------------------------------------------------- */

static void put_wall_time(struct jw *w, const char *key, uint64_t wall_ns)
{
	char ts[40];
	size_t len = pa_format_rfc3339(ts, sizeof(ts), wall_ns);

	jw_kv_ascii(w, key, ts, len);
}

void pa_json_put_time(struct jw *w, const struct pa_sink_env *env, const char *key,
		      uint64_t boot_ns)
{
	put_wall_time(w, key, pa_clock_wall_ns(env->clock, boot_ns));
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

/* The process's own members, first in process. */
static void render_head(struct jw *w, const void *values)
{
	const struct who *who = values;

	jw_kv_uint(w, "pid", who->pid);
	if (who->ids_known)
		jw_kv_uint(w, "vpid", who->vpid);
	jw_kv_string_len(w, "name", who->comm, who->comm_len);
	jw_kv_ascii(w, "entity_id", who->entity_id, strnlen(who->entity_id, PA_ENTITY_ID_LEN));
	if (who->has_start)
		put_wall_time(w, "start", who->start_wall_ns);
}

/* process.parent, session_leader, entry_leader: the pid, what the table
 * knows of it, and the parent's program or whether the leader is the
 * process itself. */
static void render_relative(struct jw *w, const void *values)
{
	const struct relative *rel = values;
	const struct who *who = &rel->who;

	jw_kv_uint(w, "pid", rel->pid);
	if (!rel->known)
		return;
	jw_kv_ascii(w, "entity_id", who->entity_id, strnlen(who->entity_id, PA_ENTITY_ID_LEN));
	jw_kv_string_len(w, "name", who->comm, who->comm_len);
	if (who->has_start)
		put_wall_time(w, "start", who->start_wall_ns);
	if (who->ids_known)
		jw_kv_uint(w, "vpid", who->vpid);
	if (rel->has_exe)
		jw_kv_string_len(w, "executable", rel->exe, rel->exe_len);
	if (rel->has_same)
		jw_kv_bool(w, "same_as_process", rel->same);
}

static void render_creds(struct jw *w, const void *values)
{
	const struct creds *c = values;

	put_id(w, "user", c->euid);
	put_id(w, "real_user", c->uid);
	put_id(w, "group", c->egid);
	put_id(w, "real_group", c->gid);
	if (c->tty_nr) {
		jw_key(w, "tty");
		jw_object_begin(w);
		jw_key(w, "char_device");
		jw_object_begin(w);
		jw_kv_uint(w, "major", TTY_MAJOR(c->tty_nr));
		jw_kv_uint(w, "minor", TTY_MINOR(c->tty_nr));
		jw_object_end(w);
		jw_object_end(w);
	}
}

static const char *const program_keys[PROGRAM_STRINGS] = {
	"executable", "command_line", "working_directory",
};

static void render_program(struct jw *w, const void *values)
{
	const struct program *pg = values;

	for (int i = 0; i < PROGRAM_STRINGS; i++) {
		if (pg->present[i])
			jw_kv_string_len(w, program_keys[i], pg->s[i], pg->len[i]);
	}
}

/* ---- kept pieces -------------------------------------------------------- */

/* How one kind of piece is made, compared and kept.  slot is the kind's
 * kept_* struct, values its values struct. */
struct piece_ops {
	void (*render)(struct jw *w, const void *values);
	/* The slot's kept values equal these (only asked of a valid piece). */
	bool (*equal)(const void *slot, const void *values);
	/* Copy the values into the slot; false if they do not fit. */
	bool (*keep)(void *slot, const void *values);
};

/*
 * The members ops->render makes of values, into the open object of w: the
 * piece kept in the slot if it was made from equal values, else rendered
 * now and kept with a copy of the values.  The same bytes either way.
 */
static void put_piece(struct jw *w, struct pa_json_piece *piece, void *slot,
		      const struct piece_ops *ops, const void *values)
{
	size_t mark;

	if (piece->valid && ops->equal(slot, values)) {
		pa_json_piece_put(w, piece);
		return;
	}
	piece->valid = false;
	mark = pa_json_piece_mark(w);
	ops->render(w, values);
	if (ops->keep(slot, values))
		pa_json_piece_keep(piece, w, mark);
}

static bool head_equal(const void *slot, const void *values)
{
	return who_equal(&((const struct kept_head *)slot)->who, values);
}

static bool keep_head(void *slot, const void *values)
{
	((struct kept_head *)slot)->who = *(const struct who *)values;
	return true;
}

static bool relative_kept_equal(const void *slot, const void *values)
{
	return relative_equal(&((const struct kept_relative *)slot)->rel, values);
}

static bool keep_relative(void *slot, const void *values)
{
	struct kept_relative *k = slot;
	const struct relative *rel = values;
	size_t used = 0;

	k->rel = *rel;
	if (rel->exe)
		k->rel.exe = save_string(k->saved, sizeof(k->saved), &used, rel->exe, rel->exe_len);
	return !rel->exe || k->rel.exe;
}

static bool creds_kept_equal(const void *slot, const void *values)
{
	return creds_equal(&((const struct kept_creds *)slot)->creds, values);
}

static bool keep_creds(void *slot, const void *values)
{
	((struct kept_creds *)slot)->creds = *(const struct creds *)values;
	return true;
}

static bool program_kept_equal(const void *slot, const void *values)
{
	return program_equal(&((const struct kept_program *)slot)->pg, values);
}

static bool keep_program(void *slot, const void *values)
{
	struct kept_program *k = slot;
	const struct program *pg = values;
	size_t used = 0;

	k->pg = *pg;
	for (int i = 0; i < PROGRAM_STRINGS; i++) {
		if (pg->s[i] && !(k->pg.s[i] = save_string(k->saved, sizeof(k->saved), &used,
							    pg->s[i], pg->len[i])))
			return false;
	}
	return true;
}

static const struct piece_ops head_ops = { render_head, head_equal, keep_head };
static const struct piece_ops relative_ops = {
	render_relative, relative_kept_equal, keep_relative,
};
static const struct piece_ops creds_ops = { render_creds, creds_kept_equal, keep_creds };
static const struct piece_ops program_ops = { render_program, program_kept_equal, keep_program };

/* ---- members ------------------------------------------------------------ */

void pa_json_put_process_head(struct jw *w, struct pa_json_ident_cache *cache,
			      const struct pa_sink_env *env, const struct pa_proc *p)
{
	struct kept_head *slot;
	struct who who;

	who_of(&who, env, p);
	if (!cache) {
		render_head(w, &who);
		return;
	}
	slot = &cache->head[p->pid % WHO_SLOTS];
	put_piece(w, &slot->piece, slot, &head_ops, &who);
}

void pa_json_put_program(struct jw *w, struct pa_json_ident_cache *cache,
			 const struct pa_proc *p)
{
	const struct pa_exec_record *last = pa_proc_last_exec(p);
	struct program pg = {
		.present = { last != NULL, p->cmdline != NULL, p->cwd != NULL },
		.s = { last ? last->filename : NULL, p->cmdline, p->cwd },
	};
	struct kept_program *slot;
	size_t mix = 0;

	for (int i = 0; i < PROGRAM_STRINGS; i++) {
		pg.len[i] = pg.s[i] ? pa_str_len(pg.s[i]) : 0; /* shared_str.h strings */
		mix = mix * 31 + pg.len[i] + pg.present[i] + !pg.s[i];
	}
	if (!cache) {
		render_program(w, &pg);
		return;
	}
	slot = &cache->program[mix % PROGRAM_SLOTS];
	put_piece(w, &slot->piece, slot, &program_ops, &pg);
}

/* Credentials and terminal, as the kernel had them at fork or exec. */
void pa_json_put_ids(struct jw *w, struct pa_json_ident_cache *cache, const struct pa_proc *p)
{
	struct kept_creds *slot;
	struct creds c;

	if (!p->ids_known)
		return;
	creds_of(&c, p);
	if (!cache) {
		render_creds(w, &c);
		return;
	}
	slot = &cache->creds[(c.euid ^ c.uid ^ c.egid ^ c.gid ^ c.tty_nr) % CREDS_SLOTS];
	put_piece(w, &slot->piece, slot, &creds_ops, &c);
}

/* table: the cache's parents or leaders. */
static void put_relative(struct jw *w, struct pa_json_ident_cache *cache,
			 struct kept_relative *table, const char *key, const struct relative *rel)
{
	struct kept_relative *slot;

	jw_key(w, key);
	jw_object_begin(w);
	if (cache) {
		slot = &table[rel->pid % WHO_SLOTS];
		put_piece(w, &slot->piece, slot, &relative_ops, rel);
	} else {
		render_relative(w, rel);
	}
	jw_object_end(w);
}

void pa_json_put_parent(struct jw *w, struct pa_json_ident_cache *cache,
			const struct pa_sink_env *env, const struct pa_report *r)
{
	const struct pa_exec_record *last = r->parent ? pa_proc_last_exec(r->parent) : NULL;
	struct relative rel;

	relative_of(&rel, env, r->parent_pid, r->parent);
	if (last) {
		rel.has_exe = true;
		rel.exe = last->filename;
		rel.exe_len = last->filename ? pa_str_len(last->filename) : 0;
	}
	put_relative(w, cache, cache ? cache->parent : NULL, "parent", &rel);
}

static void put_leader(struct jw *w, struct pa_json_ident_cache *cache,
		       const struct pa_sink_env *env, const char *key, const struct pa_proc *p,
		       const struct pa_proc *leader, uint32_t pid)
{
	struct relative rel;

	relative_of(&rel, env, leader ? leader->pid : pid, leader);
	rel.has_same = leader != NULL;
	rel.same = leader == p;
	put_relative(w, cache, cache ? cache->leader : NULL, key, &rel);
}

/* The session id is the leader's pid even when the table lost the leader. */
void pa_json_put_leaders(struct jw *w, struct pa_json_ident_cache *cache,
			 const struct pa_sink_env *env, const struct pa_proc *p)
{
	const struct pa_proc *session, *entry;

	if (!p->ids_known || !p->ids.sid)
		return;
	session = pa_proc_session_leader(p);
	put_leader(w, cache, env, "session_leader", p, session, p->ids.sid);
	entry = pa_proc_entry_leader_of_session(session);
	if (entry)
		put_leader(w, cache, env, "entry_leader", p, entry, entry->pid);
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
