#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the modules, W=1 with every warning an error, against each Debian
# 12 kernel headers package the archive offers: linux-headers-6.1.0-N-amd64
# and linux-headers-6.12.N+deb12-amd64.  Compile only, no VM.  Stable
# backports change the kernel API inside a series, so "builds on Debian's
# 6.1" has to hold for every point release a gateway may run.
#
# The packages are downloaded, not installed (installing them would pull
# kernel images and change the kernels the suite boots): apt-get download
# keeps them in $NFGTPU_CACHE/headers/debs, and each kernel's headers,
# common headers and kbuild are unpacked into a root of their own,
# $NFGTPU_CACHE/headers/<version>, with the links that point outside
# pointed back inside.  Both are reused: a second run downloads and
# unpacks nothing.  The modules are built in build/matrix/<version>.
#
# usage: build-matrix.sh [--ends] [VERSION...]
#   --ends    only the oldest and the newest kernel of each series
#   VERSION   only these kernels (e.g. 6.1.0-47-amd64)
# Prints "ok - build VERSION" or "not ok - build VERSION" per kernel and a
# summary line; exits 1 if a build failed, 2 if the matrix cannot be made.
set -u
cd "$(dirname "$0")/.." || exit 2
cache=${NFGTPU_CACHE:-/var/cache/nf-gtpu}/headers
debs=$cache/debs

# The kernels of a series the archive offers, oldest first.
series() {
	apt-cache search --names-only "^linux-headers-$1-amd64\$" |
		sed 's/^linux-headers-\([^ ]*\)-amd64 .*/\1-amd64/' | sort -V
}

ends() {
	sed -n '1p;$p' | uniq
}

# The packages a kernel's headers need: their own, the common headers and
# kbuild, as named in the Depends of the version apt would install.
packages() {
	echo "linux-headers-$1"
	apt-cache show --no-all-versions "linux-headers-$1" |
		sed -n 's/^Depends: //p' | tr ',' '\n' |
		grep -oE '^ *linux-(headers-[^ ]*-common|kbuild-[^ ]*)' | tr -d ' '
}

# The file names apt-get download saves the packages as (Debian's kernel
# packages have no epoch, which the name would spell differently).
deb_files() {
	apt-cache show --no-all-versions "$@" | sed -n 's|^Filename: .*/||p'
}

# Fetch the packages not in the cache yet; into a temporary directory
# first, so that an interrupted download leaves no truncated file.
download() {
	local pkg missing=() tmp

	for pkg in "$@"; do
		[ -e "$debs/$(deb_files "$pkg")" ] || missing+=("$pkg")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	tmp=$(mktemp -d "$debs/download.XXXXXX") || return 1
	# apt drops its privileges to _apt for the download.
	[ "$(id -u)" -ne 0 ] || chown _apt "$tmp"
	(cd "$tmp" && apt-get download -q "${missing[@]}") >&2 &&
		mv "$tmp"/*.deb "$debs"/
	local rc=$?
	rm -rf "$tmp"
	return $rc
}

# Unpack a kernel's packages into its root, unless they are there already.
# The headers' Makefile includes the common headers' by absolute path, and
# a few links are absolute: both are pointed inside the root.
unpack() {
	local kver=$1 root=$cache/$1 files tmp f link
	shift
	files=$(cd "$debs" && ls $(deb_files "$@")) || return 1
	[ "$(cat "$root/.debs" 2>/dev/null)" != "$files" ] || return 0
	rm -rf "$root"
	tmp=$(mktemp -d "$cache/unpack.XXXXXX") || return 1
	for f in $files; do
		dpkg-deb -x "$debs/$f" "$tmp" || { rm -rf "$tmp"; return 1; }
	done
	sed -i "s|^include /usr/src/|include $root/usr/src/|" \
		"$tmp/usr/src/linux-headers-$kver/Makefile"
	find "$tmp" -type l -lname '/*' | while read -r link; do
		ln -sfn "$root$(readlink "$link")" "$link"
	done
	echo "$files" >"$tmp/.debs"
	mv "$tmp" "$root"
}

# Build from scratch, so that every warning shows each time.
build() {
	local kver=$1 obj=build/matrix/$1
	rm -rf "$obj"
	mkdir -p "$obj"
	nice make --no-print-directory modules \
		KDIR="$cache/$kver/usr/src/linux-headers-$kver" \
		KOBJ="$obj/kernel" KCFLAGS=-Werror >"$obj/build.log" 2>&1 &&
		! grep -qi 'warning:' "$obj/build.log"
}

ends_only=
[ "${1:-}" != --ends ] || { ends_only=1; shift; }
if [ $# -gt 0 ]; then
	kvers="$*"
else
	v61=$(series '6\.1\.0-[0-9]+')
	v612=$(series '6\.12\.[0-9]+\+deb12')
	if [ -n "$ends_only" ]; then
		v61=$(ends <<<"$v61")
		v612=$(ends <<<"$v612")
	fi
	kvers=$(echo $v61 $v612)
fi
[ -n "$kvers" ] || { echo "build-matrix: no headers in apt's lists: run apt-get update" >&2; exit 2; }

mkdir -p "$debs" || exit 2
start=$SECONDS
pass=0 fail=0
for kver in $kvers; do
	t=$SECONDS
	pkgs=$(packages "$kver")
	if ! { download $pkgs && unpack "$kver" $pkgs; }; then
		echo "not ok - build $kver # cannot fetch or unpack $pkgs"
		fail=$((fail + 1))
		continue
	fi
	ver=$(apt-cache show --no-all-versions "linux-headers-$kver" | sed -n 's/^Version: //p')
	if build "$kver"; then
		echo "ok - build $kver ($ver, $((SECONDS - t)) s)"
		pass=$((pass + 1))
	else
		grep -iE 'error|warning' "build/matrix/$kver/build.log" | head -n 20 | sed 's/^/# /'
		echo "not ok - build $kver ($ver): build/matrix/$kver/build.log"
		fail=$((fail + 1))
	fi
done
echo "# build matrix: $pass built, $fail failed, $((SECONDS - start)) s; cache $(du -sh "$cache" | cut -f1)"
[ "$fail" -eq 0 ]
