#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The gateway that gtpu_conformance.sh, gtpu_corpus.sh and xt_gtpu_bad.sh
# send to, from a peer namespace through packet sockets (gtpu_scapy.py);
# sourced after lib.sh.  Fixed MAC addresses, because the corpus's frames
# carry them.
#
#   peer: p0 02:00:00:00:00:01 ---- g0 02:00:00:00:00:02 :gw, apn0
#         192.0.2.1/24                  192.0.2.2/24
#         2001:db8:1::1/64              2001:db8:1::2/64
#
# In raw PREROUTING of iptables and of ip6tables, in this order:
#   -i g0 -p udp -j GTPU --decap --dev apn0 --ms-addr 10.45.0.2 --teid 0x1234
#   -i g0 -p udp -j GTPU --decap --dev apn0 --ms-addr 2001:db8:45::2 --teid 0x1236
#   -i g0 -p udp -j GTPU --decap --v0 --tid 0x1122334455667788 ... 10.45.0.2
#   -i g0 -p udp -j GTPU --decap --v0 --tid 0x1122334455667789 ... 2001:db8:45::2
#   [-i g0 -p udp -j NFLOG --nflog-group 7]   (gtpu_rules nflog)
#
# No "--dport 2152": the udp match would drop a truncated UDP header
# itself (hotdrop) before the target could see it; the target checks the
# port.  Sets $peer and $gw.

GTPU_SCAPY="/usr/bin/python3 $(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/gtpu_scapy.py"

setup_gtpu_peer() { # setup_gtpu_peer MTU
	setup_ns peer gw || return 1
	ip link add p0 netns "$peer" address 02:00:00:00:00:01 mtu "$1" type veth \
		peer name g0 netns "$gw" address 02:00:00:00:00:02 mtu "$1" || return 1
	for ns in "$peer" "$gw"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
	done
	ip -n "$peer" link set p0 up
	ip -n "$gw" link set g0 up
	# veth's GRO (off by default) would pull the headers into the linear
	# area and hand packets over from a NAPI poll: keep it off.
	ip netns exec "$gw" ethtool -K g0 gro off >/dev/null 2>&1
	addr "$peer" p0 192.0.2.1/24
	addr "$peer" p0 2001:db8:1::1/64
	addr "$gw" g0 192.0.2.2/24
	addr "$gw" g0 2001:db8:1::2/64
	ip -n "$gw" link add apn0 type apn
	ip -n "$gw" link set apn0 up
}

gtpu_rules() { # gtpu_rules [nflog]
	local f
	for f in 4 6; do
		ipt "$gw" $f -t raw -A PREROUTING -i g0 -p udp -j GTPU --decap \
			--dev apn0 --ms-addr 10.45.0.2 --teid 0x1234 &&
		ipt "$gw" $f -t raw -A PREROUTING -i g0 -p udp -j GTPU --decap \
			--dev apn0 --ms-addr 2001:db8:45::2 --teid 0x1236 &&
		ipt "$gw" $f -t raw -A PREROUTING -i g0 -p udp -j GTPU --decap \
			--v0 --tid 0x1122334455667788 --dev apn0 --ms-addr 10.45.0.2 &&
		ipt "$gw" $f -t raw -A PREROUTING -i g0 -p udp -j GTPU --decap \
			--v0 --tid 0x1122334455667789 --dev apn0 --ms-addr 2001:db8:45::2 ||
			return 1
		if [ "${1:-}" = nflog ]; then
			ipt "$gw" $f -t raw -A PREROUTING -i g0 -p udp \
				-j NFLOG --nflog-group 7 || return 1
		fi
	done
}

# require_gtpu_peer: what both tests need, or skip.
require_gtpu_peer() {
	require_cmd ip iptables ip6tables ethtool
	[ -x /usr/bin/python3 ] || SKIP "python3 is not installed"
	require_modules nf_gtpu xt_GTPU veth
	require_xt_gtpu
}
