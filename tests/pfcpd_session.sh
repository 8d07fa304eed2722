#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# nf-gtpu-pfcpd installs PFCP sessions through libnfgtpu.  The agent runs
# on gw (owned gateway); scapy's PFCP layer plays the SMF from its own
# namespace (tests/pfcpd_smf.py) with open5gs' sequence: association,
# establishment (uplink F-TEID to CHOOSE, downlink FAR BUFF|NOCP: an
# uplink-only context, the downlink buffered: a ping's replies wait, a
# Downlink Data Report goes to the SMF), modification to FORW with the
# access node's F-TEID (the buffered replies arrive in order; ping both
# ways through the tunnel), deletion (no traffic, no context
# left), and the sessions of a peer that releases its association go
# with it; an Update PDR asking for a new F-TEID gets it in an Updated
# PDR and the context moves to it; a path switch with SNDEM sends one
# End Marker on the old path; then the same for an IPv6 UE, and for an
# IPv4 UE over the IPv6 transport (PFCP and GTP-U), where an SMF that
# restarts, or stops answering heartbeats, loses its sessions.  A session
# whose URR has a Volume Threshold and a Measurement Period sends Session
# Report Requests: one when the pings cross the threshold
# (sent again when unanswered), one when the period ends (answered
# "Session context not found": counted).  A used-up Volume Quota stops
# the session's traffic until a new quota comes.  Another host that names
# the SMF's Node ID and SEID can neither establish, modify nor delete.
# Refused messages (unknown Network Instance, a missing mandatory IE, an
# Update FAR of no FAR, an unknown SEID) get their cause and change
# nothing.  Wireshark's dissectors (tshark) read every PFCP message the
# agent sent, and its End Marker, without a malformed packet or an expert
# warning.  The access node runs docs/access.nft.
#
#   ms ---- acc ===== GTP-U ===== gw ---- pdn        (network of lib.sh)
#           docs/access.nft       | nf-gtpu-pfcpd
#                                 | 172.16.0.1 <-- PFCP --> smf 172.16.0.2

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ruleset.sh"
here=$(dirname "$(readlink -f "$0")")
PFCPD=$here/../pfcpd/nf-gtpu-pfcpd
GTPU=$here/../libnfgtpu/gtpu
docs=$here/../docs
use_tmp_dir

require_cmd ip nft ping tcpdump tshark ethtool
[ -x "$PFCPD" ] || SKIP "pfcpd/nf-gtpu-pfcpd is not built"
[ -x "$GTPU" ] || SKIP "libnfgtpu/gtpu is not built"
[ -r /usr/lib/python3/dist-packages/scapy/contrib/pfcp.py ] ||
	SKIP "scapy's PFCP layer (python3-scapy) is not installed"
require_modules nf_gtpu nft_gtp veth

setup_gtpu_network || exit 1
load_ruleset "$acc" "$docs/access.nft" || { FAIL "docs/access.nft does not load"; exit 1; }
ip netns exec "$acc" nft add element inet access downlink '{ 0x200 : "apn-ms" }'
# End Markers with TEID 0x200 reaching the access node, ahead of its rules
ip netns exec "$acc" nft -f - <<'EOF'
table inet end_marker {
	chain in {
		type filter hook prerouting priority -310; policy accept;
		udp dport 2152 @th,64,16 0x30fe @th,96,32 0x200 counter
	}
}
EOF
end_markers() {
	ip netns exec "$acc" nft list chain inet end_marker in |
		awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}
setup_ns smf || exit 1
link "$smf" smf0 "$gw" gw-smf
addr "$smf" smf0 172.16.0.2/24
addr "$gw" gw-smf 172.16.0.1/24
addr "$smf" smf0 172.16.0.3/24		# another host: no association

# capture NS DEV PCAP FILTER: capture in the background until
# stop_captures, once tcpdump listens
captures=()
capture() {
	ip netns exec "$1" tcpdump --immediate-mode -U -q -i "$2" -w "$3" "$4" \
		2>"$3.log" &
	captures+=($!)
	busywait 10000 grep -q "listening on" "$3.log"
}
stop_captures() {
	kill "${captures[@]}" 2>/dev/null
	wait "${captures[@]}" 2>/dev/null
}
# Every message the agent sends, and End Markers reaching the access node,
# with their UDP checksums filled in: veth leaves them to the receiver.
ip netns exec "$gw" ethtool -K gw-smf tx off >/dev/null
ip netns exec "$gw" ethtool -K gw-tr tx off >/dev/null
capture "$smf" smf0 "$tmp/pfcp.pcap" \
	"udp port 8805 and (src host 172.16.0.1 or src host fd00::1)"
capture "$acc" acc-tr "$tmp/end_marker.pcap" \
	"ip and udp dst port 2152 and udp[8:2] = 0x30fe"

cat >"$tmp/pfcpd.conf" <<EOF
node-id 172.16.0.1
listen 172.16.0.1
heartbeat-interval 0
network-instance internet apn0
table-mode owned
gtpu-address 192.0.2.2
teid-range 0x10000 0x1ffff
report-n1 1
EOF
ip netns exec "$gw" "$PFCPD" -d -c "$tmp/pfcpd.conf" -s "$tmp/stats" \
	2>"$tmp/agent.log" &
agent=$!

gtpu() { "$GTPU" -n "$gw" "$@"; }
ctx_count() { gtpu ctx list | wc -l; }
limit_objects() { ip netns exec "$gw" nft list ruleset | grep -c '^	limit mbr-'; }
ping_ok() { # ping_ok FROM TO
	ip netns exec "$1" ping -c 2 -i 0.2 -W 2 "$2" >/dev/null
}
# smf COMMAND: one exchange with the SMF coprocess, its result line
smf() {
	echo "$*" >&"${SMF[1]}"
	read -r -t $((30 * TIME_SCALE)) reply <&"${SMF[0]}" || reply="error=timeout"
	echo "$reply"
}
# expect_rsp WHAT COMMAND PATTERN: the result matches the extended regex
expect_rsp() {
	local r
	r=$(smf "$2")
	[[ " $r " =~ $3 ]] && PASS "$1: $r" || FAIL "$1: '$r' does not match '$3'"
}

# acc_uplink FAMILY: the access node encapsulates the uplink of the MS's
# address of FAMILY with $teid
acc_uplink() {
	ip netns exec "$acc" nft delete element inet access "uplink$1" \
		"{ $(ms_addr "$1") }" 2>/dev/null
	ip netns exec "$acc" nft add element inet access "uplink$1" \
		"{ $(ms_addr "$1") : 192.0.2.2 . $teid }"
}

# families FAMILY: 4, 6, or for 46 (a dual-stack UE) both
families() { [ "$1" = 46 ] && echo 4 6 || echo "$1"; }

# establish WHAT FAMILY: a Session Establishment for the MS's address(es)
# of FAMILY; $teid is the F-TEID the agent chose, which the access node
# then encapsulates the MS's uplink with
establish() {
	local r f ue=
	for f in $(families "$2"); do
		ue=${ue:+$ue,}$(ms_addr "$f")
	done
	r=$(smf est internet "$ue")
	if [[ " $r " =~ \ cause=1\ .*teid=(0x[0-9a-f]+)\ addr=192.0.2.2\  ]]; then
		teid=${BASH_REMATCH[1]}
		PASS "$1, the agent chose F-TEID $teid: $r"
	else
		FAIL "$1: $r"
		teid=0x1
	fi
	for f in $(families "$2"); do
		acc_uplink "$f"
	done
}

# expect_report WHAT TRIGGER SEQN: the next Session Report Request with
# TRIGGER has UR-SEQN SEQN, uplink and downlink octets, their total, at
# least $1 of them for a threshold
expect_report() {
	local r min=0
	r=$(smf report "$2")
	[ "$2" = volth ] && min=500
	if [[ " $r " =~ \ usar=1\ seid=0x1000\ urr=1\ seqn=$3\ trigger=$2\ ul=([0-9]+)\ dl=([0-9]+)\ total=([0-9]+)\  ]] &&
	   [ "${BASH_REMATCH[3]}" = $((BASH_REMATCH[1] + BASH_REMATCH[2])) ] &&
	   [ "${BASH_REMATCH[3]}" -ge $min ]; then
		PASS "$1: $r"
	else
		FAIL "$1: '$r'"
	fi
}

# Python and scapy start while the agent loads the modules of its gateway
coproc SMF { ip netns exec "$smf" /usr/bin/python3 "$here/pfcpd_smf.py" \
	172.16.0.1 172.16.0.2 192.0.2.1 2>"$tmp/smf.log"; }
busywait 60000 sh -c 'ip netns exec "$0" nft list table inet gateway >/dev/null 2>&1' "$gw" &&
	PASS "the agent sets up its gateway" ||
	{ FAIL "no gateway: $(kill -0 $agent && echo agent running); $(tail -3 "$tmp/agent.log")"; exit 1; }

expect_rsp "Association Setup, FTUP advertised" assoc " cause=1 .*ftup=1 "
expect_rsp "an unknown Network Instance is refused" "est nosuch" \
	" cause=73 offending=22 rule=0/1 "
expect_rsp "a Session Establishment without F-SEID" est-no-fseid \
	" cause=66 offending=57 "
expect_eq "the refusals installed nothing" "$(ctx_count)" 0

establish "Session Establishment" 4
[ $((teid)) -ge $((0x10000)) ] && [ $((teid)) -le $((0x1ffff)) ] &&
	PASS "the chosen TEID is in the agent's teid-range" ||
	FAIL "TEID $teid is outside teid-range 0x10000 0x1ffff"
expect_eq "downlink BUFF|NOCP: the uplink, the downlink buffered" \
	"$(gtpu ctx list | grep -c "teid $teid apn apn0 ms 10.45.0.2 downlink buffer")" 1
# The MS pings while the downlink buffers: the requests go up, the
# replies wait in the agent's queue; the first one brings a Downlink Data
# Report, the Modification to FORW lets them go, in order
ip netns exec "$ms" ping -c 3 -i 0.2 -W $((40 * TIME_SCALE)) "$(pdn_addr 4)" \
	>"$tmp/buffered_ping" 2>&1 &
buffered_ping=$!
expect_rsp "the first buffered packet: a Downlink Data Report of the downlink PDR" \
	"report ddr" " dldr=1 seid=0x1000 pdr=2 trigger=ddr answered=1 "
buffered4() {	# what the gateway's IPv4 buffer rule has queued
	ip netns exec "$gw" nft list chain inet gateway encap |
		awk '/buffered downlink/ && / ip daddr / {
			for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}
for i in $(seq $((100 * TIME_SCALE))); do
	[ "$(buffered4)" = 3 ] && break
	sleep 0.2
done
expect_eq "the gateway queued the 3 replies" "$(buffered4)" 3

expect_rsp "an Update FAR of no FAR is refused" mod-bad \
	" cause=73 offending=10 "
expect_rsp "a Modification of an unknown SEID" "mod-seid 0x4242" \
	" cause=65 "
expect_eq "the refusals changed nothing" \
	"$(gtpu ctx list | grep -c "teid $teid apn apn0 ms 10.45.0.2 downlink buffer")" 1

expect_rsp "Session Modification: downlink FORW to the access node" \
	"mod 0x200" " cause=1 "
wait "$buffered_ping"
expect_eq "the buffered replies arrive, in order" \
	"$(sed -n 's/.*icmp_seq=\([0-9]*\) .*/\1/p' "$tmp/buffered_ping" | xargs)" "1 2 3"
expect_eq "one context: the agent's TEID, MS, peer and peer TEID" \
	"$(gtpu ctx list | grep -c "teid $teid apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200")" 1
expect_eq "the QER's MBR (1 and 2 Gbit/s): the context's, two limit objects" \
	"$(gtpu ctx list | grep -c "teid $teid .* mbr-up 1000000 mbr-down 2000000 ") $(limit_objects)" "1 2"
ping_ok "$ms" "$(pdn_addr 4)" && PASS "ping MS -> PDN through the tunnel" ||
	FAIL "ping MS -> PDN"
ping_ok "$pdn" "$(ms_addr 4)" && PASS "ping PDN -> MS through the tunnel" ||
	FAIL "ping PDN -> MS"

# An Update PDR asking for a new F-TEID (CHOOSE): the Updated PDR of the
# response names it (TS 29.244 7.5.5.5), the context moves to it in one
# transaction, and the access node follows
r=$(smf mod-choose)
if [[ " $r " =~ \ cause=1\ updated-teid=(0x[0-9a-f]+)\ addr=192.0.2.2\  ]] &&
   [ "${BASH_REMATCH[1]}" != "$teid" ]; then
	PASS "an Update PDR with CHOOSE: a new F-TEID in an Updated PDR: $r"
	teid=${BASH_REMATCH[1]}
else
	FAIL "an Update PDR with CHOOSE, F-TEID $teid before: $r"
fi
acc_uplink 4
expect_eq "one context, on the new TEID" \
	"$(gtpu ctx list | grep -c "teid $teid apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200")" 1
expect_eq "no other context" "$(ctx_count)" 1
ping_ok "$ms" "$(pdn_addr 4)" && ping_ok "$pdn" "$(ms_addr 4)" &&
	PASS "ping both ways on the new F-TEID" || FAIL "ping on the new F-TEID"

# Another host that names the SMF's Node ID and knows the SEID owns
# nothing: the session is its SMF's.
expect_rsp "an Establishment with the SMF's Node ID from another host" \
	"est-from 172.16.0.3" " cause=72 "
expect_rsp "a Modification of the session from another host" \
	"mod-from 172.16.0.3" " cause=65 "
expect_rsp "a Deletion of the session from another host" \
	"del-from 172.16.0.3" " cause=65 "
expect_eq "another host changed nothing" \
	"$(gtpu ctx list | grep -c "teid $teid apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200")" 1

# A path switch with SNDEM (the downlink moves to the access node's TEID
# 0x201): one End Marker, GTP-U type 254 with the old TEID 0x200, reaches
# the old path
ip netns exec "$acc" nft add element inet access downlink '{ 0x201 : "apn-ms" }'
expect_eq "no End Marker before the switch (none asked for)" "$(end_markers)" 0
expect_rsp "a path switch with SNDEM" "mod-switch 0x201" " cause=1 "
expect_eq "the context's downlink moved to TEID 0x201" \
	"$(gtpu ctx list | grep -c "teid $teid apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x201")" 1
ping_ok "$pdn" "$(ms_addr 4)" && PASS "ping PDN -> MS on the new path" ||
	FAIL "ping PDN -> MS on the new path"
expect_eq "one End Marker with the old TEID on the old path" "$(end_markers)" 1
expect_rsp "the same path again with SNDEM" "mod-switch 0x201" " cause=1 "
expect_eq "no path switch: no End Marker" "$(end_markers)" 1

# The UE goes idle: the downlink buffers again, and its first packet
# brings another Downlink Data Report; the Deletion drops what is held
expect_rsp "the downlink FAR back to BUFF|NOCP" mod-buff " cause=1 "
expect_eq "the context buffers its downlink again" \
	"$(gtpu ctx list | grep -c "teid $teid apn apn0 ms 10.45.0.2 downlink buffer")" 1
ip netns exec "$pdn" ping -c 2 -i 0.2 -W $((10 * TIME_SCALE)) "$(ms_addr 4)" \
	>"$tmp/idle_ping" 2>&1 &
idle_ping=$!
expect_rsp "a Downlink Data Report again" "report ddr" \
	" dldr=1 seid=0x1000 pdr=2 trigger=ddr answered=1 "
for i in $(seq $((100 * TIME_SCALE))); do
	[ "$(buffered4)" = 5 ] && break
	sleep 0.2
done
expect_eq "the gateway queued the 2 Echo Requests" "$(buffered4)" 5

r=$(smf del)
if [[ " $r " =~ \ cause=1\ ul=([0-9]+)\ dl=([0-9]+)\ total=([0-9]+)\  ]] &&
   [ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[2]}" -gt 0 ] &&
   [ "${BASH_REMATCH[3]}" = $((BASH_REMATCH[1] + BASH_REMATCH[2])) ]; then
	PASS "Session Deletion with a Usage Report: $r"
else
	FAIL "Session Deletion, Usage Report: $r"
fi
expect_eq "no context left after the deletion" "$(ctx_count)" 0
expect_eq "no limit object left after the deletion" "$(limit_objects)" 0
wait "$idle_ping"
grep -q "2 packets transmitted, 0 received" "$tmp/idle_ping" &&
	PASS "the held Echo Requests went with the session" ||
	FAIL "idle ping: $(tail -2 "$tmp/idle_ping")"
ping_ok "$ms" "$(pdn_addr 4)" && FAIL "traffic after the deletion" ||
	PASS "no traffic after the deletion"
expect_rsp "a Deletion of the deleted session" del " cause=65 "

# Usage reports: the pings (816 octets) cross a threshold of 500; the
# period of 10 s (times TIME_SCALE) ends after them (in a loaded emulated
# guest the pings can end 5 s after the establishment, on a debug kernel
# later still).  The SMF leaves the threshold's report
# unanswered once and answers the period's with 65, whenever they come.
smf urr 500 $((10 * TIME_SCALE)) >/dev/null
smf report-cause 0 volth >/dev/null
smf report-cause 65 perio >/dev/null
establish "a session reporting on 500 octets and every 10 s" 4
expect_rsp "its Modification to FORW" "mod 0x200" " cause=1 "
ping_ok "$ms" "$(pdn_addr 4)" && ping_ok "$pdn" "$(ms_addr 4)" ||
	FAIL "ping through the reporting session"
expect_report "a Session Report Request: Volume Threshold, sent again" volth 0
expect_report "a Session Report Request: Measurement Period, what came after" perio 1
expect_rsp "the reporting session's Deletion" del " cause=1 "

# A report given up: the SMF answers none of the threshold report's
# transmissions; the agent sends it once more (report-n1 1), gives it up
# report-t1 (3 s) later and counts it, and the session's next report,
# with what came after, goes out and is answered.  The period: never.
smf urr 500 $((3600 * TIME_SCALE)) >/dev/null
smf report-cause none volth >/dev/null
establish "a session whose report goes unanswered" 4
expect_rsp "its Modification to FORW" "mod 0x200" " cause=1 "
ping_ok "$ms" "$(pdn_addr 4)" && ping_ok "$pdn" "$(ms_addr 4)" ||
	FAIL "ping through the session whose report goes unanswered"
expect_report "a Session Report Request nobody answers" volth 0
busywait $((20000 * TIME_SCALE)) sh -c 'kill -USR1 "$0" &&
	grep -q "^nf_gtpu_pfcp_session_reports_total{result=\"timeout\"} 1\$" "$1"' \
	"$agent" "$tmp/stats" &&
	PASS "the unanswered report given up after its retransmission, counted" ||
	FAIL "no report given up: $(grep session_report "$tmp/stats")"
ping_ok "$ms" "$(pdn_addr 4)" && ping_ok "$pdn" "$(ms_addr 4)" ||
	FAIL "ping after the report given up"
expect_report "the session reports again after the one given up" volth 1
expect_rsp "its Deletion" del " cause=1 "
smf urr >/dev/null

# A Volume Quota (TS 29.244 5.2.2.2.1): the pings use up 300 octets, the
# agent reports it and stops the session's traffic; an Update URR with a
# new quota lets it flow again; the Deletion reports what came after.
smf quota 300 >/dev/null
establish "a session with a Volume Quota of 300 octets" 4
expect_rsp "its Modification to FORW" "mod 0x200" " cause=1 "
ping_ok "$ms" "$(pdn_addr 4)" || FAIL "ping before the quota is used up"
expect_report "a Session Report Request: Volume Quota used up" volqu 0
busywait 5000 sh -c '! "$0" -n "$1" ctx list | grep -q .' "$GTPU" "$gw" &&
	PASS "the used-up quota stops the session: its context is deleted" ||
	FAIL "a context is left after the quota: $(gtpu ctx list)"
ping_ok "$ms" "$(pdn_addr 4)" && FAIL "traffic after the quota is used up" ||
	PASS "no traffic after the quota is used up"
expect_rsp "an Update URR with a new quota" "mod-quota 100000" " cause=1 "
expect_eq "the new quota: the context is back" "$(ctx_count)" 1
ping_ok "$ms" "$(pdn_addr 4)" && ping_ok "$pdn" "$(ms_addr 4)" &&
	PASS "traffic flows again on the new quota" ||
	FAIL "no traffic on the new quota"
# 4 Echo Requests up, 4 Replies down, 84 octets each: the user's octets,
# not the 120 of an uplink T-PDU with its GTP-U, UDP and IP headers
expect_rsp "its Deletion reports the traffic on the new quota, no more" del \
	" cause=1 ul=336 dl=336 total=672 "
smf urr >/dev/null

# The sessions of a peer go with its association
smf est >/dev/null
smf mod 0x200 >/dev/null
expect_eq "a second session, forwarding" "$(ctx_count)" 1
expect_rsp "Association Release" release " cause=1 "
expect_eq "the released peer's session is gone from the kernel" "$(ctx_count)" 0
expect_rsp "a Deletion after the release" del " cause=65 "

# An IPv6 UE (over the IPv4 transport): its /64 is the context's
expect_rsp "Association Setup again" assoc " cause=1 "
establish "IPv6 UE: Session Establishment" 6
expect_rsp "IPv6 UE: Session Modification to FORW" "mod 0x200" " cause=1 "
expect_eq "IPv6 UE: one context for the UE's /64" \
	"$(gtpu ctx list | grep -c "teid $teid apn apn0 ms 2001:db8:45:: peer 192.0.2.1 peer-teid 0x200")" 1
ping_ok "$ms" "$(pdn_addr 6)" && PASS "IPv6 UE: ping MS -> PDN" ||
	FAIL "IPv6 UE: ping MS -> PDN"
ping_ok "$pdn" "$(ms_addr 6)" && PASS "IPv6 UE: ping PDN -> MS" ||
	FAIL "IPv6 UE: ping PDN -> MS"
expect_rsp "IPv6 UE: Session Deletion" del " cause=1 "
expect_eq "IPv6 UE: no context left" "$(ctx_count)" 0

# A dual-stack UE (IPv4v6): both addresses in its PDRs, one TEID
establish "dual-stack UE: Session Establishment" 46
expect_rsp "dual-stack UE: Session Modification to FORW" "mod 0x200" " cause=1 "
expect_eq "dual-stack UE: one context with both addresses" \
	"$(gtpu ctx list | grep -c "teid $teid apn apn0 ms $(ms_addr 4) ms 2001:db8:45:: peer 192.0.2.1 peer-teid 0x200")" 1
for f in 4 6; do
	ping_ok "$ms" "$(pdn_addr $f)" && ping_ok "$pdn" "$(ms_addr $f)" &&
		PASS "dual-stack UE: IPv$f ping both ways" ||
		FAIL "dual-stack UE: IPv$f ping"
done
expect_rsp "dual-stack UE: Session Deletion" del " cause=1 "
expect_eq "dual-stack UE: no context left" "$(ctx_count)" 0

kill "$agent"
wait "$agent" 2>/dev/null
busywait 5000 sh -c '! ip netns exec "$0" nft list table inet gateway >/dev/null 2>&1' "$gw" &&
	PASS "owned mode: the gateway goes with the agent" ||
	FAIL "the owned gateway outlived the agent"
grep -q '^nf_gtpu_pfcp_sessions 0$' "$tmp/stats" &&
	PASS "counters written at exit, no session" || FAIL "stats: $(grep sessions "$tmp/stats")"
grep -q '^nf_gtpu_pfcp_session_reports_total{result="accepted"} [1-9]' "$tmp/stats" &&
	grep -q '^nf_gtpu_pfcp_session_reports_total{result="session_not_found"} 1$' "$tmp/stats" &&
	PASS "reports counted: accepted, and one the SMF did not know" ||
	FAIL "report counters: $(grep session_report "$tmp/stats")"
grep -q '^nf_gtpu_pfcp_end_markers_total{result="sent"} 1$' "$tmp/stats" &&
	grep -q '^nf_gtpu_pfcp_end_markers_total{result="failed"} 0$' "$tmp/stats" &&
	PASS "the End Marker counted as sent" ||
	FAIL "End Marker counters: $(grep end_markers "$tmp/stats")"
grep -q '^nf_gtpu_pfcp_session_report_retransmissions_total [1-9]' "$tmp/stats" &&
	PASS "the unanswered report was sent again, counted" ||
	FAIL "report retransmissions: $(grep retransmissions "$tmp/stats")"
grep -q '^nf_gtpu_pfcp_buffered_packets_total{result="held"} 5$' "$tmp/stats" &&
	grep -q '^nf_gtpu_pfcp_buffered_packets_total{result="delivered"} 3$' "$tmp/stats" &&
	grep -q '^nf_gtpu_pfcp_buffered_packets_total{result="dropped_released"} 2$' "$tmp/stats" &&
	grep -q '^nf_gtpu_pfcp_downlink_data_reports_total 2$' "$tmp/stats" &&
	PASS "5 downlink packets held, 3 delivered, 2 dropped with their session, 2 Downlink Data Reports, counted" ||
	FAIL "buffering counters: $(grep -e buffered -e downlink_data "$tmp/stats")"

# Restart in persistent mode: the gateway keeps the contexts, and the
# agent's records of its association and sessions, which the agent reads
# back when it starts again, its Recovery Time Stamp with them: the SMF
# sees no restart.  Killed (SIGKILL, nothing done at exit) and stopped
# (SIGTERM), each instance writing its counters to a file of its own.
sed 's/^table-mode owned$/table-mode persistent/' "$tmp/pfcpd.conf" >"$tmp/pfcpd-p.conf"
agents_p=0
start_agent_p() {
	agents_p=$((agents_p + 1))
	ip netns exec "$gw" "$PFCPD" -d -c "$tmp/pfcpd-p.conf" \
		-s "$tmp/stats-p$agents_p" 2>>"$tmp/agent-p.log" &
	agent=$!
}
# records: how many the gateway holds (distinct keys of their chunks)
records() {
	ip netns exec "$gw" nft list set inet gateway records |
		grep -o '0x[0-9a-f]* \. 0x[0-9a-f]* \. ' | sort -u | wc -l
}
read_back() { # read_back N: the Nth agent's log line of sessions read back
	[ "$(grep -c "1 sessions read back" "$tmp/agent-p.log")" = "$1" ]
}
start_agent_p
busywait 60000 sh -c 'ip netns exec "$0" nft list set inet gateway records >/dev/null 2>&1' "$gw" &&
	PASS "persistent mode: the agent sets up a gateway with records" ||
	{ FAIL "persistent mode: no gateway with records: $(tail -3 "$tmp/agent-p.log")"; exit 1; }
expect_rsp "persistent mode: Association Setup" assoc " cause=1 "
hb=$(smf hb)
establish "persistent mode: Session Establishment" 4
seid=$(smf seid)
expect_rsp "persistent mode: Session Modification to FORW" "mod 0x200" " cause=1 "
ping_ok "$ms" "$(pdn_addr 4)" && ping_ok "$pdn" "$(ms_addr 4)" ||
	FAIL "persistent mode: ping through the session"
expect_eq "persistent mode: the node's record and the session's" "$(records)" 2
kill -USR1 "$agent"
busywait 5000 test -s "$tmp/stats-p1"
kill -KILL "$agent"
wait "$agent" 2>/dev/null
expect_eq "the agent killed: its context stays" \
	"$(gtpu ctx list | grep -c "teid $teid apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200")" 1
ping_ok "$ms" "$(pdn_addr 4)" && ping_ok "$pdn" "$(ms_addr 4)" &&
	PASS "the agent killed: traffic flows on" || FAIL "no traffic while the agent is down"
start_agent_p
busywait $((30000 * TIME_SCALE)) read_back 1 &&
	PASS "restarted: the session read back from the gateway" ||
	FAIL "restarted: $(tail -3 "$tmp/agent-p.log")"
expect_eq "restarted: the same Recovery Time Stamp, no association needed" \
	"$(smf hb)" "$hb"
expect_rsp "restarted: a Modification of the session, to TEID 0x201" \
	"mod 0x201" " cause=1 "
expect_eq "restarted: the context moved to TEID 0x201, one context" \
	"$(gtpu ctx list | grep -c "teid $teid apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x201") $(ctx_count)" "1 1"
ping_ok "$ms" "$(pdn_addr 4)" && ping_ok "$pdn" "$(ms_addr 4)" &&
	PASS "restarted: ping both ways on the new path" || FAIL "restarted: ping"
kill "$agent"
wait "$agent" 2>/dev/null
start_agent_p
busywait $((30000 * TIME_SCALE)) read_back 2 &&
	PASS "stopped and started again: the session read back" ||
	FAIL "started again: $(tail -3 "$tmp/agent-p.log")"
expect_eq "stopped and started again: the same Recovery Time Stamp" "$(smf hb)" "$hb"
r=$(smf est internet 10.45.0.9)
[[ " $r " =~ \ cause=1\ seid=(0x[0-9a-f]+)\  ]] && [ "${BASH_REMATCH[1]}" != "$seid" ] &&
	PASS "a second session, a SEID of its own: $r" ||
	FAIL "a second session, the first's SEID $seid: $r"
expect_eq "two sessions, three records" "$(records)" 3
expect_rsp "the second session's Deletion" del " cause=1 "
expect_rsp "the first session's Deletion after two restarts, with usage" \
	"del-seid $seid" " cause=1 ul=[1-9][0-9]* dl=[1-9][0-9]* "
expect_eq "no context, only the node's record left" "$(ctx_count) $(records)" "0 1"
expect_rsp "persistent mode: Association Release" release " cause=1 "
kill "$agent"
wait "$agent" 2>/dev/null
gtpu teardown gateway || FAIL "persistent mode: teardown"
bad=$(grep -e damaged -e "lost when" -e "left behind" -e missing -e "record" \
	"$tmp/agent-p.log" | head -n 3)
[ -z "$bad" ] && PASS "persistent mode: no record lost, damaged or refused" ||
	FAIL "persistent mode: $bad"

# The IPv6 transport: a second agent, PFCP between fd00::1 and fd00::2,
# GTP-U between 2001:db8:1::2 and the access node's 2001:db8:1::1, for the
# IPv4 UE.  docs/access.nft knows IPv4 gateways only: the access node
# encapsulates the MS's uplink in IPv6 with a rule of its own, ahead of
# docs/access.nft's, and the uplink is checked on the wire.
eval "exec ${SMF[1]}>&-"
wait "$SMF_PID" 2>/dev/null
addr "$gw" gw-smf fd00::1/64
addr "$smf" smf0 fd00::2/64
cat >"$tmp/pfcpd6.conf" <<EOF
node-id fd00::1
listen fd00::1
heartbeat-interval $((2 * TIME_SCALE))
network-instance internet apn0
table-mode owned
gtpu-address 2001:db8:1::2
EOF
ip netns exec "$gw" "$PFCPD" -d -c "$tmp/pfcpd6.conf" -s "$tmp/stats6" \
	2>"$tmp/agent6.log" &
agent=$!
coproc SMF { ip netns exec "$smf" /usr/bin/python3 "$here/pfcpd_smf.py" \
	fd00::1 fd00::2 2001:db8:1::1 2>"$tmp/smf6.log"; }
busywait 60000 sh -c 'ip netns exec "$0" nft list table inet gateway >/dev/null 2>&1' "$gw" &&
	PASS "IPv6 transport: a second agent sets up its gateway" ||
	{ FAIL "IPv6 transport: no gateway: $(tail -3 "$tmp/agent6.log")"; exit 1; }
expect_rsp "IPv6 transport: Association Setup" assoc " cause=1 .*ftup=1 "
r=$(smf est)
if [[ " $r " =~ \ cause=1\ .*teid=(0x[0-9a-f]+)\ addr=2001:db8:1::2\  ]]; then
	teid=${BASH_REMATCH[1]}
	PASS "IPv6 transport: Session Establishment, an IPv6 F-TEID chosen: $r"
else
	FAIL "IPv6 transport: Session Establishment: $r"
	teid=0x1
fi
ip netns exec "$acc" nft delete element inet access uplink4 "{ $(ms_addr 4) }" 2>/dev/null
ip netns exec "$acc" nft add table inet access6 \
	'{ chain uplink { type filter hook forward priority -151; }; }'
# acc_uplink6 TEID: the access node encapsulates the MS's IPv4 uplink in
# IPv6, to the gateway's 2001:db8:1::2 with TEID
acc_uplink6() {
	ip netns exec "$acc" nft flush chain inet access6 uplink
	ip netns exec "$acc" "$RULESET_RULE" inet access6 uplink \
		meta:iifname:r0 cmp:r0:eq:str=acc-ms meta:nfproto:r1 cmp:r1:eq:02 \
		imm:r0:ip6=2001:db8:1::2 imm:r4:u32="$1" gtp-encap:ip6:r0:r4
}
acc_uplink6 "$teid"
capture "$gw" gw-tr "$tmp/uplink6.pcap" \
	"ip6 and udp dst port 2152 and dst host 2001:db8:1::2"
expect_rsp "IPv6 transport: Session Modification to FORW, an IPv6 peer" \
	"mod 0x200" " cause=1 "
expect_eq "IPv6 transport: one context, its peer the access node's IPv6 address" \
	"$(gtpu ctx list | grep -c "teid $teid apn apn0 ms 10.45.0.2 peer 2001:db8:1::1 peer-teid 0x200")" 1
ping_ok "$ms" "$(pdn_addr 4)" && PASS "IPv6 transport: ping MS -> PDN" ||
	FAIL "IPv6 transport: ping MS -> PDN"
ping_ok "$pdn" "$(ms_addr 4)" && PASS "IPv6 transport: ping PDN -> MS" ||
	FAIL "IPv6 transport: ping PDN -> MS"
busywait 5000 pcap_has "$tmp/uplink6.pcap" 4
kill "${captures[-1]}"
tshark_check "IPv6 transport: the uplink in IPv6" "$tmp/uplink6.pcap" "$teid"
expect_rsp "IPv6 transport: Session Deletion, with usage" del \
	" cause=1 ul=[1-9][0-9]* dl=[1-9][0-9]* "
expect_eq "IPv6 transport: no context left" "$(ctx_count)" 0

# The APN device made again (a new index) while the agent runs: the next
# context names the new one, not the index the agent's handle resolved
# the name to before.
ip -n "$gw" link del apn0
ip -n "$gw" link add apn0 type apn
ip -n "$gw" link set apn0 up
ip -n "$gw" route add 10.45.0.0/24 dev apn0
# An SMF that restarted (a new Recovery Time Stamp in its Heartbeat
# Request) had its sessions deleted; one that stops answering the
# agent's heartbeats is lost after 3 intervals, its sessions with it.
[[ " $(smf est) " =~ \ teid=(0x[0-9a-f]+)\  ]] && acc_uplink6 "${BASH_REMATCH[1]}"
smf mod 0x200 >/dev/null
expect_eq "IPv6 transport: a new session, forwarding" "$(ctx_count)" 1
ping_ok "$ms" "$(pdn_addr 4)" && ping_ok "$pdn" "$(ms_addr 4)" &&
	PASS "IPv6 transport: ping both ways through the APN device made again" ||
	FAIL "IPv6 transport: no ping through the APN device made again: $(gtpu ctx list)"
expect_rsp "IPv6 transport: the SMF restarts: a Heartbeat Request with a new Recovery Time Stamp" \
	restart " type=2 "
expect_eq "IPv6 transport: the restarted SMF's session is gone" "$(ctx_count)" 0
expect_rsp "IPv6 transport: a Deletion of it" del " cause=65 "
expect_rsp "IPv6 transport: the association stays" est " cause=1 "
smf mod 0x200 >/dev/null
expect_eq "IPv6 transport: another session, forwarding" "$(ctx_count)" 1
smf heartbeats off >/dev/null
busywait 20000 sh -c '[ "$("$0" -n "$1" ctx list | wc -l)" = 0 ]' "$GTPU" "$gw" &&
	PASS "IPv6 transport: heartbeats unanswered: the session goes with the peer" ||
	FAIL "IPv6 transport: heartbeats unanswered: $(ctx_count) contexts left"
expect_rsp "IPv6 transport: the lost peer's Association Release" release " cause=72 "
kill "$agent"
wait "$agent" 2>/dev/null
busywait 5000 sh -c '! ip netns exec "$0" nft list table inet gateway >/dev/null 2>&1' "$gw" &&
	PASS "IPv6 transport: the owned gateway goes with the agent" ||
	FAIL "IPv6 transport: the owned gateway outlived the agent"
grep -q '^nf_gtpu_pfcp_peer_events_total{event="restart"} 1$' "$tmp/stats6" &&
	grep -q '^nf_gtpu_pfcp_peer_events_total{event="timeout"} 1$' "$tmp/stats6" &&
	PASS "IPv6 transport: the restart and the lost peer counted" ||
	FAIL "IPv6 transport: peer events: $(grep peer_events "$tmp/stats6")"

# All that the agents counted as sent reaches the capture
sent=$(cat "$tmp/stats" "$tmp/stats6" "$tmp"/stats-p* |
	awk '/^nf_gtpu_pfcp_messages_total{dir="tx"/ { n += $NF } END { print n + 0 }')
busywait 10000 pcap_has "$tmp/pfcp.pcap" "$sent"
busywait 10000 pcap_has "$tmp/end_marker.pcap" 1
stop_captures
# Per message its type, its expert infos' severities and whether it is
# malformed; a warning is severity 0x600000 (PI_WARN) or more.
tshark -n -r "$tmp/pfcp.pcap" -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
	-T fields -e pfcp.msg_type -e _ws.expert.severity -e _ws.malformed \
	-e _ws.expert.message \
	>"$tmp/pfcp.txt" 2>/dev/null
types=$(cut -f1 "$tmp/pfcp.txt" | sort -nu | xargs)
bad=$(awk -F'\t' '{ bad = $1 == "" || $3 != ""; n = split($2, s, ",")
	for (i = 1; i <= n; i++) if (s[i] + 0 >= 6291456) bad = 1 }
	bad { print NR ": " $0 }' "$tmp/pfcp.txt" | head -n 5 | xargs)
# Heartbeat Request and Response, Association Setup and Release, Session
# Establishment, Modification and Deletion Responses, Session Report
# Requests
n=$(wc -l <"$tmp/pfcp.txt")
[ "$types" = "1 2 6 10 51 53 55 56" ] && [ "$n" = "$sent" ] && [ -z "$bad" ] &&
	PASS "tshark dissects all $n PFCP messages the agent sent cleanly (types $types)" ||
	FAIL "tshark: $n PFCP messages of $sent sent, types '$types', bad: $bad"
tshark_check "the End Marker" "$tmp/end_marker.pcap" 0x200
tshark_checks
[ $ret -eq 0 ] || { echo "# agent logs:"; tail -n 30 "$tmp/agent.log" "$tmp/agent6.log"
	cat "$tmp/smf.log" "$tmp/smf6.log"; }
exit $ret
