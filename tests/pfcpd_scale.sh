#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# nf-gtpu-pfcpd sets up 10,000 PFCP sessions one by one and tears them
# down again while traffic flows through the same gateway, and leaves
# nothing behind.  bench/pfcpgen plays the SMF (the benchmark's: its
# messages are the agent's codec's; tests/pfcpd_session.sh checks the
# agent against scapy's SMF), over the gateway's loopback; each session
# is one context.  Meanwhile the MS pings the PDN through a context of
# its own, added with gtpu before the agent starts (persistent gateway,
# TEID 0x80000000, outside what the agent allocates in this test).
# Between the establishments and the deletions the agent is stopped and
# started again: it reads the sessions back from the gateway's records.
#
#   ms ---- acc ===== GTP-U ===== gw ---- pdn        (network of lib.sh)
#           docs/access.nft       | nf-gtpu-pfcpd on 127.0.0.1
#                                 | pfcpgen on 127.0.0.2

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ruleset.sh"
here=$(dirname "$(readlink -f "$0")")
PFCPD=$here/../pfcpd/nf-gtpu-pfcpd
GTPU=$here/../libnfgtpu/gtpu
PFCPGEN=$here/pfcpgen
use_tmp_dir

# Under a slow (debug) kernel, fewer sessions: TIME_SCALE times fewer
SESSIONS=${PFCPD_SESSIONS:-$((10000 / TIME_SCALE))}

require_cmd ip nft ping
[ -x "$PFCPD" ] || SKIP "pfcpd/nf-gtpu-pfcpd is not built"
[ -x "$GTPU" ] || SKIP "libnfgtpu/gtpu is not built"
[ -x "$PFCPGEN" ] || SKIP "tests/pfcpgen is not built"
[ -r "$here/../bench/pfcpd-loopback.conf" ] || SKIP "no bench/pfcpd-loopback.conf"
require_modules nf_gtpu nft_gtp veth

setup_gtpu_network || exit 1
load_ruleset "$acc" "$here/../docs/access.nft" ||
	{ FAIL "docs/access.nft does not load"; exit 1; }
gtpu() { "$GTPU" -n "$gw" "$@"; }
ip -n "$gw" link set lo up
gtpu setup gateway records || { FAIL "gtpu setup gateway records"; exit 1; }
gtpu ctx add teid 0x80000000 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 ||
	{ FAIL "the MS's own context"; exit 1; }
ip netns exec "$acc" nft add element inet access uplink4 \
	'{ 10.45.0.2 : 192.0.2.2 . 0x80000000 }'
ip netns exec "$acc" nft add element inet access downlink '{ 0x200 : "apn-ms" }'
ip netns exec "$ms" ping -c 2 -W 5 "$(pdn_addr 4)" >/dev/null &&
	PASS "the MS reaches the PDN through its context" ||
	{ FAIL "no ping through the MS's context"; exit 1; }

start_agent() {
	ip netns exec "$gw" "$PFCPD" -c "$here/../bench/pfcpd-loopback.conf" \
		-s "$tmp/stats" 2>>"$tmp/agent.log" &
	agent=$!
}
start_agent
busywait 30000 sh -c 'ip netns exec "$0" ss -Hlun "sport = :8805" | grep -q .' "$gw" ||
	{ FAIL "the agent does not listen: $(tail -n 3 "$tmp/agent.log")"; exit 1; }

# pings MS -> PDN in rounds of 20 while $1 runs: "sent received"
pings_while() {
	local sent=0 got=0 s r
	while kill -0 "$1" 2>/dev/null; do
		read -r s r < <(ip netns exec "$ms" ping -q -c 20 -i 0.05 -W 5 "$(pdn_addr 4)" |
			awk '/transmitted/ { print $1, $4 }')
		sent=$((sent + ${s:-0})) got=$((got + ${r:-0}))
	done
	echo "$sent $got"
}

coproc GEN { ip netns exec "$gw" "$PFCPGEN" -P -s 127.0.0.2 -p 192.0.2.1 \
	127.0.0.1 "$SESSIONS" 2>"$tmp/pfcpgen.log"; }
gen=$GEN_PID
# A ping socket turns packet time stamps on (a static key) and its end
# turns them off: rewriting kernel code a round each, which QEMU's TCG
# does not always survive.  One ping for the whole test keeps them on.
ip netns exec "$ms" ping -q -i 5 "$(pdn_addr 4)" >/dev/null &
keeper=$!
pings_while "$gen" >"$tmp/pings" &
pinger=$!
read -r -t $((1800 * TIME_SCALE)) line <&"${GEN[0]}"
if [[ "$line" =~ ^established=$SESSIONS\ est_ns=([0-9]+)$ ]]; then
	PASS "$SESSIONS sessions established ($(( BASH_REMATCH[1] / 1000 / SESSIONS )) us each)"
else
	FAIL "establishing $SESSIONS sessions: '$line' $(cat "$tmp/pfcpgen.log")"
fi
expect_eq "one context per session, and the MS's own" \
	"$(gtpu ctx list | wc -l)" $((SESSIONS + 1))
kill -USR1 "$agent"
busywait 5000 grep -q "^nf_gtpu_pfcp_sessions $SESSIONS\$" "$tmp/stats" &&
	PASS "the agent counts $SESSIONS sessions" ||
	FAIL "the agent counts: $(grep '^nf_gtpu_pfcp_sessions ' "$tmp/stats")"
kill "$agent"
wait "$agent" 2>/dev/null
start_agent
busywait $((120000 * TIME_SCALE)) grep -q "$SESSIONS sessions read back" "$tmp/agent.log" &&
	PASS "the agent restarted and read the $SESSIONS sessions back" ||
	FAIL "the agent restarted: $(tail -n 3 "$tmp/agent.log")"
echo >&"${GEN[1]}"
read -r -t $((1800 * TIME_SCALE)) line <&"${GEN[0]}"
if [[ "$line" =~ ^deleted=$SESSIONS\ del_ns=([0-9]+)$ ]]; then
	PASS "$SESSIONS sessions deleted ($(( BASH_REMATCH[1] / 1000 / SESSIONS )) us each)"
else
	FAIL "deleting $SESSIONS sessions: '$line' $(cat "$tmp/pfcpgen.log")"
fi
wait "$gen" 2>/dev/null
wait "$pinger"
kill "$keeper"
read -r sent got <"$tmp/pings"
[ "$sent" -gt 0 ] && [ "$got" = "$sent" ] &&
	PASS "the MS's pings meanwhile: $got of $sent answered" ||
	FAIL "the MS's pings meanwhile: $got of $sent answered"

kill "$agent"
wait "$agent" 2>/dev/null
expect_eq "nothing left but the MS's own context" \
	"$(gtpu ctx list | awk '{ print $2 }' | xargs)" 0x80000000
expect_eq "of the records, only the node's left" \
	"$(ip netns exec "$gw" nft list set inet gateway records |
		grep -o '0x[0-9a-f]* \. 0x[0-9a-f]* \. ' | sort -u | wc -l)" 1
grep -q '^nf_gtpu_pfcp_sessions 0$' "$tmp/stats" &&
	PASS "the agent counts no session at exit" ||
	FAIL "the agent counts at exit: $(grep '^nf_gtpu_pfcp_sessions ' "$tmp/stats")"
ip netns exec "$ms" ping -c 2 -W 5 "$(pdn_addr 4)" >/dev/null &&
	PASS "the MS still reaches the PDN" || FAIL "no ping through the MS's context at the end"
[ $ret -eq 0 ] || tail -n 20 "$tmp/agent.log"
exit $ret
