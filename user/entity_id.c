// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "entity_id.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t pa_base64(char *buf, size_t size, const unsigned char *in, size_t len)
{
	size_t need = (len + 2) / 3 * 4 + 1, o = 0, i = 0;
	uint32_t v;

	if (size < need)
		return 0;
	/* Whole groups of three bytes, then the one or two left with padding. */
	for (; len - i >= 3; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		buf[o++] = b64[(v >> 18) & 63];
		buf[o++] = b64[(v >> 12) & 63];
		buf[o++] = b64[(v >> 6) & 63];
		buf[o++] = b64[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16;
		if (len - i > 1)
			v |= (uint32_t)in[i + 1] << 8;
		buf[o++] = b64[(v >> 18) & 63];
		buf[o++] = b64[(v >> 12) & 63];
		buf[o++] = len - i > 1 ? b64[(v >> 6) & 63] : '=';
		buf[o++] = '=';
	}
	buf[o] = '\0';
	return o;
}

/* Decimal digits of v at p, returning the end: snprintf's "%llu" costs
 * more than the base64 after it, and every fork makes an id. */
static char *put_decimal(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* The text the id encodes, "boot_id:pid:start_ticks", or -1 if it does
 * not fit in size - 1 bytes; what snprintf would make, without its cost. */
static int entity_text(char *out, size_t size, const char *boot_id, uint32_t pid,
		       uint64_t start_ticks)
{
	size_t boot_len = strlen(boot_id);
	char *p = out;
	int n;

	/* Room for the longest numbers (10 and 20 digits): no checks below. */
	if (boot_len + 2 + 10 + 20 >= size) {
		n = snprintf(out, size, "%s:%u:%llu", boot_id, pid,
			     (unsigned long long)start_ticks);
		return n < 0 || (size_t)n >= size ? -1 : n;
	}
	memcpy(p, boot_id, boot_len);
	p += boot_len;
	*p++ = ':';
	p = put_decimal(p, pid);
	*p++ = ':';
	p = put_decimal(p, start_ticks);
	return (int)(p - out);
}

/* Every id of a boot begins with the same whole 3-byte groups of its boot
 * id, and base64 codes each group alone: those are coded once, for the
 * last boot id seen (one per table, and the collector has one table). */
struct boot_prefix {
	char boot_id[64];
	size_t covered;  /* bytes of the boot id the prefix codes */
	char b64[88];
	size_t len;
};

static const struct boot_prefix *prefix_for(const char *boot_id)
{
	static struct boot_prefix cache;
	size_t n = strlen(boot_id);

	if (n >= sizeof(cache.boot_id))
		return NULL;
	if (!cache.len || strcmp(cache.boot_id, boot_id)) {
		cache.covered = n / 3 * 3;
		cache.len = pa_base64(cache.b64, sizeof(cache.b64), (const unsigned char *)boot_id,
				      cache.covered);
		memcpy(cache.boot_id, boot_id, n + 1);
	}
	return cache.len ? &cache : NULL;
}

void pa_entity_id(char *buf, size_t size, const char *boot_id, uint32_t pid, uint64_t start_ticks)
{
	char plain[96];
	int n = entity_text(plain, sizeof(plain), boot_id, pid, start_ticks);
	const struct boot_prefix *pre = n < 0 ? NULL : prefix_for(boot_id);

	if (pre && size > pre->len) {
		memcpy(buf, pre->b64, pre->len);
		if (pa_base64(buf + pre->len, size - pre->len,
			      (const unsigned char *)plain + pre->covered, (size_t)n - pre->covered))
			return;
	}
	if (n < 0 || !pa_base64(buf, size, (unsigned char *)plain, n))
		snprintf(buf, size, "%u:%llu", pid, (unsigned long long)start_ticks);
}
