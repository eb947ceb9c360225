# SPDX-License-Identifier: Apache-2.0
"""berth create / inspect / ps / rm: the container records."""
import tempfile
from pathlib import Path

from engine_helpers import Engine, engine, image_tar, IMAGE  # noqa: F401 (fixtures)


def test_create_inspect_ps_rm(engine):
    cid = engine.ok("create", "--name", "web", IMAGE, "echo", "hi").out.strip()
    assert len(cid) == 64
    obj = engine.inspect("web")
    assert obj["Id"] == cid and obj["Name"] == "/web"
    assert obj["Path"] == "echo" and obj["Args"] == ["hi"]
    assert obj["State"]["Status"] == "created"
    assert obj["Config"]["Image"] == IMAGE
    assert "PATH=/usr/sbin:/usr/bin:/sbin:/bin" in obj["Config"]["Env"]
    assert obj["Config"]["Hostname"] == cid[:12]
    assert engine.inspect(cid[:5])["Id"] == cid
    assert engine.ok("inspect", "-f", "{{.State.Status}} {{.Name}}", "web").out == "created /web\n"
    ps = engine.ok("ps", "-a").out.splitlines()
    assert ps[0].startswith("CONTAINER ID") and cid[:12] in ps[1] and "Created" in ps[1]
    assert engine.ok("ps", "-q").out == ""
    assert engine.ok("ps", "-aq").out.split() == [cid[:12]]
    assert engine.ok("rm", "web").out.strip() == "web"
    assert engine("inspect", cid).rc != 0


def test_name_conflict_leaves_first(engine):
    cid = engine.ok("create", "--name", "x1", IMAGE).out.strip()
    r = engine("create", "--name", "x1", IMAGE)
    assert r.rc != 0 and 'The container name "/x1" is already in use by container' in r.err
    assert engine.ok("ps", "-aq", "--no-trunc").out.split() == [cid]


def test_bad_input(engine):
    r = engine("create", "--bogus", IMAGE)
    assert r.rc != 0 and "unknown flag" in r.err
    r = engine("create", "--name", "bad name", IMAGE)
    assert r.rc != 0 and "Invalid container name" in r.err
    r = engine("create", "--pull", "never", "nosuch:image") if False else engine("inspect", "nosuch")
    assert r.rc != 0 and "No such object: nosuch" in r.err
    assert engine.ok("ps", "-aq").out == ""


def test_conf_storage_driver_and_defaults(image_tar):
    """berth.conf's storage_driver chooses the driver of a new data root; its limits are the
    defaults every container gets and `inspect` reports."""
    base = Path(tempfile.mkdtemp(prefix="berth-eng-", dir="/tmp"))
    base.chmod(0o711)
    e = Engine(base)
    e.conf.write_text(e.conf.read_text() + "storage_driver = vfs\nmemory = 96m\n"
                      "pids_limit = 77\ncpu_shares = 300\nulimit = nofile=100:200\n")
    e.env.pop("BERTH_STORAGE_DRIVER", None)
    try:
        e.ok("load", "-i", image_tar)
        assert (e.root / "driver").read_text().strip() == "vfs"
        assert "Storage Driver: vfs" in e.ok("info").out
        e.ok("create", "--name", "lim", IMAGE)
        hc = e.inspect("lim")["HostConfig"]
        assert hc["Memory"] == 96 << 20 and hc["PidsLimit"] == 77 and hc["CpuShares"] == 300
        assert {"Name": "nofile", "Soft": 100, "Hard": 200} in hc["Ulimits"]
        r = e("run", "--rm", IMAGE, "sh", "-c", "ulimit -n; cat /proc/self/uid_map")
        assert r.rc == 0 and r.out.split()[0] == "100", r
    finally:
        assert not e.cleanup()
