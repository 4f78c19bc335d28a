/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A gzip member whose one DEFLATE block codes every byte as a literal,
 * with Huffman codes that ISA-L builds (its codes, block header and CRC;
 * only the packing of codes into bits is ours).
 *
 * Why: a fork storm's coded records (tape_codec.h) are nearly free of
 * repeats, so LZ77 finds little in them (ISA-L's level 0 with fitted
 * codes: 2.5-2.9% smaller than literals alone) while its search makes it
 * three to four times slower (tapebench: 226-232 MB/s against 775-980).
 * None of our libraries has a fast literals-only mode: zlib's
 * Z_HUFFMAN_ONLY ran at 49 MB/s, and ISA-L has one only in Intel's QPL
 * fork.  The record file writer (tape.c) chooses between this and ISA-L's
 * LZ77 block by block.
 */
#ifndef PA_GZIP_LITERALS_H
#define PA_GZIP_LITERALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <isa-l/igzip_lib.h>

#define PA_GZIP_HEADER_BYTES 10
#define PA_GZIP_TRAILER_BYTES 8
/* The longest code pa_gzip_literals_fit accepts (DEFLATE allows 15;
 * ISA-L makes none longer than 13): four codes and 7 pending bits then
 * fit in a u64, and the packer stores once per four bytes. */
#define PA_LITERAL_MAX_CODE_BITS 14
/* The room pa_gzip_literals needs for n bytes: their longest codes, the
 * block header, the end-of-block code, and 8 bytes of slack (the packer
 * stores 8 bytes at a time). */
#define PA_GZIP_LITERALS_ROOM(n)                                                                   \
	(PA_GZIP_HEADER_BYTES + ISAL_DEF_MAX_HDR_SIZE +                                            \
	 ((n) + 1) * PA_LITERAL_MAX_CODE_BITS / 8 + 1 + PA_GZIP_TRAILER_BYTES + 8)

/* Codes fitted to the bytes sample[0..n), into codes (hist is ISA-L's
 * work space).  Every byte value gets a code, one absent from the sample
 * a long one, so the codes can code any bytes.  False if ISA-L refused
 * or made a code longer than PA_LITERAL_MAX_CODE_BITS. */
bool pa_gzip_literals_fit(struct isal_hufftables *codes, struct isal_huff_histogram *hist,
			  const uint8_t *sample, size_t n);

/* in[0..n) as one gzip member into out, which has PA_GZIP_LITERALS_ROOM(n)
 * bytes; returns the member's length.  codes: from pa_gzip_literals_fit;
 * n < 4 GiB (gzip's ISIZE). */
size_t pa_gzip_literals(const struct isal_hufftables *codes, const uint8_t *in, size_t n,
			uint8_t *out);

#endif
