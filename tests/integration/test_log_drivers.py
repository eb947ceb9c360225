# SPDX-License-Identifier: Apache-2.0
"""Log drivers through build/log-tool: json-file writing, rotation and reading (tail, since,
until, timestamps, follow across rotations), syslog against a real rsyslogd (UDP, TCP, a unix
socket; rfc5424, rfc3164 and the default form), journald's native protocol on a test socket."""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = str(REPO / "build" / "log-tool")
ID = "4f1c2b3a5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70"
RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z ")


def tool(*args, stdin=b"", check=True):
    p = subprocess.run([TOOL, *args], input=stdin, capture_output=True, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError(f"log-tool {args}: {p.stderr.decode()}")
    return p


def write(d, config, data, *extra):
    tool("write", str(d), ID, json.dumps(config), *extra, stdin=data)


def read(d, *opts):
    p = tool("read", str(d), ID, *opts)
    return p.stdout.decode(), p.stderr.decode()


@pytest.fixture
def logdir():
    d = Path(tempfile.mkdtemp(prefix="berth-logs-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def lines_of(n, start=0):
    return "".join(f"line {i}\n" for i in range(start, start + n)).encode()


# ---------------------------------------------------------------- json-file


def test_jsonfile_format_streams_and_partial_lines(logdir):
    write(logdir, {"Type": "json-file"}, b"out 1\nout <2>\nno newline")
    write(logdir, {}, b"err 1\n", "--stderr")
    recs = [json.loads(x) for x in (logdir / f"{ID}-json.log").read_text().splitlines()]
    assert [r["log"] for r in recs] == ["out 1\n", "out <2>\n", "no newline", "err 1\n"]
    assert [r["stream"] for r in recs] == ["stdout"] * 3 + ["stderr"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", r["time"]) for r in recs)
    assert "\\u003c2\\u003e" in (logdir / f"{ID}-json.log").read_text()
    out, err = read(logdir)
    assert out == "out 1\nout <2>\nno newline" and err == "err 1\n"
    out, err = read(logdir, "-t")
    assert all(STAMP.match(x) for x in out.splitlines() + err.splitlines())
    # a 40000-byte line arrives whole although stored as 16 KiB partial messages
    write(logdir, {}, b"y" * 40000 + b"\n", "--chunk", "1000")
    out, _ = read(logdir, "--tail", "3")
    assert out.endswith("y" * 40000 + "\n")
    assert len((logdir / f"{ID}-json.log").read_text().splitlines()) == 7


def test_jsonfile_rotation_tail_since_until(logdir):
    cfg = {"Type": "json-file", "Config": {"max-size": "2k", "max-file": "3"}}
    write(logdir, cfg, lines_of(300), "--chunk", "100")
    names = sorted(p.name for p in logdir.iterdir())
    assert names == [f"{ID}-json.log", f"{ID}-json.log.1", f"{ID}-json.log.2"]
    for n in names[1:]:
        assert 2000 <= (logdir / n).stat().st_size < 2100
    out, _ = read(logdir)
    nums = [int(x.split()[1]) for x in out.splitlines()]
    assert nums == list(range(nums[0], 300)) and nums[0] > 0
    assert read(logdir, "--tail", "4")[0] == "line 296\nline 297\nline 298\nline 299\n"
    assert read(logdir, "--tail", "0")[0] == ""
    # --tail larger than the newest file counts on into the rotated ones
    newest = len((logdir / f"{ID}-json.log").read_text().splitlines())
    tail = read(logdir, "--tail", str(newest + 5))[0].splitlines()
    assert tail[0] == f"line {299 - newest - 4}" and len(tail) == newest + 5
    # since/until against the stored times
    recs = []
    for n in (f"{ID}-json.log.2", f"{ID}-json.log.1", f"{ID}-json.log"):
        recs += [json.loads(x) for x in (logdir / n).read_text().splitlines()]
    mid = recs[len(recs) // 2]["time"]
    after = read(logdir, "--since", mid)[0].splitlines()
    before = read(logdir, "--until", mid)[0].splitlines()
    assert after[0] == recs[len(recs) // 2]["log"].strip() or after[0] in [r["log"].strip() for r in recs]
    assert after[-1] == "line 299" and before[0] == f"line {nums[0]}"
    assert len(set(after) & set(before)) >= 1 and len(set(after) | set(before)) == len(recs)
    assert read(logdir, "--since", "1h")[0] == out
    assert read(logdir, "--until", "1h")[0] == ""
    assert read(logdir, "--since", str(int(time.time()) + 60))[0] == ""
    bad = tool("read", str(logdir), ID, "--since", "yesterday", check=False)
    assert bad.returncode == 1 and '"yesterday" is not a time' in bad.stderr.decode()


def test_jsonfile_max_file_1_truncates(logdir):
    write(logdir, {"Config": {"max-size": "1k"}}, lines_of(100))
    assert [p.name for p in logdir.iterdir()] == [f"{ID}-json.log"]
    assert (logdir / f"{ID}-json.log").stat().st_size < 1100
    assert read(logdir)[0].endswith("line 99\n")


def test_jsonfile_follow_survives_rotation(logdir):
    cfg = json.dumps({"Config": {"max-size": "2k", "max-file": "5"}})
    writer = subprocess.Popen([TOOL, "write", str(logdir), ID, cfg], stdin=subprocess.PIPE)
    reader = None
    try:
        writer.stdin.write(lines_of(5))
        writer.stdin.flush()
        time.sleep(0.2)
        reader = subprocess.Popen([TOOL, "read", str(logdir), ID, "-f", "--running-while", str(writer.pid)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for batch in range(1, 30):
            writer.stdin.write(lines_of(10, start=5 + (batch - 1) * 10))
            writer.stdin.flush()
            time.sleep(0.05)
        writer.stdin.close()
        writer.wait(timeout=10)
        out, err = reader.communicate(timeout=10)
    finally:
        for p in (writer, reader):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
    assert reader.returncode == 0, err
    assert out.decode() == lines_of(5 + 29 * 10).decode()
    assert len(list(logdir.iterdir())) >= 3  # it did rotate under the reader


def test_option_validation_errors():
    cases = {
        '{"Config":{"compress":"true"}}': 'log opt "compress" is not supported by the json-file log driver',
        '{"Config":{"max-file":"3"}}': "max-file can only be used with max-size",
        '{"Config":{"max-size":"ten"}}': 'max-size: invalid value "ten"',
        '{"Type":"syslog","Config":{"syslog-tls-cert":"/c"}}': '"syslog-tls-cert" is not supported by the syslog',
        '{"Type":"syslog","Config":{"syslog-address":"tcp+tls://h:1"}}': "TLS (tcp+tls) is not supported",
        '{"Type":"syslog","Config":{"tag":"{{.Labels}}"}}': '"{{.Labels}}" is not supported',
        '{"Type":"journald","Config":{"env":"A"}}': '"env" is not supported by the journald log driver',
        '{"Type":"fluentd"}': 'log driver "fluentd" is not known',
    }
    for cfg, msg in cases.items():
        p = tool("validate", cfg, check=False)
        assert p.returncode == 1 and msg in p.stderr.decode(), (cfg, p.stderr)
    assert tool("validate", '{"Type":"none"}').returncode == 0


def test_none_writes_nothing(logdir):
    write(logdir, {"Type": "none"}, b"discarded\n")
    assert list(logdir.iterdir()) == []


# ---------------------------------------------------------------- syslog (a real rsyslogd)


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def rsyslog():
    if not os.path.exists(RSYSLOGD):
        pytest.skip("rsyslogd not installed (scripts/install-deps.sh installs rsyslog)")
    d = Path(tempfile.mkdtemp(prefix="berth-rsyslog-"))
    udp, tcp = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    conf = d / "rsyslog.conf"
    conf.write_text(f"""
global(workDirectory="{d}")
module(load="imuxsock" SysSock.Use="off")
module(load="imudp")
module(load="imtcp")
input(type="imuxsock" Socket="{d}/log.sock" CreatePath="on")
input(type="imudp" address="127.0.0.1" port="{udp}")
input(type="imtcp" address="127.0.0.1" port="{tcp}")
template(name="show" type="string"
  string="tag=%syslogtag%|app=%app-name%|fac=%syslogfacility-text%|sev=%syslogseverity-text%|msg=%msg%\\n")
*.* action(type="omfile" file="{d}/out.log" template="show")
""")
    proc = subprocess.Popen([RSYSLOGD, "-n", "-f", str(conf), "-i", str(d / "rsyslogd.pid")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", tcp), timeout=1).close()
                if (d / "log.sock").exists():
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise AssertionError(f"rsyslogd did not start: {proc.stderr.read().decode()}")
            time.sleep(0.05)
        yield {"udp": udp, "tcp": tcp, "unix": d / "log.sock", "out": d / "out.log"}
    finally:
        proc.kill()  # only the rsyslogd this test started
        proc.wait()
        shutil.rmtree(d, ignore_errors=True)


def received(rs, want, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = rs["out"].read_text() if rs["out"].exists() else ""
        got = [x for x in text.splitlines() if want in x]
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"{want!r} not received; got {text!r}")


def syslog_write(logdir, config, data, *extra):
    write(logdir, {"Type": "syslog", "Config": config}, data, "--name", "web", *extra)


def test_syslog_rfc5424_over_tcp_and_udp(rsyslog, logdir):
    syslog_write(logdir, {"syslog-address": f"tcp://127.0.0.1:{rsyslog['tcp']}", "syslog-format": "rfc5424",
                          "syslog-facility": "local4", "tag": "app-{{.Name}}"},
                 b"hello over tcp\nsecond over tcp\n")
    syslog_write(logdir, {"syslog-address": f"udp://127.0.0.1:{rsyslog['udp']}", "syslog-format": "rfc5424micro",
                          "tag": "{{.ID}}"}, b"error over udp\n", "--stderr")
    # rsyslog shows an rfc5424 APP-NAME[PROCID] as the tag, without the rfc3164 colon
    got = received(rsyslog, "hello over tcp")
    assert re.fullmatch(r"tag=app-web\[\d+\]\|app=app-web\|fac=local4\|sev=info\|msg=hello over tcp", got[0])
    received(rsyslog, "second over tcp")  # octet counting kept the two apart
    got = received(rsyslog, "error over udp")
    assert re.fullmatch(r"tag=4f1c2b3a5d6e\[\d+\]\|app=4f1c2b3a5d6e\|fac=daemon\|sev=err\|msg=error over udp", got[0])
    assert list(logdir.iterdir()) == []  # nothing written locally


def test_syslog_rfc3164_and_default_form(rsyslog, logdir):
    syslog_write(logdir, {"syslog-address": f"udp://127.0.0.1:{rsyslog['udp']}", "syslog-format": "rfc3164",
                          "syslog-facility": "mail", "tag": "{{.Name}}/{{.ImageName}}"},
                 b"classic line\n", "--image", "busybox")
    syslog_write(logdir, {"syslog-address": f"tcp://127.0.0.1:{rsyslog['tcp']}", "syslog-format": "rfc3164",
                          "syslog-facility": "user"}, b"tcp newline framed\n", "--stderr")
    syslog_write(logdir, {"syslog-address": f"unix://{rsyslog['unix']}", "syslog-facility": "local7"},
                 b"local socket\n")
    got = received(rsyslog, "classic line")
    assert re.fullmatch(r"tag=web/busybox\[\d+\]:\|app=web\|fac=mail\|sev=info\|msg= ?classic line", got[0])
    got = received(rsyslog, "tcp newline framed")
    assert re.fullmatch(r"tag=4f1c2b3a5d6e\[\d+\]:\|app=4f1c2b3a5d6e\|fac=user\|sev=err\|msg= ?tcp newline framed",
                        got[0])
    got = received(rsyslog, "local socket")
    assert re.fullmatch(r"tag=4f1c2b3a5d6e\[\d+\]:\|app=4f1c2b3a5d6e\|fac=local7\|sev=info\|msg= ?local socket", got[0])


def test_syslog_unreachable_fails_at_open(logdir):
    port = free_port(socket.SOCK_STREAM)
    p = tool("write", str(logdir), ID, json.dumps({"Type": "syslog", "Config": {
        "syslog-address": f"tcp://127.0.0.1:{port}"}}), stdin=b"x\n", check=False)
    assert p.returncode == 1 and "Connection refused" in p.stderr.decode()


# ---------------------------------------------------------------- journald (a test socket)


def test_journald_native_protocol(logdir):
    path = logdir / "journal.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(path))
    s.settimeout(5)
    env = dict(os.environ, BERTH_JOURNAL_SOCKET=str(path))
    try:
        subprocess.run([TOOL, "write", str(logdir), ID, '{"Type":"journald","Config":{"tag":"j-{{.Name}}"}}',
                        "--name", "web", "--image", "busybox:1"], input=b"to journal\nlast", env=env,
                       check=True, timeout=30)
        msgs = [s.recv(65536) for _ in range(2)]
    finally:
        s.close()
    fields = [dict(x.split("=", 1) for x in m.decode().rstrip("\n").split("\n")) for m in msgs]
    assert fields[0]["MESSAGE"] == "to journal" and fields[0]["PRIORITY"] == "6"
    assert fields[0]["CONTAINER_ID"] == ID[:12] and fields[0]["CONTAINER_ID_FULL"] == ID
    assert fields[0]["CONTAINER_NAME"] == "web" and fields[0]["IMAGE_NAME"] == "busybox:1"
    assert fields[0]["CONTAINER_TAG"] == fields[0]["SYSLOG_IDENTIFIER"] == "j-web"
    assert "CONTAINER_PARTIAL_MESSAGE" not in fields[0]
    assert fields[1]["MESSAGE"] == "last" and fields[1]["CONTAINER_PARTIAL_MESSAGE"] == "true"
    env["BERTH_JOURNAL_SOCKET"] = str(logdir / "absent.sock")
    p = subprocess.run([TOOL, "write", str(logdir), ID, '{"Type":"journald"}'], input=b"x\n", env=env,
                       capture_output=True, timeout=30)
    assert p.returncode == 1 and "journald is not running on this host" in p.stderr.decode()
