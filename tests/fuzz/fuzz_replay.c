// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: any bytes as a record file, replayed through the real
 * collector and JSON sink.  The reader must refuse damage with an error,
 * never crash, hang or leak (ASan/UBSan).  `make fuzz` runs it; `make
 * test` replays the corpus in tests/fuzz/corpus once.
 *
 * An input that begins with the record file's magic is the file's bytes
 * before compression: the target gzips it (a member per 128 KiB, as the
 * writer does), so that mutations hit the coded records rather than
 * break DEFLATE's bits or the CRC.  Any other input is the file as it is.
 *
 * The corpus: run.pat from `PA_SAVE_TAPE=run.pat .output/tests/asan/test_replay`;
 * run-plain.pat, the same decompressed (zcat); cut.pat, run-plain.pat cut
 * halfway through its records, gzipped; header-only.pat, its header and
 * the end mark, gzipped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <libdeflate.h>

#include "collector.h"
#include "inputs.h"
#include "output.h"
#include "sink.h"
#include "tape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEMBER (128u << 10)

static bool write_all(int fd, const void *p, size_t len)
{
	return write(fd, p, len) == (ssize_t)len;
}

/* data as gzip members of MEMBER bytes each. */
static bool write_gzipped(int fd, const uint8_t *data, size_t size)
{
	static struct libdeflate_compressor *z;
	static uint8_t *out;
	size_t cap;
	bool ok = true;

	if (!z)
		z = libdeflate_alloc_compressor(1);
	cap = libdeflate_gzip_compress_bound(z, MEMBER);
	if (!out)
		out = malloc(cap);
	for (size_t at = 0; ok && at < size; at += MEMBER) {
		size_t n = size - at < MEMBER ? size - at : MEMBER;

		n = libdeflate_gzip_compress(z, data + at, n, out, cap);
		ok = n && write_all(fd, out, n);
	}
	return ok;
}

static bool write_input(int fd, const uint8_t *data, size_t size)
{
	if (size >= strlen(PA_TAPE_MAGIC) && !memcmp(data, PA_TAPE_MAGIC, strlen(PA_TAPE_MAGIC)))
		return write_gzipped(fd, data, size);
	return write_all(fd, data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pa_collector c;
	struct pa_clock clock = { 0 };
	struct pa_sink_env env = { .clock = &clock, .hostname = "fuzz" };
	struct pa_tape_header h;
	struct pa_output out;
	struct pa_tape *t;
	char path[64], err[300];
	int fd = memfd_create("tape", MFD_CLOEXEC);

	if (fd < 0 || !write_input(fd, data, size)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	t = pa_tape_open(path, &h, err, sizeof(err));
	if (t) {
		pa_output_open(&out, "/dev/null");
		pa_collector_init(&c, h.boot_id, NULL);
		clock.boot_to_wall_ns = h.boot_to_wall_ns;
		c.zombie_after_ns = h.zombie_after_ns;
		c.stuck_after_ns = h.stuck_after_ns;
		pa_collector_add_sink(&c, pa_sink_json_new(&env, &out));
		pa_replay(&c, t, 0, err, sizeof(err));
		pa_collector_free(&c);
		pa_output_close(&out);
		pa_tape_close(t);
	}
	close(fd);
	return 0;
}
