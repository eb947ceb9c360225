"""containerd (ctr + containerd-shim-runc-v2) drives berth-runc as its runc.

Run:  BERTH_RUNC=/usr/bin/runc python3 -m pytest -q tests/integration/test_containerd.py
A private containerd (own root, state, socket, config) is started in a temporary
directory and stopped at the end; the image is a docker-archive built here and
loaded with `ctr image import`.  See docs/interop.md.
"""

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

import peers

TOOLS = peers.require_tools("containerd", "ctr", "containerd-shim-runc-v2")
RUNTIME = peers.require_runtime()

MEMORY_LIMIT = 64 * 1024 * 1024
DISABLED_PLUGINS = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
                    "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
                    "io.containerd.tracing.processor.v1.otlp"]
# containerd 1.6 puts shim sockets in /run/containerd/s whatever its config says.
HOST_TREES = ["/run/containerd/s", "/run/containerd/fifo"]
HOST_DIRS = ["/run/containerd"]


class Containerd:
    """A private containerd daemon in @top and a ctr bound to it."""

    def __init__(self, top):
        self.top = Path(top)
        self.sock = self.top / "containerd.sock"
        self.ns = f"berth-peers-{os.getpid()}"
        self.runc_root = self.top / "runtime-state"
        self.log = self.top / "runtime-calls.log"
        # the shim passes --root itself (from --runc-root): the wrapper adds none
        self.wrapper = peers.make_trace_wrapper(self.top, RUNTIME, None, self.log)
        self.daemon = None
        self.serial = 0

    def start_daemon(self):
        quoted = ", ".join(f'"{p}"' for p in DISABLED_PLUGINS)
        config = self.top / "config.toml"
        config.write_text(f"""version = 2
root = "{self.top}/root"
state = "{self.top}/state"
disabled_plugins = [{quoted}]
[grpc]
  address = "{self.sock}"
[ttrpc]
  address = "{self.sock}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
""")
        with open(self.top / "containerd.log", "wb") as out:
            self.daemon = subprocess.Popen([TOOLS["containerd"], "--config", str(config)],
                                           stdout=out, stderr=subprocess.STDOUT)
        up = peers.wait_until(lambda: self("version", check=False).returncode == 0, 20, 0.1)
        assert up, f"containerd did not come up: {(self.top / 'containerd.log').read_text()}"

    def argv(self, *args):
        return [TOOLS["ctr"], "--address", str(self.sock), "--namespace", self.ns, *args]

    def __call__(self, *args, check=True, timeout=30, input=None):
        return peers.run(self.argv(*args), check=check, timeout=timeout, input=input)

    def new_id(self, what):
        self.serial += 1
        return f"{what}-{self.serial}"

    def run_args(self, *args):
        """`ctr run` arguments naming the runtime under test and its state root."""
        return ["run", "--runc-binary", self.wrapper, "--runc-root", str(self.runc_root),
                "--fifo-dir", str(self.top / "fifo"), *args]

    def subcommands(self, cid):
        return [peers.subcommand(c) for c in peers.calls_for(self.log, cid)]

    def tasks(self):
        """{task id: (pid, status)} from `ctr task ls`."""
        rows = self("task", "ls").stdout.splitlines()[1:]
        return {r.split()[0]: (int(r.split()[1]), r.split()[2]) for r in rows if r.strip()}

    def _shim_pids(self):
        pids = []
        for entry in Path("/proc").iterdir():
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
            except (OSError, ValueError):
                continue
            if b"containerd-shim" in cmd[0] and str(self.sock).encode() in cmd:
                pids.append(int(entry.name))
        return pids

    def teardown(self):
        """Remove tasks, containers, images; stop the daemon and its shims."""
        problems = []
        if self.daemon and self.daemon.poll() is None:
            for task in self.tasks() if self("version", check=False).returncode == 0 else {}:
                problems.append(f"task {task} still present")
                self("task", "kill", "--signal", "SIGKILL", task, check=False)
                peers.wait_until(lambda: self.tasks().get(task, (0, ""))[1] != "RUNNING", 5)
                self("task", "delete", "--force", task, check=False)
            for cid in self("container", "ls", "--quiet", check=False).stdout.split():
                self("container", "delete", cid, check=False)
            self("image", "rm", peers.IMAGE_REF, check=False)
            self("namespace", "remove", self.ns, check=False)
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(timeout=15)
            except subprocess.TimeoutExpired:
                problems.append("containerd ignored SIGTERM")
                self.daemon.kill()
                self.daemon.wait()
        for pid in self._shim_pids():
            problems.append(f"shim {pid} still running")
            os.kill(pid, signal.SIGKILL)
        leaked = peers.unmount_all_under(str(self.top))
        if leaked:
            problems.append(f"mounts left under {self.top}: {leaked}")
        state = self.runc_root / self.ns
        # container state only: berth-runc's compiled seccomp cache (.seccomp-cache) may stay
        left = [n for n in os.listdir(state) if not n.startswith(".")] if state.exists() else []
        if left:
            problems.append(f"runtime state left in {state}: {left}")
        peers.keep_trace(self.log, "containerd")
        return problems


@pytest.fixture(scope="module")
def ctr():
    guard = peers.HostLeftovers(trees=HOST_TREES, dirs=HOST_DIRS,
                                cgroups=[f"berth-peers-{os.getpid()}"])
    top = tempfile.mkdtemp(prefix="berth-containerd-")
    cd = Containerd(top)
    problems = []
    try:
        rootfs = peers.build_rootfs_tar(os.path.join(top, "rootfs.tar"))
        archive = peers.write_docker_archive(rootfs, os.path.join(top, "image.tar"))
        cd.start_daemon()
        cd("image", "import", archive)
        yield cd
    finally:
        problems += cd.teardown()
        problems += [f"cgroup not removable: {c}" for c in guard.remove()]
        shutil.rmtree(top, ignore_errors=True)
    assert not problems, "; ".join(problems)


def test_ctr_run_rm_uses_given_runtime(ctr):
    cid = ctr.new_id("rm")
    res = ctr(*ctr.run_args("--rm", peers.IMAGE_REF, cid, "sh", "-c",
                            "echo hello-from-berth; exit 7"), check=False)
    assert res.stdout.replace("\r", "").strip() == "hello-from-berth", res
    assert res.returncode == 7, res
    calls = peers.calls_for(ctr.log, cid)
    assert [peers.subcommand(c) for c in calls][:2] == ["create", "start"], calls
    assert "delete" in [peers.subcommand(c) for c in calls], calls
    want_root = str(ctr.runc_root / ctr.ns)
    assert all(c[c.index("--root") + 1] == want_root for c in calls), calls
    assert not (ctr.runc_root / ctr.ns / cid).exists()
    assert cid not in ctr("container", "ls", "--quiet").stdout.split()


def test_ctr_tty(ctr):
    cid = ctr.new_id("tty")
    session = peers.PtySession(ctr.argv(*ctr.run_args("--rm", "-t", peers.IMAGE_REF, cid, "sh")))
    assert session.read_until(b"# ", timeout=15), session.output
    session.send("echo $((6*7))-typed; tty\r")
    assert session.read_until(b"42-typed", timeout=10), session.output
    assert session.read_until(b"/dev/pts/", timeout=5), session.output
    session.send("exit 5\r")
    assert session.wait() == 5, session.output
    creates = [c for c in peers.calls_for(ctr.log, cid) if peers.subcommand(c) == "create"]
    assert creates and "--console-socket" in creates[0], creates


def host_cgroup_dir(pid, controller):
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(","):
                return Path("/sys/fs/cgroup", controller, path.lstrip("/"))
    raise AssertionError(f"pid {pid} has no {controller} cgroup")


def test_ctr_limits_caps_read_only(ctr):
    # ctr mounts no cgroupfs in the container: the limit is read from the host.
    cid = ctr.new_id("limits")
    ctr(*ctr.run_args("--detach", "--read-only", "--memory-limit", str(MEMORY_LIMIT),
                      "--cap-drop", "CAP_NET_RAW", peers.IMAGE_REF, cid, "sleep", "1000"))
    try:
        pid = ctr.tasks()[cid][0]
        cgroup = host_cgroup_dir(pid, "memory")
        assert cgroup.parts[-2:] == (ctr.ns, cid), cgroup
        assert int((cgroup / "memory.limit_in_bytes").read_text()) == MEMORY_LIMIT
        status = ctr("task", "exec", "--exec-id", "caps", cid, "cat", "/proc/1/status").stdout
        cap_eff = int(next(l for l in status.splitlines() if l.startswith("CapEff")).split()[1], 16)
        assert cap_eff & (1 << 0) and not cap_eff & (1 << 13), status  # CHOWN kept, NET_RAW gone
        res = ctr("task", "exec", "--exec-id", "ro", cid, "sh", "-c", "touch /berth-x 2>&1",
                  check=False)
        assert res.returncode == 1 and "Read-only file system" in res.stdout, res
    finally:
        ctr("task", "kill", "--signal", "SIGKILL", cid, check=False)
        peers.wait_until(lambda: ctr.tasks().get(cid, (0, ""))[1] != "RUNNING", 10)
        ctr("task", "delete", cid, check=False)
        ctr("container", "delete", cid, check=False)
    assert not cgroup.exists(), f"container cgroup {cgroup} left behind"
    assert not (ctr.runc_root / ctr.ns / cid).exists()


def test_ctr_exec_ps_kill(ctr):
    cid = ctr.new_id("exec")
    script = "trap 'exit 3' TERM; while true; do sleep 0.1; done"
    fg = subprocess.Popen(ctr.argv(*ctr.run_args("--rm", peers.IMAGE_REF, cid, "sh", "-c", script)),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert peers.wait_until(lambda: ctr.tasks().get(cid, (0, ""))[1] == "RUNNING", 15)
        pid = ctr.tasks()[cid][0]
        assert (ctr.runc_root / ctr.ns / cid).exists(), "no runtime state under --root"
        exec_ = ["task", "exec", "--exec-id"]
        out = ctr(*exec_, "e1", cid, "cat", "/proc/1/cmdline").stdout
        assert out.split("\0")[:2] == ["sh", "-c"], out
        for ns in ("pid", "mnt", "uts", "ipc", "net"):
            inside = ctr(*exec_, f"ns-{ns}", cid, "readlink", f"/proc/self/ns/{ns}").stdout
            assert inside.strip() == os.readlink(f"/proc/{pid}/ns/{ns}"), ns
        assert ctr(*exec_, "e2", cid, "sh", "-c", "exit 4", check=False).returncode == 4
        assert str(pid) in ctr("task", "ps", cid).stdout
        ctr("task", "kill", cid)  # SIGTERM
        assert fg.wait(timeout=10) == 3, fg.stderr.read()
    finally:
        if fg.poll() is None:
            ctr("task", "kill", "--signal", "SIGKILL", cid, check=False)
            fg.wait(timeout=10)
    subs = ctr.subcommands(cid)
    for sub in ("create", "start", "exec", "ps", "kill", "delete"):
        assert sub in subs, subs
    assert not (ctr.runc_root / ctr.ns / cid).exists()
