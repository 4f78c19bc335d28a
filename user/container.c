// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "container.h"

/* A bare 64-hex leaf says "a container" but not whose: the cgroupfs
 * drivers of docker and the kubelet both name it so. */
static const struct {
	const char *prefix;
	const char *runtime;
} scopes[] = {
	{ "docker-", "docker" },
	{ "cri-containerd-", "containerd" },
	{ "crio-", "cri-o" },
	{ "libpod-", "podman" },
	{ "nerdctl-", "containerd" },
};

static const char scope_suffix[] = ".scope";

static bool is_id(const char *s, size_t len)
{
	if (len != PA_CONTAINER_ID_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

static bool set(struct pa_container *c, const char *id, const char *runtime)
{
	memcpy(c->id, id, PA_CONTAINER_ID_LEN);
	c->id[PA_CONTAINER_ID_LEN] = '\0';
	c->runtime = runtime;
	return true;
}

bool pa_container_from_cgroup(const char *name, struct pa_container *c)
{
	const char *slash = name ? strrchr(name, '/') : NULL;
	size_t len, suffix = sizeof(scope_suffix) - 1;

	if (!name)
		return false;
	if (slash)
		name = slash + 1;
	len = strlen(name);
	if (is_id(name, len))
		return set(c, name, NULL);
	if (len <= suffix || strcmp(name + len - suffix, scope_suffix))
		return false;
	len -= suffix;
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		size_t plen = strlen(scopes[i].prefix);

		/* "crio-conmon-<id>" fails here: what follows the prefix is not an id. */
		if (len > plen && !strncmp(name, scopes[i].prefix, plen) &&
		    is_id(name + plen, len - plen))
			return set(c, name + plen, scopes[i].runtime);
	}
	return false;
}
