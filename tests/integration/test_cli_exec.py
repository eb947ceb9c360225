# SPDX-License-Identifier: Apache-2.0
"""berth exec / top / logs / stats against running containers."""
import os
import pty
import pwd
import re
import time
from pathlib import Path


from engine_helpers import engine, image_tar, IMAGE  # noqa: F401 (fixtures)
from engine_helpers import read_pty


def run_bg(engine, name, *cmd):
    engine.ok("run", "-d", "--name", name, IMAGE, *cmd)
    engine.wait_status(name, "running")


def test_exec_env_user_workdir_exit_code(engine, tmp_path):
    run_bg(engine, "xx", "sleep", "1000")
    r = engine("exec", "xx", "sh", "-c", "exit 7")
    assert r.rc == 7, r
    envfile = tmp_path / "env"
    envfile.write_text("# comment\nFROM_FILE=1\n\nPATH=/bin\n")
    r = engine.ok("exec", "-u", "www", "-w", "/var/tmp", "-e", "FOO=bar", "--env-file", envfile,
                  "xx", "sh", "-c", 'id -u; id -g; pwd; echo "$FOO $FROM_FILE $PATH"')
    assert r.out.split("\n")[:4] == ["33", "33", "/var/tmp", "bar 1 /bin"], r
    # the base process is the container's: the image's environment is there
    assert "PATH=" in engine.ok("exec", "xx", "env").out
    r = engine("exec", "-u", "gary", "xx", "true")
    assert r.rc != 0 and "gary" in r.err
    # capabilities: the container's set, --privileged all of them
    caps = lambda *f: int(re.search(r"CapEff:\s+(\w+)", engine.ok(
        "exec", *f, "xx", "cat", "/proc/self/status").out).group(1), 16)
    assert caps("--privileged") > caps()
    # stdin only with -i
    assert engine.ok("exec", "-i", "xx", "cat", input="piped\n").out == "piped\n"
    assert engine.ok("exec", "xx", "cat", input="piped\n").out == ""


def test_exec_detached_and_refusals(engine):
    run_bg(engine, "xx", "sleep", "1000")
    engine.ok("exec", "-d", "xx", "sh", "-c", "echo done > /var/tmp/mark")
    for _ in range(100):
        if engine("exec", "xx", "cat", "/var/tmp/mark").out == "done\n":
            break
        time.sleep(0.05)
    else:
        raise AssertionError("exec -d did not run")
    engine.ok("create", "--name", "idle", IMAGE, "true")
    r = engine("exec", "idle", "true")
    assert r.rc == 1 and "is not running" in r.err, r
    r = engine("exec", "nosuch", "true")
    assert r.rc != 0 and "No such container: nosuch" in r.err
    r = engine("exec", "xx", "/no/such/binary")
    assert r.rc == 126 or r.rc == 127, r


def test_exec_tty(engine):
    run_bg(engine, "xx", "sleep", "1000")
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(engine.env.get("BERTH", "") or str(Path(__file__).resolve().parents[2] /
                                                      "build" / "berth"),
                  ["berth", "--root", str(engine.root), "exec", "-it", "xx", "sh", "-c",
                   "tty; echo rows=$(stty size)"], engine.env)
    out, _ = read_pty(fd, 15, poll=0.5)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out
    assert b"/dev/pts/" in out and b"rows=" in out, out


def test_top(engine):
    run_bg(engine, "xx", "sh", "-c", "sleep 1000 & sleep 1001")
    r = engine.ok("top", "xx")
    lines = r.out.splitlines()
    assert lines[0].split() == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    cmds = [l.split(None, 7)[7] for l in lines[1:]]
    assert "sleep 1000" in cmds and "sleep 1001" in cmds, r
    pids = [int(l.split()[1]) for l in lines[1:]]
    assert engine.state("xx")["Pid"] in pids
    # host uids, as Docker shows them: the user namespace's mapped root
    uid = int(re.search(r"Uid:\s+(\d+)", Path(f"/proc/{pids[0]}/status").read_text()).group(1))
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    assert all(l.split()[0] == user and l.split()[6] == "00:00:00" for l in lines[1:])
    engine.ok("create", "--name", "idle", IMAGE, "true")
    assert "is not running" in engine("top", "idle").err


def test_logs(engine):
    # stdout and stderr are separate pipes: the pause keeps their order in the log
    engine.ok("run", "--name", "ll", IMAGE, "sh", "-c",
              "echo one; echo two >&2; sleep 0.3; echo three")
    engine.wait_status("ll", "exited")
    r = engine.ok("logs", "ll")
    assert r.out == "one\nthree\n" and r.err == "two\n", r
    assert engine.ok("logs", "--tail", "1", "ll").out == "three\n"
    r = engine.ok("logs", "-t", "ll")
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one$", r.out.splitlines()[0]), r
    assert engine.ok("logs", "--since", "2000-01-01T00:00:00Z", "--until", "2001-01-01",
                     "ll").out == ""
    engine.ok("run", "--name", "nn", "--log-driver", "none", IMAGE, "true")
    r = engine("logs", "nn")
    assert r.rc != 0 and "configured logging driver does not support reading" in r.err


def test_logs_follow_ends_when_the_container_stops(engine):
    engine.ok("run", "-d", "--name", "ff", IMAGE, "sh", "-c",
              "echo a; sleep 1; echo b; sleep 1; echo c")
    t = time.time()
    r = engine.ok("logs", "-f", "ff", timeout=30)
    assert r.out == "a\nb\nc\n" and time.time() - t > 1, r


def test_stats(engine):
    run_bg(engine, "xx", "sh", "-c", "while :; do :; done")
    engine.ok("update", "--memory", "64m", "xx")
    r = engine.ok("stats", "--no-stream")
    head, row = r.out.splitlines()
    assert re.split(r"\s{2,}", head) == ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT",
                                         "MEM %", "NET I/O", "BLOCK I/O", "PIDS"]
    assert row.split()[1] == "xx"
    r = engine.ok("stats", "--no-stream", "--no-trunc", "--format",
                  "{{.ID}} {{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}", "xx")
    cid, name, cpu, usage, _, limit, pids = r.out.split()
    assert cid == engine.inspect("xx")["Id"] and name == "xx" and pids == "1"
    assert float(cpu.rstrip("%")) > 20, r  # a busy loop
    assert limit == "64MiB", r
    # streaming refreshes until interrupted
    p = engine.popen("stats", "--format", "{{.Name}}", "xx", stdout=-1)
    time.sleep(2.8)
    p.terminate()
    out = p.communicate(timeout=10)[0].decode()
    assert out.count("xx\n") >= 2, out
