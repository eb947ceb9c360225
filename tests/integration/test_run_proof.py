# SPDX-License-Identifier: Apache-2.0
"""The issue's proofs, flag by flag, through `berth run`: each test fails if its flag is ignored."""
import os
import subprocess
import time
from pathlib import Path

from engine_helpers import engine, image_tar, IMAGE  # noqa: F401 (fixtures)


def run(engine, *args, **kw):
    return engine("run", "--rm", *args, **kw)


def test_memory_limit_oom_kills(engine):
    # The seed's stress test: a process allocating past --memory is OOM-killed.
    r = engine("run", "--name", "oom", "--memory", "64m", "--memory-swap", "64m", IMAGE,
               "tail", "/dev/zero", timeout=120)
    assert r.rc == 137, r
    st = engine.state("oom")
    assert st["OOMKilled"] is True and st["ExitCode"] == 137
    assert engine.inspect("oom")["HostConfig"]["Memory"] == 64 << 20


def test_memory_limit_allows_below(engine):
    r = run(engine, "--memory", "64m", IMAGE, "sh", "-c",
            "head -c 20000000 /dev/zero | tail -c 1 | wc -c")
    assert r.rc == 0 and r.out.strip() == "1", r


def _cpu_usage(engine, name):
    cg = engine.inspect(name)["Id"]
    p = Path("/sys/fs/cgroup/cpu,cpuacct") / engine.cgroup_parent / cg / "cpuacct.usage"
    if not p.exists():
        p = Path("/sys/fs/cgroup/cpuacct") / engine.cgroup_parent / cg / "cpuacct.usage"
    return int(p.read_text())


def test_cpu_shares_split_one_core(engine):
    # The seed: --cpu-shares 205 vs 819 on one core gives about 20/80.
    for name, shares in (("low", 205), ("high", 819)):
        engine.ok("run", "-d", "--name", name, "--cpuset-cpus", "0", "--cpu-shares", shares,
                  IMAGE, "sh", "-c", "while :; do :; done")
    time.sleep(0.5)
    a0, b0 = _cpu_usage(engine, "low"), _cpu_usage(engine, "high")
    time.sleep(3)
    a1, b1 = _cpu_usage(engine, "low"), _cpu_usage(engine, "high")
    low = (a1 - a0) / ((a1 - a0) + (b1 - b0))
    assert 0.10 < low < 0.30, f"low share got {low:.2f} of the core"


def test_cap_drop_sys_chroot(engine):
    assert run(engine, IMAGE, "chroot", "/", "true").rc == 0
    r = run(engine, "--cap-drop", "SYS_CHROOT", IMAGE, "chroot", "/", "true")
    assert r.rc != 0 and "Operation not permitted" in (r.out + r.err), r


def test_user_nobody_cannot_write_root(engine):
    r = run(engine, "--user", "nobody", IMAGE, "sh", "-c", "id -u; touch /x")
    assert r.rc != 0 and r.out.startswith("65534"), r
    assert run(engine, IMAGE, "touch", "/x").rc == 0


def test_unknown_user(engine):
    r = engine("run", "--rm", "--user", "gary", IMAGE, "true")
    assert r.rc != 0 and "unable to find user gary" in r.err, r
    assert engine.ok("ps", "-aq").out == ""


def test_defaults_are_secure_and_reported(engine):
    r = run(engine, IMAGE, "sh", "-c",
            "id -u; cat /proc/self/uid_map; grep -E '^(NoNewPrivs|Seccomp|CapEff):' /proc/self/status")
    assert r.rc == 0, r
    lines = r.out.split("\n")
    assert lines[0] == "0"  # root inside ...
    inside, outside, size = lines[1].split()
    assert inside == "0" and int(outside) >= 100000 and int(size) == 65536  # ... not outside
    status = dict(line.split(":\t") for line in lines[2:] if line)
    assert status["NoNewPrivs"] == "1" and status["Seccomp"] == "2"
    caps = int(status["CapEff"], 16)
    assert caps & (1 << 13) == 0  # no CAP_NET_RAW
    assert caps & (1 << 21) == 0  # no CAP_SYS_ADMIN
    engine.ok("create", "--name", "dd", IMAGE)
    hc = engine.inspect("dd")["HostConfig"]
    assert hc["UsernsMode"] == "remap" and hc["NetworkMode"] == "none"
    assert "no-new-privileges=true" in hc["SecurityOpt"]
    assert hc["Memory"] > 0 and hc["PidsLimit"] > 0 and hc["CpuShares"] > 0


def view_mounts(engine):
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        mp, opts = line.split()[4], line.split()[5].split(",")
        if "/idmap-" in mp and mp.startswith(str(engine.root)):
            assert "ro" in opts and "idmapped" in opts, line  # read-only, idmapped
            out.append(mp)
    return out


def test_userns_layers_are_idmapped_views_kept_for_the_next_run(engine):
    # Each of the image's layers is seen through an idmapped view (lib/storage/snapshot-views.c),
    # made by the first container and kept: later runs mount no new one.
    r = run(engine, IMAGE, "sh", "-c", "stat -c %u /bin/busybox; cat /proc/self/uid_map")
    owner, _, host, size = r.out.split()
    assert owner == "0" and size == "65536", r
    views = sorted(view_mounts(engine))
    layers = [d for d in (engine.root / "snapshots").iterdir() if (d / "diff").is_dir()]
    assert len(views) == len(layers) > 0, views
    assert all(v.endswith(f"/idmap-u{host}-{size}-g{host}-{size}") for v in views), views
    assert os.stat(next(v for v in views if os.path.exists(v + "/bin/busybox")) +
                   "/bin/busybox").st_uid == int(host)
    assert run(engine, IMAGE, "true").rc == 0 and sorted(view_mounts(engine)) == views
    # Gone, as after a reboot: the next run mounts it again.
    for v in views:
        subprocess.run(["umount", v], check=True)
    assert view_mounts(engine) == []
    assert run(engine, IMAGE, "stat", "-c", "%u", "/bin/busybox").out.strip() == "0"
    assert sorted(view_mounts(engine)) == views
    # The image's removal takes the view with its snapshot.
    engine.ok("rmi", IMAGE)
    assert view_mounts(engine) == []


def test_userns_host_opts_out(engine):
    r = run(engine, "--userns", "host", IMAGE, "cat", "/proc/self/uid_map")
    assert r.rc == 0 and r.out.split()[:3] == ["0", "0", "4294967295"], r
    r = engine("run", "--rm", "--privileged", IMAGE, "true")
    assert r.rc != 0 and "--userns=host" in r.err


def test_read_only_rootfs(engine):
    r = run(engine, "--read-only", IMAGE, "sh", "-c",
            "touch /tmp/a /var/tmp/b /run/c && echo ok; touch /x")
    assert r.out.strip() == "ok" and r.rc != 0 and "Read-only file system" in r.err, r


def test_pids_limit(engine):
    r = run(engine, "--pids-limit", "5", IMAGE, "sh", "-c",
            "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait")
    assert "fork" in r.err or "Resource temporarily unavailable" in r.err, r


def test_env_workdir_hostname_entrypoint(engine):
    r = run(engine, "-e", "A=1", "-w", "/tmp", "-h", "box", "--entrypoint", "sh", IMAGE, "-c",
            "echo $A $(pwd) $(hostname)")
    assert r.out.strip() == "1 /tmp box", r


def test_exit_code_and_detach_survives(engine):
    assert run(engine, IMAGE, "sh", "-c", "exit 3").rc == 3
    cid = engine.ok("run", "-d", "--name", "bg", IMAGE, "sleep", "60").out.strip()
    assert len(cid) == 64
    time.sleep(0.3)
    st = engine.state("bg")
    assert st["Status"] == "running" and st["Pid"] > 0
    os.kill(st["Pid"], 0)


def test_bad_input_changes_nothing(engine, tmp_path):
    engine.ok("create", "--name", "keep", IMAGE)
    before = engine.ok("ps", "-a", "--no-trunc", "-q").out
    for args, msg in [
        (("--bogus",), "unknown flag"),
        (("--memory", "lots"), "invalid"),
        (("--name", "keep"), "already in use"),
    ]:
        r = engine("run", *args, IMAGE, "true")
        assert r.rc != 0 and msg in r.err, (args, r)
    engine.ok("run", "-d", "--name", "busy", IMAGE, "sleep", "30")
    r = engine("rm", "busy")
    assert r.rc != 0 and "cannot remove a running container" in r.err
    assert engine.state("busy")["Status"] == "running"
    engine.ok("volume", "create", "vol")
    data = engine.root / "volumes" / "vol" / "_data"
    data.rmdir()
    data.symlink_to("/etc")
    r = engine("run", "--rm", "-v", "vol:/v", IMAGE, "touch", "/v/pwned")
    assert r.rc != 0 and not Path("/etc/pwned").exists(), r
    after = engine.ok("ps", "-a", "--no-trunc", "-q").out
    assert set(before.split()) <= set(after.split())


def test_issue_headline_web_server(engine):
    # `berth run -d --name web -v data:/data --memory 100m busybox httpd -f` works like docker run
    engine.ok("run", "-d", "--name", "web", "-v", "data:/data", "--memory", "100m", IMAGE,
              "httpd", "-f", "-h", "/data")
    r = engine.ok("exec", "web", "sh", "-c",
                  "echo hello > /data/index.html; wget -q -O - http://127.0.0.1/")
    assert r.out == "hello\n"  # the loopback of --network none is up, as Docker's
    assert engine.inspect("web")["HostConfig"]["Memory"] == 100 << 20
    ps = engine.ok("ps").out.splitlines()
    assert len(ps) == 2 and "web" in ps[1] and "Up " in ps[1]
    engine.ok("stop", "-t", "1", "web")
    assert engine.state("web")["Status"] == "exited"
    engine.ok("start", "web")
    assert engine.ok("exec", "web", "cat", "/data/index.html").out == "hello\n"
