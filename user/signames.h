/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PA_SIGNAMES_H
#define PA_SIGNAMES_H

#include <stdbool.h>
#include <stddef.h>

/* "SIGKILL", "SIGRTMIN+3"; "SIG?" style "SIG42" for numbers glibc has no name for. */
const char *pa_signal_name(int sig);

/* Decoded wait(2) status. */
struct pa_exit_info {
	int code;         /* exit code, or 128 + signal when killed (the shell's convention) */
	int signal;       /* 0 when it exited by itself */
	int core_dumped;
};
struct pa_exit_info pa_decode_wait_status(unsigned status);

/* signal_generate's result (enum pa_sig_result) as the JSON names it:
 * "delivered", "blocked" (queued while the target blocks it), "ignored",
 * "already_pending", "lost", "lost_info". */
const char *pa_sig_result_name(unsigned result, bool blocked);
/* The target's disposition (enum pa_sig_action): "default", "ignore", "handler". */
const char *pa_sig_action_name(unsigned action);
/* What SIG_DFL does: "terminate", "core", "stop", "continue" or "ignore". */
const char *pa_sig_default_effect(int sig);
/* si_code: "SI_USER", "SI_TKILL", "SI_KERNEL"...; "kernel" for the per-signal codes. */
const char *pa_si_code_name(int code);
/* "ENOENT"; "E<n>" (written to buf) for a number glibc has no name for. */
const char *pa_errno_name(int err, char *buf, size_t size);

#endif
