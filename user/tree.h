/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The process tree as rows: flattening (which processes, in which order,
 * at which depth) is apart from drawing a row, so the one-shot printer and
 * a full-screen view share both.
 */
#ifndef PA_TREE_H
#define PA_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc_table.h"
#include "strbuf.h"

/* Deeper levels are drawn at this depth: a fork chain thousands deep
 * would otherwise push every name off the screen. */
#define PA_TREE_MAX_DEPTH 64

struct pa_tree_row {
	const struct pa_proc *proc;     /* for a thread row: its process */
	const struct pa_thread *thread; /* a thread row (opts.threads); NULL for a process row */
	uint16_t depth;
	bool last;       /* the last child of its parent */
	uint64_t more;   /* bit d: the ancestor at depth d has siblings below (draw a vertical) */
	uint32_t hidden; /* processes under a folded row, not shown */
};

struct pa_tree {
	struct pa_tree_row *rows;
	size_t count;
	size_t cap;
};

struct pa_tree_opts {
	bool followed_only; /* only --pid subtrees */
	bool unicode;       /* box-drawing connectors; ASCII otherwise */
	size_t width;       /* truncate rows to this many columns; 0: no limit */
	bool threads;       /* after each process, a row per thread (leaders excluded), by tid */
	/* True if p's descendants are left out (its threads still show);
	 * NULL: nothing is folded. */
	bool (*folded)(const struct pa_proc *p, void *ctx);
	void *ctx;
};

void pa_tree_init(struct pa_tree *tree);
void pa_tree_free(struct pa_tree *tree);
/* Roots and every level sorted by pid. -1 on allocation failure. Rows
 * point into t: flatten again after t changes, before reading them. */
int pa_tree_flatten(const struct pa_table *t, const struct pa_tree_opts *o, struct pa_tree *tree);
/* "├─sshd,512 S /usr/sbin/sshd -D"; a thread row "├─{worker},515 S" */
void pa_tree_format_row(struct strbuf *sb, const struct pa_tree_row *row, const struct pa_tree_opts *o);
/* The connectors before a row's name: "│ ├─" (or "| |-"). */
void pa_tree_put_prefix(struct strbuf *sb, const struct pa_tree_row *row, bool unicode);
/* Cut what was appended since start to width display columns, never
 * inside a UTF-8 character. */
void pa_tree_cut_columns(struct strbuf *sb, size_t start, size_t width);
/* kthreadd (pid 2) and its children, drawn "[comm]" as ps does. */
bool pa_tree_kernel_thread(const struct pa_proc *p);
/* Flatten and format the whole tree, one row a line. */
int pa_tree_render(const struct pa_table *t, const struct pa_tree_opts *o, struct strbuf *out);

#endif
