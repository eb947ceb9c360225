# SPDX-License-Identifier: Apache-2.0
"""exec: a new process joins the running container (namespaces, cgroup, rootfs) with its own
process attributes from -p process.json or flags."""
import json
import os
import time

from conftest import cap_mask, wait_dead

SLEEP = ["sleep", "1000"]


def started(ctr, **tweak):
    r = ctr.run(SLEEP, detach=True, tweak=tweak or None)
    assert r.returncode == 0, r
    return ctr.state()["pid"]


def exec_probe(ctr, *flags_and_args):
    r = ctr.runtime("exec", *flags_and_args)
    assert r.returncode == 0, r
    return r.json()


def test_exec_joins_namespaces_and_cgroup(ctr):
    pid = started(ctr)
    d = exec_probe(ctr, ctr.id, "/probe", "read", "/proc/self/cgroup")
    for kind in ("mnt", "net", "ipc", "uts", "pid"):
        assert d["namespaces"][kind] == os.stat(f"/proc/{pid}/ns/{kind}").st_ino, kind
    assert d["pid"] != 1 and d["hostname"] == "berth"
    host_cg = open(f"/proc/{pid}/cgroup").read()
    mem = [line for line in host_cg.splitlines() if ":memory:" in line][0]
    assert mem.endswith(ctr.cgroups_path)
    ctr.ok("delete", "--force", ctr.id)


def test_exec_exit_code(ctr):
    started(ctr)
    r = ctr.runtime("exec", ctr.id, "sh", "-c", "exit 42")
    assert r.returncode == 42, r
    ctr.ok("delete", "--force", ctr.id)


def test_exec_stdio(ctr):
    started(ctr)
    r = ctr.runtime("exec", ctr.id, "sh", "-c", "read x; echo out:$x; echo err >&2", input="in\n")
    assert r.returncode == 0, r
    assert r.stdout == "out:in\n" and "err" in r.stderr
    ctr.ok("delete", "--force", ctr.id)


def test_exec_process_json(ctr):
    started(ctr)
    proc = {"args": ["/probe"], "cwd": "/tmp", "env": ["PATH=/bin", "PJ=1"],
            "user": {"uid": 1000, "gid": 1000, "additionalGids": [1001]},
            "capabilities": {"bounding": ["CAP_KILL"], "permitted": ["CAP_KILL"], "effective": ["CAP_KILL"],
                             "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]},
            "noNewPrivileges": True, "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 77, "hard": 88}]}
    pj = ctr.base / "process.json"
    pj.write_text(json.dumps(proc))
    d = exec_probe(ctr, "-p", pj, ctr.id)
    assert d["cwd"] == "/tmp"
    assert "PJ=1" in d["env"]
    assert (d["uid"], d["gid"]) == (1000, 1000)
    assert 1001 in d["groups"]
    assert d["status"]["CapAmb"] == cap_mask("CAP_KILL")
    assert d["status"]["CapBnd"] == cap_mask("CAP_KILL")
    assert d["status"]["NoNewPrivs"] == "1"
    assert d["rlimits"]["RLIMIT_NOFILE"] == {"soft": 77, "hard": 88}
    ctr.ok("delete", "--force", ctr.id)


def test_exec_flags(ctr):
    started(ctr)
    d = exec_probe(ctr, "--env", "FLAG_ENV=yes", "--cwd", "/etc", "--user", "1000:1001", ctr.id, "/probe")
    assert "FLAG_ENV=yes" in d["env"]
    assert d["cwd"] == "/etc"
    assert (d["uid"], d["gid"]) == (1000, 1001)
    ctr.ok("delete", "--force", ctr.id)


def test_exec_inherits_container_env(ctr):
    started(ctr)
    d = exec_probe(ctr, ctr.id, "/probe")
    assert any(e.startswith("PATH=") for e in d["env"])
    ctr.ok("delete", "--force", ctr.id)


def test_exec_cap_flag_adds_capability(ctr):
    started(ctr)
    base = exec_probe(ctr, ctr.id, "/probe")["status"]["CapEff"]
    d = exec_probe(ctr, "--cap", "CAP_CHOWN", ctr.id, "/probe")
    assert d["status"]["CapEff"] == f'{int(base, 16) | int(cap_mask("CAP_CHOWN"), 16):016x}'
    assert base == cap_mask("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE")
    ctr.ok("delete", "--force", ctr.id)


def test_exec_detach_and_pid_file(ctr):
    started(ctr)
    pidfile = ctr.base / "exec.pid"
    t = time.time()
    r = ctr.runtime("exec", "--detach", "--pid-file", pidfile, ctr.id, "sleep", "500")
    assert r.returncode == 0, r
    assert time.time() - t < 10
    pid = int(pidfile.read_text())
    assert os.readlink(f"/proc/{pid}/exe").endswith("busybox")
    procs = (ctr.cgroup("pids") / "cgroup.procs").read_text().split()
    assert str(pid) in procs
    ctr.ok("delete", "--force", ctr.id)
    assert wait_dead(pid)


def test_exec_stopped_container_fails(ctr):
    started(ctr)
    ctr.ok("kill", ctr.id, "KILL")
    ctr.wait_status("stopped")
    assert ctr.runtime("exec", ctr.id, "true").returncode != 0
    ctr.ok("delete", ctr.id)


def test_exec_unknown_container_fails(ctr):
    assert ctr.runtime("exec", "nope", "true").returncode != 0


def test_exec_missing_binary_fails(ctr):
    started(ctr)
    r = ctr.runtime("exec", ctr.id, "/no/such/thing")
    assert r.returncode != 0
    ctr.ok("delete", "--force", ctr.id)


def test_exec_fds_only_stdio(ctr):
    started(ctr)
    d = exec_probe(ctr, ctr.id, "/probe")
    assert sorted(d["fds"], key=int) == ["0", "1", "2"], d["fds"]
    ctr.ok("delete", "--force", ctr.id)


def test_exec_seccomp_applies(ctr):
    import errno
    started(ctr, linux={"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.ENOMSG}]}})
    d = exec_probe(ctr, ctr.id, "/probe", "syscall", "mkdir")
    assert d["status"]["Seccomp"] == "2"
    assert d["actions"][0]["errno"] == errno.ENOMSG
    ctr.ok("delete", "--force", ctr.id)


def test_exec_keeps_and_appends_additional_gids(ctr):
    ctr.config["process"]["user"] = {"uid": 0, "gid": 0, "additionalGids": [10, 20]}
    ctr.run(["sleep", "1000"], detach=True)
    d = ctr.ok("exec", ctr.id, "/probe").json()
    assert sorted(d["groups"]) == [10, 20], d["groups"]
    d = ctr.ok("exec", "--additional-gids", "30", ctr.id, "/probe").json()
    assert sorted(d["groups"]) == [10, 20, 30], d["groups"]
    ctr.ok("delete", "--force", ctr.id)
