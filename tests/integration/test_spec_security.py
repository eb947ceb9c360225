# SPDX-License-Identifier: Apache-2.0
"""The security part of berth's spec builder, proven on real containers before `berth run`:
build/spec-tool applies a create body's HostConfig to berth's default spec, the security fields
are copied into the test bundle's config, and build/berth-runc runs it with the probe."""
import errno
import json
import os
import subprocess
import time

import pytest

from conftest import REPO, cap_mask, host_ns, wait_dead

SPEC_TOOL = os.environ.get("BERTH_SPEC_TOOL", str(REPO / "build" / "spec-tool"))
INIT = REPO / "build" / "berth-init"
DEFAULT_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT"]

pytestmark = pytest.mark.berth_only


def own_bounding():
    """"ALL" is what berth may hold itself (root here lacks CAP_SYS_RESOURCE)."""
    for line in open("/proc/self/status"):
        if line.startswith("CapBnd:"):
            return line.split()[1]
    raise AssertionError("no CapBnd")


def spec_tool(ctr, hostconfig, userns=None):
    body = ctr.base / "body.json"
    body.write_text(json.dumps({"HostConfig": hostconfig}))
    cmd = [SPEC_TOOL, "security", *(["--userns", userns] if userns else []), str(body)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def apply_sec(ctr, hostconfig, userns=None):
    """Copy what the security part decided into the test's config."""
    r = spec_tool(ctr, hostconfig, userns)
    assert r.returncode == 0, r.stderr
    spec = json.loads(r.stdout)
    proc, lin = ctr.config["process"], ctr.config["linux"]
    for k in ("capabilities", "noNewPrivileges", "oomScoreAdj", "apparmorProfile"):
        if k in spec["process"]:
            proc[k] = spec["process"][k]
        else:
            proc.pop(k, None)
    for k in ("namespaces", "seccomp", "devices", "sysctl", "uidMappings", "gidMappings",
              "maskedPaths", "readonlyPaths"):
        if k in spec["linux"]:
            lin[k] = spec["linux"][k]
        else:
            lin.pop(k, None)
    lin.setdefault("resources", {})["devices"] = spec["linux"]["resources"]["devices"]
    ctr.config["mounts"] = spec["mounts"]
    if userns:
        for d in (ctr.base, ctr.bundle, ctr.rootfs):
            os.chmod(d, 0o755)  # the mapped root must reach the rootfs
    if "hostname" not in spec:
        ctr.config.pop("hostname", None)
    return spec


def run_args(spec, args):
    """process.args as the spec would have them for @args (the init prefix kept)."""
    if spec["process"]["args"][0] == "/sbin/berth-init":
        return ["/sbin/berth-init", "--", *args]
    return args


def test_default_capabilities_are_the_documented_set(ctr):
    apply_sec(ctr, {})
    st = ctr.run_probe()["status"]
    assert st["CapEff"] == cap_mask(*DEFAULT_CAPS)
    assert st["CapBnd"] == cap_mask(*DEFAULT_CAPS)
    assert st["CapPrm"] == cap_mask(*DEFAULT_CAPS)
    assert st["CapInh"] == "0" * 16 and st["CapAmb"] == "0" * 16
    assert st["NoNewPrivs"] == "1"
    assert st["Seccomp"] == "2"


def test_no_raw_sockets_by_default(ctr):
    apply_sec(ctr, {})
    d = ctr.run_probe(None, "syscall", "socket:17")  # AF_PACKET needs CAP_NET_RAW
    assert d["actions"][0]["errno"] in (errno.EPERM, errno.EAFNOSUPPORT)


def test_cap_drop_sys_chroot_makes_chroot_fail(ctr):
    apply_sec(ctr, {})
    r = ctr.run(["chroot", "/", "true"])
    assert r.returncode == 0, r
    ctr.runtime("delete", "--force", ctr.id)
    apply_sec(ctr, {"CapDrop": ["sys_chroot"]})
    r = ctr.run(["chroot", "/", "true"])
    assert r.returncode != 0
    assert "Operation not permitted" in r.stderr, r


def test_cap_add_all(ctr):
    apply_sec(ctr, {"CapAdd": ["ALL"]})
    st = ctr.run_probe()["status"]
    assert st["CapBnd"] == own_bounding()


def test_cap_add_sys_admin_unlocks_mount(ctr):
    apply_sec(ctr, {})
    assert ctr.run_probe(None, "syscall", "mount")["actions"][0]["errno"] == errno.EPERM
    apply_sec(ctr, {"CapAdd": ["SYS_ADMIN"]})
    # The probe remounts its /tmp read-only: allowed by seccomp and the capability now.
    assert ctr.run_probe(None, "syscall", "mount")["actions"][0]["errno"] != errno.EPERM


def test_no_new_privileges_can_be_turned_off(ctr):
    apply_sec(ctr, {"SecurityOpt": ["no-new-privileges=false"]})
    assert ctr.run_probe()["status"]["NoNewPrivs"] == "0"


def test_seccomp_unconfined(ctr):
    apply_sec(ctr, {"SecurityOpt": ["seccomp=unconfined"]})
    assert ctr.run_probe()["status"]["Seccomp"] == "0"


def test_docker_format_profile_blocks_mkdir(ctr):
    profile = {"defaultAction": "SCMP_ACT_ALLOW",
               "archMap": [{"architecture": "SCMP_ARCH_X86_64",
                            "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
                           {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
               "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"},
                            {"names": ["dup"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EXDEV,
                             "includes": {"caps": ["CAP_SYS_ADMIN"]}}]}
    path = ctr.base / "profile.json"
    path.write_text(json.dumps(profile))
    apply_sec(ctr, {"SecurityOpt": [f"seccomp={path}"]})
    d = ctr.run_probe(None, "syscall", "mkdir", "syscall", "dup", "syscall", "getpid")
    assert [a["errno"] for a in d["actions"]] == [errno.EPERM, 0, 0]
    # The same profile inline (as Docker's CLI sends it) for a container with CAP_SYS_ADMIN.
    apply_sec(ctr, {"SecurityOpt": ["seccomp=" + json.dumps(profile)], "CapAdd": ["SYS_ADMIN"]})
    d = ctr.run_probe(None, "syscall", "mkdir", "syscall", "dup")
    assert [a["errno"] for a in d["actions"]] == [errno.EPERM, errno.EXDEV]


@pytest.mark.skipif(not os.path.exists("/dev/net/tun"), reason="no /dev/net/tun on this host")
def test_device_and_its_cgroup_permissions(ctr):
    # tun is not one of the runtime's default devices; a write without TUNSETIFF is EBADFD.
    apply_sec(ctr, {"Devices": [{"PathOnHost": "/dev/net/tun", "PathInContainer": "/dev/tun"}]})
    d = ctr.run_probe(None, "write", "/dev/tun")
    assert d["actions"][0]["errno"] == errno.EBADFD
    apply_sec(ctr, {"Devices": [{"PathOnHost": "/dev/net/tun", "PathInContainer": "/dev/tun",
                                 "CgroupPermissions": "r"}]})
    d = ctr.run_probe(None, "write", "/dev/tun")
    assert d["actions"][0]["errno"] == errno.EPERM
    # No --device: the node is not there, and the cgroup would refuse a node made by hand.
    apply_sec(ctr, {"CapAdd": ["MKNOD"]})
    r = ctr.run(["sh", "-c", "mknod /tmp/tun c 10 200 && echo x > /tmp/tun"])
    assert r.returncode != 0 and "Operation not permitted" in r.stderr, r
    apply_sec(ctr, {"CapAdd": ["MKNOD"], "DeviceCgroupRules": ["c 10:200 rwm"]})
    r = ctr.run(["sh", "-c", "mknod /tmp/tun c 10 200 && echo x > /tmp/tun"])
    assert "Operation not permitted" not in r.stderr, r


def test_sysctl_in_the_container_only(ctr):
    host = open("/proc/sys/kernel/shmmni").read().strip()
    apply_sec(ctr, {"Sysctls": {"kernel.shmmni": "1234"}})
    d = ctr.run_probe(None, "read", "/proc/sys/kernel/shmmni")
    assert d["actions"][0]["data"].strip() == "1234"
    assert open("/proc/sys/kernel/shmmni").read().strip() == host


def test_refusals_are_clear(ctr):
    cases = [
        ({"Privileged": True}, "100000:100000:65536", "--privileged requires --userns=host"),
        ({"NetworkMode": "bridge"}, None, "network bridge is not supported yet"),
        ({"Sysctls": {"kernel.hostname": "x"}}, None, "not a namespaced sysctl"),
        ({"SecurityOpt": ["seccomp=/nonexistent.json"]}, None, "/nonexistent.json"),
        ({"SecurityOpt": ["apparmorx=1"]}, None, "unknown option"),
        ({"DeviceCgroupRules": ["c 1:3 rwx"]}, None, "--device-cgroup-rule"),
        ({"Devices": [{"PathOnHost": "/dev/berth-none"}]}, None, "/dev/berth-none"),
        ({"OomScoreAdj": 2000}, None, "--oom-score-adj"),
    ]
    for hc, userns, want in cases:
        r = spec_tool(ctr, hc, userns)
        assert r.returncode == 1 and want in r.stderr, (hc, r.stderr)


def test_privileged(ctr):
    apply_sec(ctr, {"Privileged": True})
    d = ctr.run_probe(None, "read", "/proc/kcore")
    st = d["status"]
    assert st["CapEff"] == own_bounding()
    assert st["Seccomp"] == "0"
    assert d["actions"][0]["errno"] != errno.EACCES  # not masked any more
    sysfs = [m for m in d["mounts"] if m["mountpoint"] == "/sys"]
    assert sysfs and "rw" in sysfs[0]["options"].split(",")
    host_devs = [n for n in ("kmsg", "mem", "loop-control") if os.path.exists("/dev/" + n)]
    r = ctr.run(["ls", *["/dev/" + n for n in host_devs]])
    assert r.returncode == 0, r


def test_user_namespace_maps(ctr):
    apply_sec(ctr, {}, userns="100000:100000:65536")
    d = ctr.run_probe(None, "read", "/proc/self/uid_map")
    assert d["actions"][0]["data"].split() == ["0", "100000", "65536"]
    assert d["namespaces"]["user"] != host_ns("user")


def test_host_namespaces(ctr):
    apply_sec(ctr, {"PidMode": "host", "UTSMode": "host", "IpcMode": "host"})
    d = ctr.run_probe()
    assert d["pid"] != 1
    for kind in ("pid", "uts", "ipc"):
        assert d["namespaces"][kind] == host_ns(kind)
    assert d["namespaces"]["net"] != host_ns("net")


def test_init_is_pid_1_and_reaps(ctr):
    assert INIT.exists(), "build/berth-init missing"
    # An orphan exits at once; only an init that reaps keeps it from staying a zombie.
    script = "(sleep 0.1 &); exec sleep 30"
    spec = apply_sec(ctr, {"Init": True})
    r = ctr.run(run_args(spec, ["sh", "-c", script]), detach=True)
    assert r.returncode == 0, r
    time.sleep(0.6)
    ps = ctr.ok("exec", ctr.id, "ps", "-o", "pid,stat,args").stdout
    lines = [line.split(None, 2) for line in ps.splitlines()[1:]]
    assert any(p == "1" and a.startswith("/sbin/berth-init") for p, _, a in lines), ps
    assert not any(s.startswith("Z") for _, s, _ in lines), ps
    # SIGTERM reaches the command through the init, which exits with 128 + 15.
    pid = ctr.state()["pid"]
    ctr.ok("kill", ctr.id, "TERM")
    assert wait_dead(pid), "the init did not exit on SIGTERM"
    ctr.ok("delete", "--force", ctr.id)


def test_without_init_the_orphan_stays_a_zombie(ctr):
    """The contrast that makes the test above mean something."""
    apply_sec(ctr, {})
    r = ctr.run(["sh", "-c", "(sleep 0.1 &); exec sleep 30"], detach=True)
    assert r.returncode == 0, r
    time.sleep(0.6)
    ps = ctr.ok("exec", ctr.id, "ps", "-o", "pid,stat,args").stdout
    assert any(line.split()[1].startswith("Z") for line in ps.splitlines()[1:]), ps
    ctr.ok("delete", "--force", ctr.id)


def test_init_exit_status(ctr):
    spec = apply_sec(ctr, {"Init": True})
    r = ctr.run(run_args(spec, ["sh", "-c", "exit 7"]))
    assert r.returncode == 7, r
    r = ctr.run(run_args(spec, ["sh", "-c", "kill -KILL $$"]))
    assert r.returncode == 137, r
