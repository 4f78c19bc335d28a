/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by the collector-level tests (test_collector.c, test_alerts.c):
 * a collector with one sink (JSON or text) writing into a memfd, read back
 * line by line and, for JSON, parsed with jansson; checks on JSON fields by
 * dotted path; processes put in the table as a /proc snapshot would; and a
 * fake /proc in a temporary directory for the collector's re-reads.
 *
 * Everything is static inline: a test file uses what it needs.
 */
#ifndef PA_TEST_FIXTURE_H
#define PA_TEST_FIXTURE_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "synth.h"
#include "fake_proc.h"

#include "collector.h"
#include "host_info.h"
#include "output.h"
#include "redact.h"
#include "sink.h"

#define BOOT_ID "0b7d5e1a-2c4f-4e8a-9d3b-5f6a7b8c9d0e"
#define HOSTNAME "testhost"
#define NS_PER_MS 1000000ULL
#define NS_PER_SEC 1000000000ULL
/* Boot time 0 is 2023-11-14T22:13:20Z, so timestamps read easily. */
#define WALL_AT_BOOT (1700000000ULL * NS_PER_SEC)
#define MAX_LINES 64

/* host.* and agent.* as every JSON line of these tests shows them. */
static const struct pa_host_info fake_host = {
	.id = "0123456789abcdef0123456789abcdef",
	.boot_id = BOOT_ID,
	.kernel = "6.18.0-test",
	.arch = "x86_64",
	.agent_id = "11111111-2222-8333-8444-555555555555",
	.ephemeral_id = "66666666-7777-4888-9999-aaaaaaaaaaaa",
};

/* The text sink's first line. */
static const char text_header[] = "TIME         EVENT  PID     PPID    COMM             DETAIL\n";

/* Who is who: init, a shell, the shell's child. */
static const struct synth_task init_task = {
	.pid = 1, .ppid = 0, .start_ns = 1 * NS_PER_SEC, .comm = "systemd",
};
static const struct synth_task shell = {
	.pid = 100, .ppid = 1, .start_ns = 10 * NS_PER_SEC, .comm = "bash",
};
static const struct synth_task child = {
	.pid = 200, .ppid = 100, .start_ns = 20 * NS_PER_SEC, .comm = "bash",
};

struct fixture {
	struct pa_collector c;
	struct pa_clock clock;
	struct pa_sink_env env;
	struct pa_output out;
	int fd;
	bool json;
	off_t read_off;
	char *text;               /* what the sink wrote since the last drain */
	json_t *lines[MAX_LINES]; /* text parsed, one object a line (JSON sink) */
	size_t nr_lines;
	char proc_dir[64];        /* a fake /proc (fake_proc_root()), or "" */
};

static inline int fixture_setup(void **state, bool json)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct pa_sink *s;

	if (!f)
		return -1;
	f->fd = memfd_create("collector-test", MFD_CLOEXEC);
	if (f->fd < 0) {
		free(f);
		return -1;
	}
	f->json = json;
	f->clock.boot_to_wall_ns = (int64_t)WALL_AT_BOOT;
	f->env.clock = &f->clock;
	f->env.hostname = HOSTNAME;
	pa_host_info_set(&fake_host);
	pa_output_open_fd(&f->out, f->fd, "memfd");
	pa_collector_init(&f->c, BOOT_ID, NULL);
	s = json ? pa_sink_json_new(&f->env, &f->out) : pa_sink_text_new(&f->env, &f->out);
	if (pa_collector_add_sink(&f->c, s))
		return -1;
	*state = f;
	return 0;
}

static inline int setup_json(void **state)
{
	return fixture_setup(state, true);
}

static inline int setup_text(void **state)
{
	return fixture_setup(state, false);
}

static inline void drop_lines(struct fixture *f)
{
	for (size_t i = 0; i < f->nr_lines; i++)
		json_decref(f->lines[i]);
	f->nr_lines = 0;
}

/* ---- a fake /proc ------------------------------------------------------ */

static inline int fake_proc_rm_entry(const char *path, const struct stat *sb, int flag,
				     struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void fake_proc_rm(const char *path)
{
	nftw(path, fake_proc_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* An empty directory that the collector takes for /proc; removed by
 * teardown.  Without it proc_root is NULL and nothing is read. */
static inline const char *fake_proc_root(struct fixture *f)
{
	snprintf(f->proc_dir, sizeof(f->proc_dir), "/tmp/pa-fixture-XXXXXX");
	assert_non_null(mkdtemp(f->proc_dir));
	f->c.proc_root = f->proc_dir;
	return f->proc_dir;
}

/* proc_root/PID/name holding text (replaced if there). */
static inline void fake_proc_file(struct fixture *f, uint32_t pid, const char *name,
				  const char *text)
{
	char path[160];
	FILE *fp;

	assert_true(f->proc_dir[0]);
	snprintf(path, sizeof(path), "%s/%u", f->proc_dir, pid);
	if (mkdir(path, 0755) && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%u/%s", f->proc_dir, pid, name);
	fp = fopen(path, "w");
	if (!fp)
		fail_msg("create %s: %s", path, strerror(errno));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* proc_root/PID/name, a symlink to target (cwd), replaced if there. */
static inline void fake_proc_link(struct fixture *f, uint32_t pid, const char *name,
				  const char *target)
{
	char path[160];

	assert_true(f->proc_dir[0]);
	snprintf(path, sizeof(path), "%s/%u", f->proc_dir, pid);
	if (mkdir(path, 0755) && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%u/%s", f->proc_dir, pid, name);
	unlink(path);
	if (symlink(target, path))
		fail_msg("symlink %s: %s", path, strerror(errno));
}

static inline void fake_proc_unlink(struct fixture *f, uint32_t pid, const char *name)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%u/%s", f->proc_dir, pid, name);
	unlink(path);
}

/* proc_root/PID/stat: one thread, started at tick 1. */
static inline void fake_proc_stat(struct fixture *f, uint32_t pid, const char *comm, char state,
				  uint32_t ppid, uint32_t session, uint32_t tty_nr)
{
	char line[512];

	fake_stat_line(line, sizeof(line), pid, comm, state, ppid, session, tty_nr, 1, 1);
	fake_proc_file(f, pid, "stat", line);
}

static inline void fake_proc_status(struct fixture *f, const struct fake_status *st)
{
	char text[4096];

	fake_status_text(text, sizeof(text), st);
	fake_proc_file(f, st->pid, "status", text);
}

static inline int teardown(void **state)
{
	struct fixture *f = *state;

	pa_collector_free(&f->c);
	/* A test may have configured the agent's redaction: the next starts clean. */
	pa_redact_reset(pa_redact_default());
	pa_output_close(&f->out);
	close(f->fd);
	drop_lines(f);
	free(f->text);
	if (f->proc_dir[0])
		fake_proc_rm(f->proc_dir);
	free(f);
	return 0;
}

/* ---- feeding and reading ------------------------------------------------ */

static inline void feed(struct fixture *f, const void *rec, size_t size)
{
	CHECK_I(pa_collector_handle(&f->c, rec, size), 0, "pa_collector_handle accepts the record");
}

#define FEED(f, ev) feed((f), &(ev), sizeof(ev))

static inline void feed_exec(struct fixture *f, struct pa_exec_event *e)
{
	feed(f, e, e->hdr.size);
	free(e);
}

/* Everything written since the last call, into f->text (and f->lines for
 * JSON: every line must parse as one object).  Returns the line count. */
static inline size_t drain(struct fixture *f)
{
	struct stat st;
	size_t len, n = 0;
	char *line, *nl;

	CHECK_I(pa_output_flush(&f->out), 0, "flush to the memfd");
	drop_lines(f);
	free(f->text);
	assert_int_equal(fstat(f->fd, &st), 0);
	len = (size_t)(st.st_size - f->read_off);
	f->text = malloc(len + 1);
	assert_non_null(f->text);
	CHECK_I(pread(f->fd, f->text, len, f->read_off), (long long)len, "read back what was written");
	f->text[len] = '\0';
	f->read_off += len;
	CHECK(len == 0 || f->text[len - 1] == '\n', "output ends in a whole line");
	for (line = f->text; (nl = strchr(line, '\n')); line = nl + 1) {
		json_error_t err;
		json_t *o;

		n++;
		if (!f->json)
			continue;
		o = json_loadb(line, nl - line, 0, &err);
		if (!o) {
			print_error("line %zu is not JSON (%s): %.*s\n", n, err.text, (int)(nl - line), line);
			fail();
		}
		CHECK(json_is_object(o), "each line is one object");
		CHECK(f->nr_lines < MAX_LINES, "room for the lines");
		f->lines[f->nr_lines++] = o;
	}
	return n;
}

/* ---- JSON checks -------------------------------------------------------- */

/* "process.parent.pid": nested objects, never dotted keys. */
static inline json_t *jget(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	if (!strcmp(path, "@timestamp"))
		return json_object_get(o, path);
	while ((dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		if (!json_is_object(o))
			return NULL;
		path = dot + 1;
	}
	return json_object_get(o, path);
}

#define CHECK_JSTR(o, path, want) check_jstr((o), (path), (want), __FILE__, __LINE__)
#define CHECK_JINT(o, path, want) check_jint((o), (path), (want), __FILE__, __LINE__)
#define CHECK_JBOOL(o, path, want) check_jbool((o), (path), (want), __FILE__, __LINE__)
#define CHECK_JABSENT(o, path) check_jabsent((o), (path), __FILE__, __LINE__)
#define CHECK_JSTRS(o, path, ...)                                                            \
	check_jstrs((o), (path), (const char *const[]){ __VA_ARGS__ },                       \
		    sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *), __FILE__, \
		    __LINE__)
#define CHECK_JEMPTY(o, path) check_jstrs((o), (path), NULL, 0, __FILE__, __LINE__)

static inline void check_jstr(json_t *o, const char *path, const char *want, const char *file, int line)
{
	json_t *v = jget(o, path);

	if (!json_is_string(v)) {
		print_error("%s: missing or not a string (want \"%s\")\n", path, want);
		_fail(file, line);
	}
	synth_check_str(json_string_value(v), want, path, file, line);
}

static inline void check_jint(json_t *o, const char *path, long long want, const char *file, int line)
{
	json_t *v = jget(o, path);

	if (!json_is_integer(v)) {
		print_error("%s: missing or not an integer (want %lld)\n", path, want);
		_fail(file, line);
	}
	synth_check_i(json_integer_value(v), want, path, file, line);
}

static inline void check_jbool(json_t *o, const char *path, bool want, const char *file, int line)
{
	json_t *v = jget(o, path);

	if (!json_is_boolean(v)) {
		print_error("%s: missing or not a boolean (want %s)\n", path, want ? "true" : "false");
		_fail(file, line);
	}
	if (json_is_true(v) != want) {
		print_error("%s: got %s, want %s\n", path, want ? "false" : "true", want ? "true" : "false");
		_fail(file, line);
	}
}

static inline void check_jabsent(json_t *o, const char *path, const char *file, int line)
{
	if (!jget(o, path))
		return;
	print_error("%s: present, want absent\n", path);
	_fail(file, line);
}

static inline void check_jstrs(json_t *o, const char *path, const char *const *want, size_t n,
			const char *file, int line)
{
	json_t *v = jget(o, path);
	char label[96];

	if (!json_is_array(v)) {
		print_error("%s: missing or not an array\n", path);
		_fail(file, line);
	}
	snprintf(label, sizeof(label), "%s: number of elements", path);
	synth_check_u(json_array_size(v), n, label, file, line);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);

		snprintf(label, sizeof(label), "%s[%zu]", path, i);
		if (!json_is_string(e)) {
			print_error("%s: not a string\n", label);
			_fail(file, line);
		}
		synth_check_str(json_string_value(e), want[i], label, file, line);
	}
}

/* "2023-11-14T22:13:20.123456Z": RFC 3339, UTC, microseconds. */
static inline void check_rfc3339_us(json_t *o, const char *path)
{
	const char *s = json_string_value(jget(o, path));
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	bool ok = s && strlen(s) == sizeof(shape) - 1;

	for (size_t i = 0; ok && i < sizeof(shape) - 1; i++)
		ok = shape[i] == 'd' ? (s[i] >= '0' && s[i] <= '9') : s[i] == shape[i];
	if (!ok) {
		print_error("%s: \"%s\" is not YYYY-MM-DDTHH:MM:SS.uuuuuuZ\n", path, s ? s : "(missing)");
		fail();
	}
}

/* The fields EVENTS.md puts in every object. */
static inline void check_common(json_t *o, const char *action, const char *kind, const char *type)
{
	check_rfc3339_us(o, "@timestamp");
	CHECK_JSTR(o, "event.action", action);
	CHECK_JSTR(o, "event.kind", kind);
	CHECK_JSTRS(o, "event.category", "process");
	CHECK_JSTRS(o, "event.type", type);
	CHECK_JSTR(o, "host.hostname", HOSTNAME);
	CHECK_JSTR(o, "host.name", HOSTNAME);
	CHECK_JSTR(o, "host.id", fake_host.id);
	CHECK_JSTR(o, "agent.type", "ptrace-agent");
	CHECK_JSTR(o, "agent.version", PA_VERSION);
}

/* No key but @timestamp holds a dot, at any depth. */
static inline void check_no_dotted_keys(json_t *o)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_array(o)) {
		json_array_foreach(o, i, v)
			check_no_dotted_keys(v);
		return;
	}
	if (!json_is_object(o))
		return;
	json_object_foreach(o, key, v) {
		if (strchr(key, '.') && strcmp(key, "@timestamp")) {
			print_error("dotted key \"%s\"\n", key);
			fail();
		}
		check_no_dotted_keys(v);
	}
}

/* A process the table knows before the records start (from the /proc snapshot). */
static inline struct pa_proc *known(struct fixture *f, const struct synth_task *t, const char *cmdline)
{
	struct pa_proc_info info = {
		.pid = synth_tgid(t),
		.ppid = t->ppid,
		.start_ns = t->start_ns,
		.comm = t->comm,
		.state = 'S',
		.nr_threads = 1,
		.cmdline = cmdline,
	};
	struct pa_proc *p = pa_table_upsert(&f->c.table, &info);

	assert_non_null(p);
	return p;
}

static inline struct pa_proc *proc(struct fixture *f, uint32_t pid)
{
	struct pa_proc *p = pa_table_find(&f->c.table, pid);

	if (!p) {
		print_error("pid %u is not in the table\n", pid);
		fail();
	}
	return p;
}

#endif /* PA_TEST_FIXTURE_H */
