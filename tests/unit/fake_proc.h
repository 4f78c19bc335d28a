/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by the tests that build a fake /proc (test_procfs.c, and
 * fixture.h for the collector tests): the text of a /proc/PID/stat line
 * and of a /proc/PID/status file, laid out as the kernel writes them.
 * Only formatting: where the files go is each fixture's business.
 */
#ifndef PA_TEST_FAKE_PROC_H
#define PA_TEST_FAKE_PROC_H

#include <stdint.h>
#include <stdio.h>

#include "synth.h"

/* SigIgn/SigCgt/SigBlk masks have bit N-1 for signal N: SIGCHLD (17) is bit 16. */
#define FAKE_SIGCHLD_BIT (1ULL << 16)
/* What a tty_nr of /dev/pts/0 looks like: major 136, minor 0. */
#define FAKE_TTY_PTS0 (136u << 8)

/* "pid (comm) state ppid pgrp session tty_nr tpgid flags ... utime stime
 * ... num_threads itrealvalue starttime ...", proc(5) field by field; pgrp
 * is pid.  cpu_ticks is split as utime = cpu_ticks - cpu_ticks / 3, stime the rest. */
static inline void fake_stat_line_cpu(char *buf, size_t size, uint32_t pid, const char *comm,
				      char state, uint32_t ppid, uint32_t session, uint32_t tty_nr,
				      uint32_t nr_threads, uint64_t ticks, uint64_t cpu_ticks)
{
	int n = snprintf(buf, size,
			 "%u (%s) %c %u %u %u %u -1 4194304 99 0 0 0 %llu %llu 0 0 20 0 %u 0 %llu "
			 "3133440 341 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 "
			 "0 0 0 0 0 0 0 0 0 0\n",
			 pid, comm, state, ppid, pid, session, tty_nr,
			 (unsigned long long)(cpu_ticks - cpu_ticks / 3),
			 (unsigned long long)(cpu_ticks / 3), nr_threads, (unsigned long long)ticks);

	assert_true(n > 0 && (size_t)n < size);
}

/* The same with 8 ticks of CPU time. */
static inline void fake_stat_line(char *buf, size_t size, uint32_t pid, const char *comm, char state,
				  uint32_t ppid, uint32_t session, uint32_t tty_nr, uint32_t nr_threads,
				  uint64_t ticks)
{
	fake_stat_line_cpu(buf, size, pid, comm, state, ppid, session, tty_nr, nr_threads, ticks, 8);
}

struct fake_status {
	uint32_t pid;
	uint32_t ppid;
	const char *groups;  /* the Groups: line's value; NULL: none */
	const char *nspid;   /* "4242" or "4242\t1"; NULL: a kernel without NSpid lines */
	uint64_t sig_blk;    /* a blocked SIGCHLD is neither ignored nor caught */
	uint64_t sig_ign;
	uint64_t sig_cgt;
	bool no_sig_masks;   /* leave SigIgn and SigCgt out */
};

/* The whole status file as a 6.x kernel writes it for a sleeping task.
 * NSpgid and NSsid hold other numbers than NSpid on purpose. */
static inline void fake_status_text(char *buf, size_t size, const struct fake_status *s)
{
	char ns[128] = "";
	char masks[128] = "";
	int n;

	if (s->nspid)
		snprintf(ns, sizeof(ns), "NStgid:\t%s\nNSpid:\t%s\nNSpgid:\t77\nNSsid:\t88\n", s->nspid,
			 s->nspid);
	if (!s->no_sig_masks)
		snprintf(masks, sizeof(masks), "SigIgn:\t%016llx\nSigCgt:\t%016llx\n",
			 (unsigned long long)s->sig_ign, (unsigned long long)s->sig_cgt);
	n = snprintf(buf, size,
		     "Name:\tfake\n"
		     "Umask:\t0022\n"
		     "State:\tS (sleeping)\n"
		     "Tgid:\t%u\n"
		     "Ngid:\t0\n"
		     "Pid:\t%u\n"
		     "PPid:\t%u\n"
		     "TracerPid:\t0\n"
		     "Uid:\t1000\t1000\t1000\t1000\n"
		     "Gid:\t1000\t1000\t1000\t1000\n"
		     "FDSize:\t64\n"
		     "Groups:\t%s\n"
		     "%s"
		     "VmPeak:\t    8880 kB\n"
		     "VmSize:\t    8880 kB\n"
		     "VmRSS:\t    5120 kB\n"
		     "Threads:\t1\n"
		     "SigQ:\t0/63569\n"
		     "SigPnd:\t0000000000000000\n"
		     "ShdPnd:\t0000000000000000\n"
		     "SigBlk:\t%016llx\n"
		     "%s"
		     "CapInh:\t0000000000000000\n"
		     "CapPrm:\t0000000000000000\n"
		     "CapEff:\t0000000000000000\n"
		     "CapBnd:\t000001ffffffffff\n"
		     "CapAmb:\t0000000000000000\n"
		     "NoNewPrivs:\t0\n"
		     "Seccomp:\t0\n"
		     "Cpus_allowed:\tff\n"
		     "Cpus_allowed_list:\t0-7\n"
		     "voluntary_ctxt_switches:\t12\n"
		     "nonvoluntary_ctxt_switches:\t3\n",
		     s->pid, s->pid, s->ppid, s->groups ? s->groups : "", ns,
		     (unsigned long long)s->sig_blk, masks);
	assert_true(n > 0 && (size_t)n < size);
}

#endif /* PA_TEST_FAKE_PROC_H */
