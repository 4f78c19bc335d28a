/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where a sink's bytes go: stdout or a file, written with write(2) in
 * batches.  A failing destination (closed pipe, full disk) is reported
 * once, counted, and retried on the next flush; what could not be written
 * stays queued up to PA_OUTPUT_MAX_PENDING, past which the oldest bytes of
 * whole lines are dropped and counted.
 *
 * A file output can rotate by size: FILE becomes FILE.1.gz (gzip, done in
 * a background thread), older archives move up to FILE.KEEP.gz, and a line
 * is never split across two files.  SIGHUP's reopen follows logrotate:
 * whoever moved FILE away gets a fresh FILE at the same path.
 */
#ifndef PA_OUTPUT_H
#define PA_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

/* Queue kept while the destination fails: a few seconds of a busy host. */
#define PA_OUTPUT_MAX_PENDING (16u << 20)
/* Flush early once this much is buffered, so memory stays flat in a burst. */
#define PA_OUTPUT_FLUSH_AT (256u << 10)
/* Archives kept by rotation at most: each rotation renames all of them. */
#define PA_OUTPUT_MAX_KEEP 1000

struct pa_gzjob;

struct pa_output {
	int fd;
	bool owned;           /* we opened it: close it */
	char name[256];       /* for messages: "stdout" or the path */
	struct strbuf pending;
	uint64_t bytes_written;
	uint64_t bytes_dropped;
	uint64_t write_errors;
	int last_errno;       /* 0 while healthy */
	bool broken_pipe;     /* the reader went away (EPIPE): it will not come back */
	uint64_t dropped_at_failure; /* bytes_dropped when the current outage began */

	/* Files only (path set): reopen and rotation. */
	char *path;
	uint64_t file_bytes;  /* size of the current file */
	bool line_open;       /* it does not end in a newline: finish the line before rotating */
	uint64_t rotate_max;  /* rotate before passing this size; 0: never */
	unsigned rotate_keep; /* FILE.1.gz .. FILE.KEEP.gz; 0: rotated files are deleted */
	struct pa_gzjob *gz;  /* compression of FILE.1 running in the background */
	uint64_t rotations;
	uint64_t rotate_errors;
	uint64_t compress_errors;
	int rotate_errno;     /* last failure of each, reported once; 0 while healthy */
	int compress_errno;
};

/* path NULL: stdout.  Files are opened for append, created 0640.  -errno on failure. */
int pa_output_open(struct pa_output *o, const char *path);
int pa_output_open_fd(struct pa_output *o, int fd, const char *name);
/* Queue bytes; flushes when PA_OUTPUT_FLUSH_AT is reached. */
void pa_output_write(struct pa_output *o, const char *data, size_t len);
/* The queue itself, for a writer that formats in place rather than copy a
 * line in: append whole lines to it, then call pa_output_appended(). */
struct strbuf *pa_output_queue(struct pa_output *o);
void pa_output_appended(struct pa_output *o);
/* Write out what is queued; 0 when all of it went, -errno otherwise. */
int pa_output_flush(struct pa_output *o);
/* Flushes, waits for a running compression and frees. */
void pa_output_close(struct pa_output *o);

/* Rotate the file before it would pass max_bytes (0: never), keeping keep
 * gzip archives (0: rotated files are deleted).  -EINVAL for stdout or an
 * fd output, -ERANGE for keep > PA_OUTPUT_MAX_KEEP. */
int pa_output_set_rotation(struct pa_output *o, uint64_t max_bytes, unsigned keep);
/* SIGHUP: open the path again (created 0640 if it is gone) and write on
 * there, queued bytes included.  If it cannot be opened, that is
 * reported, writing goes on to the old file and -errno is returned.
 * No-op for stdout and fd outputs. */
int pa_output_reopen(struct pa_output *o);
/* Collect a finished background compression and report its failure.
 * Cheap (one atomic load); pa_output_flush does it too, so calling it
 * from the housekeeping tick only matters while nothing is written. */
void pa_output_poll(struct pa_output *o);

#endif
