/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fake /proc trees in a temporary directory, for the tests of the /proc
 * readers (test_procfs.c, test_proc_sample.c): paths under a root, files
 * and directories made with their parents, the whole tree removed, and
 * the fixture both use.
 */
#ifndef PA_TEST_FAKE_TREE_H
#define PA_TEST_FAKE_TREE_H

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "proc_table.h"

/* Walk depth for nftw: fake trees are at most root/PID/task/TID/stat. */
#define FAKE_TREE_NOPENFD 16

static inline void fake_tree_path(const char *root, char *buf, size_t size, const char *rel)
{
	int n = snprintf(buf, size, "%s/%s", root, rel);

	assert_true(n > 0 && (size_t)n < size);
}

/* mkdir -p of every directory in rel before its last component. */
static inline void fake_tree_mkparents(const char *root, const char *rel)
{
	char path[PATH_MAX];
	char *slash;

	fake_tree_path(root, path, sizeof(path), rel);
	for (slash = path + strlen(root) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*slash = '/';
	}
}

static inline void fake_tree_write(const char *root, const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX];
	FILE *fp;

	fake_tree_mkparents(root, rel);
	fake_tree_path(root, path, sizeof(path), rel);
	fp = fopen(path, "w");
	if (!fp)
		fail_msg("create %s: %s", path, strerror(errno));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static inline void fake_tree_mkdir(const char *root, const char *rel)
{
	char path[PATH_MAX];

	fake_tree_mkparents(root, rel);
	fake_tree_path(root, path, sizeof(path), rel);
	if (mkdir(path, 0755) && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

static inline int fake_tree_rm_entry(const char *path, const struct stat *sb, int flag,
				     struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void fake_tree_rm(const char *path)
{
	nftw(path, fake_tree_rm_entry, FAKE_TREE_NOPENFD, FTW_DEPTH | FTW_PHYS);
}

/* The /proc reader tests' fixture: a fake root and a table to read into. */
struct proc_fixture {
	char root[64];
	struct pa_table t;
};

static inline int proc_fixture_setup(void **state)
{
	struct proc_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/pa_proc_XXXXXX");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	pa_table_init(&f->t, "test-boot");
	*state = f;
	return 0;
}

static inline int proc_fixture_teardown(void **state)
{
	struct proc_fixture *f = *state;

	pa_table_free(&f->t);
	fake_tree_rm(f->root);
	free(f);
	return 0;
}

#endif
