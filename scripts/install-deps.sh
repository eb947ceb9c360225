#!/bin/sh
# Install what berth needs to build and test, from Debian 12's archive, when missing.
set -eu
build="gcc make pkg-config libc6-dev libjson-c-dev libseccomp-dev libcap-dev clang clang-format valgrind
	libarchive-dev libisal-dev libzstd-dev zlib1g-dev libssl-dev libdeflate-dev"
test="busybox-static zstd python3-pytest iproute2 runc crun podman containerd skopeo util-linux procps rsyslog"
bench="debootstrap" # bench/pull.sh: the Debian minbase image
missing=""
for p in $build $test $bench; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "berth: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
