#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-fresh: README's two commands on a machine that has never seen
# the project.  Builds a minimal Debian 12 root with debootstrap (its
# default sources: the bookworm suite only), clones HEAD into it and runs,
# in a chroot with /dev, /proc and /sys as QEMU needs them, exactly what a
# newcomer types: "apt-get install make" (a minimal Debian has no make),
# then "make demo" and "make check".  Each command's output goes to
# build/fresh/<name>.log; one TAP line per command and its time.
# usage: check-fresh.sh [COMMAND...]   (default: "make demo" "make check")
# FRESH_ROOT sets where the root is made (default /var/tmp/nf-gtpu-fresh,
# removed at the end unless FRESH_KEEP=1).
set -u
cd "$(dirname "$0")/.." || exit 2
proj=$PWD
root=${FRESH_ROOT:-/var/tmp/nf-gtpu-fresh}
mirror=http://deb.debian.org/debian
logs=$proj/build/fresh
[ $# -gt 0 ] || set -- "make demo" "make check"

[ "$(id -u)" -eq 0 ] || { echo "check-fresh: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null ||
	{ echo "check-fresh: cannot install debootstrap" >&2; exit 2; }

unmount_root() {
	local m
	# Innermost first: /dev holds /dev/pts and /dev/shm.
	for m in $(awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r); do
		umount -l "$m"
	done
}

cleanup() {
	unmount_root
	[ -n "${FRESH_KEEP:-}" ] || rm -rf "$root"
}

rm -rf "$logs"
mkdir -p "$logs"
unmount_root
rm -rf "$root"
trap cleanup EXIT

start=$SECONDS
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$logs/debootstrap.log" 2>&1 ||
	{ tail -n 20 "$logs/debootstrap.log"; echo "not ok - debootstrap"; exit 1; }
echo "ok - debootstrap bookworm ($((SECONDS - start)) s)"
git clone -q --no-hardlinks "$proj" "$root/root/nf-gtpu" || exit 2
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" &&
	mount -t proc proc "$root/proc" && mount -t sysfs sysfs "$root/sys" ||
	{ echo "check-fresh: cannot mount /dev, /proc, /sys in the root" >&2; exit 2; }

status=0 n=0
run_in_root() {
	local cmd=$1 log t
	n=$((n + 1))
	log=$logs/$n-$(printf %s "$cmd" | tr -cs 'A-Za-z0-9.' -).log
	t=$SECONDS
	if chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "cd /root/nf-gtpu && $cmd" >"$log" 2>&1; then
		echo "ok $n - $cmd ($((SECONDS - t)) s)"
	else
		tail -n 30 "$log"
		echo "not ok $n - $cmd ($((SECONDS - t)) s, log: $log)"
		status=1
	fi
}

run_in_root "apt-get update -q && apt-get install -y -q make"
for cmd in "$@"; do
	run_in_root "$cmd"
done
echo "check-fresh: $((SECONDS - start)) s in all"
exit $status
