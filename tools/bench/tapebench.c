// SPDX-License-Identifier: GPL-2.0
/*
 * tapebench FILE
 *
 * What writing a record file costs, from the records of an existing one
 * (tools/bench/replay.sh passes the fork storm it recorded), best of
 * ROUNDS runs each, in one process so the figures compare:
 *   code     the records coded (tape_codec.h), ns a record
 *   deflate  the coded stream compressed in 128 KiB blocks by libdeflate
 *            level 1, ISA-L level 1, ISA-L level 0 with its default
 *            Huffman codes and with codes fitted to the first block's
 *            last 16 KiB, and as literals alone with codes so fitted
 *            (the agent's two ways, tape.c): MB/s of coded input, and
 *            the size
 *   write    code + deflate + write(2) to /dev/null, as the agent
 *            records, ns a record, and which way its blocks went
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>

#include "gzip_literals.h"
#include "pa_events.h"
#include "tape.h"
#include "tape_codec.h"
#include "tape_records.h"

#define ROUNDS 9
#define BLOCK (128u << 10)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Codes every record into coded (the stream deflate is given); ns a record. */
static double code_all(const struct tape_records *r, uint8_t *coded, size_t *coded_len)
{
	static struct pa_codec k;
	double t0 = now_s();
	size_t out = 0;

	memset(&k, 0, sizeof(k));
	for (size_t i = 0; i < r->n; i++) {
		const uint8_t *rec = r->bytes + r->at[i];
		unsigned kind = pa_codec_kind(r->type[i], rec, r->len[i]);
		size_t span = pa_codec_span(kind, r->len[i]);

		out += pa_codec_put(&k, coded + out, kind, (uint32_t)r->len[i], rec);
		memcpy(coded + out, rec + span, r->len[i] - span);
		out += r->len[i] - span;
	}
	*coded_len = out;
	return (now_s() - t0) * 1e9 / (double)r->n;
}

#define FITTED 2   /* ISA-L level 0 with fitted codes */
#define LITERALS 3 /* literals alone, fitted codes */

/* level -1: libdeflate level 1; FITTED; LITERALS; else ISA-L at that
 * level.  Seconds. */
static double deflate_all(const uint8_t *in, size_t n, int level, uint8_t *out, size_t *total)
{
	struct libdeflate_compressor *ld = libdeflate_alloc_compressor(1);
	uint8_t *level_buf = malloc(ISAL_DEF_LVL1_DEFAULT);
	static struct isal_huff_histogram hist;
	static struct isal_hufftables codes;
	struct isal_zstream zs;
	double t0 = now_s();
	size_t sample = n < BLOCK ? n : BLOCK;

	sample = sample < (16u << 10) ? sample : 16u << 10;
	if (level == FITTED) {
		memset(&hist, 0, sizeof(hist));
		isal_update_histogram((uint8_t *)in + (n < BLOCK ? n : BLOCK) - sample, (uint32_t)sample, &hist);
		isal_create_hufftables(&codes, &hist);
	}
	if (level == LITERALS && !pa_gzip_literals_fit(&codes, &hist, in + (n < BLOCK ? n : BLOCK) - sample, sample))
		return -1;

	*total = 0;
	for (size_t at = 0; at < n; at += BLOCK) {
		size_t len = n - at < BLOCK ? n - at : BLOCK;

		if (level < 0) {
			*total += libdeflate_gzip_compress(ld, in + at, len, out, 2 * BLOCK);
			continue;
		}
		if (level == LITERALS) {
			*total += pa_gzip_literals(&codes, in + at, len, out);
			continue;
		}
		isal_deflate_stateless_init(&zs);
		zs.level = level == 1 ? 1 : 0;
		zs.level_buf = level == 1 ? level_buf : NULL;
		zs.level_buf_size = level == 1 ? ISAL_DEF_LVL1_DEFAULT : 0;
		if (level == FITTED)
			isal_deflate_set_hufftables(&zs, &codes, IGZIP_HUFFTABLE_CUSTOM);
		zs.gzip_flag = IGZIP_GZIP;
		zs.end_of_stream = 1;
		zs.next_in = (uint8_t *)in + at;
		zs.avail_in = (uint32_t)len;
		zs.next_out = out;
		zs.avail_out = 2 * BLOCK;
		if (isal_deflate_stateless(&zs) == COMP_OK)
			*total += zs.total_out;
	}
	t0 = now_s() - t0;
	libdeflate_free_compressor(ld);
	free(level_buf);
	return t0;
}

static double write_all(const struct tape_records *r, struct pa_tape_stats *ways)
{
	struct pa_tape_header h = { .abi = PA_ABI_VERSION };
	char err[300];
	struct pa_tape *t = pa_tape_create("/dev/null", &h, err, sizeof(err));
	double t0 = now_s();

	if (!t)
		return -1;
	for (size_t i = 0; i < r->n; i++)
		pa_tape_write(t, r->type[i], r->bytes + r->at[i], r->len[i]);
	*ways = pa_tape_stats(t); /* the last block is flushed at close */
	pa_tape_close(t);
	return (now_s() - t0) * 1e9 / (double)r->n;
}

int main(int argc, char **argv)
{
	static const struct { int level; const char *name; } deflaters[] = {
		{ -1, "libdeflate level 1" }, { 1, "ISA-L level 1" }, { 0, "ISA-L level 0" },
		{ FITTED, "ISA-L 0 fitted" }, { LITERALS, "literals, fitted" },
	};
	struct tape_records r = { 0 };
	struct pa_tape_stats ways = { 0 };
	struct pa_tape_header h;
	double best = 1e30;
	uint8_t *coded, *out;
	size_t coded_len = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: tapebench RECORD_FILE\n");
		return 2;
	}
	if (tape_records_load("tapebench", argv[1], &h, NULL, &r))
		return 1;
	coded = malloc(r.used + r.n * PA_CODEC_HEAD_MAX);
	out = malloc(2 * BLOCK);
	if (!coded || !out)
		return 1;
	for (int i = 0; i < ROUNDS; i++) {
		double ns = code_all(&r, coded, &coded_len);

		best = ns < best ? ns : best;
	}
	printf("%zu records, %zu bytes; coded: %zu bytes\n", r.n, r.used, coded_len);
	printf("  %-30s %.1f ns a record\n", "code", best);
	for (size_t d = 0; d < sizeof(deflaters) / sizeof(deflaters[0]); d++) {
		size_t size = 0;

		best = 1e30;
		for (int i = 0; i < ROUNDS; i++) {
			double s = deflate_all(coded, coded_len, deflaters[d].level, out, &size);

			best = s < best ? s : best;
		}
		printf("  deflate, %-21s %.0f MB/s, %zu bytes\n", deflaters[d].name,
		       (double)coded_len / best / 1e6, size);
	}
	best = 1e30;
	for (int i = 0; i < ROUNDS; i++) {
		double ns = write_all(&r, &ways);

		best = ns >= 0 && ns < best ? ns : best;
	}
	printf("  %-30s %.1f ns a record (blocks before the last: %llu literals, %llu LZ77)\n",
	       "write (code+deflate+write)", best, (unsigned long long)ways.literal_blocks,
	       (unsigned long long)ways.lz77_blocks);
	return 0;
}
