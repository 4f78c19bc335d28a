/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A record file's records in memory, for the benchmarks that replay them
 * (tapebench, recordbench): each copied 8-byte aligned, with its type and
 * length.  Included by both; not part of the agent.
 */
#ifndef PA_BENCH_TAPE_RECORDS_H
#define PA_BENCH_TAPE_RECORDS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tape.h"

#define TAPE_RECORDS_MAX 4000000u
#define TAPE_RECORDS_BYTES (256u << 20)

struct tape_records {
	uint8_t *bytes;
	size_t *at, *len;
	enum pa_tape_type *type;
	size_t n, used;
};

/* The records of path that keep() accepts (NULL: all) into r, its header
 * into h.  -1, with a line on stderr after "prog: ", if it cannot be read
 * or nothing was kept. */
static int tape_records_load(const char *prog, const char *path, struct pa_tape_header *h,
			     bool (*keep)(enum pa_tape_type), struct tape_records *r)
{
	enum pa_tape_type type;
	const void *data;
	char err[300];
	struct pa_tape *t = pa_tape_open(path, h, err, sizeof(err));
	size_t len;

	if (!t) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	r->bytes = malloc(TAPE_RECORDS_BYTES);
	r->at = malloc(TAPE_RECORDS_MAX * sizeof(*r->at));
	r->len = malloc(TAPE_RECORDS_MAX * sizeof(*r->len));
	r->type = malloc(TAPE_RECORDS_MAX * sizeof(*r->type));
	if (!r->bytes || !r->at || !r->len || !r->type) {
		fprintf(stderr, "%s: out of memory\n", prog);
		pa_tape_close(t);
		return -1;
	}
	while (pa_tape_read(t, &type, &data, &len) > 0 && r->n < TAPE_RECORDS_MAX) {
		if (keep && !keep(type))
			continue;
		if (r->used + len > TAPE_RECORDS_BYTES)
			break;
		memcpy(r->bytes + r->used, data, len);
		r->at[r->n] = r->used;
		r->len[r->n] = len;
		r->type[r->n++] = type;
		r->used += (len + 7) & ~(size_t)7;
	}
	pa_tape_close(t);
	return r->n ? 0 : -1;
}

#endif
