// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "pa_events.h"
#include "tape.h"

/* The header as stored: fixed-width, little-endian, padded to its size. */
struct stored_header {
	char magic[8];
	uint32_t format;
	uint32_t abi;
	uint32_t header_size;
	uint32_t flags;
	int64_t boot_to_wall_ns;
	uint64_t tracing_since_ns;
	uint64_t zombie_after_ns;
	uint64_t stuck_after_ns;
	char boot_id[40];
	char hostname[256];
	struct pa_host_info host;   /* char arrays only: no byte order */
};

struct record_head {
	uint16_t type;
	uint16_t reserved;
	uint32_t len;
};

/* zlib is called per 64 KiB, not per record: a record is ~100 bytes and
 * each gzwrite/gzread call costs about as much as compressing one. */
#define IO_CHUNK (64u << 10)
/* Payloads are padded to 8 bytes, so that a record read in place is
 * aligned for the ABI structs the collector reads through it. */
#define PA_TAPE_ALIGN 8
#define PAD(n) ((PA_TAPE_ALIGN - (n) % PA_TAPE_ALIGN) % PA_TAPE_ALIGN)

struct pa_tape {
	gzFile gz;
	bool writing;
	uint64_t offset;
	char *buf;       /* the last record read, when it spans chunks */
	size_t cap;
	char *io;        /* IO_CHUNK bytes: records to compress, or decompressed */
	size_t io_len;   /* bytes in io */
	size_t io_pos;   /* reading: the next byte to hand out */
	bool eof;        /* reading: zlib has no more */
	char error[200];
};

static void set_error(struct pa_tape *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct pa_tape *t, const char *fmt, ...)
{
	va_list ap;

	if (t->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(t->error, sizeof(t->error), fmt, ap);
	va_end(ap);
}

static struct pa_tape *tape_new(gzFile gz, bool writing)
{
	struct pa_tape *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->io = malloc(IO_CHUNK);
	if (!t->io) {
		free(t);
		return NULL;
	}
	t->gz = gz;
	t->writing = writing;
	return t;
}

struct pa_tape *pa_tape_create(const char *path, const struct pa_tape_header *h, char *err,
			       size_t errlen)
{
	struct stored_header sh;
	struct pa_tape *t;
	gzFile gz;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

	if (fd < 0) {
		snprintf(err, errlen, "cannot create record file %s: %s", path, strerror(errno));
		return NULL;
	}
	/* Level 1: the recording agent's CPU matters more than the file's size. */
	gz = gzdopen(fd, "wb1");
	t = gz ? tape_new(gz, true) : NULL;
	if (!t) {
		snprintf(err, errlen, "cannot set up compression for %s: out of memory", path);
		if (gz)
			gzclose(gz);
		else
			close(fd);
		return NULL;
	}
	memset(&sh, 0, sizeof(sh));
	memcpy(sh.magic, PA_TAPE_MAGIC, sizeof(sh.magic));
	sh.format = htole32(PA_TAPE_FORMAT);
	sh.abi = htole32(h->abi);
	sh.header_size = htole32(sizeof(sh));
	sh.flags = htole32(h->flags);
	sh.boot_to_wall_ns = (int64_t)htole64((uint64_t)h->boot_to_wall_ns);
	sh.tracing_since_ns = htole64(h->tracing_since_ns);
	sh.zombie_after_ns = htole64(h->zombie_after_ns);
	sh.stuck_after_ns = htole64(h->stuck_after_ns);
	snprintf(sh.boot_id, sizeof(sh.boot_id), "%s", h->boot_id);
	snprintf(sh.hostname, sizeof(sh.hostname), "%s", h->hostname);
	sh.host = h->host;
	if (gzwrite(gz, &sh, sizeof(sh)) != (int)sizeof(sh)) {
		snprintf(err, errlen, "cannot write record file %s", path);
		pa_tape_close(t);
		return NULL;
	}
	return t;
}

static bool read_exact(struct pa_tape *t, void *buf, size_t len)
{
	int n = gzread(t->gz, buf, (unsigned)len);

	return n >= 0 && (size_t)n == len;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static bool host_terminated(const struct pa_host_info *h)
{
	return terminated(h->id, sizeof(h->id)) && terminated(h->boot_id, sizeof(h->boot_id)) &&
	       terminated(h->kernel, sizeof(h->kernel)) && terminated(h->arch, sizeof(h->arch)) &&
	       terminated(h->agent_id, sizeof(h->agent_id)) &&
	       terminated(h->ephemeral_id, sizeof(h->ephemeral_id));
}

struct pa_tape *pa_tape_open(const char *path, struct pa_tape_header *h, char *err, size_t errlen)
{
	struct stored_header sh;
	struct pa_tape *t;
	gzFile gz;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open record file %s: %s", path, strerror(errno));
		return NULL;
	}
	gz = gzdopen(fd, "rb");
	t = gz ? tape_new(gz, false) : NULL;
	if (!t) {
		snprintf(err, errlen, "cannot read %s: out of memory", path);
		if (gz)
			gzclose(gz);
		else
			close(fd);
		return NULL;
	}
	if (!read_exact(t, &sh, sizeof(sh)) || memcmp(sh.magic, PA_TAPE_MAGIC, sizeof(sh.magic))) {
		snprintf(err, errlen, "%s is not a ptrace-agent record file (or it is damaged)", path);
		pa_tape_close(t);
		return NULL;
	}
	if (le32toh(sh.format) != PA_TAPE_FORMAT || le32toh(sh.abi) != PA_ABI_VERSION) {
		snprintf(err, errlen,
			 "%s was recorded in format %u with event ABI %u; this ptrace-agent reads format %d, ABI %d: replay it with the version that recorded it",
			 path, le32toh(sh.format), le32toh(sh.abi), PA_TAPE_FORMAT, PA_ABI_VERSION);
		pa_tape_close(t);
		return NULL;
	}
	if (le32toh(sh.header_size) != sizeof(sh) || !terminated(sh.boot_id, sizeof(sh.boot_id)) ||
	    !terminated(sh.hostname, sizeof(sh.hostname)) || !host_terminated(&sh.host)) {
		snprintf(err, errlen, "%s has a damaged header", path);
		pa_tape_close(t);
		return NULL;
	}
	h->abi = le32toh(sh.abi);
	h->flags = le32toh(sh.flags);
	h->boot_to_wall_ns = (int64_t)le64toh((uint64_t)sh.boot_to_wall_ns);
	h->tracing_since_ns = le64toh(sh.tracing_since_ns);
	h->zombie_after_ns = le64toh(sh.zombie_after_ns);
	h->stuck_after_ns = le64toh(sh.stuck_after_ns);
	memcpy(h->boot_id, sh.boot_id, sizeof(h->boot_id));
	memcpy(h->hostname, sh.hostname, sizeof(h->hostname));
	h->host = sh.host;
	return t;
}

static void flush_io(struct pa_tape *t)
{
	int zerr;
	const char *msg;

	if (!t->io_len || t->error[0])
		return;
	if (gzwrite(t->gz, t->io, (unsigned)t->io_len) == (int)t->io_len) {
		t->io_len = 0;
		return;
	}
	msg = gzerror(t->gz, &zerr);
	set_error(t, "%s", zerr == Z_ERRNO ? strerror(errno) : msg);
}

static void put_bytes(struct pa_tape *t, const void *data, size_t len)
{
	const char *p = data;

	while (len && !t->error[0]) {
		size_t n = IO_CHUNK - t->io_len < len ? IO_CHUNK - t->io_len : len;

		memcpy(t->io + t->io_len, p, n);
		t->io_len += n;
		p += n;
		len -= n;
		if (t->io_len == IO_CHUNK)
			flush_io(t);
	}
}

void pa_tape_write2(struct pa_tape *t, enum pa_tape_type type, const void *a, size_t alen,
		    const void *b, size_t blen)
{
	struct record_head rh = { .type = htole16(type), .len = htole32((uint32_t)(alen + blen)) };

	if (t->error[0])
		return;
	if (alen + blen > PA_TAPE_MAX_RECORD) {
		set_error(t, "a record of %zu bytes is too long to store", alen + blen);
		return;
	}
	static const char zeros[PA_TAPE_ALIGN];
	size_t pad = PAD(alen + blen);

	put_bytes(t, &rh, sizeof(rh));
	put_bytes(t, a, alen);
	put_bytes(t, b, blen);
	put_bytes(t, zeros, pad);
	t->offset += sizeof(rh) + alen + blen + pad;
}

void pa_tape_write(struct pa_tape *t, enum pa_tape_type type, const void *data, size_t len)
{
	pa_tape_write2(t, type, data, len, NULL, 0);
}

/* Refill io with what zlib has next; false at its end or on damage. */
static bool fill_io(struct pa_tape *t)
{
	int n;

	if (t->eof)
		return false;
	if (t->io_pos < t->io_len)
		memmove(t->io, t->io + t->io_pos, t->io_len - t->io_pos);
	t->io_len -= t->io_pos;
	t->io_pos = 0;
	n = gzread(t->gz, t->io + t->io_len, (unsigned)(IO_CHUNK - t->io_len));
	if (n <= 0) {
		t->eof = true;
		return false;
	}
	t->io_len += (size_t)n;
	return true;
}

/* len bytes at *out: in io when they fit, else copied into buf. */
static bool take(struct pa_tape *t, size_t len, const void **out)
{
	size_t have;

	if (t->io_len - t->io_pos < len && len <= IO_CHUNK) {
		while (t->io_len - t->io_pos < len && fill_io(t))
			;
	}
	have = t->io_len - t->io_pos;
	if (have >= len) {
		*out = t->io + t->io_pos;
		t->io_pos += len;
		return true;
	}
	/* Longer than a chunk: gather it piece by piece. */
	if (len > t->cap) {
		char *buf = realloc(t->buf, len);

		if (!buf)
			return false;
		t->buf = buf;
		t->cap = len;
	}
	for (size_t got = 0;;) {
		size_t n = t->io_len - t->io_pos < len - got ? t->io_len - t->io_pos : len - got;

		memcpy(t->buf + got, t->io + t->io_pos, n);
		t->io_pos += n;
		got += n;
		if (got == len)
			break;
		if (!fill_io(t))
			return false;
	}
	*out = t->buf;
	return true;
}

int pa_tape_read(struct pa_tape *t, enum pa_tape_type *type, const void **data, size_t *len)
{
	struct record_head rh;
	const void *p;
	uint32_t rlen;

	if (t->error[0])
		return -1;
	if (t->io_pos == t->io_len && !fill_io(t)) {
		if (gzeof(t->gz))
			return 0;
		set_error(t, "the file is damaged after byte %llu", (unsigned long long)t->offset);
		return -1;
	}
	if (!take(t, sizeof(rh), &p)) {
		set_error(t, "the file ends inside a record at byte %llu (truncated or damaged)",
			  (unsigned long long)t->offset);
		return -1;
	}
	memcpy(&rh, p, sizeof(rh));
	rlen = le32toh(rh.len);
	*type = le16toh(rh.type);
	if (*type < PA_TAPE_RAW || *type >= PA_TAPE_NR_TYPES || rlen > PA_TAPE_MAX_RECORD) {
		set_error(t, "a damaged record at byte %llu (type %u, %u bytes)",
			  (unsigned long long)t->offset, (unsigned)*type, rlen);
		return -1;
	}
	/* The padding first: data may point into io, which a refill moves. */
	if (!take(t, rlen + PAD(rlen), data)) {
		set_error(t, "the file ends inside a record at byte %llu (truncated or damaged)",
			  (unsigned long long)t->offset);
		return -1;
	}
	t->offset += sizeof(rh) + rlen + PAD(rlen);
	*len = rlen;
	return 1;
}

const char *pa_tape_error(const struct pa_tape *t)
{
	return t->error[0] ? t->error : NULL;
}

uint64_t pa_tape_offset(const struct pa_tape *t)
{
	return t->offset;
}

int pa_tape_close(struct pa_tape *t)
{
	int err;

	if (!t)
		return 0;
	if (t->writing)
		flush_io(t);
	err = gzclose(t->gz) != Z_OK || (t->writing && t->error[0]);
	free(t->io);
	free(t->buf);
	free(t);
	return err ? -1 : 0;
}
