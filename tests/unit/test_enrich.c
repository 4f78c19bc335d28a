// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Enrichment without a kernel: container ids from cgroup names, the host
 * and agent facts, identity read from a fake /proc (as for processes older
 * than tracing), and the session and entry leaders the table derives.
 * The JSON these become is checked in test_enrich_json.c.
 */
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <fcntl.h>
#include <unistd.h>

#include "synth.h"
#include "fake_proc.h"

#include "container.h"
#include "host_info.h"
#include "proc_ident.h"
#include "proc_table.h"
#include "procfs.h"
#include "redact.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* ---- a temporary directory tree ----------------------------------------- */

static char root[64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int tree_setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/pa-enrich-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int tree_teardown(void **state)
{
	(void)state;
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	pa_redact_reset(pa_redact_default());
	return 0;
}

/* root/rel holding len bytes of text, directories made on the way. */
static void put_file(const char *rel, const char *text, size_t len)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*s = '/';
	}
	fp = fopen(path, "w");
	if (!fp)
		fail_msg("create %s: %s", path, strerror(errno));
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

#define PUT(rel, lit) put_file((rel), (lit), sizeof(lit) - 1)

static void put_link(const char *rel, const char *target)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (symlink(target, path))
		fail_msg("symlink %s: %s", path, strerror(errno));
}

static int open_dir(const char *rel)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	return fd;
}

/* ---- container ids -------------------------------------------------------- */

static void check_container(const char *name, const char *want_id, const char *want_runtime)
{
	struct pa_container c;

	if (!pa_container_from_cgroup(name, &c))
		fail_msg("no container in \"%s\"", name);
	CHECK_STR(c.id, want_id, name);
	if (want_runtime)
		CHECK_STR(c.runtime, want_runtime, name);
	else
		CHECK(c.runtime == NULL, "no runtime named");
}

static void test_container_scopes(void **state)
{
	(void)state;
	check_container("docker-" HEX64 ".scope", HEX64, "docker");
	check_container("cri-containerd-" HEX64 ".scope", HEX64, "containerd");
	check_container("crio-" HEX64 ".scope", HEX64, "cri-o");
	check_container("libpod-" HEX64 ".scope", HEX64, "podman");
	check_container("nerdctl-" HEX64 ".scope", HEX64, "containerd");
	/* A whole path: the leaf counts. */
	check_container("/system.slice/docker-" HEX64 ".scope", HEX64, "docker");
	check_container("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12_34.slice/"
			"cri-containerd-" HEX64 ".scope", HEX64, "containerd");
}

/* The cgroupfs drivers name the cgroup by the bare id. */
static void test_container_bare_id(void **state)
{
	(void)state;
	check_container(HEX64, HEX64, NULL);
	check_container("/docker/" HEX64, HEX64, NULL);
	check_container("/kubepods/burstable/pod0a1b2c3d-1111-2222-3333-444455556666/" HEX64, HEX64, NULL);
}

static void test_container_not(void **state)
{
	static const char *const names[] = {
		"", "/", "init.scope", "session-3.scope", "user@1000.service", "docker.service",
		"crio-conmon-" HEX64 ".scope",     /* the runtime's monitor, on the host */
		"libpod-conmon-" HEX64 ".scope",
		"docker-" HEX64 ".slice", "docker-" HEX64 ".scope.x", "docker-" HEX64,
		"docker-0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef.scope",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",  /* 63 */
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", /* 65 */
		"/docker/" HEX64 "/init.scope",
	};
	struct pa_container c;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (pa_container_from_cgroup(names[i], &c))
			fail_msg("\"%s\" taken for container %s", names[i], c.id);
	}
	CHECK(!pa_container_from_cgroup(NULL, &c), "NULL");
}

/* ---- host and agent facts ---------------------------------------------------- */

static void check_uuid_shape(const char *s, char version)
{
	static const char shape[] = "xxxxxxxx-xxxx-Vxxx-Nxxx-xxxxxxxxxxxx";

	CHECK_U(strlen(s), sizeof(shape) - 1, "UUID length");
	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == '-')
			CHECK(s[i] == '-', "dash");
		else if (shape[i] == 'V')
			CHECK(s[i] == version, "version nibble");
		else if (shape[i] == 'N')
			CHECK(strchr("89ab", s[i]) != NULL, "RFC 9562 variant");
		else
			CHECK(strchr("0123456789abcdef", s[i]) != NULL, "lowercase hex");
	}
}

/* The directory key both sides compute: never 0 (unknown), and any change
 * of device or inode changes it. */
static void test_cwd_key(void **state)
{
	(void)state;
	CHECK(pa_cwd_key(0, 0) != 0, "never 0");
	CHECK_U(pa_cwd_key(0x803, 2), pa_cwd_key(0x803, 2), "deterministic");
	CHECK(pa_cwd_key(0x803, 2) != pa_cwd_key(0x804, 2), "another device: / and /home both inode 2");
	CHECK(pa_cwd_key(0x803, 2) != pa_cwd_key(0x803, 3), "another inode");
	CHECK(pa_cwd_key(0x803, 1ULL << 40) != pa_cwd_key(0x803, 0), "high inode bits count");
}

static void test_uuid_from_name(void **state)
{
	char a[PA_UUID_LEN], b[PA_UUID_LEN], c[PA_UUID_LEN];

	(void)state;
	pa_uuid_from_name(a, "ptrace-agent:x");
	pa_uuid_from_name(b, "ptrace-agent:x");
	pa_uuid_from_name(c, "ptrace-agent:y");
	check_uuid_shape(a, '8');
	CHECK_STR(a, b, "the same name, the same id");
	CHECK(strcmp(a, c), "another name, another id");
}

static void test_host_info_load(void **state)
{
	struct pa_host_info h, again;
	char want_agent[PA_UUID_LEN];
	struct utsname u;

	(void)state;
	PUT("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
	PUT("proc/sys/kernel/random/boot_id", "0b7d5e1a-2c4f-4e8a-9d3b-5f6a7b8c9d0e\n");
	pa_host_info_load(&h, root);
	CHECK_STR(h.id, "0123456789abcdef0123456789abcdef", "host.id");
	CHECK_STR(h.boot_id, "0b7d5e1a-2c4f-4e8a-9d3b-5f6a7b8c9d0e", "host.boot.id");
	assert_int_equal(uname(&u), 0);
	CHECK_STR(h.kernel, u.release, "host.os.kernel");
	CHECK_STR(h.arch, u.machine, "host.architecture");
	/* agent.id: stable, from the machine id, but not the machine id. */
	pa_uuid_from_name(want_agent, "ptrace-agent:0123456789abcdef0123456789abcdef");
	CHECK_STR(h.agent_id, want_agent, "agent.id");
	check_uuid_shape(h.ephemeral_id, '4');
	pa_host_info_load(&again, root);
	CHECK_STR(again.agent_id, h.agent_id, "agent.id survives a restart");
	CHECK(strcmp(again.ephemeral_id, h.ephemeral_id), "agent.ephemeral_id is new every run");
}

static void test_host_info_fallbacks(void **state)
{
	struct pa_host_info h;
	char want_agent[PA_UUID_LEN];

	(void)state;
	/* systemd's first boot, and a D-Bus copy beside it. */
	PUT("etc/machine-id", "uninitialized\n");
	PUT("var/lib/dbus/machine-id", "fedcba9876543210fedcba9876543210\n");
	pa_host_info_load(&h, root);
	CHECK_STR(h.id, "fedcba9876543210fedcba9876543210", "the D-Bus machine id");
	/* Neither: agent.id from the boot id (it changes at reboot). */
	PUT("var/lib/dbus/machine-id", "not hex at all, not 32 digits\n");
	PUT("proc/sys/kernel/random/boot_id", "0b7d5e1a-2c4f-4e8a-9d3b-5f6a7b8c9d0e\n");
	pa_host_info_load(&h, root);
	CHECK_STR(h.id, "", "no host.id");
	pa_uuid_from_name(want_agent, "ptrace-agent:0b7d5e1a-2c4f-4e8a-9d3b-5f6a7b8c9d0e");
	CHECK_STR(h.agent_id, want_agent, "agent.id from the boot id");
	/* Nothing readable: no agent.id at all, but still an ephemeral one. */
	pa_host_info_load(&h, "/nonexistent-root");
	CHECK_STR(h.id, "", "no host.id");
	CHECK_STR(h.boot_id, "", "no host.boot.id");
	CHECK_STR(h.agent_id, "", "no agent.id");
	check_uuid_shape(h.ephemeral_id, '4');
}

static void test_host_info_set(void **state)
{
	struct pa_host_info h = { .id = "abc", .kernel = "k" };
	unsigned gen = pa_host_info_generation();

	(void)state;
	pa_host_info_set(&h);
	CHECK(pa_host_info_generation() != gen, "a new generation");
	CHECK_STR(pa_host_info()->id, "abc", "the set facts are the current ones");
}

/* ---- identity from /proc ------------------------------------------------------ */

static const struct pa_stat stat_42 = { .pid = 42, .session = 40, .tty_nr = FAKE_TTY_PTS0 };

static void test_read_ids(void **state)
{
	struct pa_task_ids ids;
	int fd;

	(void)state;
	PUT("42/status", "Name:\tsudo\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\nPid:\t42\n"
			 "PPid:\t1\nUid:\t1000\t0\t0\t0\nGid:\t100\t50\t50\t50\nGroups:\t4 24 27\n"
			 "NStgid:\t42\t7\nNSpid:\t42\t7\nNSpgid:\t42\t7\nNSsid:\t40\t1\n");
	PUT("42/cgroup", "0::/system.slice/docker-" HEX64 ".scope\n");
	fd = open_dir("42");
	CHECK_I(pa_proc_read_ids_at(fd, &stat_42, &ids), 0, "read");
	CHECK_U(ids.uid, 1000, "real uid");
	CHECK_U(ids.euid, 0, "effective uid");
	CHECK_U(ids.gid, 100, "real gid");
	CHECK_U(ids.egid, 50, "effective gid");
	CHECK_U(ids.vpid, 7, "NSpid's last: its pid in its namespace");
	CHECK_U(ids.sid, 40, "session from stat");
	CHECK_U(ids.tty_nr, FAKE_TTY_PTS0, "tty from stat");
	CHECK_STR(ids.cgroup, "docker-" HEX64 ".scope", "the cgroup's leaf");
	close(fd);
}

static void test_read_ids_old_kernel_and_v1(void **state)
{
	struct pa_task_ids ids;
	int fd;

	(void)state;
	/* No NSpid line (before 4.1): the pid is its own. A hybrid cgroup
	 * file: the unified line counts, v1 controllers do not. */
	PUT("42/status", "Name:\tx\nUid:\t5\t5\t5\t5\nGid:\t6\t6\t6\t6\n");
	PUT("42/cgroup", "12:pids:/a.slice\n1:name=systemd:/b.scope\n0::/user.slice/session-3.scope\n");
	fd = open_dir("42");
	CHECK_I(pa_proc_read_ids_at(fd, &stat_42, &ids), 0, "read");
	CHECK_U(ids.vpid, 42, "vpid without NSpid");
	CHECK_STR(ids.cgroup, "session-3.scope", "the unified hierarchy's leaf");
	/* The root cgroup has no leaf name, as the kernel's root kernfs node. */
	PUT("42/cgroup", "0::/\n");
	CHECK_I(pa_proc_read_ids_at(fd, &stat_42, &ids), 0, "read");
	CHECK_STR(ids.cgroup, "", "root cgroup");
	/* Malformed uids: not used. */
	PUT("42/status", "Name:\tx\nUid:\tnobody\n");
	CHECK_I(pa_proc_read_ids_at(fd, &stat_42, &ids), -EINVAL, "malformed Uid");
	close(fd);
	fd = open_dir(".");
	CHECK_I(pa_proc_read_ids_at(fd, &stat_42, &ids), -ENOENT, "no status: gone");
	close(fd);
}

static void test_cgroup_leaf_cut(void **state)
{
	char leaf[PA_CGROUP_NAME_LEN], path[300], want[PA_CGROUP_NAME_LEN];

	(void)state;
	memset(want, 'n', sizeof(want) - 1);
	want[sizeof(want) - 1] = '\0';
	snprintf(path, sizeof(path), "/a/b/%s%s", want, "tail");
	pa_cgroup_leaf(path, strlen(path), leaf, sizeof(leaf));
	CHECK_STR(leaf, want, "cut to 95 bytes, as the kernel side cuts it");
	pa_cgroup_leaf("x.service", 9, leaf, sizeof(leaf));
	CHECK_STR(leaf, "x.service", "no slash");
}

static void test_read_cwd(void **state)
{
	char buf[PA_CWD_MAX];
	struct stat st;
	uint32_t key;
	int fd;

	(void)state;
	PUT("42/stat", "");
	put_link("42/cwd", "/srv/app data");
	fd = open_dir("42");
	CHECK_I(pa_proc_read_cwd_at(fd, buf, sizeof(buf), &key), 0, "readlink");
	CHECK_STR(buf, "/srv/app data", "cwd");
	CHECK_U(key, 0, "no such directory: no key");
	close(fd);
	/* A directory that exists: its key, as the kernel side computes it. */
	PUT("43/stat", "");
	put_link("43/cwd", root);
	fd = open_dir("43");
	CHECK_I(pa_proc_read_cwd_at(fd, buf, sizeof(buf), &key), 0, "readlink");
	assert_int_equal(stat(root, &st), 0);
	CHECK_U(key, pa_cwd_key((uint32_t)st.st_dev, st.st_ino), "key from stat");
	close(fd);
	CHECK_I(pa_proc_read_cwd(root, 42, buf, sizeof(buf)), 0, "by pid");
	CHECK_STR(buf, "/srv/app data", "cwd by pid");
	CHECK_I(pa_proc_read_cwd(root, 44, buf, sizeof(buf)), -ENOENT, "gone");
	CHECK_I(pa_proc_read_cwd(root, 42, buf, 4), 0, "a small buffer");
	CHECK_STR(buf, "/sr", "cut, still terminated");
}

/* A process older than tracing: the snapshot gives what fork and exec would. */
static void test_snapshot_enriched(void **state)
{
	static const char cmdline[] = "mysql\0--password\0hunter2\0-u\0root\0";
	struct fake_status st = { .pid = 42, .ppid = 1, .nspid = "42\t3" };
	char text[4096], proc[96];
	struct pa_table t;
	struct pa_proc *p;

	(void)state;
	fake_stat_line(text, sizeof(text), 42, "mysql", 'S', 1, 42, FAKE_TTY_PTS0, 1, 100);
	put_file("proc/42/stat", text, strlen(text));
	fake_status_text(text, sizeof(text), &st);
	put_file("proc/42/status", text, strlen(text));
	PUT("proc/42/cgroup", "0::/system.slice/libpod-" HEX64 ".scope\n");
	put_file("proc/42/cmdline", cmdline, sizeof(cmdline) - 1);
	put_link("proc/42/cwd", "/var/lib/mysql");
	snprintf(proc, sizeof(proc), "%s/proc", root);

	pa_table_init(&t, "boot");
	CHECK_I(pa_procfs_snapshot(&t, proc), 1, "one process");
	p = pa_table_find(&t, 42);
	assert_non_null(p);
	CHECK(p->ids_known, "ids read");
	CHECK_U(p->ids.euid, 1000, "euid");
	CHECK_U(p->ids.vpid, 3, "vpid");
	CHECK_U(p->ids.sid, 42, "sid");
	CHECK_U(p->ids.tty_nr, FAKE_TTY_PTS0, "tty");
	CHECK_STR(p->container.id, HEX64, "container id");
	CHECK_STR(p->container.runtime, "podman", "runtime");
	CHECK_STR(p->cwd, "/var/lib/mysql", "cwd");
	CHECK_STR(p->cmdline, "mysql --password REDACTED -u root", "the snapshot's line is masked");
	pa_table_free(&t);
}

/* ---- session and entry leaders --------------------------------------------------- */

struct who {
	uint32_t pid, ppid, sid, vpid, tty;
};

static struct pa_proc *add(struct pa_table *t, const struct who *w)
{
	struct pa_proc_info info = {
		.pid = w->pid, .ppid = w->ppid, .start_ns = w->pid * 1000000000ULL, .comm = "p",
		.state = 'S', .nr_threads = 1,
	};
	struct pa_task_ids ids = {
		.sid = w->sid, .vpid = w->vpid ? w->vpid : w->pid, .tty_nr = w->tty,
	};
	struct pa_proc *p = pa_table_upsert(t, &info);

	assert_non_null(p);
	pa_table_set_ids(p, &ids);
	return p;
}

static void add_all(struct pa_table *t, const struct who *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		add(t, &w[i]);
	pa_table_link_orphans(t);
}

/* The pid of fn's leader for the process pid, 0 when unknown. */
static uint32_t leader_pid(const struct pa_proc *(*fn)(const struct pa_proc *), struct pa_table *t,
			   uint32_t pid)
{
	const struct pa_proc *l = fn(pa_table_find(t, pid));

	return l ? l->pid : 0;
}

#define LEADER_PID(fn, t, pid) leader_pid((fn), (t), (pid))

/* init -> sshd (daemon) -> sshd per connection (setsid) -> bash (setsid,
 * pts) -> make -> cc: the login shell is the entry, bash the session. */
static void test_leaders_ssh_login(void **state)
{
	static const struct who w[] = {
		{ 1, 0, 1, 0, 0 },
		{ 500, 1, 500, 0, 0 },
		{ 600, 500, 600, 0, 0 },
		{ 700, 600, 700, 0, FAKE_TTY_PTS0 },
		{ 800, 700, 700, 0, FAKE_TTY_PTS0 },
		{ 900, 800, 700, 0, FAKE_TTY_PTS0 },
	};
	struct pa_table t;

	(void)state;
	pa_table_init(&t, "b");
	add_all(&t, w, sizeof(w) / sizeof(w[0]));
	CHECK_U(LEADER_PID(pa_proc_session_leader, &t, 900), 700, "cc's session leader");
	CHECK_U(LEADER_PID(pa_proc_entry_leader, &t, 900), 700, "cc's entry leader: the login shell");
	CHECK_U(LEADER_PID(pa_proc_session_leader, &t, 700), 700, "bash leads its own session");
	CHECK_U(LEADER_PID(pa_proc_entry_leader, &t, 600), 500, "sshd's child: the service sshd");
	CHECK_U(LEADER_PID(pa_proc_entry_leader, &t, 1), 1, "init is its own");
	pa_table_free(&t);
}

/* tmux's server started from the login shell: a pane's shell leads a
 * session inside the login's, and the outermost terminal session is the entry. */
static void test_leaders_nested_sessions(void **state)
{
	static const struct who w[] = {
		{ 1, 0, 1, 0, 0 },
		{ 600, 1, 600, 0, 0 },
		{ 700, 600, 700, 0, FAKE_TTY_PTS0 },
		{ 710, 700, 710, 0, 0 },
		{ 720, 710, 720, 0, FAKE_TTY_PTS0 + 1 },
		{ 730, 720, 720, 0, FAKE_TTY_PTS0 + 1 },
	};
	struct pa_table t;

	(void)state;
	pa_table_init(&t, "b");
	add_all(&t, w, sizeof(w) / sizeof(w[0]));
	CHECK_U(LEADER_PID(pa_proc_session_leader, &t, 730), 720, "the pane's session");
	CHECK_U(LEADER_PID(pa_proc_entry_leader, &t, 730), 700, "the login's shell");
	pa_table_free(&t);
}

/* A service and a container: no terminal, the process init started. */
static void test_leaders_service_and_container(void **state)
{
	static const struct who w[] = {
		{ 1, 0, 1, 0, 0 },
		{ 300, 1, 300, 0, 0 },    /* nginx */
		{ 301, 300, 300, 0, 0 },  /* its worker */
		{ 400, 1, 400, 0, 0 },    /* containerd-shim */
		{ 410, 400, 410, 1, 0 },  /* the container's init */
		{ 420, 410, 410, 5, 0 },  /* its child */
		{ 430, 410, 430, 9, 0 },  /* a daemon inside it */
		{ 440, 430, 430, 10, 0 }, /* the daemon's child */
	};
	struct pa_table t;

	(void)state;
	pa_table_init(&t, "b");
	add_all(&t, w, sizeof(w) / sizeof(w[0]));
	CHECK_U(LEADER_PID(pa_proc_entry_leader, &t, 301), 300, "the service");
	CHECK_U(LEADER_PID(pa_proc_entry_leader, &t, 420), 410, "the container's init");
	CHECK_U(LEADER_PID(pa_proc_entry_leader, &t, 440), 430, "started by the container's init");
	pa_table_free(&t);
}

static void test_leaders_unknown(void **state)
{
	static const struct who w[] = {
		{ 700, 600, 650, 0, 0 },
		{ 800, 700, 650, 0, 0 },
		{ 900, 850, 900, 0, 0 },
	};
	struct pa_table t;
	struct pa_proc *p;

	(void)state;
	pa_table_init(&t, "b");
	add_all(&t, w, sizeof(w) / sizeof(w[0]));
	CHECK_U(LEADER_PID(pa_proc_session_leader, &t, 800), 0, "leader 650 not in the table");
	CHECK_U(LEADER_PID(pa_proc_entry_leader, &t, 800), 0, "so no entry either");
	CHECK_U(LEADER_PID(pa_proc_entry_leader, &t, 900), 0, "a leader whose parent is unknown");
	CHECK(pa_proc_entry_leader_of_session(NULL) == NULL, "no session leader, no entry leader");
	p = pa_table_find(&t, 700);
	p->ids_known = false;
	CHECK(pa_proc_session_leader(p) == NULL, "ids unknown: no session");
	p->ids_known = true;
	p->ids.sid = 0;
	CHECK(pa_proc_session_leader(p) == NULL, "sid 0: the kernel's, no leader");
	pa_table_free(&t);
}

int main(void)
{
#define D(t) cmocka_unit_test_setup_teardown(t, tree_setup, tree_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_scopes),
		cmocka_unit_test(test_container_bare_id),
		cmocka_unit_test(test_container_not),
		cmocka_unit_test(test_cwd_key),
		cmocka_unit_test(test_uuid_from_name),
		D(test_host_info_load),
		D(test_host_info_fallbacks),
		cmocka_unit_test(test_host_info_set),
		D(test_read_ids),
		D(test_read_ids_old_kernel_and_v1),
		cmocka_unit_test(test_cgroup_leaf_cut),
		D(test_read_cwd),
		D(test_snapshot_enriched),
		cmocka_unit_test(test_leaders_ssh_login),
		cmocka_unit_test(test_leaders_nested_sessions),
		cmocka_unit_test(test_leaders_service_and_container),
		cmocka_unit_test(test_leaders_unknown),
	};

	return cmocka_run_group_tests_name("enrich", tests, NULL, NULL);
}
