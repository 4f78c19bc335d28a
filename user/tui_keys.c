// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live tree's keys: moving, folding, searching, jumping to trouble,
 * and sending a signal, which asks first and then signals the process the
 * user saw, not whatever took its pid meanwhile (a pidfd pins it).
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "proc_table.h"
#include "procfs_read.h"
#include "signames.h"
#include "tui.h"

#define ESC 27
#define CTRL(c) ((c) & 0x1f)

/* Rows a page move jumps: the tree's height at the last draw. */
static long page_rows(const struct pa_tui *t)
{
	return t->tree_rows > 1 ? (long)t->tree_rows - 1 : 1;
}

static bool is_enter(int ch)
{
	return ch == '\n' || ch == '\r' || ch == KEY_ENTER;
}

/* Signal the process we showed: the pidfd refers to one life of the pid,
 * and once it is open that life's start time says whether it is the one
 * in the table (the pid cannot be reused while we hold the pidfd). */
static int signal_identity(const char *proc_root, uint32_t pid, uint64_t start_ns, int sig)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0);
	char path[32];
	struct pa_stat st;
	int root, err;

	if (pidfd < 0)
		return -errno;
	root = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%u/stat", pid);
	err = root < 0 ? -errno : pa_read_stat_at(root, path, pid, &st);
	if (!err && pa_ns_to_ticks(st.start_ns) != pa_ns_to_ticks(start_ns))
		err = -ESRCH;
	if (!err && syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0))
		err = -errno;
	if (root >= 0)
		close(root);
	close(pidfd);
	return err;
}

static void start_signal(struct pa_tui *t)
{
	const struct pa_proc *p = pa_view_selected(&t->view);

	if (!p || p->exited) {
		pa_tui_note(t, "no live process selected");
		return;
	}
	t->sig_pid = p->pid;
	t->sig_start_ns = p->start_ns;
	t->mode = PA_TUI_SIGNAL;
}

static void choose_signal(struct pa_tui *t, int ch)
{
	static const struct {
		int key;
		int sig;
	} keys[] = {
		{ 't', SIGTERM }, { 'k', SIGKILL }, { 'i', SIGINT }, { 'h', SIGHUP },
		{ 's', SIGSTOP }, { 'c', SIGCONT }, { 'q', SIGQUIT },
	};

	t->mode = PA_TUI_BROWSE;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (ch == keys[i].key) {
			t->sig = keys[i].sig;
			t->mode = PA_TUI_CONFIRM;
			return;
		}
	}
}

static void confirm_signal(struct pa_tui *t, int ch)
{
	struct pa_proc *p = pa_table_find_identity(&t->col->table, t->sig_pid, t->sig_start_ns);
	int err;

	t->mode = PA_TUI_BROWSE;
	if (ch != 'y' && ch != 'Y') {
		pa_tui_note(t, "no signal sent");
		return;
	}
	if (!p || p->exited) {
		pa_tui_note(t, "%u has exited: no signal sent", t->sig_pid);
		return;
	}
	err = signal_identity(t->proc_root, t->sig_pid, t->sig_start_ns, t->sig);
	if (err)
		pa_tui_note(t, "cannot send %s to %u: %s", pa_signal_name(t->sig), t->sig_pid, strerror(-err));
	else
		pa_tui_note(t, "sent %s to %u (%s)", pa_signal_name(t->sig), t->sig_pid, p->comm);
}

static void search_key(struct pa_tui *t, int ch)
{
	if (ch == ESC) {
		t->mode = PA_TUI_BROWSE;
	} else if (is_enter(ch)) {
		t->mode = PA_TUI_BROWSE;
		if (!t->input_len)
			return;
		snprintf(t->view.search, sizeof(t->view.search), "%.*s", (int)t->input_len, t->input);
		if (!pa_view_find(&t->view, &t->col->table, t->view.search))
			pa_tui_note(t, "not found: %s", t->view.search);
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == CTRL('h')) {
		if (t->input_len)
			t->input_len--;
	} else if (ch >= ' ' && ch < 256 && t->input_len < sizeof(t->input) - 1) {
		t->input[t->input_len++] = (char)ch;
	}
}

static void jump(struct pa_tui *t, enum pa_row_class what)
{
	struct pa_view_ctx ctx = {
		.now_ns = pa_now_boot_ns(),
		.tracing_since_ns = t->col->tracing_since_ns,
		.clock = t->clock,
	};

	if (!pa_view_next_class(&t->view, &t->col->table, &ctx, what))
		pa_tui_note(t, what == PA_ROW_ZOMBIE ? "no zombies" : "no process in D");
}

static void browse_key(struct pa_tui *t, int ch)
{
	switch (ch) {
	case 'q':
	case 'Q':
	case KEY_F(10):
		t->quit = true;
		break;
	case KEY_UP:
		pa_view_move(&t->view, -1);
		break;
	case KEY_DOWN:
		pa_view_move(&t->view, 1);
		break;
	case KEY_PPAGE:
		pa_view_move(&t->view, -page_rows(t));
		break;
	case KEY_NPAGE:
		pa_view_move(&t->view, page_rows(t));
		break;
	case KEY_HOME:
		pa_view_home(&t->view);
		break;
	case KEY_END:
		pa_view_end(&t->view);
		break;
	case ' ':
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (!pa_view_toggle_fold(&t->view, &t->col->table))
			pa_tui_note(t, "nothing to fold");
		break;
	case '/':
		t->mode = PA_TUI_SEARCH;
		t->input_len = 0;
		break;
	case 'n':
		if (t->view.search[0] && !pa_view_find(&t->view, &t->col->table, t->view.search))
			pa_tui_note(t, "not found: %s", t->view.search);
		break;
	case 'f':
		t->view.following = !t->view.following;
		break;
	case 'z':
		jump(t, PA_ROW_ZOMBIE);
		break;
	case 'd':
		jump(t, PA_ROW_DSTATE);
		break;
	case 'k':
		start_signal(t);
		break;
	case 's':
		t->view.show_threads = !t->view.show_threads;
		break;
	case 'i':
		t->detail = !t->detail;
		break;
	case '?':
	case KEY_F(1):
		t->mode = PA_TUI_HELP;
		break;
	default:
		return;
	}
}

void pa_tui_input(struct pa_tui *t)
{
	int ch;

	if (!t->started)
		return;
	while ((ch = getch()) != ERR) {
		t->dirty = true;
		t->last_draw_ns = 0; /* a key is answered at once */
		if (ch == KEY_RESIZE)
			continue;
		/* Keys act on the rows as the table is now, not as last drawn. */
		if (pa_view_rebuild(&t->view, &t->col->table))
			continue;
		switch (t->mode) {
		case PA_TUI_SEARCH:
			search_key(t, ch);
			break;
		case PA_TUI_SIGNAL:
			if (ch == ESC)
				t->mode = PA_TUI_BROWSE;
			else
				choose_signal(t, ch);
			break;
		case PA_TUI_CONFIRM:
			confirm_signal(t, ch);
			break;
		case PA_TUI_HELP:
			t->mode = PA_TUI_BROWSE;
			break;
		default:
			browse_key(t, ch);
		}
	}
}
