// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>

#include "entity_id.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t pa_base64(char *buf, size_t size, const unsigned char *in, size_t len)
{
	size_t need = (len + 2) / 3 * 4 + 1, o = 0;

	if (size < need)
		return 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = len - i;

		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		buf[o++] = b64[(v >> 18) & 63];
		buf[o++] = b64[(v >> 12) & 63];
		buf[o++] = left > 1 ? b64[(v >> 6) & 63] : '=';
		buf[o++] = left > 2 ? b64[v & 63] : '=';
	}
	buf[o] = '\0';
	return o;
}

void pa_entity_id(char *buf, size_t size, const char *boot_id, uint32_t pid, uint64_t start_ticks)
{
	char plain[96];
	int n = snprintf(plain, sizeof(plain), "%s:%u:%llu", boot_id, pid,
			 (unsigned long long)start_ticks);

	if (n < 0 || (size_t)n >= sizeof(plain) || !pa_base64(buf, size, (unsigned char *)plain, n))
		snprintf(buf, size, "%u:%llu", pid, (unsigned long long)start_ticks);
}
