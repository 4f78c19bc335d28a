// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * redact: every pattern kind on the argv shapes secrets come in, what
 * must stay untouched, --redact/--no-redact semantics, and the promise
 * that a steady stream reuses its buffers.
 */
#include <errno.h>

#include "synth.h"

#include "redact.h"

struct rfix {
	struct pa_redact r;
	struct pa_args a;
	struct strbuf line;
};

static int setup(void **state)
{
	struct rfix *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	pa_redact_init(&x->r);
	pa_args_init(&x->a);
	sb_init(&x->line);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct rfix *x = *state;

	pa_redact_free(&x->r);
	pa_args_free(&x->a);
	sb_free(&x->line);
	free(x);
	return 0;
}

/* Split area into x->a and mask it; the number masked. */
static unsigned mask(struct rfix *x, const char *area, size_t len)
{
	assert_int_equal(pa_args_split(&x->a, area, len), 0);
	return pa_redact_args(&x->r, &x->a);
}

#define MASK(x, lit) mask((x), (lit), sizeof(lit) - 1)

static void check_arg(const struct pa_args *a, uint32_t i, const char *want)
{
	char label[32];

	snprintf(label, sizeof(label), "arg[%u]", i);
	CHECK(i < a->count, "argument present");
	synth_check_mem(a->arg[i], a->len[i], want, strlen(want), label, __FILE__, __LINE__);
}

/* One argument in, one expected out. */
static void check_one(struct rfix *x, const char *in, const char *want)
{
	mask(x, in, strlen(in));
	CHECK_U(x->a.count, 1, "one argument");
	check_arg(&x->a, 0, want);
}

static void test_key_values(void **state)
{
	struct rfix *x = *state;

	check_one(x, "--password=hunter2", "--password=REDACTED");
	/* The key ends where '=' is: prefixes and case do not hide it. */
	check_one(x, "PGPASSWORD=hunter2", "PGPASSWORD=REDACTED");
	check_one(x, "-Ddb.Secret=s3", "-Ddb.Secret=REDACTED");
	check_one(x, "api_key=abc", "api_key=REDACTED");
	check_one(x, "APIKEY=abc", "APIKEY=REDACTED");
	check_one(x, "pwd=x", "pwd=REDACTED");
	check_one(x, "passwd=x", "passwd=REDACTED");
	check_one(x, "access_key=AKIA", "access_key=REDACTED");
	check_one(x, "--private-key=k", "--private-key=REDACTED");
}

/* Outside a URL query the value runs to the end: a password may hold
 * '&' or ','; what follows it is lost rather than leaked. */
static void test_value_runs_to_end(void **state)
{
	struct rfix *x = *state;

	check_one(x, "--password=ab&cd", "--password=REDACTED");
	check_one(x, "user=me,password=pa,ss,uid=0", "user=me,password=REDACTED");
}

/* In a URL query, only the parameter's value (OpenTelemetry's
 * q=OpenTelemetry&sig=REDACTED). */
static void test_query_parameters(void **state)
{
	struct rfix *x = *state;

	check_one(x, "https://h/p?a=1&access_token=abc&b=2", "https://h/p?a=1&access_token=REDACTED&b=2");
	check_one(x, "https://s3/o?X-Amz-Signature=ff&AWSAccessKeyId=AK&x=1",
		  "https://s3/o?X-Amz-Signature=REDACTED&AWSAccessKeyId=REDACTED&x=1");
	check_one(x, "/p?sig=abc#top", "/p?sig=REDACTED#top");
}

static void test_headers_keep_scheme(void **state)
{
	struct rfix *x = *state;

	check_one(x, "Authorization: Bearer eyJ.abc", "Authorization: Bearer REDACTED");
	check_one(x, "-HAuthorization:Basic dXNlcjpw", "-HAuthorization:Basic REDACTED");
	check_one(x, "Proxy-Authorization: abcdef", "Proxy-Authorization: REDACTED");
	check_one(x, "Cookie: session=abc; theme=dark", "Cookie: REDACTED");
	check_one(x, "X-Api-Key: k", "X-Api-Key: REDACTED");
}

static void test_url_credentials(void **state)
{
	struct rfix *x = *state;

	check_one(x, "https://user:pw@example.com/x", "https://REDACTED:REDACTED@example.com/x");
	check_one(x, "https://ghp_tok@github.com/o/r.git", "https://REDACTED@github.com/o/r.git");
	check_one(x, "postgres://u:p@db/app?password=q", "postgres://REDACTED:REDACTED@db/app?password=REDACTED");
	/* Not userinfo: an '@' after the path begins, scp-style remotes. */
	check_one(x, "https://example.com/a@b", "https://example.com/a@b");
	check_one(x, "git@github.com:o/r.git", "git@github.com:o/r.git");
}

static void test_option_hides_next(void **state)
{
	struct rfix *x = *state;

	CHECK_U(MASK(x, "mysql\0--password\0s3cret\0db"), 1, "one masked");
	check_arg(&x->a, 0, "mysql");
	check_arg(&x->a, 1, "--password");
	check_arg(&x->a, 2, "REDACTED");
	check_arg(&x->a, 3, "db");
	CHECK_U(MASK(x, "kubectl\0--token\0abc\0get"), 1, "--token VALUE");
	check_arg(&x->a, 2, "REDACTED");
	check_one(x, "--client-secret=zz", "--client-secret=REDACTED");
	/* Options match exactly: neither a longer name nor a last argument. */
	CHECK_U(MASK(x, "x\0--passwordless\0y"), 0, "--passwordless hides nothing");
	CHECK_U(MASK(x, "x\0--password"), 0, "nothing after --password");
	CHECK_U(MASK(x, "x\0--password\0"), 0, "an empty value stays");
}

static void test_untouched(void **state)
{
	struct rfix *x = *state;
	static const char area[] = "ssh\0-p\0" "22\0key=value\0password=\0/tmp/token\0a:b";

	CHECK_U(mask(x, area, sizeof(area) - 1), 0, "nothing masked");
	CHECK_U(x->a.count, 7, "seven arguments");
	/* Untouched arguments still point into the record. */
	for (uint32_t i = 0; i < x->a.count; i++)
		CHECK(x->a.arg[i] >= area && x->a.arg[i] < area + sizeof(area), "points into the area");
	check_arg(&x->a, 4, "password=");
}

static void test_masked_point_into_redactor(void **state)
{
	struct rfix *x = *state;

	CHECK_U(MASK(x, "a\0token=1\0b"), 1, "one masked");
	CHECK(x->a.arg[1] >= x->r.buf.buf && x->a.arg[1] < x->r.buf.buf + x->r.buf.len,
	      "the masked one points into the redactor's buffer");
	check_arg(&x->a, 0, "a");
	check_arg(&x->a, 2, "b");
}

/* Many masks grow the buffer while arguments are masked: every pointer
 * must be into the final buffer (ASan checks the reads). */
static void test_many_masks(void **state)
{
	struct rfix *x = *state;
	struct strbuf area;

	sb_init(&area);
	for (int i = 0; i < 500; i++) {
		sb_printf(&area, "secret=%d", i);
		sb_putc(&area, '\0');
	}
	CHECK_U(mask(x, area.buf, area.len), 500, "all masked");
	for (uint32_t i = 0; i < 500; i++)
		check_arg(&x->a, i, "secret=REDACTED");
	sb_free(&area);
}

/* The same command again: no new memory (the event path must not allocate). */
static void test_buffers_reused(void **state)
{
	struct rfix *x = *state;
	const char *buf;
	size_t cap;

	MASK(x, "psql\0password=a\0--token\0b\0Authorization: Bearer c");
	buf = x->r.buf.buf;
	cap = x->r.buf.cap;
	CHECK_U(MASK(x, "psql\0password=a\0--token\0b\0Authorization: Bearer c"), 3, "three masked again");
	CHECK(x->r.buf.buf == buf && x->r.buf.cap == cap, "same buffer, not grown");
}

static void test_disable(void **state)
{
	struct rfix *x = *state;

	pa_redact_disable(&x->r);
	CHECK(!pa_redact_active(&x->r), "nothing applies");
	CHECK_U(MASK(x, "--password=a\0https://u:p@h/"), 0, "--no-redact: nothing masked");
	/* Patterns given with --redact still apply, the URL rule does not. */
	assert_int_equal(pa_redact_add(&x->r, "dsn="), 0);
	CHECK(pa_redact_active(&x->r), "an added pattern applies");
	CHECK_U(MASK(x, "--password=a\0dsn=pg://u:p@h/\0https://u:p@h/"), 1, "only dsn=");
	check_arg(&x->a, 0, "--password=a");
	check_arg(&x->a, 1, "dsn=REDACTED");
	check_arg(&x->a, 2, "https://u:p@h/");
}

static void test_added_patterns(void **state)
{
	struct rfix *x = *state;

	assert_int_equal(pa_redact_add(&x->r, "--db-pass"), 0);
	assert_int_equal(pa_redact_add(&x->r, "X-Vault-Token:"), 0);
	CHECK_U(MASK(x, "app\0--db-pass\0pw\0-Hx-vault-token: s.abc\0--db-pass=q"), 3, "three masked");
	check_arg(&x->a, 2, "REDACTED");
	check_arg(&x->a, 3, "-Hx-vault-token: REDACTED");
	check_arg(&x->a, 4, "--db-pass=REDACTED");
}

static void test_add_validation(void **state)
{
	struct rfix *x = *state;
	char longest[PA_REDACT_PATTERN_MAX + 1];

	(void)x;
	CHECK_I(pa_redact_add(&x->r, "token"), -EINVAL, "a bare word: KEY= or -OPT?");
	CHECK_I(pa_redact_add(&x->r, ""), -EINVAL, "empty");
	CHECK_I(pa_redact_add(&x->r, NULL), -EINVAL, "NULL");
	CHECK_I(pa_redact_add(&x->r, "="), -EINVAL, "a separator without a key");
	CHECK_I(pa_redact_add(&x->r, "-"), -EINVAL, "a dash alone");
	CHECK_I(pa_redact_add(&x->r, "--opt=x"), -EINVAL, "an option with a value");
	memset(longest, 'k', sizeof(longest));
	longest[PA_REDACT_PATTERN_MAX - 1] = '=';
	longest[PA_REDACT_PATTERN_MAX] = '\0';
	CHECK_I(pa_redact_add(&x->r, longest), -EINVAL, "64 bytes: too long");
	longest[PA_REDACT_PATTERN_MAX - 2] = '=';
	longest[PA_REDACT_PATTERN_MAX - 1] = '\0';
	CHECK_I(pa_redact_add(&x->r, longest), 0, "63 bytes fit");
	for (int i = 1; i < PA_REDACT_MAX; i++)
		CHECK_I(pa_redact_add(&x->r, "k="), 0, "up to PA_REDACT_MAX");
	CHECK_I(pa_redact_add(&x->r, "k="), -ENOSPC, "one too many");
	CHECK_U(x->r.nr, PA_REDACT_MAX, "nr");
}

/* The /proc snapshot's command line: joined by spaces, masked. */
static void test_line(void **state)
{
	struct rfix *x = *state;
	static const char area[] = "mysql\0--password\0x\0-u\0root\0--host=h\0\0end";

	pa_redact_line(&x->r, area, sizeof(area) - 1, &x->line);
	CHECK_MEM(x->line.buf, x->line.len, "mysql --password REDACTED -u root --host=h  end", "masked line");
	sb_reset(&x->line);
	pa_redact_disable(&x->r);
	pa_redact_line(&x->r, area, sizeof(area) - 1, &x->line);
	CHECK_MEM(x->line.buf, x->line.len, "mysql --password x -u root --host=h  end", "plain line");
}

static void test_reset_and_default(void **state)
{
	struct rfix *x = *state;
	struct pa_redact *d = pa_redact_default();

	assert_int_equal(pa_redact_add(&x->r, "a="), 0);
	pa_redact_disable(&x->r);
	pa_redact_reset(&x->r);
	CHECK(x->r.builtin && x->r.nr == 0, "reset: the built-in list, nothing added");
	CHECK(d == pa_redact_default(), "one default instance");
	CHECK(d->builtin && d->nr == 0, "the default starts with the built-in list");
}

static void test_builtin_list(void **state)
{
	static const char *const want[] = { "password=", "token=", "secret=", "pwd=", "--password",
					    "--token", "authorization:" };
	(void)state;
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		bool found = false;

		for (int i = 0; pa_redact_builtin[i]; i++)
			found |= !strcmp(pa_redact_builtin[i], want[k]);
		if (!found)
			fail_msg("%s is not in the built-in list", want[k]);
	}
	for (int i = 0; pa_redact_builtin[i]; i++) {
		CHECK(strcmp(pa_redact_builtin[i], "-p"), "-p is too ambiguous to be built in");
		CHECK(strlen(pa_redact_builtin[i]) < PA_REDACT_PATTERN_MAX, "fits a pattern slot");
	}
}

int main(void)
{
#define R(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		R(test_key_values),
		R(test_value_runs_to_end),
		R(test_query_parameters),
		R(test_headers_keep_scheme),
		R(test_url_credentials),
		R(test_option_hides_next),
		R(test_untouched),
		R(test_masked_point_into_redactor),
		R(test_many_masks),
		R(test_buffers_reused),
		R(test_disable),
		R(test_added_patterns),
		R(test_add_validation),
		R(test_line),
		R(test_reset_and_default),
		R(test_builtin_list),
	};

	return cmocka_run_group_tests_name("redact", tests, NULL, NULL);
}
