/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The JSON form of one report, for every sink that carries it: the JSON
 * lines sink writes it with a newline, the syslog sink puts it in MSG.
 * One function builds it, so the two can never disagree.
 */
#ifndef PA_SINK_JSON_H
#define PA_SINK_JSON_H

#include <stdbool.h>

#include "json_ident.h"
#include "json_piece.h"
#include "json_writer.h"
#include "sink.h"
#include "strbuf.h"

/* Reused from report to report: a steady stream allocates nothing. */
struct pa_json_fmt {
	struct jw w;           /* the object, in w.buf / w.len */
	struct strbuf scratch; /* command_line is built here, then escaped once */
	/* host.* and agent.*, the same in every event: rendered once, for
	 * the env, hostname and host facts (host_info.h) they came from. */
	struct strbuf constant;
	const struct pa_sink_env *constant_env;
	const char *constant_hostname;
	unsigned constant_generation;
	/* Who the processes are, rendered once (NULL: out of memory, every
	 * line is rendered in full). */
	struct pa_json_ident_cache *ident;
	/* event.*, a function of the action alone: rendered once per action. */
	struct pa_json_piece event[PA_ACT_SYSCALLS + 1];
};

void pa_json_fmt_init(struct pa_json_fmt *f);
void pa_json_fmt_free(struct pa_json_fmt *f);
/* r as one JSON object, without a trailing newline, in f->w.  false when
 * the writer failed (out of memory): the bytes must not be used. */
bool pa_json_format_report(struct pa_json_fmt *f, const struct pa_sink_env *env,
			   const struct pa_report *r);

#endif
