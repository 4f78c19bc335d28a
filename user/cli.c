// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pa_events.h"
#include "syslog_url.h"

/* Longest -d accepted: a year, far past any sensible run, and safely
 * inside uint64 nanoseconds. */
#define PA_DURATION_MAX_NS (366ULL * 24 * 3600 * 1000000000ULL)

const char pa_usage[] =
	"Usage: ptrace-agent [OPTION]...\n"
	"Trace process life on this machine with eBPF: fork, exec, exit.\n"
	"\n"
	"Output:\n"
	"      --json               JSON lines (Elastic Common Schema names)\n"
	"      --tree               the process tree (live on a terminal;\n"
	"                           one snapshot when stdout is not a terminal)\n"
	"      --once               with --tree: print one snapshot and exit\n"
	"  -o, --output FILE        append the stream to FILE instead of stdout\n"
	"                           (SIGHUP reopens it, as logrotate expects)\n"
	"      --rotate-size SIZE   with -o: start a new FILE past SIZE (e.g. 64M),\n"
	"                           keeping the old ones as FILE.1.gz, FILE.2.gz...\n"
	"      --rotate-keep N      gzip archives kept (default 5; 0 deletes them)\n"
	"      --syslog URL         also send every event to syslog (RFC 5424):\n"
	"                           udp://HOST:PORT, tcp://HOST:PORT, unix:/dev/log\n"
	"\n"
	"Secrets:\n"
	"      --redact PATTERN     also mask values of PATTERN in argv (repeatable):\n"
	"                           KEY= or KEY: (e.g. dsn=, X-Auth:) or -OPTION\n"
	"                           (its next argument); password=, token=,\n"
	"                           --password, Authorization: and URL credentials\n"
	"                           are masked by default\n"
	"      --no-redact          do not mask the built-in list\n"
	"\n"
	"Record and replay:\n"
	"      --record FILE        also write everything traced to FILE (compressed)\n"
	"      --replay FILE        print a recorded run again, as it was printed,\n"
	"                           with any output options; no root needed\n"
	"      --at TIME            with --replay --tree: the tree at TIME, an offset\n"
	"                           from the start (+90s) or a UTC time (RFC 3339)\n"
	"\n"
	"Selection:\n"
	"  -p, --pid PID            only PID and its descendants (repeatable)\n"
	"  -d, --duration DUR       stop after DUR (e.g. 30s, 500ms, 5m)\n"
	"      --transitions        with --pid: every scheduler state change\n"
	"                           (R S D T t I), not only stops and continues\n"
	"\n"
	"Alerts:\n"
	"      --zombie-after DUR   report a child not reaped this long after it\n"
	"                           exited, and its parent (default 5s)\n"
	"      --stuck-after DUR    report a thread in D state this long, with its\n"
	"                           kernel stack, syscall and file (default 10s)\n"
	"\n"
	"Signals and failures:\n"
	"      --signals            only signal events, every signal, both when\n"
	"                           sent and when taken (by default: signals sent,\n"
	"                           but not the SIGCHLD, SIGWINCH, SIGURG, SIGIO and\n"
	"                           timer signals that every busy box sends)\n"
	"      --failed-execs       also report execve/execveat that fail, with the\n"
	"                           error (puts every syscall of the box on the\n"
	"                           kernel's slower traced path)\n"
	"      --deadlocks          find threads waiting on each other in a cycle\n"
	"                           (mutexes, PI futexes, flock/POSIX/OFD locks)\n"
	"\n"
	"Syscall statistics:\n"
	"      --syscalls           count each process's system calls in the kernel\n"
	"                           (count, errors, time); a summary per process\n"
	"                           every --syscalls-every, at exit and on SIGUSR1\n"
	"      --syscalls-top N     syscalls shown per process (default 10, max 64)\n"
	"      --syscalls-sort KEY  rank by time or count (default time)\n"
	"      --syscalls-every DUR summary interval (default 10s)\n"
	"\n"
	"Tuning:\n"
	"      --ringbuf-size SIZE  kernel ring buffer (default 4M; power of two)\n"
	"      --max-args-bytes N   argv bytes kept per exec (default 4096, max 32768)\n"
	"  -v, --verbose            print libbpf's messages\n"
	"  -h, --help               this help\n"
	"  -V, --version            the version\n"
	"\n"
	"Examples:\n"
	"  ptrace-agent                      # every fork, exec and exit, as text\n"
	"  ptrace-agent --json -o ev.json    # JSON lines into a file\n"
	"  ptrace-agent -p 1234 -d 1m        # 1234 and its children, for a minute\n"
	"  ptrace-agent --tree --once        # pstree-like snapshot with states\n";

enum {
	OPT_JSON = 256,
	OPT_TREE,
	OPT_ONCE,
	OPT_RINGBUF,
	OPT_MAX_ARGS,
	OPT_ZOMBIE_AFTER,
	OPT_STUCK_AFTER,
	OPT_TRANSITIONS,
	OPT_ROTATE_SIZE,
	OPT_ROTATE_KEEP,
	OPT_SYSLOG,
	OPT_RECORD,
	OPT_REPLAY,
	OPT_AT,
	OPT_REDACT,
	OPT_NO_REDACT,
	OPT_SYSCALLS,
	OPT_SYSCALLS_TOP,
	OPT_SYSCALLS_SORT,
	OPT_SYSCALLS_EVERY,
	OPT_SIGNALS,
	OPT_FAILED_EXECS,
	OPT_DEADLOCKS,
};

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "tree", no_argument, NULL, OPT_TREE },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "output", required_argument, NULL, 'o' },
	{ "pid", required_argument, NULL, 'p' },
	{ "duration", required_argument, NULL, 'd' },
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF },
	{ "max-args-bytes", required_argument, NULL, OPT_MAX_ARGS },
	{ "zombie-after", required_argument, NULL, OPT_ZOMBIE_AFTER },
	{ "stuck-after", required_argument, NULL, OPT_STUCK_AFTER },
	{ "transitions", no_argument, NULL, OPT_TRANSITIONS },
	{ "rotate-size", required_argument, NULL, OPT_ROTATE_SIZE },
	{ "rotate-keep", required_argument, NULL, OPT_ROTATE_KEEP },
	{ "syslog", required_argument, NULL, OPT_SYSLOG },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "at", required_argument, NULL, OPT_AT },
	{ "redact", required_argument, NULL, OPT_REDACT },
	{ "no-redact", no_argument, NULL, OPT_NO_REDACT },
	{ "syscalls", no_argument, NULL, OPT_SYSCALLS },
	{ "syscalls-top", required_argument, NULL, OPT_SYSCALLS_TOP },
	{ "syscalls-sort", required_argument, NULL, OPT_SYSCALLS_SORT },
	{ "syscalls-every", required_argument, NULL, OPT_SYSCALLS_EVERY },
	{ "signals", no_argument, NULL, OPT_SIGNALS },
	{ "failed-execs", no_argument, NULL, OPT_FAILED_EXECS },
	{ "deadlocks", no_argument, NULL, OPT_DEADLOCKS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

void pa_config_defaults(struct pa_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = PA_MODE_STREAM;
	cfg->ringbuf_bytes = PA_RINGBUF_DEFAULT;
	cfg->max_args_bytes = PA_ARGS_DEFAULT;
	cfg->zombie_after_ns = PA_ZOMBIE_AFTER_DEFAULT_NS;
	cfg->stuck_after_ns = PA_STUCK_AFTER_DEFAULT_NS;
	cfg->rotate_keep = PA_ROTATE_KEEP_DEFAULT;
	cfg->syscalls_top = PA_SYS_TOP_DEFAULT;
	cfg->syscalls_sort = PA_SYS_SORT_TIME;
	cfg->syscalls_every_ns = PA_SYSCALLS_EVERY_DEFAULT_NS;
}

/* Plain decimal only ("1.5", not "0x10" or "1e3", which strtod takes):
 * what a user types. Rounded to the nanosecond, so "1.001s" is exact. */
int pa_parse_duration(const char *s, uint64_t *ns)
{
	size_t digits = strspn(s, "0123456789.");
	const char *unit = s + digits;
	double v, scale = 1e9;

	if (!digits || memchr(s, '.', digits) != strrchr(s, '.') || (s[0] == '.' && digits == 1))
		return -1;
	v = strtod(s, NULL);
	if (!strcmp(unit, "ms"))
		scale = 1e6;
	else if (!strcmp(unit, "m"))
		scale = 60e9;
	else if (strcmp(unit, "s") && *unit)
		return -1;
	v = v * scale + 0.5;
	if (v < 1 || v > (double)PA_DURATION_MAX_NS)
		return -1;
	*ns = (uint64_t)v;
	return 0;
}

int pa_parse_size(const char *s, uint64_t *bytes)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (*end || v > (~0ULL >> shift))
		return -1;
	*bytes = v << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end || *out > max)
		return -1;
	return 0;
}

#define usage_error(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static int parse_one(int opt, const char *arg, struct pa_config *cfg, char *err, size_t errlen)
{
	unsigned long long n;
	uint64_t v;

	switch (opt) {
	case OPT_JSON:
		cfg->json = true;
		return 0;
	case OPT_TREE:
		cfg->mode = PA_MODE_TREE;
		return 0;
	case OPT_ONCE:
		cfg->once = true;
		return 0;
	case 'o':
		if (!*arg)
			return usage_error("--output needs a file name");
		cfg->output = arg;
		return 0;
	case 'p':
		if (parse_uint(arg, 0x3fffffff, &n) || n == 0)
			return usage_error("invalid PID '%s' for --pid: use a positive process id", arg);
		if (cfg->nr_pids == PA_MAX_PIDS)
			return usage_error("too many --pid options: at most %d", PA_MAX_PIDS);
		cfg->pids[cfg->nr_pids++] = n;
		return 0;
	case 'd':
		if (pa_parse_duration(arg, &cfg->duration_ns))
			return usage_error("invalid duration '%s' for --duration: use a positive number with an optional unit ms, s or m", arg);
		return 0;
	case OPT_ZOMBIE_AFTER:
		if (pa_parse_duration(arg, &cfg->zombie_after_ns))
			return usage_error("invalid duration '%s' for --zombie-after: use a positive number with an optional unit ms, s or m", arg);
		return 0;
	case OPT_TRANSITIONS:
		cfg->transitions = true;
		return 0;
	case OPT_STUCK_AFTER:
		if (pa_parse_duration(arg, &cfg->stuck_after_ns))
			return usage_error("invalid duration '%s' for --stuck-after: use a positive number with an optional unit ms, s or m", arg);
		return 0;
	case OPT_RINGBUF:
		if (pa_parse_size(arg, &v) || v < PA_RINGBUF_MIN || v > PA_RINGBUF_MAX || (v & (v - 1)))
			return usage_error("invalid size '%s' for --ringbuf-size: use a power of two from 64K to 1G", arg);
		cfg->ringbuf_bytes = v;
		return 0;
	case OPT_MAX_ARGS:
		if (parse_uint(arg, PA_ARGS_MAX, &n) || n == 0)
			return usage_error("invalid value '%s' for --max-args-bytes: use 1 to %d", arg, PA_ARGS_MAX);
		cfg->max_args_bytes = n;
		return 0;
	case OPT_ROTATE_SIZE:
		if (pa_parse_size(arg, &v) || v < PA_ROTATE_SIZE_MIN)
			return usage_error("invalid size '%s' for --rotate-size: use 4K or more (e.g. 64M)", arg);
		cfg->rotate_bytes = v;
		return 0;
	case OPT_ROTATE_KEEP:
		if (parse_uint(arg, 1000, &n))
			return usage_error("invalid count '%s' for --rotate-keep: use 0 to 1000", arg);
		cfg->rotate_keep = n;
		return 0;
	case OPT_SYSLOG: {
		struct pa_syslog_url url;

		if (!*arg)
			return usage_error("--syslog needs a URL: udp://HOST:PORT, tcp://HOST:PORT or unix:PATH");
		if (pa_syslog_url_parse(arg, &url, err, errlen))
			return -1;
		cfg->syslog_url = arg;
		return 0;
	}
	case OPT_RECORD:
	case OPT_REPLAY:
		if (!*arg)
			return usage_error("--%s needs a file name", opt == OPT_RECORD ? "record" : "replay");
		*(opt == OPT_RECORD ? &cfg->record : &cfg->replay) = arg;
		return 0;
	case OPT_REDACT: {
		struct pa_redact check;
		int rc;

		/* Checked here, applied by main: parsing has no side effects. */
		pa_redact_init(&check);
		rc = pa_redact_add(&check, arg);
		pa_redact_free(&check);
		if (rc)
			return usage_error("invalid pattern '%s' for --redact: use KEY= or KEY: (the value after it is masked) or -OPTION (its next argument is)", arg);
		if (cfg->nr_redact == PA_REDACT_MAX)
			return usage_error("too many --redact patterns (at most %d)", PA_REDACT_MAX);
		cfg->redact[cfg->nr_redact++] = arg;
		return 0;
	}
	case OPT_NO_REDACT:
		cfg->no_redact = true;
		return 0;
	case OPT_AT:
		if (!*arg)
			return usage_error("--at needs a time: +90s (from the start) or 2026-11-26T10:01:02Z");
		cfg->at = arg;
		return 0;
	case OPT_SYSCALLS:
		cfg->syscalls = true;
		return 0;
	case OPT_SYSCALLS_TOP:
		if (parse_uint(arg, PA_SYS_TOP_MAX, &n) || n == 0)
			return usage_error("invalid count '%s' for --syscalls-top: use 1 to %d", arg, PA_SYS_TOP_MAX);
		cfg->syscalls_top = n;
		cfg->syscalls_tuned = true;
		return 0;
	case OPT_SYSCALLS_SORT:
		if (pa_sys_sort_parse(arg, &cfg->syscalls_sort))
			return usage_error("invalid key '%s' for --syscalls-sort: use time or count", arg);
		cfg->syscalls_tuned = true;
		return 0;
	case OPT_SYSCALLS_EVERY:
		/* Below a second the summaries would outrun the housekeeping tick that reads them. */
		if (pa_parse_duration(arg, &v) || v < 1000000000ULL)
			return usage_error("invalid duration '%s' for --syscalls-every: use 1s or more (e.g. 10s, 1m)", arg);
		cfg->syscalls_every_ns = v;
		cfg->syscalls_tuned = true;
		return 0;
	case OPT_SIGNALS:
		cfg->signals_only = true;
		return 0;
	case OPT_FAILED_EXECS:
		cfg->failed_execs = true;
		return 0;
	case OPT_DEADLOCKS:
		cfg->deadlocks = true;
		return 0;
	case 'v':
		cfg->verbose = true;
		return 0;
	case 'h':
		cfg->help = true;
		return 0;
	case 'V':
		cfg->version = true;
		return 0;
	}
	return usage_error("internal error: unhandled option %d", opt);
}

/* getopt's '?': an unknown option, or a long option given a value it does
 * not take ("--json=1"; getopt then sets optopt to that option's code). */
static int unknown_option(const char *word, int optopt_code, char *err, size_t errlen)
{
	size_t name_len = strcspn(word, "=");

	if (word[0] != '-' || word[1] != '-')
		return usage_error("unknown option '-%c' (see --help)", optopt_code);
	if (word[name_len] == '=' && optopt_code) {
		for (const struct option *o = long_opts; o->name; o++) {
			if (o->val == optopt_code)
				return usage_error("option '--%s' takes no value", o->name);
		}
	}
	return usage_error("unknown option '%s' (see --help)", word);
}

/* A replay's inputs were fixed when it was recorded. */
static int check_replay(const struct pa_config *cfg, char *err, size_t errlen)
{
	if (cfg->at && (!cfg->replay || cfg->mode != PA_MODE_TREE))
		return usage_error("--at goes with --replay and --tree");
	if (!cfg->replay) {
		if (cfg->record && cfg->syscalls)
			return usage_error("--syscalls cannot be recorded yet: drop --record or --syscalls");
		if (cfg->record && cfg->deadlocks)
			return usage_error("--deadlocks cannot be recorded yet: drop --record or --deadlocks");
		if (cfg->record && cfg->once)
			return usage_error("--record goes with tracing, not with --once");
		return 0;
	}
	if (cfg->record)
		return usage_error("--record and --replay cannot be combined");
	if (cfg->syscalls)
		return usage_error("--syscalls applies when tracing; record files hold no syscall statistics");
	if (cfg->failed_execs || cfg->deadlocks)
		return usage_error("--failed-execs and --deadlocks apply when tracing; a replay shows what was recorded");
	if (cfg->nr_pids || cfg->transitions)
		return usage_error("--pid and --transitions apply when recording; a replay shows what was recorded");
	if (cfg->duration_ns)
		return usage_error("--duration applies when tracing; a replay ends with its file");
	return 0;
}

int pa_cli_parse(int argc, char **argv, struct pa_config *cfg, char *err, size_t errlen)
{
	int opt;

	pa_config_defaults(cfg);
	optind = 0; /* restart getopt: the tests parse many command lines */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:p:d:vhV", long_opts, NULL)) != -1) {
		if (opt == '?')
			return unknown_option(argv[optind - 1], optopt, err, errlen);
		if (opt == ':')
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		if (parse_one(opt, optarg, cfg, err, errlen))
			return -1;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' (see --help)", argv[optind]);
	if (cfg->once && cfg->mode != PA_MODE_TREE)
		return usage_error("--once goes with --tree");
	if (cfg->transitions && !cfg->nr_pids)
		return usage_error("--transitions needs --pid: every context switch of every process would flood the output");
	if (cfg->json && cfg->mode == PA_MODE_TREE)
		return usage_error("--json and --tree cannot be combined");
	if (!cfg->syscalls && cfg->syscalls_tuned)
		return usage_error("--syscalls-top, --syscalls-sort and --syscalls-every go with --syscalls");
	if (cfg->syscalls && cfg->mode == PA_MODE_TREE)
		return usage_error("--syscalls and --tree cannot be combined: the summaries go to the event stream");
	if (cfg->mode == PA_MODE_TREE && (cfg->signals_only || cfg->failed_execs || cfg->deadlocks))
		return usage_error("--signals, --failed-execs and --deadlocks report events: they go with the event stream, not --tree");
	if (cfg->rotate_bytes && !cfg->output)
		return usage_error("--rotate-size needs -o FILE: stdout cannot be rotated");
	if (cfg->mode == PA_MODE_TREE && (cfg->rotate_bytes || cfg->syslog_url))
		return usage_error("--tree draws on the terminal: --rotate-size and --syslog go with the event stream");
	return check_replay(cfg, err, errlen);
}
