/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PA_LOG_H
#define PA_LOG_H

#include <stdbool.h>

/* One line on stderr, prefixed "ptrace-agent: ". Say what failed and what to do. */
void pa_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, but only with --verbose. */
void pa_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pa_log_set_verbose(bool on);
bool pa_log_verbose(void);
/* While a full-screen view owns the terminal, messages go to fn instead of
 * stderr (without prefix or newline); NULL restores stderr. */
typedef void (*pa_log_fn)(void *ctx, const char *line);
void pa_log_redirect(pa_log_fn fn, void *ctx);

#endif
