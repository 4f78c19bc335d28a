// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "agent.skel.h"
#include "bpf_agent.h"
#include "log.h"
#include "pa_events.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || !pa_log_verbose())
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* How many arguments the kernel passes to a tracepoint, from its BTF
 * prototype (void *__data, args...); -1 when unknown.  Linux 6.16 gave
 * sched_process_exit a group_dead argument and 5.18 gave sched_switch
 * prev_state: reading an argument the kernel does not have fails
 * verification, so the programs are told before load. */
static int tracepoint_nr_args(const struct btf *btf, const char *tp)
{
	char name[128];
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return -1;
	t = btf__type_by_id(btf, id);       /* typedef */
	t = btf__type_by_id(btf, t->type);  /* pointer */
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, t->type);  /* function prototype */
	if (!t || !btf_is_func_proto(t))
		return -1;
	return btf_vlen(t) - 1;
}

static void probe_tracepoint_args(struct agent_bpf *skel)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf)
		return;
	skel->rodata->exit_has_group_dead = tracepoint_nr_args(btf, "sched_process_exit") >= 2;
	skel->rodata->switch_has_prev_state = tracepoint_nr_args(btf, "sched_switch") >= 4;
	/* Only kernels built with CONFIG_DETECT_HUNG_TASK have it. */
	if (tracepoint_nr_args(btf, "sched_process_hang") < 0)
		bpf_program__set_autoload(skel->progs.handle_hang, false);
	btf__free(btf);
}

static int check_environment(void)
{
	if (geteuid() != 0) {
		pa_err("must run as root (BPF programs need CAP_BPF and CAP_PERFMON): try sudo ptrace-agent");
		return -1;
	}
	if (access(VMLINUX_BTF, R_OK)) {
		pa_err("kernel has no BTF (%s missing); a kernel built with CONFIG_DEBUG_INFO_BTF=y is required",
		       VMLINUX_BTF);
		return -1;
	}
	return 0;
}

/* Bit sig - 1 of signals.bpf.c's signal_mask. */
#define SIGBIT(sig) (1ULL << ((sig) - 1))

/*
 * Which signals are sent to us when generated.  By default not those a
 * healthy busy box sends all the time: SIGCHLD at every exit, SIGWINCH,
 * SIGURG, SIGIO, interval timers, and the real-time range that glibc and
 * timers use; a signal that ends its target comes through regardless.
 * --signals wants them all, and their deliveries.
 */
static void set_signal_filter(struct agent_bpf *skel, const struct pa_config *cfg)
{
	uint64_t noisy = SIGBIT(SIGCHLD) | SIGBIT(SIGWINCH) | SIGBIT(SIGURG) | SIGBIT(SIGIO) |
			 SIGBIT(SIGALRM) | SIGBIT(SIGVTALRM) | SIGBIT(SIGPROF);

	for (int sig = 32; sig <= 64; sig++)
		noisy |= SIGBIT(sig);
	skel->rodata->signal_mask = cfg->signals_only ? ~0ULL : ~noisy;
	skel->rodata->signal_deliveries = cfg->signals_only;
}

static void set_tunables(struct agent_bpf *skel, const struct pa_config *cfg)
{
	int ncpus = libbpf_num_possible_cpus();

	skel->rodata->filter_by_pid = cfg->nr_pids > 0;
	/* Force a wake-up at a quarter full: the timer drains long before
	 * that unless a burst arrives, and then the reader must hurry. */
	skel->rodata->wakeup_bytes = cfg->ringbuf_bytes / 4;
	skel->rodata->args_max_bytes = cfg->max_args_bytes;
	skel->rodata->stuck_after_ns = cfg->stuck_after_ns;
	skel->rodata->all_transitions = cfg->transitions;
	probe_tracepoint_args(skel);
	bpf_map__set_max_entries(skel->maps.events, cfg->ringbuf_bytes);
	bpf_map__set_max_entries(skel->maps.exec_scratch, ncpus > 0 ? ncpus : 1);
	if (!cfg->nr_pids)
		bpf_map__set_max_entries(skel->maps.traced_tgids, 1);
	set_signal_filter(skel, cfg);
	skel->rodata->track_futex_waits = cfg->deadlocks;
	if (!cfg->deadlocks)
		bpf_map__set_max_entries(skel->maps.futex_waits, 1);
	/* A syscall tracepoint sends every syscall through the traced path. */
	if (!cfg->failed_execs)
		bpf_program__set_autoload(skel->progs.handle_exec_failed, false);
	/* Syscall statistics cost every syscall of the machine: only on request. */
	if (!cfg->syscalls) {
		bpf_program__set_autoload(skel->progs.handle_sys_enter, false);
		bpf_program__set_autoload(skel->progs.handle_sys_exit, false);
		bpf_map__set_max_entries(skel->maps.sys_stats, 1);
	}
}

int pa_bpf_start(struct pa_bpf *b, const struct pa_config *cfg, pa_record_fn fn, void *ctx)
{
	int err;

	memset(b, 0, sizeof(*b));
	libbpf_set_print(libbpf_print);
	if (check_environment())
		return -1;
	b->skel = agent_bpf__open();
	if (!b->skel) {
		pa_err("cannot open BPF programs: %s", strerror(errno));
		return -1;
	}
	set_tunables(b->skel, cfg);
	err = agent_bpf__load(b->skel);
	if (err) {
		pa_err("cannot load BPF programs: %s (run with --verbose for the verifier's log)",
		       strerror(-err));
		return -1;
	}
	err = agent_bpf__attach(b->skel);
	if (err) {
		pa_err("cannot attach to the scheduler tracepoints: %s (needs a kernel with tp_btf support, 5.5 or newer)",
		       strerror(-err));
		return -1;
	}
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), fn, ctx, NULL);
	if (!b->rb) {
		pa_err("cannot map the ring buffer: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int pa_bpf_follow(struct pa_bpf *b, uint32_t tgid)
{
	__u8 yes = 1;

	return bpf_map__update_elem(b->skel->maps.traced_tgids, &tgid, sizeof(tgid), &yes, sizeof(yes),
				    BPF_ANY);
}

int pa_bpf_epoll_fd(const struct pa_bpf *b)
{
	return ring_buffer__epoll_fd(b->rb);
}

int pa_bpf_drain(struct pa_bpf *b)
{
	return ring_buffer__consume(b->rb);
}

uint64_t pa_bpf_futex_overflow(const struct pa_bpf *b)
{
	return __atomic_load_n(&b->skel->bss->futex_overflow, __ATOMIC_RELAXED);
}

uint64_t pa_bpf_dstate_overflow(const struct pa_bpf *b)
{
	return __atomic_load_n(&b->skel->bss->dstate_overflow, __ATOMIC_RELAXED);
}

uint64_t pa_bpf_lost(const struct pa_bpf *b)
{
	return __atomic_load_n(&b->skel->bss->lost_events, __ATOMIC_RELAXED);
}

/* Destroying the skeleton detaches every program and frees the maps:
 * nothing stays attached after we exit. */
void pa_bpf_stop(struct pa_bpf *b)
{
	ring_buffer__free(b->rb);
	agent_bpf__destroy(b->skel);
	free(b->sys_buf);
	memset(b, 0, sizeof(*b));
}

int pa_bpf_read_dstate(struct pa_bpf *b, struct pa_dthread *out, size_t max)
{
	int fd = bpf_map__fd(b->skel->maps.dstate);
	__u32 key, next;
	size_t n = 0;
	int err;

	err = bpf_map_get_next_key(fd, NULL, &next);
	while (!err && n < max) {
		struct pa_dstate d;

		key = next;
		if (!bpf_map_lookup_elem(fd, &key, &d)) {
			out[n].tid = key;
			out[n].tgid = d.tgid;
			out[n].since_ns = d.since_ns;
			out[n].stack_id = d.stack_id;
			n++;
		}
		err = bpf_map_get_next_key(fd, &key, &next);
	}
	return (int)n;
}

int pa_bpf_read_futex_waits(struct pa_bpf *b, struct pa_futex_waiter *out, size_t max)
{
	int fd = bpf_map__fd(b->skel->maps.futex_waits);
	__u32 key, next;
	size_t n = 0;
	int err;

	err = bpf_map_get_next_key(fd, NULL, &next);
	while (!err && n < max) {
		key = next;
		if (!bpf_map_lookup_elem(fd, &key, &out[n].wait)) {
			out[n].tid = key;
			n++;
		}
		err = bpf_map_get_next_key(fd, &key, &next);
	}
	return (int)n;
}

void pa_bpf_forget_futex_wait(struct pa_bpf *b, uint32_t tid)
{
	bpf_map_delete_elem(bpf_map__fd(b->skel->maps.futex_waits), &tid);
}

int pa_bpf_read_stack(void *ctx, int32_t stack_id, uint64_t *ips, unsigned max)
{
	struct pa_bpf *b = ctx;
	__u64 frames[PA_STACK_DEPTH] = { 0 };
	__u32 id = stack_id;
	unsigned n = 0;

	if (stack_id < 0 || bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.stacks), &id, frames))
		return -1;
	for (; n < max && n < PA_STACK_DEPTH && frames[n]; n++)
		ips[n] = frames[n];
	return (int)n;
}

/* pidfd_open(2)'s flag for a thread that is not a group leader (Linux
 * 6.9); older kernels refuse it and only leaders can be named. */
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* Task storage is looked up from user space by a pidfd of the task. */
static int lookup_task_storage(int map_fd, uint32_t tid, void *value)
{
	int pidfd = syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	int err;

	if (pidfd < 0)
		pidfd = syscall(SYS_pidfd_open, tid, 0);
	if (pidfd < 0)
		return -errno;
	err = bpf_map_lookup_elem(map_fd, &pidfd, value) ? -errno : 0;
	close(pidfd);
	return err;
}

uint64_t pa_bpf_blocked_ns(void *ctx, uint32_t tid, uint64_t now_ns)
{
	struct pa_bpf *b = ctx;
	struct pa_task_sched ts;

	/* No entry: it never entered D while we traced. */
	if (lookup_task_storage(bpf_map__fd(b->skel->maps.sched_of), tid, &ts))
		return 0;
	if (ts.in_dstate && now_ns > ts.since_ns)
		return ts.blocked_ns + (now_ns - ts.since_ns);
	return ts.blocked_ns;
}

int pa_bpf_ended_times(struct pa_bpf *b, uint32_t pid, uint64_t times[PA_NR_TIMES])
{
	__u64 ended[PA_NR_TIMES];
	int err = lookup_task_storage(bpf_map__fd(b->skel->maps.ended_times), pid, ended);

	if (err)
		return err == -ENOENT ? 0 : err;
	for (int i = 0; i < PA_NR_TIMES; i++)
		times[i] += ended[i];
	return 0;
}

int pa_bpf_read_syscalls(struct pa_bpf *b, struct pa_sysstats *s)
{
	int fd = bpf_map__fd(b->skel->maps.sys_stats);
	int ncpus = libbpf_num_possible_cpus();
	struct pa_sys_key key, next;
	struct pa_sys_val *vals;
	size_t n = 0;
	int err;

	if (ncpus <= 0)
		return -EINVAL;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	err = bpf_map_get_next_key(fd, NULL, &next);
	while (!err) {
		key = next;
		if (!bpf_map_lookup_elem(fd, &key, vals)) {
			struct pa_sys_entry *e;

			if (n == b->sys_cap) {
				size_t cap = b->sys_cap ? 2 * b->sys_cap : 1024;

				e = realloc(b->sys_buf, cap * sizeof(*e));
				if (!e) {
					free(vals);
					return -ENOMEM;
				}
				b->sys_buf = e;
				b->sys_cap = cap;
			}
			e = &b->sys_buf[n++];
			e->key = key;
			e->val = pa_sys_sum_cpus(vals, ncpus);
		}
		err = bpf_map_get_next_key(fd, &key, &next);
	}
	free(vals);
	return pa_sysstats_update(s, b->sys_buf, n,
				  __atomic_load_n(&b->skel->bss->syscall_overflow, __ATOMIC_RELAXED)) ? -ENOMEM : 0;
}
