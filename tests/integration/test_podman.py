"""podman (with conmon) drives berth-runc as its OCI runtime.

Run:  BERTH_RUNC=/usr/bin/runc python3 -m pytest -q tests/integration/test_podman.py
Podman is fully isolated: its own containers.conf / storage.conf / registries.conf,
graph root, run root, tmpdir, events file and cgroup parent, all in a temporary
directory that is removed at the end.  See docs/interop.md.
"""

import os
import tempfile
import time
from pathlib import Path

import pytest

import peers

TOOLS = peers.require_tools("podman", "conmon")
RUNTIME = peers.require_runtime()

ULIMITS = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"]
MEMORY_LIMIT = 64 * 1024 * 1024
# Paths podman 4.3 creates whatever its configuration says (docs/interop.md).
HOST_TREES = ["/run/containers/networks", "/var/lib/containers/cache"]
HOST_DIRS = ["/run/containers", "/var/lib/containers"]


class Podman:
    """One private podman installation in @top, using the traced runtime."""

    def __init__(self, top):
        self.top = Path(top)
        self.state = self.top / "runtime-state"
        self.log = self.top / "runtime-calls.log"
        self.parent = f"berth-peers-podman-{os.getpid()}"
        self.wrapper = peers.make_trace_wrapper(self.top, RUNTIME, self.state, self.log)
        self.env = dict(os.environ, **self._write_configs())
        self.flags = ["--root", str(self.top / "root"), "--runroot", str(self.top / "runroot"),
                      "--tmpdir", str(self.top / "tmp"), "--cgroup-manager", "cgroupfs",
                      "--events-backend", "file", "--storage-driver", "overlay",
                      "--runtime", self.wrapper]

    def _write_configs(self):
        t = self.top
        (t / "containers.conf").write_text(f"""
[containers]
netns = "none"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[network]
network_config_dir = "{t}/net"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{t}/events.log"
tmp_dir = "{t}/tmp"
volume_path = "{t}/volumes"
""")
        (t / "storage.conf").write_text(f"""
[storage]
driver = "overlay"
graphroot = "{t}/root"
runroot = "{t}/runroot"
""")
        (t / "registries.conf").write_text("unqualified-search-registries = []\n")
        return {"CONTAINERS_CONF": str(t / "containers.conf"),
                "CONTAINERS_STORAGE_CONF": str(t / "storage.conf"),
                "CONTAINERS_REGISTRIES_CONF": str(t / "registries.conf")}

    def argv(self, *args):
        return [TOOLS["podman"], *self.flags, *args]

    def __call__(self, *args, check=True, timeout=30, input=None):
        return peers.run(self.argv(*args), check=check, timeout=timeout, env=self.env,
                         input=input)

    def run_args(self, *args):
        """`podman run` arguments every test uses: no network, our cgroup parent."""
        return ["run", "--network", "none", "--cgroup-parent", f"/{self.parent}", *ULIMITS,
                *args]

    def start(self, *args):
        """Start a detached container; returns its full id."""
        return self(*self.run_args("-d", *args)).stdout.strip()

    def inspect(self, cid, fmt):
        return self("inspect", "--format", fmt, cid).stdout.strip()

    def subcommands(self, cid):
        return [peers.subcommand(c) for c in peers.calls_for(self.log, cid)]

    def teardown(self):
        """Remove every container, image, mount, cgroup and file podman made."""
        problems = []
        self("rm", "--all", "--force", "--time", "0", check=False)
        self("rmi", "--all", "--force", check=False)
        self("system", "reset", "--force", check=False)
        # container state only: berth-runc's compiled seccomp cache (.seccomp-cache) may stay
        left = [n for n in os.listdir(self.state) if not n.startswith(".")] if self.state.exists() else []
        if left:
            problems.append(f"runtime state left in {self.state}: {left}")
        leaked = peers.unmount_all_under(str(self.top))
        if leaked:
            problems.append(f"mounts left under {self.top}: {leaked}")
        peers.keep_trace(self.log, "podman")
        return problems


@pytest.fixture(scope="module")
def pm():
    guard = peers.HostLeftovers(trees=HOST_TREES, dirs=HOST_DIRS,
                                cgroups=["libpod_parent", f"berth-peers-podman-{os.getpid()}"])
    top = tempfile.mkdtemp(prefix="berth-podman-")
    podman = Podman(top)
    problems = []
    try:
        rootfs = peers.build_rootfs_tar(os.path.join(top, "rootfs.tar"))
        podman("import", "--change", 'CMD ["/bin/sh"]', rootfs, peers.IMAGE_REF)
        yield podman
    finally:
        problems += podman.teardown()
        problems += [f"cgroup not removable: {c}" for c in guard.remove()]
        import shutil
        shutil.rmtree(top, ignore_errors=True)
    assert not problems, "; ".join(problems)


def test_run_rm_uses_given_runtime(pm):
    cidfile = pm.top / "run-rm.cid"
    res = pm(*pm.run_args("--rm", "--cidfile", str(cidfile), peers.IMAGE_REF,
                          "echo", "berth-marker"))
    assert res.stdout.strip() == "berth-marker"
    cid = cidfile.read_text().strip()
    subs = pm.subcommands(cid)
    assert subs[:2] == ["create", "start"], subs
    assert "delete" in subs, subs
    # the runtime kept its state in the --root the wrapper gave it, and deleted it
    assert not (pm.state / cid).exists()
    assert pm("ps", "--all", "--quiet").stdout.strip() == ""


def test_image_cmd_with_stdin(pm):
    # No command: the CMD given at `podman import` runs, reading stdin (-i).
    res = pm(*pm.run_args("--rm", "-i", peers.IMAGE_REF), input="echo $((2+3))-from-stdin\n")
    assert res.stdout.strip() == "5-from-stdin"


def test_interactive_tty(pm):
    session = peers.PtySession(pm.argv(*pm.run_args("--rm", "-it", peers.IMAGE_REF)),
                               env=pm.env)
    assert session.read_until(b"# ", timeout=15), session.output
    session.send("echo $((6*7))-typed; tty\r")
    assert session.read_until(b"42-typed", timeout=10), session.output
    assert session.read_until(b"/dev/pts/", timeout=5), session.output
    session.send("exit 5\r")
    assert session.wait() == 5, session.output
    creates = [c for c in peers.read_trace(pm.log)
               if peers.subcommand(c) == "create" and "--console-socket" in c]
    assert creates, "podman -t did not pass --console-socket to create"


def host_cgroup_dir(pid, controller):
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(","):
                return Path("/sys/fs/cgroup", controller, path.lstrip("/"))
    raise AssertionError(f"pid {pid} has no {controller} cgroup")


def test_memory_limit(pm):
    cid = pm.start("--memory", "64m", peers.IMAGE_REF, "sleep", "1000")
    try:
        pid = int(pm.inspect(cid, "{{.State.Pid}}"))
        outside = host_cgroup_dir(pid, "memory")
        assert pm.parent in outside.parts, outside
        assert int((outside / "memory.limit_in_bytes").read_text()) == MEMORY_LIMIT
        inside = pm("exec", cid, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
        assert int(inside.stdout) == MEMORY_LIMIT
    finally:
        pm("rm", "--force", "--time", "0", cid)
    assert not outside.exists(), f"container cgroup {outside} left behind"


def caps(status_text):
    return {k: int(v, 16) for k, v in (l.split(":\t") for l in status_text.splitlines()
                                       if l.startswith("Cap"))}


def test_cap_drop_all_cap_add(pm):
    res = pm(*pm.run_args("--rm", "--cap-drop", "ALL", "--cap-add", "CHOWN",
                          "--cap-add", "NET_RAW", peers.IMAGE_REF,
                          "grep", "^Cap", "/proc/self/status"))
    got = caps(res.stdout)
    want = (1 << 0) | (1 << 13)  # CAP_CHOWN, CAP_NET_RAW
    assert got["CapEff"] == want, res.stdout
    assert got["CapPrm"] == want and got["CapBnd"] == want, res.stdout
    assert got["CapAmb"] == 0 and got["CapInh"] == 0, res.stdout


def test_read_only_rootfs(pm):
    res = pm(*pm.run_args("--rm", "--read-only", peers.IMAGE_REF, "sh", "-c",
                          "touch /berth-x 2>&1; echo rc=$?; touch /tmp/ok && echo tmp-ok"))
    assert "Read-only file system" in res.stdout, res.stdout
    assert "rc=1" in res.stdout and "tmp-ok" in res.stdout, res.stdout


def test_exec_joins_container(pm):
    cid = pm.start("--hostname", "berth-peer", peers.IMAGE_REF, "sleep", "1000")
    try:
        assert cid in os.listdir(pm.state), "runtime --root holds no state for the container"
        assert pm.inspect(cid, "{{.OCIRuntime}}") == pm.wrapper
        pid = int(pm.inspect(cid, "{{.State.Pid}}"))
        assert pm("exec", cid, "hostname").stdout.strip() == "berth-peer"
        assert pm("exec", cid, "cat", "/proc/1/cmdline").stdout == "sleep\x001000\x00"
        for ns in ("pid", "mnt", "uts", "ipc", "net"):
            inside = pm("exec", cid, "readlink", f"/proc/self/ns/{ns}").stdout.strip()
            assert inside == os.readlink(f"/proc/{pid}/ns/{ns}"), ns
        assert pm("exec", cid, "sh", "-c", "exit 4", check=False).returncode == 4
        assert pm("exec", "--user", "1:1", cid, "id", "-u").stdout.strip() == "1"
        assert "exec" in pm.subcommands(cid)
    finally:
        pm("rm", "--force", "--time", "0", cid)
    assert cid not in os.listdir(pm.state)


def stop_and_time(pm, cid, timeout):
    begin = time.monotonic()
    pm("stop", "--time", str(timeout), cid, timeout=timeout + 30)
    return time.monotonic() - begin


def test_stop_delivers_sigterm(pm):
    script = "trap 'exit 3' TERM; echo ready; while true; do sleep 0.1; done"
    cid = pm.start(peers.IMAGE_REF, "sh", "-c", script)
    try:
        assert peers.wait_until(lambda: "ready" in pm("logs", cid).stdout, 10)
        elapsed = stop_and_time(pm, cid, 10)
        assert elapsed < 5, f"stop took {elapsed:.1f}s: SIGTERM not delivered?"
        assert pm.inspect(cid, "{{.State.Status}} {{.State.ExitCode}}") == "exited 3"
        kills = [c for c in peers.calls_for(pm.log, cid) if peers.subcommand(c) == "kill"]
        assert kills and kills[0][-1] in ("15", "TERM", "SIGTERM"), kills
    finally:
        pm("rm", "--force", "--time", "0", cid)


def test_stop_escalates_to_sigkill(pm):
    # sleep as PID 1 ignores SIGTERM: podman must kill it after the timeout.
    cid = pm.start(peers.IMAGE_REF, "sleep", "1000")
    try:
        elapsed = stop_and_time(pm, cid, 1)
        assert 0.9 < elapsed < 8, f"stop -t 1 took {elapsed:.1f}s"
        assert pm.inspect(cid, "{{.State.Status}} {{.State.ExitCode}}") == "exited 137"
    finally:
        pm("rm", "--force", "--time", "0", cid)
