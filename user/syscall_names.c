// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stddef.h>

#include "syscall_names.h"

/* Generated at build time from the kernel's asm/unistd_64.h (Makefile). */
static const char *const names[] = {
#include "syscall_table.inc"
};

const char *pa_syscall_name(long nr)
{
	if (nr < 0 || (size_t)nr >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[nr];
}
