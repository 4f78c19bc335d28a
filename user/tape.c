// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>

#include "gzip_literals.h"
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
 * each block is compressed whole into one gzip member: the file is a
 * plain multi-member gzip stream that zcat and zlib read.  A block is
 * written either as literals alone (gzip_literals.h) or by ISA-L's LZ77
 * (on coded records its level 1 is about twice libdeflate's level 1, the
 * same size, and level 0 faster still: tools/bench/tapebench), whichever
 * suits the records (flush_block); libdeflate reads a member at a time
 * (twice zlib's speed). */
#define IO_SIZE (128u << 10)
/* The most bytes a member may take: ISA-L's worst case is the block plus
 * a stored block's headers.  The reader refuses a larger one. */
#define ZBLOCK_MAX (IO_SIZE + (IO_SIZE >> 3))
/* Huffman codes are fitted to the last HUFF_SAMPLE bytes of every
 * HUFF_EVERY-th block (see choose_compression). */
#define HUFF_SAMPLE (16u << 10)
#define HUFF_EVERY 8
#define LITERALS_ROOM PA_GZIP_LITERALS_ROOM(IO_SIZE)

struct pa_tape {
	/* What every record written or read touches, on the first lines. */
	bool writing;
	uint64_t offset;
	uint8_t *io;     /* IO_SIZE bytes: coded records to compress, or decompressed */
	size_t io_len;   /* bytes in io */
	size_t io_pos;   /* reading: the next byte to decode */
	char error[200];
	struct pa_codec codec;
	int fd;
	uint8_t *zbuf;   /* ZBLOCK_MAX bytes: compressed members */
	/* writing: ISA-L's stream state, 80 KB, so only a writer has one */
	struct isal_zstream *zs;
	struct isal_huff_histogram *hist; /* writing: 19 KB */
	struct isal_hufftables *codes;    /* writing: fitted to the records, for LZ77 */
	bool have_codes;
	struct isal_hufftables *literal_codes; /* writing: fitted to the bytes */
	bool have_literal_codes;
	uint8_t *literals;                /* writing: LITERALS_ROOM bytes, a member of literals */
	bool by_literals;                 /* what the last trial chose (flush_block) */
	unsigned blocks;                  /* written */
	unsigned next_trial;              /* the block that is tried both ways next */
	struct pa_tape_stats stats;
	/* reading: zbuf[zpos, zlen) is what the file had next */
	struct libdeflate_decompressor *inflate;
	size_t zpos, zlen;
	bool file_end;   /* read(2) said the file has no more */
	bool eof;        /* no more members */
	bool damaged;    /* a member would not decompress (or was too large) */
	/* The last records read, decoded, malloc-aligned for the ABI structs:
	 * a ring buffer record in raw, which never moves (the collector reads
	 * answers while it holds one), any other in buf. */
	uint8_t *raw;
	uint8_t *buf;
	size_t cap;
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
	/* Reading, a member (up to IO_SIZE) lands after what is left of the last. */
	t->io = malloc(writing ? IO_SIZE : 2 * IO_SIZE);
	t->zbuf = malloc(ZBLOCK_MAX);
	if (writing) {
		t->zs = calloc(1, sizeof(*t->zs));
		t->hist = malloc(sizeof(*t->hist));
		t->codes = malloc(sizeof(*t->codes));
		t->literal_codes = malloc(sizeof(*t->literal_codes));
		t->literals = malloc(LITERALS_ROOM);
	} else {
		t->inflate = libdeflate_alloc_decompressor();
		t->raw = malloc(PA_TAPE_MAX_RAW);
		t->cap = PA_CODEC_SPAN;
		t->buf = malloc(t->cap);
	}
	if (!t->io || !t->zbuf ||
	    (writing ? !t->zs || !t->hist || !t->codes || !t->literal_codes || !t->literals
		     : !t->inflate || !t->raw || !t->buf)) {
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

static bool take(struct pa_tape *t, uint8_t *dst, size_t len);

/* The file begins as gzip does (ID1 ID2 CM=deflate). */
static bool looks_gzipped(const struct pa_tape *t)
{
	static const uint8_t gzip_magic[] = { 0x1f, 0x8b, 8 };

	return t->zlen >= sizeof(gzip_magic) && !memcmp(t->zbuf, gzip_magic, sizeof(gzip_magic));
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
	bool have_header;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open record file %s: %s", path, strerror(errno));
		return NULL;
	}
	t = tape_new(false);
	if (!t) {
		snprintf(err, errlen, "cannot read %s: out of memory", path);
		close(fd);
		return NULL;
	}
	t->fd = fd;
	have_header = take(t, (uint8_t *)&sh, sizeof(sh));
	if (!have_header && looks_gzipped(t)) {
		/* One member holds the header and the first records. */
		snprintf(err, errlen, "cannot replay %s: its first block is cut short or damaged",
			 path);
		pa_tape_close(t);
		return NULL;
	}
	if (!have_header || memcmp(sh.magic, PA_TAPE_MAGIC, sizeof(sh.magic))) {
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

/* DEFLATE's default Huffman codes suit text; coded records are not text,
 * and with them ISA-L's level 0 gains nothing (it stores the block).
 * Codes fitted to a sample of the records give level 1's size at level
 * 0's speed (tapebench); literals alone need codes fitted to the bytes.
 * A member carries its codes, so a reader needs nothing more.  The sample
 * is a block's end: the first block begins with the /proc snapshot, not
 * like the events that follow. */
static void fit_codes(struct pa_tape *t, const uint8_t *sample, size_t n)
{
	memset(t->hist, 0, sizeof(*t->hist));
	isal_update_histogram((uint8_t *)sample, (uint32_t)n, t->hist);
	/* every symbol gets a code, so the codes fit any later block */
	t->have_codes = isal_create_hufftables(t->codes, t->hist) == 0;
	t->have_literal_codes = pa_gzip_literals_fit(t->literal_codes, t->hist, sample, n);
}

/* in[0..n) as a member by ISA-L's LZ77 into zbuf; its length, 0 on failure. */
static size_t deflate_lz77(struct pa_tape *t, const uint8_t *in, size_t n)
{
	struct isal_zstream *zs = t->zs;

	isal_deflate_stateless_init(zs);
	/* Level 0: the recording agent's CPU matters more than the file's
	 * size.  Against level 1 on a fork storm's coded records: faster,
	 * and no 270 KB work buffer to pass through the cache at every
	 * block; with fitted codes, as small (tapebench, BENCHMARKS.md). */
	zs->level = 0;
	if (t->have_codes)
		isal_deflate_set_hufftables(zs, t->codes, IGZIP_HUFFTABLE_CUSTOM);
	zs->gzip_flag = IGZIP_GZIP;
	zs->end_of_stream = 1;
	zs->next_in = (uint8_t *)in;
	zs->avail_in = (uint32_t)n;
	zs->next_out = t->zbuf;
	zs->avail_out = ZBLOCK_MAX;
	return isal_deflate_stateless(zs) == COMP_OK ? zs->total_out : 0;
}

/* in[0..n) as a member of literals into t->literals; its length, or 0
 * when the codes no longer fit the bytes (it would be larger than they). */
static size_t deflate_literals(struct pa_tape *t, const uint8_t *in, size_t n)
{
	size_t len;

	if (!t->have_literal_codes)
		return 0;
	len = pa_gzip_literals(t->literal_codes, in, n, t->literals);
	return len <= n ? len : 0;
}

/* Coded records hold few repeats: literals alone are three to four times
 * faster than LZ77 for 2.5-2.9% more bytes (a fork storm), while exec text and
 * repeated command lines halve under LZ77.  So every HUFF_EVERY-th block
 * is a trial: the codes are refitted to its last HUFF_SAMPLE bytes, which
 * are compressed both ways (the whole block cost 3 ns a record more), and
 * LZ77 is chosen for the next blocks only if it saved more than an eighth. */
static void choose_compression(struct pa_tape *t)
{
	size_t n = t->io_len < HUFF_SAMPLE ? t->io_len : HUFF_SAMPLE, lz77, literals;
	const uint8_t *sample = t->io + t->io_len - n;

	fit_codes(t, sample, n);
	t->next_trial = t->blocks - 1 + HUFF_EVERY;
	lz77 = deflate_lz77(t, sample, n);
	literals = deflate_literals(t, sample, n);
	t->by_literals = literals && (!lz77 || lz77 + lz77 / 8 >= literals);
}

/* Compress io into one gzip member and write it. */
static void flush_block(struct pa_tape *t)
{
	const uint8_t *member = t->literals;
	size_t n = 0;

	if (!t->io_len || t->error[0])
		return;
	if (t->blocks++ == t->next_trial)
		choose_compression(t);
	if (t->by_literals) {
		n = deflate_literals(t, t->io, t->io_len);
		if (!n) /* the bytes changed: refit at the next block */
			t->next_trial = t->blocks;
	}
	if (n) {
		t->stats.literal_blocks++;
	} else {
		n = deflate_lz77(t, t->io, t->io_len);
		member = t->zbuf;
		t->stats.lz77_blocks++;
	}
	if (!n) {
		set_error(t, "compression failed");
		return;
	}
	if (!write_all(t->fd, member, n)) {
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
	size_t len = alen + blen, want = len < PA_CODEC_SPAN ? len : PA_CODEC_SPAN, n, span;
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
	span = pa_codec_span(kind, len);
	if (IO_SIZE - t->io_len < PA_CODEC_HEAD_MAX)
		flush_block(t);
	if (t->error[0])
		return;
	n = pa_codec_put(&t->codec, t->io + t->io_len, kind, (uint32_t)len, first);
	t->io_len += n;
	if (span < len)
		put_tail(t, a, alen, b, blen, span);
	t->offset += n + len - span;
}

void pa_tape_write(struct pa_tape *t, enum pa_tape_type type, const void *data, size_t len)
{
	pa_tape_write2(t, type, data, len, NULL, 0);
}

/* zbuf as full as the file allows: a whole member, unless it is too
 * large or cut short. */
static void fill_zbuf(struct pa_tape *t)
{
	if (t->zpos)
		memmove(t->zbuf, t->zbuf + t->zpos, t->zlen - t->zpos);
	t->zlen -= t->zpos;
	t->zpos = 0;
	while (!t->file_end && t->zlen < ZBLOCK_MAX) {
		ssize_t n = read(t->fd, t->zbuf + t->zlen, ZBLOCK_MAX - t->zlen);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			t->file_end = true; /* a read error reads as a cut file */
			break;
		}
		t->zlen += (size_t)n;
	}
}

/* Append the next member's bytes to io; false at the file's end or on
 * damage (a member cut short, a bad CRC, more than IO_SIZE in one). */
static bool fill_io(struct pa_tape *t)
{
	size_t used = 0, got = 0;

	if (t->eof)
		return false;
	if (t->io_pos < t->io_len)
		memmove(t->io, t->io + t->io_pos, t->io_len - t->io_pos);
	t->io_len -= t->io_pos;
	t->io_pos = 0;
	fill_zbuf(t);
	if (t->zpos == t->zlen) {
		t->eof = true;
		return false;
	}
	if (t->io_len > IO_SIZE ||
	    libdeflate_gzip_decompress_ex(t->inflate, t->zbuf + t->zpos, t->zlen - t->zpos,
					  t->io + t->io_len, 2 * IO_SIZE - t->io_len, &used,
					  &got) != LIBDEFLATE_SUCCESS) {
		t->eof = t->damaged = true;
		return false;
	}
	t->zpos += used;
	t->io_len += got;
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

/* A member that would not decompress, and did not simply run into the
 * file's end (a cut file): damage. */
static bool damaged_stream(const struct pa_tape *t)
{
	return t->damaged && !(t->file_end && t->zlen < ZBLOCK_MAX);
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

/* The end mark: nothing may follow it (its member's CRC was checked
 * when it was decompressed). */
static int at_end_mark(struct pa_tape *t)
{
	t->offset++;
	if (fill_to(t, 1) || t->damaged) {
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

struct pa_tape_stats pa_tape_stats(const struct pa_tape *t)
{
	return t->stats;
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
	else if (t->fd >= 0)
		close(t->fd);
	libdeflate_free_decompressor(t->inflate);
	free(t->zs);
	free(t->hist);
	free(t->codes);
	free(t->literal_codes);
	free(t->literals);
	free(t->zbuf);
	free(t->io);
	free(t->raw);
	free(t->buf);
	free(t);
	return err;
}
