// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One thread, one epoll: the ring buffer, a signalfd, the terminal when
 * the live tree runs, and a timeout.
 *
 * The BPF side submits without waking us (BPF_RB_NO_WAKEUP): measured on
 * this project's machines, a wake-up per record costs ~15 µs of the traced
 * process's time, a silent submit ~0.4 µs.  So we drain on a short timer
 * and the kernel forces a wake-up only when the ring passes a quarter
 * full.  The timer bounds the delay an event can have to DRAIN_INTERVAL.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"
#include "event_loop.h"
#include "inputs.h"
#include "log.h"
#include "proc_locks.h"
#include "procfs.h"
#include "tui.h"

#define DRAIN_INTERVAL_MS 5
#define PROC_LOCKS "/proc/locks"
/* Lost-event checks, table expiry, tree redraws: once a second is enough
 * for a human and costs nothing. */
#define HOUSEKEEPING_NS 1000000000ULL

static int make_signalfd(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGHUP);
	sigaddset(mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, mask, NULL))
		return -1;
	return signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Report drops the kernel counted since the last call; true if any. */
static bool check_lost(struct pa_loop *l)
{
	uint64_t lost = pa_bpf_lost(l->bpf);

	if (lost == l->lost_seen)
		return false;
	pa_feed_lost(l->col, lost - l->lost_seen, pa_now_boot_ns());
	l->lost_seen = lost;
	return true;
}

/* Threads blocked at once that one scan looks at; the BPF map holds at
 * most 16384, and past a few thousand the box has bigger troubles. */
#define DSTATE_SCAN_MAX 4096

static void scan_stuck(struct pa_loop *l)
{
	static struct pa_dthread d[DSTATE_SCAN_MAX];
	int n = pa_bpf_read_dstate(l->bpf, d, DSTATE_SCAN_MAX);

	pa_feed_stuck_scan(l->col, d, n, pa_now_boot_ns());
}

/* The deadlock scan's callbacks; ctx is the loop. */
static void forget_futex_wait(void *ctx, uint32_t tid)
{
	pa_bpf_forget_futex_wait(((struct pa_loop *)ctx)->bpf, tid);
}

static void report_deadlock(void *ctx, const struct pa_deadlock_info *info, uint64_t now_ns)
{
	pa_collector_deadlock(((struct pa_loop *)ctx)->col, info, now_ns);
}

/* --deadlocks: the threads the kernel saw sleep on a lock, and the
 * blocked file-lock requests; an alert for each new cycle. */
static void scan_deadlocks(struct pa_loop *l)
{
	static struct pa_futex_waiter w[PA_DEADLOCK_MAX_EDGES];
	int n = pa_bpf_read_futex_waits(l->bpf, w, PA_DEADLOCK_MAX_EDGES);
	char *locks = NULL;
	size_t len = 0;

	if (pa_proc_locks_read(PROC_LOCKS, &locks, &len))
		locks = NULL; /* no file locks to look at; futexes still */
	pa_deadlock_scan(l->deadlocks, w, n > 0 ? (size_t)n : 0, locks, len, pa_now_boot_ns(),
			 report_deadlock, forget_futex_wait, l);
	free(locks);
}

/* --syscalls: read the kernel's counters and report each process, with
 * what is new since the last read (delta) or its totals (at exit, on
 * SIGUSR1).  Every read moves the start of the next delta. */
static void syscalls_summary(struct pa_loop *l, bool delta)
{
	const struct pa_config *cfg = l->cfg;
	uint64_t now = pa_now_boot_ns();
	uint64_t since = delta ? l->sys_last_ns : l->col->tracing_since_ns;
	int err = pa_bpf_read_syscalls(l->bpf, &l->sys);

	if (err) {
		if (!l->sys_failed)
			pa_err("cannot read the syscall statistics: %s", strerror(-err));
		l->sys_failed = true;
		return;
	}
	pa_collector_syscalls(l->col, &l->sys, delta, cfg->syscalls_sort, cfg->syscalls_top,
			      now > since ? now - since : 0, now);
	l->sys_last_ns = now;
}

static void housekeeping(struct pa_loop *l)
{
	/* Events are missing from the model: heal it from /proc.  (Not at
	 * the final check: a model about to be dropped needs no healing.) */
	if (check_lost(l))
		pa_feed_snapshot(l->col, true);
	scan_stuck(l);
	if (l->deadlocks)
		scan_deadlocks(l);
	pa_feed_tick(l->col, pa_now_boot_ns());
	if (l->cfg->syscalls && pa_now_boot_ns() >= l->sys_next_ns) {
		syscalls_summary(l, true);
		l->sys_next_ns = l->sys_last_ns + l->cfg->syscalls_every_ns;
	}
	pa_output_poll(l->out); /* a finished background compression */
	if (l->tui)
		pa_tui_tick(l->tui, pa_now_mono_ns(), l->lost_seen);
}

/* The signal that arrived, or 0. */
static int read_signal(int sfd)
{
	struct signalfd_siginfo si;

	return read(sfd, &si, sizeof(si)) == sizeof(si) ? (int)si.ssi_signo : 0;
}

/* SIGINT and SIGTERM stop us.  SIGHUP means "reopen your log file" to a
 * service (logrotate's convention), and "your terminal is gone" to the
 * live tree.  SIGUSR1 asks for the syscall totals now.  True to stop. */
static bool on_signal(struct pa_loop *l, int sig)
{
	if (!sig)
		return false;
	if (sig == SIGUSR1) {
		if (l->cfg->syscalls) {
			syscalls_summary(l, false);
			pa_output_flush(l->out);
		}
		return false;
	}
	if (sig != SIGHUP || l->tui)
		return true;
	pa_output_reopen(l->out);
	return false;
}

int pa_loop_run(struct pa_loop *l)
{
	struct epoll_event ev = { .events = EPOLLIN }, got[3];
	uint64_t deadline = l->cfg->duration_ns ? pa_now_mono_ns() + l->cfg->duration_ns : 0;
	uint64_t next_chore = pa_now_mono_ns();
	sigset_t mask;
	int sfd, efd, err = -1;
	bool stop = false;

	pa_sysstats_init(&l->sys);
	l->sys_last_ns = l->col->tracing_since_ns;
	l->sys_next_ns = l->sys_last_ns + l->cfg->syscalls_every_ns;
	sfd = make_signalfd(&mask);
	efd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || efd < 0) {
		pa_err("cannot set up the event loop: %s", strerror(errno));
		goto cleanup;
	}
	ev.data.fd = pa_bpf_epoll_fd(l->bpf);
	epoll_ctl(efd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	ev.data.fd = sfd;
	epoll_ctl(efd, EPOLL_CTL_ADD, sfd, &ev);
	if (l->tui) {
		ev.data.fd = STDIN_FILENO;
		epoll_ctl(efd, EPOLL_CTL_ADD, STDIN_FILENO, &ev);
	}

	while (!stop) {
		int n = epoll_wait(efd, got, 3, DRAIN_INTERVAL_MS);
		bool keys = n < 0; /* a terminal resize interrupts the wait */
		int drained;
		uint64_t now;

		if (n < 0 && errno != EINTR) {
			pa_err("event loop failed: %s", strerror(errno));
			goto cleanup;
		}
		for (int i = 0; i < n; i++) {
			if (got[i].data.fd == sfd && on_signal(l, read_signal(sfd)))
				stop = true;
			if (got[i].data.fd == STDIN_FILENO) {
				keys = true;
				/* The terminal went away (ssh dropped): nobody to show to. */
				if (got[i].events & (EPOLLHUP | EPOLLERR))
					stop = true;
			}
		}
		if (l->tui && keys)
			pa_tui_input(l->tui);
		drained = pa_bpf_drain(l->bpf);
		if (drained > 0 && l->tui)
			l->tui->dirty = true;
		else if (drained > 0)
			pa_output_flush(l->out);
		now = pa_now_mono_ns();
		if (l->syslog)
			pa_syslog_conn_poll(l->syslog, now);
		if (now >= next_chore) {
			housekeeping(l);
			pa_output_flush(l->out);
			next_chore = now + HOUSEKEEPING_NS;
		}
		if (l->tui) {
			pa_tui_draw(l->tui, now);
			stop |= l->tui->quit;
		}
		if (deadline && now >= deadline)
			stop = true;
		if (l->out->broken_pipe) /* nobody reads us any more */
			stop = true;
	}
	/* What the kernel submitted before we stopped is still ours to report. */
	pa_bpf_drain(l->bpf);
	check_lost(l);
	if (l->cfg->syscalls)
		syscalls_summary(l, false);
	pa_output_flush(l->out);
	err = 0;
cleanup:
	l->sys_overflow = l->sys.overflow;
	pa_sysstats_free(&l->sys);
	if (efd >= 0)
		close(efd);
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	return err;
}
