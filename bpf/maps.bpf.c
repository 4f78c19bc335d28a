// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The one definition of the maps and globals declared in common.bpf.h. */
#define PA_DEFINE_MAPS
#include "common.bpf.h"

const volatile bool filter_by_pid = false;
const volatile __u64 wakeup_bytes = 1 << 20;
const volatile __u32 args_max_bytes = PA_ARGS_DEFAULT;
const volatile bool exit_has_group_dead = false;
const volatile bool all_transitions = false;

__u64 lost_events = 0;

char LICENSE[] SEC("license") = "Dual BSD/GPL";
