// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc_locks.h"
#include "procfs_read.h"

/* "N: -> -> POSIX ADVISORY WRITE pid dev:ino start end": the most tokens a
 * line can have with a few levels of "->"; a longer line is not ours. */
#define MAX_TOKENS 16
/* The fields after the lock type: mode, access, pid, dev:ino, start, end. */
#define NR_TAIL_FIELDS 6
/* /proc/locks is a few lines on most hosts and some MiB on a busy file
 * server; reads start at the first size and stop at the second. */
#define LOCKS_FIRST_SIZE (64 * 1024)
#define LOCKS_MAX_SIZE (64 * 1024 * 1024)
/* "NNN 0x... (six arguments) 0x... 0x...": the number is all we read. */
#define SYSCALL_BUF_SIZE 256

/* One line of /proc/locks. */
struct lock_line {
	uint64_t id;
	bool waiter;    /* a "->" line: a blocked request */
	bool supported; /* a lock kind we make edges of */
	enum pa_wait_kind kind;
	int64_t pid;    /* -1 for OFD locks, 0 when the kernel cannot show it */
	uint32_t dev;
	uint64_t ino;
};

struct token {
	const char *s;
	size_t len;
};

static bool tok_is(const struct token *t, const char *word)
{
	return t->len == strlen(word) && !memcmp(t->s, word, t->len);
}

static size_t tokenize(const char *line, size_t len, struct token *tok, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len) {
		size_t start;

		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		if (n == max)
			return max + 1;
		start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		tok[n++] = (struct token){ line + start, i - start };
	}
	return n;
}

/* The lock type token: FLOCK, POSIX, OFDLCK make edges; leases,
 * delegations and the rest are listed but are not locks a thread holds. */
static bool parse_type(const struct token *t, struct lock_line *l)
{
	l->supported = true;
	if (tok_is(t, "FLOCK"))
		l->kind = PA_WAIT_FLOCK;
	else if (tok_is(t, "POSIX"))
		l->kind = PA_WAIT_POSIX_LOCK;
	else if (tok_is(t, "OFDLCK"))
		l->kind = PA_WAIT_OFD_LOCK;
	else if (tok_is(t, "LEASE") || tok_is(t, "DELEG") || tok_is(t, "ACCESS") ||
		 tok_is(t, "UNKNOWN"))
		l->supported = false;
	else
		return false;
	return true;
}

static bool parse_hex_u32(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;

	if (!len || len > 8)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/* "08:02:131": major and minor in hex, the inode in decimal. */
static bool parse_dev_ino(const struct token *t, struct lock_line *l)
{
	const char *c1 = memchr(t->s, ':', t->len), *c2;
	uint32_t major, minor;

	if (!c1)
		return false;
	c2 = memchr(c1 + 1, ':', t->s + t->len - c1 - 1);
	if (!c2 || !parse_hex_u32(t->s, c1 - t->s, &major) ||
	    !parse_hex_u32(c1 + 1, c2 - c1 - 1, &minor) || major >= 1u << (32 - PA_DEV_MINOR_BITS) ||
	    minor >= 1u << PA_DEV_MINOR_BITS)
		return false;
	l->dev = PA_DEV(major, minor);
	return pa_parse_u64(c2 + 1, t->s + t->len - c2 - 1, &l->ino);
}

static bool parse_pid(const struct token *t, struct lock_line *l)
{
	uint32_t pid;

	if (tok_is(t, "-1")) {
		l->pid = -1;
		return true;
	}
	if (!pa_parse_u32(t->s, t->len, &pid) || pid > INT_MAX)
		return false;
	l->pid = pid;
	return true;
}

/* mode access pid dev:ino start end, after the type. */
static bool parse_tail(const struct token *t, struct lock_line *l)
{
	uint64_t start, end;

	if (!(tok_is(&t[1], "READ") || tok_is(&t[1], "WRITE") || tok_is(&t[1], "UNLCK")))
		return false;
	if (!parse_pid(&t[2], l) || !parse_dev_ino(&t[3], l))
		return false;
	if (!pa_parse_u64(t[4].s, t[4].len, &start))
		return false;
	return tok_is(&t[5], "EOF") || pa_parse_u64(t[5].s, t[5].len, &end);
}

static bool parse_line(const char *line, size_t len, struct lock_line *l)
{
	struct token tok[MAX_TOKENS];
	size_t n = tokenize(line, len, tok, MAX_TOKENS), i = 1;

	memset(l, 0, sizeof(*l));
	if (n < 1 + 1 + NR_TAIL_FIELDS || n > MAX_TOKENS)
		return false;
	if (tok[0].len < 2 || tok[0].s[tok[0].len - 1] != ':' ||
	    !pa_parse_u64(tok[0].s, tok[0].len - 1, &l->id))
		return false;
	/* Requests blocked behind other blocked requests get one "->" per level. */
	while (i < n && tok_is(&tok[i], "->")) {
		l->waiter = true;
		i++;
	}
	if (n - i != 1 + NR_TAIL_FIELDS || !parse_type(&tok[i], l))
		return false;
	return parse_tail(&tok[i + 1], l);
}

/* The waiter's edge onto holder's lock, if both ends are known. */
static bool make_edge(const char *proc_root, const struct lock_line *holder,
		      const struct lock_line *w, struct pa_wait_edge *e, struct pa_locks_stats *st)
{
	if (!holder->supported || !w->supported) {
		st->unsupported++;
		return false;
	}
	if (holder->pid <= 0 || w->pid <= 0) {
		st->unknown_pid++;
		return false;
	}
	memset(e, 0, sizeof(*e));
	e->waiter_tgid = w->pid;
	e->waiter_tid = proc_root ? pa_lock_waiter_tid(proc_root, w->pid) : w->pid;
	e->kind = w->kind;
	e->resource = w->ino;
	e->resource_dev = w->dev;
	e->holder_tgid = holder->pid;
	return true;
}

size_t pa_proc_locks_parse(const char *text, size_t len, const char *proc_root,
			   struct pa_wait_edge *out, size_t max, struct pa_locks_stats *stats)
{
	struct pa_locks_stats unused = { 0 };
	struct pa_locks_stats *st = stats ? stats : &unused;
	struct lock_line holder = { 0 }, l;
	const char *end = text + len;
	bool have_holder = false;
	size_t n = 0;

	for (const char *line = text, *next; line < end; line = next) {
		const char *nl = memchr(line, '\n', end - line);
		size_t line_len = (nl ? nl : end) - line;
		struct pa_wait_edge e;

		next = nl ? nl + 1 : end;
		if (!line_len)
			continue;
		st->lines++;
		if (!parse_line(line, line_len, &l)) {
			st->bad_lines++;
		} else if (!l.waiter) {
			holder = l;
			have_holder = true;
		} else if (!have_holder || holder.id != l.id) {
			st->orphans++;
		} else if (!make_edge(proc_root, &holder, &l, &e, st)) {
			continue;
		} else if (n < max) {
			out[n++] = e;
		} else {
			st->dropped++;
		}
	}
	return n;
}

/* The syscall number a thread is in, from the first field of its
 * syscall file ("running" and "-1" for a thread not in one). */
static bool in_lock_syscall(int task_fd, const char *tid)
{
	char path[64], buf[SYSCALL_BUF_SIZE];
	ssize_t n;
	size_t len = 0;
	uint64_t nr;

	if (snprintf(path, sizeof(path), "%s/syscall", tid) >= (int)sizeof(path))
		return false;
	n = pa_read_at(task_fd, path, buf, sizeof(buf));
	if (n <= 0)
		return false;
	while (len < (size_t)n && buf[len] >= '0' && buf[len] <= '9')
		len++;
	if (!pa_parse_u64(buf, len, &nr))
		return false;
	return nr == SYS_flock || nr == SYS_fcntl;
}

uint32_t pa_lock_waiter_tid(const char *proc_root, uint32_t pid)
{
	char path[PATH_MAX];
	uint32_t best = 0, tid;
	struct dirent *de;
	DIR *d;

	if (snprintf(path, sizeof(path), "%s/%u/task", proc_root, pid) >= (int)sizeof(path))
		return pid;
	d = opendir(path);
	if (!d)
		return pid;
	while ((de = readdir(d))) {
		if (!pa_parse_id(de->d_name, &tid) || (best && tid >= best))
			continue;
		if (in_lock_syscall(dirfd(d), de->d_name))
			best = tid;
	}
	closedir(d);
	return best ? best : pid;
}

static int read_fd_all(int fd, char **text, size_t *len)
{
	size_t size = LOCKS_FIRST_SIZE, n = 0;
	char *buf = malloc(size), *bigger;
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (n + 1 == size) {
			if (size >= LOCKS_MAX_SIZE) {
				free(buf);
				return -EFBIG;
			}
			bigger = realloc(buf, size * 2);
			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			size *= 2;
		}
		r = read(fd, buf + n, size - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(buf);
			return r;
		}
		if (r == 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

int pa_proc_locks_read(const char *path, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	err = read_fd_all(fd, text, len);
	close(fd);
	return err;
}
