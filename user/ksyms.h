/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Kernel addresses to "symbol+0xoff", from /proc/kallsyms (read as root). */
#ifndef PA_KSYMS_H
#define PA_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct pa_ksym {
	uint64_t addr;
	char *name;
};

struct pa_ksyms {
	struct pa_ksym *syms; /* sorted by address */
	size_t count;
	char *names;          /* one block holding every name */
};

/* 0, or -errno.  A file whose addresses are all zero (not root, or
 * kptr_restrict) loads as empty: every lookup then fails. */
int pa_ksyms_load(struct pa_ksyms *ks, const char *path);
void pa_ksyms_free(struct pa_ksyms *ks);
/* "schedule+0x4d" into buf; "0xffffffff81234567" when unknown. */
void pa_ksyms_format(const struct pa_ksyms *ks, uint64_t addr, char *buf, size_t size);

#endif
