// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "syslog_queue.h"

/* Each record: its length, then its bytes. */
#define REC_HDR sizeof(uint32_t)
/* The buffer starts here and doubles; once drained, a bigger one (an
 * outage's worth) goes back to the system. */
#define QUEUE_INITIAL (64u << 10)
#define QUEUE_KEEP (1u << 20)
/* Frames per sendmsg on a stream: fewer syscalls while a backlog drains. */
#define BATCH 32

void pa_sq_init(struct pa_syslog_queue *q, size_t max_bytes, size_t max_msgs)
{
	memset(q, 0, sizeof(*q));
	q->max_bytes = max_bytes;
	q->max_msgs = max_msgs;
}

void pa_sq_free(struct pa_syslog_queue *q)
{
	free(q->buf);
	q->buf = NULL;
	q->head = q->tail = q->cap = q->count = q->off = 0;
}

static uint32_t rec_len(const struct pa_syslog_queue *q, size_t at)
{
	uint32_t len;

	memcpy(&len, q->buf + at, REC_HDR);
	return len;
}

const char *pa_sq_msg(const struct pa_syslog_queue *q, size_t at, uint32_t *len)
{
	*len = rec_len(q, at);
	return q->buf + at + REC_HDR;
}

size_t pa_sq_next(const struct pa_syslog_queue *q, size_t at)
{
	return at + REC_HDR + rec_len(q, at);
}

size_t pa_sq_bytes(const struct pa_syslog_queue *q)
{
	return q->tail - q->head - q->count * REC_HDR;
}

void pa_sq_pop(struct pa_syslog_queue *q)
{
	q->head = pa_sq_next(q, q->head);
	q->off = 0;
	if (--q->count)
		return;
	q->head = q->tail = 0;
	q->full_episode = false;
	if (q->cap > QUEUE_KEEP)
		pa_sq_free(q);
}

static void drop_oldest(struct pa_syslog_queue *q)
{
	size_t first, second;

	q->dropped++;
	q->full_episode = true;
	if (!q->off || q->count < 2) {
		pa_sq_pop(q);
		return;
	}
	/* Keep the half-written first message: slide it over the second. */
	first = pa_sq_next(q, q->head) - q->head;
	second = pa_sq_next(q, q->head + first) - (q->head + first);
	memmove(q->buf + q->head + second, q->buf + q->head, first);
	q->head += second;
	q->count--;
}

static bool make_room(struct pa_syslog_queue *q, size_t need)
{
	size_t cap;
	char *buf;

	/* A half-written message alone is never dropped, even if over the limit. */
	while (q->count > (q->off ? 1u : 0u) &&
	       (q->count >= q->max_msgs || q->tail - q->head + need > q->max_bytes))
		drop_oldest(q);
	if (q->tail + need <= q->cap)
		return true;
	if (q->head) {
		memmove(q->buf, q->buf + q->head, q->tail - q->head);
		q->tail -= q->head;
		q->head = 0;
	}
	for (cap = q->cap ? q->cap : QUEUE_INITIAL; cap < q->tail + need; cap *= 2)
		;
	if (cap == q->cap)
		return true;
	buf = realloc(q->buf, cap);
	if (!buf)
		return false;
	q->buf = buf;
	q->cap = cap;
	return true;
}

bool pa_sq_push(struct pa_syslog_queue *q, const char *msg, size_t len)
{
	uint32_t len32 = (uint32_t)len;

	if (!make_room(q, REC_HDR + len)) {
		q->dropped++;
		return false;
	}
	memcpy(q->buf + q->tail, &len32, REC_HDR);
	memcpy(q->buf + q->tail + REC_HDR, msg, len);
	q->tail += REC_HDR + len;
	q->count++;
	return true;
}

/* ---- writing to a socket ------------------------------------------------ */

/* The socket is full for now: ENOBUFS too, as the kernel's queue may drain. */
static int send_error(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS ? -EAGAIN : -err;
}

int pa_sq_send_dgram(struct pa_syslog_queue *q, int fd, uint64_t *sent)
{
	while (q->count) {
		uint32_t len;
		const char *msg = pa_sq_msg(q, q->head, &len);

		if (send(fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
			(*sent)++;
		} else if (errno == EINTR) {
			continue;
		} else if (errno == EMSGSIZE) { /* this socket will never take it */
			q->dropped++;
		} else {
			return send_error(errno);
		}
		pa_sq_pop(q);
	}
	return 0;
}

static size_t frame_prefix(char *buf, size_t size, uint32_t len)
{
	return (size_t)snprintf(buf, size, "%u ", len);
}

/* n more bytes written: whole frames go, a cut one keeps its offset. */
static void consume(struct pa_syslog_queue *q, size_t n, uint64_t *sent)
{
	char prefix[16];

	n += q->off;
	while (q->count) {
		uint32_t len;
		size_t frame;

		pa_sq_msg(q, q->head, &len);
		frame = frame_prefix(prefix, sizeof(prefix), len) + len;
		if (n < frame) {
			q->off = n;
			return;
		}
		n -= frame;
		(*sent)++;
		pa_sq_pop(q);
	}
}

int pa_sq_send_stream(struct pa_syslog_queue *q, int fd, uint64_t *sent)
{
	char prefix[BATCH][16];
	struct iovec iov[2 * BATCH];

	while (q->count) {
		struct msghdr mh = { .msg_iov = iov };
		size_t at = q->head, skip = q->off;
		ssize_t n;

		/* The first frame resumes skip bytes in, prefix included. */
		for (unsigned i = 0; i < BATCH && at < q->tail; i++, at = pa_sq_next(q, at)) {
			uint32_t len;
			const char *msg = pa_sq_msg(q, at, &len);
			size_t plen = frame_prefix(prefix[i], sizeof(prefix[i]), len);
			size_t pskip = skip < plen ? skip : plen;

			iov[mh.msg_iovlen++] = (struct iovec){ prefix[i] + pskip, plen - pskip };
			iov[mh.msg_iovlen++] = (struct iovec){ (char *)msg + (skip - pskip), len - (skip - pskip) };
			skip = 0;
		}
		n = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0)
			consume(q, (size_t)n, sent);
		else if (errno != EINTR)
			return send_error(errno);
	}
	return 0;
}
