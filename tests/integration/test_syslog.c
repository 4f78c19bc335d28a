// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --syslog against a real rsyslogd: it must parse what the agent sends as
 * RFC 5424 (its own parser, not ours), each message's MSG must be the JSON
 * object the agent wrote to its JSON stream, and a receiver that is down at
 * first costs one line on stderr, no events, and no other sink's output.
 *
 * rsyslogd runs unprivileged-style from a temp dir: its own config, no
 * /dev/log, a unix socket and a TCP port of ours, and a template that
 * writes the fields it parsed, MSG last.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

#define RSYSLOGD "/usr/sbin/rsyslogd"
#define READY_MS 10000
/* The agent retries at most every 5 s (PA_SYSLOG_BACKOFF_MAX_NS). */
#define DELIVERY_MS 20000
#define RUN_TIMEOUT_MS 30000
#define MAX_LINES 256

struct rsys {
	pid_t pid;
	char dir[64];
	char conf[96], out[96], sock[96], pidfile[96];
	int port;      /* TCP */
	int udp_port;
};

static struct rsys rsys;
static pid_t agent_pid; /* PROCID; agent.pid is cleared when it stops */

/* A TCP or UDP port nobody uses now (a small race, but on a test machine). */
static int free_port(int type)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, type, 0), port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void rsys_prepare(struct rsys *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/pa-rsyslog-XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->conf, sizeof(r->conf), "%s/rsyslog.conf", r->dir);
	snprintf(r->out, sizeof(r->out), "%s/out.log", r->dir);
	snprintf(r->sock, sizeof(r->sock), "%s/log.sock", r->dir);
	snprintf(r->pidfile, sizeof(r->pidfile), "%s/rsyslogd.pid", r->dir);
	r->port = free_port(SOCK_STREAM);
	r->udp_port = free_port(SOCK_DGRAM);
}

static bool tcp_accepts(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = fd >= 0 && !connect(fd, (struct sockaddr *)&sin, sizeof(sin));

	if (fd >= 0)
		close(fd);
	return ok;
}

/* rsyslogd in the foreground, listening on r->sock and r->port. */
static void rsys_start(struct rsys *r)
{
	long long deadline = h_now_ms() + READY_MS;
	FILE *f = fopen(r->conf, "w");

	assert_non_null(f);
	fprintf(f,
		"global(workDirectory=\"%s\" maxMessageSize=\"64k\")\n"
		"module(load=\"imuxsock\" SysSock.Use=\"off\")\n"
		"module(load=\"imtcp\")\n"
		"module(load=\"imudp\")\n"
		"template(name=\"fields\" type=\"string\" string=\"%%pri%%|%%app-name%%|%%procid%%|"
		"%%msgid%%|%%structured-data%%|%%msg%%\\n\")\n"
		"ruleset(name=\"r\") { action(type=\"omfile\" file=\"%s\" template=\"fields\") }\n"
		"input(type=\"imuxsock\" Socket=\"%s\" UseSpecialParser=\"off\" ParseHostname=\"on\" ruleset=\"r\")\n"
		"input(type=\"imtcp\" port=\"%d\" ruleset=\"r\")\n"
		"input(type=\"imudp\" address=\"127.0.0.1\" port=\"%d\" ruleset=\"r\")\n",
		r->dir, r->out, r->sock, r->port, r->udp_port);
	assert_int_equal(fclose(f), 0);
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		execl(RSYSLOGD, RSYSLOGD, "-n", "-f", r->conf, "-i", r->pidfile, (char *)NULL);
		_exit(127);
	}
	while (h_now_ms() < deadline) {
		if (!access(r->sock, F_OK) && tcp_accepts(r->port))
			return;
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
			r->pid = 0;
			fail_msg("rsyslogd exited at start (config %s)", r->conf);
		}
		usleep(20000);
	}
	fail_msg("rsyslogd did not listen in time");
}

/* Stop the receiver, keeping its directory: it can start again. */
static void rsys_kill(struct rsys *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		for (int i = 0; i < 500 && waitpid(r->pid, NULL, WNOHANG) != r->pid; i++)
			usleep(10000);
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
		r->pid = 0;
	}
}

static void rsys_stop(struct rsys *r)
{
	rsys_kill(r);
	if (r->dir[0]) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", r->dir);
		r->dir[0] = '\0';
	}
}

static int teardown(void **state)
{
	h_teardown(state);
	rsys_stop(&rsys);
	return 0;
}

/* Only a machine without BPF skips; rsyslogd comes with `make test`. */
static void skip_unless_ready(void)
{
	H_SKIP_WITHOUT_BPF();
	if (access(RSYSLOGD, X_OK))
		fail_msg("no %s: `make test` installs the rsyslog package", RSYSLOGD);
}

/* ---- what rsyslogd wrote ------------------------------------------------- */

struct rline {
	int pri;
	char app[64], procid[32], msgid[64];
	char *sd, *msg;
};

/* "PRI|APP|PROCID|MSGID|SD|MSG" lines, cut up in place.  SD and MSG may
 * hold '|' themselves: the first four split, MSG starts at "|{". */
static size_t parse_lines(char *text, struct rline *out, size_t max)
{
	size_t n = 0;

	for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n")) {
		char *field[6] = { line };

		for (int i = 1; i < 6; i++) {
			field[i] = i < 5 ? strchr(field[i - 1], '|') : strstr(field[4], "|{");
			if (!field[i])
				fail_msg("rsyslogd wrote a line without all fields: %.200s", line);
			*field[i]++ = '\0';
		}
		out[n].pri = atoi(field[0]);
		snprintf(out[n].app, sizeof(out[n].app), "%s", field[1]);
		snprintf(out[n].procid, sizeof(out[n].procid), "%s", field[2]);
		snprintf(out[n].msgid, sizeof(out[n].msgid), "%s", field[3]);
		out[n].sd = field[4];
		out[n].msg = field[5];
		n++;
	}
	return n;
}

/* The JSON event with this action and pid must be the one in some MSG. */
static void check_delivered(struct rline *lines, size_t n, const char *action, long pid, int want_pri)
{
	json_t *want = h_find(&events, action, pid, 0);
	char sd_pid[32];
	size_t found = 0;

	assert_non_null(want);
	snprintf(sd_pid, sizeof(sd_pid), " pid=\"%ld\"", pid); /* not ppid= */
	for (size_t i = 0; i < n; i++) {
		json_error_t err;
		json_t *got;

		if (strcmp(lines[i].msgid, action) || !strstr(lines[i].sd, sd_pid))
			continue;
		got = json_loads(lines[i].msg, 0, &err);
		if (!got)
			fail_msg("MSG is not JSON (%s): %.200s", err.text, lines[i].msg);
		if (!json_equal(got, want))
			fail_msg("MSG is not the JSON event:\n  got  %s\n  want %s", lines[i].msg,
				 json_dumps(want, JSON_COMPACT));
		json_decref(got);
		assert_int_equal(lines[i].pri, want_pri);
		assert_string_equal(lines[i].app, "ptrace-agent");
		assert_int_equal(atoi(lines[i].procid), agent_pid);
		assert_non_null(strstr(lines[i].sd, "[pa@32473 "));
		found++;
	}
	if (found != 1)
		fail_msg("%zu syslog messages for %s of %ld, want 1", found, action, pid);
}

/* ---- tests ---------------------------------------------------------------- */

/* The agent follows the scenario only, with --syslog url; returns once the
 * JSON stream has the scenario's exit. */
static void trace_with_syslog(const char *const argv[], const char *url)
{
	char pid[16], needle[48];
	const char *args[] = { "-p", pid, "--syslog", url, NULL };

	assert_int_equal(h_held_spawn(&held, argv), 0);
	snprintf(pid, sizeof(pid), "%d", held.pid);
	assert_int_equal(h_agent_start(&agent, args), 0);
	agent_pid = agent.pid;
	h_held_release(&held);
	assert_int_equal(h_held_wait(&held, RUN_TIMEOUT_MS), 0);
	snprintf(needle, sizeof(needle), "\"pid\":%d,", held.pid);
	if (!h_wait_for_line(agent.out_path, "\"action\":\"exit\"", needle, RUN_TIMEOUT_MS))
		fail_msg("the agent never reported the exit of %d", held.pid);
}

static void wait_delivered(const char *action, long pid)
{
	char msgid[32], sd_pid[32];

	snprintf(msgid, sizeof(msgid), "|%s|", action);
	snprintf(sd_pid, sizeof(sd_pid), " pid=\"%ld\"", pid); /* not ppid= */
	if (!h_wait_for_line(rsys.out, msgid, sd_pid, DELIVERY_MS))
		fail_msg("rsyslogd never logged the %s of %ld; agent said: %s", action, pid,
			 h_agent_stderr(&agent));
}

static void stop_agent(void)
{
	assert_int_equal(h_agent_stop(&agent), 0);
	assert_int_equal(h_events_load(&events, agent.out_path), 0);
	assert_int_equal(events.bad, 0);
}

/* A two-level fork chain traced while rsyslogd (already up) listens at
 * url: every event delivered, each the JSON line, and nothing on stderr
 * about syslog. */
static void check_chain_delivered(const char *url)
{
	const char *argv[] = { h_build_path("tools/scenarios/fork_chain"), "2", NULL };
	static struct rline lines[MAX_LINES];
	char *text;
	size_t n;

	trace_with_syslog(argv, url);
	stop_agent();
	wait_delivered("exit", held.pid);
	assert_null(strstr(h_agent_stderr(&agent), "syslog"));

	text = h_slurp(rsys.out, NULL);
	n = parse_lines(text, lines, MAX_LINES);
	check_delivered(lines, n, "exec", held.pid, 30);
	check_delivered(lines, n, "exit", held.pid, 30);
	for (int level = 1; level <= 2; level++) {
		long pid = h_kv_long(held.out, "pid", level);

		check_delivered(lines, n, "fork", pid, 30);
		check_delivered(lines, n, "exit", pid, 30);
	}
	free(text);
}

static void test_unix_socket_messages_are_the_json_events(void **state)
{
	char url[128];

	(void)state;
	skip_unless_ready();
	rsys_prepare(&rsys);
	rsys_start(&rsys);
	snprintf(url, sizeof(url), "unix:%s", rsys.sock);
	check_chain_delivered(url);
}

/* Nobody listens at first: the JSON stream is complete anyway, stderr
 * says so once; when rsyslogd comes up, the queued events arrive. */
static void test_tcp_receiver_down_then_up(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/fork_chain"), "3", NULL };
	static struct rline lines[MAX_LINES];
	char url[64], refused[96], *text;
	size_t n;

	(void)state;
	skip_unless_ready();
	rsys_prepare(&rsys);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", rsys.port);
	trace_with_syslog(argv, url);
	snprintf(refused, sizeof(refused), "syslog %s: connection refused", url);
	assert_int_equal(h_occurrences(h_agent_stderr(&agent), refused), 1);

	rsys_start(&rsys);
	wait_delivered("exit", held.pid);
	stop_agent();
	assert_int_equal(h_occurrences(h_agent_stderr(&agent), refused), 1);
	assert_int_equal(h_occurrences(h_agent_stderr(&agent), "reconnected after"), 1);

	text = h_slurp(rsys.out, NULL);
	n = parse_lines(text, lines, MAX_LINES);
	check_delivered(lines, n, "exec", held.pid, 30);
	check_delivered(lines, n, "exit", held.pid, 30);
	for (int level = 1; level <= 3; level++)
		check_delivered(lines, n, "exit", h_kv_long(held.out, "pid", level), 30);
	free(text);
}

/* The same over UDP: one message per datagram. */
static void test_udp_messages_are_the_json_events(void **state)
{
	char url[64];

	(void)state;
	skip_unless_ready();
	rsys_prepare(&rsys);
	rsys_start(&rsys);
	snprintf(url, sizeof(url), "udp://127.0.0.1:%d", rsys.udp_port);
	check_chain_delivered(url);
}

/* Run exit_code CODE untraced by any filter; its pid. */
static long run_exit_code(const char *code)
{
	const char *argv[] = { h_build_path("tools/scenarios/exit_code"), code, NULL };
	static struct h_run r;

	assert_int_equal(h_run(&r, argv, -1, RUN_TIMEOUT_MS), 0);
	return h_kv_long(r.out, "child", 0);
}

/* The receiver goes away mid-run and comes back: what happened meanwhile
 * is queued and delivered once, and the outage costs one line each way. */
static void test_tcp_receiver_restarted_mid_run(void **state)
{
	const char *args[] = { "--syslog", NULL, NULL };
	static struct rline lines[MAX_LINES * 64];
	char url[64], needle[48], *text;
	long before, during;
	size_t n;

	(void)state;
	skip_unless_ready();
	rsys_prepare(&rsys);
	rsys_start(&rsys);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", rsys.port);
	args[1] = url;
	assert_int_equal(h_agent_start(&agent, args), 0);
	agent_pid = agent.pid;
	before = run_exit_code("3");
	wait_delivered("exit", before);

	rsys_kill(&rsys);
	/* The agent notices the closed connection before it writes again. */
	if (!h_wait_for_line(agent.err_path, "syslog", url, DELIVERY_MS))
		fail_msg("no outage reported: %s", h_agent_stderr(&agent));
	during = run_exit_code("4");
	snprintf(needle, sizeof(needle), "\"pid\":%ld,", during);
	assert_true(h_wait_for_line(agent.out_path, "\"action\":\"exit\"", needle, RUN_TIMEOUT_MS));
	rsys_start(&rsys);
	wait_delivered("exit", during);
	stop_agent();
	assert_int_equal(h_occurrences(h_agent_stderr(&agent), "reconnected after"), 1);

	text = h_slurp(rsys.out, NULL);
	n = parse_lines(text, lines, sizeof(lines) / sizeof(lines[0]));
	check_delivered(lines, n, "exit", before, 30);
	check_delivered(lines, n, "exit", during, 30);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_unix_socket_messages_are_the_json_events, teardown),
		cmocka_unit_test_teardown(test_tcp_receiver_down_then_up, teardown),
		cmocka_unit_test_teardown(test_udp_messages_are_the_json_events, teardown),
		cmocka_unit_test_teardown(test_tcp_receiver_restarted_mid_run, teardown),
	};

	return cmocka_run_group_tests_name("syslog (rsyslogd)", tests, NULL, NULL);
}
