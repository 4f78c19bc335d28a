// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live view's text: rows, column titles, the status line and the
 * detail pane.  Every string from a process (comm, argv, exec paths,
 * user names, kernel symbols) goes through pa_text_escape, and every line
 * is cut to the screen width in columns, so ncurses never wraps a line
 * and nothing a process chose reaches the terminal raw.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "signames.h"
#include "syscall_names.h"
#include "text_escape.h"
#include "tui_view.h"
#include "utf8.h"

#define NS_PER_SEC 1000000000ULL
#define SEC_PER_DAY 86400ULL
#define USER_COLUMNS 8
/* Names longer than this are cut anyway: the column shows 8. */
#define USER_NAME_MAX 32
/* A host has a few dozen users; a host full of containers with mapped uid
 * ranges can show thousands, so the cache starts over past this. */
#define USER_CACHE_MAX 512
/* getpwuid_r's buffer: glibc's _SC_GETPW_R_SIZE_MAX is 1024; a larger
 * entry (a long GECOS field) falls back to the number. */
#define PW_BUF_LEN 4096
/* Ancestors named in the detail pane, the nearest ones: deeper chains
 * begin with "... > ". */
#define ANCESTRY_MAX 16
/* A first syscall argument up to this is a number (fd, pid, flags) and is
 * shown in decimal; above it is probably an address, shown in hex. */
#define ARG_DECIMAL_MAX 65535

struct pa_view_user {
	uint32_t uid; /* the key */
	char name[USER_NAME_MAX + 1]; /* "": no such user */
	UT_hash_handle hh;
};

void pa_view_forget_users(struct pa_view *v)
{
	struct pa_view_user *u, *tmp;

	HASH_ITER(hh, v->users, u, tmp) {
		HASH_DEL(v->users, u);
		free(u);
	}
}

/* The name for uid, "" if it has none (or the lookup failed). */
static const char *user_name(struct pa_view *v, uint32_t uid)
{
	struct pa_view_user *u;
	struct passwd pw, *res = NULL;
	char buf[PW_BUF_LEN];

	HASH_FIND(hh, v->users, &uid, sizeof(uid), u);
	if (u)
		return u->name;
	if (HASH_COUNT(v->users) >= USER_CACHE_MAX)
		pa_view_forget_users(v);
	u = calloc(1, sizeof(*u));
	if (!u)
		return "";
	u->uid = uid;
	if (!getpwuid_r(uid, &pw, buf, sizeof(buf), &res) && res)
		snprintf(u->name, sizeof(u->name), "%s", res->pw_name);
	HASH_ADD(hh, v->users, uid, sizeof(u->uid), u);
	return u->name;
}

static uint64_t since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

/* "850ms", "12s", "4m05s", "2h13m", "3d04h": two units at most, as an age
 * column needs no sub-second noise once a process is a second old. */
static void format_age(char *buf, size_t size, uint64_t ns)
{
	unsigned long long s = ns / NS_PER_SEC;

	if (ns < NS_PER_SEC)
		snprintf(buf, size, "%llums", (unsigned long long)(ns / 1000000));
	else if (s < 60)
		snprintf(buf, size, "%llus", s);
	else if (s < 3600)
		snprintf(buf, size, "%llum%02llus", s / 60, s % 60);
	else if (s < SEC_PER_DAY)
		snprintf(buf, size, "%lluh%02llum", s / 3600, s / 60 % 60);
	else
		snprintf(buf, size, "%llud%02lluh", s / SEC_PER_DAY, s / 3600 % 24);
}

/* Idleness is at least a minute: "5m", then as format_age. */
static void format_idle(char *buf, size_t size, uint64_t ns)
{
	unsigned long long s = ns / NS_PER_SEC;

	if (s < 3600)
		snprintf(buf, size, "%llum", s / 60);
	else
		format_age(buf, size, ns);
}

/* pa_format_span, but nothing is "0s" (pa_format_span says "0us"). */
static void format_span(char *buf, size_t size, uint64_t ns)
{
	if (ns)
		pa_format_span(buf, size, ns);
	else
		snprintf(buf, size, "0s");
}

static void end_line(struct strbuf *sb, size_t start, size_t width)
{
	if (width)
		pa_tree_cut_columns(sb, start, width);
}

void pa_view_format_header(struct strbuf *sb, size_t width)
{
	size_t start = sb->len;

	sb_printf(sb, "%7s %s %-*s %6s %5s %4s %s", "PID", "S", USER_COLUMNS, "USER", "AGE", "CPU%",
		  "THR", "COMMAND");
	end_line(sb, start, width);
}

/* Escaped, cut and padded to USER_COLUMNS, so the columns after it line up. */
static void put_user(struct pa_view *v, struct strbuf *sb, const struct pa_proc *p)
{
	size_t start = sb->len, cols;
	const char *name;

	if (!p->sample.at_ns) {
		sb_putc(sb, '-');
	} else {
		name = user_name(v, p->sample.uid);
		if (*name)
			pa_text_escape(sb, name, strlen(name));
		else
			sb_printf(sb, "%u", p->sample.uid);
	}
	pa_tree_cut_columns(sb, start, USER_COLUMNS);
	for (cols = pa_utf8_columns(sb->buf + start, sb->len - start); cols < USER_COLUMNS; cols++)
		sb_putc(sb, ' ');
}

static char state_letter(const struct pa_proc *p)
{
	if (p->reaped)
		return 'X';
	if (p->exited)
		return 'Z';
	return p->state ? p->state : '?';
}

static void put_command(struct strbuf *sb, const struct pa_proc *p)
{
	bool kernel_thread = pa_tree_kernel_thread(p);

	if (p->cmdline && *p->cmdline) {
		pa_text_escape(sb, p->cmdline, strlen(p->cmdline));
		return;
	}
	if (kernel_thread)
		sb_putc(sb, '[');
	pa_text_escape(sb, p->comm, strnlen(p->comm, sizeof(p->comm)));
	if (kernel_thread)
		sb_putc(sb, ']');
}

static const char *at_least(const struct pa_view *v)
{
	return v->unicode ? "≥" : ">=";
}

static void put_marks(struct pa_view *v, struct strbuf *sb, const struct pa_tree_row *row,
		      const struct pa_view_ctx *ctx)
{
	const struct pa_proc *p = row->proc;
	char span[32];

	if (pa_view_row_class(row, ctx) == PA_ROW_ZOMBIE) {
		format_age(span, sizeof(span), since(ctx->now_ns, p->exit_ns));
		sb_printf(sb, " zombie %s%s", p->exit_unseen ? at_least(v) : "", span);
	}
	if (p->dstate_threads && !p->exited) {
		pa_format_span(span, sizeof(span), since(ctx->now_ns, p->dstate_since_ns));
		sb_printf(sb, " D %s", span);
		if (p->dstate_threads > 1)
			sb_printf(sb, " (%u threads)", p->dstate_threads);
	}
	if (p->orphaned_from)
		sb_printf(sb, " (orphan of %u)", p->orphaned_from);
	if (p->state == 'S' && !p->exited && p->sample.active_ns &&
	    since(ctx->now_ns, p->sample.active_ns) >= PA_VIEW_IDLE_NS) {
		format_idle(span, sizeof(span), since(ctx->now_ns, p->sample.active_ns));
		sb_printf(sb, " idle %s%s", p->sample.idle_since_start ? at_least(v) : "", span);
	}
	if (row->hidden)
		sb_printf(sb, " [+%u]", row->hidden);
}

static void format_thread_row(struct pa_view *v, struct strbuf *sb, const struct pa_tree_row *row,
			      const struct pa_view_ctx *ctx)
{
	const struct pa_thread *th = row->thread;
	char age[32];

	format_age(age, sizeof(age), since(ctx->now_ns, th->start_ns));
	sb_printf(sb, "%7u %c ", th->tid, th->state ? th->state : '?');
	put_user(v, sb, row->proc);
	sb_printf(sb, " %6s %5s %4s ", age, "-", "");
	pa_tree_put_prefix(sb, row, v->unicode);
	sb_putc(sb, '{');
	pa_text_escape(sb, th->comm, strnlen(th->comm, sizeof(th->comm)));
	sb_putc(sb, '}');
}

void pa_view_format_row(struct pa_view *v, struct strbuf *sb, const struct pa_tree_row *row,
			const struct pa_view_ctx *ctx, size_t width)
{
	const struct pa_proc *p = row->proc;
	size_t start = sb->len;
	char age[32], cpu[16] = "-";

	if (row->thread) {
		format_thread_row(v, sb, row, ctx);
		end_line(sb, start, width);
		return;
	}
	format_age(age, sizeof(age), since(ctx->now_ns, p->start_ns));
	if (p->sample.at_ns)
		snprintf(cpu, sizeof(cpu), "%u.%u", p->sample.cpu_permille / 10,
			 p->sample.cpu_permille % 10);
	sb_printf(sb, "%7u %c ", p->pid, state_letter(p));
	put_user(v, sb, p);
	sb_printf(sb, " %6s %5s %4u ", age, cpu, p->nr_threads);
	pa_tree_put_prefix(sb, row, v->unicode);
	put_command(sb, p);
	put_marks(v, sb, row, ctx);
	end_line(sb, start, width);
}

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

void pa_view_format_status(struct strbuf *sb, const struct pa_view_status *st, size_t width)
{
	size_t start = sb->len;

	sb_printf(sb, "%u process%s  %u thread%s  %u zombie%s  %u in D  %llu events/s  %llu lost",
		  st->processes, st->processes == 1 ? "" : "es", st->threads, plural(st->threads),
		  st->zombies, plural(st->zombies), st->dstate_threads,
		  (unsigned long long)st->events_per_s, (unsigned long long)st->lost);
	if (st->message && *st->message) {
		sb_puts(sb, "  ");
		pa_text_escape(sb, st->message, strlen(st->message));
	}
	end_line(sb, start, width);
}

/* ---- detail pane -------------------------------------------------------- */

static void put_comm(struct strbuf *sb, const struct pa_proc *p)
{
	pa_text_escape(sb, p->comm, strnlen(p->comm, sizeof(p->comm)));
}

/* Local time of day; with the date once it is more than a day ago. */
static void format_wall(char *buf, size_t size, const struct pa_clock *clock, uint64_t boot_ns,
			uint64_t age_ns)
{
	time_t sec = (time_t)(pa_clock_wall_ns(clock, boot_ns) / NS_PER_SEC);
	struct tm tm;

	localtime_r(&sec, &tm);
	strftime(buf, size, age_ns < SEC_PER_DAY * NS_PER_SEC ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
}

static void put_identity(struct strbuf *sb, const struct pa_proc *p, const struct pa_view_ctx *ctx)
{
	uint64_t age_ns = since(ctx->now_ns, p->start_ns);
	char age[32], wall[32];

	format_age(age, sizeof(age), age_ns);
	sb_printf(sb, "pid %u (", p->pid);
	put_comm(sb, p);
	sb_puts(sb, ") started ");
	if (ctx->clock) {
		format_wall(wall, sizeof(wall), ctx->clock, p->start_ns, age_ns);
		sb_printf(sb, "%s, ", wall);
	}
	sb_printf(sb, "%s ago", age);
	if (p->sample.at_ns)
		sb_printf(sb, ", uid %u", p->sample.uid);
}

static void put_ancestry(struct strbuf *sb, const struct pa_proc *p)
{
	const struct pa_proc *chain[ANCESTRY_MAX];
	unsigned n = 0;

	for (; p && n < ANCESTRY_MAX; p = p->parent)
		chain[n++] = p;
	sb_puts(sb, "ancestry: ");
	if (p)
		sb_puts(sb, "... > ");
	while (n--) {
		put_comm(sb, chain[n]);
		sb_printf(sb, "(%u)%s", chain[n]->pid, n ? " > " : "");
	}
}

static void put_exit(struct strbuf *sb, const struct pa_proc *p, const struct pa_view_ctx *ctx)
{
	struct pa_exit_info e = pa_decode_wait_status(p->exit_status);
	char age[32];

	format_age(age, sizeof(age), since(ctx->now_ns, p->exit_ns));
	if (p->exit_unseen)
		sb_printf(sb, "exited before tracing began, at least %s ago", age);
	else if (e.signal)
		sb_printf(sb, "exited %s ago: killed by %s%s", age, pa_signal_name(e.signal),
			  e.core_dumped ? " (core dumped)" : "");
	else
		sb_printf(sb, "exited %s ago: code %d", age, e.code);
	if (p->reaped) {
		format_age(age, sizeof(age), since(ctx->now_ns, p->reaped_ns));
		sb_printf(sb, "; reaped %s ago", age);
	} else {
		sb_puts(sb, "; not reaped");
	}
}

/* Newest first, from the ring (newest at nr_execs - 1). */
static void put_execs(struct strbuf *sb, const struct pa_proc *p, const struct pa_view_ctx *ctx)
{
	uint32_t n = p->nr_execs < PA_EXEC_HISTORY ? p->nr_execs : PA_EXEC_HISTORY;
	char age[32];

	sb_puts(sb, "exec: ");
	for (uint32_t k = 0; k < n; k++) {
		const struct pa_exec_record *e = &p->execs[(p->nr_execs - 1 - k) % PA_EXEC_HISTORY];
		const char *name = e->filename ? e->filename : "";

		format_age(age, sizeof(age), since(ctx->now_ns, e->ts_ns));
		if (k)
			sb_puts(sb, "; ");
		pa_text_escape(sb, name, strlen(name));
		sb_printf(sb, " %s ago", age);
	}
	if (p->nr_execs > n)
		sb_printf(sb, "; %u earlier", p->nr_execs - n);
}

static void put_times(struct strbuf *sb, const uint64_t *times)
{
	static const char *const names[PA_NR_TIMES] = {
		[PA_T_RUNNING] = "on CPU",
		[PA_T_RUNNABLE] = "runnable",
		[PA_T_SLEEPING] = "sleeping",
		[PA_T_BLOCKED] = "D",
	};
	char span[32];

	sb_puts(sb, "time: ");
	for (int i = 0; i < PA_NR_TIMES; i++) {
		format_span(span, sizeof(span), times[i]);
		sb_printf(sb, "%s%s %s", i ? ", " : "", names[i], span);
	}
}

/* An exited process's own totals, else what the caller summed over its
 * threads; a process that was already a zombie when tracing began has
 * none. */
static const uint64_t *state_times(const struct pa_proc *p, const struct pa_view_detail *d)
{
	if (p->exited)
		return p->exit_unseen ? NULL : p->time_ns;
	return d && d->have_times ? d->times_ns : NULL;
}

static void put_syscall(struct strbuf *sb, const struct pa_task_info *task)
{
	const char *name = pa_syscall_name(task->syscall);
	unsigned long long arg = task->args[0];

	sb_puts(sb, "syscall: ");
	if (task->syscall == PA_SYSCALL_RUNNING)
		sb_puts(sb, "running in user space");
	else if (task->syscall == PA_SYSCALL_NONE)
		sb_puts(sb, "not in a syscall");
	else if (task->syscall < 0)
		sb_puts(sb, "unknown");
	else if (name)
		sb_printf(sb, arg <= ARG_DECIMAL_MAX ? "%s(%llu, ...)" : "%s(0x%llx, ...)", name, arg);
	else
		sb_printf(sb, arg <= ARG_DECIMAL_MAX ? "#%ld(%llu, ...)" : "#%ld(0x%llx, ...)",
			  task->syscall, arg);
	if (task->wchan[0] && strcmp(task->wchan, "0")) {
		sb_puts(sb, " wchan ");
		pa_text_escape(sb, task->wchan, strnlen(task->wchan, sizeof(task->wchan)));
	}
}

/* Cut the line begun at *start, end it, and begin the next. */
static void next_line(struct strbuf *sb, size_t *start, size_t width)
{
	end_line(sb, *start, width);
	sb_putc(sb, '\n');
	*start = sb->len;
}

void pa_view_format_detail(struct strbuf *sb, const struct pa_proc *p, const struct pa_view_detail *d,
			   const struct pa_view_ctx *ctx, size_t width)
{
	const uint64_t *times;
	size_t start = sb->len;

	if (!p)
		return;
	put_identity(sb, p, ctx);
	next_line(sb, &start, width);
	put_ancestry(sb, p);
	next_line(sb, &start, width);
	if (p->orphaned_from) {
		sb_printf(sb, "orphaned: previous parent %u, adopted by %u", p->orphaned_from, p->ppid);
		next_line(sb, &start, width);
	}
	if (p->exited) {
		put_exit(sb, p, ctx);
		next_line(sb, &start, width);
	}
	if (p->nr_execs) {
		put_execs(sb, p, ctx);
		next_line(sb, &start, width);
	}
	times = state_times(p, d);
	if (times) {
		put_times(sb, times);
		next_line(sb, &start, width);
	}
	if (d && d->task) {
		put_syscall(sb, d->task);
		next_line(sb, &start, width);
	}
	if (!d || !d->nr_frames)
		return;
	sb_puts(sb, "kernel stack:");
	next_line(sb, &start, width);
	for (unsigned i = 0; i < d->nr_frames; i++) {
		sb_puts(sb, "  ");
		pa_text_escape(sb, d->frames[i], strlen(d->frames[i]));
		next_line(sb, &start, width);
	}
}
