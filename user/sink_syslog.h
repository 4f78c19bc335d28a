/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The syslog sink: each report becomes one RFC 5424 message
 * (syslog_msg.h) queued on a connection (syslog_conn.h).  Emitting never
 * blocks; the event loop drives the connection with pa_syslog_conn_poll.
 */
#ifndef PA_SINK_SYSLOG_H
#define PA_SINK_SYSLOG_H

#include "sink.h"
#include "syslog_conn.h"

/* conn is not owned: close it after the sink is destroyed, so the
 * messages of the last reports still go out.  NULL on allocation failure. */
struct pa_sink *pa_sink_syslog_new(const struct pa_sink_env *env, struct pa_syslog_conn *conn);

#endif
