# SPDX-License-Identifier: Apache-2.0
"""Volumes through `berth run`: named volumes keep data, binds are read-only when asked,
anonymous volumes go with `--rm` and `rm -v`, tmpfs has its size."""
from engine_helpers import engine, image_tar, IMAGE  # noqa: F401 (fixtures)


def test_named_volume_keeps_data(engine):
    engine.ok("run", "--rm", "-v", "data:/data", IMAGE, "sh", "-c", "echo kept > /data/f")
    r = engine.ok("run", "--rm", "-v", "data:/data", IMAGE, "cat", "/data/f")
    assert r.out == "kept\n"
    assert "data" in engine.ok("volume", "ls", "-q").out.split()
    r = engine("volume", "rm", "data")
    assert r.rc == 0, r


def test_bind_read_only_and_mount_flag(engine, tmp_path):
    host = engine.base / "host"
    host.mkdir()
    host.chmod(0o777)
    (host / "in").write_text("from host\n")
    r = engine("run", "--rm", "-v", f"{host}:/h:ro", IMAGE, "sh", "-c", "cat /h/in; touch /h/x")
    assert r.out == "from host\n" and r.rc != 0 and "Read-only file system" in r.err, r
    r = engine("run", "--rm", "--mount", f"type=bind,source={host},target=/m", IMAGE,
               "sh", "-c", "echo w > /m/out")
    assert r.rc == 0 and (host / "out").read_text() == "w\n", r
    r = engine("run", "--rm", "--mount", "type=bind,source=/nonexistent/x,target=/m", IMAGE, "true")
    assert r.rc != 0 and "/nonexistent/x" in r.err


def test_tmpfs_size(engine):
    r = engine.ok("run", "--rm", "--tmpfs", "/scratch:size=1m", IMAGE, "sh", "-c",
                  "df -k /scratch | tail -1; dd if=/dev/zero of=/scratch/f bs=1k count=2048 2>&1; true")
    assert "No space left" in r.out, r
    assert r.out.split("\n")[0].split()[1] == "1024"


def test_anonymous_volumes_go_with_rm(engine):
    engine.ok("run", "--rm", "-v", "/anon", IMAGE, "touch", "/anon/x")
    assert engine.ok("volume", "ls", "-q").out == ""
    engine.ok("run", "--name", "keepvol", "-v", "/anon", IMAGE, "true")
    assert len(engine.ok("volume", "ls", "-q").out.split()) == 1
    engine.ok("rm", "-v", "keepvol")
    assert engine.ok("volume", "ls", "-q").out == ""
    engine.ok("run", "--name", "k2", "-v", "/anon", IMAGE, "true")
    engine.ok("rm", "k2")  # without -v the anonymous volume stays, as Docker
    assert len(engine.ok("volume", "ls", "-q").out.split()) == 1
    engine.ok("volume", "prune", "-f")
    assert engine.ok("volume", "ls", "-q").out == ""


def test_volume_in_use_refused(engine):
    engine.ok("run", "-d", "--name", "user", "-v", "busy:/b", IMAGE, "sleep", "30")
    r = engine("volume", "rm", "busy")
    assert r.rc != 0 and "in use" in r.err, r
