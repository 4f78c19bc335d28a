/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Integration-test harness: run the real agent (real BPF programs) and the
 * scenario programs from tools/, then read back what the agent wrote.
 * Waits are on conditions with deadlines, never fixed sleeps.
 */
#ifndef PA_HARNESS_H
#define PA_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#define H_MAX_EVENTS 100000

struct h_events;

/* Why this machine cannot run BPF tests, or NULL if it can. */
const char *h_bpf_skip_reason(void);
/* In a cmocka test: skip, saying why, where BPF programs cannot load. */
#define H_SKIP_WITHOUT_BPF()                                         \
	do {                                                         \
		const char *why_ = h_bpf_skip_reason();              \
		if (why_) {                                          \
			print_message("SKIPPED: %s\n", why_);        \
			skip();                                      \
		}                                                    \
	} while (0)
/* Path of a built program: h_build_path("ptrace-agent"), h_build_path("tools/scenarios/fork_chain"). */
const char *h_build_path(const char *rel);

struct h_agent {
	pid_t pid;
	char dir[64];        /* temp dir holding out.json and err.txt */
	char out_path[96];
	char err_path[96];
	int status;          /* wait status once stopped */
};

/* Start `ptrace-agent --json -o OUT ARGS...` and wait until it says it is
 * tracing.  Returns 0, or -1 (with the agent's stderr printed) if it
 * exited or did not get ready in time. */
int h_agent_start(struct h_agent *a, const char *const args[]);
/* The same, choosing the text stream (json false) or JSON. */
int h_agent_start_as(struct h_agent *a, bool json, const char *const args[]);
/* SIGINT, then wait (bounded). Returns the exit code, or -1. */
int h_agent_stop(struct h_agent *a);
void h_agent_cleanup(struct h_agent *a);
/* The agent's stderr, read whole (static buffer). */
const char *h_agent_stderr(const struct h_agent *a);

/* A process held at a gate: forked now, it runs argv only when released,
 * so its pid can be handed to --pid before it does anything. Its stdout
 * goes to a pipe that h_held_wait collects. */
struct h_held {
	pid_t pid;
	int gate_fd;
	int out_fd;
	char out[1 << 20];  /* exec_args prints ~120 KiB of hex */
	size_t out_len;
	int status;
};
int h_held_spawn(struct h_held *h, const char *const argv[]);
void h_held_release(struct h_held *h);
/* Kill it if it still runs (teardown after a failed assertion). */
void h_held_kill(struct h_held *h);
/* Wait for it to end (bounded), collecting stdout. 0 or -1 on timeout. */
int h_held_wait(struct h_held *h, int timeout_ms);

/* Run argv held at a gate with the agent following only it (-p PID, then
 * extra), wait until the agent reported the held process's exit and a line
 * holding each of wait_for (may be NULL), stop the agent and load what it
 * wrote.  0, or -1 with the reason on stderr. */
int h_trace(struct h_agent *a, struct h_held *h, struct h_events *ev, const char *const argv[],
	    const char *const extra[], const char *const wait_for[]);

/*
 * What most tests share: the agent, the scenario held at its gate, and the
 * events read back.  h_teardown stops and frees them after each test, also
 * when an assertion jumped out of it; a test with more to clean up calls
 * it from its own teardown.
 */
extern struct h_agent agent;
extern struct h_held held;
extern struct h_events events;
int h_teardown(void **state);

/* Scenario output: the value of key on the first line holding `key=`
 * after the line index *from (or 0); copies into buf. */
bool h_kv(const char *text, const char *key, int nth, char *buf, size_t size);
long h_kv_long(const char *text, const char *key, int nth);

/* The agent's JSON lines. */
struct h_events {
	json_t *ev[H_MAX_EVENTS];
	size_t n;
	size_t bad;   /* lines that did not parse: must stay 0 */
};
int h_events_load(struct h_events *e, const char *path);
void h_events_free(struct h_events *e);
/* Nested lookup by dotted path: "process.parent.pid". */
json_t *h_get(json_t *obj, const char *path);
long long h_int(json_t *obj, const char *path);
const char *h_str(json_t *obj, const char *path);
/* The nth (0-based) event with this action and process.pid; NULL if none. */
json_t *h_find(const struct h_events *e, const char *action, long pid, int nth);
size_t h_count(const struct h_events *e, const char *action, long pid);

/* Run argv (bounded) and fail the test unless it exits 0. */
void h_run_ok(const char *const argv[]);
/* How many times needle occurs in text (overlaps counted). */
size_t h_occurrences(const char *text, const char *needle);

/* A whole file, NUL-terminated, malloc'd (free it); *len its size if
 * len is not NULL.  Fails the test if it cannot be read. */
char *h_slurp(const char *path, size_t *len);

/* Milliseconds since an arbitrary start, for deadlines. */
long long h_now_ms(void);

#endif

#ifndef PA_HARNESS_WAIT_H
#define PA_HARNESS_WAIT_H
/* Wait until a line of the file holds both needles (needle2 may be NULL). */
bool h_wait_for_line(const char *path, const char *needle1, const char *needle2, int timeout_ms);
#endif

#ifndef PA_HARNESS_RUN_H
#define PA_HARNESS_RUN_H
/* Run argv to completion (bounded), capturing stdout and stderr. With
 * uid >= 0 the child drops to that uid first. Returns the wait status, or
 * -1 on timeout (the child is killed). */
struct h_run {
	char out[1 << 16];
	char err[1 << 14];
	int status;
};
int h_run(struct h_run *r, const char *const argv[], int uid, int timeout_ms);
/* Lines in s. */
int h_lines(const char *s);
#endif
