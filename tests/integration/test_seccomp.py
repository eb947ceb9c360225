# SPDX-License-Identifier: Apache-2.0
"""linux.seccomp: the filter is installed, actions and errnoRet reach the syscall, argument
conditions select, and the default action applies to everything not listed."""
import errno
import os

import pytest

ARCHES = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]

# Enough for the runtime's last steps before execve and for the static probe.
ALLOW = """read write close fstat newfstatat statx stat lstat lseek mmap mprotect munmap brk
rt_sigaction rt_sigprocmask rt_sigreturn ioctl pread64 readv writev access pipe pipe2 select
sched_yield mremap madvise dup dup2 dup3 nanosleep clock_nanosleep getpid getppid getuid geteuid
getgid getegid getgroups setgroups getcwd chdir fchdir readlink readlinkat umask uname fcntl
getdents64 openat open prctl arch_prctl set_tid_address set_robust_list rseq prlimit64 getrlimit
exit exit_group futex execve execveat sigaltstack gettid tgkill kill getrandom capget capset
setuid setgid setresuid setresgid personality ioprio_get sched_getscheduler sched_getparam
getpriority wait4 waitid clone clone3 fork vfork socket close_range epoll_pwait epoll_ctl
epoll_create1 sched_getaffinity mlock munlock faccessat faccessat2 fsync setsid statfs fstatfs
poll ppoll epoll_wait getdents nanosleep""".split()


def seccomp(ctr, syscalls, default="SCMP_ACT_ALLOW", **extra):
    ctr.config["linux"]["seccomp"] = {"defaultAction": default, "architectures": ARCHES,
                                      "syscalls": syscalls, **extra}


def probe_errno(d, i=0):
    return d["actions"][i]["errno"]


def test_no_seccomp_by_default(ctr):
    assert ctr.run_probe()["status"]["Seccomp"] == "0"


def test_filter_installed(ctr):
    seccomp(ctr, [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}])
    d = ctr.run_probe(None, "syscall", "mkdir", "syscall", "getpid")
    assert d["status"]["Seccomp"] == "2"
    assert probe_errno(d, 0) == errno.EPERM
    assert probe_errno(d, 1) == 0


def test_errno_ret(ctr):
    seccomp(ctr, [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.ENOMSG},
                  {"names": ["dup"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EXDEV}])
    d = ctr.run_probe(None, "syscall", "mkdir", "syscall", "dup", "syscall", "getpid")
    assert [probe_errno(d, i) for i in range(3)] == [errno.ENOMSG, errno.EXDEV, 0]


def test_arg_condition_eq(ctr):
    seccomp(ctr, [{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EACCES,
                   "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}])
    d = ctr.run_probe(None, "syscall", "socket:2", "syscall", "socket:1")
    assert probe_errno(d, 0) == errno.EACCES  # AF_INET
    assert probe_errno(d, 1) == 0             # AF_UNIX


def test_arg_condition_masked_eq(ctr):
    # personality(0x0008) is refused, personality(0xffffffff) (a query) is not.
    seccomp(ctr, [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EINVAL,
                   "args": [{"index": 0, "value": 0xff, "valueTwo": 0x8, "op": "SCMP_CMP_MASKED_EQ"}]}])
    d = ctr.run_probe(None, "syscall", "personality:8", "syscall", "personality:0xffffffff")
    assert probe_errno(d, 0) == errno.EINVAL
    assert probe_errno(d, 1) == 0


def test_arg_condition_ne(ctr):
    seccomp(ctr, [{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EACCES,
                   "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_NE"}]}])
    d = ctr.run_probe(None, "syscall", "socket:2", "syscall", "socket:1")
    assert probe_errno(d, 0) == errno.EACCES
    assert probe_errno(d, 1) == 0


def test_default_action_errno(ctr):
    seccomp(ctr, [{"names": ALLOW, "action": "SCMP_ACT_ALLOW"}], default="SCMP_ACT_ERRNO")
    d = ctr.run_probe(None, "syscall", "mkdir", "syscall", "getpid", "syscall", "sethostname")
    assert probe_errno(d, 0) == errno.EPERM
    assert probe_errno(d, 1) == 0
    assert probe_errno(d, 2) == errno.EPERM


def test_default_errno_ret(ctr):
    seccomp(ctr, [{"names": ALLOW, "action": "SCMP_ACT_ALLOW"}], default="SCMP_ACT_ERRNO",
            defaultErrnoRet=errno.ENOTSUP)
    d = ctr.run_probe(None, "syscall", "mkdir")
    assert probe_errno(d, 0) == errno.ENOTSUP


def test_kill_action(ctr):
    seccomp(ctr, [{"names": ["mkdir"], "action": "SCMP_ACT_KILL"}])
    r = ctr.run(["/probe", "syscall", "mkdir"])
    assert r.returncode == 128 + 31, r  # SIGSYS


def test_kill_process_action(ctr):
    seccomp(ctr, [{"names": ["mkdir"], "action": "SCMP_ACT_KILL_PROCESS"}])
    r = ctr.run(["/probe", "syscall", "mkdir"])
    assert r.returncode == 128 + 31, r


def test_log_action_allows(ctr):
    seccomp(ctr, [{"names": ["mkdir"], "action": "SCMP_ACT_LOG"}])
    d = ctr.run_probe(None, "syscall", "mkdir")
    assert probe_errno(d, 0) == 0


def test_seccomp_without_no_new_privileges(ctr):
    # The filter must be installed while the process can still do so without NNP.
    ctr.config["process"]["noNewPrivileges"] = False
    seccomp(ctr, [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.ENOMSG}])
    d = ctr.run_probe(None, "syscall", "mkdir")
    assert d["status"]["NoNewPrivs"] == "0"
    assert d["status"]["Seccomp"] == "2"
    assert probe_errno(d, 0) == errno.ENOMSG


def test_seccomp_non_root_user(ctr):
    ctr.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    ctr.config["process"]["noNewPrivileges"] = False
    seccomp(ctr, [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}])
    d = ctr.run_probe(None, "syscall", "mkdir")
    assert d["uid"] == 1000
    assert probe_errno(d, 0) == errno.EPERM


@pytest.mark.parametrize("bad", [{"defaultAction": "SCMP_ACT_BOGUS"},
                                 {"defaultAction": "SCMP_ACT_ALLOW",
                                  "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOPE"}]},
                                 {"defaultAction": "SCMP_ACT_ALLOW",
                                  "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ERRNO",
                                                "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_BAD"}]}]}])
def test_bad_seccomp_refused(ctr, bad):
    ctr.config["linux"]["seccomp"] = bad
    r = ctr.run(["/probe"])
    assert r.returncode != 0
    assert r.stdout == ""


class NotifyListener:
    """A seccomp agent on listenerPath: receives the notify fd and the container process state
    (SCM_RIGHTS + JSON, as the runtime spec says) and answers every notification with EXDEV."""

    RECV = 0xc0502100  # SECCOMP_IOCTL_NOTIF_RECV, struct seccomp_notif (80 bytes)
    SEND = 0xc0182101  # SECCOMP_IOCTL_NOTIF_SEND, struct seccomp_notif_resp (24 bytes)

    def __init__(self, path):
        import socket
        import threading
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(1)
        self.state, self.answered, self.error = None, 0, None
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        import array
        import fcntl
        import json
        import socket
        import struct
        try:
            conn, _ = self.sock.accept()
            fds, data = array.array("i"), b""
            while True:
                msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * 4))
                for level, typ, cdata in anc:
                    if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                        fds.frombytes(cdata[:len(cdata) - len(cdata) % 4])
                if not msg:
                    break
                data += msg
            conn.close()
            self.state = json.loads(data)
            nfd = fds[0]
            buf = bytearray(80)
            while True:
                fcntl.ioctl(nfd, self.RECV, buf)
                nid = struct.unpack_from("Q", buf, 0)[0]
                fcntl.ioctl(nfd, self.SEND, bytearray(struct.pack("QqiI", nid, 0, -errno.EXDEV, 0)))
                self.answered += 1
        except OSError as e:  # the notify fd ends when the container does
            if self.state is None:
                self.error = e
        finally:
            self.sock.close()


@pytest.mark.parametrize("nnp", [True, False])
def test_notify_reaches_listener_path(ctr, nnp):
    ctr.config["process"]["noNewPrivileges"] = nnp
    path = ctr.base / "agent.sock"
    agent = NotifyListener(path)
    seccomp(ctr, [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}],
            listenerPath=str(path), listenerMetadata="berth-test-meta")
    d = ctr.run_probe(None, "syscall", "mkdir", "syscall", "getpid")
    assert probe_errno(d, 0) == errno.EXDEV  # answered by the agent
    assert probe_errno(d, 1) == 0
    agent.thread.join(5)
    assert agent.error is None, agent.error
    st = agent.state
    assert st["fds"] == ["seccompFd"]
    assert st["metadata"] == "berth-test-meta"
    assert st["state"]["id"] == ctr.id and st["pid"] > 0
    assert agent.answered >= 1


def test_notify_in_exec(ctr):
    # The exec'd process loads the container's profile too: its own listener reaches the
    # same listenerPath, with the exec'd process's pid.
    path = ctr.base / "agent.sock"
    seccomp(ctr, [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}], listenerPath=str(path))
    NotifyListener(path)
    ctr.run(["sleep", "1000"], detach=True)
    init = ctr.state()["pid"]
    os.unlink(path)
    agent = NotifyListener(path)
    r = ctr.runtime("exec", ctr.id, "/probe", "syscall", "mkdir")
    assert r.returncode == 0, r
    assert probe_errno(r.json(), 0) == errno.EXDEV
    assert agent.state["pid"] > 0 and agent.state["pid"] != init
    assert agent.state["state"]["id"] == ctr.id
    ctr.ok("delete", "--force", ctr.id)


def test_compiled_filter_is_cached_and_a_corrupt_entry_rebuilt(ctr):
    # The runtime compiles a profile once into <root>/.seccomp-cache/<key>.bpf (root-only) and
    # the init loads that program; an entry that fails verification is never loaded.
    seccomp(ctr, [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.ENOMSG}])
    cache = ctr.root / ".seccomp-cache"
    assert probe_errno(ctr.run_probe(None, "syscall", "mkdir")) == errno.ENOMSG
    assert (cache.stat().st_mode & 0o777) == 0o700
    [entry] = list(cache.iterdir())
    good, ino = entry.read_bytes(), entry.stat().st_ino

    # Second run: the entry is read, not rewritten.
    assert probe_errno(ctr.run_probe(None, "syscall", "mkdir")) == errno.ENOMSG
    assert entry.stat().st_ino == ino

    # Turn the program's "return ENOMSG" into "return EXDEV": a valid filter the kernel would
    # take, so only berth's own verification can tell.  It is refused and rebuilt.
    ret_enomsg = (0x00050000 | errno.ENOMSG).to_bytes(4, "little")
    assert ret_enomsg in good
    entry.write_bytes(good.replace(ret_enomsg, (0x00050000 | errno.EXDEV).to_bytes(4, "little")))
    assert probe_errno(ctr.run_probe(None, "syscall", "mkdir")) == errno.ENOMSG
    assert entry.read_bytes() == good
    assert entry.stat().st_ino != ino
