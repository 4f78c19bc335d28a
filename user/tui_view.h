/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The live tree view's model, apart from ncurses: which rows are shown
 * (folded subtrees, thread rows, kernel threads), which one is selected,
 * which part is on screen, and each line's text and colour class.  tui.c
 * draws it and feeds it keys; unit tests drive it with a synthetic table
 * and a fake screen size.  It reads the process table, never copies it.
 */
#ifndef PA_TUI_VIEW_H
#define PA_TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "proc_table.h"
#include "procfs.h"
#include "strbuf.h"
#include "tree.h"

/* How long a new process is highlighted, and after how long unreaped an
 * exited process is drawn as a zombie rather than as just exited (every
 * short-lived child is a zombie for a few microseconds). */
#define PA_VIEW_NEW_NS (2ULL * 1000000000ULL)
#define PA_VIEW_ZOMBIE_NS (1ULL * 1000000000ULL)
/* A sleeping process not seen running for this long is marked idle. */
#define PA_VIEW_IDLE_NS (60ULL * 1000000000ULL)

/* Colour classes, one per line; tui.c maps them to colour pairs. */
enum pa_row_class {
	PA_ROW_NORMAL,
	PA_ROW_NEW,     /* forked less than PA_VIEW_NEW_NS ago (after tracing began) */
	PA_ROW_EXITED,  /* exited (reaped, or not yet PA_VIEW_ZOMBIE_NS unreaped): dimmed */
	PA_ROW_ZOMBIE,  /* exited, unreaped for PA_VIEW_ZOMBIE_NS or more: red */
	PA_ROW_DSTATE,  /* a thread of it is in D now: yellow */
	PA_ROW_STOPPED, /* T or t */
};

struct pa_view_fold; /* the set of folded processes, by (pid, start time) */
struct pa_view_user; /* uid -> user name, looked up once */

struct pa_view {
	struct pa_tree tree;         /* the rows shown, after folding; they point into the
				      * table: rebuild after it changes, before drawing */
	struct pa_view_fold *folds;
	struct pa_view_user *users;
	size_t selected;             /* row index; meaningless while tree.count == 0 */
	size_t top;                  /* first row on screen */
	/* The selection is a process, not a row number: it survives rebuilds
	 * while rows come and go above it. */
	uint32_t sel_pid;
	uint64_t sel_start_ns;
	uint32_t sel_tid;            /* a thread row's tid; 0: the process's own row */
	/* 'f': the selected process keeps its line on screen as rows come and
	 * go above it (rebuild moves top with it); otherwise top stays and
	 * the selection moves on screen (scroll still keeps it visible). */
	bool following;
	bool show_threads;           /* 's': a row per thread under its process */
	bool followed_only;          /* --pid: only the followed subtrees */
	bool kthreads_open;          /* kthreadd's children are folded until opened */
	bool unicode;                /* box-drawing connectors */
	char search[64];             /* the last '/' text */
};

/* What a line needs besides the row. */
struct pa_view_ctx {
	uint64_t now_ns;            /* boot clock */
	uint64_t tracing_since_ns;  /* processes started before this are not "new" */
	const struct pa_clock *clock; /* wall-clock start time in the detail pane; NULL: left out */
};

/* The status line's figures, all counted by the caller. */
struct pa_view_status {
	uint32_t processes;
	uint32_t threads;
	uint32_t zombies;
	uint32_t dstate_threads;
	uint64_t events_per_s;
	uint64_t lost;
	const char *message;        /* a transient note ("sent SIGTERM to 1234"), or NULL */
};

/* What the detail pane shows besides the table's own fields. */
struct pa_view_detail {
	const struct pa_task_info *task;  /* current syscall, wchan; NULL when unreadable */
	bool have_times;
	uint64_t times_ns[PA_NR_TIMES];   /* its threads' time per state (live and exited) */
	const char *const *frames;        /* kernel stack of its blocked thread, innermost first */
	unsigned nr_frames;
};

/* Everything off and folded as the header says; set unicode and
 * followed_only, then rebuild. */
void pa_view_init(struct pa_view *v);
void pa_view_free(struct pa_view *v);
/* Forget cached user names (a user was added or renamed). */
void pa_view_forget_users(struct pa_view *v);

/* Flatten t into rows, honouring folds, show_threads, followed_only and
 * the kernel-thread fold; keep the selection on the same process (thread
 * row: same thread, else its process) if it is still shown, on its
 * nearest shown ancestor if it went under a fold, else on the row nearest
 * to where it was.  Folds of processes that left t are dropped.  -1 on
 * allocation failure (the previous rows are gone then, count is 0).
 * Call it after every change to t, before reading rows or any call below
 * that takes the table. */
int pa_view_rebuild(struct pa_view *v, const struct pa_table *t);

/* Selection moves (clamped to the rows); a page move passes the screen
 * height as delta.  Any move turns following off. */
void pa_view_move(struct pa_view *v, long delta);
void pa_view_home(struct pa_view *v);
void pa_view_end(struct pa_view *v);
/* Make the selection visible on a screen of `rows` lines (adjusts top;
 * top never leaves rows unused at the bottom when there is more above). */
void pa_view_scroll(struct pa_view *v, size_t rows);

/* Enter/Space: fold or unfold the selected process's subtree (its child
 * processes; its thread rows stay).  False if it has no children to fold.
 * On kthreadd it flips kthreads_open.  Rebuilds. */
bool pa_view_toggle_fold(struct pa_view *v, const struct pa_table *t);
/* '/': select the next row after the selection (wrapping) whose pid equals
 * text, or whose comm or command line contains it (case-insensitive);
 * rows inside folded subtrees are found and their ancestors unfolded.
 * False if nothing matches (the selection stays). */
bool pa_view_find(struct pa_view *v, const struct pa_table *t, const char *text);
/* 'z' / 'd': the next zombie (PA_ROW_ZOMBIE) or D-state (PA_ROW_DSTATE)
 * process after the selection, wrapping, unfolding as pa_view_find does. */
bool pa_view_next_class(struct pa_view *v, const struct pa_table *t, const struct pa_view_ctx *ctx,
			enum pa_row_class want);
/* The selected process (a thread row's process), or NULL when there are
 * no rows. */
const struct pa_proc *pa_view_selected(const struct pa_view *v);

/* Precedence ZOMBIE/EXITED > DSTATE > STOPPED > NEW > NORMAL; a thread
 * row by its own state and start time. */
enum pa_row_class pa_view_row_class(const struct pa_tree_row *row, const struct pa_view_ctx *ctx);

/* Column titles, matching pa_view_format_row, cut to width columns.
 * In every pa_view_format_*, width 0 means no limit. */
void pa_view_format_header(struct strbuf *sb, size_t width);
/* One row without a newline, cut to width columns (UTF-8 aware):
 * "  1234 S root      3h05m   0.5    4 ├─sshd -D" and marks after the
 * command: "zombie 12s", "D 3.20s", "(orphan of 812)", "idle 5m",
 * "[+7]" for a folded subtree's hidden processes.  A thread row shows
 * its tid, state and age and "{comm}".  v caches user names. */
void pa_view_format_row(struct pa_view *v, struct strbuf *sb, const struct pa_tree_row *row,
			const struct pa_view_ctx *ctx, size_t width);
/* "312 processes  1021 threads  2 zombies  1 in D  1534 events/s  0 lost",
 * then two spaces and the message if any, cut to width. */
void pa_view_format_status(struct strbuf *sb, const struct pa_view_status *st, size_t width);
/* Detail pane lines, each ending in '\n' and cut to width; nothing when
 * p is NULL, and lines without data are left out:
 *   pid 1234 (bash) started 12:01:02, 3m05s ago, uid 1000
 *   ancestry: systemd(1) > sshd(512) > bash(900) > make(1000)
 *   orphaned: previous parent 812, adopted by 1
 *   exited 12s ago: code 1; not reaped
 *   exec: /usr/bin/make 2m00s ago; /bin/sh 3m00s ago
 *   time: on CPU 1.20s, runnable 50.0ms, sleeping 3m01s, D 0s
 *   syscall: read(3, ...) wchan pipe_read
 *   kernel stack:
 *     pipe_read
 * Times are p's own once it exited, else d's when d->have_times. */
void pa_view_format_detail(struct strbuf *sb, const struct pa_proc *p, const struct pa_view_detail *d,
			   const struct pa_view_ctx *ctx, size_t width);

#endif
