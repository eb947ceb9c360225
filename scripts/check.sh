#!/bin/sh
# check.sh: run by `make check` after `make all`.  Runs the unit tests, the ASan+UBSan build and
# its unit tests, then the integration suite (pytest, as root) against build/berth-runc and,
# when the time budget allows, the `not slow` subset against build-asan/berth-runc.  Prints ONE
# final line "N passed, N failed, N skipped" and exits non-zero if anything failed.
# Environment: BERTH_CHECK_BUDGET (seconds, default 1500) bounds the optional ASan pass.
set -u
cd "$(dirname "$0")/.." || exit 2
PY=/usr/bin/python3
budget=${BERTH_CHECK_BUDGET:-1500}
start=$(date +%s)
P=0 F=0 S=0
log=$(mktemp /tmp/berth-check.XXXXXX)

add() { P=$((P + $1)); F=$((F + $2)); S=$((S + $3)); }

# What a test could leave behind: berth's temp dirs, test cgroups, mounts, named netns.  Listed
# before and after the run; anything new at the end is a failure.
traces() {
	{
		ls -d /tmp/berth-* /tmp/berth-it/* /sys/fs/cgroup/*/berth* /sys/fs/cgroup/*/*/berth* \
			2>/dev/null
		awk '$5 ~ /berth/ { print "mount " $5 }' /proc/self/mountinfo
		ip netns list 2>/dev/null | sed 's/^/netns /'
	} | grep -v "^$log\$" | sort
}
traces_before=$(mktemp /tmp/berth-check-traces.XXXXXX)
traces >"$traces_before"
trap 'rm -f "$log" "$traces_before"' EXIT

# The unit runner closes with "N passed, N failed, N skipped".
unit() {
	name=$1
	shift
	echo "== $name"
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log" | tail -n1)
	if [ -z "$line" ]; then
		echo "check: $name printed no summary (exit $rc)"
		add 0 1 0
		return
	fi
	set -- $line
	add "$1" "$3" "$5"
	if [ "$rc" -ne 0 ] && [ "$3" -eq 0 ]; then
		echo "check: $name exited $rc"
		add 0 1 0
	fi
}

# pytest -q ends with e.g. "3 failed, 10 passed, 2 skipped, 1 error in 4.2s".
pytest_run() {
	name=$1
	shift
	echo "== $name"
	env "$@" >"$log" 2>&1
	rc=$?
	tail -n 40 "$log"
	summary=$(tail -n1 "$log")
	n() { echo "$summary" | grep -oE "[0-9]+ $1" | head -n1 | cut -d' ' -f1; }
	p=$(n passed) f=$(n failed) s=$(n skipped) e=$(n error)
	add "${p:-0}" $((${f:-0} + ${e:-0})) "${s:-0}"
	case $rc in
	0 | 1) ;;
	5) echo "check: $name collected no tests (pytest exit 5)" ;;
	*) echo "check: $name: pytest exit $rc"; add 0 1 0 ;;
	esac
}

echo "== format"
if scripts/format-check.sh; then add 1 0 0; else add 0 1 0; fi

unit "unit tests" build/unit-tests

# The whole tree must also build cleanly with clang (-Werror); one pass or one failure.
echo "== clang build"
if make BUILD=build-clang CC=clang all >"$log" 2>&1; then
	echo "clang build: ok"
	add 1 0 0
else
	tail -n 30 "$log"
	echo "check: clang build failed"
	add 0 1 0
fi

# valgrind over the parsers' and utilities' unit tests (the runtime tests use seccomp and
# namespaces, which valgrind 3.19 does not follow).  Forked tests inherit --error-exitcode.
if command -v valgrind >/dev/null 2>&1; then
	for pat in 'json*' 'spec*' 'fs*' 'units*' 'state*' 'signal*' 'names*' 'cgroup_parse*' \
		'mounts_parse*' 'seccomp_parse*' 'registry*' 'digest*' \
		'image_manifest*' 'image_config*' 'image_reference*' 'image_platform*' 'image_chain*' \
		'parse_flags*' 'log*' 'userns_subid*' 'engine_conf*' 'spec_seccomp_docker*' \
		'fuzz_regress*'; do
		unit "valgrind $pat" valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite build/unit-tests "$pat"
	done
else
	echo "check: valgrind not installed; valgrind pass skipped"
fi
if make asan >"$log" 2>&1; then
	unit "unit tests (ASan+UBSan)" env ASAN_OPTIONS=detect_leaks=1 build-asan/unit-tests
else
	tail -n 30 "$log"
	echo "check: make asan failed"
	add 0 1 0
fi

# The fuzz targets, briefly, from their seed corpora (clang's libFuzzer; see scripts/fuzz.sh).
echo "== fuzz (${BERTH_FUZZ_SECONDS:-8}s per target)"
if scripts/fuzz.sh "${BERTH_FUZZ_SECONDS:-8}" >"$log" 2>&1; then
	cat "$log" | tail -n 8
	add "$(grep -c ' runs' "$log")" 0 0
else
	tail -n 30 "$log"
	echo "check: a fuzz target found a problem (inputs in build-fuzz/crashes/)"
	add 0 1 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "check: integration tests need root; skipped"
else
	pytest_run "integration (build/berth-runc)" BERTH_RUNC="$PWD/build/berth-runc" \
		$PY -m pytest -q -p no:cacheprovider tests/integration
	elapsed=$(($(date +%s) - start))
	if [ -x build-asan/berth-runc ] && [ "$elapsed" -lt $((budget / 2)) ]; then
		pytest_run "integration (build-asan/berth-runc, not slow)" \
			BERTH_RUNC="$PWD/build-asan/berth-runc" BERTH="$PWD/build-asan/berth" \
			BERTH_REGISTRY_CLI="$PWD/build-asan/registry-cli" \
			BERTH_STORAGE_TOOL="$PWD/build-asan/storage-tool" ASAN_OPTIONS=detect_leaks=0 \
			$PY -m pytest -q -p no:cacheprovider -m "not slow" tests/integration
	else
		echo "check: ASan integration pass skipped (elapsed ${elapsed}s, budget ${budget}s)"
	fi
fi

echo "== leftovers"
left=$(traces | grep -v "^$traces_before\$" | comm -13 "$traces_before" -)
if [ -z "$left" ]; then
	echo "leftovers: none"
	add 1 0 0
else
	echo "$left" | head -n 20
	echo "check: the tests left the above behind"
	add 0 1 0
fi

echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ]
