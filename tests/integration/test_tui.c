// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live tree in a real terminal: `ptrace-agent --tree` runs inside tmux
 * (on a private server socket), keys go in with send-keys, the screen
 * comes back with capture-pane -e, escape sequences included, so colours
 * are asserted as a terminal would show them.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

#define TMUX "/usr/bin/tmux"
#define WAIT_MS 10000
/* SGR foreground colours as tmux writes them back. */
#define FG_DEFAULT 39
#define FG_RED 31
#define FG_YELLOW 33

static char socket_name[32];
static struct h_held zombies, vforker;

/* A line of the screen: its text without escapes, and the foreground
 * colour in effect at its first character. */
struct screen_line {
	char text[512];
	int fg;
};

struct screen {
	struct screen_line line[128];
	int n;
	char raw[1 << 16];
};

static int tmux(struct h_run *r, const char *const args[])
{
	const char *argv[24] = { TMUX, "-L", socket_name };
	int n = 3;

	for (int i = 0; args[i] && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return h_run(r, argv, -1, 5000);
}

/* Foreground colour after an SGR sequence's parameters ("0;1", "31", "38;5;9"). */
static int apply_sgr(int fg, const char *params, size_t len)
{
	char buf[64];
	char *save, *tok;

	if (len >= sizeof(buf))
		return fg;
	memcpy(buf, params, len);
	buf[len] = '\0';
	if (!len)
		return FG_DEFAULT;
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		int v = atoi(tok);

		if (v == 0 || v == 39)
			fg = FG_DEFAULT;
		else if ((v >= 30 && v <= 37) || (v >= 90 && v <= 97))
			fg = v;
		else if (v == 38)
			return fg; /* 256-colour forms are not ours */
	}
	return fg;
}

/* capture-pane -e output into lines of text with their colour. */
static void parse_screen(struct screen *s)
{
	const char *p = s->raw;
	int fg = FG_DEFAULT;

	s->n = 0;
	while (*p && s->n < (int)(sizeof(s->line) / sizeof(s->line[0]))) {
		struct screen_line *l = &s->line[s->n];
		size_t len = 0;
		bool started = false;

		for (; *p && *p != '\n'; p++) {
			if (*p == '\033' && p[1] == '[') {
				const char *end = p + 2;

				while (*end && ((*end >= '0' && *end <= '9') || *end == ';'))
					end++;
				if (*end == 'm')
					fg = apply_sgr(fg, p + 2, end - p - 2);
				p = *end ? end : end - 1;
				continue;
			}
			if (!started && *p != ' ') {
				l->fg = fg;
				started = true;
			}
			if (len < sizeof(l->text) - 1)
				l->text[len++] = *p;
		}
		if (!started)
			l->fg = fg;
		l->text[len] = '\0';
		s->n++;
		if (*p == '\n')
			p++;
	}
}

static void capture(struct screen *s)
{
	const char *args[] = { "capture-pane", "-p", "-e", "-t", "pa", NULL };
	struct h_run r;

	s->raw[0] = '\0';
	s->n = 0;
	if (tmux(&r, args) == 0 && WIFEXITED(r.status) && !WEXITSTATUS(r.status)) {
		snprintf(s->raw, sizeof(s->raw), "%s", r.out);
		parse_screen(s);
	}
}

/* The screen line whose PID column is pid; -1 if none. */
static int row_of(const struct screen *s, long pid)
{
	char want[16];

	snprintf(want, sizeof(want), "%ld ", pid);
	for (int i = 0; i < s->n; i++) {
		const char *t = s->line[i].text;

		while (*t == ' ')
			t++;
		if (!strncmp(t, want, strlen(want)))
			return i;
	}
	return -1;
}

/* The state letter: the column after the pid. */
static char state_of(const struct screen *s, int row)
{
	const char *t = s->line[row].text;

	while (*t == ' ')
		t++;
	t = strchr(t, ' ');
	return t ? t[1] : '?';
}

/* Where the command starts: the tree's indentation shows in this offset. */
static size_t command_column(const struct screen *s, int row, const char *needle)
{
	const char *hit = strstr(s->line[row].text, needle);

	return hit ? (size_t)(hit - s->line[row].text) : 0;
}

static bool screen_has(const struct screen *s, const char *needle)
{
	for (int i = 0; i < s->n; i++) {
		if (strstr(s->line[i].text, needle))
			return true;
	}
	return false;
}

/* tmux comes with `make test`: its absence is a failure, not a skip. */
static void need_tmux(void)
{
	if (access(TMUX, X_OK))
		fail_msg("no %s: `make test` installs the tmux package", TMUX);
}

static int start_agent(const char *cmd)
{
	const char *args[] = { "new-session", "-d", "-s", "pa", "-x", "160", "-y", "40", cmd, NULL };
	static struct screen s;
	struct h_run r;
	long long deadline = h_now_ms() + WAIT_MS;

	if (tmux(&r, args) || !WIFEXITED(r.status) || WEXITSTATUS(r.status)) {
		print_error("tmux new-session failed: %s\n", r.err);
		return -1;
	}
	/* Ready when the column titles are drawn. */
	while (h_now_ms() < deadline) {
		capture(&s);
		if (screen_has(&s, "PID S USER"))
			return 0;
		usleep(100 * 1000);
	}
	print_error("the tree never showed up:\n%s\n", s.raw);
	return -1;
}

static int setup(void **state)
{
	static int nth;

	(void)state;
	/* A server per test: one being killed cannot refuse the next. */
	snprintf(socket_name, sizeof(socket_name), "pa-test-%d-%d", (int)getpid(), ++nth);
	return 0;
}

static int teardown(void **state)
{
	const char *args[] = { "kill-server", NULL };
	struct h_run r;

	(void)state;
	tmux(&r, args);
	h_held_kill(&zombies);
	h_held_kill(&vforker);
	return 0;
}

static void test_tree_shows_zombies_red_and_d_state_yellow(void **state)
{
	const char *zargv[] = { h_build_path("tools/scenarios/zombie_parent"), "2", "8000", NULL };
	const char *vargv[] = { h_build_path("tools/scenarios/vfork_sleeper"), "8000", NULL };
	static struct screen s;
	char cmd[512];
	long long deadline;
	long zombie = 0;
	int zrow = -1, prow = -1, vrow = -1;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	need_tmux();
	assert_int_equal(h_held_spawn(&zombies, zargv), 0);
	assert_int_equal(h_held_spawn(&vforker, vargv), 0);
	snprintf(cmd, sizeof(cmd), "%s --tree -p %d -p %d; echo PA-EXIT=$?; sleep 60",
		 h_build_path("ptrace-agent"), (int)zombies.pid, (int)vforker.pid);
	assert_int_equal(start_agent(cmd), 0);
	/* Both begin once the agent watches: the D block starts after it. */
	h_held_release(&zombies);
	h_held_release(&vforker);

	deadline = h_now_ms() + WAIT_MS;
	while (h_now_ms() < deadline) {
		usleep(200 * 1000);
		capture(&s);
		prow = row_of(&s, zombies.pid);
		vrow = row_of(&s, vforker.pid);
		zrow = -1;
		for (int i = prow + 1; prow >= 0 && i < s.n; i++) {
			if (strstr(s.line[i].text, "zombie ") && state_of(&s, i) == 'Z' &&
			    s.line[i].fg == FG_RED) {
				zrow = i;
				break;
			}
		}
		if (zrow >= 0 && vrow >= 0 && s.line[vrow].fg == FG_YELLOW)
			break;
	}
	if (zrow < 0 || vrow < 0 || s.line[vrow].fg != FG_YELLOW)
		print_error("screen:\n%s\n", s.raw);
	/* The zombie, red, under its parent, one level deeper. */
	assert_true(prow >= 0);
	assert_true(zrow > prow);
	sscanf(s.line[zrow].text, " %ld", &zombie);
	assert_true(zombie > zombies.pid);
	assert_true(command_column(&s, zrow, "zombie_parent") >
		    command_column(&s, prow, "zombie_parent"));
	assert_true(strstr(s.line[zrow].text, "zombie ") != NULL);
	/* The vfork parent waits in D for its child, drawn yellow with how long. */
	assert_true(vrow >= 0);
	assert_int_equal(state_of(&s, vrow), 'D');
	assert_int_equal(s.line[vrow].fg, FG_YELLOW);
	assert_true(strstr(s.line[vrow].text, " D ") != NULL);
}

/* Stop the view one way (a key, or a signal to the agent) and check the
 * shell gets back a normal screen with the given exit status. */
static void check_terminal_restored(const char *key, int sig, const char *want_exit)
{
	const char *keys[] = { "send-keys", "-t", "pa", key, NULL };
	const char *alt[] = { "display-message", "-p", "-t", "pa", "#{alternate_on}", NULL };
	static struct screen s;
	struct h_run r;
	char cmd[512];
	long long deadline;

	H_SKIP_WITHOUT_BPF();
	need_tmux();
	/* bash -c runs the agent as a child, so the shell survives to say how it ended. */
	snprintf(cmd, sizeof(cmd), "bash -c '%s --tree; echo PA-EXIT=$?'; sleep 60", h_build_path("ptrace-agent"));
	assert_int_equal(start_agent(cmd), 0);
	assert_int_equal(tmux(&r, alt), 0);
	assert_int_equal(atoi(r.out), 1); /* the tree draws on the alternate screen */
	if (key) {
		assert_int_equal(tmux(&r, keys), 0);
	} else {
		char pgrep_pattern[300];
		const char *pgrep[] = { "/usr/bin/pgrep", "-f", pgrep_pattern, NULL };

		snprintf(pgrep_pattern, sizeof(pgrep_pattern), "^%s --tree$", h_build_path("ptrace-agent"));
		assert_int_equal(h_run(&r, pgrep, -1, 5000), 0);
		assert_true(atoi(r.out) > 0);
		assert_int_equal(kill(atoi(r.out), sig), 0);
	}
	deadline = h_now_ms() + WAIT_MS;
	do {
		usleep(100 * 1000);
		capture(&s);
	/* Not just "PA-EXIT=": the tree may show the tmux command holding it. */
	} while (!screen_has(&s, want_exit) && h_now_ms() < deadline);
	if (!screen_has(&s, want_exit))
		print_error("screen:\n%s\n", s.raw);
	assert_true(screen_has(&s, want_exit));
	/* Back on the normal screen, no tree left on it. */
	assert_int_equal(tmux(&r, alt), 0);
	assert_int_equal(atoi(r.out), 0);
	assert_false(screen_has(&s, "PID S USER"));
}

static void test_q_restores_the_terminal(void **state)
{
	static struct screen s;

	(void)state;
	check_terminal_restored("q", 0, "PA-EXIT=0");
	capture(&s);
	assert_true(screen_has(&s, "stopped after")); /* the exit summary */
}

static void test_sigterm_restores_the_terminal(void **state)
{
	(void)state;
	check_terminal_restored(NULL, SIGTERM, "PA-EXIT=0");
}

/* A crash must not leave the terminal on the alternate screen. */
static void test_crash_restores_the_terminal(void **state)
{
	(void)state;
	check_terminal_restored(NULL, SIGSEGV, "PA-EXIT=139");
}

/* A smaller terminal: the view redraws to it (no line wider than the
 * pane, the key hints on its last line). */
static void test_adapts_to_resize(void **state)
{
	const char *resize[] = { "resize-window", "-t", "pa", "-x", "90", "-y", "20", NULL };
	static struct screen s;
	struct h_run r;
	char cmd[512];
	long long deadline;
	bool ok = false;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	need_tmux();
	snprintf(cmd, sizeof(cmd), "%s --tree; sleep 60", h_build_path("ptrace-agent"));
	assert_int_equal(start_agent(cmd), 0);
	assert_int_equal(tmux(&r, resize), 0);
	deadline = h_now_ms() + WAIT_MS;
	while (!ok && h_now_ms() < deadline) {
		usleep(200 * 1000);
		capture(&s);
		ok = s.n == 20 && strstr(s.line[19].text, "? help") && strstr(s.line[1].text, "PID S USER");
		for (int i = 0; ok && i < s.n; i++)
			ok = strlen(s.line[i].text) <= 90 * 3; /* bytes: box-drawing is 3 a column */
	}
	if (!ok)
		print_error("screen after resize:\n%s\n", s.raw);
	assert_true(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tree_shows_zombies_red_and_d_state_yellow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_q_restores_the_terminal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_restores_the_terminal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_restores_the_terminal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adapts_to_resize, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
