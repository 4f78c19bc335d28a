// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The identity members of a JSON event, by ECS name: who the process is,
 * its relatives, its container, the host and the agent. */
#include <stdlib.h>
#include <string.h>

#include "json_ident.h"
#include "json_piece.h"

#ifndef PA_VERSION
#define PA_VERSION "0.0.0"
#endif

/* /proc/PID/stat's tty_nr encoding of a device number (new_encode_dev). */
#define TTY_MAJOR(nr) (((nr) >> 8) & 0xfffu)
#define TTY_MINOR(nr) (((nr) & 0xffu) | (((nr) >> 12) & 0xfff00u))

/*
 * What the JSON shows of who a process is, and all it shows: the process
 * members (pid first) and the related ones of parents and leaders are
 * rendered from this alone.  The pieces made from it are kept with it
 * and reused only while the process's values are equal to it, so an exec
 * (new name), a late start time or new ids show at once.
 */
struct who {
	uint32_t pid;
	bool ids_known;
	uint32_t vpid;         /* when ids_known */
	bool has_start;
	uint64_t start_wall_ns; /* when has_start */
	size_t comm_len;
	char comm[PA_COMM_LEN];
	size_t id_len;
	char entity_id[PA_ENTITY_ID_LEN];
};

/* The credentials and terminal pa_json_put_ids shows. */
struct creds {
	uint32_t euid, uid, egid, gid, tty_nr;
};

/* What a process runs and where, between its execs: executable,
 * command_line, working_directory, each NULL when unknown. */
#define PROGRAM_STRINGS 3

struct program {
	const char *s[PROGRAM_STRINGS];
	size_t len[PROGRAM_STRINGS];
};

/* Pieces kept per pid slot: enough for the processes of a busy moment
 * and their parents and leaders; a collision only costs a rendering. */
#define WHO_SLOTS 64
#define CREDS_SLOTS 16
/* Programs are told apart by their strings' lengths first. */
#define PROGRAM_SLOTS 16

struct who_piece {
	struct who who;
	struct pa_json_piece piece;
};

struct creds_piece {
	struct creds creds;
	struct pa_json_piece piece;
};

/* The strings a program piece was made from, one after the other. */
struct program_piece {
	bool present[PROGRAM_STRINGS];
	size_t len[PROGRAM_STRINGS];
	char saved[PA_JSON_PIECE_MAX];
	struct pa_json_piece piece;
};

struct pa_json_ident_cache {
	struct jw scratch;                     /* a piece is rendered here */
	struct who_piece head[WHO_SLOTS];      /* process: pid, vpid, name, entity_id, start */
	struct who_piece related[WHO_SLOTS];   /* parent, leaders: entity_id, name, start, vpid */
	struct creds_piece creds[CREDS_SLOTS]; /* user, real_user, group, real_group, tty */
	struct program_piece program[PROGRAM_SLOTS]; /* executable, command_line, working_directory */
};

struct pa_json_ident_cache *pa_json_ident_cache_new(void)
{
	struct pa_json_ident_cache *c = calloc(1, sizeof(*c));

	if (c)
		jw_init(&c->scratch);
	return c;
}

void pa_json_ident_cache_free(struct pa_json_ident_cache *c)
{
	if (!c)
		return;
	jw_free(&c->scratch);
	free(c);
}

static void who_of(struct who *who, const struct pa_sink_env *env, const struct pa_proc *q)
{
	who->pid = q->pid;
	who->ids_known = q->ids_known;
	who->vpid = q->ids_known ? q->ids.vpid : 0;
	who->has_start = q->start_ns != 0;
	who->start_wall_ns = who->has_start ? pa_clock_wall_ns(env->clock, q->start_ns) : 0;
	/* comm fills its array without a NUL when it is 15 bytes long */
	who->comm_len = strnlen(q->comm, sizeof(q->comm));
	memcpy(who->comm, q->comm, who->comm_len);
	who->id_len = strnlen(q->entity_id, sizeof(q->entity_id));
	memcpy(who->entity_id, q->entity_id, who->id_len);
}

static bool who_equal(const struct who *a, const struct who *b)
{
	return a->pid == b->pid && a->ids_known == b->ids_known && a->vpid == b->vpid &&
	       a->has_start == b->has_start && a->start_wall_ns == b->start_wall_ns &&
	       a->comm_len == b->comm_len && !memcmp(a->comm, b->comm, a->comm_len) &&
	       a->id_len == b->id_len && !memcmp(a->entity_id, b->entity_id, a->id_len);
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

static void render_creds(struct jw *w, const struct creds *c)
{
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

/* Credentials and terminal, as the kernel had them at fork or exec. */
void pa_json_put_ids(struct jw *w, struct pa_json_ident_cache *cache, const struct pa_proc *p)
{
	struct creds c;
	struct creds_piece *slot;

	if (!p->ids_known)
		return;
	creds_of(&c, p);
	if (!cache) {
		render_creds(w, &c);
		return;
	}
	slot = &cache->creds[(c.euid ^ c.uid ^ c.egid ^ c.gid ^ c.tty_nr) % CREDS_SLOTS];
	if (!slot->piece.valid || !creds_equal(&slot->creds, &c)) {
		pa_json_piece_begin(&cache->scratch);
		render_creds(&cache->scratch, &c);
		if (!pa_json_piece_keep(&slot->piece, &cache->scratch)) {
			render_creds(w, &c);
			return;
		}
		slot->creds = c;
	}
	pa_json_piece_put(w, &slot->piece);
}

static const char *const program_keys[PROGRAM_STRINGS] = {
	"executable", "command_line", "working_directory",
};

static void render_program(struct jw *w, const struct program *pg)
{
	for (int i = 0; i < PROGRAM_STRINGS; i++) {
		if (pg->s[i])
			jw_kv_string_len(w, program_keys[i], pg->s[i], pg->len[i]);
	}
}

static bool program_equal(const struct program_piece *kept, const struct program *pg)
{
	const char *at = kept->saved;

	for (int i = 0; i < PROGRAM_STRINGS; i++) {
		if (kept->present[i] != !!pg->s[i])
			return false;
		if (!pg->s[i])
			continue;
		if (kept->len[i] != pg->len[i] || memcmp(at, pg->s[i], pg->len[i]))
			return false;
		at += pg->len[i];
	}
	return true;
}

/* Save the strings beside the piece made from them; false if they do not fit. */
static bool program_save(struct program_piece *kept, const struct program *pg)
{
	size_t used = 0;

	for (int i = 0; i < PROGRAM_STRINGS; i++) {
		kept->present[i] = pg->s[i] != NULL;
		kept->len[i] = pg->s[i] ? pg->len[i] : 0;
		if (kept->len[i] > sizeof(kept->saved) - used)
			return false;
		if (kept->len[i])
			memcpy(kept->saved + used, pg->s[i], kept->len[i]);
		used += kept->len[i];
	}
	return true;
}

void pa_json_put_program(struct jw *w, struct pa_json_ident_cache *cache, const char *executable,
			 const char *command_line, const char *working_directory)
{
	struct program pg = { .s = { executable, command_line, working_directory } };
	struct program_piece *slot;
	size_t mix = 0;

	for (int i = 0; i < PROGRAM_STRINGS; i++) {
		pg.len[i] = pg.s[i] ? strlen(pg.s[i]) : 0;
		mix = mix * 31 + pg.len[i] + !pg.s[i];
	}
	if (!cache) {
		render_program(w, &pg);
		return;
	}
	slot = &cache->program[mix % PROGRAM_SLOTS];
	if (!slot->piece.valid || !program_equal(slot, &pg)) {
		slot->piece.valid = false;
		pa_json_piece_begin(&cache->scratch);
		render_program(&cache->scratch, &pg);
		if (!program_save(slot, &pg) || !pa_json_piece_keep(&slot->piece, &cache->scratch)) {
			render_program(w, &pg);
			return;
		}
	}
	pa_json_piece_put(w, &slot->piece);
}

/* The process's own members, first in process. */
static void render_head(struct jw *w, const struct who *who)
{
	jw_kv_uint(w, "pid", who->pid);
	if (who->ids_known)
		jw_kv_uint(w, "vpid", who->vpid);
	jw_kv_string_len(w, "name", who->comm, who->comm_len);
	jw_kv_ascii(w, "entity_id", who->entity_id, who->id_len);
	if (who->has_start)
		put_wall_time(w, "start", who->start_wall_ns);
}

/* process.parent, session_leader, entry_leader: what the table knows of it. */
static void render_related(struct jw *w, const struct who *who)
{
	jw_kv_ascii(w, "entity_id", who->entity_id, who->id_len);
	jw_kv_string_len(w, "name", who->comm, who->comm_len);
	if (who->has_start)
		put_wall_time(w, "start", who->start_wall_ns);
	if (who->ids_known)
		jw_kv_uint(w, "vpid", who->vpid);
}

/* The members render makes of q, from the piece kept in table when it was
 * made from the same values. */
static void put_who(struct jw *w, struct pa_json_ident_cache *cache, struct who_piece *table,
		    void (*render)(struct jw *w, const struct who *who),
		    const struct pa_sink_env *env, const struct pa_proc *q)
{
	struct who who;
	struct who_piece *slot;

	who_of(&who, env, q);
	if (!cache) {
		render(w, &who);
		return;
	}
	slot = &table[who.pid % WHO_SLOTS];
	if (!slot->piece.valid || !who_equal(&slot->who, &who)) {
		pa_json_piece_begin(&cache->scratch);
		render(&cache->scratch, &who);
		if (!pa_json_piece_keep(&slot->piece, &cache->scratch)) {
			render(w, &who);
			return;
		}
		slot->who = who;
	}
	pa_json_piece_put(w, &slot->piece);
}

void pa_json_put_process_head(struct jw *w, struct pa_json_ident_cache *cache,
			      const struct pa_sink_env *env, const struct pa_proc *p)
{
	put_who(w, cache, cache ? cache->head : NULL, render_head, env, p);
}

static void put_related(struct jw *w, struct pa_json_ident_cache *cache,
			const struct pa_sink_env *env, const struct pa_proc *q)
{
	put_who(w, cache, cache ? cache->related : NULL, render_related, env, q);
}

void pa_json_put_parent(struct jw *w, struct pa_json_ident_cache *cache,
			const struct pa_sink_env *env, const struct pa_report *r)
{
	const struct pa_exec_record *last;

	jw_key(w, "parent");
	jw_object_begin(w);
	jw_kv_uint(w, "pid", r->parent_pid);
	if (r->parent) {
		put_related(w, cache, env, r->parent);
		last = pa_proc_last_exec(r->parent);
		if (last)
			jw_kv_string(w, "executable", last->filename);
	}
	jw_object_end(w);
}

static void put_leader(struct jw *w, struct pa_json_ident_cache *cache,
		       const struct pa_sink_env *env, const char *key, const struct pa_proc *p,
		       const struct pa_proc *leader, uint32_t pid)
{
	jw_key(w, key);
	jw_object_begin(w);
	jw_kv_uint(w, "pid", leader ? leader->pid : pid);
	if (leader) {
		put_related(w, cache, env, leader);
		jw_kv_bool(w, "same_as_process", leader == p);
	}
	jw_object_end(w);
}

/* The session id is the leader's pid even when the table lost the leader. */
void pa_json_put_leaders(struct jw *w, struct pa_json_ident_cache *cache,
			 const struct pa_sink_env *env, const struct pa_proc *p)
{
	const struct pa_proc *entry;

	if (!p->ids_known || !p->ids.sid)
		return;
	put_leader(w, cache, env, "session_leader", p, pa_proc_session_leader(p), p->ids.sid);
	entry = pa_proc_entry_leader(p);
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
