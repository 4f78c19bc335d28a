// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The syslog sink: exact RFC 5424 text for each kind of report, checked
 * again by an independent parser (header fields, SD-PARAM names and
 * escapes, MSG equal to the JSON sink's line); URL parsing; and real
 * sockets on the loopback and in a temp dir: UDP datagrams, TCP and unix
 * stream octet counting with partial writes, a receiver that goes away and
 * comes back, queue limits, backoff, and what the user is told on stderr.
 * Waits are on conditions with deadlines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "synth.h"

#include "clock.h"
#include "output.h"
#include "sink_json.h"
#include "sink_syslog.h"
#include "syscall_names.h"
#include "syslog_conn.h"
#include "syslog_msg.h"
#include "syslog_queue.h"

#define NS_PER_MS 1000000ULL
#define NS_PER_SEC 1000000000ULL
/* Boot time 0 is 2023-11-14T22:13:20Z, so timestamps read easily. */
#define WALL_AT_BOOT (1700000000ULL * NS_PER_SEC)
#define TS_NS (10 * NS_PER_SEC + 123456789)
#define TS_TEXT "2023-11-14T22:13:30.123456Z"
#define HOST "testhost"
#define PROCID 4242
#define WAIT_MS 5000
#define MAX_FRAMES 64

/* ---- reports ------------------------------------------------------------ */

struct world {
	struct pa_clock clock;
	struct pa_sink_env env;
	struct pa_proc proc, parent;
	struct pa_task_info task;
	const char *frames[2];
	const char *argv[3];
	uint32_t lens[3];
	struct pa_args args;
};

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->clock.boot_to_wall_ns = (int64_t)WALL_AT_BOOT;
	w->env.clock = &w->clock;
	w->env.hostname = HOST;
	w->proc.pid = 200;
	w->proc.ppid = 100;
	w->proc.start_ns = 5 * NS_PER_SEC;
	snprintf(w->proc.comm, sizeof(w->proc.comm), "bash");
	snprintf(w->proc.entity_id, sizeof(w->proc.entity_id), "ent-200");
	w->parent.pid = 100;
	snprintf(w->parent.comm, sizeof(w->parent.comm), "sh");
	snprintf(w->parent.entity_id, sizeof(w->parent.entity_id), "ent-100");
	w->task.state = 'D';
	w->task.syscall = 0;
	snprintf(w->task.wchan, sizeof(w->task.wchan), "pipe_read");
	w->frames[0] = "schedule+0x10";
	w->frames[1] = "pipe_read+0x2c";
	w->argv[0] = "/bin/echo";
	w->argv[1] = "hi";
	w->argv[2] = "there";
	for (int i = 0; i < 3; i++)
		w->lens[i] = strlen(w->argv[i]);
	w->args = (struct pa_args){ .arg = w->argv, .len = w->lens, .count = 3, .cap = 3, .argc = 3 };
}

static struct pa_report report(struct world *w, enum pa_action a)
{
	struct pa_report r = {
		.action = a,
		.ts_ns = TS_NS,
		.proc = &w->proc,
		.parent = &w->parent,
		.parent_pid = 100,
	};

	switch (a) {
	case PA_ACT_EXEC:
		r.executable = "/bin/echo";
		r.args = &w->args;
		break;
	case PA_ACT_EXIT:
		r.exit_status = 9; /* killed by SIGKILL */
		break;
	case PA_ACT_LOST:
		r.proc = NULL;
		r.parent = NULL;
		r.lost = 42;
		break;
	case PA_ACT_ZOMBIE:
		r.zombie = (struct pa_zombie_info){ .age_ns = 3 * NS_PER_SEC, .parent_holds = 1,
						    .oldest_age_ns = 3 * NS_PER_SEC };
		break;
	case PA_ACT_REAPED:
		r.reaper_pid = 1;
		r.zombie.age_ns = 4 * NS_PER_SEC;
		break;
	case PA_ACT_ORPHANED:
		r.parent_pid = 1;
		r.orphan = (struct pa_orphan_info){ .previous_parent = 100, .adopter_is_init = true };
		break;
	case PA_ACT_STUCK:
		r.stuck = (struct pa_stuck_info){ .tid = 201, .blocked_ns = 9 * NS_PER_SEC + 5,
						  .frames = w->frames, .nr_frames = 2 };
		break;
	case PA_ACT_STATE:
		r.state = (struct pa_state_info){ .tid = 202, .from = 'S', .to = 'T', .stop_signal = 19,
						  .from_ns = NS_PER_SEC };
		break;
	case PA_ACT_SYSCALLS: {
		static const struct pa_sys_summary sum = { .tgid = 200, .total = { 3, 1, 2000000 } };

		r.syscalls = (struct pa_syscalls_info){ .interval_ns = NS_PER_SEC, .sum = &sum };
		break;
	}
	case PA_ACT_SIGNAL:
		r.signal = (struct pa_signal_info){ .tid = 200, .sig = 15, .sender_pid = 1,
						    .sender_tid = 1, .sender_comm = "systemd" };
		break;
	case PA_ACT_EXEC_FAILED:
		r.exec_failed = (struct pa_exec_failed_info){ .error = 2, .filename = "/no/such" };
		break;
	case PA_ACT_DEADLOCK:
	case PA_ACT_FORK:
		break;
	}
	return r;
}

/* What the JSON sink writes for r: one line, newline included. */
static char *json_sink_line(const struct pa_sink_env *env, const struct pa_report *r, size_t *len)
{
	int fd = memfd_create("json-sink", MFD_CLOEXEC);
	struct pa_output out;
	struct pa_sink *s;
	char *buf;
	off_t size;

	assert_true(fd >= 0);
	pa_output_open_fd(&out, fd, "memfd");
	s = pa_sink_json_new(env, &out);
	assert_non_null(s);
	s->emit(s, r);
	CHECK_I(pa_output_flush(&out), 0, "JSON sink flush");
	pa_sink_destroy(s);
	pa_output_close(&out);
	size = lseek(fd, 0, SEEK_END);
	CHECK(size > 1, "the JSON sink wrote a line");
	buf = malloc(size + 1);
	assert_non_null(buf);
	CHECK_I(pread(fd, buf, size, 0), size, "read the JSON line back");
	buf[size] = '\0';
	close(fd);
	*len = size;
	return buf;
}

static void format_msg(struct world *w, const struct pa_report *r, struct strbuf *out)
{
	struct pa_json_fmt f;

	pa_json_fmt_init(&f);
	CHECK(pa_json_format_report(&f, &w->env, r), "JSON formatting succeeds");
	sb_reset(out);
	pa_syslog_format(out, &w->env, PROCID, r, f.w.buf, f.w.len);
	CHECK(!out->failed, "syslog formatting succeeds");
	pa_json_fmt_free(&f);
}

/* The message must be header, then exactly the JSON sink's line without
 * its newline. */
static void check_message(struct world *w, enum pa_action a, const char *header)
{
	struct pa_report r = report(w, a);
	struct strbuf sb;
	size_t jlen, hlen = strlen(header);
	char *json = json_sink_line(&w->env, &r, &jlen);
	char *want = malloc(hlen + jlen);

	assert_non_null(want);
	CHECK(json[jlen - 1] == '\n', "the JSON line ends in a newline");
	memcpy(want, header, hlen);
	memcpy(want + hlen, json, jlen - 1);
	sb_init(&sb);
	format_msg(w, &r, &sb);
	synth_check_mem(sb.buf, sb.len, want, hlen + jlen - 1, pa_action_name(a), __FILE__, __LINE__);
	sb_free(&sb);
	free(want);
	free(json);
}

/* ---- an independent RFC 5424 parser -------------------------------------- */

#define MAX_PARAMS 16

struct parsed {
	int pri;
	char ts[64], host[256], app[64], procid[160], msgid[64], sd_id[64];
	int nr_params;
	char name[MAX_PARAMS][64];
	char value[MAX_PARAMS][256]; /* unescaped */
	const char *msg;
	size_t msg_len;
};

/* 1..max PRINTUSASCII up to the next space, copied to out. */
static bool take_token(const char **p, const char *end, char *out, size_t max)
{
	size_t n = 0;

	while (*p < end && **p != ' ') {
		if (**p < 33 || **p > 126 || n >= max)
			return false;
		out[n++] = *(*p)++;
	}
	out[n] = '\0';
	if (!n || *p >= end)
		return false;
	(*p)++;
	return true;
}

static bool param_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > PA_SYSLOG_PARAM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 33 || s[i] > 126 || strchr("= ]\"", s[i]))
			return false;
	}
	return true;
}

static bool parse_sd(const char **pp, const char *end, struct parsed *m)
{
	const char *p = *pp;
	size_t n = 0;

	if (p >= end || *p++ != '[')
		return false;
	while (p < end && *p != ' ' && *p != ']' && n < sizeof(m->sd_id) - 1)
		m->sd_id[n++] = *p++;
	m->sd_id[n] = '\0';
	while (p < end && *p == ' ') {
		char *name = m->name[m->nr_params], *value = m->value[m->nr_params];

		if (m->nr_params == MAX_PARAMS)
			return false;
		p++;
		for (n = 0; p < end && *p != '=' && n < 63; p++)
			name[n++] = *p;
		name[n] = '\0';
		if (!param_name_ok(name) || p + 1 >= end || p[0] != '=' || p[1] != '"')
			return false;
		for (p += 2, n = 0; p < end && *p != '"'; p++) {
			if (*p == ']')
				return false; /* must be escaped */
			if (*p == '\\' && p + 1 < end && strchr("\"\\]", p[1]))
				p++;
			if (n < 255)
				value[n++] = *p;
		}
		value[n] = '\0';
		if (p >= end)
			return false;
		p++;
		m->nr_params++;
	}
	if (p >= end || *p++ != ']')
		return false;
	*pp = p;
	return true;
}

static bool parse_5424(const char *s, size_t len, struct parsed *m)
{
	const char *p = s, *end = s + len;
	char num[8];
	size_t n = 0;

	memset(m, 0, sizeof(*m));
	if (p >= end || *p++ != '<')
		return false;
	while (p < end && *p >= '0' && *p <= '9' && n < 3)
		num[n++] = *p++;
	num[n] = '\0';
	if (!n || p >= end || *p++ != '>')
		return false;
	m->pri = atoi(num);
	if (end - p < 2 || p[0] != '1' || p[1] != ' ')
		return false;
	p += 2;
	if (!take_token(&p, end, m->ts, 32) || !take_token(&p, end, m->host, 255) ||
	    !take_token(&p, end, m->app, 48) || !take_token(&p, end, m->procid, 128) ||
	    !take_token(&p, end, m->msgid, 32))
		return false;
	if (!parse_sd(&p, end, m))
		return false;
	if (p >= end || *p++ != ' ')
		return false;
	m->msg = p;
	m->msg_len = end - p;
	return true;
}

static const char *param(const struct parsed *m, const char *name)
{
	for (int i = 0; i < m->nr_params; i++) {
		if (!strcmp(m->name[i], name))
			return m->value[i];
	}
	return NULL;
}

/* ---- formatting --------------------------------------------------------- */

static void test_severity_map(void **state)
{
	(void)state;
	CHECK_I(pa_syslog_severity(PA_ACT_FORK), 6, "fork is info");
	CHECK_I(pa_syslog_severity(PA_ACT_EXEC), 6, "exec is info");
	CHECK_I(pa_syslog_severity(PA_ACT_EXIT), 6, "exit is info");
	CHECK_I(pa_syslog_severity(PA_ACT_STATE), 6, "state is info");
	CHECK_I(pa_syslog_severity(PA_ACT_REAPED), 6, "reaped is info");
	CHECK_I(pa_syslog_severity(PA_ACT_ZOMBIE), 4, "zombie is warning");
	CHECK_I(pa_syslog_severity(PA_ACT_ORPHANED), 4, "orphaned is warning");
	CHECK_I(pa_syslog_severity(PA_ACT_LOST), 4, "lost is warning");
	CHECK_I(pa_syslog_severity(PA_ACT_STUCK), 3, "stuck is err");
}

static void test_format_fork(void **state)
{
	struct world w;

	(void)state;
	world_init(&w);
	check_message(&w, PA_ACT_FORK, "<30>1 " TS_TEXT " testhost ptrace-agent 4242 fork "
				       "[pa@32473 pid=\"200\" ppid=\"100\" comm=\"bash\"] ");
}

static void test_format_exec(void **state)
{
	struct world w;

	(void)state;
	world_init(&w);
	check_message(&w, PA_ACT_EXEC, "<30>1 " TS_TEXT " testhost ptrace-agent 4242 exec "
				       "[pa@32473 pid=\"200\" ppid=\"100\" comm=\"bash\" exe=\"/bin/echo\"] ");
}

static void test_format_zombie(void **state)
{
	struct world w;

	(void)state;
	world_init(&w);
	check_message(&w, PA_ACT_ZOMBIE, "<28>1 " TS_TEXT " testhost ptrace-agent 4242 zombie "
					 "[pa@32473 pid=\"200\" ppid=\"100\" comm=\"bash\" age_ms=\"3000\"] ");
}

static void test_format_stuck(void **state)
{
	struct world w;
	struct pa_report r;
	struct strbuf sb;
	struct parsed m;

	(void)state;
	world_init(&w);
	check_message(&w, PA_ACT_STUCK, "<27>1 " TS_TEXT " testhost ptrace-agent 4242 stuck "
					"[pa@32473 pid=\"200\" ppid=\"100\" comm=\"bash\" tid=\"201\" "
					"blocked_ms=\"9000\"] ");

	/* With /proc's view: the syscall by name; the watchdog's has no time. */
	r = report(&w, PA_ACT_STUCK);
	r.stuck.task = &w.task;
	r.stuck.hung_task = true;
	r.stuck.ended = true;
	sb_init(&sb);
	format_msg(&w, &r, &sb);
	CHECK(parse_5424(sb.buf, sb.len, &m), "valid RFC 5424");
	CHECK(param(&m, "blocked_ms") == NULL, "no blocked_ms from the hung-task watchdog");
	CHECK_STR(param(&m, "syscall"), pa_syscall_name(0), "syscall by name");
	CHECK_STR(param(&m, "ended"), "true", "the follow-up says ended");
	sb_free(&sb);
}

static void test_format_other_params(void **state)
{
	static const struct {
		enum pa_action a;
		int pri;
		const char *name, *value;
	} cases[] = {
		{ PA_ACT_EXIT, 30, "exit_code", "137" },
		{ PA_ACT_EXIT, 30, "signal", "SIGKILL" },
		{ PA_ACT_LOST, 28, "count", "42" },
		{ PA_ACT_ORPHANED, 28, "previous_ppid", "100" },
		{ PA_ACT_ORPHANED, 28, "ppid", "1" },
		{ PA_ACT_REAPED, 30, "reaper", "1" },
		{ PA_ACT_STATE, 30, "tid", "202" },
		{ PA_ACT_STATE, 30, "from", "S" },
		{ PA_ACT_STATE, 30, "to", "T" },
	};
	struct world w;
	struct strbuf sb;
	struct parsed m;

	(void)state;
	world_init(&w);
	sb_init(&sb);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pa_report r = report(&w, cases[i].a);

		format_msg(&w, &r, &sb);
		CHECK(parse_5424(sb.buf, sb.len, &m), "valid RFC 5424");
		CHECK_I(m.pri, cases[i].pri, "PRI");
		CHECK_STR(param(&m, cases[i].name), cases[i].value, cases[i].name);
	}
	/* lost concerns no process: no pid, ppid or comm. */
	{
		struct pa_report r = report(&w, PA_ACT_LOST);

		format_msg(&w, &r, &sb);
		CHECK(parse_5424(sb.buf, sb.len, &m), "valid RFC 5424");
		CHECK_I(m.nr_params, 1, "lost: count only");
	}
	/* An exit by itself has no signal. */
	{
		struct pa_report r = report(&w, PA_ACT_EXIT);

		r.exit_status = 3 << 8;
		format_msg(&w, &r, &sb);
		CHECK(parse_5424(sb.buf, sb.len, &m), "valid RFC 5424");
		CHECK_STR(param(&m, "exit_code"), "3", "exit code");
		CHECK(param(&m, "signal") == NULL, "no signal");
	}
	sb_free(&sb);
}

static void test_sd_value_escaping(void **state)
{
	struct world w;
	struct strbuf sb;
	struct parsed m;
	struct pa_report r;

	(void)state;
	sb_init(&sb);
	pa_syslog_sd_value(&sb, "a\"b\\c]d[e=f g", 13);
	CHECK_STR(sb.buf, "a\\\"b\\\\c\\]d[e=f g", "quote, backslash and ] escaped; [ = and space not");
	sb_reset(&sb);
	pa_syslog_sd_value(&sb, "\xc3\xa9\xff" "x\xe2\x82", 6);
	CHECK_STR(sb.buf, "\xc3\xa9\xef\xbf\xbd" "x\xef\xbf\xbd\xef\xbf\xbd", "UTF-8 kept, invalid bytes U+FFFD");

	world_init(&w);
	snprintf(w.proc.comm, sizeof(w.proc.comm), "x\"]\\y");
	r = report(&w, PA_ACT_FORK);
	format_msg(&w, &r, &sb);
	CHECK(strstr(sb.buf, " comm=\"x\\\"\\]\\\\y\"]") != NULL, "comm escaped in the message");
	CHECK(parse_5424(sb.buf, sb.len, &m), "valid RFC 5424");
	CHECK_STR(param(&m, "comm"), "x\"]\\y", "comm reads back unescaped");
	CHECK_STR(param(&m, "pid"), "200", "the next fields are intact");
	sb_free(&sb);
}

static void check_hostname(const char *hostname, const char *want)
{
	struct world w;
	struct strbuf sb;
	struct parsed m;
	struct pa_report r;

	world_init(&w);
	w.env.hostname = hostname;
	r = report(&w, PA_ACT_FORK);
	sb_init(&sb);
	format_msg(&w, &r, &sb);
	CHECK(parse_5424(sb.buf, sb.len, &m), "valid RFC 5424");
	CHECK_STR(m.host, want, "HOSTNAME");
	sb_free(&sb);
}

static void test_hostname_nil_unless_printable_ascii(void **state)
{
	char longest[257];

	(void)state;
	memset(longest, 'h', 255);
	longest[255] = '\0';
	check_hostname("web-1.example.com", "web-1.example.com");
	check_hostname(longest, longest);
	longest[255] = 'h';
	longest[256] = '\0';
	check_hostname(longest, "-");
	check_hostname("two words", "-");
	check_hostname("caf\xc3\xa9", "-");
	check_hostname("", "-");
	check_hostname(NULL, "-");
}

/* Every action: a valid message whose MSG is the JSON sink's object. */
static void test_every_action_parses(void **state)
{
	struct world w;
	struct strbuf sb;

	(void)state;
	world_init(&w);
	sb_init(&sb);
	for (int a = PA_ACT_FORK; a <= PA_ACT_DEADLOCK; a++) {
		struct pa_report r = report(&w, a);
		struct parsed m;
		json_error_t err;
		json_t *got, *want;
		size_t jlen;
		char *json = json_sink_line(&w.env, &r, &jlen);

		format_msg(&w, &r, &sb);
		CHECK(parse_5424(sb.buf, sb.len, &m), pa_action_name(a));
		CHECK_I(m.pri, 3 * 8 + pa_syslog_severity(a), "PRI is daemon + severity");
		CHECK_STR(m.ts, TS_TEXT, "TIMESTAMP");
		CHECK_STR(m.app, "ptrace-agent", "APP-NAME");
		CHECK_STR(m.procid, "4242", "PROCID");
		CHECK_STR(m.msgid, pa_action_name(a), "MSGID is the action");
		CHECK_STR(m.sd_id, "pa@32473", "SD-ID");
		CHECK(m.msg_len > 0 && m.msg[0] == '{', "MSG is the object, no BOM");
		synth_check_mem(m.msg, m.msg_len, json, jlen - 1, "MSG is the JSON line", __FILE__, __LINE__);
		got = json_loadb(m.msg, m.msg_len, 0, &err);
		want = json_loads(json, 0, &err);
		CHECK(got != NULL, "MSG parses as JSON");
		CHECK(json_equal(got, want), "MSG equals the JSON sink's object");
		CHECK_STR(json_string_value(json_object_get(json_object_get(got, "event"), "action")),
			  pa_action_name(a), "event.action");
		json_decref(got);
		json_decref(want);
		free(json);
	}
	sb_free(&sb);
}

/* ---- URLs --------------------------------------------------------------- */

static void check_url(const char *url, enum pa_syslog_transport t, const char *host, const char *port,
		      const char *path)
{
	struct pa_syslog_url u;
	char err[256] = "";

	if (pa_syslog_url_parse(url, &u, err, sizeof(err)))
		fail_msg("%s rejected: %s", url, err);
	CHECK_I(u.transport, t, url);
	CHECK_STR(u.host, host, "host");
	CHECK_STR(u.port, port, "port");
	CHECK_STR(u.path, path, "path");
}

static void test_url_good(void **state)
{
	(void)state;
	check_url("udp://127.0.0.1:514", PA_SYSLOG_UDP, "127.0.0.1", "514", "");
	check_url("tcp://logs.example.com:6514", PA_SYSLOG_TCP, "logs.example.com", "6514", "");
	check_url("tcp://[::1]:601", PA_SYSLOG_TCP, "::1", "601", "");
	check_url("udp://[fe80::1:2]:65535", PA_SYSLOG_UDP, "fe80::1:2", "65535", "");
	check_url("udp://localhost:1", PA_SYSLOG_UDP, "localhost", "1", "");
	check_url("unix:/dev/log", PA_SYSLOG_UNIX, "", "", "/dev/log");
	check_url("unix:", PA_SYSLOG_UNIX, "", "", "/dev/log");
	check_url("unix:///run/systemd/journal/syslog", PA_SYSLOG_UNIX, "", "", "/run/systemd/journal/syslog");
	check_url("unix:relative.sock", PA_SYSLOG_UNIX, "", "", "relative.sock");
}

static void check_bad_url(const char *url, const char *mention)
{
	struct pa_syslog_url u;
	char err[256] = "";

	if (!pa_syslog_url_parse(url, &u, err, sizeof(err)))
		fail_msg("%s accepted", url);
	CHECK(strchr(err, '\n') == NULL, "one line");
	CHECK(strstr(err, "bad syslog URL") != NULL, "says what is wrong");
	if (!strstr(err, mention))
		fail_msg("%s: \"%s\" does not mention \"%s\"", url, err, mention);
}

static void test_url_bad(void **state)
{
	char long_path[160] = "unix:/";

	(void)state;
	memset(long_path + 6, 'p', 120);
	check_bad_url("http://host:514", "udp://HOST:PORT, tcp://HOST:PORT or unix:PATH");
	check_bad_url("", "unix:PATH");
	check_bad_url("UDP://host:514", "unix:PATH");
	check_bad_url("udp://host", "no port");
	check_bad_url("udp://host:", "no port");
	check_bad_url("tcp://:514", "no host");
	check_bad_url("udp://", "no port");
	check_bad_url("udp://host:0", "1 to 65535");
	check_bad_url("udp://host:65536", "1 to 65535");
	check_bad_url("udp://host:51x", "1 to 65535");
	check_bad_url("udp://host:+514", "1 to 65535");
	check_bad_url("tcp://host:514/path", "nothing after it");
	check_bad_url("udp://::1:514", "brackets");
	check_bad_url("udp://[::1:514", "']'");
	check_bad_url("udp://[::1]", "no port");
	check_bad_url("udp://[not-v6]:514", "IPv6");
	check_bad_url("udp://ho st:514", "not a name");
	check_bad_url("udp://host/x:514", "not a name");
	check_bad_url(long_path, "longer than 107");
}

static void test_conn_new_rejects_bad_url(void **state)
{
	char err[256] = "";

	(void)state;
	errno = 0;
	CHECK(pa_syslog_conn_new("tcp://host", NULL, err, sizeof(err)) == NULL, "no connection");
	CHECK_I(errno, EINVAL, "errno says usage error");
	CHECK(strstr(err, "\"tcp://host\": no port") != NULL, "the message names the URL and the fault");
}

/* ---- sockets ------------------------------------------------------------ */

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A socket on 127.0.0.1 (port 0: any); -1 if the port is taken. */
static int inet_socket(int type, uint16_t port, int rcvbuf)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (rcvbuf) /* before listen: accepted sockets inherit it */
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    (type == SOCK_STREAM && listen(fd, 4))) {
		close(fd);
		return -1;
	}
	return fd;
}

static char tmpdir[64];
static int saved_stderr = -1; /* stderr while a test captures it */

static int tmp_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pa-syslog-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int tmp_teardown(void **state)
{
	char path[128];

	(void)state;
	if (saved_stderr >= 0) { /* a check failed while stderr was captured */
		fflush(stderr);
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
	for (const char *n = "abcdefgh"; *n; n++) {
		snprintf(path, sizeof(path), "%s/%c", tmpdir, *n);
		unlink(path);
	}
	rmdir(tmpdir);
	return 0;
}

static void tmp_path(char *buf, size_t size, char name)
{
	snprintf(buf, size, "%s/%c", tmpdir, name);
}

static int unix_socket(const char *path, int type)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* Run the connection's step once, at the later of now and its deadline:
 * tests need not sleep through the backoff. */
static void pump(struct pa_syslog_conn *c)
{
	uint64_t now = pa_now_mono_ns(), d = pa_syslog_conn_deadline(c);

	pa_syslog_conn_poll(c, d > now ? d : now);
}

static struct pa_syslog_stats stats(const struct pa_syslog_conn *c)
{
	struct pa_syslog_stats st;

	pa_syslog_conn_stats(c, &st);
	return st;
}

static struct pa_syslog_conn *conn_new(const char *url, const struct pa_syslog_opts *opts)
{
	char err[256] = "";
	struct pa_syslog_conn *c = pa_syslog_conn_new(url, opts, err, sizeof(err));

	if (!c)
		fail_msg("pa_syslog_conn_new(%s): %s", url, err);
	return c;
}

/* One datagram within WAIT_MS; its length, or -1. */
static ssize_t recv_dgram(int fd, char *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, WAIT_MS) != 1)
		return -1;
	return recv(fd, buf, size, MSG_DONTWAIT);
}

static void expect_dgram(int fd, const char *want)
{
	char buf[512];
	ssize_t n = recv_dgram(fd, buf, sizeof(buf));

	CHECK(n >= 0, "a datagram arrived");
	synth_check_mem(buf, n, want, strlen(want), "datagram", __FILE__, __LINE__);
}

/* One datagram, pumping the connection while waiting for it. */
static ssize_t recv_pumping(int fd, struct pa_syslog_conn *c, char *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	for (int i = 0; i < WAIT_MS / 10; i++) {
		pa_syslog_conn_poll(c, pa_now_mono_ns());
		if (poll(&pfd, 1, 10) == 1)
			return recv(fd, buf, size, MSG_DONTWAIT);
	}
	return -1;
}

static void send_str(struct pa_syslog_conn *c, const char *s)
{
	pa_syslog_conn_send(c, s, strlen(s));
}

/* ---- stream receivers ----------------------------------------------------- */

struct frames {
	char *buf;        /* bytes read, not yet framed */
	size_t len;
	char *msg[MAX_FRAMES];
	size_t msg_len[MAX_FRAMES];
	size_t n;
};

static void frames_free(struct frames *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->msg[i]);
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

/* RFC 6587 octet counting, strictly: NONZERO-DIGIT *DIGIT SP MSG. */
static void split_frames(struct frames *f)
{
	for (;;) {
		size_t i = 0, len = 0;

		while (i < f->len && f->buf[i] >= '0' && f->buf[i] <= '9')
			len = len * 10 + (f->buf[i++] - '0');
		if (i == f->len)
			return;
		if (!i || f->buf[0] == '0' || f->buf[i] != ' ')
			fail_msg("bad frame header at \"%.20s\"", f->buf);
		i++;
		if (f->len - i < len)
			return;
		CHECK(f->n < MAX_FRAMES, "room for the frames");
		f->msg[f->n] = malloc(len + 1);
		assert_non_null(f->msg[f->n]);
		memcpy(f->msg[f->n], f->buf + i, len);
		f->msg[f->n][len] = '\0';
		f->msg_len[f->n++] = len;
		memmove(f->buf, f->buf + i + len, f->len - i - len);
		f->len -= i + len;
	}
}

/* Read fd, pumping the connection, until n frames have come. */
static void read_frames(int fd, struct pa_syslog_conn *c, struct frames *f, size_t n)
{
	long long end = (long long)(pa_now_mono_ns() / NS_PER_MS) + WAIT_MS;

	while (f->n < n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char chunk[65536];
		ssize_t got;

		if ((long long)(pa_now_mono_ns() / NS_PER_MS) > end)
			fail_msg("%zu frames came, want %zu", f->n, n);
		pa_syslog_conn_poll(c, pa_now_mono_ns());
		if (poll(&pfd, 1, 10) != 1)
			continue;
		got = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		CHECK(got > 0, "the stream stays open");
		f->buf = realloc(f->buf, f->len + got);
		assert_non_null(f->buf);
		memcpy(f->buf + f->len, chunk, got);
		f->len += got;
		split_frames(f);
	}
	CHECK_U(f->len, 0, "nothing after the last frame");
}

static int accept_from(int lfd, struct pa_syslog_conn *c)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };

	for (int i = 0; i < WAIT_MS / 10; i++) {
		pump(c);
		if (poll(&pfd, 1, 10) == 1)
			return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	}
	fail_msg("the agent did not connect");
	return -1;
}

static void wait_connected(struct pa_syslog_conn *c)
{
	for (int i = 0; i < WAIT_MS && !stats(c).connected; i++) {
		pa_syslog_conn_poll(c, pa_now_mono_ns());
		usleep(1000);
	}
	CHECK(stats(c).connected, "connected");
}

/* A message of len bytes: "NAME:" then a pattern a reader can verify. */
static char *big_message(const char *name, size_t len)
{
	char *m = malloc(len);
	size_t n = strlen(name);

	assert_non_null(m);
	for (size_t i = 0; i < len; i++)
		m[i] = (char)('a' + i % 26);
	memcpy(m, name, n);
	return m;
}

/* ---- UDP ---------------------------------------------------------------- */

static void test_udp_datagrams(void **state)
{
	int rx = inet_socket(SOCK_DGRAM, 0, 0);
	char url[64];
	struct pa_syslog_conn *c;

	(void)state;
	assert_true(rx >= 0);
	snprintf(url, sizeof(url), "udp://127.0.0.1:%u", bound_port(rx));
	c = conn_new(url, NULL);
	CHECK(stats(c).connected, "a UDP socket connects at once");
	send_str(c, "<30>1 - - - - - - one");
	send_str(c, "<30>1 - - - - - - two");
	send_str(c, "<30>1 - - - - - - three");
	expect_dgram(rx, "<30>1 - - - - - - one");
	expect_dgram(rx, "<30>1 - - - - - - two");
	expect_dgram(rx, "<30>1 - - - - - - three");
	CHECK_U(stats(c).sent, 3, "sent");
	CHECK_U(stats(c).queued, 0, "nothing queued");
	CHECK_STR(pa_syslog_conn_name(c), url, "name is the URL");
	pa_syslog_conn_close(c, 0);
	close(rx);
}

static void test_udp_truncates_at_utf8_boundary(void **state)
{
	int rx = inet_socket(SOCK_DGRAM, 0, 1 << 20);
	size_t len = 70000;
	char url[64], *m = big_message("big", len), *buf = malloc(len);
	struct pa_syslog_conn *c;

	(void)state;
	assert_non_null(buf);
	/* "é" (2 bytes) straddles the limit: it goes whole or not at all. */
	m[PA_SYSLOG_DGRAM_MAX - 1] = '\xc3';
	m[PA_SYSLOG_DGRAM_MAX] = '\xa9';
	snprintf(url, sizeof(url), "udp://127.0.0.1:%u", bound_port(rx));
	c = conn_new(url, NULL);
	pa_syslog_conn_send(c, m, len);
	CHECK_I(recv_dgram(rx, buf, len), PA_SYSLOG_DGRAM_MAX - 1, "cut before the split character");
	CHECK(!memcmp(buf, m, PA_SYSLOG_DGRAM_MAX - 1), "the start is intact");
	CHECK_U(stats(c).truncated, 1, "truncation counted");
	CHECK_U(stats(c).sent, 1, "and still sent");
	pa_syslog_conn_close(c, 0);
	close(rx);
	free(m);
	free(buf);
}

static void test_udp_ipv6(void **state)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int rx = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct pa_syslog_conn *c;
	char url[64];

	(void)state;
	if (rx < 0 || bind(rx, (struct sockaddr *)&sin6, sizeof(sin6))) {
		if (rx >= 0)
			close(rx);
		print_message("SKIPPED: no IPv6 loopback here\n");
		skip();
	}
	snprintf(url, sizeof(url), "udp://[::1]:%u", bound_port(rx));
	c = conn_new(url, NULL);
	send_str(c, "<30>1 - - - - - - v6");
	expect_dgram(rx, "<30>1 - - - - - - v6");
	pa_syslog_conn_close(c, 0);
	close(rx);
}

/* ---- TCP ---------------------------------------------------------------- */

static void check_frame(const struct frames *f, size_t i, const char *want)
{
	CHECK(i < f->n, "the frame came");
	synth_check_mem(f->msg[i], f->msg_len[i], want, strlen(want), "frame", __FILE__, __LINE__);
}

static void check_big_frame(const struct frames *f, size_t i, const char *name, size_t len)
{
	char *want = big_message(name, len);

	CHECK(i < f->n, "the frame came");
	CHECK_U(f->msg_len[i], len, "big frame length");
	CHECK(!memcmp(f->msg[i], want, len), "big frame bytes intact");
	free(want);
}

/* The receiver does not read at first: the big message is written in
 * pieces as it drains, and the frames still come out whole and in order. */
static void test_tcp_octet_counting_partial_writes(void **state)
{
	const size_t big = 150 << 10;
	struct pa_syslog_opts opts = { .sndbuf = 4096 };
	int lfd = inet_socket(SOCK_STREAM, 0, 4096), afd;
	struct frames f = { 0 };
	struct pa_syslog_conn *c;
	char url[64], *m = big_message("big", big);

	(void)state;
	assert_true(lfd >= 0);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", bound_port(lfd));
	c = conn_new(url, &opts);
	afd = accept_from(lfd, c);
	wait_connected(c);
	send_str(c, "first");
	pa_syslog_conn_send(c, m, big);
	send_str(c, "after big");
	CHECK(stats(c).queued >= 2, "the big message did not fit at once");
	CHECK(stats(c).sent >= 1 && stats(c).sent < 3, "some went, not all");
	read_frames(afd, c, &f, 3);
	check_frame(&f, 0, "first");
	check_big_frame(&f, 1, "big", big);
	check_frame(&f, 2, "after big");
	CHECK_U(stats(c).sent, 3, "all sent");
	CHECK_U(stats(c).dropped, 0, "none dropped");
	frames_free(&f);
	pa_syslog_conn_close(c, 1000);
	close(afd);
	close(lfd);
	free(m);
}

/* rsyslog's frame limit: a longer message is cut, the framing stays right. */
static void test_tcp_truncates_to_frame_limit(void **state)
{
	const size_t len = PA_SYSLOG_STREAM_MAX + 5000;
	int lfd = inet_socket(SOCK_STREAM, 0, 0), afd;
	struct frames f = { 0 };
	struct pa_syslog_conn *c;
	char url[64], *m = big_message("huge", len);

	(void)state;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", bound_port(lfd));
	c = conn_new(url, NULL);
	afd = accept_from(lfd, c);
	wait_connected(c);
	pa_syslog_conn_send(c, m, len);
	send_str(c, "next");
	read_frames(afd, c, &f, 2);
	check_big_frame(&f, 0, "huge", PA_SYSLOG_STREAM_MAX);
	check_frame(&f, 1, "next");
	CHECK_U(stats(c).truncated, 1, "truncation counted");
	frames_free(&f);
	pa_syslog_conn_close(c, 1000);
	close(afd);
	close(lfd);
	free(m);
}

/* The queue overflows while a frame is half written: that frame is kept
 * (the receiver already has its start), the ones after it are dropped. */
static void test_tcp_overflow_keeps_partial_frame(void **state)
{
	const size_t big = 150 << 10;
	struct pa_syslog_opts opts = { .sndbuf = 4096, .max_queue_msgs = 3 };
	int lfd = inet_socket(SOCK_STREAM, 0, 4096), afd;
	struct frames f = { 0 };
	struct pa_syslog_conn *c;
	char url[64], name[16], *m = big_message("big", big);

	(void)state;
	assert_true(lfd >= 0);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", bound_port(lfd));
	c = conn_new(url, &opts);
	afd = accept_from(lfd, c);
	wait_connected(c);
	pa_syslog_conn_send(c, m, big);
	CHECK_U(stats(c).sent, 0, "the big one is half written");
	for (int i = 1; i <= 6; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		send_str(c, name);
	}
	CHECK_U(stats(c).queued, 3, "the limit holds");
	CHECK_U(stats(c).dropped, 4, "m1..m4 dropped");
	read_frames(afd, c, &f, 3);
	check_big_frame(&f, 0, "big", big);
	check_frame(&f, 1, "m5");
	check_frame(&f, 2, "m6");
	frames_free(&f);
	pa_syslog_conn_close(c, 1000);
	close(afd);
	close(lfd);
	free(m);
}

/* The receiver's close has reached our socket: it is readable (EOF). */
static void wait_readable(struct pa_syslog_conn *c)
{
	uint32_t ev;
	struct pollfd pfd = { .fd = pa_syslog_conn_fd(c, &ev, NULL), .events = POLLIN };

	CHECK(pfd.fd >= 0, "a socket");
	CHECK(ev & POLLIN, "a stream asks for POLLIN, to see the receiver close");
	CHECK_I(poll(&pfd, 1, WAIT_MS), 1, "the close arrives");
}

/* A receiver that goes away while no events flow is noticed by the poll,
 * not only at the next event. */
static void test_tcp_close_noticed_while_idle(void **state)
{
	int lfd = inet_socket(SOCK_STREAM, 0, 0), afd;
	struct pa_syslog_conn *c;
	char url[64];

	(void)state;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", bound_port(lfd));
	c = conn_new(url, NULL);
	afd = accept_from(lfd, c);
	wait_connected(c);
	CHECK(!stats(c).outage, "healthy");
	close(afd);
	wait_readable(c);
	pa_syslog_conn_poll(c, pa_now_mono_ns());
	CHECK(stats(c).outage, "the close is noticed while idle");
	CHECK_U(stats(c).failures, 1, "one failure");
	CHECK(pa_syslog_conn_fd(c, NULL, NULL) < 0, "the socket is closed");
	CHECK(pa_syslog_conn_deadline(c) > 0, "a retry is scheduled");
	pa_syslog_conn_close(c, 0);
	close(lfd);
}

/* The receiver closes and comes back on the same port: what was queued
 * meanwhile arrives, in order, nothing lost. */
static void test_tcp_reconnect_keeps_order(void **state)
{
	int lfd = inet_socket(SOCK_STREAM, 0, 0), afd;
	struct frames f = { 0 };
	struct pa_syslog_conn *c;
	uint16_t port = bound_port(lfd);
	uint64_t gen1, gen2;
	char url[64];

	(void)state;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", port);
	c = conn_new(url, NULL);
	afd = accept_from(lfd, c);
	wait_connected(c);
	CHECK(pa_syslog_conn_fd(c, NULL, &gen1) >= 0, "a socket");
	send_str(c, "m1");
	send_str(c, "m2");
	read_frames(afd, c, &f, 2);
	check_frame(&f, 0, "m1");
	check_frame(&f, 1, "m2");
	frames_free(&f);

	close(afd);
	close(lfd);
	wait_readable(c);
	/* No poll between: the send itself must see the receiver is gone, or
	 * m3 would be written into a dead connection and lost. */
	send_str(c, "m3");
	CHECK(stats(c).outage, "the close is noticed before writing");
	CHECK(!stats(c).connected, "not connected");
	send_str(c, "m4");
	send_str(c, "m5");
	pump(c); /* a retry while nobody listens: refused, still queued */
	pump(c);
	CHECK_U(stats(c).queued, 3, "queued while down");
	CHECK(stats(c).failures >= 2, "retries failed");

	lfd = inet_socket(SOCK_STREAM, port, 0);
	if (lfd < 0)
		fail_msg("port %u taken meanwhile", port);
	afd = accept_from(lfd, c);
	read_frames(afd, c, &f, 3);
	check_frame(&f, 0, "m3");
	check_frame(&f, 1, "m4");
	check_frame(&f, 2, "m5");
	CHECK_U(stats(c).reconnects, 1, "one reconnect");
	CHECK_U(stats(c).dropped, 0, "none dropped");
	CHECK_U(stats(c).sent, 5, "all sent");
	pa_syslog_conn_fd(c, NULL, &gen2);
	CHECK(gen2 != gen1, "the socket generation changed");
	CHECK(stats(c).outage, "the outage lasts until the connection proves stable");
	pa_syslog_conn_poll(c, pa_now_mono_ns() + PA_SYSLOG_STABLE_NS + NS_PER_SEC);
	CHECK(!stats(c).outage, "then it is over");
	frames_free(&f);
	pa_syslog_conn_close(c, 1000);
	close(afd);
	close(lfd);
}

/* The connection breaks in the middle of a frame: the receiver throws the
 * piece away, so after the reconnect the whole message is sent again. */
static void test_tcp_cut_frame_resent_whole(void **state)
{
	const size_t big = 150 << 10;
	struct pa_syslog_opts opts = { .sndbuf = 4096 };
	int lfd = inet_socket(SOCK_STREAM, 0, 4096), afd;
	uint16_t port = bound_port(lfd);
	struct frames f = { 0 };
	struct pa_syslog_conn *c;
	char url[64], *m = big_message("big", big), junk[1000];

	(void)state;
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%u", port);
	c = conn_new(url, &opts);
	afd = accept_from(lfd, c);
	wait_connected(c);
	pa_syslog_conn_send(c, m, big);
	send_str(c, "after big");
	CHECK_U(stats(c).sent, 0, "the big one is cut");
	CHECK(recv(afd, junk, sizeof(junk), 0) > 0, "the receiver got its start");
	close(afd); /* with unread data: a reset */
	close(lfd);
	wait_readable(c);
	pa_syslog_conn_poll(c, pa_now_mono_ns());
	CHECK(stats(c).outage, "the reset is noticed");
	CHECK_U(stats(c).queued, 2, "both still queued");
	lfd = inet_socket(SOCK_STREAM, port, 0);
	if (lfd < 0)
		fail_msg("port %u taken meanwhile", port);
	afd = accept_from(lfd, c);
	read_frames(afd, c, &f, 2);
	check_big_frame(&f, 0, "big", big);
	check_frame(&f, 1, "after big");
	frames_free(&f);
	pa_syslog_conn_close(c, 1000);
	close(afd);
	close(lfd);
	free(m);
}

/* ---- the queue ---------------------------------------------------------- */

static void test_queue_overflow_drops_oldest(void **state)
{
	struct pa_syslog_opts opts = { .max_queue_msgs = 5 };
	struct pa_syslog_conn *c;
	char url[128], path[96], msg[16];
	int rx;

	(void)state;
	tmp_path(path, sizeof(path), 'a');
	snprintf(url, sizeof(url), "unix:%s", path);
	c = conn_new(url, &opts); /* nobody at path yet */
	CHECK(stats(c).outage, "down from the start");
	for (int i = 1; i <= 8; i++) {
		snprintf(msg, sizeof(msg), "m%d", i);
		send_str(c, msg);
	}
	CHECK_U(stats(c).queued, 5, "the limit");
	CHECK_U(stats(c).dropped, 3, "the three oldest dropped");
	CHECK_U(stats(c).queued_bytes, 10, "bytes queued");
	rx = unix_socket(path, SOCK_DGRAM);
	pump(c);
	CHECK(stats(c).connected, "connected once the receiver is there");
	for (int i = 4; i <= 8; i++) {
		snprintf(msg, sizeof(msg), "m%d", i);
		expect_dgram(rx, msg);
	}
	CHECK_U(stats(c).sent, 5, "the newest five sent");
	pa_syslog_conn_close(c, 0);
	close(rx);
}

static void test_queue_byte_limit(void **state)
{
	/* 9 records of 4 + 100 bytes fit in 1000; the 10th does not. */
	struct pa_syslog_opts opts = { .max_queue_bytes = 1000 };
	struct pa_syslog_conn *c;
	char url[128], path[96], msg[101], buf[200];
	int rx;

	(void)state;
	tmp_path(path, sizeof(path), 'b');
	snprintf(url, sizeof(url), "unix:%s", path);
	c = conn_new(url, &opts);
	for (int i = 1; i <= 20; i++) {
		snprintf(msg, sizeof(msg), "%03d%097d", i, 0);
		pa_syslog_conn_send(c, msg, 100);
	}
	CHECK_U(stats(c).queued, 9, "what fits in the byte limit");
	CHECK_U(stats(c).dropped, 11, "the rest dropped, oldest first");
	rx = unix_socket(path, SOCK_DGRAM);
	pump(c);
	for (int i = 12; i <= 20; i++) {
		ssize_t n = recv_dgram(rx, buf, sizeof(buf));
		char want[4];

		snprintf(want, sizeof(want), "%03d", i);
		CHECK_I(n, 100, "a whole message");
		synth_check_mem(buf, 3, want, 3, "in order", __FILE__, __LINE__);
	}
	pa_syslog_conn_close(c, 0);
	close(rx);
}

static void check_queued(const struct pa_syslog_queue *q, size_t at, const char *want, const char *what)
{
	uint32_t len;
	const char *msg = pa_sq_msg(q, at, &len);

	synth_check_mem(msg, len, want, strlen(want), what, __FILE__, __LINE__);
}

/* Directly: with the head half written, overflow drops the next one. */
static void test_queue_keeps_half_written_head(void **state)
{
	struct pa_syslog_queue q;
	size_t at;

	(void)state;
	pa_sq_init(&q, 1 << 20, 3);
	CHECK(pa_sq_push(&q, "head", 4), "push");
	CHECK(pa_sq_push(&q, "b", 1), "push");
	CHECK(pa_sq_push(&q, "c", 1), "push");
	q.off = 2;
	CHECK(pa_sq_push(&q, "d", 1), "push");
	CHECK(pa_sq_push(&q, "e", 1), "push");
	CHECK_U(q.dropped, 2, "two dropped");
	CHECK_U(q.count, 3, "three kept");
	CHECK_U(q.off, 2, "the offset stays with the head");
	at = q.head;
	check_queued(&q, at, "head", "head kept");
	at = pa_sq_next(&q, at);
	check_queued(&q, at, "d", "then d");
	at = pa_sq_next(&q, at);
	check_queued(&q, at, "e", "then e");
	CHECK_U(pa_sq_next(&q, at), q.tail, "and nothing else");
	pa_sq_pop(&q);
	CHECK_U(q.off, 0, "popping clears the offset");
	q.off = 0;
	CHECK(pa_sq_push(&q, "f", 1), "push");
	CHECK(pa_sq_push(&q, "g", 1), "push");
	CHECK_U(q.dropped, 3, "a whole head is dropped like any other");
	check_queued(&q, q.head, "e", "d went");
	pa_sq_free(&q);
}

static void test_backoff_doubles_to_cap(void **state)
{
	static const uint64_t want_ms[] = { 200, 400, 800, 1600, 3200, 5000, 5000 };
	struct pa_syslog_conn *c;
	char url[128], path[96];
	uint64_t d, next, failures;

	(void)state;
	tmp_path(path, sizeof(path), 'c');
	snprintf(url, sizeof(url), "unix:%s", path);
	c = conn_new(url, NULL);
	CHECK_U(stats(c).failures, 1, "the first connect failed");
	d = pa_syslog_conn_deadline(c);
	CHECK(d > 0, "a retry is scheduled");
	pa_syslog_conn_poll(c, d - 1);
	CHECK_U(stats(c).failures, 1, "no retry before the deadline");
	for (size_t i = 0; i < sizeof(want_ms) / sizeof(want_ms[0]); i++) {
		failures = stats(c).failures;
		pa_syslog_conn_poll(c, d);
		CHECK_U(stats(c).failures, failures + 1, "a retry at the deadline");
		next = pa_syslog_conn_deadline(c);
		CHECK_U(next - d, want_ms[i] * NS_PER_MS, "backoff");
		d = next;
	}
	pa_syslog_conn_close(c, 0);
}

/* ---- unix sockets ----------------------------------------------------------- */

/* The sink, end to end, into a /dev/log-like datagram socket. */
static void test_unix_dgram_sink(void **state)
{
	struct world w;
	struct pa_report r;
	struct pa_syslog_conn *c;
	struct pa_sink *s;
	struct parsed m;
	char url[128], path[96], buf[8192], pid[16];
	size_t jlen;
	char *json;
	ssize_t n;
	int rx;

	(void)state;
	world_init(&w);
	tmp_path(path, sizeof(path), 'd');
	rx = unix_socket(path, SOCK_DGRAM);
	snprintf(url, sizeof(url), "unix:%s", path);
	c = conn_new(url, NULL);
	s = pa_sink_syslog_new(&w.env, c);
	assert_non_null(s);
	r = report(&w, PA_ACT_ZOMBIE);
	s->emit(s, &r);
	n = recv_dgram(rx, buf, sizeof(buf));
	CHECK(n > 0, "a message came");
	CHECK(parse_5424(buf, n, &m), "valid RFC 5424");
	CHECK_I(m.pri, 28, "daemon.warning");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	CHECK_STR(m.procid, pid, "PROCID is our pid");
	CHECK_STR(m.msgid, "zombie", "MSGID");
	CHECK_STR(param(&m, "age_ms"), "3000", "age");
	json = json_sink_line(&w.env, &r, &jlen);
	synth_check_mem(m.msg, m.msg_len, json, jlen - 1, "MSG is the JSON line", __FILE__, __LINE__);
	free(json);
	pa_sink_destroy(s);
	pa_syslog_conn_close(c, 0);
	close(rx);
}

/* syslogd restarts: the old socket refuses, a new one takes its place. */
static void test_unix_dgram_receiver_restart(void **state)
{
	struct pa_syslog_conn *c;
	char url[128], path[96];
	int rx;

	(void)state;
	tmp_path(path, sizeof(path), 'e');
	rx = unix_socket(path, SOCK_DGRAM);
	snprintf(url, sizeof(url), "unix:%s", path);
	c = conn_new(url, NULL);
	send_str(c, "before");
	expect_dgram(rx, "before");
	close(rx);
	send_str(c, "during 1");
	send_str(c, "during 2");
	CHECK(stats(c).outage, "the refusal is noticed");
	CHECK_U(stats(c).queued, 2, "and the messages kept");
	rx = unix_socket(path, SOCK_DGRAM);
	pump(c);
	expect_dgram(rx, "during 1");
	expect_dgram(rx, "during 2");
	CHECK_U(stats(c).reconnects, 1, "reconnected");
	CHECK_U(stats(c).sent, 3, "all sent");
	pa_syslog_conn_close(c, 0);
	close(rx);
}

/* A stream socket at the path: octet counting over it. */
static void test_unix_stream(void **state)
{
	struct pa_syslog_conn *c;
	struct frames f = { 0 };
	char url[128], path[96];
	int lfd, afd;

	(void)state;
	tmp_path(path, sizeof(path), 'f');
	lfd = unix_socket(path, SOCK_STREAM);
	snprintf(url, sizeof(url), "unix://%s", path);
	c = conn_new(url, NULL);
	afd = accept_from(lfd, c);
	send_str(c, "one message");
	send_str(c, "and \"another\"\nwith a newline");
	read_frames(afd, c, &f, 2);
	check_frame(&f, 0, "one message");
	check_frame(&f, 1, "and \"another\"\nwith a newline");
	frames_free(&f);
	pa_syslog_conn_close(c, 0);
	close(afd);
	close(lfd);
}

/* ---- what the user is told ---------------------------------------------- */

struct captured {
	int fd;
	char text[8192];
};

static void capture_stderr(struct captured *cap)
{
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	cap->fd = memfd_create("stderr", MFD_CLOEXEC);
	assert_true(saved_stderr >= 0 && cap->fd >= 0);
	dup2(cap->fd, STDERR_FILENO);
}

static void restore_stderr(struct captured *cap)
{
	ssize_t n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	n = pread(cap->fd, cap->text, sizeof(cap->text) - 1, 0);
	cap->text[n > 0 ? n : 0] = '\0';
	close(cap->fd);
	fputs(cap->text, stderr); /* still shown, for whoever reads the test log */
}

static int count_lines(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* 200 events and a dozen failed retries during an outage: one line when
 * it begins, one when it ends, with the counts. */
static void test_outage_reported_once(void **state)
{
	struct pa_syslog_opts opts = { .max_queue_msgs = 150 };
	struct captured cap;
	struct pa_syslog_conn *c;
	char url[128], path[96], msg[16], buf[64];
	int rx;

	(void)state;
	tmp_path(path, sizeof(path), 'g');
	snprintf(url, sizeof(url), "unix:%s", path);
	capture_stderr(&cap);
	c = conn_new(url, &opts);
	for (int i = 0; i < 200; i++) {
		snprintf(msg, sizeof(msg), "m%d", i);
		send_str(c, msg);
		if (i % 20 == 0)
			pump(c);
	}
	rx = unix_socket(path, SOCK_DGRAM);
	pump(c);
	/* A unix datagram socket holds few messages (net.unix.max_dgram_qlen):
	 * the rest wait in the queue for POLLOUT. */
	for (int i = 50; i < 200; i++) {
		snprintf(msg, sizeof(msg), "m%d", i);
		CHECK_I(recv_pumping(rx, c, buf, sizeof(buf)), (long long)strlen(msg), "a message");
		synth_check_mem(buf, strlen(msg), msg, strlen(msg), "in order", __FILE__, __LINE__);
	}
	pa_syslog_conn_poll(c, pa_now_mono_ns());
	CHECK_U(stats(c).queued, 0, "the backlog went out");
	CHECK(stats(c).outage, "not over yet: the connection is new");
	pump(c); /* at its deadline: stable for long enough */
	restore_stderr(&cap);
	CHECK_I(count_lines(cap.text, "ptrace-agent: "), 3, "three lines in all");
	CHECK_I(count_lines(cap.text, "no such file or directory; queuing up to 150 messages"), 1,
		"the outage, once");
	CHECK_I(count_lines(cap.text, "queue full"), 1, "the first drop, once");
	CHECK_I(count_lines(cap.text, "; 150 queued messages sent, 50 dropped"), 1, "the recovery, with counts");
	CHECK(!stats(c).outage, "over");
	pa_syslog_conn_close(c, 0);
	close(rx);
}

/* Closing with the receiver gone takes about the bound, not forever, and
 * says how many messages were lost. */
static void test_close_is_bounded(void **state)
{
	struct captured cap;
	struct pa_syslog_conn *c;
	char url[128], path[96];
	uint64_t t0, took;

	(void)state;
	tmp_path(path, sizeof(path), 'h');
	snprintf(url, sizeof(url), "unix:%s", path);
	capture_stderr(&cap);
	c = conn_new(url, NULL);
	send_str(c, "lost 1");
	send_str(c, "lost 2");
	t0 = pa_now_mono_ns();
	pa_syslog_conn_close(c, 300);
	took = pa_now_mono_ns() - t0;
	restore_stderr(&cap);
	CHECK(took >= 250 * NS_PER_MS, "it tried for the time given");
	CHECK(took < 2 * NS_PER_SEC, "and no longer");
	CHECK(strstr(cap.text, "2 messages not sent at exit (no such file or directory); 2 dropped in all"),
	      "the loss is reported");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_severity_map),
		cmocka_unit_test(test_format_fork),
		cmocka_unit_test(test_format_exec),
		cmocka_unit_test(test_format_zombie),
		cmocka_unit_test(test_format_stuck),
		cmocka_unit_test(test_format_other_params),
		cmocka_unit_test(test_sd_value_escaping),
		cmocka_unit_test(test_hostname_nil_unless_printable_ascii),
		cmocka_unit_test(test_every_action_parses),
		cmocka_unit_test(test_url_good),
		cmocka_unit_test(test_url_bad),
		cmocka_unit_test(test_conn_new_rejects_bad_url),
		cmocka_unit_test(test_udp_datagrams),
		cmocka_unit_test(test_udp_truncates_at_utf8_boundary),
		cmocka_unit_test(test_udp_ipv6),
		cmocka_unit_test(test_tcp_octet_counting_partial_writes),
		cmocka_unit_test(test_tcp_truncates_to_frame_limit),
		cmocka_unit_test(test_tcp_overflow_keeps_partial_frame),
		cmocka_unit_test(test_tcp_close_noticed_while_idle),
		cmocka_unit_test(test_tcp_reconnect_keeps_order),
		cmocka_unit_test(test_tcp_cut_frame_resent_whole),
		cmocka_unit_test(test_queue_keeps_half_written_head),
		cmocka_unit_test_setup_teardown(test_queue_overflow_drops_oldest, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_queue_byte_limit, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_backoff_doubles_to_cap, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_unix_dgram_sink, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_unix_dgram_receiver_restart, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_unix_stream, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_outage_reported_once, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_close_is_bounded, tmp_setup, tmp_teardown),
	};

	return cmocka_run_group_tests_name("syslog", tests, NULL, NULL);
}
