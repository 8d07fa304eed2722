#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The Debian packages on a gateway, as an operator uses them: apt installs
# nf-gtpu-dkms, nf-gtpu, libnfgtpu1 and libnfgtpu-dev (built by make deb
# into DEB_DIR, build/deb by default); DKMS builds the modules for the
# running kernel and installs them under updates/dkms; they load, and a
# PDP context set up with the installed iptables extension carries
# traffic, then one added by the installed gtpu tool.  The library's
# example program builds against the installed header, pkg-config file
# and shared library, and runs; the PFCP agent accepts its example
# configuration.  Then a kernel upgrade:
# dkms autoinstall for another installed kernel builds the modules there
# too.  apt purge removes the modules from both kernels.
#
#   ms ---- acc ===== GTP-U ===== gw ---- pdn	(lib.sh's network)
#
# Run by make check-deb in a VM without vm.sh -m, so that the modules are
# DKMS's and not the tree's.  The guest's root is an overlay on a tmpfs:
# what apt and DKMS write there is gone when the VM stops.

source "$(dirname "$0")/lib.sh"
use_tmp_dir

require_cmd apt-get dkms ip iptables ping cc pkg-config
deb_dir=${DEB_DIR:-$(dirname "$0")/../build/deb}
deb_dir=$(cd "$deb_dir" && pwd) || SKIP "no packages in $deb_dir: run make deb"
kver=$(uname -r)
# "The other kernel": an installed one, with headers, that is not running.
other=$(for k in /lib/modules/*/build; do basename "$(dirname "$k")"; done |
	grep -vxF "$kver" | sort -V | tail -n 1)

# dkms_installed KVER: DKMS has built and installed nf-gtpu for KVER.
dkms_installed() {
	# (Its readelf warns that the headers' vmlinux has no .comment section.)
	dkms status -m nf-gtpu -k "$1" 2>/dev/null | grep -q ': installed'
}

# modules_in_dkms KVER: modprobe finds the three modules DKMS installed.
modules_in_dkms() {
	local m path
	for m in nf_gtpu xt_GTPU nft_gtp; do
		path=$(modinfo -k "$1" -n "$m" 2>/dev/null)
		[[ $path == /lib/modules/$1/updates/dkms/* ]] || return 1
	done
}

# timed WHAT CMD...: run CMD, its output in $tmp/log, and print how long
# (minutes in the emulated VM: the console says what it is waiting for).
timed() {
	local what=$1 start rc
	shift
	echo "# $what ..."
	start=$(date +%s)
	"$@" >"$tmp/log" 2>&1
	rc=$?
	echo "# $what: $(($(date +%s) - start)) s"
	[ "$rc" -eq 0 ] || tail -n 30 "$tmp/log"
	return "$rc"
}

modinfo nf_gtpu >/dev/null 2>&1 && SKIP "nf_gtpu is already installed for $kver"

# Installing builds for the running kernel.
if timed "apt install (DKMS build for $kver)" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "$deb_dir"/nf-gtpu-dkms_*_all.deb \
	"$deb_dir"/{nf-gtpu,libnfgtpu1,libnfgtpu-dev}_*_"$(dpkg --print-architecture)".deb; then
	PASS "apt installs nf-gtpu-dkms, nf-gtpu, libnfgtpu1 and libnfgtpu-dev"
else
	FAIL "apt install"
	exit $ret
fi
dkms_installed "$kver" && PASS "dkms status: installed for the running kernel $kver" ||
	FAIL "dkms status for $kver: $(dkms status 2>/dev/null)"
modules_in_dkms "$kver" && PASS "the three modules are in updates/dkms" ||
	FAIL "modules: $(modinfo -n nf_gtpu xt_GTPU nft_gtp 2>&1 | xargs)"
modprobe xt_GTPU && modprobe nft_gtp && PASS "modprobe xt_GTPU nft_gtp" ||
	FAIL "modprobe xt_GTPU nft_gtp"
iptables -j GTPU --help 2>/dev/null | grep -q -- --decap &&
	PASS "iptables finds the installed GTPU extension" ||
	FAIL "iptables -j GTPU: libxt_GTPU.so not found"

# One PDP context, IPv4 in IPv4, with the installed extension.
setup_gtpu_network || exit 1
ipt "$acc" 4 -t mangle -A FORWARD -i acc-ms -s 10.45.0.2 \
	-j GTPU --encap --peer 192.0.2.2 --teid 0x100
ipt "$gw" 4 -t raw -A PREROUTING -p udp --dport 2152 \
	-j GTPU --decap --dev apn0 --ms-addr 10.45.0.2 --teid 0x100
ipt "$gw" 4 -t mangle -A POSTROUTING -o apn0 -d 10.45.0.2 \
	-j GTPU --encap --peer 192.0.2.1 --teid 0x200
ipt "$acc" 4 -t raw -A PREROUTING -i acc-tr -p udp --dport 2152 \
	-j GTPU --decap --dev apn-ms --teid 0x200
ip netns exec "$ms" ping -c 3 -i 0.2 -W 2 198.51.100.2 >/dev/null &&
	PASS "ping MS -> PDN through the tunnel" || FAIL "ping MS -> PDN through the tunnel"
expect_eq "apn0 received the uplink" "$(link_stat "$gw" apn0 rx_packets)" 3
expect_eq "apn0 encapsulated the downlink" "$(link_stat "$gw" apn0 tx_packets)" 3

# The same context on the gateway, from the installed gtpu tool instead.
ipt_flush "$gw" 4
/usr/sbin/gtpu -n "$gw" setup gateway &&
	/usr/sbin/gtpu -n "$gw" ctx add teid 0x100 apn apn0 ms 10.45.0.2 \
		peer 192.0.2.1 peer-teid 0x200 &&
	PASS "the installed gtpu sets up the gateway and adds the context" ||
	FAIL "/usr/sbin/gtpu setup gateway, ctx add"
ip netns exec "$ms" ping -c 3 -i 0.2 -W 2 198.51.100.2 >/dev/null &&
	PASS "ping MS -> PDN through the context gtpu added" ||
	FAIL "ping MS -> PDN through the context gtpu added"
expect_eq "apn0 received its uplink" "$(link_stat "$gw" apn0 rx_packets)" 6

# The library as a control plane's author gets it.
example=/usr/share/doc/libnfgtpu-dev/examples/gateway.c
# shellcheck disable=SC2046 # pkg-config's words are the compiler's
cc -o "$tmp/gateway" "$example" $(pkg-config --cflags --libs libnfgtpu) &&
	PASS "the example builds against libnfgtpu-dev" ||
	FAIL "cc $example \$(pkg-config --cflags --libs libnfgtpu)"
# (ldd may name it by /lib, which is /usr/lib on a merged-/usr system.)
expect_eq "it links the installed shared library" \
	"$(readlink -f "$(ldd "$tmp/gateway" | awk '$1 == "libnfgtpu.so.1" { print $3 }')")" \
	"$(readlink -f "/usr/lib/$(cc -print-multiarch)/libnfgtpu.so.1")"
setup_ns lib || exit 1
ip -n "$lib" link add apn-internet type apn && ip -n "$lib" link set apn-internet up
ip netns exec "$lib" "$tmp/gateway" apn-internet >"$tmp/log" 2>&1 &&
	PASS "the example program runs" || FAIL "the example program: $(cat "$tmp/log")"
/usr/sbin/nf-gtpu-pfcpd -t -c /usr/share/doc/nf-gtpu/examples/nf-gtpu-pfcpd.conf \
	>"$tmp/log" 2>&1 && PASS "nf-gtpu-pfcpd -t accepts the example configuration" ||
	FAIL "nf-gtpu-pfcpd -t: $(cat "$tmp/log")"
cleanup_all_ns
modprobe -r nft_gtp xt_GTPU nf_gtpu || FAIL "modprobe -r"

# A kernel upgrade: the modules get built for the new kernel.
if [ -n "$other" ]; then
	# Installing built for the running kernel and for the newest installed
	# one (DKMS's default): an older kernel is left to the upgrade step.
	if [ "$(printf '%s\n' "$kver" "$other" | sort -V | tail -n 1)" = "$other" ]; then
		dkms_installed "$other" &&
			PASS "the install also built for the newer kernel $other" ||
			FAIL "not installed for the newer kernel $other: $(dkms status 2>/dev/null)"
	else
		dkms_installed "$other" && FAIL "already installed for $other before autoinstall"
	fi
	timed "dkms autoinstall -k $other" dkms autoinstall -k "$other" &&
		dkms_installed "$other" && modules_in_dkms "$other" &&
		PASS "after dkms autoinstall -k $other the modules are installed there" ||
		FAIL "dkms autoinstall -k $other: $(dkms status 2>/dev/null)"
else
	echo "NOTE: no other kernel with headers, no upgrade tried"
fi

# Purging removes the modules from every kernel.
timed "apt purge" env DEBIAN_FRONTEND=noninteractive \
	apt-get purge -y nf-gtpu nf-gtpu-dkms libnfgtpu1 libnfgtpu-dev &&
	PASS "apt purge" || FAIL "apt purge"
for k in "$kver" $other; do
	modinfo -k "$k" nf_gtpu >/dev/null 2>&1 && FAIL "nf_gtpu left behind for $k" ||
		PASS "no nf_gtpu left for $k"
done
[ -z "$(dkms status -m nf-gtpu)" ] && [ ! -e /usr/src/nf-gtpu-* ] &&
	PASS "DKMS forgot nf-gtpu" || FAIL "left in DKMS: $(dkms status -m nf-gtpu 2>/dev/null)"
exit $ret
