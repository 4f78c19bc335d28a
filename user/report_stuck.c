// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The stuck-thread dossier: how long, the kernel stack it blocked in, the
 * system call with its arguments, wchan, and for a call on a file
 * descriptor, the file.  Everything an SRE would otherwise gather with
 * cat /proc/PID/stack, /proc/PID/syscall and ls -l /proc/PID/fd.
 */
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "inputs.h"
#include "syscall_names.h"


/* System calls whose first argument is the file descriptor they work on. */
static bool takes_fd(const char *name)
{
	static const char *const fd_calls[] = {
		"read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev",
		"preadv2", "pwritev2", "fsync", "fdatasync", "flock", "fcntl", "ioctl", "ftruncate",
		"fallocate", "sync_file_range", "getdents64", "lseek", "fstat", "syncfs", "recvfrom",
		"sendto", "recvmsg", "sendmsg", "accept", "accept4", "connect", "copy_file_range",
		"splice", "epoll_wait", "epoll_pwait", "fadvise64", "fstatfs", "fchown", "fchmod",
	};

	for (size_t i = 0; name && i < sizeof(fd_calls) / sizeof(fd_calls[0]); i++) {
		if (!strcmp(name, fd_calls[i]))
			return true;
	}
	return false;
}

static void load_ksyms(struct pa_collector *c)
{
	char path[256];

	if (c->ksyms_tried)
		return;
	c->ksyms_tried = true;
	snprintf(path, sizeof(path), "%s/kallsyms", c->proc_root ? c->proc_root : "/proc");
	pa_ksyms_load(&c->ksyms, path);
}

/* The stack was taken from inside our own BPF program: its first frames
 * are the program and the tracepoint's call into it, not the thread's. */
static bool is_tracing_frame(const char *frame)
{
	return !strncmp(frame, "bpf_prog_", 9) || !strncmp(frame, "bpf_trace_run", 13) ||
	       !strncmp(frame, "__bpf_trace_", 12) || !strncmp(frame, "__traceiter_", 12);
}

static void stack_from_bpf(struct pa_collector *c, int32_t stack_id, struct pa_dossier *d)
{
	uint64_t ips[PA_STACK_FRAMES_MAX];
	bool leading = true;
	int n;

	if (stack_id < 0 || !c->read_stack)
		return;
	n = c->read_stack(c->read_stack_ctx, stack_id, ips, PA_STACK_FRAMES_MAX);
	load_ksyms(c);
	for (int i = 0; i < n; i++) {
		char *frame = d->frame_buf[d->nr_frames];

		pa_ksyms_format(&c->ksyms, ips[i], frame, PA_FRAME_LEN);
		if (leading && is_tracing_frame(frame))
			continue;
		leading = false;
		d->frames[d->nr_frames++] = frame;
	}
}

/* The kernel's own view, for a thread whose stack BPF could not store
 * ("[<0>] do_wait+0x53/0x120" lines; the /0x120 is the symbol's size). */
static void stack_from_proc(struct pa_collector *c, uint32_t tgid, uint32_t tid, struct pa_dossier *d)
{
	char path[256], line[256];
	FILE *f;

	if (!c->proc_root)
		return;
	snprintf(path, sizeof(path), "%s/%u/task/%u/stack", c->proc_root, tgid, tid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (d->nr_frames < PA_STACK_FRAMES_MAX && fgets(line, sizeof(line), f)) {
		char *sym = strchr(line, ' ');

		if (!sym)
			continue;
		sym++;
		sym[strcspn(sym, "/\n")] = '\0';
		snprintf(d->frame_buf[d->nr_frames], PA_FRAME_LEN, "%s", sym);
		d->frames[d->nr_frames] = d->frame_buf[d->nr_frames];
		d->nr_frames++;
	}
	fclose(f);
}

void pa_collector_gather(struct pa_collector *c, uint32_t tgid, uint32_t tid, int32_t stack_id,
			 struct pa_dossier *d)
{
	memset(d, 0, sizeof(*d));
	stack_from_bpf(c, stack_id, d);
	if (!d->nr_frames)
		stack_from_proc(c, tgid, tid, d);
	if (!c->proc_root || pa_procfs_inspect_thread(c->proc_root, tgid, tid, &d->task))
		return;
	d->have_task = true;
	if (d->task.syscall >= 0 && takes_fd(pa_syscall_name(d->task.syscall)))
		pa_procfs_fd_path(c->proc_root, tgid, (long)d->task.args[0], d->file, sizeof(d->file));
}

static void report(struct pa_collector *c, const struct pa_event_header *h, uint32_t tgid,
		   uint32_t tid, uint64_t ts_ns, uint64_t blocked_ns, const struct pa_dossier *d,
		   bool ended, bool hung)
{
	struct pa_proc *p = h ? pa_table_find_identity(&c->table, tgid, h->start_ns) :
				pa_table_find(&c->table, tgid);
	struct pa_report r = { .action = PA_ACT_STUCK, .ts_ns = ts_ns };

	if (!p)
		return;
	r.proc = p;
	r.parent = p->parent;
	r.parent_pid = p->ppid;
	r.stuck.tid = tid;
	r.stuck.blocked_ns = blocked_ns;
	r.stuck.ended = ended;
	r.stuck.hung_task = hung;
	if (d) {
		r.stuck.frames = d->frames;
		r.stuck.nr_frames = d->nr_frames;
		r.stuck.task = d->have_task ? &d->task : NULL;
		r.stuck.file = d->file[0] ? d->file : NULL;
	}
	pa_collector_dispatch(c, &r);
}

struct stuck_scan {
	struct pa_collector *c;
	uint64_t now_ns;
};

static void on_stuck(void *ctx, const struct pa_dthread *t)
{
	struct stuck_scan *s = ctx;
	static struct pa_dossier d; /* 4 KiB of frames: not on the stack */

	pa_input_gather(s->c, t->tgid, t->tid, t->stack_id, &d);
	report(s->c, NULL, t->tgid, t->tid, s->now_ns, s->now_ns - t->since_ns, &d, false, false);
}

/* Room to remember n marked pids; false if there is none (then every
 * process is cleared at the next scan). */
static bool room_for_marks(struct pa_collector *c, size_t n)
{
	uint32_t *grown;

	if (n <= c->dstate_marked_cap)
		return true;
	grown = realloc(c->dstate_marked, n * sizeof(*grown));
	if (!grown)
		return false;
	c->dstate_marked = grown;
	c->dstate_marked_cap = n;
	return true;
}

/* The last scan's counts cleared: only the processes it marked, unless
 * it could not remember them. */
static void clear_dstate(struct pa_collector *c)
{
	struct pa_proc *p, *tmp;

	if (c->dstate_marked_all) {
		pa_table_foreach(&c->table, p, tmp)
			p->dstate_threads = 0;
	}
	for (size_t i = 0; i < c->nr_dstate_marked; i++) {
		p = pa_table_find(&c->table, c->dstate_marked[i]);
		if (p)
			p->dstate_threads = 0;
	}
	c->nr_dstate_marked = 0;
	c->dstate_marked_all = false;
}

/* Which processes have threads in D now, for the tree: all of them,
 * however briefly blocked, not only the stuck ones. */
static void mark_dstate(struct pa_collector *c, const struct pa_dthread *d, size_t n)
{
	bool remember;
	struct pa_proc *p;

	clear_dstate(c);
	remember = room_for_marks(c, n);
	c->dstate_marked_all = !remember;
	for (size_t i = 0; i < n; i++) {
		p = pa_table_find(&c->table, d[i].tgid);
		if (!p || p->exited)
			continue;
		if (!p->dstate_threads && remember)
			c->dstate_marked[c->nr_dstate_marked++] = p->pid;
		if (!p->dstate_threads++ || d[i].since_ns < p->dstate_since_ns) {
			p->dstate_since_ns = d[i].since_ns;
			p->dstate_tid = d[i].tid;
			p->dstate_stack_id = d[i].stack_id;
		}
	}
}

void pa_collector_stuck_scan(struct pa_collector *c, const struct pa_dthread *d, size_t n,
			     uint64_t now_boot_ns)
{
	struct stuck_scan s = { .c = c, .now_ns = now_boot_ns };

	mark_dstate(c, d, n);
	pa_stuck_scan(&c->stuck, d, n, now_boot_ns, c->stuck_after_ns, on_stuck, &s);
}

void pa_collector_on_unstuck(struct pa_collector *c, const struct pa_unstuck_event *e)
{
	report(c, &e->hdr, e->hdr.tgid, e->hdr.pid, e->hdr.ts_ns, e->blocked_ns, NULL, true, false);
}

void pa_collector_on_hung(struct pa_collector *c, const struct pa_hung_event *e)
{
	static struct pa_dossier d;

	pa_input_gather(c, e->hdr.tgid, e->hdr.pid, -1, &d);
	report(c, &e->hdr, e->hdr.tgid, e->hdr.pid, e->hdr.ts_ns, 0, &d, false, true);
}
