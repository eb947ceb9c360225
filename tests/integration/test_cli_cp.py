# SPDX-License-Identifier: Apache-2.0
"""berth cp and export: both ways, tar streams, stopped containers, and symlink safety."""
import io
import os
import tarfile

from engine_helpers import engine, image_tar, IMAGE  # noqa: F401 (fixtures)

# With the default user namespace: ownership crosses the id mapping both ways.


def mounted(engine, cid):
    root = f"{engine.root}/containers/{cid}/rootfs"
    return any(l.split()[4] == root for l in open("/proc/self/mountinfo"))


def test_cp_both_ways_running(engine, tmp_path):
    engine.ok("run", "-d", "--name", "c1", IMAGE, "sleep", "1000")
    engine.wait_status("c1", "running")
    uid_map = open(f"/proc/{engine.state('c1')['Pid']}/uid_map").read().split()
    assert uid_map[:2] != ["0", "0"], uid_map  # the mapping is what this test crosses
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "f").write_text("data")
    os.symlink("/etc/passwd", src / "lnk")
    os.chown(src / "sub" / "f", 1234, 1234)
    engine.ok("cp", src, "c1:/var/tmp")
    assert engine.ok("exec", "c1", "cat", "/var/tmp/src/sub/f").out == "data"
    # without -a: owned by the container's root; with -a: the source's ids
    assert engine.ok("exec", "c1", "stat", "-c", "%u", "/var/tmp/src/sub/f").out == "0\n"
    engine.ok("cp", "-a", src / "sub" / "f", "c1:/var/tmp/kept")
    assert engine.ok("exec", "c1", "stat", "-c", "%u", "/var/tmp/kept").out == "1234\n"
    assert engine.ok("exec", "c1", "readlink", "/var/tmp/src/lnk").out == "/etc/passwd\n"
    # a file to a new name; directory contents with "/."
    engine.ok("cp", src / "sub" / "f", "c1:/var/tmp/renamed")
    assert engine.ok("exec", "c1", "cat", "/var/tmp/renamed").out == "data"
    out = tmp_path / "out"
    engine.ok("cp", "c1:/var/tmp/src/.", out)
    assert (out / "sub" / "f").read_text() == "data" and os.readlink(out / "lnk") == "/etc/passwd"
    engine.ok("cp", "c1:/etc/passwd", tmp_path)
    assert (tmp_path / "passwd").read_text().startswith("root:x:0:0")
    # -L follows a symlink that is the source
    engine.ok("exec", "c1", "ln", "-s", "/etc/group", "/var/tmp/g")
    engine.ok("cp", "c1:/var/tmp/g", tmp_path / "nolink")
    assert os.path.islink(tmp_path / "nolink")
    engine.ok("cp", "-L", "c1:/var/tmp/g", tmp_path / "followed")
    assert (tmp_path / "followed").read_text().startswith("root:x:0:")
    r = engine("cp", "c1:/nonexistent", tmp_path)
    assert r.rc != 0 and "Could not find the file /nonexistent in container c1" in r.err
    r = engine("cp", "c1:/etc", tmp_path / "passwd")
    assert r.rc != 0 and "cannot copy a directory to a file" in r.err


def test_cp_tar_streams(engine, tmp_path):
    engine.ok("create", "--name", "c2", IMAGE, "true")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("dir/hello")
        info.size = 5
        info.uid = 42
        tf.addfile(info, io.BytesIO(b"world"))
    engine.ok("cp", "-", "c2:/var/tmp", input=buf.getvalue())
    r = engine("cp", "c2:/var/tmp/dir", "-", input=b"")
    assert r.rc == 0
    with tarfile.open(fileobj=io.BytesIO(r.out)) as tf:
        names = tf.getnames()
        member = tf.getmember("dir/hello")
        assert tf.extractfile(member).read() == b"world" and member.uid == 0
    assert names[0] == "dir" and "dir/hello" in names
    r = engine("cp", "-", "c2:/etc/passwd", input=buf.getvalue())
    assert r.rc != 0 and b"not a directory" in r.err
    # create leaves the root mounted; cp leaves it as it was


def test_cp_symlinks_stay_inside_the_container(engine, tmp_path):
    """CVE-2018-15664: a symlink in the container pointing at /etc resolves in the container."""
    engine.ok("run", "--name", "evil", IMAGE, "sh", "-c",
              "ln -s /etc /escape; ln -s ../../../../../../etc /rel; mkdir /d; "
              "ln -s /etc/passwd /d/pw")
    engine.wait_status("evil", "exited")
    host_before = open("/etc/passwd").read()
    payload = tmp_path / "berth-cp-probe"
    payload.write_text("owned\n")
    engine.ok("cp", payload, "evil:/escape/")
    engine.ok("cp", payload, "evil:/rel/berth-cp-probe2")
    assert not os.path.exists("/etc/berth-cp-probe") and not os.path.exists(
        "/etc/berth-cp-probe2")
    # both landed in the container's /etc
    out = tmp_path / "back"
    engine.ok("cp", "evil:/etc/berth-cp-probe", out)
    assert out.read_text() == "owned\n"
    # reading through the symlinks gives the container's files, never the host's
    engine.ok("cp", "evil:/escape/passwd", tmp_path / "pw")
    assert (tmp_path / "pw").read_text() != host_before
    assert "www:x:33" in (tmp_path / "pw").read_text()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("passwd")
        info.size = 4
        tf.addfile(info, io.BytesIO(b"pwn\n"))
    engine.ok("cp", "-", "evil:/escape", input=buf.getvalue())
    assert open("/etc/passwd").read() == host_before
    # a tar entry that goes through the container's symlink is refused, not followed
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("d/pw")
        info.size = 4
        tf.addfile(info, io.BytesIO(b"pwn\n"))
        info = tarfile.TarInfo("escape/shadow-probe")
        info.size = 4
        tf.addfile(info, io.BytesIO(b"pwn\n"))
    engine("cp", "-", "evil:/", input=buf.getvalue())
    assert not os.path.exists("/etc/shadow-probe")
    assert open("/etc/passwd").read() == host_before


def test_export(engine, tmp_path):
    engine.ok("run", "--name", "ex", IMAGE, "sh", "-c", "echo mark > /var/tmp/mark")
    engine.wait_status("ex", "exited")
    out = tmp_path / "ex.tar"
    engine.ok("export", "-o", out, "ex")
    with tarfile.open(out) as tf:
        names = tf.getnames()
        assert "var/tmp/mark" in names and "probe" in names and "bin/sh" in names
        assert tf.extractfile("var/tmp/mark").read() == b"mark\n"
    r = engine("export", "ex", input=b"")
    assert r.rc == 0 and len(r.out) > 10240
    assert not mounted(engine, engine.inspect("ex")["Id"])
    assert "No such container" in engine("export", "-o", out, "nosuch").err
