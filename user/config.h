/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one configuration struct: filled by the command line, read everywhere else. */
#ifndef PA_CONFIG_H
#define PA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "redact.h"
#include "syscall_stats.h"

#define PA_MAX_PIDS 64
/* Zombies are reported after 5 s by default: long enough that a parent
 * busy for a moment is not blamed, short enough to catch a leak early. */
#define PA_ZOMBIE_AFTER_DEFAULT_NS (5ULL * 1000000000ULL)
/* D state for 10 s is far past any healthy disk or lock wait, and well
 * before the kernel's own hung-task report (120 s by default). */
#define PA_STUCK_AFTER_DEFAULT_NS (10ULL * 1000000000ULL)
/* 4 MiB holds ~60,000 lifecycle records: at the 5 ms drain interval that
 * absorbs bursts of over ten million events a second. */
#define PA_RINGBUF_DEFAULT (4u << 20)
#define PA_RINGBUF_MIN (64u << 10)
#define PA_RINGBUF_MAX (1u << 30)

/* --syscalls-every: a summary per busy process every 10 s is a rate a
 * log pipeline takes easily and still shows a change within a minute. */
#define PA_SYSCALLS_EVERY_DEFAULT_NS (10ULL * 1000000000ULL)

/* Rotated archives kept by default: logrotate's usual count. */
#define PA_ROTATE_KEEP_DEFAULT 5
/* Smaller files would rotate every few events. */
#define PA_ROTATE_SIZE_MIN (4u << 10)

enum pa_mode {
	PA_MODE_STREAM, /* one line (text or JSON) per event */
	PA_MODE_TREE,   /* the process tree */
};

struct pa_config {
	enum pa_mode mode;
	bool json;
	bool once;            /* --tree: print one snapshot and exit */
	uint32_t pids[PA_MAX_PIDS];
	unsigned nr_pids;
	uint64_t duration_ns; /* 0: until SIGINT/SIGTERM */
	uint64_t zombie_after_ns;
	uint64_t stuck_after_ns;
	bool transitions;     /* every state change of the --pid processes */
	const char *output;   /* NULL: stdout */
	uint64_t rotate_bytes; /* -o FILE rotates past this size; 0: never */
	unsigned rotate_keep;  /* gzip archives kept */
	const char *syslog_url; /* also send every event to this syslog receiver */
	const char *record;   /* write every input to this record file */
	const char *replay;   /* read inputs from this record file instead of the kernel */
	const char *at;       /* --replay --tree: the moment to show ("+30s" or RFC 3339) */
	const char *redact[PA_REDACT_MAX]; /* --redact patterns, checked by pa_redact_add */
	unsigned nr_redact;
	bool no_redact;       /* --no-redact: the built-in list off */
	bool syscalls;        /* --syscalls: per-process syscall statistics */
	unsigned syscalls_top;
	enum pa_sys_sort syscalls_sort;
	uint64_t syscalls_every_ns;
	bool syscalls_tuned;  /* one of the three above was given */
	bool signals_only;    /* --signals: signal events only, all of them */
	bool failed_execs;    /* --failed-execs: execs that returned an error */
	bool deadlocks;       /* --deadlocks: wait-for cycles among threads */
	uint32_t ringbuf_bytes;
	uint32_t max_args_bytes;
	bool verbose;
	bool help;
	bool version;
};

void pa_config_defaults(struct pa_config *cfg);
/* Fills cfg from argv. On a usage error returns -1 with a one-line message
 * in err (without the program name). */
int pa_cli_parse(int argc, char **argv, struct pa_config *cfg, char *err, size_t errlen);
/* "5s", "250ms", "2m", "3" (seconds), "1.5s" -> ns; -1 if malformed. */
int pa_parse_duration(const char *s, uint64_t *ns);
/* "4M", "512K", "1048576" -> bytes; -1 if malformed. */
int pa_parse_size(const char *s, uint64_t *bytes);
extern const char pa_usage[];

#endif
