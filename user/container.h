/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which container a process runs in, from the name of its cgroup v2 leaf:
 * every container runtime puts a container's processes in a cgroup named
 * after the container id.  Pure string work, so tests need no container.
 */
#ifndef PA_CONTAINER_H
#define PA_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

/* Docker, containerd, CRI-O and podman ids are 64 lowercase hex digits. */
#define PA_CONTAINER_ID_LEN 64

struct pa_container {
	char id[PA_CONTAINER_ID_LEN + 1];
	/* "docker", "containerd", "cri-o", "podman"; NULL when the name does not say */
	const char *runtime;
};

/*
 * The container a cgroup leaf name (or a whole path: its last component
 * counts) belongs to:
 *   docker-<id>.scope            docker with the systemd cgroup driver
 *   <id>                         docker or kubelet with the cgroupfs driver
 *                                (/docker/<id>, /kubepods/.../pod<uid>/<id>)
 *   cri-containerd-<id>.scope    containerd (kubelet, systemd driver)
 *   crio-<id>.scope              CRI-O
 *   libpod-<id>.scope            podman
 *   nerdctl-<id>.scope           nerdctl (containerd)
 * The runtimes' own monitors (crio-conmon-, libpod-conmon-) are host
 * processes, not the container.  true and *c filled when one matched.
 */
bool pa_container_from_cgroup(const char *name, struct pa_container *c);

#endif
