#!/bin/sh
# runtime.sh: compare berth-runc, crun and runc on the same /bin/true bundle.  Runs each runtime
# RUNS times (default 20), interleaved, and prints the median wall time, user+sys CPU and peak RSS
# (from wait4's rusage of the runtime process and the children it reaped) and their ratio to
# berth-runc.  crun refuses this hybrid cgroup layout while it sees the cgroup2 mount's
# cgroup.controllers, so it runs in a private mount namespace with a tmpfs over
# /sys/fs/cgroup/unified (the unshare+sh wrapper is included in its numbers).
# Environment: BERTH_RUNC (default build/berth-runc), RUNS.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
berth=${BERTH_RUNC:-$repo/build/berth-runc}
runs=${RUNS:-20}
dir=$(mktemp -d /tmp/berth-bench.XXXXXX)
trap 'rm -rf "$dir"; for h in /sys/fs/cgroup/*/; do rmdir "$h/berth-bench" 2>/dev/null || true; done' EXIT INT TERM
"$repo/scripts/make-bundle.sh" "$dir/bundle" /bin/true
cc -O2 -static -o "$dir/measure" "$repo/bench/measure.c"
exec python3 - "$dir" "$runs" "$berth" <<'PY'
import json, os, shutil, statistics, subprocess, sys, time

d, runs, berth = sys.argv[1], int(sys.argv[2]), sys.argv[3]
measure = os.path.join(d, "measure")
bundle = os.path.join(d, "bundle")
cfg = json.load(open(os.path.join(bundle, "config.json")))
cfg["linux"]["cgroupsPath"] = "/berth-bench/ctr"
json.dump(cfg, open(os.path.join(bundle, "config.json"), "w"))

peers = []
for name, path in (("berth-runc", berth), ("crun", shutil.which("crun")), ("runc", shutil.which("runc"))):
    if not path or not os.access(path, os.X_OK):
        print(f"note: {name} not installed ({path or 'not on PATH'}); skipped")
        continue
    root = os.path.join(d, "state-" + name)
    cmd = [path, "--root", root, "run", "--bundle", bundle]
    if name == "crun":
        script = 'mount -t tmpfs tmpfs /sys/fs/cgroup/unified && exec "$@"'
        cmd = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"] + cmd
        # The wrapper's own cost, measured alone, is subtracted from crun's figures below.
        peers.append(("crun-wrapper", ["unshare", "-m", "--propagation", "private", "sh", "-c",
                                       script, "sh", "true"]))
    peers.append((name, cmd))

def once(cmd, i):
    argv = [measure] + cmd + ([] if cmd[-1] == "true" else [f"bench-{i}"])
    out = subprocess.run(argv, capture_output=True, text=True).stdout.split()
    wall_us, cpu_us, rss, rc = (int(x) for x in out)
    return rc, wall_us / 1e6, cpu_us / 1e6, rss

res = {n: {"wall": [], "cpu": [], "rss": [], "fail": 0} for n, _ in peers}
for i in range(runs):
    for name, cmd in peers:
        rc, wall, cpu, rss = once(cmd, i)
        r = res[name]
        if rc != 0:
            r["fail"] += 1
            continue
        r["wall"].append(wall); r["cpu"].append(cpu); r["rss"].append(rss)

def med(v):
    return statistics.median(v) if v else float("nan")

base = res.get("berth-runc")
print(f"{runs} runs each of /bin/true, interleaved; medians")
print(f"{'runtime':<12}{'wall ms':>10}{'cpu ms':>10}{'maxrss KiB':>12}{'wall/berth':>12}{'cpu/berth':>11}{'rss/berth':>11}{'failed':>8}")
wrap = res.get("crun-wrapper")
if wrap and "crun" in res:
    # crun net of its wrapper: wall and CPU minus the wrapper's medians; RSS is a max, kept.
    res["crun (net)"] = {"wall": [x - med(wrap["wall"]) for x in res["crun"]["wall"]],
                         "cpu": [x - med(wrap["cpu"]) for x in res["crun"]["cpu"]],
                         "rss": res["crun"]["rss"], "fail": res["crun"]["fail"]}
    peers.append(("crun (net)", None))
for name, _ in peers:
    r = res[name]
    w, c, m = med(r["wall"]) * 1e3, med(r["cpu"]) * 1e3, med(r["rss"])
    if base and base["wall"]:
        bw, bc, bm = med(base["wall"]) * 1e3, med(base["cpu"]) * 1e3, med(base["rss"])
        ratios = f"{w / bw:>12.2f}{c / bc if bc else float('nan'):>11.2f}{m / bm:>11.2f}"
    else:
        ratios = f"{'-':>12}{'-':>11}{'-':>11}"
    print(f"{name:<12}{w:>10.1f}{c:>10.1f}{m:>12.0f}{ratios}{r['fail']:>8}")
PY
