# SPDX-License-Identifier: Apache-2.0
"""`berth save/load/import/history/system df`: archives checked by skopeo and podman, archives
made by podman loaded, hostile archives refused with the store left as it was."""
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from oci_images import busybox_layer, oci_layout, tar_layer
from registry_helpers import registry, workdir  # noqa: F401 (fixtures)
from test_berth_images import Berth, push_layout, tree

pytestmark = pytest.mark.skipif(not shutil.which("skopeo"), reason="skopeo not installed")


def make_berth(path):
    return Berth(path)


@pytest.fixture
def berth(tmp_path):
    b = Berth(tmp_path / "data")
    yield b
    shutil.rmtree(b.root, ignore_errors=True)


def pulled(berth, registry, tmp_path, name="test/bb:v1", extra=None):
    layout = tmp_path / ("layout-" + name.replace("/", "_").replace(":", "_"))
    layers = [busybox_layer()] + ([tar_layer(extra)] if extra else [])
    oci_layout(layout, "t", layers)
    push_layout(layout, "t", registry, name)
    ref = f"{registry.host}/{name}"
    berth("pull", "-q", ref)
    return ref


def state(berth):
    """Everything a listing shows, plus the store files (tmp/ aside)."""
    files = {}
    for sub in ("blobs", "images", "snapshots"):
        for dirpath, dirs, names in os.walk(berth.root / sub):
            for n in dirs + names:
                files[os.path.relpath(os.path.join(dirpath, n), berth.root)] = True
    tags = (berth.root / "tags.json").read_bytes() if (berth.root / "tags.json").exists() else b""
    return berth("images", "--no-trunc").stdout, sorted(files), tags


def snapshot_trees(berth):
    out = {}
    for d in sorted(os.listdir(berth.root / "snapshots")):
        p = berth.root / "snapshots" / d
        for sub in ("diff", "fs"):
            if (p / sub).is_dir():
                out[d] = tree(p / sub)
    return out


def ids_and_tags(berth):
    rows = [l.split() for l in berth("images", "--no-trunc").stdout.splitlines()[1:]]
    return sorted((r[0], r[1], r[2]) for r in rows)


# --- save -------------------------------------------------------------------

def test_save_docker_archive_read_by_skopeo_and_podman(berth, registry, tmp_path):
    ref = pulled(berth, registry, tmp_path)
    out = tmp_path / "img.tar"
    berth("save", "-o", str(out), ref)
    info = json.loads(subprocess.run(["skopeo", "inspect", f"docker-archive:{out}"], check=True,
                                     capture_output=True, text=True, timeout=60).stdout)
    assert len(info["Layers"]) == 1
    subprocess.run(["skopeo", "copy", "--quiet", f"docker-archive:{out}", f"oci:{tmp_path}/oci:x"],
                   check=True, capture_output=True, timeout=60)
    assert (tmp_path / "oci" / "index.json").exists()
    with Podman(tmp_path / "podman") as p:
        r = p("load", "-i", str(out))
        assert "test/bb:v1" in r.stdout + r.stderr
        r = p("run", "--rm", "--runtime", "/usr/bin/runc", f"{registry.host}/test/bb:v1",
              "echo", "marker-42")
        assert "marker-42" in r.stdout


def test_save_oci_archive_read_by_skopeo(berth, registry, tmp_path):
    ref = pulled(berth, registry, tmp_path)
    out = tmp_path / "img-oci.tar"
    berth("save", "--format", "oci", "-o", str(out), ref)
    info = json.loads(subprocess.run(["skopeo", "inspect", f"oci-archive:{out}"], check=True,
                                     capture_output=True, text=True, timeout=60).stdout)
    assert len(info["Layers"]) == 1
    # Blobs are copied as stored: the manifest digest is the pulled one.
    mine = json.loads(berth("image", "inspect", ref).stdout)[0]
    assert info["Digest"] in mine["RepoDigests"][0]


@pytest.mark.parametrize("fmt", ["docker", "oci"])
def test_save_several_load_into_fresh_root(berth, registry, tmp_path, fmt):
    a = pulled(berth, registry, tmp_path, "test/a:v1")
    b = pulled(berth, registry, tmp_path, "test/b:v2", extra=[("etc/motd", "file", b"hi\n", 0o644)])
    berth("tag", b, "local/b:extra")
    out = tmp_path / "many.tar"
    berth("save", "--format", fmt, "-o", str(out), a, b, "local/b:extra")
    fresh = Berth(tmp_path / "fresh")
    try:
        r = fresh("load", "-i", str(out))
        assert r.stdout.count("Loaded image: ") == 3, r.stdout
        assert ids_and_tags(fresh) == ids_and_tags(berth)
        assert snapshot_trees(fresh) == snapshot_trees(berth)
        if fmt == "oci":  # blobs as stored: the same rows (order follows load time)
            assert sorted(state(fresh)[0].splitlines()) == sorted(state(berth)[0].splitlines())
        # Loading again changes nothing.
        before = state(fresh)
        fresh("load", "-i", str(out))
        assert sorted(state(fresh)[0].splitlines()) == sorted(before[0].splitlines())
    finally:
        shutil.rmtree(fresh.root, ignore_errors=True)


# --- podman's archives --------------------------------------------------------

class Podman:
    def __init__(self, _unused):
        # podman refuses a runroot longer than 50 characters: a short private dir
        self.d = Path(tempfile.mkdtemp(prefix="bp-", dir="/tmp"))

    def __enter__(self):
        for s in ("root", "runroot", "tmp"):
            (self.d / s).mkdir(parents=True, exist_ok=True)
        return self

    def __call__(self, *args, check=True):
        base = ["podman", "--root", str(self.d / "root"), "--runroot", str(self.d / "runroot"),
                "--tmpdir", str(self.d / "tmp"), "--storage-driver", "vfs",
                "--cgroup-manager", "cgroupfs", "--events-backend", "file"]
        if args and args[0] == "run":
            args = ("run", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768",
                    *args[1:])
        r = subprocess.run(base + list(args), capture_output=True, text=True, timeout=180)
        if check:
            assert r.returncode == 0, f"podman {args}: {r.stdout}\n{r.stderr}"
        return r

    def __exit__(self, *exc):
        self("rm", "-af", check=False)
        self("rmi", "-af", check=False)
        subprocess.run(["umount", "-R", str(self.d / "runroot")], capture_output=True)
        shutil.rmtree(self.d, ignore_errors=True)


@pytest.mark.skipif(not shutil.which("podman"), reason="podman not installed")
@pytest.mark.parametrize("fmt", ["docker-archive", "oci-archive"])
def test_load_podman_save(berth, registry, tmp_path, fmt):
    layout = tmp_path / "layout"
    oci_layout(layout, "t", [busybox_layer(), tar_layer([("etc/motd", "file", b"m\n", 0o644)])])
    push_layout(layout, "t", registry, "test/pod:v1")
    ref = f"{registry.host}/test/pod:v1"
    out = tmp_path / "pod.tar"
    with Podman(tmp_path / "podman") as p:
        p("pull", "--tls-verify=false", ref)
        p("save", "--format", fmt, "-o", str(out), ref)
    r = berth("load", "-i", str(out))
    assert "Loaded image" in r.stdout
    berth("pull", "-q", ref)  # the same image straight from the registry
    rows = berth("images", "--no-trunc").stdout.splitlines()[1:]
    assert len({l.split()[2] for l in rows}) == 1, rows  # one image ID: the same config
    assert any(l.split()[:2] == [f"{registry.host}/test/pod", "v1"] for l in rows), rows


# --- hostile archives ---------------------------------------------------------

def add(tf, name, data, typ=tarfile.REGTYPE):
    ti = tarfile.TarInfo(name)
    ti.type, ti.size = typ, len(data)
    tf.addfile(ti, io.BytesIO(data))


def docker_archive(path, layers, history=None, tags=("evil/img:1",), mutate=None):
    """A docker-archive written by hand; mutate(files) may change it before it is written."""
    diff_ids = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
                      "config": {"Cmd": ["sh"]}, "rootfs": {"type": "layers", "diff_ids": diff_ids},
                      "history": history or [{"created_by": "x"} for _ in layers]}).encode()
    chex = hashlib.sha256(cfg).hexdigest()
    files = {f"{chex}.json": cfg}
    names = []
    for i, l in enumerate(layers):
        names.append(f"l{i}/layer.tar")
        files[names[-1]] = l
    files["manifest.json"] = json.dumps([{"Config": f"{chex}.json", "RepoTags": list(tags),
                                          "Layers": names}]).encode()
    if mutate:
        mutate(files)
    with tarfile.open(path, "w") as tf:
        for n, d in files.items():
            add(tf, n, d)
    return chex


def truncate(path):
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])


HOSTILE = {
    "dotdot": (lambda f: f.update({"../escape": b"x"}), "\"..\" in name"),
    "absolute": (lambda f: f.update({"/etc/evil": b"x"}), "absolute name"),
    "mismatch": (lambda f: f.update({"l0/layer.tar": tar_layer([("x", "file", b"other", 0o644)])}),
                 "does not match"),
    "noconfig": (lambda f: [f.pop(k) for k in list(f) if k.endswith(".json") and k != "manifest.json"],
                 "archive has no"),
    "truncated": (None, "read archive"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_archives_refused(berth, registry, tmp_path, case):
    pulled(berth, registry, tmp_path)
    before = state(berth)
    mutate, message = HOSTILE[case]
    path = tmp_path / "evil.tar"
    docker_archive(path, [busybox_layer()], mutate=mutate)
    if case == "truncated":
        truncate(path)
    r = berth("load", "-i", str(path), check=False)
    assert r.returncode != 0 and message in r.stderr, r.stderr
    assert state(berth) == before
    assert not (tmp_path / "escape").exists() and not os.path.exists("/etc/evil")
    assert os.listdir(berth.root / "tmp") == []


def test_load_hand_made_archive_and_history(berth, tmp_path):
    path = tmp_path / "h.tar"
    hist = [{"created_by": "ADD rootfs", "created": "2026-01-01T00:00:00Z"},
            {"created_by": "ENV A=1", "empty_layer": True, "created": "2026-01-01T00:00:01Z"},
            {"created_by": "ADD motd " + "x" * 60, "comment": "c2",
             "created": "2026-01-01T00:00:02Z"}]
    chex = docker_archive(path, [busybox_layer(), tar_layer([("etc/motd", "file", b"m\n", 0o644)])],
                          history=hist)
    r = berth("load", "-i", str(path))
    assert r.stdout.strip() == "Loaded image: evil/img:1"
    rows = berth("history", "evil/img:1").stdout.splitlines()
    assert rows[0].split()[:2] == ["IMAGE", "CREATED"] and len(rows) == 4, rows
    assert rows[1].startswith(chex[:12]) and "ADD motd" in rows[1] and "…" in rows[1]
    assert rows[2].startswith("<missing>") and "ENV A=1" in rows[2] and " 0B " in rows[2]
    assert "x" * 60 in berth("history", "--no-trunc", "evil/img:1").stdout
    js = [json.loads(l) for l in berth("history", "--format", "json", "evil/img:1").stdout.splitlines()]
    assert [j["CreatedBy"] for j in js][1] == "ENV A=1" and js[0]["Comment"] == "c2"
    assert len(berth("history", "-q", "evil/img:1").stdout.split()) == 3
    df = berth("system", "df").stdout.splitlines()
    assert df[0].split() == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
    assert df[1].split()[:3] == ["Images", "1", "0"] and df[2].split()[0] == "Containers"


# --- import -----------------------------------------------------------------

@pytest.mark.parametrize("gz", [False, True])
def test_import_rootfs(berth, tmp_path, gz):
    import gzip
    data = busybox_layer()
    path = tmp_path / "rootfs.tar"
    path.write_bytes(gzip.compress(data) if gz else data)
    env = dict(os.environ, BERTH_STORAGE_DRIVER="vfs")
    r = berth("import", str(path), "imported/bb:1", env=env)
    image_id = r.stdout.strip()
    assert image_id.startswith("sha256:")
    rows = berth("images").stdout.splitlines()
    assert any(l.split()[:2] == ["imported/bb", "1"] for l in rows), rows
    info = json.loads(berth("image", "inspect", "imported/bb:1").stdout)[0]
    assert info["Os"] == "linux" and info["Id"] == image_id
    top = info["RootFS"]["Layers"][0]
    assert top == "sha256:" + hashlib.sha256(data).hexdigest()
    fs = berth.root / "snapshots" / top[7:] / "fs"
    assert (fs / "bin" / "busybox").read_bytes() == open("/bin/busybox", "rb").read()
    assert os.readlink(fs / "bin" / "sh") == "busybox"
    # stdin works too, and --change is refused clearly
    with open(path, "rb") as f:
        r = subprocess.run([berth_bin(), "--root", str(berth.root), "import", "-", "imp2"],
                           stdin=f, capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    r = berth("import", "-c", "CMD [\"sh\"]", str(path), check=False)
    assert r.returncode != 0 and "--change" in r.stderr
    r = berth("import", str(tmp_path / "missing.tar"), check=False)
    assert r.returncode != 0 and "missing.tar" in r.stderr


def berth_bin():
    from test_berth_images import BERTH
    return BERTH
