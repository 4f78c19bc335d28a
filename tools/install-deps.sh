#!/bin/sh
# Install the Debian packages ptrace-agent needs, only those missing.
#   tools/install-deps.sh [build|test|bench]...   (default: build)
# `make run`, `make test` and `make bench` call this; it does nothing when
# everything is already there, so it is cheap to run every time.
set -eu

build="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libisal-dev libdeflate-dev pkg-config uthash-dev linux-libc-dev libncurses-dev"
# cmocka: the unit-test framework; jansson: an independent JSON parser the
# tests check our output with; valgrind: the leak check of the unit tests;
# tmux: a real terminal for the live tree test; rsyslog: the real receiver
# the syslog sink is tested against; libclang-rt-14-dev: libFuzzer, for
# the record-file reader.
test="libcmocka-dev libjansson-dev valgrind tmux rsyslog libclang-rt-14-dev"
# The peers the benchmarks compare against, perf for `perf bench`, tmux
# for the live tree's benchmark.
bench="libbpf-tools forkstat linux-perf tmux"

want=""
[ $# -eq 0 ] && set -- build
for group in "$@"; do
	case "$group" in
	build) want="$want $build" ;;
	test) want="$want $build $test" ;;
	bench) want="$want $build $bench" ;;
	*) echo "install-deps: unknown group '$group' (build, test or bench)" >&2; exit 2 ;;
	esac
done

missing=""
for pkg in $want; do
	case " $missing " in *" $pkg "*) continue ;; esac
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages:$missing; run as root or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is wanted
apt-get install -y -qq --no-install-recommends $missing >/dev/null
