# SPDX-License-Identifier: Apache-2.0
"""Security invariants: the runtime binary cannot be overwritten from inside (CVE-2019-5736), no
host fd leaks in, the cwd and mount destinations stay inside the rootfs, cgroup escapes fail."""
import errno
import hashlib
import os
import shutil
import time

import pytest

from conftest import CAP_NAMES

SLEEP = ["sleep", "1000"]

# Inside the container: look for processes that are not busybox or the probe (the runtime
# entering for exec) and try to write through their /proc/<pid>/exe.
OVERWRITE = r"""
while :; do
  for p in /proc/[0-9]*; do
    e=$(readlink $p/exe 2>/dev/null) || continue
    case "$e" in */busybox|*/probe|"") continue;; esac
    echo "$p $e" >> /tmp/seen
    if echo PWNED >> $p/exe 2>/dev/null; then echo "$p" >> /tmp/wrote; fi
  done
done
"""


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_runtime_binary_not_writable_via_proc_exe(ctr):
    # Work on a copy: a vulnerable runtime must not be able to damage the real one.
    rt = ctr.base / "runtime-copy"
    shutil.copy2(ctr.runtime_path, rt)
    ctr.runtime_path = str(rt)
    before = sha(rt)
    host_bnd = int([line.split()[1] for line in open("/proc/self/status") if line.startswith("CapBnd")][0], 16)
    caps = [n for i, n in enumerate(CAP_NAMES) if host_bnd >> i & 1]
    ctr.config["process"]["capabilities"] = {k: caps for k in ("bounding", "permitted", "effective")}
    r = ctr.run(["sh", "-c", OVERWRITE], detach=True)
    assert r.returncode == 0, r
    for _ in range(15):
        ctr.runtime("exec", ctr.id, "true")
    time.sleep(0.2)
    ctr.ok("delete", "--force", ctr.id)
    assert sha(rt) == before, "runtime binary modified from inside the container"
    assert not (ctr.rootfs / "tmp" / "wrote").exists(), (ctr.rootfs / "tmp" / "wrote").read_text()


def test_no_host_fd_leaks_into_container(ctr):
    leak = open(ctr.base / "secret", "w")
    os.set_inheritable(leak.fileno(), True)
    try:
        ctr.config["process"]["args"] = ["/probe"]
        ctr.write_config()
        r = ctr.runtime("run", "--bundle", ctr.bundle, ctr.id, pass_fds=(leak.fileno(),))
    finally:
        leak.close()
    assert r.returncode == 0, r
    fds = r.json()["fds"]
    assert sorted(fds, key=int) == ["0", "1", "2"], fds
    assert not any("secret" in t for t in fds.values())


def test_no_host_fd_in_exec(ctr):
    ctr.run(SLEEP, detach=True)
    leak = open(ctr.base / "secret", "w")
    os.set_inheritable(leak.fileno(), True)
    try:
        r = ctr.runtime("exec", ctr.id, "/probe", pass_fds=(leak.fileno(),))
    finally:
        leak.close()
    assert r.returncode == 0, r
    assert sorted(r.json()["fds"], key=int) == ["0", "1", "2"]
    ctr.ok("delete", "--force", ctr.id)


def test_cwd_stays_in_rootfs(ctr):
    ctr.config["process"]["cwd"] = "/../../../../tmp"
    r = ctr.run(["sh", "-c", "pwd; ls /tmp/../.. | head -3; exec sleep 1000"], detach=True)
    if r.returncode != 0:
        return  # refusing a cwd with .. is also acceptable
    pid = ctr.state()["pid"]
    cwd, want = os.stat(f"/proc/{pid}/cwd"), os.stat(ctr.rootfs / "tmp")
    assert (cwd.st_dev, cwd.st_ino) == (want.st_dev, want.st_ino)
    ctr.ok("delete", "--force", ctr.id)


def test_host_processes_invisible(ctr):
    d = ctr.run_probe(None, "read", "/proc/1/cmdline")
    assert d["actions"][0]["data"].split("\0")[0] == "/probe"


def _symlink_escape(ctr, target):
    hostdir = ctr.base / "hostdir"
    hostdir.mkdir()
    (ctr.rootfs / "evil").symlink_to(target(hostdir))
    src = ctr.base / "src"
    src.mkdir()
    (src / "f").write_text("x")
    ctr.config["mounts"].append({"destination": "/evil/newdir", "type": "bind", "source": str(src), "options": ["rbind"]})
    ctr.config["mounts"].append({"destination": "/evil/tmpfs", "type": "tmpfs", "source": "tmpfs"})
    r = ctr.run(["sh", "-c", "cat /evil/newdir/f"])
    assert os.listdir(hostdir) == [], "runtime created mount points outside the rootfs"
    if r.returncode == 0:
        assert r.stdout == "x"
        # The mount landed inside the rootfs, where the symlink resolves within the root.
        assert (ctr.rootfs / str(hostdir).lstrip("/")).exists() or (ctr.rootfs / "hostdir").exists()


def test_mount_destination_absolute_symlink_to_host(ctr):
    _symlink_escape(ctr, lambda h: str(h))


def test_mount_destination_relative_symlink_to_host(ctr):
    _symlink_escape(ctr, lambda h: "../" * 12 + str(h).lstrip("/"))


def test_dotdot_mount_destination_contained(ctr):
    hostdir = ctr.base / "hostdir2"
    hostdir.mkdir()
    rel = os.path.relpath(hostdir, ctr.rootfs)  # ../hostdir2
    ctr.config["mounts"].append({"destination": "/" + rel + "/inner", "type": "tmpfs", "source": "tmpfs"})
    ctr.run(["true"])
    assert os.listdir(hostdir) == []


def test_cap_inheritable_empty_by_default(ctr):
    st = ctr.run_probe()["status"]
    assert st["CapInh"] == "0" * 16
    assert st["CapAmb"] == "0" * 16


def test_release_agent_not_writable(ctr):
    d = ctr.run_probe(None, "write", "/sys/fs/cgroup/memory/release_agent",
                      "write", "/sys/fs/cgroup/pids/release_agent",
                      "write", "/sys/fs/cgroup/memory/notify_on_release")
    for a in d["actions"]:
        assert not a["ok"], a
        assert a["errno"] in (errno.EROFS, errno.ENOENT, errno.EACCES, errno.EPERM), a


def test_release_agent_not_writable_with_sys_admin(ctr):
    # Even with CAP_SYS_ADMIN the cgroup mount is read-only.
    ctr.config["process"]["capabilities"] = {k: ["CAP_SYS_ADMIN"] for k in ("bounding", "permitted", "effective")}
    d = ctr.run_probe(None, "write", "/sys/fs/cgroup/memory/release_agent", "write", "/sys/fs/cgroup/memory/cgroup.procs")
    for a in d["actions"]:
        assert not a["ok"], a


def test_cannot_mount_without_cap_sys_admin(ctr):
    d = ctr.run_probe(None, "syscall", "mount")
    assert d["actions"][0]["errno"] == errno.EPERM


def test_proc_sys_read_only(ctr):
    d = ctr.run_probe(None, "write", "/proc/sys/kernel/core_pattern")
    assert d["actions"][0]["errno"] in (errno.EROFS, errno.EACCES)


def test_created_init_is_not_the_user_program(ctr):
    # Between create and start the container's pid must not run the user program yet, and
    # the runtime part waiting there must not be ptrace-able/dumpable from the container:
    # we check what is observable from the host: it is not the user binary.
    ctr.create(["/probe", "sleep", "1000"])
    pid = ctr.state()["pid"]
    exe = os.readlink(f"/proc/{pid}/exe")
    assert not exe.endswith("/probe"), exe
    ctr.ok("delete", "--force", ctr.id)


def test_state_dir_not_world_accessible(ctr):
    ctr.create(SLEEP)
    mode = os.stat(ctr.root / ctr.id).st_mode & 0o777
    assert mode & 0o077 == 0 or mode & 0o022 == 0, oct(mode)
    ctr.ok("delete", "--force", ctr.id)


def test_no_new_privileges_blocks_setuid_gain(ctr):
    # A setuid-root copy of the probe run by uid 1000 must not gain root with NNP set.
    (ctr.rootfs / "suid").mkdir()
    shutil.copy2(ctr.rootfs / "probe", ctr.rootfs / "suid" / "probe")
    os.chmod(ctr.rootfs / "suid" / "probe", 0o4755)
    ctr.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    ctr.config["process"]["noNewPrivileges"] = True
    r = ctr.run(["/suid/probe"])
    assert r.returncode == 0, r
    assert (r.json()["uid"], r.json()["euid"]) == (1000, 1000)


def test_setuid_gain_without_no_new_privileges(ctr):
    # The counterpart: without NNP the same binary does gain euid 0 (so the test above can fail).
    (ctr.rootfs / "suid").mkdir()
    shutil.copy2(ctr.rootfs / "probe", ctr.rootfs / "suid" / "probe")
    os.chmod(ctr.rootfs / "suid" / "probe", 0o4755)
    ctr.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    ctr.config["process"]["noNewPrivileges"] = False
    r = ctr.run(["/suid/probe"])
    assert r.returncode == 0, r
    assert (r.json()["uid"], r.json()["euid"]) == (1000, 0)


@pytest.mark.berth_only
def test_created_init_runs_from_a_sealed_copy(ctr):
    # CVE-2019-5736, checked directly: the process that enters the container (the init,
    # waiting in "created") runs from an anonymous sealed copy of the runtime, so even host
    # root cannot open its /proc/<pid>/exe for writing, and the runtime file is not it.
    import fcntl
    ctr.create(SLEEP)
    pid = ctr.state()["pid"]
    exe = f"/proc/{pid}/exe"
    assert os.readlink(exe).startswith("/memfd:berth-runc"), os.readlink(exe)
    with pytest.raises(OSError) as e:
        os.open(exe, os.O_WRONLY)
    assert e.value.errno in (errno.EPERM, errno.ETXTBSY, errno.EACCES), e.value
    fd = os.open(exe, os.O_RDONLY)
    try:
        F_GET_SEALS = 1034
        seals = fcntl.fcntl(fd, F_GET_SEALS)
        assert seals & 0xf == 0xf, hex(seals)  # SEAL, SHRINK, GROW, WRITE
    finally:
        os.close(fd)
    ctr.ok("delete", "--force", ctr.id)
