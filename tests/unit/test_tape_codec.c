// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The record coding of format 7 (tape_codec.h): records of every kind and
 * length come back byte for byte, through the codec alone and through a
 * record file; what is coded is smaller than the record; an exec's text
 * stays as it is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pa_events.h"
#include "tape.h"
#include "tape_codec.h"

#define NR_RECORDS 3000
#define MAX_LEN 700

struct rec {
	unsigned type;
	size_t len;
	uint8_t data[MAX_LEN];
};

/* Records like the collector's: runs of one kind whose fields mostly
 * repeat, some change a little, and now and then anything at all. */
static void make_records(struct rec *r, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		struct rec *p = i ? &r[i - 1] : NULL;

		r[i].type = 1 + (unsigned)rand() % (PA_TAPE_NR_TYPES - 1);
		r[i].len = (size_t)rand() % MAX_LEN;
		memset(r[i].data, 0, sizeof(r[i].data));
		if (r[i].type == PA_TAPE_RAW && r[i].len >= 2)
			r[i].data[0] = (uint8_t)(1 + rand() % 8); /* event types, exec among them */
		if (p && rand() % 4) { /* like the previous, a few bytes changed */
			r[i].type = p->type;
			r[i].len = rand() % 8 ? p->len : (size_t)rand() % MAX_LEN;
			memcpy(r[i].data, p->data, sizeof(r[i].data));
			for (int k = rand() % 6; k > 0 && r[i].len; k--)
				r[i].data[(size_t)rand() % r[i].len] += (uint8_t)rand();
		} else {
			for (size_t k = 2; k < r[i].len; k++)
				r[i].data[k] = rand() % 3 ? 0 : (uint8_t)rand();
		}
		/* bytes past the length are no part of the record */
		memset(r[i].data + r[i].len, 0, sizeof(r[i].data) - r[i].len);
	}
}

static void test_codec_round_trip(void **state)
{
	static struct rec r[NR_RECORDS];
	static struct pa_codec enc, dec;
	static uint8_t out[PA_CODEC_HEAD_MAX];
	size_t coded = 0, plain = 0; /* random data: smaller all the same */

	(void)state;
	make_records(r, NR_RECORDS, 7);
	for (size_t i = 0; i < NR_RECORDS; i++) {
		uint32_t got[PA_CODEC_WORDS];
		unsigned kind = pa_codec_kind(r[i].type, r[i].data, r[i].len), got_kind;
		size_t n, head, used, spanlen = pa_codec_span(kind, r[i].len);
		uint32_t got_len;

		n = pa_codec_put(&enc, out, kind, (uint32_t)r[i].len, r[i].data);
		assert_true(n <= PA_CODEC_HEAD_MAX);
		head = pa_codec_get_head(&dec, out, n, &got_kind, &got_len);
		assert_true(head > 0);
		assert_int_equal(got_kind, kind);
		assert_int_equal(got_len, r[i].len);
		assert_true(pa_codec_get_span(&dec, out + head, n - head, kind, out[0] & PA_CODEC_SAME_BITS,
					      got_len, got, &used));
		assert_int_equal(head + used, n);
		assert_memory_equal(got, r[i].data, spanlen);
		/* one byte short is never enough */
		if (n > head + 1) {
			struct pa_codec copy = dec;

			assert_false(pa_codec_get_span(&copy, out + head, n - head - 1, kind,
						       out[0] & PA_CODEC_SAME_BITS, got_len, got, &used));
		}
		coded += n + r[i].len - spanlen;
		plain += r[i].len;
	}
	assert_true(coded < plain);
}

/* Records of the shapes the vector coder takes (a fork's, an exit's, a
 * header's length) with any bytes at all, among records of the same kinds
 * and other lengths (a longer one leaves words past a shorter one's end):
 * each comes back. */
static void test_vector_shapes_round_trip(void **state)
{
	static const size_t shapes[] = { sizeof(struct pa_fork_event), sizeof(struct pa_exit_event),
					 sizeof(struct pa_event_header) };
	static struct pa_codec enc, dec;
	uint8_t out[PA_CODEC_HEAD_MAX], rec[300];

	(void)state;
	srand(5);
	for (int i = 0; i < 20000; i++) {
		uint16_t type = (uint16_t)(1 + rand() % 8);
		size_t len = rand() % 4 ? shapes[rand() % 3] : (size_t)(2 + rand() % 298);
		uint32_t got[PA_CODEC_WORDS], got_len;
		unsigned kind, got_kind;
		size_t n, head, used;

		for (size_t b = 0; b < len; b++) /* small numbers, often equal: the predictions hit */
			rec[b] = (uint8_t)(rand() % 3 ? rand() % 4 : rand());
		memcpy(rec, &type, sizeof(type));
		kind = pa_codec_kind(PA_TAPE_RAW, rec, len);
		n = pa_codec_put(&enc, out, kind, (uint32_t)len, rec);
		head = pa_codec_get_head(&dec, out, n, &got_kind, &got_len);
		assert_int_equal(got_kind, kind);
		assert_int_equal(got_len, len);
		assert_true(pa_codec_get_span(&dec, out + head, n - head, kind, out[0] & PA_CODEC_SAME_BITS,
					      got_len, got, &used));
		assert_int_equal(head + used, n);
		assert_memory_equal(got, rec, pa_codec_span(kind, len));
	}
}

/* Forks like the one before: their changed words, not their 208 bytes.
 * A fork's tgid, vpid and own start equal its pid and process start:
 * predicted (tape_codec.c), they cost nothing; ts, pid and start_ns are
 * coded against the last record's, so a regular storm costs its kind byte. */
static void test_repeats_cost_little(void **state)
{
	static struct pa_codec enc;
	struct pa_fork_event e = { .hdr = { .type = PA_EV_FORK, .size = sizeof(e), .comm = "forkbench" },
				   .parent_pid = 999, .parent_tgid = 999 };
	uint8_t out[PA_CODEC_HEAD_MAX];
	unsigned kind = pa_codec_kind(PA_TAPE_RAW, &e, sizeof(e));
	size_t n[6];

	(void)state;
	for (int i = 0; i < 6; i++) {
		e.hdr.ts_ns = (1ull << 40) + (uint64_t)i * 70000 + (i == 5 ? 100 : 0);
		e.hdr.start_ns = e.task_start_ns = e.hdr.ts_ns - 500;
		e.hdr.pid = e.hdr.tgid = e.ids.vpid = 1000 + 2 * (uint32_t)i;
		n[i] = pa_codec_put(&enc, out, kind, sizeof(e), &e);
	}
	assert_true(n[0] > 20);
	/* ts, pid and start_ns against the first fork's: 5 words changed */
	assert_true(n[1] > 1 + 7 + 5);
	/* the same intervals: no word changed, an empty bitmap (7 bytes) */
	assert_int_equal(n[2], 1 + 7);
	/* and the same bitmap: the kind byte alone */
	assert_int_equal(n[3], 1);
	assert_int_equal(n[4], 1);
	/* 100 ns later than the interval: ts and start_ns, 2 bytes each */
	assert_int_equal(n[5], 1 + 7 + 2 + 2);
}

/* A fork storm as the kernel reports it: each child's fork, exit and
 * free.  The exit and free name the process the fork before them named,
 * so once the intervals repeat every record costs its kind byte. */
static void test_storm_costs_a_byte_a_record(void **state)
{
	static struct pa_codec enc, dec;
	struct pa_fork_event fork = { .hdr = { .type = PA_EV_FORK, .size = sizeof(fork), .comm = "storm" },
				      .parent_pid = 999, .parent_tgid = 999 };
	struct pa_exit_event exit = { .hdr = { .type = PA_EV_EXIT, .size = sizeof(exit),
					       .flags = PA_F_GROUP_DEAD, .comm = "storm" } };
	struct pa_free_event free_ = { .hdr = { .type = PA_EV_FREE, .size = sizeof(free_), .comm = "storm" } };
	uint8_t out[PA_CODEC_HEAD_MAX];

	(void)state;
	for (uint32_t i = 0; i < 10; i++) {
		const struct pa_event_header *rec[3] = { &fork.hdr, &exit.hdr, &free_.hdr };

		fork.hdr.ts_ns = (1ull << 40) + i * 90000;
		fork.hdr.start_ns = fork.task_start_ns = fork.hdr.ts_ns - 500;
		fork.hdr.pid = fork.hdr.tgid = fork.ids.vpid = 2000 + 3 * i;
		exit.hdr = fork.hdr;
		exit.hdr.type = PA_EV_EXIT;
		exit.hdr.size = sizeof(exit);
		exit.hdr.ts_ns += 30000;
		exit.task_start_ns = fork.task_start_ns;
		free_.hdr = exit.hdr;
		free_.hdr.type = PA_EV_FREE;
		free_.hdr.size = sizeof(free_);
		free_.hdr.ts_ns += 10000;
		for (int r = 0; r < 3; r++) {
			unsigned kind = pa_codec_kind(PA_TAPE_RAW, rec[r], rec[r]->size), got_kind;
			size_t n = pa_codec_put(&enc, out, kind, rec[r]->size, rec[r]), head, used;
			uint32_t got[PA_CODEC_WORDS], len;

			if (i >= 3)
				assert_int_equal(n, 1);
			head = pa_codec_get_head(&dec, out, n, &got_kind, &len);
			assert_true(head > 0);
			assert_true(pa_codec_get_span(&dec, out + head, n - head, got_kind,
						      out[0] & PA_CODEC_SAME_BITS, len, got, &used));
			assert_memory_equal(got, rec[r], rec[r]->size);
		}
	}
}

/* Exits whose lives grow by 1 us each: ts changes by 1,000 ns from one
 * to the next, and so does the sleeping time, but the times add up to
 * the life, so sleeping is predicted and only ts is coded: kind, 2 bytes. */
static void test_exit_sleeping_time_is_predicted(void **state)
{
	static struct pa_codec enc;
	struct pa_fork_event fork = { .hdr = { .type = PA_EV_FORK, .size = sizeof(fork), .comm = "storm" } };
	struct pa_exit_event exit = { .hdr = { .type = PA_EV_EXIT, .size = sizeof(exit) } };
	unsigned fork_kind = pa_codec_kind(PA_TAPE_RAW, &fork, sizeof(fork));
	unsigned exit_kind = pa_codec_kind(PA_TAPE_RAW, &exit, sizeof(exit));
	uint8_t out[PA_CODEC_HEAD_MAX];

	(void)state;
	for (uint32_t i = 0; i < 8; i++) {
		uint64_t life = 30000 + 1000 * (uint64_t)i;
		size_t n;

		fork.hdr.ts_ns = (1ull << 40) + i * 200000ull;
		fork.hdr.start_ns = fork.task_start_ns = fork.hdr.ts_ns;
		fork.hdr.pid = fork.hdr.tgid = fork.ids.vpid = 500 + i;
		pa_codec_put(&enc, out, fork_kind, sizeof(fork), &fork);
		exit.hdr = fork.hdr;
		exit.hdr.type = PA_EV_EXIT;
		exit.hdr.size = sizeof(exit);
		exit.hdr.ts_ns += life;
		exit.task_start_ns = fork.task_start_ns;
		exit.time_ns[PA_T_RUNNING] = 4000;
		exit.time_ns[PA_T_RUNNABLE] = 300;
		exit.time_ns[PA_T_SLEEPING] = life - 4300;
		n = pa_codec_put(&enc, out, exit_kind, sizeof(exit), &exit);
		if (i >= 2)
			assert_int_equal(n, 1 + 2);
	}
}

static void test_exec_text_is_not_coded(void **state)
{
	struct pa_exec_event e = { .hdr = { .type = PA_EV_EXEC } };
	unsigned kind = pa_codec_kind(PA_TAPE_RAW, &e, sizeof(e));

	(void)state;
	assert_int_equal(kind, PA_CODEC_KIND_RAW + PA_EV_EXEC);
	assert_int_equal(pa_codec_span(kind, sizeof(e) + 100), sizeof(e));
	assert_int_equal(pa_codec_span(PA_CODEC_KIND_RAW + PA_EV_FORK, 1000), PA_CODEC_SPAN);
	assert_int_equal(pa_codec_span(PA_TAPE_TICK, 8), 8);
}

/* A record file in a directory of its own under /tmp. */
struct tmp_file {
	char dir[32];
	char path[64];
};

static struct pa_tape *create_file(struct tmp_file *f)
{
	struct pa_tape_header h = { .abi = PA_ABI_VERSION };
	struct pa_tape *t;
	char err[300];

	snprintf(f->dir, sizeof(f->dir), "/tmp/pa-codec-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/t.pat", f->dir);
	t = pa_tape_create(f->path, &h, err, sizeof(err));
	assert_non_null(t);
	return t;
}

static struct pa_tape *open_file(const struct tmp_file *f)
{
	struct pa_tape_header h;
	struct pa_tape *t;
	char err[300];

	t = pa_tape_open(f->path, &h, err, sizeof(err));
	assert_non_null(t);
	return t;
}

static void remove_file(const struct tmp_file *f)
{
	unlink(f->path);
	rmdir(f->dir);
}

static void test_file_round_trip(void **state)
{
	static struct rec r[NR_RECORDS];
	struct tmp_file f;
	enum pa_tape_type type;
	const void *data;
	struct pa_tape *t;
	size_t len;

	(void)state;
	make_records(r, NR_RECORDS, 11);
	t = create_file(&f);
	for (int pass = 0; pass < 100; pass++) /* some MB: several blocks */
		for (size_t i = 0; i < NR_RECORDS; i++) {
			size_t cut = r[i].len ? (size_t)(i * 7 % r[i].len) : 0;

			pa_tape_write2(t, r[i].type, r[i].data, cut, r[i].data + cut, r[i].len - cut);
		}
	assert_int_equal(pa_tape_close(t), 0);
	t = open_file(&f);
	for (int pass = 0; pass < 100; pass++)
		for (size_t i = 0; i < NR_RECORDS; i++) {
			if (pa_tape_read(t, &type, &data, &len) != 1)
				fail_msg("record %zu of pass %d: %s", i, pass, pa_tape_error(t));
			assert_int_equal(type, r[i].type);
			assert_int_equal(len, r[i].len);
			assert_memory_equal(data, r[i].data, len);
			assert_int_equal((uintptr_t)data % 8, 0);
		}
	assert_int_equal(pa_tape_read(t, &type, &data, &len), 0);
	assert_null(pa_tape_error(t));
	pa_tape_close(t);
	remove_file(&f);
}

/* A fork storm's coded records are no text: DEFLATE's default codes do
 * not shrink them (ISA-L stores the blocks).  Codes fitted to their bytes
 * do, as literals alone (tape.c, flush_block). */
static void test_storm_file_is_compressed(void **state)
{
	struct tmp_file f;
	struct pa_fork_event fork = { .hdr = { .type = PA_EV_FORK, .size = sizeof(fork), .comm = "storm" },
				      .parent_pid = 999, .parent_tgid = 999 };
	struct pa_exit_event exit = { .hdr = { .type = PA_EV_EXIT, .size = sizeof(exit) } };
	uint64_t ts = 1ull << 40, coded;
	struct pa_tape *t;
	struct stat st;

	(void)state;
	srand(3);
	t = create_file(&f);
	for (uint32_t i = 0; i < 100000; i++) {
		fork.hdr.ts_ns = ts += 20000 + (uint64_t)rand() % 60000;
		fork.hdr.start_ns = fork.task_start_ns = ts - 2000 - (uint64_t)rand() % 1000;
		fork.hdr.pid = fork.hdr.tgid = fork.ids.vpid = 2000 + i + (uint32_t)rand() % 3;
		pa_tape_write(t, PA_TAPE_RAW, &fork, sizeof(fork));
		exit.hdr = fork.hdr;
		exit.hdr.type = PA_EV_EXIT;
		exit.hdr.size = sizeof(exit);
		exit.hdr.ts_ns = ts += 5000 + (uint64_t)rand() % 20000;
		exit.task_start_ns = fork.task_start_ns;
		for (int k = 0; k < PA_NR_TIMES; k++)
			exit.time_ns[k] = (uint64_t)rand() % 50000;
		pa_tape_write(t, PA_TAPE_RAW, &exit, sizeof(exit));
	}
	coded = pa_tape_offset(t);
	/* LZ77 finds little in coded records: literals alone were chosen */
	assert_true(pa_tape_stats(t).literal_blocks >= 7);
	assert_int_equal(pa_tape_stats(t).lz77_blocks, 0);
	assert_int_equal(pa_tape_close(t), 0);
	assert_int_equal(stat(f.path, &st), 0);
	assert_true(coded > 1000000); /* several blocks */
	assert_true((uint64_t)st.st_size < coded * 95 / 100);
	remove_file(&f);
}

/* Exec records whose command lines repeat (a script's loop): LZ77 halves
 * them and more, literals alone would not, so the trial keeps LZ77. */
static void test_command_lines_use_lz77(void **state)
{
	/* file name, then argv; sizeof counts the last NUL */
	static const char grep[] = "/usr/bin/grep\0grep\0-c\0ERROR\0/var/log/app.log";
	static const char sed[] = "/usr/bin/sed\0sed\0-e\0s/^ *//\0/etc/hosts";
	static const char date[] = "/bin/date\0date\0+%Y-%m-%dT%H:%M:%S";
	static const struct {
		const char *bytes;
		size_t len;
	} lines[] = { { grep, sizeof(grep) }, { sed, sizeof(sed) }, { date, sizeof(date) } };
	struct tmp_file f;
	struct pa_exec_event e = { .hdr = { .type = PA_EV_EXEC, .comm = "sh" }, .argc = 4 };
	uint64_t coded;
	struct pa_tape *t;
	struct stat st;

	(void)state;
	t = create_file(&f);
	for (uint32_t i = 0; i < 30000; i++) {
		const char *line = lines[i % 3].bytes;
		size_t filename_len = strlen(line) + 1, args_len = lines[i % 3].len - filename_len;

		e.hdr.ts_ns = (1ull << 40) + i * 1000003ull;
		e.hdr.start_ns = e.hdr.ts_ns - 40000;
		e.hdr.pid = e.hdr.tgid = e.ids.vpid = 3000 + i;
		e.filename_len = (uint16_t)filename_len;
		e.args_len = (uint16_t)args_len;
		e.hdr.size = (uint16_t)(sizeof(e) + filename_len + args_len);
		pa_tape_write2(t, PA_TAPE_RAW, &e, sizeof(e), line, filename_len + args_len);
	}
	coded = pa_tape_offset(t);
	assert_true(pa_tape_stats(t).lz77_blocks >= 7);
	assert_int_equal(pa_tape_stats(t).literal_blocks, 0);
	assert_int_equal(pa_tape_close(t), 0);
	assert_int_equal(stat(f.path, &st), 0);
	assert_true(coded > 1000000);
	assert_true((uint64_t)st.st_size < coded / 4);
	remove_file(&f);
}

/* Codes fitted to a storm's records would make noise longer than it is:
 * such a block is written by LZ77 (stored), the codes refitted, and every
 * record still comes back. */
/* The fallback test's records, the same from the same rand() seed. */
static void storm_fork(struct pa_fork_event *fork, uint32_t i)
{
	fork->hdr.ts_ns = (1ull << 40) + i * 50000ull + (uint64_t)rand() % 30000;
	fork->hdr.pid = fork->hdr.tgid = 2000 + i;
}

static void noise_bytes(uint8_t *p, size_t n)
{
	for (size_t b = 0; b < n; b++)
		p[b] = (uint8_t)rand();
}

static void test_codes_that_no_longer_fit_fall_back(void **state)
{
	struct tmp_file f;
	struct pa_fork_event fork = { .hdr = { .type = PA_EV_FORK, .size = sizeof(fork), .comm = "storm" } };
	static uint8_t noise[1000];
	enum pa_tape_type type;
	const void *data;
	struct pa_tape *t;
	size_t len;

	(void)state;
	srand(9);
	t = create_file(&f);
	for (uint32_t i = 0; i < 40000; i++) { /* more than a block: the trial chose literals */
		storm_fork(&fork, i);
		pa_tape_write(t, PA_TAPE_RAW, &fork, sizeof(fork));
	}
	for (int i = 0; i < 1000; i++) { /* a MB of noise */
		noise_bytes(noise, sizeof(noise));
		pa_tape_write(t, PA_TAPE_TICK, noise, sizeof(noise));
	}
	assert_true(pa_tape_stats(t).literal_blocks >= 1);
	assert_true(pa_tape_stats(t).lz77_blocks >= 7);
	assert_int_equal(pa_tape_close(t), 0);
	t = open_file(&f);
	srand(9);
	for (uint32_t i = 0; i < 40000; i++) {
		storm_fork(&fork, i);
		assert_int_equal(pa_tape_read(t, &type, &data, &len), 1);
		assert_int_equal(len, sizeof(fork));
		assert_memory_equal(data, &fork, sizeof(fork));
	}
	for (int i = 0; i < 1000; i++) {
		noise_bytes(noise, sizeof(noise));
		if (pa_tape_read(t, &type, &data, &len) != 1)
			fail_msg("noise record %d: %s", i, pa_tape_error(t));
		assert_int_equal(type, PA_TAPE_TICK);
		assert_memory_equal(data, noise, sizeof(noise));
	}
	assert_int_equal(pa_tape_read(t, &type, &data, &len), 0);
	pa_tape_close(t);
	remove_file(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_round_trip),
		cmocka_unit_test(test_vector_shapes_round_trip),
		cmocka_unit_test(test_repeats_cost_little),
		cmocka_unit_test(test_storm_costs_a_byte_a_record),
		cmocka_unit_test(test_exit_sleeping_time_is_predicted),
		cmocka_unit_test(test_exec_text_is_not_coded),
		cmocka_unit_test(test_file_round_trip),
		cmocka_unit_test(test_storm_file_is_compressed),
		cmocka_unit_test(test_command_lines_use_lz77),
		cmocka_unit_test(test_codes_that_no_longer_fit_fall_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
