# SPDX-License-Identifier: Apache-2.0
"""linux.resources on the v1 hierarchies, read back from /sys/fs/cgroup/<controller>/<path>, their
effect on the container, and update / pause / resume / ps / events."""
import errno
import json
import time

from conftest import read_cg, wait_dead

SLEEP = ["sleep", "1000"]
MiB = 1 << 20


def test_cgroup_created_in_every_controller(ctr):
    ctr.create(SLEEP)
    pid = ctr.state()["pid"]
    for c in ("memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "devices", "freezer"):
        assert str(pid) in read_cg(ctr, c, "cgroup.procs").split(), c
    ctr.ok("delete", "--force", ctr.id)


def test_memory_limit_read_back(ctr):
    ctr.create(SLEEP, tweak={"linux": {"resources": {"memory": {"limit": 64 * MiB, "reservation": 32 * MiB}}}})
    assert int(read_cg(ctr, "memory", "memory.limit_in_bytes")) == 64 * MiB
    assert int(read_cg(ctr, "memory", "memory.soft_limit_in_bytes")) == 32 * MiB
    ctr.ok("delete", "--force", ctr.id)


def test_memory_swap_read_back(ctr):
    ctr.create(SLEEP, tweak={"linux": {"resources": {"memory": {"limit": 64 * MiB, "swap": 96 * MiB}}}})
    assert int(read_cg(ctr, "memory", "memory.memsw.limit_in_bytes")) == 96 * MiB
    ctr.ok("delete", "--force", ctr.id)


def test_oom_kill(ctr):
    r = ctr.run(["/probe", "alloc", "200"],
                tweak={"linux": {"resources": {"memory": {"limit": 32 * MiB, "swap": 32 * MiB}}}})
    assert r.returncode == 128 + 9, r
    assert r.stdout == ""


def test_alloc_below_limit_succeeds(ctr):
    d = ctr.run_probe({"linux": {"resources": {"memory": {"limit": 64 * MiB, "swap": 64 * MiB}}}}, "alloc", "16")
    assert d["actions"][0]["ok"]


def test_pids_limit_stops_fork(ctr):
    d = ctr.run_probe({"linux": {"resources": {"pids": {"limit": 8}}}}, "fork", "30")
    a = d["actions"][0]
    assert a["errno"] == errno.EAGAIN
    assert a["forked"] < 8


def test_pids_limit_read_back(ctr):
    ctr.create(SLEEP, tweak={"linux": {"resources": {"pids": {"limit": 42}}}})
    assert read_cg(ctr, "pids", "pids.max") == "42"
    ctr.ok("delete", "--force", ctr.id)


def test_cpu_read_back(ctr):
    ctr.create(SLEEP, tweak={"linux": {"resources": {"cpu": {"shares": 512, "quota": 50000, "period": 100000}}}})
    assert read_cg(ctr, "cpu", "cpu.shares") == "512"
    assert read_cg(ctr, "cpu", "cpu.cfs_quota_us") == "50000"
    assert read_cg(ctr, "cpu", "cpu.cfs_period_us") == "100000"
    ctr.ok("delete", "--force", ctr.id)


def test_cpuset_read_back(ctr):
    ctr.create(SLEEP, tweak={"linux": {"resources": {"cpu": {"cpus": "0", "mems": "0"}}}})
    assert read_cg(ctr, "cpuset", "cpuset.cpus") == "0"
    assert read_cg(ctr, "cpuset", "cpuset.mems") == "0"
    pid = ctr.state()["pid"]
    allowed = [line for line in open(f"/proc/{pid}/status") if line.startswith("Cpus_allowed_list")]
    assert allowed[0].split()[1] == "0"
    ctr.ok("delete", "--force", ctr.id)


def test_blkio_weight_read_back(ctr):
    ctr.create(SLEEP, tweak={"linux": {"resources": {"blockIO": {"weight": 500}}}})
    d = ctr.cgroup("blkio")
    f = d / "blkio.weight" if (d / "blkio.weight").exists() else d / "blkio.bfq.weight"
    assert "500" in f.read_text().split(), f.read_text()
    ctr.ok("delete", "--force", ctr.id)


def test_devices_cgroup_default_deny(ctr):
    ctr.create(SLEEP)
    allowed = read_cg(ctr, "devices", "devices.list").splitlines()
    assert "a *:* rwm" not in allowed
    assert "c 1:3 rwm" in allowed  # /dev/null
    ctr.ok("delete", "--force", ctr.id)


def test_update_memory_live(ctr):
    ctr.run(SLEEP, detach=True, tweak={"linux": {"resources": {"memory": {"limit": 64 * MiB}}}})
    ctr.ok("update", "--memory", str(128 * MiB), ctr.id)
    assert int(read_cg(ctr, "memory", "memory.limit_in_bytes")) == 128 * MiB
    ctr.ok("delete", "--force", ctr.id)


def test_update_resources_file(ctr):
    ctr.run(SLEEP, detach=True)
    res = ctr.base / "resources.json"
    res.write_text(json.dumps({"memory": {"limit": 96 * MiB}, "pids": {"limit": 33},
                               "cpu": {"shares": 300}}))
    ctr.ok("update", "-r", res, ctr.id)
    assert int(read_cg(ctr, "memory", "memory.limit_in_bytes")) == 96 * MiB
    assert read_cg(ctr, "pids", "pids.max") == "33"
    assert read_cg(ctr, "cpu", "cpu.shares") == "300"
    ctr.ok("delete", "--force", ctr.id)


def test_update_resources_stdin(ctr):
    ctr.run(SLEEP, detach=True)
    ctr.ok("update", "-r", "-", ctr.id, input=json.dumps({"pids": {"limit": 21}}))
    assert read_cg(ctr, "pids", "pids.max") == "21"
    ctr.ok("delete", "--force", ctr.id)


def test_update_bad_resources_refused(ctr):
    ctr.run(SLEEP, detach=True, tweak={"linux": {"resources": {"pids": {"limit": 50}}}})
    r = ctr.runtime("update", "-r", "-", ctr.id, input="{not json")
    assert r.returncode != 0
    assert read_cg(ctr, "pids", "pids.max") == "50"
    ctr.ok("delete", "--force", ctr.id)


def test_pause_resume(ctr):
    ctr.run(SLEEP, detach=True)
    ctr.ok("pause", ctr.id)
    assert ctr.state()["status"] == "paused"
    assert read_cg(ctr, "freezer", "freezer.state") == "FROZEN"
    pid = ctr.state()["pid"]
    assert open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] in ("D", "S")
    ctr.ok("resume", ctr.id)
    assert ctr.state()["status"] == "running"
    assert read_cg(ctr, "freezer", "freezer.state") == "THAWED"
    ctr.ok("delete", "--force", ctr.id)


def test_pause_freezes_progress(ctr):
    ctr.run(["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done"], detach=True)
    count = ctr.rootfs / "tmp" / "count"
    time.sleep(0.3)
    ctr.ok("pause", ctr.id)
    time.sleep(0.1)
    frozen = count.read_text()
    time.sleep(0.4)
    assert count.read_text() == frozen
    ctr.ok("resume", ctr.id)
    time.sleep(0.4)
    assert count.read_text() != frozen
    ctr.ok("delete", "--force", ctr.id)


def test_delete_force_paused(ctr):
    ctr.run(SLEEP, detach=True)
    pid = ctr.state()["pid"]
    ctr.ok("pause", ctr.id)
    ctr.ok("delete", "--force", ctr.id)
    assert wait_dead(pid)


def test_resume_not_paused_fails(ctr):
    ctr.run(SLEEP, detach=True)
    assert ctr.runtime("resume", ctr.id).returncode != 0
    ctr.ok("delete", "--force", ctr.id)


def test_ps_lists_pids(ctr):
    ctr.run(["sh", "-c", "sleep 1000 & exec sleep 1001"], detach=True)
    procs = ctr.cgroup("pids") / "cgroup.procs"
    end = time.time() + 5
    while len(procs.read_text().split()) < 2 and time.time() < end:
        time.sleep(0.05)
    want = sorted(int(p) for p in procs.read_text().split())
    pids = json.loads(ctr.ok("ps", "--format", "json", ctr.id).stdout)
    assert sorted(pids) == want
    assert ctr.state()["pid"] in pids
    table = ctr.ok("ps", ctr.id).stdout
    assert "PID" in table.splitlines()[0]
    for p in want:
        assert str(p) in table
    ctr.ok("delete", "--force", ctr.id)


def test_events_stats(ctr):
    ctr.run(SLEEP, detach=True, tweak={"linux": {"resources": {"memory": {"limit": 64 * MiB}, "pids": {"limit": 10}}}})
    ev = json.loads(ctr.ok("events", "--stats", ctr.id).stdout.strip().splitlines()[0])
    assert ev["type"] == "stats"
    assert ev["id"] == ctr.id
    data = ev["data"]
    assert data["pids"]["current"] >= 1
    assert data["pids"]["limit"] == 10
    assert data["memory"]["usage"]["limit"] == 64 * MiB
    assert data["memory"]["usage"]["usage"] > 0
    assert "cpu" in data
    ctr.ok("delete", "--force", ctr.id)


def test_cgroup_removed_after_run(ctr):
    r = ctr.run(["true"])
    assert r.returncode == 0
    for c in ("memory", "pids", "cpu", "freezer"):
        assert not ctr.cgroup(c).exists(), c


def test_events_reports_oom(ctr):
    import subprocess
    import time
    lim = {"linux": {"resources": {"memory": {"limit": 16 * MiB, "swap": 16 * MiB}}}}
    ctr.run(["sh", "-c", "sleep 1.5; /probe alloc 64; sleep 1000"], detach=True, tweak=lim)
    p = subprocess.Popen([ctr.runtime_path, "--root", str(ctr.root), "events", "--interval",
                          "200ms", ctr.id], stdout=subprocess.PIPE, text=True)
    types, end = [], time.time() + 15
    try:
        while time.time() < end and "oom" not in types:
            line = p.stdout.readline()
            if not line:
                break
            types.append(json.loads(line)["type"])
    finally:
        p.kill()
        p.wait()
    assert types[0] == "stats"
    assert "oom" in types, types
    ctr.ok("delete", "--force", ctr.id)
