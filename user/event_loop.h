/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PA_EVENT_LOOP_H
#define PA_EVENT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf_agent.h"
#include "collector.h"
#include "config.h"
#include "output.h"
#include "syslog_conn.h"
#include "tui.h"

struct pa_loop {
	struct pa_bpf *bpf;
	struct pa_collector *col;
	struct pa_output *out;
	const struct pa_config *cfg;
	struct pa_tui *tui;      /* the live tree on the terminal, or NULL */
	struct pa_syslog_conn *syslog; /* --syslog, or NULL */
	uint64_t lost_seen;      /* kernel drop counter already reported */
	/* --syscalls: the reads of the kernel's statistics (boot clock). */
	struct pa_sysstats sys;
	uint64_t sys_last_ns;    /* the last read: deltas start there */
	uint64_t sys_next_ns;    /* the next periodic summary */
	bool sys_failed;         /* a read failed: said once */
	uint64_t sys_overflow;   /* syscalls the full map could not count */
	struct pa_deadlock_detector *deadlocks; /* --deadlocks, or NULL */
};

/* Runs until SIGINT/SIGTERM, the --duration deadline, or a closed stdout;
 * then drains what the ring still holds.  0, or -1 on a setup failure. */
int pa_loop_run(struct pa_loop *l);

#endif
