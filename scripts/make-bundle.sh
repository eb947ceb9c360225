#!/bin/sh
# make-bundle.sh DIR [ARG...]: build an OCI bundle in DIR for tests, the demo and the benchmark.
#
# DIR/rootfs holds a static busybox with a symlink per applet in /bin, the probe at /probe
# (when built), /etc/passwd and /etc/group, and the usual empty mount points.  DIR/config.json
# is a runc-spec-like default with process.args = ARG... (default: sh), no terminal, a
# writable root and the default namespaces, mounts, masked and read-only paths.
# Environment: BERTH_PROBE (default <repo>/build/probe), BUSYBOX (default /bin/busybox).
set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 DIR [ARG...]" >&2
	exit 2
fi
dir=$1
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
busybox=${BUSYBOX:-/bin/busybox}
probe=${BERTH_PROBE:-$repo/build/probe}

if ! "$busybox" --list >/dev/null 2>&1; then
	echo "make-bundle: '$busybox' is not a busybox binary (install busybox-static)" >&2
	exit 1
fi
if ldd_out=$(LC_ALL=C ldd "$busybox" 2>&1) && ! echo "$ldd_out" | grep -q 'not a dynamic'; then
	echo "make-bundle: '$busybox' is dynamically linked; a static busybox is needed" >&2
	exit 1
fi

rootfs=$dir/rootfs
mkdir -p "$rootfs"
for d in bin sbin etc proc sys dev tmp root home var var/tmp run mnt usr usr/bin; do
	mkdir -p "$rootfs/$d"
done
chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
done
if [ -x "$probe" ]; then
	cp "$probe" "$rootfs/probe"
fi

cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
probe:x:1000:1000:probe user:/home/probe:/bin/sh
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
tty:x:5:
probe:x:1000:
extra:x:1001:probe
nogroup:x:65534:
EOF
echo "berth" >"$rootfs/etc/hostname"
: >"$rootfs/etc/resolv.conf"
: >"$rootfs/etc/hosts"

# The config is plain JSON; python's json module quotes the arguments correctly.
python3 - "$dir/config.json" "$@" <<'EOF'
import json, sys

out, args = sys.argv[1], sys.argv[2:] or ["sh"]
caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
def m(dest, typ, src, opts=None):
    d = {"destination": dest, "type": typ, "source": src}
    if opts:
        d["options"] = opts
    return d
cfg = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": args,
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm"],
        "cwd": "/",
        "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": False},
    "hostname": "berth",
    "mounts": [
        m("/proc", "proc", "proc"),
        m("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        m("/dev/pts", "devpts", "devpts",
          ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        m("/dev/shm", "tmpfs", "shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
        m("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
        m("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", "ro"]),
        m("/sys/fs/cgroup", "cgroup", "cgroup", ["nosuid", "noexec", "nodev", "relatime", "ro"]),
    ],
    "linux": {
        "resources": {"devices": [{"allow": False, "access": "rwm"}]},
        "namespaces": [{"type": t} for t in ["pid", "network", "ipc", "uts", "mount"]],
        "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                        "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                          "/proc/sysrq-trigger"],
    },
}
with open(out, "w") as f:
    json.dump(cfg, f, indent=2)
    f.write("\n")
EOF
