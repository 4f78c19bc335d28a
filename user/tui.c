// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live tree's terminal side: ncurses drawing and keys.  What is shown
 * and in which order is tui_view.c's; this file only puts it on the
 * screen.  ncurses sends only the cells that changed since the last frame,
 * so a redraw never flickers, whatever the event rate.
 */
#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <stdarg.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "proc_sample.h"
#include "procfs.h"
#include "signames.h"
#include "tui.h"

#define MESSAGE_NS (5ULL * 1000000000ULL)
#define NS_PER_S 1000000000ULL
/* Below this height the detail pane would leave too few rows for the tree. */
#define DETAIL_MIN_LINES 20

enum colour {
	C_NEW = 1,
	C_ZOMBIE,
	C_DSTATE,
	C_STOPPED,
	C_BAR,
};

static const char *const help_lines[] = {
	"ptrace-agent --tree: the process tree as the kernel reports it",
	"",
	"  Up/Down PgUp/PgDn Home/End   move",
	"  Enter, Space                 fold or unfold a subtree",
	"  /  n                         search pid, name or command line; next match",
	"  f                            follow the selected process",
	"  z  d                         next zombie / next process with a thread in D",
	"  k                            send a signal (asks first)",
	"  s                            show or hide threads",
	"  i                            show or hide the detail pane",
	"  q                            quit",
	"",
	"  green: new   dim: exited   red: zombie   yellow: in D   magenta: stopped",
	"",
	"  any key closes this help",
};

/* A crash must not leave the terminal in raw mode on the alternate
 * screen: restore it, then die of the same signal. */
static void crash_handler(int sig)
{
	endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_crash_handlers(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = crash_handler;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
}

void pa_tui_note(struct pa_tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->message, sizeof(t->message), fmt, ap);
	va_end(ap);
	t->message_until_ns = pa_now_mono_ns() + MESSAGE_NS;
	t->dirty = true;
}

/* Log lines would scribble over the screen: show them on the bottom line. */
static void log_to_message(void *ctx, const char *line)
{
	pa_tui_note(ctx, "%s", line);
}

int pa_tui_start(struct pa_tui *t, struct pa_collector *col, struct pa_bpf *bpf,
		 const struct pa_clock *clock, const struct pa_config *cfg)
{
	SCREEN *screen;

	memset(t, 0, sizeof(*t));
	pa_view_init(&t->view);
	t->col = col;
	t->bpf = bpf;
	t->clock = clock;
	t->proc_root = col->proc_root;
	t->detail = true;
	t->view.followed_only = cfg->nr_pids > 0;
	/* Box-drawing connectors only where the terminal speaks UTF-8. */
	t->view.unicode = !strcmp(nl_langinfo(CODESET), "UTF-8");
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		pa_err("cannot drive this terminal (TERM=%s); try --once", getenv("TERM") ?: "");
		pa_view_free(&t->view);
		return -1;
	}
	set_term(screen);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(C_NEW, COLOR_GREEN, -1);
		init_pair(C_ZOMBIE, COLOR_RED, -1);
		init_pair(C_DSTATE, COLOR_YELLOW, -1);
		init_pair(C_STOPPED, COLOR_MAGENTA, -1);
		init_pair(C_BAR, COLOR_BLACK, COLOR_CYAN);
	}
	install_crash_handlers();
	pa_log_redirect(log_to_message, t);
	t->started = true;
	t->dirty = true;
	return 0;
}

void pa_tui_stop(struct pa_tui *t)
{
	if (!t->started)
		return;
	endwin();
	delscreen(set_term(NULL));
	pa_log_redirect(NULL, NULL);
	pa_view_free(&t->view);
	t->started = false;
}

/* ---- drawing --------------------------------------------------------------- */

static attr_t class_attr(enum pa_row_class c)
{
	switch (c) {
	case PA_ROW_NEW:
		return COLOR_PAIR(C_NEW) | A_BOLD;
	case PA_ROW_EXITED:
		return A_DIM;
	case PA_ROW_ZOMBIE:
		return COLOR_PAIR(C_ZOMBIE) | A_BOLD;
	case PA_ROW_DSTATE:
		return COLOR_PAIR(C_DSTATE) | A_BOLD;
	case PA_ROW_STOPPED:
		return COLOR_PAIR(C_STOPPED);
	default:
		return A_NORMAL;
	}
}

/* One screen line: text from column 0, the rest of the line cleared (in
 * the same attribute, so a selection bar spans the width). */
static void put_line(int y, const struct strbuf *sb, attr_t attr)
{
	attrset(attr);
	mvaddnstr(y, 0, sb->buf ? sb->buf : "", (int)sb->len);
	for (int x = getcurx(stdscr); x < COLS && getcury(stdscr) == y; x++)
		addch(' ');
	attrset(A_NORMAL);
}

static void count_status(const struct pa_tui *t, struct pa_view_status *st)
{
	struct pa_proc *p, *tmp;

	memset(st, 0, sizeof(*st));
	pa_table_foreach(&t->col->table, p, tmp) {
		if (p->reaped)
			continue;
		if (p->exited) {
			st->zombies++;
			continue;
		}
		st->processes++;
		st->threads += p->nr_threads ? p->nr_threads : 1;
		st->dstate_threads += p->dstate_threads;
	}
	st->events_per_s = t->events_per_s;
	st->lost = t->lost_seen;
}

/* Everything the detail pane shows that the table does not hold. */
static void draw_detail(struct pa_tui *t, int y, int lines, const struct pa_view_ctx *ctx)
{
	static struct pa_dossier dossier;
	const struct pa_proc *p = pa_view_selected(&t->view);
	struct pa_view_detail d = { 0 };
	struct pa_task_info task;
	struct strbuf sb;
	const char *line;

	if (!p)
		return;
	if (p->exited) {
		d.have_times = true; /* the exit record's own totals */
	} else {
		if (p->dstate_threads) {
			pa_collector_gather(t->col, p->pid, p->dstate_tid, p->dstate_stack_id, &dossier);
			d.frames = dossier.frames;
			d.nr_frames = dossier.nr_frames;
			d.task = dossier.have_task ? &dossier.task : NULL;
		} else if (!pa_procfs_inspect(t->proc_root, p->pid, &task)) {
			d.task = &task;
		}
		d.have_times = !pa_sample_thread_times(t->proc_root, p->pid, ctx->now_ns,
						       t->bpf ? pa_bpf_blocked_ns : NULL, t->bpf,
						       d.times_ns);
		if (d.have_times && t->bpf)
			pa_bpf_ended_times(t->bpf, p->pid, d.times_ns);
	}
	sb_init(&sb);
	pa_view_format_detail(&sb, p, &d, ctx, COLS);
	line = sb.buf;
	for (int i = 0; line && *line && i < lines; i++) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		mvaddnstr(y + i, 0, line, (int)len);
		line = nl ? nl + 1 : line + len;
	}
	sb_free(&sb);
}

static void draw_bottom(struct pa_tui *t, int y, uint64_t now_mono)
{
	const struct pa_proc *p = pa_view_selected(&t->view);
	struct strbuf sb;

	sb_init(&sb);
	switch (t->mode) {
	case PA_TUI_SEARCH:
		sb_printf(&sb, "/%.*s", (int)t->input_len, t->input);
		break;
	case PA_TUI_SIGNAL:
		sb_printf(&sb, "signal to %u (%s): t TERM  k KILL  i INT  h HUP  s STOP  c CONT  q QUIT  Esc cancels",
			  t->sig_pid, p ? p->comm : "?");
		break;
	case PA_TUI_CONFIRM:
		sb_printf(&sb, "send %s to %u (%s)? y/N", pa_signal_name(t->sig), t->sig_pid,
			  p ? p->comm : "?");
		break;
	default:
		if (t->message[0] && now_mono < t->message_until_ns)
			sb_puts(&sb, t->message);
		else
			sb_puts(&sb, t->view.following ? "following the selected process (any move stops)  ? help  q quit" :
							 "? help  q quit  / search  Enter fold  z zombie  d D-state  k signal  s threads");
	}
	put_line(y, &sb, t->mode == PA_TUI_BROWSE ? A_NORMAL : A_BOLD);
	sb_free(&sb);
}

static void draw_help(void)
{
	int n = (int)(sizeof(help_lines) / sizeof(help_lines[0]));
	int w = 0, y0, x0;

	for (int i = 0; i < n; i++)
		w = (int)strlen(help_lines[i]) > w ? (int)strlen(help_lines[i]) : w;
	y0 = LINES > n + 2 ? (LINES - n - 2) / 2 : 0;
	x0 = COLS > w + 4 ? (COLS - w - 4) / 2 : 0;
	attrset(COLOR_PAIR(C_BAR));
	for (int i = -1; i <= n && y0 + i + 1 < LINES; i++) {
		mvhline(y0 + i + 1, x0, ' ', w + 4);
		if (i >= 0 && i < n)
			mvaddnstr(y0 + i + 1, x0 + 2, help_lines[i], COLS - x0 - 2);
	}
	attrset(A_NORMAL);
}

static void draw(struct pa_tui *t, uint64_t now_mono)
{
	struct pa_view_ctx ctx = {
		.now_ns = pa_now_boot_ns(),
		.tracing_since_ns = t->col->tracing_since_ns,
		.clock = t->clock,
	};
	int detail_lines = t->detail && LINES >= DETAIL_MIN_LINES ? LINES / 3 : 0;
	int tree_top = 2, tree_rows = LINES - tree_top - 1 - detail_lines;
	struct pa_view_status st;
	struct strbuf sb;

	if (tree_rows < 1)
		tree_rows = 1;
	if (pa_view_rebuild(&t->view, &t->col->table))
		pa_tui_note(t, "out of memory drawing the tree");
	t->tree_rows = (size_t)tree_rows;
	pa_view_scroll(&t->view, t->tree_rows);
	erase();
	sb_init(&sb);
	count_status(t, &st);
	if (t->view.search[0] && t->mode == PA_TUI_BROWSE)
		st.message = t->view.search;
	pa_view_format_status(&sb, &st, COLS);
	put_line(0, &sb, COLOR_PAIR(C_BAR) | A_BOLD);
	sb_reset(&sb);
	pa_view_format_header(&sb, COLS);
	put_line(1, &sb, A_BOLD | A_UNDERLINE);
	for (int i = 0; i < tree_rows; i++) {
		size_t r = t->view.top + (size_t)i;
		attr_t attr;

		if (r >= t->view.tree.count)
			break;
		sb_reset(&sb);
		pa_view_format_row(&t->view, &sb, &t->view.tree.rows[r], &ctx, COLS);
		attr = class_attr(pa_view_row_class(&t->view.tree.rows[r], &ctx));
		put_line(tree_top + i, &sb, r == t->view.selected ? (attr | A_REVERSE) : attr);
	}
	if (detail_lines) {
		mvhline(tree_top + tree_rows, 0, ACS_HLINE, COLS);
		draw_detail(t, tree_top + tree_rows + 1, detail_lines - 1, &ctx);
	}
	draw_bottom(t, LINES - 1, now_mono);
	if (t->mode == PA_TUI_HELP)
		draw_help();
	sb_free(&sb);
	refresh();
	t->last_draw_ns = now_mono;
	t->dirty = false;
}

void pa_tui_draw(struct pa_tui *t, uint64_t now_mono_ns)
{
	if (!t->started || !t->dirty)
		return;
	if (now_mono_ns - t->last_draw_ns < NS_PER_S / PA_TUI_FPS)
		return;
	draw(t, now_mono_ns);
}

void pa_tui_tick(struct pa_tui *t, uint64_t now_mono_ns, uint64_t lost)
{
	uint64_t records = t->col->nr_records - t->rate_records;

	pa_sample_table(&t->col->table, t->proc_root, pa_now_boot_ns());
	if (t->rate_at_ns && now_mono_ns > t->rate_at_ns)
		t->events_per_s = records * NS_PER_S / (now_mono_ns - t->rate_at_ns);
	t->rate_records = t->col->nr_records;
	t->rate_at_ns = now_mono_ns;
	t->lost_seen = lost;
	t->dirty = true;
}
