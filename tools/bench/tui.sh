#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: tools/bench/tui.sh [OUTPUT_DIR]      (run as root; part of `make bench`)
#
# The live tree under a fork storm: is it still responsive, and what does
# it cost?  `ptrace-agent --tree` runs in a tmux pane (a real terminal, on
# a private tmux server) while forkbench forks and reaps processes as fast
# as it can.  Measured:
#   key latency  from tmux send-keys '?' until capture-pane shows the help
#                text, KEYS times; tmux's own round trips are included, so
#                this is an upper bound on the agent's answer time
#   agent CPU    utime+stime of the agent over the storm / wall time, in %
#                of one core
#   events/s     what the agent's status line said during the storm
# Environment: KEYS (default 20), STORM_S (default 15).
set -euo pipefail

OUTPUT_DIR=${1:-.output}
AGENT=$(realpath "$OUTPUT_DIR/ptrace-agent")
FORKBENCH=$(realpath "$OUTPUT_DIR/tools/bench/forkbench")
KEYS=${KEYS:-20}
STORM_S=${STORM_S:-15}
SOCK=pa-bench-$$
# A regex that does not match itself: the tree shows our own grep's
# command line, which must not look like the help text.
HELP_TEXT="any key closes this hel[p]"
TICKS_PER_S=$(getconf CLK_TCK)
STORM_PID=

cleanup() {
	if [ -n "$STORM_PID" ]; then kill "$STORM_PID" 2>/dev/null || true; fi
	tmux -L "$SOCK" kill-server 2>/dev/null || true
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
screen() { tmux -L "$SOCK" capture-pane -p -t bench; }
# Wait (up to 5 s) until the screen does (want=yes) or does not show text.
wait_screen() {
	local text=$1 want=$2 deadline=$(($(now_ms) + 5000))
	while [ "$(now_ms)" -lt "$deadline" ]; do
		if screen | grep -q "$text"; then [ "$want" = yes ] && return 0
		else [ "$want" = no ] && return 0; fi
		sleep 0.005
	done
	echo "tui.sh: timed out waiting for '$text' ($want); the screen:" >&2
	screen >&2
	return 1
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

for tool in tmux awk; do
	command -v "$tool" >/dev/null || { echo "tui.sh: $tool is not installed" >&2; exit 1; }
done
tmux -L "$SOCK" new-session -d -s bench -x 160 -y 45 "exec $AGENT --tree"
wait_screen "PID S USE[R]" yes
agent_pid=$(tmux -L "$SOCK" display-message -p -t bench '#{pane_pid}')

# The storm: forkbench runs back to back for STORM_S seconds.
timeout "$STORM_S" bash -c "while :; do $FORKBENCH fork-exit 200000 >/dev/null; done" &
STORM_PID=$!
sleep 2 # let the rate settle
t0=$(now_ms)
c0=$(cpu_ticks "$agent_pid")
latencies=()
for _ in $(seq "$KEYS"); do
	start=$(now_ms)
	tmux -L "$SOCK" send-keys -t bench '?'
	wait_screen "$HELP_TEXT" yes
	latencies+=($(($(now_ms) - start)))
	tmux -L "$SOCK" send-keys -t bench x
	wait_screen "$HELP_TEXT" no
	sleep 0.2
done
rate=$(screen | sed -n 's/.* \([0-9][0-9]*\) events\/s.*/\1/p' | head -n 1)
c1=$(cpu_ticks "$agent_pid")
t1=$(now_ms)
wait "$STORM_PID" 2>/dev/null || true
STORM_PID=

sorted=$(printf '%s\n' "${latencies[@]}" | sort -n)
median=$(echo "$sorted" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
worst=$(echo "$sorted" | tail -n 1)
cpu_pct=$(awk -v t="$((c1 - c0))" -v hz="$TICKS_PER_S" -v ms="$((t1 - t0))" \
	'BEGIN { printf "%.1f", 100 * t / hz / (ms / 1000) }')
echo
echo "live tree under a fork storm (forkbench fork-exit back to back, ${STORM_S}s)"
printf '  %-34s %s\n' "key latency, median / worst (ms):" "$median / $worst  (${KEYS} presses of '?', tmux round trip included)"
printf '  %-34s %s\n' "agent CPU (% of one core):" "$cpu_pct"
printf '  %-34s %s\n' "events/s on the status line:" "${rate:-?}"
