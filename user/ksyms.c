// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"
#include "strbuf.h"

static int by_addr(const void *a, const void *b)
{
	const struct pa_ksym *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

/* Text symbols only (t/T, w/W): a stack holds code addresses. */
static bool is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

int pa_ksyms_load(struct pa_ksyms *ks, const char *path)
{
	FILE *f = fopen(path, "re");
	struct strbuf names;
	size_t cap = 0, *offsets = NULL;
	char line[512];
	int err = 0;

	memset(ks, 0, sizeof(*ks));
	if (!f)
		return -errno;
	sb_init(&names);
	while (fgets(line, sizeof(line), f)) {
		char type, name[256];
		uint64_t addr;
		struct pa_ksym *grown;

		if (sscanf(line, "%" SCNx64 " %c %255s", &addr, &type, name) != 3 || !addr || !is_text(type))
			continue;
		if (ks->count == cap) {
			cap = cap ? cap * 2 : 4096;
			grown = realloc(ks->syms, cap * sizeof(*grown));
			size_t *off = realloc(offsets, cap * sizeof(*off));

			if (!grown || !off) {
				free(grown ? grown : ks->syms);
				free(off ? off : offsets);
				ks->syms = NULL;
				offsets = NULL;
				err = -ENOMEM;
				break;
			}
			ks->syms = grown;
			offsets = off;
		}
		offsets[ks->count] = names.len;
		ks->syms[ks->count++].addr = addr;
		sb_append(&names, name, strlen(name) + 1);
	}
	fclose(f);
	if (!err && names.failed)
		err = -ENOMEM;
	if (err) {
		sb_free(&names);
		free(offsets);
		memset(ks, 0, sizeof(*ks));
		return err;
	}
	/* Names point into one block, fixed up once it stopped moving. */
	ks->names = names.buf;
	for (size_t i = 0; i < ks->count; i++)
		ks->syms[i].name = ks->names + offsets[i];
	free(offsets);
	if (ks->count)
		qsort(ks->syms, ks->count, sizeof(*ks->syms), by_addr);
	return 0;
}

void pa_ksyms_free(struct pa_ksyms *ks)
{
	free(ks->syms);
	free(ks->names);
	memset(ks, 0, sizeof(*ks));
}

void pa_ksyms_format(const struct pa_ksyms *ks, uint64_t addr, char *buf, size_t size)
{
	size_t lo = 0, hi = ks->count;

	/* The last symbol at or below addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo) {
		snprintf(buf, size, "0x%" PRIx64, addr);
		return;
	}
	snprintf(buf, size, "%s+0x%" PRIx64, ks->syms[lo - 1].name, addr - ks->syms[lo - 1].addr);
}
