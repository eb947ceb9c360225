#!/bin/sh
# fuzz.sh [SECONDS] [TARGET...]: build the libFuzzer targets (`make fuzz`, tests/fuzz/) and run
# each for SECONDS (default 10) on a copy of its seed corpus tests/fuzz/corpus/<target>/, so a run
# never grows the repository.  TARGETs are names like "spec" (default: all).  Prints one line per
# target with its number of runs; exits non-zero if any target found a crash, leak, UB, timeout
# or memory blow-up.  The input that did it is kept in build-fuzz/crashes/ with the log, and
# `build-fuzz/fuzz-<target> <file>` replays it.
set -u
cd "$(dirname "$0")/.." || exit 2
secs=${1:-10}
[ $# -gt 0 ] && shift
targets=${*:-$(ls tests/fuzz/*.c | sed 's|.*/fuzz-||; s|\.c$||')}

log=$(mktemp /tmp/berth-fuzz-make.XXXXXX)
if ! make fuzz >"$log" 2>&1; then
	cat "$log"
	rm -f "$log"
	echo "fuzz: build failed"
	exit 2
fi
rm -f "$log"

tmp=$(mktemp -d /tmp/berth-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export UBSAN_OPTIONS=print_stacktrace=1
failed=0
for t in $targets; do
	mkdir -p "$tmp/$t/corpus" "$tmp/$t/out"
	cp tests/fuzz/corpus/"$t"/* "$tmp/$t/corpus/" 2>/dev/null
	build-fuzz/fuzz-"$t" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 \
		-artifact_prefix="$tmp/$t/out/" "$tmp/$t/corpus" >"$tmp/$t/log" 2>&1
	rc=$?
	# libFuzzer's status lines start with "#<runs>"; the last one is the count so far.
	runs=$(grep -oE '^#[0-9]+' "$tmp/$t/log" | tail -n1 | tr -d '#')
	if [ $rc -eq 0 ]; then
		printf '%-10s ok      %10s runs in %s s\n' "$t" "${runs:-?}" "$secs"
		continue
	fi
	failed=1
	mkdir -p build-fuzz/crashes
	cp "$tmp/$t/log" build-fuzz/crashes/"$t".log
	for f in "$tmp/$t/out"/*; do
		[ -e "$f" ] && cp "$f" build-fuzz/crashes/"$t"-"$(basename "$f")"
	done
	printf '%-10s FAILED  %10s runs (exit %d): see build-fuzz/crashes/%s*\n' "$t" \
		"${runs:-?}" "$rc" "$t"
	grep -m1 -E 'ERROR: |runtime error|Assertion|deadly signal' "$tmp/$t/log" | sed 's/^/    /'
done
exit $failed
