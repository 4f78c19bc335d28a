/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Immutable strings with a reference count, for what a forked child takes
 * over from its parent unchanged (command line, working directory, the
 * program it runs): a fork storm then copies none of them.  A string from
 * here is released with pa_str_put, never free(), and never written to.
 */
#ifndef PA_SHARED_STR_H
#define PA_SHARED_STR_H

#include <stddef.h>

/* A counted copy of s (count 1), or NULL when out of memory. */
char *pa_str_dup(const char *s);
/* One more holder of s (NULL stays NULL). */
char *pa_str_ref(char *s);
/* One holder less; the last frees it.  NULL is ignored. */
void pa_str_put(char *s);
/* strlen of a string from here, kept since its copy (the JSON sink asks
 * for three of them per line). */
size_t pa_str_len(const char *s);

#endif
