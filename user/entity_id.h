/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PA_ENTITY_ID_H
#define PA_ENTITY_ID_H

#include <stddef.h>
#include <stdint.h>

/*
 * ECS process.entity_id: base64 of "boot_id:pid:start_ticks".  The boot id
 * makes it unique across hosts and reboots, the start time across pid
 * reuse; all three are re-readable from /proc, so an agent restarted on the
 * same boot derives the same id and pipelines can join its events.
 */
void pa_entity_id(char *buf, size_t size, const char *boot_id, uint32_t pid, uint64_t start_ticks);

/* Standard base64 (RFC 4648, with padding) of len bytes; returns the
 * output length, or 0 if buf is too small. */
size_t pa_base64(char *buf, size_t size, const unsigned char *in, size_t len);

#endif
