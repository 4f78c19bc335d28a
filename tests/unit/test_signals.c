// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Signal and failed-exec records through the collector and both sinks:
 * the fields of a signal event, its result and the target's disposition,
 * the exit a fatal signal caused naming its sender, --signals showing
 * nothing else, and the decoder's checks of the new records.
 */
#include <errno.h>
#include <signal.h>

#include "detect_deadlock.h"
#include "fixture.h"

static const struct synth_task killer = {
	.pid = 555, .ppid = 100, .start_ns = 15 * NS_PER_SEC, .comm = "kill",
};

/* The table knows the shell, its child and the sender. */
static void family(struct fixture *f)
{
	struct pa_fork_event a = synth_fork(11 * NS_PER_SEC, &child, &shell);
	struct pa_fork_event b = synth_fork(16 * NS_PER_SEC, &killer, &shell);

	FEED(f, a);
	FEED(f, b);
	drain(f);
}

static void test_signal_json_fields(void **state)
{
	struct fixture *f = *state;
	struct pa_signal_event e = synth_signal(21 * NS_PER_SEC, &child, &killer, SIGTERM,
						PA_SIGRES_DELIVERED, PA_SIGACT_HANDLER, 0);

	family(f);
	FEED(f, e);
	CHECK_U(drain(f), 1, "one line for one signal");
	CHECK_JSTR(f->lines[0], "event.action", "signal");
	CHECK_JSTR(f->lines[0], "event.kind", "event");
	CHECK_JINT(f->lines[0], "process.pid", 200);
	CHECK_JINT(f->lines[0], "process.thread.id", 200);
	CHECK_JSTR(f->lines[0], "ptrace_agent.signal.name", "SIGTERM");
	CHECK_JINT(f->lines[0], "ptrace_agent.signal.number", SIGTERM);
	CHECK_JSTR(f->lines[0], "ptrace_agent.signal.stage", "generate");
	CHECK_JSTR(f->lines[0], "ptrace_agent.signal.result", "delivered");
	CHECK_JSTR(f->lines[0], "ptrace_agent.signal.action", "handler");
	CHECK_JSTR(f->lines[0], "ptrace_agent.signal.default_action", "terminate");
	CHECK_JSTR(f->lines[0], "ptrace_agent.signal.code", "SI_USER");
	CHECK_JBOOL(f->lines[0], "ptrace_agent.signal.fatal", false);
	CHECK_JINT(f->lines[0], "ptrace_agent.signal.sender.pid", 555);
	CHECK_JINT(f->lines[0], "ptrace_agent.signal.sender.thread.id", 555);
	CHECK_JSTR(f->lines[0], "ptrace_agent.signal.sender.name", "kill");
}

/* Queued while the target blocks it: "blocked", not "delivered". */
static void test_signal_blocked_result(void **state)
{
	struct fixture *f = *state;
	struct pa_signal_event e = synth_signal(21 * NS_PER_SEC, &child, &killer, SIGUSR1,
						PA_SIGRES_DELIVERED, PA_SIGACT_DEFAULT,
						PA_F_SIG_BLOCKED);
	struct pa_signal_event p = synth_signal(22 * NS_PER_SEC, &child, &killer, SIGUSR1,
						PA_SIGRES_ALREADY_PENDING, PA_SIGACT_DEFAULT,
						PA_F_SIG_BLOCKED);

	family(f);
	FEED(f, e);
	FEED(f, p);
	CHECK_U(drain(f), 2, "two lines");
	CHECK_JSTR(f->lines[0], "ptrace_agent.signal.result", "blocked");
	CHECK_JSTR(f->lines[1], "ptrace_agent.signal.result", "already_pending");
}

/* A delivery names no sender process unless siginfo did, and says so. */
static void test_signal_delivery_stage(void **state)
{
	struct fixture *f = *state;
	struct pa_signal_event e = synth_signal(21 * NS_PER_SEC, &child, NULL, SIGSEGV,
						PA_SIGRES_DELIVERED, PA_SIGACT_HANDLER,
						PA_F_SIG_DELIVER);

	e.code = 1; /* SEGV_MAPERR */
	family(f);
	FEED(f, e);
	CHECK_U(drain(f), 1, "one line");
	CHECK_JSTR(f->lines[0], "ptrace_agent.signal.stage", "deliver");
	CHECK_JSTR(f->lines[0], "ptrace_agent.signal.code", "kernel");
	CHECK_JSTR(f->lines[0], "ptrace_agent.signal.default_action", "core");
	CHECK_JABSENT(f->lines[0], "ptrace_agent.signal.sender");
}

/* The exit a fatal signal caused names who sent it. */
static void test_exit_names_killer(void **state)
{
	struct fixture *f = *state;
	struct pa_signal_event e = synth_signal(21 * NS_PER_SEC, &child, &killer, SIGTERM,
						PA_SIGRES_DELIVERED, PA_SIGACT_DEFAULT,
						PA_F_SIG_FATAL);
	struct pa_exit_event x = synth_exit(21 * NS_PER_SEC + 5, &child, SIGTERM, true);

	family(f);
	FEED(f, e);
	FEED(f, x);
	CHECK_U(drain(f), 2, "the signal and the exit");
	CHECK_JBOOL(f->lines[0], "ptrace_agent.signal.fatal", true);
	CHECK_JSTR(f->lines[1], "event.action", "exit");
	CHECK_JSTR(f->lines[1], "ptrace_agent.exit.signal", "SIGTERM");
	CHECK_JINT(f->lines[1], "ptrace_agent.exit.killed_by.pid", 555);
	CHECK_JSTR(f->lines[1], "ptrace_agent.exit.killed_by.name", "kill");
}

/* A SIGTERM was sent, but a SIGKILL ended it: the sender is not named. */
static void test_exit_other_signal_not_linked(void **state)
{
	struct fixture *f = *state;
	struct pa_signal_event e = synth_signal(21 * NS_PER_SEC, &child, &killer, SIGTERM,
						PA_SIGRES_DELIVERED, PA_SIGACT_DEFAULT,
						PA_F_SIG_FATAL);
	struct pa_exit_event x = synth_exit(22 * NS_PER_SEC, &child, SIGKILL, true);

	family(f);
	FEED(f, e);
	FEED(f, x);
	CHECK_U(drain(f), 2, "the signal and the exit");
	CHECK_JSTR(f->lines[1], "ptrace_agent.exit.signal", "SIGKILL");
	CHECK_JABSENT(f->lines[1], "ptrace_agent.exit.killed_by");
}

/* --signals: the fork and the exit are not shown, the signal is. */
static void test_signals_only(void **state)
{
	struct fixture *f = *state;
	struct synth_task other = child;
	struct pa_fork_event fk;
	struct pa_signal_event e;
	struct pa_exit_event x;

	family(f);
	f->c.signals_only = true;
	other.pid = 201;
	fk = synth_fork(21 * NS_PER_SEC, &other, &shell);
	e = synth_signal(22 * NS_PER_SEC, &other, &killer, SIGHUP, PA_SIGRES_DELIVERED,
			 PA_SIGACT_DEFAULT, PA_F_SIG_FATAL);
	x = synth_exit(23 * NS_PER_SEC, &other, SIGHUP, true);
	FEED(f, fk);
	FEED(f, e);
	FEED(f, x);
	CHECK_U(drain(f), 1, "only the signal");
	CHECK_JSTR(f->lines[0], "event.action", "signal");
	CHECK_JINT(f->lines[0], "process.pid", 201);
}

/* A signal to a process the table never knew is not reported: nothing to name it by. */
static void test_signal_unknown_target_dropped(void **state)
{
	struct fixture *f = *state;
	struct synth_task ghost = { .pid = 999, .ppid = 1, .start_ns = 5, .comm = "ghost" };
	struct pa_signal_event e = synth_signal(21 * NS_PER_SEC, &ghost, &killer, SIGTERM,
						PA_SIGRES_DELIVERED, PA_SIGACT_DEFAULT, 0);

	FEED(f, e);
	CHECK_U(drain(f), 0, "no line");
}

static void test_exec_failed_json(void **state)
{
	struct fixture *f = *state;
	struct pa_exec_failed_event e = synth_exec_failed(21 * NS_PER_SEC, &child, "/no/such", ENOENT);

	family(f);
	FEED(f, e);
	CHECK_U(drain(f), 1, "one line");
	CHECK_JSTR(f->lines[0], "event.action", "exec_failed");
	CHECK_JINT(f->lines[0], "process.pid", 200);
	CHECK_JSTR(f->lines[0], "ptrace_agent.exec_failed.filename", "/no/such");
	CHECK_JSTR(f->lines[0], "ptrace_agent.exec_failed.error", "ENOENT");
	CHECK_JINT(f->lines[0], "ptrace_agent.exec_failed.errno", ENOENT);
}

static void test_text_lines(void **state)
{
	struct fixture *f = *state;
	struct pa_signal_event ign = synth_signal(21 * NS_PER_SEC, &child, &killer, SIGHUP,
						  PA_SIGRES_IGNORED, PA_SIGACT_IGNORE, 0);
	struct pa_signal_event hnd = synth_signal(21 * NS_PER_SEC, &child, &killer, SIGUSR1,
						  PA_SIGRES_DELIVERED, PA_SIGACT_HANDLER, 0);
	struct pa_signal_event dlv = synth_signal(21 * NS_PER_SEC, &child, NULL, SIGUSR1,
						  PA_SIGRES_DELIVERED, PA_SIGACT_HANDLER,
						  PA_F_SIG_DELIVER);
	struct pa_signal_event term = synth_signal(21 * NS_PER_SEC, &child, &killer, SIGTERM,
						   PA_SIGRES_DELIVERED, PA_SIGACT_DEFAULT,
						   PA_F_SIG_FATAL);
	struct pa_exit_event x = synth_exit(21 * NS_PER_SEC, &child, SIGTERM, true);
	struct pa_exec_failed_event xf = synth_exec_failed(21 * NS_PER_SEC, &child, "/bin/nope", EACCES);

	family(f);
	FEED(f, ign);
	FEED(f, hnd);
	FEED(f, dlv);
	FEED(f, xf);
	FEED(f, term);
	FEED(f, x);
	drain(f);
	CHECK_STR(f->text,
		  "22:13:41.000 signal 200     100     bash             SIGHUP from kill[555] ignored (SIG_IGN)\n"
		  "22:13:41.000 signal 200     100     bash             SIGUSR1 from kill[555] delivered, handler\n"
		  "22:13:41.000 signal 200     100     bash             SIGUSR1 taken, handler\n"
		  "22:13:41.000 exfail 200     100     bash             /bin/nope failed: EACCES\n"
		  "22:13:41.000 signal 200     100     bash             SIGTERM from kill[555] delivered, default: terminate\n"
		  "22:13:41.000 exit   200     100     bash             killed by SIGTERM from kill[555] after 1.00s\n",
		  "signal, failed exec and linked exit lines");
}

/* A deadlock report in both sinks: the cycle, its edges, the user stack. */
static struct pa_deadlock_member dl_members[2];
static struct pa_ustack dl_stack = { .nr = 2, .frames = { "pthread_mutex_lock+0x112 (libc.so.6)",
							  "worker+0x53 (/usr/bin/app)" } };

static void deadlock_of_child(struct fixture *f)
{
	struct pa_deadlock_info info = { .members = dl_members, .nr = 2 };

	family(f);
	for (int i = 0; i < 2; i++) {
		struct pa_deadlock_member *m = &dl_members[i];

		memset(m, 0, sizeof(*m));
		m->tid = 201 + i;
		m->tgid = 200;
		snprintf(m->comm, sizeof(m->comm), "worker");
		m->state = 'S';
		m->waited_ns = 2500 * NS_PER_MS;
		m->waits_for = "mutex";
		snprintf(m->resource, sizeof(m->resource), "0x%x", 0x1000 * (i + 1));
		m->held_by = 202 - i;
		m->held_by_pid = 200;
		m->syscall = 202;
		snprintf(m->wchan, sizeof(m->wchan), "futex_do_wait");
		m->ustack = i == 0 ? &dl_stack : NULL;
	}
	pa_collector_deadlock(&f->c, &info, 21 * NS_PER_SEC);
}

static void test_deadlock_json(void **state)
{
	struct fixture *f = *state;
	json_t *edges, *e0;

	deadlock_of_child(f);
	CHECK_U(drain(f), 1, "one alert");
	CHECK_JSTR(f->lines[0], "event.action", "deadlock");
	CHECK_JSTR(f->lines[0], "event.kind", "alert");
	CHECK_JINT(f->lines[0], "process.pid", 200);
	CHECK_JINT(f->lines[0], "process.thread.id", 201);
	CHECK_U(json_array_size(jget(f->lines[0], "ptrace_agent.deadlock.threads")), 2, "two threads");
	edges = jget(f->lines[0], "ptrace_agent.deadlock.edges");
	CHECK_U(json_array_size(edges), 2, "two edges");
	e0 = json_array_get(edges, 0);
	CHECK_JINT(e0, "thread", 201);
	CHECK_JINT(e0, "held_by", 202);
	CHECK_JSTR(e0, "waits_for", "mutex");
	CHECK_JSTR(e0, "resource", "0x1000");
	CHECK_JINT(e0, "waited_ms", 2500);
	CHECK_JSTR(e0, "syscall", "futex");
	CHECK_JSTRS(e0, "user_stack", "pthread_mutex_lock+0x112 (libc.so.6)", "worker+0x53 (/usr/bin/app)");
	CHECK_JABSENT(json_array_get(edges, 1), "user_stack");
}

/* --pid: a cycle of threads none of which is followed is not ours. */
static void test_deadlock_not_followed(void **state)
{
	struct fixture *f = *state;

	f->c.pid_filtered = true;
	deadlock_of_child(f);
	CHECK_U(drain(f), 0, "no alert");
}

static void test_deadlock_text(void **state)
{
	struct fixture *f = *state;

	deadlock_of_child(f);
	drain(f);
	CHECK_STR(f->text,
		  "22:13:41.000 deadlk 200     100     bash             2 threads: 201 (worker) mutex 0x1000 "
		  "held by 202 (2.50s), 202 (worker) mutex 0x2000 held by 201 (2.50s)\n",
		  "one line naming the cycle");
}

/* A sender may name itself anything: the text line escapes it. */
static void test_text_sender_name_escaped(void **state)
{
	struct fixture *f = *state;
	struct synth_task evil = killer;
	struct pa_signal_event e;

	evil.comm = "\x1b]0;pwn\x07";
	e = synth_signal(21 * NS_PER_SEC, &child, &evil, SIGTERM, PA_SIGRES_DELIVERED,
			 PA_SIGACT_HANDLER, 0);
	family(f);
	FEED(f, e);
	drain(f);
	CHECK(!strchr(f->text, '\x1b') && !strchr(f->text, '\x07'), "no raw control bytes");
	CHECK(strstr(f->text, "pwn") != NULL, "the name is still shown");
}

static void put_bad_signal(void **state)
{
	struct pa_signal_event e = synth_signal(1, &child, &killer, SIGTERM, 0, 0, 0);
	const struct pa_event_header *h;

	(void)state;
	CHECK_I(pa_decode(&e, sizeof(e), &h), PA_DECODE_OK, "a good signal record");
	memset(e.sender_comm, 'x', sizeof(e.sender_comm));
	CHECK_I(pa_decode(&e, sizeof(e), &h), PA_DECODE_BAD_COMM, "sender comm without NUL");
}

static void put_bad_exec_failed(void **state)
{
	struct pa_exec_failed_event e = synth_exec_failed(1, &child, "/x", ENOENT);
	const struct pa_event_header *h;

	(void)state;
	CHECK_I(pa_decode(&e, sizeof(e), &h), PA_DECODE_OK, "a good failed-exec record");
	CHECK_I(pa_decode(&e, sizeof(e) - 8, &h), PA_DECODE_BAD_SIZE, "cut record");
	memset(e.filename, 'x', sizeof(e.filename));
	CHECK_I(pa_decode(&e, sizeof(e), &h), PA_DECODE_BAD_SIZE, "filename without NUL");
}

int main(void)
{
#define J(t) cmocka_unit_test_setup_teardown(t, setup_json, teardown)
#define T(t) cmocka_unit_test_setup_teardown(t, setup_text, teardown)
	const struct CMUnitTest tests[] = {
		J(test_signal_json_fields),
		J(test_signal_blocked_result),
		J(test_signal_delivery_stage),
		J(test_exit_names_killer),
		J(test_exit_other_signal_not_linked),
		J(test_signals_only),
		J(test_signal_unknown_target_dropped),
		J(test_exec_failed_json),
		T(test_text_lines),
		T(test_text_sender_name_escaped),
		J(test_deadlock_json),
		J(test_deadlock_not_followed),
		T(test_deadlock_text),
		cmocka_unit_test(put_bad_signal),
		cmocka_unit_test(put_bad_exec_failed),
	};
#undef J
#undef T

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("signals", tests, NULL, NULL);
}
