# SPDX-License-Identifier: Apache-2.0
"""berth update / rename / port / container prune / system prune / ps --filter -s / rmi."""
import re
from pathlib import Path


from engine_helpers import engine, image_tar, IMAGE  # noqa: F401 (fixtures)


def cgroup_file(engine, ref, ctl, name):
    pid = engine.state(ref)["Pid"]
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, ctls, path = line.split(":", 2)
        if ctl in ctls.split(","):
            return (Path("/sys/fs/cgroup") / ctl / path.lstrip("/") / name).read_text().strip()
    raise AssertionError(f"no {ctl} cgroup")


def test_update_live_and_kept_across_restart(engine):
    engine.ok("run", "-d", "--name", "up", IMAGE, "sleep", "1000")
    engine.wait_status("up", "running")
    assert engine.ok("update", "--memory", "96m", "--cpus", "0.5", "--pids-limit", "77",
                     "--cpu-shares", "512", "--restart", "on-failure:2", "up").out == "up\n"
    assert cgroup_file(engine, "up", "memory", "memory.limit_in_bytes") == str(96 << 20)
    assert cgroup_file(engine, "up", "pids", "pids.max") == "77"
    assert cgroup_file(engine, "up", "cpu", "cpu.cfs_quota_us") == "50000"
    assert cgroup_file(engine, "up", "cpu", "cpu.shares") == "512"
    hc = engine.inspect("up")["HostConfig"]
    assert (hc["Memory"], hc["NanoCpus"], hc["PidsLimit"], hc["CpuShares"]) == (
        96 << 20, 500000000, 77, 512)
    assert hc["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
    engine.ok("stop", "-t", "1", "up")
    engine.ok("update", "--pids-limit", "66", "up")  # stopped: record and bundle only
    engine.ok("start", "up")
    engine.wait_status("up", "running")
    assert cgroup_file(engine, "up", "memory", "memory.limit_in_bytes") == str(96 << 20)
    assert cgroup_file(engine, "up", "pids", "pids.max") == "66"
    r = engine("update", "--restart", "sometimes", "up")
    assert r.rc != 0 and "invalid restart policy" in r.err
    r = engine("update", "--memory", "1m", "up")
    assert r.rc != 0 and "Minimum memory limit" in r.err
    assert engine("update", "up").rc != 0
    assert "No such container: nope" in engine("update", "--memory", "64m", "nope").err


def test_rename_and_port(engine):
    cid = engine.ok("create", "--name", "old", IMAGE, "true").out.strip()
    engine.ok("create", "--name", "other", IMAGE, "true")
    engine.ok("rename", "old", "new")
    assert engine.inspect(cid)["Name"] == "/new"
    assert "No such object: old" in engine("inspect", "old").err
    r = engine("rename", "new", "other")
    assert r.rc != 0 and "already in use" in r.err
    assert engine.ok("port", "new").out == ""
    r = engine("port", "new", "80")
    assert r.rc != 0 and "No public port '80/tcp' published for new" in r.err
    assert engine("port", "nosuch").rc != 0


def test_ps_filters_and_size(engine):
    a = engine.ok("create", "--name", "fa", "--label", "tier=web", IMAGE, "true").out.strip()
    assert engine("run", "--name", "fb", "--label", "tier=db", IMAGE, "sh", "-c", "exit 3").rc == 3
    engine.wait_status("fb", "exited")
    engine.ok("run", "-d", "--name", "fc", IMAGE, "sh", "-c", "echo 12345678901 > /f; sleep 1000")
    engine.wait_status("fc", "running")
    names = lambda *f: sorted(engine.ok("ps", *f, "--format", "{{.Names}}").out.split())
    assert names() == ["fc"]
    assert names("--filter", "status=exited") == ["fb"]
    assert names("--filter", "status=exited", "--filter", "status=created") == ["fa", "fb"]
    assert names("-a", "--filter", "label=tier") == ["fa", "fb"]
    assert names("-a", "--filter", "label=tier=web", "--filter", "name=f") == ["fa"]
    assert names("-a", "--filter", "name=^/f[ab]$") == ["fa", "fb"]
    assert names("--filter", "exited=3") == ["fb"]
    assert names("-a", "--filter", f"id={a[:6]}") == ["fa"]
    assert names("-a", "--filter", f"ancestor={IMAGE}") == ["fa", "fb", "fc"]
    assert names("-a", "--filter", "ancestor=busybox:nosuch") == []
    r = engine("ps", "--filter", "status=sleeping")
    assert r.rc != 0 and "invalid filter 'status=sleeping'" in r.err
    assert engine("ps", "--filter", "color=red").rc != 0
    r = engine.ok("ps", "-s", "--format", "{{.Names}} {{.Size}}", "--filter", "name=fc")
    m = re.fullmatch(r"fc (\d+)B \(virtual ([\d.]+)MB\)\n", r.out)
    assert m and int(m.group(1)) >= 12, r
    assert "SIZE" in engine.ok("ps", "-s").out.splitlines()[0]


def test_container_prune(engine):
    engine.ok("create", "--name", "p1", "--label", "keep=yes", IMAGE, "true")
    engine.ok("create", "--name", "p2", IMAGE, "true")
    engine.ok("run", "-d", "--name", "p3", IMAGE, "sleep", "1000")
    engine.wait_status("p3", "running")
    r = engine.ok("container", "prune", input="n\n")
    assert "Are you sure you want to continue? [y/N]" in r.out and "Deleted" not in r.out
    r = engine.ok("container", "prune", "-f", "--filter", "until=2000-01-01")
    assert r.out == "Total reclaimed space: 0B\n"
    p2 = engine.inspect("p2")["Id"]
    r = engine.ok("container", "prune", "-f", "--filter", "label!=keep")
    assert r.out.startswith(f"Deleted Containers:\n{p2}\n\nTotal reclaimed space: "), r
    r = engine.ok("container", "prune", input="y\n")
    assert "Deleted Containers:" in r.out
    assert engine.ok("ps", "-a", "--format", "{{.Names}}").out == "p3\n"
    assert "invalid filter" in engine("container", "prune", "-f", "--filter", "status=x").err


def test_rmi_refuses_used_images_and_gc_keeps_their_snapshots(engine):
    img = engine.ok("image", "inspect", "-f", "{{.Id}}", IMAGE).out.strip()
    cid = engine.ok("create", "--name", "u1", IMAGE, "true").out.strip()
    r = engine("rmi", IMAGE)
    assert r.rc != 0 and (f'conflict: unable to remove repository reference "{IMAGE}" (must force)'
                          f" - container {cid[:12]} is using its referenced image "
                          f"{img[7:19]}") in r.err, r
    r = engine("rmi", img[7:19])
    assert r.rc != 0 and "image is being used by stopped container" in r.err
    # image prune -a keeps images that containers use
    engine.ok("image", "prune", "-a", "-f")
    assert engine("image", "inspect", IMAGE).rc == 0
    engine.ok("run", "-d", "--name", "u2", IMAGE, "sleep", "1000")
    engine.wait_status("u2", "running")
    r = engine("rmi", "-f", img[7:19])
    assert r.rc != 0 and "(cannot be forced) - image is being used by running container" in r.err
    engine.ok("rm", "-f", "u2")
    # forced: the record goes, the snapshots the container stands on stay
    snaps = sorted(p.name for p in (engine.root / "snapshots").iterdir())
    engine.ok("rmi", "-f", IMAGE)
    assert engine("image", "inspect", IMAGE).rc != 0
    assert sorted(p.name for p in (engine.root / "snapshots").iterdir()) == snaps
    engine.ok("start", "-a", "u1")
    engine.ok("rm", "u1")
    engine.ok("system", "prune", "-f")
    assert not [p for p in (engine.root / "snapshots").iterdir() if not p.name.startswith("tmp")]


def test_system_prune(engine):
    engine.ok("create", "--name", "s1", IMAGE, "true")
    engine.ok("tag", IMAGE, "other:tag")
    engine.ok("rmi", "other:tag")
    r = engine.ok("system", "prune", input="n\n")
    assert "WARNING! This will remove:" in r.out and "all dangling images" in r.out
    r = engine.ok("system", "prune", "-f")
    assert r.out.startswith("Deleted Containers:\n") and "Total reclaimed space:" in r.out
    assert engine("image", "inspect", IMAGE).rc == 0  # tagged: not dangling
    r = engine.ok("system", "prune", "-a", "-f", "--volumes")
    assert "Deleted Images:" in r.out and f"untagged: " in r.out
    assert engine.ok("images", "-q").out == ""
