/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent's parts, shared by the live run (main.c) and a replay (replay_cmd.c). */
#ifndef PA_AGENT_H
#define PA_AGENT_H

#include "bpf_agent.h"
#include "clock.h"
#include "collector.h"
#include "config.h"
#include "output.h"
#include "sink.h"
#include "syslog_conn.h"
#include "tape.h"

#define PROC_ROOT "/proc"

struct agent {
	struct pa_config cfg;
	struct pa_output out;
	struct pa_clock clock;
	struct pa_sink_env env;
	struct pa_syslog_conn *syslog;
	struct pa_collector col;
	struct pa_bpf bpf;
	struct pa_tape *tape;   /* --record or --replay */
	char hostname[256];
	char boot_id[40];
};

/* The stream sink (text or JSON, not for --tree) and --syslog's. -1 after
 * saying why. */
int pa_agent_add_sinks(struct agent *a);
/* The table as one tree snapshot on the output. */
int pa_agent_print_tree(struct agent *a);
/* --replay: 0, or 1 after saying why. */
int pa_agent_replay(struct agent *a);

#endif
