# SPDX-License-Identifier: Apache-2.0
"""Build OCI image layouts locally (no network): a busybox rootfs from Debian's busybox-static,
extra layers with whiteouts, as gzip'ed tar layers, with a config and a manifest.  The result is
an OCI layout directory that skopeo and umoci read (oci:DIR:TAG)."""
import gzip
import hashlib
import io
import json
import os
import tarfile
import time

BUSYBOX = "/bin/busybox"


def _add_bytes(tf, name, data, mode=0o644, uid=0, gid=0, typ=tarfile.REGTYPE, linkname=""):
    ti = tarfile.TarInfo(name)
    ti.mode, ti.uid, ti.gid, ti.type, ti.linkname = mode, uid, gid, typ, linkname
    ti.mtime = 1700000000
    if typ == tarfile.REGTYPE:
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    else:
        tf.addfile(ti)


def busybox_layer(applets=("sh", "ls", "cat", "echo", "id", "true", "sleep", "env", "pwd")):
    """A tar of a minimal busybox root: /bin/busybox, applet links, /etc/passwd and /etc/group."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for d in ("bin", "etc", "tmp", "proc", "sys", "dev", "root"):
            _add_bytes(tf, d, b"", mode=0o1777 if d == "tmp" else 0o755, typ=tarfile.DIRTYPE)
        _add_bytes(tf, "bin/busybox", open(BUSYBOX, "rb").read(), mode=0o755)
        for a in applets:
            _add_bytes(tf, "bin/" + a, b"", typ=tarfile.SYMTYPE, linkname="busybox")
        _add_bytes(tf, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nwww:x:33:33::/var/www:/bin/false\n")
        _add_bytes(tf, "etc/group", b"root:x:0:\nwww:x:33:\nstaff:x:50:www\n")
    return buf.getvalue()


def tar_layer(entries):
    """entries: list of (name, kind, data_or_target, mode) with kind in file|dir|symlink|hardlink."""
    buf = io.BytesIO()
    kinds = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
             "hardlink": tarfile.LNKTYPE}
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, kind, data, mode in entries:
            if kind in ("symlink", "hardlink"):
                _add_bytes(tf, name, b"", mode=mode, typ=kinds[kind], linkname=data)
            else:
                _add_bytes(tf, name, data or b"", mode=mode, typ=kinds[kind])
    return buf.getvalue()


def _blob(layout, data):
    d = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", d)
    with open(path, "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)


def oci_layout(layout, tag, layers, config=None, arch="amd64"):
    """Write an OCI layout with one image (gzip layers).  Returns the manifest digest."""
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    descs, diff_ids = [], []
    for tar in layers:
        gz = gzip.compress(tar, compresslevel=6, mtime=0)
        dg, size = _blob(layout, gz)
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                      "digest": dg, "size": size})
        diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
    cfg = {"architecture": arch, "os": "linux", "created": "2026-11-01T00:00:00Z",
           "config": config or {"Cmd": ["sh"], "Env": ["PATH=/bin"]},
           "rootfs": {"type": "layers", "diff_ids": diff_ids},
           "history": [{"created_by": "berth test"} for _ in layers]}
    cdg, csize = _blob(layout, json.dumps(cfg).encode())
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdg,
                      "size": csize}, "layers": descs}
    mdg, msize = _blob(layout, json.dumps(man).encode())
    index_path = os.path.join(layout, "index.json")
    index = json.load(open(index_path)) if os.path.exists(index_path) else {"schemaVersion": 2, "manifests": []}
    index["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "digest": mdg, "size": msize,
                               "annotations": {"org.opencontainers.image.ref.name": tag}})
    with open(index_path, "w") as f:
        json.dump(index, f)
    return mdg
