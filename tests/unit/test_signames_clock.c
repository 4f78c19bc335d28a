// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * signames, clock and entity_id: the small formatting helpers every sink
 * relies on.  Exact strings throughout: pipelines parse them.
 */
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "synth.h"

#include "clock.h"
#include "entity_id.h"
#include "proc_table.h" /* PA_ENTITY_ID_LEN: the size every record keeps */
#include "signames.h"

#define NS_PER_SEC 1000000000ULL
#define NS_PER_MS 1000000ULL
#define NS_PER_US 1000ULL
/* 2023-11-14T22:13:20Z, a round epoch second easy to check by hand. */
#define T_1700000000 (1700000000ULL * NS_PER_SEC)

/* ---- signal names ------------------------------------------------------- */

static void test_signal_name_common(void **state)
{
	(void)state;
	CHECK_STR(pa_signal_name(1), "SIGHUP", "signal 1");
	CHECK_STR(pa_signal_name(2), "SIGINT", "signal 2");
	CHECK_STR(pa_signal_name(6), "SIGABRT", "signal 6");
	CHECK_STR(pa_signal_name(9), "SIGKILL", "signal 9");
	CHECK_STR(pa_signal_name(11), "SIGSEGV", "signal 11");
	CHECK_STR(pa_signal_name(15), "SIGTERM", "signal 15");
	CHECK_STR(pa_signal_name(31), "SIGSYS", "signal 31");
}

static void test_signal_name_out_of_range(void **state)
{
	(void)state;
	CHECK_STR(pa_signal_name(0), "SIG?", "signal 0 is not a signal");
	CHECK_STR(pa_signal_name(-1), "SIG?", "negative signal");
	CHECK_STR(pa_signal_name(65), "SIG?", "signal 65 is past SIGRTMAX");
	CHECK_STR(pa_signal_name(1000), "SIG?", "signal 1000");
}

static void test_signal_name_realtime(void **state)
{
	(void)state;
	CHECK_STR(pa_signal_name(SIGRTMIN + 1), "SIGRTMIN+1", "SIGRTMIN+1");
	CHECK_STR(pa_signal_name(SIGRTMIN + 3), "SIGRTMIN+3", "SIGRTMIN+3");
	CHECK_STR(pa_signal_name(SIGRTMAX - 1), "SIGRTMIN+29", "SIGRTMAX-1 (glibc: SIGRTMIN 34, SIGRTMAX 64)");
}

/* The two ends of the real-time range have names of their own in kill -l
 * and bash; "SIG34"/"SIG64" would read as unknown signals. */
static void test_signal_name_realtime_bounds(void **state)
{
	(void)state;
	CHECK_STR(pa_signal_name(SIGRTMIN), "SIGRTMIN", "signal SIGRTMIN (34)");
	CHECK_STR(pa_signal_name(SIGRTMAX), "SIGRTMAX", "signal SIGRTMAX (64)");
}

/* 32 and 33 are taken by glibc's threads: no name, the number is shown. */
static void test_signal_name_glibc_reserved(void **state)
{
	(void)state;
	CHECK_STR(pa_signal_name(32), "SIG32", "signal 32");
	CHECK_STR(pa_signal_name(33), "SIG33", "signal 33");
}

static void test_signal_name_is_stable(void **state)
{
	const char *first = pa_signal_name(9);

	(void)state;
	CHECK(pa_signal_name(9) == first, "the same signal returns the same cached string");
	pa_signal_name(15);
	CHECK_STR(first, "SIGKILL", "an earlier result survives a later call");
}

/* ---- wait(2) status ----------------------------------------------------- */

static void check_status(unsigned status, int code, int sig, int core, const char *what)
{
	struct pa_exit_info info = pa_decode_wait_status(status);
	char label[96];

	snprintf(label, sizeof(label), "%s: code", what);
	CHECK_I(info.code, code, label);
	snprintf(label, sizeof(label), "%s: signal", what);
	CHECK_I(info.signal, sig, label);
	snprintf(label, sizeof(label), "%s: core_dumped", what);
	CHECK_I(info.core_dumped, core, label);
}

static void test_wait_status_exit_zero(void **state)
{
	(void)state;
	check_status(0, 0, 0, 0, "exit(0)");
}

static void test_wait_status_exit_code(void **state)
{
	(void)state;
	check_status(3 << 8, 3, 0, 0, "exit(3)");
	check_status(255 << 8, 255, 0, 0, "exit(255)");
	check_status(1 << 8, 1, 0, 0, "exit(1)");
}

static void test_wait_status_killed(void **state)
{
	(void)state;
	check_status(9, 137, 9, 0, "SIGKILL");
	check_status(15, 143, 15, 0, "SIGTERM");
	check_status(1, 129, 1, 0, "SIGHUP");
}

static void test_wait_status_core_dumped(void **state)
{
	(void)state;
	check_status(11 | 0x80, 139, 11, 1, "SIGSEGV with core");
	check_status(6 | 0x80, 134, 6, 1, "SIGABRT with core");
}

/* ---- RFC 3339 ----------------------------------------------------------- */

static void test_rfc3339_epoch(void **state)
{
	char buf[40];
	size_t n = pa_format_rfc3339(buf, sizeof(buf), 0);

	(void)state;
	CHECK_STR(buf, "1970-01-01T00:00:00.000000Z", "ns 0");
	CHECK_U(n, 27, "returned length");
}

static void test_rfc3339_known_value(void **state)
{
	char buf[40];

	(void)state;
	pa_format_rfc3339(buf, sizeof(buf), 1700000000123456789ULL);
	CHECK_STR(buf, "2023-11-14T22:13:20.123456Z", "1700000000.123456789 s");
}

/* Sub-microsecond digits are cut, never rounded up into the next second. */
static void test_rfc3339_truncates_to_microseconds(void **state)
{
	char buf[40];

	(void)state;
	pa_format_rfc3339(buf, sizeof(buf), T_1700000000 + 999999999);
	CHECK_STR(buf, "2023-11-14T22:13:20.999999Z", "last ns of a second");
	pa_format_rfc3339(buf, sizeof(buf), T_1700000000 + 999);
	CHECK_STR(buf, "2023-11-14T22:13:20.000000Z", "999 ns");
	pa_format_rfc3339(buf, sizeof(buf), T_1700000000 + 1000);
	CHECK_STR(buf, "2023-11-14T22:13:20.000001Z", "1 us");
}

/* Dates across leap years and centuries, in any order. */
static void test_rfc3339_dates(void **state)
{
	char buf[40];

	(void)state;
	pa_format_rfc3339(buf, sizeof(buf), T_1700000000 + 5000);
	CHECK_STR(buf, "2023-11-14T22:13:20.000005Z", "first second");
	pa_format_rfc3339(buf, sizeof(buf), T_1700000000 + NS_PER_SEC + 7000);
	CHECK_STR(buf, "2023-11-14T22:13:21.000007Z", "next second");
	pa_format_rfc3339(buf, sizeof(buf), 951782400ULL * NS_PER_SEC);
	CHECK_STR(buf, "2000-02-29T00:00:00.000000Z", "a leap day");
	pa_format_rfc3339(buf, sizeof(buf), T_1700000000 + 5000);
	CHECK_STR(buf, "2023-11-14T22:13:20.000005Z", "back to the first second");
	pa_format_rfc3339(buf, sizeof(buf), 4102444800ULL * NS_PER_SEC);
	CHECK_STR(buf, "2100-01-01T00:00:00.000000Z", "year 2100");
}

/* The date arithmetic against libc's gmtime/strftime, second by second
 * around month ends and at random instants from 1970 to 2400. */
static void test_rfc3339_agrees_with_gmtime(void **state)
{
	char got[40], want[40];
	uint64_t sec;

	(void)state;
	srand(7);
	for (int i = 0; i < 200000; i++) {
		struct tm tm;
		time_t t;

		sec = i < 100000 ? 951700000ULL + (uint64_t)i * 7 : ((uint64_t)rand() << 3) % 13569465600ULL;
		t = (time_t)sec;
		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S.000123Z", &tm);
		pa_format_rfc3339(got, sizeof(got), sec * NS_PER_SEC + 123456);
		if (strcmp(got, want))
			fail_msg("%llu s: got %s, want %s", (unsigned long long)sec, got, want);
	}
}

/* Any boot time a damaged record file holds converts without undefined
 * behaviour (UBSan traps on signed overflow; found by the fuzzer). */
static void test_wall_time_of_any_boot_time(void **state)
{
	struct pa_clock c = { .boot_to_wall_ns = 1700000000000000000LL };

	(void)state;
	CHECK_U(pa_clock_wall_ns(&c, 5), 1700000000000000005ULL, "the usual case");
	(void)pa_clock_wall_ns(&c, 7742373266295095300ULL);
	c.boot_to_wall_ns = -1;
	CHECK_U(pa_clock_wall_ns(&c, 0), UINT64_MAX, "wraps, defined");
}

static void test_rfc3339_small_buffer_is_terminated(void **state)
{
	char buf[11];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	pa_format_rfc3339(buf, sizeof(buf), T_1700000000);
	CHECK_STR(buf, "2023-11-14", "cut to the buffer, NUL-terminated");
}

/* ---- clock -------------------------------------------------------------- */

static void test_clock_wall_adds_offset(void **state)
{
	struct pa_clock c = { .boot_to_wall_ns = (int64_t)T_1700000000 };

	(void)state;
	CHECK_U(pa_clock_wall_ns(&c, 0), T_1700000000, "boot 0");
	CHECK_U(pa_clock_wall_ns(&c, 123456789), T_1700000000 + 123456789, "boot 123456789");
}

static void test_clock_wall_negative_offset(void **state)
{
	struct pa_clock c = { .boot_to_wall_ns = -5 * (int64_t)NS_PER_SEC };

	(void)state;
	CHECK_U(pa_clock_wall_ns(&c, 7 * NS_PER_SEC), 2 * NS_PER_SEC, "offset below zero");
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* The sampled offset maps the boot clock to the wall clock of now. */
static void test_clock_init_matches_realtime(void **state)
{
	struct pa_clock c;
	uint64_t wall, real;
	int64_t diff;

	(void)state;
	pa_clock_init(&c);
	wall = pa_clock_wall_ns(&c, pa_now_boot_ns());
	real = realtime_ns();
	diff = (int64_t)(real - wall);
	CHECK(diff > -(int64_t)NS_PER_SEC && diff < (int64_t)NS_PER_SEC,
	      "boot->wall within a second of CLOCK_REALTIME");
}

static void test_now_clocks_advance(void **state)
{
	uint64_t b1 = pa_now_boot_ns(), m1 = pa_now_mono_ns();
	uint64_t b2 = pa_now_boot_ns(), m2 = pa_now_mono_ns();

	(void)state;
	CHECK(b2 >= b1, "CLOCK_BOOTTIME never goes back");
	CHECK(m2 >= m1, "CLOCK_MONOTONIC never goes back");
	CHECK(b1 + NS_PER_SEC >= m1, "boot time counts at least what monotonic counts");
}

static void test_format_clock_utc(void **state)
{
	char buf[32];
	size_t n;

	(void)state;
	n = pa_format_clock(buf, sizeof(buf), 1700000000123456789ULL);
	CHECK_STR(buf, "22:13:20.123", "local time with TZ=UTC");
	CHECK_U(n, 12, "returned length");
	pa_format_clock(buf, sizeof(buf), T_1700000000 + 999999999);
	CHECK_STR(buf, "22:13:20.999", "milliseconds are cut, not rounded");
}

/* ---- spans -------------------------------------------------------------- */

static void check_span(uint64_t ns, const char *want)
{
	char buf[32], label[64];

	pa_format_span(buf, sizeof(buf), ns);
	snprintf(label, sizeof(label), "span of %llu ns", (unsigned long long)ns);
	CHECK_STR(buf, want, label);
}

static void test_span_microseconds(void **state)
{
	(void)state;
	check_span(0, "0us");
	check_span(999, "0us");
	check_span(NS_PER_US, "1us");
	check_span(850 * NS_PER_US, "850us");
	check_span(NS_PER_MS - 1, "999us");
}

static void test_span_milliseconds(void **state)
{
	(void)state;
	check_span(NS_PER_MS, "1.0ms");
	check_span(12500 * NS_PER_US, "12.5ms");
	check_span(999900 * NS_PER_US, "999.9ms");
}

static void test_span_seconds(void **state)
{
	(void)state;
	check_span(NS_PER_SEC, "1.00s");
	check_span(3200 * NS_PER_MS, "3.20s");
	check_span(59990 * NS_PER_MS, "59.99s");
}

static void test_span_minutes_and_hours(void **state)
{
	(void)state;
	check_span(60 * NS_PER_SEC, "1m00s");
	check_span(245 * NS_PER_SEC, "4m05s");
	check_span(3600 * NS_PER_SEC - 1, "59m59s");
	check_span(3600 * NS_PER_SEC, "1h00m");
	check_span((2 * 3600 + 13 * 60) * NS_PER_SEC, "2h13m");
	check_span(100 * 3600 * NS_PER_SEC, "100h00m");
}

/* Just under a unit boundary the number must stay in its unit's range, as
 * the us and m/s forms do (they cut): "1000.0ms" and "60.00s" are not
 * spans a reader expects. */
static void test_span_just_below_unit_boundary(void **state)
{
	(void)state;
	check_span(NS_PER_SEC - 1, "999.9ms");
	check_span(60 * NS_PER_SEC - 1, "59.99s");
}

/* ---- base64 ------------------------------------------------------------- */

static void check_b64(const char *in, const char *want)
{
	char buf[64], label[64];
	size_t n;

	memset(buf, 'x', sizeof(buf));
	n = pa_base64(buf, sizeof(buf), (const unsigned char *)in, strlen(in));
	snprintf(label, sizeof(label), "base64(\"%s\")", in);
	CHECK_STR(buf, want, label);
	snprintf(label, sizeof(label), "length of base64(\"%s\")", in);
	CHECK_U(n, strlen(want), label);
}

/* RFC 4648 section 10. */
static void test_base64_rfc4648_vectors(void **state)
{
	(void)state;
	check_b64("", "");
	check_b64("f", "Zg==");
	check_b64("fo", "Zm8=");
	check_b64("foo", "Zm9v");
	check_b64("foob", "Zm9vYg==");
	check_b64("fooba", "Zm9vYmE=");
	check_b64("foobar", "Zm9vYmFy");
}

static void test_base64_binary_bytes(void **state)
{
	const unsigned char in[] = { 0x00, 0xff, 0xfe, 0x10, 0x80 };
	char buf[16];

	(void)state;
	CHECK_U(pa_base64(buf, sizeof(buf), in, sizeof(in)), 8, "length");
	CHECK_STR(buf, "AP/+EIA=", "NUL and high bytes");
}

/* "foo" needs 4 characters and the NUL. */
static void test_base64_buffer_too_small(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	CHECK_U(pa_base64(buf, 4, (const unsigned char *)"foo", 3), 0, "4 bytes for 4 chars + NUL");
	CHECK(buf[0] == 'x', "nothing written when the buffer is too small");
	CHECK_U(pa_base64(buf, 0, (const unsigned char *)"f", 1), 0, "size 0");
	CHECK_U(pa_base64(buf, 5, (const unsigned char *)"foo", 3), 4, "exactly enough");
	CHECK_STR(buf, "Zm9v", "exactly enough: output");
}

/* ---- entity_id ---------------------------------------------------------- */

static void test_entity_id_is_base64_of_identity(void **state)
{
	char buf[PA_ENTITY_ID_LEN];

	(void)state;
	pa_entity_id(buf, sizeof(buf), "boot", 42, 7);
	CHECK_STR(buf, "Ym9vdDo0Mjo3", "base64(\"boot:42:7\")");
}

/* The longest real identity (a UUID boot id, the largest numbers) fits
 * PA_ENTITY_ID_LEN without falling back. */
static void test_entity_id_longest_fits(void **state)
{
	char buf[PA_ENTITY_ID_LEN];

	(void)state;
	pa_entity_id(buf, sizeof(buf), "0b7d5e1a-2c4f-4e8a-9d3b-5f6a7b8c9d0e", 4194304, UINT64_MAX);
	CHECK_STR(buf, "MGI3ZDVlMWEtMmM0Zi00ZThhLTlkM2ItNWY2YTdiOGM5ZDBlOjQxOTQzMDQ6MTg0NDY3NDQwNzM3MDk1NTE2MTU=",
		  "base64 of a UUID, pid 4194304, ticks 2^64-1");
}

static void test_entity_id_same_identity_same_id(void **state)
{
	char a[PA_ENTITY_ID_LEN], b[PA_ENTITY_ID_LEN];

	(void)state;
	pa_entity_id(a, sizeof(a), "boot-a", 100, 5000);
	pa_entity_id(b, sizeof(b), "boot-a", 100, 5000);
	CHECK_STR(a, b, "same boot, pid and start");
}

static void test_entity_id_differs_on_any_part(void **state)
{
	char base[PA_ENTITY_ID_LEN], other[PA_ENTITY_ID_LEN];

	(void)state;
	pa_entity_id(base, sizeof(base), "boot-a", 100, 5000);
	pa_entity_id(other, sizeof(other), "boot-a", 100, 5001);
	CHECK(strcmp(base, other) != 0, "pid reused with another start");
	pa_entity_id(other, sizeof(other), "boot-a", 101, 5000);
	CHECK(strcmp(base, other) != 0, "another pid");
	pa_entity_id(other, sizeof(other), "boot-b", 100, 5000);
	CHECK(strcmp(base, other) != 0, "another boot");
}

/* The digits are written by hand: the id must be what base64 of the
 * printf text gives, for numbers of every width and boot ids of every
 * length up to past the 96-byte text (where the fallback takes over). */
static void test_entity_id_matches_printf_text(void **state)
{
	static const uint64_t nums[] = { 0, 9, 10, 99, 100, 4194304, UINT32_MAX, UINT64_MAX };
	char boot[100], text[200], want[300], got[300], label[64];
	int n;

	(void)state;
	for (size_t blen = 0; blen < sizeof(boot); blen += 7) {
		memset(boot, 'a' + blen % 26, blen);
		boot[blen] = '\0';
		for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
			uint32_t pid = (uint32_t)nums[i];
			uint64_t ticks = nums[sizeof(nums) / sizeof(nums[0]) - 1 - i];

			n = snprintf(text, sizeof(text), "%s:%u:%llu", boot, pid,
				     (unsigned long long)ticks);
			if (n >= 96 || !pa_base64(want, sizeof(want), (unsigned char *)text, n))
				snprintf(want, sizeof(want), "%u:%llu", pid, (unsigned long long)ticks);
			pa_entity_id(got, sizeof(got), boot, pid, ticks);
			snprintf(label, sizeof(label), "boot id of %zu bytes, case %zu", blen, i);
			CHECK_STR(got, want, label);
		}
	}
}

/* Too small for the base64 form: still a usable, terminated id. */
static void test_entity_id_fallback(void **state)
{
	char small[12];
	char long_boot[120];
	char buf[PA_ENTITY_ID_LEN];

	(void)state;
	pa_entity_id(small, sizeof(small), "boot", 42, 7);
	CHECK_STR(small, "42:7", "buffer too small for base64");
	memset(long_boot, 'b', sizeof(long_boot) - 1);
	long_boot[sizeof(long_boot) - 1] = '\0';
	pa_entity_id(buf, sizeof(buf), long_boot, 42, 7);
	CHECK_STR(buf, "42:7", "boot id too long for the plain form");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signal_name_common),
		cmocka_unit_test(test_signal_name_out_of_range),
		cmocka_unit_test(test_signal_name_realtime),
		cmocka_unit_test(test_signal_name_realtime_bounds),
		cmocka_unit_test(test_signal_name_glibc_reserved),
		cmocka_unit_test(test_signal_name_is_stable),
		cmocka_unit_test(test_wait_status_exit_zero),
		cmocka_unit_test(test_wait_status_exit_code),
		cmocka_unit_test(test_wait_status_killed),
		cmocka_unit_test(test_wait_status_core_dumped),
		cmocka_unit_test(test_rfc3339_epoch),
		cmocka_unit_test(test_rfc3339_known_value),
		cmocka_unit_test(test_rfc3339_truncates_to_microseconds),
		cmocka_unit_test(test_rfc3339_dates),
		cmocka_unit_test(test_wall_time_of_any_boot_time),
		cmocka_unit_test(test_rfc3339_agrees_with_gmtime),
		cmocka_unit_test(test_rfc3339_small_buffer_is_terminated),
		cmocka_unit_test(test_clock_wall_adds_offset),
		cmocka_unit_test(test_clock_wall_negative_offset),
		cmocka_unit_test(test_clock_init_matches_realtime),
		cmocka_unit_test(test_now_clocks_advance),
		cmocka_unit_test(test_format_clock_utc),
		cmocka_unit_test(test_span_microseconds),
		cmocka_unit_test(test_span_milliseconds),
		cmocka_unit_test(test_span_seconds),
		cmocka_unit_test(test_span_minutes_and_hours),
		cmocka_unit_test(test_span_just_below_unit_boundary),
		cmocka_unit_test(test_base64_rfc4648_vectors),
		cmocka_unit_test(test_base64_binary_bytes),
		cmocka_unit_test(test_base64_buffer_too_small),
		cmocka_unit_test(test_entity_id_is_base64_of_identity),
		cmocka_unit_test(test_entity_id_longest_fits),
		cmocka_unit_test(test_entity_id_same_identity_same_id),
		cmocka_unit_test(test_entity_id_differs_on_any_part),
		cmocka_unit_test(test_entity_id_matches_printf_text),
		cmocka_unit_test(test_entity_id_fallback),
	};

	/* pa_format_clock prints local time: pin the zone. */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("signames_clock", tests, NULL, NULL);
}
