// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ksyms.c: /proc/kallsyms into a sorted table, addresses into
 * "symbol+0xoff".  Each case writes its own fake kallsyms file.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "synth.h"

#include "ksyms.h"

#define SYM_LEN 128
/* Big enough that a linear scan or an unsorted table would show; a real
 * kernel has about 150k text symbols. */
#define MANY_SYMS 100000
#define MANY_BASE 0xffffffff81000000ULL
#define MANY_STRIDE 0x40ULL

/* A fake kallsyms: a memfd, so nothing is left behind even when a
 * sanitizer aborts the run.  Its path is /proc/self/fd/N; close the fd
 * after loading. */
static int open_fake(char *path, size_t size)
{
	int fd = memfd_create("kallsyms", MFD_CLOEXEC);

	if (fd < 0)
		fail_msg("memfd_create: %s", strerror(errno));
	snprintf(path, size, "/proc/self/fd/%d", fd);
	return fd;
}

static void load_text(struct pa_ksyms *ks, const char *text)
{
	char path[64];
	size_t len = strlen(text);
	int fd = open_fake(path, sizeof(path));

	CHECK_I(write(fd, text, len), (long long)len, "write the fake kallsyms");
	CHECK_I(pa_ksyms_load(ks, path), 0, "pa_ksyms_load of a readable file");
	close(fd);
}

static const char *fmt(const struct pa_ksyms *ks, uint64_t addr)
{
	static char buf[SYM_LEN];

	memset(buf, 'X', sizeof(buf));
	pa_ksyms_format(ks, addr, buf, sizeof(buf));
	return buf;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++) {
		if (b[i])
			return false;
	}
	return true;
}

/* As root sees it, out of address order (modules come after the core
 * kernel in the file but may sit below it; here also shuffled), with data
 * symbols of every kind between the text ones. */
static const char mixed[] =
	"ffffffff81400000 T vfs_read\n"
	"ffffffff82000000 D init_task\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff83000000 b dentry_cache\n"
	"ffffffff81200000 t __schedule\n"
	"ffffffff82100000 d some_static_data\n"
	"ffffffff81300000 W arch_cpu_idle\n"
	"ffffffff82200000 r __func__.1\n"
	"ffffffff81250000 T schedule\n"
	"ffffffff82300000 R linux_banner\n"
	"ffffffff81280000 w weak_helper\n"
	"ffffffff83100000 B some_bss\n"
	"ffffffffc0a00000 t nfs_wait_bit_killable\t[nfs]\n"
	"ffffffff81500000 T ksys_read\n";

static void test_load_keeps_text_symbols_sorted(void **state)
{
	static const struct {
		uint64_t addr;
		const char *name;
	} want[] = {
		{ 0xffffffff81000000ULL, "_stext" },      { 0xffffffff81200000ULL, "__schedule" },
		{ 0xffffffff81250000ULL, "schedule" },    { 0xffffffff81280000ULL, "weak_helper" },
		{ 0xffffffff81300000ULL, "arch_cpu_idle" }, { 0xffffffff81400000ULL, "vfs_read" },
		{ 0xffffffff81500000ULL, "ksys_read" },
		{ 0xffffffffc0a00000ULL, "nfs_wait_bit_killable" },
	};
	struct pa_ksyms ks;

	(void)state;
	load_text(&ks, mixed);
	CHECK_U(ks.count, sizeof(want) / sizeof(want[0]), "text symbols (t T w W) kept, data (d D b B r R) not");
	for (size_t i = 0; i < ks.count && i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_U(ks.syms[i].addr, want[i].addr, "address order");
		CHECK_STR(ks.syms[i].name, want[i].name, "name at that address (module suffix cut)");
	}
	pa_ksyms_free(&ks);
}

static void test_format_exact_address(void **state)
{
	struct pa_ksyms ks;

	(void)state;
	load_text(&ks, mixed);
	CHECK_STR(fmt(&ks, 0xffffffff81250000ULL), "schedule+0x0", "the symbol's own address");
	CHECK_STR(fmt(&ks, 0xffffffff81000000ULL), "_stext+0x0", "the first symbol's address");
	CHECK_STR(fmt(&ks, 0xffffffffc0a00000ULL), "nfs_wait_bit_killable+0x0", "the last symbol's address");
	pa_ksyms_free(&ks);
}

static void test_format_inside_symbol(void **state)
{
	struct pa_ksyms ks;

	(void)state;
	load_text(&ks, mixed);
	CHECK_STR(fmt(&ks, 0xffffffff8125004dULL), "schedule+0x4d", "inside schedule");
	CHECK_STR(fmt(&ks, 0xffffffff812002a0ULL), "__schedule+0x2a0", "inside __schedule");
	CHECK_STR(fmt(&ks, 0xffffffff8124ffffULL), "__schedule+0x4ffff", "the byte before the next symbol");
	CHECK_STR(fmt(&ks, 0xffffffff81280001ULL), "weak_helper+0x1", "a weak (w) symbol");
	CHECK_STR(fmt(&ks, 0xffffffff81300010ULL), "arch_cpu_idle+0x10", "a weak (W) symbol");
	/* Data symbols are not in the table: an address inside init_task
	 * is attributed to the last text symbol below it. */
	CHECK_STR(fmt(&ks, 0xffffffff82000008ULL), "ksys_read+0xb00008", "data symbols ignored");
	pa_ksyms_free(&ks);
}

static void test_format_before_first_is_raw_hex(void **state)
{
	struct pa_ksyms ks;

	(void)state;
	load_text(&ks, mixed);
	CHECK_STR(fmt(&ks, 0xffffffff80ffffffULL), "0xffffffff80ffffff", "below the first symbol");
	CHECK_STR(fmt(&ks, 0), "0x0", "address 0");
	CHECK_STR(fmt(&ks, 0x1234), "0x1234", "a user-space address");
	pa_ksyms_free(&ks);
}

static void test_format_after_last(void **state)
{
	struct pa_ksyms ks;

	(void)state;
	load_text(&ks, mixed);
	/* There is no end to the last symbol in kallsyms: it runs on. */
	CHECK_STR(fmt(&ks, 0xffffffffc0a01234ULL), "nfs_wait_bit_killable+0x1234", "after the last symbol");
	CHECK_STR(fmt(&ks, UINT64_MAX), "nfs_wait_bit_killable+0x3f5fffff", "the highest address");
	pa_ksyms_free(&ks);
}

/* Without root (or with kptr_restrict) every address reads as zero: the
 * names are there but useless, so the table is empty. */
static void test_zero_addresses_load_empty(void **state)
{
	struct pa_ksyms ks;

	(void)state;
	load_text(&ks, "0000000000000000 T _stext\n"
		       "0000000000000000 t __schedule\n"
		       "0000000000000000 T schedule\n"
		       "0000000000000000 D init_task\n"
		       "0000000000000000 t nfs_wait_bit_killable\t[nfs]\n");
	CHECK_U(ks.count, 0, "symbols kept from an all-zero file");
	CHECK_STR(fmt(&ks, 0xffffffff8125004dULL), "0xffffffff8125004d", "lookup in the empty table");
	pa_ksyms_free(&ks);
}

static void test_empty_and_malformed_lines_skipped(void **state)
{
	struct pa_ksyms ks;

	(void)state;
	load_text(&ks, "\n"
		       "garbage\n"
		       "ffffffff81000000\n"
		       "ffffffff81000000 T\n"
		       "zzzz T not_hex\n"
		       "ffffffff81100000 T good_one\n");
	CHECK_U(ks.count, 1, "only the well-formed line");
	CHECK_STR(fmt(&ks, 0xffffffff81100008ULL), "good_one+0x8", "the well-formed symbol");
	pa_ksyms_free(&ks);

	load_text(&ks, "");
	CHECK_U(ks.count, 0, "an empty file");
	CHECK_STR(fmt(&ks, 0xffffffff81100008ULL), "0xffffffff81100008", "lookup in an empty file's table");
	pa_ksyms_free(&ks);
}

/* Aliases share an address (kallsyms lists both): either name will do,
 * but it must be one of them, and the next symbol must be unaffected. */
static void test_aliases_at_one_address(void **state)
{
	struct pa_ksyms ks;
	const char *got;

	(void)state;
	load_text(&ks, "ffffffff81100000 T alias_a\n"
		       "ffffffff81100000 T alias_b\n"
		       "ffffffff81100100 T after_aliases\n");
	CHECK_U(ks.count, 3, "both aliases kept");
	got = fmt(&ks, 0xffffffff81100010ULL);
	CHECK(!strcmp(got, "alias_a+0x10") || !strcmp(got, "alias_b+0x10"), "one of the aliases");
	CHECK_STR(fmt(&ks, 0xffffffff81100100ULL), "after_aliases+0x0", "the symbol after them");
	pa_ksyms_free(&ks);
}

static void test_missing_file(void **state)
{
	struct pa_ksyms ks;

	(void)state;
	memset(&ks, 0xa5, sizeof(ks));
	CHECK_I(pa_ksyms_load(&ks, "/nonexistent/pa-test/kallsyms"), -ENOENT, "load of a missing file");
	CHECK(all_zero(&ks, sizeof(ks)), "the struct is zeroed after a failed load");
	CHECK_STR(fmt(&ks, 0xffffffff81000000ULL), "0xffffffff81000000", "lookup after a failed load");
	pa_ksyms_free(&ks); /* harmless on the empty struct */
	CHECK(all_zero(&ks, sizeof(ks)), "still zeroed");
}

static void test_free_zeroes(void **state)
{
	struct pa_ksyms ks;

	(void)state;
	load_text(&ks, mixed);
	CHECK(ks.count > 0 && ks.syms && ks.names, "loaded something");
	pa_ksyms_free(&ks);
	CHECK(all_zero(&ks, sizeof(ks)), "the struct is zeroed after free");
	CHECK_STR(fmt(&ks, 0xffffffff81250000ULL), "0xffffffff81250000", "lookup after free");
	pa_ksyms_free(&ks); /* twice is harmless */
	CHECK(all_zero(&ks, sizeof(ks)), "still zeroed after a second free");
}

/* A buffer too small for the name: cut, but NUL-terminated. */
static void test_format_small_buffer(void **state)
{
	struct pa_ksyms ks;
	char buf[8];

	(void)state;
	load_text(&ks, mixed);
	memset(buf, 'X', sizeof(buf));
	pa_ksyms_format(&ks, 0xffffffff8125004dULL, buf, sizeof(buf));
	CHECK_STR(buf, "schedul", "cut to the buffer");
	memset(buf, 'X', sizeof(buf));
	pa_ksyms_format(&ks, 0x1234567890ULL, buf, sizeof(buf));
	CHECK_STR(buf, "0x12345", "raw hex cut to the buffer");
	pa_ksyms_free(&ks);
}

/* Symbol i of the big table: name and address. */
static uint64_t many_addr(size_t i)
{
	return MANY_BASE + i * MANY_STRIDE;
}

static void test_many_symbols(void **state)
{
	struct pa_ksyms ks;
	char path[64], want[SYM_LEN];
	FILE *f;
	int fd, err;

	(void)state;
	fd = open_fake(path, sizeof(path));
	f = fdopen(dup(fd), "w");
	assert_non_null(f);
	/* Descending, with a data symbol every tenth line: the loader must
	 * sort and must grow its arrays many times. */
	for (size_t k = 0; k < MANY_SYMS; k++) {
		size_t i = MANY_SYMS - 1 - k;

		fprintf(f, "%016llx %c fn_%zu\n", (unsigned long long)many_addr(i), i % 2 ? 't' : 'T', i);
		if (k % 10 == 0)
			fprintf(f, "%016llx d data_%zu\n", (unsigned long long)(many_addr(i) + 8), k);
	}
	assert_int_equal(fclose(f), 0);
	err = pa_ksyms_load(&ks, path);
	close(fd);
	CHECK_I(err, 0, "load of the big file");
	CHECK_U(ks.count, MANY_SYMS, "every text symbol");

	for (size_t i = 1; i < ks.count; i++) {
		if (ks.syms[i - 1].addr >= ks.syms[i].addr) {
			print_error("syms[%zu] 0x%llx >= syms[%zu] 0x%llx\n", i - 1,
				    (unsigned long long)ks.syms[i - 1].addr, i, (unsigned long long)ks.syms[i].addr);
			fail_msg("table not sorted by address");
		}
	}
	for (size_t i = 0; i < MANY_SYMS; i += 997) {
		snprintf(want, sizeof(want), "fn_%zu+0x0", i);
		CHECK_STR(fmt(&ks, many_addr(i)), want, "exact address");
		snprintf(want, sizeof(want), "fn_%zu+0x3f", i);
		CHECK_STR(fmt(&ks, many_addr(i) + MANY_STRIDE - 1), want, "last byte of the symbol");
	}
	CHECK_STR(fmt(&ks, many_addr(0) + 0x10), "fn_0+0x10", "first symbol");
	snprintf(want, sizeof(want), "fn_%d+0x10", MANY_SYMS - 1);
	CHECK_STR(fmt(&ks, many_addr(MANY_SYMS - 1) + 0x10), want, "last symbol");
	CHECK_STR(fmt(&ks, MANY_BASE - 1), "0xffffffff80ffffff", "below the first");
	pa_ksyms_free(&ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_keeps_text_symbols_sorted),
		cmocka_unit_test(test_format_exact_address),
		cmocka_unit_test(test_format_inside_symbol),
		cmocka_unit_test(test_format_before_first_is_raw_hex),
		cmocka_unit_test(test_format_after_last),
		cmocka_unit_test(test_aliases_at_one_address),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_free_zeroes),
		cmocka_unit_test(test_format_small_buffer),
		cmocka_unit_test(test_many_symbols),
		/* Empty tables last, so that a sanitizer abort in one (the
		 * sanitizer build stops at the first error) hides no other case. */
		cmocka_unit_test(test_zero_addresses_load_empty),
		cmocka_unit_test(test_empty_and_malformed_lines_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
