#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# PDP contexts at scale, in the VM: load N uplink and N downlink contexts
# into the gateway's maps with one "nft -f" batch each (stock nft), time
# it, check a context still carries traffic, and report kernel memory
# (slab) per context.  usage: scale.sh N...
cd "$(dirname "$0")/../tests" || exit 1
source ./lib.sh
source ./ruleset.sh
tmp=$(mktemp -d)
trap 'cleanup_all_ns; rm -rf "$tmp"' EXIT

modprobe -a nf_gtpu nft_gtp xt_GTPU || exit 1
setup_gtpu_network || exit 1
load_ruleset "$gw" ../docs/gateway.nft || exit 1
ipt "$acc" 4 -t mangle -A FORWARD -i acc-ms -s 10.45.0.2 \
	-j GTPU --encap --peer 192.0.2.2 --teid 0x100
ipt "$acc" 4 -t raw -A PREROUTING -i acc-tr -p udp --dport 2152 \
	-j GTPU --decap --dev apn-ms --teid 0x200

slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }

# elements N: N contexts with random TEIDs and MS addresses in 10.64/10,
# plus the one the test subscriber uses.
elements() {
	/usr/bin/python3 - "$1" <<'PY'
import random, sys
n = int(sys.argv[1])
rnd = random.Random(42)
teids = rnd.sample(range(0x1000, 0xffffffff), n)
addrs = rnd.sample(range(1, 1 << 22), n)
up = ["0x100 : \"apn0\" . 10.45.0.2"]
down = ["\"apn0\" . 10.45.0.2 : 192.0.2.1 . 0x200"]
for t, a in zip(teids, addrs):
    ms = "10.%d.%d.%d" % (64 + (a >> 16), (a >> 8) & 255, a & 255)
    up.append("0x%x : \"apn0\" . %s" % (t, ms))
    down.append("\"apn0\" . %s : 192.0.2.1 . 0x%x" % (ms, t ^ 0x5a5a5a5a))
for name, elems in (("uplink4", up), ("downlink4", down)):
    for i in range(0, len(elems), 10000):
        print("add element inet gateway %s { %s }" % (name, ", ".join(elems[i:i + 10000])))
PY
}

for n in "$@"; do
	ip netns exec "$gw" nft flush map inet gateway uplink4
	ip netns exec "$gw" nft flush map inet gateway downlink4
	elements "$n" >"$tmp/elements.nft"
	slab0=$(slab_kb)
	t0=$(date +%s.%N)
	ip netns exec "$gw" nft -f "$tmp/elements.nft" || { echo "FAIL: loading $n"; exit 1; }
	t1=$(date +%s.%N)
	slab1=$(slab_kb)
	ok=no
	ip netns exec "$ms" ping -c 2 -i 0.2 -W 2 198.51.100.2 >/dev/null && ok=yes
	printf 'contexts %d: nft -f %.1f s (%d elements), slab +%d KiB = %d bytes/context (both maps), traffic %s\n' \
		"$n" "$(echo "$t1 - $t0" | bc)" $((2 * n + 2)) $((slab1 - slab0)) \
		$(( (slab1 - slab0) * 1024 / (n + 1) )) "$ok"
done
