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

static int add_subtree(struct pa_tree *tree, const struct pa_proc *p, unsigned depth, bool last,
		       uint64_t more, const struct pa_tree_opts *o)
{
	struct pa_tree_row row = {
		.proc = p,
		.depth = depth < PA_TREE_MAX_DEPTH ? depth : PA_TREE_MAX_DEPTH,
		.last = last,
		.more = more,
	};
	const struct pa_proc **kids;
	size_t n;
	int err = 0;

	if (push_row(tree, &row))
		return -1;
	kids = sorted_children(p, o, &n);
	if (n && !kids)
		return -1;
	if (depth > 0 && depth <= 64 && !last)
		more |= 1ULL << (depth - 1);
	for (size_t i = 0; i < n && !err; i++)
		err = add_subtree(tree, kids[i], depth + 1, i == n - 1, more, o);
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
	if (!roots)
		return -1;
	pa_table_foreach(t, p, tmp) {
		if (is_root(p, o))
			roots[i++] = p;
	}
	qsort(roots, n, sizeof(*roots), by_pid);
	for (i = 0; i < n && !err; i++)
		err = add_subtree(tree, roots[i], 0, true, 0, o);
	free(roots);
	return err;
}

static void put_prefix(struct strbuf *sb, const struct pa_tree_row *row, bool unicode)
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
static void truncate_columns(struct strbuf *sb, size_t start, size_t width)
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

void pa_tree_format_row(struct strbuf *sb, const struct pa_tree_row *row, const struct pa_tree_opts *o)
{
	const struct pa_proc *p = row->proc;
	size_t start = sb->len;
	/* kthreadd (pid 2) parents every kernel thread; shown bracketed as ps does. */
	bool kernel_thread = p->pid == 2 || p->ppid == 2;

	put_prefix(sb, row, o->unicode);
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
	if (o->width)
		truncate_columns(sb, start, o->width);
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
