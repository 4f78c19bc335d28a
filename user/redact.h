/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Secrets out of command lines: values of password-like keys, options and
 * URL credentials in argv are replaced by "REDACTED" (the word
 * OpenTelemetry's conventions use), keeping the key so the line still
 * says what was passed.  Applied where argv enters the model (exec
 * records, the /proc snapshot), so every sink, file and syslog receiver
 * sees only the masked form.
 *
 * Patterns, built in or from --redact (matched in every argument):
 *   KEY=   case-insensitive, KEY ending where '=' is ("password=" also
 *          hides PGPASSWORD=x, --db-password=x, ?password=x); the value
 *          runs to the end of the argument, or to the next '&' or '#' in
 *          a URL query (?a=1&token=x&b=2 keeps b=2).
 *   KEY:   the same for headers ("authorization:"): the value after the
 *          blanks is hidden, an auth scheme word before it is kept
 *          ("Authorization: Bearer REDACTED").
 *   -OPT   an argument equal to it hides the next argument whole
 *          ("--password VALUE"); -OPT=VALUE hides VALUE.  Exact, case-sensitive.
 * and, built in, URL credentials: scheme://user:pass@ becomes
 * scheme://REDACTED:REDACTED@ (OpenTelemetry's url.full rule).
 * An empty value is left alone: there is nothing to hide.
 */
#ifndef PA_REDACT_H
#define PA_REDACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "strbuf.h"

#define PA_REDACT_MASK "REDACTED"
/* --redact patterns kept; more is a configuration mistake, not a need. */
#define PA_REDACT_MAX 64
/* Bytes of one pattern, its NUL included. */
#define PA_REDACT_PATTERN_MAX 64

struct pa_redact {
	bool builtin;        /* the built-in list applies (pa_redact_disable turns it off) */
	unsigned nr;         /* patterns added */
	char pattern[PA_REDACT_MAX][PA_REDACT_PATTERN_MAX];
	struct strbuf buf;   /* the masked arguments of the last pa_redact_args(); reused */
	uint32_t *fix;       /* (index, offset, length) of each masked argument; reused */
	size_t fix_cap;
};

/* The built-in list on, no added patterns. */
void pa_redact_init(struct pa_redact *r);
void pa_redact_free(struct pa_redact *r);
/* Back to pa_redact_init()'s state. */
void pa_redact_reset(struct pa_redact *r);
/* Add a pattern (copied): 0, -EINVAL when it is not KEY=, KEY: or -OPT
 * (or is longer than PA_REDACT_PATTERN_MAX - 1 bytes), -ENOSPC past
 * PA_REDACT_MAX. */
int pa_redact_add(struct pa_redact *r, const char *pattern);
/* --no-redact: the built-in list no longer applies; added patterns do. */
void pa_redact_disable(struct pa_redact *r);
/* Whether any pattern applies (else the calls below change nothing). */
bool pa_redact_active(const struct pa_redact *r);

/* Mask a->arg[] in place: a masked argument points into r->buf until the
 * next call.  Returns the number of arguments masked.  If memory runs
 * out, every argument becomes PA_REDACT_MASK: a secret is never shown
 * for want of memory. */
unsigned pa_redact_args(struct pa_redact *r, struct pa_args *a);
/* A NUL-separated argv area (the last string may lack its NUL) appended
 * to out as one line, arguments joined by spaces, masked. */
void pa_redact_line(struct pa_redact *r, const char *area, size_t len, struct strbuf *out);

/* The agent's own: the collector and the /proc reader mask with it, and
 * the command line configures it before tracing starts. */
struct pa_redact *pa_redact_default(void);

/* The built-in patterns, NULL-terminated (for --help and the README). */
extern const char *const pa_redact_builtin[];

#endif
