#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Scapy as an independent GTP-U peer: it builds, with its own GTP layers
# (scapy.contrib.gtp) rather than our byte-building, GTPv1-U messages with
# every combination of the S, PN and E flags, extension chains (PDU
# Session Container UL and DL with their optional fields, PDCP PDU
# Number, Long PDCP PDU Number, UDP Port, Service Class Indicator, unknown
# types with and without the comprehension-required bit, chains of
# several, the longest header accepted), the other message types, and
# GTPv0, over IPv4 and IPv6, with IPv4 and IPv6 inside.  For each message
# gtpu_scapy.py checks what docs/packet-path.md defines: the T-PDU's inner
# packet comes out of apn0 byte for byte and only the decap statistic
# moves; a message that is not a T-PDU, or of a tunnel no rule has,
# reaches a daemon's socket on port 2152/3386 unchanged; what must be
# dropped is, counted in its own statistic only.  See docs/conformance.md.
#
#   peer (scapy, packet socket) ---- gw: -j GTPU --decap rules, apn0
#   (the gateway of gtpu_peer.sh)

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gtpu_peer.sh"

cleanup() {
	cleanup_all_ns
}
trap cleanup EXIT

require_gtpu_peer
require_scapy

setup_gtpu_peer 1500 || { FAIL "setting up the gateway"; exit 1; }
gtpu_rules || { FAIL "adding the decap rules"; exit 1; }

$GTPU_SCAPY conformance "$gw" "$peer" || ret=1
exit $ret
