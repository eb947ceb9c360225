# SPDX-License-Identifier: Apache-2.0
"""The `berth` engine under test: a fresh data root per test with the test image loaded.

The test image "bb:test" is Debian's busybox-static with every applet linked, /etc/passwd and
/etc/group (root, nobody, www, gary is absent on purpose), plus the static probe at /probe
(tests/probe/probe.c: prints what it sees inside as JSON).  Containers go under the cgroup
parent "berth-it-<pid>-<n>" (from a per-test berth.conf); after each test every container is
removed and the test fails if anything is left: mounts under the data root, cgroups, processes
(monitors, inits), or entries in the runtime state root.
"""
import io
import json
import os
import select
import shutil
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import pytest

import oci_images

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BERTH_BUILD", str(REPO / "build")))
BERTH = os.environ.get("BERTH", str(BUILD / "berth"))
PROBE = os.environ.get("BERTH_PROBE", str(REPO / "build" / "probe"))
IMAGE = "bb:test"
_counter = [0]


def wait_for(cond, timeout=15, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def full_state(engine, ref):
    """State as the monitor wrote it (inspect leaves MonitorPid out; RestartCount is top-level)."""
    cid = engine.inspect(ref)["Id"]
    st = json.loads((engine.root / "containers" / cid / "state.json").read_text())
    return st.get("State", st)


def read_pty(fd, timeout, poll=0.2, on_output=None):
    """Read pty master @fd until EOF or @timeout seconds: (bytes, timed out).  @on_output(out)
    is called after every poll, with all that was read so far."""
    out = b""
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], poll)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if on_output is not None:
            on_output(out)
    return out, time.time() >= end


def _busybox_applets():
    out = subprocess.run([oci_images.BUSYBOX, "--list"], capture_output=True, text=True).stdout
    return [a for a in out.split() if a and a != "busybox"]


def _image_tar(path):
    layout = path / "layout"
    base = oci_images.busybox_layer(applets=_busybox_applets())
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        oci_images._add_bytes(tf, "probe", open(PROBE, "rb").read(), mode=0o755)
        oci_images._add_bytes(tf, "etc/passwd",
                              b"root:x:0:0:root:/root:/bin/sh\nwww:x:33:33::/var/www:/bin/false\n"
                              b"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
        oci_images._add_bytes(tf, "etc/group", b"root:x:0:\nwww:x:33:\nstaff:x:50:www\n"
                              b"nogroup:x:65534:\n")
        oci_images._add_bytes(tf, "var", b"", mode=0o755, typ=tarfile.DIRTYPE)
        oci_images._add_bytes(tf, "var/tmp", b"", mode=0o1777, typ=tarfile.DIRTYPE)
        oci_images._add_bytes(tf, "run", b"", mode=0o755, typ=tarfile.DIRTYPE)
    oci_images.oci_layout(str(layout), IMAGE, [base, buf.getvalue()],
                          config={"Cmd": ["sh"], "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]})
    tar = path / "bb-test.tar"
    with tarfile.open(tar, "w") as tf:
        for name in sorted(os.listdir(layout)):
            tf.add(layout / name, arcname=name)
    return tar


@pytest.fixture(scope="session")
def image_tar(tmp_path_factory):
    return _image_tar(tmp_path_factory.mktemp("bb-image"))


class Result:
    def __init__(self, p):
        self.rc, self.out, self.err = p.returncode, p.stdout, p.stderr

    def __repr__(self):
        return f"rc={self.rc} out={self.out!r} err={self.err!r}"

    def json(self):
        return json.loads(self.out)


class Engine:
    def __init__(self, base):
        _counter[0] += 1
        self.base = base
        self.root = base / "data"
        self.cgroup_parent = f"berth-it-{os.getpid()}-{_counter[0]}"
        self.conf = base / "berth.conf"
        self.conf.write_text(f"cgroup_parent = {self.cgroup_parent}\n")
        self.env = dict(os.environ, BERTH_CONFIG=str(self.conf), BERTH_ROOT=str(self.root))

    def __call__(self, *args, input=None, timeout=60, check=False, env=None, **kw):
        p = subprocess.run([BERTH, "--root", str(self.root), *map(str, args)], input=input,
                           capture_output=True, text=isinstance(input, str) or input is None,
                           timeout=timeout, env=env or self.env, **kw)
        r = Result(p)
        if check and r.rc != 0:
            raise AssertionError(f"berth {' '.join(map(str, args))}: {r}")
        return r

    def ok(self, *args, **kw):
        return self(*args, check=True, **kw)

    def popen(self, *args, **kw):
        return subprocess.Popen([BERTH, "--root", str(self.root), *map(str, args)], env=self.env,
                                **kw)

    def inspect(self, ref):
        return self.ok("inspect", ref).json()[0]

    def state(self, ref):
        return self.inspect(ref)["State"]

    def wait_status(self, ref, status, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            s = self.state(ref)["Status"]
            if s == status:
                return
            time.sleep(0.05)
        raise AssertionError(f"{ref}: status {s}, expected {status}")

    def cgroup_dirs(self):
        out = []
        for ctl in Path("/sys/fs/cgroup").iterdir():
            d = ctl / self.cgroup_parent
            if d.is_dir():
                out.append(d)
        return out

    def leftovers(self):
        """What an engine test must not leave behind once every container is removed."""
        left = []
        root = str(self.root)
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            mp = line.split()[4]
            # <root>/runtime itself is the runtime's tmpfs (runtime-dir.c), kept by design
            if mp.startswith(root + "/containers") or mp.startswith(root + "/runtime/"):
                left.append("mount " + mp)
        for d in self.cgroup_dirs():
            for sub in d.rglob("*"):
                if sub.is_dir():
                    left.append(f"cgroup {sub}")
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                env = Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                continue
            if "berth-monitor" in cmd and root in cmd:
                left.append(f"process {pid} {cmd}")
        ctrs = self.root / "containers"
        if ctrs.is_dir():
            left += [f"set aside {e.name}" for e in ctrs.iterdir() if e.name.startswith(".removed-")]
        rt = self.root / "runtime"
        # Dot entries are runtime-wide caches (.seccomp-cache), not a container's state.
        state = sorted(e for e in os.listdir(rt) if not e.startswith(".")) if rt.is_dir() else []
        if state:
            left.append(f"runtime state {state}")
        return left

    def cleanup(self):
        ids = self("ps", "-aq", "--no-trunc").out.split()
        if ids:
            self("rm", "-f", *ids)
        # a --rm container's monitor may still be exiting after its last removal step
        end = time.time() + 5
        while (left := self.leftovers()) and time.time() < end:
            time.sleep(0.05)
        for line in reversed(Path("/proc/self/mountinfo").read_text().splitlines()):
            mp = line.split()[4]
            if mp.startswith(str(self.root)):
                subprocess.run(["umount", "-l", mp], capture_output=True)
        for d in self.cgroup_dirs():
            for sub in sorted(d.rglob("*"), key=lambda p: -len(str(p))):
                if sub.is_dir():
                    try:
                        sub.rmdir()
                    except OSError:
                        pass
            try:
                d.rmdir()
            except OSError:
                pass
        shutil.rmtree(self.base, ignore_errors=True)
        return left


@pytest.fixture
def engine(image_tar):
    # Not pytest's tmp_path: its 0700 parents are closed to the remapped root of a container
    # (user namespaces are on by default), as /var/lib/berth's parents are not.
    base = Path(tempfile.mkdtemp(prefix="berth-eng-", dir="/tmp"))
    base.chmod(0o711)
    e = Engine(base)
    e.ok("load", "-i", image_tar)
    yield e
    left = e.cleanup()
    assert not left, f"leftovers: {left}"
