/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The file side of output rotation: the names (FILE.1, FILE.1.gz, ...),
 * shifting the kept archives up by one, and gzip of a rotated file in a
 * background thread.  zlib's default level takes about a second for
 * 64 MiB, far too long to hold the event loop for, so output.c starts a
 * job and reaps it later; one job runs at a time.
 */
#ifndef PA_ROTATE_H
#define PA_ROTATE_H

#include <stdbool.h>
#include <stddef.h>

struct pa_gzjob;

/* "PATH.N" or, with gz, "PATH.N.gz".  -ENAMETOOLONG if it does not fit. */
int pa_rotate_name(char *buf, size_t size, const char *path, unsigned n, bool gz);

/* Make room for a new PATH.1.gz: PATH.KEEP.gz is deleted, then PATH.i.gz
 * becomes PATH.(i+1).gz for i = KEEP-1 .. 1.  Missing archives are
 * skipped.  0, or -errno of the first failure. */
int pa_rotate_shift(const char *path, unsigned keep);

/* gzip src into dst, created 0640: written to dst.tmp and renamed at the
 * end, so a reader never sees half an archive; src is removed once dst is
 * in place.  On failure dst.tmp is removed and src is left as it was.
 * 0 or -errno. */
int pa_gzip_file(const char *src, const char *dst);

struct pa_gzjob *pa_gzjob_new(void);
/* Waits for a running job first. */
void pa_gzjob_free(struct pa_gzjob *j);
/* pa_gzip_file(src, dst) in a new thread (inline if no thread can be
 * started).  The previous job must have been reaped.  0 or -errno. */
int pa_gzjob_start(struct pa_gzjob *j, const char *src, const char *dst);
/* A started job that finished (or, with wait, that is waited for) is
 * collected: true, and *err gets its result.  false when there was none
 * to collect. */
bool pa_gzjob_reap(struct pa_gzjob *j, bool wait, int *err);
/* The file the last job compressed, for messages. */
const char *pa_gzjob_src(const struct pa_gzjob *j);

#endif
