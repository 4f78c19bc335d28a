// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "host_info.h"
#include "procfs.h"
#include "procfs_read.h"

/* systemd's machine id: 32 lowercase hex digits and a newline
 * (machine-id(5)); "uninitialized" during the first boot. */
#define MACHINE_ID_HEX 32
/* FNV-1a, 64 bits (the parameters from the FNV reference). */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL
/* Salts the hashes: agent.id must not be the machine id itself, which
 * machine-id(5) asks applications not to expose. */
#define AGENT_ID_SALT "ptrace-agent:"

static struct pa_host_info current;
static int current_state; /* 0: not loaded, 1: loaded or set */
static unsigned generation = 1;

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= FNV_PRIME;
	}
	return h;
}

static void uuid_format(char out[PA_UUID_LEN], const unsigned char b[16])
{
	snprintf(out, PA_UUID_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

/* RFC 9562 section 4: the version in the high nibble of byte 6, the
 * variant 0b10 in the top bits of byte 8. */
static void uuid_mark(unsigned char b[16], unsigned version)
{
	b[6] = (unsigned char)((b[6] & 0x0f) | (version << 4));
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
}

void pa_uuid_from_name(char out[PA_UUID_LEN], const char *name)
{
	uint64_t hi = fnv1a(FNV_OFFSET, name);
	/* A second, independent hash: the same input after a different start. */
	uint64_t lo = fnv1a(fnv1a(FNV_OFFSET, "\x01"), name);
	unsigned char b[16];

	for (int i = 0; i < 8; i++) {
		b[i] = (unsigned char)(hi >> (56 - 8 * i));
		b[8 + i] = (unsigned char)(lo >> (56 - 8 * i));
	}
	uuid_mark(b, 8);
	uuid_format(out, b);
}

/* A version 4 (random) UUID; without the kernel's randomness, a hash of
 * the moment and the pid still differs from run to run. */
static void uuid_random(char out[PA_UUID_LEN])
{
	unsigned char b[16];
	struct timespec ts;
	char seed[64];

	if (getrandom(b, sizeof(b), GRND_NONBLOCK) == (ssize_t)sizeof(b)) {
		uuid_mark(b, 4);
		uuid_format(out, b);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(seed, sizeof(seed), "%lld.%ld:%d", (long long)ts.tv_sec, ts.tv_nsec,
		 (int)getpid());
	pa_uuid_from_name(out, seed);
}

static int read_machine_id(const char *path, char *buf, size_t size)
{
	char id[MACHINE_ID_HEX + 8];
	ssize_t n = pa_read_at(AT_FDCWD, path, id, sizeof(id));

	if (n < MACHINE_ID_HEX)
		return -1;
	for (int i = 0; i < MACHINE_ID_HEX; i++) {
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return -1;
	}
	if (n > MACHINE_ID_HEX && id[MACHINE_ID_HEX] != '\n')
		return -1;
	snprintf(buf, size, "%.*s", MACHINE_ID_HEX, id);
	return 0;
}

void pa_host_info_load(struct pa_host_info *h, const char *root)
{
	char path[PATH_MAX];
	struct utsname u;
	char name[128];

	memset(h, 0, sizeof(*h));
	if (!root || !*root)
		root = "/";
	snprintf(path, sizeof(path), "%s/etc/machine-id", root);
	if (read_machine_id(path, h->id, sizeof(h->id))) {
		snprintf(path, sizeof(path), "%s/var/lib/dbus/machine-id", root);
		read_machine_id(path, h->id, sizeof(h->id));
	}
	snprintf(path, sizeof(path), "%s/proc", root);
	if (pa_procfs_read_boot_id(path, h->boot_id, sizeof(h->boot_id)))
		h->boot_id[0] = '\0';
	if (!uname(&u)) {
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
		snprintf(h->arch, sizeof(h->arch), "%s", u.machine);
	}
	/* Stable across restarts, as ECS wants of agent.id: from the machine
	 * id, else (a container without one) the boot id. */
	if (h->id[0] || h->boot_id[0]) {
		snprintf(name, sizeof(name), "%s%s", AGENT_ID_SALT, h->id[0] ? h->id : h->boot_id);
		pa_uuid_from_name(h->agent_id, name);
	}
	uuid_random(h->ephemeral_id);
}

const struct pa_host_info *pa_host_info(void)
{
	if (!current_state) {
		pa_host_info_load(&current, "/");
		current_state = 1;
	}
	return &current;
}

void pa_host_info_set(const struct pa_host_info *h)
{
	current = *h;
	current_state = 1;
	generation++;
}

unsigned pa_host_info_generation(void)
{
	return generation;
}
