// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Signals: who sent what to whom, what the kernel did with it, and what
 * the target does with it.  Generation is filtered here by a mask of
 * signals user space wants to see (by default the ones people act on, not
 * the SIGCHLD of every exit or the ticks of interval timers); a signal
 * that will end its target is always sent, so that user space can name
 * who killed a process in its exit event.  Deliveries only under
 * --signals.
 */
#include "common.bpf.h"

/* include/uapi/asm-generic/signal.h and signal-defs.h; x86 and arm64 alike. */
#define SIGKILL 9
#define SIG_DFL 0
#define SIG_IGN 1
#define PA_NSIG 64
/* include/uapi/asm-generic/siginfo.h */
#define SI_USER 0
#define SI_KERNEL 0x80
/* kernel/signal.c's SEND_SIG_NOINFO (0) and SEND_SIG_PRIV (1): not pointers. */
#define SEND_SIG_PRIV 1

/* The signals whose default action is not to end the process
 * (SIG_KERNEL_IGNORE_MASK and SIG_KERNEL_STOP_MASK of
 * include/linux/signal.h): SIGSTOP 19, SIGTSTP 20, SIGTTIN 21, SIGTTOU 22,
 * SIGCONT 18, SIGCHLD 17, SIGWINCH 28, SIGURG 23.  Bit sig - 1. */
#define DEFAULT_SPARES_MASK                                                                   \
	((1ULL << 16) | (1ULL << 17) | (1ULL << 18) | (1ULL << 19) | (1ULL << 20) |           \
	 (1ULL << 21) | (1ULL << 22) | (1ULL << 27))

/* Bit sig - 1 set: send its generation.  Set before load. */
const volatile __u64 signal_mask = ~0ULL;
const volatile bool signal_deliveries = false;

static __always_inline __u64 sig_bit(int sig)
{
	return 1ULL << ((sig - 1) & (PA_NSIG - 1));
}

/* The target's handler for sig: SIG_DFL, SIG_IGN or a function.  action[]
 * is indexed at run time, which only a probe read allows. */
static __always_inline __u8 disposition(struct task_struct *task, int sig)
{
	struct sighand_struct *sh = BPF_CORE_READ(task, sighand);
	unsigned long handler = SIG_DFL;

	if (!sh)
		return PA_SIGACT_DEFAULT;
	bpf_core_read(&handler, sizeof(handler), &sh->action[(sig - 1) & (PA_NSIG - 1)].sa.sa_handler);
	if (handler == SIG_DFL)
		return PA_SIGACT_DEFAULT;
	return handler == SIG_IGN ? PA_SIGACT_IGNORE : PA_SIGACT_HANDLER;
}

static __always_inline int code_of(struct kernel_siginfo *info)
{
	if ((unsigned long)info <= SEND_SIG_PRIV)
		return info ? SI_KERNEL : SI_USER;
	return info->si_code;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(handle_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	struct task_struct *sender = bpf_get_current_task_btf();
	bool blocked, fatal, wanted;
	struct pa_signal_event *e;
	__u8 action;

	if (sig < 1 || sig > PA_NSIG)
		return 0;
	wanted = signal_mask & sig_bit(sig);
	/* Not asked for and unable to end the target (the SIGCHLD of every
	 * exit): done before the disposition's probe reads. */
	if (!wanted && (result != TRACE_SIGNAL_DELIVERED ||
			(sig != SIGKILL && (DEFAULT_SPARES_MASK & sig_bit(sig)))))
		return 0;
	if (!tgid_followed(task->tgid) && !tgid_followed(sender->tgid))
		return 0;
	action = disposition(task, sig);
	blocked = task->blocked.sig[0] & sig_bit(sig);
	fatal = result == TRACE_SIGNAL_DELIVERED &&
		(sig == SIGKILL ||
		 (action == PA_SIGACT_DEFAULT && !blocked && !(DEFAULT_SPARES_MASK & sig_bit(sig))));
	if (!fatal && !wanted)
		return 0;

	e = reserve_record(sizeof(*e));
	if (!e)
		return 0;
	fill_header(&e->hdr, PA_EV_SIGNAL, sizeof(*e), task);
	if (group)
		e->hdr.flags |= PA_F_SIG_GROUP;
	if (blocked)
		e->hdr.flags |= PA_F_SIG_BLOCKED;
	if (fatal)
		e->hdr.flags |= PA_F_SIG_FATAL;
	e->sender_pid = sender->pid;
	e->sender_tgid = sender->tgid;
	e->sender_start_ns = sender->group_leader->start_boottime;
	__builtin_memcpy(e->sender_comm, sender->comm, sizeof(e->sender_comm));
	e->sig = sig;
	e->code = code_of(info);
	e->result = result;
	e->action = action;
	e->reserved = 0;
	e->reserved2 = 0;
	bpf_ringbuf_submit(e, ringbuf_wakeup_flags());
	return 0;
}

/* The target (current) takes the signal off its queue; ka is what it will
 * do with it.  The sender is what siginfo says for a user-sent signal. */
SEC("tp_btf/signal_deliver")
int BPF_PROG(handle_signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pa_signal_event *e;
	unsigned long handler;
	int code;

	if (!signal_deliveries || sig < 1 || sig > PA_NSIG)
		return 0;
	if (!(signal_mask & sig_bit(sig)) || !tgid_followed(task->tgid))
		return 0;
	e = reserve_record(sizeof(*e));
	if (!e)
		return 0;
	fill_header(&e->hdr, PA_EV_SIGNAL, sizeof(*e), task);
	e->hdr.flags |= PA_F_SIG_DELIVER;
	code = code_of(info);
	/* si_pid is valid for the user-sent codes (SI_USER, SI_TKILL, SI_QUEUE: <= 0). */
	e->sender_pid = code <= 0 && info ? info->_sifields._kill._pid : 0;
	e->sender_tgid = e->sender_pid;
	e->sender_start_ns = 0;
	__builtin_memset(e->sender_comm, 0, sizeof(e->sender_comm));
	e->sig = sig;
	e->code = code;
	e->result = PA_SIGRES_DELIVERED;
	handler = (unsigned long)ka->sa.sa_handler;
	e->action = handler == SIG_DFL ? PA_SIGACT_DEFAULT :
		    handler == SIG_IGN ? PA_SIGACT_IGNORE : PA_SIGACT_HANDLER;
	e->reserved = 0;
	e->reserved2 = 0;
	bpf_ringbuf_submit(e, ringbuf_wakeup_flags());
	return 0;
}
