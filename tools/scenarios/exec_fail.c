// SPDX-License-Identifier: GPL-2.0
/*
 * exec_fail PATH...
 *
 * Tries to execve(2) each PATH (with argv[0] = PATH and no other argument),
 * expecting each to fail, and prints "pid=P" then "failed=PATH errno=E" for
 * each.  A PATH that does run is a usage error of this scenario: the new
 * program replaces it, and what it does is not ours to say.
 *
 * Example: exec_fail /no/such/file /etc/hostname   (ENOENT, EACCES)
 */
#include <errno.h>
#include <unistd.h>

#include "../scenario_io.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage("exec_fail PATH...");
	emit("pid=%d", (int)getpid());
	for (int i = 1; i < argc; i++) {
		char *args[] = { argv[i], NULL };
		char *env[] = { NULL };

		execve(argv[i], args, env);
		emit("failed=%s errno=%d", argv[i], errno);
	}
	return 0;
}
