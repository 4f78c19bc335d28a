/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Checks a raw record from the ring buffer (or a record file) against the
 * ABI before anyone reads it, and splits an exec's argv area.
 */
#ifndef PA_DECODE_H
#define PA_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pa_events.h"

enum pa_decode_result {
	PA_DECODE_OK = 0,
	PA_DECODE_SHORT,      /* fewer bytes than the header or the type needs */
	PA_DECODE_BAD_SIZE,   /* hdr.size disagrees with the bytes or the type */
	PA_DECODE_UNKNOWN,    /* a type this version does not know (skippable) */
	PA_DECODE_BAD_COMM,   /* comm without its NUL: the kernel always ends it */
	PA_DECODE_BAD_CGROUP, /* ids.cgroup without its NUL: the kernel side always ends it */
};

/* On PA_DECODE_OK *hdr points into data. */
enum pa_decode_result pa_decode(const void *data, size_t size, const struct pa_event_header **hdr);

/* argv split into strings that point into the record (no copies). */
struct pa_args {
	const char **arg;
	uint32_t *len;
	uint32_t count;
	uint32_t cap;
	bool truncated;   /* the kernel cut the area at --max-args-bytes */
	uint32_t argc;    /* the true count (may exceed count when truncated) */
};

void pa_args_init(struct pa_args *a);
void pa_args_free(struct pa_args *a);
/* Split a NUL-separated area; the last string may lack its NUL.  Reuses
 * the arrays across calls.  -1 on allocation failure. */
int pa_args_split(struct pa_args *a, const char *area, size_t len);
/* The exec's filename (always NUL-terminated by pa_decode) and argv area. */
const char *pa_exec_filename(const struct pa_exec_event *e);
const char *pa_exec_args_area(const struct pa_exec_event *e);

#endif
