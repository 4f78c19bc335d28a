// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "output.h"
#include "rotate.h"

int pa_output_open_fd(struct pa_output *o, int fd, const char *name)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	snprintf(o->name, sizeof(o->name), "%s", name);
	sb_init(&o->pending);
	return 0;
}

static int open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	return fd < 0 ? -errno : fd;
}

/* Appending to what is there: rotation counts from the current size. */
static uint64_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) || !S_ISREG(st.st_mode) ? 0 : (uint64_t)st.st_size;
}

int pa_output_open(struct pa_output *o, const char *path)
{
	char *copy;
	int fd;

	if (!path)
		return pa_output_open_fd(o, STDOUT_FILENO, "stdout");
	fd = open_file(path);
	if (fd < 0)
		return fd;
	copy = strdup(path);
	if (!copy) {
		close(fd);
		return -ENOMEM;
	}
	pa_output_open_fd(o, fd, path);
	o->owned = true;
	o->path = copy;
	o->file_bytes = file_size(fd);
	return 0;
}

int pa_output_set_rotation(struct pa_output *o, uint64_t max_bytes, unsigned keep)
{
	char probe[PATH_MAX];

	if (!o->path)
		return -EINVAL;
	if (keep > PA_OUTPUT_MAX_KEEP)
		return -ERANGE;
	/* The longest name rotation makes, so later ones cannot fail on length. */
	if (snprintf(probe, sizeof(probe), "%s.%u.gz.tmp", o->path, PA_OUTPUT_MAX_KEEP) >=
	    (int)sizeof(probe))
		return -ENAMETOOLONG;
	if (keep && !o->gz && !(o->gz = pa_gzjob_new()))
		return -ENOMEM;
	o->rotate_max = max_bytes;
	o->rotate_keep = keep;
	return 0;
}

/* Collect the background compression (waiting for it if wait) and report
 * a failure once per cause: rotation goes on without it. */
static void reap(struct pa_output *o, bool wait)
{
	int err;

	if (!o->gz || !pa_gzjob_reap(o->gz, wait, &err))
		return;
	if (!err) {
		o->compress_errno = 0;
		return;
	}
	o->compress_errors++;
	if (o->compress_errno != -err)
		pa_err("cannot compress %s: %s; it is left uncompressed until the next rotation replaces it",
		       pa_gzjob_src(o->gz), strerror(-err));
	o->compress_errno = -err;
}

void pa_output_poll(struct pa_output *o)
{
	reap(o, false);
}

int pa_output_reopen(struct pa_output *o)
{
	int fd;

	if (!o->path)
		return 0;
	fd = open_file(o->path);
	if (fd < 0) {
		pa_err("cannot reopen %s: %s; still writing to the file opened before", o->path,
		       strerror(-fd));
		return fd;
	}
	close(o->fd);
	o->fd = fd;
	o->file_bytes = file_size(fd);
	o->line_open = false;
	return 0;
}

static void rotate_failed(struct pa_output *o, int err)
{
	o->rotate_errors++;
	if (o->rotate_errno != -err)
		pa_err("cannot rotate %s: %s; it grows past the rotation size until that works",
		       o->path, strerror(-err));
	o->rotate_errno = -err;
}

/* FILE -> FILE.1 -> (background) FILE.1.gz, archives shifted up first;
 * a fresh FILE takes the writes.  A failure leaves FILE in place. */
static int rotate(struct pa_output *o)
{
	char old[PATH_MAX], gz[PATH_MAX];
	uint64_t size = file_size(o->fd);
	int fd, err;

	/* Someone truncated it (logrotate's copytruncate): no need yet. */
	if (size < o->file_bytes) {
		o->file_bytes = size;
		return 0;
	}
	/* One compression at a time, and FILE.1.gz must exist before the shift. */
	reap(o, true);
	err = pa_rotate_shift(o->path, o->rotate_keep);
	if (!err)
		err = pa_rotate_name(old, sizeof(old), o->path, 1, false);
	if (!err)
		err = pa_rotate_name(gz, sizeof(gz), o->path, 1, true);
	if (!err && rename(o->path, old))
		err = -errno;
	if (err)
		goto fail;
	fd = open_file(o->path);
	if (fd < 0) {
		err = fd;
		rename(old, o->path); /* put it back: we keep writing to it */
		goto fail;
	}
	close(o->fd);
	o->fd = fd;
	o->file_bytes = 0;
	o->line_open = false;
	o->rotations++;
	if (o->rotate_errno) {
		pa_err("rotating %s works again", o->path);
		o->rotate_errno = 0;
	}
	if (!o->rotate_keep)
		unlink(old);
	else if ((err = pa_gzjob_start(o->gz, old, gz)))
		pa_err("cannot compress %s: %s", old, strerror(-err));
	return 0;
fail:
	rotate_failed(o, err);
	return err;
}

/* How many bytes of the queue, from done on, to write next.  All of them,
 * unless that would take the file past its rotation size: then the whole
 * lines that still fit, or 0 to ask for a rotation first.  A file gets at
 * least one line however long, and a line it already started is finished
 * in it, so no line is ever split. */
static size_t next_chunk(const struct pa_output *o, size_t done, bool may_rotate)
{
	const char *p = o->pending.buf + done;
	size_t avail = o->pending.len - done, room;
	const char *nl;

	if (!o->rotate_max || !may_rotate)
		return avail;
	room = o->rotate_max > o->file_bytes ? o->rotate_max - o->file_bytes : 0;
	if (avail <= room)
		return avail;
	if (room && (nl = memrchr(p, '\n', room)))
		return (size_t)(nl - p) + 1;
	if (o->file_bytes && !o->line_open)
		return 0;
	nl = memchr(p, '\n', avail);
	return nl ? (size_t)(nl - p) + 1 : avail;
}

/* Keep the newest bytes, cut at a line start, when the queue overflows. */
static void drop_oldest(struct pa_output *o)
{
	size_t excess = o->pending.len - PA_OUTPUT_MAX_PENDING / 2;
	const char *nl = memchr(o->pending.buf + excess, '\n', o->pending.len - excess);
	size_t cut = nl ? (size_t)(nl - o->pending.buf) + 1 : o->pending.len;

	o->bytes_dropped += cut;
	sb_consume(&o->pending, cut);
}

struct strbuf *pa_output_queue(struct pa_output *o)
{
	return &o->pending;
}

void pa_output_appended(struct pa_output *o)
{
	if (o->pending.len >= PA_OUTPUT_FLUSH_AT)
		pa_output_flush(o);
	if (o->pending.len > PA_OUTPUT_MAX_PENDING)
		drop_oldest(o);
}

void pa_output_write(struct pa_output *o, const char *data, size_t len)
{
	sb_append(&o->pending, data, len);
	pa_output_appended(o);
}

/* Once per outage (per errno): a full disk fails every flush until it is
 * cleaned up, and each attempt is only counted. */
static void note_failure(struct pa_output *o, int err)
{
	o->write_errors++;
	if (err == EPIPE)
		o->broken_pipe = true;
	if (!o->last_errno)
		o->dropped_at_failure = o->bytes_dropped;
	if (o->last_errno != err)
		pa_err("cannot write to %s: %s; events are kept in memory and retried (%llu bytes dropped so far)",
		       o->name, strerror(err), (unsigned long long)o->bytes_dropped);
	o->last_errno = err;
}

int pa_output_flush(struct pa_output *o)
{
	bool may_rotate = true;
	size_t done = 0;
	int err = 0;

	reap(o, false);
	while (done < o->pending.len) {
		size_t len = next_chunk(o, done, may_rotate);
		ssize_t n;

		if (!len) {
			/* Failed: write on past the size; retried next flush. */
			if (rotate(o))
				may_rotate = false;
			continue;
		}
		n = write(o->fd, o->pending.buf + done, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		done += n;
		o->file_bytes += n;
		o->line_open = o->pending.buf[done - 1] != '\n';
	}
	o->bytes_written += done;
	sb_consume(&o->pending, done);
	if (err == EAGAIN)
		return -EAGAIN;
	if (err) {
		note_failure(o, err);
		return -err;
	}
	if (o->last_errno) {
		pa_err("writing to %s works again (%llu bytes dropped while it failed)", o->name,
		       (unsigned long long)(o->bytes_dropped - o->dropped_at_failure));
		o->last_errno = 0;
	}
	return 0;
}

void pa_output_close(struct pa_output *o)
{
	pa_output_flush(o);
	if (o->pending.len) {
		o->bytes_dropped += o->pending.len;
		sb_reset(&o->pending);
	}
	if (o->owned && o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	sb_free(&o->pending);
	reap(o, true);
	pa_gzjob_free(o->gz);
	o->gz = NULL;
	free(o->path);
	o->path = NULL;
}
