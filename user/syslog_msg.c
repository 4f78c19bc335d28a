// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RFC 5424 formatting.  MSG carries no BOM: a BOM is what RFC 5424 asks
 * for to mark MSG as UTF-8, but rsyslog's parsers and most receivers take
 * plain UTF-8 as it is (and some would keep the BOM as three stray bytes in
 * the stored message, breaking the JSON for whoever parses it).  The JSON
 * writer already turns invalid UTF-8 into \ufffd, so MSG is always valid.
 */
#include <stdbool.h>
#include <string.h>

#include "signames.h"
#include "syscall_names.h"
#include "syslog_msg.h"
#include "utf8.h"

#define NS_PER_MS 1000000ULL

enum pa_syslog_severity pa_syslog_severity(enum pa_action a)
{
	switch (a) {
	case PA_ACT_STUCK:
	case PA_ACT_DEADLOCK:
		return PA_SYSLOG_ERR;
	case PA_ACT_ZOMBIE:
	case PA_ACT_ORPHANED:
	case PA_ACT_LOST:
		return PA_SYSLOG_WARNING;
	case PA_ACT_FORK:
	case PA_ACT_EXEC:
	case PA_ACT_EXIT:
	case PA_ACT_REAPED:
	case PA_ACT_STATE:
	case PA_ACT_SYSCALLS:
	case PA_ACT_SIGNAL:
	case PA_ACT_EXEC_FAILED:
		return PA_SYSLOG_INFO;
	}
	return PA_SYSLOG_INFO;
}

/* HOSTNAME is 1..255 PRINTUSASCII (33..126); anything else is "-" (NILVALUE). */
static bool hostname_ok(const char *h)
{
	size_t n = h ? strlen(h) : 0;

	if (!n || n > PA_SYSLOG_HOSTNAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (h[i] < 33 || h[i] > 126)
			return false;
	}
	return true;
}

void pa_syslog_sd_value(struct strbuf *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] == '"' || u[i] == '\\' || u[i] == ']') {
			sb_putc(out, '\\');
			sb_putc(out, s[i++]);
		} else if (u[i] < 0x80) {
			sb_putc(out, s[i++]);
		} else if ((n = pa_utf8_seq_len(u + i, len - i))) {
			sb_append(out, s + i, n);
			i += n;
		} else {
			/* PARAM-VALUE must be UTF-8: comm and paths need not be. */
			sb_append(out, "\xef\xbf\xbd", 3);
			i++;
		}
	}
}

static void param_str(struct strbuf *out, const char *name, const char *v, size_t len)
{
	sb_printf(out, " %s=\"", name);
	pa_syslog_sd_value(out, v, len);
	sb_putc(out, '"');
}

static void param_u64(struct strbuf *out, const char *name, uint64_t v)
{
	sb_printf(out, " %s=\"%llu\"", name, (unsigned long long)v);
}

static void put_exit_params(struct strbuf *out, const struct pa_report *r)
{
	struct pa_exit_info info = pa_decode_wait_status(r->exit_status);

	sb_printf(out, " exit_code=\"%d\"", info.code);
	if (info.signal) {
		const char *sig = pa_signal_name(info.signal);

		param_str(out, "signal", sig, strlen(sig));
	}
}

static void put_stuck_params(struct strbuf *out, const struct pa_stuck_info *st)
{
	param_u64(out, "tid", st->tid);
	if (!st->hung_task)
		param_u64(out, "blocked_ms", st->blocked_ns / NS_PER_MS);
	if (st->task && st->task->syscall >= 0 && pa_syscall_name(st->task->syscall)) {
		const char *name = pa_syscall_name(st->task->syscall);

		param_str(out, "syscall", name, strlen(name));
	}
	if (st->ended)
		sb_puts(out, " ended=\"true\"");
}

/* Names are literals here, all within PARAM-NAME's rules (at most 32
 * printable characters, none of '=', ' ', ']', '"'); the test checks. */
static void put_action_params(struct strbuf *out, const struct pa_report *r)
{
	switch (r->action) {
	case PA_ACT_EXEC:
		param_str(out, "exe", r->executable, strlen(r->executable));
		return;
	case PA_ACT_EXIT:
		put_exit_params(out, r);
		return;
	case PA_ACT_ZOMBIE:
		param_u64(out, "age_ms", r->zombie.age_ns / NS_PER_MS);
		return;
	case PA_ACT_REAPED:
		param_u64(out, "reaper", r->reaper_pid);
		return;
	case PA_ACT_ORPHANED:
		param_u64(out, "previous_ppid", r->orphan.previous_parent);
		return;
	case PA_ACT_STUCK:
		put_stuck_params(out, &r->stuck);
		return;
	case PA_ACT_STATE:
		param_u64(out, "tid", r->state.tid);
		param_str(out, "from", &r->state.from, 1);
		param_str(out, "to", &r->state.to, 1);
		return;
	case PA_ACT_LOST:
		param_u64(out, "count", r->lost);
		return;
	case PA_ACT_SYSCALLS:
		param_u64(out, "count", r->syscalls.sum->total.count);
		param_u64(out, "errors", r->syscalls.sum->total.errors);
		param_u64(out, "time_ms", r->syscalls.sum->total.time_ns / NS_PER_MS);
		return;
	case PA_ACT_SIGNAL: {
		const char *name = pa_signal_name(r->signal.sig);

		param_str(out, "signal", name, strlen(name));
		param_u64(out, "sender", r->signal.sender_pid);
		param_u64(out, "tid", r->signal.tid);
		return;
	}
	case PA_ACT_EXEC_FAILED:
		param_str(out, "filename", r->exec_failed.filename, strlen(r->exec_failed.filename));
		param_u64(out, "errno", (uint64_t)r->exec_failed.error);
		return;
	case PA_ACT_DEADLOCK:
		param_u64(out, "threads", r->deadlock.nr);
		return;
	case PA_ACT_FORK:
		return;
	}
}

void pa_syslog_format(struct strbuf *out, const struct pa_sink_env *env, uint32_t procid,
		      const struct pa_report *r, const char *msg, size_t msg_len)
{
	const struct pa_proc *p = r->proc;
	char ts[40];

	pa_format_rfc3339(ts, sizeof(ts), pa_clock_wall_ns(env->clock, r->ts_ns));
	sb_printf(out, "<%d>1 %s %s %s %u %s [%s", PA_SYSLOG_FACILITY_DAEMON * 8 + pa_syslog_severity(r->action),
		  ts, hostname_ok(env->hostname) ? env->hostname : "-", PA_SYSLOG_APP_NAME, procid,
		  pa_action_name(r->action), PA_SYSLOG_SD_ID);
	if (p) {
		param_u64(out, "pid", p->pid);
		param_u64(out, "ppid", r->parent_pid);
		param_str(out, "comm", p->comm, strnlen(p->comm, sizeof(p->comm)));
	}
	put_action_params(out, r);
	sb_puts(out, "] ");
	sb_append(out, msg, msg_len);
}
