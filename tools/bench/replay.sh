#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: tools/bench/replay.sh [OUTPUT_DIR]    (run as root; part of `make bench`)
#
# Two figures for record and replay (issue 5):
#   replay rate   a recorded fork storm (LONG_STORM forks) replayed through
#                 the collector and the JSON sink into /dev/null: events per
#                 second of the replay's own CPU time (perf stat's
#                 task-clock: user+sys of all its threads), median of
#                 REPLAYS runs; and the same for the shorter storm of the
#                 record rounds, where the start weighs more
#   writer cost   tapebench on the recorded storm: coding, each DEFLATE
#                 library, and the writer as a whole, per record
#   record cost   the agent's CPU per event while tracing the same storm
#                 (--json -o /dev/null), without and with --record, in
#                 ROUNDS pairs of runs; what recording adds is the median
#                 of the pairs' ratios
# Environment: STORM (forks per run, default 40000), ROUNDS (default 5),
# REPLAYS (default 9), LONG_STORM (forks of the replayed recording, 120000).
set -euo pipefail

OUTPUT_DIR=${1:-.output}
AGENT=$(realpath "$OUTPUT_DIR/ptrace-agent")
FORKBENCH=$(realpath "$OUTPUT_DIR/tools/bench/forkbench")
STORM=${STORM:-40000}
ROUNDS=${ROUNDS:-5}
REPLAYS=${REPLAYS:-9}
LONG_STORM=${LONG_STORM:-120000}
TMP=$(mktemp -d)
AGENT_PID=

cleanup() {
	if [ -n "$AGENT_PID" ]; then kill -INT "$AGENT_PID" 2>/dev/null || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT

# utime+stime of a process in ns (schedstat: the scheduler's own count).
cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# One traced storm; prints "cpu_ns events".  $1: extra agent options;
# $2: forks (default STORM).
traced_storm() {
	local err=$TMP/err c0 c1 events
	# shellcheck disable=SC2086 # the options are words
	"$AGENT" --json -o /dev/null $1 2>"$err" &
	AGENT_PID=$!
	until grep -q "ptrace-agent: tracing" "$err" 2>/dev/null; do sleep 0.05; done
	c0=$(cpu_ns "$AGENT_PID")
	"$FORKBENCH" fork-exit "${2:-$STORM}" >/dev/null
	sleep 0.2 # the last 5 ms drain
	c1=$(cpu_ns "$AGENT_PID")
	kill -INT "$AGENT_PID"
	wait "$AGENT_PID" || true
	AGENT_PID=
	events=$(sed -n 's/.*: \([0-9]*\) events,.*/\1/p' "$err")
	echo "$((c1 - c0)) $events"
}

# Each round is a pair, run back to back; the VM's speed drifts between
# rounds more than recording costs, so the figure is the median of the
# pairs' ratios, not the ratio of two medians.
plain=() recorded=() ratios=()
for _ in $(seq "$ROUNDS"); do
	read -r cpu events < <(traced_storm "")
	plain+=($((cpu / events)))
	read -r cpu events < <(traced_storm "--record $TMP/storm.pat")
	recorded+=($((cpu / events)))
	ratios+=("$(awk -v a="${recorded[-1]}" -v b="${plain[-1]}" 'BEGIN { printf "%.1f", 100 * (a - b) / b }')")
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
		events=$(sed -n 's/.*: \([0-9]*\) events,.*/\1/p' "$TMP/replay.err")
		rates+=("$(awk -F, -v e="$events" '/task-clock/ { printf "%d", e / ($1 / 1000) }' "$TMP/time")")
	done
}

replay_rates "$TMP/storm.pat"
rate_med=$(printf '%s\n' "${rates[@]}" | median) short_rates=("${rates[@]}") short_events=$events

# The throughput figure: a recording long enough that the first two
# seconds (the table filling up to the 2 s linger of reaped processes,
# first touches of its memory) and the process's start do not dominate.
traced_storm "--record $TMP/long.pat" "$LONG_STORM" >/dev/null
replay_rates "$TMP/long.pat"
long_med=$(printf '%s\n' "${rates[@]}" | median)

echo
echo "record and replay (forkbench fork-exit $STORM per run; $(du -h "$TMP/storm.pat" | cut -f1) recorded)"
printf '  %-44s %s\n' "agent CPU per event, -o /dev/null (ns):" "$plain_med  (runs: ${plain[*]})"
printf '  %-44s %s\n' "the same with --record (ns):" "$rec_med  (runs: ${recorded[*]})"
printf '  %-44s %s\n' "record adds (median of the pairs):" "$(printf '%+.1f%%' "$ratio_med")  (pairs: ${ratios[*]})"
printf '  %-44s %s\n' "replay to JSON in /dev/null (events/s):" "$long_med  ($events events, fork-exit $LONG_STORM; runs: ${rates[*]})"
printf '  %-44s %s\n' "  the same, the short recording above:" "$rate_med  ($short_events events; runs: ${short_rates[*]})"
echo
echo "the record file's writer alone (tools/bench/tapebench, best of 9):"
"$OUTPUT_DIR/tools/bench/tapebench" "$TMP/storm.pat" | sed 's/^/  /'
