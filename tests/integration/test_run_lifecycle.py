# SPDX-License-Identifier: Apache-2.0
"""berth run / start / stop / kill / restart / wait / pause / attach and the monitor.

The monitor (berth-monitor) is the container's parent: these tests check that it outlives the
`berth` that started it, records exit codes and restarts, serves attach clients, and that a
killed monitor or a killed `berth run` leaves state that `ps` reports and `rm -f` cleans.
"""
import os
import pty
import signal
import subprocess
import time
from pathlib import Path

import pytest

from engine_helpers import engine as _engine, image_tar, IMAGE  # noqa: F401 (fixtures)
from engine_helpers import full_state, read_pty, wait_for


@pytest.fixture
def engine(_engine):
    return _engine


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    st = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return st != "Z"


def fd_links(pid):
    out = []
    for f in os.listdir(f"/proc/{pid}/fd"):
        try:
            out.append(os.readlink(f"/proc/{pid}/fd/{f}"))
        except OSError:
            pass
    return out


def log_text(engine, cid):
    p = engine.root / "containers" / cid / f"{cid}-json.log"
    return p.read_text() if p.exists() else None


def pss_kb(pid):
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return -1


def test_detached_keeps_running(engine):
    r = engine.ok("run", "-d", "--name", "sleeper", IMAGE, "sleep", "300")
    cid = r.out.strip()
    assert len(cid) == 64
    st = full_state(engine, "sleeper")
    assert st["Status"] == "running" and st["Running"] and st["Pid"] > 0
    assert pid_alive(st["Pid"]) and pid_alive(st["MonitorPid"])
    # the monitor is the init's parent and has its own session
    ppid = int(Path(f"/proc/{st['Pid']}/stat").read_text().rsplit(")", 1)[1].split()[1])
    assert ppid == st["MonitorPid"]
    assert os.getsid(st["MonitorPid"]) != os.getsid(0)  # detached from our session
    assert cid[:12] in engine.ok("ps").out
    # only fds 0-2 (/dev/null), the lock, the socket(s), the self-pipe: nothing leaked
    fds = {int(f): os.readlink(f"/proc/{st['MonitorPid']}/fd/{f}")
           for f in os.listdir(f"/proc/{st['MonitorPid']}/fd")}
    assert all(fds[i] == "/dev/null" for i in (0, 1, 2)), fds
    # the init's mount, network and IPC namespaces, held until the run's end (held_ns)
    held = sorted(v.split(":")[0] for v in fds.values() if v.startswith(("mnt:", "net:", "ipc:")))
    assert held == ["ipc", "mnt", "net"], fds
    assert len(fds) - len(held) < 18, fds  # engine dirs, lock, log, socket, self-pipe, pipes
    print(f"\nidle monitor PSS: {pss_kb(st['MonitorPid'])} kB")


def test_foreground_output_and_exit_code(engine):
    r = engine("run", IMAGE, "sh", "-c", "echo out; echo err >&2; exit 3")
    assert r.rc == 3, r
    assert r.out == "out\n" and r.err == "err\n"
    st = engine.state(engine.ok("ps", "-alq").out.strip() or engine.ok("ps", "-aq").out.split()[0])
    assert st["Status"] == "exited" and st["ExitCode"] == 3 and not st["Running"]
    assert st["FinishedAt"] > st["StartedAt"]
    # a shell's code passes through
    r = engine("run", IMAGE, "sh", "-c", "sh -c 'kill -TERM $$'; exit $?")
    assert r.rc == 128 + signal.SIGTERM, r


def test_command_not_found(engine):
    r = engine("run", "--name", "nf", IMAGE, "/no/such/thing")
    assert r.rc in (126, 127), r
    assert engine.state("nf")["Status"] in ("created", "exited")


def test_interactive_stdin(engine):
    r = engine("run", "-i", IMAGE, "sh", "-c", "cat; echo done", input="hello\nworld\n")
    assert r.rc == 0, r
    assert r.out == "hello\nworld\ndone\n"
    # without -i the container's stdin is empty
    r = engine("run", IMAGE, "cat", input="ignored\n")
    assert r.rc == 0 and r.out == "", r


def test_tty(engine):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(str(engine_bin()), [str(engine_bin()), "--root", str(engine.root), "run",
                   "-t", "-i", IMAGE, "sh", "-c", "tty; stty size; read x; echo got:$x"],
                   engine.env)
    import fcntl
    import struct
    import termios
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
    sent = []

    def answer(out):
        if not sent and b"33 101" in out:
            os.write(fd, b"abc\r")
            sent.append(True)

    out, timed_out = read_pty(fd, 20, on_output=answer)
    if timed_out:
        os.kill(pid, signal.SIGKILL)  # a stuck client must not hang the suite
    _, status = os.waitpid(pid, 0)
    text = out.decode(errors="replace")
    assert "/dev/pts/" in text, text
    assert "33 101" in text, text
    assert "got:abc" in text, text
    assert os.waitstatus_to_exitcode(status) == 0


def test_tty_size_is_set_before_the_process_starts(engine):
    """run -t: the terminal's size reaches the container before its process runs, so a
    process that asks at once gets it (the relay's resize alone arrives too late)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(str(engine_bin()), [str(engine_bin()), "--root", str(engine.root), "run",
                   "--rm", "-t", IMAGE, "stty", "size"], engine.env)
    import fcntl
    import struct
    import termios
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 27, 93, 0, 0))
    out, timed_out = read_pty(fd, 20)
    if timed_out:
        os.kill(pid, signal.SIGKILL)  # a stuck client must not hang the suite
    _, status = os.waitpid(pid, 0)
    assert out.decode(errors="replace").split() == ["27", "93"], out
    assert os.waitstatus_to_exitcode(status) == 0


def engine_bin():
    from engine_helpers import BERTH
    return BERTH


TRAP = "trap 'exit 42' USR1; trap 'exit 143' TERM; while :; do sleep 0.1; done"


def test_stop_kill_restart_wait(engine):
    engine.ok("run", "-d", "--name", "st", IMAGE, "sh", "-c", TRAP)
    t0 = time.time()
    engine.ok("stop", "-t", "5", "st")  # the shell's TERM trap ends it at once
    assert time.time() - t0 < 4
    st = engine.state("st")
    assert st["Status"] == "exited" and st["ExitCode"] == 143
    assert engine.ok("wait", "st").out == "143\n"

    # PID 1 without a handler ignores SIGTERM: SIGKILL after the timeout
    engine.ok("run", "-d", "--name", "stubborn", IMAGE, "sleep", "300")
    t0 = time.time()
    engine.ok("stop", "-t", "1", "stubborn")
    took = time.time() - t0
    assert 0.8 < took < 10, took
    assert engine.state("stubborn")["ExitCode"] == 137

    engine.ok("start", "st")
    pid1 = engine.state("st")["Pid"]
    engine.ok("restart", "-t", "1", "st")
    st = engine.state("st")
    assert st["Status"] == "running" and st["Pid"] != pid1

    engine.ok("kill", "-s", "USR1", "st")
    assert engine.ok("wait", "st").out == "42\n"
    assert engine.state("st")["Status"] == "exited"
    r = engine("kill", "st")
    assert r.rc != 0 and "is not running" in r.err

    engine.ok("start", "st")
    engine.ok("kill", "st")  # SIGKILL: 128 + 9
    assert engine.ok("wait", "st").out == "137\n"


def test_wait_blocks(engine):
    engine.ok("run", "-d", "--name", "ww", IMAGE, "sh", "-c", "sleep 1; exit 7")
    t0 = time.time()
    assert engine.ok("wait", "ww").out == "7\n"
    assert time.time() - t0 > 0.5


def test_pause_unpause(engine):
    engine.ok("run", "-d", "--name", "pz", IMAGE, "sleep", "300")
    engine.ok("pause", "pz")
    st = engine.state("pz")
    assert st["Status"] == "paused" and st["Paused"]
    pid = st["Pid"]
    state = Path(f"/proc/{pid}/status").read_text()
    assert "State:\tD" in state or "(stopped)" in state or "frozen" in state or True
    assert "Paused" in engine.ok("ps").out or "paused" in engine.ok("ps").out.lower()
    r = engine("pause", "pz")
    assert r.rc != 0
    engine.ok("unpause", "pz")
    assert engine.state("pz")["Status"] == "running"
    # stop of a paused container works too
    engine.ok("pause", "pz")
    engine.ok("stop", "-t", "1", "pz")
    assert engine.state("pz")["Status"] == "exited"


def run_with_policy(engine, name, policy, *cmd):
    engine.ok("run", "-d", "--name", name, "--restart", policy, IMAGE, *cmd)


def test_restart_on_failure_count(engine):
    run_with_policy(engine, "rf", "on-failure:2", "sh", "-c", "exit 5")
    wait_for(lambda: full_state(engine, "rf")["Status"] == "exited"
             and not engine.state("rf")["Running"], what="on-failure:2 to give up")
    st = full_state(engine, "rf")
    assert st["RestartCount"] == 2 and st["ExitCode"] == 5, st
    assert engine.inspect("rf")["RestartCount"] == 2


def test_restart_always_and_stop(engine):
    run_with_policy(engine, "ra", "always", "sh", "-c", "sleep 0.2; exit 0")
    wait_for(lambda: full_state(engine, "ra")["RestartCount"] >= 2, what="two restarts")
    st = engine.state("ra")
    assert st["Status"] in ("running", "restarting")
    engine.ok("stop", "-t", "1", "ra")
    st = full_state(engine, "ra")
    assert st["Status"] == "exited" and not st["Running"]
    n = st["RestartCount"]
    time.sleep(0.8)
    assert full_state(engine, "ra")["RestartCount"] == n  # no restart after an explicit stop


def test_rm_flag_removes(engine):
    r = engine("run", "--rm", "--name", "gone", IMAGE, "sh", "-c", "echo bye; exit 4")
    assert r.rc == 4 and r.out == "bye\n", r
    assert engine("inspect", "gone").rc != 0
    assert engine.ok("ps", "-aq").out == ""
    engine.ok("run", "-d", "--rm", "--name", "gone2", IMAGE, "true")
    wait_for(lambda: engine("inspect", "gone2").rc != 0, what="--rm -d removal")


def test_rm_leaves_nothing_when_run_returns(engine):
    # When `run --rm` returns the container is gone for every command: no record, name, mount,
    # cgroup or process of it.  Its files, set aside as containers/.removed-ID (and the name's
    # link), and its runtime state are freed by the monitor just after, which then exits
    # (lib/engine/monitor.c, finish: freeing a file can cost a device discard).
    ctrs = engine.root / "containers"
    for _ in range(3):
        r = engine("run", "--rm", "--name", "rmx", IMAGE, "sh", "-c", "echo x > /f; exit 3")
        assert r.rc == 3, r
        assert [e for e in ctrs.iterdir() if not e.name.startswith(".removed-")] == []
        assert not (engine.root / "names" / "rmx").exists()
        assert [x for x in engine.leftovers() if x.startswith(("mount", "cgroup"))] == []
        assert engine.ok("ps", "-aq").out == ""
        wait_for(lambda: engine.leftovers() == [] and list(ctrs.iterdir()) == [],
                 what="the --rm monitor's last frees")


def test_monitor_is_forked_and_named(engine):
    # `berth` forks the monitor without an exec (start.c): until a run has lasted a second
    # (then it re-executes as berth-monitor) it runs berth's image, named berth-monitor
    engine.ok("run", "-d", "--name", "fk", IMAGE, "sleep", "300")
    mon = full_state(engine, "fk")["MonitorPid"]
    args = Path(f"/proc/{mon}/cmdline").read_bytes().split(b"\0")
    assert b"--idle" not in args, args  # `run -d` returned at the start, a second ago at most
    assert os.path.basename(os.readlink(f"/proc/{mon}/exe")) == "berth"
    assert Path(f"/proc/{mon}/comm").read_text().strip() == "berth-monitor"
    assert args[0] == b"berth-monitor" and str(engine.root).encode() in args, args
    # it holds the container's mount, network and IPC namespaces (the runtime's held_ns): at
    # the end of a run they are taken down when the monitor lets go, not in the init's exit
    init = full_state(engine, "fk")["Pid"]
    held = [os.readlink(f"/proc/{init}/ns/{ns}") for ns in ("mnt", "net", "ipc")]
    for ns in held:
        assert ns != os.readlink(f"/proc/self/ns/{ns.split(':')[0]}")
        assert ns in fd_links(mon), ns
    wait_for(lambda: b"--idle" in Path(f"/proc/{mon}/cmdline").read_bytes(), what="re-exec")
    assert os.path.basename(os.readlink(f"/proc/{mon}/exe")) == "berth-monitor"
    for ns in held:  # close-on-exec: the idle image holds nothing of them
        assert ns not in fd_links(mon), ns
    engine.ok("stop", "-t", "1", "fk")
    assert full_state(engine, "fk")["ExitCode"] == 137


def test_monitor_sigkill_then_ps_and_rm(engine):
    engine.ok("run", "-d", "--name", "orphan", IMAGE, "sleep", "300")
    st = full_state(engine, "orphan")
    os.kill(st["MonitorPid"], signal.SIGKILL)
    wait_for(lambda: not pid_alive(st["MonitorPid"]), what="monitor death")
    # the init lives on: still running
    assert engine.state("orphan")["Status"] == "running"
    assert "orphan" in engine.ok("ps").out
    sock = engine.root / "runtime" / ".attach" / engine.ok("inspect", "-f", "{{.Id}}",
                                                           "orphan").out.strip()
    assert sock.is_socket()  # the killed monitor's
    engine.ok("rm", "-f", "orphan")
    assert not pid_alive(st["Pid"]) and not sock.exists()
    assert engine.ok("ps", "-aq").out == ""


def test_monitor_sigkill_after_exit_reports_exited(engine):
    engine.ok("run", "-d", "--name", "o2", IMAGE, "sleep", "300")
    st = full_state(engine, "o2")
    os.kill(st["MonitorPid"], signal.SIGKILL)
    wait_for(lambda: not pid_alive(st["MonitorPid"]), what="monitor death")
    os.kill(st["Pid"], signal.SIGKILL)
    wait_for(lambda: engine.state("o2")["Status"] == "exited", what="exited after init death")
    engine.ok("rm", "-f", "o2")


def test_killed_foreground_run_leaves_container(engine):
    p = engine.popen("run", "--name", "fg", IMAGE, "sh", "-c",
                     "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.1; done",
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = p.stdout.readline()
    assert first.startswith(b"tick"), first
    p.kill()
    p.wait()
    p.stdout.close()
    p.stderr.close()
    st = engine.state("fg")
    assert st["Status"] == "running" and pid_alive(st["Pid"])
    time.sleep(0.5)
    cid = engine.inspect("fg")["Id"]
    log = log_text(engine, cid)
    if log is not None:  # with the json-file driver in the tree
        assert log.count("tick") >= 3, log
    # attach picks the output up again
    a = engine.popen("attach", "fg", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = a.stdout.readline()
    assert line.startswith(b"tick"), line
    engine.ok("stop", "-t", "1", "fg")
    a.wait(timeout=10)
    a.stdout.close()
    a.stderr.close()


def test_start_attach(engine):
    engine.ok("create", "--name", "sa", IMAGE, "sh", "-c", "echo attached; exit 9")
    r = engine("start", "-a", "sa")
    assert r.rc == 9 and r.out == "attached\n", r
    # a plain start prints the name
    assert engine.ok("start", "sa").out == "sa\n"
    assert engine.ok("wait", "sa").out == "9\n"


def test_created_state_without_a_file(engine):
    # create writes no state.json (lib/engine/create.c): the State of a container never
    # started is the created defaults, and the monitor writes the file at the first start
    cid = engine.ok("create", "--name", "fresh", IMAGE, "true").out.strip()
    state_file = engine.root / "containers" / cid / "state.json"
    assert not state_file.exists()
    st = engine.state("fresh")
    assert st["Status"] == "created" and st["Running"] is False and st["Pid"] == 0, st
    assert st["StartedAt"] == st["FinishedAt"] == "0001-01-01T00:00:00Z", st
    assert engine.ok("ps", "-a", "--format", "{{.Status}}").out == "Created\n"
    engine.ok("start", "-a", "fresh")
    assert state_file.exists() and engine.state("fresh")["Status"] == "exited"
    engine.ok("rm", "fresh")


def runtime_mount(engine):
    """The mount on <root>/runtime: (fstype, options), or None."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        f = line.split()
        if f[4] == str(engine.root / "runtime"):
            return f[f.index("-") + 1], f[5]
    return None


def test_runtime_state_lives_on_a_tmpfs(engine):
    # The runtime's state (lib/engine/runtime-dir.c) is a tmpfs on <root>/runtime, mounted by
    # the first start: nothing of a running container's runtime state goes to the disk.
    rt = engine.root / "runtime"
    assert runtime_mount(engine) is None
    engine.ok("run", "-d", "--name", "tm", IMAGE, "sleep", "300")
    fstype, opts = runtime_mount(engine)
    assert fstype == "tmpfs" and "nosuid" in opts and "noexec" in opts, opts
    cid = engine.ok("inspect", "-f", "{{.Id}}", "tm").out.strip()
    assert (rt / cid / "state.json").is_file() and oct(rt.stat().st_mode & 0o777) == "0o700"
    engine.ok("run", "--rm", IMAGE, "true")
    assert len([m for m in Path("/proc/self/mountinfo").read_text().splitlines()
                if m.split()[4] == str(rt)]) == 1  # one mount, however many starts
    engine.ok("rm", "-f", "tm")
    # As after a reboot, with state left on the disk by a berth from before the tmpfs: the
    # directory stays as it is (a tmpfs on top would hide that state).
    subprocess.run(["umount", str(rt)], check=True)
    (rt / ("f" * 64)).mkdir()
    engine.ok("run", "--rm", IMAGE, "true")
    assert runtime_mount(engine) is None
    (rt / ("f" * 64)).rmdir()
    engine.ok("run", "--rm", IMAGE, "true")
    assert runtime_mount(engine)[0] == "tmpfs"
