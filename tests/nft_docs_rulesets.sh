#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The ruleset files of docs/ carry traffic: docs/gateway.nft on the
# gateway and docs/access.nft on the access node, PDP contexts added as
# map elements with Debian's stock nft, ping and TCP both ways, IPv4 and
# IPv6 subscribers.  With a patched nft (NFT=...) the files are loaded as
# they are and must list back as written; without one they are loaded
# through tests/ruleset.sh.  Network of lib.sh.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ruleset.sh"
tmp=$(mktemp -d)
docs=$(dirname "$(readlink -f "$0")")/../docs

cleanup() {
	cleanup_all_ns
	rm -rf "$tmp"
}
trap cleanup EXIT

require_cmd ip nft ping socat tcpdump ethtool
[ -x "$RULESET_RULE" ] || [ -n "${NFT:-}" ] || SKIP "nft_gtp_rule is not built"
[ -x /usr/bin/python3 ] || SKIP "python3 is not installed"
require_modules nf_gtpu nft_gtp veth

setup_gtpu_network || exit 1
if [ -n "${NFT:-}" ]; then
	echo "# loading with the patched nft $NFT"
else
	echo "# no patched nft (NFT unset): loading through nft_gtp_rule"
fi
load_ruleset "$gw" "$docs/gateway.nft" && PASS "docs/gateway.nft loads" ||
	{ FAIL "docs/gateway.nft does not load"; exit 1; }
load_ruleset "$acc" "$docs/access.nft" && PASS "docs/access.nft loads" ||
	{ FAIL "docs/access.nft does not load"; exit 1; }

# normalise FILE: the ruleset without comments, blank lines and indentation
normalise() {
	sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$1" | grep -v '^$'
}
if [ -n "${NFT:-}" ]; then
	for f in gateway access; do
		ip netns exec "$([ $f = gateway ] && echo "$gw" || echo "$acc")" \
			"$NFT" --stateless list table inet $f >"$tmp/$f.list"
		if diff <(normalise "$docs/$f.nft") <(normalise "$tmp/$f.list") >"$tmp/diff"; then
			PASS "docs/$f.nft lists back as written"
		else
			FAIL "docs/$f.nft lists back differently: $(cat "$tmp/diff")"
		fi
	done
fi

ip netns exec "$gw" nft -f - <<'EOF2'
add element inet gateway uplink4 { 0x100 : "apn0" . 10.45.0.2 }
add element inet gateway uplink6 { 0x101 : "apn0" . 2001:db8:45::2 }
add element inet gateway downlink4 { "apn0" . 10.45.0.2 : 192.0.2.1 . 0x200 }
add element inet gateway downlink6 { "apn0" . 2001:db8:45::/64 : 192.0.2.1 . 0x201 }
EOF2
ip netns exec "$acc" nft -f - <<'EOF2'
add element inet access uplink4 { 10.45.0.2 : 192.0.2.2 . 0x100 }
add element inet access uplink6 { 2001:db8:45::2 : 192.0.2.2 . 0x101 }
add element inet access downlink { 0x200 : "apn-ms", 0x201 : "apn-ms" }
EOF2
traffic 4 4 0x100
traffic 6 4 0x101
ip netns exec "$gw" nft list map inet gateway uplink4 | grep -q "counter packets [1-9]" &&
	PASS "per-context counters count" || FAIL "uplink4 element counter is zero"
tshark_checks
exit $ret
