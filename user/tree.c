// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "text_escape.h"
#include "tree.h"

void pa_tree_init(struct pa_tree *tree)
{
	memset(tree, 0, sizeof(*tree));
}

void pa_tree_free(struct pa_tree *tree)
{
	free(tree->rows);
	pa_tree_init(tree);
}

static int by_pid(const void *a, const void *b)
{
	const struct pa_proc *pa = *(const struct pa_proc *const *)a;
	const struct pa_proc *pb = *(const struct pa_proc *const *)b;

	return (pa->pid > pb->pid) - (pa->pid < pb->pid);
}

static int push_row(struct pa_tree *tree, const struct pa_tree_row *row)
{
	if (tree->count == tree->cap) {
		size_t cap = tree->cap ? tree->cap * 2 : 256;
		struct pa_tree_row *rows = realloc(tree->rows, cap * sizeof(*rows));

		if (!rows)
			return -1;
		tree->rows = rows;
		tree->cap = cap;
	}
	tree->rows[tree->count++] = *row;
	return 0;
}

static bool shown(const struct pa_proc *p, const struct pa_tree_opts *o)
{
	return !o->followed_only || p->followed;
}

/* Children of p that are shown, sorted; caller frees. */
static const struct pa_proc **sorted_children(const struct pa_proc *p, const struct pa_tree_opts *o,
					      size_t *n)
{
	const struct pa_proc **kids = NULL;
	const struct pa_proc *c;
	size_t count = 0, i = 0;

	TAILQ_FOREACH(c, &p->children, sibling)
		count += shown(c, o);
	*n = count;
	if (!count)
		return NULL;
	kids = malloc(count * sizeof(*kids));
	if (!kids)
		return NULL;
	TAILQ_FOREACH(c, &p->children, sibling) {
		if (shown(c, o))
			kids[i++] = c;
	}
	qsort(kids, count, sizeof(*kids), by_pid);
	return kids;
}

/* One flatten's state: threads sorted once, not searched per process. */
struct flatten {
	const struct pa_tree_opts *o;
	struct pa_tree *tree;
	const struct pa_thread **threads; /* by (tgid, tid) */
	size_t nr_threads;
};

static int by_tgid_tid(const void *a, const void *b)
{
	const struct pa_thread *ta = *(const struct pa_thread *const *)a;
	const struct pa_thread *tb = *(const struct pa_thread *const *)b;

	if (ta->tgid != tb->tgid)
		return (ta->tgid > tb->tgid) - (ta->tgid < tb->tgid);
	return (ta->tid > tb->tid) - (ta->tid < tb->tid);
}

static int sort_threads(struct flatten *f, const struct pa_table *t)
{
	const struct pa_thread *th, *tmp;
	size_t n = HASH_COUNT(t->threads), i = 0;

	if (!f->o->threads || !n)
		return 0;
	f->threads = malloc(n * sizeof(*f->threads));
	if (!f->threads)
		return -1;
	HASH_ITER(hh, t->threads, th, tmp)
		f->threads[i++] = th;
	f->nr_threads = n;
	qsort(f->threads, n, sizeof(*f->threads), by_tgid_tid);
	return 0;
}

/* The first of p's threads in f->threads; *n how many there are. */
static const struct pa_thread **threads_of(const struct flatten *f, const struct pa_proc *p, size_t *n)
{
	size_t lo = 0, hi = f->nr_threads, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->threads[mid]->tgid < p->pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < f->nr_threads && f->threads[end]->tgid == p->pid; end++)
		;
	*n = end - lo;
	return f->threads + lo;
}

static uint32_t count_descendants(const struct pa_proc *p, const struct pa_tree_opts *o)
{
	const struct pa_proc *c;
	uint32_t n = 0;

	TAILQ_FOREACH(c, &p->children, sibling) {
		if (shown(c, o))
			n += 1 + count_descendants(c, o);
	}
	return n;
}

static uint16_t capped(unsigned depth)
{
	return depth < PA_TREE_MAX_DEPTH ? depth : PA_TREE_MAX_DEPTH;
}

static int add_subtree(struct flatten *f, const struct pa_proc *p, unsigned depth, bool last,
		       uint64_t more)
{
	const struct pa_tree_opts *o = f->o;
	struct pa_tree_row row = {
		.proc = p,
		.depth = capped(depth),
		.last = last,
		.more = more,
	};
	const struct pa_proc **kids = NULL;
	const struct pa_thread **threads = NULL;
	size_t n = 0, nr_threads = 0;
	int err = 0;

	if (o->folded && o->folded(p, o->ctx))
		row.hidden = count_descendants(p, o);
	if (push_row(f->tree, &row))
		return -1;
	if (!row.hidden) {
		kids = sorted_children(p, o, &n);
		if (n && !kids)
			return -1;
	}
	if (depth > 0 && depth <= 64 && !last)
		more |= 1ULL << (depth - 1);
	if (f->nr_threads)
		threads = threads_of(f, p, &nr_threads);
	/* Threads first, drawn as children: the last of them closes the
	 * branch only when no child process follows. */
	for (size_t i = 0; i < nr_threads && !err; i++) {
		struct pa_tree_row trow = {
			.proc = p,
			.thread = threads[i],
			.depth = capped(depth + 1),
			.last = i == nr_threads - 1 && !n,
			.more = more,
		};

		err = push_row(f->tree, &trow);
	}
	for (size_t i = 0; i < n && !err; i++)
		err = add_subtree(f, kids[i], depth + 1, i == n - 1, more);
	free(kids);
	return err;
}

static bool is_root(const struct pa_proc *p, const struct pa_tree_opts *o)
{
	if (!shown(p, o))
		return false;
	if (!p->parent)
		return true;
	return !shown(p->parent, o);
}

int pa_tree_flatten(const struct pa_table *t, const struct pa_tree_opts *o, struct pa_tree *tree)
{
	struct flatten f = { .o = o, .tree = tree };
	const struct pa_proc **roots;
	struct pa_proc *p, *tmp;
	size_t n = 0, i = 0;
	int err = 0;

	tree->count = 0;
	pa_table_foreach(t, p, tmp)
		n += is_root(p, o);
	if (!n)
		return 0;
	roots = malloc(n * sizeof(*roots));
	if (!roots || sort_threads(&f, t)) {
		free(roots);
		return -1;
	}
	pa_table_foreach(t, p, tmp) {
		if (is_root(p, o))
			roots[i++] = p;
	}
	qsort(roots, n, sizeof(*roots), by_pid);
	for (i = 0; i < n && !err; i++)
		err = add_subtree(&f, roots[i], 0, true, 0);
	free(roots);
	free(f.threads);
	return err;
}

void pa_tree_put_prefix(struct strbuf *sb, const struct pa_tree_row *row, bool unicode)
{
	for (unsigned d = 1; d < row->depth; d++) {
		bool vertical = d <= 64 && (row->more & (1ULL << (d - 1)));

		sb_puts(sb, vertical ? (unicode ? "│ " : "| ") : "  ");
	}
	if (row->depth)
		sb_puts(sb, row->last ? (unicode ? "└─" : "`-") : (unicode ? "├─" : "|-"));
}

/* Columns, not bytes: UTF-8 continuation bytes take no column (as
 * pa_utf8_columns counts them). */
void pa_tree_cut_columns(struct strbuf *sb, size_t start, size_t width)
{
	size_t cols = 0;

	for (size_t i = start; i < sb->len; i++) {
		if (((unsigned char)sb->buf[i] & 0xc0) == 0x80)
			continue;
		if (cols++ == width) {
			sb->len = i;
			sb->buf[i] = '\0';
			return;
		}
	}
}

bool pa_tree_kernel_thread(const struct pa_proc *p)
{
	return p->pid == 2 || p->ppid == 2;
}

/* Braced as pstree shows threads. */
static void format_thread(struct strbuf *sb, const struct pa_thread *th)
{
	sb_putc(sb, '{');
	pa_text_escape(sb, th->comm, strnlen(th->comm, sizeof(th->comm)));
	sb_printf(sb, "},%u %c", th->tid, th->state ? th->state : '?');
}

static void format_proc(struct strbuf *sb, const struct pa_tree_row *row)
{
	const struct pa_proc *p = row->proc;
	bool kernel_thread = pa_tree_kernel_thread(p);

	if (kernel_thread)
		sb_putc(sb, '[');
	pa_text_escape(sb, p->comm, strnlen(p->comm, sizeof(p->comm)));
	if (kernel_thread)
		sb_putc(sb, ']');
	sb_printf(sb, ",%u %c", p->pid, p->state ? p->state : '?');
	if (p->cmdline && *p->cmdline) {
		sb_putc(sb, ' ');
		pa_text_escape(sb, p->cmdline, strlen(p->cmdline));
	}
	if (p->nr_threads > 1)
		sb_printf(sb, " {%u threads}", p->nr_threads);
	if (p->orphaned_from)
		sb_printf(sb, " (orphan of %u)", p->orphaned_from);
	if (row->hidden)
		sb_printf(sb, " [+%u]", row->hidden);
}

void pa_tree_format_row(struct strbuf *sb, const struct pa_tree_row *row, const struct pa_tree_opts *o)
{
	size_t start = sb->len;

	pa_tree_put_prefix(sb, row, o->unicode);
	if (row->thread)
		format_thread(sb, row->thread);
	else
		format_proc(sb, row);
	if (o->width)
		pa_tree_cut_columns(sb, start, o->width);
	sb_putc(sb, '\n');
}

int pa_tree_render(const struct pa_table *t, const struct pa_tree_opts *o, struct strbuf *out)
{
	struct pa_tree tree;
	int err;

	pa_tree_init(&tree);
	err = pa_tree_flatten(t, o, &tree);
	for (size_t i = 0; !err && i < tree.count; i++)
		pa_tree_format_row(out, &tree.rows[i], o);
	pa_tree_free(&tree);
	return err;
}
