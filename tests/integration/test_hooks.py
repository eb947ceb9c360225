# SPDX-License-Identifier: Apache-2.0
"""hooks: each kind runs at its point in the lifecycle with the state JSON on stdin."""
import json
import os
import time

import pytest

SLEEP = ["sleep", "1000"]


def recorder(log, name, out=None, extra=""):
    """A hook that appends its name to `log` and saves its stdin (the state) to `out`."""
    out = out or f"{log}.{name}"
    return {"path": "/bin/sh",
            "args": ["sh", "-c", f'echo {name} >> "{log}"; cat > "{out}"; {extra}'],
            "env": ["PATH=/bin:/usr/bin", f"HOOK_NAME={name}"]}


def setup_hooks(ctr, kinds):
    log = ctr.base / "hooks.log"
    ctr.config["hooks"] = {k: [recorder(log, k)] for k in kinds}
    return log


def read_log(log):
    return log.read_text().split() if log.exists() else []


def test_create_time_hooks_order(ctr):
    log = setup_hooks(ctr, ["prestart", "createRuntime", "createContainer", "poststop"])
    ctr.create(SLEEP)
    assert read_log(log) == ["prestart", "createRuntime", "createContainer"]
    ctr.ok("start", ctr.id)
    ctr.wait_status("running")
    assert read_log(log) == ["prestart", "createRuntime", "createContainer"]
    ctr.ok("kill", ctr.id, "KILL")
    ctr.wait_status("stopped")
    ctr.ok("delete", ctr.id)
    assert read_log(log) == ["prestart", "createRuntime", "createContainer", "poststop"]


@pytest.mark.berth_only  # runc 1.1 runs poststart hooks at `create` (fixed in runc 1.2)
def test_poststart_runs_at_start_not_create(ctr):
    log = setup_hooks(ctr, ["createRuntime", "poststart"])
    ctr.create(SLEEP)
    assert read_log(log) == ["createRuntime"]
    ctr.ok("start", ctr.id)
    end = time.time() + 5
    while "poststart" not in read_log(log) and time.time() < end:
        time.sleep(0.05)
    assert read_log(log) == ["createRuntime", "poststart"]
    ctr.ok("delete", "--force", ctr.id)


def test_hook_state_on_stdin(ctr):
    log = setup_hooks(ctr, ["createRuntime", "poststart", "poststop"])
    ctr.create(SLEEP, tweak={"annotations": {"a": "b"}})
    pid = ctr.state()["pid"]
    st = json.loads(open(f"{log}.createRuntime").read())
    assert st["id"] == ctr.id
    assert st["pid"] == pid
    assert st["bundle"] == str(ctr.bundle)
    assert st["status"] == "creating"
    assert st["annotations"] == {"a": "b"}
    assert st["ociVersion"].startswith("1.")
    ctr.ok("start", ctr.id)
    end = time.time() + 5
    while not os.path.exists(f"{log}.poststart") and time.time() < end:
        time.sleep(0.05)
    st = json.loads(open(f"{log}.poststart").read())
    assert st["pid"] == pid and st["status"] in ("created", "running")
    ctr.ok("delete", "--force", ctr.id)
    st = json.loads(open(f"{log}.poststop").read())
    assert st["id"] == ctr.id and st["status"] == "stopped"


def test_start_container_hook_runs_inside(ctr):
    # startContainer runs in the container after pivot_root: /tmp is the container's.
    ctr.config["hooks"] = {"startContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "cat > /tmp/start-state; hostname > /tmp/start-host"]}]}
    ctr.config["hostname"] = "hooked"
    ctr.create(SLEEP)
    assert not (ctr.rootfs / "tmp" / "start-state").exists()
    ctr.ok("start", ctr.id)
    end = time.time() + 5
    while not (ctr.rootfs / "tmp" / "start-host").exists() and time.time() < end:
        time.sleep(0.05)
    time.sleep(0.1)
    assert (ctr.rootfs / "tmp" / "start-host").read_text() == "hooked\n"
    st = json.loads((ctr.rootfs / "tmp" / "start-state").read_text())
    assert st["id"] == ctr.id
    ctr.ok("delete", "--force", ctr.id)


def test_hook_args_and_env(ctr):
    out = ctr.base / "env.out"
    ctr.config["hooks"] = {"createRuntime": [
        {"path": "/bin/sh", "args": ["custom-argv0", "-c", f'echo "$0 $HOOK_VAR" > "{out}"; cat >/dev/null', ],
         "env": ["HOOK_VAR=value 1"]}]}
    r = ctr.run(["true"])
    assert r.returncode == 0, r
    assert out.read_text() == "custom-argv0 value 1\n"


def test_hooks_run_with_run(ctr):
    log = setup_hooks(ctr, ["createRuntime", "poststart", "poststop"])
    r = ctr.run(["true"])
    assert r.returncode == 0, r
    assert read_log(log) == ["createRuntime", "poststart", "poststop"]


def test_hook_timeout(ctr):
    ctr.config["hooks"] = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "20"], "timeout": 1}]}
    t = time.time()
    r = ctr.run(["true"])
    assert r.returncode != 0
    assert time.time() - t < 10
    assert os.listdir(ctr.root) == []


def test_failing_create_runtime_hook_aborts(ctr):
    marker = ctr.rootfs / "tmp" / "ran"
    ctr.config["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]}
    r = ctr.run(["sh", "-c", "touch /tmp/ran"])
    assert r.returncode != 0
    assert not marker.exists()
    assert os.listdir(ctr.root) == []


def test_failing_prestart_hook_aborts(ctr):
    ctr.config["hooks"] = {"prestart": [{"path": "/bin/false", "args": ["false"]}]}
    ctr.write_config()
    r = ctr.runtime("create", "--bundle", ctr.bundle, ctr.id)
    assert r.returncode != 0
    assert os.listdir(ctr.root) == []


def test_missing_hook_binary_aborts(ctr):
    ctr.config["hooks"] = {"createRuntime": [{"path": "/no/such/hook"}]}
    r = ctr.run(["true"])
    assert r.returncode != 0
    assert os.listdir(ctr.root) == []


def test_multiple_hooks_run_in_order(ctr):
    log = ctr.base / "hooks.log"
    ctr.config["hooks"] = {"createRuntime": [recorder(log, "one"), recorder(log, "two"), recorder(log, "three")]}
    assert ctr.run(["true"]).returncode == 0
    assert read_log(log) == ["one", "two", "three"]


def test_failing_poststart_and_poststop_are_warnings(ctr):
    # The spec: a failing poststart or poststop hook is logged as a warning; the lifecycle
    # and the remaining hooks go on.
    mark = ctr.base / "second-ran"
    hooks = {k: [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]},
                 {"path": "/bin/sh", "args": ["sh", "-c", f"echo {k} >> {mark}"]}]
             for k in ("poststart", "poststop")}
    ctr.config["hooks"] = hooks
    r = ctr.run(["true"])
    assert r.returncode == 0, r
    assert "warning" in r.stderr and "hooks.poststart[0]" in r.stderr, r
    assert "hooks.poststop[0]" in r.stderr, r
    assert mark.read_text().split() == ["poststart", "poststop"]
