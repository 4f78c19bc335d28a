#!/bin/bash
# Run every test binary and end with one line the CI reads:
#   N passed, N failed, N skipped
# Unit tests run twice: built with ASan/UBSan, and plain under valgrind.
# Integration tests load the real BPF programs; on a machine that cannot,
# they skip (cmocka's skip), and the skips are counted and printed.
set -uo pipefail

out=${1:-.output}
export PA_BUILD_DIR
PA_BUILD_DIR=$(cd "$out" && pwd)
passed=0 failed=0 skipped=0
failed_names=()

# cmocka prints "[  PASSED  ] 3 test(s)." etc.; take the counts from there.
count() {
	local log=$1 what=$2
	grep -E "^\[ +$what +\] [0-9]+ test" "$log" | tail -n 1 | sed -E 's/^[^]]*\] ([0-9]+).*/\1/'
}

run_one() {
	local name=$1; shift
	local log rc p f s
	log=$(mktemp)
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(count "$log" PASSED); f=$(count "$log" FAILED); s=$(count "$log" SKIPPED)
	p=${p:-0}; f=${f:-0}; s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# Crashed, leaked (valgrind) or died before its summary.
		f=1
		echo "run-tests: $name exited with status $rc"
	fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	[ "$f" -gt 0 ] && failed_names+=("$name")
	rm -f "$log"
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "$out"/tests/asan/test_*; do
	[ -x "$t" ] || continue
	echo "== unit (ASan/UBSan): $(basename "$t")"
	run_one "asan/$(basename "$t")" "$t"
done
for t in "$out"/tests/plain/test_*; do
	[ -x "$t" ] || continue
	echo "== unit (valgrind): $(basename "$t")"
	run_one "valgrind/$(basename "$t")" valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect "$t"
done
for t in "$out"/tests/integration/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.o|*.d) continue ;; esac
	echo "== integration: $(basename "$t")"
	run_one "integration/$(basename "$t")" "$t"
done

# The fuzz corpus (crashes the fuzzer once found included) read once each
# by the record-file reader: one test, passed when none of them crashes.
fuzz="$out/fuzz/fuzz_replay"
if [ -x "$fuzz" ]; then
	echo "== fuzz corpus (libFuzzer, ASan/UBSan): $(ls tests/fuzz/corpus | wc -l) inputs"
	if "$fuzz" tests/fuzz/corpus/* >/dev/null 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failed_names+=("fuzz/fuzz_replay")
		"$fuzz" tests/fuzz/corpus/* 2>&1 | tail -n 30
	fi
fi

echo
[ "${#failed_names[@]}" -gt 0 ] && echo "failed: ${failed_names[*]}"
[ "$skipped" -gt 0 ] && echo "skipped: $skipped test(s); see SKIPPED lines above for why"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
