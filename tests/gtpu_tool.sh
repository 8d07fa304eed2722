#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The gtpu tool and libnfgtpu: a gateway set up by "gtpu setup gateway"
# (table, maps and gtp rules of docs/gateway.nft built as netlink) carries
# traffic through contexts added by "gtpu ctx add"; their per-context
# counters count; a batch with a bad context in the middle changes
# nothing and names the bad one; duplicate TEIDs and unknown APN devices
# are refused; an owned gateway goes with its process, a persistent one
# outlives it; stats and the Prometheus output; libnfgtpu's example
# program runs.  The access node runs docs/access.nft, set up by "gtpu
# setup access" (the same expressions as the file loaded).
#
#   ms ---- acc ===== GTP-U ===== gw ---- pdn        (network of lib.sh)
#      gtpu setup access         gtpu setup gateway

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ruleset.sh"
here=$(dirname "$(readlink -f "$0")")
GTPU=$here/../libnfgtpu/gtpu
EXAMPLE=$here/gtpu_example
RECORDS=$here/gtpu_records
docs=$here/../docs
tmp=$(mktemp -d)

cleanup() {
	[ -n "${owner:-}" ] && kill "$owner" 2>/dev/null
	cleanup_all_ns
	rm -rf "$tmp"
}
trap cleanup EXIT

require_cmd ip nft ping
[ -x "$GTPU" ] || SKIP "libnfgtpu/gtpu is not built"
[ -x "$RULESET_RULE" ] || SKIP "nft_gtp_rule is not built"
require_modules nf_gtpu nft_gtp veth

gtpu() { "$GTPU" -n "$gw" "$@"; }
has_table() { ip netns exec "$gw" nft list table inet gateway >/dev/null 2>&1; }
ping_ok() { # ping_ok FAMILY: three pings from the MS to the PDN host
	ip netns exec "$ms" ping -"$1" -c 3 -i 0.2 -W 2 "$(pdn_addr "$1")" >/dev/null
}
# field NAME: the value after NAME in the first line of "gtpu ctx list"
ctx_field() {
	gtpu ctx list | awk -v f="$1" -v t="$2" '$2 == t {
		for (i = 1; i < NF; i++) if ($i == f) { print $(i + 1); exit } }'
}
ctx_count() { gtpu ctx list | wc -l; }
# expect_fail WHAT PATTERN CMD...: CMD fails, its message matches PATTERN
expect_fail() {
	local what=$1 pattern=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		FAIL "$what: accepted"
	elif grep -q -- "$pattern" <<<"$out"; then
		PASS "$what: $out"
	else
		FAIL "$what: message '$out' lacks '$pattern'"
	fi
}

setup_gtpu_network || exit 1
"$GTPU" -n "$acc" setup access acc-ms && PASS "gtpu setup access: docs/access.nft" ||
	{ FAIL "gtpu setup access"; exit 1; }
expect_fail "a second access setup" "table inet access: File exists" \
	"$GTPU" -n "$acc" setup access acc-ms
ip netns exec "$acc" nft -f - <<'EOF2'
add element inet access uplink4 { 10.45.0.2 : 192.0.2.2 . 0x100 }
add element inet access uplink6 { 2001:db8:45::2 : 192.0.2.2 . 0x101 }
add element inet access downlink { 0x200 : "apn-ms", 0x201 : "apn-ms" }
EOF2

# Persistent gateway, set up by a process that exits
gtpu setup gateway && PASS "gtpu setup gateway" ||
	{ FAIL "gtpu setup gateway"; exit 1; }
has_table && PASS "the persistent table outlives the gtpu process" ||
	FAIL "no table after gtpu setup gateway"
# The rules are docs/gateway.nft's: each chain holds the same
# expressions as it does with the file loaded (tests/ruleset.sh) in
# another namespace.
chain_exprs() { # chain_exprs NS TABLE CHAIN: one line of expression names per rule
	ip netns exec "$1" "$RULESET_RULE" -l inet "$2" "$3" | sed 's/^handle [0-9]*://'
}
setup_ns ref && load_ruleset "$ref" "$docs/gateway.nft" &&
	load_ruleset "$ref" "$docs/access.nft" ||
	FAIL "docs/gateway.nft or docs/access.nft does not load"
for chain in gateway/uplink gateway/gtpu gateway/reply gateway/downlink \
	     gateway/encap access/uplink access/downlink; do
	node=$gw
	[ "${chain%/*}" = access ] && node=$acc
	expect_eq "chain $chain: the rules of docs/${chain%/*}.nft" \
		"$(chain_exprs "$node" ${chain%/*} ${chain#*/} | paste -sd '|')" \
		"$(chain_exprs "$ref" ${chain%/*} ${chain#*/} | paste -sd '|')"
done
# An Echo Request (sequence number 1) from a port of acc's
echo=$(gtpu_stat "$gw" echo_response)
ip netns exec "$acc" bash -c \
	'printf "\x32\x01\x00\x04\x00\x00\x00\x00\x00\x01\x00\x00" >/dev/udp/192.0.2.2/2152'
echo_answered() { [ "$(gtpu_stat "$gw" echo_response)" -gt "$echo" ]; }
busywait 5000 echo_answered
expect_eq "an Echo Request answered through the reply chain" \
	"$(( $(gtpu_stat "$gw" echo_response) - echo ))" 1
expect_fail "a second setup" "File exists" gtpu setup gateway

ping_ok 4 && FAIL "traffic flows before any context" ||
	PASS "no context: no traffic"

# A dual-stack MS: both families on one TEID (uplink46), the access node
# sending its IPv6 uplink on 0x100 too for the while.
acc_uplink6() { # acc_uplink6 TEID: acc sends the MS's IPv6 uplink on TEID
	ip netns exec "$acc" nft "delete element inet access uplink6 { 2001:db8:45::2 };
		add element inet access uplink6 { 2001:db8:45::2 : 192.0.2.2 . $1 }"
}
gw_elems() { # gw_elems MAP: how many elements the gateway's MAP holds
	ip netns exec "$gw" nft -j list map inet gateway "$1" |
		/usr/bin/python3 -c 'import json, sys
m = [o["map"] for o in json.load(sys.stdin)["nftables"] if "map" in o][0]
print(len(m.get("elem", [])))'
}
acc_uplink6 0x100
gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.2 ms 2001:db8:45::2/64 \
	peer 192.0.2.1 peer-teid 0x200 && PASS "ctx add of a dual-stack MS" ||
	FAIL "ctx add dual-stack"
expect_eq "dual-stack: one uplink46 element, none in uplink4 or uplink6" \
	"$(gw_elems uplink46) $(gw_elems uplink4) $(gw_elems uplink6)" "1 0 0"
ping_ok 4 && ping_ok 6 && PASS "dual-stack: IPv4 and IPv6 traffic through one TEID" ||
	FAIL "dual-stack traffic"
expect_eq "dual-stack: one context, its packets of both families" \
	"$(gtpu ctx list | grep -c 'teid 0x100 apn apn0 ms 10.45.0.2 ms 2001:db8:45::2 peer 192.0.2.1 peer-teid 0x200 .*uplink packets 6 .* downlink packets 6 ')" 1
gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 ms 2001:db8:45::2/64 \
	peer 192.0.2.1 peer-teid 0x200 &&
	expect_eq "dual-stack: ctx mod keeps the counters of both downlinks" \
		"$(gtpu ctx list | grep -c 'teid 0x100 .* downlink packets 6 ')" 1 ||
	FAIL "ctx mod of a dual-stack context"
expect_fail "dual-stack: ctx mod needs both addresses" "no such context" \
	gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200
gtpu ctx del teid 0x100 &&
	expect_eq "dual-stack: ctx del by TEID deletes all three elements" \
		"$(gw_elems uplink46) $(gw_elems downlink4) $(gw_elems downlink6)" "0 0 0" ||
	FAIL "ctx del of a dual-stack context"
acc_uplink6 0x101
gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 &&
	gtpu ctx add teid 0x101 apn apn0 ms 2001:db8:45::2/64 peer 192.0.2.1 peer-teid 0x201 &&
	PASS "gtpu ctx add: an IPv4 and an IPv6 subscriber" || FAIL "gtpu ctx add"
ping_ok 4 && PASS "IPv4 subscriber traffic through a gtpu context" ||
	FAIL "IPv4 ping through a gtpu context"
ping_ok 6 && PASS "IPv6 subscriber traffic through a gtpu context" ||
	FAIL "IPv6 ping through a gtpu context"
expect_eq "uplink and downlink packets of the two contexts" \
	"$(gtpu ctx list | awk '{ for (i = 1; i < NF; i++) if ($i == "packets") printf "%s ", $(i + 1) }')" "3 3 3 3 "
if gtpu -j ctx list | /usr/bin/python3 -c '
import json, sys
c = json.load(sys.stdin)
assert len(c) == 2 and c[0]["teid"] == 0x100 and c[0]["peer_teid"] == 0x200, c
assert c[0]["ms"] == "10.45.0.2" and c[1]["ms6"] == "2001:db8:45::2", c
assert c[1]["uplink"]["packets"] == 3 and c[1]["downlink"]["bytes"] > 0, c'; then
	PASS "ctx list -j: the context and its counters as JSON"
else
	FAIL "ctx list -j"
fi
# One context by its elements (nfgtpu_ctx_get()): as the walk has it
for t in 0x100 0x101; do
	expect_eq "ctx list teid $t: its line of the full list" \
		"$(gtpu ctx list teid "$t")" "$(gtpu ctx list | awk -v t="$t" '$2 == t')"
done
expect_eq "ctx list -j teid 0x101: one object" \
	"$(gtpu -j ctx list teid 0x101 | /usr/bin/python3 -c '
import json, sys
c = json.load(sys.stdin)
print(len(c), hex(c[0]["teid"]), c[0]["ms6"], c[0]["uplink"]["packets"])')" \
	"1 0x101 2001:db8:45::2 3"
expect_fail "ctx list teid of no context" "context 0 (TEID 0x102): no such context" \
	gtpu ctx list teid 0x102

# Refusals: nothing applied, the offending context named
expect_fail "duplicate TEID" "TEID already in use" \
	gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.9 peer 192.0.2.1 peer-teid 0x209
expect_fail "unknown APN device" "no APN device 'apn-nosuch'" \
	gtpu ctx add teid 0x101 apn apn-nosuch ms 10.45.0.9 peer 192.0.2.1 peer-teid 0x209
expect_fail "IPv6 peer on an IPv4 transport" "transport is IPv4" \
	gtpu ctx add teid 0x101 apn apn0 ms 10.45.0.9 peer 2001:db8:1::1 peer-teid 0x209
cat >"$tmp/batch" <<'EOF2'
# 0x300 and 0x302 are fine, 0x301 reuses the MS address of 0x100
ctx add teid 0x300 apn apn0 ms 10.45.0.30 peer 192.0.2.1 peer-teid 0x400
ctx add teid 0x301 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x401
ctx add teid 0x302 apn apn0 ms 10.45.0.32 peer 192.0.2.1 peer-teid 0x402
EOF2
expect_fail "a batch with a bad context in the middle" \
	"batch:3: context 1 (TEID 0x301): map downlink4" gtpu ctx load "$tmp/batch"
expect_eq "nothing of the refused batch applied" "$(ctx_count)" 2
seq 0x310 0x38f | awk '{ printf "ctx add teid %d apn apn0 ms 10.46.%d.%d peer 192.0.2.1 peer-teid %d\n",
	$1, int($1 / 256), $1 % 256, $1 + 0x1000 }' >"$tmp/many"
echo "ctx add teid 0x390 apn apn-nosuch ms 10.46.9.9 peer 192.0.2.1 peer-teid 0x2000" >>"$tmp/many"
expect_fail "128 good contexts and an unknown APN device at the end" \
	"many:129: .*no APN device" gtpu ctx load "$tmp/many"
sed -i '$d' "$tmp/many"
gtpu ctx load "$tmp/many" >/dev/null && PASS "128 contexts in one transaction" ||
	FAIL "ctx load of 128 contexts"
expect_eq "130 contexts listed" "$(ctx_count)" 130
sed 's/^ctx add \(teid [0-9]*\).*/ctx del \1/' "$tmp/many" >"$tmp/del"
gtpu ctx load "$tmp/del" >/dev/null && PASS "128 contexts deleted by TEID in one transaction" ||
	FAIL "ctx load of 128 deletes"
expect_eq "two contexts left" "$(ctx_count)" 2
head -n 3 "$tmp/many" >"$tmp/each"
sed -n 2p "$tmp/batch" >>"$tmp/each"
sed -n 2p "$tmp/batch" >>"$tmp/each"		# TEID 0x300 again
expect_fail "ctx load --each: a transaction a line, up to a refused one" \
	"each:5: context 0 (TEID 0x300): map uplink4: TEID already in use" \
	gtpu ctx load --each "$tmp/each"
expect_eq "the four lines before the refused one stay applied" "$(ctx_count)" 6
sed -i -e '$d' -e 's/^ctx add \(teid [0-9x]*\).*/ctx del \1/' "$tmp/each"
gtpu ctx load --batch 3 "$tmp/each" >/dev/null &&
	expect_eq "ctx load --batch 3 deletes them in two transactions" "$(ctx_count)" 2 ||
	FAIL "ctx load --batch 3 of 4 deletes"
cat >"$tmp/mixed" <<'EOF2'
ctx add teid 0x500 apn apn0 ms 10.45.0.50 peer 192.0.2.1 peer-teid 0x600
ctx mod teid 0x500 apn apn0 ms 10.45.0.50 peer 192.0.2.1 peer-teid 0x601
ctx mod teid 0x500 apn apn0 ms 10.45.0.50 peer 192.0.2.1 peer-teid 0x603 timeout 1h
ctx del teid 0x500 apn apn0 ms 10.45.0.50
ctx add teid 0x501 apn apn0 ms 10.45.0.50 peer 192.0.2.1 peer-teid 0x602
EOF2
gtpu ctx load "$tmp/mixed" >/dev/null &&
	expect_eq "add, mod, mod, del and add in one transaction" \
		"$(gtpu ctx list | grep -c 'teid 0x501 apn apn0 ms 10.45.0.50 peer 192.0.2.1 peer-teid 0x602')" 1 ||
	FAIL "ctx load of mixed operations"
gtpu ctx del teid 0x501 || FAIL "ctx del 0x501"

gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x202 &&
	PASS "gtpu ctx mod" || FAIL "gtpu ctx mod"
ping_ok 4 && FAIL "downlink still uses the old peer TEID" ||
	PASS "ctx mod: the access node drops the new peer TEID it does not know"
gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 &&
	ping_ok 4 && PASS "ctx mod back: traffic again" || FAIL "ctx mod back"
expect_eq "ctx mod keeps the downlink counters (3 pings, 3 dropped by acc, 3)" \
	"$(gtpu ctx list | awk '$2 == "0x100" { for (i = 1; i < NF; i++) if ($i == "downlink") print $(i + 2) }')" 9
expect_fail "ctx mod of a context that does not exist" "no such context" \
	gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.99 peer 192.0.2.1 peer-teid 0x200
gtpu ctx del teid 0x100 && gtpu ctx del teid 0x101 apn apn0 ms 2001:db8:45::/64 &&
	PASS "gtpu ctx del, by TEID and by TEID, APN and MS" || FAIL "gtpu ctx del"
expect_eq "no context left" "$(ctx_count)" 0
ping_ok 4 && FAIL "traffic after ctx del" || PASS "ctx del: no traffic"
expect_fail "deleting it again" "no such context" gtpu ctx del teid 0x100

# Statistics
[ "$(gtpu stats | awk '$1 == "decap" { print $2 }')" -gt 0 ] 2>/dev/null &&
	PASS "gtpu stats: decap counted" || FAIL "gtpu stats: $(gtpu stats | head -3)"
gtpu stats --prometheus >"$tmp/prom"
# (Looked for rather than imported: Python takes seconds to start in the
# guest.)
if [ -d /usr/lib/python3/dist-packages/prometheus_client ]; then
	if /usr/bin/python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
assert len(fams) == 1 and fams[0].type == "counter", fams
decap = [s.value for s in fams[0].samples if s.labels.get("counter") == "decap"]
assert decap and decap[0] > 0, fams' "$tmp/prom"; then
		PASS "stats --prometheus parses as Prometheus text, decap > 0"
	else
		FAIL "stats --prometheus: $(head -4 "$tmp/prom")"
	fi
else
	grep -Eq '^nf_gtpu_packets_total\{counter="decap"\} [1-9]' "$tmp/prom" &&
		PASS "stats --prometheus: decap sample" || FAIL "stats --prometheus"
fi

# The other layouts: QFI, IPv6 transport, lean
gtpu teardown gateway && ! has_table && PASS "gtpu teardown gateway" ||
	FAIL "teardown"
gtpu setup gateway qfi ip6 && PASS "setup gateway qfi ip6" || FAIL "setup gateway qfi ip6"
expect_eq "show gateway reads the layout back" "$(gtpu show gateway)" \
	"gateway counting persistent ip6 qfi"
expect_fail "a context without QFI on a QFI gateway" "give one" \
	gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 2001:db8:1::1 peer-teid 0x200
expect_fail "an IPv4 peer on an IPv6 transport" "transport is IPv6" \
	gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 qfi 9
gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 2001:db8:1::1 peer-teid 0x200 \
	qfi 9 timeout 1h && ping_ok 4 &&
	PASS "QFI 9 over an IPv6 transport: traffic" || FAIL "QFI over IPv6 transport"
expect_eq "ctx list shows peer, QFI and timeout" \
	"$(gtpu ctx list | grep -o 'peer 2001:db8:1::1 peer-teid 0x200 qfi 9 counter timeout 3600s expires [0-9]*s' | wc -l)" 1
# A modify keeps the context's time left; with a timeout it sets a new one
dl4_timeouts() {
	ip netns exec "$gw" nft list map inet gateway downlink4 | grep -c "timeout $1"
}
gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 2001:db8:1::1 peer-teid 0x200 \
	qfi 8 && PASS "ctx mod of a context with a timeout" || FAIL "ctx mod, timeout 1h"
expect_eq "ctx mod: the new downlink element keeps the context's timeout" \
	"$(dl4_timeouts '1h expires')" 1
up=$(ctx_field packets 0x100)
gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 2001:db8:1::1 peer-teid 0x200 \
	qfi 9 timeout 3s && PASS "ctx mod with a new timeout" || FAIL "ctx mod timeout 3s"
expect_eq "ctx mod timeout: every element takes it" \
	"$(gtpu ctx list | grep -c 'teid 0x100 .* timeout 3s') $(dl4_timeouts '3s expires')" "1 1"
expect_eq "ctx mod timeout: the uplink counters are kept (3 pings)" \
	"$up $(ctx_field packets 0x100)" "3 3"
busywait 8000 sh -c '! ip netns exec "$0" nft list map inet gateway downlink4 | grep -q elements' "$gw" &&
	[ "$(ctx_count)" = 0 ] && PASS "the new timeout expires the whole context" ||
	FAIL "ctx mod timeout: left $(gtpu ctx list)"
gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 2001:db8:1::1 peer-teid 0x200 \
	qfi 9 timeout 1h && PASS "its MS address takes a new context" ||
	FAIL "ctx add after an expired modify"
gtpu ctx add teid 0x101 apn apn0 ms 2001:db8:45::/64 peer 2001:db8:1::1 \
	peer-teid 0x201 qfi 1 timeout 1s && PASS "a context with a 1 s timeout" ||
	FAIL "ctx add with timeout"
busywait 5000 sh -c '[ "$("$0" -n "$1" ctx list | wc -l)" = 1 ]' "$GTPU" "$gw" &&
	PASS "the context timed out of the list" || FAIL "timeout: $(gtpu ctx list)"
gtpu teardown gateway && gtpu setup gateway lean &&
	PASS "setup gateway lean" || FAIL "setup gateway lean"
expect_fail "a timeout on a lean gateway" "take no timeouts" \
	gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 timeout 1m
gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 &&
	ping_ok 4 && PASS "lean gateway: traffic" || FAIL "lean gateway traffic"
expect_eq "lean gateway: no counters" "$(ctx_field packets 0x100)" ""
expect_eq "show gateway: lean" "$(gtpu show gateway)" "gateway lean persistent"
ip netns exec "$gw" nft list map inet gateway uplink4 | grep -q counter &&
	FAIL "lean maps have counters" || PASS "lean maps have no counter"
gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 counter &&
	ping_ok 4 && expect_eq "lean gateway: a context that asks counts" \
		"$(ctx_field packets 0x100)" 3 || FAIL "lean gateway: ctx mod counter"
gtpu teardown gateway

# Selective: timeouts, and counters only on the contexts that ask for one
gtpu setup gateway selective && PASS "setup gateway selective" ||
	FAIL "setup gateway selective"
expect_eq "show gateway: selective" "$(gtpu show gateway)" "gateway selective persistent"
ip netns exec "$gw" nft list map inet gateway uplink4 | grep -q counter &&
	FAIL "selective maps have a counter" || PASS "selective maps have no counter of their own"
gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 timeout 1h &&
	gtpu ctx add teid 0x101 apn apn0 ms 2001:db8:45::2/64 peer 192.0.2.1 \
		peer-teid 0x201 counter && ping_ok 4 && ping_ok 6 &&
	PASS "selective: traffic through a context without counter and one with" ||
	FAIL "selective gateway traffic"
expect_eq "selective: only the context with counter counts" \
	"$(ctx_field packets 0x100)/$(ctx_field packets 0x101)/$(ctx_field counter 0x101)" "/3/uplink"
if gtpu -j ctx list | /usr/bin/python3 -c '
import json, sys
c = json.load(sys.stdin)
assert "uplink" not in c[0] and c[1]["downlink"]["packets"] == 3, c'; then
	PASS "selective: ctx list -j has counters for the context that counts only"
else
	FAIL "selective: ctx list -j"
fi
dl_packets() { # dl_packets TEID: its downlink packets
	gtpu ctx list | awk -v t="$1" '$2 == t {
		for (i = 1; i < NF; i++) if ($i == "downlink") print $(i + 2) }'
}
gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 counter &&
	ping_ok 4 && expect_eq "selective: ctx mod counter: it counts from then on, with its timeout" \
		"$(ctx_field packets 0x100) $(dl_packets 0x100) $(ctx_field timeout 0x100)" "3 3 3600s" ||
	FAIL "selective: ctx mod counter"
gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 &&
	ping_ok 4 && expect_eq "selective: a ctx mod without counter keeps it counting" \
		"$(ctx_field packets 0x100) $(dl_packets 0x100)" "6 6" ||
	FAIL "selective: ctx mod without counter"
printf '%s\n' "ctx add teid 0x102 apn apn0 ms 10.45.0.3 downlink none" \
	"ctx mod teid 0x102 apn apn0 ms 10.45.0.3 downlink none counter" >"$tmp/sel" &&
	gtpu ctx load "$tmp/sel" >/dev/null &&
	expect_eq "selective: add, then mod counter in one transaction: it counts" \
		"$(ctx_field packets 0x102)" 0 || FAIL "selective: add and mod counter in one load"
gtpu teardown gateway

# MBRs: a limit object per context and direction, "rate over" the MBR
gtpu setup gateway mbr && PASS "setup gateway mbr" || FAIL "setup gateway mbr"
expect_eq "show gateway: mbr" "$(gtpu show gateway)" "gateway counting persistent mbr"
expect_fail "an MBR with a timeout" "takes no timeout" \
	gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 \
	mbr-up 8 timeout 1m
mbr_drops() { # mbr_drops CHAIN: the packets its "over MBR" rules dropped
	ip netns exec "$gw" nft list chain inet gateway "$1" | awk '/over MBR/ {
		for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1) }
		END { print s + 0 }'
}
burst() { # burst: how many of 10 1200-octet pings 50 ms apart come back
	ip netns exec "$ms" ping -4 -c 10 -i 0.05 -W 2 -s 1200 "$(pdn_addr 4)" |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}
limit_objects() {
	ip netns exec "$gw" nft list ruleset | grep -c '^	limit mbr-'
}
gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 \
	mbr-up 8 mbr-down 8000 && PASS "ctx add with MBRs" || FAIL "ctx add with MBRs"
expect_eq "ctx list shows the MBRs, two limit objects" \
	"$(gtpu ctx list | grep -c 'teid 0x100 .* mbr-up 8 mbr-down 8000 ') $(limit_objects)" "1 2"
n=$(burst)
[ "${n:-10}" -lt 10 ] && [ "$(mbr_drops mbr_up)" -gt 0 ] &&
	PASS "uplink over 8 kbit/s dropped ($n of 10 back)" ||
	FAIL "uplink MBR: $n of 10 back, $(mbr_drops mbr_up) dropped"
gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 \
	mbr-down 8 || FAIL "ctx mod to a downlink MBR"
n=$(burst)
[ "${n:-10}" -lt 10 ] && [ "$(mbr_drops encap)" -gt 0 ] &&
	PASS "ctx mod: downlink over 8 kbit/s dropped ($n of 10 back)" ||
	FAIL "downlink MBR: $n of 10 back, $(mbr_drops encap) dropped"
gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 &&
	expect_eq "ctx mod without MBR: all 10 back, no limit object" \
		"$(burst) $(limit_objects)" "10 0" || FAIL "ctx mod without MBR"
gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 \
	mbr-up 1000 && gtpu ctx del teid 0x100 &&
	expect_eq "ctx del: its limit object and MBR element gone" \
		"$(limit_objects) $(ip netns exec "$gw" nft list map inet gateway mbr_up4 | grep -c elements)" "0 0" ||
	FAIL "ctx del with an MBR"
gtpu teardown gateway

# A context without a downlink, and one whose downlink is buffered: the
# buffer rule queues it to NFQUEUE 2152, where nobody listens here
gtpu setup gateway buffer && PASS "setup gateway buffer" || FAIL "setup gateway buffer"
expect_eq "show gateway: buffer" "$(gtpu show gateway)" "gateway counting persistent buffer"
gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.2 downlink none &&
	PASS "ctx add with downlink none" || FAIL "ctx add downlink none"
ping_ok 4 && FAIL "a reply came without a downlink" ||
	PASS "downlink none: no reply reaches the MS"
expect_eq "downlink none: the uplink decapsulates (3 pings)" "$(ctx_field packets 0x100)" 3
expect_eq "ctx list: downlink none" \
	"$(gtpu ctx list | grep -c 'teid 0x100 apn apn0 ms 10.45.0.2 downlink none')" 1
gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 downlink buffer &&
	PASS "ctx mod to downlink buffer" || FAIL "ctx mod downlink buffer"
expect_eq "ctx list: downlink buffer" \
	"$(gtpu ctx list | grep -c 'teid 0x100 apn apn0 ms 10.45.0.2 downlink buffer')" 1
ping_ok 4 && FAIL "a buffered reply came with nobody listening on the queue" ||
	PASS "downlink buffer: the replies queued, dropped with no listener"
expect_eq "the buffer rule took the 3 replies" \
	"$(ip netns exec "$gw" nft list chain inet gateway encap |
	   awk '/buffered downlink/ && / ip daddr / { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }')" 3
expect_fail "a batch moving between the three, then a mod of no context" \
	"<stdin>:3: .*no such context" \
	"$GTPU" -n "$gw" ctx load - <<<"ctx add teid 0x101 apn apn0 ms 10.45.0.3 downlink none
ctx mod teid 0x101 apn apn0 ms 10.45.0.3 downlink buffer
ctx mod teid 0x101 apn apn0 ms 10.45.0.4 peer 192.0.2.1 peer-teid 0x201"
expect_eq "the refused batch left nothing" "$(ctx_count)" 1
gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 &&
	ping_ok 4 && PASS "ctx mod from buffer to a peer: traffic" ||
	FAIL "ctx mod from buffer to a peer"
expect_eq "the buffer set is empty again" \
	"$(ip netns exec "$gw" nft list set inet gateway buffer4 | grep -c elements)" 0
gtpu ctx mod teid 0x100 apn apn0 ms 10.45.0.2 downlink buffer &&
	gtpu ctx del teid 0x100 && PASS "a buffering context deleted by TEID" ||
	FAIL "delete of a buffering context by TEID"
expect_eq "nothing left in the buffer set" \
	"$(ip netns exec "$gw" nft list set inet gateway buffer4 | grep -c elements)" 0
gtpu teardown gateway
gtpu setup gateway && expect_fail "buffering on a gateway without buffer sets" \
	"buffers no downlink" gtpu ctx add teid 0x100 apn apn0 ms 10.45.0.2 downlink buffer
gtpu teardown gateway

# Ownership: an owned gateway lives as long as its gtpu process
mkfifo "$tmp/cmds"
"$GTPU" -n "$gw" setup gateway owned <"$tmp/cmds" >"$tmp/owner.out" 2>&1 &
owner=$!
exec 3>"$tmp/cmds"
busywait 10000 grep -q ready "$tmp/owner.out" &&
	PASS "owned gateway set up, its process waits for commands" ||
	FAIL "owned setup: $(cat "$tmp/owner.out")"
echo "ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200" >&3
busywait 5000 grep -q '^ok' "$tmp/owner.out" && ping_ok 4 &&
	PASS "owned gateway: context added through its process, traffic" ||
	FAIL "owned gateway: $(cat "$tmp/owner.out")"
expect_eq "show gateway: owned, seen from another process" "$(gtpu show gateway)" \
	"gateway counting owned"
expect_fail "another process cannot change the owned table" "owned by another process" \
	gtpu ctx add teid 0x101 apn apn0 ms 10.45.0.3 peer 192.0.2.1 peer-teid 0x201
kill "$owner"
wait "$owner" 2>/dev/null
owner=
exec 3>&-
busywait 5000 sh -c '! ip netns exec "$0" nft list table inet gateway >/dev/null 2>&1' "$gw" &&
	PASS "owner killed: its gateway is gone" || FAIL "owned table survived its owner"
ping_ok 4 && FAIL "traffic after the owner died" || PASS "owner killed: no traffic"

# The example program of docs/libnfgtpu.md
if [ -x "$EXAMPLE" ]; then
	ip netns exec "$gw" "$EXAMPLE" apn0 >"$tmp/example" 2>&1 &&
		grep -q "refused (index 1): context 1 (TEID 0x100): .*TEID already in use" "$tmp/example" &&
		grep -q "^2 contexts" "$tmp/example" &&
		PASS "the example program: batch refused, 2 contexts listed" ||
		FAIL "the example program: $(cat "$tmp/example")"
	has_table && FAIL "the example's owned gateway outlived it" ||
		PASS "the example's owned gateway went with it"
else
	FAIL "the example program $EXAMPLE is not built"
fi
# Records: a control plane's state beside its contexts
if [ -x "$RECORDS" ]; then
	ip netns exec "$gw" "$RECORDS" apn0 >"$tmp/records" 2>&1 &&
		PASS "records: $(grep -c '^ok' "$tmp/records") checks (tests/gtpu_records.c)" ||
		FAIL "records: $(grep -v '^ok' "$tmp/records" | tr '\n' ' ')"
	has_table && FAIL "the records test's owned gateway outlived it" ||
		PASS "the records test's owned gateway went with it"
else
	FAIL "the records test $RECORDS is not built"
fi
"$GTPU" -n "$acc" teardown access &&
	! ip netns exec "$acc" nft list table inet access >/dev/null 2>&1 &&
	PASS "gtpu teardown access" || FAIL "teardown access"
exit $ret
