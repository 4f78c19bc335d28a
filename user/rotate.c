// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "rotate.h"

/* Read and gzip buffer size: large enough that syscalls are a small part
 * of the cost, small enough not to matter next to deflate's own state. */
#define GZ_CHUNK (128u << 10)

struct pa_gzjob {
	pthread_t thread;
	bool busy;          /* started and not yet reaped */
	bool threaded;      /* thread is to be joined */
	atomic_bool done;   /* set by the thread as its last act */
	int err;
	char src[PATH_MAX];
	char dst[PATH_MAX];
};

int pa_rotate_name(char *buf, size_t size, const char *path, unsigned n, bool gz)
{
	int len = snprintf(buf, size, "%s.%u%s", path, n, gz ? ".gz" : "");

	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
}

int pa_rotate_shift(const char *path, unsigned keep)
{
	char from[PATH_MAX], to[PATH_MAX];
	int err;

	if (!keep)
		return 0;
	err = pa_rotate_name(to, sizeof(to), path, keep, true);
	if (err)
		return err;
	if (unlink(to) && errno != ENOENT)
		return -errno;
	for (unsigned i = keep - 1; i >= 1; i--) {
		err = pa_rotate_name(from, sizeof(from), path, i, true);
		if (err)
			return err;
		if (rename(from, to) && errno != ENOENT)
			return -errno;
		memcpy(to, from, sizeof(to));
	}
	return 0;
}

/* The errno behind a failed gzwrite/gzclose; zlib keeps only "Z_ERRNO". */
static int gz_failure(int zerr)
{
	if (zerr == Z_ERRNO && errno)
		return -errno;
	return zerr == Z_MEM_ERROR ? -ENOMEM : -EIO;
}

/* src (open) into out (open) through zlib; 0 or -errno. */
static int gz_copy(int in, int out)
{
	char *buf = malloc(GZ_CHUNK);
	gzFile gz = NULL;
	int gzfd = -1, err = 0, zerr;

	/* gzclose closes its descriptor; we keep out to fsync it after. */
	gzfd = buf ? dup(out) : -1;
	if (gzfd < 0) {
		err = buf ? -errno : -ENOMEM;
		goto cleanup;
	}
	gz = gzdopen(gzfd, "wb");
	if (!gz) {
		close(gzfd);
		err = -ENOMEM;
		goto cleanup;
	}
	gzbuffer(gz, GZ_CHUNK);
	for (;;) {
		ssize_t n = read(in, buf, GZ_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto cleanup;
		}
		if (n == 0)
			break;
		errno = 0;
		if (gzwrite(gz, buf, (unsigned)n) != n) {
			gzerror(gz, &zerr);
			err = gz_failure(zerr);
			goto cleanup;
		}
	}
	errno = 0;
	zerr = gzclose(gz);
	gz = NULL;
	if (zerr != Z_OK)
		err = gz_failure(zerr);
cleanup:
	if (gz)
		gzclose(gz);
	free(buf);
	return err;
}

int pa_gzip_file(const char *src, const char *dst)
{
	char tmp[PATH_MAX];
	int in, out = -1, err;
	int len = snprintf(tmp, sizeof(tmp), "%s.tmp", dst);

	if (len < 0 || (size_t)len >= sizeof(tmp))
		return -ENAMETOOLONG;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (out < 0) {
		err = -errno;
		goto cleanup;
	}
	err = gz_copy(in, out);
	/* On disk before the rename: src goes away right after. */
	if (!err && fsync(out))
		err = -errno;
	if (close(out) && !err)
		err = -errno;
	if (!err && rename(tmp, dst))
		err = -errno;
	if (err)
		unlink(tmp);
	else
		unlink(src); /* if this fails the next rotation replaces it */
cleanup:
	close(in);
	return err;
}

struct pa_gzjob *pa_gzjob_new(void)
{
	struct pa_gzjob *j = calloc(1, sizeof(*j));

	if (j)
		atomic_init(&j->done, false);
	return j;
}

void pa_gzjob_free(struct pa_gzjob *j)
{
	int err;

	if (!j)
		return;
	pa_gzjob_reap(j, true, &err);
	free(j);
}

static void *gzjob_main(void *arg)
{
	struct pa_gzjob *j = arg;

	j->err = pa_gzip_file(j->src, j->dst);
	atomic_store(&j->done, true);
	return NULL;
}

int pa_gzjob_start(struct pa_gzjob *j, const char *src, const char *dst)
{
	sigset_t all, old;
	int err;

	if (j->busy)
		return -EBUSY;
	if (snprintf(j->src, sizeof(j->src), "%s", src) >= (int)sizeof(j->src) ||
	    snprintf(j->dst, sizeof(j->dst), "%s", dst) >= (int)sizeof(j->dst))
		return -ENAMETOOLONG;
	atomic_store(&j->done, false);
	j->busy = true;
	/* Signals stay with the main thread (its signalfd): the worker
	 * starts with all of them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&j->thread, NULL, gzjob_main, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	j->threaded = !err;
	if (err) /* no thread (EAGAIN): stall once rather than lose the file */
		gzjob_main(j);
	return 0;
}

bool pa_gzjob_reap(struct pa_gzjob *j, bool wait, int *err)
{
	if (!j->busy || (!wait && !atomic_load(&j->done)))
		return false;
	if (j->threaded)
		pthread_join(j->thread, NULL);
	j->busy = false;
	j->threaded = false;
	*err = j->err;
	return true;
}

const char *pa_gzjob_src(const struct pa_gzjob *j)
{
	return j->src;
}
