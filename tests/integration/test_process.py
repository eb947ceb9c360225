# SPDX-License-Identifier: Apache-2.0
"""process.*: args, env, cwd, user, umask, rlimits, noNewPrivileges, oomScoreAdj, capabilities,
ioPriority, scheduler, plus linux.sysctl, hostname and domainname, all read back by the probe."""
import pytest

from conftest import cap_mask

DEFAULT_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]


def test_args_are_passed(ctr):
    r = ctr.run(["sh", "-c", 'printf "%s|" "$0" "$@"', "zero", "one two", "", "three"])
    assert r.returncode == 0, r
    assert r.stdout == "zero|one two||three|"


def test_env_exact(ctr):
    ctr.config["process"]["env"] = ["PATH=/bin", "FOO=bar baz", "EMPTY=", "X=1=2"]
    d = ctr.run_probe()
    for e in ["PATH=/bin", "FOO=bar baz", "EMPTY=", "X=1=2"]:
        assert e in d["env"]
    assert not any(e.startswith("TERM=") for e in d["env"])


def test_env_path_used_for_lookup(ctr):
    ctr.config["process"]["env"] = ["PATH=/nowhere:/bin"]
    r = ctr.run(["echo", "found"])
    assert r.returncode == 0, r
    assert r.stdout == "found\n"


def test_cwd(ctr):
    ctr.config["process"]["cwd"] = "/tmp"
    assert ctr.run_probe()["cwd"] == "/tmp"


def test_user_uid_gid(ctr):
    ctr.config["process"]["user"] = {"uid": 1000, "gid": 1001}
    d = ctr.run_probe()
    assert (d["uid"], d["euid"], d["gid"], d["egid"]) == (1000, 1000, 1001, 1001)


def test_additional_gids(ctr):
    ctr.config["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5, 1001, 4242]}
    d = ctr.run_probe()
    assert sorted(d["groups"]) in ([5, 1001, 4242], [5, 1000, 1001, 4242])
    assert 4242 in d["groups"]


def test_root_user_groups_default(ctr):
    d = ctr.run_probe()
    assert d["uid"] == 0 and d["gid"] == 0
    assert set(d["groups"]) <= {0}


def test_umask(ctr):
    ctr.config["process"]["user"]["umask"] = 0o027
    assert ctr.run_probe()["umask"] == 0o027


def test_rlimits(ctr):
    ctr.config["process"]["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
        {"type": "RLIMIT_NPROC", "soft": 777, "hard": 888},
        {"type": "RLIMIT_MSGQUEUE", "soft": 4096, "hard": 8192},
    ]
    rl = ctr.run_probe()["rlimits"]
    assert rl["RLIMIT_NOFILE"] == {"soft": 123, "hard": 456}
    assert rl["RLIMIT_CORE"] == {"soft": 0, "hard": 0}
    assert rl["RLIMIT_NPROC"] == {"soft": 777, "hard": 888}
    assert rl["RLIMIT_MSGQUEUE"] == {"soft": 4096, "hard": 8192}


def test_rlimit_unknown_type_refused(ctr):
    ctr.config["process"]["rlimits"] = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]
    assert ctr.run(["/probe"]).returncode != 0


def test_no_new_privileges_on(ctr):
    ctr.config["process"]["noNewPrivileges"] = True
    assert ctr.run_probe()["status"]["NoNewPrivs"] == "1"


def test_no_new_privileges_off(ctr):
    ctr.config["process"]["noNewPrivileges"] = False
    assert ctr.run_probe()["status"]["NoNewPrivs"] == "0"


# Root here lacks CAP_SYS_RESOURCE, so only values >= the current one (0) can be set.
@pytest.mark.parametrize("adj", [0, 321, 1000])
def test_oom_score_adj(ctr, adj):
    ctr.config["process"]["oomScoreAdj"] = adj
    assert ctr.run_probe()["oom_score_adj"] == adj


def test_default_capabilities_exact(ctr):
    st = ctr.run_probe()["status"]
    m = cap_mask(*DEFAULT_CAPS)
    assert (st["CapEff"], st["CapPrm"], st["CapBnd"]) == (m, m, m)
    assert st["CapInh"] == "0" * 16
    assert st["CapAmb"] == "0" * 16


def test_capability_sets_exact(ctr):
    ctr.config["process"]["capabilities"] = {
        "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID"],
        "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID"],
        "effective": ["CAP_CHOWN", "CAP_SETUID"],
        "inheritable": ["CAP_KILL"],
    }
    st = ctr.run_probe()["status"]
    assert st["CapBnd"] == cap_mask("CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID")
    assert st["CapPrm"] == cap_mask("CAP_CHOWN", "CAP_KILL", "CAP_SETUID")
    # execve as uid 0 raises effective to permitted, whatever process.capabilities.effective says.
    assert st["CapEff"] == cap_mask("CAP_CHOWN", "CAP_KILL", "CAP_SETUID")
    assert st["CapInh"] == cap_mask("CAP_KILL")


def test_no_capabilities(ctr):
    ctr.config["process"]["capabilities"] = {}
    st = ctr.run_probe()["status"]
    for k in ("CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb"):
        assert st[k] == "0" * 16, k


def test_all_capabilities(ctr):
    host = {line.split(":")[0]: line.split()[1] for line in open("/proc/self/status") if line.startswith("Cap")}
    all_caps = [n for i, n in enumerate(__import__("conftest").CAP_NAMES) if int(host["CapBnd"], 16) >> i & 1]
    ctr.config["process"]["capabilities"] = {k: all_caps for k in ("bounding", "permitted", "effective")}
    st = ctr.run_probe()["status"]
    assert st["CapEff"] == host["CapBnd"]


def test_capabilities_dropped_for_non_root_without_ambient(ctr):
    ctr.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    st = ctr.run_probe()["status"]
    assert st["CapEff"] == "0" * 16
    assert st["CapPrm"] == "0" * 16
    assert st["CapBnd"] == cap_mask(*DEFAULT_CAPS)


def test_ambient_capabilities_for_non_root(ctr):
    ctr.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    caps = ["CAP_NET_BIND_SERVICE", "CAP_KILL"]
    ctr.config["process"]["capabilities"] = {k: caps for k in ("bounding", "permitted", "effective", "inheritable", "ambient")}
    st = ctr.run_probe()["status"]
    m = cap_mask(*caps)
    assert st["CapAmb"] == m
    assert st["CapEff"] == m
    assert st["CapPrm"] == m


@pytest.mark.berth_only  # runc 1.1 warns about unknown capabilities and goes on
def test_unknown_capability_refused(ctr):
    ctr.config["process"]["capabilities"]["effective"] = ["CAP_NOT_A_CAP"]
    r = ctr.run(["/probe"])
    assert r.returncode != 0
    assert "CAP_NOT_A_CAP" in r.stderr


@pytest.mark.berth_only  # runc 1.1 predates process.ioPriority
def test_io_priority(ctr):
    ctr.config["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 6}
    d = ctr.run_probe()
    assert d["ioprio"] == {"class": 2, "data": 6}


@pytest.mark.berth_only  # runc 1.1 predates process.scheduler
def test_scheduler_batch_nice(ctr):
    ctr.config["process"]["scheduler"] = {"policy": "SCHED_BATCH", "nice": 7}
    d = ctr.run_probe()
    assert d["sched"]["policy"] == 3
    assert d["sched"]["nice"] == 7


def test_sysctl_in_network_namespace(ctr):
    ctr.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1", "net.ipv4.ping_group_range": "0 5"}
    d = ctr.run_probe(None, "read", "/proc/sys/net/ipv4/ip_forward", "read", "/proc/sys/net/ipv4/ping_group_range")
    assert d["actions"][0]["data"].strip() == "1"
    assert d["actions"][1]["data"].split() == ["0", "5"]


def test_sysctl_ipc(ctr):
    ctr.config["linux"]["sysctl"] = {"kernel.msgmax": "4321"}
    d = ctr.run_probe(None, "read", "/proc/sys/kernel/msgmax")
    assert d["actions"][0]["data"].strip() == "4321"


def test_sysctl_not_namespaced_refused(ctr):
    ctr.config["linux"]["sysctl"] = {"kernel.panic": "1"}
    before = open("/proc/sys/kernel/panic").read()
    assert ctr.run(["/probe"]).returncode != 0
    assert open("/proc/sys/kernel/panic").read() == before


def test_sysctl_net_without_netns_refused(ctr):
    ctr.config["linux"]["namespaces"] = [n for n in ctr.config["linux"]["namespaces"] if n["type"] != "network"]
    ctr.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}
    before = open("/proc/sys/net/ipv4/ip_forward").read()
    assert ctr.run(["/probe"]).returncode != 0
    assert open("/proc/sys/net/ipv4/ip_forward").read() == before


def test_hostname(ctr):
    ctr.config["hostname"] = "box-42"
    assert ctr.run_probe()["hostname"] == "box-42"


@pytest.mark.berth_only  # runc 1.1 ignores domainname
def test_domainname(ctr):
    ctr.config["domainname"] = "example.test"
    d = ctr.run_probe()
    assert d["domainname"] == "example.test"


def test_hostname_without_uts_namespace_refused(ctr):
    ctr.config["linux"]["namespaces"] = [n for n in ctr.config["linux"]["namespaces"] if n["type"] != "uts"]
    import socket
    before = socket.gethostname()
    ctr.config["hostname"] = "must-not-apply"
    assert ctr.run(["/probe"]).returncode != 0
    assert socket.gethostname() == before


def test_stdio_fds_only(ctr):
    d = ctr.run_probe()
    assert sorted(d["fds"], key=int) == ["0", "1", "2"]


def test_not_dumpable_is_reset_for_exec(ctr):
    # After execve of a normal binary the process is dumpable again (1) unless uid changes.
    assert ctr.run_probe()["dumpable"] == 1


def test_personality_default(ctr):
    assert ctr.run_probe()["personality"] == 0


def test_missing_cwd_is_created(ctr):
    ctr.config["process"]["cwd"] = "/does/not/exist/yet"
    d = ctr.run_probe()
    assert d["cwd"] == "/does/not/exist/yet"
