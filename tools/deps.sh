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

KVER_BPO_PATTERN=${KVER_BPO_PATTERN:-6.12.*+deb12-amd64}

PKGS="build-essential pkg-config bc kmod cpio xz-utils
      qemu-system-x86 busybox-static
      linux-image-amd64 linux-headers-amd64 linux-source-6.1
      libmnl-dev libnftnl-dev libxtables-dev
      nftables iptables iproute2 iputils-ping ethtool socat iperf3 tcpdump tshark
      python3-scapy sparse clang libclang-rt-14-dev llvm-14
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

# The newest 6.12 image and headers published in bookworm-backports.
bpo_kernel() {
	apt-cache search --names-only "^linux-image-${KVER_BPO_PATTERN}\$" |
		awk '{print $1}' | sort -V | tail -n 1 | sed 's/^linux-image-//'
}

need=$(missing $PKGS)
kbpo=$(ls /lib/modules | grep -E '^6\.12\..*\+deb12-amd64$' | sort -V | tail -n 1 || true)
if [ -n "$need" ] || [ -z "$kbpo" ] || [ ! -d "/usr/src/linux-headers-$kbpo" ]; then
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -q
	[ -n "$kbpo" ] || kbpo=$(bpo_kernel)
	[ -n "$kbpo" ] || { echo "deps: no 6.12 kernel in bookworm-backports" >&2; exit 1; }
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		as_root debconf-set-selections
	as_root apt-get install -y -q --no-install-recommends $PKGS \
		"linux-image-$kbpo" "linux-headers-$kbpo"
fi

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
echo "deps: ok (kernels: $(ls /lib/modules | tr '\n' ' '))"
