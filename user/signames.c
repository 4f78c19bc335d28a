// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <signal.h>
#include <stdio.h>
#include <string.h>

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
