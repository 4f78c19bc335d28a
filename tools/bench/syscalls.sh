#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: tools/bench/syscalls.sh [OUTPUT_DIR]   (run as root; `make bench`)
#
# What counting syscalls costs each syscall: OUTPUT_DIR/tools/bench/syscallbench
# (a getppid loop) under
#   baseline               nothing traced
#   ptrace-agent           OUTPUT_DIR/ptrace-agent --syscalls -o /dev/null
#                          (count, errors and time per process and syscall)
#   syscount               /usr/sbin/syscount (libbpf-tools: count per syscall)
#   syscount -L            /usr/sbin/syscount -L (count and latency)
# in one run, each round in an order rotated per round; the median ns per
# call over ROUNDS and the ns added to the baseline median.  Budget: the
# agent adds at most 40 ns per syscall.  A missing syscount is skipped.
#
# Environment: ROUNDS (default 7), CALLS (default 2000000) per run.
set -euo pipefail

OUTPUT_DIR=${1:-.output}
AGENT=$OUTPUT_DIR/ptrace-agent
BENCH=$OUTPUT_DIR/tools/bench/syscallbench
SYSCOUNT=/usr/sbin/syscount
ROUNDS=${ROUNDS:-7}
CALLS=${CALLS:-2000000}
BUDGET_NS=40
READY_TIMEOUT_S=20
STOP_TIMEOUT_S=10
POLL_S=0.05

TMP_DIR=$(mktemp -d)
TRACER_PID=
TRACEFS_MOUNTED=

die() {
	echo "syscalls.sh: $*" >&2
	exit 1
}

cleanup() {
	if [[ -n $TRACER_PID ]]; then
		kill -KILL "$TRACER_PID" 2>/dev/null || true
	fi
	if [[ -n $TRACEFS_MOUNTED ]]; then
		umount /sys/kernel/tracing || true
	fi
	rm -rf "$TMP_DIR"
}
trap cleanup EXIT

# syscount attaches to raw_syscalls through tracefs (the agent's tp_btf
# programs do not need it): mount it for the run if nobody has.
ensure_tracefs() {
	if [[ -d /sys/kernel/tracing/events || -d /sys/kernel/debug/tracing/events ]]; then
		return 0
	fi
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || return 1
	TRACEFS_MOUNTED=1
	echo "note: mounted tracefs on /sys/kernel/tracing for this run" >&2
}

# Ready when the tracer's sys_exit program is loaded (syscount prints its
# header through a buffered stdout) or the agent says it is tracing.
wait_ready() {
	local name=$1 deadline=$((SECONDS + READY_TIMEOUT_S))

	while ((SECONDS < deadline)); do
		kill -0 "$TRACER_PID" 2>/dev/null || { cat "$TMP_DIR/$name.err" >&2; return 1; }
		if [[ $name == agent ]]; then
			grep -q '^ptrace-agent: tracing' "$TMP_DIR/$name.err" && return 0
		elif bpftool prog show 2>/dev/null | grep -q ' name sys_exit '; then
			return 0
		fi
		sleep "$POLL_S"
	done
	echo "syscalls.sh: $name not ready after ${READY_TIMEOUT_S}s" >&2
	return 1
}

stop_tracer() {
	local deadline=$((SECONDS + STOP_TIMEOUT_S))

	[[ -n $TRACER_PID ]] || return 0
	kill -INT "$TRACER_PID" 2>/dev/null || true
	while kill -0 "$TRACER_PID" 2>/dev/null && ((SECONDS < deadline)); do
		sleep "$POLL_S"
	done
	kill -KILL "$TRACER_PID" 2>/dev/null || true
	wait "$TRACER_PID" 2>/dev/null || true
	TRACER_PID=
}

start() {
	local name=$1

	case $name in
	baseline) return 0 ;;
	agent) "$AGENT" --syscalls -o /dev/null >/dev/null 2>"$TMP_DIR/$name.err" & ;;
	syscount) "$SYSCOUNT" >/dev/null 2>"$TMP_DIR/$name.err" & ;;
	syscount-L) "$SYSCOUNT" -L >/dev/null 2>"$TMP_DIR/$name.err" & ;;
	esac
	TRACER_PID=$!
	wait_ready "$name" || die "$name failed to start"
}

[[ $(id -u) -eq 0 ]] || die "must run as root"
[[ -x $BENCH && -x $AGENT ]] || die "build first: make all"
CONFIGS=(baseline agent)
if [[ -x $SYSCOUNT ]] && ensure_tracefs; then
	CONFIGS+=(syscount syscount-L)
else
	echo "note: $SYSCOUNT not installed (or no tracefs): skipped" >&2
fi

for ((r = 0; r < ROUNDS; r++)); do
	n=${#CONFIGS[@]}
	for ((i = 0; i < n; i++)); do
		name=${CONFIGS[$(((i + r) % n))]}
		start "$name"
		"$BENCH" "$CALLS" | sed -n 's/^ns_per_call=//p' >>"$TMP_DIR/$name.ns"
		stop_tracer
	done
done

median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

base=$(median "$TMP_DIR/baseline.ns")
agent_added=
echo
echo "syscall cost: getppid loop, $CALLS calls, median of $ROUNDS rounds"
printf '%-14s %10s %12s\n' CONFIG ns/call added_ns
for name in "${CONFIGS[@]}"; do
	m=$(median "$TMP_DIR/$name.ns")
	added=$(awk -v m="$m" -v b="$base" 'BEGIN { printf "%.1f", m - b }')
	printf '%-14s %10s %12s\n' "$name" "$m" "$added"
	[[ $name == agent ]] && agent_added=$added
	[[ $name == syscount ]] && syscount_added=$added
done
if [[ -n ${syscount_added:-} ]]; then
	awk -v a="$agent_added" -v s="$syscount_added" \
		'BEGIN { if (s > 0) printf "ptrace-agent adds %.2fx what syscount adds\n", a / s }'
fi
awk -v a="$agent_added" -v b="$BUDGET_NS" \
	'BEGIN { if (a > b) { printf "over budget: %.1f ns added per syscall (budget %d)\n", a, b; exit 0 } \
		 printf "within budget: %.1f ns added per syscall (budget %d)\n", a, b }'
