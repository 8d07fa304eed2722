#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The apn device: created and deleted with iproute2, a layer-3
# point-to-point device whose default MTU fits a 1500-octet path after the
# outer headers, per network namespace, and a sink for downlink packets
# that no rule encapsulated (dropped and counted, never sent anywhere).
# The modules load and unload cleanly.
#
#   ns1: apn0 10.45.255.1/16 (route 10.45.0.0/16 dev apn0)

source "$(dirname "$0")/lib.sh"

cleanup() {
	cleanup_all_ns
}
trap cleanup EXIT

require_cmd ip ping
require_modules nf_gtpu

setup_ns ns1 ns2 || exit 1

# Kind, flags, MTU.
ip -n "$ns1" link add apn0 type apn || { FAIL "ip link add type apn"; exit 1; }
info=$(ip -n "$ns1" -d link show apn0)
grep -q 'apn ' <<<"$info" && PASS "link kind is apn" || FAIL "link kind: $info"
grep -qE 'POINTOPOINT.*NOARP' <<<"$info" && PASS "point-to-point, no ARP" ||
	FAIL "flags: $info"
expect_eq "default MTU fits 1500 after IPv6/UDP/GTP-U+QFI" \
	"$(ip -n "$ns1" link show apn0 | sed -n 's/.* mtu \([0-9]*\).*/\1/p')" 1436
ip -n "$ns1" link set apn0 mtu 1400 &&
	expect_eq "MTU can be set" "$(cat /dev/null; ip netns exec "$ns1" cat /sys/class/net/apn0/mtu)" 1400
ip -n "$ns1" link set apn0 address 00:11:22:33:44:55 2>/dev/null &&
	FAIL "apn device accepted a link-layer address" ||
	PASS "link-layer address refused"
ip -n "$ns1" link add apn1 address 00:11:22:33:44:55 type apn 2>/dev/null &&
	FAIL "created with a link-layer address" || PASS "creation with address refused"

# Per namespace: the same name in two namespaces.
ip -n "$ns2" link add apn0 type apn && PASS "same name in another namespace" ||
	FAIL "apn0 in a second namespace"

# Downlink routed into the device without an encapsulating rule: dropped.
# (No IPv6 on it here, so that no router solicitation joins the count.)
ip netns exec "$ns1" sysctl -qw net.ipv6.conf.apn0.disable_ipv6=1
ip -n "$ns1" link set apn0 up
ip -n "$ns1" addr add 10.45.255.1/16 dev apn0
before=$(link_stat "$ns1" apn0 tx_dropped)
ip netns exec "$ns1" ping -c 3 -i 0.2 -W 1 10.45.0.2 >/dev/null 2>&1 &&
	FAIL "ping through an apn device without rules got answers"
after=$(link_stat "$ns1" apn0 tx_dropped)
expect_eq "unencapsulated downlink dropped and counted" "$((after - before))" 3
expect_eq "nothing transmitted" "$(link_stat "$ns1" apn0 tx_packets)" 0

# Deleting a namespace deletes its device; the module then unloads.
ip netns del "$ns2"
ip -n "$ns1" link del apn0 && PASS "ip link del" || FAIL "ip link del"
cleanup_all_ns
if modprobe -r xt_GTPU nf_gtpu; then
	PASS "module unloads"
else
	FAIL "module unload"
fi
modprobe nf_gtpu && PASS "module reloads" || FAIL "module reload"
exit $ret
