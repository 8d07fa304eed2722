#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A small mobile network in namespaces, run by "make demo" in the VM:
#
#   ms  (3 subscribers: 10.45.0.2, 10.45.0.3, 2001:db8:45::2) --+
#                                                              acc == GTP-U == gw -- pdn  (APN "internet": apn0)
#   ms2 (1 subscriber: 10.45.0.2, same address, other APN) ----+                 \-- pdn2 (APN "blue": apn1 in VRF blue)
#
# acc is the access node (SGSN/eNodeB role) running docs/access.nft, gw
# the gateway (GGSN/P-GW role) running the ruleset of docs/gateway.nft,
# set up and filled with contexts by the gtpu tool (libnfgtpu).  Ping and
# a TCP transfer go both ways for every subscriber, then the demo prints
# what an operator looks at: the ruleset, the PDP contexts with their
# counters, the APN devices' and nf_gtpu's statistics.
cd "$(dirname "$0")/../tests" || exit 1
source ./lib.sh
source ./ruleset.sh
GTPU=$PWD/../libnfgtpu/gtpu
tmp=$(mktemp -d)
trap 'cleanup_all_ns; rm -rf "$tmp"' EXIT

step() { printf '\n=== %s\n' "$*"; }

modprobe -a nf_gtpu nft_gtp xt_GTPU || exit 1
setup_gtpu_network && setup_second_apn || exit 1
ip -n "$ms" addr add 10.45.0.3/24 dev ms0

step "gw: gtpu setup gateway (the ruleset of docs/gateway.nft, as netlink)"
"$GTPU" -n "$gw" setup gateway || exit 1
step "acc: loading docs/access.nft"
if [ -n "${NFT:-}" ]; then
	echo "with the patched nft: $NFT"
else
	echo "no patched nft installed (set NFT=/path/to/nft, see nftables-patches/):"
	echo "loading the same rules through tests/nft_gtp_rule and Debian's nft"
fi
load_ruleset "$acc" ../docs/access.nft || exit 1
# The second APN's subscriber comes in on acc-ms2: one more rule there.
ip netns exec "$acc" "$RULESET_RULE" inet access uplink \
	meta:iifname:r0 cmp:r0:eq:str=acc-ms2 meta:nfproto:r1 cmp:r1:eq:02 \
	payload:nh:12:4:r0 imm:r1:ip4=192.0.2.2 imm:r2:u32=0x700 gtp-encap:ip:r1:r2

step "the control plane adds four PDP contexts in one transaction (gtpu ctx load)"
cat >"$tmp/contexts" <<'EOF2'
ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200
ctx add teid 0x300 apn apn0 ms 10.45.0.3 peer 192.0.2.1 peer-teid 0x400
ctx add teid 0x700 apn apn1 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x800
ctx add teid 0x101 apn apn0 ms 2001:db8:45::2 peer 192.0.2.1 peer-teid 0x201
EOF2
cat "$tmp/contexts"
"$GTPU" -n "$gw" ctx load "$tmp/contexts" || exit 1
ip netns exec "$acc" nft -f - <<'EOF2'
add element inet access uplink4 { 10.45.0.2 : 192.0.2.2 . 0x100, 10.45.0.3 : 192.0.2.2 . 0x300 }
add element inet access uplink6 { 2001:db8:45::2 : 192.0.2.2 . 0x101 }
add element inet access downlink { 0x200 : "apn-ms", 0x201 : "apn-ms", 0x400 : "apn-ms", 0x800 : "apn-ms2" }
EOF2

step "traffic: ping and 1 MB of TCP each way, per subscriber"
traffic 4 4 0x100
traffic 6 4 0x101
ip netns exec "$ms" ping -I 10.45.0.3 -c 3 -i 0.2 198.51.100.2 | tail -2
check_second_apn

step "gw: nft list ruleset"
if [ -n "${NFT:-}" ]; then
	ip netns exec "$gw" "$NFT" list ruleset
else
	ip netns exec "$gw" nft list ruleset
	echo "(Debian's nft leaves out the rules holding gtp expressions; they are:)"
	for chain in uplink downlink; do
		ip netns exec "$gw" "$RULESET_RULE" -l inet gateway $chain | sed "s/^/  $chain /"
	done
fi

step "gw: gtpu ctx list (the PDP contexts with their counters)"
"$GTPU" -n "$gw" ctx list

step "gw: APN devices"
ip -n "$gw" -s link show apn0
ip -n "$gw" -s link show apn1
step "gw: gtpu stats --prometheus (/proc/net/nf_gtpu)"
"$GTPU" -n "$gw" stats --prometheus
exit $ret
