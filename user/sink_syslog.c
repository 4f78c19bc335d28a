// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reports to a syslog receiver: the JSON object, wrapped in RFC 5424. */
#include <stdlib.h>
#include <unistd.h>

#include "sink_json.h"
#include "sink_syslog.h"
#include "strbuf.h"
#include "syslog_msg.h"

struct syslog_sink {
	struct pa_sink base;
	struct pa_syslog_conn *conn;
	struct pa_json_fmt json; /* MSG: the same bytes as the JSON sink's line */
	struct strbuf msg;       /* reused: a steady stream allocates only in the queue */
	uint32_t procid;
};

static void syslog_emit(struct pa_sink *s, const struct pa_report *r)
{
	struct syslog_sink *ss = (struct syslog_sink *)s;

	if (!pa_json_format_report(&ss->json, s->env, r))
		return; /* out of memory: better a missing message than a broken one */
	sb_reset(&ss->msg);
	pa_syslog_format(&ss->msg, s->env, ss->procid, r, ss->json.w.buf, ss->json.w.len);
	if (ss->msg.failed)
		return;
	pa_syslog_conn_send(ss->conn, ss->msg.buf, ss->msg.len);
}

static void syslog_destroy(struct pa_sink *s)
{
	struct syslog_sink *ss = (struct syslog_sink *)s;

	pa_json_fmt_free(&ss->json);
	sb_free(&ss->msg);
	free(ss);
}

struct pa_sink *pa_sink_syslog_new(const struct pa_sink_env *env, struct pa_syslog_conn *conn)
{
	struct syslog_sink *ss = calloc(1, sizeof(*ss));

	if (!ss)
		return NULL;
	ss->base.name = "syslog";
	ss->base.emit = syslog_emit;
	ss->base.destroy = syslog_destroy;
	ss->base.env = env;
	ss->base.out = NULL; /* its bytes go to conn, not to a pa_output */
	ss->conn = conn;
	ss->procid = (uint32_t)getpid();
	pa_json_fmt_init(&ss->json);
	sb_init(&ss->msg);
	return &ss->base;
}
