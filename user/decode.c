// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "decode.h"

static const size_t min_size[PA_EV_TYPE_MAX] = {
	[PA_EV_FORK] = sizeof(struct pa_fork_event),
	[PA_EV_EXEC] = sizeof(struct pa_exec_event),
	[PA_EV_EXIT] = sizeof(struct pa_exit_event),
	[PA_EV_FREE] = sizeof(struct pa_free_event),
	[PA_EV_UNSTUCK] = sizeof(struct pa_unstuck_event),
	[PA_EV_HUNG] = sizeof(struct pa_hung_event),
	[PA_EV_STATE] = sizeof(struct pa_state_event),
	[PA_EV_SIGNAL] = sizeof(struct pa_signal_event),
	[PA_EV_EXEC_FAILED] = sizeof(struct pa_exec_failed_event),
};

static bool exec_lengths_ok(const struct pa_exec_event *e)
{
	size_t want = sizeof(*e) + (size_t)e->filename_len + e->args_len;

	if (e->hdr.size != want || e->filename_len == 0)
		return false;
	/* The filename must end in its NUL inside its own field. */
	return e->data[e->filename_len - 1] == '\0';
}

/* A string field is printed as a C string: it must end inside the field. */
static bool ends_in_field(const char *field, size_t size)
{
	return memchr(field, '\0', size) != NULL;
}

static bool ids_ok(const struct pa_task_ids *ids)
{
	return ends_in_field(ids->cgroup, sizeof(ids->cgroup));
}

enum pa_decode_result pa_decode(const void *data, size_t size, const struct pa_event_header **out)
{
	const struct pa_event_header *hdr = data;

	if (size < sizeof(*hdr))
		return PA_DECODE_SHORT;
	if (hdr->size > size || hdr->size < sizeof(*hdr))
		return PA_DECODE_BAD_SIZE;
	if (hdr->type == 0 || hdr->type >= PA_EV_TYPE_MAX)
		return PA_DECODE_UNKNOWN;
	if (hdr->size < min_size[hdr->type])
		return PA_DECODE_SHORT;
	/* Everything downstream prints comm as a C string. */
	if (!ends_in_field(hdr->comm, sizeof(hdr->comm)))
		return PA_DECODE_BAD_COMM;
	if (hdr->type == PA_EV_EXEC && !exec_lengths_ok(data))
		return PA_DECODE_BAD_SIZE;
	if (hdr->type != PA_EV_EXEC && hdr->size != min_size[hdr->type])
		return PA_DECODE_BAD_SIZE;
	if (hdr->type == PA_EV_FORK && !ids_ok(&((const struct pa_fork_event *)data)->ids))
		return PA_DECODE_BAD_CGROUP;
	if (hdr->type == PA_EV_EXEC && !ids_ok(&((const struct pa_exec_event *)data)->ids))
		return PA_DECODE_BAD_CGROUP;
	if (hdr->type == PA_EV_SIGNAL &&
	    !ends_in_field(((const struct pa_signal_event *)data)->sender_comm, PA_COMM_LEN))
		return PA_DECODE_BAD_COMM;
	if (hdr->type == PA_EV_EXEC_FAILED &&
	    !ends_in_field(((const struct pa_exec_failed_event *)data)->filename, PA_FILENAME_MAX))
		return PA_DECODE_BAD_SIZE;
	*out = hdr;
	return PA_DECODE_OK;
}

const char *pa_exec_filename(const struct pa_exec_event *e)
{
	return e->data;
}

const char *pa_exec_args_area(const struct pa_exec_event *e)
{
	return e->data + e->filename_len;
}

void pa_args_init(struct pa_args *a)
{
	memset(a, 0, sizeof(*a));
}

void pa_args_free(struct pa_args *a)
{
	free(a->arg);
	free(a->len);
	pa_args_init(a);
}

static int grow(struct pa_args *a)
{
	uint32_t cap = a->cap ? a->cap * 2 : 64;
	const char **arg = realloc(a->arg, cap * sizeof(*arg));
	uint32_t *len;

	if (!arg)
		return -1;
	a->arg = arg;
	len = realloc(a->len, cap * sizeof(*len));
	if (!len)
		return -1;
	a->len = len;
	a->cap = cap;
	return 0;
}

int pa_args_split(struct pa_args *a, const char *area, size_t len)
{
	size_t pos = 0;

	a->count = 0;
	while (pos < len) {
		const char *nul = memchr(area + pos, '\0', len - pos);
		size_t n = nul ? (size_t)(nul - (area + pos)) : len - pos;

		if (a->count == a->cap && grow(a))
			return -1;
		a->arg[a->count] = area + pos;
		a->len[a->count] = n;
		a->count++;
		pos += n + 1;
	}
	return 0;
}
