#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Compare inflate implementations on a ~100 MB gzip tar made locally (tar of /usr/lib, gzip -6),
# then time berth's whole layer unpack (inflate + sha256 + extraction) against zcat|sha256sum
# and tar -x.  Figures go into docs/storage.md by hand.
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/berth-unpack-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

tar -cf "$work/layer.tar" -C / usr/lib 2>/dev/null || true
head -c 100000000 "$work/layer.tar" >"$work/cut.tar" && mv "$work/cut.tar" "$work/layer.tar"
gzip -6 -k "$work/layer.tar"
size=$(stat -c %s "$work/layer.tar")
echo "input: $(stat -c %s "$work/layer.tar.gz") bytes gzip, $size bytes tar"

cc -O2 -o "$work/inflate-bench" bench/inflate-bench.c -lz -lisal -ldeflate
"$work/inflate-bench" "$work/layer.tar.gz" "$size"

med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t() { s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
echo "zcat | sha256sum: $(for i in 1 2 3; do t sh -c "zcat '$work/layer.tar.gz' | sha256sum"; done | med) s"
if [ -x build/storage-tool ]; then
	echo "berth prepare (vfs): $(for i in 1 2 3; do rm -rf "$work/root"; mkdir "$work/root"
		t build/storage-tool prepare --root "$work/root" --driver vfs \
			--chain sha256:$(sha256sum "$work/layer.tar.gz" | cut -c1-64) \
			--layer "$work/layer.tar.gz"; done | med) s"
fi
echo "tar -xzf: $(for i in 1 2 3; do rm -rf "$work/x"; mkdir "$work/x"
	t tar -xzf "$work/layer.tar.gz" -C "$work/x"; done | med) s"
