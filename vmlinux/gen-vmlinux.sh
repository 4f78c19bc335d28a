#!/bin/sh
# Regenerate the committed vmlinux.h from the running kernel's BTF.
# CO-RE relocates every field access at load time, so one header built on a
# recent kernel serves older and newer kernels alike; regenerate it only when
# the BPF code needs a type or field this header does not have.
set -eu
btf=${1:-/sys/kernel/btf/vmlinux}
arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
out="$(dirname "$0")/$arch/vmlinux.h"
[ -r "$btf" ] || { echo "gen-vmlinux: $btf not readable: a kernel with CONFIG_DEBUG_INFO_BTF=y is needed" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out from $btf ($(uname -r))"
