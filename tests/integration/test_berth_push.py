# SPDX-License-Identifier: Apache-2.0
"""`berth push`, `login`, `logout` end to end against real registries (Debian's
docker-registry, plain and TLS+htpasswd): an OCI layout copied in by skopeo, pulled by
berth, pushed to other repositories; checked with skopeo inspect and by podman pulling and
running the pushed image."""
import json
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

import peers
from oci_images import busybox_layer, oci_layout, tar_layer
from registry_helpers import Proxy, registry, tls_registry, workdir  # noqa: F401 (fixtures)

REPO = Path(__file__).resolve().parents[2]
BERTH = os.environ.get("BERTH", str(REPO / "build" / "berth"))

pytestmark = pytest.mark.skipif(not shutil.which("skopeo"), reason="skopeo not installed")


class Berth:
    def __init__(self, root, env):
        self.root = root
        self.env = env

    def __call__(self, *args, check=True, input=None):
        r = subprocess.run([BERTH, "--root", str(self.root), *args], capture_output=True,
                           text=True, timeout=120, env=self.env, input=input)
        if check:
            assert r.returncode == 0, f"berth {' '.join(args)}: {r.returncode}\n{r.stdout}\n{r.stderr}"
        return r


@pytest.fixture
def berth(tmp_path):
    env = dict(os.environ, HOME=str(tmp_path / "home"),
               BERTH_AUTH_FILE=str(tmp_path / "auth" / "auth.json"),
               BERTH_REGISTRIES_CONF=str(tmp_path / "registries.json"))
    env.pop("BERTH_CERTS_D", None)
    b = Berth(tmp_path / "data", env)
    yield b
    shutil.rmtree(b.root, ignore_errors=True)


def image_in_registry(tmp_path, registry, name):
    """A two-layer busybox image copied into @registry as @name by skopeo."""
    layout = tmp_path / "layout"
    top = tar_layer([("etc/motd", "file", b"pushed by berth\n", 0o644)])
    digest = oci_layout(layout, "v1", [busybox_layer(), top],
                        config={"Cmd": ["/bin/sh", "-c", "cat /etc/motd"]})
    subprocess.run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false",
                    f"oci:{layout}:v1", f"docker://{registry.host}/{name}"],
                   check=True, capture_output=True, timeout=120)
    return digest


def skopeo_inspect(ref, *extra):
    r = subprocess.run(["skopeo", "inspect", "--tls-verify=false", *extra, f"docker://{ref}"],
                       check=True, capture_output=True, text=True, timeout=60)
    return json.loads(r.stdout)


def test_push_to_another_repository(berth, registry, tmp_path):
    digest = image_in_registry(tmp_path, registry, "src/app:v1")
    proxy = Proxy(registry.host)
    try:
        src = f"{proxy.host}/src/app:v1"
        berth("pull", "-q", src)
        layers = skopeo_inspect(f"{registry.host}/src/app:v1")["Layers"]
        dst = f"{proxy.host}/dst/app:v2"
        r = berth("push", src, dst)
        assert f"The push refers to repository [{proxy.host}/dst/app]" in r.stdout, r.stdout
        # every blob came from src/app: mounted, none uploaded
        assert r.stdout.count("Mounted from src/app") == 3, r.stdout
        assert proxy.count("PATCH", "/dst/app/") + proxy.count("PUT", "/dst/app/blobs/") == 0
        assert proxy.count("POST", "mount=") == 3
        size = len(open(berth.root / "blobs" / "sha256" / digest[7:], "rb").read())
        assert r.stdout.strip().splitlines()[-1] == f"v2: digest: {digest} size: {size}"
        info = skopeo_inspect(f"{registry.host}/dst/app:v2")
        assert info["Digest"] == digest and info["Layers"] == layers
        # the manifest is the stored bytes, unchanged
        raw = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false",
                              f"docker://{registry.host}/dst/app:v2"], check=True,
                             capture_output=True, timeout=60).stdout
        assert raw == open(berth.root / "blobs" / "sha256" / digest[7:], "rb").read()
        # pushing again: the registry has everything
        r = berth("push", src, dst)
        assert r.stdout.count("Layer already exists") == 3, r.stdout
        assert "Pushed" not in r.stdout and "Mounted" not in r.stdout
        # the image now also knows dst/app
        insp = json.loads(berth("image", "inspect", src).stdout)[0]
        assert f"{proxy.host}/dst/app@{digest}" in insp["RepoDigests"]
    finally:
        proxy.close()


def test_push_uploads_to_a_new_registry_and_tag(berth, registry, tmp_path, workdir):
    from registry_helpers import Registry
    digest = image_in_registry(tmp_path, registry, "src/app:v1")
    src = f"{registry.host}/src/app:v1"
    berth("pull", "-q", src)
    other = Registry(workdir / "other")
    try:
        berth("tag", src, f"{other.host}/copy/app")
        r = berth("push", f"{other.host}/copy/app")
        assert r.stdout.count(": Pushed") == 3 and "Mounted" not in r.stdout, r.stdout
        assert r.stdout.strip().splitlines()[-1].startswith(f"latest: digest: {digest} ")
        assert skopeo_inspect(f"{other.host}/copy/app:latest")["Digest"] == digest
        r = berth("push", "-q", f"{other.host}/copy/app")
        assert r.stdout.strip() == f"{other.host}/copy/app"
    finally:
        other.close()


def test_push_errors_leave_store_untouched(berth, registry, tmp_path):
    image_in_registry(tmp_path, registry, "src/app:v1")
    src = f"{registry.host}/src/app:v1"
    berth("pull", "-q", src)
    before = sorted(os.listdir(berth.root / "images")), (berth.root / "tags.json").read_bytes()
    r = berth("push", "no/such:image", check=False)
    assert r.returncode == 1 and "no such image" in r.stderr, r.stderr
    r = berth("push", src, f"{registry.host}/x@sha256:" + "0" * 64, check=False)
    assert r.returncode == 1 and "digest reference" in r.stderr, r.stderr
    image_id = json.loads(berth("image", "inspect", src).stdout)[0]["Id"]
    for name in (image_id, image_id[7:19]):
        r = berth("push", name, check=False)
        assert r.returncode == 1 and "is not a tag of a local image" in r.stderr, r.stderr
    r = berth("push", "--bogus", src, check=False)
    assert r.returncode == 1 and "invalid flag" in r.stderr
    assert (sorted(os.listdir(berth.root / "images")),
            (berth.root / "tags.json").read_bytes()) == before


def test_login_push_logout(berth, registry, tls_registry, tmp_path):
    reg, certs_d, user, password = tls_registry
    berth.env["BERTH_CERTS_D"] = str(certs_d)
    image_in_registry(tmp_path, registry, "src/app:v1")
    src = f"{registry.host}/src/app:v1"
    berth("pull", "-q", src)
    dst = f"{reg.host}/private/app:v1"
    auth = Path(berth.env["BERTH_AUTH_FILE"])

    r = berth("push", src, dst, check=False)
    assert r.returncode == 1, r.stdout
    assert "wants a user name and password: run berth login" in r.stderr, r.stderr

    r = berth("login", "-u", user, "--password-stdin", reg.host, input="wrong\n", check=False)
    assert r.returncode == 1 and "401 Unauthorized" in r.stderr, r.stderr
    assert f"login to '{reg.host}' as '{user}'" in r.stderr
    assert not auth.exists()

    r = berth("login", "-u", user, "--password-stdin", reg.host, input=password + "\n")
    assert r.stdout.strip() == "Login Succeeded"
    assert stat.S_IMODE(auth.stat().st_mode) == 0o600
    assert reg.host in json.loads(auth.read_text())["auths"]

    r = berth("push", src, dst)
    assert r.stdout.count(": Pushed") == 3, r.stdout
    digest = json.loads(berth("image", "inspect", src).stdout)[0]["RepoDigests"]
    out = subprocess.run(["skopeo", "inspect", "--cert-dir", str(certs_d / reg.host),
                          "--creds", f"{user}:{password}", f"docker://{dst}"],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    assert f"{reg.host}/private/app@{json.loads(out)['Digest']}" in digest

    r = berth("logout", reg.host)
    assert r.stdout.strip() == f"Removing login credentials for {reg.host}"
    assert reg.host not in json.loads(auth.read_text())["auths"]
    r = berth("logout", reg.host, check=False)
    assert r.returncode == 1 and "not logged in" in r.stderr
    r = berth("push", src, f"{reg.host}/private/other:v1", check=False)
    assert r.returncode == 1 and "wants a user name and password" in r.stderr, r.stderr


def test_login_usage_errors(berth):
    r = berth("login", "-p", "x", "--password-stdin", "-u", "u", "localhost:1", check=False)
    assert r.returncode == 1 and "mutually exclusive" in r.stderr
    r = berth("login", "localhost:1", check=False, input="")
    assert r.returncode == 1 and "a user name needed" in r.stderr, r.stderr
    r = berth("login", "-u", "u", "-p", "p", "bad host!", check=False)
    assert r.returncode == 1 and "server" in r.stderr, r.stderr


def test_registries_config_is_loaded(berth):
    Path(berth.env["BERTH_REGISTRIES_CONF"]).write_text('{"no-such-key": 1}')
    for args in (["pull", "localhost:1/a"], ["push", "localhost:1/a"],
                 ["login", "-u", "u", "-p", "p", "localhost:1"]):
        r = berth(*args, check=False)
        assert r.returncode == 1 and "registries.json" in r.stderr, (args, r.stderr)


PODMAN_HOST_TREES = ["/run/containers/networks", "/var/lib/containers/cache"]
PODMAN_HOST_DIRS = ["/run/containers", "/var/lib/containers"]


def test_podman_runs_the_pushed_image(berth, registry, tmp_path):
    if not shutil.which("podman") or not os.path.exists("/usr/bin/runc"):
        pytest.skip("podman or runc not installed")
    image_in_registry(tmp_path, registry, "src/app:v1")
    src = f"{registry.host}/src/app:v1"
    berth("pull", "-q", src)
    berth("push", src, f"{registry.host}/pushed/app:v1")

    top = Path(tempfile.mkdtemp(prefix="berth-push-podman-"))
    parent = f"berth-push-podman-{os.getpid()}"
    guard = peers.HostLeftovers(trees=PODMAN_HOST_TREES, dirs=PODMAN_HOST_DIRS,
                                cgroups=["libpod_parent", parent])
    (top / "containers.conf").write_text(f'[containers]\nnetns = "none"\n'
                                         f'[engine]\ncgroup_manager = "cgroupfs"\n'
                                         f'events_logger = "file"\n'
                                         f'events_logfile_path = "{top}/events.log"\n')
    (top / "storage.conf").write_text(f'[storage]\ndriver = "overlay"\n'
                                      f'graphroot = "{top}/root"\nrunroot = "{top}/runroot"\n')
    (top / "registries.conf").write_text("unqualified-search-registries = []\n")
    env = dict(os.environ, CONTAINERS_CONF=str(top / "containers.conf"),
               CONTAINERS_STORAGE_CONF=str(top / "storage.conf"),
               CONTAINERS_REGISTRIES_CONF=str(top / "registries.conf"))
    podman = ["podman", "--root", str(top / "root"), "--runroot", str(top / "runroot"),
              "--tmpdir", str(top / "tmp"), "--cgroup-manager", "cgroupfs",
              "--events-backend", "file", "--runtime", "/usr/bin/runc"]
    problems = []
    try:
        subprocess.run([*podman, "pull", "-q", "--tls-verify=false",
                        f"{registry.host}/pushed/app:v1"], check=True, capture_output=True,
                       env=env, timeout=120)
        r = subprocess.run([*podman, "run", "--rm", "--network", "none",
                            "--cgroup-parent", f"/{parent}",
                            "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768",
                            f"{registry.host}/pushed/app:v1"],
                           capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "pushed by berth"
    finally:
        subprocess.run([*podman, "rm", "--all", "--force"], capture_output=True, env=env)
        subprocess.run([*podman, "system", "reset", "--force"], capture_output=True, env=env)
        leaked = peers.unmount_all_under(str(top))
        if leaked:
            problems.append(f"mounts left under {top}: {leaked}")
        problems += [f"cgroup not removable: {c}" for c in guard.remove()]
        shutil.rmtree(top, ignore_errors=True)
    assert not problems, "; ".join(problems)
