/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The collector turns raw records into the model and the model into
 * reports: decode, apply to the process table, hand a report to every
 * sink.  It knows nothing of libbpf: the agent feeds it from the ring
 * buffer, tests feed it synthetic records.
 */
#ifndef PA_COLLECTOR_H
#define PA_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "detect_stuck.h"
#include "ksyms.h"
#include "proc_table.h"
#include "sink.h"
#include "config.h"
#include "strbuf.h"
#include "syscall_stats.h"

#define PA_MAX_SINKS 8

struct pa_tape;

struct pa_collector {
	struct pa_table table;
	struct pa_sink *sinks[PA_MAX_SINKS];
	unsigned nr_sinks;
	const char *proc_root;  /* where to re-read parents after an exit ("/proc") */
	uint64_t zombie_after_ns; /* --zombie-after; 0 turns zombie alerts off */
	uint64_t stuck_after_ns;  /* --stuck-after */
	bool all_transitions;     /* --transitions: exit (Z) and reap (X) as state events too */
	bool signals_only;        /* --signals: only signal (and lost) reports reach the sinks */
	bool pid_filtered;        /* --pid: alerts only about followed processes */
	bool reparent_pending;    /* some process's reparent_pending may be set */
	uint64_t tracing_since_ns; /* boot clock when the BPF programs were attached */
	struct pa_stuck_tracker stuck;
	/* The pids whose dstate_threads the last stuck scan set: the next
	 * one clears these, not the whole table (all of it if they could
	 * not be remembered: out of memory). */
	uint32_t *dstate_marked;
	size_t nr_dstate_marked, dstate_marked_cap;
	bool dstate_marked_all;
	struct pa_ksyms ksyms;    /* loaded at the first stuck thread */
	bool ksyms_tried;
	/* Reads a kernel stack the BPF side captured: frames, or -1. */
	int (*read_stack)(void *ctx, int32_t stack_id, uint64_t *ips, unsigned max);
	void *read_stack_ctx;
	struct pa_args args;    /* reused for every exec */
	struct strbuf scratch;
	uint64_t nr_records;    /* records accepted */
	uint64_t nr_bad;        /* records refused by the decoder */
	uint64_t nr_lost;       /* records the kernel dropped, as reported to us */
	/* --record writes every input here; --replay reads them back (inputs.c). */
	struct pa_tape *tape;
	bool replaying;
	char input_error[200];  /* a replay that went out of step: why */
};

void pa_collector_init(struct pa_collector *c, const char *boot_id, const char *proc_root);
void pa_collector_free(struct pa_collector *c);
int pa_collector_add_sink(struct pa_collector *c, struct pa_sink *s);
/* Hand a report to every sink. */
void pa_collector_dispatch(struct pa_collector *c, const struct pa_report *r);
/* One raw record; returns 0, or -1 when the decoder refused it. */
int pa_collector_handle(struct pa_collector *c, const void *data, size_t size);
/* The same for a record pa_decode already judged (res; h when OK). */
int pa_collector_handle_decoded(struct pa_collector *c, enum pa_decode_result res,
				const struct pa_event_header *h);
/* The kernel dropped `count` more records; reported as one `lost` event. */
void pa_collector_lost(struct pa_collector *c, uint64_t count, uint64_t now_boot_ns);
/* After a /proc snapshot: processes already zombies count as exited at
 * now_boot_ns (their real exit time is unknown), so they are reported too. */
void pa_collector_snapshot_zombies(struct pa_collector *c, uint64_t now_boot_ns);
/* The threads in D now (the kernel's dstate map): alerts for blocks
 * longer than stuck_after_ns, each once. */
void pa_collector_stuck_scan(struct pa_collector *c, const struct pa_dthread *d, size_t n,
			     uint64_t now_boot_ns);
/* What a blocked thread is doing: its kernel stack (the BPF capture, else
 * /proc's), system call, wchan, and the file of an fd-taking call. */
#define PA_FRAME_LEN 128
struct pa_dossier {
	char frame_buf[PA_STACK_FRAMES_MAX][PA_FRAME_LEN];
	const char *frames[PA_STACK_FRAMES_MAX];
	unsigned nr_frames;
	struct pa_task_info task;
	bool have_task;
	char file[256];
};
void pa_collector_gather(struct pa_collector *c, uint32_t tgid, uint32_t tid, int32_t stack_id,
			 struct pa_dossier *d);
/* Stuck-thread reports from kernel records (report_stuck.c). */
void pa_collector_on_unstuck(struct pa_collector *c, const struct pa_unstuck_event *e);
void pa_collector_on_hung(struct pa_collector *c, const struct pa_hung_event *e);

/* Signal and failed-exec records (collect_signals.c). */
void pa_collector_on_signal(struct pa_collector *c, const struct pa_signal_event *e);
void pa_collector_on_exec_failed(struct pa_collector *c, const struct pa_exec_failed_event *e);
/* Who sent the signal that ended p (exit_status its wait status), or NULL
 * when no fatal signal for it was seen or another signal ended it. */
const struct pa_kill *pa_collector_killer(const struct pa_proc *p, uint32_t exit_status);
/* --syscalls: one report per process of the last read of s, its totals
 * (delta false) or what is new since the read before. */
void pa_collector_syscalls(struct pa_collector *c, const struct pa_sysstats *s, bool delta,
			   enum pa_sys_sort sort, unsigned top, uint64_t interval_ns, uint64_t now_ns);

/* Periodic housekeeping: zombie alerts, adopters the kernel had not
 * chosen yet at the last look, forgetting processes reaped long ago. */
void pa_collector_tick(struct pa_collector *c, uint64_t now_boot_ns);

#endif
