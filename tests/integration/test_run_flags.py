# SPDX-License-Identifier: Apache-2.0
import os
"""The flags of `berth create` / `berth run`: each value lands in the container's Config or
HostConfig as Docker's create body has it (checked with `berth inspect`), and bad values are
refused with Docker's wording before anything is created."""
import pytest

from engine_helpers import engine, image_tar, IMAGE  # noqa: F401 (fixtures)


def _a_disk():
    """A block device of this machine (the throttles need a real one)."""
    for name in sorted(os.listdir("/sys/block")):
        if not name.startswith(("loop", "ram", "zram")) and os.path.exists("/dev/" + name):
            return "/dev/" + name
    return "/dev/loop0"


DISK = _a_disk()


def create(engine, *flags, cmd=()):
    cid = engine.ok("create", *flags, IMAGE, *cmd).out.strip()
    return engine.inspect(cid)


def test_config_fields(engine, tmp_path):
    env_file = tmp_path / "env"
    env_file.write_text("# a comment\n\nFROM_FILE=1\nPASSED\nUNSET_X\n")
    label_file = tmp_path / "labels"
    label_file.write_text("lf=from-file\nshared=file\n")
    env = dict(engine.env, PASSED="through", HOST_ONLY="h")
    env.pop("UNSET_X", None)
    cid = engine("create", "--name", "cfg", "-e", "A=1", "-e", "HOST_ONLY", "-e", "NOPE_UNSET",
                 "--env-file", env_file, "-w", "/tmp", "-u", "33:33", "-h", "box.example",
                 "--label", "k=v", "--label", "bare", "--label", "shared=cli",
                 "--label-file", label_file, "--stop-signal", "SIGUSR1", "--stop-timeout", "7",
                 "--entrypoint", "/bin/echo", "-it", IMAGE, "hello", "world", env=env)
    assert cid.rc == 0, cid
    cfg = engine.inspect("cfg")["Config"]
    assert cfg["Image"] == IMAGE
    assert cfg["Entrypoint"] == ["/bin/echo"]
    assert cfg["Cmd"] == ["hello", "world"]
    # --env-file lines first, then -e; a bare KEY takes berth's own value or is dropped.
    ours = {"FROM_FILE", "PASSED", "A", "HOST_ONLY", "NOPE_UNSET", "UNSET_X"}
    user_env = [e for e in cfg["Env"] if e.split("=")[0] in ours]
    assert user_env == ["FROM_FILE=1", "PASSED=through", "A=1", "HOST_ONLY=h"]
    assert cfg["WorkingDir"] == "/tmp" and cfg["User"] == "33:33"
    assert cfg["Hostname"] == "box.example"
    assert cfg["Labels"] == {"k": "v", "bare": "", "lf": "from-file", "shared": "cli"}
    assert cfg["StopSignal"] == "SIGUSR1" and cfg["StopTimeout"] == 7
    assert cfg["Tty"] is True and cfg["OpenStdin"] is True and cfg["StdinOnce"] is True
    assert cfg["AttachStdin"] is True and cfg["AttachStdout"] and cfg["AttachStderr"]


def test_defaults_and_entrypoint_clear(engine):
    cfg = create(engine)["Config"]
    assert cfg.get("Cmd") == ["sh"]  # the image's, as no command was given
    assert cfg["Tty"] is False and cfg["OpenStdin"] is False and cfg["StdinOnce"] is False
    assert cfg["AttachStdin"] is False and cfg["AttachStdout"] and cfg["AttachStderr"]
    obj = create(engine, "--entrypoint", "", "-a", "stderr", cmd=["true"])
    assert obj["Config"]["Cmd"] == ["true"]
    assert obj["Config"].get("Entrypoint") in ([], None)
    assert obj["Config"]["AttachStdout"] is False and obj["Config"]["AttachStderr"] is True


def test_hostconfig_resources(engine):
    hc = create(engine, "-m", "64m", "--memory-swap", "-1", "--memory-reservation", "32m",
                "--cpus", "1.5", "-c", "512", "--cpuset-cpus", "0", "--cpuset-mems", "0",
                "--pids-limit", "64", "--ulimit", "nofile=1024:2048", "--ulimit", "nproc=50",
                "--ulimit", "nofile=512:1024", "--blkio-weight", "300",
                "--device-read-bps", f"{DISK}:1mb", "--device-write-bps", f"{DISK}:2m",
                "--device-read-iops", f"{DISK}:100", "--oom-score-adj", "-500",
                "--shm-size", "128m")["HostConfig"]
    assert hc["Memory"] == 64 << 20 and hc["MemorySwap"] == -1
    assert hc["MemoryReservation"] == 32 << 20
    assert hc["NanoCpus"] == 1500000000 and hc["CpuShares"] == 512
    assert hc["CpusetCpus"] == "0" and hc["CpusetMems"] == "0"
    assert hc["PidsLimit"] == 64
    assert hc["Ulimits"] == [{"Name": "nofile", "Soft": 512, "Hard": 1024},
                             {"Name": "nproc", "Soft": 50, "Hard": 50}]
    assert hc["BlkioWeight"] == 300
    assert hc["BlkioDeviceReadBps"] == [{"Path": DISK, "Rate": 1 << 20}]
    assert hc["BlkioDeviceWriteBps"] == [{"Path": DISK, "Rate": 2 << 20}]
    assert hc["BlkioDeviceReadIOps"] == [{"Path": DISK, "Rate": 100}]
    assert hc["OomScoreAdj"] == -500 and hc["ShmSize"] == 128 << 20


def test_hostconfig_mounts(engine, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    hc = create(engine, "-v", f"{src}:/data:ro", "-v", "/anon",
                "--mount", f"type=bind,source={src},target=/b,readonly,bind-propagation=rslave",
                "--mount", "type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770",
                "--tmpfs", "/run:rw,size=64k", "--read-only")["HostConfig"]
    assert hc["Binds"] == [f"{src}:/data:ro", "/anon"]
    assert hc["Mounts"][0] == {"Type": "bind", "Source": str(src), "Target": "/b",
                               "ReadOnly": True, "BindOptions": {"Propagation": "rslave"}}
    assert hc["Mounts"][1] == {"Type": "tmpfs", "Target": "/t",
                               "TmpfsOptions": {"SizeBytes": 1 << 20, "Mode": 0o1770}}
    assert hc["Tmpfs"] == {"/run": "rw,size=64k"}
    assert hc["ReadonlyRootfs"] is True


def test_hostconfig_security_and_modes(engine):
    hc = create(engine, "--cap-add", "net_admin", "--cap-add", "SYS_TIME", "--cap-drop", "mknod",
                "--security-opt", "no-new-privileges:true", "--security-opt", "label=disable",
                "--device", "/dev/null:/dev/xnull:rw", "--device-cgroup-rule", "c 1:3 rwm",
                "--userns", "host", "--restart", "on-failure:3", "--init",
                "--log-driver", "json-file", "--log-opt", "max-size=1m", "--log-opt",
                "max-file=2", "--network", "none", "--ipc", "private", "--pid", "host",
                "--uts", "host", "--sysctl", "net.ipv4.ip_forward=1",
                "--privileged=false")["HostConfig"]
    assert hc["CapAdd"] == ["CAP_NET_ADMIN", "CAP_SYS_TIME"] and hc["CapDrop"] == ["CAP_MKNOD"]
    assert hc["SecurityOpt"] == ["no-new-privileges=true", "label=disable"]
    assert hc["Devices"] == [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/xnull",
                              "CgroupPermissions": "rw"}]
    assert hc["DeviceCgroupRules"] == ["c 1:3 rwm"]
    assert hc["UsernsMode"] == "host"
    assert hc["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
    assert hc["Init"] is True and hc["AutoRemove"] is False and hc["Privileged"] is False
    assert hc["LogConfig"] == {"Type": "json-file",
                               "Config": {"max-size": "1m", "max-file": "2"}}
    assert hc["NetworkMode"] == "none" and hc["IpcMode"] == "private"
    assert hc["PidMode"] == "host" and hc["UTSMode"] == "host"
    assert hc["Sysctls"] == {"net.ipv4.ip_forward": "1"}
    assert create(engine, "--rm")["HostConfig"]["AutoRemove"] is True


def test_combined_short_flags_and_equals(engine):
    cfg = create(engine, "-it", "--user=www", "--hostname=h1", "--", cmd=["-x"])["Config"]
    assert cfg["Tty"] and cfg["OpenStdin"] and cfg["User"] == "www" and cfg["Hostname"] == "h1"
    # Options end at the image: what follows is the command, flags included.
    assert cfg["Cmd"] == ["-x"]
    cfg = create(engine, cmd=["ls", "-l", "--rm"])["Config"]
    assert cfg["Cmd"] == ["ls", "-l", "--rm"]


BAD = [
    (["--foo"], "unknown flag: --foo"),
    (["-Z"], "unknown shorthand flag: 'Z' in -Z"),
    (["-m", "abc"], 'invalid argument "abc" for "-m, --memory" flag: invalid size: \'abc\''),
    (["-m", "1m"], "Minimum memory limit allowed is 6MB"),
    (["--memory-swap", "1g"], "You should always set the Memory limit"),
    (["--cpus", "abc"], 'invalid argument "abc" for "--cpus" flag: failed to parse abc'),
    (["--cpus", "4096"], "Range of CPUs is from 0.01 to"),
    (["--ulimit", "nofile"], "invalid ulimit argument: nofile"),
    (["--ulimit", "bogus=1"], "invalid ulimit type: bogus"),
    (["--restart", "sometimes"], "invalid restart policy: unknown policy 'sometimes'"),
    (["--restart", "always:3"], "maximum retry count can only be used with 'on-failure'"),
    (["--restart", "always", "--rm"], "Conflicting options: --restart and --rm"),
    (["-w", "rel"], "the working directory 'rel' is invalid, it needs to be an absolute path"),
    (["--stop-signal", "SIGNOPE"], "Invalid signal: SIGNOPE"),
    (["--blkio-weight", "5"], "Range of blkio weight is from 10 to 1000"),
    (["--oom-score-adj", "1001"], "range for oom score adj is [-1000, 1000]"),
    (["--mount", "type=bind,src=/tmp,dst=/x,bogus=1"], "unexpected key 'bogus' in 'bogus=1'"),
    (["--mount", "type=tmpfs,dst=/x,tmpfs-size=huge"], "invalid value for tmpfs-size: huge"),
    (["-v", "/a:rel"], "mount path must be absolute"),
    (["-v", "/a:/b:bogus"], "invalid mode: bogus"),
    (["--device", "/dev/null:/dev/x:rwx"], "bad mode specified: rwx"),
    (["--device-read-bps", "sda:1m"], "bad format for device path: sda:1m"),
    (["--device-cgroup-rule", "q 1:1 r"], "invalid device cgroup format 'q 1:1 r'"),
    (["--cap-add", "bogus"], 'unknown capability: "CAP_BOGUS"'),
    (["--security-opt", "nonsense=1"], 'invalid --security-opt: "nonsense=1"'),
    (["--security-opt", "no-new-privileges=maybe"], "invalid --security-opt"),
    (["--sysctl", "kernel.hostname=x"], "sysctl 'kernel.hostname=x' is not allowed"),
    (["--env-file", "/nonexistent/env"], "/nonexistent/env"),
    (["--pull", "sometimes"], "invalid pull option: 'sometimes'"),
    (["--userns", "bogus"], "invalid USER mode: bogus"),
    (["--ipc", "bogus"], "invalid IPC mode: bogus"),
    (["-a", "stdbogus"], "valid streams are STDIN, STDOUT and STDERR"),
    (["--log-driver", "none", "--log-opt", "a=b"], "invalid logging opts for driver none"),
    (["--rm=maybe"], 'invalid argument "maybe" for "--rm" flag'),
    (["-d"], "unknown shorthand flag: 'd' in -d"),  # create has no -d
    (["--memory"], "flag needs an argument: --memory"),
]


@pytest.mark.parametrize("flags,message", BAD, ids=[" ".join(b[0]) for b in BAD])
def test_bad_values_refused(engine, flags, message):
    args = ["create", *flags] if flags == ["--memory"] else ["create", *flags, IMAGE]
    r = engine(*args)
    assert r.rc != 0 and message in r.err, r
    assert engine.ok("ps", "-aq").out == ""


def test_requires_an_image(engine):
    r = engine("create")
    assert r.rc != 0 and '"berth create" requires at least 1 argument' in r.err
    r = engine("create", "-t")
    assert r.rc != 0 and '"berth create" requires at least 1 argument' in r.err


def test_cidfile_must_not_exist(engine, tmp_path):
    f = tmp_path / "cid"
    f.write_text("old")
    r = engine("create", "--cidfile", f, IMAGE)
    assert r.rc != 0 and "container ID file found" in r.err
    assert engine.ok("ps", "-aq").out == "" and f.read_text() == "old"


def test_env_file_bad_line(engine, tmp_path):
    f = tmp_path / "env"
    f.write_text("GOOD=1\nBAD KEY=2\n")
    r = engine("create", "--env-file", f, IMAGE)
    assert r.rc != 0 and "variable 'BAD KEY' contains whitespaces" in r.err
