/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Streaming JSON writer: the one place where output JSON is built and
 * escaped.  Values append into a growable buffer owned by the writer; reset
 * it between events and the memory is reused, so a steady stream allocates
 * nothing.  Commas are inserted from the nesting state.
 *
 * Strings may hold any bytes (argv, file names): the output is always valid
 * JSON and valid UTF-8.  Well-formed UTF-8 passes through unchanged; every
 * byte that is not part of a well-formed sequence becomes \ufffd.
 *
 * Errors do not propagate through return values: the first failure
 * (allocation, nesting deeper than JW_MAX_DEPTH, or a call that would make
 * invalid JSON such as a value without a key inside an object) sets a
 * sticky flag, later calls append nothing, and jw_failed() says the output
 * must be dropped.  jw_reset() clears the flag.
 *
 * Values at top level are not separated: write one record, jw_raw() a
 * "\n", and the next record makes NDJSON.
 */
#ifndef PA_JSON_WRITER_H
#define PA_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Our events nest three or four levels; 32 leaves room for any record
 * while keeping the per-level state a fixed array inside struct jw. */
#define JW_MAX_DEPTH 32

struct jw {
	char *buf;
	size_t len, cap;
	unsigned depth;                  /* open objects and arrays */
	bool first[JW_MAX_DEPTH];        /* [depth - 1]: nothing written yet at that level */
	bool is_object[JW_MAX_DEPTH];    /* [depth - 1]: the level is an object, not an array */
	bool after_key;                  /* a key was written, its value comes next */
	bool failed;
};

void jw_init(struct jw *w);
void jw_free(struct jw *w);
/* Empty the buffer and the nesting state, keep the memory. */
void jw_reset(struct jw *w);
/* A new value after what the buffer holds: the nesting state and the
 * failure flag cleared, the bytes kept. */
void jw_restart(struct jw *w);
/* Write into a buffer the caller owns (malloc'd, or NULL with cap 0),
 * after its first len bytes, instead of the writer's own, which is freed;
 * jw_detach hands it back, maybe moved and grown, and leaves w empty. */
void jw_attach(struct jw *w, char *buf, size_t len, size_t cap);
void jw_detach(struct jw *w, char **buf, size_t *len, size_t *cap);

void jw_object_begin(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w);
void jw_array_end(struct jw *w);

/* Keys are escaped like strings; NULL is not a key and fails the writer. */
void jw_key_len(struct jw *w, const char *key, size_t len);
/* len bytes of s, NUL bytes included; NULL writes null. */
void jw_string_len(struct jw *w, const char *s, size_t len);
void jw_uint(struct jw *w, uint64_t v);
void jw_int(struct jw *w, int64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* A value the program made itself from printable ASCII without '"' or
 * '\\' (timestamps, base64 ids): copied, not scanned for escapes. */
void jw_ascii(struct jw *w, const char *v, size_t len);

/*
 * The rest are inline so that the length of a literal key (nearly every
 * key is one) is known at compile time: strlen of a literal costs nothing
 * where it is written out, and an event has some seventy keys.
 *
 * A key whose length the compiler knows (a literal), in the common case
 * (inside an object, room in the buffer), is copied in place without the
 * escape scan: literal keys must be plain ASCII without '"', '\\' or
 * controls (ours are ECS names; test_json_writer checks every literal key
 * in user/).  Any other key takes jw_key_len's checks and escapes.
 */
/* ,"key": (the comma unless it is the object's first member) for a key
 * that needs no escape, inside an object, with len + 4 bytes of room. */
static inline void jw_put_plain_key(struct jw *w, const char *key, size_t len)
{
	char *p = w->buf + w->len;

	if (w->first[w->depth - 1])
		w->first[w->depth - 1] = false;
	else
		*p++ = ',';
	*p++ = '"';
	memcpy(p, key, len);
	p += len;
	*p++ = '"';
	*p++ = ':';
	w->len = (size_t)(p - w->buf);
	w->after_key = true;
}

static inline void jw_key(struct jw *w, const char *key)
{
	size_t len = key ? strlen(key) : 0;

	if (!__builtin_constant_p(len) || !key || w->failed || w->after_key || !w->depth ||
	    !w->is_object[w->depth - 1] || w->cap - w->len < len + 4) {
		jw_key_len(w, key, len);
		return;
	}
	jw_put_plain_key(w, key, len);
}

/* NULL writes null. */
static inline void jw_string(struct jw *w, const char *s)
{
	jw_string_len(w, s, s ? strlen(s) : 0);
}

static inline void jw_kv_string(struct jw *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_string(w, v);
}

static inline void jw_kv_string_len(struct jw *w, const char *k, const char *v, size_t len)
{
	jw_key(w, k);
	jw_string_len(w, v, len);
}

static inline void jw_kv_ascii(struct jw *w, const char *k, const char *v, size_t len)
{
	jw_key(w, k);
	jw_ascii(w, v, len);
}

static inline void jw_kv_uint(struct jw *w, const char *k, uint64_t v)
{
	jw_key(w, k);
	jw_uint(w, v);
}

static inline void jw_kv_int(struct jw *w, const char *k, int64_t v)
{
	jw_key(w, k);
	jw_int(w, v);
}

static inline void jw_kv_bool(struct jw *w, const char *k, bool v)
{
	jw_key(w, k);
	jw_bool(w, v);
}

static inline void jw_kv_null(struct jw *w, const char *k)
{
	jw_key(w, k);
	jw_null(w);
}

/* Members of an object as a writer wrote them before, without a comma in
 * front (json_piece.h): appended verbatim to the open object, after a
 * comma if it has members already.  Nothing is scanned: they must come
 * from a writer.  len 0 adds nothing. */
void jw_members(struct jw *w, const char *text, size_t len);

/* Append bytes verbatim, outside the nesting rules (e.g. a trailing "\n"). */
void jw_raw(struct jw *w, const char *s, size_t len);

/* Allocation failed, nesting too deep or misuse: the output must not be used. */
bool jw_failed(const struct jw *w);

/* The output NUL-terminated (the NUL is not counted in len), or NULL if
 * the writer failed. */
const char *jw_cstr(struct jw *w);

#endif
