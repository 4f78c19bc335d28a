// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent writing to files as a service does: size rotation into gzip
 * archives that concatenate back to the whole stream, SIGHUP reopening
 * the file logrotate moved away, and a full disk reported once, survived
 * without losing what was queued, and recovered from.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>

#include "harness.h"

#define RUN_TIMEOUT_MS 30000
#define ROTATE_SIZE (64 * 1024)
#define FORKS 400

static char tmpfs_dir[64];

static int teardown(void **state)
{
	h_teardown(state);
	if (tmpfs_dir[0]) {
		umount2(tmpfs_dir, MNT_DETACH);
		rmdir(tmpfs_dir);
		tmpfs_dir[0] = '\0';
	}
	return 0;
}

/* Append the whole of a gzip file to out; its uncompressed size, or -1. */
static long gunzip_append(const char *path, FILE *out)
{
	char buf[16384];
	gzFile gz = gzopen(path, "rb");
	long total = 0;
	int n;

	if (!gz)
		return -1;
	while ((n = gzread(gz, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, n, out);
		total += n;
	}
	gzclose(gz);
	return n < 0 ? -1 : total;
}

static void append_file(const char *path, FILE *out)
{
	char buf[16384];
	FILE *in = fopen(path, "r");
	size_t n;

	assert_non_null(in);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
}

static size_t count_forks_of(const struct h_events *e, long parent)
{
	size_t n = 0;

	for (size_t i = 0; i < e->n; i++) {
		if (!strcmp(h_str(e->ev[i], "event.action"), "fork") &&
		    h_int(e->ev[i], "process.parent.pid") == parent)
			n++;
	}
	return n;
}

static void test_rotated_archives_concatenate_to_the_stream(void **state)
{
	const char *args[] = { "--rotate-size", "64K", "--rotate-keep", "1000", NULL };
	char forks[16], path[160], joined[160], cmd[512];
	const char *bench[] = { h_build_path("tools/bench/forkbench"), "fork-exit", forks, NULL };
	FILE *out;
	int archives = 0;
	struct stat st;
	static struct h_run r;
	long forkbench_pid = 0;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	snprintf(forks, sizeof(forks), "%d", FORKS);
	assert_int_equal(h_agent_start(&agent, args), 0);
	assert_int_equal(h_run(&r, bench, -1, RUN_TIMEOUT_MS), 0);
	assert_int_equal(h_agent_stop(&agent), 0);

	/* Oldest first: FILE.N.gz ... FILE.1.gz, then FILE. */
	while (snprintf(path, sizeof(path), "%s.%d.gz", agent.out_path, archives + 1),
	       !stat(path, &st))
		archives++;
	assert_true(archives >= 3);
	snprintf(joined, sizeof(joined), "%s/joined.json", agent.dir);
	out = fopen(joined, "w");
	assert_non_null(out);
	for (int i = archives; i >= 1; i--) {
		long size;

		snprintf(path, sizeof(path), "%s.%d.gz", agent.out_path, i);
		size = gunzip_append(path, out);
		/* Whole lines under the limit, never a line cut in two. */
		assert_true(size > 0 && size <= ROTATE_SIZE);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0640);
	}
	append_file(agent.out_path, out);
	assert_int_equal(fclose(out), 0);

	/* Every line of the joined stream parses, and all the forks are there. */
	assert_int_equal(h_events_load(&events, joined), 0);
	assert_int_equal(events.bad, 0);
	for (size_t i = 0; i < events.n && !forkbench_pid; i++) {
		if (!strcmp(h_str(events.ev[i], "event.action"), "exec") &&
		    strstr(h_str(events.ev[i], "process.executable") ?: "", "forkbench"))
			forkbench_pid = h_int(events.ev[i], "process.pid");
	}
	assert_true(forkbench_pid > 0);
	assert_int_equal(count_forks_of(&events, forkbench_pid), FORKS);
	/* gzip itself reads our archives. */
	snprintf(cmd, sizeof(cmd), "%s.1.gz", agent.out_path);
	{
		const char *gz[] = { "/bin/gzip", "-t", cmd, NULL };

		h_run_ok(gz);
	}
}

static void test_sighup_reopens_a_moved_file(void **state)
{
	const char *exit7[] = { h_build_path("tools/scenarios/exit_code"), "7", NULL };
	char moved[160];
	static struct h_events old_events;
	struct stat st;
	long long deadline;
	long pid;
	static struct h_run r;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	assert_int_equal(h_agent_start(&agent, NULL), 0);
	/* logrotate's create mode: move the file away, then SIGHUP. */
	snprintf(moved, sizeof(moved), "%s.old", agent.out_path);
	assert_int_equal(rename(agent.out_path, moved), 0);
	assert_int_equal(kill(agent.pid, SIGHUP), 0);
	deadline = h_now_ms() + 5000;
	while (stat(agent.out_path, &st) && h_now_ms() < deadline)
		usleep(10000);
	assert_int_equal(stat(agent.out_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(h_run(&r, exit7, -1, RUN_TIMEOUT_MS), 0);
	pid = h_kv_long(r.out, "child", 0);
	assert_true(pid > 0);
	assert_true(h_wait_for_line(agent.out_path, "\"exit\"", "\"exit_code\":7", 5000));
	assert_int_equal(h_agent_stop(&agent), 0);
	/* The new file has the exit; the moved one does not. */
	assert_int_equal(h_events_load(&events, agent.out_path), 0);
	assert_non_null(h_find(&events, "exit", pid, 0));
	assert_int_equal(h_events_load(&old_events, moved), 0);
	assert_null(h_find(&old_events, "exit", pid, 0));
	h_events_free(&old_events);
}

static void test_full_disk_reported_once_then_resumes(void **state)
{
	const char *exit7[] = { h_build_path("tools/scenarios/exit_code"), "7", NULL };
	char out_path[128], filler[128], forks[] = "50";
	const char *bench[] = { h_build_path("tools/bench/forkbench"), "fork-exit", forks, NULL };
	const char *args[] = { "-o", out_path, NULL };
	static struct h_run r;
	FILE *f;
	long pid;
	const char *err;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	snprintf(tmpfs_dir, sizeof(tmpfs_dir), "/tmp/pa-tmpfs-XXXXXX");
	assert_non_null(mkdtemp(tmpfs_dir));
	/* Room for what queues while it is full: ~1.2 KiB a line since lines
	 * carry host, agent and process identity. */
	if (mount("pa-test", tmpfs_dir, "tmpfs", 0, "size=1m")) {
		print_message("SKIPPED: cannot mount a tmpfs: %s\n", strerror(errno));
		rmdir(tmpfs_dir);
		tmpfs_dir[0] = '\0';
		skip();
	}
	snprintf(out_path, sizeof(out_path), "%s/ev.json", tmpfs_dir);
	snprintf(filler, sizeof(filler), "%s/filler", tmpfs_dir);
	assert_int_equal(h_agent_start(&agent, args), 0);
	/* Fill the disk, then make events the agent cannot write. */
	f = fopen(filler, "w");
	assert_non_null(f);
	while (fputc('x', f) != EOF)
		;
	fclose(f);
	h_run_ok(bench);
	h_run_ok(bench);
	assert_true(h_wait_for_line(agent.err_path, "cannot write to", "No space left", 5000));
	/* Space again: what was queued is written, and then new events. */
	assert_int_equal(unlink(filler), 0);
	assert_int_equal(h_run(&r, exit7, -1, RUN_TIMEOUT_MS), 0);
	pid = h_kv_long(r.out, "child", 0);
	assert_true(pid > 0);
	assert_true(h_wait_for_line(out_path, "\"exit\"", "\"exit_code\":7", 5000));
	assert_int_equal(h_agent_stop(&agent), 0);
	err = h_agent_stderr(&agent);
	assert_int_equal(h_occurrences(err, "cannot write to"), 1);
	assert_int_equal(h_occurrences(err, "works again (0 bytes dropped"), 1);
	assert_int_equal(h_events_load(&events, out_path), 0);
	assert_int_equal(events.bad, 0);
	assert_non_null(h_find(&events, "exit", pid, 0));
	assert_true(h_count(&events, "fork", -1) >= 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_rotated_archives_concatenate_to_the_stream, teardown),
		cmocka_unit_test_teardown(test_sighup_reopens_a_moved_file, teardown),
		cmocka_unit_test_teardown(test_full_disk_reported_once_then_resumes, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
