// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include <isa-l/crc.h>

#include "gzip_literals.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "bits are stored a u64 at a time");

#define END_OF_BLOCK 256
#define CODES_PER_STORE 4
_Static_assert(CODES_PER_STORE * PA_LITERAL_MAX_CODE_BITS + 7 <= 64, "codes fit the u64");

bool pa_gzip_literals_fit(struct isal_hufftables *codes, struct isal_huff_histogram *hist,
			  const uint8_t *sample, size_t n)
{
	/* Four tables: a run of one byte (zeros are common) would otherwise
	 * make each count wait for the one before. */
	uint32_t count[4][256] = { { 0 } };
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		count[0][sample[i]]++;
		count[1][sample[i + 1]]++;
		count[2][sample[i + 2]]++;
		count[3][sample[i + 3]]++;
	}
	for (; i < n; i++)
		count[0][sample[i]]++;
	memset(hist, 0, sizeof(*hist));
	for (int b = 0; b < 256; b++)
		hist->lit_len_histogram[b] = count[0][b] + count[1][b] + count[2][b] + count[3][b];
	hist->lit_len_histogram[END_OF_BLOCK] = 1;
	if (isal_create_hufftables(codes, hist))
		return false;
	for (int sym = 0; sym <= END_OF_BLOCK; sym++)
		if (codes->lit_table_sizes[sym] > PA_LITERAL_MAX_CODE_BITS)
			return false;
	return true;
}

/* Stores all 8 bytes of pending at p and keeps the bits past its whole
 * bytes (fewer than 8) for the next store; returns where that goes. */
static inline uint8_t *store_whole_bytes(uint8_t *p, uint64_t *pending, unsigned *npending)
{
	memcpy(p, pending, sizeof(*pending));
	p += *npending / 8;
	*pending >>= *npending & ~7u;
	*npending %= 8;
	return p;
}

size_t pa_gzip_literals(const struct isal_hufftables *codes, const uint8_t *in, size_t n,
			uint8_t *out)
{
	/* ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=unix, as ISA-L writes */
	static const uint8_t gzip_header[PA_GZIP_HEADER_BYTES] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	const uint16_t *code = codes->lit_table;         /* bit-reversed: DEFLATE packs from bit 0 */
	const uint8_t *bits = codes->lit_table_sizes;
	uint8_t *p = out;
	uint32_t crc = crc32_gzip_refl(0, in, n), isize = (uint32_t)n;
	uint64_t pending;  /* bits not yet stored, from bit 0 */
	unsigned npending; /* always < 8 between bytes */
	size_t i = 0;

	memcpy(p, gzip_header, sizeof(gzip_header));
	p += sizeof(gzip_header);
	/* The header ISA-L built marks the block final, as ours is. */
	memcpy(p, codes->deflate_hdr, codes->deflate_hdr_count);
	p += codes->deflate_hdr_count;
	npending = codes->deflate_hdr_extra_bits;
	pending = codes->deflate_hdr[codes->deflate_hdr_count] & ((1u << npending) - 1);
	/* A store per CODES_PER_STORE bytes. */
	for (; i + CODES_PER_STORE <= n; i += CODES_PER_STORE) {
		for (int k = 0; k < CODES_PER_STORE; k++) {
			pending |= (uint64_t)code[in[i + k]] << npending;
			npending += bits[in[i + k]];
		}
		p = store_whole_bytes(p, &pending, &npending);
	}
	for (; i <= n; i++) { /* the last bytes, then the end of the block */
		unsigned sym = i < n ? in[i] : END_OF_BLOCK;

		pending |= (uint64_t)code[sym] << npending;
		npending += bits[sym];
		p = store_whole_bytes(p, &pending, &npending);
	}
	if (npending) /* stored by the last 8-byte store; the block ends in it */
		p++;
	memcpy(p, &crc, sizeof(crc));
	memcpy(p + sizeof(crc), &isize, sizeof(isize));
	return (size_t)(p - out) + PA_GZIP_TRAILER_BYTES;
}
