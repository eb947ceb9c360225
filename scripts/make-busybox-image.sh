#!/bin/bash
# make-busybox-image.sh OUT.tar [ROOTFS.tar]: berth's built-in default image, busybox:latest,
# made at build time from Debian's busybox-static (no network, no registry).  OUT.tar is an OCI
# image layout in a tar (oci-archive) that `berth load -i OUT.tar` and `podman load` read; with
# ROOTFS.tar, the uncompressed layer (a plain rootfs tar) is written there too, for
# `podman import` / `docker import` (bench/run.sh).
#
# The rootfs: /bin/busybox and a symlink per applet (`busybox --list`) in /bin, /etc/passwd and
# /etc/group (root, nobody 65534, user 1000), /tmp (1777), /root (0700), /home, and the empty
# mount points.  Config: Cmd ["sh"], Env PATH.  Reproducible: every mode set explicitly, every
# mtime and the "created" time are busybox's own mtime (set by dpkg from the package, or
# $SOURCE_DATE_EPOCH), entries sorted by name, owners 0:0 numeric, `gzip -n`; the same busybox
# gives the same bytes, so the same manifest digest and image ID.
# Environment: BUSYBOX (default /bin/busybox), SOURCE_DATE_EPOCH.
set -euo pipefail
export LC_ALL=C
umask 022

out=${1:?usage: make-busybox-image.sh OUT.tar [ROOTFS.tar]}
rootfs_out=${2:-}
busybox=${BUSYBOX:-/bin/busybox}
ref="docker.io/library/busybox:latest"

if ! "$busybox" --list >/dev/null 2>&1; then
	echo "make-busybox-image.sh: $busybox is not a busybox binary (apt-get install busybox-static)" >&2
	exit 1
fi
if ldd "$busybox" >/dev/null 2>&1; then
	echo "make-busybox-image.sh: $busybox is dynamically linked; busybox-static is needed" >&2
	exit 1
fi
epoch=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$busybox")}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
case $(uname -m) in
x86_64) arch=amd64 variant= ;;
aarch64) arch=arm64 variant=v8 ;;
armv7l) arch=arm variant=v7 ;;
armv6l) arch=arm variant=v6 ;;
i?86) arch=386 variant= ;;
*) arch=$(uname -m) variant= ;;
esac
version=$("$busybox" 2>&1 | sed -n '1s/^BusyBox \(v[^ ]*\).*/\1/p')

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-busybox-image.XXXXXX")
trap 'rm -rf "$work" "$out.tmp.$$"' EXIT INT TERM
root=$work/rootfs
mkdir -p "$root"

# --- the rootfs ---
for d in bin dev etc home proc root run sys tmp usr var var/tmp; do
	mkdir -p "$root/$d"
	chmod 0755 "$root/$d"
done
chmod 0700 "$root/root"
chmod 1777 "$root/tmp" "$root/var/tmp"
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
for a in $("$busybox" --list | sort -u); do
	case $a in busybox | */* | "") continue ;; esac
	ln -s busybox "$root/bin/$a"
done
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
	'nobody:x:65534:65534:nobody:/home:/bin/false' \
	'user:x:1000:1000:user:/home:/bin/sh' >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'user:x:1000:' >"$root/etc/group"
chmod 0644 "$root/etc/passwd" "$root/etc/group"

# A deterministic tar of the directory $1's contents (no "./" prefix) to stdout.
det_tar() {
	(cd "$1" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | sort |
		tar --sort=name --format=ustar --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
			-cf - -T -)
}

blobs=$work/oci/blobs/sha256
mkdir -p "$blobs"
# Store stdin as a blob; print "sha256:<hex> <size>".
put_blob() {
	local tmp=$work/blob.tmp hex size
	cat >"$tmp"
	hex=$(sha256sum "$tmp" | cut -d' ' -f1)
	size=$(stat -c %s "$tmp")
	mv "$tmp" "$blobs/$hex"
	echo "sha256:$hex $size"
}

det_tar "$root" >"$work/layer.tar"
diff_id=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
read -r layer_digest layer_size < <(gzip -n -6 -c "$work/layer.tar" | put_blob)

variant_json=
[ -n "$variant" ] && variant_json=",\"variant\":\"$variant\""
read -r config_digest config_size < <(printf '%s' \
	"{\"architecture\":\"$arch\"$variant_json,\"os\":\"linux\",\"created\":\"$created\"," \
	"\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"]," \
	"\"Cmd\":[\"sh\"]}," \
	"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"$diff_id\"]}," \
	"\"history\":[{\"created\":\"$created\",\"created_by\":\"berth make-busybox-image.sh:" \
	" busybox-static $version\",\"comment\":\"berth's built-in default image\"}]}" | put_blob)
read -r manifest_digest manifest_size < <(printf '%s' \
	'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",' \
	"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\"," \
	"\"digest\":\"$config_digest\",\"size\":$config_size}," \
	"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\"," \
	"\"digest\":\"$layer_digest\",\"size\":$layer_size}]}" | put_blob)
printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci/oci-layout"
printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",' \
	'"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",' \
	"\"digest\":\"$manifest_digest\",\"size\":$manifest_size," \
	"\"platform\":{\"architecture\":\"$arch\",\"os\":\"linux\"$variant_json}," \
	"\"annotations\":{\"io.containerd.image.name\":\"$ref\"," \
	"\"org.opencontainers.image.ref.name\":\"$ref\"}}]}" >"$work/oci/index.json"
chmod -R u=rwX,go=rX "$work/oci"

mkdir -p "$(dirname "$out")"
det_tar "$work/oci" >"$out.tmp.$$"
mv "$out.tmp.$$" "$out"
if [ -n "$rootfs_out" ]; then
	mkdir -p "$(dirname "$rootfs_out")"
	mv "$work/layer.tar" "$rootfs_out"
fi
echo "  IMAGE   $out ($ref, manifest $manifest_digest, config $config_digest)"
