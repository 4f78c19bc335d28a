// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * gzip members of literals alone (gzip_literals.h): zlib reads them back
 * byte for byte, with the CRC and length it checks; bytes the codes were
 * not fitted to still come back; the room macro bounds the worst case;
 * skewed bytes shrink.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "gzip_literals.h"

#define MAX_IN (64u << 10)

static struct isal_huff_histogram hist;
static struct isal_hufftables codes;
static uint8_t in[MAX_IN], out[PA_GZIP_LITERALS_ROOM(MAX_IN)], back[MAX_IN + 1];

/* The member out[0..n) inflated by zlib (gzip wrapper: CRC and ISIZE
 * checked) equals in[0..len). */
static void assert_inflates_to(const uint8_t *member, size_t n, const uint8_t *want, size_t len)
{
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
	zs.next_in = (uint8_t *)member;
	zs.avail_in = (uInt)n;
	zs.next_out = back;
	zs.avail_out = sizeof(back);
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(zs.avail_in, 0); /* the member ends where we said */
	assert_int_equal(zs.total_out, len);
	assert_memory_equal(back, want, len);
	inflateEnd(&zs);
}

/* Small values, mostly zero: like coded records. */
static void fill_skewed(uint8_t *p, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rand() % 4 ? rand() % 8 : rand() % 128);
}

static void test_round_trip_any_length(void **state)
{
	static const size_t lengths[] = { 0, 1, 2, 3, 4, 5, 7, 100, 4097, MAX_IN };

	(void)state;
	fill_skewed(in, MAX_IN, 1);
	assert_true(pa_gzip_literals_fit(&codes, &hist, in, 16384));
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		size_t n = pa_gzip_literals(&codes, in, lengths[i], out);

		assert_inflates_to(out, n, in, lengths[i]);
	}
}

/* Codes fitted to bytes 0..7 alone still code bytes 8..255 (longer). */
static void test_bytes_missing_from_the_sample(void **state)
{
	uint8_t sample[4096];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(sample); i++)
		sample[i] = (uint8_t)(i % 8);
	assert_true(pa_gzip_literals_fit(&codes, &hist, sample, sizeof(sample)));
	for (size_t i = 0; i < MAX_IN; i++)
		in[i] = (uint8_t)(i * 7 + i / 256);
	n = pa_gzip_literals(&codes, in, MAX_IN, out);
	assert_inflates_to(out, n, in, MAX_IN);
	assert_true(n > MAX_IN); /* longer codes than 8 bits: the writer falls back */
}

/* The worst case: bytes with the longest codes.  Counts that grow as
 * Fibonacci's numbers make a Huffman tree as deep as it can be (20 here),
 * which ISA-L limits to 13. */
static void test_room_bounds_the_longest_codes(void **state)
{
	uint32_t count = 1, before = 1;
	size_t n = 0, longest = 0;
	uint8_t rare = 0;

	(void)state;
	for (uint8_t b = 0; b < 21; b++) { /* 1, 2, 3, 5 ... 17711: 46 366 bytes */
		uint32_t next = count + before;

		memset(in + n, b, count);
		n += count;
		before = count;
		count = next;
	}
	assert_true(pa_gzip_literals_fit(&codes, &hist, in, n));
	for (int b = 0; b < 256; b++)
		if (codes.lit_table_sizes[b] > longest) {
			longest = codes.lit_table_sizes[b];
			rare = (uint8_t)b;
		}
	assert_true(longest >= 13 && longest <= PA_LITERAL_MAX_CODE_BITS);
	memset(in, rare, MAX_IN);
	n = pa_gzip_literals(&codes, in, MAX_IN, out);
	assert_true(n > MAX_IN * longest / 8);
	assert_true(n + 8 <= PA_GZIP_LITERALS_ROOM(MAX_IN)); /* and the packer's slack */
	assert_inflates_to(out, n, in, MAX_IN);
}

static void test_skewed_bytes_shrink(void **state)
{
	size_t n;

	(void)state;
	fill_skewed(in, MAX_IN, 2);
	assert_true(pa_gzip_literals_fit(&codes, &hist, in + MAX_IN - 16384, 16384));
	n = pa_gzip_literals(&codes, in, MAX_IN, out);
	assert_inflates_to(out, n, in, MAX_IN);
	/* about 4.7 bits of entropy a byte */
	assert_true(n < MAX_IN * 5 / 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_any_length),
		cmocka_unit_test(test_bytes_missing_from_the_sample),
		cmocka_unit_test(test_room_bounds_the_longest_codes),
		cmocka_unit_test(test_skewed_bytes_shrink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
