/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `ptrace-agent --tree` on a terminal: the live process tree drawn with
 * ncurses (the library htop uses).  The model is the collector's process
 * table; tui_view.c decides what is shown, this file draws it and takes
 * keys.  The event loop owns the timing: it calls pa_tui_input when the
 * terminal has input, pa_tui_tick once a second, pa_tui_draw often (it
 * draws at most PA_TUI_FPS times a second, and at once after a key).
 */
#ifndef PA_TUI_H
#define PA_TUI_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf_agent.h"
#include "clock.h"
#include "collector.h"
#include "config.h"
#include "tui_view.h"

#define PA_TUI_FPS 4

enum pa_tui_mode {
	PA_TUI_BROWSE,
	PA_TUI_SEARCH,      /* typing after '/' */
	PA_TUI_SIGNAL,      /* 'k': choosing a signal */
	PA_TUI_CONFIRM,     /* 'k': y/n before sending it */
	PA_TUI_HELP,        /* '?' */
};

struct pa_tui {
	struct pa_view view;
	struct pa_collector *col;
	struct pa_bpf *bpf;          /* D times and stacks; NULL in tests */
	const char *proc_root;
	const struct pa_clock *clock; /* wall time of starts in the detail pane */
	enum pa_tui_mode mode;
	size_t tree_rows;            /* lines the tree had at the last draw: a page */
	bool started;                /* ncurses owns the terminal */
	bool quit;
	bool dirty;                  /* draw at the next chance */
	bool detail;                 /* the detail pane is shown */
	char input[64];              /* the search being typed */
	size_t input_len;
	/* 'k': the process (by identity) and the signal chosen. */
	uint32_t sig_pid;
	uint64_t sig_start_ns;
	int sig;
	char message[192];           /* bottom line note, until message_until_ns */
	uint64_t message_until_ns;
	uint64_t last_draw_ns;       /* monotonic */
	uint64_t rate_records;       /* collector records at the last tick */
	uint64_t rate_at_ns;         /* monotonic time of the last tick */
	uint64_t events_per_s;
	uint64_t lost_seen;          /* kernel drops, as the loop counted them */
};

/* Take the terminal: alternate screen, no echo, keys unbuffered, colours.
 * -1 with a message when the terminal cannot be driven. */
int pa_tui_start(struct pa_tui *t, struct pa_collector *col, struct pa_bpf *bpf,
		 const struct pa_clock *clock, const struct pa_config *cfg);
/* Give the terminal back as it was.  Safe to call twice. */
void pa_tui_stop(struct pa_tui *t);
/* Read every key waiting (the terminal fd is non-blocking for ncurses). */
void pa_tui_input(struct pa_tui *t);
/* Once a second: /proc samples, events per second. */
void pa_tui_tick(struct pa_tui *t, uint64_t now_mono_ns, uint64_t lost);
/* A note on the bottom line for a few seconds. */
void pa_tui_note(struct pa_tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Draw if something changed and the last frame is old enough. */
void pa_tui_draw(struct pa_tui *t, uint64_t now_mono_ns);

#endif
