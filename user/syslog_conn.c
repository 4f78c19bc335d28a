// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "syslog_conn.h"
#include "syslog_queue.h"

#define NS_PER_MS 1000000ULL
/* A full datagram socket is tried again this soon. */
#define DGRAM_RETRY_NS (10 * NS_PER_MS)
/* Not an errno (those are small): the receiver ended the stream (read gave 0). */
#define ERR_CLOSED (1 << 16)
/* pa_syslog_conn_flush sleeps at most this long between tries. */
#define FLUSH_STEP_NS (10 * NS_PER_MS)

enum conn_state { DOWN, CONNECTING, UP };

struct pa_syslog_conn {
	char name[128];           /* the URL, for messages */
	struct pa_syslog_url url;
	struct pa_syslog_addrs addrs;
	unsigned next_addr;
	int fd;
	bool stream;              /* octet counting; else one message per datagram */
	enum conn_state state;
	uint64_t gen;             /* bumped whenever fd is replaced */
	bool blocked;             /* the socket said EAGAIN: wait for POLLOUT */
	uint64_t retry_at, backoff, connect_at;
	uint64_t up_since, sent_up; /* the current connection: since when, messages sent */
	uint64_t outage_at;       /* 0: healthy; else when the failure began */
	uint64_t outage_sent, outage_dropped; /* counters when it began */
	int last_err;             /* why the last connection failed, for the exit report */
	int sndbuf;
	struct pa_syslog_queue q;
	struct pa_syslog_stats st;
};

/* ---- connecting ------------------------------------------------------- */

static void lower_strerror(char *buf, size_t size, int err)
{
	snprintf(buf, size, "%s", err == ERR_CLOSED ? "the receiver closed the connection" : strerror(err));
	buf[0] = (char)tolower((unsigned char)buf[0]);
}

static void close_socket(struct pa_syslog_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->gen++;
	c->state = DOWN;
	c->blocked = false;
	c->q.off = 0; /* a frame cut by the disconnect is sent again whole */
}

/* The queue's limit, for messages: "8 MiB", "64 KiB", "1000 bytes". */
static void format_size(char *buf, size_t size, size_t bytes)
{
	if (bytes >= (1u << 20) && !(bytes & ((1u << 20) - 1)))
		snprintf(buf, size, "%zu MiB", bytes >> 20);
	else if (bytes >= 1024 && !(bytes & 1023))
		snprintf(buf, size, "%zu KiB", bytes >> 10);
	else
		snprintf(buf, size, "%zu bytes", bytes);
}

/* Logged once per outage: the first failure opens it, recovery closes it. */
static void fail(struct pa_syslog_conn *c, int err, uint64_t now)
{
	char why[128], limit[32];

	close_socket(c);
	c->st.failures++;
	c->last_err = err;
	if (c->outage_at) {
		c->backoff *= 2;
		if (c->backoff > PA_SYSLOG_BACKOFF_MAX_NS)
			c->backoff = PA_SYSLOG_BACKOFF_MAX_NS;
	} else {
		lower_strerror(why, sizeof(why), err);
		format_size(limit, sizeof(limit), c->q.max_bytes);
		pa_err("syslog %s: %s; queuing up to %zu messages or %s, will retry", c->name, why,
		       c->q.max_msgs, limit);
		c->outage_at = now ? now : 1;
		c->outage_sent = c->st.sent;
		c->outage_dropped = c->q.dropped;
		c->backoff = PA_SYSLOG_BACKOFF_MIN_NS;
	}
	c->retry_at = now + c->backoff;
}

static void connected(struct pa_syslog_conn *c, uint64_t now)
{
	c->state = UP;
	c->up_since = now;
	c->sent_up = 0;
	if (c->outage_at)
		c->st.reconnects++;
}

static int open_socket(struct pa_syslog_conn *c, const struct sockaddr *sa, socklen_t len, int type)
{
	c->fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	c->gen++;
	c->stream = type == SOCK_STREAM;
	if (c->sndbuf)
		setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &c->sndbuf, sizeof(c->sndbuf));
	return connect(c->fd, sa, len);
}

/* One attempt, never blocking: a TCP connect finishes in poll. */
static void try_connect(struct pa_syslog_conn *c, uint64_t now)
{
	unsigned i = c->next_addr++ % c->addrs.n;
	const struct sockaddr *sa = (const struct sockaddr *)&c->addrs.addr[i];
	int type = c->url.transport == PA_SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int rc = open_socket(c, sa, c->addrs.len[i], type);

	/* A stream socket at PATH (syslog-ng's unix-stream): octet counting. */
	if (rc && errno == EPROTOTYPE && c->url.transport == PA_SYSLOG_UNIX) {
		close(c->fd);
		rc = open_socket(c, sa, c->addrs.len[i], SOCK_STREAM);
	}
	if (!rc) {
		connected(c, now);
	} else if (errno == EINPROGRESS) {
		c->state = CONNECTING;
		c->connect_at = now;
	} else {
		fail(c, errno, now);
	}
}

static void check_connect(struct pa_syslog_conn *c, uint64_t now)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	if (poll(&pfd, 1, 0) == 0) {
		if (now - c->connect_at >= PA_SYSLOG_CONNECT_TIMEOUT_NS)
			fail(c, ETIMEDOUT, now);
		return;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err)
		fail(c, err, now);
	else
		connected(c, now);
}

/* ---- sending ------------------------------------------------------------ */

/* Receivers send nothing: readable means closed (0) or reset (error).
 * Checked before writing, or the next messages would go into the void. */
static int peer_closed(struct pa_syslog_conn *c)
{
	char junk[256];

	for (;;) {
		ssize_t n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);

		if (n == 0)
			return ERR_CLOSED;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : errno;
	}
}

static void flush(struct pa_syslog_conn *c, uint64_t now)
{
	uint64_t sent = 0;
	int err = c->stream ? -peer_closed(c) : 0;

	if (!err)
		err = c->stream ? pa_sq_send_stream(&c->q, c->fd, &sent) : pa_sq_send_dgram(&c->q, c->fd, &sent);
	c->st.sent += sent;
	c->sent_up += sent;
	c->blocked = err == -EAGAIN;
	/* ENOBUFS on a datagram socket may never raise POLLOUT: a deadline retries. */
	if (c->blocked && !c->stream)
		c->retry_at = now + DGRAM_RETRY_NS;
	if (err && !c->blocked)
		fail(c, -err, now);
}

void pa_syslog_conn_send(struct pa_syslog_conn *c, const char *msg, size_t len)
{
	/* unix: a datagram socket until a connect says otherwise. */
	size_t max = c->stream || c->url.transport == PA_SYSLOG_TCP ? PA_SYSLOG_STREAM_MAX
								    : PA_SYSLOG_DGRAM_MAX;
	uint64_t dropped;
	bool episode;

	if (len > max) {
		/* Cut before a UTF-8 sequence that would not fit whole. */
		len = max;
		while (len && ((unsigned char)msg[len] & 0xc0) == 0x80)
			len--;
		c->st.truncated++;
	}
	dropped = c->q.dropped;
	episode = c->q.full_episode;
	pa_sq_push(&c->q, msg, len);
	if (c->q.dropped > dropped && !episode)
		pa_err("syslog %s: queue full (%zu messages); dropping the oldest", c->name, c->q.count);
	if (c->state == UP && !c->blocked)
		flush(c, pa_now_mono_ns());
}

/* ---- the loop's side ---------------------------------------------------- */

/* A UDP receiver that is down answers with ICMP, which shows up as a
 * pending socket error: during an outage, look before calling it over. */
static bool dgram_failed(struct pa_syslog_conn *c, uint64_t now)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (c->stream || getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || !err)
		return false;
	fail(c, err, now);
	return true;
}

static void report_recovery(struct pa_syslog_conn *c)
{
	char span[32];

	pa_format_span(span, sizeof(span), c->up_since > c->outage_at ? c->up_since - c->outage_at : 0);
	pa_err("syslog %s: reconnected after %s; %llu queued messages sent, %llu dropped", c->name, span,
	       (unsigned long long)(c->st.sent - c->outage_sent),
	       (unsigned long long)(c->q.dropped - c->outage_dropped));
	c->outage_at = 0;
	c->backoff = PA_SYSLOG_BACKOFF_MIN_NS;
}

static void check_recovery(struct pa_syslog_conn *c, uint64_t now)
{
	if (!c->outage_at || c->state != UP || c->q.count || !c->sent_up ||
	    now < c->up_since + PA_SYSLOG_STABLE_NS || dgram_failed(c, now))
		return;
	report_recovery(c);
}

void pa_syslog_conn_poll(struct pa_syslog_conn *c, uint64_t now)
{
	int err;

	if (c->state == DOWN && now >= c->retry_at)
		try_connect(c, now);
	if (c->state == CONNECTING)
		check_connect(c, now);
	if (c->state != UP)
		return;
	if (c->q.count) {
		flush(c, now);
	} else if (c->stream && (err = peer_closed(c))) {
		fail(c, err, now); /* noticed while idle: say so now, not at the next event */
		return;
	}
	check_recovery(c, now);
}

int pa_syslog_conn_fd(const struct pa_syslog_conn *c, uint32_t *events, uint64_t *gen)
{
	uint32_t ev = 0;

	if (c->state == CONNECTING || (c->state == UP && c->blocked))
		ev |= POLLOUT;
	if (c->state == UP && c->stream)
		ev |= POLLIN;
	if (events)
		*events = ev;
	if (gen)
		*gen = c->gen;
	return c->fd;
}

uint64_t pa_syslog_conn_deadline(const struct pa_syslog_conn *c)
{
	switch (c->state) {
	case DOWN:
		return c->retry_at;
	case CONNECTING:
		return c->connect_at + PA_SYSLOG_CONNECT_TIMEOUT_NS;
	case UP:
		if (c->blocked && !c->stream)
			return c->retry_at;
		if (c->outage_at && !c->q.count && c->sent_up)
			return c->up_since + PA_SYSLOG_STABLE_NS;
		return 0;
	}
	return 0;
}

void pa_syslog_conn_stats(const struct pa_syslog_conn *c, struct pa_syslog_stats *st)
{
	*st = c->st;
	st->queued = c->q.count;
	st->queued_bytes = pa_sq_bytes(&c->q);
	st->dropped = c->q.dropped;
	st->connected = c->state == UP;
	st->outage = c->outage_at != 0;
}

const char *pa_syslog_conn_name(const struct pa_syslog_conn *c)
{
	return c->name;
}

struct pa_syslog_conn *pa_syslog_conn_new(const char *url, const struct pa_syslog_opts *opts,
					  char *err, size_t errsize)
{
	struct pa_syslog_conn *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errsize, "syslog %.100s: out of memory", url);
		errno = ENOMEM;
		return NULL;
	}
	if (pa_syslog_url_parse(url, &c->url, err, errsize)) {
		free(c);
		errno = EINVAL;
		return NULL;
	}
	snprintf(c->name, sizeof(c->name), "%s", url);
	if (pa_syslog_url_resolve(&c->url, &c->addrs, err, errsize)) {
		free(c);
		errno = EADDRNOTAVAIL;
		return NULL;
	}
	pa_sq_init(&c->q, opts && opts->max_queue_bytes ? opts->max_queue_bytes : PA_SYSLOG_QUEUE_BYTES,
		   opts && opts->max_queue_msgs ? opts->max_queue_msgs : PA_SYSLOG_QUEUE_MSGS);
	c->sndbuf = opts ? opts->sndbuf : 0;
	c->fd = -1;
	try_connect(c, pa_now_mono_ns());
	return c;
}

static void wait_a_little(struct pa_syslog_conn *c, uint64_t now, uint64_t end)
{
	uint64_t deadline = pa_syslog_conn_deadline(c), wait = end - now;
	struct pollfd pfd = { .fd = c->fd };
	uint32_t ev;

	if (deadline > now && deadline - now < wait)
		wait = deadline - now;
	if (wait > FLUSH_STEP_NS)
		wait = FLUSH_STEP_NS;
	pa_syslog_conn_fd(c, &ev, NULL);
	pfd.events = (short)ev;
	if (c->fd >= 0 && ev)
		poll(&pfd, 1, (int)((wait + NS_PER_MS - 1) / NS_PER_MS));
	else
		nanosleep(&(struct timespec){ .tv_nsec = (long)wait }, NULL);
}

size_t pa_syslog_conn_flush(struct pa_syslog_conn *c, unsigned timeout_ms)
{
	uint64_t now = pa_now_mono_ns(), end = now + timeout_ms * NS_PER_MS;

	if (c->state == DOWN && c->q.count)
		c->retry_at = now; /* one more try now, whatever the backoff says */
	for (;;) {
		pa_syslog_conn_poll(c, now);
		if (!c->q.count || now >= end)
			return c->q.count;
		wait_a_little(c, now, end);
		now = pa_now_mono_ns();
	}
}

void pa_syslog_conn_close(struct pa_syslog_conn *c, unsigned timeout_ms)
{
	char why[128];
	size_t left;

	if (!c)
		return;
	left = pa_syslog_conn_flush(c, timeout_ms);
	if (left) {
		c->q.dropped += left;
		lower_strerror(why, sizeof(why), c->last_err ? c->last_err : ETIMEDOUT);
		pa_err("syslog %s: %zu messages not sent at exit (%s); %llu dropped in all", c->name, left,
		       c->state == UP ? "receiver too slow" : why, (unsigned long long)c->q.dropped);
	} else if (c->outage_at && c->state == UP && c->sent_up) {
		report_recovery(c); /* all went out: no need to wait for it to prove stable */
	}
	if (!left && (c->q.dropped || c->st.truncated)) {
		pa_err("syslog %s: %llu messages sent, %llu dropped, %llu truncated", c->name,
		       (unsigned long long)c->st.sent, (unsigned long long)c->q.dropped,
		       (unsigned long long)c->st.truncated);
	}
	if (c->fd >= 0)
		close(c->fd);
	pa_sq_free(&c->q);
	free(c);
}
