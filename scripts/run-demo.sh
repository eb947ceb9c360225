#!/bin/sh
# run-demo.sh (`make run`): run a busybox container with build/berth-runc and show what isolates
# it: its hostname, `ps` (the shell is PID 1), the capability and seccomp lines of its status and
# the memory limit of its cgroup read from inside.  BERTH_RUNC overrides the runtime.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
runtime=${BERTH_RUNC:-$repo/build/berth-runc}
dir=$(mktemp -d /tmp/berth-demo.XXXXXX)
id="berth-demo-$$"
cleanup() {
	"$runtime" --root "$dir/state" delete --force "$id" >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

"$repo/scripts/make-bundle.sh" "$dir/bundle" sh -c '
echo "hostname:      $(hostname)"
echo "processes (ps):"; ps -o pid,user,comm | sed "s/^/    /"
grep -E "^(CapEff|Seccomp|NoNewPrivs):" /proc/self/status | sed "s/^/status /"
echo "memory limit:  $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes) bytes (cgroup seen from inside)"
echo "pids limit:    $(cat /sys/fs/cgroup/pids/pids.max)"
'
python3 - "$dir/bundle/config.json" "$id" <<'PY'
import json, sys
path, cid = sys.argv[1], sys.argv[2]
cfg = json.load(open(path))
cfg["hostname"] = "berth-demo"
cfg["linux"]["cgroupsPath"] = "/berth-demo/" + cid
cfg["linux"]["resources"]["memory"] = {"limit": 64 << 20}
cfg["linux"]["resources"]["pids"] = {"limit": 32}
cfg["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["kexec_load", "reboot", "swapon", "swapoff"], "action": "SCMP_ACT_ERRNO"}]}
json.dump(cfg, open(path, "w"), indent=2)
PY
echo "runtime: $runtime"
echo "--- inside the container ---"
rc=0
"$runtime" --root "$dir/state" run --bundle "$dir/bundle" "$id" || rc=$?
echo "--- container exited with status $rc ---"
for h in /sys/fs/cgroup/*/; do rmdir "$h/berth-demo" 2>/dev/null || true; done
exit $rc
