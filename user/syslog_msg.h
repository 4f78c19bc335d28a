/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One report as an RFC 5424 syslog message:
 *
 *   <PRI>1 TIMESTAMP HOSTNAME ptrace-agent PROCID MSGID [pa@32473 k="v" ...] MSG
 *
 * MSGID is the action ("exec", "zombie"), the structured data holds the
 * few fields a syslog filter wants (pid, ppid, comm, ...), and MSG is the
 * report's JSON object, byte for byte what the JSON sink writes on its line.
 * Framing (octet counting on streams) is the connection's job, not ours.
 */
#ifndef PA_SYSLOG_MSG_H
#define PA_SYSLOG_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "sink.h"
#include "strbuf.h"

/* RFC 5424 section 6.2.1: facility 3 is "system daemons". */
#define PA_SYSLOG_FACILITY_DAEMON 3
#define PA_SYSLOG_APP_NAME "ptrace-agent"
/*
 * An SD-ID of our own must be NAME@<private enterprise number>.  32473 is
 * the number RFC 5612 reserves for documentation and examples; a deployment
 * that registers its own PEN with IANA should put it here.
 */
#define PA_SYSLOG_SD_ID "pa@32473"
/* RFC 5424 section 6: the header fields' length limits. */
#define PA_SYSLOG_HOSTNAME_MAX 255
#define PA_SYSLOG_PARAM_NAME_MAX 32

/* RFC 5424 section 6.2.1, the severities we use. */
enum pa_syslog_severity {
	PA_SYSLOG_ERR = 3,     /* stuck (and deadlock, once reported) */
	PA_SYSLOG_WARNING = 4, /* zombie, orphaned, lost */
	PA_SYSLOG_INFO = 6,    /* fork, exec, exit, state, reaped */
};

enum pa_syslog_severity pa_syslog_severity(enum pa_action a);

/*
 * Append r as one message to out (no framing, no newline).  procid is the
 * agent's own pid; msg/msg_len is the MSG part, copied verbatim.
 */
void pa_syslog_format(struct strbuf *out, const struct pa_sink_env *env, uint32_t procid,
		      const struct pa_report *r, const char *msg, size_t msg_len);

/* An SD-PARAM value as RFC 5424 section 6.3.3 wants it: '"', '\' and ']'
 * escaped with a backslash, invalid UTF-8 replaced by U+FFFD. */
void pa_syslog_sd_value(struct strbuf *out, const char *s, size_t len);

#endif
