/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The record file (--record, --replay): everything the collector took in
 * during a live run, in order, so that replaying it through the same
 * collector and sinks prints the same bytes.  That is the ring buffer's
 * raw records, and also every answer the collector got from outside them:
 * the /proc snapshot, the clock at each periodic check, the threads in D,
 * and what /proc said when an alert asked.
 *
 * Layout: a gzip stream (zlib reads it; written as one gzip member per
 * 128 KiB block) holding a fixed header, then the records, each coded as
 * tape_codec.h describes, then an end mark (a file without one was cut
 * short).  All fields are little-endian.  The header names the file format
 * and the event ABI it carries; a reader refuses any other.
 */
#ifndef PA_TAPE_H
#define PA_TAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host_info.h"

#define PA_TAPE_MAGIC "PATAPE\r\n" /* a CR/LF mangled by a text transfer shows */
/* 2: payloads padded to 8 bytes; 3: the header holds the host facts;
 * 4: records coded against the previous of their kind, an end mark;
 * 5: no /proc answer for a reaped child when its parent exits;
 * 6: fields predicted from others before coding (tape_codec.c);
 * 7: an exit's sleeping time predicted from its other times */
#define PA_TAPE_FORMAT 7
/* Nothing the collector records comes near this: a longer length is damage. */
#define PA_TAPE_MAX_RECORD (1u << 20)
/* A ring buffer record's size is 16 bits (hdr.size). */
#define PA_TAPE_MAX_RAW (1u << 16)

enum pa_tape_type {
	PA_TAPE_RAW = 1,        /* a ring buffer record, as the kernel wrote it (inputs.c masks
				 * argv secrets and zeros the cgroup name's stale tail) */
	PA_TAPE_LOST,           /* u64 count, u64 now: drops the kernel counted */
	PA_TAPE_TICK,           /* u64 now: the once-a-second housekeeping */
	PA_TAPE_DSTATE,         /* u64 now, then { u32 tid, u32 tgid, u64 since, i32 stack } */
	PA_TAPE_SNAP_BEGIN,     /* a /proc read begins: u8 resync, i32 its result */
	PA_TAPE_SNAP_PROC,      /* one process it read (snapshot_image.c) */
	PA_TAPE_SNAP_THREAD,    /* one thread it read */
	PA_TAPE_SNAP_END,       /* the read is complete */
	PA_TAPE_SNAP_ZOMBIES,   /* u64 now: zombies found by the first snapshot */
	PA_TAPE_FOLLOW,         /* u32 pid: --pid selected this process */
	PA_TAPE_INSPECT,        /* i32 rc, then a task info: /proc/PID said this */
	PA_TAPE_PPID,           /* i32 rc, u32 ppid */
	PA_TAPE_DOSSIER,        /* a stuck thread's stack, syscall, wchan, file */
	PA_TAPE_CWD,            /* i32 rc, then the path's bytes: /proc/PID/cwd at a fork or exec */
	PA_TAPE_NR_TYPES,
};

#define PA_TAPE_F_TRANSITIONS 1u  /* recorded with --transitions */
#define PA_TAPE_F_PID_FILTER 2u   /* recorded with --pid: alerts only for followed processes */
#define PA_TAPE_F_SIGNALS_ONLY 4u /* recorded with --signals: only signal events were printed */

struct pa_tape_header {
	uint32_t abi;               /* PA_ABI_VERSION of the raw records */
	uint32_t flags;             /* PA_TAPE_F_* */
	int64_t boot_to_wall_ns;    /* the recording agent's clock */
	uint64_t tracing_since_ns;
	uint64_t zombie_after_ns;
	uint64_t stuck_after_ns;
	char boot_id[40];
	char hostname[256];
	struct pa_host_info host;   /* host.* and agent.* of the recording agent */
};

struct pa_tape;

/* Create path (0640) and write the header.  NULL with a one-line message. */
struct pa_tape *pa_tape_create(const char *path, const struct pa_tape_header *h, char *err,
			       size_t errlen);
/* Open a record file and check its header.  NULL with a one-line message
 * (not a record file, another format or ABI, damaged). */
struct pa_tape *pa_tape_open(const char *path, struct pa_tape_header *h, char *err, size_t errlen);
/* Append one record.  A write error is kept (pa_tape_error) and reported
 * once by the caller; later writes are dropped. */
void pa_tape_write(struct pa_tape *t, enum pa_tape_type type, const void *data, size_t len);
/* Two-part record (a fixed head and a variable body) without a copy. */
void pa_tape_write2(struct pa_tape *t, enum pa_tape_type type, const void *a, size_t alen,
		    const void *b, size_t blen);
/* The next record: 1 with *type, *data and *len; 0 at a clean end of file;
 * -1 on damage (pa_tape_error says what).  *data is valid until the next
 * read of the same class: a RAW record stays put while the answers its
 * handling asks for are read, any other record until the next. */
int pa_tape_read(struct pa_tape *t, enum pa_tape_type *type, const void **data, size_t *len);
/* The first error, or NULL. */
const char *pa_tape_error(const struct pa_tape *t);
/* Bytes of coded records (uncompressed) written or read so far. */
uint64_t pa_tape_offset(const struct pa_tape *t);
/* How a writer compressed its blocks so far (tape.c, flush_block). */
struct pa_tape_stats {
	uint64_t literal_blocks; /* Huffman-coded literals alone */
	uint64_t lz77_blocks;    /* ISA-L's LZ77 */
};
struct pa_tape_stats pa_tape_stats(const struct pa_tape *t);
/* Flush and close; -1 if anything failed to reach the file. */
int pa_tape_close(struct pa_tape *t);

#endif
