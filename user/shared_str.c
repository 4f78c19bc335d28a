// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared_str.h"

/* The count lives just before the characters the callers see.  Only the
 * collector's thread touches the table: a plain count is enough. */
struct shared_str {
	uint64_t refs;
	size_t len;
	char s[];
};

static struct shared_str *header_of(const char *s)
{
	return (struct shared_str *)(s - offsetof(struct shared_str, s));
}

size_t pa_str_len(const char *s)
{
	return header_of(s)->len;
}

char *pa_str_dup(const char *s)
{
	size_t len = strlen(s);
	struct shared_str *h = malloc(sizeof(*h) + len + 1);

	if (!h)
		return NULL;
	h->refs = 1;
	h->len = len;
	memcpy(h->s, s, len + 1);
	return h->s;
}

char *pa_str_ref(char *s)
{
	if (s)
		header_of(s)->refs++;
	return s;
}

void pa_str_put(char *s)
{
	struct shared_str *h;

	if (!s)
		return;
	h = header_of(s);
	if (--h->refs == 0)
		free(h);
}
