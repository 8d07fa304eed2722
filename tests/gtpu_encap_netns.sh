#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Encapsulation's loop guard belongs to the call that set it, not to the
# CPU: A encapsulates what it sends itself (OUTPUT); its outer packet
# crosses the veth to B, which encapsulates it again (FORWARD).  veth
# hands the packet to B in a softirq that runs on A's CPU as soon as A's
# transmit re-enables bottom halves, inside A's encap: B must not take it
# for a loop.  A rule that does encapsulate its own output still counts
# encap_loop.
#
#   A: apn0, 198.51.100.0/24 -> apn0       B: apn1, 192.0.2.99 -> apn1
#      OUTPUT -o apn0: encap to 192.0.2.99    FORWARD -o apn1: encap to
#      a0 10.0.0.1/24 ------------------ b0 10.0.0.2/24   203.0.113.2
#                                           dummy0 203.0.113.1/24

source "$(dirname "$0")/lib.sh"
N=20
use_tmp_dir

require_cmd ip iptables ping
require_modules nf_gtpu xt_GTPU veth dummy
require_xt_gtpu

setup_ns A B || exit 1
link "$A" a0 "$B" b0 || exit 1
addr "$A" a0 10.0.0.1/24
addr "$B" b0 10.0.0.2/24
ip -n "$A" route add default via 10.0.0.2
ip -n "$A" link add apn0 type apn
ip -n "$A" link set apn0 up
ip -n "$A" route add 198.51.100.0/24 dev apn0
ip -n "$B" link add dummy0 type dummy
ip -n "$B" link set dummy0 up
addr "$B" dummy0 203.0.113.1/24
ip -n "$B" link add apn1 type apn
ip -n "$B" link set apn1 up
ip -n "$B" route add 192.0.2.99 dev apn1
ip netns exec "$B" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$A" iptables -t mangle -A OUTPUT -o apn0 \
	-j GTPU --encap --peer 192.0.2.99 --teid 1
ip netns exec "$B" iptables -t mangle -A FORWARD -o apn1 \
	-j GTPU --encap --peer 203.0.113.2 --teid 2
busywait 5000 ip netns exec "$A" ping -c 1 -W 1 10.0.0.2 >/dev/null

# ping's sendmsg() runs A's OUTPUT in process context, bottom halves on.
a0=$(gtpu_stat "$A" encap)
b0=$(gtpu_stat "$B" encap)
l0=$(gtpu_stat "$B" encap_loop)
ip netns exec "$A" ping -q -c "$N" -i 0.01 -W 1 198.51.100.2 >/dev/null
busywait 3000 exceeds $((b0 + N - 1)) gtpu_stat "$B" encap
expect_eq "A encapsulates its own packets" $(($(gtpu_stat "$A" encap) - a0)) "$N"
expect_eq "B encapsulates them again, no encap_loop" \
	"$(($(gtpu_stat "$B" encap) - b0)) $(($(gtpu_stat "$B" encap_loop) - l0))" "$N 0"

# A real loop: A's outer packet meets an encap rule in A again.
ip netns exec "$A" iptables -t mangle -A POSTROUTING -p udp --dport 2152 \
	-j GTPU --encap --peer 192.0.2.99 --teid 3
l0=$(gtpu_stat "$A" encap_loop)
ip netns exec "$A" ping -q -c 1 -W 1 198.51.100.2 >/dev/null
expect_eq "an encap rule meeting its own output: encap_loop" \
	$(($(gtpu_stat "$A" encap_loop) - l0)) 1

exit $ret
