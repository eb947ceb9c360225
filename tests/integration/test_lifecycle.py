# SPDX-License-Identifier: Apache-2.0
"""create / start / state / kill / delete / run / list, and refusals that must leave nothing."""
import json
import os
import time

import pytest

SLEEP = ["sleep", "1000"]
TRAP_TERM = ["sh", "-c", "trap 'exit 3' TERM; while :; do sleep 0.1; done"]


from conftest import pid_alive, wait_dead


def test_create_start_kill_delete(ctr):
    ctr.create(["sh", "-c", "echo started > /tmp/started; exec sleep 1000"])
    st = ctr.state()
    assert st["status"] == "created"
    assert st["pid"] > 0 and pid_alive(st["pid"])
    # The user process must not run before `start`.
    time.sleep(0.2)
    assert not (ctr.rootfs / "tmp" / "started").exists()
    ctr.ok("start", ctr.id)
    assert ctr.wait_status("running")["pid"] == st["pid"]
    end = time.time() + 5
    while not (ctr.rootfs / "tmp" / "started").exists() and time.time() < end:
        time.sleep(0.05)
    assert (ctr.rootfs / "tmp" / "started").read_text() == "started\n"
    ctr.ok("kill", ctr.id, "KILL")
    ctr.wait_status("stopped")
    ctr.ok("delete", ctr.id)
    assert ctr.runtime("state", ctr.id).returncode != 0
    assert wait_dead(st["pid"])


def test_state_fields(ctr):
    ctr.create(SLEEP, tweak={"annotations": {"org.berth.test": "yes", "k": "v w"}})
    st = ctr.state()
    assert st["ociVersion"].startswith("1.")
    assert st["id"] == ctr.id
    assert st["status"] == "created"
    assert isinstance(st["pid"], int) and st["pid"] > 1
    assert st["bundle"] == str(ctr.bundle)
    assert st["annotations"] == {"org.berth.test": "yes", "k": "v w"}
    ctr.ok("delete", "--force", ctr.id)


def test_state_unknown_id_fails(ctr):
    r = ctr.runtime("state", "no-such-container")
    assert r.returncode != 0
    assert r.stderr.strip()


@pytest.mark.parametrize("code", [0, 1, 7, 255])
def test_run_exit_code(ctr, code):
    r = ctr.run(["sh", "-c", f"exit {code}"])
    assert r.returncode == code, r
    assert os.listdir(ctr.root) == []


def test_run_killed_by_signal_exit_code(ctr):
    # Without a pid namespace the shell is not an init, so it can SIGKILL itself.
    ctr.config["linux"]["namespaces"] = [n for n in ctr.config["linux"]["namespaces"] if n["type"] != "pid"]
    r = ctr.run(["sh", "-c", "kill -9 $$"])
    assert r.returncode == 128 + 9, r


def test_run_passes_stdout_and_stdin(ctr):
    r = ctr.run(["sh", "-c", "read x; echo got:$x; echo err >&2"], input="hello\n")
    assert r.returncode == 0, r
    assert r.stdout == "got:hello\n"
    assert "err" in r.stderr


def test_run_missing_executable_fails(ctr):
    r = ctr.run(["/no/such/binary"])
    assert r.returncode != 0
    assert os.listdir(ctr.root) == []


def test_run_detached(ctr):
    r = ctr.run(SLEEP, detach=True)
    assert r.returncode == 0, r
    st = ctr.state()
    assert st["status"] == "running"
    ctr.ok("kill", ctr.id, "KILL")
    ctr.wait_status("stopped")
    ctr.ok("delete", ctr.id)


@pytest.mark.berth_only  # berth's `run` creates and starts in one call (berth_create_opts.start)
def test_run_detached_starts_without_start_call(ctr):
    hook_state = ctr.base / "poststart.json"
    ctr.config["hooks"] = {"poststart": [
        {"path": "/bin/sh", "args": ["sh", "-c", f'cat > "{hook_state}"']}]}
    r = ctr.run(["sh", "-c", "echo started > /tmp/started; exec sleep 1000"], detach=True)
    assert r.returncode == 0, r
    # Running at once: no exec.fifo left for a `start` that nobody sends.
    st = ctr.state()
    assert st["status"] == "running"
    assert sorted(os.listdir(ctr.root / ctr.id)) == ["config.json", "state.json"]
    end = time.time() + 5
    while not (ctr.rootfs / "tmp" / "started").exists() and time.time() < end:
        time.sleep(0.05)
    assert (ctr.rootfs / "tmp" / "started").read_text() == "started\n"
    hook = json.loads(hook_state.read_text())
    assert hook["status"] == "running" and hook["pid"] == st["pid"]
    assert ctr.runtime("start", ctr.id).returncode != 0
    ctr.ok("kill", ctr.id, "KILL")
    ctr.wait_status("stopped")
    ctr.ok("delete", ctr.id)


def test_list_text_and_json(ctr):
    ctr.create(SLEEP)
    r = ctr.ok("list")
    assert ctr.id in r.stdout
    assert "created" in r.stdout
    items = json.loads(ctr.ok("list", "--format", "json").stdout)
    assert isinstance(items, list)
    mine = [i for i in items if i["id"] == ctr.id]
    assert len(mine) == 1
    assert mine[0]["status"] == "created"
    assert mine[0]["pid"] == ctr.state()["pid"]
    assert mine[0]["bundle"] == str(ctr.bundle)
    ctr.ok("delete", "--force", ctr.id)


def test_list_json_empty(ctr):
    out = ctr.ok("list", "--format", "json").stdout.strip()
    assert json.loads(out or "null") in (None, [])


def test_pid_file(ctr):
    pidfile = ctr.base / "ctr.pid"
    ctr.create(SLEEP, extra=["--pid-file", pidfile])
    assert int(pidfile.read_text().strip()) == ctr.state()["pid"]
    ctr.ok("delete", "--force", ctr.id)


def test_run_detached_pid_file(ctr):
    pidfile = ctr.base / "run.pid"
    r = ctr.run(SLEEP, detach=True, extra=["--pid-file", pidfile])
    assert r.returncode == 0, r
    assert int(pidfile.read_text().strip()) == ctr.state()["pid"]
    ctr.ok("delete", "--force", ctr.id)


def test_duplicate_id_refused(ctr):
    ctr.create(SLEEP)
    pid = ctr.state()["pid"]
    r = ctr.runtime("create", "--bundle", ctr.bundle, ctr.id)
    assert r.returncode != 0
    st = ctr.state()
    assert st["status"] == "created" and st["pid"] == pid
    ctr.ok("delete", "--force", ctr.id)


@pytest.mark.parametrize("bad", ["../x", "a/b", "..", ".", "/abs", "x\ny", ""])
def test_bad_id_refused(ctr, bad):
    ctr.write_config()
    r = ctr.runtime("create", "--bundle", ctr.bundle, bad)
    assert r.returncode != 0
    assert os.listdir(ctr.root) == []
    assert not (ctr.base / "x").exists()


def test_missing_rootfs(ctr):
    ctr.config["root"]["path"] = "no-such-rootfs"
    r = ctr.run(["true"])
    assert r.returncode != 0
    assert os.listdir(ctr.root) == []


@pytest.mark.parametrize("content", ["{", "", "[]", '{"ociVersion": "1.0.2"}',
                                     '{"ociVersion":"1.0.2","process":{"args":"notalist","cwd":"/"},"root":{"path":"rootfs"}}'])
def test_malformed_config(ctr, content):
    (ctr.bundle / "config.json").write_text(content)
    r = ctr.runtime("run", "--bundle", ctr.bundle, ctr.id)
    assert r.returncode != 0
    assert r.stderr.strip()
    assert os.listdir(ctr.root) == []


def test_missing_config(ctr):
    r = ctr.runtime("create", "--bundle", ctr.base, ctr.id)
    assert r.returncode != 0
    assert os.listdir(ctr.root) == []


def test_delete_running_refused_without_force(ctr):
    ctr.run(SLEEP, detach=True)
    r = ctr.runtime("delete", ctr.id)
    assert r.returncode != 0
    assert ctr.state()["status"] == "running"
    ctr.ok("delete", "--force", ctr.id)


def test_delete_force_running(ctr):
    ctr.run(SLEEP, detach=True)
    pid = ctr.state()["pid"]
    ctr.ok("delete", "--force", ctr.id)
    assert ctr.runtime("state", ctr.id).returncode != 0
    assert wait_dead(pid)


def test_delete_force_created(ctr):
    ctr.create(SLEEP)
    ctr.ok("delete", "--force", ctr.id)
    assert os.listdir(ctr.root) == []


def test_start_twice_refused(ctr):
    ctr.run(SLEEP, detach=True)
    assert ctr.runtime("start", ctr.id).returncode != 0
    ctr.ok("delete", "--force", ctr.id)


def test_start_unknown_refused(ctr):
    assert ctr.runtime("start", "nope").returncode != 0


def test_kill_all(ctr):
    ctr.run(["sh", "-c", "sleep 1000 & sleep 1000 & wait"], detach=True)
    procs = ctr.cgroup("pids") / "cgroup.procs"
    end = time.time() + 5
    while len(procs.read_text().split()) < 3 and time.time() < end:
        time.sleep(0.05)
    assert len(procs.read_text().split()) == 3
    ctr.ok("kill", "--all", ctr.id, "KILL")
    ctr.wait_status("stopped")
    end = time.time() + 5
    while procs.read_text().split() and time.time() < end:
        time.sleep(0.05)
    assert procs.read_text().split() == []
    ctr.ok("delete", ctr.id)


@pytest.mark.parametrize("sig", ["KILL", "SIGKILL", "9"])
def test_kill_sigkill_names(ctr, sig):
    ctr.run(SLEEP, detach=True)
    ctr.ok("kill", ctr.id, sig)
    ctr.wait_status("stopped")
    ctr.ok("delete", ctr.id)


@pytest.mark.parametrize("sig", ["TERM", "SIGTERM", "15", None])
def test_kill_sigterm_names(ctr, sig):
    ctr.run(TRAP_TERM, detach=True)
    time.sleep(0.3)  # let the shell install its trap
    ctr.ok("kill", ctr.id, *([sig] if sig else []))
    ctr.wait_status("stopped")
    ctr.ok("delete", ctr.id)


def test_kill_bad_signal_refused(ctr):
    ctr.run(SLEEP, detach=True)
    assert ctr.runtime("kill", ctr.id, "NOTASIGNAL").returncode != 0
    assert ctr.state()["status"] == "running"
    ctr.ok("delete", "--force", ctr.id)


def test_kill_stopped_container_fails(ctr):
    ctr.run(SLEEP, detach=True)
    ctr.ok("kill", ctr.id, "KILL")
    ctr.wait_status("stopped")
    assert ctr.runtime("kill", ctr.id, "KILL").returncode != 0
    ctr.ok("delete", ctr.id)


def test_two_containers_same_root(ctr):
    ctr.create(SLEEP)
    second = ctr.id + "-b"
    cg = ctr.cgroups_path + "-b"
    cfg = json.loads(json.dumps(ctr.config))
    cfg["linux"]["cgroupsPath"] = cg
    ctr.write_config(cfg)
    ctr.ok("create", "--bundle", ctr.bundle, second)
    ids = {i["id"] for i in json.loads(ctr.ok("list", "--format", "json").stdout)}
    assert ids == {ctr.id, second}
    ctr.ok("delete", "--force", second)
    ctr.ok("delete", "--force", ctr.id)
    assert not ctr.cgroup("memory", cg).exists()


def test_state_config_survives_bundle_rewritten_in_place(ctr):
    # berth-runc's callers may rewrite config.json in place after create (this suite does):
    # the state keeps its own copy, never a link to the bundle's file.
    ctr.create(["sleep", "1000"])
    kept = ctr.root / ctr.id / "config.json"
    before = kept.read_text()
    assert os.stat(kept).st_ino != os.stat(ctr.bundle / "config.json").st_ino
    ctr.config["process"]["args"] = ["rewritten"]
    ctr.write_config()
    assert kept.read_text() == before
    ctr.delete()
