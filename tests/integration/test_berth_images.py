# SPDX-License-Identifier: Apache-2.0
"""`berth` image commands end to end: an image built locally as an OCI layout, copied into a
real registry (Debian's docker-registry) by skopeo, pulled by berth, listed, inspected, tagged,
removed; its unpacked layers compared with `umoci unpack` of the same image."""
import hashlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from oci_images import busybox_layer, oci_layout, tar_layer
from registry_helpers import registry, workdir  # noqa: F401 (fixtures)

REPO = Path(__file__).resolve().parents[2]
BERTH = os.environ.get("BERTH", str(REPO / "build" / "berth"))

pytestmark = pytest.mark.skipif(not shutil.which("skopeo"), reason="skopeo not installed")


class Berth:
    def __init__(self, root, env=None):
        self.root = root
        self.env = env  # for every call that names none

    def __call__(self, *args, check=True, env=None):
        r = subprocess.run([BERTH, "--root", str(self.root), *args], capture_output=True,
                           text=True, timeout=120, env=env or self.env)
        if check:
            assert r.returncode == 0, f"berth {' '.join(args)}: {r.returncode}\n{r.stdout}\n{r.stderr}"
        return r


@pytest.fixture
def berth(tmp_path):
    root = tmp_path / "data"
    yield Berth(root)
    # Overlay snapshots of containers are not mounted by these tests: removing the tree suffices.
    shutil.rmtree(root, ignore_errors=True)


def push_layout(layout, tag, registry, name):
    subprocess.run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false",
                    f"oci:{layout}:{tag}", f"docker://{registry.host}/{name}"],
                   check=True, capture_output=True, timeout=120)


def two_layer_image(d):
    layout = d / "layout"
    top = tar_layer([("etc/motd", "file", b"hello from layer 2\n", 0o644),
                     ("bin/.wh.cat", "file", b"", 0o644),
                     ("opt", "dir", None, 0o755),
                     ("opt/tool", "file", b"#!/bin/sh\necho tool\n", 0o4755),
                     ("opt/link", "symlink", "tool", 0o777),
                     ("opt/hard", "hardlink", "opt/tool", 0o4755)])
    digest = oci_layout(layout, "v1", [busybox_layer(), top],
                        config={"Entrypoint": ["/bin/sh"], "Cmd": ["-c", "echo hi"],
                                "Env": ["PATH=/bin", "A=1"], "User": "www",
                                "WorkingDir": "/opt", "Labels": {"k": "v"}})
    return layout, digest


def tree(root):
    """Path -> (type, mode, uid, gid, content hash or link target), without following links."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if stat.S_ISLNK(st.st_mode):
                what = ("link", os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                what = ("file", hashlib.sha256(open(p, "rb").read()).hexdigest())
            elif stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
                what = ("whiteout", None)
            else:
                what = ("dir" if stat.S_ISDIR(st.st_mode) else "other", None)
            out[rel] = (what, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
    return out


def test_pull_list_inspect_tag_rmi(berth, registry, tmp_path):
    layout, manifest = two_layer_image(tmp_path)
    push_layout(layout, "v1", registry, "test/app:v1")
    ref = f"{registry.host}/test/app:v1"
    r = berth("pull", ref)
    assert "Pull complete" in r.stdout and f"Digest: {manifest}" in r.stdout, r.stdout
    # Pulling again downloads nothing.
    r = berth("pull", ref)
    assert "Already exists" in r.stdout, r.stdout
    out = berth("images").stdout.splitlines()
    assert out[0].split()[:3] == ["REPOSITORY", "TAG", "IMAGE"]
    assert any(l.split()[:2] == [f"{registry.host}/test/app", "v1"] for l in out[1:]), out
    ids = berth("images", "-q").stdout.split()
    assert len(ids) == 1 and len(ids[0]) == 12
    info = json.loads(berth("image", "inspect", ref).stdout)[0]
    assert info["Config"]["User"] == "www" and info["Config"]["Entrypoint"] == ["/bin/sh"]
    assert info["RepoTags"] == [ref] and len(info["RootFS"]["Layers"]) == 2
    assert info["RepoDigests"] == [f"{registry.host}/test/app@{manifest}"]
    berth("tag", ref, "local/app:latest")
    assert len(berth("images").stdout.splitlines()) == 3
    r = berth("rmi", "local/app:latest")
    assert "Untagged" in r.stdout
    r = berth("rmi", ref)
    assert "Deleted" in r.stdout
    assert berth("images", "-q").stdout.strip() == ""
    # Nothing left behind but the empty layout: blobs and snapshots are collected.
    assert not os.listdir(berth.root / "blobs" / "sha256")
    assert [p for p in os.listdir(berth.root / "snapshots") if not p.startswith(".")] == []


def test_pulled_layers_match_umoci(berth, registry, tmp_path):
    if not shutil.which("umoci"):
        pytest.skip("umoci not installed")
    layout, _ = two_layer_image(tmp_path)
    push_layout(layout, "v1", registry, "test/app:v1")
    env = dict(os.environ, BERTH_STORAGE_DRIVER="vfs")  # vfs: each snapshot is the whole tree
    berth("pull", f"{registry.host}/test/app:v1", env=env)
    info = json.loads(berth("image", "inspect", f"{registry.host}/test/app:v1").stdout)[0]
    chain = info["RootFS"]["Layers"]
    top = hashlib.sha256(f"{chain[0]} {chain[1]}".encode()).hexdigest()
    mine = berth.root / "snapshots" / top / "fs"
    bundle = tmp_path / "bundle"
    subprocess.run(["umoci", "unpack", "--image", f"{layout}:v1", str(bundle)], check=True,
                   capture_output=True, timeout=120)
    theirs = tree(bundle / "rootfs")
    ours = tree(mine)
    assert ours == theirs, {k: (ours.get(k), theirs.get(k)) for k in set(ours) | set(theirs)
                            if ours.get(k) != theirs.get(k)}


def test_pull_unknown_image_fails_cleanly(berth, registry):
    r = berth("pull", f"{registry.host}/nope/none:v1", check=False)
    assert r.returncode != 0 and "nope/none" in r.stderr, r.stderr
    assert berth("images", "-q").stdout.strip() == ""


def test_bad_reference_refused(berth):
    r = berth("pull", "Busybox", check=False)
    assert r.returncode != 0 and "invalid reference" in r.stderr, r.stderr


def test_info_reports_driver_and_root(berth):
    out = berth("info").stdout
    assert "Storage Driver: " in out and f"Data Root: {berth.root}" in out, out


def test_images_filters(berth, registry, tmp_path):
    layout, _ = two_layer_image(tmp_path)
    push_layout(layout, "v1", registry, "test/app:v1")
    berth("pull", "-q", f"{registry.host}/test/app:v1")
    berth("tag", f"{registry.host}/test/app:v1", "local/other:1")

    def rows(*args):
        return berth("images", *args).stdout.splitlines()[1:]

    assert [r.split()[:2] for r in rows("--filter", "reference=local/*")] == [["local/other", "1"]]
    assert [r.split()[:2] for r in rows("local/other")] == [["local/other", "1"]]
    assert len(rows("--filter", "label=k=v")) == 2 and len(rows("--filter", "label=k")) == 2
    assert rows("--filter", "label=k=nope") == []
    assert rows("--filter", "dangling=true") == []
    r = berth("images", "--filter", "colour=red", check=False)
    assert r.returncode != 0 and "unknown filter" in r.stderr
    r = berth("images", "--filter", "before=nosuchimage", check=False)
    assert r.returncode != 0 and "no such image" in r.stderr


def store_listing(root):
    """Every file under the data root with its content hash (locks and tmp/ aside)."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            if rel.startswith("tmp") or name.endswith("lock"):
                continue
            out[rel] = hashlib.sha256(open(p, "rb").read()).hexdigest() if os.path.isfile(p) else None
    return out


def test_tampered_layer_leaves_store_unchanged(berth, registry, tmp_path):
    from registry_helpers import Proxy
    layout, _ = two_layer_image(tmp_path)
    push_layout(layout, "v1", registry, "test/app:v1")
    # A first image in the store, so "unchanged" has something to compare.
    other = tmp_path / "other"
    oci_layout(other, "v1", [busybox_layer()])
    push_layout(other, "v1", registry, "test/base:v1")
    berth("pull", "-q", f"{registry.host}/test/base:v1")
    before = store_listing(berth.root)
    idx = json.load(open(layout / "index.json"))
    man = json.load(open(layout / "blobs" / "sha256" / idx["manifests"][0]["digest"][7:]))
    top = man["layers"][1]["digest"]
    proxy = Proxy(registry.host)
    try:
        proxy.tamper[f"/v2/test/app/blobs/{top}"] = b"\x1f\x8b" + b"\0" * (man["layers"][1]["size"] - 2)
        r = berth("pull", f"{proxy.host}/test/app:v1", check=False)
    finally:
        proxy.close()
    assert r.returncode != 0 and top[7:19] in r.stderr or "digest" in r.stderr, r.stderr
    assert store_listing(berth.root) == before


def test_image_prune_and_system_df(berth, registry, tmp_path):
    layout, _ = two_layer_image(tmp_path)
    push_layout(layout, "v1", registry, "test/app:v1")
    other = tmp_path / "other"
    oci_layout(other, "v1", [busybox_layer()])
    push_layout(other, "v1", registry, "test/base:v1")
    berth("pull", "-q", f"{registry.host}/test/app:v1")
    berth("pull", "-q", f"{registry.host}/test/base:v1")
    df = berth("system", "df").stdout.splitlines()
    assert df[0].split()[:2] == ["TYPE", "TOTAL"] and df[1].split()[:2] == ["Images", "2"], df
    # Untagging the base image makes it dangling: prune removes it and what only it used.
    before_blobs = set(os.listdir(berth.root / "blobs" / "sha256"))
    berth("image", "rm", f"{registry.host}/test/base:v1")
    r = berth("image", "prune")
    assert "Total reclaimed" in r.stdout
    assert len(berth("images", "-q").stdout.split()) == 1
    after_blobs = set(os.listdir(berth.root / "blobs" / "sha256"))
    assert after_blobs < before_blobs
    # prune -a removes every image; nothing is left.
    berth("image", "prune", "-a")
    assert berth("images", "-q").stdout.strip() == ""
    assert not os.listdir(berth.root / "blobs" / "sha256")


def test_pull_progress_on_a_terminal(berth, registry, tmp_path):
    # On a terminal: one line per layer redrawn in place (ANSI), with a bar and sizes.
    import pty
    layout, _ = two_layer_image(tmp_path)
    push_layout(layout, "v1", registry, "test/app:v1")
    master, slave = pty.openpty()
    p = subprocess.Popen([BERTH, "--root", str(berth.root), "pull", f"{registry.host}/test/app:v1"],
                         stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert p.wait(timeout=60) == 0, out
    text = out.decode(errors="replace")
    assert "\x1b[" in text, text                   # redrawn in place
    assert "Pull complete" in text and "Digest: sha256:" in text, text
    assert "MB" in text or "kB" in text, text      # sizes in Docker's units
