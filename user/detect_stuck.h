/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Threads stuck in D state.  The kernel keeps, per blocked thread, only
 * when it blocked and where (the dstate map); this remembers which of
 * those blocks were already reported, so each block is reported once
 * however many scans see it.
 */
#ifndef PA_DETECT_STUCK_H
#define PA_DETECT_STUCK_H

#include <stddef.h>
#include <stdint.h>
#include "hash.h"

/* A thread in D right now, as the kernel's dstate map holds it. */
struct pa_dthread {
	uint32_t tid;
	uint32_t tgid;
	uint64_t since_ns;
	int32_t stack_id;
};

struct pa_stuck_seen;

struct pa_stuck_tracker {
	struct pa_stuck_seen *seen; /* uthash by tid: the block already reported */
};

typedef void (*pa_stuck_fn)(void *ctx, const struct pa_dthread *d);

void pa_stuck_init(struct pa_stuck_tracker *t);
void pa_stuck_free(struct pa_stuck_tracker *t);
/* Calls fn for each thread of d[] blocked for at least after_ns whose
 * current block was not reported yet; forgets threads no longer in d[]. */
void pa_stuck_scan(struct pa_stuck_tracker *t, const struct pa_dthread *d, size_t n, uint64_t now_ns,
		   uint64_t after_ns, pa_stuck_fn fn, void *ctx);

#endif
