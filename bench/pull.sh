#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# pull.sh: cold pulls from a local registry, side by side: `berth pull`, `podman pull` and
# `skopeo copy` to a dir (download and verify only, no unpacking), plus the single-pass limit
# (`zcat layer | sha256sum`) and `tar -xzf` of the same layers.  Two images:
#   big     ~200 MB of gzip in three large layers (binaries, text, 100 MiB of random data)
#   debian  a Debian bookworm minbase rootfs (debootstrap), one gzip -6 layer
# Each tool starts from an empty store every run; the runs are interleaved.  Prints medians of
# wall time and user+sys CPU (bench/measure.c: the command and everything it waited for),
# MB/s (compressed bytes / wall) and ratios to berth.
#
# Environment:
#   RUNS       runs of each tool per image (default 5)
#   IMAGES     which images (default "big debian")
#   BENCH_DIR  where the stores and extraction targets go (default /var/tmp: this machine's disk)
#              Every run keeps its tree until the end (see pull_bench.py): RUNS=5 needs ~15 GB.
#   BERTH      the berth binary (default build/berth)
#   CACHE      the debootstrap rootfs and the layers built once (default /var/cache/berth-bench)
#   MIRROR     the Debian mirror for debootstrap (default: the first URIs of /etc/apt/sources.list*)
#   SETTLE     seconds to wait before timing, so that earlier deletions age out (default 31)
# Needs root (podman and berth store layers with their owners), docker-registry, skopeo, podman,
# debootstrap.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
export BERTH=${BERTH:-$repo/build/berth}
export RUNS=${RUNS:-5}
export IMAGES=${IMAGES:-big debian}
export CACHE=${CACHE:-/var/cache/berth-bench}
bench_dir=${BENCH_DIR:-/var/tmp}
[ -x "$BERTH" ] || { echo "pull.sh: $BERTH not built (make all)" >&2; exit 1; }
for t in docker-registry skopeo podman gzip; do
	command -v "$t" >/dev/null || { echo "pull.sh: $t is not installed" >&2; exit 1; }
done
mkdir -p "$CACHE"

# The Debian minbase rootfs, once: debootstrap into the cache, packed as a tar (no /dev nodes,
# as in Debian's own images), the tree removed.
if [ ! -s "$CACHE/debian-minbase.tar" ] && echo "$IMAGES" | grep -qw debian; then
	command -v debootstrap >/dev/null || { echo "pull.sh: apt-get install debootstrap" >&2; exit 1; }
	mirror=${MIRROR:-$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p; s/^deb  *\(\[[^]]*\] *\)\{0,1\}\(http[^ ]*\).*/\2/p' \
		/etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | head -1)}
	mirror=${mirror:-http://deb.debian.org/debian}
	rm -rf "$CACHE/rootfs.tmp"
	echo "debootstrap --variant=minbase bookworm from $mirror (once; cached in $CACHE)"
	debootstrap --variant=minbase bookworm "$CACHE/rootfs.tmp" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
		{ echo "pull.sh: debootstrap failed, see $CACHE/debootstrap.log" >&2; exit 1; }
	tar -C "$CACHE/rootfs.tmp" --numeric-owner --sort=name --exclude='./dev/*' \
		-cf "$CACHE/debian-minbase.tar.tmp" .
	mv "$CACHE/debian-minbase.tar.tmp" "$CACHE/debian-minbase.tar"
	rm -rf "$CACHE/rootfs.tmp"
fi

work=$(mktemp -d "$bench_dir/berth-pull-bench.XXXXXX")
RUNROOTS=$(mktemp -d /tmp/bpr.XXXXXX) # podman: a runroot of at most 50 characters
export RUNROOTS
cleanup() {
	[ -f "$work/registry.pid" ] && kill "$(cat "$work/registry.pid")" 2>/dev/null || true
	for r in "$work"/podman-*; do
		[ -d "$r" ] || continue
		run="$RUNROOTS/$(basename "$r")"
		podman --root "$r/root" --runroot "$run" --tmpdir "$r/tmp" --storage-driver overlay \
			system reset -f >/dev/null 2>&1 || true
		grep -E " ($r|$run)/" /proc/self/mounts | cut -d' ' -f2 | sort -r | while read -r m; do
			umount -l "$m" 2>/dev/null || true
		done
	done
	rm -rf "$work" "$RUNROOTS"
}
trap cleanup EXIT INT TERM
cc -O2 -static -o "$work/measure" "$repo/bench/measure.c" 2>/dev/null ||
	cc -O2 -o "$work/measure" "$repo/bench/measure.c"
python3 "$repo/bench/pull_bench.py" "$work"
