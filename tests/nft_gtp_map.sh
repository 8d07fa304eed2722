#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# gtp decap with its own uplink map (NFTA_GTP_SET): the expression parses
# the T-PDU, finds its context by TEID in the map it is bound to, checks
# and strips the outer headers, and only then runs the element's counter
# and quota, so that they count the inner packet.  On the network of
# lib.sh (ms -- acc == GTP-U == gw -- pdn); acc is built with iptables -j
# GTPU, gw's tables, maps and elements with Debian's stock nft, its gtp
# rules with nft_gtp_rule:
#
#   table inet gtpmap
#     map up4   mark : iface_index . ipv4_addr   counter
#     map up6   mark : iface_index . ipv6_addr   counter
#     map upq   mark : iface_index . ipv4_addr   quota 3000 bytes
#     map down4 iface_index . ipv4_addr : ipv4_addr . mark  (register form)
#     chain pre:  gtp decap ip to gtp teid map @up4, @up6, @upq,
#                 then (stock nft) count and drop what no context took
#     chain post: gtp encap to oif . daddr map @down4

source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
RULE="$(dirname "$(readlink -f "$0")")/nft_gtp_rule"

cleanup() {
	cleanup_all_ns
	rm -rf "$tmp"
}
trap cleanup EXIT

require_cmd ip iptables nft ping
[ -x "$RULE" ] || SKIP "nft_gtp_rule is not built"
require_scapy
require_modules nf_gtpu xt_GTPU nft_gtp veth
require_xt_gtpu

setup_gtpu_network || exit 1

gwnft() { ip netns exec "$gw" nft "$@"; }
gwrule() { ip netns exec "$gw" "$RULE" "$@"; }

gwnft -f - <<'EOF2' || { FAIL "stock nft refused the gateway maps"; exit 1; }
table inet gtpmap {
	map up4 {
		type mark : iface_index . ipv4_addr
		counter
	}
	map up6 {
		type mark : iface_index . ipv6_addr
		counter
	}
	map upq {
		type mark : iface_index . ipv4_addr
		quota 3000 bytes
	}
	map down4 {
		type iface_index . ipv4_addr : ipv4_addr . mark
	}
	map spare {
		type mark : iface_index . ipv4_addr
	}
	map short {
		type mark : iface_index
	}
	map wide {
		type ipv6_addr : iface_index . ipv4_addr
	}
	map verdicts {
		type mark : verdict
	}
	set teids {
		type mark
	}
	chain pre {
		type filter hook prerouting priority raw; policy accept;
	}
	chain post {
		type filter hook postrouting priority mangle; policy accept;
	}
}
EOF2

UDP_GTPU="meta:l4proto:r0 cmp:r0:eq:11 payload:th:2:2:r0 cmp:r0:eq:be16=2152"
gwrule inet gtpmap pre $UDP_GTPU gtp-decap-map:up4:ip &&
gwrule inet gtpmap pre $UDP_GTPU gtp-decap-map:up6:ip6 &&
gwrule inet gtpmap pre $UDP_GTPU gtp-decap-map:upq:ip &&
gwrule inet gtpmap post meta:nfproto:r0 cmp:r0:eq:02 meta:oif:r0 payload:nh:16:4:r1 \
	lookup:down4:r0:r2 gtp-encap:ip:r2:r3 &&
	PASS "decap rules bound to their maps" || { FAIL "loading the gtp rules"; exit 1; }
gwnft add rule inet gtpmap pre udp dport 2152 counter drop

expect_eq "lists back with its map" \
	"$(gwrule -l inet gtpmap pre | head -n 1 | sed -n 's/.* gtp:\([^ ]*\).*/\1/p')" \
	1=1,4=2,12=up4

elem_stat() { elem_counter "$gw" inet gtpmap "$@"; } # MAP KEY packets|bytes
unknown_teid_drops() { chain_counter "$gw" inet gtpmap pre; }
pings() { ms_pings "$@"; }
send() { # send CASE TEID INNER_SRC INNER_DST: one packet of gtpu_pkt.py's
	pkt "$acc" send "$1" 192.0.2.1 192.0.2.2 "$2" "$3" "$4"
}
stat_rises() { # stat_rises WHAT STAT N CASE TEID SRC DST: STAT rises by N
	local what=$1 stat=$2 n=$3 n0
	shift 3
	n0=$(gtpu_stat "$gw" "$stat")
	send "$@"
	[ "$n" -gt 0 ] && busywait 3000 exceeds "$n0" gtpu_stat "$gw" "$stat"
	sleep 0.5
	expect_eq "$what" "$(( $(gtpu_stat "$gw" "$stat") - n0 ))" "$n"
}

gwnft add element inet gtpmap up4 '{ 0x100 : "apn0" . 10.45.0.2 }'
gwnft add element inet gtpmap down4 '{ "apn0" . 10.45.0.2 : 192.0.2.1 . 0x200 }'
acc_encap 10.45.0.2 0x100
ipt "$acc" 4 -t raw -A PREROUTING -i acc-tr -p udp --dport 2152 \
	-j GTPU --decap --dev apn-ms --teid 0x200

# The element counts what the subscriber sent: 84-octet pings, not the
# 120 octets of their T-PDUs.
expect_eq "pings through the bound map" "$(pings 10.45.0.2 5)" 5
expect_eq "element counted 5 packets" "$(elem_stat up4 0x00000100 packets)" 5
expect_eq "element counted the inner octets (5 x 84)" \
	"$(elem_stat up4 0x00000100 bytes)" $((5 * 84))

# Other messages of the context and dropped T-PDUs count nothing in its
# element; each message raises its statistic once, though it meets three
# decap rules.
c0=$(elem_stat up4 0x00000100 packets)
stat_rises "end marker of a context: not_tpdu once" not_tpdu 1 \
	end_marker 0x100 10.45.0.2 198.51.100.2
stat_rises "end marker of no context: no not_tpdu" not_tpdu 0 \
	end_marker 0x777 10.45.0.2 198.51.100.2
stat_rises "unsupported extension of a context: counted once" \
	unsupported_extension 1 ext_unknown_required 0x100 10.45.0.2 198.51.100.2
stat_rises "spoofed inner source dropped" spoofed 1 \
	spoofed_source 0x100 10.45.0.2 198.51.100.2
stat_rises "bad inner packet dropped" bad_inner 1 \
	inner_truncated 0x100 10.45.0.2 198.51.100.2
stat_rises "invalid header of an unknown TEID dropped" bad_header 1 \
	version_2 0x777 10.45.0.2 198.51.100.2
expect_eq "element counted none of them" "$(elem_stat up4 0x00000100 packets)" "$c0"

# A T-PDU no context takes goes on to the next rule.
d0=$(unknown_teid_drops)
stat_rises "unknown TEID: not decapsulated" decap 0 \
	valid 0x999 10.45.0.2 198.51.100.2
expect_eq "unknown TEID: the next rule counted it" "$(( $(unknown_teid_drops) - d0 ))" 1

# IPv6 inner packets, their context in up6.
gwnft add element inet gtpmap up6 '{ 0x101 : "apn0" . 2001:db8:45::1 }'
stat_rises "IPv6 MS: its /64 decapsulated" decap 1 \
	valid 0x101 2001:db8:45::2 2001:db8:100::2
expect_eq "IPv6 element counted one inner packet (56 octets)" \
	"$(elem_stat up6 0x00000101 bytes)" 56

# A quota in the element, used up: the packet is dropped (its outer
# headers are gone), counted as context_limit, not left to the rules.
# 1000-octet pings are 1028 octets inside: two fit in 3000, not three.
gwnft add element inet gtpmap upq '{ 0x500 : "apn0" . 10.45.0.3 }'
ip -n "$ms" addr add 10.45.0.3/24 dev ms0
gwnft add element inet gtpmap down4 '{ "apn0" . 10.45.0.3 : 192.0.2.1 . 0x200 }'
acc_encap 10.45.0.3 0x500
l0=$(gtpu_stat "$gw" context_limit) d0=$(unknown_teid_drops)
expect_eq "quota: two of five 1000-octet pings pass" "$(pings 10.45.0.3 5 -s 1000)" 2
expect_eq "quota: three dropped as context_limit" \
	"$(( $(gtpu_stat "$gw" context_limit) - l0 ))" 3
expect_eq "quota: none left to the next rule" "$(( $(unknown_teid_drops) - d0 ))" 0

# A bound map cannot be deleted; unbound, it can.
gwnft delete map inet gtpmap up6 2>"$tmp/err" &&
	FAIL "a bound map was deleted" ||
	{ grep -q "Device or resource busy" "$tmp/err" &&
	  PASS "a bound map cannot be deleted" || FAIL "delete bound map: $(cat "$tmp/err")"; }
h=$(gwrule -l inet gtpmap pre | sed -n '2s/^handle \([0-9]*\):.*/\1/p')
gwnft delete rule inet gtpmap pre handle "$h" && gwnft delete map inet gtpmap up6 &&
	PASS "its rule deleted, the map can be" || FAIL "deleting up6 after its rule"

# A batch that fails after binding a map leaves it unbound: the map can
# be deleted afterwards, and nothing was added.
before=$(gwrule -l inet gtpmap pre | wc -l)
gwrule -f - >"$tmp/out" 2>&1 <<EOF2 && FAIL "a batch with a bad rule was accepted"
rule inet gtpmap pre $UDP_GTPU gtp-decap-map:spare:ip
rule inet gtpmap pre gtp-decap-map:nosuchmap:ip
EOF2
expect_eq "aborted batch added no rule" "$(gwrule -l inet gtpmap pre | wc -l)" "$before"
gwnft delete map inet gtpmap spare && PASS "aborted batch left its map unbound" ||
	FAIL "map still bound after an aborted batch"

# A map and the rule bound to it in one batch, the map found by name
# while both are new.
gwrule -f - <<EOF2 && PASS "map and bound rule in one batch" || FAIL "map and rule in one batch"
map inet gtpmap fresh mark iface_index.ipv4_addr counter
rule inet gtpmap pre $UDP_GTPU gtp-decap-map:fresh:ip
EOF2

# Maps that do not fit are refused, and the rule is not added.
refused() { # refused WHAT ERROR EXPR...
	local what=$1 want=$2 before out
	shift 2
	before=$(gwrule -l inet gtpmap pre | wc -l)
	if out=$(gwrule inet gtpmap pre "$@" 2>&1); then
		FAIL "accepted: $what"
	elif grep -q "$want" <<<"$out" &&
	     [ "$(gwrule -l inet gtpmap pre | wc -l)" = "$before" ]; then
		PASS "refused, ruleset unchanged: $what ($want)"
	else
		FAIL "$what: '$out'"
	fi
}
refused "no such map" "No such file or directory" gtp-decap-map:nosuchmap:ip
refused "a set, not a map" "Invalid argument" gtp-decap-map:teids
refused "data too short for an MS address" "Invalid argument" gtp-decap-map:short:ip
refused "data too long without an MS address" "Invalid argument" gtp-decap-map:up4
refused "data of the wrong family" "Invalid argument" gtp-decap-map:up4:ip6
refused "key wider than a TEID" "Invalid argument" gtp-decap-map:wide:ip
refused "a verdict map" "Invalid argument" gtp-decap-map:verdicts
refused "map ID without a name" "Invalid argument" raw-gtp:1=1,4=2,13=1
before=$(gwrule -l inet gtpmap post | wc -l)
gwrule inet gtpmap post gtp-decap-map:up4:ip 2>"$tmp/err" &&
	FAIL "decap with a map accepted in postrouting"
grep -q "Operation not supported" "$tmp/err" &&
	expect_eq "decap with a map refused in postrouting" \
		"$(gwrule -l inet gtpmap post | wc -l)" "$before" ||
	FAIL "postrouting: $(cat "$tmp/err")"

# At netdev ingress, the map in the netdev table.
gwnft -f - <<'EOF2'
table netdev tn {
	map up4 {
		type mark : iface_index . ipv4_addr
		counter
	}
	chain in {
		type filter hook ingress device gw-tr priority 0;
	}
}
EOF2
gwrule netdev tn in $UDP_GTPU gtp-decap-map:up4:ip
ip netns exec "$gw" nft add element netdev tn up4 '{ 0x4444 : "apn0" . 10.45.0.2 }'
stat_rises "netdev ingress: decapsulated through its map" decap 1 \
	valid 0x4444 10.45.0.2 198.51.100.2
expect_eq "netdev ingress: the element counted the inner packet (36 octets)" \
	"$(ip netns exec "$gw" nft list map netdev tn up4 | tr ',' '\n' | grep -F 0x00004444 |
	   sed -n 's/.* counter packets 1 bytes \([0-9]*\).*/\1/p')" 36

# Tables with bound maps go in one piece.
gwnft delete table netdev tn && gwnft delete table inet gtpmap &&
	PASS "tables with bound maps deleted" || FAIL "deleting the tables"
exit $ret
