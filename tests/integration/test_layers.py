# SPDX-License-Identifier: Apache-2.0
"""Layer unpacking and snapshots (lib/storage), driven through build/storage-tool.

A multi-layer image built here is stacked with the overlay and the vfs driver and the
container rootfs compared with a reference model; hostile layers must fail with a clear
message and leave the storage root exactly as it was; GNU tar's PAX/long-name/sparse output
must unpack as `tar -x` does; the DiffID must be the sha256 of the uncompressed stream."""
import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from layer_helpers import (CAP_NET_BIND, CHR, D, F, FIFO, H, L, OPQ, WH, apply_model, chain_id,
                           listing, model_listing, store, store_listing, write_layer)

assert store  # the fixture, used by name below

BUSYBOX = Path("/bin/busybox").read_bytes()

LAYER1 = [
    D("bin"), F("bin/busybox", BUSYBOX, 0o755), L("bin/sh", "busybox"), H("bin/hl", "bin/busybox"),
    D("etc"), F("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"),
    F("etc/shadow", b"root:*:1::::::\n", 0o640, 0, 42),
    D("usr"), D("usr/bin"), F("usr/bin/su", b"su", 0o4755), F("usr/bin/wall", b"w", 0o2755, 0, 5),
    F("usr/bin/ping", b"ping", 0o755, xattrs={"security.capability": CAP_NET_BIND}),
    F("usr/bin/tagged", b"t", 0o644, xattrs={"user.berth.test": b"yes"}),
    D("tmp", 0o1777), D("home"), D("home/u", 0o700, 1000, 1000),
    F("home/u/.profile", b"export X=1\n", 0o600, 1000, 1000),
    D("opq"), F("opq/a", b"a"), F("opq/b", b"b"), D("opq/sub"), F("opq/sub/c", b"c"),
    D("del"), F("del/x", b"x"), F("del/keep", b"k"), F("delfile", b"gone"),
    L("abs", "/etc/passwd"), FIFO("run.fifo"), D("dev"), CHR("dev/null", 1, 3),
]
LAYER2 = [
    WH("delfile"), WH("del/x"), D("opq"), OPQ("opq"), F("opq/new", b"new"),
    F("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n"),
    F("bin/sh", b"#!/bin/busybox sh\n", 0o755),  # a file replaces a symlink
    D("newdir"), F("newdir/f", b"f"),
]
LAYER3 = [
    WH("del"), F("delfile", b"back again", 0o600), D("opq/sub2"), F("opq/sub2/z", b"z"),
    F("tmp/.keep", b""), D("usr/bin", 0o755),  # tmp/ implicit: keeps 1777 from below
    F("usr/bin/su", b"su3", 0o4755), H("usr/bin/su2", "usr/bin/su"),  # copied up, then linked
]


def expected_tree():
    tree = {}
    for layer in (LAYER1, LAYER2, LAYER3):
        apply_model(tree, layer)
    return model_listing(tree)


@pytest.mark.parametrize("driver", ["overlay", "vfs"])
def test_multilayer_rootfs(store, driver):
    top = store.stack(driver, [LAYER1, LAYER2, LAYER3])
    rootfs, d = store.mount(driver, top)
    try:
        links = {}
        got = listing(rootfs, links)
        want = expected_tree()
        assert sorted(got) == sorted(want)
        for p in want:
            assert got[p] == want[p], p
        assert "opq/a" not in got and "opq/sub" not in got and "opq/new" in got
        assert links["bin/hl"] == links["bin/busybox"]
        assert links["usr/bin/su2"] == links["usr/bin/su"]
        assert (rootfs / "usr/bin/ping").exists()
        cap = subprocess.run(["getcap", str(rootfs / "usr/bin/ping")], capture_output=True,
                             text=True)
        if cap.returncode == 0:
            assert "cap_net_bind_service" in cap.stdout
        # The container layer is writable and does not touch the snapshots.
        (rootfs / "etc/new-in-container").write_text("x")
        os.unlink(rootfs / "usr/bin/su")
    finally:
        store.umount(driver, d)
    again, d2 = store.mount(driver, top, "second")
    try:
        assert not (again / "etc/new-in-container").exists()
        assert (again / "usr/bin/su").exists()
    finally:
        store.umount(driver, d2)


def test_overlay_diff_has_whiteouts(store):
    top = store.stack("overlay", [LAYER1, LAYER2])
    diff = store.root / "snapshots" / top[7:] / "diff"
    st = os.lstat(diff / "delfile")
    assert os.major(st.st_rdev) == 0 and os.minor(st.st_rdev) == 0
    assert os.getxattr(diff / "opq", "trusted.overlay.opaque") == b"y"
    assert not (diff / ".wh.delfile").exists()


def test_vfs_equals_overlay(store):
    views = {}
    for driver in ("overlay", "vfs"):
        top = store.stack(driver, [LAYER1, LAYER2, LAYER3])
        rootfs, d = store.mount(driver, top)
        try:
            views[driver] = listing(rootfs)
        finally:
            store.umount(driver, d)
    assert views["overlay"] == views["vfs"]


def test_snapshot_reused_listed_removed(store):
    top = store.stack("overlay", [LAYER1])
    before = store_listing(store.root)
    layer = store.base / "again.tar"
    write_layer(layer, LAYER1)
    store.prepare("overlay", layer, top)  # exists: not unpacked again
    assert store_listing(store.root) == before
    assert store.tool("list", "--root", store.root).stdout.split() == [top]
    (store.root / "snapshots" / "tmp-crashed").mkdir()
    (store.root / "snapshots" / ("ab" * 32)).mkdir()  # no completion marker: garbage
    assert store.tool("list", "--root", store.root).stdout.split() == [top]
    store.tool("gc", "--root", store.root)
    assert sorted(os.listdir(store.root / "snapshots")) == [top[7:]]
    store.tool("remove", "--root", store.root, "--chain", top)
    assert os.listdir(store.root / "snapshots") == []


def test_missing_parent_refused(store):
    layer = store.base / "l.tar"
    diffid = write_layer(layer, [F("a", b"a")])
    p = store.prepare("vfs", layer, chain_id("sha256:" + "1" * 64, diffid), "sha256:" + "1" * 64,
                      check=False)
    assert p.returncode != 0 and "parent snapshot" in p.stderr and "not found" in p.stderr


def test_driver_probe(store):
    assert store.tool("probe", "--root", store.root).stdout.strip() == "overlay"
    assert os.listdir(store.root) == []


# ---------------------------------------------------------------- DiffID


@pytest.mark.parametrize("compression", ["gzip", "zstd", "none"])
def test_diffid_is_sha256_of_uncompressed(store, compression):
    layer = store.base / "layer"
    write_layer(layer, LAYER1, compression)
    unz = {"gzip": ["zcat"], "zstd": ["zstd", "-dc"], "none": ["cat"]}[compression]
    raw = subprocess.run(unz + [str(layer)], capture_output=True, check=True).stdout
    want = "sha256:" + hashlib.sha256(raw).hexdigest()
    assert store.prepare("vfs", layer, want).stdout.strip() == want
    blob = "sha256:" + hashlib.sha256(layer.read_bytes()).hexdigest()
    assert store.tool("digest", "--layer", layer).stdout.split()[:2] == [want, blob]


def test_multi_member_gzip(store):
    raw = subprocess.run(["tar", "-cf", "-", "-C", "/usr/share/doc", "."], capture_output=True,
                         check=True).stdout
    half = len(raw) // 2
    import gzip
    data = gzip.compress(raw[:half]) + gzip.compress(raw[half:])
    layer = store.base / "multi.tgz"
    layer.write_bytes(data)
    want = "sha256:" + hashlib.sha256(raw).hexdigest()
    assert store.prepare("vfs", layer, want).stdout.strip() == want


# ---------------------------------------------------------------- hostile layers

BASE_LAYER = [D("etc"), F("etc/hostname", b"base\n"), D("bin"), F("bin/true", b"t", 0o755)]


@pytest.fixture
def based(store, request):
    """A storage root holding one good base snapshot, and a checker for hostile layers."""
    driver = getattr(request, "param", "overlay")
    base = store.stack(driver, [BASE_LAYER])
    before = store_listing(store.root)

    def refuse(name, data, *extra, message):
        layer = store.base / name
        layer.write_bytes(data) if isinstance(data, bytes) else write_layer(layer, data)
        p = store.prepare(driver, layer, "sha256:" + "e" * 64, base, *extra, check=False)
        assert p.returncode == 1, p.stdout
        for m in [message] if isinstance(message, str) else message:
            assert m in p.stderr, p.stderr
        assert store_listing(store.root) == before
        return p.stderr

    refuse.driver = driver
    return refuse


drivers = pytest.mark.parametrize("based", ["overlay", "vfs"], indirect=True)


@drivers
def test_dotdot_refused(based):
    based("dotdot.tar", [F("etc/ok", b"1"), F("../escaped", b"x")],
          message=["entry '../escaped'", "'..' component refused"])
    based("dotdot-mid.tar", [F("etc/../../escaped", b"x")], message="'..' component refused")
    assert not os.path.exists("/tmp/escaped")


@drivers
def test_absolute_refused(based):
    based("abs.tar", [F("/etc/evil", b"x")],
          message=["entry '/etc/evil'", "absolute path refused"])


@drivers
def test_write_through_symlink_refused(based, store):
    victim = store.base / "victim"
    victim.mkdir()
    based("through.tar", [L("escape", str(victim)), F("escape/pwned", b"x")],
          message=["'escape/pwned'", "'escape' is a symlink"])
    based("through-rel.tar", [L("up", "../../../../../../../.."), D("up/tmp"),
                              F("up/tmp/pwned", b"x")], message="'up' is a symlink")
    assert os.listdir(victim) == []


@drivers
def test_hardlink_outside_refused(based):
    based("shadow-abs.tar", [H("etc/leak", "/etc/shadow")],
          message=["hardlink 'etc/leak'", "absolute path refused"])
    based("shadow-up.tar", [H("etc/leak", "../../../../etc/shadow")],
          message="'..' component refused")
    based("shadow-rel.tar", [H("leak", "shadow"), H("leak2", "etc")],
          message=["hardlink 'leak'", "target is not a file inside the layer"])


@drivers
def test_truncated_gzip_refused(based, store):
    layer = store.base / "full.tgz"
    write_layer(layer, LAYER1)
    data = layer.read_bytes()
    based("cut.tgz", data[: len(data) // 2], message="compressed stream is truncated")
    based("cut-tar.tar", subprocess.run(["zcat"], input=data, capture_output=True).stdout[:700000],
          message="runcated")


@pytest.fixture(scope="session")
def bombs():
    d = Path(tempfile.mkdtemp(prefix="berth-it-bombs-"))
    plain = d / "zero.gz"
    subprocess.run(f"head -c 1G /dev/zero | gzip -1 > {plain}", shell=True, check=True)
    import tarfile
    ti = tarfile.TarInfo("zeros")
    ti.size = 1 << 30
    (d / "hdr").write_bytes(ti.tobuf(tarfile.PAX_FORMAT))
    entry = d / "entry.tgz"
    subprocess.run(f"(cat {d}/hdr; head -c 1G /dev/zero; head -c 1024 /dev/zero) | gzip -1 "
                   f"> {entry}", shell=True, check=True)
    yield plain, entry
    subprocess.run(["rm", "-rf", str(d)], check=True)


@drivers
def test_gzip_bomb_refused(based, bombs):
    plain, entry = bombs
    assert plain.stat().st_size < 8 << 20  # gzip -1 of 1 GiB of zeros: ~4.6 MB
    based("bomb.gz", plain.read_bytes(), "--max-size", "256m",
          message=["uncompressed size exceeds the limit of 268435456 bytes", "decompression bomb"])
    based("bomb-entry.tgz", entry.read_bytes(), "--max-size", "256m", "--max-entry", "2g",
          message="uncompressed size exceeds the limit")  # streaming cap, mid-entry
    based("bomb-entry1.tgz", entry.read_bytes(), "--max-size", "256m",
          message=["entry 'zeros'", "declared size 1073741824 exceeds the limit of 268435456"])
    based("bomb-entry2.tgz", entry.read_bytes(), "--max-entry", "64m",
          message=["entry 'zeros'", "declared size 1073741824 exceeds the limit of 67108864"])


@drivers
def test_entry_longer_than_data_refused(based):
    import tarfile
    ti = tarfile.TarInfo("etc/big")
    ti.size = 10 << 20
    data = ti.tobuf(tarfile.PAX_FORMAT) + b"x" * 100
    based("short.tar", data, message="runcated")


@drivers
def test_device_node_policy(based):
    based("dev.tar", [CHR("dev-sda", 8, 0)], "--no-devices",
          message=["device node 'dev-sda' refused"])


# ---------------------------------------------------------------- interoperability with GNU tar


def make_tree(src):
    long_dir = src / ("d" * 120) / ("e" * 120)
    long_dir.mkdir(parents=True)
    (long_dir / ("f" * 200)).write_bytes(b"long name")
    os.symlink("../" * 2 + "t" * 150, src / ("l" * 130))
    os.link(long_dir / ("f" * 200), src / "hardlink-to-long")
    with open(src / "sparse", "wb") as f:
        f.write(b"head")
        f.seek(64 << 20)
        f.write(b"middle")
        f.seek(200 << 20)
        f.write(b"tail")
    (src / "setuid").write_bytes(b"s")
    os.chmod(src / "setuid", 0o4750)
    os.chown(src / "setuid", 12, 34)
    (src / "x").write_bytes(b"xattr")
    os.setxattr(src / "x", "user.note", b"hello")
    os.setxattr(src / "x", "security.capability", CAP_NET_BIND)
    (src / "utf8-\u00e9\u00e8").write_bytes(b"accents")
    os.mkfifo(src / "fifo")
    os.chmod(src, 0o755)


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_gnu_tar_interop(store, compression):
    src, ref = store.base / "src", store.base / "ref"
    src.mkdir()
    ref.mkdir()
    make_tree(src)
    layer = store.base / "layer.tar"
    subprocess.run(["tar", "--format=pax", "-S", "--xattrs", "--xattrs-include=*",
                    "--numeric-owner", "-cf", str(layer), "-C", str(src), "."], check=True)
    subprocess.run(["tar", "-x", "--xattrs", "--xattrs-include=*", "--same-owner", "-p",
                    "--numeric-owner", "-f", str(layer), "-C", str(ref)], check=True)
    diffid = "sha256:" + hashlib.sha256(layer.read_bytes()).hexdigest()
    if compression != "none":
        tool = {"gzip": ["gzip", "-f"], "zstd": ["zstd", "-q", "--rm", "-f"]}[compression]
        subprocess.run(tool + [str(layer)], check=True)
        layer = Path(str(layer) + {"gzip": ".gz", "zstd": ".zst"}[compression])
    assert store.prepare("vfs", layer, diffid).stdout.strip() == diffid
    fs = store.root / "snapshots" / diffid[7:] / "fs"
    links_got, links_ref = {}, {}
    assert listing(fs, links_got) == listing(ref, links_ref)
    assert links_got == links_ref and links_got
    # the sparse file keeps its holes
    assert os.stat(fs / "sparse").st_blocks * 512 < 1 << 20
