# SPDX-License-Identifier: Apache-2.0
"""The idle monitor: once its container has run for a second (MON_IDLE_AFTER_MS), berth-monitor
re-executes itself (`--idle FD`, lib/engine/monitor-idle*.c) to shed the setup's heap and stack;
a container that ends sooner never pays for the exec.  These tests check that the
process after the exec is the same monitor (same pid, the init's parent, its lock still
held, no fd leaked), that it stays small, and that everything the monitor does still works after
it: output and logs, attach with stdin, stop, the restart policy (each restart re-executes
again), --rm.
"""
import fcntl
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from engine_helpers import engine as _engine, image_tar, IMAGE  # noqa: F401 (fixtures)
from engine_helpers import full_state, wait_for

# The target: a quarter of podman's conmon, measured here at 1029-1314 kB PSS.
PSS_TARGET_KB = 257


@pytest.fixture
def engine(_engine):
    return _engine


def cmdline(pid):
    return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")


def is_idle(pid):
    """The monitor runs its idle image (it re-executed itself after the start)."""
    try:
        return b"--idle" in cmdline(pid)
    except OSError:
        return False


def pss_kb(pid):
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    raise AssertionError("no Pss in smaps_rollup")


def sanitized(pid):
    return "libasan" in Path(f"/proc/{pid}/maps").read_text()


def fd_targets(pid):
    out = {}
    for f in os.listdir(f"/proc/{pid}/fd"):
        try:
            out[int(f)] = os.readlink(f"/proc/{pid}/fd/{f}")
        except OSError:
            pass
    return out


def test_idle_monitor_is_the_same_monitor(engine):
    cid = engine.ok("run", "-d", "--name", "idle", IMAGE, "sleep", "300").out.strip()
    st = full_state(engine, "idle")
    mon, init = st["MonitorPid"], st["Pid"]
    wait_for(lambda: is_idle(mon), what="the monitor's re-exec")
    # "--idle" shows from the exec on; the state it carried over (a memfd, fd 3) is read and
    # closed just after: wait for that, or the fd list below races it (seen once in make check)
    wait_for(lambda: not any("memfd" in t for t in fd_targets(mon).values()),
             what="the idle monitor to close the state it took over")
    assert Path(f"/proc/{mon}/comm").read_text().strip() == "berth-monitor"
    assert os.path.basename(os.readlink(f"/proc/{mon}/exe")) == "berth-monitor"
    # the init is still its child, and it is still the subreaper that reaps it (below)
    ppid = int(Path(f"/proc/{init}/stat").read_text().rsplit(")", 1)[1].split()[1])
    assert ppid == mon
    # its lock, the container's directory: the same open file, still locked (start
    # refuses, flock fails)
    d = engine.root / "containers" / cid
    fds = fd_targets(mon)
    assert str(d) in fds.values(), fds
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)
    r = engine("start", "idle")
    assert r.rc != 0 or full_state(engine, "idle")["MonitorPid"] == mon
    # nothing leaked across the exec: no memfd, nothing of the runtime
    assert all(fds[i] == "/dev/null" for i in (0, 1, 2)), fds
    assert not any("memfd" in t for t in fds.values()), fds
    assert len(fds) < 18, fds
    # the point of it all
    if not sanitized(mon):
        time.sleep(1)
        pss = pss_kb(mon)
        print(f"\nidle monitor PSS: {pss} kB")
        assert pss <= PSS_TARGET_KB, pss
    # it still ends the run: stop, exit code recorded, lock released, monitor gone
    engine.ok("stop", "-t", "1", "idle")
    st = full_state(engine, "idle")
    assert st["Status"] == "exited" and st["ExitCode"] == 137, st
    wait_for(lambda: not Path(f"/proc/{mon}").exists()
             or "Z" in Path(f"/proc/{mon}/stat").read_text().rsplit(")", 1)[1].split()[0],
             what="monitor exit")


def test_short_run_never_reexecs(engine):
    # a run that ends before MON_IDLE_AFTER_MS is served by the first image to its end
    engine.ok("run", "-d", "--name", "short", IMAGE, "sleep", "0.6")
    mon = full_state(engine, "short")["MonitorPid"]
    seen = []
    end = time.time() + 10
    while Path(f"/proc/{mon}").exists() and time.time() < end:
        seen.append(is_idle(mon))
        time.sleep(0.02)
    assert len(seen) > 5 and not any(seen), seen
    st = full_state(engine, "short")
    assert st["Status"] == "exited" and st["ExitCode"] == 0, st


def test_output_across_the_exec_is_complete(engine):
    # output written while the monitor re-executes (after a second) waits in the pipe: none
    # is lost.  (Only stdout: the end of stderr flushes a partial stdout line as its own
    # message, log.c.)
    r = engine("run", IMAGE, "sh", "-c",
               "seq 1 10000; sleep 0.9; for i in 1 2 3 4 5 6 7 8 9 10; do "
               "seq $((i*1000+9001)) $((i*1000+10000)); sleep 0.05; done; exit 5")
    assert r.rc == 5, r
    assert r.out == "".join(f"{i}\n" for i in range(1, 20001))
    cid = engine.ok("ps", "-aq", "--no-trunc").out.split()[0]
    log = [json.loads(x) for x in
           (engine.root / "containers" / cid / f"{cid}-json.log").read_text().splitlines()]
    # every byte once, in order (how the messages are cut is the log driver's business)
    out = "".join(x["log"] for x in log if x["stream"] == "stdout")
    assert out == "".join(f"{i}\n" for i in range(1, 20001))


def test_attach_stdin_logs_after_idle(engine):
    cid = engine.ok("run", "-d", "-i", "--name", "echo", IMAGE, "sh", "-c",
                    "echo ready; while read l; do echo got:$l; done; echo bye").out.strip()
    mon = full_state(engine, "echo")["MonitorPid"]
    wait_for(lambda: is_idle(mon), what="the monitor's re-exec")
    a = engine.popen("attach", "echo", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
    a.stdin.write(b"hello\n")
    a.stdin.flush()
    assert a.stdout.readline() == b"got:hello\n"
    a.stdin.close()  # end of stdin: the loop ends, the container exits 0
    assert a.stdout.readline() == b"bye\n"
    a.wait(timeout=10)
    a.stdout.close()
    a.stderr.close()
    assert engine.ok("wait", "echo").out == "0\n"
    log = (engine.root / "containers" / cid / f"{cid}-json.log").read_text()
    assert [json.loads(x)["log"] for x in log.splitlines()] == ["ready\n", "got:hello\n", "bye\n"]


def test_restart_policy_reexecs_each_run(engine):
    # each run lasts past MON_IDLE_AFTER_MS: the monitor re-executes during each
    engine.ok("run", "-d", "--name", "rs", "--restart", "always", IMAGE, "sh", "-c",
              "echo run; sleep 1.3; exit 3")
    mon = full_state(engine, "rs")["MonitorPid"]
    wait_for(lambda: full_state(engine, "rs")["RestartCount"] >= 2, what="two restarts")
    st = full_state(engine, "rs")
    assert st["MonitorPid"] in (mon, 0), st  # the same monitor throughout (0 while restarting)
    assert is_idle(mon)
    engine.ok("stop", "-t", "1", "rs")
    st = full_state(engine, "rs")
    assert st["Status"] == "exited" and not st["Running"], st
    n = st["RestartCount"]
    time.sleep(0.8)
    assert full_state(engine, "rs")["RestartCount"] == n
    cid = engine.inspect("rs")["Id"]
    log = (engine.root / "containers" / cid / f"{cid}-json.log").read_text()
    assert log.count('"run\\n"') >= n, log  # n restarts scheduled, the last may not have run


def test_idle_again_after_a_restart(engine):
    # the first run fails, the restarted one stays up: the monitor that restarted it (the idle
    # image, with the runtime library's pages and heap) re-executes again and is small again
    engine.ok("run", "-d", "--name", "r1", "--restart", "on-failure", IMAGE, "sh", "-c",
              "[ -e /ran ] && exec sleep 300; touch /ran; exit 3")
    mon = full_state(engine, "r1")["MonitorPid"]
    wait_for(lambda: full_state(engine, "r1")["RestartCount"] == 1
             and full_state(engine, "r1")["Status"] == "running", what="the restart")
    assert full_state(engine, "r1")["MonitorPid"] == mon
    wait_for(lambda: is_idle(mon), what="the re-exec of the restarted run")
    if not sanitized(mon):
        # polled, not read once after a fixed sleep: when the first run outlived
        # MON_IDLE_AFTER_MS, the idle image itself restarted it and re-executes only a second
        # after the restart, so "idle" alone does not yet mean "small again" (seen once in a
        # full `make check`: 4687 kB read 1 s after the restart began)
        end = time.time() + 10
        while (pss := pss_kb(mon)) > PSS_TARGET_KB and time.time() < end:
            time.sleep(0.1)
        print(f"\nidle monitor PSS after a restart: {pss} kB")
        assert pss <= PSS_TARGET_KB, pss
    engine.ok("stop", "-t", "1", "r1")
    assert full_state(engine, "r1")["ExitCode"] == 137


def test_rm_after_idle(engine):
    engine.ok("run", "-d", "--rm", "--name", "gone", IMAGE, "sh", "-c", "sleep 1.5; exit 2")
    mon = full_state(engine, "gone")["MonitorPid"]
    wait_for(lambda: is_idle(mon), what="re-exec")
    wait_for(lambda: engine("inspect", "gone").rc != 0, what="--rm removal")
    assert engine.ok("ps", "-aq").out == ""


def test_no_reexec_fallback_still_works(engine):
    # BERTH_MONITOR_NO_REEXEC keeps the first image (the path taken if the exec fails)
    engine.env["BERTH_MONITOR_NO_REEXEC"] = "1"
    try:
        engine.ok("run", "-d", "--name", "nr", IMAGE, "sleep", "300")
        mon = full_state(engine, "nr")["MonitorPid"]
        time.sleep(1.5)  # past MON_IDLE_AFTER_MS
        assert not is_idle(mon)
        engine.ok("stop", "-t", "1", "nr")
        assert full_state(engine, "nr")["ExitCode"] == 137
    finally:
        del engine.env["BERTH_MONITOR_NO_REEXEC"]
