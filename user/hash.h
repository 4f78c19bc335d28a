/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* uthash, with the one hash function every table of ours uses. */
#ifndef PA_HASH_H
#define PA_HASH_H

#include <stdint.h>

/* Keys are pids and tids: multiplicative (Fibonacci) hashing spreads them
 * well and costs one multiply, against uthash's default Jenkins hash of the
 * bytes. */
#define HASH_FUNCTION(keyptr, keylen, hashv) \
	((hashv) = (unsigned)(*(const uint32_t *)(keyptr) * 2654435761u))
#include <uthash.h>

#endif
