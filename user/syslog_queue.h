/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The syslog connection's queue: whole messages, oldest first, bounded in
 * bytes and in count.  One buffer holds them all (a length, then the bytes,
 * back to back), so queuing a message copies it and allocates nothing once
 * the buffer has grown.  When full, the oldest messages are dropped and
 * counted, except one that is partly written to a stream (off > 0): a
 * receiver would read its rest as garbage, so the next one goes instead.
 *
 * The queue also writes itself out, since it knows where a cut frame
 * resumes: one message per datagram, or RFC 6587 octet counting
 * ("LEN SP MSG") on a stream.
 */
#ifndef PA_SYSLOG_QUEUE_H
#define PA_SYSLOG_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pa_syslog_queue {
	char *buf;            /* records in buf[head, tail) */
	size_t head, tail, cap;
	size_t count;
	size_t off;           /* bytes of the first message's frame already written */
	size_t max_bytes, max_msgs;
	uint64_t dropped;
	bool full_episode;    /* dropped since the queue was last empty */
};

void pa_sq_init(struct pa_syslog_queue *q, size_t max_bytes, size_t max_msgs);
void pa_sq_free(struct pa_syslog_queue *q);
/* Copy msg in, dropping the oldest as needed.  false if memory ran out
 * (the message is dropped and counted). */
bool pa_sq_push(struct pa_syslog_queue *q, const char *msg, size_t len);
/* Walk from the first message: at = q->head, then pa_sq_next(q, at) while
 * at < q->tail. */
const char *pa_sq_msg(const struct pa_syslog_queue *q, size_t at, uint32_t *len);
size_t pa_sq_next(const struct pa_syslog_queue *q, size_t at);
/* The first message is sent: forget it (and its offset). */
void pa_sq_pop(struct pa_syslog_queue *q);
/* Bytes of message text queued, without the record headers. */
size_t pa_sq_bytes(const struct pa_syslog_queue *q);

/* Write the oldest messages to fd, never blocking; *sent counts those that
 * went whole.  0 once the queue is empty, -EAGAIN when the socket is full,
 * else -errno of a failed connection (what was not sent stays queued). */
int pa_sq_send_dgram(struct pa_syslog_queue *q, int fd, uint64_t *sent);
int pa_sq_send_stream(struct pa_syslog_queue *q, int fd, uint64_t *sent);

#endif
