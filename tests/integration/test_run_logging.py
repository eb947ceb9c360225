# SPDX-License-Identifier: Apache-2.0
"""Log drivers through `berth run`: the seed's remote-logging demo against a real rsyslogd, and
json-file rotation as `logs` reads it."""
import re
import time

from engine_helpers import engine, image_tar, IMAGE  # noqa: F401 (fixtures)
from test_log_drivers import received, rsyslog  # noqa: F401 (fixture)


def test_run_to_remote_syslog(engine, rsyslog):
    addr = f"udp://127.0.0.1:{rsyslog['udp']}"
    r = engine("run", "--name", "web", "--log-driver", "syslog", "--log-opt", f"syslog-address={addr}",
               "--log-opt", "tag={{.Name}}", "--log-opt", "syslog-facility=local3", IMAGE,
               "sh", "-c", "echo hello remote; echo oops remote >&2")
    assert r.rc == 0 and "hello remote" in r.out, r  # attached output still reaches the terminal
    got = received(rsyslog, "hello remote")
    assert re.match(r"tag=web\[\d+\]:?\|app=web\|fac=local3\|sev=info\|msg= ?hello remote", got[0]), got
    got = received(rsyslog, "oops remote")
    assert "sev=err" in got[0]
    cid = engine.inspect("web")["Id"]
    assert not (engine.root / "containers" / cid / f"{cid}-json.log").exists() or \
        (engine.root / "containers" / cid / f"{cid}-json.log").stat().st_size == 0
    r = engine("logs", "web")
    assert r.rc != 0 and "does not support reading" in r.err, r
    lc = engine.inspect("web")["HostConfig"]["LogConfig"]
    assert lc["Type"] == "syslog" and lc["Config"]["syslog-address"] == addr


def test_default_driver_from_conf(engine, rsyslog):
    with open(engine.conf, "a") as f:
        f.write("log_driver = syslog\n")
        f.write(f"log_opt = syslog-address=tcp://127.0.0.1:{rsyslog['tcp']}\n")
        f.write("log_opt = syslog-format=rfc5424\n")
    engine.ok("run", "--name", "quiet", IMAGE, "echo", "from the config file")
    received(rsyslog, "from the config file")
    assert engine.inspect("quiet")["HostConfig"]["LogConfig"]["Type"] == "syslog"


def test_bad_log_options_refused(engine):
    for opt, msg in [(("--log-driver", "carrier-pigeon"), "carrier-pigeon"),
                     (("--log-opt", "max-size=lots"), "max-size"),
                     (("--log-driver", "syslog", "--log-opt", "bogus=1"), "bogus")]:
        r = engine("create", *opt, IMAGE)
        assert r.rc != 0 and msg in r.err, (opt, r)
    assert engine.ok("ps", "-aq").out == ""


def test_json_file_rotation_through_run(engine):
    engine.ok("run", "--name", "chatty", "--log-opt", "max-size=2k", "--log-opt", "max-file=3",
              IMAGE, "sh", "-c", "i=0; while [ $i -lt 200 ]; do echo line $i; i=$((i+1)); done")
    cid = engine.inspect("chatty")["Id"]
    d = engine.root / "containers" / cid
    files = sorted(p.name for p in d.iterdir() if "-json.log" in p.name)
    assert files == [f"{cid}-json.log", f"{cid}-json.log.1", f"{cid}-json.log.2"], files
    out = engine.ok("logs", "chatty").out.splitlines()
    assert out[-1] == "line 199" and len(out) < 200  # the oldest rotated away
    assert engine.ok("logs", "--tail", "2", "chatty").out == "line 198\nline 199\n"


def test_logs_follow_detached(engine):
    engine.ok("run", "-d", "--name", "ticker", IMAGE, "sh", "-c",
              "for i in 1 2 3; do echo tick $i; sleep 0.3; done")
    p = engine.popen("logs", "-f", "ticker", stdout=__import__("subprocess").PIPE, text=True)
    out, _ = p.communicate(timeout=20)
    assert out.split("\n")[:3] == ["tick 1", "tick 2", "tick 3"] and p.returncode == 0


def test_no_line_cut_in_two(engine):
    """Every line is one json-file record, also when stderr ends while stdout is mid-line and
    across the monitor's re-exec after start."""
    import json
    engine.ok("run", "-d", "--name", "many", IMAGE, "seq", "1", "200000")
    assert engine.ok("wait", "many").out.strip() == "0"
    cid = engine.inspect("many")["Id"]
    recs = [json.loads(x) for x in
            (engine.root / "containers" / cid / f"{cid}-json.log").read_text().splitlines()]
    assert len(recs) == 200000 and all(r["log"].endswith("\n") for r in recs)
    assert recs[-1]["log"] == "200000\n"


def test_log_and_attach_socket_ready_when_start_returns(engine):
    # The monitor creates the json-file log and its attach socket while the init starts
    # (lib/engine/monitor-run.c): both exist once `run -d` returns, output or not.  The
    # socket is on the runtime's tmpfs (runtime/.attach/<id>), not on the data root's disk.
    engine.ok("run", "-d", "--name", "quiet", IMAGE, "sleep", "300")
    st = engine.inspect("quiet")
    cid = st["Id"]
    d = engine.root / "containers" / cid
    assert (d / f"{cid}-json.log").is_file() and st["LogPath"].endswith(f"{cid}-json.log")
    sock = engine.root / "runtime" / ".attach" / cid
    assert sock.is_socket() and oct(sock.stat().st_mode & 0o777) == "0o600"
    assert not (d / "attach.sock").exists()
    assert engine.ok("logs", "quiet").out == ""
    engine.ok("rm", "-f", "quiet")
    assert not sock.exists()


def test_log_that_cannot_be_created_fails_the_start(engine):
    # A json-file log that cannot be opened, found once the init started: the start fails
    # and nothing of the container runs on.
    cid = engine.ok("create", "--name", "nolog", IMAGE, "sleep", "300").out.strip()
    (engine.root / "containers" / cid / f"{cid}-json.log").mkdir()
    r = engine("start", "nolog")
    assert r.rc != 0 and "json.log" in r.err, r
    st = engine.state("nolog")
    assert not st["Running"] and st["Pid"] == 0 and st["Error"], st
    assert engine.leftovers() == []
    (engine.root / "containers" / cid / f"{cid}-json.log").rmdir()
    engine.ok("rm", "nolog")
