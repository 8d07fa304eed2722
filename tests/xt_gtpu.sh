#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# GTP-U tunnels built from iptables -j GTPU rules, with real traffic in
# both directions, every inner/outer family combination, the packets on
# the wire checked byte by byte, and two APNs with the same MS address.
#
#   ms ---- acc ===== GTP-U ===== gw ---- pdn
#        10.45.0.0/24      192.0.2.0/24      198.51.100.0/24
#        2001:db8:45::/64  2001:db8:1::/64   2001:db8:100::/64
#
# acc (access node, SGSN/eNodeB role) encapsulates the MS's uplink in its
# FORWARD chain and decapsulates downlink into its apn device apn-ms.
# gw (GGSN/P-GW role) decapsulates into apn0 with an MS-address check and
# encapsulates what routing sends into apn0.

source "$(dirname "$0")/lib.sh"
use_tmp_dir

require_cmd ip iptables ip6tables ping socat tcpdump ethtool
[ -x /usr/bin/python3 ] || SKIP "python3 is not installed"
require_modules nf_gtpu xt_GTPU veth
require_xt_gtpu

setup_gtpu_network || exit 1

# tunnel INNER OUTER UL_TEID DL_TEID: one PDP context, in both nodes.
tunnel() {
	local in=$1 out=$2 ul=$3 dl=$4
	ipt "$acc" "$in" -t mangle -A FORWARD -i acc-ms -s "$(ms_addr "$in")" \
		-j GTPU --encap --peer "$(outer_addr gw "$out")" --teid "$ul"
	ipt "$gw" "$out" -t raw -A PREROUTING -p udp --dport 2152 \
		-j GTPU --decap --dev apn0 --ms-addr "$(ms_addr "$in")" --teid "$ul"
	ipt "$gw" "$in" -t mangle -A POSTROUTING -o apn0 -d "$(ms_addr "$in")" \
		-j GTPU --encap --peer "$(outer_addr acc "$out")" --teid "$dl"
	ipt "$acc" "$out" -t raw -A PREROUTING -i acc-tr -p udp --dport 2152 \
		-j GTPU --decap --dev apn-ms --teid "$dl"
}

flush_rules() {
	local ns f
	for ns in "$acc" "$gw"; do
		for f in 4 6; do
			ipt_flush "$ns" "$f"
		done
	done
}

# nonzero_stats NS: the statistics of NS that are not 0, for a FAIL line.
nonzero_stats() { ip netns exec "$1" grep -v ' 0$' /proc/net/nf_gtpu | xargs; }

# big_ping OUTER: the largest IPv4 datagrams without DF, fragmented on
# the wire and reassembled on gw (decap enabled defrag): one as large as
# the outer 16-bit lengths can carry (IPv4's total length counts 20 + 8 +
# 8 octets of outer headers, IPv6's payload length 8 + 8) crosses both
# ways; one octet more is refused and counted, not sent with its lengths
# wrapped.
big_ping() {
	local out=$1 fit n0 pid
	fit=$((65535 - (out == 4 ? 36 : 16) - 28))
	ip netns exec "$pdn" ping -c 1 -W $((20 * TIME_SCALE)) -M dont -s "$fit" \
		10.45.0.2 >/dev/null &&
		PASS "IPv4 over IPv$out: $((fit + 28))-octet datagram crosses" ||
		FAIL "IPv4 over IPv$out: $((fit + 28))-octet datagram lost;" \
			"gw: $(nonzero_stats "$gw"); acc: $(nonzero_stats "$acc")"
	# One octet more: once gw has counted it as encap_too_big, no answer
	# can come, so ping's timeout need not be waited out.
	n0=$(gtpu_stat "$gw" encap_too_big)
	ip netns exec "$pdn" ping -c 1 -W $((5 * TIME_SCALE)) -M dont \
		-s $((fit + 1)) 10.45.0.2 >/dev/null &
	pid=$!
	busywait 5000 exceeds "$n0" gtpu_stat "$gw" encap_too_big
	kill "$pid" 2>/dev/null
	wait "$pid" &&
		FAIL "IPv4 over IPv$out: $((fit + 29)) octets with wrapped lengths answered"
	expect_eq "IPv4 over IPv$out: $((fit + 29)) octets refused, encap_too_big" \
		"$(( $(gtpu_stat "$gw" encap_too_big) - n0 ))" 1
}

tunnel 4 4 0x100 0x200
tunnel 6 6 0x101 0x201
traffic 4 4 0x100
big_ping 4
traffic 6 6 0x101
rx_before=$(link_stat "$gw" apn0 rx_packets)
[ "$rx_before" -gt 0 ] && PASS "apn0 counts received packets ($rx_before)" ||
	FAIL "apn0 rx_packets is 0"
[ "$(link_stat "$gw" apn0 tx_packets)" -gt 0 ] && PASS "apn0 counts encapsulated packets" ||
	FAIL "apn0 tx_packets is 0"

flush_rules
tunnel 4 6 0x300 0x400
tunnel 6 4 0x301 0x401
traffic 4 6 0x300
big_ping 6
traffic 6 4 0x301

# Two APNs, the same MS address.
setup_second_apn || { tshark_checks; exit $ret; }
flush_rules
tunnel 4 4 0x500 0x600
ipt "$acc" 4 -t mangle -A FORWARD -i acc-ms2 -s 10.45.0.2 \
	-j GTPU --encap --peer 192.0.2.2 --teid 0x700
ipt "$gw" 4 -t raw -A PREROUTING -p udp --dport 2152 \
	-j GTPU --decap --dev apn1 --ms-addr 10.45.0.2 --teid 0x700
ipt "$gw" 4 -t mangle -A POSTROUTING -o apn1 -d 10.45.0.2 \
	-j GTPU --encap --peer 192.0.2.1 --teid 0x800
ipt "$acc" 4 -t raw -A PREROUTING -i acc-tr -p udp --dport 2152 \
	-j GTPU --decap --dev apn-ms2 --teid 0x800
check_second_apn

tshark_checks
exit $ret
