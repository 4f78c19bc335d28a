// SPDX-License-Identifier: GPL-2.0
/*
 * mutex_ring3
 *
 * A deadlock of three: thread i holds mutex i and waits for mutex i + 1
 * (mod 3), after a barrier so that every thread holds its first before
 * any asks for its second.  Prints "pid=P", three "thread=T" lines, then
 * "deadlocked" once all three are blocked in futex(), and hangs until a
 * signal kills it.
 *
 * Example: mutex_ring3
 */
#include "../lock_scenario.h"

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage("mutex_ring3");
	return run_mutex_ring(3);
}
