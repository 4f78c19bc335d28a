// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cli: defaults, every option with good and bad values, the combinations
 * that are refused, and the one-line error naming the option and value.
 * Each case parses a fresh command line through PARSE(), which also checks
 * that a successful parse leaves no error text behind.
 */
#include <stdio.h>

#include "synth.h"

#include "config.h"

#define NS_PER_MS 1000000ULL
#define NS_PER_SEC 1000000000ULL

struct cli {
	struct pa_config cfg;
	char err[256];
	int rc;
};

static int count_args(char **argv)
{
	int n = 0;

	while (argv[n])
		n++;
	return n;
}

static int parse_argv(struct cli *c, char **argv)
{
	memset(c, 0, sizeof(*c));
	c->rc = pa_cli_parse(count_args(argv), argv, &c->cfg, c->err, sizeof(c->err));
	return c->rc;
}

/* getopt permutes argv: the array must be writable, hence the compound literal. */
#define PARSE(c, ...) parse_argv((c), (char *[]){ "ptrace-agent", __VA_ARGS__, NULL })

/* The checks report the caller's line. */
#define check_ok(c, what) check_ok_at((c), (what), __FILE__, __LINE__)
#define check_error(c, want, what) check_error_at((c), (want), (what), __FILE__, __LINE__)
#define check_error_names(c, frag, frag2, what) \
	check_error_names_at((c), (frag), (frag2), (what), __FILE__, __LINE__)

/* Parsed without error. */
static void check_ok_at(const struct cli *c, const char *what, const char *file, int line)
{
	if (c->rc == 0)
		return;
	print_error("%s: refused with \"%s\"\n", what, c->err);
	_fail(file, line);
}

/* Refused, with exactly this message. */
static void check_error_at(const struct cli *c, const char *want, const char *what, const char *file,
			   int line)
{
	synth_check_i(c->rc, -1, what, file, line);
	synth_check_str(c->err, want, what, file, line);
}

/* Refused, with one line that names frag (and frag2 unless NULL). */
static void check_error_names_at(const struct cli *c, const char *frag, const char *frag2,
				 const char *what, const char *file, int line)
{
	synth_check_i(c->rc, -1, what, file, line);
	if (!strstr(c->err, frag) || (frag2 && !strstr(c->err, frag2)) || strchr(c->err, '\n')) {
		print_error("%s: message \"%s\" should be one line naming %s%s%s\n", what, c->err,
			    frag, frag2 ? " and " : "", frag2 ? frag2 : "");
		_fail(file, line);
	}
}

/* ---- defaults and flags ------------------------------------------------- */

static void test_defaults(void **state)
{
	struct cli c;

	(void)state;
	parse_argv(&c, (char *[]){ "ptrace-agent", NULL });
	check_ok(&c, "no options");
	CHECK_I(c.cfg.mode, PA_MODE_STREAM, "mode");
	CHECK(!c.cfg.json, "json off");
	CHECK(!c.cfg.once, "once off");
	CHECK_U(c.cfg.nr_pids, 0, "no pids");
	CHECK_U(c.cfg.duration_ns, 0, "no duration");
	CHECK(c.cfg.output == NULL, "stdout");
	CHECK_U(c.cfg.ringbuf_bytes, 4u << 20, "ring buffer 4M");
	CHECK_U(c.cfg.max_args_bytes, 4096, "max args bytes");
	CHECK(!c.cfg.verbose && !c.cfg.help && !c.cfg.version, "verbose, help, version off");
}

static void test_config_defaults_clears(void **state)
{
	struct pa_config cfg;

	(void)state;
	memset(&cfg, 0xff, sizeof(cfg));
	pa_config_defaults(&cfg);
	CHECK_U(cfg.nr_pids, 0, "nr_pids");
	CHECK(cfg.output == NULL, "output");
	CHECK(!cfg.json, "json");
	CHECK_U(cfg.max_args_bytes, PA_ARGS_DEFAULT, "max_args_bytes");
}

static void test_json(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--json");
	check_ok(&c, "--json");
	CHECK(c.cfg.json, "json on");
	CHECK_I(c.cfg.mode, PA_MODE_STREAM, "still a stream");
}

static void test_tree_and_once(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--tree");
	check_ok(&c, "--tree");
	CHECK_I(c.cfg.mode, PA_MODE_TREE, "mode tree");
	CHECK(!c.cfg.once, "once off");
	PARSE(&c, "--tree", "--once");
	check_ok(&c, "--tree --once");
	CHECK(c.cfg.once, "once on");
	PARSE(&c, "--once", "--tree");
	check_ok(&c, "--once before --tree");
}

static void test_short_flags(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "-v");
	check_ok(&c, "-v");
	CHECK(c.cfg.verbose, "verbose");
	PARSE(&c, "-h");
	check_ok(&c, "-h");
	CHECK(c.cfg.help, "help");
	PARSE(&c, "-V");
	check_ok(&c, "-V");
	CHECK(c.cfg.version, "version");
	PARSE(&c, "-vhV");
	check_ok(&c, "-vhV clustered");
	CHECK(c.cfg.verbose && c.cfg.help && c.cfg.version, "all three from one cluster");
}

static void test_long_flags(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--verbose", "--help", "--version");
	check_ok(&c, "long forms");
	CHECK(c.cfg.verbose && c.cfg.help && c.cfg.version, "verbose, help, version");
}

/* getopt_long takes an unambiguous prefix of a long option. */
static void test_long_option_prefix(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--js");
	check_ok(&c, "--js");
	CHECK(c.cfg.json, "--js means --json");
}

/* ---- output ------------------------------------------------------------- */

static void test_output(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "-o", "ev.json");
	check_ok(&c, "-o FILE");
	CHECK_STR(c.cfg.output, "ev.json", "-o");
	PARSE(&c, "--output", "a.log");
	check_ok(&c, "--output FILE");
	CHECK_STR(c.cfg.output, "a.log", "--output");
	PARSE(&c, "--output=b.log");
	check_ok(&c, "--output=FILE");
	CHECK_STR(c.cfg.output, "b.log", "--output=");
	PARSE(&c, "-oc.log");
	check_ok(&c, "-oFILE");
	CHECK_STR(c.cfg.output, "c.log", "-oFILE");
}

static void test_output_empty(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "-o", "");
	check_error(&c, "--output needs a file name", "-o ''");
	PARSE(&c, "--output=");
	check_error(&c, "--output needs a file name", "--output=");
}

/* ---- --pid -------------------------------------------------------------- */

static void test_pid(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "-p", "1234");
	check_ok(&c, "-p 1234");
	CHECK_U(c.cfg.nr_pids, 1, "nr_pids");
	CHECK_U(c.cfg.pids[0], 1234, "pid");
	PARSE(&c, "-p", "1", "--pid", "2", "--pid=3", "-p4");
	check_ok(&c, "four forms");
	CHECK_U(c.cfg.nr_pids, 4, "nr_pids");
	CHECK_U(c.cfg.pids[0], 1, "pid 0");
	CHECK_U(c.cfg.pids[1], 2, "pid 1");
	CHECK_U(c.cfg.pids[2], 3, "pid 2");
	CHECK_U(c.cfg.pids[3], 4, "pid 3");
}

static void test_pid_limits(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "-p", "4194304");
	check_ok(&c, "PID_MAX_LIMIT");
	CHECK_U(c.cfg.pids[0], 4194304, "largest pid Linux hands out");
	PARSE(&c, "-p", "1073741823");
	check_ok(&c, "0x3fffffff");
	PARSE(&c, "-p", "1073741824");
	check_error(&c, "invalid PID '1073741824' for --pid: use a positive process id", "0x40000000");
}

static void test_pid_bad_values(void **state)
{
	static const char *const bad[] = { "0", "abc", "", "-1", "+5", " 5", "5x", "1.5",
					   "99999999999999999999" };
	char want[160];
	struct cli c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PARSE(&c, "-p", (char *)bad[i]);
		snprintf(want, sizeof(want), "invalid PID '%s' for --pid: use a positive process id", bad[i]);
		check_error(&c, want, bad[i]);
	}
}

static void test_pid_too_many(void **state)
{
	char *argv[2 + 2 * (PA_MAX_PIDS + 1)];
	char pids[PA_MAX_PIDS + 1][12];
	struct cli c;
	int n = 0;

	(void)state;
	argv[n++] = "ptrace-agent";
	for (int i = 0; i < PA_MAX_PIDS; i++) {
		snprintf(pids[i], sizeof(pids[i]), "%d", 100 + i);
		argv[n++] = "-p";
		argv[n++] = pids[i];
	}
	argv[n] = NULL;
	parse_argv(&c, argv);
	check_ok(&c, "64 pids");
	CHECK_U(c.cfg.nr_pids, PA_MAX_PIDS, "nr_pids");
	CHECK_U(c.cfg.pids[PA_MAX_PIDS - 1], 100 + PA_MAX_PIDS - 1, "the last pid");

	snprintf(pids[PA_MAX_PIDS], sizeof(pids[PA_MAX_PIDS]), "%d", 999);
	argv[n++] = "-p";
	argv[n++] = pids[PA_MAX_PIDS];
	argv[n] = NULL;
	parse_argv(&c, argv);
	check_error(&c, "too many --pid options: at most 64", "65 pids");
}

/* ---- --duration --------------------------------------------------------- */

static void check_duration(const char *arg, uint64_t want_ns)
{
	struct cli c;

	PARSE(&c, "-d", (char *)arg);
	check_ok(&c, arg);
	CHECK_U(c.cfg.duration_ns, want_ns, arg);
}

static void test_duration_units(void **state)
{
	(void)state;
	check_duration("5", 5 * NS_PER_SEC);
	check_duration("5s", 5 * NS_PER_SEC);
	check_duration("250ms", 250 * NS_PER_MS);
	check_duration("2m", 120 * NS_PER_SEC);
	check_duration("1.5s", 1500 * NS_PER_MS);
	check_duration("0.5ms", 500000);
}

static void test_duration_long_form(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--duration", "30s");
	check_ok(&c, "--duration 30s");
	CHECK_U(c.cfg.duration_ns, 30 * NS_PER_SEC, "--duration");
	PARSE(&c, "--duration=1m");
	check_ok(&c, "--duration=1m");
	CHECK_U(c.cfg.duration_ns, 60 * NS_PER_SEC, "--duration=");
}

/* A year is the longest run accepted. */
static void test_duration_max(void **state)
{
	struct cli c;

	(void)state;
	check_duration("527040m", 527040ULL * 60 * NS_PER_SEC);
	PARSE(&c, "-d", "527041m");
	check_error_names(&c, "'527041m'", "--duration", "366 days and a minute");
}

static void test_duration_bad_values(void **state)
{
	static const char *const bad[] = { "0", "-1", "5x", "", "0s", "s", "ms", "5 s", "5ss",
					   "5h", "5S", "-0", "+5", "nan", "inf", "1e400", "0.0000001ms",
					   ".", "1..5", "1.2.3s", "5s." };
	char want[200];
	struct cli c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PARSE(&c, "-d", (char *)bad[i]);
		snprintf(want, sizeof(want),
			 "invalid duration '%s' for --duration: use a positive number with an optional unit ms, s or m",
			 bad[i]);
		check_error(&c, want, bad[i]);
	}
}

/* EVENTS.md: DUR is a number with an optional unit.  strtod also reads
 * hex, exponents and leading blanks, which a user never means. */
static void test_duration_rejects_non_decimal_forms(void **state)
{
	static const char *const bad[] = { "0x10", "1e3", " 5", "\t5s" };
	struct cli c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PARSE(&c, "-d", (char *)bad[i]);
		check_error_names(&c, "--duration", NULL, bad[i]);
	}
}

/* A decimal duration is exact to the nanosecond, not cut by binary
 * floating point (1.001 * 1e9 is 1000999999.99...). */
static void test_duration_decimal_is_exact(void **state)
{
	(void)state;
	check_duration("1.001s", 1001 * NS_PER_MS);
	check_duration("4.35s", 4350 * NS_PER_MS);
	check_duration("0.3s", 300 * NS_PER_MS);
}

static void test_parse_duration_direct(void **state)
{
	uint64_t ns = 77;

	(void)state;
	CHECK_I(pa_parse_duration("3", &ns), 0, "bare number");
	CHECK_U(ns, 3 * NS_PER_SEC, "seconds");
	ns = 77;
	CHECK_I(pa_parse_duration("0", &ns), -1, "zero refused");
	CHECK_U(ns, 77, "output untouched on error");
	CHECK_I(pa_parse_duration("1ns", &ns), -1, "ns is not a unit");
}

/* ---- --ringbuf-size ----------------------------------------------------- */

static void check_ringbuf(const char *arg, uint32_t want)
{
	struct cli c;

	PARSE(&c, "--ringbuf-size", (char *)arg);
	check_ok(&c, arg);
	CHECK_U(c.cfg.ringbuf_bytes, want, arg);
}

static void test_ringbuf_size(void **state)
{
	(void)state;
	check_ringbuf("64K", 64u << 10);
	check_ringbuf("64k", 64u << 10);
	check_ringbuf("4M", 4u << 20);
	check_ringbuf("1G", 1u << 30);
	check_ringbuf("1g", 1u << 30);
	check_ringbuf("65536", 65536);
	check_ringbuf("1024K", 1u << 20);
}

static void test_ringbuf_bad_values(void **state)
{
	static const char *const bad[] = { "3M", "2G", "32K", "0", "", "abc", "-64K", "64KB", "64 K",
					   "K", "100000", "4T", "99999999999999999999" };
	char want[160];
	struct cli c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PARSE(&c, "--ringbuf-size", (char *)bad[i]);
		snprintf(want, sizeof(want),
			 "invalid size '%s' for --ringbuf-size: use a power of two from 64K to 1G", bad[i]);
		check_error(&c, want, bad[i]);
	}
}

static void test_parse_size_direct(void **state)
{
	uint64_t v = 0;

	(void)state;
	CHECK_I(pa_parse_size("512K", &v), 0, "512K");
	CHECK_U(v, 512u << 10, "512K");
	CHECK_I(pa_parse_size("3M", &v), 0, "3M parses (the power-of-two rule is the option's)");
	CHECK_U(v, 3u << 20, "3M");
	CHECK_I(pa_parse_size("16777216T", &v), -1, "unknown suffix");
	CHECK_I(pa_parse_size("17179869184G", &v), -1, "2^34 G overflows 64 bits");
	CHECK_I(pa_parse_size("17179869183G", &v), 0, "just fits");
}

/* ---- --max-args-bytes --------------------------------------------------- */

static void test_max_args_bytes(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--max-args-bytes", "1");
	check_ok(&c, "1");
	CHECK_U(c.cfg.max_args_bytes, 1, "smallest");
	PARSE(&c, "--max-args-bytes=32768");
	check_ok(&c, "32768");
	CHECK_U(c.cfg.max_args_bytes, PA_ARGS_MAX, "largest");
}

static void test_max_args_bytes_bad_values(void **state)
{
	static const char *const bad[] = { "0", "32769", "", "abc", "-1", "4K", "100000000000000000000" };
	char want[160];
	struct cli c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PARSE(&c, "--max-args-bytes", (char *)bad[i]);
		snprintf(want, sizeof(want), "invalid value '%s' for --max-args-bytes: use 1 to 32768", bad[i]);
		check_error(&c, want, bad[i]);
	}
}

/* ---- --redact, --no-redact ---------------------------------------------- */

static void test_redact(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--redact", "dsn=", "--redact=X-Auth:", "--redact", "--db-pass", "--no-redact");
	check_ok(&c, "three patterns and --no-redact");
	CHECK_U(c.cfg.nr_redact, 3, "patterns kept");
	CHECK_STR(c.cfg.redact[0], "dsn=", "first");
	CHECK_STR(c.cfg.redact[2], "--db-pass", "an option");
	CHECK(c.cfg.no_redact, "--no-redact");
	PARSE(&c, "--json");
	CHECK(!c.cfg.no_redact && c.cfg.nr_redact == 0, "default: the built-in list only");
	/* Checking a pattern changes nothing the agent uses. */
	CHECK(pa_redact_default()->nr == 0, "parsing leaves the agent's redaction alone");
}

static void test_redact_bad_values(void **state)
{
	static const char *const bad[] = { "password", "", "=", "--opt=x" };
	struct cli c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		PARSE(&c, "--redact", (char *)bad[i]);
		check_error_names(&c, "--redact", "KEY=", bad[i]);
	}
}

/* ---- unknown, missing, stray -------------------------------------------- */

static void test_unknown_long_option(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--bogus");
	check_error(&c, "unknown option '--bogus' (see --help)", "--bogus");
	PARSE(&c, "--bogus=3");
	check_error(&c, "unknown option '--bogus=3' (see --help)", "--bogus=3");
	PARSE(&c, "--o", "x");
	check_error(&c, "unknown option '--o' (see --help)", "ambiguous prefix (--output, --once)");
}

static void test_unknown_short_option(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "-x");
	check_error(&c, "unknown option '-x' (see --help)", "-x");
	PARSE(&c, "-vx");
	check_error(&c, "unknown option '-x' (see --help)", "-x inside a cluster");
}

/* An unknown long option after an unknown short one: optopt must not leak. */
static void test_unknown_long_after_short(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "-x");
	PARSE(&c, "--bogus");
	check_error(&c, "unknown option '--bogus' (see --help)", "--bogus after -x");
}

/* A flag given a value is an error; the message names the option the
 * user meant (getopt reports it through optopt, not as unknown). */
static void test_flag_with_value(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--json=1");
	check_error(&c, "option '--json' takes no value", "--json=1");
	PARSE(&c, "--verbose=yes");
	check_error(&c, "option '--verbose' takes no value", "--verbose=yes (a long name for -v)");
	PARSE(&c, "--js=1");
	check_error(&c, "option '--json' takes no value", "--js=1 (a prefix)");
	PARSE(&c, "--tree=x");
	check_error_names(&c, "--tree", NULL, "--tree=x");
}

static void test_missing_value(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "-p");
	check_error(&c, "option '-p' needs a value", "-p");
	PARSE(&c, "--pid");
	check_error(&c, "option '--pid' needs a value", "--pid");
	PARSE(&c, "-d");
	check_error(&c, "option '-d' needs a value", "-d");
	PARSE(&c, "--json", "-o");
	check_error(&c, "option '-o' needs a value", "-o after --json");
	PARSE(&c, "--ringbuf-size");
	check_error(&c, "option '--ringbuf-size' needs a value", "--ringbuf-size");
	PARSE(&c, "--max-args-bytes");
	check_error(&c, "option '--max-args-bytes' needs a value", "--max-args-bytes");
}

static void test_stray_argument(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "foo");
	check_error(&c, "unexpected argument 'foo' (see --help)", "foo");
	PARSE(&c, "--json", "foo", "-v");
	check_error(&c, "unexpected argument 'foo' (see --help)", "foo between options");
	PARSE(&c, "--", "-v");
	check_error(&c, "unexpected argument '-v' (see --help)", "after --");
	PARSE(&c, "-");
	check_error(&c, "unexpected argument '-' (see --help)", "a lone dash");
}

/* ---- combinations ------------------------------------------------------- */

static void test_once_without_tree(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--once");
	check_error(&c, "--once goes with --tree", "--once alone");
	PARSE(&c, "--json", "--once");
	check_error(&c, "--once goes with --tree", "--json --once");
}

static void test_json_with_tree(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--json", "--tree");
	check_error(&c, "--json and --tree cannot be combined", "--json --tree");
	PARSE(&c, "--tree", "--once", "--json");
	check_error(&c, "--json and --tree cannot be combined", "--tree --once --json");
}

static void test_everything_at_once(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--json", "-o", "out", "-p", "7", "-d", "250ms", "--ringbuf-size", "8M",
	      "--max-args-bytes", "1024", "-v");
	check_ok(&c, "all stream options");
	CHECK(c.cfg.json, "json");
	CHECK_STR(c.cfg.output, "out", "output");
	CHECK_U(c.cfg.pids[0], 7, "pid");
	CHECK_U(c.cfg.duration_ns, 250 * NS_PER_MS, "duration");
	CHECK_U(c.cfg.ringbuf_bytes, 8u << 20, "ring buffer");
	CHECK_U(c.cfg.max_args_bytes, 1024, "max args");
	CHECK(c.cfg.verbose, "verbose");
}

/* ---- rotation and syslog ------------------------------------------------ */

static void test_rotation(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "-o", "ev.json");
	check_ok(&c, "no rotation");
	CHECK_U(c.cfg.rotate_bytes, 0, "off by default");
	CHECK_U(c.cfg.rotate_keep, PA_ROTATE_KEEP_DEFAULT, "default keep");
	PARSE(&c, "-o", "ev.json", "--rotate-size", "64M", "--rotate-keep", "0");
	check_ok(&c, "64M, keep 0");
	CHECK_U(c.cfg.rotate_bytes, 64u << 20, "size");
	CHECK_U(c.cfg.rotate_keep, 0, "keep");
	PARSE(&c, "-o", "ev.json", "--rotate-size=4K", "--rotate-keep=1000");
	check_ok(&c, "limits");
	CHECK_U(c.cfg.rotate_bytes, 4096, "smallest size");
	CHECK_U(c.cfg.rotate_keep, 1000, "most archives");
}

static void test_rotation_bad_values(void **state)
{
	static const char *const bad_size[] = { "4095", "0", "", "1T", "-4K", "64MB" };
	static const char *const bad_keep[] = { "1001", "-1", "", "x", "5 " };
	char want[160];
	struct cli c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_size) / sizeof(bad_size[0]); i++) {
		PARSE(&c, "-o", "f", "--rotate-size", (char *)bad_size[i]);
		snprintf(want, sizeof(want), "invalid size '%s' for --rotate-size: use 4K or more (e.g. 64M)", bad_size[i]);
		check_error(&c, want, bad_size[i]);
	}
	for (size_t i = 0; i < sizeof(bad_keep) / sizeof(bad_keep[0]); i++) {
		PARSE(&c, "-o", "f", "--rotate-keep", (char *)bad_keep[i]);
		snprintf(want, sizeof(want), "invalid count '%s' for --rotate-keep: use 0 to 1000", bad_keep[i]);
		check_error(&c, want, bad_keep[i]);
	}
	PARSE(&c, "--rotate-size", "1M");
	check_error(&c, "--rotate-size needs -o FILE: stdout cannot be rotated", "rotate stdout");
}

static void test_syslog_option(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--json", "--syslog", "udp://127.0.0.1:514");
	check_ok(&c, "syslog");
	CHECK_STR(c.cfg.syslog_url, "udp://127.0.0.1:514", "url kept as given");
	PARSE(&c, "--syslog", "");
	check_error(&c, "--syslog needs a URL: udp://HOST:PORT, tcp://HOST:PORT or unix:PATH", "empty");
	PARSE(&c, "--syslog", "tcp://host");
	CHECK(c.rc == -1 && strstr(c.err, "tcp://host") != NULL, "a URL without a port is refused, named");
	PARSE(&c, "--tree", "--syslog", "unix:/dev/log");
	check_error(&c, "--tree draws on the terminal: --rotate-size and --syslog go with the event stream",
		    "tree + syslog");
}

static void test_record_and_replay_options(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--json", "--record", "run.pat");
	check_ok(&c, "record");
	CHECK_STR(c.cfg.record, "run.pat", "record file");
	PARSE(&c, "--replay", "run.pat", "--json", "-o", "out.json");
	check_ok(&c, "replay");
	CHECK_STR(c.cfg.replay, "run.pat", "replay file");
	PARSE(&c, "--replay", "run.pat", "--tree", "--at", "+90s");
	check_ok(&c, "replay a moment");
	CHECK_STR(c.cfg.at, "+90s", "at");
	PARSE(&c, "--record", "");
	check_error(&c, "--record needs a file name", "empty record");
	PARSE(&c, "--replay", "");
	check_error(&c, "--replay needs a file name", "empty replay");
	PARSE(&c, "--record", "a", "--replay", "b");
	check_error(&c, "--record and --replay cannot be combined", "both");
	PARSE(&c, "--replay", "a", "-p", "1");
	check_error(&c, "--pid and --transitions apply when recording; a replay shows what was recorded", "replay -p");
	PARSE(&c, "--replay", "a", "-d", "5s");
	check_error(&c, "--duration applies when tracing; a replay ends with its file", "replay -d");
	PARSE(&c, "--tree", "--at", "+5s");
	check_error(&c, "--at goes with --replay and --tree", "at without replay");
	PARSE(&c, "--replay", "a", "--at", "+5s");
	check_error(&c, "--at goes with --replay and --tree", "at without tree");
	PARSE(&c, "--tree", "--once", "--record", "a");
	check_error(&c, "--record goes with tracing, not with --once", "record a snapshot");
}

/* ---- state between parses ----------------------------------------------- */

static void test_parse_twice(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--json", "-p", "5");
	check_ok(&c, "first parse");
	PARSE(&c, "-d", "2s");
	check_ok(&c, "second parse");
	CHECK(!c.cfg.json, "nothing left over from the first parse: json");
	CHECK_U(c.cfg.nr_pids, 0, "nothing left over: pids");
	CHECK_U(c.cfg.duration_ns, 2 * NS_PER_SEC, "second parse read its own options");
}

/* An error in the middle of a cluster leaves getopt mid-word; the next
 * parse must start over at argv[1]. */
static void test_parse_after_error_mid_cluster(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "-xv");
	check_error(&c, "unknown option '-x' (see --help)", "first parse");
	PARSE(&c, "-V");
	check_ok(&c, "second parse");
	CHECK(c.cfg.version, "-V seen");
	CHECK(!c.cfg.verbose, "the v left in the first cluster was not read");
}

/* ---- --syscalls ----------------------------------------------------------- */

static void test_syscalls_options(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--json");
	check_ok(&c, "defaults");
	CHECK(!c.cfg.syscalls, "off by default");
	CHECK_U(c.cfg.syscalls_top, 10, "top 10 by default");
	CHECK_I(c.cfg.syscalls_sort, PA_SYS_SORT_TIME, "sorted by time by default");
	CHECK_U(c.cfg.syscalls_every_ns, 10 * NS_PER_SEC, "every 10s by default");

	PARSE(&c, "--syscalls", "--syscalls-top", "3", "--syscalls-sort", "count", "--syscalls-every", "1m",
	      "-p", "42");
	check_ok(&c, "all syscall options");
	CHECK(c.cfg.syscalls, "on");
	CHECK_U(c.cfg.syscalls_top, 3, "top 3");
	CHECK_I(c.cfg.syscalls_sort, PA_SYS_SORT_COUNT, "by count");
	CHECK_U(c.cfg.syscalls_every_ns, 60 * NS_PER_SEC, "every minute");
	CHECK_U(c.cfg.nr_pids, 1, "with --pid");

	PARSE(&c, "--syscalls", "--syscalls-top", "64", "--syscalls-sort", "time");
	check_ok(&c, "top at its maximum");
	CHECK_U(c.cfg.syscalls_top, 64, "top 64");
}

/* ---- --signals, --failed-execs, --deadlocks ------------------------------ */

static void test_signal_and_lock_options(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--json");
	check_ok(&c, "defaults");
	CHECK(!c.cfg.signals_only && !c.cfg.failed_execs && !c.cfg.deadlocks, "all off by default");
	PARSE(&c, "--signals", "--failed-execs", "--deadlocks", "-p", "42");
	check_ok(&c, "the three together, with --pid");
	CHECK(c.cfg.signals_only && c.cfg.failed_execs && c.cfg.deadlocks, "all on");
	PARSE(&c, "--signals", "--record", "x.pat");
	check_ok(&c, "signals are records like any other: recordable");
}

static void test_signal_and_lock_refusals(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--signals", "--tree");
	check_error_names(&c, "--signals", "--tree", "signals in the tree");
	PARSE(&c, "--deadlocks", "--tree");
	check_error_names(&c, "--deadlocks", "--tree", "deadlocks in the tree");
	PARSE(&c, "--deadlocks", "--record", "x.pat");
	check_error(&c, "--deadlocks cannot be recorded yet: drop --record or --deadlocks",
		    "deadlock scans read /proc, which a record file does not keep");
	PARSE(&c, "--replay", "x.pat", "--failed-execs");
	check_error_names(&c, "--failed-execs", "replay", "a replay traces nothing");
	PARSE(&c, "--signals=all");
	check_error(&c, "option '--signals' takes no value", "no value");
}

static void test_syscalls_bad_values(void **state)
{
	struct cli c;

	(void)state;
	PARSE(&c, "--syscalls", "--syscalls-top", "0");
	check_error(&c, "invalid count '0' for --syscalls-top: use 1 to 64", "top 0");
	PARSE(&c, "--syscalls", "--syscalls-top", "65");
	check_error(&c, "invalid count '65' for --syscalls-top: use 1 to 64", "top 65");
	PARSE(&c, "--syscalls", "--syscalls-top", "ten");
	check_error(&c, "invalid count 'ten' for --syscalls-top: use 1 to 64", "top ten");
	PARSE(&c, "--syscalls", "--syscalls-sort", "name");
	check_error(&c, "invalid key 'name' for --syscalls-sort: use time or count", "sort by name");
	PARSE(&c, "--syscalls", "--syscalls-sort", "");
	check_error_names(&c, "--syscalls-sort", "time or count", "empty sort key");
	PARSE(&c, "--syscalls", "--syscalls-every", "500ms");
	check_error(&c, "invalid duration '500ms' for --syscalls-every: use 1s or more (e.g. 10s, 1m)",
		    "below a second");
	PARSE(&c, "--syscalls", "--syscalls-every", "soon");
	check_error_names(&c, "'soon'", "--syscalls-every", "not a duration");
	PARSE(&c, "--syscalls-top", "3");
	check_error_names(&c, "--syscalls-top", "go with --syscalls", "top without --syscalls");
	PARSE(&c, "--syscalls-sort", "count");
	check_error_names(&c, "--syscalls-sort", "go with --syscalls", "sort without --syscalls");
	PARSE(&c, "--syscalls-every", "5s");
	check_error_names(&c, "--syscalls-every", "go with --syscalls", "every without --syscalls");
	/* The default values given explicitly are still the options given. */
	PARSE(&c, "--syscalls-top", "10");
	check_error_names(&c, "--syscalls-top", "go with --syscalls", "default top without --syscalls");
	PARSE(&c, "--syscalls-sort", "time");
	check_error_names(&c, "--syscalls-sort", "go with --syscalls", "default sort without --syscalls");
	PARSE(&c, "--syscalls", "--tree");
	check_error_names(&c, "--syscalls", "--tree", "with the tree");
	PARSE(&c, "--syscalls", "--record", "x.tape");
	check_error_names(&c, "--syscalls", "--record", "recorded");
	PARSE(&c, "--syscalls", "--replay", "x.tape");
	check_error_names(&c, "--syscalls", "record files", "replayed");
}

static void test_usage_text(void **state)
{
	(void)state;
	CHECK(strncmp(pa_usage, "Usage: ptrace-agent", 19) == 0, "starts with Usage");
	CHECK(strstr(pa_usage, "--json") != NULL, "documents --json");
	CHECK(strstr(pa_usage, "--ringbuf-size") != NULL, "documents --ringbuf-size");
	CHECK(strstr(pa_usage, "--rotate-size") != NULL, "documents --rotate-size");
	CHECK(strstr(pa_usage, "--syslog URL") != NULL, "documents --syslog");
	CHECK(strstr(pa_usage, "--syscalls-every DUR") != NULL, "documents --syscalls-every");
	CHECK(strstr(pa_usage, "Examples:") != NULL, "ends in examples");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_config_defaults_clears),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_tree_and_once),
		cmocka_unit_test(test_short_flags),
		cmocka_unit_test(test_long_flags),
		cmocka_unit_test(test_long_option_prefix),
		cmocka_unit_test(test_output),
		cmocka_unit_test(test_output_empty),
		cmocka_unit_test(test_pid),
		cmocka_unit_test(test_pid_limits),
		cmocka_unit_test(test_pid_bad_values),
		cmocka_unit_test(test_pid_too_many),
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_long_form),
		cmocka_unit_test(test_duration_max),
		cmocka_unit_test(test_duration_bad_values),
		cmocka_unit_test(test_duration_rejects_non_decimal_forms),
		cmocka_unit_test(test_duration_decimal_is_exact),
		cmocka_unit_test(test_parse_duration_direct),
		cmocka_unit_test(test_ringbuf_size),
		cmocka_unit_test(test_ringbuf_bad_values),
		cmocka_unit_test(test_parse_size_direct),
		cmocka_unit_test(test_max_args_bytes),
		cmocka_unit_test(test_max_args_bytes_bad_values),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_redact_bad_values),
		cmocka_unit_test(test_unknown_long_option),
		cmocka_unit_test(test_unknown_short_option),
		cmocka_unit_test(test_unknown_long_after_short),
		cmocka_unit_test(test_flag_with_value),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_stray_argument),
		cmocka_unit_test(test_once_without_tree),
		cmocka_unit_test(test_json_with_tree),
		cmocka_unit_test(test_everything_at_once),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_rotation_bad_values),
		cmocka_unit_test(test_syslog_option),
		cmocka_unit_test(test_record_and_replay_options),
		cmocka_unit_test(test_parse_twice),
		cmocka_unit_test(test_parse_after_error_mid_cluster),
		cmocka_unit_test(test_syscalls_options),
		cmocka_unit_test(test_syscalls_bad_values),
		cmocka_unit_test(test_signal_and_lock_options),
		cmocka_unit_test(test_signal_and_lock_refusals),
		cmocka_unit_test(test_usage_text),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
