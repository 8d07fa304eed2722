#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# load_ruleset NS FILE: load one of the docs' ruleset files into NS.
#
# With a patched nft (NFT=/path/to/nft, see nftables-patches/) the file is
# loaded as it is.  Debian's stock nft cannot parse gtp rules, so without
# one the file is loaded in two parts: stock nft loads everything but the
# rules, then each rule is appended in order, the gtp ones by nft_gtp_rule
# from the translation below, the others by stock nft.  A rule with no
# translation fails the load, so the files and this table cannot drift.

RULESET_RULE="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/nft_gtp_rule"
UDP_GTPU="meta:l4proto:r0 cmp:r0:eq:11 payload:th:2:2:r0 cmp:r0:eq:be16=2152"

# gtp_rule_translation RULE: nft_gtp_rule expressions for a gtp rule.
gtp_rule_translation() {
	case $1 in
	"gtp decap ip to gtp teid map @uplink4")
		echo "gtp-decap-map:uplink4:ip" ;;
	"gtp decap ip6 to gtp teid map @uplink6")
		echo "gtp-decap-map:uplink6:ip6" ;;
	"gtp decap inet to gtp teid map @uplink46")
		echo "gtp-decap-map:uplink46:inet" ;;
	"gtp encap ip to oif . ip daddr map @downlink4")
		echo "meta:nfproto:r0 cmp:r0:eq:02 meta:oif:r0 payload:nh:16:4:r1" \
		     "lookup:downlink4:r0:r2 gtp-encap:ip:r2:r3" ;;
	"gtp encap ip to oifname . ip6 daddr map @downlink6")
		echo "meta:nfproto:r0 cmp:r0:eq:0a meta:oifname:r0 payload:nh:24:16:r4" \
		     "lookup:downlink6:r0:r8 gtp-encap:ip:r8:r9" ;;
	'iifname "acc-ms" gtp encap ip to ip saddr map @uplink4')
		echo "meta:iifname:r0 cmp:r0:eq:str=acc-ms meta:nfproto:r1 cmp:r1:eq:02" \
		     "payload:nh:12:4:r0 lookup:uplink4:r0:r1 gtp-encap:ip:r1:r2" ;;
	'iifname "acc-ms" gtp encap ip to ip6 saddr map @uplink6')
		echo "meta:iifname:r0 cmp:r0:eq:str=acc-ms meta:nfproto:r4 cmp:r4:eq:0a" \
		     "payload:nh:8:16:r0 lookup:uplink6:r0:r4 gtp-encap:ip:r4:r5" ;;
	"gtp type echo-request gtp reply")
		echo "gtp-load:type:r0 cmp:r0:eq:u32=1 gtp-reply" ;;
	"gtp type t-pdu limit rate 100/second gtp reply")
		echo "gtp-load:type:r0 cmp:r0:eq:u32=255 limit:100:5 gtp-reply" ;;
	"gtp type end-marker counter log group 1 drop")
		echo "gtp-load:type:r0 cmp:r0:eq:u32=254 counter log:1 verdict:drop" ;;
	"udp dport 2152 gtp decap to gtp teid map @downlink")
		echo "$UDP_GTPU gtp-decap-map:downlink" ;;
	*)
		return 1 ;;
	esac
}

# ruleset_rules FILE: "FAMILY TABLE CHAIN RULE" for each rule, in order.
ruleset_rules() {
	awk '
	/^[ \t]*#/ || /^[ \t]*$/ { next }
	$1 == "table" { family = $2; table = $3; next }
	$1 == "chain" { chain = $2; inchain = 1; next }
	inchain && $1 == "}" { inchain = 0; next }
	inchain && $1 != "type" && $1 != "policy" {
		sub(/^[ \t]+/, ""); print family, table, chain, $0
	}' "$1"
}

# ruleset_skeleton FILE: FILE without its rules, for stock nft.
ruleset_skeleton() {
	awk '
	$1 == "chain" { inchain = 1; print; next }
	inchain && $1 == "}" { inchain = 0 }
	inchain && $1 != "type" && $1 != "policy" && !/^[ \t]*$/ { next }
	{ print }' "$1"
}

load_ruleset() {
	local ns=$1 file=$2 family table chain rule exprs
	if [ -n "${NFT:-}" ]; then
		ip netns exec "$ns" "$NFT" -f "$file"
		return
	fi
	ruleset_skeleton "$file" | ip netns exec "$ns" nft -f - || return 1
	while read -r family table chain rule; do
		if [[ " $rule " != *" gtp "* ]]; then
			ip netns exec "$ns" nft add rule "$family" "$table" "$chain" "$rule" ||
				return 1
		elif exprs=$(gtp_rule_translation "$rule"); then
			# shellcheck disable=SC2086 # one word per expression
			ip netns exec "$ns" "$RULESET_RULE" "$family" "$table" "$chain" $exprs ||
				return 1
		else
			echo "load_ruleset: no nft_gtp_rule translation for: $rule" >&2
			return 1
		fi
	done < <(ruleset_rules "$file")
}
