# SPDX-License-Identifier: Apache-2.0
"""Helpers for test_layers.py: layer tars built in Python, a storage root per test driven by
build/storage-tool, tree listings to compare, and a reference model of layer stacking.

Every Store lives in /tmp/berth-it-layers-<random>; on teardown anything still mounted
below it is unmounted, reported as a leak, and the directory removed."""
import gzip
import hashlib
import io
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = os.environ.get("BERTH_STORAGE_TOOL", str(REPO / "build" / "storage-tool"))

# A v2 file capability: cap_net_bind_service (bit 10) permitted and effective.
CAP_NET_BIND = (0x02000001).to_bytes(4, "little") + (1 << 10).to_bytes(4, "little") + bytes(12)


def chain_id(parent, diffid):
    if parent is None:
        return diffid
    return "sha256:" + hashlib.sha256(f"{parent} {diffid}".encode()).hexdigest()


# ---------------------------------------------------------------- building layers


def F(name, data=b"", mode=0o644, uid=0, gid=0, xattrs=None, mtime=1_600_000_000):
    return dict(kind="file", name=name, data=data, mode=mode, uid=uid, gid=gid,
                xattrs=xattrs or {}, mtime=mtime)


def D(name, mode=0o755, uid=0, gid=0, xattrs=None):
    return dict(kind="dir", name=name, mode=mode, uid=uid, gid=gid, xattrs=xattrs or {},
                mtime=1_600_000_000)


def L(name, target, uid=0, gid=0):
    return dict(kind="symlink", name=name, target=target, mode=0o777, uid=uid, gid=gid,
                xattrs={}, mtime=1_600_000_000)


def H(name, target):
    return dict(kind="hardlink", name=name, target=target)


def FIFO(name, mode=0o600):
    return dict(kind="fifo", name=name, mode=mode, uid=0, gid=0, xattrs={}, mtime=1_600_000_000)


def CHR(name, major, minor):
    return dict(kind="chr", name=name, major=major, minor=minor, mode=0o600, uid=0, gid=0,
                xattrs={}, mtime=1_600_000_000)


def WH(name):
    d, _, b = name.rpartition("/")
    return dict(kind="file", name=(d + "/" if d else "") + ".wh." + b, data=b"", mode=0o600,
                uid=0, gid=0, xattrs={}, mtime=0)


def OPQ(dirname):
    return dict(kind="file", name=dirname + "/.wh..wh..opq", data=b"", mode=0o600, uid=0, gid=0,
                xattrs={}, mtime=0)


def tar_bytes(entries, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        for e in entries:
            ti = tarfile.TarInfo(e["name"])
            kinds = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                     "hardlink": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE, "chr": tarfile.CHRTYPE}
            ti.type = kinds[e["kind"]]
            if e["kind"] == "hardlink":
                ti.linkname = e["target"]
                tf.addfile(ti)
                continue
            ti.mode, ti.uid, ti.gid, ti.mtime = e["mode"], e["uid"], e["gid"], e["mtime"]
            if e["kind"] == "symlink":
                ti.linkname = e["target"]
            if e["kind"] == "chr":
                ti.devmajor, ti.devminor = e["major"], e["minor"]
            ti.pax_headers = {"SCHILY.xattr." + k: v.decode("utf-8", "surrogateescape")
                              for k, v in e["xattrs"].items()}
            data = e.get("data", b"") if e["kind"] == "file" else b""
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def write_layer(path, entries, compression="gzip"):
    raw = tar_bytes(entries)
    if compression == "gzip":
        data = gzip.compress(raw, 6)
    elif compression == "zstd":
        data = subprocess.run(["zstd", "-q", "-c"], input=raw, capture_output=True,
                              check=True).stdout
    else:
        data = raw
    Path(path).write_bytes(data)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


# ---------------------------------------------------------------- the reference model


def apply_model(tree, entries):
    """Stack one layer onto `tree` ({path: entry}) the way the OCI image spec says."""
    added = set()
    for e in entries:
        name = e["name"].strip("/")
        d, _, b = name.rpartition("/")
        if b == ".wh..wh..opq":
            for p in [p for p in tree if p.startswith(d + "/") and p not in added
                      and not any(a.startswith(p + "/") for a in added)]:
                del tree[p]
            continue
        if b.startswith(".wh."):
            victim = (d + "/" if d else "") + b[4:]
            for p in [p for p in tree if p == victim or p.startswith(victim + "/")]:
                del tree[p]
            continue
        old = tree.get(name)
        if old is not None and not (old["kind"] == "dir" and e["kind"] == "dir"):
            for p in [p for p in tree if p.startswith(name + "/")]:
                del tree[p]
        if e["kind"] == "hardlink":
            tree[name] = dict(tree[e["target"]]) | {"link": e["target"]}
        else:
            tree[name] = e
        added.add(name)
    return tree


def model_listing(tree):
    out = {}
    for p, e in tree.items():
        kind = e["kind"]
        body = {"file": lambda: hashlib.sha256(e["data"]).hexdigest(),
                "symlink": lambda: e["target"], "chr": lambda: f"{e['major']}:{e['minor']}"}
        out[p] = (kind, e["mode"] & 0o7777 if kind != "symlink" else 0o777, e["uid"], e["gid"],
                  body.get(kind, lambda: "")(), tuple(sorted(e["xattrs"].items())))
    return out


# ---------------------------------------------------------------- listing real trees


def kind_of(st):
    m = st.st_mode
    for test, name in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"), (stat.S_ISLNK, "symlink"),
                       (stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "chr"), (stat.S_ISBLK, "blk")):
        if test(m):
            return name
    return "other"


def xattrs_of(path, st):
    if stat.S_ISLNK(st.st_mode):
        return ()
    out = []
    for k in os.listxattr(path, follow_symlinks=False):
        if k.startswith("trusted.overlay.") or k == "security.selinux":
            continue
        out.append((k, os.getxattr(path, k, follow_symlinks=False)))
    return tuple(sorted(out))


def sha_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def listing(root, links=None):
    """{relative path: (kind, mode, uid, gid, content hash / link target / rdev, xattrs)}.
    Hardlink groups go to `links` ({path: first path with the same inode}) when given."""
    root = str(root)
    out, inodes = {}, {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            kind = kind_of(st)
            body = ""
            if kind == "file":
                body = sha_file(p)
                if links is not None and st.st_nlink > 1:
                    links[rel] = inodes.setdefault((st.st_dev, st.st_ino), rel)
            elif kind == "symlink":
                body = os.readlink(p)
            elif kind in ("chr", "blk"):
                body = f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
            out[rel] = (kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, body,
                        xattrs_of(p, st))
    return out


def store_listing(root):
    """Everything under a storage root, for before/after comparisons: type, mode, owner, and for
    non-directories size, mtime and content.  Directory mtimes are left out: a failed prepare
    creates and removes its snapshots/tmp-* work directory, which touches the parent's mtime."""
    out = {}
    for dirpath, dirs, files in os.walk(str(root)):
        for name in dirs + files:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rec = (st.st_mode, st.st_uid, st.st_gid)
            if stat.S_ISREG(st.st_mode):
                rec += (st.st_size, st.st_mtime_ns, sha_file(p))
            elif stat.S_ISLNK(st.st_mode):
                rec += (os.readlink(p),)
            out[os.path.relpath(p, root)] = rec
    return out


# ---------------------------------------------------------------- a storage root per test


def mounts_under(path):
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        mp = line.split()[4].replace("\\040", " ")
        if mp == str(path) or mp.startswith(str(path) + "/"):
            out.append(mp)
    return out


class Store:
    def __init__(self, base):
        self.base = Path(base)
        self.root = self.base / "root"
        self.root.mkdir()

    def tool(self, *args, check=True):
        p = subprocess.run([TOOL, *map(str, args)], capture_output=True, text=True, timeout=300)
        if check and p.returncode != 0:
            raise AssertionError(f"storage-tool {' '.join(map(str, args))}: {p.stderr}")
        return p

    def prepare(self, driver, layer, chain, parent=None, *extra, check=True):
        args = ["prepare", "--root", self.root, "--driver", driver, "--chain", chain,
                "--layer", layer, *extra]
        if parent:
            args += ["--parent", parent]
        return self.tool(*args, check=check)

    def stack(self, driver, layers, compression="gzip"):
        """Prepare each layer (a list of entries) in turn; returns the top chain ID."""
        chain = None
        for i, entries in enumerate(layers):
            path = self.base / f"{driver}-{i}.tar"
            diffid = write_layer(path, entries, compression)
            parent, chain = chain, chain_id(chain, diffid)
            out = self.prepare(driver, path, chain, parent).stdout.strip()
            assert out == diffid
        return chain

    def mount(self, driver, chain, name="ctr"):
        d = self.base / f"{name}-{driver}"
        d.mkdir()
        return Path(self.tool("mount", "--root", self.root, "--driver", driver, "--chain",
                              chain, "--dir", d).stdout.strip()), d

    def umount(self, driver, d):
        self.tool("umount", "--driver", driver, "--dir", d)


@pytest.fixture
def store():
    if not os.path.exists(TOOL):
        pytest.fail(f"{TOOL} not found (make all)")
    base = tempfile.mkdtemp(prefix="berth-it-layers-")
    s = Store(base)
    yield s
    leaks = mounts_under(base)
    for mp in sorted(leaks, key=len, reverse=True):
        subprocess.run(["umount", "-l", mp], check=False)
    shutil.rmtree(base, ignore_errors=True)
    assert not leaks, f"mounts left behind: {leaks}"
