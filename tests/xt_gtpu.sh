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
PKT="/usr/bin/python3 $(dirname "$(readlink -f "$0")")/gtpu_pkt.py"
tmp=$(mktemp -d)

cleanup() {
	cleanup_all_ns
	rm -rf "$tmp"
}
trap cleanup EXIT

require_cmd ip iptables ip6tables ping socat tcpdump ethtool
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null ||
	SKIP "python3-scapy is not installed"
require_modules nf_gtpu xt_GTPU veth
iptables -j GTPU --help 2>/dev/null | grep -q -- --decap ||
	SKIP "libxt_GTPU.so is not installed (set XTABLES_LIBDIR)"

setup_ns ms acc gw pdn || exit 1

link() { # link NS1 DEV1 NS2 DEV2
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}
link "$ms" ms0 "$acc" acc-ms
link "$acc" acc-tr "$gw" gw-tr
link "$gw" gw-pdn "$pdn" pdn0
for ns in "$acc" "$gw"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
done
for ns in "$ms" "$pdn"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
done

addr() { ip -n "$1" addr add "$3" dev "$2" nodad 2>/dev/null || ip -n "$1" addr add "$3" dev "$2"; }
addr "$ms" ms0 10.45.0.2/24;		addr "$ms" ms0 2001:db8:45::2/64
addr "$acc" acc-ms 10.45.0.1/24;	addr "$acc" acc-ms 2001:db8:45::1/64
addr "$acc" acc-tr 192.0.2.1/24;	addr "$acc" acc-tr 2001:db8:1::1/64
addr "$gw" gw-tr 192.0.2.2/24;		addr "$gw" gw-tr 2001:db8:1::2/64
addr "$gw" gw-pdn 198.51.100.1/24;	addr "$gw" gw-pdn 2001:db8:100::1/64
addr "$pdn" pdn0 198.51.100.2/24;	addr "$pdn" pdn0 2001:db8:100::2/64
ip -n "$ms" route add default via 10.45.0.1
ip -n "$ms" -6 route add default via 2001:db8:45::1
ip -n "$pdn" route add default via 198.51.100.1
ip -n "$pdn" -6 route add default via 2001:db8:100::1
# acc has no route to the PDN but through the tunnel: a default toward gw
# makes FORWARD see the uplink, where the rule encapsulates it.
ip -n "$acc" route add default via 192.0.2.2
ip -n "$acc" -6 route add default via 2001:db8:1::2

# Checksums computed in software on the way out of acc, so the capture on
# gw sees the final UDP checksum rather than a partial one.
ip netns exec "$acc" ethtool -K acc-tr tx off >/dev/null

ip -n "$acc" link add apn-ms type apn
ip -n "$acc" link set apn-ms up
ip -n "$gw" link add apn0 type apn
ip -n "$gw" link set apn0 up
ip -n "$gw" route add 10.45.0.0/24 dev apn0
ip -n "$gw" -6 route add 2001:db8:45::/64 dev apn0

ipt() { # ipt NS FAMILY(4|6) ARGS...: iptables or ip6tables in NS
	local ns=$1 cmd=iptables
	[ "$2" = 6 ] && cmd=ip6tables
	shift 2
	ip netns exec "$ns" "$cmd" "$@"
}
outer_addr() { # outer_addr NODE(acc|gw) FAMILY
	case $1$2 in
	acc4) echo 192.0.2.1 ;; acc6) echo 2001:db8:1::1 ;;
	gw4) echo 192.0.2.2 ;; gw6) echo 2001:db8:1::2 ;;
	esac
}
ms_addr() { [ "$1" = 4 ] && echo 10.45.0.2 || echo 2001:db8:45::2; }
pdn_addr() { [ "$1" = 4 ] && echo 198.51.100.2 || echo 2001:db8:100::2; }

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
			ipt "$ns" "$f" -t raw -F
			ipt "$ns" "$f" -t mangle -F
		done
	done
}

# traffic INNER OUTER: ping and TCP both ways, the uplink checked on the wire.
traffic() {
	local in=$1 out=$2 what="inner IPv$1 over IPv$2" ul=$3 cap=$tmp/ul.pcap
	local port=$((5000 + in * 10 + out))

	ip netns exec "$gw" tcpdump -U -q -i gw-tr -w "$cap" \
		"udp port 2152 and dst $(outer_addr gw "$out")" 2>"$tmp/tcpdump.log" &
	local tpid=$!
	busywait 10000 grep -q "listening on" "$tmp/tcpdump.log"
	if ip netns exec "$ms" ping -"$in" -c 3 -i 0.2 -W 2 "$(pdn_addr "$in")" >/dev/null; then
		PASS "$what: ping MS -> PDN"
	else
		FAIL "$what: ping MS -> PDN"
	fi
	sleep 0.5
	kill "$tpid"; wait "$tpid" 2>/dev/null
	if out_check=$($PKT check "$cap" "$ul" 2>&1); then
		PASS "$what: uplink on the wire ($out_check)"
	else
		FAIL "$what: uplink on the wire: $out_check"
	fi

	head -c 1000000 /dev/urandom >"$tmp/data"
	ip netns exec "$pdn" socat -u TCP"$in"-LISTEN:$port,reuseaddr OPEN:"$tmp/up",creat,trunc &
	busywait 5000 ip netns exec "$pdn" ss -ltn "sport = :$port" | grep -q LISTEN
	ip netns exec "$ms" timeout 60 socat -u OPEN:"$tmp/data" TCP"$in":"$(pdn_addr "$in" | sed 's/.*:.*/[&]/')":$port
	wait
	cmp -s "$tmp/data" "$tmp/up" && PASS "$what: 1 MB TCP MS -> PDN" ||
		FAIL "$what: TCP MS -> PDN"

	ip netns exec "$ms" socat -u TCP"$in"-LISTEN:$port,reuseaddr OPEN:"$tmp/down",creat,trunc &
	busywait 5000 ip netns exec "$ms" ss -ltn "sport = :$port" | grep -q LISTEN
	ip netns exec "$pdn" timeout 60 socat -u OPEN:"$tmp/data" TCP"$in":"$(ms_addr "$in" | sed 's/.*:.*/[&]/')":$port
	wait
	cmp -s "$tmp/data" "$tmp/down" && PASS "$what: 1 MB TCP PDN -> MS" ||
		FAIL "$what: TCP PDN -> MS"
}

tunnel 4 4 0x100 0x200
tunnel 6 6 0x101 0x201
traffic 4 4 0x100
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
traffic 6 4 0x301

# Two APNs, the same MS address: apn1 lives in VRF "blue" with its own PDN.
ip -n "$gw" link add blue type vrf table 10 && ip -n "$gw" link set blue up || {
	echo "SKIP: two APNs test needs VRF support"; exit $ret; }
setup_ns ms2 pdn2
link "$ms2" ms0 "$acc" acc-ms2
link "$gw" gw-pdn2 "$pdn2" pdn0
ip -n "$gw" link add apn1 type apn
ip -n "$gw" link set apn1 master blue up
ip -n "$gw" link set gw-pdn2 master blue
addr "$ms2" ms0 10.45.0.2/24
addr "$acc" acc-ms2 10.46.0.1/24
ip -n "$ms2" route add default via 10.46.0.1 dev ms0 onlink
ip -n "$acc" route add 10.45.0.2/32 dev acc-ms2 table 20
ip -n "$acc" rule add iif apn-ms2 table 20 2>/dev/null
addr "$gw" gw-pdn2 198.51.100.1/24
addr "$pdn2" pdn0 198.51.100.2/24
ip -n "$pdn2" route add default via 198.51.100.1
ip -n "$gw" route add 10.45.0.0/24 dev apn1 vrf blue
ip -n "$acc" link add apn-ms2 type apn
ip -n "$acc" link set apn-ms2 up
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
ip netns exec "$pdn" iptables -A INPUT -p icmp -s 10.45.0.2
ip netns exec "$pdn2" iptables -A INPUT -p icmp -s 10.45.0.2
ip netns exec "$ms" ping -c 2 -i 0.2 -W 2 198.51.100.2 >/dev/null &&
	ip netns exec "$ms2" ping -c 3 -i 0.2 -W 2 198.51.100.2 >/dev/null &&
	PASS "two APNs with the same MS address both reach their PDN" ||
	FAIL "overlapping MS addresses on two APNs"
expect_eq "APN internet carried its MS only" \
	"$(ip netns exec "$pdn" iptables -L INPUT -vnx | awk 'NR == 3 { print $1 }')" 2
expect_eq "APN blue carried its MS only" \
	"$(ip netns exec "$pdn2" iptables -L INPUT -vnx | awk 'NR == 3 { print $1 }')" 3

exit $ret
