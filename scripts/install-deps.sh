#!/bin/sh
# Install what berth needs to build and test, from Debian 12's archive, when missing.
set -eu
build="gcc make pkg-config libc6-dev libjson-c-dev libseccomp-dev libcap-dev clang clang-format valgrind
	libarchive-dev libisal-dev libzstd-dev zlib1g-dev libssl-dev libcurl4-openssl-dev libdeflate-dev"
test="busybox-static zstd gzip python3-pytest iproute2 runc crun podman containerd skopeo umoci
	docker-registry apache2-utils openssl util-linux procps rsyslog"
# bench/pull.sh: the Debian minbase image; bench/run.sh: docker run (the bench starts its own
# dockerd and stops it; no system dockerd is left running, see below)
bench="debootstrap docker.io"
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
dockerd_before=$(pgrep -x dockerd || true)
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# Debian's docker.io starts a system dockerd (systemd units or its init script) unless a
# policy-rc.d forbids it.  berth's benchmark starts its own; stop one that this install started.
case " $missing " in *" docker.io "*)
	if [ -z "$dockerd_before" ] && pgrep -x dockerd >/dev/null; then
		if [ -d /run/systemd/system ]; then
			systemctl stop docker.socket docker.service || true
		elif [ -x /etc/init.d/docker ]; then
			/etc/init.d/docker stop || true
		fi
		if pgrep -x dockerd >/dev/null; then
			echo "berth: a system dockerd is still running" >&2
		fi
	fi
	;;
esac
