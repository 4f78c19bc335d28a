// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Record and replay: the tape format (header checks, records, damage of
 * every kind gives an error, never a crash), and a recorded collector run
 * (snapshot, events, zombie and stuck alerts with their /proc answers,
 * drops, a resync) replayed into a fresh collector prints the same bytes.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "fixture.h"
#include "inputs.h"
#include "tape.h"

struct tape_file {
	char dir[64];
	char path[96];
};

static void tape_file_make(struct tape_file *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/pa-tape-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/run.pat", t->dir);
}

static void tape_file_rm(struct tape_file *t)
{
	unlink(t->path);
	rmdir(t->dir);
}

static struct pa_tape_header header(void)
{
	struct pa_tape_header h = {
		.abi = PA_ABI_VERSION,
		.boot_to_wall_ns = (int64_t)WALL_AT_BOOT,
		.tracing_since_ns = 5 * NS_PER_SEC,
		.zombie_after_ns = 5 * NS_PER_SEC,
		.stuck_after_ns = 10 * NS_PER_SEC,
		.boot_id = BOOT_ID,
		.hostname = HOSTNAME,
	};

	return h;
}

/* ---- the format ---------------------------------------------------------- */

static void test_header_and_records_round_trip(void **state)
{
	struct pa_tape_header h = header(), got;
	struct tape_file f;
	enum pa_tape_type type;
	const void *data;
	size_t len;
	uint64_t now = 42;
	char err[300];
	struct pa_tape *t;

	(void)state;
	tape_file_make(&f);
	t = pa_tape_create(f.path, &h, err, sizeof(err));
	assert_non_null(t);
	pa_tape_write(t, PA_TAPE_TICK, &now, sizeof(now));
	pa_tape_write2(t, PA_TAPE_RAW, "abc", 3, "defg", 4);
	pa_tape_write(t, PA_TAPE_SNAP_END, NULL, 0);
	assert_int_equal(pa_tape_close(t), 0);

	t = pa_tape_open(f.path, &got, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(got.abi, PA_ABI_VERSION);
	assert_int_equal(got.boot_to_wall_ns, (int64_t)WALL_AT_BOOT);
	assert_int_equal(got.tracing_since_ns, 5 * NS_PER_SEC);
	assert_int_equal(got.zombie_after_ns, 5 * NS_PER_SEC);
	assert_int_equal(got.stuck_after_ns, 10 * NS_PER_SEC);
	assert_string_equal(got.boot_id, BOOT_ID);
	assert_string_equal(got.hostname, HOSTNAME);
	assert_int_equal(pa_tape_read(t, &type, &data, &len), 1);
	assert_int_equal(type, PA_TAPE_TICK);
	assert_int_equal(len, 8);
	assert_memory_equal(data, &now, 8);
	assert_int_equal(pa_tape_read(t, &type, &data, &len), 1);
	assert_int_equal(type, PA_TAPE_RAW);
	assert_int_equal(len, 7);
	assert_memory_equal(data, "abcdefg", 7);
	assert_int_equal(pa_tape_read(t, &type, &data, &len), 1);
	assert_int_equal(type, PA_TAPE_SNAP_END);
	assert_int_equal(len, 0);
	assert_int_equal(pa_tape_read(t, &type, &data, &len), 0);
	assert_null(pa_tape_error(t));
	pa_tape_close(t);
	/* Created 0640, like every file the agent makes. */
	{
		struct stat st;

		assert_int_equal(stat(f.path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0640);
	}
	tape_file_rm(&f);
}

static void test_refuses_other_files_and_versions(void **state)
{
	struct pa_tape_header h = header(), got;
	struct tape_file f;
	char err[300];
	FILE *fp;

	(void)state;
	tape_file_make(&f);
	assert_null(pa_tape_open(f.path, &got, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot open record file"));
	fp = fopen(f.path, "w");
	fputs("{\"@timestamp\":\"2026-11-26T10:00:00Z\"}\n", fp);
	fclose(fp);
	assert_null(pa_tape_open(f.path, &got, err, sizeof(err)));
	assert_non_null(strstr(err, "is not a ptrace-agent record file"));
	/* A file from a build with another event ABI. */
	h.abi = PA_ABI_VERSION + 1;
	pa_tape_close(pa_tape_create(f.path, &h, err, sizeof(err)));
	assert_null(pa_tape_open(f.path, &got, err, sizeof(err)));
	assert_non_null(strstr(err, "replay it with the version that recorded it"));
	tape_file_rm(&f);
}

/* A gzip file holding exactly these uncompressed bytes. */
static void write_gz(const char *path, const void *data, size_t len)
{
	gzFile gz = gzopen(path, "wb");

	assert_non_null(gz);
	if (len)
		assert_int_equal(gzwrite(gz, data, (unsigned)len), (int)len);
	assert_int_equal(gzclose(gz), Z_OK);
}

/* Everything a reader gets from path: records until the end or an error. */
static int read_all(const char *path, char *err, size_t errlen)
{
	struct pa_tape_header h;
	struct pa_tape *t = pa_tape_open(path, &h, err, errlen);
	enum pa_tape_type type;
	const void *data;
	size_t len;
	int got;

	if (!t)
		return -2;
	while ((got = pa_tape_read(t, &type, &data, &len)) > 0)
		;
	if (got < 0)
		snprintf(err, errlen, "%s", pa_tape_error(t));
	pa_tape_close(t);
	return got;
}

/* The uncompressed bytes of a small valid tape. */
static size_t valid_bytes(struct tape_file *f, char *buf, size_t size)
{
	struct pa_tape_header h = header();
	char err[300];
	uint64_t now = 7;
	struct pa_tape *t = pa_tape_create(f->path, &h, err, sizeof(err));
	gzFile gz;
	int n;

	assert_non_null(t);
	pa_tape_write(t, PA_TAPE_TICK, &now, sizeof(now));
	pa_tape_write(t, PA_TAPE_RAW, "0123456789", 10);
	pa_tape_close(t);
	gz = gzopen(f->path, "rb");
	n = gzread(gz, buf, (unsigned)size);
	gzclose(gz);
	assert_true(n > 0);
	return (size_t)n;
}

/* The uncompressed bytes of the header alone. */
static size_t header_bytes(struct tape_file *f)
{
	struct pa_tape_header h = header();
	char err[300], buf[4096];
	gzFile gz;
	int n;

	assert_int_equal(pa_tape_close(pa_tape_create(f->path, &h, err, sizeof(err))), 0);
	gz = gzopen(f->path, "rb");
	n = gzread(gz, buf, sizeof(buf));
	gzclose(gz);
	assert_true(n > 1);
	return (size_t)n - 1; /* the end mark */
}

static void test_truncated_at_every_length(void **state)
{
	struct tape_file f;
	char full[4096], err[300];
	size_t len;

	(void)state;
	tape_file_make(&f);
	len = valid_bytes(&f, full, sizeof(full));
	for (size_t cut = 0; cut < len; cut++) {
		int got;

		write_gz(f.path, full, cut);
		got = read_all(f.path, err, sizeof(err));
		/* A cut inside the header is refused at open; any later cut,
		 * even between records, lacks the end mark: an error. */
		assert_true(got == -2 || got == -1);
		if (got == -1)
			assert_non_null(strstr(err, "truncated or damaged"));
	}
	write_gz(f.path, full, len);
	assert_int_equal(read_all(f.path, err, sizeof(err)), 0);
	tape_file_rm(&f);
}

/* Several gzip members (one per block): a file cut anywhere, even where
 * one member ends and the next begins, is an error, never a clean end. */
static void test_cut_compressed_file(void **state)
{
	struct pa_tape_header h = header();
	struct tape_file f, cut;
	char err[300];
	unsigned char *gz;
	struct pa_tape *t;
	size_t n, members = 0;
	FILE *fp;

	(void)state;
	tape_file_make(&f);
	tape_file_make(&cut);
	t = pa_tape_create(f.path, &h, err, sizeof(err));
	assert_non_null(t);
	srand(1);
	for (uint64_t i = 0; i < 40000; i++) {
		uint64_t rec[4] = { i, (uint64_t)rand(), i * i, (uint64_t)rand() << 20 };

		pa_tape_write(t, PA_TAPE_RAW, rec, sizeof(rec));
	}
	assert_int_equal(pa_tape_close(t), 0);
	assert_int_equal(read_all(f.path, err, sizeof(err)), 0);
	fp = fopen(f.path, "r");
	gz = malloc(1 << 21);
	n = fread(gz, 1, 1 << 21, fp);
	fclose(fp);
	assert_true(n > 0 && n < 1 << 21);
	for (size_t at = 1; at < n; at++) {
		bool boundary = at + 3 < n && gz[at] == 0x1f && gz[at + 1] == 0x8b && gz[at + 2] == 8;

		if (!boundary && at % 997)
			continue;
		members += boundary;
		fp = fopen(cut.path, "w");
		assert_int_equal(fwrite(gz, 1, at, fp), at);
		fclose(fp);
		assert_true(read_all(cut.path, err, sizeof(err)) < 0);
	}
	assert_true(members >= 2);
	free(gz);
	tape_file_rm(&cut);
	tape_file_rm(&f);
}

/* The reader takes a gzip member at a time into a buffer of two blocks: a
 * member that holds more (no writer of ours makes one) is refused as
 * damage, and so are bytes after the last member. */
static void test_oversized_member_and_trailing_bytes(void **state)
{
	struct tape_file f;
	char full[4096], err[300];
	size_t len, big = 300u << 10;
	char *huge = calloc(1, big);
	FILE *fp;

	(void)state;
	tape_file_make(&f);
	len = valid_bytes(&f, full, sizeof(full));
	memcpy(huge, full, len); /* and zeros: the header is in the refused member */
	write_gz(f.path, huge, big);
	assert_int_equal(read_all(f.path, err, sizeof(err)), -2);
	assert_non_null(strstr(err, "damaged"));

	write_gz(f.path, full, len);
	assert_int_equal(read_all(f.path, err, sizeof(err)), 0);
	fp = fopen(f.path, "a");
	fputs("garbage", fp);
	fclose(fp);
	assert_int_equal(read_all(f.path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "damaged"));
	free(huge);
	tape_file_rm(&f);
}

/* full with bytes [at, at + cut) replaced by the n bytes of with. */
static size_t patched(char *bad, const char *full, size_t len, size_t at, size_t cut,
		     const void *with, size_t n)
{
	memcpy(bad, full, at);
	memcpy(bad + at, with, n);
	memcpy(bad + at + n, full + at + cut, len - at - cut);
	return len - cut + n;
}

static void test_damaged_records(void **state)
{
	struct tape_file f;
	char full[4096], bad[4096], err[300];
	size_t len, head, n;
	/* the tick's kind, then PA_TAPE_MAX_RECORD + 1 as a varint */
	const uint8_t huge[] = { PA_TAPE_TICK, 0x81, 0x80, 0x40 };
	/* kinds that are no tape type: past the types, RAW's own number, past
	 * all, the end mark marked "same length" */
	const uint8_t bad_kinds[] = { PA_TAPE_NR_TYPES, PA_TAPE_RAW, 32, 255, 0x80 };
	unsigned refused = 0;

	(void)state;
	tape_file_make(&f);
	head = header_bytes(&f);
	len = valid_bytes(&f, full, sizeof(full));
	n = patched(bad, full, len, head, 2, huge, sizeof(huge));
	write_gz(f.path, bad, n);
	assert_int_equal(read_all(f.path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a damaged record"));
	for (size_t i = 0; i < sizeof(bad_kinds); i++) {
		n = patched(bad, full, len, head, 1, &bad_kinds[i], 1);
		write_gz(f.path, bad, n);
		assert_int_equal(read_all(f.path, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "type"));
	}
	/* Bytes after the end mark. */
	n = patched(bad, full, len, len, 0, "x", 1);
	write_gz(f.path, bad, n);
	assert_int_equal(read_all(f.path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "damaged"));
	/* Compressed bytes flipped: the member's CRC or DEFLATE's own
	 * structure says so (but for a flip in the last byte's padding bits). */
	for (unsigned seed = 1; seed <= 200; seed++) {
		FILE *fp;
		char gz[4096];

		write_gz(f.path, full, len);
		fp = fopen(f.path, "r+");
		n = fread(gz, 1, sizeof(gz), fp);
		srand(seed);
		gz[10 + rand() % (n - 10)] ^= (char)(1 + rand() % 255);
		rewind(fp);
		fwrite(gz, 1, n, fp);
		fclose(fp);
		refused += read_all(f.path, err, sizeof(err)) < 0;
	}
	assert_true(refused >= 190);
	tape_file_rm(&f);
}

static void test_write_error_is_kept(void **state)
{
	struct pa_tape_header h = header();
	char err[300], big[65536] = { 0 };
	struct pa_tape *t;

	(void)state;
	t = pa_tape_create("/dev/full", &h, err, sizeof(err));
	if (!t) /* the header may already fail to flush: also an answer */
		return;
	for (int i = 0; i < 64 && !pa_tape_error(t); i++)
		pa_tape_write(t, PA_TAPE_RAW, big, sizeof(big));
	assert_int_equal(pa_tape_close(t), -1);
	assert_null(pa_tape_create("/nonexistent-dir/x.pat", &h, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot create record file /nonexistent-dir/x.pat"));
}

/* ---- a recorded run replays to the same bytes ------------------------------- */

static const struct synth_task worker = {
	.pid = 300, .ppid = 100, .start_ns = 20 * NS_PER_SEC, .comm = "worker",
};

static void record_run(struct fixture *a, struct pa_tape *t)
{
	struct fake_status st = { .pid = 100, .ppid = 1, .nspid = "100" };
	struct pa_dthread d = { .tid = 100, .tgid = 100, .since_ns = 30 * NS_PER_SEC, .stack_id = -1 };
	struct pa_fork_event fork = synth_fork(20 * NS_PER_SEC, &worker, &shell);
	struct pa_exit_event exit_ev = synth_exit(21 * NS_PER_SEC, &worker, 3 << 8, true);
	struct pa_exec_event *exec = synth_exec(20 * NS_PER_SEC + 5, &worker, worker.pid, "/usr/bin/worker",
						ARGS("worker\0--password=hunter2\0"), 2, 0);

	fake_proc_root(a);
	fake_proc_stat(a, 1, "systemd", 'S', 0, 1, 0);
	fake_proc_file(a, 1, "cmdline", "/sbin/init");
	fake_proc_stat(a, 100, "bash", 'S', 1, 100, 0);
	fake_proc_file(a, 100, "cmdline", "bash\0");
	fake_proc_status(a, &st);
	fake_proc_file(a, 100, "wchan", "do_wait");
	fake_proc_file(a, 100, "syscall", "61 0x1 0x2 0x3 0x4 0x5 0x6 0x7ffc 0x7f00\n");
	pa_inputs_record(&a->c, t);
	a->c.zombie_after_ns = 5 * NS_PER_SEC;
	a->c.stuck_after_ns = 10 * NS_PER_SEC;

	assert_int_equal(pa_feed_snapshot(&a->c, false), 2);
	assert_int_equal(pa_feed_follow(&a->c, 100), 0);
	pa_feed_snapshot_zombies(&a->c, 6 * NS_PER_SEC);
	pa_feed_raw(&a->c, &fork, sizeof(fork));
	pa_feed_raw(&a->c, exec, exec->hdr.size);
	free(exec);
	pa_feed_raw(&a->c, &exit_ev, sizeof(exit_ev));
	/* Past --zombie-after: the zombie alert asks /proc about bash. */
	pa_feed_tick(&a->c, 27 * NS_PER_SEC);
	/* bash in D for 11 s: a stuck alert with its dossier. */
	pa_feed_stuck_scan(&a->c, &d, 1, 41 * NS_PER_SEC);
	pa_feed_lost(&a->c, 3, 42 * NS_PER_SEC);
	pa_feed_snapshot(&a->c, true);
	pa_feed_tick(&a->c, 43 * NS_PER_SEC);
}

static void check_same_bytes(bool json)
{
	struct pa_tape_header h = header(), got;
	void *sa = NULL, *sb = NULL;
	struct fixture *a, *b;
	struct tape_file f;
	char err[300];
	struct pa_tape *t;

	tape_file_make(&f);
	assert_int_equal(fixture_setup(&sa, json), 0);
	a = sa;
	t = pa_tape_create(f.path, &h, err, sizeof(err));
	assert_non_null(t);
	record_run(a, t);
	drain(a);
	assert_int_equal(pa_tape_close(t), 0);
	/* Secrets are masked in the file as on the stream. */
	{
		char plain[1 << 16];
		gzFile gz = gzopen(f.path, "rb");
		int n = gzread(gz, plain, sizeof(plain));

		gzclose(gz);
		assert_true(n > 0);
		CHECK(!memmem(plain, n, "hunter2", 7), "no secret in the record file");
		CHECK(memmem(plain, n, "--password=REDACTED", 19) != NULL, "the masked argument is");
		CHECK(strstr(a->text, "--password=REDACTED") != NULL, "masked on the stream");
	}
	/* The run had something of every kind to replay. */
	for (const char *const *w = (const char *const[]){ "fork", "exec", "exit", "zombie", "stuck", "lost", NULL };
	     *w; w++)
		CHECK(strstr(a->text, *w) != NULL, *w);

	assert_int_equal(fixture_setup(&sb, json), 0);
	b = sb;
	t = pa_tape_open(f.path, &got, err, sizeof(err));
	assert_non_null(t);
	b->c.zombie_after_ns = got.zombie_after_ns;
	b->c.stuck_after_ns = got.stuck_after_ns;
	/* No /proc at all: every answer must come from the file. */
	assert_null(b->c.proc_root);
	assert_int_equal(pa_replay(&b->c, t, 0, err, sizeof(err)), 0);
	pa_tape_close(t);
	drain(b);
	CHECK_STR(b->text, a->text, "the replay prints what the live run printed");
	CHECK_U(b->c.table.nr_live, a->c.table.nr_live, "the same model");
	teardown(&sa);
	teardown(&sb);
	/* PA_SAVE_TAPE=FILE keeps the recording: the fuzzer's seed. */
	if (json && getenv("PA_SAVE_TAPE"))
		assert_int_equal(rename(f.path, getenv("PA_SAVE_TAPE")), 0);
	tape_file_rm(&f);
}

static void test_json_replay_is_byte_identical(void **state)
{
	(void)state;
	check_same_bytes(true);
}

static void test_text_replay_is_byte_identical(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	check_same_bytes(false);
}

/* What a recording writes after a fork it read the child's directory for. */
static void write_cwd_answer(struct pa_tape *t)
{
	int32_t rc = 0;

	pa_tape_write2(t, PA_TAPE_CWD, &rc, sizeof(rc), "/srv", 4);
}

/* A file whose /proc answers are missing is out of step: said, not guessed. */
static void test_missing_answer_is_an_error(void **state)
{
	struct pa_tape_header h = header(), got;
	struct pa_exit_event exit_ev = synth_exit(21 * NS_PER_SEC, &worker, 0, true);
	struct pa_fork_event fork = synth_fork(20 * NS_PER_SEC, &worker, &shell);
	uint64_t tick = 30 * NS_PER_SEC;
	void *sb = NULL;
	struct tape_file f;
	char err[300];
	struct pa_tape *t;

	(void)state;
	tape_file_make(&f);
	t = pa_tape_create(f.path, &h, err, sizeof(err));
	pa_tape_write(t, PA_TAPE_RAW, &fork, sizeof(fork));
	write_cwd_answer(t);
	pa_tape_write(t, PA_TAPE_RAW, &exit_ev, sizeof(exit_ev));
	pa_tape_write(t, PA_TAPE_TICK, &tick, sizeof(tick)); /* a zombie: it will ask /proc */
	assert_int_equal(pa_tape_close(t), 0);
	assert_int_equal(setup_json(&sb), 0);
	t = pa_tape_open(f.path, &got, err, sizeof(err));
	((struct fixture *)sb)->c.zombie_after_ns = 5 * NS_PER_SEC;
	assert_int_equal(pa_replay(&((struct fixture *)sb)->c, t, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "out of step"));
	pa_tape_close(t);
	teardown(&sb);
	tape_file_rm(&f);
}

/* --at: the replay stops before the first input stamped later. */
static void test_stop_at(void **state)
{
	struct pa_tape_header h = header(), got;
	struct pa_fork_event early = synth_fork(20 * NS_PER_SEC, &worker, &shell);
	struct pa_exit_event late = synth_exit(40 * NS_PER_SEC, &worker, 0, true);
	void *sb = NULL;
	struct tape_file f;
	char err[300];
	struct pa_tape *t;
	struct pa_proc *p;

	(void)state;
	tape_file_make(&f);
	t = pa_tape_create(f.path, &h, err, sizeof(err));
	pa_tape_write(t, PA_TAPE_RAW, &early, sizeof(early));
	write_cwd_answer(t);
	pa_tape_write(t, PA_TAPE_RAW, &late, sizeof(late));
	assert_int_equal(pa_tape_close(t), 0);
	assert_int_equal(setup_json(&sb), 0);
	t = pa_tape_open(f.path, &got, err, sizeof(err));
	assert_int_equal(pa_replay(&((struct fixture *)sb)->c, t, 30 * NS_PER_SEC, err, sizeof(err)), 0);
	p = pa_table_find(&((struct fixture *)sb)->c.table, worker.pid);
	assert_non_null(p);
	assert_false(p->exited);
	pa_tape_close(t);
	teardown(&sb);
	tape_file_rm(&f);
}

/* rec fed to a recording collector, and read back from the file into out
 * (at most size bytes): its length. */
static size_t record_and_read_back(const void *rec, size_t rec_len, void *out, size_t size)
{
	struct pa_tape_header h = header(), got;
	enum pa_tape_type type;
	const void *data;
	void *sa = NULL;
	struct tape_file f;
	char err[300];
	struct pa_tape *t;
	size_t len;

	tape_file_make(&f);
	assert_int_equal(setup_json(&sa), 0);
	t = pa_tape_create(f.path, &h, err, sizeof(err));
	pa_inputs_record(&((struct fixture *)sa)->c, t);
	pa_feed_raw(&((struct fixture *)sa)->c, rec, rec_len);
	assert_int_equal(pa_tape_close(t), 0);
	teardown(&sa);
	t = pa_tape_open(f.path, &got, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(pa_tape_read(t, &type, &data, &len), 1);
	assert_int_equal(type, PA_TAPE_RAW);
	assert_true(len <= size);
	memcpy(out, data, len);
	pa_tape_close(t);
	tape_file_rm(&f);
	return len;
}

/* The ring buffer's stale bytes past the cgroup name's NUL stay out of the file. */
static void test_cgroup_tail_not_recorded(void **state)
{
	struct pa_fork_event fork = synth_fork(20 * NS_PER_SEC, &worker, &shell), rec;

	(void)state;
	memset(fork.ids.cgroup, 'x', sizeof(fork.ids.cgroup));
	memcpy(fork.ids.cgroup, "session-3.scope", 16);
	assert_int_equal(record_and_read_back(&fork, sizeof(fork), &rec, sizeof(rec)), sizeof(fork));
	assert_string_equal(rec.ids.cgroup, "session-3.scope");
	for (size_t i = 16; i < sizeof(rec.ids.cgroup); i++)
		assert_int_equal(rec.ids.cgroup[i], 0);
	memset(fork.ids.cgroup + 16, 0, sizeof(fork.ids.cgroup) - 16);
	assert_memory_equal(&rec, &fork, sizeof(fork)); /* and nothing else changed */
}

/* One stale byte anywhere past the NUL, the last one included, is caught
 * (the BPF side zeros the room, so a clean record goes without a copy). */
static void test_cgroup_stale_byte_anywhere_not_recorded(void **state)
{
	static const size_t at[] = { 2, 3, 50, PA_CGROUP_NAME_LEN - 1 };

	(void)state;
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct pa_fork_event fork = synth_fork(20 * NS_PER_SEC, &worker, &shell), rec;

		memset(fork.ids.cgroup, 0, sizeof(fork.ids.cgroup));
		fork.ids.cgroup[0] = 'a';
		fork.ids.cgroup[at[i]] = 'x';
		assert_int_equal(record_and_read_back(&fork, sizeof(fork), &rec, sizeof(rec)), sizeof(fork));
		fork.ids.cgroup[at[i]] = '\0';
		assert_memory_equal(&rec, &fork, sizeof(fork));
	}
}

/* The same for an exec whose argv is empty (it takes no masking path). */
static void test_cgroup_tail_not_recorded_exec_without_args(void **state)
{
	struct pa_exec_event *e = synth_exec(20 * NS_PER_SEC, &worker, worker.pid, "/bin/true",
					     NULL, 0, 0, 0);
	union {
		struct pa_exec_event e;
		char bytes[512];
	} rec;
	size_t len;

	(void)state;
	memset(e->ids.cgroup, 'x', sizeof(e->ids.cgroup));
	memcpy(e->ids.cgroup, "session-3.scope", 16);
	len = record_and_read_back(e, e->hdr.size, &rec, sizeof(rec));
	assert_int_equal(len, e->hdr.size);
	assert_string_equal(rec.e.ids.cgroup, "session-3.scope");
	for (size_t i = 16; i < sizeof(rec.e.ids.cgroup); i++)
		assert_int_equal(rec.e.ids.cgroup[i], 0);
	memset(e->ids.cgroup + 16, 0, sizeof(e->ids.cgroup) - 16);
	assert_memory_equal(&rec, e, len); /* and nothing else changed */
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_and_records_round_trip),
		cmocka_unit_test(test_refuses_other_files_and_versions),
		cmocka_unit_test(test_truncated_at_every_length),
		cmocka_unit_test(test_cut_compressed_file),
		cmocka_unit_test(test_damaged_records),
		cmocka_unit_test(test_oversized_member_and_trailing_bytes),
		cmocka_unit_test(test_write_error_is_kept),
		cmocka_unit_test(test_json_replay_is_byte_identical),
		cmocka_unit_test(test_text_replay_is_byte_identical),
		cmocka_unit_test(test_missing_answer_is_an_error),
		cmocka_unit_test(test_stop_at),
		cmocka_unit_test(test_cgroup_tail_not_recorded),
		cmocka_unit_test(test_cgroup_tail_not_recorded_exec_without_args),
		cmocka_unit_test(test_cgroup_stale_byte_anywhere_not_recorded),
	};

	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
