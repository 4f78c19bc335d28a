// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

/* Loading BPF and reading /proc takes well under a second here; allow for
 * a loaded CI machine. */
#define READY_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS 10000
/* h_run_ok: a scenario or tool that takes longer is stuck. */
#define RUN_OK_TIMEOUT_MS 30000

long long h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

const char *h_bpf_skip_reason(void)
{
	if (geteuid() != 0)
		return "not root: BPF programs cannot be loaded";
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return "kernel has no BTF (/sys/kernel/btf/vmlinux)";
	return NULL;
}

const char *h_build_path(const char *rel)
{
	static char paths[8][512];
	static int next;
	const char *dir = getenv("PA_BUILD_DIR");
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir ? dir : ".output", rel);
	return p;
}

static bool file_contains(const char *path, const char *needle)
{
	static char buf[1 << 16];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

const char *h_agent_stderr(const struct h_agent *a)
{
	static char buf[1 << 16];
	int fd = open(a->err_path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

int h_agent_start(struct h_agent *a, const char *const args[])
{
	return h_agent_start_as(a, true, args);
}

int h_agent_start_as(struct h_agent *a, bool json, const char *const args[])
{
	const char *argv[64];
	int argc = 0;
	long long deadline = h_now_ms() + READY_TIMEOUT_MS;

	memset(a, 0, sizeof(*a));
	snprintf(a->dir, sizeof(a->dir), "/tmp/pa-test-XXXXXX");
	if (!mkdtemp(a->dir))
		return -1;
	snprintf(a->out_path, sizeof(a->out_path), "%s/out.json", a->dir);
	snprintf(a->err_path, sizeof(a->err_path), "%s/err.txt", a->dir);
	argv[argc++] = h_build_path("ptrace-agent");
	if (json)
		argv[argc++] = "--json";
	argv[argc++] = "-o";
	argv[argc++] = a->out_path;
	for (int i = 0; args && args[i] && argc < 63; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;

	a->pid = fork();
	if (a->pid < 0)
		return -1;
	if (a->pid == 0) {
		int fd = open(a->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, STDERR_FILENO);
		/* As a shell starts a background job (SIGINT ignored): every
		 * SIGINT stop in the tests then also checks that the agent's
		 * signalfd, which blocks the signal first, still receives it. */
		signal(SIGINT, SIG_IGN);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (h_now_ms() < deadline) {
		if (file_contains(a->err_path, "ptrace-agent: tracing"))
			return 0;
		if (waitpid(a->pid, &a->status, WNOHANG) == a->pid) {
			a->pid = 0;
			fprintf(stderr, "agent exited before tracing: %s\n", h_agent_stderr(a));
			return -1;
		}
		usleep(10000);
	}
	fprintf(stderr, "agent not ready after %d ms: %s\n", READY_TIMEOUT_MS, h_agent_stderr(a));
	return -1;
}

static int wait_bounded(pid_t pid, int *status, int timeout_ms)
{
	long long deadline = h_now_ms() + timeout_ms;

	while (h_now_ms() < deadline) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		usleep(5000);
	}
	return -1;
}

int h_agent_stop(struct h_agent *a)
{
	if (a->pid <= 0)
		return -1;
	kill(a->pid, SIGINT);
	if (wait_bounded(a->pid, &a->status, STOP_TIMEOUT_MS)) {
		kill(a->pid, SIGKILL);
		waitpid(a->pid, &a->status, 0);
		a->pid = 0;
		return -1;
	}
	a->pid = 0;
	return WIFEXITED(a->status) ? WEXITSTATUS(a->status) : -1;
}

void h_agent_cleanup(struct h_agent *a)
{
	if (a->pid > 0)
		h_agent_stop(a);
	if (a->dir[0]) {
		unlink(a->out_path);
		unlink(a->err_path);
		rmdir(a->dir);
	}
}

int h_held_spawn(struct h_held *h, const char *const argv[])
{
	int gate[2], out[2];

	memset(h, 0, sizeof(*h));
	if (pipe2(gate, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	h->pid = fork();
	if (h->pid < 0)
		return -1;
	if (h->pid == 0) {
		char go;

		close(gate[1]);
		close(out[0]);
		if (read(gate[0], &go, 1) != 1)
			_exit(126);
		dup2(out[1], STDOUT_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(gate[0]);
	close(out[1]);
	h->gate_fd = gate[1];
	h->out_fd = out[0];
	return 0;
}

void h_held_release(struct h_held *h)
{
	if (write(h->gate_fd, "g", 1) != 1)
		perror("release");
	close(h->gate_fd);
	h->gate_fd = -1;
}

void h_held_kill(struct h_held *h)
{
	if (h->pid > 0 && waitpid(h->pid, &h->status, WNOHANG) == 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, &h->status, 0);
	}
	h->pid = 0;
}

int h_held_wait(struct h_held *h, int timeout_ms)
{
	long long deadline = h_now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = h->out_fd, .events = POLLIN };

	/* Read until EOF: every process that shares the pipe has ended. */
	while (h_now_ms() < deadline) {
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (h->out_len == sizeof(h->out) - 1) {
			/* Full: keep draining so the writer never blocks or dies
			 * of SIGPIPE; the test sees the first megabyte. */
			char discard[4096];

			n = read(h->out_fd, discard, sizeof(discard));
		} else {
			n = read(h->out_fd, h->out + h->out_len, sizeof(h->out) - 1 - h->out_len);
			if (n > 0)
				h->out_len += n;
		}
		if (n <= 0)
			break;
	}
	h->out[h->out_len] = '\0';
	close(h->out_fd);
	return wait_bounded(h->pid, &h->status, deadline > h_now_ms() ? deadline - h_now_ms() : 1);
}

bool h_kv(const char *text, const char *key, int nth, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *p = text;

	while ((p = strstr(p, key))) {
		bool at_start = p == text || p[-1] == ' ' || p[-1] == '\n';

		if (at_start && p[klen] == '=' && nth-- == 0) {
			size_t n = strcspn(p + klen + 1, " \n");

			if (n >= size)
				return false;
			memcpy(buf, p + klen + 1, n);
			buf[n] = '\0';
			return true;
		}
		p += klen;
	}
	return false;
}

long h_kv_long(const char *text, const char *key, int nth)
{
	char buf[64];

	if (!h_kv(text, key, nth, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

int h_events_load(struct h_events *e, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;

	memset(e, 0, sizeof(*e));
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0 && e->n < H_MAX_EVENTS) {
		json_error_t err;
		json_t *obj = json_loads(line, 0, &err);

		if (!obj) {
			fprintf(stderr, "unparsable line: %s (%s)\n", line, err.text);
			e->bad++;
			continue;
		}
		e->ev[e->n++] = obj;
	}
	free(line);
	fclose(f);
	return 0;
}

void h_events_free(struct h_events *e)
{
	for (size_t i = 0; i < e->n; i++)
		json_decref(e->ev[i]);
	e->n = 0;
}

json_t *h_get(json_t *obj, const char *path)
{
	char key[128];

	while (obj && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		obj = json_object_get(obj, key);
		path += n + (path[n] == '.');
	}
	return obj;
}

long long h_int(json_t *obj, const char *path)
{
	json_t *v = h_get(obj, path);

	return json_is_integer(v) ? json_integer_value(v) : -1;
}

const char *h_str(json_t *obj, const char *path)
{
	json_t *v = h_get(obj, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *h_find(const struct h_events *e, const char *action, long pid, int nth)
{
	for (size_t i = 0; i < e->n; i++) {
		const char *a = h_str(e->ev[i], "event.action");

		if (a && !strcmp(a, action) && (pid < 0 || h_int(e->ev[i], "process.pid") == pid) &&
		    nth-- == 0)
			return e->ev[i];
	}
	return NULL;
}

size_t h_count(const struct h_events *e, const char *action, long pid)
{
	size_t n = 0;

	while (h_find(e, action, pid, n))
		n++;
	return n;
}

static bool line_with_both(const char *path, const char *n1, const char *n2)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0)
		found = strstr(line, n1) && (!n2 || strstr(line, n2));
	free(line);
	fclose(f);
	return found;
}

bool h_wait_for_line(const char *path, const char *needle1, const char *needle2, int timeout_ms)
{
	long long deadline = h_now_ms() + timeout_ms;

	do {
		if (line_with_both(path, needle1, needle2))
			return true;
		usleep(10000);
	} while (h_now_ms() < deadline);
	return false;
}

static void slurp(int fd, char *buf, size_t size, size_t *len)
{
	ssize_t n = read(fd, buf + *len, size - 1 - *len);

	if (n > 0)
		*len += n;
	buf[*len] = '\0';
}

int h_run(struct h_run *r, const char *const argv[], int uid, int timeout_ms)
{
	int out[2], err[2];
	size_t out_len = 0, err_len = 0;
	long long deadline = h_now_ms() + timeout_ms;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		if (uid >= 0 && (setgid(uid) || setuid(uid)))
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	for (;;) {
		struct pollfd p[2] = { { .fd = out[0], .events = POLLIN }, { .fd = err[0], .events = POLLIN } };

		if (h_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &r->status, 0);
			close(out[0]);
			close(err[0]);
			return -1;
		}
		if (poll(p, 2, 50) > 0) {
			if (p[0].revents)
				slurp(out[0], r->out, sizeof(r->out), &out_len);
			if (p[1].revents)
				slurp(err[0], r->err, sizeof(r->err), &err_len);
		}
		if (waitpid(pid, &r->status, WNOHANG) == pid)
			break;
	}
	slurp(out[0], r->out, sizeof(r->out), &out_len);
	slurp(err[0], r->err, sizeof(r->err), &err_len);
	close(out[0]);
	close(err[0]);
	return r->status;
}

int h_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The scenario and the agent's reports of it can take this long on a
 * loaded machine; the scenarios themselves end within seconds. */
#define TRACE_TIMEOUT_MS 30000
#define REPORT_TIMEOUT_MS 10000

int h_trace(struct h_agent *a, struct h_held *h, struct h_events *ev, const char *const argv[],
	    const char *const extra[], const char *const wait_for[])
{
	const char *args[24] = { "-p" };
	char pid[16], needle[48];
	int n = 2;

	if (h_held_spawn(h, argv))
		return -1;
	snprintf(pid, sizeof(pid), "%d", h->pid);
	args[1] = pid;
	for (int i = 0; extra && extra[i] && n < 23; i++)
		args[n++] = extra[i];
	if (h_agent_start(a, args))
		return -1;
	h_held_release(h);
	if (h_held_wait(h, TRACE_TIMEOUT_MS)) {
		fprintf(stderr, "scenario %s did not end in time\n", argv[0]);
		return -1;
	}
	snprintf(needle, sizeof(needle), "\"pid\":%d,", h->pid);
	if (!h_wait_for_line(a->out_path, "\"action\":\"exit\"", needle, REPORT_TIMEOUT_MS)) {
		fprintf(stderr, "the agent never reported the exit of pid %d\n", h->pid);
		return -1;
	}
	for (int i = 0; wait_for && wait_for[i]; i++) {
		if (!h_wait_for_line(a->out_path, wait_for[i], NULL, REPORT_TIMEOUT_MS)) {
			fprintf(stderr, "the agent never wrote a line with %s\n", wait_for[i]);
			return -1;
		}
	}
	if (h_agent_stop(a) != 0 || h_events_load(ev, a->out_path) || ev->bad) {
		fprintf(stderr, "agent stop or output failed: %s\n", h_agent_stderr(a));
		return -1;
	}
	return 0;
}

char *h_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

void h_run_ok(const char *const argv[])
{
	static struct h_run r;

	assert_int_equal(h_run(&r, argv, -1, RUN_OK_TIMEOUT_MS), 0);
}

size_t h_occurrences(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

struct h_agent agent;
struct h_held held;
struct h_events events;

int h_teardown(void **state)
{
	(void)state;
	h_events_free(&events);
	h_agent_cleanup(&agent);
	h_held_kill(&held);
	return 0;
}
