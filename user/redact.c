// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redact.h"

/*
 * What an SRE's command lines leak most: database and CLI passwords,
 * API tokens and keys, HTTP auth headers, and OpenTelemetry's default
 * sensitive query keys (AWSAccessKeyId, Signature, sig,
 * X-Goog-Signature: "signature=" covers the last).  Not "-p": it is a
 * password to mysql, a port to ssh and a pid to us.
 */
const char *const pa_redact_builtin[] = {
	"password=", "passwd=", "pwd=", "secret=", "token=",
	"api_key=", "apikey=", "api-key=", "access_key=", "access-key=",
	"private_key=", "private-key=", "awsaccesskeyid=", "signature=", "sig=",
	"authorization:", "cookie:", "x-api-key:", "private-token:",
	"--password", "--passwd", "--token", "--secret", "--api-key", "--apikey",
	"--access-key", "--secret-key", "--client-secret", "--auth-token",
	NULL,
};

/* An auth scheme ("Bearer", "Basic", "Token") is a short word; longer,
 * the first word is already the secret. */
#define SCHEME_MAX 20

static const char mask[] = PA_REDACT_MASK;

void pa_redact_init(struct pa_redact *r)
{
	memset(r, 0, sizeof(*r));
	r->builtin = true;
	sb_init(&r->buf);
}

void pa_redact_free(struct pa_redact *r)
{
	sb_free(&r->buf);
	free(r->fix);
	r->fix = NULL;
	r->fix_cap = 0;
}

void pa_redact_reset(struct pa_redact *r)
{
	pa_redact_free(r);
	pa_redact_init(r);
}

static bool is_option(const char *p)
{
	return p[0] == '-';
}

static bool is_key(const char *p, size_t len)
{
	return len >= 2 && (p[len - 1] == '=' || p[len - 1] == ':');
}

int pa_redact_add(struct pa_redact *r, const char *pattern)
{
	size_t len = pattern ? strlen(pattern) : 0;

	if (!len || len >= PA_REDACT_PATTERN_MAX)
		return -EINVAL;
	if (is_option(pattern) ? len < 2 || strchr(pattern, '=') != NULL : !is_key(pattern, len))
		return -EINVAL;
	if (r->nr == PA_REDACT_MAX)
		return -ENOSPC;
	memcpy(r->pattern[r->nr++], pattern, len + 1);
	return 0;
}

void pa_redact_disable(struct pa_redact *r)
{
	r->builtin = false;
}

bool pa_redact_active(const struct pa_redact *r)
{
	return r->builtin || r->nr;
}

/* body runs for every pattern that applies, as p; it may return. */
#define FOR_EACH_PATTERN(r, p, body)                                      \
	do {                                                              \
		for (unsigned i_ = 0; (r)->builtin && pa_redact_builtin[i_]; i_++) { \
			const char *p = pa_redact_builtin[i_];            \
			body;                                             \
		}                                                         \
		for (unsigned i_ = 0; i_ < (r)->nr; i_++) {               \
			const char *p = (r)->pattern[i_];                 \
			body;                                             \
		}                                                         \
	} while (0)

/* A key pattern ending in sep whose key ends right before s[at]: the
 * start of that key in s, or -1. */
static long key_at(const struct pa_redact *r, const char *s, size_t at, char sep)
{
	FOR_EACH_PATTERN(r, p, {
		size_t klen = strlen(p) - 1;

		if (!is_option(p) && p[klen] == sep && at >= klen &&
		    !strncasecmp(s + at - klen, p, klen))
			return (long)(at - klen);
	});
	return -1;
}

/* The argument is an option whose value is the next argument. */
static bool takes_secret(const struct pa_redact *r, const char *s, size_t len)
{
	FOR_EACH_PATTERN(r, p, {
		if (is_option(p) && strlen(p) == len && !memcmp(s, p, len))
			return true;
	});
	return false;
}

/* "-OPT=VALUE" for an option pattern: where VALUE starts, or 0. */
static size_t option_value(const struct pa_redact *r, const char *s, size_t len)
{
	FOR_EACH_PATTERN(r, p, {
		size_t plen = strlen(p);

		if (is_option(p) && len > plen && s[plen] == '=' && !memcmp(s, p, plen))
			return plen + 1;
	});
	return 0;
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/* A key preceded by '?' or '&' (its whole name, not only the matched
 * tail) is a URL query parameter, whose value ends at the next one. */
static bool in_query(const char *s, size_t key_start)
{
	while (key_start > 0 && is_key_char(s[key_start - 1]))
		key_start--;
	return key_start > 0 && (s[key_start - 1] == '?' || s[key_start - 1] == '&');
}

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* After "KEY:": blanks, then an auth scheme word and its blank, kept. */
static size_t skip_scheme(const char *s, size_t i, size_t len)
{
	size_t w;

	while (i < len && s[i] == ' ')
		i++;
	for (w = i; w < len && w - i <= SCHEME_MAX && is_letter(s[w]); w++)
		;
	if (w > i && w < len && w - i <= SCHEME_MAX && s[w] == ' ') {
		while (w < len && s[w] == ' ')
			w++;
		return w;
	}
	return i;
}

struct masker {
	const char *s;
	size_t copied;  /* s[0, copied) is in out */
	struct strbuf *out;
	bool changed;
};

/* Hide s[from, to): copy what comes before, then the mask. */
static void hide(struct masker *m, size_t from, size_t to, const char *with)
{
	m->changed = true;
	sb_append(m->out, m->s + m->copied, from - m->copied);
	sb_puts(m->out, with);
	m->copied = to;
}

/* "scheme://user:pass@host": where the userinfo ends ('@'), or 0. */
static size_t userinfo_end(const char *s, size_t from, size_t len, bool *has_colon)
{
	*has_colon = false;
	for (size_t j = from; j < len; j++) {
		if (s[j] == '@')
			return j > from ? j : 0;
		if (s[j] == '/' || s[j] == '?' || s[j] == '#')
			return 0;
		*has_colon |= s[j] == ':';
	}
	return 0;
}

/* One argument: when something is hidden, the masked form is appended
 * to out and true returned; else out is untouched. */
static bool mask_arg(const struct pa_redact *r, const char *s, size_t len, struct strbuf *out)
{
	struct masker m = { .s = s, .out = out };
	size_t i = option_value(r, s, len);

	if (i && i < len) {
		hide(&m, i, len, mask);
		i = len;
	}
	for (; i < len; i++) {
		bool colon;
		size_t end, v;
		long key;

		if (s[i] == ':' && r->builtin && len - i > 3 && !memcmp(s + i + 1, "//", 2) &&
		    (end = userinfo_end(s, i + 3, len, &colon))) {
			hide(&m, i + 3, end, colon ? PA_REDACT_MASK ":" PA_REDACT_MASK : mask);
			i = end;
			continue;
		}
		if ((s[i] != '=' && s[i] != ':') || (key = key_at(r, s, i, s[i])) < 0)
			continue;
		v = s[i] == ':' ? skip_scheme(s, i + 1, len) : i + 1;
		end = len;
		if (s[i] == '=' && in_query(s, (size_t)key)) {
			for (end = v; end < len && s[end] != '&' && s[end] != '#'; end++)
				;
		}
		if (end > v)
			hide(&m, v, end, mask);
		i = end > i ? end - 1 : i;
	}
	if (m.changed)
		sb_append(out, s + m.copied, len - m.copied);
	return m.changed;
}

static bool add_fix(struct pa_redact *r, size_t n, uint32_t idx, size_t off, size_t len)
{
	if (3 * (n + 1) > r->fix_cap) {
		size_t cap = r->fix_cap ? 2 * r->fix_cap : 48;
		uint32_t *fix = realloc(r->fix, cap * sizeof(*fix));

		if (!fix)
			return false;
		r->fix = fix;
		r->fix_cap = cap;
	}
	r->fix[3 * n] = idx;
	r->fix[3 * n + 1] = (uint32_t)off;
	r->fix[3 * n + 2] = (uint32_t)len;
	return true;
}

unsigned pa_redact_args(struct pa_redact *r, struct pa_args *a)
{
	bool next_secret = false, ok = true;
	size_t n = 0;

	if (!pa_redact_active(r))
		return 0;
	sb_reset(&r->buf);
	for (uint32_t i = 0; i < a->count && ok; i++) {
		size_t before = r->buf.len;
		bool changed;

		if (next_secret && a->len[i]) {
			sb_puts(&r->buf, mask);
			changed = true;
		} else {
			changed = mask_arg(r, a->arg[i], a->len[i], &r->buf);
		}
		next_secret = takes_secret(r, a->arg[i], a->len[i]);
		if (changed)
			ok = add_fix(r, n++, i, before, r->buf.len - before);
	}
	if (!ok || r->buf.failed) {
		/* Fail closed. */
		for (uint32_t i = 0; i < a->count; i++) {
			a->arg[i] = mask;
			a->len[i] = sizeof(mask) - 1;
		}
		return a->count;
	}
	/* Only now: the buffer may have moved while it grew. */
	for (size_t k = 0; k < n; k++) {
		a->arg[r->fix[3 * k]] = r->buf.buf + r->fix[3 * k + 1];
		a->len[r->fix[3 * k]] = r->fix[3 * k + 2];
	}
	return (unsigned)n;
}

void pa_redact_line(struct pa_redact *r, const char *area, size_t len, struct strbuf *out)
{
	bool next_secret = false, active = pa_redact_active(r);
	size_t pos = 0;

	while (pos < len) {
		const char *nul = memchr(area + pos, '\0', len - pos);
		size_t n = nul ? (size_t)(nul - (area + pos)) : len - pos;
		const char *arg = area + pos;

		if (pos)
			sb_putc(out, ' ');
		if (active && next_secret && n)
			sb_puts(out, mask);
		else if (!active || !mask_arg(r, arg, n, out))
			sb_append(out, arg, n);
		next_secret = active && takes_secret(r, arg, n);
		pos += n + 1;
	}
}

struct pa_redact *pa_redact_default(void)
{
	static struct pa_redact r;
	static bool ready;

	if (!ready) {
		pa_redact_init(&r);
		ready = true;
	}
	return &r;
}
