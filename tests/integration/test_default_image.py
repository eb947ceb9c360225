# SPDX-License-Identifier: Apache-2.0
"""The built-in default image (scripts/make-busybox-image.sh → build/busybox-image.tar): `berth
load` gives busybox:latest with Cmd ["sh"], the rootfs it promises, and building it twice gives the
same bytes and the same digests."""
import hashlib
import json
import os
import re
import shutil
import tempfile
import stat
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from engine_helpers import Engine
from test_berth_images import BERTH, Berth

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "make-busybox-image.sh"
BUILT = REPO / "build" / "busybox-image.tar"
APPLETS = ("sh", "ls", "cat", "echo", "id", "true", "false", "sleep", "env", "ps", "top",
           "hostname", "mkdir", "rm", "chroot", "httpd", "wget", "dd", "head", "tail", "grep",
           "date", "touch", "stat", "mount", "umount", "kill", "nc")


def make_image(out, rootfs=None, umask=0o022, tmpdir=None):
    env = dict(os.environ)
    if tmpdir:
        env["TMPDIR"] = str(tmpdir)
    args = [str(SCRIPT), str(out)] + ([str(rootfs)] if rootfs else [])
    subprocess.run(args, check=True, capture_output=True, timeout=120, env=env,
                   preexec_fn=lambda: os.umask(umask))


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def image(tmp_path):
    out = tmp_path / "busybox-image.tar"
    make_image(out, tmp_path / "rootfs.tar")
    return out


@pytest.fixture
def berth(tmp_path):
    b = Berth(tmp_path / "data")
    yield b
    shutil.rmtree(b.root, ignore_errors=True)


def inspect(berth, ref="busybox"):
    return json.loads(berth("image", "inspect", ref).stdout)[0]


def test_load_gives_busybox_latest(berth, image):
    r = berth("load", "-i", str(image))
    assert "busybox:latest" in r.stdout
    listing = berth("images").stdout.splitlines()
    assert any(line.split()[:2] == ["busybox", "latest"] for line in listing), listing
    info = inspect(berth)
    assert info["RepoTags"] == ["docker.io/library/busybox:latest"]
    assert info["Config"]["Cmd"] == ["sh"]
    assert any(e.startswith("PATH=") and "/bin" in e[5:].split(":")
               for e in info["Config"]["Env"]), info["Config"]
    assert info["Os"] == "linux"
    assert len(info["RootFS"]["Layers"]) == 1
    # The OCI archive keeps its manifest: berth's manifest digest is the archive's.
    index = json.loads(tarfile.open(image).extractfile("index.json").read())
    assert info["ManifestDigest"] == index["manifests"][0]["digest"]


def test_rootfs_contents(image, tmp_path):
    tf = tarfile.open(tmp_path / "rootfs.tar")
    members = {m.name.rstrip("/"): m for m in tf.getmembers()}
    names = list(m.name for m in tf.getmembers())
    assert names == sorted(names), "entries are not sorted"
    assert all(m.uid == 0 and m.gid == 0 for m in members.values())
    assert len({m.mtime for m in members.values()}) == 1
    bb = members["bin/busybox"]
    assert bb.isreg() and bb.mode & 0o777 == 0o755
    assert tf.extractfile(bb).read() == Path("/bin/busybox").read_bytes()
    for a in APPLETS:
        m = members.get("bin/" + a)
        assert m is not None and m.issym() and m.linkname == "busybox", a
    assert members["tmp"].isdir() and members["tmp"].mode & 0o7777 == 0o1777
    assert members["root"].isdir() and members["root"].mode & 0o777 == 0o700
    assert members["home"].isdir()
    passwd = tf.extractfile("etc/passwd").read().decode()
    users = {line.split(":")[0]: line.split(":") for line in passwd.splitlines()}
    assert users["root"][2:4] == ["0", "0"]
    assert users["nobody"][2:4] == ["65534", "65534"]
    assert any(int(u[2]) >= 1000 and int(u[2]) < 65534 for u in users.values()), passwd
    groups = tf.extractfile("etc/group").read().decode()
    assert {"root", "nobody"} <= {line.split(":")[0] for line in groups.splitlines()}
    assert "probe" not in members and "bin/probe" not in members


def test_loaded_layer_is_unpacked(berth, image):
    berth("load", "-i", str(image))
    found = []
    for dirpath, _, files in os.walk(berth.root / "snapshots"):
        if "busybox" in files and dirpath.endswith("/bin"):
            found.append(Path(dirpath).parent)
    assert found, "no snapshot holds bin/busybox"
    rootfs = found[0]
    assert os.readlink(rootfs / "bin" / "sh") == "busybox"
    assert stat.S_IMODE(os.lstat(rootfs / "tmp").st_mode) == 0o1777
    out = subprocess.run([str(rootfs / "bin" / "busybox"), "echo", "ok"], capture_output=True,
                         text=True, timeout=30)
    assert out.stdout == "ok\n"


def test_reproducible(berth, tmp_path, image):
    # Another second, umask and temp dir: the same bytes all the same.
    time.sleep(1.1)
    other_tmp = tmp_path / "other-tmp"
    other_tmp.mkdir()
    second = tmp_path / "second.tar"
    make_image(second, tmp_path / "rootfs2.tar", umask=0o077, tmpdir=other_tmp)
    assert sha256(image) == sha256(second)
    assert sha256(tmp_path / "rootfs.tar") == sha256(tmp_path / "rootfs2.tar")
    assert os.listdir(other_tmp) == [], "the script left temp files"
    # Loaded into two stores, the same image ID and manifest digest.
    other = Berth(tmp_path / "data2")
    try:
        berth("load", "-i", str(image))
        other("load", "-i", str(second))
        a, b = inspect(berth), inspect(other)
        assert a["Id"] == b["Id"] and a["ManifestDigest"] == b["ManifestDigest"]
    finally:
        shutil.rmtree(other.root, ignore_errors=True)
    # `make all` builds the same archive.
    if BUILT.exists():
        assert sha256(BUILT) == sha256(image)


def test_refuses_dynamic_busybox(tmp_path):
    env = dict(os.environ, BUSYBOX="/bin/ls")
    r = subprocess.run([str(SCRIPT), str(tmp_path / "x.tar")], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode != 0 and "busybox" in r.stderr
    assert not (tmp_path / "x.tar").exists()


@pytest.mark.skipif(not shutil.which("podman"), reason="podman not installed")
def test_podman_loads_it(image, tmp_path):
    # podman's --runroot must be short (50 characters)
    run = Path(subprocess.run(["mktemp", "-d", "/tmp/bbp.XXXXXX"], check=True, capture_output=True,
                              text=True).stdout.strip())
    root = tmp_path / "podman"
    base = ["podman", "--root", str(root), "--runroot", str(run), "--storage-driver", "vfs"]
    try:
        subprocess.run(base + ["load", "-i", str(image)], check=True, capture_output=True,
                       timeout=120)
        out = subprocess.run(base + ["image", "inspect", "docker.io/library/busybox:latest"],
                             check=True, capture_output=True, text=True, timeout=60).stdout
        assert json.loads(out)[0]["Config"]["Cmd"] == ["sh"]
    finally:
        subprocess.run(base + ["system", "reset", "-f"], capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(run, ignore_errors=True)


@pytest.fixture
def run_root():
    """A data root for containers; whatever a failed test left running is removed.  Not under
    pytest's 0700 tmp_path: a container's remapped root must be able to reach its rootfs."""
    base = Path(tempfile.mkdtemp(prefix="berth-demo-", dir="/tmp"))
    base.chmod(0o711)
    # engine_helpers' data root: a cgroup parent of its own (not the default "berth"), and
    # its cleanup (containers, mounts, those cgroups, the directory)
    eng = Engine(base)
    yield Berth(eng.root, env=eng.env)
    eng.cleanup()


def test_run_default_image(run_root, image):
    run_root("load", "-i", str(image))
    r = run_root("run", "--rm", "busybox", "sh", "-c",
                 "id -u; grep ^nobody: /etc/passwd; stat -c %a /tmp; echo $PATH")
    uid, nobody, tmp_mode, path = r.stdout.split("\n")[:4]
    assert uid == "0" and nobody.split(":")[2] == "65534" and tmp_mode == "1777"
    assert "/bin" in path.split(":")
    # Cmd ["sh"] is the default: with no command, sh reads its script from stdin.
    r = subprocess.run([BERTH, "--root", str(run_root.root), "run", "--rm", "-i", "busybox"],
                       input="echo from-default-cmd\n", capture_output=True, text=True,
                       timeout=60, env=run_root.env)
    assert r.returncode == 0 and r.stdout == "from-default-cmd\n", r.stderr


def test_run_demo(run_root):
    """`make run`'s script: loads the image into an empty root, shows isolation and limits."""
    env = dict(run_root.env, BERTH_ROOT=str(run_root.root), BERTH=BERTH)
    r = subprocess.run([str(REPO / "scripts" / "run-demo.sh")], capture_output=True, text=True,
                       timeout=120, env=env)
    out = r.stdout
    assert r.returncode == 0, out + r.stderr
    assert "loading the built-in image" in out
    assert "id:             uid=0(root)" in out
    host_uid = re.search(r"host uid:\s+(\d+)", out).group(1)
    assert host_uid != "0", "container root is host root: no user namespace"
    assert "hostname:       berth-demo" in out
    assert re.search(r"NoNewPrivs:\s+1", out) and re.search(r"Seccomp:\s+2", out), out
    assert re.search(r"memory limit:\s+67108864 bytes", out), out
    assert re.search(r"pids limit:\s+64 ", out), out
    assert re.search(r"^\s+1 root\s+sh$", out, re.M), out
    assert re.search(r"CapEff:\s+[0-9a-f]{16}  ", out), out
    assert "sys_admin" not in re.search(r"CapEff:.*", out).group(0)
    # The second time the image is there already.
    r = subprocess.run([str(REPO / "scripts" / "run-demo.sh")], capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 0 and "loading" not in r.stdout, r.stdout + r.stderr
