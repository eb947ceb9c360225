# SPDX-License-Identifier: Apache-2.0
"""mounts, maskedPaths, readonlyPaths, root.readonly, /dev and linux.devices."""
import errno
import os

import pytest


def mount_at(d, mp):
    found = [m for m in d["mounts"] if m["mountpoint"] == mp]
    assert found, f"no mount at {mp}: {[m['mountpoint'] for m in d['mounts']]}"
    return found[-1]  # the top one


def opts(m):
    return set(m["options"].split(",")) | set(m["super_options"].split(","))


def add_mount(ctr, dest, typ, src, options=None):
    m = {"destination": dest, "type": typ, "source": str(src)}
    if options is not None:
        m["options"] = options
    ctr.config["mounts"].append(m)


def host_dir(ctr, name="host"):
    d = ctr.base / name
    d.mkdir()
    (d / "file").write_text("from host\n")
    return d


def test_bind_ro(ctr):
    src = host_dir(ctr)
    add_mount(ctr, "/mnt/ro", "bind", src, ["rbind", "ro"])
    d = ctr.run_probe(None, "read", "/mnt/ro/file", "write", "/mnt/ro/new")
    assert d["actions"][0]["data"] == "from host\n"
    assert d["actions"][1]["errno"] == errno.EROFS
    assert "ro" in mount_at(d, "/mnt/ro")["options"].split(",")
    assert not (src / "new").exists()


def test_bind_rw(ctr):
    src = host_dir(ctr)
    add_mount(ctr, "/mnt/rw", "none", src, ["bind", "rw"])
    d = ctr.run_probe(None, "write", "/mnt/rw/new")
    assert d["actions"][0]["ok"]
    assert (src / "new").read_text() == "probe\n"


def test_bind_file(ctr):
    src = ctr.base / "single"
    src.write_text("one file\n")
    add_mount(ctr, "/etc/single", "bind", src, ["bind", "ro"])
    d = ctr.run_probe(None, "read", "/etc/single")
    assert d["actions"][0]["data"] == "one file\n"


def test_bind_creates_missing_destination(ctr):
    src = host_dir(ctr)
    add_mount(ctr, "/new/deep/dir", "bind", src, ["rbind"])
    d = ctr.run_probe(None, "read", "/new/deep/dir/file")
    assert d["actions"][0]["data"] == "from host\n"


def test_bind_missing_source_fails(ctr):
    add_mount(ctr, "/mnt/x", "bind", ctr.base / "does-not-exist", ["rbind"])
    assert ctr.run(["/probe"]).returncode != 0


def test_tmpfs_options(ctr):
    add_mount(ctr, "/mnt/t", "tmpfs", "tmpfs", ["nosuid", "noexec", "nodev", "size=1m", "mode=700"])
    d = ctr.run_probe()
    m = mount_at(d, "/mnt/t")
    assert m["fstype"] == "tmpfs"
    o = opts(m)
    assert {"nosuid", "noexec", "nodev", "size=1024k", "mode=700"} <= o, o


def test_tmpfs_size_enforced(ctr):
    add_mount(ctr, "/mnt/t", "tmpfs", "tmpfs", ["size=64k"])
    r = ctr.run(["sh", "-c", "dd if=/dev/zero of=/mnt/t/big bs=1024 count=200 2>/dev/null; echo rc=$?"])
    assert r.returncode == 0, r
    assert r.stdout.strip() != "rc=0"


def test_ro_option_on_tmpfs(ctr):
    add_mount(ctr, "/mnt/t", "tmpfs", "tmpfs", ["ro"])
    d = ctr.run_probe(None, "write", "/mnt/t/x")
    assert d["actions"][0]["errno"] == errno.EROFS


def test_default_mounts_present(ctr):
    d = ctr.run_probe()
    assert mount_at(d, "/proc")["fstype"] == "proc"
    assert mount_at(d, "/dev")["fstype"] == "tmpfs"
    assert mount_at(d, "/dev/pts")["fstype"] == "devpts"
    assert mount_at(d, "/dev/shm")["fstype"] == "tmpfs"
    assert mount_at(d, "/dev/mqueue")["fstype"] == "mqueue"
    assert mount_at(d, "/sys")["fstype"] == "sysfs"
    assert "ro" in mount_at(d, "/sys")["options"].split(",")


def test_devpts_newinstance(ctr):
    d = ctr.run_probe()
    m = mount_at(d, "/dev/pts")
    assert "ptmxmode=666" in m["super_options"].split(","), m
    assert {"nosuid", "noexec"} <= set(m["options"].split(","))


def test_masked_paths_read_empty(ctr):
    ctr.config["linux"]["maskedPaths"] += ["/etc/hostname", "/mnt/secretdir", "/mnt/other"]
    for name in ("secretdir", "other"):
        (ctr.rootfs / "mnt" / name).mkdir()
        (ctr.rootfs / "mnt" / name / "s").write_text("secret")
    # /proc/kcore and others in the default list do not exist on every kernel: a missing
    # masked path is not an error.
    d = ctr.run_probe(None, "read", "/etc/hostname", "read", "/mnt/secretdir/s", "read",
                      "/mnt/other/s", "read", "/proc/keys")
    hostname, secret, other, keys = d["actions"]
    assert hostname["ok"] and hostname["data"] == ""
    assert not secret["ok"] and secret["errno"] == errno.ENOENT
    assert not other["ok"] and other["errno"] == errno.ENOENT
    assert keys["ok"] and keys["data"] == ""
    # each masked directory (berth clones one empty tmpfs for all): read-only tmpfs
    for mp in ("/mnt/secretdir", "/mnt/other"):
        m = mount_at(d, mp)
        assert m["fstype"] == "tmpfs" and "ro" in m["options"].split(","), m


def test_masked_path_not_writable(ctr):
    ctr.config["linux"]["maskedPaths"] += ["/mnt/secretdir"]
    (ctr.rootfs / "mnt" / "secretdir").mkdir()
    d = ctr.run_probe(None, "write", "/mnt/secretdir/new")
    assert not d["actions"][0]["ok"]


def test_readonly_paths_refuse_writes(ctr):
    ctr.config["linux"]["readonlyPaths"] += ["/etc"]
    d = ctr.run_probe(None, "write", "/etc/newfile", "write", "/proc/sys/kernel/hostname")
    for a in d["actions"]:
        assert a["errno"] == errno.EROFS, a
    assert not (ctr.rootfs / "etc" / "newfile").exists()


def test_root_readonly(ctr):
    ctr.config["root"]["readonly"] = True
    d = ctr.run_probe(None, "write", "/newfile", "write", "/dev/shm/ok")
    assert d["actions"][0]["errno"] == errno.EROFS
    assert d["actions"][1]["ok"]
    assert "ro" in mount_at(d, "/")["options"].split(",")


def test_root_writable_by_default(ctr):
    d = ctr.run_probe(None, "write", "/newfile")
    assert d["actions"][0]["ok"]
    assert (ctr.rootfs / "newfile").read_text() == "probe\n"


DEV_CHECK = r"""
for n in null zero full random urandom tty; do [ -c /dev/$n ] || echo "missing $n"; done
for l in fd stdin stdout stderr ptmx; do [ -L /dev/$l ] || echo "nolink $l"; done
echo "fd=$(readlink /dev/fd) stdin=$(readlink /dev/stdin) stdout=$(readlink /dev/stdout) stderr=$(readlink /dev/stderr) ptmx=$(readlink /dev/ptmx)"
echo x > /dev/null && echo null-ok
head -c 4 /dev/zero | wc -c
stat -c '%a' /dev/null
"""


def test_dev_nodes_and_symlinks(ctr):
    r = ctr.run(["sh", "-c", DEV_CHECK])
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[0] == "fd=/proc/self/fd stdin=/proc/self/fd/0 stdout=/proc/self/fd/1 stderr=/proc/self/fd/2 ptmx=pts/ptmx", r
    assert lines[1:] == ["null-ok", "4", "666"], r


def test_dev_has_no_host_devices(ctr):
    r = ctr.run(["sh", "-c", "ls /dev"])
    names = set(r.stdout.split())
    assert not names & {"sda", "vda", "kmsg", "mem", "port", "loop0"}, names


def test_linux_devices_entry(ctr):
    ctr.config["linux"]["devices"] = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3,
                                       "fileMode": 0o640, "uid": 0, "gid": 0}]
    ctr.config["linux"]["resources"]["devices"].append({"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"})
    r = ctr.run(["sh", "-c", "stat -c '%F %t:%T %a' /dev/mynull; echo hi > /dev/mynull && echo wrote"])
    assert r.returncode == 0, r
    assert r.stdout.splitlines() == ["character special file 1:3 640", "wrote"]


def test_device_cgroup_denies_unlisted_device(ctr):
    # /dev/port (1:4) is created but not allowed in resources.devices: opening it must fail.
    ctr.config["linux"]["devices"] = [{"path": "/dev/myport", "type": "c", "major": 1, "minor": 4, "fileMode": 0o666}]
    d = ctr.run_probe(None, "read", "/dev/myport")
    assert d["actions"][0]["errno"] == errno.EPERM


def test_cgroup_mount_readonly(ctr):
    d = ctr.run_probe(None, "write", "/sys/fs/cgroup/memory/cgroup.procs", "mkdir", "/sys/fs/cgroup/pids/evil")
    assert d["actions"][0]["errno"] == errno.EROFS, d["actions"]
    assert d["actions"][1]["errno"] == errno.EROFS
    cg = [m for m in d["mounts"] if m["mountpoint"].startswith("/sys/fs/cgroup/")]
    assert cg
    for m in cg:
        assert "ro" in m["options"].split(","), m


def test_cgroup_mount_shows_own_cgroup(ctr):
    d = ctr.run_probe(None, "read", "/sys/fs/cgroup/pids/pids.max")
    # The container sees its own cgroup at the root of the hierarchy, not the host's root.
    assert d["actions"][0]["ok"]
    assert d["actions"][0]["data"].strip() == "max"


def test_mqueue_mount(ctr):
    d = ctr.run_probe()
    m = mount_at(d, "/dev/mqueue")
    assert {"nosuid", "noexec", "nodev"} <= set(m["options"].split(","))


@pytest.mark.parametrize("dest", ["/proc/self/x", "relative"])
def test_odd_mount_destinations_refused_or_contained(ctr, dest):
    add_mount(ctr, dest, "tmpfs", "tmpfs")
    r = ctr.run(["true"])
    # Either refused, or (relative destinations, which runc accepts) mounted inside the rootfs.
    if r.returncode == 0:
        assert dest == "relative"
    assert not os.path.exists("/relative")


@pytest.mark.parametrize("opts", [["defaults"], ["silent"], ["loud"], ["noiversion"], ["iversion"]])
def test_spec_mount_options_accepted(ctr, opts):
    # Options the runtime spec lists as required: accepted and applied (or a no-op).
    add_mount(ctr, "/opt-test", "tmpfs", "tmpfs", opts)
    d = ctr.run_probe()
    assert mount_at(d, "/opt-test")["fstype"] == "tmpfs"


def test_relative_destination_is_relative_to_root(ctr):
    add_mount(ctr, "rel/dir", "tmpfs", "tmpfs")
    d = ctr.run_probe()
    assert mount_at(d, "/rel/dir")["fstype"] == "tmpfs"
