#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernel's own GTP driver (drivers/net/gtp.c, module gtp) as the
# independent peer of nf-gtpu, on the network of lib.sh:
#
#   ms ---- acc ===== GTP-U ===== gw ---- pdn
#        10.45.0.0/24      192.0.2.0/24      198.51.100.0/24
#        2001:db8:45::/64  2001:db8:1::/64   2001:db8:100::/64
#
#   baseline: gtp devices at both ends (acc: role sgsn, gw: role ggsn),
#             set up with gtp_genl; Echo Request and Response both ways
#   (i)   acc: gtp device, role sgsn, the MS's packets routed into it;
#         gw:  nf-gtpu, docs/gateway.nft (nft maps) over an IPv4
#              transport, -j GTPU rules over an IPv6 transport
#   (ii)  acc: nf-gtpu, docs/access.nft or -j GTPU likewise;
#         gw:  gtp device, role ggsn, the routes to the MS through it
#
# IPv4 in IPv4 everywhere; where the driver has IPv6 (Linux 6.10: MS /64
# prefixes, IPv6 transport) each scenario also runs IPv6 in IPv6 and one
# of the mixed combinations.  Each carries ping and 1 MB of TCP each way.
# The driver's Echo Request reaches a daemon behind nf-gtpu (with
# docs/gateway-daemon.nft), which answers; the driver's Echo Response to
# a request from the access node reaches a daemon there.
# The pings' GTP-U, both directions, is checked on the wire by Wireshark's
# dissector (TEID, flags, length, UDP checksum); nf-gtpu's
# /proc/net/nf_gtpu and the gtp device's own counters must both count
# exactly 5 more pings.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ruleset.sh"
tmp=$(mktemp -d)
docs=$(dirname "$(readlink -f "$0")")/../docs
G=$(dirname "$(readlink -f "$0")")/gtp_genl

cleanup() {
	[ -z "${tshark_pid:-}" ] || kill "$tshark_pid" 2>/dev/null
	cleanup_all_ns
	rm -rf "$tmp"
}
trap cleanup EXIT

require_cmd ip iptables ip6tables nft ping socat tcpdump ethtool ss od
[ -x "$G" ] || SKIP "gtp_genl is not built"
[ -x "$RULESET_RULE" ] || [ -n "${NFT:-}" ] || SKIP "nft_gtp_rule is not built"
[ -x /usr/bin/python3 ] || SKIP "python3 is not installed"
require_modules nf_gtpu xt_GTPU nft_gtp gtp veth
require_xt_gtpu
info=$("$G" info) || SKIP "the gtp generic netlink family is not available"

setup_gtpu_network || exit 1
# Complete UDP checksums on the wire both ways (lib.sh sets acc-tr so).
ip netns exec "$gw" ethtool -K gw-tr tx off >/dev/null
# acc: what the MS sends goes to table 100, where (i) routes it into the
# gtp device; without a route there, the main table's default (via gw).
for f in 4 6; do
	ip -n "$acc" -"$f" rule add iif acc-ms lookup 100 pref 100
done
head -c 1000000 /dev/urandom >"$tmp/data"

# INNER OUTER combinations for (i) and (ii)
combos_i=("4 4") combos_ii=("4 4")
if grep -qx "ipv6 yes" <<<"$info"; then
	combos_i+=("6 6" "6 4")
	combos_ii+=("6 6" "4 6")
else
	echo "SKIP: inner IPv6 and IPv6 transport: this kernel's gtp driver has" \
		"no IPv6 support (Linux 6.10 added it); IPv4 in IPv4 only"
fi

# gtp_dev NS NODE DEV ROLE OUTER: a gtp device with sockets the kernel
# creates, made by iproute2 (IPv4) or gtp_genl (IPv6: local address).
gtp_dev() {
	if [ "$5" = 4 ]; then
		ip -n "$1" link add "$3" type gtp role "$4"
	else
		ip netns exec "$1" "$G" link add "$3" role "$4" local "$(outer_addr "$2" 6)"
	fi && ip -n "$1" link set "$3" up
}
gtpctl() { local ns=$1; shift; ip netns exec "$ns" "$G" "$@"; }
# gtp_ms FAMILY: the MS address a gtp PDP context takes (IPv6: its /64)
gtp_ms() { [ "$1" = 4 ] && echo 10.45.0.2 || echo 2001:db8:45::; }
ms_net() { [ "$1" = 4 ] && echo 10.45.0.0/24 || echo 2001:db8:45::/64; }
pings() { # pings FAMILY COUNT: echo replies the MS gets from the PDN host
	ip netns exec "$ms" ping -"$1" -c "$2" -i 0.2 -W 2 "$(pdn_addr "$1")" |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# /proc/net/nf_gtpu snapshots and the difference of one counter
stats() { ip netns exec "$1" cat /proc/net/nf_gtpu >"$2"; }
delta() { # delta BEFORE AFTER NAME
	awk -v n="$3" '$1 == n { v[FILENAME] = $2 } END { print v[ARGV[2]] - v[ARGV[1]] }' "$1" "$2"
}
ERRORS="bad_udp_length bad_udp_checksum fragment bad_header bad_extension
unsupported_extension bad_inner spoofed no_device encap_no_route encap_loop encap_error"

udp_listening() { ip netns exec "$1" ss -Hlun "sport = :$2" | grep -q .; }
# udp_catch NS ADDR FILE [respond | request PEER]: in the background
# ($catch_pid), a GTP-U daemon's socket on ADDR port 2152 saves the first
# datagram it gets in FILE.  "respond": it answers an Echo Request (TS
# 29.281 7.2.2); "request": it sends one to PEER first.
udp_catch() {
	ip netns exec "$1" /usr/bin/python3 -c '
import socket, struct, sys
addr, out, mode = sys.argv[1], sys.argv[2], sys.argv[3:] + [""]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 2152))
s.settimeout(20)
if mode[0] == "request":
    s.sendto(struct.pack("!BBHIHBB", 0x32, 1, 4, 0, 1, 0, 0), (mode[1], 2152))
msg, peer = s.recvfrom(2048)
open(out, "wb").write(msg)
if mode[0] == "respond" and len(msg) >= 10 and msg[1] == 1:
    seq = struct.unpack("!H", msg[8:10])[0]
    s.sendto(struct.pack("!BBHIHBBBB", 0x32, 2, 6, 0, seq, 0, 0, 14, 0), peer)
' "$2" "$3" "${@:4}" &
	catch_pid=$!
	busywait 10000 udp_listening "$1" 2152
}
hexdump() { od -An -tx1 "$@" 2>/dev/null | xargs; }

# The pings' GTP-U, captured on acc-tr, is checked at the end in one
# tshark run: "WHAT|PCAP|OUTER|gw address|UL TEID|acc address|DL TEID" per
# tunnel.  tshark takes minutes to start in an emulated guest: it starts
# now, on the other CPU, and waits for the captures on a FIFO.
wire=()
if command -v tshark >/dev/null && command -v mergecap >/dev/null; then
	mkfifo "$tmp/wire.fifo"
	tshark -n -r "$tmp/wire.fifo" -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-T fields -E separator='|' -e ip.dst -e ipv6.dst -e gtp.flags -e gtp.message \
		-e gtp.length -e udp.length -e gtp.teid -e udp.checksum.status \
		-e _ws.expert.severity -e _ws.malformed >"$tmp/wire.txt" 2>/dev/null &
	tshark_pid=$!
fi

# interop WHAT NPROJ GTPNS GTPDEV IN OUT UL DL: ping and TCP through the
# tunnel between a gtp device (in GTPNS) and nf-gtpu (in NPROJ).
interop() {
	local what="$1: inner IPv$5 over IPv$6" nproj=$2 gns=$3 dev=$4 in=$5 out=$6 ul=$7 dl=$8
	local port=$((5000 + in * 10 + out)) cap=$tmp/wire${#wire[@]}.pcap e moved="" tpid rx tx

	stats "$nproj" "$tmp/s0"
	ip netns exec "$acc" tcpdump -U -q -c 6 -i acc-tr -w "$cap" udp port 2152 \
		2>"$tmp/tcpdump.log" &
	tpid=$!
	busywait 10000 grep -q "listening on" "$tmp/tcpdump.log"
	expect_eq "$what: ping MS -> PDN" "$(pings "$in" 3)" 3
	busywait 5000 pcap_has "$cap" 6
	kill "$tpid" 2>/dev/null
	wait "$tpid" 2>/dev/null
	wire+=("$what|$cap|$out|$(outer_addr gw "$out")|$ul|$(outer_addr acc "$out")|$dl")
	tcp_transfer "$what: 1 MB TCP MS -> PDN" "$in" "$ms" "$pdn" "$(pdn_addr "$in")" "$port"
	tcp_transfer "$what: 1 MB TCP PDN -> MS" "$in" "$pdn" "$ms" "$(ms_addr "$in")" "$port"
	stats "$nproj" "$tmp/s1"
	for e in $ERRORS; do
		[ "$(delta "$tmp/s0" "$tmp/s1" "$e")" = 0 ] || moved+=" $e"
	done
	if [ -z "$moved" ] && [ "$(delta "$tmp/s0" "$tmp/s1" decap)" -gt 0 ] &&
	   [ "$(delta "$tmp/s0" "$tmp/s1" encap)" -gt 0 ]; then
		PASS "$what: nf-gtpu decapsulated and encapsulated, counted no error"
	else
		FAIL "$what: nf-gtpu counters: errors:${moved:- none}; $(xargs <"$tmp/s1")"
	fi

	# Both implementations count the same 5 pings, exactly.
	rx=$(link_stat "$gns" "$dev" rx_packets)
	tx=$(link_stat "$gns" "$dev" tx_packets)
	expect_eq "$what: 5 more pings" "$(pings "$in" 5)" 5
	stats "$nproj" "$tmp/s2"
	expect_eq "$what: nf-gtpu decapsulated 5, encapsulated 5" \
		"$(delta "$tmp/s1" "$tmp/s2" decap) $(delta "$tmp/s1" "$tmp/s2" encap)" "5 5"
	expect_eq "$what: the gtp device received 5, sent 5" \
		"$(( $(link_stat "$gns" "$dev" rx_packets) - rx )) $(( $(link_stat "$gns" "$dev" tx_packets) - tx ))" "5 5"
}

# check_wire: every captured packet is a GTP-U T-PDU (flags 0x30: no
# optional fields, length = UDP payload - 8) with a correct UDP checksum,
# three uplink ones to gw with the uplink TEID, three downlink ones to acc
# with the downlink TEID, and Wireshark reports nothing.
check_wire() {
	local w what cap out gwa ul acca dl bad
	if [ -z "${tshark_pid:-}" ]; then
		echo "NOTE: tshark is not installed, the GTP-U on the wire is not checked"
		return
	fi
	# One run over all captures: the TEIDs tell the tunnels apart.
	mergecap -w - "$tmp"/wire[0-9]*.pcap >"$tmp/wire.fifo"
	wait "$tshark_pid"
	tshark_pid=
	for w in "${wire[@]}"; do
		IFS='|' read -r what cap out gwa ul acca dl <<<"$w"
		# Expert severities: 0x600000 is Warning, 0x800000 Error.
		bad=$(awk -F'|' -v out="$out" -v gw="$gwa" -v ul="$(printf 0x%08x "$ul")" \
			  -v acc="$acca" -v dl="$(printf 0x%08x "$dl")" '
			$7 != ul && $7 != dl { next }
			{
				split(out == 4 ? $1 : $2, dst, ",")
				worst = 0
				n = split($9, sev, ",")
				for (i = 1; i <= n; i++)
					if (sev[i] + 0 > worst)
						worst = sev[i] + 0
				if ($3 != "0x30" || $4 != "0xff" || $5 + 16 != $6 ||
				    $8 != 1 || worst >= 6291456 || $10 != "")
					print "bad packet: " $0
				else if (dst[1] == gw && $7 == ul)
					up++
				else if (dst[1] == acc && $7 == dl)
					down++
				else
					print "wrong direction: " $0
			}
			END { if (up != 3 || down != 3) print up + 0 " up, " down + 0 " down" }' \
			"$tmp/wire.txt")
		if [ -z "$bad" ]; then
			PASS "$what: on the wire, uplink TEID $ul, downlink TEID $dl (tshark)"
		else
			FAIL "$what: on the wire: $bad"
		fi
	done
	expect_eq "every captured packet belongs to its tunnel" "$(wc -l <"$tmp/wire.txt")" \
		$((6 * ${#wire[@]}))
}

project_off() { # NS: no nf-gtpu rules left
	local f
	ip netns exec "$1" nft flush ruleset
	for f in 4 6; do
		ipt_flush "$1" "$f"
	done
}

# Baseline: the driver against itself, so that a failure below is nf-gtpu's.
gtp_dev "$acc" acc gtpa sgsn 4 && gtp_dev "$gw" gw gtpg ggsn 4 ||
	{ FAIL "cannot create gtp devices"; exit 1; }
if gtpctl "$acc" add gtpa v1 0x20 0x10 10.45.0.2 192.0.2.2 &&
   gtpctl "$gw" add gtpg v1 0x10 0x20 10.45.0.2 192.0.2.1; then
	PASS "gtp_genl adds PDP contexts"
else
	FAIL "gtp_genl add"
fi
expect_eq "gtp_genl lists the context" "$(gtpctl "$acc" list gtpa)" \
	"add gtpa v1 0x20 0x10 10.45.0.2 192.0.2.2"
ip -n "$acc" route add default dev gtpa table 100
ip -n "$gw" route replace 10.45.0.0/24 dev gtpg
expect_eq "baseline, the gtp driver at both ends: pings" "$(pings 4 3)" 3
if gtpctl "$acc" echo gtpa v1 192.0.2.2 192.0.2.1 >/dev/null &&
   gtpctl "$gw" echo gtpg v0 192.0.2.1 192.0.2.2 >/dev/null; then
	PASS "baseline: Echo Request answered both ways (v1, v0)"
else
	FAIL "baseline: Echo Request unanswered"
fi
ip -n "$acc" link del gtpa
ip -n "$gw" link del gtpg
ip -n "$gw" route replace 10.45.0.0/24 dev apn0

# (i) the gtp driver as the access node (SGSN), nf-gtpu as the gateway.
gw_project() { # IN OUT UL DL
	local in=$1 out=$2 ul=$3 dl=$4
	if [ "$out" = 6 ]; then
		ipt "$gw" 6 -t raw -A PREROUTING -p udp --dport 2152 \
			-j GTPU --decap --dev apn0 --ms-addr "$(ms_addr "$in")" --teid "$ul" &&
		ipt "$gw" "$in" -t mangle -A POSTROUTING -o apn0 -d "$(ms_addr "$in")" \
			-j GTPU --encap --peer "$(outer_addr acc 6)" --teid "$dl"
		return
	fi
	load_ruleset "$gw" "$docs/gateway.nft" || return 1
	if [ "$in" = 4 ]; then
		ip netns exec "$gw" nft -f - <<-EOF
		add element inet gateway uplink4 { $ul : "apn0" . 10.45.0.2 }
		add element inet gateway downlink4 { "apn0" . 10.45.0.2 : 192.0.2.1 . $dl }
		EOF
	else
		ip netns exec "$gw" nft -f - <<-EOF
		add element inet gateway uplink6 { $ul : "apn0" . 2001:db8:45::2 }
		add element inet gateway downlink6 { "apn0" . 2001:db8:45::/64 : 192.0.2.1 . $dl }
		EOF
	fi
}

n=0
for c in "${combos_i[@]}"; do
	read -r in out <<<"$c"
	ul=$(printf 0x%x $((0x100 + n))) dl=$(printf 0x%x $((0x200 + n))) n=$((n + 1))
	if ! gtp_dev "$acc" acc gtpa sgsn "$out" ||
	   ! gtpctl "$acc" add gtpa v1 "$dl" "$ul" "$(gtp_ms "$in")" "$(outer_addr gw "$out")" ||
	   ! ip -n "$acc" -"$in" route add default dev gtpa table 100 ||
	   ! gw_project "$in" "$out" "$ul" "$dl"; then
		FAIL "(i) inner IPv$in over IPv$out: setup"
	else
		interop "(i) gtp sgsn, nf-gtpu gateway" "$gw" "$acc" gtpa "$in" "$out" "$ul" "$dl"
	fi
	if [ "$c" = "4 4" ]; then
		expect_eq "(i) no T-PDU met gateway.nft's unknown-TEID rule" \
			"$(ip netns exec "$gw" nft list chain inet gateway gtpu |
			   sed -n 's/.*counter packets \([0-9]*\).*unknown TEID.*/\1/p')" 0
		# A path-management daemon behind nf-gtpu (docs/gateway-daemon.nft:
		# nf-gtpu leaves Echo Requests to it) answers the driver's Echo
		# Request.  (gtp_signalling.sh has nf-gtpu answer it itself.)
		load_ruleset "$gw" "$docs/gateway-daemon.nft" ||
			FAIL "(i) docs/gateway-daemon.nft does not load"
		udp_catch "$gw" 192.0.2.2 "$tmp/echo.req" respond
		gtpctl "$acc" echo gtpa v1 192.0.2.2 192.0.2.1 5000 >/dev/null &&
			PASS "(i) the driver's Echo Request crosses nf-gtpu to a daemon, which answers" ||
			FAIL "(i) no Echo Response from the daemon behind nf-gtpu"
		wait "$catch_pid"
		expect_eq "(i) the daemon got the Echo Request intact (flags, type, length, TEID)" \
			"$(hexdump -N8 "$tmp/echo.req")" "32 01 00 04 00 00 00 00"
	fi
	ip -n "$acc" link del gtpa 2>/dev/null
	project_off "$gw"
done

# (ii) nf-gtpu as the access node, the gtp driver as the gateway (GGSN).
acc_project() { # IN OUT UL DL
	local in=$1 out=$2 ul=$3 dl=$4
	if [ "$out" = 6 ]; then
		ipt "$acc" "$in" -t mangle -A FORWARD -i acc-ms -s "$(ms_addr "$in")" \
			-j GTPU --encap --peer "$(outer_addr gw 6)" --teid "$ul" &&
		ipt "$acc" 6 -t raw -A PREROUTING -i acc-tr -p udp --dport 2152 \
			-j GTPU --decap --dev apn-ms --teid "$dl"
		return
	fi
	load_ruleset "$acc" "$docs/access.nft" &&
	ip netns exec "$acc" nft -f - <<-EOF
	add element inet access uplink$in { $(ms_addr "$in") : 192.0.2.2 . $ul }
	add element inet access downlink { $dl : "apn-ms" }
	EOF
}

for c in "${combos_ii[@]}"; do
	read -r in out <<<"$c"
	ul=$(printf 0x%x $((0x100 + n))) dl=$(printf 0x%x $((0x200 + n))) n=$((n + 1))
	if ! gtp_dev "$gw" gw gtpg ggsn "$out" ||
	   ! gtpctl "$gw" add gtpg v1 "$ul" "$dl" "$(gtp_ms "$in")" "$(outer_addr acc "$out")" ||
	   ! ip -n "$gw" -"$in" route replace "$(ms_net "$in")" dev gtpg ||
	   ! acc_project "$in" "$out" "$ul" "$dl"; then
		FAIL "(ii) inner IPv$in over IPv$out: setup"
	else
		interop "(ii) nf-gtpu access node, gtp ggsn" "$acc" "$gw" gtpg "$in" "$out" "$ul" "$dl"
	fi
	if [ "$c" = "4 4" ]; then
		# The driver answers an Echo Request; the response crosses
		# nf-gtpu's decap rules to a daemon on the access node.  (The
		# driver does not copy the request's sequence number.)
		udp_catch "$acc" 192.0.2.1 "$tmp/echo.rsp" request 192.0.2.2
		wait "$catch_pid"
		expect_eq "(ii) the driver's Echo Response reaches a daemon behind nf-gtpu (header, Recovery IE)" \
			"$(hexdump -N8 "$tmp/echo.rsp") $(hexdump -j12 "$tmp/echo.rsp")" \
			"32 02 00 06 00 00 00 00 0e 00"
	fi
	ip -n "$gw" link del gtpg 2>/dev/null
	project_off "$acc"
done

check_wire
exit $ret
