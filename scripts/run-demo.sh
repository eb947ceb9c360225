#!/bin/sh
# run-demo.sh (`make run`): `berth run --rm busybox` with a memory and a pids limit, printing
# from inside what isolates it: who it is (root, but an unprivileged host uid: user namespaces
# are on by default), its hostname, its capabilities (decoded), NoNewPrivs and seccomp, the
# limits read from its own cgroup (v1 or v2), and `ps` (the shell is PID 1).
# The data root is $BERTH_ROOT or /var/lib/berth; the built-in image (build/busybox-image.tar,
# scripts/make-busybox-image.sh) is loaded there first if busybox:latest is missing.
# Environment: BERTH (default build/berth), BERTH_ROOT.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
berth=${BERTH:-$repo/build/berth}
root=${BERTH_ROOT:-/var/lib/berth}
image=$repo/build/busybox-image.tar

if ! "$berth" --root "$root" image inspect busybox:latest >/dev/null 2>&1; then
	echo "loading the built-in image into $root"
	"$berth" --root "$root" load -i "$image"
fi

# The script the container runs (busybox sh).
inside=$(
	cat <<'EOF'
echo "id:             $(id)"
set -- $(cat /proc/self/uid_map)
if [ "$1 $2" = "0 0" ]; then
	echo "host uid:       0 (no user namespace: container root is host root)"
else
	echo "host uid:       $2 (uid $1 inside is uid $2 on the host; a user namespace of $3 ids)"
fi
echo "hostname:       $(hostname)"
names="chown dac_override dac_read_search fowner fsetid kill setgid setuid setpcap
linux_immutable net_bind_service net_broadcast net_admin net_raw ipc_lock ipc_owner sys_module
sys_rawio sys_chroot sys_ptrace sys_pacct sys_admin sys_boot sys_nice sys_resource sys_time
sys_tty_config mknod lease audit_write audit_control setfcap mac_override mac_admin syslog
wake_alarm block_suspend audit_read perfmon bpf checkpoint_restore"
decode() {
	i=0 out=""
	for n in $names; do
		[ $(((0x$1 >> i) & 1)) = 1 ] && out="$out${out:+,}$n"
		i=$((i + 1))
	done
	echo "${out:-none}"
}
grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/self/status |
while read -r key val; do
	case $key in
	Cap*) printf '%-15s %s  %s\n' "$key" "$val" "$(decode "$val")" ;;
	Seccomp:) printf '%-15s %s  %s\n' "$key" "$val" \
		"$(case $val in 0) echo off ;; 1) echo strict ;; 2) echo filter ;; esac)" ;;
	*) printf '%-15s %s\n' "$key" "$val" ;;
	esac
done
cg=/sys/fs/cgroup
val() { cat "$1" 2>/dev/null || echo "(unreadable)"; }
if [ -f $cg/memory/memory.limit_in_bytes ]; then
	echo "memory limit:   $(val $cg/memory/memory.limit_in_bytes) bytes (cgroup v1: $cg/memory/memory.limit_in_bytes)"
	echo "pids limit:     $(val $cg/pids/pids.max) (cgroup v1: $cg/pids/pids.max)"
elif [ -f $cg/memory.max ]; then
	echo "memory limit:   $(val $cg/memory.max) bytes (cgroup v2: $cg/memory.max)"
	echo "pids limit:     $(val $cg/pids.max) (cgroup v2: $cg/pids.max)"
else
	echo "memory limit:   (no cgroup files visible under $cg)"
fi
echo "processes (ps):"
ps -o pid,user,comm | sed 's/^/    /'
EOF
)

echo "berth: $berth (data root $root)"
echo "\$ berth run --rm --hostname berth-demo --memory 64m --pids-limit 64 busybox sh -c '...'"
echo "--- inside the container ---"
rc=0
"$berth" --root "$root" run --rm --hostname berth-demo --memory 64m --pids-limit 64 \
	busybox sh -c "$inside" || rc=$?
echo "--- container exited with status $rc ---"
exit $rc
