# SPDX-License-Identifier: Apache-2.0
"""Namespaces: created when listed, shared with the host when not, joined by path."""
import os
import signal
import subprocess
import time

import pytest

from conftest import host_ns

# OCI namespace type → /proc/self/ns name
KINDS = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt", "cgroup": "cgroup"}


def without(ctr, typ):
    ctr.config["linux"]["namespaces"] = [n for n in ctr.config["linux"]["namespaces"] if n["type"] != typ]


@pytest.mark.parametrize("typ", sorted(KINDS))
def test_namespace_created(ctr, typ):
    ctr.add_namespace(typ)
    d = ctr.run_probe()
    assert d["namespaces"][KINDS[typ]] != host_ns(KINDS[typ])


@pytest.mark.parametrize("typ", ["network", "ipc", "uts", "cgroup"])
def test_namespace_shared_when_absent(ctr, typ):
    without(ctr, typ)
    if typ == "uts":
        del ctr.config["hostname"]
    d = ctr.run_probe()
    assert d["namespaces"][KINDS[typ]] == host_ns(KINDS[typ])


def test_pid_namespace_makes_pid_1(ctr):
    d = ctr.run_probe()
    assert d["pid"] == 1
    assert d["ppid"] == 0


def test_no_pid_namespace_shares_host_pids(ctr):
    without(ctr, "pid")
    d = ctr.run_probe()
    assert d["pid"] > 1
    assert d["namespaces"]["pid"] == host_ns("pid")


def test_user_namespace_absent_by_default(ctr):
    assert ctr.run_probe()["namespaces"]["user"] == host_ns("user")


def test_cgroup_namespace_root_view(ctr):
    ctr.add_namespace("cgroup")
    d = ctr.run_probe(None, "read", "/proc/self/cgroup")
    lines = d["actions"][0]["data"].splitlines()
    assert lines and all(line.split(":", 2)[2] == "/" for line in lines), lines


def holder(*unshare_flags):
    p = subprocess.Popen(["unshare", *unshare_flags, "sleep", "1000"])
    end = time.time() + 5
    while time.time() < end:
        if os.readlink(f"/proc/{p.pid}/exe").endswith("sleep"):
            break
        time.sleep(0.02)
    return p


@pytest.mark.parametrize("typ,flag", [("network", "--net"), ("ipc", "--ipc"), ("uts", "--uts")])
def test_join_namespace_by_path(ctr, typ, flag):
    h = holder(flag)
    try:
        kind = KINDS[typ]
        want = os.stat(f"/proc/{h.pid}/ns/{kind}").st_ino
        assert want != host_ns(kind)
        ctr.add_namespace(typ, f"/proc/{h.pid}/ns/{kind}")
        d = ctr.run_probe()
        assert d["namespaces"][kind] == want
    finally:
        h.send_signal(signal.SIGKILL)
        h.wait()


def test_join_netns_from_ip_netns(ctr):
    name = f"berth-test-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        path = f"/run/netns/{name}"
        ctr.add_namespace("network", path)
        d = ctr.run_probe()
        assert d["namespaces"]["net"] == os.stat(path).st_ino
    finally:
        subprocess.run(["ip", "netns", "del", name], check=True)


def test_join_bad_namespace_path_fails(ctr):
    ctr.add_namespace("network", "/proc/self/ns/nonexistent")
    r = ctr.run(["/probe"])
    assert r.returncode != 0


def test_join_wrong_namespace_type_fails(ctr):
    # A uts namespace file given for "network" must be refused, not silently joined.
    h = holder("--uts")
    try:
        ctr.add_namespace("network", f"/proc/{h.pid}/ns/uts")
        r = ctr.run(["/probe"])
        assert r.returncode != 0
    finally:
        h.send_signal(signal.SIGKILL)
        h.wait()


def userns_config(ctr):
    for d in (ctr.base, ctr.bundle, ctr.rootfs):
        os.chmod(d, 0o755)  # the mapped root must reach the rootfs
    ctr.add_namespace("user")
    ctr.config["linux"]["uidMappings"] = [
        {"containerID": 0, "hostID": 100000, "size": 1000},
        {"containerID": 1000, "hostID": 300000, "size": 500},
    ]
    ctr.config["linux"]["gidMappings"] = [
        {"containerID": 0, "hostID": 100000, "size": 1000},
        {"containerID": 1000, "hostID": 400000, "size": 10},
    ]
    # sysfs cannot be mounted read-write by a user namespace that does not own the netns; the
    # default config already makes it ro, and the cgroup bind works unchanged.


def test_user_namespace_mappings(ctr):
    userns_config(ctr)
    d = ctr.run_probe(None, "read", "/proc/self/uid_map", "read", "/proc/self/gid_map")
    assert d["namespaces"]["user"] != host_ns("user")
    assert d["uid"] == 0 and d["gid"] == 0
    uid_map = [line.split() for line in d["actions"][0]["data"].splitlines()]
    gid_map = [line.split() for line in d["actions"][1]["data"].splitlines()]
    assert sorted(uid_map) == sorted([["0", "100000", "1000"], ["1000", "300000", "500"]])
    assert sorted(gid_map) == sorted([["0", "100000", "1000"], ["1000", "400000", "10"]])


def test_user_namespace_host_uid_seen_from_outside(ctr):
    userns_config(ctr)
    ctr.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    ctr.run(["sleep", "1000"], detach=True)
    pid = ctr.state()["pid"]
    status = open(f"/proc/{pid}/status").read()
    uid_line = [line for line in status.splitlines() if line.startswith("Uid:")][0]
    gid_line = [line for line in status.splitlines() if line.startswith("Gid:")][0]
    assert uid_line.split()[1:] == ["300000"] * 4
    assert gid_line.split()[1:] == ["400000"] * 4
    ctr.ok("delete", "--force", ctr.id)


def test_user_namespace_without_mappings_refused(ctr):
    ctr.add_namespace("user")
    r = ctr.run(["/probe"])
    assert r.returncode != 0


@pytest.mark.berth_only  # runc 1.1 predates time namespace support
def test_time_namespace_offsets(ctr):
    ctr.add_namespace("time")
    ctr.config["linux"]["timeOffsets"] = {"boottime": {"secs": 86400 * 1000, "nanosecs": 0},
                                          "monotonic": {"secs": 86400 * 2000, "nanosecs": 0}}
    d = ctr.run_probe(None, "read", "/proc/uptime")
    assert d["namespaces"]["time"] != host_ns("time")
    uptime = float(d["actions"][0]["data"].split()[0])
    host = float(open("/proc/uptime").read().split()[0])
    # the host is read after the container: allow a little skew either way
    assert 86400 * 1000 - 5 <= uptime - host < 86400 * 1000 + 60


def test_user_namespace_init_joins_v1_cgroups(ctr):
    # The init is cloned straight into its user namespace and writes itself into the v1
    # `tasks` files the runtime opened: it must land in the container's cgroup everywhere.
    userns_config(ctr)
    ctr.run(["sleep", "1000"], detach=True)
    pid = ctr.state()["pid"]
    want = ctr.cgroups_path
    lines = open(f"/proc/{pid}/cgroup").read().splitlines()
    v1 = [line.split(":", 2) for line in lines if line.split(":", 2)[1] and not line.split(":", 2)[1].startswith("name=")]
    assert v1, lines
    assert all(path == want for _, _, path in v1), lines
    ctr.ok("delete", "--force", ctr.id)


def test_user_namespace_without_root_mapping_reports_why(ctr):
    userns_config(ctr)
    ctr.config["linux"]["uidMappings"] = [{"containerID": 1, "hostID": 100000, "size": 1000}]
    ctr.config["linux"]["gidMappings"] = [{"containerID": 1, "hostID": 100000, "size": 1000}]
    r = ctr.run(["/probe"])
    assert r.returncode != 0
    assert "is 0 mapped" in r.stderr, r


def test_user_namespace_with_netns_joined_by_path(ctr):
    # A namespace joined by path takes the stage-1 path, user namespace and all.
    h = holder("--net")
    try:
        userns_config(ctr)
        want = os.stat(f"/proc/{h.pid}/ns/net").st_ino
        ctr.add_namespace("network", f"/proc/{h.pid}/ns/net")
        d = ctr.run_probe(None, "read", "/proc/self/uid_map")
        assert d["namespaces"]["net"] == want
        assert d["namespaces"]["user"] != host_ns("user")
        assert d["uid"] == 0 and d["pid"] == 1
        assert ["0", "100000", "1000"] in [line.split() for line in d["actions"][0]["data"].splitlines()]
    finally:
        h.send_signal(signal.SIGKILL)
        h.wait()


@pytest.mark.berth_only
def test_time_namespace_with_user_namespace(ctr):
    userns_config(ctr)
    ctr.add_namespace("time")
    ctr.config["linux"]["timeOffsets"] = {"boottime": {"secs": 86400 * 1000, "nanosecs": 0}}
    d = ctr.run_probe(None, "read", "/proc/uptime")
    assert d["namespaces"]["time"] != host_ns("time")
    assert d["namespaces"]["user"] != host_ns("user") and d["uid"] == 0
    assert float(d["actions"][0]["data"].split()[0]) > 86400 * 1000 - 5


@pytest.mark.parametrize("how", ["direct", "stage-1", "userns"])
def test_new_network_namespace_has_lo_up(ctr, how):
    # A new network namespace's lo is up when the process starts (berth's runtime brings it
    # up from outside while the init mounts): on the direct clone, on the stage-1 path (a
    # namespace joined by path) and from inside a user namespace.
    ctr.add_namespace("network")
    h = holder("--uts") if how == "stage-1" else None
    try:
        if h is not None:
            ctr.add_namespace("uts", f"/proc/{h.pid}/ns/uts")
            del ctr.config["hostname"]
        if how == "userns":
            userns_config(ctr)
        d = ctr.run_probe(None, "read", "/sys/class/net/lo/flags")
        assert d["namespaces"]["net"] != host_ns("net")
        assert int(d["actions"][0]["data"], 16) & 0x1, d["actions"]  # IFF_UP
    finally:
        if h is not None:
            h.send_signal(signal.SIGKILL)
            h.wait()
