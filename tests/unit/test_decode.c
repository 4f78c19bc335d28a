// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * decode: every pa_decode_result, each from the smallest record that
 * provokes it, and pa_args_split on the argv shapes the kernel produces.
 */
#include <stdio.h>

#include "synth.h"

#include "decode.h"

static const struct synth_task task = {
	.pid = 100, .ppid = 1, .start_ns = 5000000000ULL, .comm = "sh",
};

/* What *hdr holds before a call: a refused record must leave it alone. */
static const struct pa_event_header unset_hdr;
#define UNSET (&unset_hdr)

static enum pa_decode_result decode(const void *data, size_t size, const struct pa_event_header **h)
{
	*h = UNSET;
	return pa_decode(data, size, h);
}

static const char *result_name(enum pa_decode_result r)
{
	switch (r) {
	case PA_DECODE_OK:
		return "OK";
	case PA_DECODE_SHORT:
		return "SHORT";
	case PA_DECODE_BAD_SIZE:
		return "BAD_SIZE";
	case PA_DECODE_UNKNOWN:
		return "UNKNOWN";
	case PA_DECODE_BAD_COMM:
		return "BAD_COMM";
	case PA_DECODE_BAD_CGROUP:
		return "BAD_CGROUP";
	}
	return "?";
}

#define CHECK_RESULT(got, want, what) CHECK_STR(result_name(got), result_name(want), (what))

/* ---- accepted records --------------------------------------------------- */

static void test_fork_ok(void **state)
{
	struct pa_fork_event e = synth_fork(1, &task, &task);
	const struct pa_event_header *h;

	(void)state;
	CHECK_RESULT(decode(&e, sizeof(e), &h), PA_DECODE_OK, "fork");
	CHECK(h == &e.hdr, "hdr points into the record");
}

static void test_exit_ok(void **state)
{
	struct pa_exit_event e = synth_exit(1, &task, 0, true);
	const struct pa_event_header *h;

	(void)state;
	CHECK_RESULT(decode(&e, sizeof(e), &h), PA_DECODE_OK, "exit");
	CHECK(h == &e.hdr, "hdr points into the record");
}

static void test_free_ok(void **state)
{
	struct pa_free_event e = synth_free(1, &task);
	const struct pa_event_header *h;

	(void)state;
	CHECK_RESULT(decode(&e, sizeof(e), &h), PA_DECODE_OK, "free");
	CHECK(h == &e.hdr, "hdr points into the record");
}

static void test_exec_ok(void **state)
{
	struct pa_exec_event *e = synth_exec(1, &task, 100, "/bin/ls", ARGS("ls\0-l\0"), 2, 0);
	const struct pa_event_header *h;

	(void)state;
	CHECK_RESULT(decode(e, e->hdr.size, &h), PA_DECODE_OK, "exec");
	CHECK(h == &e->hdr, "hdr points into the record");
	free(e);
}

/* A fault or an empty argv leaves no argv bytes at all. */
static void test_exec_without_args_ok(void **state)
{
	struct pa_exec_event *e = synth_exec(1, &task, 100, "/bin/true", NULL, 0, 1, PA_F_ARGS_FAULT);
	const struct pa_event_header *h;

	(void)state;
	CHECK_RESULT(decode(e, e->hdr.size, &h), PA_DECODE_OK, "exec with args_len 0");
	free(e);
}

/* bpf_probe_read_kernel_str() failing: the BPF side sends "" (length 1). */
static void test_exec_empty_filename_ok(void **state)
{
	struct pa_exec_event *e = synth_exec(1, &task, 100, "", ARGS("x\0"), 1, 0);
	const struct pa_event_header *h;

	(void)state;
	CHECK_U(e->filename_len, 1, "filename_len of \"\"");
	CHECK_RESULT(decode(e, e->hdr.size, &h), PA_DECODE_OK, "exec with an empty filename");
	free(e);
}

/* A reader may hand more bytes than the record (e.g. a padded slot). */
static void test_buffer_longer_than_record_ok(void **state)
{
	struct {
		struct pa_fork_event e;
		char pad[8];
	} buf;
	const struct pa_event_header *h;

	(void)state;
	memset(&buf, 0, sizeof(buf));
	buf.e = synth_fork(1, &task, &task);
	CHECK_RESULT(decode(&buf, sizeof(buf), &h), PA_DECODE_OK, "trailing bytes after hdr.size");
}

/* ---- refused records ---------------------------------------------------- */

static void test_shorter_than_header(void **state)
{
	struct pa_fork_event e = synth_fork(1, &task, &task);
	const struct pa_event_header *h;

	(void)state;
	CHECK_RESULT(decode(&e, 0, &h), PA_DECODE_SHORT, "0 bytes");
	CHECK_RESULT(decode(&e, 4, &h), PA_DECODE_SHORT, "4 bytes");
	CHECK_RESULT(decode(&e, sizeof(struct pa_event_header) - 1, &h), PA_DECODE_SHORT,
		     "one byte short of a header");
	CHECK(h == UNSET, "*hdr untouched on refusal");
}

static void test_size_beyond_buffer(void **state)
{
	struct pa_fork_event e = synth_fork(1, &task, &task);
	const struct pa_event_header *h;

	(void)state;
	CHECK_RESULT(decode(&e, sizeof(e) - 1, &h), PA_DECODE_BAD_SIZE, "hdr.size one past the bytes");
	CHECK(h == UNSET, "*hdr untouched on refusal");
}

static void test_size_below_header(void **state)
{
	struct pa_fork_event e = synth_fork(1, &task, &task);
	const struct pa_event_header *h;

	(void)state;
	e.hdr.size = sizeof(struct pa_event_header) - 1;
	CHECK_RESULT(decode(&e, sizeof(e), &h), PA_DECODE_BAD_SIZE, "hdr.size below a header");
	e.hdr.size = 0;
	CHECK_RESULT(decode(&e, sizeof(e), &h), PA_DECODE_BAD_SIZE, "hdr.size 0");
}

static void test_unknown_types(void **state)
{
	struct {
		struct pa_event_header hdr;
		char body[16];
	} e;
	const struct pa_event_header *h;

	(void)state;
	memset(&e, 0, sizeof(e));
	synth_header(&e.hdr, 0, sizeof(e), 1, &task);
	CHECK_RESULT(decode(&e, sizeof(e), &h), PA_DECODE_UNKNOWN, "type 0");
	e.hdr.type = PA_EV_TYPE_MAX;
	CHECK_RESULT(decode(&e, sizeof(e), &h), PA_DECODE_UNKNOWN, "type PA_EV_TYPE_MAX");
	e.hdr.type = 0xffff;
	CHECK_RESULT(decode(&e, sizeof(e), &h), PA_DECODE_UNKNOWN, "type 0xffff");
	CHECK(h == UNSET, "*hdr untouched for an unknown type");
}

/* An unknown type can only be skipped if its size is sane. */
static void test_unknown_type_with_bad_size(void **state)
{
	struct pa_event_header e;
	const struct pa_event_header *h;

	(void)state;
	synth_header(&e, 77, sizeof(e) + 100, 1, &task);
	CHECK_RESULT(decode(&e, sizeof(e), &h), PA_DECODE_BAD_SIZE, "unknown type, hdr.size past the bytes");
}

static void test_known_type_too_short(void **state)
{
	struct pa_fork_event fork = synth_fork(1, &task, &task);
	struct pa_exit_event exit = synth_exit(1, &task, 0, true);
	struct pa_exec_event *exec = synth_exec(1, &task, 100, "/bin/ls", NULL, 0, 0, 0);
	const struct pa_event_header *h;

	(void)state;
	fork.hdr.size = sizeof(struct pa_event_header);
	CHECK_RESULT(decode(&fork, sizeof(fork), &h), PA_DECODE_SHORT, "fork of header size");
	exit.hdr.size = sizeof(exit) - 1;
	CHECK_RESULT(decode(&exit, sizeof(exit), &h), PA_DECODE_SHORT, "exit one byte short");
	exec->hdr.size = sizeof(struct pa_exec_event) - 1;
	CHECK_RESULT(decode(exec, sizeof(struct pa_exec_event), &h), PA_DECODE_SHORT,
		     "exec shorter than its fixed part");
	free(exec);
}

static void test_fixed_type_too_long(void **state)
{
	struct {
		struct pa_fork_event e;
		char pad[8];
	} buf;
	const struct pa_event_header *h;

	(void)state;
	memset(&buf, 0, sizeof(buf));
	buf.e = synth_fork(1, &task, &task);
	buf.e.hdr.size = sizeof(buf);
	CHECK_RESULT(decode(&buf, sizeof(buf), &h), PA_DECODE_BAD_SIZE, "fork with hdr.size 8 too big");
}

static void test_exec_lengths_disagree_with_size(void **state)
{
	struct pa_exec_event *e = synth_exec(1, &task, 100, "/bin/ls", ARGS("ls\0"), 1, 0);
	const struct pa_event_header *h;

	(void)state;
	e->args_len++;
	CHECK_RESULT(decode(e, e->hdr.size, &h), PA_DECODE_BAD_SIZE, "args_len one too many");
	e->args_len -= 2;
	CHECK_RESULT(decode(e, e->hdr.size, &h), PA_DECODE_BAD_SIZE, "args_len one too few");
	e->args_len++;
	e->filename_len++;
	CHECK_RESULT(decode(e, e->hdr.size, &h), PA_DECODE_BAD_SIZE, "filename_len one too many");
	free(e);
}

static void test_exec_zero_filename_len(void **state)
{
	struct pa_exec_event *e = synth_exec(1, &task, 100, "", ARGS("x\0"), 1, 0);
	const struct pa_event_header *h;

	(void)state;
	/* Move the filename's byte into the args: sizes agree, filename_len 0. */
	e->filename_len = 0;
	e->args_len++;
	CHECK_RESULT(decode(e, e->hdr.size, &h), PA_DECODE_BAD_SIZE, "filename_len 0");
	free(e);
}

static void test_exec_filename_not_terminated(void **state)
{
	struct pa_exec_event *e = synth_exec(1, &task, 100, "/bin/ls", ARGS("ls\0"), 1, 0);
	const struct pa_event_header *h;

	(void)state;
	/* Shift the boundary: the filename field now ends in 's', not NUL. */
	e->filename_len--;
	e->args_len++;
	CHECK_RESULT(decode(e, e->hdr.size, &h), PA_DECODE_BAD_SIZE, "filename without its NUL");
	free(e);
}

/* A record file or a damaged ring can hold a comm without its NUL; every
 * sink prints comm as a string, so it is refused (found by the fuzzer). */
static void test_comm_without_nul(void **state)
{
	struct pa_fork_event e = synth_fork(1, &task, &task);
	const struct pa_event_header *h;

	(void)state;
	memset(e.hdr.comm, 'x', sizeof(e.hdr.comm));
	CHECK_RESULT(decode(&e, sizeof(e), &h), PA_DECODE_BAD_COMM, "16 bytes, no NUL");
	e.hdr.comm[sizeof(e.hdr.comm) - 1] = '\0';
	CHECK_RESULT(decode(&e, sizeof(e), &h), PA_DECODE_OK, "15 bytes and the NUL");
}

static void test_exec_accessors(void **state)
{
	struct pa_exec_event *e = synth_exec(1, &task, 100, "/bin/ls", ARGS("ls\0-l"), 2, 0);

	(void)state;
	CHECK_STR(pa_exec_filename(e), "/bin/ls", "filename");
	CHECK(pa_exec_args_area(e) == e->data + 8, "args area right after the filename's NUL");
	CHECK_MEM(pa_exec_args_area(e), e->args_len, "ls\0-l", "args area bytes");
	free(e);
}

/* ---- identity (ABI 3) ---------------------------------------------------- */

/* The layout is the contract with the kernel side and with record files:
 * a change must come with a new PA_ABI_VERSION. */
static void test_abi_layout(void **state)
{
	(void)state;
	CHECK_U(PA_ABI_VERSION, 4, "PA_ABI_VERSION");
	CHECK_U(sizeof(struct pa_task_ids), 32 + PA_CGROUP_NAME_LEN, "sizeof(struct pa_task_ids)");
	CHECK_U(offsetof(struct pa_task_ids, cgroup), 32, "pa_task_ids.cgroup after eight u32");
	CHECK_U(sizeof(struct pa_fork_event), 80 + sizeof(struct pa_task_ids), "sizeof(struct pa_fork_event)");
	CHECK_U(offsetof(struct pa_fork_event, ids), 80, "fork: ids after task_start_ns");
	CHECK_U(sizeof(struct pa_exec_event), 72 + sizeof(struct pa_task_ids), "sizeof(struct pa_exec_event)");
	CHECK_U(offsetof(struct pa_exec_event, data), sizeof(struct pa_exec_event), "exec: data[] right after ids");
	/* The ring buffer rounds records to 8 bytes: no padding wasted. */
	CHECK_U(sizeof(struct pa_fork_event) % 8, 0, "fork record a multiple of 8");
	CHECK_U(sizeof(struct pa_exec_event) % 8, 0, "exec fixed part a multiple of 8");
	/* ABI 4 */
	CHECK_U(sizeof(struct pa_signal_event), 104, "sizeof(struct pa_signal_event)");
	CHECK_U(offsetof(struct pa_signal_event, sig), 88, "signal: sig after the sender");
	CHECK_U(sizeof(struct pa_exec_failed_event), 64 + PA_FILENAME_MAX, "sizeof(struct pa_exec_failed_event)");
	CHECK_U(sizeof(struct pa_futex_wait), 32, "sizeof(struct pa_futex_wait)");
}

static const struct pa_task_ids docker_ids = {
	.uid = 1000, .euid = 0, .gid = 1000, .egid = 0, .sid = 100, .vpid = 1, .tty_nr = 0x8800,
	.cgroup = "docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
};

static const struct synth_task in_docker = {
	.pid = 300, .ppid = 100, .start_ns = 5000000000ULL, .comm = "sh", .ids = &docker_ids,
};

static void test_ids_carried(void **state)
{
	struct pa_fork_event f = synth_fork(1, &in_docker, &task);
	struct pa_exec_event *e = synth_exec(1, &in_docker, 300, "/bin/sh", ARGS("sh\0"), 1, 0);
	const struct pa_event_header *h;

	(void)state;
	CHECK_RESULT(decode(&f, sizeof(f), &h), PA_DECODE_OK, "fork with ids");
	CHECK_U(f.ids.vpid, 1, "fork ids.vpid");
	CHECK_RESULT(decode(e, e->hdr.size, &h), PA_DECODE_OK, "exec with ids");
	CHECK_U(e->ids.euid, 0, "exec ids.euid");
	CHECK_STR(e->ids.cgroup, docker_ids.cgroup, "exec ids.cgroup");
	CHECK_STR(pa_exec_filename(e), "/bin/sh", "filename still after the ids");
	free(e);
}

/* The longest name the kernel side sends: PA_CGROUP_NAME_LEN - 1 bytes and its NUL. */
static void test_cgroup_full_field_ok(void **state)
{
	struct pa_fork_event f = synth_fork(1, &task, &task);
	const struct pa_event_header *h;

	(void)state;
	memset(f.ids.cgroup, 'x', sizeof(f.ids.cgroup) - 1);
	f.ids.cgroup[sizeof(f.ids.cgroup) - 1] = '\0';
	CHECK_RESULT(decode(&f, sizeof(f), &h), PA_DECODE_OK, "cgroup of 95 bytes");
}

static void test_fork_cgroup_unterminated(void **state)
{
	struct pa_fork_event f = synth_fork(1, &task, &task);
	const struct pa_event_header *h;

	(void)state;
	memset(f.ids.cgroup, 'x', sizeof(f.ids.cgroup));
	CHECK_RESULT(decode(&f, sizeof(f), &h), PA_DECODE_BAD_CGROUP, "fork: cgroup without its NUL");
	CHECK(h == UNSET, "*hdr untouched on refusal");
}

static void test_exec_cgroup_unterminated(void **state)
{
	struct pa_exec_event *e = synth_exec(1, &task, 100, "/bin/ls", ARGS("ls\0"), 1, 0);
	const struct pa_event_header *h;

	(void)state;
	memset(e->ids.cgroup, 'x', sizeof(e->ids.cgroup));
	CHECK_RESULT(decode(e, e->hdr.size, &h), PA_DECODE_BAD_CGROUP, "exec: cgroup without its NUL");
	free(e);
}

/* ---- pa_args_split ------------------------------------------------------ */

static int args_setup(void **state)
{
	struct pa_args *a = malloc(sizeof(*a));

	if (!a)
		return -1;
	pa_args_init(a);
	*state = a;
	return 0;
}

static int args_teardown(void **state)
{
	pa_args_free(*state);
	free(*state);
	return 0;
}

static void check_arg(const struct pa_args *a, uint32_t i, const char *want)
{
	char label[32];

	snprintf(label, sizeof(label), "arg %u", i);
	CHECK(i < a->count, label);
	CHECK_U(a->len[i], strlen(want), label);
	CHECK(!memcmp(a->arg[i], want, a->len[i]), label);
}

static void test_split_terminated(void **state)
{
	struct pa_args *a = *state;

	CHECK_I(pa_args_split(a, ARGS("a\0b\0")), 0, "split");
	CHECK_U(a->count, 2, "count");
	check_arg(a, 0, "a");
	check_arg(a, 1, "b");
}

static void test_split_without_final_nul(void **state)
{
	struct pa_args *a = *state;

	CHECK_I(pa_args_split(a, ARGS("a\0b")), 0, "split");
	CHECK_U(a->count, 2, "count");
	check_arg(a, 0, "a");
	check_arg(a, 1, "b");
}

static void test_split_empty_middle(void **state)
{
	struct pa_args *a = *state;

	CHECK_I(pa_args_split(a, ARGS("a\0\0b\0")), 0, "split");
	CHECK_U(a->count, 3, "count");
	check_arg(a, 0, "a");
	check_arg(a, 1, "");
	check_arg(a, 2, "b");
}

static void test_split_empty_last(void **state)
{
	struct pa_args *a = *state;

	CHECK_I(pa_args_split(a, ARGS("a\0\0")), 0, "split");
	CHECK_U(a->count, 2, "argv {\"a\", \"\"}");
	check_arg(a, 0, "a");
	check_arg(a, 1, "");
}

static void test_split_single_empty_arg(void **state)
{
	struct pa_args *a = *state;

	CHECK_I(pa_args_split(a, ARGS("\0")), 0, "split");
	CHECK_U(a->count, 1, "argv {\"\"}");
	check_arg(a, 0, "");
}

static void test_split_zero_args(void **state)
{
	struct pa_args *a = *state;

	CHECK_I(pa_args_split(a, "", 0), 0, "split");
	CHECK_U(a->count, 0, "no bytes, no args");
}

static void test_split_single_long_arg(void **state)
{
	struct pa_args *a = *state;
	char *area = malloc(PA_ARGS_MAX);

	assert_non_null(area);
	memset(area, 'x', PA_ARGS_MAX);
	CHECK_I(pa_args_split(a, area, PA_ARGS_MAX), 0, "split");
	CHECK_U(a->count, 1, "one arg cut at the limit, no NUL");
	CHECK(a->arg[0] == area, "points into the area");
	CHECK_U(a->len[0], PA_ARGS_MAX, "its length");
	free(area);
}

static void test_split_points_into_area(void **state)
{
	struct pa_args *a = *state;
	const char area[] = "ls\0-l\0/tmp";

	pa_args_split(a, area, sizeof(area) - 1);
	CHECK_U(a->count, 3, "count");
	CHECK(a->arg[0] == area, "arg 0 at offset 0");
	CHECK(a->arg[1] == area + 3, "arg 1 at offset 3");
	CHECK(a->arg[2] == area + 6, "arg 2 at offset 6");
}

static void test_split_grows_past_64(void **state)
{
	struct pa_args *a = *state;
	const uint32_t n = 200;
	char *area = malloc(n * 4);
	char want[4];
	size_t len = 0;

	assert_non_null(area);
	for (uint32_t i = 0; i < n; i++)
		len += sprintf(area + len, "%03u", i) + 1; /* "000\0001\0..." */
	CHECK_I(pa_args_split(a, area, len), 0, "split");
	CHECK_U(a->count, n, "count");
	CHECK(a->cap >= n, "capacity grew");
	for (uint32_t i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "%03u", i);
		check_arg(a, i, want);
	}
	free(area);
}

static void test_split_exactly_64(void **state)
{
	struct pa_args *a = *state;
	char area[64 * 2];

	for (int i = 0; i < 64; i++) {
		area[2 * i] = 'a' + i % 26;
		area[2 * i + 1] = '\0';
	}
	CHECK_I(pa_args_split(a, area, sizeof(area)), 0, "split");
	CHECK_U(a->count, 64, "count");
	CHECK_U(a->cap, 64, "first allocation holds 64");
	check_arg(a, 63, "l");
}

static void test_split_reuse(void **state)
{
	struct pa_args *a = *state;
	char many[100 * 2];
	uint32_t cap;

	memset(many, 0, sizeof(many));
	for (int i = 0; i < 100; i++)
		many[2 * i] = 'z';
	pa_args_split(a, many, sizeof(many));
	CHECK_U(a->count, 100, "first call");
	cap = a->cap;
	pa_args_split(a, ARGS("x\0y\0"));
	CHECK_U(a->count, 2, "second call counts only its own args");
	CHECK_U(a->cap, cap, "arrays kept, not shrunk");
	check_arg(a, 0, "x");
	check_arg(a, 1, "y");
	pa_args_split(a, "", 0);
	CHECK_U(a->count, 0, "third call, empty");
}

static void test_args_free_resets(void **state)
{
	struct pa_args *a = *state;

	pa_args_split(a, ARGS("a\0"));
	pa_args_free(a);
	CHECK(a->arg == NULL && a->len == NULL, "arrays freed");
	CHECK_U(a->count, 0, "count");
	CHECK_U(a->cap, 0, "cap");
	pa_args_split(a, ARGS("b\0"));
	check_arg(a, 0, "b");
}

int main(void)
{
#define A(t) cmocka_unit_test_setup_teardown(t, args_setup, args_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_ok),
		cmocka_unit_test(test_exit_ok),
		cmocka_unit_test(test_free_ok),
		cmocka_unit_test(test_exec_ok),
		cmocka_unit_test(test_exec_without_args_ok),
		cmocka_unit_test(test_exec_empty_filename_ok),
		cmocka_unit_test(test_buffer_longer_than_record_ok),
		cmocka_unit_test(test_shorter_than_header),
		cmocka_unit_test(test_size_beyond_buffer),
		cmocka_unit_test(test_size_below_header),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_unknown_type_with_bad_size),
		cmocka_unit_test(test_known_type_too_short),
		cmocka_unit_test(test_fixed_type_too_long),
		cmocka_unit_test(test_exec_lengths_disagree_with_size),
		cmocka_unit_test(test_exec_zero_filename_len),
		cmocka_unit_test(test_exec_filename_not_terminated),
		cmocka_unit_test(test_comm_without_nul),
		cmocka_unit_test(test_exec_accessors),
		cmocka_unit_test(test_abi_layout),
		cmocka_unit_test(test_ids_carried),
		cmocka_unit_test(test_cgroup_full_field_ok),
		cmocka_unit_test(test_fork_cgroup_unterminated),
		cmocka_unit_test(test_exec_cgroup_unterminated),
		A(test_split_terminated),
		A(test_split_without_final_nul),
		A(test_split_empty_middle),
		A(test_split_empty_last),
		A(test_split_single_empty_arg),
		A(test_split_zero_args),
		A(test_split_single_long_arg),
		A(test_split_points_into_area),
		A(test_split_grows_past_64),
		A(test_split_exactly_64),
		A(test_split_reuse),
		A(test_args_free_resets),
	};
#undef A

	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
