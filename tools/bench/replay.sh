#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: tools/bench/replay.sh [OUTPUT_DIR]    (run as root; part of `make bench`)
#
# The figures for record and replay (issue 5):
#   replay rate   a recorded fork storm (LONG_STORM forks) replayed through
#                 the collector and the JSON sink into /dev/null: events per
#                 second of the replay's own CPU time (perf stat's
#                 task-clock: user+sys of all its threads), median of
#                 REPLAYS runs; and the same for the shorter storm of the
#                 record rounds, where the start weighs more
#   record cost   two agents trace the same storm at once (--json -o
#                 /dev/null), one of them with --record: their CPU per
#                 event (all threads', the scheduler's count), ROUNDS
#                 rounds, which one starts first alternating; what
#                 recording adds is the median of the rounds' ratios.
#                 Agents run one after the other differed by 10-25% from
#                 run to run on our VM, more than recording costs; twins
#                 see the same storm at the same moment.
#   writer cost   tapebench on the recorded storm: coding, each DEFLATE
#                 library, and the writer as a whole, per record
#   collector     recordbench: the recorded storm fed to the collector
#                 alone, without and with recording, 21 alternating pairs
# Environment: STORM (forks per run, default 40000), ROUNDS (default 9),
# REPLAYS (default 9), LONG_STORM (forks of the replayed recording, 120000).
set -euo pipefail

OUTPUT_DIR=${1:-.output}
AGENT=$(realpath "$OUTPUT_DIR/ptrace-agent")
FORKBENCH=$(realpath "$OUTPUT_DIR/tools/bench/forkbench")
STORM=${STORM:-40000}
ROUNDS=${ROUNDS:-9}
REPLAYS=${REPLAYS:-9}
LONG_STORM=${LONG_STORM:-120000}
TMP=$(mktemp -d)
AGENT_PID='' TWIN_PID=''

cleanup() {
	local pid
	for pid in $AGENT_PID $TWIN_PID; do kill -INT "$pid" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# utime+stime of a process's threads in ns (schedstat: the scheduler's own count).
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { print s }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# Starts an agent with options $1, stderr to $2; sets STARTED to its pid.
start_agent() {
	# shellcheck disable=SC2086 # the options are words
	"$AGENT" --json -o /dev/null $1 2>"$2" &
	STARTED=$!
}

events_of() { sed -n 's/.*: \([0-9]*\) events,.*/\1/p' "$1"; }

# One round: twins trace one storm, the second records; prints "plain_ns
# recorded_ns" per event.  $1: odd rounds start the recording one first.
twin_round() {
	local a0 b0 a1 b1
	rm -f "$TMP/storm.pat"
	if (($1 % 2)); then
		start_agent "--record $TMP/storm.pat" "$TMP/b.err"; TWIN_PID=$STARTED
		start_agent "" "$TMP/a.err"; AGENT_PID=$STARTED
	else
		start_agent "" "$TMP/a.err"; AGENT_PID=$STARTED
		start_agent "--record $TMP/storm.pat" "$TMP/b.err"; TWIN_PID=$STARTED
	fi
	until grep -q "ptrace-agent: tracing" "$TMP/a.err" 2>/dev/null &&
		grep -q "ptrace-agent: tracing" "$TMP/b.err" 2>/dev/null; do sleep 0.05; done
	a0=$(cpu_ns "$AGENT_PID") b0=$(cpu_ns "$TWIN_PID")
	"$FORKBENCH" fork-exit "$STORM" >/dev/null
	sleep 0.3 # the last 5 ms drains
	a1=$(cpu_ns "$AGENT_PID") b1=$(cpu_ns "$TWIN_PID")
	kill -INT "$AGENT_PID" "$TWIN_PID"
	wait "$AGENT_PID" "$TWIN_PID" || true
	AGENT_PID='' TWIN_PID=''
	echo "$(((a1 - a0) / $(events_of "$TMP/a.err"))) $(((b1 - b0) / $(events_of "$TMP/b.err")))"
}

# One traced storm by one agent, recorded to $1; $2 forks.
recorded_storm() {
	start_agent "--record $1" "$TMP/err"; AGENT_PID=$STARTED
	until grep -q "ptrace-agent: tracing" "$TMP/err" 2>/dev/null; do sleep 0.05; done
	"$FORKBENCH" fork-exit "$2" >/dev/null
	sleep 0.3
	kill -INT "$AGENT_PID"
	wait "$AGENT_PID" || true
	AGENT_PID=
}

plain=() recorded=() ratios=()
for round in $(seq "$ROUNDS"); do
	read -r a b < <(twin_round "$round")
	plain+=("$a") recorded+=("$b")
	ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", 100 * (b - a) / a }')")
done
plain_med=$(printf '%s\n' "${plain[@]}" | median)
rec_med=$(printf '%s\n' "${recorded[@]}" | median)
ratio_med=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')

# Replays of $1 REPLAYS times; sets rates (events/s of each) and events.
replay_rates() {
	rates=()
	for _ in $(seq "$REPLAYS"); do
		# perf's task-clock: the CPU time of all its threads to the
		# microsecond (time(1)'s 10 ms ticks are a tenth of a replay).
		perf stat -x, -e task-clock -o "$TMP/time" \
			"$AGENT" --json --replay "$1" -o /dev/null 2>"$TMP/replay.err"
		events=$(events_of "$TMP/replay.err")
		rates+=("$(awk -F, -v e="$events" '/task-clock/ { printf "%d", e / ($1 / 1000) }' "$TMP/time")")
	done
}

replay_rates "$TMP/storm.pat"
rate_med=$(printf '%s\n' "${rates[@]}" | median) short_rates=("${rates[@]}") short_events=$events

# The throughput figure: a recording long enough that the first two
# seconds (the table filling up to the 2 s linger of reaped processes,
# first touches of its memory) and the process's start do not dominate.
recorded_storm "$TMP/long.pat" "$LONG_STORM"
replay_rates "$TMP/long.pat"
long_med=$(printf '%s\n' "${rates[@]}" | median)

echo
echo "record and replay (forkbench fork-exit $STORM per run; $(du -h "$TMP/storm.pat" | cut -f1) recorded)"
printf '  %-44s %s\n' "agent CPU per event, -o /dev/null (ns):" "$plain_med  (rounds: ${plain[*]})"
printf '  %-44s %s\n' "its twin, the same and --record (ns):" "$rec_med  (rounds: ${recorded[*]})"
printf '  %-44s %s\n' "record adds (median of the rounds):" "$(printf '%+.1f%%' "$ratio_med")  (rounds: ${ratios[*]})"
printf '  %-44s %s\n' "replay to JSON in /dev/null (events/s):" "$long_med  ($events events, fork-exit $LONG_STORM; runs: ${rates[*]})"
printf '  %-44s %s\n' "  the same, the short recording above:" "$rate_med  ($short_events events; runs: ${short_rates[*]})"
echo
echo "the record file's writer alone (tools/bench/tapebench, best of 9):"
"$OUTPUT_DIR/tools/bench/tapebench" "$TMP/storm.pat" | sed 's/^/  /'
echo
echo "what recording adds to the collector alone (tools/bench/recordbench):"
"$OUTPUT_DIR/tools/bench/recordbench" "$TMP/storm.pat" 21 | sed 's/^/  /'
