/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PA_SYSCALL_NAMES_H
#define PA_SYSCALL_NAMES_H

/* "read", "clock_nanosleep"; NULL for a number this build does not know. */
const char *pa_syscall_name(long nr);

#endif
