#!/usr/bin/env python3
"""Compare `berth run --rm --network none busybox true` between builds, interleaved.

usage (as root): bench/ab.py N BUILD_DIR [BUILD_DIR...]

Each build directory (holding `berth`, `berth-monitor` and `busybox-image.tar`, e.g. `build/`
of two worktrees) gets a data root of its own under /tmp/berth-ab/<i> (world-searchable, as
user namespaces need), loaded once; then N rounds run every build once each, in alternating
order, with a pause between runs ($GAP seconds, default 0.05, so one run's deferred frees do not
land on the next).  Prints the median, first quartile, min and max wall time per build.  The
data roots are left for the next comparison; unmount what is mounted under /tmp/berth-ab and
remove it when done.
"""
import os
import statistics
import subprocess
import sys
import time


def run(berth, root):
    t = time.perf_counter()
    subprocess.run([berth, "--root", root, "run", "--rm", "--network", "none", "busybox", "true"],
                   check=True)
    return (time.perf_counter() - t) * 1000


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    n, builds = int(sys.argv[1]), sys.argv[2:]
    gap = float(os.environ.get("GAP", "0.05"))
    roots = {}
    # ext4's top-directory flag on the parent: each data root gets a block group of its own
    # (run_bench.py says why), not /tmp's, where the test suite frees inodes by the thousand
    os.makedirs("/tmp/berth-ab", mode=0o711, exist_ok=True)
    subprocess.run(["chattr", "+T", "/tmp/berth-ab"], capture_output=True)
    for i, b in enumerate(builds):
        base = f"/tmp/berth-ab/{i}"
        os.makedirs(base, exist_ok=True)
        os.chmod(base, 0o711)
        root = base + "/root"
        if not os.path.exists(base + "/.loaded"):
            subprocess.run([b + "/berth", "--root", root, "load", "-i", b + "/busybox-image.tar"],
                           check=True, stdout=subprocess.DEVNULL)
            open(base + "/.loaded", "w").close()
        run(b + "/berth", root)  # warm-up
        roots[b] = root
    times = {b: [] for b in builds}
    for k in range(n):
        for b in builds if k % 2 == 0 else builds[::-1]:
            times[b].append(run(b + "/berth", roots[b]))
            time.sleep(gap)
    for b in builds:
        v = sorted(times[b])
        print(f"{b:40} median {statistics.median(v):6.2f}  p25 {v[len(v) // 4]:6.2f}  "
              f"min {v[0]:6.2f}  max {v[-1]:6.2f} ms")


if __name__ == "__main__":
    main()
