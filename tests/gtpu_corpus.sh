#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The malformed GTP-U corpus (corpus/MANIFEST, FAMILY.pcap, made by
# corpus/generate.py; make check compares them with what it makes, on the
# host) sent at a gateway over IPv4 and IPv6: truncations of
# the UDP, GTP-U, extension and inner headers at every octet, wrong length
# fields, extension lengths of zero and past the end, overlong chains,
# unsupported extensions, wrong versions and protocol types, other message
# types, TEIDs without a context, bad inner packets, spoofed sources,
# checksums, IPv4 options and IPv6 extension headers, outer fragments out of
# order and overlapping, and packets whose headers are in page fragments.
# Each case must raise exactly its statistic in /proc/net/nf_gtpu, or be
# delivered on apn0 byte for byte, or be left unchanged to the ruleset (an
# NFLOG rule after the decap rules sees it), as MANIFEST says; nothing
# else may reach apn0.  Cases where the module is known to do otherwise
# print XFAIL (docs/conformance.md).  Afterwards no skb and no slab memory
# may be left behind, and the kernel log must be clean (vm.sh).
#
#   peer (packet socket, virtio-net header) ---- gw (gtpu_peer.sh), apn0
#   first with the iptables rules in raw PREROUTING (hook "pre"), then
#   with an nft netdev ingress rule on g0 (hook "ingress")
#
# Non-linear skbs: af_packet's packet_snd() allocates a frame of a page or
# more with only its first hdr_len octets (the virtio-net header's, or the
# Ethernet header without one) in the linear area and the rest in page
# fragments (packet_alloc_skb); veth hands the skb over as it is (no GRO:
# gtpu_peer.sh turns it off, it would pull the headers), and on the way to
# PREROUTING ip_rcv()/ipv6_rcv() pull only the outer IP header.  So at the
# decap rule the UDP, GTP-U and inner headers of the "paged" cases are in
# page fragments, split where MANIFEST's linear column says; the tracepoint
# net:netif_rx_entry shows each skb's len and data_len on g0, and the
# runner checks them.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/gtpu_peer.sh"
CORPUS="$(dirname "$(readlink -f "$0")")/corpus"
RULE="$(dirname "$(readlink -f "$0")")/nft_gtp_rule"
tmp=$(mktemp -d)

cleanup() {
	cleanup_all_ns
	umount_tracefs 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

require_gtpu_peer
require_modules nfnetlink_log
[ -r "$CORPUS/MANIFEST" ] || SKIP "no corpus in $CORPUS"

mount_tracefs 2>/dev/null

# Frames of a page and more need a larger MTU on the veth pair.
setup_gtpu_peer 9000 || { FAIL "setting up the gateway"; exit 1; }
gtpu_rules nflog || { FAIL "adding the decap rules"; exit 1; }
# Incomplete fragment queues expire in 2 s rather than 30 or 60: the
# runner waits for them, and their memory is freed before the check below.
ip netns exec "$gw" sysctl -qw net.ipv4.ipfrag_time=2 net.ipv6.ip6frag_time=2 \
	net.netfilter.nf_conntrack_frag6_timeout=2 ||
	{ FAIL "setting the reassembly timeouts"; exit 1; }

# slab_objects: in-use objects and their size, of the caches packets live
# in, after kmem_cache_shrink() has flushed the per-CPU slabs: without that
# /proc/slabinfo counts every object of a CPU's slab as active.
slab_objects() {
	local c
	for c in /sys/kernel/slab/skbuff_* /sys/kernel/slab/kmalloc-*; do
		echo 1 >"$c/shrink" 2>/dev/null
	done
	awk '$1 ~ /^(skbuff_head_cache|skbuff_small_head|kmalloc-)/ { print $1, $2, $4 }' /proc/slabinfo
}

# memory_delta BEFORE AFTER: set heads, small and kb to what the caches
# grew by, and succeed if that is within the tolerances of memory_check.
# Tolerances, against several hundred packets sent:
# - skbuff_head_cache (every struct sk_buff): the per-CPU cache of freed
#   skbs that NAPI keeps for reuse (NAPI_SKB_CACHE_SIZE, 64 a CPU) is not
#   returned to the slab, so up to 64 per CPU may be in use either side.
# - skbuff_small_head (6.3 and later: the data of every small skb, which
#   most of the corpus is): 16, for what the stack may still hold (a
#   packet queued on a neighbour entry, an ICMP error on its way).
# - kmalloc-*: skb data on 6.1, and everything else: the run leaves
#   routes, neighbour and inet_peer entries behind for the ICMP errors the
#   gateway sends, a few KiB; 128 KiB is less than the data of the packets
#   of one pass (over 500 of them, 512 octets and more each on 6.1).
memory_delta() {
	local before=$1 after=$2
	delta() { # delta CACHE_REGEX: objects
		awk -v re="$1" 'NR == FNR { b[$1] = $2; next }
			$1 ~ re { d += $2 - b[$1] } END { print d + 0 }' "$before" "$after"
	}
	heads=$(delta '^skbuff_head_cache$')
	small=$(delta '^skbuff_small_head$')
	kb=$(awk 'NR == FNR { b[$1] = $2 * $3; next }
		$1 ~ /^kmalloc-/ { d += $2 * $3 - b[$1] } END { printf "%d", d / 1024 }' \
		"$before" "$after")
	[ "$heads" -le "$tol_heads" ] && [ "$small" -le 16 ] && [ "$kb" -le 128 ]
}

# memory_check WHAT BEFORE AFTER: no skb and no slab memory left behind.
# What the stack frees through RCU or a timer comes back later on a
# loaded machine, so the caches are measured again for up to 10 seconds
# (times TIME_SCALE) before memory counts as kept.
memory_check() {
	local what=$1 before=$2 after=$3 heads small kb tol_heads try settled=
	tol_heads=$((64 * $(nproc)))
	for ((try = 1; ; try++)); do
		memory_delta "$before" "$after" && { settled=1; break; }
		[ "$try" -lt $((10 * TIME_SCALE)) ] || break
		sleep 1
		slab_objects >"$after"
	done
	if [ -n "$settled" ]; then
		PASS "$what: memory back to its baseline (skbuff_head_cache $heads," \
			"skbuff_small_head $small, kmalloc ${kb} KiB)"
	else
		FAIL "$what: skbuff_head_cache +$heads (tolerance $tol_heads)," \
			"skbuff_small_head +$small (tolerance 16), kmalloc +${kb} KiB (tolerance 128)"
		diff "$before" "$after" | grep '^[<>]' | head -20
	fi
}

slab_objects >"$tmp/slab0"
$GTPU_SCAPY corpus "$gw" "$peer" "$CORPUS" pre || ret=1
sleep 1
slab_objects >"$tmp/slab1"
memory_check "PREROUTING pass" "$tmp/slab0" "$tmp/slab1"

# The same module behind nft's netdev ingress hook, before reassembly and
# before the IP layer has looked at the packet.
if [ -x "$RULE" ] && modprobe -q nft_gtp && command -v nft >/dev/null; then
	for f in 4 6; do
		ipt "$gw" $f -t raw -F
	done
	ip netns exec "$gw" nft -f - <<-EOF || { FAIL "netdev ingress table"; exit 1; }
	table netdev gtpin {
		chain in { type filter hook ingress device g0 priority 0; }
	}
	EOF
	ip netns exec "$gw" "$RULE" netdev gtpin in imm:r1:ifindex=apn0 \
		imm:r2:ip4=10.45.0.2 gtp-decap:r1:r2:ip &&
	ip netns exec "$gw" nft add rule netdev gtpin in ip protocol udp log group 7 &&
	ip netns exec "$gw" nft add rule netdev gtpin in ip6 nexthdr '{ 17, 44 }' log group 7 ||
		{ FAIL "netdev ingress rules"; exit 1; }
	slab_objects >"$tmp/slab2"
	$GTPU_SCAPY corpus "$gw" "$peer" "$CORPUS" ingress || ret=1
	# An IPv6 fragment left to the stack waits ip6frag_time in its queue.
	sleep 3
	slab_objects >"$tmp/slab3"
	memory_check "netdev ingress pass" "$tmp/slab2" "$tmp/slab3"
else
	echo "NOTE: nft, nft_gtp or nft_gtp_rule is missing: the netdev ingress cases are not run"
fi

exit $ret
