/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where a sink's bytes go: stdout or a file, written with write(2) in
 * batches.  A failing destination (closed pipe, full disk) is reported
 * once, counted, and retried on the next flush; what could not be written
 * stays queued up to PA_OUTPUT_MAX_PENDING, past which the oldest bytes of
 * whole lines are dropped and counted.
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
};

/* path NULL: stdout.  Files are opened for append, created 0640.  -errno on failure. */
int pa_output_open(struct pa_output *o, const char *path);
int pa_output_open_fd(struct pa_output *o, int fd, const char *name);
/* Queue bytes; flushes when PA_OUTPUT_FLUSH_AT is reached. */
void pa_output_write(struct pa_output *o, const char *data, size_t len);
/* Write out what is queued; 0 when all of it went, -errno otherwise. */
int pa_output_flush(struct pa_output *o);
void pa_output_close(struct pa_output *o);

#endif
