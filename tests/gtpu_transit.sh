#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# GTP-U that only passes through a node to a host behind it is forwarded
# untouched: not decapsulated, even with the TEID of one of the node's
# contexts, not answered, not dropped as an unknown TEID.  For each chain
# that decapsulates in prerouting: docs/gateway.nft's (and its decap rules
# without the transit rule), that of libnfgtpu's gateway ("gtpu setup
# gateway"), -j GTPU's and docs/access.nft's (whose decap rule has no
# transit rule before it).
#
#   ms ---- acc ===== gw ---- pdn        (network of lib.sh)
#
# acc sends T-PDUs of gw's contexts to pdn through gw, and the same to gw
# itself (which must decapsulate them, or the first part proves
# nothing); gw sends a T-PDU of acc's context to ms through acc, and to
# acc.  pdn and ms count the UDP datagrams to port 2152 that reach them.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ruleset.sh"
here=$(dirname "$(readlink -f "$0")")
docs=$here/../docs
GTPU=$here/../libnfgtpu/gtpu
use_tmp_dir

require_cmd ip nft
[ -x "$RULESET_RULE" ] || [ -n "${NFT:-}" ] || SKIP "nft_gtp_rule is not built"
[ -x "$GTPU" ] || SKIP "libnfgtpu/gtpu is not built"
require_scapy
require_modules nf_gtpu nft_gtp xt_GTPU veth nft_fib_inet nft_limit nft_log
require_xt_gtpu

setup_gtpu_network || exit 1
for ns in "$pdn" "$ms"; do
	ip netns exec "$ns" nft -f - <<-'EOF' || { FAIL "counting table"; exit 1; }
	table inet transit {
		chain in {
			type filter hook prerouting priority 0; policy accept;
			udp dport 2152 counter
		}
	}
	EOF
done
# arrived NS: UDP datagrams to port 2152 that reached NS
arrived() {
	ip netns exec "$1" nft list chain inet transit in |
		awk '/counter packets/ { print $(NF - 2) }'
}
arrived_at_least() { [ "$(arrived "$1")" -ge "$2" ]; }
decapsulated_at_least() { [ "$(gtpu_stat "$1" decap)" -ge "$2" ]; }

# send_tpdus OUTER_DST...: the caller's T-PDU i (src, teid, msa, dst of
# passes_through) to OUTER_DST i
send_tpdus() {
	local i=0 d
	for d in "$@"; do
		pkt "$sender" send valid "${src[i]}" "$d" "${teid[i]}" "${msa[i]}" "${dst[i]}"
		i=$((i + 1))
	done
}

# passes_through WHAT NODE SENDER RECEIVER SRC_ADDRS DEST_ADDRS TEIDS
#	MS_ADDRS NODE_ADDRS: SENDER's T-PDUs (outer sources SRC_ADDRS) of
#	NODE's contexts (TEIDS, inner sources MS_ADDRS), one per family,
#	sent to NODE_ADDRS are decapsulated there; sent to DEST_ADDRS, on
#	RECEIVER behind NODE, they arrive there and are not decapsulated.
passes_through() {
	local what=$1 node=$2 sender=$3 receiver=$4 decap got n
	local -a src=($5) dst=($6) teid=($7) msa=($8) own=($9)
	n=${#dst[@]}
	decap=$(gtpu_stat "$node" decap)
	send_tpdus "${own[@]}"
	busywait 5000 decapsulated_at_least "$node" $((decap + n))
	expect_eq "$what: T-PDUs to the node itself decapsulated" \
		"$(( $(gtpu_stat "$node" decap) - decap ))" "$n"

	decap=$(gtpu_stat "$node" decap)
	got=$(arrived "$receiver")
	send_tpdus "${dst[@]}"
	busywait 5000 arrived_at_least "$receiver" $((got + n))
	expect_eq "$what: T-PDUs to a host behind the node arrive there" \
		"$(( $(arrived "$receiver") - got ))" "$n"
	expect_eq "$what: and are not decapsulated" \
		"$(( $(gtpu_stat "$node" decap) - decap ))" 0
}

gw_transit() { # gw_transit WHAT: acc's T-PDUs of gw's contexts to pdn
	passes_through "$1" "$gw" "$acc" "$pdn" "192.0.2.1 2001:db8:1::1" \
		"198.51.100.2 2001:db8:100::2" "0x100 0x101" \
		"10.45.0.2 2001:db8:45::2" "192.0.2.2 2001:db8:1::2"
}

load_ruleset "$gw" "$docs/gateway.nft" || { FAIL "docs/gateway.nft does not load"; exit 1; }
ip netns exec "$gw" nft -f - <<'EOF'
add element inet gateway uplink4 { 0x100 : "apn0" . 10.45.0.2 }
add element inet gateway uplink6 { 0x101 : "apn0" . 2001:db8:45::2 }
EOF
gw_transit "docs/gateway.nft"
refused=$(gtpu_stat "$gw" reply_refused)
ei=$(gtpu_stat "$gw" error_indication)
got=$(arrived "$pdn")
pkt "$acc" send valid 192.0.2.1 198.51.100.2 0x9999 10.45.0.2 198.51.100.2
busywait 5000 arrived_at_least "$pdn" $((got + 1))
expect_eq "docs/gateway.nft: a T-PDU of an unknown TEID passing through arrives, not answered nor refused" \
	"$(( $(arrived "$pdn") - got ))/$(( $(gtpu_stat "$gw" error_indication) - ei ))/$(( $(gtpu_stat "$gw" reply_refused) - refused ))" 1/0/0

# The decap rules leave GTP-U to another host alone themselves: the
# transit rule, after them, only keeps it from the rules that count and
# drop.  Without it, T-PDUs of gw's contexts passing through are not
# decapsulated but reach the unknown-TEID rule.
unknown_teid() {
	ip netns exec "$gw" nft list chain inet gateway gtpu |
		sed -n 's/.*counter packets \([0-9]*\) .*comment "unknown TEID".*/\1/p'
}
unknown_teid_at_least() { [ "$(unknown_teid)" -ge "$1" ]; }
guard=$(ip netns exec "$gw" nft -a list chain inet gateway gtpu |
	awk '/fib daddr type != local accept/ { print $NF }')
ip netns exec "$gw" nft delete rule inet gateway gtpu handle "$guard" ||
	FAIL "the transit rule of docs/gateway.nft (handle '$guard') cannot be deleted"
decap=$(gtpu_stat "$gw" decap)
unknown=$(unknown_teid)
pkt "$acc" send valid 192.0.2.1 198.51.100.2 0x100 10.45.0.2 198.51.100.2
pkt "$acc" send valid 2001:db8:1::1 2001:db8:100::2 0x101 2001:db8:45::2 2001:db8:100::2
busywait 5000 unknown_teid_at_least $((unknown + 2))
expect_eq "docs/gateway.nft without its transit rule: T-PDUs of its contexts passing through not decapsulated, left to the next rules" \
	"$(( $(gtpu_stat "$gw" decap) - decap ))/$(( $(unknown_teid) - unknown ))" 0/2

ip netns exec "$gw" nft delete table inet gateway
"$GTPU" -n "$gw" setup gateway &&
	"$GTPU" -n "$gw" ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 &&
	"$GTPU" -n "$gw" ctx add teid 0x101 apn apn0 ms 2001:db8:45::2/64 peer 192.0.2.1 peer-teid 0x201 ||
	{ FAIL "gtpu setup gateway, ctx add"; exit 1; }
gw_transit "gtpu setup gateway"

# -j GTPU --decap without a destination address to match: the same.
ip netns exec "$gw" nft delete table inet gateway
ipt "$gw" 4 -t raw -A PREROUTING -p udp --dport 2152 \
	-j GTPU --decap --dev apn0 --ms-addr 10.45.0.2 --teid 0x100 &&
ipt "$gw" 6 -t raw -A PREROUTING -p udp --dport 2152 \
	-j GTPU --decap --dev apn0 --ms-addr 2001:db8:45::2 --teid 0x101 ||
	FAIL "-j GTPU --decap rules"
gw_transit "-j GTPU --decap"
ipt_flush "$gw" 4
ipt_flush "$gw" 6

# The access node: gw reaches ms through acc (not through its apn0).
load_ruleset "$acc" "$docs/access.nft" || { FAIL "docs/access.nft does not load"; exit 1; }
ip netns exec "$acc" nft add element inet access downlink '{ 0x200 : "apn-ms" }'
ip -n "$gw" -batch - <<'EOF'
route add 10.45.0.2/32 via 192.0.2.1
route add 2001:db8:45::2/128 via 2001:db8:1::1
EOF
passes_through "docs/access.nft" "$acc" "$gw" "$ms" "192.0.2.2 2001:db8:1::2" \
	"10.45.0.2 2001:db8:45::2" "0x200 0x200" "198.51.100.2 2001:db8:100::2" \
	"192.0.2.1 2001:db8:1::1"
exit $ret
