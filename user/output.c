// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "output.h"

int pa_output_open_fd(struct pa_output *o, int fd, const char *name)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	snprintf(o->name, sizeof(o->name), "%s", name);
	sb_init(&o->pending);
	return 0;
}

int pa_output_open(struct pa_output *o, const char *path)
{
	int fd;

	if (!path)
		return pa_output_open_fd(o, STDOUT_FILENO, "stdout");
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	pa_output_open_fd(o, fd, path);
	o->owned = true;
	return 0;
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

void pa_output_write(struct pa_output *o, const char *data, size_t len)
{
	sb_append(&o->pending, data, len);
	if (o->pending.len >= PA_OUTPUT_FLUSH_AT)
		pa_output_flush(o);
	if (o->pending.len > PA_OUTPUT_MAX_PENDING)
		drop_oldest(o);
}

static void note_failure(struct pa_output *o, int err)
{
	o->write_errors++;
	if (err == EPIPE)
		o->broken_pipe = true;
	if (o->last_errno != err)
		pa_err("cannot write to %s: %s; events are kept in memory and retried (%llu bytes dropped so far)",
		       o->name, strerror(err), (unsigned long long)o->bytes_dropped);
	o->last_errno = err;
}

int pa_output_flush(struct pa_output *o)
{
	size_t done = 0;
	int err = 0;

	while (done < o->pending.len) {
		ssize_t n = write(o->fd, o->pending.buf + done, o->pending.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		done += n;
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
		pa_err("writing to %s works again", o->name);
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
}
