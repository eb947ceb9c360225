"""Behaviour berth-runc adds or matches beyond the basic fields: session keyrings, --debug,
tmpcopyup, refusals of what berth does not do."""
import json
import os

import pytest


def host_session_keyring():
    # /proc/self/... has no keyring id; ask the kernel through a tiny python ctypes call.
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.syscall(250, 0, -3, 0)  # SYS_keyctl, KEYCTL_GET_KEYRING_ID, SESSION


def test_new_session_keyring_by_default(ctr):
    d = ctr.run_probe()
    assert d["session_keyring"] > 0
    assert d["session_keyring"] != host_session_keyring()


def test_no_new_keyring_keeps_callers(ctr):
    r = ctr.run(["/probe"], extra=("--no-new-keyring",))
    assert r.returncode == 0, r
    assert r.json()["session_keyring"] == host_session_keyring()


def test_debug_logs_command_and_status(ctr, tmp_path):
    log = tmp_path / "log.json"
    r = ctr.runtime("list", glob=("--debug", "--log", str(log), "--log-format", "json"))
    assert r.returncode == 0, r
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert any(x["level"] == "debug" and "list" in x["msg"] and "exit status 0" in x["msg"]
               for x in lines), lines
    assert "debug" in r.stderr


def test_tmpcopyup_starts_with_image_content(ctr):
    os.makedirs(ctr.bundle / "rootfs" / "seed" / "sub", exist_ok=True)
    (ctr.bundle / "rootfs" / "seed" / "sub" / "f").write_text("from the image")
    os.chmod(ctr.bundle / "rootfs" / "seed" / "sub" / "f", 0o640)
    ctr.config["mounts"].append({"destination": "/seed", "type": "tmpfs", "source": "tmpfs",
                                 "options": ["tmpcopyup", "mode=755"]})
    d = ctr.run_probe(None, "read", "/seed/sub/f", "write", "/seed/new")
    assert d["actions"][0]["ok"] and d["actions"][0]["data"] == "from the image"
    assert d["actions"][1]["ok"]
    m = [x for x in d["mounts"] if x["mountpoint"] == "/seed"]
    assert m and m[0]["fstype"] == "tmpfs"
    # The copy went to the tmpfs, not the image.
    assert not (ctr.bundle / "rootfs" / "seed" / "new").exists()


def test_tmpcopyup_refused_on_other_types(ctr):
    ctr.config["mounts"].append({"destination": "/x", "type": "proc", "source": "proc",
                                 "options": ["tmpcopyup"]})
    r = ctr.run(["true"])
    assert r.returncode != 0
    assert "tmpcopyup is supported on tmpfs mounts only" in r.stderr


def test_personality_flags_refused(ctr):
    ctr.config["linux"]["personality"] = {"domain": "LINUX", "flags": ["ADDR_NO_RANDOMIZE"]}
    r = ctr.run(["true"])
    assert r.returncode != 0
    assert "linux.personality.flags" in r.stderr


def test_personality_linux32(ctr):
    ctr.config["linux"]["personality"] = {"domain": "LINUX32"}
    d = ctr.run_probe()
    assert d["personality"] & 0xff == 0x0008  # PER_LINUX32


def test_systemd_cgroup_refused_clearly(ctr):
    ctr.write_config()
    r = ctr.runtime("create", "--bundle", ctr.bundle, ctr.id, glob=("--systemd-cgroup",))
    assert r.returncode != 0
    assert "systemd" in r.stderr
    assert not os.listdir(ctr.root) if ctr.root.exists() else True


def test_intel_rdt_refused(ctr):
    ctr.config["linux"]["intelRdt"] = {"closID": "x"}
    r = ctr.run(["true"])
    assert r.returncode != 0
    assert "intelRdt" in r.stderr


def run_on_pty(cmd, script, timeout=20):
    """Run @cmd with a new pty as its stdio, type @script, return (exit code, output)."""
    import pty
    import select
    import subprocess
    import time
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out, sent, end = b"", False, time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if not sent and b"READY" in out:
            os.write(master, script.encode())
            sent = True
        if p.poll() is not None and not r:
            break
    os.close(master)
    return p.wait(timeout=5), out.decode(errors="replace")


def test_run_foreground_terminal_without_console_socket(ctr):
    ctr.config["process"]["terminal"] = True
    ctr.config["process"]["args"] = ["sh", "-c", "echo READY; read x; echo got-$x; tty; exit 5"]
    ctr.write_config()
    rc, out = run_on_pty([ctr.runtime_path, "--root", str(ctr.root), "run", "--bundle",
                          str(ctr.bundle), ctr.id], "abc\n")
    assert rc == 5, out
    assert "got-abc" in out and "/dev/pts/0" in out, out


def test_exec_foreground_tty_without_console_socket(ctr):
    ctr.run(["sleep", "1000"], detach=True)
    rc, out = run_on_pty([ctr.runtime_path, "--root", str(ctr.root), "exec", "-t", ctr.id,
                          "sh", "-c", "echo READY; read x; echo got-$x; exit 4"], "xyz\n")
    assert rc == 4, out
    assert "got-xyz" in out, out
    ctr.ok("delete", "--force", ctr.id)


def test_exec_joins_the_containers_keyring(ctr):
    ctr.run(["/probe", "sleep", "1000"], detach=True)
    a = ctr.ok("exec", ctr.id, "/probe").json()["session_keyring"]
    b = ctr.ok("exec", ctr.id, "/probe").json()["session_keyring"]
    assert a == b and a > 0 and a != host_session_keyring()
    ctr.ok("delete", "--force", ctr.id)
