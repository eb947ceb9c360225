# SPDX-License-Identifier: Apache-2.0
"""Real registries for the registry-client tests, started and stopped by the tests.

- `registry`: Debian's /usr/bin/docker-registry on 127.0.0.1, a free port, plain HTTP,
  storage in a temp dir.
- `tls_registry`: a second docker-registry with TLS (a CA and a server certificate made
  here with openssl) and htpasswd basic auth (htpasswd -B); the CA goes into a certs.d
  directory the client is pointed at.
- `Proxy`: a small Python HTTP server in front of a registry that can enforce the bearer
  token flow (it is also the token server: GET /token with Basic credentials issues
  tokens bound to the requested scopes), serve tampered responses, delay blob responses
  and count requests.

Every fixture kills its processes and removes its directories.
"""
import base64
import contextlib
import http.client
import http.server
import json
import os
import secrets
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = os.environ.get("BERTH_REGISTRY_CLI", str(REPO / "build" / "registry-cli"))
REGISTRY_BIN = "/usr/bin/docker-registry"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited early with {proc.returncode}")
        with contextlib.suppress(OSError):
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Registry:
    """One docker-registry process; `host` is "127.0.0.1:<port>"."""

    def __init__(self, workdir, tls=None, htpasswd=None, client_ca=None):
        self.dir = Path(workdir)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        (self.dir / "storage").mkdir(parents=True)
        cfg = [
            "version: 0.1",
            "log:",
            "  level: error",
            "  accesslog:",
            "    disabled: true",
            "storage:",
            "  filesystem:",
            f"    rootdirectory: {self.dir / 'storage'}",
            "  delete:",
            "    enabled: true",
            "http:",
            f"  addr: 127.0.0.1:{self.port}",
        ]
        if tls:
            cfg += ["  tls:", f"    certificate: {tls[0]}", f"    key: {tls[1]}"]
            if client_ca:
                cfg += ["    clientcas:", f"      - {client_ca}"]
        if htpasswd:
            cfg += ["auth:", "  htpasswd:", "    realm: berth-test", f"    path: {htpasswd}"]
        (self.dir / "config.yml").write_text("\n".join(cfg) + "\n")
        self.log = open(self.dir / "registry.log", "wb")
        self.proc = subprocess.Popen([REGISTRY_BIN, "serve", str(self.dir / "config.yml")],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            wait_port(self.port, self.proc)
        except Exception:
            self.close()
            raise

    def close(self):
        stop(self.proc)
        self.log.close()


def make_ca_and_cert(d):
    """A CA and a server certificate for 127.0.0.1 signed by it; returns paths."""
    d = Path(d)
    run = lambda *a: subprocess.run(a, check=True, capture_output=True, cwd=d)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=berth test CA", "-keyout", "ca.key", "-out", "ca.crt")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr")
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                               "basicConstraints=CA:FALSE\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.crt")
    return d / "ca.crt", d / "server.crt", d / "server.key"


def make_client_cert(d):
    """A client certificate signed by the CA of make_ca_and_cert(d)."""
    d = Path(d)
    run = lambda *a: subprocess.run(a, check=True, capture_output=True, cwd=d)
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=berth client",
        "-keyout", "client.key", "-out", "client.csr")
    (d / "client-ext.cnf").write_text("extendedKeyUsage=clientAuth\n")
    run("openssl", "x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "client-ext.cnf", "-out", "client.cert")
    return d / "client.cert", d / "client.key"


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Proxy:
    """An HTTP front for `upstream` ("127.0.0.1:port", plain HTTP).

    bearer: enforce the WWW-Authenticate Bearer flow; this server is also the realm
            (/token), issuing tokens for users in `users` (or anonymous when None).
    overrides: {(method, path): (status, headers, body)} answered instead of forwarding.
    tamper: {path: bytes} replace the body of a forwarded GET with these bytes.
    delay: seconds to wait before answering a blob GET (to see parallel transfers).
    """

    def __init__(self, upstream, bearer=False, users=None):
        self.upstream = upstream
        self.bearer = bearer
        self.users = users
        self.tokens = {}
        self.overrides = {}
        self.tamper = {}
        self.delay = 0.0
        self.fail_once = {}  # path -> "500" (answer 500) or "cut" (half the body, then close)
        self.requests = []
        self.token_requests = []
        self.ranges = []  # (path, Range header) of requests that sent one
        self.auths = []  # (method, path, Authorization header or None)
        self.revoke_once = False  # forget every token at the next blob GET (an expiry)
        self.inflight = 0
        self.max_inflight = 0
        self.lock = threading.Lock()
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.server = _Server(("127.0.0.1", self.port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def count(self, method, contains):
        return sum(1 for m, p in self.requests if m == method and contains in p)

    # -- token flow -------------------------------------------------------------------
    def _issue(self, h):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(h.path).query)
        user = None
        auth = h.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            if self.users is None or self.users.get(user) != pw:
                return h._send(401, {}, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
        elif self.users is not None:
            return h._send(401, {}, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
        if q.get("service") != ["berth-test-registry"]:
            return h._send(400, {}, b'{"error":"bad service"}')
        token = secrets.token_hex(16)
        with self.lock:
            self.tokens[token] = set(q.get("scope", []))
            self.token_requests.append((user, q.get("scope", [])))
        h._send(200, {"Content-Type": "application/json"},
                json.dumps({"token": token, "expires_in": 300}).encode())

    def _needed_scope(self, method, path):
        parts = path.split("?")[0].split("/")
        if len(parts) < 3 or path.split("?")[0] in ("/v2/", "/v2"):
            return None
        for i, p in enumerate(parts):
            if p in ("manifests", "blobs", "tags"):
                repo = "/".join(parts[2:i])
                action = "pull" if method in ("GET", "HEAD") else "push"
                return repo, action
        return None

    def _authorized(self, h):
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return False
        with self.lock:
            scopes = self.tokens.get(auth[7:])
        if scopes is None:
            return False
        need = self._needed_scope(h.command, h.path)
        if need is None:
            return True
        repo, action = need
        for s in scopes:
            kind, _, rest = s.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind == "repository" and name == repo and action in actions.split(","):
                return True
        return False

    def _challenge(self, h):
        need = self._needed_scope(h.command, h.path)
        ch = f'Bearer realm="http://{self.host}/token",service="berth-test-registry"'
        if need:
            acts = "pull" if need[1] == "pull" else "pull,push"
            ch += f',scope="repository:{need[0]}:{acts}"'
        h._send(401, {"WWW-Authenticate": ch, "Content-Type": "application/json"},
                b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')

    # -- forwarding -------------------------------------------------------------------
    def _forward(self, h, body):
        conn = http.client.HTTPConnection(self.upstream, timeout=30)
        headers = {k: v for k, v in h.headers.items() if k.lower() != "authorization"}
        conn.request(h.command, h.path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        hdrs = {k: v for k, v in r.getheaders()
                if k.lower() not in ("content-length", "transfer-encoding", "connection")}
        path = h.path.split("?")[0]
        if h.command == "GET" and path in self.tamper:
            data = self.tamper[path]
        conn.close()
        with self.lock:
            mode = self.fail_once.pop(path, None) if h.command == "GET" else None
        if mode == "cut":
            h.send_response(r.status)
            for k, v in hdrs.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            h.close_connection = True
            return
        h._send(r.status, hdrs, data, head=h.command == "HEAD", length=r.getheader(
            "Content-Length") if h.command == "HEAD" else None)

    def _handle(self, h):
        path = h.path.split("?")[0]
        n = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(n) if n else None
        with self.lock:
            self.requests.append((h.command, h.path))
            self.auths.append((h.command, path, h.headers.get("Authorization")))
            if h.headers.get("Range"):
                self.ranges.append((path, h.headers["Range"]))
        if path == "/token":
            return self._issue(h)
        if self.bearer and self.revoke_once and h.command == "GET" and "/blobs/" in path:
            with self.lock:
                self.revoke_once = False
                self.tokens.clear()
        if self.bearer and not self._authorized(h):
            return self._challenge(h)
        if h.command == "GET" and self.fail_once.get(path) == "500":
            with self.lock:
                self.fail_once.pop(path, None)
            return h._send(500, {}, b'{"errors":[{"code":"UNKNOWN"}]}')
        if (h.command, path) in self.overrides:
            st, hdrs, data = self.overrides[(h.command, path)]
            return h._send(st, hdrs, data)
        if h.command == "GET" and "/blobs/sha256:" in path and self.delay:
            with self.lock:
                self.inflight += 1
                self.max_inflight = max(self.max_inflight, self.inflight)
            time.sleep(self.delay)
            try:
                return self._forward(h, body)
            finally:
                with self.lock:
                    self.inflight -= 1
        return self._forward(h, body)

    def _handler(self):
        proxy = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _send(self, status, headers, data, head=False, length=None):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(length if length is not None
                                                       else len(data)))
                self.end_headers()
                if not head:
                    self.wfile.write(data)

            def do_GET(self):
                proxy._handle(self)

            do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

        return H


@pytest.fixture
def workdir():
    d = Path(tempfile.mkdtemp(prefix="berth-reg-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def registry(workdir):
    r = Registry(workdir / "plain")
    yield r
    r.close()


@pytest.fixture
def tls_registry(workdir):
    """(registry, certs_d, user, password): TLS with a test CA and htpasswd basic auth."""
    pki = workdir / "pki"
    pki.mkdir()
    ca, crt, key = make_ca_and_cert(pki)
    user, password = "berth", "s3cret-" + secrets.token_hex(4)
    htp = workdir / "htpasswd"
    subprocess.run(["htpasswd", "-Bbc", str(htp), user, password], check=True,
                   capture_output=True)
    r = Registry(workdir / "tls", tls=(crt, key), htpasswd=htp)
    certs_d = workdir / "certs.d"
    (certs_d / r.host).mkdir(parents=True)
    # Any *.crt is a CA, as in Docker's certs.d.
    shutil.copy(ca, certs_d / r.host / "test-ca.crt")
    yield r, certs_d, user, password
    r.close()


@pytest.fixture
def mtls_registry(workdir):
    """(registry, certs_d with CA and client pair, pki dir): TLS that wants a client cert."""
    pki = workdir / "pki"
    pki.mkdir()
    ca, crt, key = make_ca_and_cert(pki)
    cert, ckey = make_client_cert(pki)
    r = Registry(workdir / "mtls", tls=(crt, key), client_ca=ca)
    certs_d = workdir / "certs.d"
    (certs_d / r.host).mkdir(parents=True)
    shutil.copy(ca, certs_d / r.host / "ca.crt")
    shutil.copy(cert, certs_d / r.host / "client.cert")
    shutil.copy(ckey, certs_d / r.host / "client.key")
    yield r, certs_d
    r.close()


@pytest.fixture
def proxy(registry):
    p = Proxy(registry.host)
    yield p
    p.close()


@pytest.fixture
def bearer_proxy(registry):
    p = Proxy(registry.host, bearer=True, users={"alice": "wonderland"})
    yield p
    p.close()


def cli(*args, auth=None, certs=None, config=None, parallel=None, progress=None,
        stdin=None, check=True):
    """Run build/registry-cli; returns the CompletedProcess (text)."""
    cmd = [CLI]
    for flag, v in (("-a", auth), ("-d", certs), ("-c", config), ("-p", parallel),
                    ("-P", progress)):
        if v is not None:
            cmd += [flag, str(v)]
    cmd += [str(a) for a in args]
    env = dict(os.environ, HOME="/nonexistent", BERTH_REGISTRIES_CONF="/nonexistent.json")
    env.pop("BERTH_AUTH_FILE", None)
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120, env=env)
    if check and r.returncode != 0:
        raise AssertionError(f"{cmd} failed ({r.returncode}): {r.stderr}")
    return r
