// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ptrace-agent: parse, set up the model and the sinks, load BPF, run the loop, report. */
#include <errno.h>
#include <locale.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "agent.h"
#include "bpf_agent.h"
#include "clock.h"
#include "collector.h"
#include "config.h"
#include "event_loop.h"
#include "host_info.h"
#include "inputs.h"
#include "redact.h"
#include "log.h"
#include "output.h"
#include "sink_syslog.h"
#include "procfs.h"
#include "tree.h"
#include "tui.h"

#define EXIT_USAGE 2


static bool utf8_locale(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && !strcmp(cs, "UTF-8");
}

/* --pid subtrees were selected (now, or in a recorded run). */
static bool any_followed(const struct pa_table *t)
{
	struct pa_proc *p, *tmp;

	pa_table_foreach(t, p, tmp) {
		if (p->followed)
			return true;
	}
	return false;
}

int pa_agent_print_tree(struct agent *a)
{
	struct pa_tree_opts o = { .followed_only = any_followed(&a->col.table),
				  .unicode = utf8_locale() };
	struct winsize ws;
	struct strbuf sb;
	int err;

	if (isatty(a->out.fd) && !ioctl(a->out.fd, TIOCGWINSZ, &ws) && ws.ws_col)
		o.width = ws.ws_col;
	sb_init(&sb);
	err = pa_tree_render(&a->col.table, &o, &sb);
	if (!err && !sb.failed)
		pa_output_write(&a->out, sb.buf, sb.len);
	sb_free(&sb);
	if (err || pa_output_flush(&a->out))
		return -1;
	return 0;
}

/* Mark the --pid subtrees in the table; -1 if a pid does not exist. */
static int follow_requested(struct agent *a)
{
	for (unsigned i = 0; i < a->cfg.nr_pids; i++) {
		if (pa_feed_follow(&a->col, a->cfg.pids[i])) {
			pa_err("no process with pid %u (--pid)", a->cfg.pids[i]);
			return -1;
		}
	}
	return 0;
}

/* Hand the followed processes to the kernel filter.  A fork between our
 * /proc read and the map update would be missed, so read /proc again
 * until it shows no followed process the filter does not have yet. */
static int follow_in_kernel(struct agent *a)
{
	for (int round = 0; round < 5; round++) {
		struct pa_proc *p, *tmp;
		unsigned added = 0;

		pa_table_foreach(&a->col.table, p, tmp) {
			/* A zombie still has its reap to report. */
			if (!p->followed || p->reaped || p->in_kernel_filter)
				continue;
			if (pa_bpf_follow(&a->bpf, p->pid)) {
				pa_err("cannot add pid %u to the kernel filter: %s", p->pid, strerror(errno));
				return -1;
			}
			p->in_kernel_filter = true;
			added++;
		}
		if (!added)
			return 0;
		pa_feed_snapshot(&a->col, false);
		if (follow_requested(a))
			return -1;
	}
	return 0;
}

static int event_record(void *ctx, void *data, size_t size)
{
	pa_feed_raw(ctx, data, size);
	return 0;
}

int pa_agent_add_sinks(struct agent *a)
{
	struct pa_sink *s = NULL;
	char msg[256];

	if (a->cfg.mode != PA_MODE_TREE) {
		s = a->cfg.json ? pa_sink_json_new(&a->env, &a->out) : pa_sink_text_new(&a->env, &a->out);
		if (pa_collector_add_sink(&a->col, s)) {
			pa_err("out of memory");
			return -1;
		}
	}
	if (!a->cfg.syslog_url)
		return 0;
	a->syslog = pa_syslog_conn_new(a->cfg.syslog_url, NULL, msg, sizeof(msg));
	if (!a->syslog) {
		pa_err("%s", msg);
		return -1;
	}
	if (pa_collector_add_sink(&a->col, pa_sink_syslog_new(&a->env, a->syslog))) {
		pa_err("out of memory");
		return -1;
	}
	return 0;
}

/* --record: the header holds what a replay needs to print the same bytes. */
static int start_recording(struct agent *a)
{
	struct pa_tape_header h = {
		.abi = PA_ABI_VERSION,
		.boot_to_wall_ns = a->clock.boot_to_wall_ns,
		.tracing_since_ns = a->col.tracing_since_ns,
		.zombie_after_ns = a->col.zombie_after_ns,
		.stuck_after_ns = a->col.stuck_after_ns,
		.flags = (a->col.all_transitions ? PA_TAPE_F_TRANSITIONS : 0) |
			 (a->col.pid_filtered ? PA_TAPE_F_PID_FILTER : 0) |
			 (a->col.signals_only ? PA_TAPE_F_SIGNALS_ONLY : 0),
	};
	char msg[300];

	snprintf(h.boot_id, sizeof(h.boot_id), "%s", a->boot_id);
	snprintf(h.hostname, sizeof(h.hostname), "%s", a->hostname);
	h.host = *pa_host_info();
	a->tape = pa_tape_create(a->cfg.record, &h, msg, sizeof(msg));
	if (!a->tape) {
		pa_err("%s", msg);
		return -1;
	}
	pa_inputs_record(&a->col, a->tape);
	return 0;
}

static void stop_recording(struct agent *a)
{
	const char *why;

	if (!a->tape)
		return;
	why = pa_tape_error(a->tape);
	if (pa_tape_close(a->tape) || why)
		pa_err("the record file %s is incomplete: %s", a->cfg.record, why ? why : "cannot finish writing it");
	a->tape = NULL;
	a->col.tape = NULL;
}

static void print_summary(struct agent *a, struct pa_loop *l, uint64_t started)
{
	char span[32];

	pa_format_span(span, sizeof(span), pa_now_mono_ns() - started);
	pa_err("stopped after %s: %llu events, %llu lost in the kernel, %llu malformed, %llu bytes of output dropped, %llu D-state blocks not followed (map full)",
	       span, (unsigned long long)a->col.nr_records, (unsigned long long)l->lost_seen,
	       (unsigned long long)a->col.nr_bad, (unsigned long long)a->out.bytes_dropped,
	       (unsigned long long)pa_bpf_dstate_overflow(&a->bpf));
	if (l->deadlocks)
		pa_err("deadlock scans: %llu cycles reported, %llu futex waits not noted (map full of %d threads)",
		       (unsigned long long)l->deadlocks->reported,
		       (unsigned long long)pa_bpf_futex_overflow(&a->bpf), PA_MAX_FUTEX_WAITS);
	if (a->cfg.syscalls && l->sys_overflow)
		pa_err("%llu syscalls not counted: the statistics map was full (65536 process/syscall pairs)",
		       (unsigned long long)l->sys_overflow);
}

static int trace(struct agent *a)
{
	struct pa_loop loop = { .bpf = &a->bpf, .col = &a->col, .out = &a->out, .cfg = &a->cfg };
	static struct pa_deadlock_detector deadlocks;
	static struct pa_tui tui;
	bool live_tree = a->cfg.mode == PA_MODE_TREE;
	uint64_t started;
	int err = 1;

	if (pa_agent_add_sinks(a))
		return 1;
	loop.syslog = a->syslog;
	if (a->cfg.deadlocks) {
		if (pa_deadlock_detector_init(&deadlocks, PROC_ROOT)) {
			pa_err("out of memory");
			return 1;
		}
		loop.deadlocks = &deadlocks;
	}
	a->col.tracing_since_ns = pa_now_boot_ns();
	if (pa_bpf_start(&a->bpf, &a->cfg, event_record, &a->col))
		goto cleanup;
	if (a->cfg.record && start_recording(a))
		goto cleanup;
	/* Attach first, then read /proc: a process started in between is
	 * seen twice (harmless), never missed. */
	pa_feed_snapshot(&a->col, false);
	pa_feed_snapshot_zombies(&a->col, pa_now_boot_ns());
	if (follow_requested(a) || (a->cfg.nr_pids && follow_in_kernel(a)))
		goto cleanup;
	pa_err("tracing: %u processes in the table%s; Ctrl-C to stop", a->col.table.nr_live,
	       a->cfg.nr_pids ? " (following --pid subtrees)" : "");
	if (live_tree) {
		if (pa_tui_start(&tui, &a->col, &a->bpf, &a->clock, &a->cfg))
			goto cleanup;
		loop.tui = &tui;
	}
	started = pa_now_mono_ns();
	if (pa_loop_run(&loop))
		goto cleanup;
	pa_tui_stop(&tui);
	print_summary(a, &loop, started);
	err = 0;
cleanup:
	pa_tui_stop(&tui);
	pa_bpf_stop(&a->bpf);
	stop_recording(a);
	if (loop.deadlocks)
		pa_deadlock_detector_free(loop.deadlocks);
	return err;
}

static int run(struct agent *a)
{
	int err;

	err = pa_output_open(&a->out, a->cfg.output);
	if (err) {
		pa_err("cannot open output %s: %s", a->cfg.output, strerror(-err));
		return 1;
	}
	if (a->cfg.rotate_bytes) {
		err = pa_output_set_rotation(&a->out, a->cfg.rotate_bytes, a->cfg.rotate_keep);
		if (err) {
			pa_err("cannot rotate %s: %s", a->cfg.output, strerror(-err));
			pa_output_close(&a->out);
			return 1;
		}
	}
	if (gethostname(a->hostname, sizeof(a->hostname)))
		snprintf(a->hostname, sizeof(a->hostname), "localhost");
	if (pa_procfs_read_boot_id(PROC_ROOT, a->boot_id, sizeof(a->boot_id)))
		a->boot_id[0] = '\0';
	pa_clock_init(&a->clock);
	a->env.clock = &a->clock;
	a->env.hostname = a->hostname;
	pa_collector_init(&a->col, a->boot_id, PROC_ROOT);
	a->col.zombie_after_ns = a->cfg.zombie_after_ns;
	a->col.stuck_after_ns = a->cfg.stuck_after_ns;
	a->col.all_transitions = a->cfg.transitions;
	a->col.signals_only = a->cfg.signals_only;
	a->col.pid_filtered = a->cfg.nr_pids > 0;
	a->col.read_stack = pa_bpf_read_stack;
	a->col.read_stack_ctx = &a->bpf;

	if (a->cfg.replay) {
		err = pa_agent_replay(a);
	} else if (a->cfg.mode == PA_MODE_TREE && (a->cfg.once || !isatty(a->out.fd))) {
		err = pa_procfs_snapshot(&a->col.table, PROC_ROOT) < 0 || follow_requested(a) ||
		      pa_agent_print_tree(a);
		if (err && !a->out.last_errno)
			pa_err("cannot read %s", PROC_ROOT);
	} else {
		err = trace(a);
	}
	pa_collector_free(&a->col);
	pa_syslog_conn_close(a->syslog, PA_SYSLOG_CLOSE_FLUSH_MS);
	pa_output_close(&a->out);
	pa_redact_free(pa_redact_default());
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	static struct agent a;
	char msg[256];

	setlocale(LC_CTYPE, "");
	if (pa_cli_parse(argc, argv, &a.cfg, msg, sizeof(msg))) {
		pa_err("%s", msg);
		return EXIT_USAGE;
	}
	if (a.cfg.help) {
		fputs(pa_usage, stdout);
		return 0;
	}
	if (a.cfg.version) {
		printf("ptrace-agent %s (event ABI %d)\n", PA_VERSION, PA_ABI_VERSION);
		return 0;
	}
	pa_log_set_verbose(a.cfg.verbose);
	/* Before anything reads argv: the /proc snapshot and the first exec. */
	if (a.cfg.no_redact)
		pa_redact_disable(pa_redact_default());
	for (unsigned i = 0; i < a.cfg.nr_redact; i++)
		pa_redact_add(pa_redact_default(), a.cfg.redact[i]);
	/* A closed pipe is an error from write(2), handled per sink, not a kill. */
	signal(SIGPIPE, SIG_IGN);
	return run(&a);
}
