/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The host and agent facts every JSON event carries (ECS host.* and
 * agent.*).  They do not change while the agent runs, so they are read
 * once; the JSON formatter renders them once too.
 */
#ifndef PA_HOST_INFO_H
#define PA_HOST_INFO_H

#include <stdint.h>

/* A UUID in its 36-character text form, and its NUL. */
#define PA_UUID_LEN 37

struct pa_host_info {
	char id[64];                  /* host.id: /etc/machine-id (32 hex); "" unknown */
	char boot_id[40];             /* host.boot.id; "" unknown */
	char kernel[65];              /* host.os.kernel: uname -r */
	char arch[65];                /* host.architecture: uname -m */
	char agent_id[PA_UUID_LEN];   /* agent.id: stable for this host (see host_info.c) */
	char ephemeral_id[PA_UUID_LEN]; /* agent.ephemeral_id: new every run */
};

/*
 * Read the facts of the system under root ("/" for the real one; a fake
 * tree in tests): root/etc/machine-id (else root/var/lib/dbus/machine-id),
 * root/proc/sys/kernel/random/boot_id, and uname(2).  What cannot be read
 * stays "".  Always succeeds.
 */
void pa_host_info_load(struct pa_host_info *h, const char *root);

/* The facts the JSON events carry: the running system's, read at the
 * first call, unless pa_host_info_set() gave others (a replay shows the
 * recorded host; tests fix them). */
const struct pa_host_info *pa_host_info(void);
void pa_host_info_set(const struct pa_host_info *h);
/* Changes whenever pa_host_info_set() is called: formatters that cached
 * the rendered facts render them again. */
unsigned pa_host_info_generation(void);

/* A name-based id: 128 bits of two FNV-1a hashes of name, in UUID form
 * with version 8 ("vendor-specific", RFC 9562), so that it never passes
 * for a random one. */
void pa_uuid_from_name(char out[PA_UUID_LEN], const char *name);

#endif
