/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The identity members of a JSON event (sink_json.c builds the rest), by
 * ECS name: process ids and terminal, its parent, session and entry
 * leaders, container.*, host.* and agent.*.
 */
#ifndef PA_JSON_IDENT_H
#define PA_JSON_IDENT_H

#include <stdint.h>

#include "host_info.h"
#include "json_writer.h"
#include "sink.h"

/*
 * Pieces these members are made of, kept from line to line (json_piece.h)
 * and reused only for a process whose values are the same.  Every put
 * function takes one; NULL renders everything afresh, with the same bytes.
 */
struct pa_json_ident_cache;

/* NULL when out of memory. */
struct pa_json_ident_cache *pa_json_ident_cache_new(void);
void pa_json_ident_cache_free(struct pa_json_ident_cache *c);

/* key: the boot-clock time as RFC 3339 UTC. */
void pa_json_put_time(struct jw *w, const struct pa_sink_env *env, const char *key,
		      uint64_t boot_ns);
/* First inside process: pid, vpid, name, entity_id, start. */
void pa_json_put_process_head(struct jw *w, struct pa_json_ident_cache *cache,
			      const struct pa_sink_env *env, const struct pa_proc *p);
/* Inside process, between execs: executable (the last exec's file), the
 * command_line and the working_directory, where known. */
void pa_json_put_program(struct jw *w, struct pa_json_ident_cache *cache,
			 const struct pa_proc *p);
/* Inside process: user, real_user, group, real_group (ids as strings,
 * ECS keywords) and tty.char_device, when the ids are known. */
void pa_json_put_ids(struct jw *w, struct pa_json_ident_cache *cache, const struct pa_proc *p);
/* Inside process: parent.{pid, and what the table knows of it}. */
void pa_json_put_parent(struct jw *w, struct pa_json_ident_cache *cache,
			const struct pa_sink_env *env, const struct pa_report *r);
/* Inside process: session_leader and entry_leader, where known. */
void pa_json_put_leaders(struct jw *w, struct pa_json_ident_cache *cache,
			 const struct pa_sink_env *env, const struct pa_proc *p);
/* Top level: container.{id,runtime} for a process in a recognised container. */
void pa_json_put_container(struct jw *w, const struct pa_proc *p);
/* Top level: host.* and agent.*. */
void pa_json_put_host_agent(struct jw *w, const struct pa_sink_env *env,
			    const struct pa_host_info *h);

#endif
