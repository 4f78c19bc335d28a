/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every input the collector takes besides its own state passes here: the
 * ring buffer's records, the clock of each periodic check, the threads in
 * D, the /proc snapshot, and what /proc answered when a report asked.  A
 * live run reads the system (and with --record also writes each input to
 * the tape); a replay takes each one back from the tape, in the same
 * order, so the same collector and sinks print the same bytes.
 */
#ifndef PA_INPUTS_H
#define PA_INPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector.h"
#include "procfs.h"
#include "tape.h"

/* Start writing every input to tape (c does not own it). */
void pa_inputs_record(struct pa_collector *c, struct pa_tape *tape);
/* A live run writing its inputs to a record file. */
static inline bool pa_inputs_recording(const struct pa_collector *c)
{
	return c->tape && !c->replaying;
}

/* The live side: what the event loop and main call. */
void pa_feed_raw(struct pa_collector *c, const void *data, size_t size);
void pa_feed_lost(struct pa_collector *c, uint64_t count, uint64_t now_ns);
void pa_feed_tick(struct pa_collector *c, uint64_t now_ns);
void pa_feed_stuck_scan(struct pa_collector *c, const struct pa_dthread *d, size_t n, uint64_t now_ns);
/* Read proc_root into the table (resync: and forget what it no longer
 * has).  The count read, or -errno. */
int pa_feed_snapshot(struct pa_collector *c, bool resync);
void pa_feed_snapshot_zombies(struct pa_collector *c, uint64_t now_ns);
/* --pid: mark pid's subtree as followed; -1 if the table has no live pid. */
int pa_feed_follow(struct pa_collector *c, uint32_t pid);

/* What the collector asks of /proc (answered from the tape in a replay). */
int pa_input_inspect(struct pa_collector *c, uint32_t pid, struct pa_task_info *info);
int pa_input_read_ppid(struct pa_collector *c, uint32_t pid, uint32_t *ppid);
/* readlink of /proc/PID/cwd into buf: 0 or -errno. */
int pa_input_cwd(struct pa_collector *c, uint32_t pid, char *buf, size_t size);
void pa_input_gather(struct pa_collector *c, uint32_t tgid, uint32_t tid, int32_t stack_id,
		     struct pa_dossier *d);

/* Replay a tape through c until its end, or until the first input stamped
 * after stop_at_ns (0: no limit).  0, or -1 with a one-line message. */
int pa_replay(struct pa_collector *c, struct pa_tape *tape, uint64_t stop_at_ns, char *err,
	      size_t errlen);

#endif
