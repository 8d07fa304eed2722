#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# GTP-U signalling on the network of lib.sh, with the docs' rulesets:
#
# docs/gateway.nft (everything in the kernel): an Echo Request from scapy
# gets an Echo Response that scapy and tshark decode; malformed requests
# get nothing, nor do requests from forged sources; a T-PDU of an unknown
# TEID gets an Error Indication, unless it is shorter than that, and a
# flood of them no more than the source's bucket lets through, leaving
# other sources theirs; a T-PDU with an unsupported comprehension-required
# extension gets one Supported Extension Headers Notification and is
# dropped; an End Marker is counted, logged to nflog group 1, and neither
# decapsulated nor answered.
#
# docs/gateway-daemon.nft on top (a daemon supervises the paths): a UDP
# listener on port 2152 of the gateway receives an Echo Request and an End
# Marker while tunnel traffic flows, and no T-PDU.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ruleset.sh"
SIG="/usr/bin/python3 $(dirname "$(readlink -f "$0")")/gtpu_sig.py"
docs=$(dirname "$(readlink -f "$0")")/../docs
use_tmp_dir

require_cmd ip nft ping socat tcpdump ethtool tshark
[ -x "$RULESET_RULE" ] || [ -n "${NFT:-}" ] || SKIP "nft_gtp_rule is not built"
require_scapy
require_modules nf_gtpu nft_gtp veth nft_limit nft_log nfnetlink_log

setup_gtpu_network || exit 1
load_ruleset "$gw" "$docs/gateway.nft" && load_ruleset "$acc" "$docs/access.nft" ||
	{ FAIL "the docs' rulesets do not load"; exit 1; }
ip netns exec "$gw" nft -f - <<'EOF'
add element inet gateway uplink4 { 0x100 : "apn0" . 10.45.0.2 }
add element inet gateway downlink4 { "apn0" . 10.45.0.2 : 192.0.2.1 . 0x200 }
EOF
ip netns exec "$acc" nft -f - <<'EOF'
add element inet access uplink4 { 10.45.0.2 : 192.0.2.2 . 0x100 }
add element inet access downlink { 0x200 : "apn-ms" }
EOF
# Replies leave gw with their UDP checksum completed in software, so that
# the capture shows it.
ip netns exec "$gw" ethtool -K gw-tr tx off >/dev/null

# One scapy peer on acc serves every exchange of the test (gtpu_sig.py
# serve): starting Python and scapy takes seconds in the emulated guest.
mkfifo "$tmp/sig.in" "$tmp/sig.out"
ip netns exec "$acc" $SIG serve <"$tmp/sig.in" >"$tmp/sig.out" &
exec 7>"$tmp/sig.in" 8<"$tmp/sig.out"

# sigcmd CMD ARGS...: a command of gtpu_sig.py serve, its output.
sigcmd() {
	local line
	echo "$*" >&7
	while read -r -t $((60 * TIME_SCALE)) line <&8 && [ "$line" != done ]; do
		echo "$line"
	done
}

# sig FAMILY KIND [ARGS...]: send KIND from acc to gw, print the replies.
sig() {
	local fam=$1
	shift
	sigcmd send "$(outer_addr acc "$fam")" "$(outer_addr gw "$fam")" "$@"
}

# expect_reply WHAT OUTPUT LINE: OUTPUT holds exactly one reply, LINE.
expect_reply() {
	if grep -qxF -- "$3" <<<"$2" && grep -qx "replies 1" <<<"$2"; then
		PASS "$1"
	else
		FAIL "$1: got: $(tr '\n' ';' <<<"$2") expected: $3"
	fi
}

stat_delta() { # stat_delta NAME BEFORE: how much a gw statistic grew
	echo $(( $(gtpu_stat "$gw" "$1") - $2 ))
}

ip netns exec "$acc" tcpdump -U -q -i acc-tr -w "$tmp/replies.pcap" \
	"udp src port 2152 and (src 192.0.2.2 or src 2001:db8:1::2)" 2>"$tmp/tcpdump.log" &
tpid=$!
busywait 10000 grep -q "listening on" "$tmp/tcpdump.log"

for fam in 4 6; do
	gw_addr=$(outer_addr gw $fam)
	out=$(sig $fam echo)
	expect_reply "IPv$fam: Echo Request answered" "$out" \
		"echo-response seq=0x1234 teid=0 recovery=0 from=$gw_addr:2152"
	bad=echo-bad-length,echo-truncated,echo-v2,echo-no-seq,echo-teid
	out=$(sig $fam $bad --wait 1)
	for kind in ${bad//,/ }; do
		expect_eq "IPv$fam: $kind gets no reply" \
			"$(grep "^$kind: " <<<"$out" | xargs)" "$kind: replies 0"
	done

	out=$(sig $fam tpdu 0xdead)
	expect_reply "IPv$fam: unknown TEID answered with an Error Indication" "$out" \
		"error-indication teid=0xdead peer=$gw_addr udp-port=2152 from=$gw_addr:2152"

	too_big=$(gtpu_stat "$gw" reply_too_big)
	out=$(sig $fam tpdu-empty 0xdead --wait 1)
	expect_eq "IPv$fam: an empty T-PDU gets no Error Indication, which would be larger" \
		"$(tail -n 1 <<<"$out")/$(stat_delta reply_too_big "$too_big")" "replies 0/1"

	unsupp=$(gtpu_stat "$gw" unsupported_extension)
	notif=$(gtpu_stat "$gw" ext_notification)
	decap=$(gtpu_stat "$gw" decap)
	out=$(sig $fam tpdu-unsupported-ext 0x100)
	expect_reply "IPv$fam: unsupported extension answered with a notification" \
		"$out" "ext-notification types=0x82,0x85,0xc0 from=$gw_addr:2152"
	expect_eq "IPv$fam: unsupported extension counted once" \
		"$(stat_delta unsupported_extension "$unsupp")/$(stat_delta ext_notification "$notif")" 1/1
	expect_eq "IPv$fam: unsupported extension not decapsulated" "$(stat_delta decap "$decap")" 0
done

# Forged sources: Echo Requests from port 5555 of loopback or of the
# gateway's own addresses, one in a link-layer broadcast and one from
# port 0, sent as frames on acc-tr, get no reply (the reply would go back
# into the gateway, to a port the sender chose) and are counted as
# reply_refused (IPv6 itself drops ::1, as Ip6InHdrErrors); the same
# request from acc's address is answered.  Requests to another host
# (passing through) or to the subnet's broadcast address are not the
# gateway's to answer: left to the ruleset, not counted, not dropped as a
# reply that could not be routed.
ip netns exec "$gw" socat -u UDP4-RECV:5555 OPEN:"$tmp/forged4",creat,append &
ip netns exec "$gw" socat -u UDP6-RECV:5555 OPEN:"$tmp/forged6",creat,append &
busywait 10000 sh -c "[ \$(ip netns exec $gw ss -Hlun 'sport = :5555' | wc -l) -eq 2 ]"
# The reply's own checks: without the ruleset's transit rule, which
# accepts GTP-U to another host (the transit cases) before the reply
# rules see it (tests/gtpu_transit.sh).
guard=$(ip netns exec "$gw" nft -a list chain inet gateway gtpu |
	awk '/fib daddr type != local accept/ { print $NF }')
next=$(ip netns exec "$gw" nft -a list chain inet gateway gtpu |
	awk 'guard && /handle/ { print $NF; exit } /fib daddr type != local accept/ { guard = 1 }')
ip netns exec "$gw" nft delete rule inet gateway gtpu handle "$guard" ||
	FAIL "the transit rule of docs/gateway.nft (handle '$guard') cannot be deleted"
# gtpu_sig.py sends each request as a frame on acc-tr and prints "SRC HOW
# refused/answered/v6-addr-errors" from gw's counters.
sigcmd frames "$gw" "$(ip -n "$gw" -br link show gw-tr | awk '{ print $3 }')" >"$tmp/forged"
ip netns exec "$gw" nft insert rule inet gateway gtpu position "$next" fib daddr type != local accept ||
	FAIL "the transit rule cannot be put back"
for want in "127.0.0.1 to 1/0/0" "192.0.2.2 to 1/0/0" "198.51.100.1 to 1/0/0" \
	    "::1 to 0/0/1" "2001:db8:1::2 to 1/0/0" "2001:db8:100::1 to 1/0/0" \
	    "192.0.2.1 broadcast 1/0/0" "2001:db8:1::1 broadcast 1/0/0" \
	    "192.0.2.1 sport0 1/0/0" "2001:db8:1::1 sport0 1/0/0" \
	    "192.0.2.7 transit 0/0/0" "2001:db8:1::7 transit 0/0/0" \
	    "192.0.2.7 subnet-broadcast 0/0/0" \
	    "192.0.2.1 peer 0/1/0" "2001:db8:1::1 peer 0/1/0"; do
	set -- $want
	expect_eq "Echo Request from $1 ($2): refused/answered/dropped by IPv6" \
		"$(awk -v s="$1" -v h="$2" '$1 == s && $2 == h { print $3 }' "$tmp/forged")" "$3"
done
expect_eq "no Echo Response reached the gateway's own port 5555" \
	"$(cat "$tmp/forged4" "$tmp/forged6" 2>/dev/null | wc -c)" 0

# End Marker: matched by type, counted, logged, dropped, never answered
# nor decapsulated.
ip netns exec "$gw" tcpdump -U -q -i nflog:1 -w "$tmp/nflog.pcap" 2>"$tmp/nflog.log" &
npid=$!
busywait 10000 grep -q "listening on" "$tmp/nflog.log"
decap=$(gtpu_stat "$gw" decap)
not_tpdu=$(gtpu_stat "$gw" not_tpdu)
out=$(sig 4 end-marker 0x100 --wait 1)
expect_eq "End Marker gets no reply" "$(tail -n 1 <<<"$out")" "replies 0"
busywait 5000 pcap_has "$tmp/nflog.pcap" 1
kill "$npid"; wait "$npid" 2>/dev/null
got=$(tshark -n -r "$tmp/nflog.pcap" -T fields -e gtp.message -e gtp.teid 2>/dev/null | xargs)
expect_eq "End Marker logged to nflog group 1" "$got" "0xfe 0x00000100"
expect_eq "End Marker left to the ruleset, not decapsulated" \
	"$(stat_delta not_tpdu "$not_tpdu")/$(stat_delta decap "$decap")" 1/0

# A flood of unknown TEIDs: the source's bucket (10/second, burst 5)
# bounds the Error Indications, and every one sent arrives.
ei=$(gtpu_stat "$gw" error_indication)
out=$(sig 4 tpdu 0xbad --count 10000 --wait 3)
secs=$(sed -n 's/^sent 10000 in \([0-9.]*\) s$/\1/p' <<<"$out")
replies=$(sed -n 's/^replies //p' <<<"$out")
bound=$(awk -v t="$secs" 'BEGIN { printf "%d", 5 + 10 * (t + 3) + 1 }')
if [ -n "$replies" ] && [ "$replies" -ge 1 ] && [ "$replies" -le "$bound" ]; then
	PASS "10000 unknown TEIDs in ${secs}s: $replies Error Indications (limit allows $bound)"
else
	FAIL "10000 unknown TEIDs in ${secs}s: ${replies:-no} Error Indications, limit allows $bound"
fi
expect_eq "every Error Indication sent arrived" "$(stat_delta error_indication "$ei")" "$replies"

# The limit is per source: while one source floods, another still gets
# its Error Indications.  From acc's address, 2000 unknown-TEID T-PDUs,
# then straight away 3 from a second address of acc, which gets 3.
addr "$acc" acc-tr 192.0.2.3/24
addr "$acc" acc-tr 2001:db8:1::3/64
for fam in 4 6; do
	got=$(ip netns exec "$acc" /usr/bin/python3 - "$(outer_addr acc $fam)" \
		"$([ $fam = 4 ] && echo 192.0.2.3 || echo 2001:db8:1::3)" "$(outer_addr gw $fam)" <<'PY'
import select
import socket
import struct
import sys
import time

flooder, second, gw = sys.argv[1:4]
fam = socket.AF_INET6 if ":" in gw else socket.AF_INET
socks = []
for addr in (flooder, second):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, 2152))
    socks.append(s)
tpdu = struct.pack("!BBHI", 0x30, 255, 48, 0xbad) + bytes(48)
for _ in range(2000):
    socks[0].sendto(tpdu, (gw, 2152))
for _ in range(3):
    socks[1].sendto(tpdu, (gw, 2152))
replies = 0
end = time.monotonic() + 3
while select.select([socks[1]], [], [], max(0, end - time.monotonic()))[0]:
    socks[1].recv(100)
    replies += 1
print(replies)
PY
)
	expect_eq "IPv$fam: a flood from one source leaves another its Error Indications" "$got" 3
done

kill "$tpid"; wait "$tpid" 2>/dev/null
# One tshark run (it takes seconds to start in the guest): per reply its
# type, the Error Indication's TEID and peer address, its expert infos'
# severities (a warning is 0x600000 or more) and whether it is malformed.
tshark -n -r "$tmp/replies.pcap" -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
	-T fields -e gtp.message -e gtp.teid_data -e gtp.gsn_ipv4 -e gtp.gsn_ipv6 \
	-e _ws.expert.severity -e _ws.malformed >"$tmp/replies.txt" 2>/dev/null
warn=$(awk -F'\t' '{ bad = $6 != ""; n = split($5, s, ",")
	for (i = 1; i <= n; i++) if (s[i] + 0 >= 6291456) bad = 1 }
	bad' "$tmp/replies.txt")
types=$(cut -f1 "$tmp/replies.txt" | sort -u | xargs)
if [ -z "$warn" ] && [ "$types" = "0x02 0x1a 0x1f" ]; then
	PASS "tshark dissects every reply cleanly (message types $types)"
else
	FAIL "tshark: message types '$types', warnings: $warn"
fi
ies=$(awk -F'\t' -v OFS='\t' '$2 == "0x0000dead" { print $2, $3, $4 }' "$tmp/replies.txt" | sort -u | xargs)
expect_eq "tshark reads the Error Indications' TEID and peer address" "$ies" \
	"0x0000dead 2001:db8:1::2 0x0000dead 192.0.2.2"

# The daemon-supervised gateway: non-T-PDUs go up to port 2152.
load_ruleset "$gw" "$docs/gateway-daemon.nft" ||
	{ FAIL "docs/gateway-daemon.nft does not load"; exit 1; }
sigcmd listen "$gw" 192.0.2.2
ip netns exec "$ms" ping -c 20 -i 0.2 -W 2 198.51.100.2 >"$tmp/ping.log" &
ppid=$!
sleep 1
sig 4 echo,end-marker 0x100 --wait 0 >/dev/null
wait "$ppid" && PASS "tunnel traffic flows beside the daemon" ||
	FAIL "ping through the tunnel while the daemon listens: $(tail -n 2 "$tmp/ping.log")"
got=$(sigcmd received 192.0.2.2 | sort | uniq -c | xargs)
expect_eq "the daemon's socket got the Echo Request and the End Marker, no T-PDU" \
	"$got" "1 echo-request 1 end-marker"

# The same replies from iptables -j GTPU --reply, without nft rules.
ip netns exec "$gw" nft delete table inet gateway
for fam in 4 6; do
	ipt "$gw" $fam -t mangle -A PREROUTING -p udp --dport 2152 -j GTPU --reply ||
		{ FAIL "IPv$fam: -j GTPU --reply refused"; continue; }
	gw_addr=$(outer_addr gw $fam)
	out=$(sig $fam echo,tpdu 0x77 --wait 1)
	expect_reply "IPv$fam: -j GTPU --reply answers an Echo Request" \
		"$(sed -n 's/^echo: //p' <<<"$out")" \
		"echo-response seq=0x1234 teid=0 recovery=0 from=$gw_addr:2152"
	expect_reply "IPv$fam: -j GTPU --reply answers an unknown TEID" \
		"$(sed -n 's/^tpdu: //p' <<<"$out")" \
		"error-indication teid=0x77 peer=$gw_addr udp-port=2152 from=$gw_addr:2152"
done

# The kernel's gtp driver as the peer: its own Echo Request
# (GTP_CMD_ECHOREQ, sent from its socket on acc) gets an Echo Response
# that the driver accepts (here from -j GTPU --reply).
GENL=$(dirname "$(readlink -f "$0")")/gtp_genl
if ! modprobe -q gtp; then
	echo "NOTE: no gtp module in this kernel: the gtp driver's echo is not tried"
elif [ ! -x "$GENL" ]; then
	FAIL "gtp_genl is not built"
else
	ip netns exec "$acc" "$GENL" link add gtp0 role sgsn &&
		ip -n "$acc" link set gtp0 up &&
		ip netns exec "$acc" "$GENL" echo gtp0 v1 192.0.2.2 192.0.2.1 10000 >/dev/null &&
		PASS "the gtp driver's Echo Request is answered" ||
		FAIL "the gtp driver's Echo Request got no answer"
	ip netns exec "$acc" "$GENL" link del gtp0
fi

# Reply rules where they cannot work are refused, and change nothing.
ip netns exec "$gw" nft -f - <<'EOF'
table netdev sigbad {
	chain ing {
		type filter hook ingress device gw-tr priority 0;
	}
}
table inet sigbad {
	chain pre {
		type filter hook prerouting priority 0;
	}
	chain forwarding {
		type filter hook forward priority 0;
	}
}
EOF
[ $? -eq 0 ] || FAIL "cannot create the chains for the refusals"
# Stock nft does not list gtp rules: count them with nft_gtp_rule -l.
sigbad_rules() {
	{
		ip netns exec "$gw" "$RULESET_RULE" -l netdev sigbad ing
		ip netns exec "$gw" "$RULESET_RULE" -l inet sigbad pre
		ip netns exec "$gw" "$RULESET_RULE" -l inet sigbad forwarding
	} | wc -l
}
refused() { # refused WHAT FAMILY TABLE CHAIN EXPR...
	local what=$1
	shift
	if ip netns exec "$gw" "$RULESET_RULE" "$@" 2>/dev/null; then
		FAIL "gtp reply $what accepted"
	else
		PASS "gtp reply $what refused"
	fi
}
refused "in a netdev table" netdev sigbad ing gtp-reply
refused "in a forward chain" inet sigbad forwarding gtp-reply
refused "with flags" inet sigbad pre raw-gtp:1=3,11=1
expect_eq "refused reply rules leave the chains empty" "$(sigbad_rules)" 0
ip netns exec "$gw" "$RULESET_RULE" inet sigbad pre gtp-reply &&
	expect_eq "gtp reply in a prerouting chain accepted" "$(sigbad_rules)" 1 ||
	FAIL "gtp reply in a prerouting chain refused"
if ipt "$gw" 4 -t mangle -A FORWARD -j GTPU --reply 2>/dev/null; then
	FAIL "-j GTPU --reply in FORWARD accepted"
else
	PASS "-j GTPU --reply in FORWARD refused"
fi
exit $ret
