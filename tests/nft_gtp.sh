#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The nft "gtp" expression with PDP contexts in nft maps, on the network
# of lib.sh (ms -- acc == GTP-U == gw -- pdn).  acc is the access node,
# built with iptables -j GTPU; gw is a gateway whose tables, maps and
# elements are made with Debian's stock nft and whose rules hold gtp
# expressions, added with nft_gtp_rule since stock nft cannot express them:
#
#   table inet gtpgw
#     map uplink4   mark : iface_index . ipv4_addr        (TEID -> APN, MS)
#     map uplink6   mark : iface_index . ipv6_addr
#     map downlink4 iface_index . ipv4_addr : ipv4_addr . mark  (-> peer, TEID)
#     map downlink6 ifname . ipv6_addr : ipv4_addr . mark, interval (/64)
#
# (downlink6 keys on the device name: nft 1.0.6 stores an iface_index in
# the key of an interval map in the wrong byte order.)
#     map uplink_quota  like uplink4, each element with a 3000-octet quota
#     chain pre:  udp dport 2152 gtp decap to gtp teid map @uplink{4,6,_quota},
#                 then (stock nft) count and drop T-PDUs of unknown TEIDs
#     chain post: gtp encap to oif . daddr map @downlink{4,6}

source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
RULE="$(dirname "$(readlink -f "$0")")/nft_gtp_rule"

cleanup() {
	cleanup_all_ns
	rm -rf "$tmp"
}
trap cleanup EXIT

require_cmd ip iptables ip6tables nft ping socat tcpdump ethtool
[ -x "$RULE" ] || SKIP "nft_gtp_rule is not built"
require_scapy
require_modules nf_gtpu xt_GTPU nft_gtp veth
require_xt_gtpu

setup_gtpu_network || exit 1

gwnft() { ip netns exec "$gw" nft "$@"; }
gwrule() { ip netns exec "$gw" "$RULE" inet gtpgw "$@"; }

# acc_tunnel INNER OUTER UL_TEID DL_TEID: the access node's half.
acc_tunnel() {
	ipt "$acc" "$1" -t mangle -A FORWARD -i acc-ms -s "$(ms_addr "$1")" \
		-j GTPU --encap --peer "$(outer_addr gw "$2")" --teid "$3"
	ipt "$acc" "$2" -t raw -A PREROUTING -i acc-tr -p udp --dport 2152 \
		-j GTPU --decap --dev apn-ms --teid "$4"
}

gwnft -f - <<'EOF2' || { FAIL "stock nft refused the gateway maps"; exit 1; }
table inet gtpgw {
	map uplink4 {
		type mark : iface_index . ipv4_addr
		flags timeout
		counter
	}
	map uplink6 {
		type mark : iface_index . ipv6_addr
		counter
	}
	map downlink4 {
		type iface_index . ipv4_addr : ipv4_addr . mark
		counter
	}
	map downlink6 {
		type ifname . ipv6_addr : ipv4_addr . mark
		flags interval
		counter
	}
	map uplink_quota {
		type mark : iface_index . ipv4_addr
		quota 3000 bytes
	}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
	}
	chain post {
		type filter hook postrouting priority mangle; policy accept;
	}
}
EOF2
PASS "stock nft creates the PDP maps"

UDP_GTPU="meta:l4proto:r0 cmp:r0:eq:11 payload:th:2:2:r0 cmp:r0:eq:be16=2152"
gwrule pre $UDP_GTPU gtp-load:teid:r0 lookup:uplink4:r0:r1 gtp-decap:r1:r2:ip &&
gwrule pre $UDP_GTPU gtp-load:teid:r0 lookup:uplink6:r0:r1 gtp-decap:r1:r2:ip6 &&
gwrule pre $UDP_GTPU gtp-load:teid:r0 lookup:uplink_quota:r0:r1 gtp-decap:r1:r2:ip &&
gwrule post meta:nfproto:r0 cmp:r0:eq:02 meta:oif:r0 payload:nh:16:4:r1 \
	lookup:downlink4:r0:r2 gtp-encap:ip:r2:r3 &&
gwrule post meta:nfproto:r0 cmp:r0:eq:0a meta:oifname:r0 payload:nh:24:16:r4 \
	lookup:downlink6:r0:r8 gtp-encap:ip:r8:r9 &&
	PASS "gtp rules loaded" || { FAIL "loading the gtp rules"; exit 1; }

gwnft add element inet gtpgw uplink4 '{ 0x100 : "apn0" . 10.45.0.2 }'
gwnft add element inet gtpgw downlink4 '{ "apn0" . 10.45.0.2 : 192.0.2.1 . 0x200 }'
gwnft add element inet gtpgw uplink6 '{ 0x101 : "apn0" . 2001:db8:45::1 }'
gwnft add element inet gtpgw downlink6 '{ "apn0" . 2001:db8:45::/64 : 192.0.2.1 . 0x201 }'
acc_tunnel 4 4 0x100 0x200
acc_tunnel 6 4 0x101 0x201

traffic 4 4 0x100
# The uplink6 element names ::1: the MS uses ::2 of its /64.
traffic 6 4 0x101

elem_stat() { elem_counter "$1" inet gtpgw "$2" "$3" "$4"; } # NS MAP KEY WHAT
acc_decap() { # acc_decap TEID: acc takes the downlink of TEID
	ipt "$acc" 4 -t raw -A PREROUTING -i acc-tr -p udp --dport 2152 \
		-j GTPU --decap --dev apn-ms --teid "$1"
}
unknown_teid_drops() { chain_counter "$gw" inet gtpgw pre; }
pings() { ms_pings "$@"; }

# Per-element counters: one subscriber's traffic, exactly.
ip -n "$ms" addr add 10.45.0.3/24 dev ms0
gwnft add element inet gtpgw uplink4 '{ 0x300 : "apn0" . 10.45.0.3 }'
gwnft add element inet gtpgw downlink4 '{ "apn0" . 10.45.0.3 : 192.0.2.1 . 0x400 }'
acc_encap 10.45.0.3 0x300
acc_decap 0x400
expect_eq "second subscriber reaches the PDN" "$(pings 10.45.0.3 5)" 5
expect_eq "uplink element counted the subscriber's 5 packets" \
	"$(elem_stat "$gw" uplink4 0x00000300 packets)" 5
expect_eq "downlink element counted the 5 replies" \
	"$(elem_stat "$gw" downlink4 10.45.0.3 packets)" 5
expect_eq "downlink element counted the replies' bytes" \
	"$(elem_stat "$gw" downlink4 10.45.0.3 bytes)" $((5 * 84))

# Anti-spoofing: an inner source that is not the context's MS address.
n0=$(gtpu_stat "$gw" spoofed)
ip -n "$ms" addr add 10.45.0.9/24 dev ms0
acc_encap 10.45.0.9 0x300
expect_eq "spoofed source gets nothing back" "$(pings 10.45.0.9 2)" 0
expect_eq "spoofed inner source dropped and counted" \
	"$(( $(gtpu_stat "$gw" spoofed) - n0 ))" 2

# T-PDUs no context took are counted and dropped by a stock-nft rule.
gwnft add rule inet gtpgw pre udp dport 2152 @th,72,8 0xff counter drop
acc_encap 10.45.0.9 0x999
expect_eq "unknown TEID gets nothing back" "$(pings 10.45.0.9 3)" 0
expect_eq "unknown TEID counted" "$(unknown_teid_drops)" 3

# PDP delete and add while traffic flows take effect on the next packet.
# The flood runs until it is killed: on a slow kernel the checks below
# take longer than any fixed count would last.
ip netns exec "$ms" ping -I 10.45.0.3 -i 0.05 -W 1 198.51.100.2 >/dev/null &
flood=$!
busywait 5000 exceeds 20 elem_stat "$gw" uplink4 0x00000300 packets
gwnft delete element inet gtpgw uplink4 '{ 0x300 }'
d0=$(unknown_teid_drops)
sleep 1
d1=$(unknown_teid_drops)
[ "$d1" -gt "$d0" ] && PASS "deleted context: its packets now meet the unknown-TEID rule" ||
	FAIL "deleted context still decapsulated ($d0 -> $d1)"
gwnft add element inet gtpgw uplink4 '{ 0x300 : "apn0" . 10.45.0.3 }'
sleep 1
c0=$(elem_stat "$gw" uplink4 0x00000300 packets)
busywait 5000 exceeds "$c0" elem_stat "$gw" uplink4 0x00000300 packets &&
	PASS "re-added context carries traffic again" || FAIL "re-added context idle"
kill "$flood" 2>/dev/null
wait "$flood" 2>/dev/null

# An element timeout ends the context.
gwnft delete element inet gtpgw uplink4 '{ 0x300 }'
expiry=$((3 * TIME_SCALE))
gwnft add element inet gtpgw uplink4 "{ 0x300 timeout ${expiry}s : \"apn0\" . 10.45.0.3 }"
expect_eq "context with a timeout works" "$(pings 10.45.0.3 2)" 2
sleep $((expiry + 1))
expect_eq "expired context carries nothing" "$(pings 10.45.0.3 2)" 0

# A per-element quota: 3000 bytes, then the context stops matching.
gwnft add element inet gtpgw uplink_quota '{ 0x500 : "apn0" . 10.45.0.3 }'
acc_encap 10.45.0.3 0x500
# 1000-octet pings: 1064 octets outside; two fit in 3000, the third not.
expect_eq "quota: two of five 1000-octet pings pass" "$(pings 10.45.0.3 5 -s 1000)" 2

# Header loads as match: a rule ahead of the decap rules drops QFI 9.
gwnft add chain inet gtpgw qos '{ type filter hook prerouting priority -350; }'
ip netns exec "$gw" "$RULE" inet gtpgw qos $UDP_GTPU gtp-load:qfi:r0 cmp:r0:eq:u32=9 \
	verdict:drop
qfi_uplink() { # qfi_uplink QFI: the MS's uplink carries a container with QFI
	ipt "$acc" 4 -t mangle -D FORWARD -i acc-ms -s 10.45.0.2 \
		-j GTPU --encap --peer 192.0.2.2 --teid 0x100 --qfi "$2" 2>/dev/null
	ipt "$acc" 4 -t mangle -I FORWARD -i acc-ms -s 10.45.0.2 \
		-j GTPU --encap --peer 192.0.2.2 --teid 0x100 --qfi "$1"
}
qfi_uplink 9
expect_eq "gtp qfi: QFI 9 matched and dropped" "$(pings 10.45.0.2 2)" 0
qfi_uplink 8 9
expect_eq "gtp qfi: QFI 8 passes" "$(pings 10.45.0.2 2)" 2
ipt "$acc" 4 -t mangle -D FORWARD -i acc-ms -s 10.45.0.2 \
	-j GTPU --encap --peer 192.0.2.2 --teid 0x100 --qfi 8
gwnft delete chain inet gtpgw qos 2>/dev/null ||
	{ gwnft flush chain inet gtpgw qos; gwnft delete chain inet gtpgw qos; }

# Loads never mistake a packet that is not valid GTP-U for TEID 0 or any
# other value: a probe chain drops TEID 0 and end markers with gtp
# expressions, then counts what got through with a rule stock nft shows.
gwnft add chain inet gtpgw probe '{ type filter hook prerouting priority -360; }'
ip netns exec "$gw" "$RULE" inet gtpgw probe $UDP_GTPU gtp-load:teid:r0 \
	cmp:r0:eq:u32=0 verdict:drop
ip netns exec "$gw" "$RULE" inet gtpgw probe $UDP_GTPU gtp-load:type:r0 \
	cmp:r0:eq:u32=254 verdict:drop
gwnft add rule inet gtpgw probe udp dport 2152 counter drop
probe_count() {
	gwnft list chain inet gtpgw probe | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
probe() { # probe CASE TEID WHAT PASSED: send CASE, PASSED 1 if it gets through
	local n0
	n0=$(probe_count)
	pkt "$acc" send "$1" 192.0.2.1 192.0.2.2 "$2" 10.45.0.2 198.51.100.2
	sleep 1
	expect_eq "$3" "$(( $(probe_count) - n0 ))" "$4"
}
probe valid 0 "gtp teid loads TEID 0 of a valid T-PDU" 0
probe version_2 0 "an invalid header is not TEID 0 (no match)" 1
probe length_too_long 0 "a bad length field is not TEID 0 (no match)" 1
probe ext_length_zero 0 "a bad extension chain is not TEID 0 (no match)" 1
probe end_marker 5 "gtp type loads end-marker" 0
probe valid 5 "a T-PDU of another TEID passes" 1
gwnft flush chain inet gtpgw probe
gwnft delete chain inet gtpgw probe

# Two APNs with the same MS address: the device is part of every key.
setup_second_apn || exit 1
gwnft add element inet gtpgw uplink4 '{ 0x700 : "apn1" . 10.45.0.2 }'
gwnft add element inet gtpgw downlink4 '{ "apn1" . 10.45.0.2 : 192.0.2.1 . 0x800 }'
ipt "$acc" 4 -t mangle -A FORWARD -i acc-ms2 -s 10.45.0.2 \
	-j GTPU --encap --peer 192.0.2.2 --teid 0x700
ipt "$acc" 4 -t raw -A PREROUTING -i acc-tr -p udp --dport 2152 \
	-j GTPU --decap --dev apn-ms2 --teid 0x800
check_second_apn

# A dual-stack MS on one TEID: gtp decap inet checks a T-PDU of either
# family against the MS address of that family in the element.
gwnft add map inet gtpgw uplink46 \
	'{ type mark : iface_index . ipv4_addr . ipv6_addr; counter; }'
gwnft add chain inet gtpgw dual '{ type filter hook prerouting priority -350; }'
gwrule dual $UDP_GTPU gtp-load:teid:r0 lookup:uplink46:r0:r1 gtp-decap:r1:r2:inet &&
	PASS "gtp decap inet: rule loaded" || FAIL "gtp decap inet rule refused"
gwnft add element inet gtpgw uplink46 '{ 0x4646 : "apn0" . 10.45.0.2 . 2001:db8:45::1 }'
dual_stack() { # dual_stack WHAT INNER_SRC INNER_DST STAT: STAT rises by one
	local n0
	n0=$(gtpu_stat "$gw" "$4")
	pkt "$acc" send valid 192.0.2.1 192.0.2.2 0x4646 "$2" "$3"
	busywait 3000 exceeds "$n0" gtpu_stat "$gw" "$4"
	expect_eq "dual-stack MS: $1" "$(( $(gtpu_stat "$gw" "$4") - n0 ))" 1
}
dual_stack "its IPv4 address decapsulated" 10.45.0.2 "$(pdn_addr 4)" decap
dual_stack "its /64 decapsulated" 2001:db8:45::2 "$(pdn_addr 6)" decap
dual_stack "another IPv4 source dropped" 10.45.0.9 "$(pdn_addr 4)" spoofed
dual_stack "an IPv6 source outside its /64 dropped" 2001:db8:46::2 \
	"$(pdn_addr 6)" spoofed
expect_eq "dual-stack MS: its element counted the four T-PDUs" \
	"$(elem_stat "$gw" uplink46 0x00004646 packets)" 4
gwnft flush chain inet gtpgw dual
gwnft delete chain inet gtpgw dual

# Rules that cannot work are refused at load time, and change nothing.
gwnft add table ip t4 '{ chain post { type filter hook postrouting priority 0; }; }'
gwnft add table netdev tn "{ chain eg { type filter hook egress device gw-tr priority 0; }; \
	chain in { type filter hook ingress device gw-tr priority 0; }; }"
gwnft add map inet gtpgw shortdata '{ type mark : iface_index; }'
refused() { # refused WHAT ERROR FAMILY TABLE CHAIN EXPR...
	local what=$1 want=$2 before after out
	shift 2
	before=$(ip netns exec "$gw" "$RULE" -l "$1" "$2" "$3" | wc -l)
	if out=$(ip netns exec "$gw" "$RULE" "$@" 2>&1); then
		FAIL "accepted: $what"
		return
	fi
	after=$(ip netns exec "$gw" "$RULE" -l "$1" "$2" "$3" | wc -l)
	if grep -q "$want" <<<"$out" && [ "$before" = "$after" ]; then
		PASS "refused, ruleset unchanged: $what ($want)"
	else
		FAIL "$what: '$out', rules $before -> $after"
	fi
}
refused "decap in postrouting" "Operation not supported" inet gtpgw post \
	meta:oif:r0 imm:r1:ip4=10.45.0.2 gtp-decap:r0:r1:ip
refused "encap in prerouting" "Operation not supported" inet gtpgw pre \
	imm:r0:ip4=192.0.2.1 imm:r1:u32=1 gtp-encap:ip:r0:r1
refused "IPv6 peer address past the last register" "Numerical result out of range" \
	inet gtpgw post imm:r0:u32=1 gtp-encap:ip6:r14:r0
refused "encap to a peer of the inet family" "Address family not supported" \
	inet gtpgw post imm:r0:ip4=192.0.2.1 imm:r1:u32=1 gtp-encap:inet:r0:r1
refused "dual-stack MS address past the last register" "Numerical result out of range" \
	inet gtpgw pre imm:r0:u32=1 gtp-decap:r0:r12:inet
refused "encap to an IPv6 peer in an ip table" "Address family not supported" \
	ip t4 post imm:r0:ip6=2001:db8:1::1 imm:r4:u32=1 gtp-encap:ip6:r0:r4
refused "decap in netdev egress" "Operation not supported" netdev tn eg \
	imm:r0:u32=1 gtp-decap:r0
refused "encap in a netdev table" "Operation not supported" netdev tn in \
	imm:r0:ip4=192.0.2.1 imm:r1:u32=1 gtp-encap:ip:r0:r1
# Kernels that track which registers a rule has written (6.12, not 6.1)
# refuse any expression reading one it has not; elsewhere nothing can.
if ip netns exec "$gw" "$RULE" inet gtpgw pre cmp:r12:eq:u32=1 2>/dev/null; then
	echo "NOTE: this kernel does not track register initialisation: a map" \
		"whose data is too short for gtp decap cannot be refused here"
else
	refused "map data too short for device and MS address" "No data available" \
		inet gtpgw pre $UDP_GTPU gtp-load:teid:r0 lookup:shortdata:r0:r1 gtp-decap:r1:r2:ip
fi
refused "unknown operation" "Operation not supported" inet gtpgw pre raw-gtp:1=7
refused "no operation" "Invalid argument" inet gtpgw pre raw-gtp:2=0,3=8
refused "unknown header field" "Operation not supported" inet gtpgw pre raw-gtp:1=0,2=9,3=8
refused "unknown decap flag" "Operation not supported" inet gtpgw pre \
	imm:r0:u32=1 raw-gtp:1=1,5=8,11=128
refused "MS address without its family" "Invalid argument" inet gtpgw pre \
	imm:r0:u32=1 imm:r1:u32=1 raw-gtp:1=1,5=8,6=9
refused "QFI with GTPv0" "Invalid argument" inet gtpgw post \
	imm:r0:ip4=192.0.2.1 imm:r1:u32=1 imm:r2:u32=1 gtp-encap:ip:r0:r1,qfi=r2,v0
# An attribute of another operation is refused, not ignored (raw-gtp
# ATTR numbers: nft_gtp.h's enum nft_gtp_attributes; 8 is r0).
refused "load with a device register" "Invalid argument" inet gtpgw pre \
	imm:r0:u32=1 raw-gtp:1=0,2=0,3=9,5=8
refused "decap with a header field" "Invalid argument" inet gtpgw pre \
	imm:r0:u32=1 raw-gtp:1=1,2=0,5=8
refused "decap with an outer source register" "Invalid argument" \
	inet gtpgw pre imm:r0:u32=1 raw-gtp:1=1,5=8,9=8
refused "encap with a device register" "Invalid argument" inet gtpgw post \
	imm:r0:u32=1 imm:r1:u32=1 raw-gtp:1=2,4=2,7=8,8=9,5=9
refused "reply with a device register" "Invalid argument" inet gtpgw pre \
	imm:r0:u32=1 raw-gtp:1=3,5=8
# Every accepted gtp expression lists back with exactly the attributes
# it was loaded with; a cmp that never matches keeps them from running.
# The kernel lists a 32-bit register that starts a 128-bit one under the
# latter's number (nft_dump_register()): r0, 8, lists as NFT_REG_1, 1.
lists_back() { # lists_back WHAT CHAIN GTP_ATTRS [AS_LISTED]
	local got

	if ! ip netns exec "$gw" "$RULE" inet gtpgw "$2" imm:r0:u32=1 \
	     imm:r1:u32=1 imm:r2:u32=1 imm:r3:u32=1 imm:r4:u32=1 \
	     cmp:r0:eq:u32=2 "raw-gtp:$3"; then
		FAIL "refused: $1"
		return
	fi
	got=$(ip netns exec "$gw" "$RULE" -l inet gtpgw "$2" | tail -n 1 |
	      sed -n 's/.* gtp:\([^ ]*\).*/\1/p')
	expect_eq "lists back as loaded: $1" "$got" "${4:-$3}"
}
lists_back "load teid" pre 1=0,2=0,3=9
lists_back "decap ip, no MS address" pre 1=1,4=2,5=8 1=1,4=2,5=1
lists_back "decap ip6, MS address, v0" pre 1=1,4=10,5=8,6=9,11=2 \
	1=1,4=10,5=1,6=9,11=2
lists_back "encap ip, saddr, qfi, sport hash" post \
	1=2,4=2,7=8,8=9,9=10,10=11,11=1 1=2,4=2,7=1,8=9,9=10,10=11,11=1
lists_back "reply" pre 1=3
# Decap in netdev ingress, the device from a constant.
ip netns exec "$gw" "$RULE" netdev tn in $UDP_GTPU gtp-load:teid:r0 \
	cmp:r0:eq:u32=0x4444 imm:r1:ifindex=apn0 gtp-decap:r1
n0=$(gtpu_stat "$gw" decap)
pkt "$acc" send valid 192.0.2.1 192.0.2.2 0x4444 10.45.0.2 198.51.100.2
busywait 3000 exceeds "$n0" gtpu_stat "$gw" decap
expect_eq "netdev ingress: gtp decap to a constant device" \
	"$(( $(gtpu_stat "$gw" decap) - n0 ))" 1

before=$(gwnft list map inet gtpgw uplink4 | tr ',' '\n' | grep -c ' : ')
gwnft add element inet gtpgw uplink4 '{ 0x999 : "nosuchdev" . 10.45.0.7 }' 2>"$tmp/err" &&
	FAIL "element with an unknown device accepted"
grep -q "Interface does not exist" "$tmp/err" &&
	expect_eq "element with an unknown device refused, map unchanged" \
		"$(gwnft list map inet gtpgw uplink4 | tr ',' '\n' | grep -c ' : ')" "$before" ||
	FAIL "unknown device: $(cat "$tmp/err")"

tshark_checks
exit $ret
