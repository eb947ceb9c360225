# SPDX-License-Identifier: Apache-2.0
"""Container roots with a user namespace (lib/engine/rootfs.c, userns.c), driven through
build/rootfs-tool and build/storage-tool, run with build/berth-runc.

Two snapshots (the test busybox tree, then a layer with a uid-1000 file) are mounted as a
container root with the range berth allocates in a temporary subuid/subgid file, and a
container whose user namespace maps 0 to that range runs on it: image files owned by root
must look root-owned inside (not 65534), what container root creates must land in the
container's diff/ with the documented owner, the snapshots must be untouched (owners, mtimes,
contents, disk usage), and the container process must run as the mapped uid on the host."""
import errno
import hashlib
import io
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from layer_helpers import F, D, REPO, chain_id, store_listing, write_layer

ROOTFS_TOOL = os.environ.get("BERTH_ROOTFS_TOOL", str(REPO / "build" / "rootfs-tool"))
STORAGE_TOOL = os.environ.get("BERTH_STORAGE_TOOL", str(REPO / "build" / "storage-tool"))
SIZE = 65536

LAYER2 = [
    D("etc"), F("etc/owned", b"by 1000\n", 0o644, 1000, 1000),
    F("etc/secret", b"root only\n", 0o600), D("data", 0o1777),
]


def tool(path, *args, env=None, check=True):
    p = subprocess.run([path, *map(str, args)], capture_output=True, text=True, timeout=120,
                       env=env)
    if check:
        assert p.returncode == 0, f"{path} {args}: {p.stderr}"
    return p


def tar_tree(src, dst):
    """The bundle's busybox tree as an uncompressed layer owned by root; returns the DiffID."""
    buf = io.BytesIO()

    def root_owned(ti):
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ""
        return ti

    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name in sorted(os.listdir(src)):
            tf.add(os.path.join(src, name), arcname=name, filter=root_owned)
    Path(dst).write_bytes(buf.getvalue())
    return "sha256:" + hashlib.sha256(buf.getvalue()).hexdigest()


class Engine:
    """A data root under the test's directory (so the leak check sees its mounts)."""

    def __init__(self, ctr, driver):
        self.base, self.driver = ctr.base, driver
        self.root = ctr.base / "data"
        self.root.mkdir(mode=0o711)
        os.chmod(ctr.base, 0o711)
        tool(ROOTFS_TOOL, "mounted", "--root", self.root, "--id", "x", check=False)  # the layout
        self.subuid, self.subgid = ctr.base / "subuid", ctr.base / "subgid"
        # Someone already owns 100000-165535: berth must take the next range.
        self.subuid.write_text("someone:100000:65536\n")
        self.subgid.write_text("# groups\nsomeone:100000:65536\n")
        self.id = "c" * 64

    def userns(self):
        env = dict(os.environ, BERTH_SUBUID_FILE=str(self.subuid),
                   BERTH_SUBGID_FILE=str(self.subgid))
        uid, usize, gid, gsize = map(int, tool(ROOTFS_TOOL, "userns", env=env).stdout.split())
        return uid, usize, gid, gsize

    def prepare(self, ctr):
        l1, l2 = self.base / "l1.tar", self.base / "l2.tar"
        d1 = tar_tree(ctr.rootfs, l1)
        d2 = write_layer(l2, LAYER2, "none")
        c1 = chain_id(None, d1)
        c2 = chain_id(c1, d2)
        for layer, chain, parent in ((l1, c1, None), (l2, c2, c1)):
            args = ["prepare", "--root", self.root, "--driver", self.driver, "--chain", chain,
                    "--layer", layer] + (["--parent", parent] if parent else [])
            tool(STORAGE_TOOL, *args)
        return c2

    def ctr_dir(self, cid=None):
        """containers/<id> as the engine makes it (berth_ctr_alloc: mode 0710)."""
        d = self.root / "containers" / (cid or self.id)
        d.mkdir(mode=0o710, exist_ok=True)
        return d

    def mount(self, chain, host=None, cid=None):
        self.ctr_dir(cid)
        args = ["mount", "--root", self.root, "--id", cid or self.id, "--driver", self.driver]
        args += ["--chain", chain] if chain else []
        args += ["--userns", f"{host}:{SIZE}"] if host is not None else []
        return Path(tool(ROOTFS_TOOL, *args).stdout.strip())

    def mounted(self, cid=None):
        return tool(ROOTFS_TOOL, "mounted", "--root", self.root, "--id", cid or self.id,
                    check=False).returncode == 0

    def umount(self, cid=None):
        tool(ROOTFS_TOOL, "umount", "--root", self.root, "--id", cid or self.id)


def du(path):
    """Disk use, not counting the layers' idmapped views (mounts of the same files)."""
    return subprocess.run(["du", "-s", "--apparent-size", "-B1", "--exclude=idmap-*", str(path)],
                          capture_output=True, text=True, check=True).stdout.split()[0]


def without_views(listing):
    return {k: v for k, v in listing.items() if "idmap-" not in k}


def mounts_under(path):
    return [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()
            if line.split()[4].startswith(str(path))]


def userns_spec(ctr, rootfs, host):
    ctr.config["root"]["path"] = str(rootfs)
    ctr.add_namespace("user")
    ctr.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": host, "size": SIZE}]
    ctr.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": host, "size": SIZE}]


SCRIPT = ("stat -c '%u:%g %n' / /etc/passwd /bin/busybox /etc/owned /etc/secret /data; "
          "cat /etc/secret; id -u; echo made > /etc/created; mkdir /newdir; "
          "echo more >> /etc/passwd; stat -c '%u:%g %n' /etc/created /etc/passwd; "
          "cat /proc/self/uid_map")


@pytest.mark.berth_only
@pytest.mark.parametrize("driver", ["overlay", "vfs"])
def test_userns_rootfs_shares_snapshots_idmapped(ctr, driver):
    eng = Engine(ctr, driver)
    uid, usize, gid, gsize = eng.userns()
    assert (uid, usize, gid, gsize) == (165536, SIZE, 165536, SIZE)
    assert eng.subuid.read_text() == "someone:100000:65536\nberth:165536:65536\n"
    assert eng.subgid.read_text() == "# groups\nsomeone:100000:65536\nberth:165536:65536\n"
    assert eng.userns() == (uid, usize, gid, gsize)  # found, not allocated again
    top = eng.prepare(ctr)
    snaps = eng.root / "snapshots"
    before, du_before = store_listing(snaps), du(snaps)

    rootfs = eng.mount(top, uid)
    try:
        assert eng.mounted()
        # Only the mapped root's group may pass through to rootfs/, nobody else.
        for d in (eng.root / "containers", eng.ctr_dir()):
            st = os.stat(d)
            assert st.st_gid == gid and st.st_mode & 0o777 == 0o710, d
        # The host sees the image through the idmapping: root's files belong to the range.
        st = os.stat(rootfs / "etc/passwd")
        assert (st.st_uid, st.st_gid) == (uid, gid)
        assert os.stat(rootfs / "etc/owned").st_uid == uid + 1000
        assert os.stat(rootfs).st_uid == uid
        # Mounting again is a no-op (the engine may call it at every start).
        assert eng.mount(top, uid) == rootfs
        assert len(mounts_under(rootfs)) == 1

        userns_spec(ctr, rootfs, uid)
        r = ctr.run(["/bin/sh", "-c", SCRIPT])
        assert r.returncode == 0, r
        lines = r.stdout.splitlines()
        assert lines[:6] == ["0:0 /", "0:0 /etc/passwd", "0:0 /bin/busybox",
                             "1000:1000 /etc/owned", "0:0 /etc/secret", "0:0 /data"], r
        assert lines[6] == "root only" and lines[7] == "0"
        assert lines[8:10] == ["0:0 /etc/created", "0:0 /etc/passwd"]
        assert lines[10].split() == ["0", str(uid), str(SIZE)]

        # On disk: overlay keeps the container's files in diff/ with host ids (container root
        # = the range's first id); the vfs copy is stored unshifted (through its idmapped bind).
        cdir = eng.ctr_dir()
        owner = uid if driver == "overlay" else 0
        where = cdir / ("diff" if driver == "overlay" else "rootfs")
        if driver == "vfs":
            eng.umount()  # look at the copy itself, not through the idmapped bind
        for name in ("etc/created", "etc/passwd", "newdir"):
            st = os.lstat(where / name)
            assert (st.st_uid, st.st_gid) == (owner, owner), name
        assert (where / "etc/created").read_text() == "made\n"

        # A detached container: its process runs as the range's first uid on the host.
        if driver == "vfs":
            eng.mount(top, uid)
        ctr.run(["sleep", "1000"], detach=True)
        pid = ctr.state()["pid"]
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        assert [x for x in status if x.startswith("Uid:")][0].split()[1:] == [str(uid)] * 4
        assert [x for x in status if x.startswith("Gid:")][0].split()[1:] == [str(gid)] * 4
        ctr.ok("delete", "--force", ctr.id)
    finally:
        eng.umount()

    assert not eng.mounted()
    if driver == "overlay":
        # Each layer's idmapped view stays mounted for the next container with this mapping
        views = mounts_under(eng.root)
        assert len(views) == 2, views
        assert all(v.startswith(str(snaps)) and v.endswith(f"/idmap-u{uid}-{SIZE}-g{gid}-{SIZE}")
                   for v in views), views
        base = next(Path(v) for v in views if (Path(v) / "etc/passwd").exists())
        assert os.stat(base / "etc/passwd").st_uid == uid  # the image's root, mapped
    else:
        assert mounts_under(eng.root) == []
    eng.umount()  # idempotent
    # The shared snapshots: same owners, modes, mtimes and contents, and no copy in them.
    assert without_views(store_listing(snaps)) == before
    assert du(snaps) == du_before
    lower = next(p for p in snaps.glob("*/" + ("diff" if driver == "overlay" else "fs"))
                 if (p / "etc/passwd").exists())
    assert os.stat(lower / "etc/passwd").st_uid == 0
    assert "more" not in (lower / "etc/passwd").read_text()
    # A removed snapshot takes its view with it.
    for chain in (top, chain_parent(snaps, top)):
        tool(STORAGE_TOOL, "remove", "--root", eng.root, "--chain", chain)
    assert mounts_under(eng.root) == [] and store_listing(snaps) == {}


def chain_parent(snaps, chain):
    return "sha256:" + (snaps / chain.split(":")[1] / "parent").read_text()


@pytest.mark.parametrize("driver", ["overlay", "vfs"])
def test_userns_rootfs_without_userns_and_empty_image(ctr, driver):
    eng = Engine(ctr, driver)
    top = eng.prepare(ctr)
    # --userns=host: the image's own owners.
    rootfs = eng.mount(top)
    try:
        assert os.stat(rootfs / "etc/passwd").st_uid == 0
        assert os.stat(rootfs / "etc/owned").st_uid == 1000
    finally:
        eng.umount()
    # An image without layers: an empty root owned by the container's root.
    empty = eng.mount("", 300000, cid="e" * 64)
    try:
        assert os.listdir(empty) == []
        assert os.stat(empty).st_uid == 300000
        if driver == "overlay":
            (empty / "f").write_text("x")  # host root can still write in the upper dir
        else:
            with pytest.raises(OSError) as e:  # the idmapped bind has no id for host root
                (empty / "f").write_text("x")
            assert e.value.errno == errno.EOVERFLOW
    finally:
        eng.umount(cid="e" * 64)
    assert mounts_under(eng.root) == []


def test_userns_rootfs_errors(ctr):
    eng = Engine(ctr, "overlay")
    eng.ctr_dir()
    p = tool(ROOTFS_TOOL, "mount", "--root", eng.root, "--id", eng.id, "--driver", "overlay",
             "--chain", "sha256:" + "a" * 64, "--userns", f"200000:{SIZE}", check=False)
    assert p.returncode == 2 and "not found" in p.stderr
    p = tool(ROOTFS_TOOL, "mount", "--root", eng.root, "--id", "nope", "--driver", "overlay",
             check=False)
    assert p.returncode == 2 and "containers/nope" in p.stderr
    eng.subuid.write_text("someone:100000:65536\nberth:150000:65536\n")
    env = dict(os.environ, BERTH_SUBUID_FILE=str(eng.subuid), BERTH_SUBGID_FILE=str(eng.subgid))
    p = tool(ROOTFS_TOOL, "userns", env=env, check=False)
    assert p.returncode == 2 and "overlaps someone's 100000-165535 on line 1" in p.stderr
    assert mounts_under(eng.root) == []
