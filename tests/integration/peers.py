"""Helpers for the podman / containerd interoperability tests.

The runtime under test is $BERTH_RUNC (default <repo>/build/berth-runc).  Both
peers call it through a small tracing wrapper (see make_trace_wrapper) that
records every invocation and pins the runtime's state directory (--root) to a
private temporary directory, so the tests leave nothing in the runtime's
default state directory and can report the exact runc command lines the peers
use.  Nothing here is specific to runc: validate with BERTH_RUNC=/usr/bin/runc.
"""

import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUSYBOX = "/bin/busybox"
IMAGE_REF = "localhost/berth-busybox:test"
APPLETS = ("sh", "ls", "cat", "echo", "sleep", "grep", "touch", "hostname",
           "id", "ps", "mount", "readlink", "true", "false", "test", "tty")
CGROUP_ROOT = Path("/sys/fs/cgroup")
SEP = "\x1f"  # separates arguments in a trace line


def runtime_path():
    """The runtime under test: $BERTH_RUNC or <repo>/build/berth-runc."""
    return os.environ.get("BERTH_RUNC") or str(REPO / "build" / "berth-runc")


def require_runtime():
    """Skip the calling test module unless the runtime under test exists."""
    path = runtime_path()
    if not os.access(path, os.X_OK):
        pytest.skip(f"runtime '{path}' not built (set BERTH_RUNC to try another)",
                    allow_module_level=True)
    return path


def require_tools(*names):
    """Skip unless every program in @names is on PATH; returns their paths."""
    found = {}
    for name in names:
        path = shutil.which(name)
        if not path:
            pytest.skip(f"'{name}' not installed (scripts/install-deps.sh installs it)",
                        allow_module_level=True)
        found[name] = path
    return found


def run(argv, check=True, timeout=30, **kw):
    """subprocess.run with text output; on failure the message names the command.
    With check=False a timeout is returned as exit status -9 instead of raised."""
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        if check:
            raise
        # unchecked calls are cleanup: report the hang, let the cleanup go on
        return subprocess.CompletedProcess(argv, -9, "", f"timed out after {timeout}s")
    if check and res.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))}: exit {res.returncode}\n"
                             f"stdout: {res.stdout}\nstderr: {res.stderr}")
    return res


# --- image ------------------------------------------------------------------

def _is_static_elf(path):
    """True if @path is an ELF executable without a PT_INTERP program header."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:
            return False
        phoff, = struct.unpack_from("<Q", head, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", head, 0x36)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    types = [struct.unpack_from("<I", table, i * phentsize)[0] for i in range(phnum)]
    return 3 not in types  # PT_INTERP


def build_rootfs_tar(dest):
    """Write a busybox rootfs as a tar to @dest (needs busybox-static)."""
    if not os.path.exists(BUSYBOX) or not _is_static_elf(BUSYBOX):
        pytest.skip(f"{BUSYBOX} is not a static busybox (install busybox-static)",
                    allow_module_level=True)
    with tarfile.open(dest, "w") as tar:
        for d in ("bin", "etc", "tmp", "proc", "sys", "dev", "run", "var", "var/tmp",
                  "root"):
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if "tmp" in d else 0o755
            tar.addfile(info)
        tar.add(BUSYBOX, arcname="bin/busybox")
        for applet in APPLETS:
            info = tarfile.TarInfo(f"bin/{applet}")
            info.type, info.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(info)
        for name, text in (("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
                           ("etc/group", "root:x:0:\n")):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return dest


def _tar_add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o644
    tar.addfile(info, io.BytesIO(data))


def write_docker_archive(rootfs_tar, dest, ref=IMAGE_REF):
    """Write a docker-archive (what `docker save` makes) holding @rootfs_tar as
    its only layer, tagged @ref, with CMD ["/bin/sh"]."""
    layer = Path(rootfs_tar).read_bytes()
    diff_id = hashlib.sha256(layer).hexdigest()
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
    }).encode()
    config_id = hashlib.sha256(config).hexdigest()
    manifest = json.dumps([{"Config": f"{config_id}.json", "RepoTags": [ref],
                            "Layers": [f"{diff_id}/layer.tar"]}]).encode()
    with tarfile.open(dest, "w") as tar:
        _tar_add_bytes(tar, f"{diff_id}/layer.tar", layer)
        _tar_add_bytes(tar, f"{config_id}.json", config)
        _tar_add_bytes(tar, "manifest.json", manifest)
    return dest


# --- tracing wrapper ----------------------------------------------------------

def make_trace_wrapper(workdir, runtime, state_root, log):
    """Write an executable shell script in @workdir that appends its argument
    vector to @log (one line per call, arguments separated by SEP) and then
    execs @runtime, with `--root @state_root` prepended unless @state_root is
    None (when the caller passes its own --root).  Returns its path."""
    script = Path(workdir) / "berth-runc-traced"
    root = f"--root '{state_root}' " if state_root is not None else ""
    script.write_text(
        "#!/bin/sh\n"
        "# written by tests/integration/peers.py: log the call, then run the runtime\n"
        "IFS=$(printf '\\037')\n"
        f"printf '%s\\n' \"$*\" >> '{log}'\n"
        f"exec '{runtime}' {root}\"$@\"\n")
    script.chmod(0o755)
    return str(script)


def read_trace(log):
    """The calls recorded by the wrapper: a list of argument lists."""
    try:
        text = Path(log).read_text()
    except FileNotFoundError:
        return []
    return [line.split(SEP) for line in text.splitlines() if line]


def subcommand(argv):
    """The runc subcommand of one traced call (skips global options)."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("--root", "--log", "--log-format", "--criu", "--rootless"):
            i += 2
        elif arg.startswith("-"):
            i += 1
        else:
            return arg
    return None


def calls_for(log, cid):
    """Traced calls whose last argument group names container @cid."""
    return [argv for argv in read_trace(log) if cid in argv]


# --- host state guard ---------------------------------------------------------

def wait_until(pred, timeout, interval=0.05):
    """Poll @pred until it returns a true value or @timeout seconds pass."""
    end = time.monotonic() + timeout
    while True:
        value = pred()
        if value or time.monotonic() >= end:
            return value
        time.sleep(interval)


def cgroup_dirs(name):
    """Every cgroup directory called @name directly under a hierarchy root."""
    return [p / name for p in CGROUP_ROOT.iterdir() if (p / name).is_dir()]


def remove_cgroup_tree(name):
    """rmdir /sys/fs/cgroup/*/@name and everything below it, deepest first.
    Returns the directories that could not be removed (still populated)."""
    left = []
    for top in cgroup_dirs(name):
        for dirpath, _, _ in sorted(os.walk(top), key=lambda w: -len(w[0])):
            for _ in range(40):
                try:
                    os.rmdir(dirpath)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)
            else:
                left.append(dirpath)
    return left


def mounts_under(prefix):
    """Mount points at or below @prefix in this mount namespace, deepest first."""
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].replace("\\040", " ")
            if point == prefix or point.startswith(prefix.rstrip("/") + "/"):
                points.append(point)
    return sorted(points, key=len, reverse=True)


def unmount_all_under(prefix):
    """Unmount (lazily, as a last resort) whatever is mounted below @prefix;
    returns the mount points that were found (they are leaks worth reporting)."""
    found = mounts_under(prefix)
    for point in found:
        subprocess.run(["umount", "-l", point], capture_output=True)
    return found


class HostLeftovers:
    """Remembers which well-known host paths and cgroups exist before a peer
    runs; remove() deletes those the peer created (they lie outside its
    configurable directories: see docs/interop.md).  @trees are removed
    recursively, @dirs (their parents, listed deepest first) only when empty."""

    def __init__(self, trees=(), dirs=(), cgroups=()):
        self.trees = [p for p in map(Path, trees) if not p.exists()]
        self.dirs = [p for p in map(Path, dirs) if not p.exists()]
        self.cgroups = [c for c in cgroups if not cgroup_dirs(c)]

    def remove(self):
        """Undo what the peer created; returns cgroups that stayed populated."""
        left = []
        for name in self.cgroups:
            left += remove_cgroup_tree(name)
        for path in self.trees:
            shutil.rmtree(path, ignore_errors=True)
        for path in self.dirs:
            try:
                path.rmdir()
            except OSError:
                pass
        return left


# --- terminals ----------------------------------------------------------------

class PtySession:
    """A command run on a fresh pseudo-terminal, driven like a user would."""

    def __init__(self, argv, env=None):
        import pty
        self.output = b""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: the pty is our controlling terminal
            try:
                os.execvpe(argv[0], argv, env if env is not None else os.environ)
            finally:
                os._exit(127)

    def read_until(self, needle, timeout=10):
        """Collect output until @needle (bytes) appears; returns True if it did."""
        import select
        end = time.monotonic() + timeout
        while needle not in self.output and time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:  # EIO: the other side closed
                break
            if not data:
                break
            self.output += data
        return needle in self.output

    def send(self, text):
        os.write(self.fd, text.encode())

    def wait(self, timeout=20):
        """Drain output until the command exits; returns its exit status."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.read_until(b"\0never\0", timeout=0.2)
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            self.read_until(b"\0never\0", timeout=0.1)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        os.close(self.fd)
        raise AssertionError(f"command on pty did not exit; output: {self.output!r}")


def keep_trace(log, peer):
    """Copy @log to $BERTH_PEERS_TRACE_DIR/<peer>-runtime-calls.log if that
    variable is set, so the calls a peer made survive the temporary directory."""
    dest = os.environ.get("BERTH_PEERS_TRACE_DIR")
    if dest and Path(log).exists():
        os.makedirs(dest, exist_ok=True)
        lines = [" ".join(argv) for argv in read_trace(log)]
        Path(dest, f"{peer}-runtime-calls.log").write_text("\n".join(lines) + "\n")
