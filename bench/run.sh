#!/bin/sh
# run.sh (`make bench-run`): `berth run --rm` against `podman run --rm` and `docker run --rm` of
# the same busybox rootfs, default network and `--network none`, RUNS times each (default 30:
# at 10 the medians of two identical berth rows differ by ~1 ms and podman's by ±15 ms between
# runs, enough to flip the 1/20 verdict either way),
# interleaved: medians, min and max of the wall time and of the CPU the whole engine used
# (client, monitors, daemons), then the memory (PSS) of one idle container's monitor process
# for each engine: berth-monitor, conmon, containerd-shim-runc-v2.
#
# Everything runs in stores of its own under one temp dir, in a network namespace of its own (so
# podman's and Docker's bridges vanish with it), with its own dockerd and containerd; all of it
# is removed on exit.  The work is in bench/run_bench.py (see its docstring).
# Environment: BERTH (default build/berth), RUNS, SETTLE (seconds of pause after each run, every
# engine alike; default 0.25), BENCH_LOG (keep the engines' logs there).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || {
	echo "bench/run.sh: run as root" >&2
	exit 1
}
exec python3 "$repo/bench/run_bench.py" "$@"
