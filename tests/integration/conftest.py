# SPDX-License-Identifier: Apache-2.0
"""Fixtures for berth's runtime integration tests.

Every test gets a `ctr` object: a fresh state root (--root), a bundle built from a session
template (busybox + /probe), a unique container id and a unique cgroupsPath.  After every test
an autouse check looks for leftovers (mounts under the test dir, cgroups under the test's
cgroupsPath in every hierarchy, processes whose root is the test rootfs, entries in the state
root), removes them, and fails the test if there were any.

Environment:
  BERTH_RUNC   runtime under test (default <repo>/build/berth-runc); /usr/bin/runc works too
  BERTH_PROBE  the static probe (default <repo>/build/probe)
"""
import copy
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNTIME = os.environ.get("BERTH_RUNC", str(REPO / "build" / "berth-runc"))
PROBE = os.environ.get("BERTH_PROBE", str(REPO / "build" / "probe"))
IS_BERTH = "berth" in os.path.basename(RUNTIME)
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PARENT = "berth-test"
TEST_BASE = Path("/tmp/berth-it")
TIMEOUT = 60


def pytest_configure(config):
    config.addinivalue_line("markers", "berth_only: tests berth-specific behaviour (skipped under runc)")
    config.addinivalue_line("markers", "slow: long tests, left out of the sanitizer pass")


def pytest_collection_modifyitems(config, items):
    if IS_BERTH:
        return
    skip = pytest.mark.skip(reason=f"berth-specific behaviour; runtime is {RUNTIME}")
    for item in items:
        if "berth_only" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def cgroup_hierarchies():
    """Every mounted hierarchy under /sys/fs/cgroup (v1 controllers and the v2 'unified')."""
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        f = line.split(" - ")
        mp = line.split()[4]
        if len(f) == 2 and f[1].split()[0] in ("cgroup", "cgroup2") and mp.startswith("/sys/fs/cgroup/"):
            out.append(Path(mp))
    return sorted(set(out))


def cgroup_dir(controller, cgpath):
    return CGROUP_ROOT / controller / cgpath.lstrip("/")


# ---------------------------------------------------------------- bundle template


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    if not os.path.exists(RUNTIME):
        pytest.exit(f"runtime {RUNTIME} not found (build it or set BERTH_RUNC)", returncode=3)
    if not os.path.exists(PROBE):
        pytest.exit(f"probe {PROBE} not found (make build/probe or set BERTH_PROBE)", returncode=3)
    TEST_BASE.mkdir(parents=True, exist_ok=True)
    d = Path(tempfile.mkdtemp(prefix="template-", dir=TEST_BASE))
    env = dict(os.environ, BERTH_PROBE=PROBE)
    subprocess.run([str(REPO / "scripts" / "make-bundle.sh"), str(d), "/probe"], check=True, env=env)
    yield d
    shutil.rmtree(d, ignore_errors=True)
    for h in cgroup_hierarchies():
        try:
            (h / CGROUP_PARENT).rmdir()
        except OSError:
            pass


# ---------------------------------------------------------------- the per-test container


class Result:
    def __init__(self, rc, out, err, args):
        self.returncode, self.stdout, self.stderr, self.args = rc, out, err, args

    def __repr__(self):
        return f"<{' '.join(self.args)} → rc={self.returncode} out={self.stdout[-500:]!r} err={self.stderr[-1500:]!r}>"

    def json(self):
        return json.loads(self.stdout)


def deep_merge(dst, src):
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            deep_merge(dst[k], v)
        else:
            dst[k] = copy.deepcopy(v)
    return dst


class Container:
    """One test's sandbox: state root, bundle, id, cgroupsPath and helpers to drive the runtime."""

    seq = 0

    def __init__(self, base, template, name):
        self.base = base
        self.root = base / "state"
        self.bundle = base / "bundle"
        self.rootfs = self.bundle / "rootfs"
        self.root.mkdir()
        shutil.copytree(template, self.bundle, symlinks=True)
        Container.seq += 1
        self.id = f"t{os.getpid()}-{Container.seq}"
        self.cgroups_path = f"/{CGROUP_PARENT}/{name}-{os.getpid()}-{Container.seq}"
        self.config = json.loads((template / "config.json").read_text())
        self.config["linux"]["cgroupsPath"] = self.cgroups_path
        self.runtime_path = RUNTIME
        self.probe_path = PROBE

    # -- config
    def write_config(self, config=None):
        (self.bundle / "config.json").write_text(json.dumps(config or self.config, indent=1))

    def tweak(self, tweak):
        """Apply a dict (deep-merged) or a callable(config) to self.config."""
        if tweak is None:
            return
        if callable(tweak):
            tweak(self.config)
        else:
            deep_merge(self.config, tweak)

    def add_namespace(self, typ, path=None):
        ns = [n for n in self.config["linux"]["namespaces"] if n["type"] != typ]
        ns.append({"type": typ, **({"path": path} if path else {})})
        self.config["linux"]["namespaces"] = ns

    # -- running the runtime
    def runtime(self, *args, timeout=TIMEOUT, input=None, stdin=None, pass_fds=(), env=None, glob=()):
        """Runs `$BERTH_RUNC --root STATE [glob...] args...`; stdout/stderr go through files so a
        detached container holding them open never blocks us."""
        cmd = [self.runtime_path, "--root", str(self.root), *glob, *[str(a) for a in args]]
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            if input is not None:
                stdin = subprocess.PIPE
            elif stdin is None:
                stdin = subprocess.DEVNULL
            p = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=err, pass_fds=pass_fds,
                                 env=env, cwd=str(self.base), start_new_session=True)
            try:
                p.communicate(input=input.encode() if isinstance(input, str) else input, timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                raise
            out.seek(0)
            err.seek(0)
            return Result(p.returncode, out.read().decode(errors="replace"),
                          err.read().decode(errors="replace"), cmd)

    def ok(self, *args, **kw):
        r = self.runtime(*args, **kw)
        assert r.returncode == 0, r
        return r

    def run(self, args=None, tweak=None, detach=False, extra=(), **kw):
        """Writes the config (with process.args = args when given) and `run`s the container."""
        if args is not None:
            self.config["process"]["args"] = list(args)
        self.tweak(tweak)
        self.write_config()
        return self.runtime("run", *(["-d"] if detach else []), *extra, "--bundle", self.bundle, self.id, **kw)

    def run_probe(self, tweak=None, *probe_args, expect_rc=0):
        r = self.run(["/probe", *probe_args], tweak=tweak)
        assert r.returncode == expect_rc, r
        try:
            return r.json()
        except ValueError:
            raise AssertionError(f"probe output is not JSON: {r}")

    def create(self, args=None, tweak=None, extra=()):
        if args is not None:
            self.config["process"]["args"] = list(args)
        self.tweak(tweak)
        self.write_config()
        return self.ok("create", *extra, "--bundle", self.bundle, self.id)

    def state(self, cid=None):
        return self.ok("state", cid or self.id).json()

    def wait_status(self, want, cid=None, timeout=10):
        end = time.time() + timeout
        st = None
        while time.time() < end:
            st = self.state(cid)
            if st["status"] == want:
                return st
            time.sleep(0.05)
        raise AssertionError(f"status is {st and st['status']}, want {want}")

    def delete(self, cid=None, force=True):
        return self.runtime("delete", *(["--force"] if force else []), cid or self.id)

    def cgroup(self, controller, path=None):
        return cgroup_dir(controller, path or self.cgroups_path)


@pytest.fixture
def ctr(request, template):
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)[:60]
    base = Path(tempfile.mkdtemp(prefix=name[:40] + "-", dir=TEST_BASE))
    c = Container(base, template, name)
    request.node.berth_container = c
    yield c
    rep = getattr(request.node, "rep_call", None)
    if rep is None or rep.failed:
        # The test failed half-way: its own containers are not a runtime leak.
        for cid in (e for e in os.listdir(c.root) if not e.startswith(".")) if c.root.exists() else []:
            c.runtime("delete", "--force", cid, timeout=20)
    leaks = check_and_clean(c)
    shutil.rmtree(base, ignore_errors=True)
    if leaks:
        pytest.fail("leaked: " + "; ".join(leaks), pytrace=False)


# ---------------------------------------------------------------- leak check


def procs_in_rootfs(c):
    """Pids of processes in the test's cgroup or mentioning the test's directory in their
    command line (a runtime helper left behind).  /proc/<pid>/root cannot be used: after
    pivot_root in another mount namespace it reads as "/"."""
    out, base = [], str(c.base).encode()
    for p in Path("/proc").iterdir():
        if not p.name.isdigit() or int(p.name) == os.getpid():
            continue
        try:
            cg = (p / "cgroup").read_text()
            cmd = (p / "cmdline").read_bytes()
        except OSError:
            continue
        if any(line.split(":", 2)[2] == c.cgroups_path or line.split(":", 2)[2].startswith(c.cgroups_path + "/")
               for line in cg.splitlines() if line.count(":") >= 2) or base in cmd:
            out.append(int(p.name))
    return out


def cgroup_leaks(c):
    out = []
    for h in cgroup_hierarchies():
        d = h / c.cgroups_path.lstrip("/")
        if d.exists():
            out.append(d)
    return out


def mount_leaks(c):
    base = str(c.base)
    return [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()
            if line.split()[4].startswith(base)]


def kill_cgroup(d):
    # A frozen cgroup cannot handle SIGKILL until it is thawed.
    for f in ("freezer.state",):
        if (d / f).exists():
            try:
                (d / f).write_text("THAWED")
            except OSError:
                pass
    for sub in sorted(d.rglob("cgroup.procs"), key=lambda p: -len(p.parts)):
        try:
            for pid in sub.read_text().split():
                os.kill(int(pid), signal.SIGKILL)
        except (OSError, ValueError):
            pass


def rm_cgroup(d):
    end = time.time() + 5
    while d.exists() and time.time() < end:
        kill_cgroup(d)
        for sub in sorted((p for p in d.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)) + [d]:
            try:
                sub.rmdir()
            except OSError:
                pass
        if d.exists():
            time.sleep(0.05)


def check_and_clean(c):
    leaks = []
    # Give an exiting container a moment: a process killed just before teardown may still be
    # dying.
    time.sleep(0.01)
    procs = procs_in_rootfs(c)
    if procs:
        leaks.append(f"processes {procs}")
        for pid in procs:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    cgs = cgroup_leaks(c)
    if cgs:
        leaks.append("cgroups " + ", ".join(map(str, cgs)))
        for d in cgs:
            rm_cgroup(d)
    mnts = mount_leaks(c)
    if mnts:
        leaks.append("mounts " + ", ".join(mnts))
        for mp in sorted(set(mnts), key=len, reverse=True):
            subprocess.run(["umount", "-l", mp], stderr=subprocess.DEVNULL)
    # Dot entries are runtime-wide caches (.seccomp-cache), not a container's.
    left = sorted(e for e in os.listdir(c.root) if not e.startswith(".")) if c.root.exists() else []
    if left:
        leaks.append(f"state root entries {left}")
    return leaks


# ---------------------------------------------------------------- helpers for tests


def pid_alive(pid):
    """True when pid exists and is not a zombie (an orphaned init may wait to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_dead(pid, timeout=5):
    end = time.time() + timeout
    while pid_alive(pid) and time.time() < end:
        time.sleep(0.02)
    return not pid_alive(pid)


def host_ns(kind):
    return os.stat(f"/proc/self/ns/{kind}").st_ino


CAP_NAMES = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
    "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
]


def cap_mask(*names):
    """The /proc/self/status hex mask (16 digits) for capability names."""
    v = 0
    for n in names:
        v |= 1 << CAP_NAMES.index(n)
    return f"{v:016x}"


def read_cg(c, controller, f, path=None):
    return (c.cgroup(controller, path) / f).read_text().strip()
