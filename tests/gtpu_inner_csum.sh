#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Decap leaves the inner transport checksum to be verified: a verified
# outer UDP checksum must not vouch for the inner packet.
#
# Network of lib.sh with docs/gateway.nft on gw.  acc sends, through raw
# sockets, T-PDUs whose inner UDP datagram goes to a socket on gw itself
# (198.51.100.1 and 2001:db8:100::1, port 5555), first with a wrong inner
# checksum, then with a right one, over IPv4 and IPv6 outer headers.
# Twice: with GRO off on gw-tr, where nf_checksum() verifies the outer
# checksum in software (the packet becomes CHECKSUM_COMPLETE), and with
# GRO on, where GRO verifies it (CHECKSUM_UNNECESSARY).  Each time only
# the right ones reach the sockets, and the wrong ones are counted as
# UdpInCsumErrors and Udp6InCsumErrors.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ruleset.sh"
docs=$(dirname "$(readlink -f "$0")")/../docs
use_tmp_dir

require_cmd ip nft socat ethtool nstat
[ -x "$RULESET_RULE" ] || [ -n "${NFT:-}" ] || SKIP "nft_gtp_rule is not built"
require_scapy
require_modules nf_gtpu nft_gtp veth nft_limit nft_log

setup_gtpu_network || exit 1
load_ruleset "$gw" "$docs/gateway.nft" ||
	{ FAIL "docs/gateway.nft does not load"; exit 1; }
ip netns exec "$gw" nft -f - <<'EOF'
add element inet gateway uplink4 { 0x100 : "apn0" . 10.45.0.2 }
add element inet gateway uplink6 { 0x101 : "apn0" . 2001:db8:45::2 }
EOF

ip netns exec "$gw" socat -u UDP4-RECV:5555,bind=198.51.100.1 \
	OPEN:"$tmp/rx4",creat,append &
ip netns exec "$gw" socat -u "UDP6-RECV:5555,bind=[2001:db8:100::1]" \
	OPEN:"$tmp/rx6",creat,append &
busywait 10000 sh -c "[ \$(ip netns exec $gw ss -Hlun 'sport = :5555' | wc -l) -eq 2 ]"

csum_errors() { # csum_errors: UdpInCsumErrors/Udp6InCsumErrors on gw
	ip netns exec "$gw" nstat -asz UdpInCsumErrors Udp6InCsumErrors |
		awk '{ v[$1] = $2 } END { printf "%d/%d", v["UdpInCsumErrors"], v["Udp6InCsumErrors"] }'
}

for gro in off on; do
	what="GRO $gro on the gateway's port"
	ip netns exec "$gw" ethtool -K gw-tr gro "$gro" >/dev/null ||
		{ FAIL "$what: ethtool -K gw-tr gro $gro"; continue; }
	errors=$(csum_errors)
	decap=$(gtpu_stat "$gw" decap)
	pkt "$acc" inner-csum "gro-$gro"
	busywait 10000 sh -c "[ \$(cat $tmp/rx4 $tmp/rx6 2>/dev/null | grep -c '^gro-$gro-.*-good$') -ge 4 ]"
	expect_eq "$what: all eight T-PDUs decapsulated" \
		"$(( $(gtpu_stat "$gw" decap) - decap ))" 8
	for inner in 4 6; do
		expect_eq "$what: inner IPv$inner: only the right checksums reach the socket" \
			"$(grep "^gro-$gro-" "$tmp/rx$inner" 2>/dev/null | sort | xargs)" \
			"gro-$gro-o4-i$inner-good gro-$gro-o6-i$inner-good"
	done
	expect_eq "$what: the wrong ones counted as UDP checksum errors (v4/v6)" \
		"$(csum_errors)" \
		"$(( ${errors%/*} + 2 ))/$(( ${errors#*/} + 2 ))"
done
exit $ret
