// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --record on the real agent and --replay of what it wrote: the replay
 * prints the bytes the live run printed (JSON and text, timestamps and
 * alerts included), shows the tree at a chosen moment, runs without root,
 * and refuses a damaged file with one line.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

#define RUN_TIMEOUT_MS 30000
#define NOBODY 65534

static char tape[128];

static int teardown(void **state)
{
	h_teardown(state);
	if (tape[0]) {
		unlink(tape);
		tape[0] = '\0';
	}
	return 0;
}

/* A live run (json or text) with zombies, a stuck thread, a fork storm and
 * exits, recorded; then the replay's output compared byte for byte. */
/* The replay wrote exactly what the live run did. */
static void check_same_bytes(const char *live_path, const char *replay_path)
{
	size_t live_len, replay_len;
	char *live = h_slurp(live_path, &live_len);
	char *replayed = h_slurp(replay_path, &replay_len);
	bool same = live_len == replay_len && !memcmp(live, replayed, live_len);

	free(live);
	free(replayed);
	if (!same)
		fail_msg("the replay differs from the live run (%zu vs %zu bytes)", live_len, replay_len);
}

static void check_replay_identical(bool json)
{
	const char *zombies[] = { h_build_path("tools/scenarios/zombie_parent"), "3", "2000", NULL };
	const char *vfork[] = { h_build_path("tools/scenarios/vfork_sleeper"), "1500", NULL };
	const char *storm[] = { h_build_path("tools/bench/forkbench"), "fork-exit", "300", NULL };
	const char *exit7[] = { h_build_path("tools/scenarios/exit_code"), "7", NULL };
	const char *args[] = { "--record", tape, "--zombie-after", "1s", "--stuck-after", "1s", NULL };
	char replay_out[160];
	static struct h_run r;
	size_t live_len;
	char *live;

	H_SKIP_WITHOUT_BPF();
	snprintf(tape, sizeof(tape), "/tmp/pa-replay-%d.pat", (int)getpid());
	assert_int_equal(h_agent_start_as(&agent, json, args), 0);
	h_run_ok(zombies);
	h_run_ok(vfork);
	h_run_ok(storm);
	assert_int_equal(h_run(&r, exit7, -1, RUN_TIMEOUT_MS), 0);
	/* The last exit is on the stream before we stop: the rest is too. */
	assert_true(h_wait_for_line(agent.out_path, json ? "\"exit_code\":7" : " 7", NULL, 5000));
	assert_int_equal(h_agent_stop(&agent), 0);

	snprintf(replay_out, sizeof(replay_out), "%s/replay.out", agent.dir);
	{
		const char *replay[] = { h_build_path("ptrace-agent"), json ? "--json" : "--replay",
					 json ? "--replay" : tape, json ? tape : "-o",
					 json ? "-o" : replay_out, json ? replay_out : NULL, NULL };

		h_run_ok(replay);
	}
	live = h_slurp(agent.out_path, &live_len);
	assert_true(live_len > 10000);
	assert_non_null(strstr(live, json ? "\"action\":\"zombie\"" : "zombie"));
	assert_non_null(strstr(live, json ? "\"action\":\"stuck\"" : "stuck"));
	free(live);
	check_same_bytes(agent.out_path, replay_out);
}

static void test_json_replay_is_byte_identical(void **state)
{
	(void)state;
	check_replay_identical(true);
}

static void test_text_replay_is_byte_identical(void **state)
{
	(void)state;
	check_replay_identical(false);
}

/* A --signals recording replays as it printed: only signal events, the
 * same bytes (the file says it was recorded with --signals). */
static void test_signals_replay_is_byte_identical(void **state)
{
	const char *storm[] = { h_build_path("tools/scenarios/signal_storm"), "300", NULL };
	const char *hangup[] = { h_build_path("tools/scenarios/sighup_nohup"), NULL };
	const char *args[] = { "--signals", "--record", tape, NULL };
	char replay_out[160];
	char *live;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	snprintf(tape, sizeof(tape), "/tmp/pa-replay-%d.pat", (int)getpid());
	assert_int_equal(h_agent_start(&agent, args), 0);
	h_run_ok(storm);
	h_run_ok(hangup);
	assert_int_equal(h_agent_stop(&agent), 0);
	snprintf(replay_out, sizeof(replay_out), "%s/replay.out", agent.dir);
	{
		const char *replay[] = { h_build_path("ptrace-agent"), "--json", "--replay", tape,
					 "-o", replay_out, NULL };

		h_run_ok(replay);
	}
	live = h_slurp(agent.out_path, NULL);
	assert_true(h_occurrences(live, "\"action\":\"signal\"") >= 300);
	assert_null(strstr(live, "\"action\":\"fork\""));
	free(live);
	check_same_bytes(agent.out_path, replay_out);
}

/* The tree at a moment of the recording: the zombies held then, under
 * their parent; a non-root user can do it; a cut file is one clear line. */
static void test_tree_at_a_moment_without_root(void **state)
{
	const char *zombies[] = { h_build_path("tools/scenarios/zombie_parent"), "2", "3000", NULL };
	const char *args[] = { "--record", tape, NULL };
	char cut[160], parent_line[64];
	static struct h_run r, z;
	size_t len;
	char *data;
	long parent;
	FILE *f;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	snprintf(tape, sizeof(tape), "/tmp/pa-replay-%d.pat", (int)getpid());
	assert_int_equal(h_agent_start(&agent, args), 0);
	assert_int_equal(h_run(&z, zombies, -1, RUN_TIMEOUT_MS), 0);
	assert_int_equal(h_agent_stop(&agent), 0);
	parent = h_kv_long(z.out, "parent", 0);
	assert_true(parent > 0);
	chmod(tape, 0644);
	{
		/* 1.5 s in: the zombie maker has run for a while, not yet reaped. */
		const char *at[] = { h_build_path("ptrace-agent"), "--replay", tape, "--tree", "--at",
				     "+1.5s", NULL };

		assert_true(h_run(&r, at, NOBODY, RUN_TIMEOUT_MS) >= 0);
	}
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status))
		fail_msg("replay as nobody failed: %s", r.err);
	snprintf(parent_line, sizeof(parent_line), "zombie_parent,%ld ", parent);
	assert_non_null(strstr(r.out, parent_line));
	assert_non_null(strstr(r.out, "zombie_parent,"));
	assert_true(strstr(r.out, " Z ") != NULL);

	/* A cut copy: one line saying what is wrong, exit 1. */
	data = h_slurp(tape, &len);
	snprintf(cut, sizeof(cut), "%s.cut", tape);
	f = fopen(cut, "w");
	fwrite(data, 1, len / 2, f);
	fclose(f);
	free(data);
	{
		const char *bad[] = { h_build_path("ptrace-agent"), "--replay", cut, "--json", NULL };

		assert_true(h_run(&r, bad, -1, RUN_TIMEOUT_MS) >= 0);
	}
	unlink(cut);
	assert_int_equal(WEXITSTATUS(r.status), 1);
	assert_int_equal(h_lines(r.err), 1);
	assert_non_null(strstr(r.err, "cannot replay"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_json_replay_is_byte_identical, teardown),
		cmocka_unit_test_teardown(test_text_replay_is_byte_identical, teardown),
		cmocka_unit_test_teardown(test_signals_replay_is_byte_identical, teardown),
		cmocka_unit_test_teardown(test_tree_at_a_moment_without_root, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
