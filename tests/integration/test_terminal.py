# SPDX-License-Identifier: Apache-2.0
"""process.terminal with --console-socket: the runtime sends the pty master over a unix socket
(SCM_RIGHTS); a small receiver reads the container's output from it."""
import os
import select
import socket
import threading
import time


class ConsoleReceiver:
    """Listens on a unix socket, receives one pty master fd and collects what it reads."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.master = None
        self.data = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(30)
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            _, fds, _, _ = socket.recv_fds(conn, 4096, 1)
        if not fds:
            return
        self.master = fds[0]
        while True:
            r, _, _ = select.select([self.master], [], [], 30)
            if not r:
                return
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # EIO once every slave fd is closed
                return
            if not chunk:
                return
            self.data += chunk

    def wait_for(self, needle, timeout=10):
        end = time.time() + timeout
        while needle not in self.data and time.time() < end:
            time.sleep(0.05)
        return self.data

    def close(self):
        self.sock.close()
        self.thread.join(5)
        if self.master is not None:
            os.close(self.master)


def terminal_container(ctr, args, **cfg):
    ctr.config["process"]["terminal"] = True
    ctr.config["process"].update(cfg)
    rx = ConsoleReceiver(ctr.base / "console.sock")
    ctr.create(args, extra=["--console-socket", rx.path])
    return rx


def test_console_socket_output(ctr):
    rx = terminal_container(ctr, ["sh", "-c", "tty; echo hello-from-pty; sleep 1000"])
    try:
        ctr.ok("start", ctr.id)
        data = rx.wait_for(b"hello-from-pty")
        assert b"hello-from-pty" in data, data
        assert b"/dev/pts/" in data or b"/dev/console" in data, data
    finally:
        ctr.runtime("delete", "--force", ctr.id)
        rx.close()


def test_terminal_stdio_is_a_tty(ctr):
    rx = terminal_container(ctr, ["/probe", "sleep", "0"])
    try:
        ctr.ok("start", ctr.id)
        data = rx.wait_for(b"}\r\n")
        text = data.decode(errors="replace")
        import json
        d = json.loads(text[text.index("{"):text.rindex("}") + 1])
        for fd in ("0", "1", "2"):
            assert d["fds"][fd].startswith("/dev/pts/"), d["fds"]
        assert sorted(d["fds"], key=int) == ["0", "1", "2"]
    finally:
        ctr.runtime("delete", "--force", ctr.id)
        rx.close()


def test_terminal_input(ctr):
    rx = terminal_container(ctr, ["sh", "-c", "read line; echo got:$line; sleep 1000"])
    try:
        ctr.ok("start", ctr.id)
        end = time.time() + 10
        while rx.master is None and time.time() < end:
            time.sleep(0.05)
        os.write(rx.master, b"typed\n")
        assert b"got:typed" in rx.wait_for(b"got:typed")
    finally:
        ctr.runtime("delete", "--force", ctr.id)
        rx.close()


def test_console_size(ctr):
    rx = terminal_container(ctr, ["sh", "-c", "stty size; sleep 1000"], consoleSize={"height": 33, "width": 111})
    try:
        ctr.ok("start", ctr.id)
        assert b"33 111" in rx.wait_for(b"33 111"), rx.data
    finally:
        ctr.runtime("delete", "--force", ctr.id)
        rx.close()


def test_terminal_without_console_socket_refused_when_detached(ctr):
    ctr.config["process"]["terminal"] = True
    ctr.write_config()
    r = ctr.runtime("create", "--bundle", ctr.bundle, ctr.id)
    assert r.returncode != 0
    assert os.listdir(ctr.root) == []


def test_exec_with_tty(ctr):
    r = ctr.run(["sleep", "1000"], detach=True)
    assert r.returncode == 0, r
    rx = ConsoleReceiver(ctr.base / "exec.sock")
    try:
        r = ctr.runtime("exec", "--tty", "--detach", "--console-socket", rx.path, ctr.id,
                        "sh", "-c", "echo exec-tty-$(tty | cut -c1-9); sleep 1000")
        assert r.returncode == 0, r
        assert b"exec-tty-/dev/pts/" in rx.wait_for(b"exec-tty-/dev/pts/"), rx.data
    finally:
        ctr.runtime("delete", "--force", ctr.id)
        rx.close()
