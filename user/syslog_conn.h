/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The connection to a syslog receiver, and the queue in front of it.
 *
 *   udp://HOST:PORT   one message per datagram (connected UDP socket)
 *   tcp://HOST:PORT   RFC 6587 octet counting: "LEN SP MSG", back to back
 *   unix:PATH         a datagram socket like /dev/log (the default PATH);
 *                     a stream socket, octet counted, if PATH is one
 *
 * (URLs as syslog_url.h parses them.)  A host name is resolved once, by
 * pa_syslog_conn_new.
 *
 * Nothing here blocks but pa_syslog_conn_flush/close: sockets are
 * nonblocking, a TCP connect completes in pa_syslog_conn_poll.  Messages
 * wait in a bounded queue while the receiver is slow or gone; when it is
 * full the oldest whole messages are dropped and counted.  A connection that
 * fails is retried with exponential backoff; the outage is logged once when
 * it begins and once when it ends, with the counts.
 *
 * Delivery is what the transport gives: a datagram or a stream write that
 * the kernel accepted counts as sent, though UDP may lose it and a TCP
 * receiver that dies may not have read it (RFC 6587 has no acknowledgement).
 */
#ifndef PA_SYSLOG_CONN_H
#define PA_SYSLOG_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syslog_url.h"

/* An outage of a minute or so on a busy host: ~10,000 messages of the usual
 * 0.5-1 KiB; the count bounds the bookkeeping when messages are small. */
#define PA_SYSLOG_QUEUE_BYTES (8u << 20)
#define PA_SYSLOG_QUEUE_MSGS 100000u
/* The largest UDP payload over IPv4: 65535 - 20 (IP header) - 8 (UDP
 * header).  Datagram messages (udp, unix) are cut to this and counted. */
#define PA_SYSLOG_DGRAM_MAX 65507u
/* Streams have no size limit of their own, but rsyslog's imtcp does: a
 * frame longer than its MaxFrameSize (default 200000) makes it give up octet
 * counting and misread the rest of the stream.  An exec with 32 KiB of
 * plain argv (args and command_line) stays well below; longer is cut. */
#define PA_SYSLOG_STREAM_MAX 200000u
/* Retry delays: quick for a receiver restart, slow enough not to spin. */
#define PA_SYSLOG_BACKOFF_MIN_NS (100ULL * 1000000)
#define PA_SYSLOG_BACKOFF_MAX_NS (5ULL * 1000000000)
/* A TCP connect the network does not answer (SYNs dropped) counts as failed. */
#define PA_SYSLOG_CONNECT_TIMEOUT_NS (5ULL * 1000000000)
/* An outage ends once a connection has carried messages for this long
 * without failing: a receiver that accepts and drops us is still down. */
#define PA_SYSLOG_STABLE_NS (1ULL * 1000000000)
/* What pa_syslog_conn_close waits at most for the queue to go out. */
#define PA_SYSLOG_CLOSE_FLUSH_MS 2000u

/* Tests shrink these; 0 means the default. */
struct pa_syslog_opts {
	size_t max_queue_bytes; /* PA_SYSLOG_QUEUE_BYTES */
	size_t max_queue_msgs;  /* PA_SYSLOG_QUEUE_MSGS */
	int sndbuf;             /* SO_SNDBUF; 0 leaves the kernel's */
};

struct pa_syslog_stats {
	uint64_t sent;          /* messages the kernel took whole */
	uint64_t dropped;       /* pushed out of a full queue, too big to send, or left at close */
	uint64_t truncated;     /* cut to PA_SYSLOG_DGRAM_MAX / PA_SYSLOG_STREAM_MAX */
	uint64_t reconnects;    /* connections made after a failure */
	uint64_t failures;      /* connects and connections that failed */
	size_t queued;          /* messages waiting now */
	size_t queued_bytes;
	bool connected;
	bool outage;            /* failed, and not yet back to normal */
};

struct pa_syslog_conn;

/*
 * Parse url, resolve its host (this may block, once, at startup) and start
 * the first connect.  An unreachable receiver is not an error: messages
 * queue and the connect is retried.  NULL with one line in err and errno
 * EINVAL (malformed URL: a usage error), EADDRNOTAVAIL (host not resolved)
 * or ENOMEM.  opts may be NULL.
 */
struct pa_syslog_conn *pa_syslog_conn_new(const char *url, const struct pa_syslog_opts *opts,
					  char *err, size_t errsize);

/* Queue one message (unframed) and send what the socket takes now.  Never
 * blocks; copies msg. */
void pa_syslog_conn_send(struct pa_syslog_conn *c, const char *msg, size_t len);

/*
 * The periodic step: finish a pending connect, retry a failed one when its
 * backoff is over, send what is queued, notice the end of an outage.  Call
 * it from the event loop every few milliseconds, or when the fd is ready or
 * the deadline has come (below).  Never blocks.
 */
void pa_syslog_conn_poll(struct pa_syslog_conn *c, uint64_t now_mono_ns);

/*
 * For an epoll loop: the socket (-1 while there is none) and the poll(2)
 * bits to wait for (POLLOUT while connecting or while the socket is full,
 * POLLIN on a stream to notice the receiver closing; same values as EPOLLIN
 * and EPOLLOUT).  *gen changes whenever the socket is replaced, even if the
 * number is reused: re-register then.
 */
int pa_syslog_conn_fd(const struct pa_syslog_conn *c, uint32_t *events, uint64_t *gen);
/* The CLOCK_MONOTONIC ns by which pa_syslog_conn_poll wants to run even
 * without fd events (a retry, a connect timeout); 0: none. */
uint64_t pa_syslog_conn_deadline(const struct pa_syslog_conn *c);

void pa_syslog_conn_stats(const struct pa_syslog_conn *c, struct pa_syslog_stats *st);
/* The URL as given, for messages. */
const char *pa_syslog_conn_name(const struct pa_syslog_conn *c);

/* Try for up to timeout_ms (connecting first if need be) to send all that
 * is queued.  Returns the number of messages still queued. */
size_t pa_syslog_conn_flush(struct pa_syslog_conn *c, unsigned timeout_ms);
/* Flush for up to timeout_ms, report what could not be sent or was
 * dropped (one line), close and free.  NULL is a no-op. */
void pa_syslog_conn_close(struct pa_syslog_conn *c, unsigned timeout_ms);

#endif
