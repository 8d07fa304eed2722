#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Who owns the tunnels.  PDP state in a table created with "flags owner"
# lives as long as the control-plane process whose netlink socket made it:
# when that process exits, the table, its maps and rules vanish and the
# traffic stops.  In an ordinary table the state survives its creator.
# The gateway's table is loaded by nft_gtp_rule -f in one batch (stock nft
# cannot express the gtp rules); the access node uses iptables -j GTPU.
# Network of lib.sh: ms -- acc == GTP-U == gw -- pdn.

source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
RULE="$(dirname "$(readlink -f "$0")")/nft_gtp_rule"

cleanup() {
	[ -n "${owner:-}" ] && kill "$owner" 2>/dev/null
	cleanup_all_ns
	rm -rf "$tmp"
}
trap cleanup EXIT

require_cmd ip iptables nft ping
[ -x "$RULE" ] || SKIP "nft_gtp_rule is not built"
require_modules nf_gtpu xt_GTPU nft_gtp veth
require_xt_gtpu

setup_gtpu_network || exit 1
ipt "$acc" 4 -t mangle -A FORWARD -i acc-ms -s 10.45.0.2 \
	-j GTPU --encap --peer 192.0.2.2 --teid 0x100
ipt "$acc" 4 -t raw -A PREROUTING -i acc-tr -p udp --dport 2152 \
	-j GTPU --decap --dev apn-ms --teid 0x200

# gateway_batch [owner]: the whole gateway, one PDP context, as one batch.
gateway_batch() {
	cat <<EOF2
table inet gtpgw $1
chain inet gtpgw pre prerouting -300
chain inet gtpgw post postrouting -150
map inet gtpgw up mark iface_index.ipv4_addr counter
map inet gtpgw down iface_index.ipv4_addr ipv4_addr.mark counter
element inet gtpgw up u32=0x100 ifindex=apn0+ip4=10.45.0.2
element inet gtpgw down ifindex=apn0+ip4=10.45.0.2 ip4=192.0.2.1+u32=0x200
rule inet gtpgw pre meta:l4proto:r0 cmp:r0:eq:11 payload:th:2:2:r0 cmp:r0:eq:be16=2152 gtp-load:teid:r0 lookup:up:r0:r1 gtp-decap:r1:r2:ip
rule inet gtpgw post meta:nfproto:r0 cmp:r0:eq:02 meta:oif:r0 payload:nh:16:4:r1 lookup:down:r0:r2 gtp-encap:ip:r2:r3
EOF2
}
tunnel_up() {
	ip netns exec "$ms" ping -c 2 -i 0.2 -W 1 198.51.100.2 >/dev/null
}
has_table() {
	ip netns exec "$gw" nft list table inet gtpgw >/dev/null 2>&1
}

# Owned: the control plane keeps its socket open while it runs.
gateway_batch owner >"$tmp/owned.nft"
ip netns exec "$gw" "$RULE" -f - -w <"$tmp/owned.nft" >"$tmp/ready" &
owner=$!
busywait 10000 grep -q ready "$tmp/ready" || { FAIL "owner did not load its table"; exit 1; }
ip netns exec "$gw" nft list table inet gtpgw | grep -q "flags owner" &&
	PASS "table is owned by the control-plane process" || FAIL "no owner flag"
tunnel_up && PASS "owned PDP state carries traffic" || FAIL "owned tunnel"
kill "$owner"
wait "$owner" 2>/dev/null
owner=
busywait 5000 sh -c '! ip netns exec "$0" nft list table inet gtpgw >/dev/null 2>&1' "$gw" &&
	PASS "owner exited: its table, maps and rules are gone" ||
	FAIL "owned table survived its owner"
tunnel_up && FAIL "traffic still flows after the owner exited" ||
	PASS "owner exited: the tunnel carries nothing"

# Ordinary: the kernel keeps the state after its creator exits.
gateway_batch >"$tmp/plain.nft"
ip netns exec "$gw" "$RULE" -f "$tmp/plain.nft" &&
	PASS "ordinary table loaded by a process that has exited" ||
	FAIL "loading the ordinary table"
has_table && PASS "ordinary table survives its creator" || FAIL "ordinary table gone"
tunnel_up && PASS "ordinary PDP state carries traffic" || FAIL "ordinary tunnel"
expect_eq "per-element counter of the surviving context" \
	"$(ip netns exec "$gw" nft list map inet gtpgw up | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')" 2
exit $ret
