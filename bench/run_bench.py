# SPDX-License-Identifier: Apache-2.0
"""berth run vs podman run vs docker run (bench/run.sh, `make bench-run`).

Setup, all under one temp dir D (/tmp/brb.XXXXXX, short: podman's --runroot must stay under 50
characters; with ext4's top-directory flag, so each engine's root gets a block group of its own):
  - the image: scripts/make-busybox-image.sh gives the OCI archive berth loads and the very same
    rootfs tar that `podman import` and `docker import` take;
  - a network namespace of our own (unshare(CLONE_NEWNET) of this process, inherited by every
    engine, dockerd included): podman's and Docker's default bridges, netavark's firewall rules
    and dockerd's sysctls live and die in it, the host's network is untouched;
  - two cpuacct cgroups of our own: `client` (this process, so berth, podman, conmon and the
    runtimes they start) and `daemon` (our containerd and dockerd, so Docker's shims): the CPU
    an engine used for one run is the growth of `client` (+ `daemon` for Docker), in ns; what
    runs inside the containers' own cgroups (the container process) is not counted, for any;
  - berth --root D/berth; podman --root/--runroot/--tmpdir/... under D, overlay, cgroupfs,
    runc (crun refuses this hybrid cgroup layout), with the nofile/nproc ulimits this host
    allows; Debian's dockerd with its own containerd, --data-root, --exec-root, --pidfile,
    -H unix://D/docker.sock, --iptables=false (its default bridge works inside our namespace
    without NAT), and /usr/bin/docker -H (not any other docker on PATH).

Measured: each variant RUNS times, interleaved, after one unmeasured warm-up each; wall time of
the client command (spawn to wait4) and the engine's CPU, read SETTLE seconds (0.25) after the
client returned, every engine alike: what it left to finish is counted in its run, and the next
run starts on a quiet machine.  Then one detached `sleep` container
per engine and the PSS (smaps_rollup) of its per-container monitor process.

Cleanup (always, also on failure or Ctrl-C): containers removed, podman system reset, dockerd
then containerd stopped by the pids we started (SIGTERM, then SIGKILL), any mount left under D
detached, D removed, our cgroups removed, and the engines' cgroup parents removed if they did not
exist before and are empty.
"""
import ctypes
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BERTH = os.environ.get("BERTH", str(REPO / "build" / "berth"))
RUNS = int(os.environ.get("RUNS", "30"))
SETTLE = float(os.environ.get("SETTLE", "0.25"))  # seconds after each run (once())
LOGDIR = os.environ.get("BENCH_LOG")
DOCKERD, DOCKER, CONTAINERD = "/usr/sbin/dockerd", "/usr/bin/docker", "/usr/bin/containerd"
CGROOT = Path("/sys/fs/cgroup")
CPUACCT = CGROOT / "cpuacct"
CLONE_NEWNET = 0x40000000
PODMAN_ULIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"]
# cgroup parents the engines create under every hierarchy (removed at the end only if new).
CG_PARENTS = ("berth", "libpod_parent", "docker")
# Fixed host paths the engines create whatever their roots (containerd's shim sockets, dockerd's
# plugin dir, runc's default root that podman uses, podman's netns mounts, dockerd's identity
# key if its config did not move it): removed at the end only if new (and empty, for dirs).
HOST_PATHS = ("/run/containerd/s", "/run/containerd", "/run/docker/plugins", "/run/docker",
              "/run/runc", "/run/netns", "/etc/docker/key.json")


def log(msg):
    print(msg, flush=True)


class Bench:
    def __init__(self):
        self.d = Path(tempfile.mkdtemp(prefix="brb.", dir="/tmp"))
        # searchable: berth's remapped container root must reach its rootfs under it
        self.d.chmod(0o711)
        # ext4's "top directory" flag: each engine's data root made in D lands in a block group
        # of its own (Orlov), as /var/lib/<engine> would, not in /tmp's, where the test suite
        # frees thousands of inodes: without a journal ext4 skips inodes freed in the last
        # 60 s (up to 360 s) when it allocates one, and every file an engine creates there
        # would pay for that scan (measured: a mkdir 30 us in a quiet group, 280 us in /tmp's)
        subprocess.run(["chattr", "+T", str(self.d)], capture_output=True)
        self.cg = "berth-bench-run-%d" % os.getpid()
        self.pids = []  # daemons we started, stopped in reverse order
        self.containers = []  # (engine, name) of detached containers
        self.cg_before = {p: [h for h in CGROOT.iterdir() if (h / p).is_dir()] for p in CG_PARENTS}
        self.skip = {}
        self.host_before = {p for p in HOST_PATHS if os.path.lexists(p)}
        self.podman = ["podman", "--root", f"{self.d}/p", "--runroot", f"{self.d}/pr",
                       "--tmpdir", f"{self.d}/pt", "--volumepath", f"{self.d}/pv",
                       "--network-config-dir", f"{self.d}/pn", "--storage-driver", "overlay",
                       "--cgroup-manager", "cgroupfs", "--events-backend", "file",
                       "--runtime", "runc"]
        # conmon goes to <cgroup-parent>/conmon: ours, so its CPU (it runs runc) is counted
        self.podman_run = PODMAN_ULIMITS + ["--cgroup-parent", f"/{self.cg}/podman"]
        self.docker = [DOCKER, "--config", f"{self.d}/docker-cli", "-H",
                       f"unix://{self.d}/docker.sock"]
        self.berth = [BERTH, "--root", f"{self.d}/berth"]
        self.env = dict(os.environ, BERTH_CONFIG=f"{self.d}/berth.conf")

    # --- helpers ---
    def sh(self, argv, check=True, timeout=300, quiet=True):
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=self.env)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}\n{r.stderr.strip()}")
        return r

    def logfile(self, name):
        return open(os.path.join(LOGDIR or str(self.d), name), "ab")

    # --- setup ---
    def netns(self):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
        self.sh(["ip", "link", "set", "lo", "up"])

    def cgroups(self):
        for sub in ("client", "daemon"):
            (CPUACCT / self.cg / sub).mkdir(parents=True, exist_ok=True)
        (CPUACCT / self.cg / "client" / "cgroup.procs").write_text(str(os.getpid()))

    def cpu_ns(self, sub):
        try:
            return int((CPUACCT / self.cg / sub / "cpuacct.usage").read_text())
        except FileNotFoundError:  # podman/conmon: made by the first podman run
            return 0

    def image(self):
        self.sh([str(REPO / "scripts" / "make-busybox-image.sh"), f"{self.d}/image.tar",
                 f"{self.d}/rootfs.tar"])

    def setup_berth(self):
        Path(self.env["BERTH_CONFIG"]).write_text("")  # berth's shipped defaults
        self.sh(self.berth + ["load", "-i", f"{self.d}/image.tar"])
        r = self.sh(self.berth + ["run"], check=False)  # "requires at least 1 argument"
        if "unknown command" in (r.stdout + r.stderr):
            log("note: this berth has no `run` command yet; berth rows skipped")
            self.skip["berth"] = True

    def setup_podman(self):
        if not shutil.which("podman"):
            self.skip["podman"] = "podman not installed"
            return
        self.sh(self.podman + ["import", "-q", f"{self.d}/rootfs.tar", "localhost/bench-busybox"])

    def spawn_daemon(self, argv, name):
        out = self.logfile(name + ".log")
        cg = CPUACCT / self.cg / "daemon" / "cgroup.procs"

        def enter_cg():
            cg.write_text(str(os.getpid()))
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                             preexec_fn=enter_cg, env=self.env)
        out.close()
        self.pids.append((name, p))
        return p

    def setup_docker(self):
        if not (os.access(DOCKERD, os.X_OK) and os.access(DOCKER, os.X_OK)):
            self.skip["docker"] = "docker.io not installed (scripts/install-deps.sh)"
            return
        d = self.d
        cfg = d / "containerd.toml"
        cfg.write_text(f'version = 2\nroot = "{d}/cr"\nstate = "{d}/cs"\n'
                       'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
                       f'[grpc]\n  address = "{d}/cd.sock"\n'
                       f'[ttrpc]\n  address = "{d}/cd.sock.ttrpc"\n'
                       '[debug]\n  address = ""\n[metrics]\n  address = ""\n')
        self.spawn_daemon([CONTAINERD, "--config", str(cfg)], "containerd")
        self.wait_for(d / "cd.sock", "containerd")
        # Its identity key would go to /etc/docker/key.json: keep it here.
        (d / "daemon.json").write_text('{"deprecated-key-path": "%s/key.json"}' % d)
        self.spawn_daemon([DOCKERD, "--config-file", f"{d}/daemon.json", "--data-root", f"{d}/dd",
                           "--exec-root", f"{d}/dx", "--pidfile", f"{d}/docker.pid",
                           "-H", f"unix://{d}/docker.sock", "--containerd", f"{d}/cd.sock",
                           "--iptables=false", "--ip-masq=false", "--userland-proxy=false",
                           "--log-level=warn"], "dockerd")
        deadline = time.time() + 60
        while self.sh(self.docker + ["version"], check=False).returncode != 0:
            if time.time() > deadline or self.pids[-1][1].poll() is not None:
                raise RuntimeError(f"dockerd did not come up (log: {d}/dockerd.log)")
            time.sleep(0.2)
        self.sh(self.docker + ["import", f"{d}/rootfs.tar", "bench-busybox"])

    def wait_for(self, path, what):
        deadline = time.time() + 30
        while not path.exists():
            if time.time() > deadline:
                raise RuntimeError(f"{what} did not come up")
            time.sleep(0.05)

    # --- the measured runs ---
    def variants(self):
        v = []
        if "berth" not in self.skip:
            v.append(("berth", "default (none)", self.berth + ["run", "--rm", "busybox", "true"]))
            v.append(("berth", "--network none",
                      self.berth + ["run", "--rm", "--network", "none", "busybox", "true"]))
        if "podman" not in self.skip:
            base = self.podman + ["run", "--rm"] + self.podman_run
            v.append(("podman", "default (bridge)", base + ["localhost/bench-busybox", "true"]))
            v.append(("podman", "--network none",
                      base + ["--network", "none", "localhost/bench-busybox", "true"]))
        if "docker" not in self.skip:
            base = self.docker + ["run", "--rm"]
            v.append(("docker", "default (bridge)", base + ["bench-busybox", "true"]))
            v.append(("docker", "--network none",
                      base + ["--network", "none", "bench-busybox", "true"]))
        return v

    def once(self, engine, argv, errlog):
        sub = ["client"] + {"docker": ["daemon"], "podman": ["podman/conmon"]}.get(engine, [])
        c0 = sum(self.cpu_ns(s) for s in sub)
        t0 = time.monotonic()
        pid = os.posix_spawn(argv[0] if "/" in argv[0] else shutil.which(argv[0]), argv, self.env,
                             file_actions=[(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                                           (os.POSIX_SPAWN_DUP2, errlog.fileno(), 1),
                                           (os.POSIX_SPAWN_DUP2, errlog.fileno(), 2)])
        _, status, ru = os.wait4(pid, 0)
        wall = time.monotonic() - t0
        # Every engine leaves work behind when its client returns (Docker's daemon bookkeeping,
        # podman's cleanup process, berth's monitor freeing the run's files and namespaces, the
        # kernel's own teardown): wait for it, whatever the engine, so that it is counted in
        # this run's CPU and the next run, of any engine, starts on a quiet machine.
        time.sleep(SETTLE)
        cpu = (sum(self.cpu_ns(s) for s in sub) - c0) / 1e9
        return os.waitstatus_to_exitcode(status), wall, cpu, ru.ru_maxrss

    def measure(self):
        variants = self.variants()
        res = {(e, n): {"wall": [], "cpu": [], "rss": [], "fail": 0} for e, n, _ in variants}
        errlog = self.logfile("runs.log")
        for e, n, argv in variants:  # warm-up (first run of each: caches, storage init)
            rc = self.once(e, argv, errlog)[0]
            if rc != 0:
                log(f"warning: warm-up of {e} {n} failed (exit {rc}); see runs.log")
        for _ in range(RUNS):
            for e, n, argv in variants:
                rc, wall, cpu, rss = self.once(e, argv, errlog)
                r = res[(e, n)]
                if rc != 0:
                    r["fail"] += 1
                    continue
                r["wall"].append(wall)
                r["cpu"].append(cpu)
                r["rss"].append(rss)
        errlog.close()
        return variants, res

    # --- idle monitors ---
    def procs_in(self, sub, comm):
        out = []
        procs = CPUACCT / self.cg / sub / "cgroup.procs"
        for pid in procs.read_text().split() if procs.exists() else []:
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == comm:
                    out.append(int(pid))
            except OSError:
                pass
        return out

    @staticmethod
    def mem(pid):
        vals = {}
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            k, v = line.split(":", 1)
            vals[k] = int(v.split()[0])
        return vals["Pss"], vals["Rss"]

    def idle(self):
        rows = []
        specs = [("berth", self.berth + ["run", "-d", "--name", "brb-idle", "busybox",
                                         "sleep", "1000"], "client", "berth-monitor"),
                 ("podman", self.podman + ["run", "-d", "--name", "brb-idle"] + self.podman_run
                  + ["--network", "none", "localhost/bench-busybox", "sleep", "1000"],
                  "podman/conmon", "conmon"),
                 ("docker", self.docker + ["run", "-d", "--name", "brb-idle", "--network", "none",
                                           "bench-busybox", "sleep", "1000"],
                  "daemon", "containerd-shim")]  # comm is cut at 15 characters
        for engine, argv, sub, comm in specs:
            if engine in self.skip:
                continue
            before = set(self.procs_in(sub, comm))
            r = self.sh(argv, check=False)
            if r.returncode != 0:
                log(f"note: {engine}: detached container failed: {r.stderr.strip()[:300]}")
                continue
            self.containers.append(engine)
            # past berth-monitor's idle re-exec (after 1 s of run) and settled (lazy page
            # faults, the first status writes)
            time.sleep(2)
            new = [p for p in self.procs_in(sub, comm) if p not in before]
            if len(new) != 1:
                log(f"note: {engine}: found {len(new)} new {comm} processes, expected 1")
                continue
            exe = os.path.basename(os.readlink(f"/proc/{new[0]}/exe"))
            pss, rss = self.mem(new[0])
            rows.append((engine, exe, new[0], pss, rss))
        daemons = [(n, p.pid) + self.mem(p.pid) for n, p in self.pids if p.poll() is None]
        return rows, daemons

    # --- cleanup ---
    def cleanup(self):
        for engine in self.containers:
            argv = {"berth": self.berth + ["rm", "-f", "brb-idle"],
                    "podman": self.podman + ["rm", "-f", "-t", "0", "brb-idle"],
                    "docker": self.docker + ["rm", "-f", "brb-idle"]}[engine]
            self.quiet(argv)
        if "podman" not in self.skip and shutil.which("podman"):
            self.quiet(self.podman + ["system", "reset", "-f"])
        if "docker" not in self.skip and any(n == "dockerd" for n, _ in self.pids):
            self.quiet(self.docker + ["system", "prune", "-a", "-f"])
        for _, p in reversed(self.pids):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.unmount_all()
        shutil.rmtree(self.d, ignore_errors=True)
        self.remove_cgroups()
        for p in HOST_PATHS:
            if p in self.host_before or not os.path.lexists(p):
                continue
            try:
                if os.path.ismount(p):  # podman bind-mounts /run/netns onto itself
                    subprocess.run(["umount", p], capture_output=True)
                os.rmdir(p) if os.path.isdir(p) else os.unlink(p)
            except OSError as e:
                log(f"warning: {p}, made by an engine during the bench, left: {e.strerror}")

    def quiet(self, argv):
        try:
            self.sh(argv, check=False, timeout=120)
        except (OSError, subprocess.SubprocessError):
            pass

    def unmount_all(self):
        prefix = str(self.d) + "/"
        mounts = []
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            mp = line.split()[4].replace("\\040", " ")
            if mp.startswith(prefix):
                mounts.append(mp)
        for mp in sorted(mounts, key=len, reverse=True):
            subprocess.run(["umount", "-l", mp], capture_output=True)

    def remove_cgroups(self):
        (CPUACCT / "cgroup.procs").write_text(str(os.getpid()))
        trees = [h / self.cg for h in CGROOT.iterdir() if (h / self.cg).is_dir()]
        for parent, had in self.cg_before.items():
            trees += [h / parent for h in CGROOT.iterdir()
                      if h not in had and (h / parent).is_dir()]
        for top in trees:
            # depth-first: only empty cgroups go; a busy one stays and is reported
            for dirpath, _, _ in sorted(os.walk(top), key=lambda t: -len(t[0])):
                try:
                    os.rmdir(dirpath)
                except OSError as e:
                    log(f"warning: cannot remove cgroup {dirpath}: {e.strerror}")


def med(v):
    return statistics.median(v) if v else float("nan")


def report(variants, res):
    log(f"\n{RUNS} runs each of `<engine> run --rm IMAGE true`, interleaved; wall time of the "
        "client, CPU of the whole engine (ms): median [min-max]")
    log(f"{'engine':<8}{'network':<18}{'wall ms':>22}{'engine CPU ms':>24}{'client RSS KiB':>16}"
        f"{'failed':>8}")
    for e, n, _ in variants:
        r = res[(e, n)]
        w = [x * 1e3 for x in r["wall"]]
        c = [x * 1e3 for x in r["cpu"]]

        def fmt(v):
            return f"{med(v):.1f} [{min(v):.0f}-{max(v):.0f}]" if v else "-"
        log(f"{e:<8}{n:<18}{fmt(w):>22}{fmt(c):>24}{med(r['rss']):>16.0f}{r['fail']:>8}")
    base = res.get(("berth", "--network none"))
    if not base or not base["wall"]:
        return
    bw, bc = med(base["wall"]), med(base["cpu"])
    log("\nratios to berth run --rm --network none (medians):")
    for e, n, _ in variants:
        r = res[(e, n)]
        if r["wall"]:
            log(f"  {e:<8}{n:<18} wall {med(r['wall']) / bw:6.1f}x   CPU "
                f"{med(r['cpu']) / bc:6.1f}x")
    pn = res.get(("podman", "--network none"))
    if pn and pn["wall"]:
        ok_w, ok_c = med(pn["wall"]) / bw >= 20, med(pn["cpu"]) / bc >= 20
        log(f"target: berth --network none <= 1/20 of podman's: wall "
            f"{'met' if ok_w else 'NOT met'} ({bw / med(pn['wall']):.3f}), CPU "
            f"{'met' if ok_c else 'NOT met'} ({bc / med(pn['cpu']):.3f})")


def report_idle(rows, daemons):
    log("\nidle detached `sleep` container: the per-container monitor process (KiB)")
    log(f"{'engine':<8}{'process':<26}{'PSS':>8}{'RSS':>8}")
    for engine, exe, _, pss, rss in rows:
        log(f"{engine:<8}{exe:<26}{pss:>8}{rss:>8}")
    for name, _, pss, rss in daemons:
        log(f"{'docker':<8}{name + ' (daemon, shared)':<26}{pss:>8}{rss:>8}")
    by = {r[0]: r[3] for r in rows}
    if "berth" in by:
        for other in ("podman", "docker"):
            if other in by:
                log(f"ratio {other} monitor PSS / berth-monitor PSS: {by[other] / by['berth']:.1f}x")
        if "podman" in by:
            met = by["berth"] * 4 <= by["podman"]
            log(f"target: berth-monitor PSS <= 1/4 of conmon's: {'met' if met else 'NOT met'} "
                f"({by['berth'] / by['podman']:.2f})")


def main():
    b = Bench()

    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    try:
        b.netns()
        b.cgroups()
        b.image()
        b.setup_berth()
        b.setup_podman()
        b.setup_docker()
        for k, why in b.skip.items():
            if why is not True:
                log(f"note: {k} skipped: {why}")
        variants, res = b.measure()
        report(variants, res)
        rows, daemons = b.idle()
        report_idle(rows, daemons)
        log("\nnote: berth has no bridge network yet: its default network is none, so both "
            "berth rows run the same thing.")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        b.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
