/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by the unit tests: synthetic ABI records built the way
 * bpf/lifecycle.bpf.c builds them (header filled as fill_header() does,
 * hdr.size the whole record, PA_F_* set under the same conditions), and
 * checks that say what was expected and what came, at the caller's line.
 *
 * Includes cmocka and the headers cmocka needs before it.
 */
#ifndef PA_TEST_SYNTH_H
#define PA_TEST_SYNTH_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pa_events.h"

/* ---- checks ------------------------------------------------------------- */

#define CHECK_U(got, want, what) synth_check_u((got), (want), (what), __FILE__, __LINE__)
#define CHECK_I(got, want, what) synth_check_i((got), (want), (what), __FILE__, __LINE__)
#define CHECK_STR(got, want, what) synth_check_str((got), (want), (what), __FILE__, __LINE__)
/* got is len bytes (NULs allowed); want a string literal. */
#define CHECK_MEM(got, len, want, what) \
	synth_check_mem((got), (len), (want), sizeof(want) - 1, (what), __FILE__, __LINE__)
#define CHECK(cond, what) synth_check((cond), #cond, (what), __FILE__, __LINE__)

/* Valid UTF-8 without C0/C1 controls other than newline: safe to print as is. */
static inline bool synth_printable(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t more = 0;

		if (s[i] == '\n')
			continue;
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
		if (s[i] < 0x80)
			continue;
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			more = 1;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			more = 2;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			more = 3;
		else
			return false;
		if (s[i] == 0xc2 && i + 1 < len && s[i + 1] < 0xa0)
			return false; /* C1 */
		for (size_t k = 1; k <= more; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return false;
		}
		i += more;
	}
	return true;
}

/* A failure message must not drive the terminal: shown as a C literal
 * would write it, bytes that are not plain printable text as \xNN and a
 * backslash as \\; a multi-line value as a block of lines. */
static inline void synth_show(const char *label, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	bool raw = synth_printable(u, len);
	bool block = memchr(s, '\n', len) != NULL;
	char *out = malloc(len * 4 + 1);
	size_t o = 0;

	if (!out)
		return;
	for (size_t i = 0; i < len; i++) {
		if (u[i] == '\n' && block) {
			out[o++] = '\n';
		} else if (u[i] == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (u[i] == '\n' || u[i] < 0x20 || u[i] == 0x7f || (u[i] >= 0x80 && !raw)) {
			o += (size_t)sprintf(out + o, "\\x%02x", u[i]);
		} else {
			out[o++] = (char)u[i];
		}
	}
	out[o] = '\0';
	if (block)
		print_error("  --- %s (%zu bytes) ---\n%s%s", label, len, out,
			    len && s[len - 1] == '\n' ? "" : "\n  (no final newline)\n");
	else
		print_error("  %-4s \"%s\" (%zu bytes)\n", label, out, len);
	free(out);
}

static inline void synth_check_u(unsigned long long got, unsigned long long want, const char *what,
				 const char *file, int line)
{
	if (got == want)
		return;
	print_error("%s: got %llu, want %llu\n", what, got, want);
	_fail(file, line);
}

static inline void synth_check_i(long long got, long long want, const char *what, const char *file,
				 int line)
{
	if (got == want)
		return;
	print_error("%s: got %lld, want %lld\n", what, got, want);
	_fail(file, line);
}

static inline void synth_check_mem(const char *got, size_t got_len, const char *want,
				   size_t want_len, const char *what, const char *file, int line)
{
	if (got && got_len == want_len && !memcmp(got, want, want_len))
		return;
	print_error("%s:\n", what);
	if (got)
		synth_show("got", got, got_len);
	else
		print_error("  got  (null)\n");
	synth_show("want", want, want_len);
	_fail(file, line);
}

static inline void synth_check_str(const char *got, const char *want, const char *what,
				   const char *file, int line)
{
	synth_check_mem(got, got ? strlen(got) : 0, want, strlen(want), what, file, line);
}

static inline void synth_check(bool ok, const char *cond, const char *what, const char *file,
			       int line)
{
	if (ok)
		return;
	print_error("%s: expected %s\n", what, cond);
	_fail(file, line);
}

/* ---- synthetic records -------------------------------------------------- */

/* A task as the BPF side reads it from task_struct. */
struct synth_task {
	uint32_t pid;           /* kernel tid */
	uint32_t tgid;          /* its process; 0 means a leader (tgid == pid) */
	uint32_t ppid;          /* tgid of the real parent */
	uint64_t start_ns;      /* group leader's start_boottime */
	uint64_t task_start_ns; /* the task's own start_boottime; 0 means start_ns */
	const char *comm;
	const struct pa_task_ids *ids; /* fill_ids() of fork and exec; NULL: synth_ids() */
};

static inline uint32_t synth_tgid(const struct synth_task *t)
{
	return t->tgid ? t->tgid : t->pid;
}

static inline uint64_t synth_task_start(const struct synth_task *t)
{
	return t->task_start_ns ? t->task_start_ns : t->start_ns;
}

/* fill_ids() for a task without its own: root, no session (0, as a
 * kernel thread's), its pid in the initial namespace, the root cgroup. */
static inline struct pa_task_ids synth_ids(const struct synth_task *t)
{
	struct pa_task_ids ids;

	if (t->ids)
		return *t->ids;
	memset(&ids, 0, sizeof(ids));
	ids.vpid = synth_tgid(t);
	return ids;
}

/* fill_header(): every field, comm NUL-terminated within PA_COMM_LEN. */
static inline void synth_header(struct pa_event_header *h, uint16_t type, size_t size,
				uint64_t ts_ns, const struct synth_task *t)
{
	size_t n = t->comm ? strnlen(t->comm, PA_COMM_LEN - 1) : 0;

	memset(h, 0, sizeof(*h));
	h->type = type;
	h->size = (uint16_t)size;
	h->ts_ns = ts_ns;
	h->pid = t->pid;
	h->tgid = synth_tgid(t);
	h->ppid = t->ppid;
	h->start_ns = t->start_ns;
	if (n)
		memcpy(h->comm, t->comm, n);
}

/* handle_fork(): child is the new task, parent the task that forked.
 * PA_F_THREAD when both are in one thread group. */
static inline struct pa_fork_event synth_fork(uint64_t ts_ns, const struct synth_task *child,
					      const struct synth_task *parent)
{
	struct pa_fork_event e;

	memset(&e, 0, sizeof(e));
	synth_header(&e.hdr, PA_EV_FORK, sizeof(e), ts_ns, child);
	if (synth_tgid(child) == synth_tgid(parent))
		e.hdr.flags |= PA_F_THREAD;
	e.parent_pid = parent->pid;
	e.parent_tgid = synth_tgid(parent);
	e.parent_start_ns = parent->start_ns;
	e.task_start_ns = synth_task_start(child);
	e.ids = synth_ids(child);
	return e;
}

/* handle_exit(): PA_F_GROUP_DEAD when the last thread went, PA_F_THREAD
 * when the task is not the leader. */
static inline struct pa_exit_event synth_exit(uint64_t ts_ns, const struct synth_task *t,
					      uint32_t status, bool group_dead)
{
	struct pa_exit_event e;

	memset(&e, 0, sizeof(e));
	synth_header(&e.hdr, PA_EV_EXIT, sizeof(e), ts_ns, t);
	if (group_dead)
		e.hdr.flags |= PA_F_GROUP_DEAD;
	if (t->pid != synth_tgid(t))
		e.hdr.flags |= PA_F_THREAD;
	e.exit_status = status;
	e.task_start_ns = synth_task_start(t);
	return e;
}

/* handle_free(): only leaders are reported. */
static inline struct pa_free_event synth_free(uint64_t ts_ns, const struct synth_task *t)
{
	struct pa_free_event e;

	synth_header(&e.hdr, PA_EV_FREE, sizeof(e), ts_ns, t);
	return e;
}

/*
 * handle_exec(): t is the task after exec (pid == tgid: a non-leader that
 * exec'd has taken the leader's pid), old_pid the tid that called exec.
 * data[] is the filename with its NUL, then args_len bytes of argv exactly
 * as given (pass the area with or without its final NUL).  flags are the
 * PA_F_ARGS_* the kernel side would set.  Heap-allocated (data[] is
 * variable): free() it; its length is e->hdr.size.
 */
static inline struct pa_exec_event *synth_exec(uint64_t ts_ns, const struct synth_task *t,
					       uint32_t old_pid, const char *filename,
					       const char *args, size_t args_len, uint32_t argc,
					       uint32_t flags)
{
	size_t name_len = strlen(filename) + 1;
	size_t size = sizeof(struct pa_exec_event) + name_len + args_len;
	struct pa_exec_event *e = calloc(1, size);

	assert_non_null(e);
	assert_true(size <= UINT16_MAX);
	synth_header(&e->hdr, PA_EV_EXEC, size, ts_ns, t);
	e->hdr.flags = flags;
	e->old_pid = old_pid;
	e->argc = argc;
	e->ids = synth_ids(t);
	e->filename_len = (uint16_t)name_len;
	e->args_len = (uint16_t)args_len;
	memcpy(e->data, filename, name_len);
	if (args_len)
		memcpy(e->data + name_len, args, args_len);
	return e;
}

/* handle_signal_generate() (deliver: handle_signal_deliver()): sig sent
 * by sender to the target t; flags are PA_F_SIG_*. */
static inline struct pa_signal_event synth_signal(uint64_t ts_ns, const struct synth_task *t,
						  const struct synth_task *sender, int sig,
						  unsigned result, unsigned action, uint32_t flags)
{
	struct pa_signal_event e;

	memset(&e, 0, sizeof(e));
	synth_header(&e.hdr, PA_EV_SIGNAL, sizeof(e), ts_ns, t);
	e.hdr.flags = flags;
	if (sender) {
		e.sender_pid = sender->pid;
		e.sender_tgid = synth_tgid(sender);
		e.sender_start_ns = sender->start_ns;
		snprintf(e.sender_comm, sizeof(e.sender_comm), "%s", sender->comm);
	}
	e.sig = (uint32_t)sig;
	e.result = (uint8_t)result;
	e.action = (uint8_t)action;
	return e;
}

/* handle_execve_exit() with an error. */
static inline struct pa_exec_failed_event synth_exec_failed(uint64_t ts_ns, const struct synth_task *t,
							    const char *filename, int error)
{
	struct pa_exec_failed_event e;

	memset(&e, 0, sizeof(e));
	synth_header(&e.hdr, PA_EV_EXEC_FAILED, sizeof(e), ts_ns, t);
	e.error = error;
	snprintf(e.filename, sizeof(e.filename), "%s", filename);
	return e;
}

/* A literal's bytes without the compiler's NUL: ARGS("ls\0-l") is the
 * area "ls\0-l" (5 bytes), ARGS("ls\0-l\0") has the final NUL. */
#define ARGS(lit) (lit), (sizeof(lit) - 1)

#endif /* PA_TEST_SYNTH_H */
