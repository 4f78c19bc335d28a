// SPDX-License-Identifier: GPL-2.0
/*
 * recordbench FILE [PAIRS [plain|record]]
 *
 * What --record adds to the collector's CPU, without the kernel: the ring
 * buffer records, ticks and drop counts of a recording are fed to the
 * collector through the entry points the live agent's event loop calls
 * (pa_feed_raw, pa_feed_tick, pa_feed_lost), with the JSON sink writing
 * to /dev/null, PAIRS times (default 9) without and with a record file
 * being written to /dev/null, in alternating order.  Printed: CPU per
 * record of each (CLOCK_PROCESS_CPUTIME_ID, medians) and what recording
 * adds, the median of the pairs' ratios; then PAIRS passes of twins
 * (see twins()).  With "plain" or "record", only that side runs, PAIRS
 * times (to profile it).
 *
 * Live, the agent's CPU per event also holds the ring buffer's reading,
 * which recording does not change: the ratio here is the harder one.  The
 * collector's /proc is a made-up one, alike in both runs: the first
 * processes the records name have a working directory (live, the first
 * answer is kept for every process with the same one), anything else
 * gets "no such process" (a recording's /proc answers are not fed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "collector.h"
#include "host_info.h"
#include "inputs.h"
#include "output.h"
#include "sink.h"
#include "tape.h"
#include "tape_records.h"

#define WITH_CWD 64 /* processes given a working directory in the made-up /proc */

/* What the live event loop feeds the collector; the snapshot and the
 * /proc answers are left out. */
static bool fed_live(enum pa_tape_type type)
{
	return type == PA_TAPE_RAW || type == PA_TAPE_TICK || type == PA_TAPE_LOST;
}

struct inputs {
	struct tape_records r;
	size_t raw; /* ring buffer records among them */
};

/* root/PID/cwd -> / for the first WITH_CWD processes the records name. */
static int fake_proc(const struct inputs *in, char *root)
{
	char path[128];
	int made = 0;

	if (!mkdtemp(root))
		return -1;
	for (size_t i = 0; i < in->r.n && made < WITH_CWD; i++) {
		const struct pa_event_header *h = (const void *)(in->r.bytes + in->r.at[i]);

		if (in->r.type[i] != PA_TAPE_RAW || in->r.len[i] < sizeof(*h))
			continue;
		snprintf(path, sizeof(path), "%s/%u", root, h->pid);
		if (mkdir(path, 0755))
			continue; /* named before */
		snprintf(path, sizeof(path), "%s/%u/cwd", root, h->pid);
		if (symlink("/", path))
			return -1;
		made++;
	}
	return 0;
}

static void remove_fake_proc(const char *root)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		fprintf(stderr, "recordbench: could not remove %s\n", root);
}

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void feed(struct pa_collector *c, const struct inputs *in, size_t i)
{
	const uint8_t *p = in->r.bytes + in->r.at[i];
	uint64_t v[2];

	switch (in->r.type[i]) {
	case PA_TAPE_RAW:
		pa_feed_raw(c, p, in->r.len[i]);
		break;
	case PA_TAPE_TICK:
		memcpy(v, p, 8);
		pa_feed_tick(c, v[0]);
		break;
	default: /* PA_TAPE_LOST */
		memcpy(v, p, 16);
		pa_feed_lost(c, v[0], v[1]);
		break;
	}
}

/* A collector with its JSON sink to /dev/null, recording or not. */
struct side {
	struct pa_collector c;
	struct pa_clock clock;
	struct pa_sink_env env;
	struct pa_output out;
	struct pa_tape *tape;
};

static int side_open(struct side *s, const struct pa_tape_header *h, const char *proc_root, bool record)
{
	char err[300];

	memset(s, 0, sizeof(*s));
	s->clock.boot_to_wall_ns = h->boot_to_wall_ns;
	s->env.clock = &s->clock;
	s->env.hostname = h->hostname;
	if (pa_output_open(&s->out, "/dev/null"))
		return -1;
	pa_collector_init(&s->c, h->boot_id, proc_root);
	s->c.zombie_after_ns = h->zombie_after_ns;
	s->c.stuck_after_ns = h->stuck_after_ns;
	pa_collector_add_sink(&s->c, pa_sink_json_new(&s->env, &s->out));
	if (!record)
		return 0;
	s->tape = pa_tape_create("/dev/null", h, err, sizeof(err));
	if (!s->tape) {
		fprintf(stderr, "recordbench: %s\n", err);
		return -1;
	}
	pa_inputs_record(&s->c, s->tape);
	return 0;
}

/* The record file's closing (its last block) and the output's flush. */
static int side_finish(struct side *s)
{
	int rc = s->tape && pa_tape_close(s->tape) ? -1 : 0;

	s->tape = NULL;
	pa_output_flush(&s->out);
	return rc;
}

static void side_free(struct side *s)
{
	pa_collector_free(&s->c);
	pa_output_close(&s->out);
}

/* Every input through a new collector; CPU ns per ring buffer record
 * (the record file's closing, its last block, included). */
static double run(const struct pa_tape_header *h, const struct inputs *in, const char *proc_root,
		  bool record)
{
	static struct side s;
	double t0;

	if (side_open(&s, h, proc_root, record))
		return -1;
	t0 = cpu_ns();
	for (size_t i = 0; i < in->r.n; i++)
		feed(&s.c, in, i);
	if (side_finish(&s))
		return -1;
	t0 = cpu_ns() - t0;
	side_free(&s);
	return t0 / (double)in->raw;
}

/* Twins in one thread: a plain and a recording collector fed the inputs
 * in turns of TURN inputs each, which goes first alternating, so that
 * what disturbs one run (other guests, the host) falls on both alike.
 * A turn is long enough (about 7 ms) that each collector finds its own
 * data in the cache again after the other's turn no more than once in
 * it.  But each turn does begin with the other's data in the cache, so
 * what depends on the cache reads differently here than in the pairs
 * (32 KiB blocks in the writer: 1.7% less than 128 KiB here, 1.2% more
 * in the pairs): the pairs are the figure, the twins a check on how much
 * the host disturbed them.  Returns the ratio of their CPU, in percent. */
#define TURN 10000
static double twins(const struct pa_tape_header *h, const struct inputs *in, const char *proc_root)
{
	static struct side plain, recorded;
	double sum[2] = { 0, 0 };

	if (side_open(&plain, h, proc_root, false) || side_open(&recorded, h, proc_root, true))
		return -1;
	for (size_t at = 0; at < in->r.n; at += TURN) {
		size_t end = at + TURN < in->r.n ? at + TURN : in->r.n;
		double took[2];

		for (int k = 0; k < 2; k++) {
			int which = (int)(at / TURN + (size_t)k) % 2; /* 1: the recording one */
			double t0 = cpu_ns();

			for (size_t i = at; i < end; i++)
				feed(which ? &recorded.c : &plain.c, in, i);
			took[which] = cpu_ns() - t0;
		}
		sum[0] += took[0];
		sum[1] += took[1];
	}
	for (int which = 0; which < 2; which++) {
		double t0 = cpu_ns();

		if (side_finish(which ? &recorded : &plain))
			return -1;
		sum[which] += cpu_ns() - t0;
	}
	side_free(&plain);
	side_free(&recorded);
	return 100 * (sum[1] - sum[0]) / sum[0];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double sorted[99];

	memcpy(sorted, v, (size_t)n * sizeof(*v));
	qsort(sorted, (size_t)n, sizeof(*v), cmp_double);
	return sorted[n / 2];
}

/* PAIRS alternating pairs, or one side PAIRS times; the exit status. */
static int measure(const struct pa_tape_header *h, const struct inputs *in, const char *root,
		   int pairs, const char *only)
{
	double plain[99], recorded[99], ratio[99];

	if (only) {
		for (int i = 0; i < pairs; i++)
			plain[i] = run(h, in, root, !strcmp(only, "record"));
		printf("%s: %.0f ns a record\n", only, median(plain, pairs));
		return 0;
	}
	if (run(h, in, root, false) < 0) /* warm-up: the heap's first touches */
		return 1;
	for (int i = 0; i < pairs; i++) {
		bool record_first = i % 2;

		if (record_first)
			recorded[i] = run(h, in, root, true);
		plain[i] = run(h, in, root, false);
		if (!record_first)
			recorded[i] = run(h, in, root, true);
		if (plain[i] < 0 || recorded[i] < 0)
			return 1;
		ratio[i] = 100 * (recorded[i] - plain[i]) / plain[i];
	}
	printf("%zu ring buffer records (and %zu other inputs) fed %d times each way\n", in->raw,
	       in->r.n - in->raw, pairs);
	printf("  %-40s %.0f ns a record\n", "collector, JSON to /dev/null:", median(plain, pairs));
	printf("  %-40s %.0f ns a record\n", "the same, recording:", median(recorded, pairs));
	printf("  %-40s %+.1f%%  (pairs:", "record adds (median of the pairs):", median(ratio, pairs));
	for (int i = 0; i < pairs; i++)
		printf(" %.1f", ratio[i]);
	printf(")\n");
	for (int i = 0; i < pairs; i++) {
		ratio[i] = twins(h, in, root);
		if (ratio[i] == -1)
			return 1;
	}
	printf("  %-40s %+.1f%%  (passes:", "record adds (twins, median of passes):", median(ratio, pairs));
	for (int i = 0; i < pairs; i++)
		printf(" %.1f", ratio[i]);
	printf(")\n");
	return 0;
}

int main(int argc, char **argv)
{
	static struct inputs in;
	struct pa_tape_header h;
	char root[] = "/tmp/recordbench-XXXXXX";
	int pairs = argc > 2 ? atoi(argv[2]) : 9, rc;
	const char *only = argc > 3 ? argv[3] : NULL;

	if (argc < 2 || argc > 4 || pairs < 1 || pairs > 99 ||
	    (only && strcmp(only, "plain") && strcmp(only, "record"))) {
		fprintf(stderr, "usage: recordbench RECORD_FILE [PAIRS (1-99) [plain|record]]\n");
		return 2;
	}
	if (tape_records_load("recordbench", argv[1], &h, fed_live, &in.r))
		return 1;
	for (size_t i = 0; i < in.r.n; i++)
		in.raw += in.r.type[i] == PA_TAPE_RAW;
	if (!in.raw) {
		fprintf(stderr, "recordbench: %s holds no ring buffer records\n", argv[1]);
		return 1;
	}
	pa_host_info_set(&h.host);
	if (fake_proc(&in, root)) {
		perror("recordbench: a made-up /proc");
		return 1;
	}
	rc = measure(&h, &in, root, pairs, only);
	remove_fake_proc(root);
	return rc;
}
