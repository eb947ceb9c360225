# SPDX-License-Identifier: Apache-2.0
"""The registry client (lib/registry) against real registries started by the tests.

Driven through build/registry-cli; registries, proxies and token server come from
registry_helpers.py and are stopped and removed after each test.
"""
import hashlib
import json
import os
import stat

import pytest

from registry_helpers import Proxy
from registry_helpers import (  # noqa: F401  (fixtures)
    bearer_proxy, cli, mtls_registry, proxy, registry, tls_registry, workdir)

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob_file(d, name, data):
    p = d / name
    p.write_bytes(data)
    return p


def push_image(host, repo, tag, d, layers, **kw):
    """Push config + layers + an OCI manifest; returns (manifest bytes, blobs)."""
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    blobs = [config] + layers
    for i, b in enumerate(blobs):
        out = cli("put-blob", host, repo, blob_file(d, f"blob{i}", b), **kw).stdout.split()
        assert out[0] == sha(b)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": MT_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": sha(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": sha(b), "size": len(b)} for b in layers],
    }).encode()
    mf = blob_file(d, "manifest.json", manifest)
    cli("put-manifest", host, repo, tag, mf, MT_MANIFEST, **kw)
    return manifest, blobs


def test_push_then_pull_by_tag_and_digest(registry, workdir):
    layers = [os.urandom(300_000), os.urandom(70_000)]
    manifest, blobs = push_image(registry.host, "berth/test", "v1", workdir, layers)
    out = cli("get-manifest", registry.host, "berth/test", "v1", workdir / "m1").stdout.split()
    assert out == [MT_MANIFEST, sha(manifest), str(len(manifest))]
    assert (workdir / "m1").read_bytes() == manifest
    out = cli("get-manifest", registry.host, "berth/test", sha(manifest),
              workdir / "m2").stdout.split()
    assert out[1] == sha(manifest)
    outdir = workdir / "out"
    outdir.mkdir()
    cli("get-blobs", registry.host, "berth/test", outdir,
        *[f"{sha(b)}:{len(b)}" for b in blobs])
    for b in blobs:
        assert (outdir / sha(b)[7:]).read_bytes() == b


def test_unknown_tag_is_a_clear_error(registry, workdir):
    r = cli("get-manifest", registry.host, "berth/none", "nope", workdir / "m", check=False)
    assert r.returncode == 1
    assert "404" in r.stderr and "MANIFEST_UNKNOWN" in r.stderr


def test_parallel_download_of_five_blobs(registry, proxy, workdir):
    blobs = [os.urandom(200_000 + i) for i in range(5)]
    for i, b in enumerate(blobs):
        cli("put-blob", registry.host, "berth/par", blob_file(workdir, f"b{i}", b))
    proxy.delay = 0.5
    outdir = workdir / "out"
    outdir.mkdir()
    r = cli("get-blobs", proxy.host, "berth/par", outdir,
            *[f"{sha(b)}:{len(b)}" for b in blobs], progress="plain")
    for b in blobs:
        assert (outdir / sha(b)[7:]).read_bytes() == b
    assert proxy.max_inflight == 3  # the default parallelism, on one thread
    assert r.stdout.count(": Download complete") == 5
    assert sha(blobs[0])[7:19] + ": Downloading" in r.stdout


def test_tampered_blob_is_refused(registry, proxy, workdir):
    good = os.urandom(100_000)
    cli("put-blob", registry.host, "berth/t", blob_file(workdir, "b", good))
    path = f"/v2/berth/t/blobs/{sha(good)}"
    outdir = workdir / "out"
    outdir.mkdir()
    proxy.tamper[path] = bytes([good[0] ^ 1]) + good[1:]
    r = cli("get-blobs", proxy.host, "berth/t", outdir, f"{sha(good)}:{len(good)}", check=False)
    assert r.returncode == 1 and "digest mismatch" in r.stderr, r.stderr
    proxy.tamper[path] = good + b"x"
    r = cli("get-blobs", proxy.host, "berth/t", outdir, f"{sha(good)}:{len(good)}", check=False)
    assert r.returncode == 1 and "more bytes than the declared size" in r.stderr, r.stderr
    proxy.tamper[path] = good[:-10]
    r = cli("get-blobs", proxy.host, "berth/t", outdir, f"{sha(good)}:{len(good)}", check=False)
    assert r.returncode == 1, r.stderr


def test_failed_transfers_are_retried_once_resuming(registry, proxy, workdir):
    blobs = [os.urandom(300_000), os.urandom(200_000)]
    for i, b in enumerate(blobs):
        cli("put-blob", registry.host, "berth/r", blob_file(workdir, f"b{i}", b))
    outdir = workdir / "out"
    outdir.mkdir()
    paths = [f"/v2/berth/r/blobs/{sha(b)}" for b in blobs]
    proxy.fail_once = {paths[0]: "500", paths[1]: "cut"}
    cli("get-blobs", proxy.host, "berth/r", outdir, *[f"{sha(b)}:{len(b)}" for b in blobs])
    for b in blobs:
        assert (outdir / sha(b)[7:]).read_bytes() == b
    assert proxy.count("GET", paths[0]) == 2 and proxy.count("GET", paths[1]) == 2
    # The cut transfer resumed where the sink stopped; the 500 one started over.
    assert proxy.ranges == [(paths[1], f"bytes={len(blobs[1]) // 2}-")]
    # Twice broken is one failure too many.
    proxy.fail_once = {paths[0]: "500"}
    proxy.overrides[("GET", paths[1])] = (500, {}, b"")
    r = cli("get-blobs", proxy.host, "berth/r", outdir, f"{sha(blobs[1])}:{len(blobs[1])}",
            check=False)
    assert r.returncode == 1 and "HTTP status 500" in r.stderr, r.stderr


def test_mirrors_are_tried_first(registry, proxy, workdir):
    manifest, _ = push_image(registry.host, "berth/mirror", "v1", workdir, [b"l"])
    conf = workdir / "registries.json"
    conf.write_text(json.dumps({"registry-mirrors": {registry.host: [proxy.host]}}))
    out = cli("get-manifest", registry.host, "berth/mirror", "v1", workdir / "m",
              config=conf).stdout.split()
    assert out[1] == sha(manifest)
    assert proxy.count("GET", "/v2/berth/mirror/manifests/v1") == 1
    # A dead mirror is passed over for the registry itself.
    from registry_helpers import free_port
    conf.write_text(json.dumps({"registry-mirrors": {registry.host: [
        f"127.0.0.1:{free_port()}"]}}))
    out = cli("get-manifest", registry.host, "berth/mirror", "v1", workdir / "m",
              config=conf).stdout.split()
    assert out[1] == sha(manifest)
    conf.write_text('{"registry-mirrors": {"x": "not a list"}}')
    r = cli("get-manifest", registry.host, "berth/mirror", "v1", workdir / "m", config=conf,
            check=False)
    assert r.returncode == 1 and "registry-mirrors.x" in r.stderr, r.stderr


def test_tampered_manifest_by_digest_is_refused(registry, proxy, workdir):
    manifest, _ = push_image(registry.host, "berth/m", "v1", workdir, [b"layer"])
    path = f"/v2/berth/m/manifests/{sha(manifest)}"
    proxy.tamper[path] = manifest.replace(b"amd64", b"arm64") + b" "
    r = cli("get-manifest", proxy.host, "berth/m", sha(manifest), workdir / "m", check=False)
    assert r.returncode == 1 and "digest mismatch" in r.stderr, r.stderr
    assert not (workdir / "m").exists()
    # By tag, the Docker-Content-Digest header still names the real manifest.
    proxy.tamper["/v2/berth/m/manifests/v1"] = manifest + b"\n"
    r = cli("get-manifest", proxy.host, "berth/m", "v1", workdir / "m", check=False)
    assert r.returncode == 1 and "digest mismatch" in r.stderr, r.stderr


def test_manifest_over_4mib_is_refused(proxy, workdir):
    big = b'{"schemaVersion":2,"pad":"' + b"a" * (4 << 20) + b'"}'
    proxy.overrides[("GET", "/v2/berth/big/manifests/latest")] = (
        200, {"Content-Type": MT_MANIFEST}, big)
    r = cli("get-manifest", proxy.host, "berth/big", "latest", workdir / "m", check=False)
    assert r.returncode == 1 and "larger than 4 MiB" in r.stderr, r.stderr


def test_head_existence_check_skips_the_upload(proxy, workdir):
    f = blob_file(workdir, "b", os.urandom(50_000))
    assert cli("put-blob", proxy.host, "berth/h", f).stdout.split()[1] == "uploaded"
    assert proxy.count("POST", "/blobs/uploads/") == 1
    assert cli("put-blob", proxy.host, "berth/h", f).stdout.split()[1] == "exists"
    assert proxy.count("POST", "/blobs/uploads/") == 1
    assert proxy.count("HEAD", "/v2/berth/h/blobs/sha256:") == 2
    out = cli("blob-exists", proxy.host, "berth/h", sha(f.read_bytes())).stdout.split()
    assert out == ["yes", "50000"]


def test_cross_repository_mount(proxy, workdir):
    data = os.urandom(40_000)
    cli("put-blob", proxy.host, "berth/src", blob_file(workdir, "b", data))
    r = cli("mount-blob", proxy.host, "berth/dst", "berth/src", sha(data))
    assert r.stdout.strip() == "mounted"
    assert proxy.count("POST", f"mount={sha(data)}&from=berth/src") == 1
    assert cli("blob-exists", proxy.host, "berth/dst", sha(data)).stdout.startswith("yes")
    # A blob the source does not have: the registry opens an upload session instead.
    missing = sha(b"not there")
    r = cli("mount-blob", proxy.host, "berth/dst2", "berth/src", missing)
    assert r.stdout.strip() == "not-mounted"
    assert proxy.count("DELETE", "/v2/berth/dst2/blobs/uploads/") == 1


def test_basic_auth_over_tls(tls_registry, workdir):
    reg, certs_d, user, password = tls_registry
    auth = workdir / "cfg" / "berth" / "auth.json"
    # No credentials: a clear 401, not a crash or a plain-HTTP fallback that "works".
    r = cli("put-blob", reg.host, "berth/a", blob_file(workdir, "b", b"x"), auth=auth,
            certs=certs_d, check=False)
    assert r.returncode == 1 and "berth login" in r.stderr, r.stderr
    r = cli("login", reg.host, user, auth=auth, certs=certs_d, stdin="wrong-password\n",
            check=False)
    assert r.returncode == 1 and "401 Unauthorized" in r.stderr, r.stderr
    assert "wrong-password" not in r.stderr
    assert not auth.exists()
    cli("login", reg.host, user, auth=auth, certs=certs_d, stdin=password + "\n")
    assert stat.S_IMODE(auth.stat().st_mode) == 0o600
    assert stat.S_IMODE(auth.parent.stat().st_mode) == 0o700
    stored = json.loads(auth.read_text())["auths"][reg.host]["auth"]
    import base64
    assert base64.b64decode(stored).decode() == f"{user}:{password}"
    manifest, blobs = push_image(reg.host, "berth/a", "v1", workdir, [os.urandom(1000)],
                                 auth=auth, certs=certs_d)
    out = cli("get-manifest", reg.host, "berth/a", "v1", workdir / "m", auth=auth,
              certs=certs_d).stdout.split()
    assert out[1] == sha(manifest)
    # Without the test CA the server certificate is not trusted.
    r = cli("get-manifest", reg.host, "berth/a", "v1", workdir / "m", auth=auth,
            certs=workdir / "empty-certs.d", check=False)
    assert r.returncode == 1 and "certificate" in r.stderr, r.stderr
    assert password not in r.stderr
    cli("logout", reg.host, auth=auth)
    assert reg.host not in json.loads(auth.read_text())["auths"]
    r = cli("logout", reg.host, auth=auth, check=False)
    assert r.returncode == 1 and "not logged in" in r.stderr


def test_bearer_token_flow(bearer_proxy, workdir):
    p = bearer_proxy
    auth = workdir / "auth.json"
    r = cli("get-manifest", p.host, "berth/b", "v1", workdir / "m", auth=auth, check=False)
    assert r.returncode == 1 and "401" in r.stderr, r.stderr
    r = cli("login", p.host, "alice", auth=auth, stdin="bad\n", check=False)
    assert r.returncode == 1 and "401" in r.stderr and "bad" not in r.stderr.split(":")[-1]
    cli("login", p.host, "alice", auth=auth, stdin="wonderland\n")
    manifest, blobs = push_image(p.host, "berth/b", "v1", workdir, [os.urandom(5000)],
                                 auth=auth)
    out = cli("get-manifest", p.host, "berth/b", "v1", workdir / "m", auth=auth).stdout.split()
    assert out[1] == sha(manifest)
    outdir = workdir / "out"
    outdir.mkdir()
    # The token expires under a transfer: the client takes the new challenge and retries.
    p.revoke_once = True
    before = len(p.token_requests)
    cli("get-blobs", p.host, "berth/b", outdir, *[f"{sha(b)}:{len(b)}" for b in blobs],
        auth=auth, parallel=1)
    for b in blobs:
        assert (outdir / sha(b)[7:]).read_bytes() == b
    assert len(p.token_requests) == before + 2  # the first token, then its replacement
    scopes = [s for _, ss in p.token_requests for s in ss]
    assert "repository:berth/b:pull,push" in scopes
    assert "repository:berth/b:pull" in scopes
    assert all(u == "alice" for u, _ in p.token_requests)
    # An upload Location on another host gets no token.
    other = Proxy(p.upstream)
    try:
        p.overrides[("POST", "/v2/berth/b/blobs/uploads/")] = (
            202, {"Location": f"http://{other.host}/v2/berth/b/blobs/uploads/x?_state=y"}, b"")
        r = cli("put-blob", p.host, "berth/b", blob_file(workdir, "new", b"new"), auth=auth,
                check=False)
        assert r.returncode == 1
        assert [a for m, _, a in other.auths if m == "PUT"] == [None]
        assert all(a and a.startswith("Bearer ") for m, path, a in p.auths
                   if m == "POST" and path.endswith("/blobs/uploads/"))
    finally:
        del p.overrides[("POST", "/v2/berth/b/blobs/uploads/")]
        other.close()
    # A cross-repository mount asks for pull on the source as well.
    cli("mount-blob", p.host, "berth/c", "berth/b", sha(blobs[1]), auth=auth)
    assert any("repository:berth/b:pull" in ss and "repository:berth/c:pull,push" in ss
               for _, ss in p.token_requests)


def test_client_certificate_from_certs_d(mtls_registry, workdir):
    reg, certs_d = mtls_registry
    auth = workdir / "auth.json"
    out = cli("put-blob", reg.host, "berth/c", blob_file(workdir, "b", b"mtls"), auth=auth,
              certs=certs_d).stdout.split()
    assert out == [sha(b"mtls"), "uploaded"]
    # Without the client certificate the TLS handshake is refused.
    (certs_d / reg.host / "client.cert").rename(workdir / "client.cert")
    (certs_d / reg.host / "client.key").rename(workdir / "client.key")
    r = cli("blob-exists", reg.host, "berth/c", sha(b"mtls"), auth=auth, certs=certs_d,
            check=False)
    assert r.returncode == 1, r.stdout
    # A certificate without its key is a configuration error, said as such.
    (workdir / "client.cert").rename(certs_d / reg.host / "client.cert")
    r = cli("blob-exists", reg.host, "berth/c", sha(b"mtls"), auth=auth, certs=certs_d,
            check=False)
    assert r.returncode == 1 and "without its key" in r.stderr, r.stderr
