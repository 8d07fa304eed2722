#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# An IPv6 UE completes SLAAC through the tunnel.  Its Router Solicitation,
# sent from its link-local address to ff02::2, passes decap's /64 check
# into the APN device; Debian's radvd on the APN device answers it with a
# unicast Router Advertisement to that link-local address, which the
# downlink element the control plane added for it (docs/gateway.nft)
# encapsulates to the UE; the UE's own kernel configures an address in
# the prefix and reaches the PDN from it.  Other sources stay refused: a
# global address outside the UE's /64, and link-local packets that are
# not Router Solicitations.
#
#   ue ~~~ acc ===== gw ---- pdn        (network of lib.sh)
#
# The UE is a namespace of its own whose interface ue0 is the radio
# bearer: gtpu_ue.py on acc, the access node, carries everything ue0
# sends to gw in T-PDUs, and gw's T-PDUs of the bearer back into ue0.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ruleset.sh"
here=$(dirname "$(readlink -f "$0")")
docs=$here/../docs
use_tmp_dir

require_cmd ip nft ping radvd /usr/bin/python3
[ -x "$RULESET_RULE" ] || [ -n "${NFT:-}" ] || SKIP "nft_gtp_rule is not built"
require_modules nf_gtpu nft_gtp veth tun nft_fib_inet nft_limit nft_log

setup_gtpu_network || exit 1
setup_ns ue || exit 1

# The gateway: docs/gateway.nft, one IPv6 context (TEID 0x101 up, 0x201
# down).  Its downlink takes the UE's /64 and its link-local address,
# fe80:: and the interface identifier the control plane gave the UE.
load_ruleset "$gw" "$docs/gateway.nft" || { FAIL "docs/gateway.nft does not load"; exit 1; }
ip netns exec "$gw" nft -f - <<'EOF' || { FAIL "context elements"; exit 1; }
add element inet gateway uplink6 { 0x101 : "apn0" . 2001:db8:45::1234 }
add element inet gateway downlink6 { "apn0" . 2001:db8:45::/64 : 192.0.2.1 . 0x201 }
add element inet gateway downlink6 { "apn0" . fe80::1234 : 192.0.2.1 . 0x201 }
EOF
ip -n "$gw" addr add fe80::1/64 dev apn0
cat > "$tmp/radvd.conf" <<'EOF'
interface apn0 {
	AdvSendAdvert on;
	UnicastOnly on;
	prefix 2001:db8:45::/64 {
		AdvOnLink off;
		AdvAutonomous on;
	};
};
EOF
chmod 644 "$tmp/radvd.conf"
ip netns exec "$gw" radvd -n -C "$tmp/radvd.conf" -p "$tmp/radvd.pid" \
	-m logfile -l "$tmp/radvd.log" &
radvd_started() { [ -s "$tmp/radvd.pid" ]; }
busywait 10000 radvd_started ||
	{ FAIL "radvd does not start: $(cat "$tmp/radvd.log")"; exit 1; }

# The bearer (Python takes seconds to start in the emulated guest), then
# the UE: a link-local address of its own only, so that the interface
# identifier is the one the gateway knows.
ip netns exec "$acc" /usr/bin/python3 "$here/gtpu_ue.py" ue0 192.0.2.1 192.0.2.2 \
	0x101 0x201 > "$tmp/ue.out" 2>&1 &
bearer_ready() { grep -q ready "$tmp/ue.out"; }
busywait 30000 bearer_ready || { FAIL "gtpu_ue.py: $(cat "$tmp/ue.out")"; exit 1; }
ip -n "$acc" link set ue0 netns "$ue"
ip netns exec "$ue" sysctl -qw net.ipv6.conf.ue0.addr_gen_mode=1
ip -n "$ue" -batch - <<'EOF'
link set ue0 up
addr add fe80::1234/64 dev ue0
EOF

slaac_done() {
	ip -n "$ue" -6 addr show dev ue0 scope global | grep -q "2001:db8:45::1234/64"
}
busywait 30000 slaac_done
expect_eq "the UE configures 2001:db8:45::1234/64 from the Router Advertisement" \
	"$(ip -n "$ue" -6 -o addr show dev ue0 scope global | awk '{ print $4 }')" \
	"2001:db8:45::1234/64"
expect_eq "the UE's default route is the gateway's link-local address" \
	"$(ip -n "$ue" -6 route show default | awk '{ print $3, $5 }')" "fe80::1 ue0"
if ip netns exec "$ue" ping -6 -c 1 -W 5 2001:db8:100::2 > /dev/null; then
	PASS "the UE reaches the PDN from its SLAAC address"
else
	FAIL "the UE does not reach the PDN from its SLAAC address"
fi

# Refused: an address outside the /64, and link-local traffic to the
# gateway that is not a solicitation.  The UE's own MLD reports count as
# spoofed too, hence "at least".
ip netns exec "$pdn" nft -f - <<'EOF'
table ip6 spoof {
	chain in {
		type filter hook prerouting priority 0; policy accept;
		ip6 saddr 2001:db8:46::/64 counter
	}
}
EOF
ip -n "$ue" addr add 2001:db8:46::1234/64 dev ue0 nodad
spoofed=$(gtpu_stat "$gw" spoofed)
if ip netns exec "$ue" ping -6 -c 3 -i 0.2 -W 1 -I 2001:db8:46::1234 2001:db8:100::2 \
	> /dev/null; then
	FAIL "a ping from 2001:db8:46::1234, outside the UE's /64, is answered"
else
	PASS "a ping from 2001:db8:46::1234, outside the UE's /64, is not answered"
fi
expect_eq "none of it reaches the PDN" \
	"$(ip netns exec "$pdn" nft list chain ip6 spoof in | awk '/counter/ { print $(NF - 2) }')" 0
expect_eq "the gateway counts it spoofed" \
	"$(( $(gtpu_stat "$gw" spoofed) - spoofed >= 3 ))" 1

spoofed=$(gtpu_stat "$gw" spoofed)
if ip netns exec "$ue" ping -6 -c 3 -i 0.2 -W 1 fe80::1%ue0 > /dev/null; then
	FAIL "an Echo Request from fe80::1234 to the gateway's fe80::1 is answered"
else
	PASS "an Echo Request from fe80::1234 to the gateway's fe80::1 is not answered"
fi
expect_eq "the gateway counts it spoofed" \
	"$(( $(gtpu_stat "$gw" spoofed) - spoofed >= 3 ))" 1

# A UE that solicits from 2000 link-local addresses: each solicitation
# that reaches apn0 makes the kernel create a neighbour entry for its
# source.  Those entries (NUD_NOARP, on a device without neighbour
# discovery) are the first the table's garbage collector frees, so the
# flood cannot fill the table (gc_thresh3, 1024 by default, one table for
# all namespaces) against the gateway's real neighbours, nor make the
# kernel log an overflow.  Paced, and with a queue long enough for the
# bearer's TUN reader to keep up on a slow (debug) kernel.  The collector
# may free the entries before the flood is over, so the largest count
# seen while it lasts is the one checked.
ip -n "$ue" link set ue0 txqueuelen 4000
decap=$(gtpu_stat "$gw" decap)
neigh_max=0
ip netns exec "$ue" /usr/bin/python3 - <<'EOF'
import socket
import struct
import time


def csum(data):
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
ifindex = socket.if_nametoindex("ue0")
dst = socket.inet_pton(socket.AF_INET6, "ff02::2")
for i in range(2000):
    if i % 50 == 0:
        time.sleep(0.05)
    src = bytes.fromhex("fe80000000000000") + struct.pack("!Q", 0x200000000000000 + i + 1)
    rs = struct.pack("!BBHI", 133, 0, 0, 0)
    rs = struct.pack("!BBHI", 133, 0, csum(src + dst + struct.pack("!II", len(rs), 58) + rs), 0)
    sock.sendto(struct.pack("!IHBB", 6 << 28, len(rs), 58, 255) + src + dst + rs,
                ("ff02::2", 0, 0, ifindex))
EOF
solicited() {
	local n

	n=$(ip -n "$gw" -6 neigh show dev apn0 nud all | wc -l)
	[ "$n" -le "$neigh_max" ] || neigh_max=$n
	[ "$(( $(gtpu_stat "$gw" decap) - decap ))" -ge 2000 ]
}
busywait 60000 solicited
expect_eq "solicitations from 2000 link-local sources decapsulated" \
	"$(( $(gtpu_stat "$gw" decap) - decap ))" 2000
echo "# apn0: $(ip -n "$gw" -6 neigh show dev apn0 nud all | wc -l) entries, all: $(ip -n "$gw" -6 neigh show nud all | wc -l)"
expect_eq "they made neighbour entries on apn0 (at most $neigh_max)" \
	"$(( neigh_max > 0 ))" 1
expect_eq "the neighbour table stays within gc_thresh3" \
	"$(( $(ip -n "$gw" -6 neigh show nud all | wc -l) <= \
	     $(cat /proc/sys/net/ipv6/neigh/default/gc_thresh3) ))" 1
expect_eq "the kernel logs no neighbour table overflow" \
	"$(dmesg | grep -c "neighbor table overflow")" 0
ip -n "$pdn" addr add 2001:db8:100::77/64 dev pdn0 nodad
if ip netns exec "$gw" ping -6 -c 1 -W 5 2001:db8:100::77 > /dev/null; then
	PASS "the gateway still resolves a new neighbour on its PDN side"
else
	FAIL "the gateway cannot resolve a new neighbour on its PDN side"
fi
exit $ret
