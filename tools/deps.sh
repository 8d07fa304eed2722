#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install, from Debian's archive only, exactly what building and testing
# the project needs: the two Debian kernels the suite boots (6.1 from
# bookworm, 6.12 from bookworm-backports) with their headers, QEMU, the
# kselftest runner (linux-source-6.1), and the userspace tools the tests
# drive, and what building the debug kernel of make check-debug needs.
# Idempotent: packages already present are not fetched again.
set -eu

KVER_BPO_PATTERN=${KVER_BPO_PATTERN:-'6\.12\.[0-9]+\+deb12-amd64'}

PKGS="build-essential pkg-config bc kmod cpio xz-utils
      qemu-system-x86 busybox-static
      linux-image-amd64 linux-headers-amd64 linux-source-6.1
      libmnl-dev libnftnl-dev libxtables-dev libnetfilter-queue-dev
      nftables iptables iproute2 iputils-ping procps ethtool socat iperf3 tcpdump tshark
      radvd
      python3-scapy python3-prometheus-client sparse clang libclang-rt-14-dev llvm-14
      libelf-dev flex bison libssl-dev"
# "deps.sh bench": also what make bench drives and plots with.
[ "${1:-}" != bench ] || PKGS="$PKGS gnuplot-nox osmo-ggsn linux-perf"
# "deps.sh deb": also what make deb builds and checks the packages with.
[ "${1:-}" != deb ] || PKGS="$PKGS debhelper dh-dkms dkms lintian fakeroot"

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

bpo=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -e "$bpo" ]; then
	as_root tee "$bpo" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	updated=
fi

# The image package of a kernel version that apt can install: a new 6.12
# is sometimes published only as -unsigned at first (QEMU boots either).
image_package() {
	local p
	for p in "linux-image-$1" "linux-image-$1-unsigned"; do
		apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]' &&
			{ echo "$p"; return 0; }
	done
	return 1
}

# The newest 6.12 kernel whose image and headers can both be installed.
bpo_kernel() {
	local v
	apt-cache search --names-only "^linux-headers-${KVER_BPO_PATTERN}\$" |
		awk '{print $1}' | sed 's/^linux-headers-//' | sort -V -r |
		while read -r v; do
			image_package "$v" >/dev/null && { echo "$v"; break; }
		done
}

# The kernels the VMs boot: installed images with modules and headers
# (tools/kernels.sh), not whatever /lib/modules holds.
kernels=$(dirname "$0")/kernels.sh
need=$(missing $PKGS)
if [ -n "$need" ] || [ -z "$("$kernels" 6.1)" ] || [ -z "$("$kernels" 6.12)" ]; then
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -q
	kbpo=$("$kernels" 6.12)
	[ -n "$kbpo" ] || kbpo=$(bpo_kernel)
	[ -n "$kbpo" ] || { echo "deps: no 6.12 kernel in bookworm-backports" >&2; exit 1; }
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		as_root debconf-set-selections
	as_root apt-get install -y -q --no-install-recommends $PKGS \
		"$(image_package "$kbpo")" "linux-headers-$kbpo"
fi
for series in 6.1 6.12; do
	[ -n "$("$kernels" $series)" ] ||
		{ echo "deps: no bootable $series kernel with headers installed" >&2; exit 1; }
done

# kselftest's runner and harness live in the kernel source tarball.
src=$(ls /usr/src/linux-source-6.1.tar.* | head -n 1)
ksrc=${KSRC:-/var/cache/nf-gtpu/linux-source-6.1}
if [ ! -e "$ksrc/.unpacked" ]; then
	as_root mkdir -p "$(dirname "$ksrc")"
	tmp=$(mktemp -d "$(dirname "$ksrc")/unpack.XXXXXX")
	as_root tar -C "$tmp" -xf "$src" --strip-components=1 \
		--wildcards '*/tools/testing/selftests/kselftest*' \
		'*/tools/testing/selftests/lib.mk' \
		'*/tools/testing/selftests/run_kselftest.sh' \
		'*/tools/testing/selftests/Makefile' \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' \
		'*/tools/include/uapi' '*/include/uapi/linux/netfilter' \
		'*/include/net/gtp.h' '*/drivers/net/gtp.c'
	as_root rm -rf "$ksrc"
	as_root mv "$tmp" "$ksrc"
	as_root touch "$ksrc/.unpacked"
fi
echo "deps: ok (kernels: $("$kernels" 6.1) $("$kernels" 6.12))"
