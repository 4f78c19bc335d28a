// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#include "pa_events.h"
#include "tape.h"
#include "tape_codec.h"

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

/* Records are coded (tape_codec.h) into blocks of this many bytes, and
 * each block is compressed whole by libdeflate into one gzip member: the
 * file is a plain multi-member gzip stream that zlib reads, and libdeflate
 * deflates about twice as fast as zlib's streaming deflate at level 1.
 * Reading, zlib is called per IO_SIZE bytes, not per record. */
#define IO_SIZE (128u << 10)

struct pa_tape {
	bool writing;
	uint64_t offset;
	struct pa_codec codec;
	uint8_t *io;     /* IO_SIZE bytes: coded records to compress, or decompressed */
	size_t io_len;   /* bytes in io */
	size_t io_pos;   /* reading: the next byte to decode */
	/* writing */
	int fd;
	struct libdeflate_compressor *deflate;
	uint8_t *zbuf;   /* one compressed block */
	size_t zcap;
	/* reading */
	gzFile gz;
	bool eof;        /* zlib has no more */
	/* The last records read, decoded, malloc-aligned for the ABI structs:
	 * a ring buffer record in raw, which never moves (the collector reads
	 * answers while it holds one), any other in buf. */
	uint8_t *raw;
	uint8_t *buf;
	size_t cap;
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

static struct pa_tape *tape_new(bool writing)
{
	struct pa_tape *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->writing = writing;
	t->fd = -1;
	t->io = malloc(IO_SIZE);
	if (writing) {
		/* Level 1: the recording agent's CPU matters more than the file's size. */
		t->deflate = libdeflate_alloc_compressor(1);
		t->zcap = t->deflate ? libdeflate_gzip_compress_bound(t->deflate, IO_SIZE) : 0;
		t->zbuf = t->zcap ? malloc(t->zcap) : NULL;
	} else {
		t->raw = malloc(PA_TAPE_MAX_RAW);
		t->cap = PA_CODEC_SPAN;
		t->buf = malloc(t->cap);
	}
	if (!t->io || (writing ? !t->zbuf : !t->raw || !t->buf)) {
		pa_tape_close(t);
		return NULL;
	}
	return t;
}

static void put_bytes(struct pa_tape *t, const void *data, size_t len);

struct pa_tape *pa_tape_create(const char *path, const struct pa_tape_header *h, char *err,
			       size_t errlen)
{
	struct stored_header sh;
	struct pa_tape *t;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

	if (fd < 0) {
		snprintf(err, errlen, "cannot create record file %s: %s", path, strerror(errno));
		return NULL;
	}
	t = tape_new(true);
	if (!t) {
		snprintf(err, errlen, "cannot set up compression for %s: out of memory", path);
		close(fd);
		return NULL;
	}
	t->fd = fd;
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
	put_bytes(t, &sh, sizeof(sh)); /* a write error shows at the first full block or close */
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
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open record file %s: %s", path, strerror(errno));
		return NULL;
	}
	t = tape_new(false);
	if (t)
		t->gz = gzdopen(fd, "rb");
	if (!t || !t->gz) {
		snprintf(err, errlen, "cannot read %s: out of memory", path);
		pa_tape_close(t);
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

static bool write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Compress io into one gzip member and write it. */
static void flush_block(struct pa_tape *t)
{
	size_t n;

	if (!t->io_len || t->error[0])
		return;
	n = libdeflate_gzip_compress(t->deflate, t->io, t->io_len, t->zbuf, t->zcap);
	if (!n) {
		set_error(t, "compression failed");
		return;
	}
	if (!write_all(t->fd, t->zbuf, n)) {
		set_error(t, "%s", strerror(errno ? errno : EIO));
		return;
	}
	t->io_len = 0;
}

static void put_bytes(struct pa_tape *t, const void *data, size_t len)
{
	const char *p = data;

	while (len && !t->error[0]) {
		size_t n = IO_SIZE - t->io_len < len ? IO_SIZE - t->io_len : len;

		memcpy(t->io + t->io_len, p, n);
		t->io_len += n;
		p += n;
		len -= n;
		if (t->io_len == IO_SIZE)
			flush_block(t);
	}
}

static size_t max_len(bool raw)
{
	return raw ? PA_TAPE_MAX_RAW : PA_TAPE_MAX_RECORD;
}

/* Bytes [from, alen + blen) of the record a then b. */
static void put_tail(struct pa_tape *t, const char *a, size_t alen, const char *b, size_t blen,
		     size_t from)
{
	if (from < alen)
		put_bytes(t, a + from, alen - from);
	from = from > alen ? from - alen : 0;
	if (from < blen)
		put_bytes(t, b + from, blen - from);
}

/* The first n bytes of a then b, when a has fewer. */
static void gather(uint32_t *span, const char *a, size_t alen, const char *b, size_t n)
{
	if (alen)
		memcpy(span, a, alen);
	memcpy((char *)span + alen, b, n - alen);
}

void pa_tape_write2(struct pa_tape *t, enum pa_tape_type type, const void *a, size_t alen,
		    const void *b, size_t blen)
{
	size_t len = alen + blen, want = len < PA_CODEC_SPAN ? len : PA_CODEC_SPAN, n;
	uint32_t gathered[PA_CODEC_WORDS];
	const void *first = a;
	unsigned kind;

	if (t->error[0])
		return;
	if (len > max_len(type == PA_TAPE_RAW)) {
		set_error(t, "a record of %zu bytes is too long to store", len);
		return;
	}
	if (alen < want) { /* the span runs into b */
		gather(gathered, a, alen, b, want);
		first = gathered;
	}
	kind = pa_codec_kind(type, first, len);
	if (IO_SIZE - t->io_len < PA_CODEC_HEAD_MAX)
		flush_block(t);
	if (t->error[0])
		return;
	n = pa_codec_put(&t->codec, t->io + t->io_len, kind, (uint32_t)len, first);
	t->io_len += n;
	put_tail(t, a, alen, b, blen, pa_codec_span(kind, len));
	t->offset += n + len - pa_codec_span(kind, len);
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
	n = gzread(t->gz, t->io + t->io_len, (unsigned)(IO_SIZE - t->io_len));
	if (n <= 0) {
		t->eof = true;
		return false;
	}
	t->io_len += (size_t)n;
	return true;
}

/* At least want bytes in io, unless the file ends first. */
static size_t fill_to(struct pa_tape *t, size_t want)
{
	while (t->io_len - t->io_pos < want && fill_io(t))
		;
	return t->io_len - t->io_pos;
}

/* len bytes into dst, refilling as needed. */
static bool take(struct pa_tape *t, uint8_t *dst, size_t len)
{
	for (;;) {
		size_t n = t->io_len - t->io_pos < len ? t->io_len - t->io_pos : len;

		memcpy(dst, t->io + t->io_pos, n);
		t->io_pos += n;
		dst += n;
		len -= n;
		if (!len)
			return true;
		if (!fill_io(t))
			return false;
	}
}

/* zlib found bad data (a cut file is Z_BUF_ERROR: "unexpected end of file"). */
static bool damaged_stream(struct pa_tape *t)
{
	int zerr = Z_OK;

	gzerror(t->gz, &zerr);
	return zerr != Z_OK && zerr != Z_BUF_ERROR;
}

/* The file ends before its end mark. */
static int truncated(struct pa_tape *t)
{
	if (damaged_stream(t))
		set_error(t, "the file is damaged after byte %llu", (unsigned long long)t->offset);
	else
		set_error(t, "the file ends inside a record at byte %llu (truncated or damaged)",
			  (unsigned long long)t->offset);
	return -1;
}

/* The end mark: nothing may follow, and zlib must have checked the last
 * member's CRC, which it does only when asked to read past it. */
static int at_end_mark(struct pa_tape *t)
{
	int zerr = Z_OK;

	t->offset++;
	if (!fill_to(t, 1))
		gzerror(t->gz, &zerr);
	if (t->io_len > t->io_pos || zerr != Z_OK || !gzeof(t->gz)) {
		set_error(t, "the file is damaged after byte %llu", (unsigned long long)t->offset);
		return -1;
	}
	return 0;
}

static bool valid_kind(unsigned kind)
{
	return kind < PA_CODEC_KINDS && kind != PA_CODEC_KIND_END && kind != PA_TAPE_RAW &&
	       (kind >= PA_CODEC_KIND_RAW || kind < PA_TAPE_NR_TYPES);
}

/* Where a record of this kind and length is decoded; NULL if out of memory. */
static uint8_t *room_for(struct pa_tape *t, unsigned kind, size_t len)
{
	uint8_t *buf;

	if (kind >= PA_CODEC_KIND_RAW)
		return t->raw;
	len = len > PA_CODEC_SPAN ? len : PA_CODEC_SPAN; /* whole words of the span */
	if (len <= t->cap)
		return t->buf;
	buf = realloc(t->buf, len);
	if (!buf)
		return NULL;
	t->buf = buf;
	t->cap = len;
	return buf;
}

int pa_tape_read(struct pa_tape *t, enum pa_tape_type *type, const void **data, size_t *len)
{
	size_t have, head, coded, span;
	uint8_t *rec;
	bool same_bits;
	unsigned kind;
	uint32_t rlen;

	if (t->error[0])
		return -1;
	have = fill_to(t, PA_CODEC_HEAD_MAX);
	if (have && t->io[t->io_pos] == PA_CODEC_KIND_END) {
		t->io_pos++;
		return at_end_mark(t);
	}
	head = pa_codec_get_head(&t->codec, t->io + t->io_pos, have, &kind, &rlen);
	if (!head)
		return truncated(t);
	if (!valid_kind(kind) || rlen > max_len(kind >= PA_CODEC_KIND_RAW)) {
		set_error(t, "a damaged record at byte %llu (type %u, %u bytes)",
			  (unsigned long long)t->offset, kind, rlen);
		return -1;
	}
	rec = room_for(t, kind, rlen);
	if (!rec) {
		set_error(t, "out of memory for a record of %u bytes", rlen);
		return -1;
	}
	same_bits = t->io[t->io_pos] & PA_CODEC_SAME_BITS;
	if (!pa_codec_get_span(&t->codec, t->io + t->io_pos + head, have - head, kind, same_bits,
			       rlen, (uint32_t *)rec, &coded))
		return truncated(t);
	t->io_pos += head + coded;
	span = pa_codec_span(kind, rlen);
	if (!take(t, rec + span, rlen - span))
		return truncated(t);
	t->offset += head + coded + rlen - span;
	*type = kind >= PA_CODEC_KIND_RAW ? PA_TAPE_RAW : (enum pa_tape_type)kind;
	*data = rec;
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

static int close_writer(struct pa_tape *t)
{
	if (!t->error[0]) {
		uint8_t end = PA_CODEC_KIND_END;

		put_bytes(t, &end, 1);
		flush_block(t);
	}
	if (close(t->fd) && !t->error[0])
		set_error(t, "%s", strerror(errno));
	return t->error[0] ? -1 : 0;
}

int pa_tape_close(struct pa_tape *t)
{
	int err = 0;

	if (!t)
		return 0;
	if (t->writing && t->fd >= 0)
		err = close_writer(t);
	if (t->gz)
		gzclose(t->gz);
	libdeflate_free_compressor(t->deflate);
	free(t->zbuf);
	free(t->io);
	free(t->raw);
	free(t->buf);
	free(t);
	return err;
}
