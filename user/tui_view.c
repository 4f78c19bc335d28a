// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live view's rows and selection.  Rows point into the process table,
 * which changes under every event, so nothing here keeps a pointer across
 * a rebuild: folds and the selection are held as (pid, start time) and
 * looked up again each time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui_view.h"

#define NPOS ((size_t)-1)
/* Parent chains are a few thousand deep at most; a longer walk means a
 * cycle left by a pid reused while events were lost. */
#define PA_VIEW_MAX_HOPS 65536

struct pa_view_fold {
	uint32_t pid; /* the key */
	uint64_t start_ns;
	UT_hash_handle hh;
};

void pa_view_init(struct pa_view *v)
{
	memset(v, 0, sizeof(*v));
	pa_tree_init(&v->tree);
}

static void clear_folds(struct pa_view *v)
{
	struct pa_view_fold *f, *tmp;

	HASH_ITER(hh, v->folds, f, tmp) {
		HASH_DEL(v->folds, f);
		free(f);
	}
}

void pa_view_free(struct pa_view *v)
{
	pa_tree_free(&v->tree);
	clear_folds(v);
	pa_view_forget_users(v);
}

static uint64_t since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

/* Not every process with pid 2 is kthreadd: in a pid namespace it is
 * whatever the container's init forked second. */
static bool is_kthreadd(const struct pa_proc *p)
{
	return p->pid == 2 && p->ppid == 0;
}

/* The fold entry under p's pid, whatever life it was made for. */
static struct pa_view_fold *fold_slot(const struct pa_view *v, uint32_t pid)
{
	struct pa_view_fold *f;

	HASH_FIND(hh, v->folds, &pid, sizeof(pid), f);
	return f;
}

/* Ticks, as the table compares lives: /proc gives start times in ticks. */
static struct pa_view_fold *find_fold(const struct pa_view *v, const struct pa_proc *p)
{
	struct pa_view_fold *f = fold_slot(v, p->pid);

	return f && pa_ns_to_ticks(f->start_ns) == p->start_ticks ? f : NULL;
}

static bool is_folded(const struct pa_proc *p, void *ctx)
{
	const struct pa_view *v = ctx;

	if (is_kthreadd(p))
		return !v->kthreads_open;
	return find_fold(v, p) != NULL;
}

static int fold(struct pa_view *v, const struct pa_proc *p)
{
	struct pa_view_fold *f = fold_slot(v, p->pid);

	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f)
			return -1;
		f->pid = p->pid;
		HASH_ADD(hh, v->folds, pid, sizeof(f->pid), f);
	}
	f->start_ns = p->start_ns; /* a previous life's entry is taken over */
	return 0;
}

static void unfold(struct pa_view *v, const struct pa_proc *p)
{
	struct pa_view_fold *f = find_fold(v, p);

	if (f) {
		HASH_DEL(v->folds, f);
		free(f);
	}
}

/* Entries of processes that are gone would otherwise pile up for ever. */
static void prune_folds(struct pa_view *v, const struct pa_table *t)
{
	struct pa_view_fold *f, *tmp;

	HASH_ITER(hh, v->folds, f, tmp) {
		if (!pa_table_find_identity(t, f->pid, f->start_ns)) {
			HASH_DEL(v->folds, f);
			free(f);
		}
	}
}

/* Search flattens everything, folded or not, threads aside. */
static int flatten(struct pa_view *v, const struct pa_table *t, struct pa_tree *tree, bool all)
{
	struct pa_tree_opts o = {
		.followed_only = v->followed_only,
		.unicode = v->unicode,
		.threads = v->show_threads && !all,
		.folded = all ? NULL : is_folded,
		.ctx = v,
	};

	return pa_tree_flatten(t, &o, tree);
}

static size_t row_of(const struct pa_view *v, const struct pa_proc *p, uint32_t tid)
{
	for (size_t i = 0; i < v->tree.count; i++) {
		const struct pa_tree_row *r = &v->tree.rows[i];

		if (r->proc == p && (tid ? r->thread && r->thread->tid == tid : !r->thread))
			return i;
	}
	return NPOS;
}

/* The selected thread's row, else its process's, else the nearest shown
 * ancestor's (the process went under a fold). */
static size_t locate(const struct pa_view *v, const struct pa_table *t)
{
	const struct pa_proc *p = pa_table_find_identity(t, v->sel_pid, v->sel_start_ns);
	size_t i;

	if (!p)
		return NPOS;
	if (v->sel_tid && (i = row_of(v, p, v->sel_tid)) != NPOS)
		return i;
	for (unsigned hops = 0; p && hops < PA_VIEW_MAX_HOPS; p = p->parent, hops++) {
		if ((i = row_of(v, p, 0)) != NPOS)
			return i;
	}
	return NPOS;
}

static void remember_selection(struct pa_view *v)
{
	const struct pa_tree_row *r;

	if (!v->tree.count)
		return;
	r = &v->tree.rows[v->selected];
	v->sel_pid = r->proc->pid;
	v->sel_start_ns = r->proc->start_ns;
	v->sel_tid = r->thread ? r->thread->tid : 0;
}

int pa_view_rebuild(struct pa_view *v, const struct pa_table *t)
{
	size_t old = v->selected;
	size_t line = v->selected >= v->top ? v->selected - v->top : 0;
	size_t i;

	prune_folds(v, t);
	if (flatten(v, t, &v->tree, false)) {
		v->tree.count = 0;
		v->selected = v->top = 0;
		return -1;
	}
	if (!v->tree.count) {
		v->selected = v->top = 0;
		return 0;
	}
	i = locate(v, t);
	if (i == NPOS)
		i = old < v->tree.count ? old : v->tree.count - 1;
	v->selected = i;
	remember_selection(v);
	if (v->following)
		v->top = i >= line ? i - line : 0;
	return 0;
}

static void select_row(struct pa_view *v, size_t i)
{
	v->following = false;
	if (!v->tree.count)
		return;
	v->selected = i < v->tree.count ? i : v->tree.count - 1;
	remember_selection(v);
}

void pa_view_move(struct pa_view *v, long delta)
{
	size_t sel = v->selected;

	if (delta < 0) {
		/* -(delta + 1) cannot overflow, even for LONG_MIN. */
		size_t up = (size_t)-(delta + 1) + 1;

		sel = up >= sel ? 0 : sel - up;
	} else {
		size_t down = (size_t)delta;

		sel = v->tree.count && down < v->tree.count - sel ? sel + down : NPOS;
	}
	select_row(v, sel);
}

void pa_view_home(struct pa_view *v)
{
	select_row(v, 0);
}

void pa_view_end(struct pa_view *v)
{
	select_row(v, NPOS);
}

void pa_view_scroll(struct pa_view *v, size_t rows)
{
	size_t count = v->tree.count;

	if (!count || !rows) {
		v->top = count ? v->selected : 0;
		return;
	}
	if (v->selected < v->top)
		v->top = v->selected;
	else if (v->selected - v->top >= rows)
		v->top = v->selected - rows + 1;
	if (v->top + rows > count)
		v->top = count > rows ? count - rows : 0;
}

const struct pa_proc *pa_view_selected(const struct pa_view *v)
{
	return v->tree.count ? v->tree.rows[v->selected].proc : NULL;
}

static bool has_shown_children(const struct pa_view *v, const struct pa_proc *p)
{
	const struct pa_proc *c;

	TAILQ_FOREACH(c, &p->children, sibling) {
		if (!v->followed_only || c->followed)
			return true;
	}
	return false;
}

bool pa_view_toggle_fold(struct pa_view *v, const struct pa_table *t)
{
	const struct pa_proc *p = pa_view_selected(v);

	if (!p || !has_shown_children(v, p))
		return false;
	if (is_kthreadd(p))
		v->kthreads_open = !v->kthreads_open;
	else if (find_fold(v, p))
		unfold(v, p);
	else if (fold(v, p))
		return false;
	pa_view_rebuild(v, t);
	return true;
}

static void unfold_ancestors(struct pa_view *v, const struct pa_proc *p)
{
	unsigned hops = 0;

	for (p = p->parent; p && hops < PA_VIEW_MAX_HOPS; p = p->parent, hops++) {
		if (is_kthreadd(p))
			v->kthreads_open = true;
		else
			unfold(v, p);
	}
}

typedef bool (*pa_view_match)(const struct pa_proc *p, const void *arg);

/* Search every shown-or-folded process in tree order, from the one after
 * the selection round to the selection itself. */
static bool select_next(struct pa_view *v, const struct pa_table *t, pa_view_match match,
			const void *arg)
{
	const struct pa_proc *sel = pa_table_find_identity(t, v->sel_pid, v->sel_start_ns);
	const struct pa_proc *hit = NULL;
	struct pa_tree all;
	size_t start = 0;

	pa_tree_init(&all);
	if (flatten(v, t, &all, true)) {
		pa_tree_free(&all);
		return false;
	}
	for (size_t i = 0; sel && i < all.count; i++) {
		if (all.rows[i].proc == sel) {
			start = i + 1;
			break;
		}
	}
	for (size_t k = 0; k < all.count && !hit; k++) {
		const struct pa_proc *p = all.rows[(start + k) % all.count].proc;

		if (match(p, arg))
			hit = p;
	}
	pa_tree_free(&all);
	if (!hit)
		return false;
	unfold_ancestors(v, hit);
	v->sel_pid = hit->pid;
	v->sel_start_ns = hit->start_ns;
	v->sel_tid = 0;
	pa_view_rebuild(v, t);
	return true;
}

struct text_match {
	const char *text;
	uint32_t pid; /* 0: text is not a pid */
};

static bool matches_text(const struct pa_proc *p, const void *arg)
{
	const struct text_match *m = arg;

	if (m->pid && p->pid == m->pid)
		return true;
	if (strcasestr(p->comm, m->text))
		return true;
	return p->cmdline && strcasestr(p->cmdline, m->text);
}

static uint32_t parse_pid(const char *s)
{
	char *end;
	unsigned long n;

	if (*s < '0' || *s > '9')
		return 0;
	n = strtoul(s, &end, 10);
	return *end || n > UINT32_MAX ? 0 : (uint32_t)n;
}

bool pa_view_find(struct pa_view *v, const struct pa_table *t, const char *text)
{
	struct text_match m;

	if (!text || !*text)
		return false;
	if (text != v->search)
		snprintf(v->search, sizeof(v->search), "%s", text);
	m.text = v->search;
	m.pid = parse_pid(v->search);
	return select_next(v, t, matches_text, &m);
}

struct class_match {
	const struct pa_view_ctx *ctx;
	enum pa_row_class want;
};

static bool matches_class(const struct pa_proc *p, const void *arg)
{
	const struct class_match *m = arg;
	struct pa_tree_row row = { .proc = p };

	return pa_view_row_class(&row, m->ctx) == m->want;
}

bool pa_view_next_class(struct pa_view *v, const struct pa_table *t, const struct pa_view_ctx *ctx,
			enum pa_row_class want)
{
	struct class_match m = { .ctx = ctx, .want = want };

	return select_next(v, t, matches_class, &m);
}

static bool is_new(uint64_t start_ns, const struct pa_view_ctx *ctx)
{
	return start_ns >= ctx->tracing_since_ns && since(ctx->now_ns, start_ns) < PA_VIEW_NEW_NS;
}

static enum pa_row_class thread_class(const struct pa_thread *th, const struct pa_view_ctx *ctx)
{
	if (th->state == 'D')
		return PA_ROW_DSTATE;
	if (th->state == 'T' || th->state == 't')
		return PA_ROW_STOPPED;
	return is_new(th->start_ns, ctx) ? PA_ROW_NEW : PA_ROW_NORMAL;
}

enum pa_row_class pa_view_row_class(const struct pa_tree_row *row, const struct pa_view_ctx *ctx)
{
	const struct pa_proc *p = row->proc;

	if (row->thread)
		return thread_class(row->thread, ctx);
	if (p->reaped)
		return PA_ROW_EXITED;
	if (p->exited)
		return since(ctx->now_ns, p->exit_ns) >= PA_VIEW_ZOMBIE_NS ? PA_ROW_ZOMBIE : PA_ROW_EXITED;
	if (p->dstate_threads)
		return PA_ROW_DSTATE;
	if (p->state == 'T' || p->state == 't')
		return PA_ROW_STOPPED;
	return is_new(p->start_ns, ctx) ? PA_ROW_NEW : PA_ROW_NORMAL;
}
