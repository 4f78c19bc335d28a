// SPDX-License-Identifier: GPL-2.0
/*
 * mutex_pair
 *
 * The textbook deadlock: two threads take two pthread mutexes in opposite
 * order (thread 1: m1 then m2, thread 2: m2 then m1), after a barrier so
 * that both hold their first before either asks for its second.  Prints
 * "pid=P", "thread=T1", "thread=T2", then "deadlocked" once both threads
 * are blocked in futex(), and hangs until a signal kills it.
 *
 * Example: mutex_pair
 */
#include "../lock_scenario.h"

int main(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage("mutex_pair");
	return run_mutex_ring(2);
}
