#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Inflate implementations compared on ~100 MB gzip tars made locally (gzip -6): one of /usr/lib
# (binaries, poorly compressible) and one of /usr/share (text, typical of distro layers).  Then
# berth's whole unpack (inflate + sha256 + extraction, vfs driver) against zcat | sha256sum and
# tar -xzf on the same files.  Extraction targets live in $BENCH_DIR (default /dev/shm, so the
# figures measure CPU work, not this machine's disk).  The figures go into docs/storage.md by hand.
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/berth-unpack-bench.XXXXXX)
out=$(mktemp -d "${BENCH_DIR:-/dev/shm}/berth-unpack-bench.XXXXXX")
trap 'rm -rf "$work" "$out"' EXIT INT TERM
cc -O2 -o "$work/inflate-bench" bench/inflate-bench.c -lz -lisal -ldeflate

# The first ~100 MB of regular files under $1, as a complete tar.
make_tar() {
	find "$1" -xdev -type f -printf '%s %p\n' 2>/dev/null |
		awk '{ s += $1; if (s > 100000000) exit; sub(/^[0-9]+ /, ""); print }' >"$work/list"
	tar -cf "$2" --no-recursion -T "$work/list" 2>/dev/null
}

med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
t() {
	s=$(date +%s.%N)
	"$@" >/dev/null 2>"$work/err" || { echo "FAILED: $* $(cat "$work/err")" >&2; exit 1; }
	e=$(date +%s.%N)
	echo "$e - $s" | bc
}

for src in /usr/lib /usr/share; do
	make_tar "$src" "$work/layer.tar"
	gzip -6 -f -k "$work/layer.tar"
	size=$(stat -c %s "$work/layer.tar")
	echo "== $src: $(stat -c %s "$work/layer.tar.gz") bytes gzip, $size bytes tar"
	"$work/inflate-bench" "$work/layer.tar.gz" "$size"
	echo "zcat | sha256sum:    $(for i in 1 2 3; do
		t sh -c "zcat '$work/layer.tar.gz' | sha256sum"; done | med) s"
	if [ -x build/storage-tool ]; then
		chain=sha256:$(zcat "$work/layer.tar.gz" | sha256sum | cut -c1-64)
		echo "berth prepare (vfs): $(for i in 1 2 3; do
			rm -rf "$out/root"; mkdir "$out/root"
			t build/storage-tool prepare --root "$out/root" --driver vfs \
				--chain "$chain" --layer "$work/layer.tar.gz"; done | med) s"
	fi
	echo "tar -xzf:            $(for i in 1 2 3; do
		rm -rf "$out/x"; mkdir "$out/x"
		t tar -xzf "$work/layer.tar.gz" -C "$out/x"; done | med) s"
	rm -rf "$out/x" "$out/root" "$work"/layer.tar*
done
