/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The /proc primitives the readers share (procfs.c, proc_sample.c):
 * whole-file reads without stdio, strict number parsing, and the stat line.
 */
#ifndef PA_PROCFS_READ_H
#define PA_PROCFS_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc_table.h"

/* stat holds 52 numbers of at most 20 digits and a comm of at most 64 bytes
 * (kernel threads show their full name): 2 KiB always holds all of it. */
#define STAT_BUF_SIZE 2048
/* The stat fields we use, as numbers; the rest are checked but skipped. */
struct pa_stat {
	uint32_t pid;
	uint32_t ppid;
	uint32_t session;
	uint32_t tty_nr;
	uint32_t nr_threads;
	uint64_t start_ns;
	uint64_t cpu_ticks; /* utime + stime: the whole group's in TGID/stat, the thread's in task/TID/stat */
	char state;
	char comm[PA_COMM_LEN];
};

/* A file into buf until its end or size bytes; the length or -errno. */
ssize_t pa_read_at(int dir_fd, const char *path, char *buf, size_t size);
/* Digits only, no sign, no blanks, no overflow. */
bool pa_parse_u64(const char *s, size_t len, uint64_t *out);
bool pa_parse_u32(const char *s, size_t len, uint32_t *out);
/* A pid directory name: decimal, not 0, no leading zeros. */
bool pa_parse_id(const char *name, uint32_t *id);
/* path's stat (relative to dir_fd), which must be about task id. */
int pa_read_stat_at(int dir_fd, const char *path, uint32_t id, struct pa_stat *st);

#endif
