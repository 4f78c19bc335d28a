// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static bool verbose;
static pa_log_fn redirect;
static void *redirect_ctx;

void pa_log_set_verbose(bool on)
{
	verbose = on;
}

bool pa_log_verbose(void)
{
	return verbose;
}

void pa_log_redirect(pa_log_fn fn, void *ctx)
{
	redirect = fn;
	redirect_ctx = ctx;
}

static void vlog(const char *fmt, va_list ap)
{
	char line[1024];

	/* One write per message, so lines from concurrent writers never mix. */
	vsnprintf(line, sizeof(line), fmt, ap);
	if (redirect) {
		redirect(redirect_ctx, line);
		return;
	}
	fprintf(stderr, "ptrace-agent: %s\n", line);
}

void pa_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void pa_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}
