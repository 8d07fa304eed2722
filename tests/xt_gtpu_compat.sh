#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The GTPU target through nft_compat, which is what Debian's iptables
# (iptables-nft) drives.  A rule in a user chain cannot be told its hook
# when it is added, and nft_compat checks it later only against the hooks
# of all modes together: each mode must still run only in its own hooks,
# whatever chain jumps to it.  The nft gtp expression is checked along
# every jump: the same ruleset is refused.  The target loads in ip and ip6
# tables only, not in the inet or arp tables nft_compat also serves.
#
#   peer (192.0.2.1) ---- gw (192.0.2.2; apn0 198.51.100.1)

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gtpu_peer.sh"
RULE="$(dirname "$(readlink -f "$0")")/nft_gtp_rule"
use_tmp_dir

require_cmd ip iptables nft
require_scapy
require_modules nf_gtpu xt_GTPU nft_gtp nft_compat veth
require_xt_gtpu
iptables -V | grep -q nf_tables || SKIP "iptables is not iptables-nft"

setup_gtpu_peer 1500 || exit 1
ip -n "$gw" addr add 198.51.100.1/24 dev apn0
ip -n "$peer" route add 198.51.100.0/24 via 192.0.2.2
busywait 5000 ip netns exec "$peer" ping -c 1 -W 1 192.0.2.2 >/dev/null

gwipt() { ip netns exec "$gw" iptables -t raw "$@"; }

# in_user_chain NAME HOOK RULE...: RULE alone in user chain NAME of the
# raw table, which HOOK's chain jumps to.
in_user_chain() {
	local name=$1 hook=$2
	shift 2
	gwipt -N "$name" && gwipt -A "$hook" -j "$name" && gwipt -A "$name" "$@"
}

# not_run WHAT STAT CMD...: CMD sends one packet to a rule in a hook its
# mode does not run in: STAT stays, wrong_hook counts it, the rule drops it.
not_run() {
	local what=$1 stat=$2 s0 w0
	shift 2
	s0=$(gtpu_stat "$gw" "$stat")
	w0=$(gtpu_stat "$gw" wrong_hook)
	"$@"
	busywait 3000 exceeds "${w0:-0}" gtpu_stat "$gw" wrong_hook
	expect_eq "$what: not run, counted" \
		"$(($(gtpu_stat "$gw" "$stat") - s0)) $(($(gtpu_stat "$gw" wrong_hook) - ${w0:-0}))" \
		"0 1"
}

peer_ping() { ip netns exec "$peer" ping -c 1 -W 1 198.51.100.2 >/dev/null; }
# A dropped packet fails the sender's sendto() with EPERM: expected.
gw_send() {
	pkt "$gw" send "$1" 192.0.2.2 192.0.2.1 0x1234 10.45.0.2 198.51.100.2 >/dev/null
}

in_user_chain dec OUTPUT -p udp -j GTPU --decap --dev apn0 ||
	FAIL "iptables-nft refused decap in a user chain"
not_run "decap reached from OUTPUT" decap gw_send valid
gwipt -F OUTPUT

in_user_chain rep OUTPUT -p udp -j GTPU --reply ||
	FAIL "iptables-nft refused reply in a user chain"
not_run "reply reached from OUTPUT" echo_response gw_send echo_request
gwipt -F OUTPUT

in_user_chain enc PREROUTING -i g0 -d 198.51.100.2 \
	-j GTPU --encap --peer 192.0.2.1 --teid 5 ||
	FAIL "iptables-nft refused encap in a user chain"
not_run "encap reached from PREROUTING" encap peer_ping
gwipt -F PREROUTING

# In its own hook, the same user chain works.
gwipt -A PREROUTING -j rep
e0=$(gtpu_stat "$gw" echo_response)
pkt "$peer" send echo_request 192.0.2.1 192.0.2.2 0 10.45.0.2 198.51.100.2
if busywait 3000 exceeds "$e0" gtpu_stat "$gw" echo_response; then
	PASS "reply in a user chain reached from PREROUTING answers"
else
	FAIL "reply in a user chain reached from PREROUTING did not answer"
fi

[ -x "$RULE" ] || { echo "NOTE: nft_gtp_rule is not built, nft tables not tested"; exit $ret; }
gwnft() { ip netns exec "$gw" nft "$@"; }

# nft's gtp expression: validated along the jump, refused.
gwnft add table ip t '{ chain x { }; chain out { type filter hook output priority 0; }; }'
ip netns exec "$gw" "$RULE" ip t x imm:r0:ifindex=apn0 gtp-decap:r0
if gwnft add rule ip t out jump x 2>/dev/null; then
	FAIL "nft: a jump from output to gtp decap was accepted"
else
	PASS "nft: a jump from output to gtp decap is refused"
fi

# The target through nft_compat (xt-gtpu, as iptables-nft sends it) loads
# in ip and ip6 tables only: not in an inet table, where the family names
# no defrag to enable, nor in an arp table, whose packets are not IP.
gwnft add table ip6 t6 '{ chain pre { type filter hook prerouting priority 0; }; }'
gwnft add table inet ti '{ chain pre { type filter hook prerouting priority 0; }; }'
gwnft add table arp ta '{ chain in { type filter hook input priority 0; }; }'
gwnft add chain ip t pre '{ type filter hook prerouting priority 0; }'
for r in "ip t pre" "ip6 t6 pre"; do
	for e in xt-gtpu:decap:apn0 xt-gtpu:reply; do
		if ip netns exec "$gw" "$RULE" $r $e; then
			PASS "nft_compat: $e loads in $r"
		else
			FAIL "nft_compat: $e refused in $r"
		fi
	done
done
# A field without its flag is refused, not used or ignored (libxt_GTPU
# never sends one): an encap source address without XT_GTPU_F_SADDR, a
# GTPv0 TID without XT_GTPU_F_V0.
gwnft add chain ip t post '{ type filter hook postrouting priority 0; }'
xt_rule() { # xt_rule WANT(loads|refused) CHAIN EXPR
	local got=refused
	ip netns exec "$gw" "$RULE" ip t "$2" "$3" 2>/dev/null && got=loads
	expect_eq "nft_compat: $3 in $2" "$got" "$1"
}
enc=xt-gtpu:encap,peer=192.0.2.1,teid=1
xt_rule loads post "$enc,saddr=192.0.2.2,flags=4"
xt_rule refused post "$enc,saddr=192.0.2.2"
xt_rule refused post "$enc,tid=7"
xt_rule loads pre xt-gtpu:decap:apn0,tid=7,flags=32
xt_rule refused pre xt-gtpu:decap:apn0,tid=7

for r in "inet ti pre xt-gtpu:decap:apn0" "inet ti pre xt-gtpu:reply" \
	 "arp ta in xt-gtpu:reply"; do
	if ip netns exec "$gw" "$RULE" $r 2>"$tmp/err"; then
		FAIL "nft_compat: loaded in another family: $r"
	else
		PASS "nft_compat: refused: $r ($(head -n 1 "$tmp/err"))"
	fi
done

exit $ret
