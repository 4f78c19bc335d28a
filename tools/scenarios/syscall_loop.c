// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * syscall_loop N: exactly N getppid() calls and N close(-1) calls (each
 * failing with EBADF), made with syscall(2) so that libc can neither cache
 * nor skip them.  Prints pid=P first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	long failed = 0;

	printf("pid=%d\n", (int)getpid());
	fflush(stdout);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	for (long i = 0; i < n; i++)
		failed += syscall(SYS_close, -1) < 0;
	printf("getppid=%ld close_failed=%ld\n", n, failed);
	return 0;
}
