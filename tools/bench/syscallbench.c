// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * syscallbench N: N getppid() calls (the cheapest real syscall, through
 * syscall(2) so that libc cannot cache it) and the ns each took on
 * average, the cost a syscall tracer adds stands out against.
 * Prints "ns_per_call=X".
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	double start;

	if (n <= 0) {
		fprintf(stderr, "usage: syscallbench N (N > 0)\n");
		return 2;
	}
	start = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	printf("ns_per_call=%.1f\n", (now_ns() - start) / n);
	return 0;
}
