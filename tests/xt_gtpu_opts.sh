#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# -j GTPU options and lifecycle, on the network of lib.sh
# (ms -- acc == GTP-U == gw -- pdn):
# - --qfi: a PDU Session Container with the QFI on the wire
# - --sport-hash: outer source ports from the flow hash, per flow
# - --local: the outer source address, which must be the host's
# - the route kept to a rule's peer follows route and address changes
# - ECN: the inner packet's ECN field copied to the outer header
# - --v0: GTPv0 on port 3386 with a 64-bit TID, both ways
# - path MTU: ICMP fragmentation needed / packet too big from the
#   encapsulating gateway (also to its own packets, at OUTPUT), IPv4
#   without DF and IPv6 of 1280 octets carried in outer fragments
# - the apn device and the namespace deleted while traffic flows, the
#   device created again and used by the same rule, the module held
#   while rules use it

source "$(dirname "$0")/lib.sh"
use_tmp_dir

require_cmd ip iptables ip6tables ping socat tcpdump ethtool
[ -x /usr/bin/python3 ] || SKIP "python3 is not installed"
require_modules nf_gtpu xt_GTPU veth
require_xt_gtpu

setup_gtpu_network || exit 1

# tunnel4 ENCAP_OPTS_UL DECAP_OPTS_GW ENCAP_OPTS_DL DECAP_OPTS_ACC: the
# raw and mangle tables of both nodes flushed, then one IPv4 context.
tunnel4() {
	ipt_restore "$acc" 4 <<-EOF
	*mangle
	-A FORWARD -i acc-ms -s 10.45.0.2 -j GTPU --encap --peer 192.0.2.2 $1
	COMMIT
	*raw
	-A PREROUTING -i acc-tr -p udp -j GTPU --decap --dev apn-ms $4
	COMMIT
	EOF
	ipt_restore "$gw" 4 <<-EOF
	*mangle
	-A POSTROUTING -o apn0 -d 10.45.0.2 -j GTPU --encap --peer 192.0.2.1 $3
	COMMIT
	*raw
	-A PREROUTING -p udp -j GTPU --decap --dev apn0 --ms-addr 10.45.0.2 $2
	COMMIT
	EOF
}
flush4() {
	local ns
	for ns in "$acc" "$gw"; do
		ipt_flush "$ns" 4
	done
}
capture() { # capture FILTER: start tcpdump on gw-tr into $tmp/cap.pcap
	rm -f "$tmp/tcpdump.log"
	ip netns exec "$gw" tcpdump -U -q -i gw-tr -w "$tmp/cap.pcap" "$1" \
		2>"$tmp/tcpdump.log" &
	cap_pid=$!
	busywait 10000 grep -q "listening on" "$tmp/tcpdump.log"
}
capture_stop() { # capture_stop [N]: stop once N packets are in (default 1)
	busywait 5000 pcap_has "$tmp/cap.pcap" "${1:-1}"
	kill "$cap_pid"
	wait "$cap_pid" 2>/dev/null
}
ping_ok() { # ping_ok WHAT NS ARGS...
	local what=$1 ns=$2
	shift 2
	if ip netns exec "$ns" ping -c 2 -i 0.2 -W 2 "$@" >/dev/null; then
		PASS "$what"
	else
		FAIL "$what"
	fi
}

# Path MTU, first, before any traffic teaches the PDN host a path MTU.
# apn0's MTU is raised so that forwarding lets the big packets reach the
# encapsulating rule, which knows the real path MTU.
tunnel4 "--teid 0x12" "--teid 0x12" "--teid 0x22" "--teid 0x22"
ip -n "$gw" link set apn0 mtu 1500
n0=$(gtpu_stat "$gw" encap_too_big)
out=$(ip netns exec "$pdn" ping -c 1 -W 2 -M do -s 1472 10.45.0.2 2>&1)
grep -q "mtu = 1464" <<<"$out" && PASS "IPv4 DF: fragmentation needed, mtu 1464" ||
	FAIL "IPv4 DF too big: $out"
expect_eq "IPv4 DF too big counted" "$(( $(gtpu_stat "$gw" encap_too_big) - n0 ))" 1
ping_ok "IPv4 without DF is carried in outer fragments" "$pdn" -M dont -s 1472 10.45.0.2
ping_ok "IPv4 that fits passes" "$pdn" -M do -s 1436 10.45.0.2
ipt "$gw" 6 -t mangle -A POSTROUTING -o apn0 -d 2001:db8:45::2 \
	-j GTPU --encap --peer 192.0.2.1 --teid 0x23
out=$(ip netns exec "$pdn" ping -6 -c 1 -W 2 -s 1452 2001:db8:45::2 2>&1)
mtu6=$(ip netns exec "$pdn" ip -6 route get 2001:db8:45::2 | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
expect_eq "IPv6 too big: packet too big, path MTU learnt" "$mtu6" 1464
# Sent by gw itself and encapsulated at OUTPUT, where skb->dev is not
# set yet: gw's own route learns the path MTU all the same.
ipt "$gw" 4 -t mangle -A OUTPUT -o apn0 -d 10.45.0.2 \
	-j GTPU --encap --peer 192.0.2.1 --teid 0x22
ipt "$gw" 6 -t mangle -A OUTPUT -o apn0 -d 2001:db8:45::2 \
	-j GTPU --encap --peer 192.0.2.1 --teid 0x23
route_mtu() { # route_mtu NS ADDRESS: the path MTU NS's route to ADDRESS has
	ip -n "$1" route get "$2" | sed -n 's/.* mtu \([0-9]*\).*/\1/p'
}
ip netns exec "$gw" ping -c 1 -W 1 -M do -s 1472 10.45.0.2 >/dev/null 2>&1
ip netns exec "$gw" ping -6 -c 1 -W 1 -M do -s 1452 2001:db8:45::2 >/dev/null 2>&1
expect_eq "too big at OUTPUT: gw's routes learn the path MTU, IPv4 and IPv6" \
	"$(route_mtu "$gw" 10.45.0.2) $(route_mtu "$gw" 2001:db8:45::2)" "1464 1464"
# A transport path of MTU 1280 leaves IPv6 inner packets 1244 octets, less
# than any IPv6 link may offer: one of 1280 octets is still carried, in
# outer fragments (RFC 2473 7.1), not refused with a packet too big of
# 1280 that cannot make it smaller.
ipt "$acc" 4 -t raw -A PREROUTING -i acc-tr -p udp \
	-j GTPU --decap --dev apn-ms --teid 0x23
ip -n "$gw" link set gw-tr mtu 1280
ip -n "$acc" link set acc-tr mtu 1280
n0=$(gtpu_stat "$gw" encap_too_big)
ping_ok "IPv6 of 1280 octets over a 1280-octet path: carried in outer fragments" \
	"$pdn" -6 -M do -s 1232 2001:db8:45::2
expect_eq "IPv6 of 1280 octets: not counted as too big" \
	"$(( $(gtpu_stat "$gw" encap_too_big) - n0 ))" 0
ip -n "$gw" link set gw-tr mtu 1500
ip -n "$acc" link set acc-tr mtu 1500
ip -n "$gw" link set apn0 mtu 1436

# QFI: the uplink carries a PDU Session Container.
tunnel4 "--teid 0x10 --qfi 9" "--teid 0x10" "--teid 0x20" "--teid 0x20"
traffic 4 4 0x10 9

# Source port from the flow hash: two UDP flows, two stable ports.
tunnel4 "--teid 0x11 --sport-hash" "--teid 0x11" "--teid 0x21" "--teid 0x21"
capture "udp dst port 2152 and dst 192.0.2.2"
for port in 7001 7002 7001 7002; do
	echo x | ip netns exec "$ms" socat -u - UDP4-SENDTO:198.51.100.2:$port,sourceport=6000
done
capture_stop 4
ports=$(ip netns exec "$gw" tcpdump -nn -r "$tmp/cap.pcap" 2>/dev/null |
	sed -n 's/.* 192\.0\.2\.1\.\([0-9]*\) > .*/\1/p')
range=$(ip netns exec "$acc" sysctl -n net.ipv4.ip_local_port_range)
lo=${range%%[[:space:]]*} hi=${range##*[[:space:]]}
distinct=$(sort -u <<<"$ports" | wc -l)
in_range=$(awk -v lo="$lo" -v hi="$hi" '$1 >= lo && $1 <= hi' <<<"$ports" | wc -l)
expect_eq "sport hash: 4 packets of 2 flows use 2 ports" "$distinct" 2
expect_eq "sport hash: ports within $lo-$hi ($(echo $ports))" "$in_range" 4
[ "$(sed -n 1p <<<"$ports")" = "$(sed -n 3p <<<"$ports")" ] &&
	PASS "sport hash: a flow keeps its port" || FAIL "sport hash: ports $ports"

# --local: the outer source address is the one given, not routing's choice.
ip -n "$acc" addr add 192.0.2.11/24 dev acc-tr
tunnel4 "--teid 0x14 --local 192.0.2.11" "--teid 0x14" "--teid 0x24" "--teid 0x24"
capture "udp dst port 2152 and src 192.0.2.11"
ping_ok "tunnel with a chosen source address carries ping" "$ms" 198.51.100.2
capture_stop 2
expect_eq "outer source is --local's address" \
	"$(ip netns exec "$gw" tcpdump -nn -r "$tmp/cap.pcap" 2>/dev/null | wc -l)" 2

# sent_from SRC: the GTP-U from SRC gw saw while ms sent 2 pings, and the
# encap_no_route they made.
sent_from() {
	local n0
	n0=$(gtpu_stat "$acc" encap_no_route)
	capture "udp dst port 2152 and src $1"
	ip netns exec "$ms" ping -c 2 -i 0.2 -W 1 198.51.100.2 >/dev/null
	sleep 1
	kill "$cap_pid"
	wait "$cap_pid" 2>/dev/null
	echo "$(ip netns exec "$gw" tcpdump -nn -r "$tmp/cap.pcap" 2>/dev/null | wc -l)" \
		"$(( $(gtpu_stat "$acc" encap_no_route) - n0 ))"
}

# --local with an address that is not the host's: nothing is sent as
# another host, over IPv4 (routing refuses the source) or IPv6 (where
# routing takes any source and the target checks it); encap_no_route.
for src in 192.0.2.99 2001:db8:1::99; do
	peer=192.0.2.2
	[[ $src == *:* ]] && peer=2001:db8:1::2
	flush4
	ipt "$acc" 4 -t mangle -A FORWARD -i acc-ms -s 10.45.0.2 \
		-j GTPU --encap --peer "$peer" --local "$src" --teid 0x15
	expect_eq "--local $src, not the host's: nothing sent, encap_no_route" \
		"$(sent_from "$src")" "0 2"
done

# The route an encap rule keeps to its peer follows routing: with the
# peer made unreachable, or the --local address removed, the next
# packets are counted as encap_no_route, not sent by the route kept.
for fam in 4 6; do
	if [ "$fam" = 4 ]; then
		src=192.0.2.12/24 peer=203.0.113.12 via=192.0.2.2 nodad=
	else
		src=2001:db8:1::12/64 peer=2001:db8:ff::12 via=2001:db8:1::2 nodad=nodad
	fi
	ip -n "$acc" addr add "$src" dev acc-tr $nodad
	ip -n "$acc" route add "$peer" via "$via"
	flush4
	ipt "$acc" 4 -t mangle -A FORWARD -i acc-ms -s 10.45.0.2 \
		-j GTPU --encap --peer "$peer" --local "${src%/*}" --teid 0x17
	expect_eq "IPv$fam peer: sent from --local" "$(sent_from "${src%/*}")" "2 0"
	ip -n "$acc" route replace unreachable "$peer"
	expect_eq "IPv$fam peer: route made unreachable, not sent, encap_no_route" \
		"$(sent_from "${src%/*}")" "0 2"
	ip -n "$acc" route replace "$peer" via "$via"
	expect_eq "IPv$fam peer: route back, sent" "$(sent_from "${src%/*}")" "2 0"
	ip -n "$acc" addr del "$src" dev acc-tr
	expect_eq "IPv$fam peer: --local address removed, not sent, encap_no_route" \
		"$(sent_from "${src%/*}")" "0 2"
	ip -n "$acc" route del "$peer"
done

# ECN: the outer header carries the inner packet's ECN field as it is, CE
# included (RFC 6040, normal mode).
tunnel4 "--teid 0x16" "--teid 0x16" "--teid 0x26" "--teid 0x26"
capture "udp dst port 2152 and src 192.0.2.2"
ip netns exec "$pdn" ping -c 1 -W 2 -Q 0x03 10.45.0.2 >/dev/null
capture_stop
hdr=$(ip netns exec "$gw" tcpdump -nn -xx -c 1 -r "$tmp/cap.pcap" 2>/dev/null |
	awk '/0x/ { for (i = 2; i <= NF; i++) printf "%s", $i }')
# The outer IPv4 header's TOS is the 16th octet of the frame.
expect_eq "ECN: a CE inner packet's outer header is CE" "${hdr:30:2}" 03

# GTPv0: port 3386, 20-octet header, 64-bit TID.
tunnel4 "--v0 --tid 0x1122334455667788" "--v0 --tid 0x1122334455667788" \
	"--v0 --tid 0x99" "--v0 --tid 0x99"
capture "udp dst port 3386 and dst 192.0.2.2"
ping_ok "GTPv0 tunnel carries ping both ways" "$ms" 198.51.100.2
capture_stop
hdr=$(ip netns exec "$gw" tcpdump -nn -xx -c 1 -r "$tmp/cap.pcap" 2>/dev/null |
	awk '/0x/ { for (i = 2; i <= NF; i++) printf "%s", $i }')
# Ethernet 14 + IPv4 20 + UDP 8 octets precede the GTPv0 header.
expect_eq "GTPv0 header on the wire" "${hdr:84:40}" \
	"1eff005400000000ffffffff1122334455667788"

# Encapsulation that cannot be routed: no route to the peer, or a route
# back into an apn device.  Dropped and counted, nothing sent.
ipt "$gw" 4 -t mangle -A POSTROUTING -o apn0 -d 10.45.0.77 \
	-j GTPU --encap --peer 203.0.113.9 --teid 0x77
ipt "$gw" 4 -t mangle -A POSTROUTING -o apn0 -d 10.45.0.78 \
	-j GTPU --encap --peer 10.45.0.200 --teid 0x78
for what in no_route:10.45.0.77 loop:10.45.0.78; do
	n0=$(gtpu_stat "$gw" "encap_${what%%:*}")
	ip netns exec "$pdn" ping -c 2 -i 0.2 -W 1 "${what#*:}" >/dev/null
	expect_eq "encap, ${what%%:*}: dropped and counted" \
		"$(( $(gtpu_stat "$gw" "encap_${what%%:*}") - n0 ))" 2
done

# Lifecycle under traffic: the module is held by rules; deleting the apn
# device, then the whole namespace, while a flood runs, is safe.
modprobe -r xt_GTPU 2>/dev/null && FAIL "xt_GTPU unloaded while rules use it" ||
	PASS "xt_GTPU held while rules use it"
ip netns exec "$ms" ping -f -c 100000 -W 1 198.51.100.2 >/dev/null 2>&1 &
flood=$!
sleep 2
n0=$(gtpu_stat "$gw" decap)
ip -n "$gw" link del apn0 && PASS "apn0 deleted under traffic" || FAIL "apn0 delete"
n1=$(gtpu_stat "$gw" no_device)
busywait 5000 exceeds "$n1" gtpu_stat "$gw" no_device &&
	PASS "decap without its device: dropped as no_device" ||
	FAIL "no_device not counted after the apn device was deleted"
# The device created again under its name (an APN restarted): the same
# rule decapsulates into it, without a reload.
ip -n "$gw" link add apn0 type apn && ip -n "$gw" link set apn0 up ||
	FAIL "apn0 created again"
n2=$(gtpu_stat "$gw" decap)
busywait 5000 exceeds "$n2" gtpu_stat "$gw" decap &&
	PASS "apn0 created again: the rule decapsulates into it, not reloaded" ||
	FAIL "apn0 created again: nothing decapsulated into it"
[ "$n0" -gt 0 ] && PASS "flood was decapsulated before ($n0)" || FAIL "flood never decapsulated"
ip netns del "$gw" && PASS "gateway namespace deleted under traffic" || FAIL "netns del"
kill "$flood" 2>/dev/null
wait "$flood" 2>/dev/null
cleanup_all_ns
if busywait 10000 modprobe -r xt_GTPU; then
	PASS "xt_GTPU unloads once no rule uses it"
else
	FAIL "xt_GTPU unload after the rules are gone"
fi
tshark_checks
exit $ret
