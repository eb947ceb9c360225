# SPDX-License-Identifier: Apache-2.0
"""The body of bench/pull.sh: build the images, run the registry, time the pulls.

argv[1] is the work directory pull.sh made (and removes); it holds bench/measure.c built as
`measure`.  Environment: BERTH, RUNS, IMAGES, CACHE, SETTLE, RUNROOTS (see pull.sh).
"""
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

WORK = sys.argv[1]
BERTH = os.environ["BERTH"]
RUNS = int(os.environ.get("RUNS", "5"))
IMAGES = os.environ.get("IMAGES", "big debian").split()
CACHE = os.environ["CACHE"]
MEASURE = os.path.join(WORK, "measure")


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


# -- layers ---------------------------------------------------------------------------------
def first_files_tar(src, limit, out):
    """A tar of the first @limit bytes of regular files under @src (sorted, no device nodes)."""
    names, total = [], 0
    for dirpath, dirs, files in os.walk(src):
        dirs.sort()
        for n in sorted(files):
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            if not os.path.isfile(p) or os.path.islink(p):
                continue
            total += st.st_size
            if total > limit:
                break
            names.append(p.lstrip("/"))
        if total > limit:
            break
    lst = out + ".list"
    with open(lst, "w") as f:
        f.write("\n".join(names) + "\n")
    sh("tar", "-C", "/", "--numeric-owner", "--no-recursion", "-cf", out, "-T", lst)
    os.unlink(lst)


def random_tar(out, size):
    """Incompressible data (seeded, so the cached layer is reproducible) in 8 files."""
    d = out + ".d"
    os.makedirs(d, exist_ok=True)
    seed = hashlib.sha256(b"berth pull bench").digest()
    for i in range(8):
        with open(os.path.join(d, f"blob{i}"), "wb") as f:
            ctr = 0
            left = size // 8
            while left > 0:
                chunk = hashlib.shake_256(seed + f"{i}.{ctr}".encode()).digest(1 << 20)
                f.write(chunk[:left])
                left -= len(chunk)
                ctr += 1
    sh("tar", "-C", d, "--numeric-owner", "--sort=name", "-cf", out, ".")
    shutil.rmtree(d)


def cached_layer(name, make):
    """CACHE/<name>.tar.gz (gzip -6 -n), made once; returns (gz path, diff ID, digest)."""
    gz = os.path.join(CACHE, name + ".tar.gz")
    meta = gz + ".json"
    if not os.path.exists(meta):
        tar = os.path.join(CACHE, name + ".tar")
        if not os.path.exists(tar):
            make(tar + ".tmp")
            os.rename(tar + ".tmp", tar)
        diff_id = sha256_file(tar)
        with open(gz + ".tmp", "wb") as f:
            sh("gzip", "-6", "-n", "-c", tar, stdout=f)
        os.rename(gz + ".tmp", gz)
        with open(meta, "w") as f:
            json.dump({"diff_id": diff_id, "digest": sha256_file(gz)}, f)
        if not name.startswith("debian"):
            os.unlink(tar)  # the minbase tar stays: debootstrap is slow
    m = json.load(open(meta))
    return gz, m["diff_id"], m["digest"]


def image_layers(image):
    if image == "big":
        return [cached_layer("big-usrlib", lambda o: first_files_tar("/usr/lib", 100_000_000, o)),
                cached_layer("big-usrshare",
                             lambda o: first_files_tar("/usr/share", 110_000_000, o)),
                cached_layer("big-random", lambda o: random_tar(o, 100 << 20))]
    if image == "debian":
        def never(o):
            raise SystemExit("debian-minbase.tar is missing from " + CACHE)
        return [cached_layer("debian-minbase", never)]
    raise SystemExit(f"unknown image {image!r} (big, debian)")


def put_blob(layout, path=None, data=None):
    blobs = os.path.join(layout, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    if data is not None:
        dg = "sha256:" + hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, dg[7:]), "wb") as f:
            f.write(data)
        return dg, len(data)
    dg = sha256_file(path)
    dst = os.path.join(blobs, dg[7:])
    try:
        os.link(path, dst)
    except OSError:
        shutil.copyfile(path, dst)
    return dg, os.path.getsize(path)


def oci_layout(layout, layers):
    descs, diff_ids = [], []
    for gz, diff_id, _ in layers:
        dg, size = put_blob(layout, gz)
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                      "digest": dg, "size": size})
        diff_ids.append(diff_id)
    cfg = {"architecture": "amd64", "os": "linux", "created": "2026-11-01T00:00:00Z",
           "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
           "rootfs": {"type": "layers", "diff_ids": diff_ids},
           "history": [{"created_by": "berth bench"} for _ in layers]}
    cdg, csize = put_blob(layout, data=json.dumps(cfg).encode())
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdg,
                      "size": csize}, "layers": descs}
    mdg, msize = put_blob(layout, data=json.dumps(man).encode())
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdg,
             "size": msize, "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}, f)


# -- registry -------------------------------------------------------------------------------
def start_registry():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    d = os.path.join(WORK, "registry")
    os.makedirs(os.path.join(d, "storage"))
    with open(os.path.join(d, "config.yml"), "w") as f:
        f.write("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                f"storage:\n  filesystem:\n    rootdirectory: {d}/storage\n"
                f"http:\n  addr: 127.0.0.1:{port}\n")
    log = open(os.path.join(d, "log"), "wb")
    p = subprocess.Popen(["docker-registry", "serve", os.path.join(d, "config.yml")],
                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    with open(os.path.join(WORK, "registry.pid"), "w") as f:
        f.write(str(p.pid))
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return f"127.0.0.1:{port}"
        except OSError:
            if p.poll() is not None:
                break
            time.sleep(0.05)
    raise SystemExit("docker-registry did not start; see " + d + "/log")


# -- the runs -------------------------------------------------------------------------------
def measure(cmd, env=None):
    out = subprocess.run([MEASURE] + cmd, capture_output=True, text=True, env=env).stdout.split()
    wall_us, cpu_us, _rss, rc = (int(x) for x in out)
    if rc != 0:
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        raise SystemExit(f"failed ({rc}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
    return wall_us / 1e6, cpu_us / 1e6


def podman_cmd(d, *args):
    """Same layout as pull.sh's cleanup uses for `system reset`.  podman refuses a runroot
    longer than 50 characters: those live under RUNROOTS (a short /tmp directory)."""
    run = os.path.join(os.environ["RUNROOTS"], os.path.basename(d))
    return ["podman", "--root", f"{d}/root", "--runroot", run, "--tmpdir", f"{d}/tmp",
            "--storage-driver", "overlay", "--cgroup-manager", "cgroupfs",
            "--events-backend", "file", *args]


def tools(image, ref, layers):
    """[(name, cmd(run dir))].  Every run writes into a directory of its own that stays until
    the end: this machine's ext4 has no journal, and without one each inode allocation scans
    past the inodes deleted in the last dirty_expire interval (30 s), so deleting the previous
    run's tree would slow the next run's file creation several-fold (perf: recently_deleted)."""
    gzs = " ".join(f"'{gz}'" for gz, _, _ in layers)
    return [
        ("berth pull", lambda d: [BERTH, "--root", d, "pull", ref]),
        ("podman pull", lambda d: podman_cmd(d, "pull", "--tls-verify=false", ref)),
        ("skopeo copy (dir)", lambda d: ["skopeo", "copy", "--quiet", "--src-tls-verify=false",
                                         f"docker://{ref}", f"dir:{d}"]),
        ("zcat | sha256sum", lambda d: ["sh", "-c",
                                        f"for l in {gzs}; do zcat \"$l\" | sha256sum; done"]),
        ("tar -xzf", lambda d: ["sh", "-c",
                                f"for l in {gzs}; do tar -xzf \"$l\" -C '{d}' || exit 1; done"]),
    ]


def bench(image, ref, layers):
    comp = sum(os.path.getsize(gz) for gz, _, _ in layers)
    ts = tools(image, ref, layers)
    res = {name: ([], []) for name, *_ in ts}
    for i in range(RUNS):
        for t, (name, cmd) in enumerate(ts):
            # podman-* so that pull.sh's cleanup resets podman's stores (and any mounts).
            d = os.path.join(WORK, f"podman-{image}-{i}" if t == 1 else f"run-{image}-{t}-{i}")
            if t == 1:
                os.makedirs(os.path.join(os.environ["RUNROOTS"], os.path.basename(d)))
            os.makedirs(d)
            sh("sync")
            wall, cpu = measure(cmd(d))
            res[name][0].append(wall)
            res[name][1].append(cpu)
    bw, bc = (statistics.median(v) for v in res["berth pull"])
    print(f"\n== {image}: {len(layers)} layer(s), {comp / 1e6:.1f} MB gzip; "
          f"{RUNS} runs each, interleaved; medians")
    print(f"{'':<20}{'wall s':>8}{'cpu s':>8}{'MB/s':>8}{'wall/berth':>12}{'cpu/berth':>11}"
          f"{'wall min-max':>15}")
    for name, (w, c) in res.items():
        mw, mc = statistics.median(w), statistics.median(c)
        print(f"{name:<20}{mw:>8.2f}{mc:>8.2f}{comp / 1e6 / mw:>8.0f}{mw / bw:>12.2f}"
              f"{mc / bc:>11.2f}{min(w):>8.2f}-{max(w):.2f}")
    sys.stdout.flush()


def main():
    host = start_registry()
    refs, all_layers = {}, {}
    for image in IMAGES:
        layers = all_layers[image] = image_layers(image)
        layout = os.path.join(WORK, "layout-" + image)
        oci_layout(layout, layers)
        ref = refs[image] = f"{host}/bench/{image}:v1"
        sh("skopeo", "copy", "--quiet", "--dest-tls-verify=false", f"oci:{layout}:v1",
           f"docker://{ref}")
        shutil.rmtree(layout)
    # Let the inodes deleted so far (layouts, earlier benchmarks) age past ext4's
    # recently-deleted window before anything is timed.
    sh("sync")
    time.sleep(float(os.environ.get("SETTLE", "31")))
    for image in IMAGES:
        bench(image, refs[image], all_layers[image])


main()
