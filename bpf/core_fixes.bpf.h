/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Kernel differences, in one place: each cites the change that made it. */
#ifndef PA_CORE_FIXES_BPF_H
#define PA_CORE_FIXES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/* Linux 5.14 (2f064a59a11f, "sched: Change task_struct::state") renamed
 * task_struct::state to __state and made it unsigned int. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline unsigned int task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

#endif
