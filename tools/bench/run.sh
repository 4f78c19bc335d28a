#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: tools/bench/run.sh [OUTPUT_DIR]      (run as root; `make bench`)
#
# Measures what tracing process lifecycles costs the traced workload.  Two
# workloads from OUTPUT_DIR/tools/bench/forkbench (fork-exec, fork-exit) run
# under four configurations:
#   baseline             nothing traced
#   ptrace-agent         OUTPUT_DIR/ptrace-agent --json -o /dev/null
#   execsnoop+exitsnoop  /usr/sbin/execsnoop and /usr/sbin/exitsnoop at once
#   forkstat             /usr/bin/forkstat
# Each round runs every configuration once, in an order rotated per round so
# that drift (thermal, page cache) spreads over all of them.  The table gives
# the median ns per operation over the rounds and its overhead on the
# baseline median.  A peer tool that is not installed is skipped.
#
# A third workload, perf bench sched pipe (two context switches per
# operation), runs under baseline, ptrace-agent and offcputime, which like
# the agent's stuck-thread tracking hooks sched_switch.
#
# Environment: ROUNDS (default 7), PIPE_COUNT (default 100000), EXEC_COUNT (default 2000) and EXIT_COUNT
# (default 8000) operations per run; on the 2-core test VM one run takes
# about 1.2 s.
#
# Readiness: the agent prints "ptrace-agent: tracing" on stderr once
# attached.  The peers print a header once attached, but stdio holds it back
# while stdout is not a terminal, so their output goes to a file (in their
# default, fully buffered mode, as with /dev/null) and marker processes run
# until the file is non-empty: the tool then provably sees events.
set -euo pipefail

OUTPUT_DIR=${1:-.output}
AGENT=$OUTPUT_DIR/ptrace-agent
FORKBENCH=$OUTPUT_DIR/tools/bench/forkbench
EXECSNOOP=/usr/sbin/execsnoop
EXITSNOOP=/usr/sbin/exitsnoop
FORKSTAT=/usr/bin/forkstat

ROUNDS=${ROUNDS:-7}
EXEC_COUNT=${EXEC_COUNT:-2000}
EXIT_COUNT=${EXIT_COUNT:-8000}
# perf bench sched pipe round trips: two context switches each, the rate
# the agent's sched_switch handler (stuck-thread tracking) must bear.
PIPE_COUNT=${PIPE_COUNT:-100000}
OFFCPUTIME=/usr/sbin/offcputime
PERF=/usr/bin/perf
# BPF load and attach take about a second; 20 s means something is wrong.
READY_TIMEOUT_S=20
# Tracers drain their buffers on SIGINT; longer than that means stuck.
STOP_TIMEOUT_S=10
POLL_S=0.05
# Each marker batch is ~60 process events: about one stdio buffer of lines.
MARKER_OPS=20

TMP_DIR=
TRACEFS_MOUNTED=
TRACER_PIDS=()

die() {
	echo "run.sh: $*" >&2
	exit 1
}

cleanup() {
	local pid

	for pid in "${TRACER_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	if [[ -n $TRACEFS_MOUNTED ]]; then
		umount /sys/kernel/tracing || true
	fi
	if [[ -n $TMP_DIR ]]; then
		rm -rf "$TMP_DIR"
	fi
}

# execsnoop and exitsnoop attach to syscall tracepoints, which libbpf finds
# through tracefs; mount it for the run if nobody has.
ensure_tracefs() {
	if [[ -d /sys/kernel/tracing/events || -d /sys/kernel/debug/tracing/events ]]; then
		return 0
	fi
	if mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null; then
		TRACEFS_MOUNTED=1
		echo "note: mounted tracefs on /sys/kernel/tracing for this run" >&2
		return 0
	fi
	return 1
}

# ---- tracer control --------------------------------------------------------

# start_bg NAME CMD...: start CMD with stdout in $TMP_DIR/NAME.out and
# stderr in $TMP_DIR/NAME.err; its pid is appended to TRACER_PIDS.
start_bg() {
	local name=$1

	shift
	: >"$TMP_DIR/$name.out"
	: >"$TMP_DIR/$name.err"
	"$@" >"$TMP_DIR/$name.out" 2>"$TMP_DIR/$name.err" &
	TRACER_PIDS+=("$!")
}

# wait_ready NAME PID KIND: KIND "stderr" waits for the agent's ready line,
# KIND "output" for a non-empty output file.  Fails if PID exits first.
wait_ready() {
	local name=$1 pid=$2 kind=$3
	local deadline=$((SECONDS + READY_TIMEOUT_S))

	while ((SECONDS < deadline)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "run.sh: $name exited before it was ready; its stderr:" >&2
			cat "$TMP_DIR/$name.err" >&2
			return 1
		fi
		if [[ $kind == stderr ]]; then
			if grep -q '^ptrace-agent: tracing' "$TMP_DIR/$name.err"; then
				return 0
			fi
		else
			if [[ -s $TMP_DIR/$name.out ]]; then
				return 0
			fi
			"$FORKBENCH" fork-exec "$MARKER_OPS" >/dev/null
		fi
		sleep "$POLL_S"
	done
	echo "run.sh: $name not ready after ${READY_TIMEOUT_S}s; its stderr:" >&2
	cat "$TMP_DIR/$name.err" >&2
	return 1
}

# stop_tracers: SIGINT every running tracer, give it STOP_TIMEOUT_S to exit,
# then SIGKILL it.
stop_tracers() {
	local pid deadline

	for pid in "${TRACER_PIDS[@]}"; do
		kill -INT "$pid" 2>/dev/null || true
	done
	deadline=$((SECONDS + STOP_TIMEOUT_S))
	for pid in "${TRACER_PIDS[@]}"; do
		while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
			sleep "$POLL_S"
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "run.sh: pid $pid ignored SIGINT for ${STOP_TIMEOUT_S}s; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	TRACER_PIDS=()
}

# ---- configurations --------------------------------------------------------
# start_CONFIG starts the tracers and returns once they see events.

start_baseline() {
	return 0
}

start_agent() {
	start_bg agent "$AGENT" --json -o /dev/null
	if ! wait_ready agent "${TRACER_PIDS[-1]}" stderr; then
		stop_tracers
		die "ptrace-agent failed to start (see its stderr above)"
	fi
}

# --deadlocks adds a look at every sleep (is it a futex lock wait?) to the
# sched_switch handler: the context-switch workload shows what that costs.
start_agent_deadlocks() {
	start_bg agent "$AGENT" --json -o /dev/null --deadlocks
	if ! wait_ready agent "${TRACER_PIDS[-1]}" stderr; then
		stop_tracers
		die "ptrace-agent --deadlocks failed to start (see its stderr above)"
	fi
}

start_snoops() {
	start_bg execsnoop "$EXECSNOOP"
	start_bg exitsnoop "$EXITSNOOP"
	wait_ready execsnoop "${TRACER_PIDS[0]}" output &&
		wait_ready exitsnoop "${TRACER_PIDS[1]}" output
}

# offcputime prints nothing until it stops: it is ready once its
# sched_switch program is loaded.
start_offcputime() {
	local deadline=$((SECONDS + READY_TIMEOUT_S))

	start_bg offcputime "$OFFCPUTIME"
	while ((SECONDS < deadline)); do
		if bpftool prog show 2>/dev/null | grep -q ' name sched_switch '; then
			return 0
		fi
		sleep "$POLL_S"
	done
	return 1
}

start_forkstat() {
	start_bg forkstat "$FORKSTAT"
	wait_ready forkstat "${TRACER_PIDS[0]}" output
}

CONFIGS=()
PIPE_CONFIGS=()
declare -A START CMDLINE

add_config() {
	CONFIGS+=("$1")
	START[$1]=$2
	CMDLINE[$1]=$3
}

setup_configs() {
	add_config baseline start_baseline "(none)"
	add_config ptrace-agent start_agent "$AGENT --json -o /dev/null"

	if [[ ! -x $EXECSNOOP || ! -x $EXITSNOOP ]]; then
		[[ -x $EXECSNOOP ]] || echo "skipped: execsnoop not installed"
		[[ -x $EXITSNOOP ]] || echo "skipped: exitsnoop not installed"
	elif ! ensure_tracefs; then
		echo "skipped: execsnoop+exitsnoop need tracefs, which cannot be mounted"
	else
		add_config execsnoop+exitsnoop start_snoops \
			"$EXECSNOOP >TMPFILE & $EXITSNOOP >TMPFILE"
	fi

	if [[ -x $FORKSTAT ]]; then
		add_config forkstat start_forkstat "$FORKSTAT >TMPFILE"
	else
		echo "skipped: forkstat not installed"
	fi

	# The context-switch workload compares with offcputime, which also
	# hooks sched_switch.
	PIPE_CONFIGS=(baseline ptrace-agent ptrace-agent--deadlocks)
	START[ptrace-agent--deadlocks]=start_agent_deadlocks
	CMDLINE[ptrace-agent--deadlocks]="$AGENT --json -o /dev/null --deadlocks"
	if [[ -x $OFFCPUTIME && -x $PERF ]]; then
		PIPE_CONFIGS+=(offcputime)
		START[offcputime]=start_offcputime
		CMDLINE[offcputime]="$OFFCPUTIME >TMPFILE"
	else
		echo "skipped: offcputime or perf not installed"
	fi
}

# ---- measurement -----------------------------------------------------------

# run_one WORKLOAD COUNT CONFIG: one traced run; appends ns/op to the
# config's result file.
run_one() {
	local workload=$1 count=$2 config=$3 line ns cpu0 cpu1

	if ! "${START[$config]}"; then
		stop_tracers
		die "$config failed to start (see its stderr above)"
	fi
	# The tracers' own CPU during the workload (not their start-up): on
	# two cores it is time the workload cannot have.
	cpu0=$(tracer_cpu_ns)
	line=$(workload_run "$workload" "$count")
	cpu1=$(tracer_cpu_ns)
	stop_tracers
	echo $(((cpu1 - cpu0) / count)) >>"$TMP_DIR/cpu.$workload.$config"

	ns=${line##*ns_per_op=}
	[[ $ns =~ ^[0-9]+$ ]] || die "unexpected forkbench output: $line"
	echo "$ns" >>"$TMP_DIR/result.$workload.$config"
	printf '  %-10s %-20s %10s ns/op\n' "$workload" "$config" "$ns" >&2
}

# tracer_cpu_ns: CPU time (ns, from /proc/PID/schedstat) used so far by
# the running tracers together.
tracer_cpu_ns() {
	local pid total=0 ns

	for pid in "${TRACER_PIDS[@]}"; do
		read -r ns _ <"/proc/$pid/schedstat" || ns=0
		total=$((total + ns))
	done
	echo "$total"
}

# workload_run WORKLOAD COUNT: one run, printing "... ns_per_op=N".
workload_run() {
	local usecs

	if [[ $1 != sched-pipe ]]; then
		"$FORKBENCH" "$1" "$2"
		return
	fi
	# Both ends on one CPU: each operation is then two context switches
	# and nothing else, and idle-state exit latency on the other CPU does
	# not blur what a sched_switch hook costs.
	usecs=$(taskset -c 0 "$PERF" bench sched pipe -l "$2" | awk '/usecs\/op/ { print $1 }')
	awk -v u="$usecs" 'BEGIN { printf "ns_per_op=%d\n", u * 1000 }'
}

# median FILE: the middle value (mean of the two middle ones if even).
median() {
	sort -n "$1" | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# run_workload WORKLOAD COUNT CONFIG...: ROUNDS rounds, configs rotated.
run_workload() {
	local workload=$1 count=$2 round i
	local configs=("${@:3}")
	local n=${#configs[@]}

	for ((round = 0; round < ROUNDS; round++)); do
		echo "round $((round + 1))/$ROUNDS $workload" >&2
		for ((i = 0; i < n; i++)); do
			run_one "$workload" "$count" "${configs[(round + i) % n]}"
		done
	done
}

print_table() {
	local workload config base med

	local cpu

	printf '%-10s %-20s %12s %9s %18s\n' workload config median_ns/op overhead tracer_cpu_ns/op
	for workload in fork-exec fork-exit sched-pipe; do
		base=$(median "$TMP_DIR/result.$workload.baseline")
		for config in "${CONFIGS[@]}" ptrace-agent--deadlocks offcputime; do
			[[ -s $TMP_DIR/result.$workload.$config ]] || continue
			med=$(median "$TMP_DIR/result.$workload.$config")
			cpu=$(median "$TMP_DIR/cpu.$workload.$config")
			awk -v w="$workload" -v c="$config" -v m="$med" -v b="$base" -v u="$cpu" \
				'BEGIN { printf "%-10s %-20s %12d %+8.1f%% %18d\n", w, c, m, (m / b - 1) * 100, u }'
		done
	done
}

print_commands() {
	local config

	echo
	echo "commands (MODE COUNT: fork-exec $EXEC_COUNT, fork-exit $EXIT_COUNT; sched-pipe $PIPE_COUNT; rounds: $ROUNDS):"
	for config in "${CONFIGS[@]}" "${PIPE_CONFIGS[@]:2}"; do
		printf '  %-20s %s\n' "$config" "${CMDLINE[$config]}"
	done
	echo "  workload: $FORKBENCH MODE COUNT, or taskset -c 0 $PERF bench sched pipe -l COUNT, run while the config's tracers run"
}

main() {
	[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$ROUNDS'"
	[[ $EXEC_COUNT =~ ^[1-9][0-9]*$ ]] || die "EXEC_COUNT must be a positive integer"
	[[ $EXIT_COUNT =~ ^[1-9][0-9]*$ ]] || die "EXIT_COUNT must be a positive integer"
	[[ $PIPE_COUNT =~ ^[1-9][0-9]*$ ]] || die "PIPE_COUNT must be a positive integer"
	((EUID == 0)) || die "must run as root: the tracers load BPF programs"
	[[ -x $FORKBENCH ]] || die "$FORKBENCH not found; run make first"
	[[ -x $AGENT ]] || die "$AGENT not found; run make first"

	TMP_DIR=$(mktemp -d /tmp/ptrace-agent-bench.XXXXXX)
	trap cleanup EXIT
	trap 'exit 130' INT TERM

	setup_configs
	run_workload fork-exec "$EXEC_COUNT" "${CONFIGS[@]}"
	run_workload fork-exit "$EXIT_COUNT" "${CONFIGS[@]}"
	run_workload sched-pipe "$PIPE_COUNT" "${PIPE_CONFIGS[@]}"
	print_table
	print_commands
}

main
