// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "pa_events.h"
#include "signames.h"

#define PA_MAX_SIGNAL 64

const char *pa_signal_name(int sig)
{
	static char names[PA_MAX_SIGNAL + 1][24];
	const char *abbrev;

	if (sig <= 0 || sig > PA_MAX_SIGNAL)
		return "SIG?";
	if (names[sig][0])
		return names[sig];
	abbrev = sigabbrev_np(sig);
	if (abbrev)
		snprintf(names[sig], sizeof(names[sig]), "SIG%s", abbrev);
	else if (sig == SIGRTMIN)
		snprintf(names[sig], sizeof(names[sig]), "SIGRTMIN");
	else if (sig == SIGRTMAX)
		snprintf(names[sig], sizeof(names[sig]), "SIGRTMAX");
	else if (sig > SIGRTMIN && sig < SIGRTMAX)
		snprintf(names[sig], sizeof(names[sig]), "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(names[sig], sizeof(names[sig]), "SIG%d", sig);
	return names[sig];
}

struct pa_exit_info pa_decode_wait_status(unsigned status)
{
	struct pa_exit_info info = { 0 };

	info.signal = status & 0x7f;
	if (info.signal) {
		info.code = 128 + info.signal;
		info.core_dumped = !!(status & 0x80);
	} else {
		info.code = (status >> 8) & 0xff;
	}
	return info;
}

const char *pa_sig_result_name(unsigned result, bool blocked)
{
	static const char *const names[PA_SIGRES_NR] = {
		[PA_SIGRES_DELIVERED] = "delivered",
		[PA_SIGRES_IGNORED] = "ignored",
		[PA_SIGRES_ALREADY_PENDING] = "already_pending",
		[PA_SIGRES_OVERFLOW_FAIL] = "lost",
		[PA_SIGRES_LOSE_INFO] = "lost_info",
	};

	if (result >= PA_SIGRES_NR)
		return "unknown";
	/* Queued, but the target will not take it until it unblocks it. */
	if (result == PA_SIGRES_DELIVERED && blocked)
		return "blocked";
	return names[result];
}

const char *pa_sig_action_name(unsigned action)
{
	switch (action) {
	case PA_SIGACT_DEFAULT:
		return "default";
	case PA_SIGACT_IGNORE:
		return "ignore";
	case PA_SIGACT_HANDLER:
		return "handler";
	}
	return "unknown";
}

/* signal(7)'s table of default actions. */
const char *pa_sig_default_effect(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGURG:
	case SIGWINCH:
		return "ignore";
	case SIGCONT:
		return "continue";
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return "stop";
	case SIGQUIT:
	case SIGILL:
	case SIGTRAP:
	case SIGABRT:
	case SIGBUS:
	case SIGFPE:
	case SIGSEGV:
	case SIGXCPU:
	case SIGXFSZ:
	case SIGSYS:
		return "core";
	}
	return "terminate";
}

const char *pa_si_code_name(int code)
{
	switch (code) {
	case SI_USER:
		return "SI_USER";     /* kill(2) */
	case SI_KERNEL:
		return "SI_KERNEL";
	case SI_QUEUE:
		return "SI_QUEUE";
	case SI_TIMER:
		return "SI_TIMER";
	case SI_MESGQ:
		return "SI_MESGQ";
	case SI_ASYNCIO:
		return "SI_ASYNCIO";
	case SI_SIGIO:
		return "SI_SIGIO";
	case SI_TKILL:
		return "SI_TKILL";    /* tgkill(2) */
	}
	/* Positive codes are per-signal (SEGV_MAPERR, CLD_EXITED...): the kernel's own. */
	return code > 0 ? "kernel" : "user";
}

const char *pa_errno_name(int err, char *buf, size_t size)
{
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(buf, size, "E%d", err);
	return buf;
}
