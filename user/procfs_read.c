// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "procfs_read.h"

/* The stat fields we use, numbered as in proc(5). */
enum {
	STAT_STATE = 3,
	STAT_PPID = 4,
	STAT_SESSION = 6,
	STAT_TTY_NR = 7,
	STAT_UTIME = 14,
	STAT_STIME = 15,
	STAT_NUM_THREADS = 20,
	STAT_STARTTIME = 22,
};

/* A file into buf until its end or size bytes; the length or -errno.  No
 * stdio: tens of thousands of processes make per-file buffers add up. */
ssize_t pa_read_at(int dir_fd, const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd, err = 0;

	fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size) {
		n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	return err ? err : (ssize_t)len;
}

/* Digits only: strtoull would also take blanks, a sign and overflow. */
bool pa_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool pa_parse_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v;

	if (!pa_parse_u64(s, len, &v) || v > UINT32_MAX)
		return false;
	*out = v;
	return true;
}

/* A pid directory name: a decimal number, not 0, without leading zeros
 * (so that no two names mean the same pid). */
bool pa_parse_id(const char *name, uint32_t *id)
{
	return name[0] != '0' && pa_parse_u32(name, strlen(name), id);
}

/* The next blank-separated field after *pos.  A field that runs into the
 * end of the buffer may have been cut by a short read, so it is refused. */
static bool next_field(const char **pos, const char *end, const char **field, size_t *len)
{
	const char *s = *pos, *e;

	if (s >= end || *s != ' ')
		return false;
	s++;
	for (e = s; e < end && *e != ' ' && *e != '\n'; e++)
		;
	if (e == end)
		return false;
	*field = s;
	*len = e - s;
	*pos = e;
	return true;
}

static bool parse_stat_field(struct pa_stat *st, int nr, const char *f, size_t len)
{
	uint64_t ticks;

	switch (nr) {
	case STAT_STATE:
		st->state = f[0];
		return len == 1 && ((f[0] >= 'A' && f[0] <= 'Z') || (f[0] >= 'a' && f[0] <= 'z'));
	case STAT_PPID:
		return pa_parse_u32(f, len, &st->ppid);
	case STAT_SESSION:
		return pa_parse_u32(f, len, &st->session);
	case STAT_TTY_NR:
		return pa_parse_u32(f, len, &st->tty_nr);
	case STAT_UTIME:
	case STAT_STIME:
		if (!pa_parse_u64(f, len, &ticks) || st->cpu_ticks > UINT64_MAX - ticks)
			return false;
		st->cpu_ticks += ticks;
		return true;
	case STAT_NUM_THREADS:
		return pa_parse_u32(f, len, &st->nr_threads);
	case STAT_STARTTIME:
		if (!pa_parse_u64(f, len, &ticks) || ticks > UINT64_MAX / PA_NS_PER_TICK)
			return false;
		st->start_ns = ticks * PA_NS_PER_TICK;
		return true;
	default:
		return true;
	}
}

/*
 * "pid (comm) state ppid ...".  comm is whatever the task named itself,
 * spaces and ')' included, so it ends at the last ')': every field after it
 * is a number.  Anything else unexpected makes the whole line invalid.
 */
static int parse_stat(const char *buf, size_t len, struct pa_stat *st)
{
	const char *open = memchr(buf, '(', len);
	const char *close = memrchr(buf, ')', len);
	const char *pos, *field;
	size_t comm_len, field_len;

	memset(st, 0, sizeof(*st));
	if (!open || !close || close < open || open == buf || open[-1] != ' ')
		return -EINVAL;
	if (!pa_parse_u32(buf, open - 1 - buf, &st->pid))
		return -EINVAL;
	comm_len = close - open - 1;
	if (comm_len >= sizeof(st->comm))
		comm_len = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, comm_len);
	st->comm[comm_len] = '\0';

	pos = close + 1;
	for (int nr = STAT_STATE; nr <= STAT_STARTTIME; nr++) {
		if (!next_field(&pos, buf + len, &field, &field_len) ||
		    !parse_stat_field(st, nr, field, field_len))
			return -EINVAL;
	}
	return 0;
}

/* path's stat, which must be about task id (a stale or foreign file is not). */
int pa_read_stat_at(int dir_fd, const char *path, uint32_t id, struct pa_stat *st)
{
	char buf[STAT_BUF_SIZE];
	ssize_t n = pa_read_at(dir_fd, path, buf, sizeof(buf));

	if (n < 0)
		return n;
	if (parse_stat(buf, n, st) || st->pid != id)
		return -EINVAL;
	return 0;
}

