/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PA_SIGNAMES_H
#define PA_SIGNAMES_H

/* "SIGKILL", "SIGRTMIN+3"; "SIG?" style "SIG42" for numbers glibc has no name for. */
const char *pa_signal_name(int sig);

/* Decoded wait(2) status. */
struct pa_exit_info {
	int code;         /* exit code, or 128 + signal when killed (the shell's convention) */
	int signal;       /* 0 when it exited by itself */
	int core_dumped;
};
struct pa_exit_info pa_decode_wait_status(unsigned status);

#endif
