#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Malformed GTP-U toward an iptables -j GTPU decap rule: every case of the
# corpus in gtpu_pkt.py, over IPv4 and IPv6, must increment its own
# statistic in /proc/net/nf_gtpu and reach the APN device only when valid.
# Outer IPv4 fragments are reassembled before the rule; overlapping ones
# are never delivered.  Bad rules are refused and leave no rule behind.
#
#   peer (192.0.2.1, 2001:db8:1::1) ---- gw (192.0.2.2, 2001:db8:1::2; apn0)

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gtpu_peer.sh"
TEID=0x1234
use_tmp_dir

require_cmd ip iptables ip6tables
require_scapy
require_modules nf_gtpu xt_GTPU veth
require_xt_gtpu

setup_gtpu_peer 1500 || exit 1
ip -n "$gw" addr add 198.51.100.1/24 dev apn0
ip -n "$gw" addr add 2001:db8:100::1/64 dev apn0 nodad
busywait 5000 ip netns exec "$peer" ping -c 1 -W 1 192.0.2.2 >/dev/null
busywait 5000 ip netns exec "$peer" ping -6 -c 1 -W 1 2001:db8:1::2 >/dev/null

# Bad rules: refused by the kernel or by libxt_GTPU, and nothing added.
bad_rule() { # bad_rule WHAT CMD ARGS...
	local what=$1 before after
	shift
	before=$(ip netns exec "$gw" iptables-save | grep -c GTPU)
	if ip netns exec "$gw" "$@" 2>/dev/null; then
		FAIL "bad rule accepted: $what"
	else
		after=$(ip netns exec "$gw" iptables-save | grep -c GTPU)
		expect_eq "bad rule refused, ruleset unchanged: $what" "$after" "$before"
	fi
}
bad_rule "unknown device" iptables -t raw -A PREROUTING -p udp \
	-j GTPU --decap --dev nosuchdev
bad_rule "device of another kind" iptables -t raw -A PREROUTING -p udp \
	-j GTPU --decap --dev g0
bad_rule "decap in POSTROUTING" iptables -t mangle -A POSTROUTING -p udp \
	-j GTPU --decap --dev apn0
bad_rule "encap in PREROUTING" iptables -t raw -A PREROUTING \
	-j GTPU --encap --peer 192.0.2.1 --teid 1
bad_rule "missing --dev" iptables -t raw -A PREROUTING -j GTPU --decap
bad_rule "missing --teid" iptables -t mangle -A POSTROUTING -j GTPU --encap --peer 192.0.2.1
bad_rule "decap and encap" iptables -t raw -A PREROUTING -j GTPU --decap --encap
bad_rule "QFI out of range" iptables -t mangle -A POSTROUTING -j GTPU \
	--encap --peer 192.0.2.1 --teid 1 --qfi 64
bad_rule "--local of another family" iptables -t mangle -A POSTROUTING -j GTPU \
	--encap --peer 192.0.2.1 --local 2001:db8::1 --teid 1

for f in 4 6; do
	cmd=iptables; [ $f = 6 ] && cmd=ip6tables
	ip netns exec "$gw" $cmd -t raw -A PREROUTING -p udp --dport 2152 \
		-j GTPU --decap --dev apn0 --ms-addr 10.45.0.2 --teid "$TEID"
done

# What comes out of apn0 is captured and compared with what went in.
ip netns exec "$gw" tcpdump -U -q -Q in -i apn0 -w "$tmp/apn0.pcap" 2>"$tmp/tcpdump.log" &
cap=$!
busywait 10000 grep -q "listening on" "$tmp/tcpdump.log"
for f in 4 6; do
	if [ $f = 4 ]; then src=192.0.2.1 dst=192.0.2.2; else src=2001:db8:1::1 dst=2001:db8:1::2; fi
	pkt "$peer" corpus "$gw" "$src" "$dst" "$TEID" 10.45.0.2 198.51.100.2 || ret=1
done
sleep 1
kill "$cap"
wait "$cap" 2>/dev/null
if pkt "$peer" delivered "$tmp/apn0.pcap" "$TEID" 10.45.0.2 198.51.100.2 >"$tmp/delivered"; then
	PASS "apn0 delivered the valid T-PDUs' inner packets byte for byte ($(cat "$tmp/delivered"))"
else
	FAIL "apn0 output: $(cat "$tmp/delivered")"
fi

# The legacy iptables Debian ships drives the same target.
if command -v iptables-legacy >/dev/null && modprobe -q ip_tables; then
	ip netns exec "$gw" iptables-legacy -t raw -A PREROUTING -p udp --dport 2152 \
		-j GTPU --decap --dev apn0 --ms-addr 10.45.0.2 --teid 0x4321
	n0=$(gtpu_stat "$gw" decap)
	pkt "$peer" send valid 192.0.2.1 192.0.2.2 0x4321 10.45.0.2 198.51.100.2
	busywait 3000 exceeds "$n0" gtpu_stat "$gw" decap
	expect_eq "iptables-legacy -j GTPU decapsulates" "$(( $(gtpu_stat "$gw" decap) - n0 ))" 1
	ip netns exec "$gw" iptables-legacy -t raw -F
else
	echo "NOTE: iptables-legacy or ip_tables is not available, legacy variant not tested"
fi

# iptables-save output restores to the same rules.  The chains' packet
# counters are left out of the comparison: a neighbour solicitation of
# gw's own may cross raw OUTPUT and PREROUTING between the two saves.
for cmd in iptables ip6tables; do
	ip netns exec "$gw" $cmd-save -t raw | grep -v '^#' >"$tmp/saved"
	ip netns exec "$gw" $cmd-restore <"$tmp/saved"
	ip netns exec "$gw" $cmd-save -t raw | grep -v '^#' >"$tmp/restored"
	sed -i 's/ \[[0-9]*:[0-9]*\]$//' "$tmp/saved" "$tmp/restored"
	if grep -q -- "-j GTPU" "$tmp/saved" && cmp -s "$tmp/saved" "$tmp/restored"; then
		PASS "$cmd-save | $cmd-restore gives the same GTPU rules back"
	else
		FAIL "$cmd-save/restore: $(diff "$tmp/saved" "$tmp/restored")"
	fi
done

# Outer fragments: in order they are reassembled and decapsulated,
# overlapping ones never reach the APN device.
frag_case() { # frag_case NAME OVERLAP WANT_RX
	local rx0 rx1
	rx0=$(link_stat "$gw" apn0 rx_packets)
	pkt "$peer" frags "$2" 192.0.2.1 192.0.2.2 "$TEID" 10.45.0.2 198.51.100.2
	busywait 3000 exceeds "$rx0" link_stat "$gw" apn0 rx_packets
	rx1=$(link_stat "$gw" apn0 rx_packets)
	expect_eq "outer IPv4 fragments, $1" "$((rx1 - rx0))" "$3"
}
frag_case "reversed order: reassembled and decapsulated" inorder 1
frag_case "overlapping: never decapsulated" overlap 0

# A datagram shorter than its IP payload is summed over its UDP length
# alone, which nf_checksum() cannot do nor remember: once per packet,
# not once per -j GTPU rule it crosses.  Two rules of other contexts
# come first; the function tracer counts nf_gtpu's skb_checksum() calls.
for cmd in iptables ip6tables; do
	for teid in 0x1111 0x1112; do
		ip netns exec "$gw" $cmd -t raw -I PREROUTING -p udp --dport 2152 \
			-j GTPU --decap --dev apn0 --ms-addr 10.45.0.2 --teid $teid
	done
done
tr=/sys/kernel/tracing
if mount_tracefs && ! grep -qw function $tr/available_tracers; then
	# (a kernel built without CONFIG_FUNCTION_TRACER)
	echo "SKIP: skb_checksum() calls not counted: this kernel has no function tracer"
	umount_tracefs
elif echo skb_checksum >$tr/set_ftrace_filter &&
	echo function >$tr/current_tracer; then
	for f in 4 6; do
		if [ $f = 4 ]; then src=192.0.2.1 dst=192.0.2.2; else src=2001:db8:1::1 dst=2001:db8:1::2; fi
		n0=$(gtpu_stat "$gw" decap)
		echo >$tr/trace
		pkt "$peer" send udp_trailer "$src" "$dst" "$TEID" 10.45.0.2 198.51.100.2
		busywait 3000 exceeds "$n0" gtpu_stat "$gw" decap
		expect_eq "IPv$f: a datagram shorter than its IP payload, behind 2 other contexts' rules: decapsulated/summed" \
			"$(( $(gtpu_stat "$gw" decap) - n0 ))/$(grep -c 'skb_checksum <-.*gtpu' $tr/trace)" 1/1
	done
	echo nop >$tr/current_tracer
	echo >$tr/set_ftrace_filter
	umount_tracefs
else
	FAIL "tracefs or its function tracer could not be set up: skb_checksum() calls not counted"
fi

# Datagrams merged into one skb (here by the sender's UDP GSO across the
# veth; GRO does the same) are split before the rules and each goes its
# own way: 4 T-PDUs of 3 contexts, all decapsulated.
for f in 4 6; do
	if [ $f = 4 ]; then src=192.0.2.1 dst=192.0.2.2; else src=2001:db8:1::1 dst=2001:db8:1::2; fi
	n0=$(gtpu_stat "$gw" decap) s0=$(gtpu_stat "$gw" gso_split) b0=$(gtpu_stat "$gw" bad_header)
	pkt "$peer" gso "$src" "$dst" "$TEID,0x1111,$TEID,0x1112" 10.45.0.2 198.51.100.2
	busywait 3000 exceeds $((n0 + 3)) gtpu_stat "$gw" decap
	expect_eq "IPv$f: 4 T-PDUs in one GSO skb: split/decapsulated/bad_header" \
		"$(( $(gtpu_stat "$gw" gso_split) - s0 ))/$(( $(gtpu_stat "$gw" decap) - n0 ))/$(( $(gtpu_stat "$gw" bad_header) - b0 ))" 4/4/0
done

exit $ret
