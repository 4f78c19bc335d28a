// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * output: rotation by size into gzip archives (read back with zlib and
 * with gzip(1)), the keep limit, file modes, reopen after logrotate moved
 * the file, and failing destinations (closed pipe, full disk) reported
 * once, counted, queued and resumed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "synth.h"

#include "output.h"

/* Small enough that a few thousand lines make dozens of files. */
#define MAX_FILE 4096
#define NR_LINES 4000
/* Lines are 10..70 bytes, so files end at different points of a line. */
#define PAD_MOD 61
#define WAIT_NS (10ULL * 1000000000ULL)

struct fixture {
	char dir[64];
	char path[128];
	struct pa_output out;
	bool opened;
	mode_t old_umask;
	char *stream; /* every byte written, in order */
	size_t len;
};

/* ---- helpers ------------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pa-output-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/out.log", f->dir);
	/* Common default: 0640 must come from the code, not from the umask. */
	f->old_umask = umask(022);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->opened)
		pa_output_close(&f->out);
	umask(f->old_umask);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f->stream);
	free(f);
	return 0;
}

static void open_file(struct fixture *f, uint64_t max, unsigned keep)
{
	CHECK_I(pa_output_open(&f->out, f->path), 0, "open the output file");
	f->opened = true;
	if (max)
		CHECK_I(pa_output_set_rotation(&f->out, max, keep), 0, "set rotation");
}

/* nr numbered lines of 10..70 bytes into f->stream. */
static void make_stream(struct fixture *f, unsigned nr)
{
	size_t cap = (size_t)nr * 72 + 1;
	char pad[PAD_MOD];

	memset(pad, 'x', sizeof(pad));
	f->stream = malloc(cap);
	assert_non_null(f->stream);
	f->len = 0;
	for (unsigned i = 0; i < nr; i++)
		f->len += snprintf(f->stream + f->len, cap - f->len, "%08u %.*s\n", i,
				   (int)(i * 7919u % PAD_MOD), pad);
}

/* The stream line by line, as the sinks write, flushing every flush_every
 * lines (0: one flush at the end). */
static void write_stream(struct fixture *f, unsigned flush_every)
{
	unsigned n = 0;

	for (const char *p = f->stream, *end = p + f->len; p < end;) {
		const char *nl = memchr(p, '\n', end - p);

		pa_output_write(&f->out, p, nl - p + 1);
		p = nl + 1;
		if (flush_every && ++n % flush_every == 0)
			CHECK_I(pa_output_flush(&f->out), 0, "flush");
	}
	CHECK_I(pa_output_flush(&f->out), 0, "last flush");
}

static void close_output(struct fixture *f)
{
	pa_output_close(&f->out);
	f->opened = false;
}

static char *read_all(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc(st.st_size + 1);
	assert_non_null(buf);
	CHECK_I(read(fd, buf, st.st_size), st.st_size, "read the whole file");
	buf[st.st_size] = '\0';
	*len = st.st_size;
	close(fd);
	return buf;
}

static char *gunzip(const char *path, size_t *len)
{
	gzFile gz = gzopen(path, "rb");
	size_t cap = 1 << 16;
	char *buf = malloc(cap);
	int n;

	if (!gz)
		fail_msg("gzopen %s: %s", path, strerror(errno));
	assert_non_null(buf);
	*len = 0;
	while ((n = gzread(gz, buf + *len, cap - *len - 1)) > 0) {
		*len += n;
		if (cap - *len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	CHECK_I(n, 0, "gzread reaches the end without error");
	CHECK_I(gzclose(gz), Z_OK, "gzclose: the trailer checks out");
	buf[*len] = '\0';
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

static void archive_name(char *buf, size_t size, const struct fixture *f, unsigned n)
{
	snprintf(buf, size, "%s.%u.gz", f->path, n);
}

static unsigned dir_entries(const struct fixture *f)
{
	DIR *d = opendir(f->dir);
	struct dirent *e;
	unsigned n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* Archives FILE.n.gz .. FILE.1.gz then FILE, decompressed and joined. Each
 * part holds whole lines, none past max unless it is a single line. */
static char *join_parts(const struct fixture *f, unsigned n, uint64_t max, size_t *len)
{
	char name[192], *all = NULL, *part;
	size_t part_len;

	*len = 0;
	for (unsigned k = n + 1; k-- > 0;) {
		if (k)
			archive_name(name, sizeof(name), f, k);
		part = k ? gunzip(name, &part_len) : read_all(f->path, &part_len);
		if (!part)
			fail_msg("%s is missing", k ? name : f->path);
		CHECK(part_len > 0 || k == 0, "an archive is never empty");
		CHECK(part_len == 0 || part[part_len - 1] == '\n', "each file ends with a whole line");
		CHECK(part_len <= max || memchr(part, '\n', part_len) == part + part_len - 1,
		      "only a single long line takes a file past the rotation size");
		all = realloc(all, *len + part_len + 1);
		assert_non_null(all);
		memcpy(all + *len, part, part_len);
		*len += part_len;
		free(part);
	}
	all[*len] = '\0';
	return all;
}

/* Archives present from FILE.1.gz upwards, without gaps. */
static unsigned count_archives(const struct fixture *f)
{
	char name[192];
	unsigned n = 0;

	for (;;) {
		archive_name(name, sizeof(name), f, n + 1);
		if (!exists(name))
			return n;
		n++;
	}
}

/* ---- stderr capture: "reported once" ------------------------------------ */

struct capture {
	int saved;
	int fd;
	char *text;
};

static void capture_begin(struct capture *c)
{
	fflush(stderr);
	c->fd = memfd_create("stderr", MFD_CLOEXEC);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->fd >= 0 && c->saved >= 0);
	assert_int_equal(dup2(c->fd, STDERR_FILENO), STDERR_FILENO);
}

/* Lines reported since capture_begin that contain needle. */
static unsigned capture_end(struct capture *c, const char *needle)
{
	off_t size;
	unsigned n = 0;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	size = lseek(c->fd, 0, SEEK_END);
	c->text = calloc(1, size + 1);
	assert_non_null(c->text);
	CHECK_I(pread(c->fd, c->text, size, 0), size, "read captured stderr");
	close(c->fd);
	for (char *p = c->text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void capture_free(struct capture *c)
{
	free(c->text);
}

/* ---- rotation ----------------------------------------------------------- */

static void check_rotated_stream(struct fixture *f, unsigned flush_every)
{
	char name[192], *all;
	size_t all_len;
	unsigned n;

	make_stream(f, NR_LINES);
	open_file(f, MAX_FILE, 1000);
	write_stream(f, flush_every);
	close_output(f);

	n = count_archives(f);
	CHECK(n >= f->len / MAX_FILE, "the stream filled many files");
	CHECK_U(f->out.rotations, n, "one archive per rotation");
	CHECK_U(dir_entries(f), n + 1, "no FILE.1 or .tmp left behind");
	all = join_parts(f, n, MAX_FILE, &all_len);
	CHECK_U(all_len, f->len, "archives and file add up to the stream");
	CHECK(!memcmp(all, f->stream, f->len), "archives and file are the stream, in order");
	free(all);

	/* Rotated only when needed: an archive plus the next line is past max. */
	for (unsigned k = n; k >= 2; k--) {
		size_t a, b;
		char *older, *newer;

		archive_name(name, sizeof(name), f, k);
		older = gunzip(name, &a);
		archive_name(name, sizeof(name), f, k - 1);
		newer = gunzip(name, &b);
		CHECK(a + (size_t)(strchr(newer, '\n') - newer + 1) > MAX_FILE,
		      "the next line would not have fitted");
		free(older);
		free(newer);
	}
}

static void test_rotation_line_by_line(void **state)
{
	check_rotated_stream(*state, 37);
}

/* All of it queued, one flush: the flush itself cuts the files. */
static void test_rotation_one_big_flush(void **state)
{
	check_rotated_stream(*state, 0);
}

static void test_gzip_tool_reads_archive(void **state)
{
	struct fixture *f = *state;
	char name[192], cmd[256], buf[MAX_FILE * 2];
	size_t got = 0, want_len, n;
	char *want;
	FILE *p;

	make_stream(f, 400);
	open_file(f, MAX_FILE, 3);
	write_stream(f, 10);
	close_output(f);
	if (system("gzip --version >/dev/null 2>&1"))
		skip();
	archive_name(name, sizeof(name), f, 1);
	want = gunzip(name, &want_len);
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", name);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(buf + got, 1, sizeof(buf) - got, p)) > 0)
		got += n;
	CHECK_I(pclose(p), 0, "gzip -dc exits 0");
	CHECK_U(got, want_len, "gzip -dc gives the same length as zlib");
	CHECK(!memcmp(buf, want, got), "gzip -dc gives the same bytes as zlib");
	free(want);
}

static void test_keep_limit(void **state)
{
	struct fixture *f = *state;
	char name[192], *all;
	size_t all_len;

	make_stream(f, NR_LINES);
	open_file(f, MAX_FILE, 3);
	write_stream(f, 50);
	close_output(f);

	CHECK(f->out.rotations > 10, "rotated well past the keep limit");
	CHECK_U(count_archives(f), 3, "FILE.1.gz .. FILE.3.gz");
	archive_name(name, sizeof(name), f, 4);
	CHECK(!exists(name), "FILE.4.gz was deleted");
	CHECK_U(dir_entries(f), 4, "three archives and the file, nothing else");
	all = join_parts(f, 3, MAX_FILE, &all_len);
	CHECK(all_len > 3 * MAX_FILE / 2 && all_len < f->len, "the newest part of the stream");
	CHECK(!memcmp(all, f->stream + f->len - all_len, all_len), "kept files are the stream's tail");
	CHECK(f->stream[f->len - all_len - 1] == '\n', "the oldest kept file starts a line");
	free(all);
}

static void test_keep_zero_deletes(void **state)
{
	struct fixture *f = *state;
	size_t len;
	char *got;

	make_stream(f, NR_LINES);
	open_file(f, MAX_FILE, 0);
	write_stream(f, 50);
	close_output(f);

	CHECK(f->out.rotations > 10, "rotated");
	CHECK_U(dir_entries(f), 1, "only the file: rotated ones are deleted");
	got = read_all(f->path, &len);
	assert_non_null(got);
	CHECK(len > 0 && len <= MAX_FILE, "the file holds the last part");
	CHECK(!memcmp(got, f->stream + f->len - len, len), "the stream's tail");
	CHECK(f->stream[f->len - len - 1] == '\n', "starting at a line");
	free(got);
}

/* A line longer than the rotation size gets a file of its own, whole. */
static void test_long_line_not_split(void **state)
{
	struct fixture *f = *state;
	char line[301], *all;
	size_t all_len;

	memset(line, 'L', 299);
	line[299] = '\n';
	line[300] = '\0';
	open_file(f, 100, 10);
	pa_output_write(&f->out, "short 1\n", 8);
	pa_output_write(&f->out, line, 300);
	pa_output_write(&f->out, "short 2\n", 8);
	CHECK_I(pa_output_flush(&f->out), 0, "flush");
	close_output(f);

	CHECK_U(count_archives(f), 2, "before and with the long line");
	all = join_parts(f, 2, 100, &all_len);
	CHECK_U(all_len, 316, "everything once");
	CHECK(!memcmp(all, "short 1\n", 8) && !memcmp(all + 8, line, 300) &&
	      !memcmp(all + 308, "short 2\n", 8), "in order");
	free(all);
}

/* Appending to a file from an earlier run: its size counts. */
static void test_existing_content_counts(void **state)
{
	struct fixture *f = *state;
	char name[192], old[4000], line[120], *got;
	size_t len;
	int fd = open(f->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);

	assert_true(fd >= 0);
	memset(old, 'o', sizeof(old));
	old[sizeof(old) - 1] = '\n';
	CHECK_I(write(fd, old, sizeof(old)), sizeof(old), "earlier run's output");
	close(fd);
	memset(line, 'n', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	open_file(f, MAX_FILE, 2); /* 96 bytes left */
	pa_output_write(&f->out, line, sizeof(line));
	CHECK_I(pa_output_flush(&f->out), 0, "flush");
	close_output(f);

	archive_name(name, sizeof(name), f, 1);
	got = gunzip(name, &len);
	CHECK_U(len, sizeof(old), "the earlier content was rotated out whole");
	free(got);
	got = read_all(f->path, &len);
	CHECK_U(len, sizeof(line), "the new line starts a fresh file");
	free(got);
}

/* logrotate's copytruncate emptied the file under us: no rotation due. */
static void test_truncated_file_not_rotated(void **state)
{
	struct fixture *f = *state;
	char line[1000], *got;
	size_t len;

	memset(line, 't', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	open_file(f, MAX_FILE, 2);
	for (int i = 0; i < 4; i++)
		pa_output_write(&f->out, line, sizeof(line));
	CHECK_I(pa_output_flush(&f->out), 0, "flush");
	assert_int_equal(truncate(f->path, 0), 0);
	pa_output_write(&f->out, line, sizeof(line)); /* would pass 4096 before */
	CHECK_I(pa_output_flush(&f->out), 0, "flush");
	CHECK_U(f->out.rotations, 0, "not rotated");
	close_output(f);
	CHECK_U(dir_entries(f), 1, "no archive");
	got = read_all(f->path, &len);
	CHECK_U(len, sizeof(line), "one line in the emptied file");
	CHECK(!memcmp(got, line, len), "the line written after the truncation");
	free(got);
}

/* The child of test_short_write_finishes_line: a file size limit makes
 * write(2) short in the middle of a line, as a filling disk does.  No
 * cmocka here; the exit status says which step failed. */
static int short_write_child(struct fixture *f, const char *long_line, size_t long_len)
{
	struct rlimit lim = { .rlim_cur = long_len / 2, .rlim_max = RLIM_INFINITY };
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	dup2(null, STDERR_FILENO); /* the expected "File too large" message */
	signal(SIGXFSZ, SIG_IGN);
	if (pa_output_open(&f->out, f->path) || pa_output_set_rotation(&f->out, 100, 2))
		return 1;
	if (setrlimit(RLIMIT_FSIZE, &lim))
		return 2;
	pa_output_write(&f->out, long_line, long_len);
	if (pa_output_flush(&f->out) != -EFBIG || !f->out.line_open)
		return 3;
	lim.rlim_cur = RLIM_INFINITY;
	if (setrlimit(RLIMIT_FSIZE, &lim))
		return 4;
	pa_output_write(&f->out, "next\n", 5);
	if (pa_output_flush(&f->out))
		return 5;
	pa_output_close(&f->out);
	return 0;
}

/* The rest of a line cut by a short write goes to the same file, even
 * when that takes the file past the rotation size. */
static void test_short_write_finishes_line(void **state)
{
	struct fixture *f = *state;
	char line[300], name[192], *got;
	size_t len;
	int status;
	pid_t pid;

	memset(line, 'L', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(short_write_child(f, line, sizeof(line)));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status), "the child exits");
	CHECK_I(WEXITSTATUS(status), 0, "child step (3: the write was not short)");
	archive_name(name, sizeof(name), f, 1);
	got = gunzip(name, &len);
	CHECK_U(len, sizeof(line), "the long line stayed whole in the first file");
	CHECK(!memcmp(got, line, len), "and is intact");
	free(got);
	got = read_all(f->path, &len);
	CHECK_MEM(got, len, "next\n", "the next line starts the next file");
	free(got);
}

static void test_created_mode_0640(void **state)
{
	struct fixture *f = *state;
	char name[192];
	struct stat st;

	make_stream(f, 400);
	open_file(f, MAX_FILE, 3);
	write_stream(f, 10);
	close_output(f);

	assert_int_equal(stat(f->path, &st), 0);
	CHECK_U(st.st_mode & 07777, 0640, "the live file (created after a rotation)");
	archive_name(name, sizeof(name), f, 1);
	assert_int_equal(stat(name, &st), 0);
	CHECK_U(st.st_mode & 07777, 0640, "the archive");
}

/* The compressor fails (FILE.1.gz.tmp is a directory): one message, each
 * failure counted, the rotated file kept uncompressed, writing goes on. */
static void test_compress_failure_reported_once(void **state)
{
	struct fixture *f = *state;
	char tmp[192], one[192], *got;
	struct timespec ts;
	struct capture c;
	uint64_t deadline;
	size_t len;

	snprintf(tmp, sizeof(tmp), "%s.1.gz.tmp", f->path);
	snprintf(one, sizeof(one), "%s.1", f->path);
	assert_int_equal(mkdir(tmp, 0755), 0);
	open_file(f, 100, 2);
	capture_begin(&c);
	pa_output_write(&f->out, "first file\n", 11);
	pa_output_write(&f->out, "................................................................................................................\n", 113);
	CHECK_I(pa_output_flush(&f->out), 0, "flush through one rotation");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = ts.tv_sec * 1000000000ULL + ts.tv_nsec + WAIT_NS;
	while (!f->out.compress_errors) {
		pa_output_poll(&f->out);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec * 1000000000ULL + ts.tv_nsec > deadline)
			break;
		usleep(1000);
	}
	CHECK_U(f->out.compress_errors, 1, "the failure is collected by poll");
	got = read_all(one, &len);
	CHECK_MEM(got, len, "first file\n", "the rotated file is kept uncompressed");
	free(got);
	pa_output_write(&f->out, "third file\n", 11);
	CHECK_I(pa_output_flush(&f->out), 0, "flush through a second rotation");
	close_output(f);
	CHECK_U(capture_end(&c, "cannot compress"), 1, "reported once");
	capture_free(&c);
	CHECK_U(f->out.compress_errors, 2, "both failures counted");
	CHECK_U(f->out.rotations, 2, "rotation went on");
	got = read_all(f->path, &len);
	CHECK_MEM(got, len, "third file\n", "writing went on");
	free(got);
}

static void test_rotation_needs_a_file(void **state)
{
	struct pa_output o;

	(void)state;
	pa_output_open(&o, NULL);
	CHECK_I(pa_output_set_rotation(&o, MAX_FILE, 1), -EINVAL, "stdout does not rotate");
	CHECK_I(pa_output_reopen(&o), 0, "reopen of stdout is a no-op");
	CHECK_I(o.fd, STDOUT_FILENO, "still stdout");
	pa_output_close(&o);
}

/* ---- reopen ------------------------------------------------------------- */

static void test_reopen_after_move(void **state)
{
	struct fixture *f = *state;
	char moved[192], *got;
	struct stat st;
	size_t len;

	snprintf(moved, sizeof(moved), "%s.moved", f->path);
	open_file(f, 0, 0);
	pa_output_write(&f->out, "before\n", 7);
	CHECK_I(pa_output_flush(&f->out), 0, "flush");
	assert_int_equal(rename(f->path, moved), 0); /* logrotate */
	pa_output_write(&f->out, "queued\n", 7);
	CHECK_I(pa_output_reopen(&f->out), 0, "reopen");
	pa_output_write(&f->out, "after\n", 6);
	close_output(f);

	got = read_all(moved, &len);
	CHECK_MEM(got, len, "before\n", "the moved file has what was written before");
	free(got);
	got = read_all(f->path, &len);
	CHECK_MEM(got, len, "queued\nafter\n", "the new file has the queued bytes and the rest");
	free(got);
	assert_int_equal(stat(f->path, &st), 0);
	CHECK_U(st.st_mode & 07777, 0640, "the new file's mode");
}

/* The directory is gone: reopen fails, says so, and the old file goes on. */
static void test_reopen_failure_keeps_old_file(void **state)
{
	struct fixture *f = *state;
	char sub[80], moved[192], *got;
	struct capture c;
	size_t len;

	snprintf(sub, sizeof(sub), "%s/sub", f->dir);
	snprintf(moved, sizeof(moved), "%s/moved", f->dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(f->path, sizeof(f->path), "%s/out.log", sub);
	open_file(f, 0, 0);
	assert_int_equal(rename(f->path, moved), 0);
	assert_int_equal(rmdir(sub), 0);
	pa_output_write(&f->out, "kept\n", 5);
	capture_begin(&c);
	CHECK_I(pa_output_reopen(&f->out), -ENOENT, "reopen fails");
	CHECK_U(capture_end(&c, "cannot reopen"), 1, "and says so");
	capture_free(&c);
	close_output(f);
	got = read_all(moved, &len);
	CHECK_MEM(got, len, "kept\n", "bytes went to the old file");
	free(got);
}

/* ---- failing destinations ----------------------------------------------- */

static void test_epipe_reported_once(void **state)
{
	struct fixture *f = *state;
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	struct capture c;
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	pa_output_open_fd(&f->out, p[1], "pipe");
	f->opened = true;
	capture_begin(&c);
	for (int i = 0; i < 5; i++) {
		pa_output_write(&f->out, "line\n", 5);
		CHECK_I(pa_output_flush(&f->out), -EPIPE, "the reader is gone");
	}
	CHECK_U(capture_end(&c, "cannot write to pipe"), 1, "reported once, not per flush");
	capture_free(&c);
	CHECK(f->out.broken_pipe, "broken_pipe set");
	CHECK_U(f->out.write_errors, 5, "every failed flush counted");
	CHECK_U(f->out.pending.len, 25, "bytes kept queued");
	close_output(f);
	close(p[1]);
	signal(SIGPIPE, old);
}

/* /dev/full fails with ENOSPC; a regular file put in its place is the
 * disk after cleanup. */
static void test_enospc_kept_and_resumed(void **state)
{
	struct fixture *f = *state;
	struct capture c;
	char *got, line[32];
	const char *again;
	size_t len;
	int fd;

	if (!exists("/dev/full"))
		skip();
	CHECK_I(pa_output_open(&f->out, "/dev/full"), 0, "open /dev/full");
	f->opened = true;
	capture_begin(&c);
	for (int i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "line %d\n", i);
		pa_output_write(&f->out, line, strlen(line));
		CHECK_I(pa_output_flush(&f->out), -ENOSPC, "disk full");
	}
	CHECK_U(f->out.write_errors, 4, "counted");
	CHECK_U(f->out.pending.len, 28, "all kept queued");
	fd = open(f->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, f->out.fd), f->out.fd);
	close(fd);
	CHECK_I(pa_output_flush(&f->out), 0, "space is back");
	CHECK_I(pa_output_flush(&f->out), 0, "and stays");
	CHECK_U(capture_end(&c, "No space left on device"), 1, "the outage reported once");
	again = strstr(c.text, "works again (0 bytes dropped while it failed)");
	CHECK(again != NULL, "recovery reported, with what was dropped");
	CHECK(!strstr(again + 1, "works again"), "recovery reported once");
	capture_free(&c);
	CHECK_U(f->out.last_errno, 0, "healthy");
	got = read_all(f->path, &len);
	CHECK_MEM(got, len, "line 0\nline 1\nline 2\nline 3\n", "nothing lost");
	free(got);
}

/* Past the cap the oldest whole lines go, counted. */
static void test_enospc_drops_oldest_lines(void **state)
{
	struct fixture *f = *state;
	size_t total = 0, chunk = 64 << 10;
	struct capture c;
	unsigned nr = (PA_OUTPUT_MAX_PENDING / 40) * 5 / 4;

	if (!exists("/dev/full"))
		skip();
	make_stream(f, nr);
	CHECK(f->len > PA_OUTPUT_MAX_PENDING, "enough to overflow the queue");
	CHECK_I(pa_output_open(&f->out, "/dev/full"), 0, "open /dev/full");
	f->opened = true;
	capture_begin(&c);
	while (total < f->len) {
		const char *end = f->stream + (total + chunk < f->len ? total + chunk : f->len);
		const char *nl = memrchr(f->stream + total, '\n', end - (f->stream + total));
		size_t n = nl - (f->stream + total) + 1;

		pa_output_write(&f->out, f->stream + total, n);
		total += n;
	}
	pa_output_flush(&f->out);
	CHECK_U(capture_end(&c, "cannot write to /dev/full"), 1, "reported once");
	capture_free(&c);
	CHECK(f->out.write_errors > 1, "each attempt counted");
	CHECK(f->out.bytes_dropped > 0, "something dropped");
	CHECK(f->out.pending.len <= PA_OUTPUT_MAX_PENDING, "queue within its cap");
	CHECK_U(f->out.bytes_dropped + f->out.pending.len, f->len, "dropped + queued = written");
	CHECK(f->stream[f->out.bytes_dropped - 1] == '\n', "dropped whole lines");
	CHECK(!memcmp(f->out.pending.buf, f->stream + f->out.bytes_dropped, f->out.pending.len),
	      "the queue is the newest part, in order");
	close_output(f);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rotation_line_by_line),
		T(test_rotation_one_big_flush),
		T(test_gzip_tool_reads_archive),
		T(test_keep_limit),
		T(test_keep_zero_deletes),
		T(test_long_line_not_split),
		T(test_existing_content_counts),
		T(test_truncated_file_not_rotated),
		T(test_short_write_finishes_line),
		T(test_created_mode_0640),
		T(test_compress_failure_reported_once),
		T(test_rotation_needs_a_file),
		T(test_reopen_after_move),
		T(test_reopen_failure_keeps_old_file),
		T(test_epipe_reported_once),
		T(test_enospc_kept_and_resumed),
		T(test_enospc_drops_oldest_lines),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
