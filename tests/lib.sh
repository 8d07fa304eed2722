#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Helpers shared by the nf-gtpu selftests, in the style of
# selftests/net/lib.sh.

ksft_skip=4
ret=0
PKT="/usr/bin/python3 $(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/gtpu_pkt.py"
WIRE="/usr/bin/python3 $(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/gtpu_wire.py"
nsuffix=$(mktemp -u XXXXXX)
NAMESPACES=()
# How many times slower than Debian's kernel the kernel under test runs
# (check-debug.sh sets it for the debug kernel): waits for an event are
# that many times longer.
TIME_SCALE=${TEST_TIME_SCALE:-1}

PASS() { echo "PASS: $*"; }
FAIL() { echo "FAIL: $*"; ret=1; }
# Where the suite's machine is known to have everything it needs (make
# check installs it: TEST_REQUIRE_ALL=1), a missing tool or a module that
# does not load is a broken setup or build, so the skip is a failure.
# Skips for what the kernel under test lacks are lines within a test.
SKIP() {
	echo "SKIP: $*"
	if [ -n "${TEST_REQUIRE_ALL:-}" ]; then
		echo "FAIL: make check installs everything this test needs"
		exit 1
	fi
	exit $ksft_skip
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || SKIP "could not run test without $c"
	done
}

require_modules() {
	local m
	for m in "$@"; do
		modprobe -q "$m" || SKIP "module $m is not available"
	done
}

# Debian's python3-scapy, its GTP layers included; looked for rather than
# imported, which takes seconds in the emulated guest.
require_scapy() {
	[ -r /usr/lib/python3/dist-packages/scapy/contrib/gtp.py ] ||
		SKIP "python3-scapy is not installed"
}

# require_xt_gtpu: the iptables extension for xt_GTPU.
require_xt_gtpu() {
	iptables -j GTPU --help 2>/dev/null | grep -q -- --decap ||
		SKIP "libxt_GTPU.so is not installed (set XTABLES_LIBDIR)"
}

# use_tmp_dir: $tmp is a new directory; when the test exits, it and every
# namespace made by setup_ns are removed.
use_tmp_dir() {
	tmp=$(mktemp -d)
	trap 'cleanup_all_ns; rm -rf "$tmp"' EXIT
}

# setup_ns VAR...: create namespaces with unique names in the named variables.
setup_ns() {
	local v name
	for v in "$@"; do
		name="$v-$nsuffix"
		ip netns add "$name" || return 1
		ip -n "$name" link set lo up
		ip netns exec "$name" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0
		eval "$v=$name"
		NAMESPACES+=("$name")
	done
}

cleanup_all_ns() {
	local ns pids
	for ns in "${NAMESPACES[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -z "$pids" ] || kill $pids 2>/dev/null
		# A VRF that goes with its namespace re-opens its ports as they
		# go too, which fails and logs "Failed to cycle device": delete
		# it while its ports still work.
		[ "$ns" != "${VRF_NS:-}" ] ||
			{ ip -n "$ns" link del "$VRF_DEV" 2>/dev/null; VRF_NS=; }
		ip netns del "$ns" 2>/dev/null
	done
	NAMESPACES=()
}

# busywait TIMEOUT_MS CMD...: poll CMD until it succeeds (TIMEOUT_MS is
# multiplied by TIME_SCALE).
busywait() {
	local timeout=$(($1 * TIME_SCALE)) start
	shift
	start=${EPOCHREALTIME//[!0-9]/}	# microseconds, without starting date
	while true; do
		"$@" && return 0
		[ $(( (${EPOCHREALTIME//[!0-9]/} - start) / 1000 )) -ge "$timeout" ] && return 1
		sleep 0.1
	done
}

# exceeds LIMIT CMD...: CMD prints a number greater than LIMIT.  For
# busywait, which must run the command again on every try: a "$(...)" in
# its arguments is expanded only once, before the first.
exceeds() {
	local limit=$1 value
	shift
	value=$("$@") || return 1
	[ "$value" -gt "$limit" ] 2>/dev/null
}

# pkt NS CMD ARGS...: "$PKT CMD ARGS..." in namespace NS (empty: the
# test's own), output and status included, through one "gtpu_pkt.py
# serve" started on first use, which enters NS for the command: starting
# Python and scapy takes tens of seconds in the emulated guest.  Not from
# a subshell (such as "$(...)"), which would start its own.  Needs $tmp.
PKT_FD=
pkt() {
	local ns=${1:-.} line fd_in fd_out
	shift
	if [ -z "$PKT_FD" ]; then
		mkfifo "$tmp/pkt.in" "$tmp/pkt.out" || return 1
		$PKT serve <"$tmp/pkt.in" >"$tmp/pkt.out" 2>&1 &
		exec {fd_in}>"$tmp/pkt.in" {fd_out}<"$tmp/pkt.out"
		PKT_FD="$fd_in $fd_out"
	fi
	read -r fd_in fd_out <<<"$PKT_FD"
	echo "$ns $*" >&"$fd_in"
	while read -r -t $((120 * TIME_SCALE)) line <&"$fd_out"; do
		case $line in
		"done "*) return "${line#done }" ;;
		*) echo "$line" ;;
		esac
	done
	echo "pkt: no answer from gtpu_pkt.py serve"
	return 1
}

# pcap_has FILE N: the capture FILE holds at least N packets.
pcap_has() {
	[ "$(tcpdump -r "$1" 2>/dev/null | wc -l)" -ge "$2" ]
}

# tcp_listening NS PORT: something listens on TCP PORT in NS.
tcp_listening() {
	ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .
}

# mount_tracefs: tracefs at /sys/kernel/tracing (the VM mounts only
# debugfs), mounted here if it is not; umount_tracefs undoes that.
TRACEFS_MOUNTED=
mount_tracefs() {
	mountpoint -q /sys/kernel/tracing && return 0
	mount -t tracefs nodev /sys/kernel/tracing && TRACEFS_MOUNTED=1
}
umount_tracefs() {
	[ -z "$TRACEFS_MOUNTED" ] || umount /sys/kernel/tracing
	TRACEFS_MOUNTED=
}

# gtpu_stat NS NAME: a counter of /proc/net/nf_gtpu in NS.
gtpu_stat() {
	ip netns exec "$1" awk -v n="$2" '$1 == n { print $2 }' /proc/net/nf_gtpu
}

# link_stat NS DEV FIELD: rx_packets, tx_dropped ... from sysfs.
link_stat() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then
		PASS "$1"
	else
		FAIL "$1: got '$2', expected '$3'"
	fi
}

# The network most tests use:
#
#   ms ---- acc ===== GTP-U ===== gw ---- pdn
#        10.45.0.0/24      192.0.2.0/24      198.51.100.0/24
#        2001:db8:45::/64  2001:db8:1::/64   2001:db8:100::/64
#
# with an apn device apn-ms on acc (downlink decap) and apn0 on gw, routes
# to the MS through apn0, and no rules.  Sets $ms $acc $gw $pdn.
link() { # link NS1 DEV1 NS2 DEV2
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

addr() { # addr NS DEV ADDRESS/LEN
	ip -n "$1" addr add "$3" dev "$2" nodad 2>/dev/null ||
		ip -n "$1" addr add "$3" dev "$2"
}

setup_gtpu_network() {
	setup_ns ms acc gw pdn || return 1
	# One ip process per namespace (ip -batch): a process start takes a
	# quarter of a second in the emulated guest.  nodad: the devices
	# exist before accept_dad is turned off below.
	ip -batch - <<-EOF || return 1
	link add ms0 netns $ms type veth peer name acc-ms netns $acc
	link add acc-tr netns $acc type veth peer name gw-tr netns $gw
	link add gw-pdn netns $gw type veth peer name pdn0 netns $pdn
	EOF
	ip -n "$ms" -batch - <<-EOF || return 1
	link set ms0 up
	addr add 10.45.0.2/24 dev ms0
	addr add 2001:db8:45::2/64 dev ms0 nodad
	route add default via 10.45.0.1
	route add ::/0 via 2001:db8:45::1
	EOF
	# acc has no route to the PDN but through the tunnel: a default
	# toward gw makes FORWARD see the uplink, where rules encapsulate it.
	ip -n "$acc" -batch - <<-EOF || return 1
	link set acc-ms up
	link set acc-tr up
	addr add 10.45.0.1/24 dev acc-ms
	addr add 2001:db8:45::1/64 dev acc-ms nodad
	addr add 192.0.2.1/24 dev acc-tr
	addr add 2001:db8:1::1/64 dev acc-tr nodad
	route add default via 192.0.2.2
	route add ::/0 via 2001:db8:1::2
	link add apn-ms type apn
	link set apn-ms up
	EOF
	ip -n "$gw" -batch - <<-EOF || return 1
	link set gw-tr up
	link set gw-pdn up
	addr add 192.0.2.2/24 dev gw-tr
	addr add 2001:db8:1::2/64 dev gw-tr nodad
	addr add 198.51.100.1/24 dev gw-pdn
	addr add 2001:db8:100::1/64 dev gw-pdn nodad
	link add apn0 type apn
	link set apn0 up
	route add 10.45.0.0/24 dev apn0
	route add 2001:db8:45::/64 dev apn0
	EOF
	ip -n "$pdn" -batch - <<-EOF || return 1
	link set pdn0 up
	addr add 198.51.100.2/24 dev pdn0
	addr add 2001:db8:100::2/64 dev pdn0 nodad
	route add default via 198.51.100.1
	route add ::/0 via 2001:db8:100::1
	EOF
	for ns in "$acc" "$gw"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv6.conf.all.forwarding=1 net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
	done
	for ns in "$ms" "$pdn"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
	done

	# Checksums computed in software on the way out of acc, so the
	# capture on gw sees the final UDP checksum rather than a partial one.
	ip netns exec "$acc" ethtool -K acc-tr tx off >/dev/null
	# GRO on the PDN side: downlink TCP reaches the encapsulating rule as
	# GSO packets, which must be segmented before encapsulation.
	ip netns exec "$gw" ethtool -K gw-pdn gro on >/dev/null 2>&1
}

ipt() { # ipt NS FAMILY(4|6) ARGS...: iptables or ip6tables in NS
	local ns=$1 cmd=iptables
	[ "$2" = 6 ] && cmd=ip6tables
	shift 2
	ip netns exec "$ns" "$cmd" "$@"
}
# ipt_flush NS FAMILY: empty the raw and mangle tables, where the tests'
# GTPU rules are.
ipt_flush() {
	printf '*raw\nCOMMIT\n*mangle\nCOMMIT\n' | ipt_restore "$1" "$2"
}
# ipt_restore NS FAMILY(4|6) [ARGS...]: iptables-restore or
# ip6tables-restore in NS, the rules on standard input: one process for
# many rules, where each iptables takes most of a second in the emulated
# guest.  Without --noflush, the tables it names are flushed first.
ipt_restore() {
	local ns=$1 cmd=iptables-restore
	[ "$2" = 6 ] && cmd=ip6tables-restore
	shift 2
	ip netns exec "$ns" "$cmd" "$@"
}
outer_addr() { # outer_addr NODE(acc|gw) FAMILY
	case $1$2 in
	acc4) echo 192.0.2.1 ;; acc6) echo 2001:db8:1::1 ;;
	gw4) echo 192.0.2.2 ;; gw6) echo 2001:db8:1::2 ;;
	esac
}
ms_addr() { [ "$1" = 4 ] && echo 10.45.0.2 || echo 2001:db8:45::2; }

# elem_counter NS FAMILY TABLE MAP KEY packets|bytes: what the counter of
# one element of MAP counted.
elem_counter() {
	local field=1
	[ "$6" = bytes ] && field=2
	ip netns exec "$1" nft list map "$2" "$3" "$4" | tr ',' '\n' | grep -F "$5" |
		sed -n "s/.* counter packets \([0-9]*\) bytes \([0-9]*\).*/\\$field/p"
}
# chain_counter NS FAMILY TABLE CHAIN: the packets of the chain's counter.
chain_counter() {
	ip netns exec "$1" nft list chain "$2" "$3" "$4" |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
# acc_encap MS_ADDR TEID: acc sends the IPv4 uplink of MS_ADDR to gw on TEID.
acc_encap() {
	ipt "$acc" 4 -t mangle -I FORWARD -i acc-ms -s "$1" \
		-j GTPU --encap --peer 192.0.2.2 --teid "$2"
}
# ms_pings SRC COUNT [ARGS]: how many echo replies the MS got from the PDN
# host, pinging from its address SRC.
ms_pings() {
	local src=$1 n=$2
	shift 2
	ip netns exec "$ms" ping -I "$src" -c "$n" -i 0.2 -W 1 "$@" 198.51.100.2 |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}
pdn_addr() { [ "$1" = 4 ] && echo 198.51.100.2 || echo 2001:db8:100::2; }

# traffic INNER OUTER UL_TEID [QFI]: ping and TCP both ways, the uplink
# checked on the wire (needs $tmp; tshark's verdict comes from
# tshark_checks).
traffic() {
	local in=$1 out=$2 what="inner IPv$1 over IPv$2" ul=$3 qfi=${4:-} cap=$tmp/ul.pcap
	local port=$((5000 + in * 10 + out))

	rm -f "$tmp/tcpdump.log"
	ip netns exec "$gw" tcpdump -U -q -i gw-tr -w "$cap" \
		"udp port 2152 and dst $(outer_addr gw "$out")" 2>"$tmp/tcpdump.log" &
	local tpid=$!
	busywait 10000 grep -q "listening on" "$tmp/tcpdump.log"
	if ip netns exec "$ms" ping -"$in" -c 3 -i 0.2 -W 2 "$(pdn_addr "$in")" >/dev/null; then
		PASS "$what: ping MS -> PDN"
	else
		FAIL "$what: ping MS -> PDN"
	fi
	busywait 5000 pcap_has "$cap" 3
	kill "$tpid"; wait "$tpid" 2>/dev/null
	if $WIRE "$cap" "$ul" $qfi >"$tmp/check.out" 2>&1; then
		PASS "$what: uplink on the wire ($(cat "$tmp/check.out"))"
	else
		FAIL "$what: uplink on the wire: $(cat "$tmp/check.out")"
	fi
	tshark_check "$what" "$cap" "$ul" "$qfi"

	head -c 1000000 /dev/urandom >"$tmp/data"
	tcp_transfer "$what: 1 MB TCP MS -> PDN" "$in" "$ms" "$pdn" "$(pdn_addr "$in")" $port
	tcp_transfer "$what: 1 MB TCP PDN -> MS" "$in" "$pdn" "$ms" "$(ms_addr "$in")" $port
}

# tshark_check WHAT PCAP TEID [QFI]: queue PCAP for tshark_checks, which
# the test calls at its end.
TSHARK_QUEUE=()
tshark_check() {
	cp "$2" "$tmp/tshark-${#TSHARK_QUEUE[@]}.pcap" &&
		TSHARK_QUEUE+=("$1|$3|${4:-}")
}

# tshark_checks: an independent dissector (Wireshark's) sees well-formed
# GTP-U with correct checksums, the TEID and the QFI in every capture
# tshark_check queued.  One tshark run over all of them: tshark takes
# around ten seconds to start in the emulated guest.
tshark_checks() {
	local i n first=1 what teid qfi want warn got caps=()
	[ ${#TSHARK_QUEUE[@]} -gt 0 ] || return 0
	if ! command -v tshark >/dev/null || ! command -v mergecap >/dev/null; then
		echo "NOTE: tshark is not installed, no independent dissection"
		return
	fi
	# Per packet the TEID, the QFI, its expert infos' severities and
	# whether it is malformed; a warning is severity 0x600000 (PI_WARN)
	# or more.  The captures are concatenated in order: their packet
	# counts tell which lines are whose.
	for i in "${!TSHARK_QUEUE[@]}"; do caps+=("$tmp/tshark-$i.pcap"); done
	mergecap -a -w "$tmp/tshark-all.pcap" "${caps[@]}"
	tshark -n -r "$tmp/tshark-all.pcap" -o udp.check_checksum:TRUE \
		-o ip.check_checksum:TRUE -T fields -e gtp.teid \
		-e gtp.ext_hdr.pdu_ses_con.qos_flow_id -e _ws.expert.severity \
		-e _ws.malformed >"$tmp/tshark.out" 2>/dev/null
	for i in "${!TSHARK_QUEUE[@]}"; do
		IFS='|' read -r what teid qfi <<<"${TSHARK_QUEUE[$i]}"
		n=$(tcpdump -r "$tmp/tshark-$i.pcap" 2>/dev/null | wc -l)
		awk -v a="$first" -v b=$((first + n)) 'NR >= a && NR < b' \
			"$tmp/tshark.out" >"$tmp/tshark-$i.out"
		first=$((first + n))
		want=$(printf '0x%08x' "$teid")
		[ -n "$qfi" ] && want+=" $qfi"
		warn=$(awk -F'\t' '{ bad = $4 != ""; n = split($3, s, ",")
			for (i = 1; i <= n; i++) if (s[i] + 0 >= 6291456) bad = 1 }
			bad' "$tmp/tshark-$i.out")
		got=$(cut -f1,2 "$tmp/tshark-$i.out" | sort -u | xargs)
		if [ -z "$warn" ] && [ "$got" = "$want" ]; then
			PASS "$what: tshark dissects the GTP-U cleanly (TEID, QFI: $got)"
		else
			FAIL "$what: tshark: fields '$got', expected '$want'; warnings: $warn"
		fi
	done
	TSHARK_QUEUE=()
}

# tcp_transfer WHAT FAMILY FROM_NS TO_NS TO_ADDR PORT: send $tmp/data.
tcp_transfer() {
	local what=$1 in=$2 from=$3 to=$4 addr=$5 port=$6 lpid

	ip netns exec "$to" timeout $((90 * TIME_SCALE)) \
		socat -u TCP"$in"-LISTEN:"$port",reuseaddr \
		OPEN:"$tmp/received",creat,trunc &
	lpid=$!
	busywait 5000 tcp_listening "$to" "$port"
	ip netns exec "$from" timeout $((60 * TIME_SCALE)) \
		socat -u OPEN:"$tmp/data" \
		TCP"$in":"$(sed 's/.*:.*/[&]/' <<<"$addr")":"$port"
	wait "$lpid"
	cmp -s "$tmp/data" "$tmp/received" && PASS "$what" || FAIL "$what"
}

# setup_second_apn: a second MS (ms2) with the same address 10.45.0.2,
# behind acc-ms2 on acc, and a second APN on gw: apn1, enslaved to VRF
# "blue" with its own PDN host (pdn2, also 198.51.100.2).  acc routes
# what arrives on its apn-ms2 to ms2.  The tunnel rules are the caller's.
setup_second_apn() {
	ip -n "$gw" link add blue type vrf table 10 && VRF_NS=$gw VRF_DEV=blue &&
		ip -n "$gw" link set blue up ||
		{ echo "SKIP: the two-APN test needs VRF support"; return 1; }
	setup_ns ms2 pdn2 || return 1
	link "$ms2" ms0 "$acc" acc-ms2
	link "$gw" gw-pdn2 "$pdn2" pdn0
	ip -n "$gw" link add apn1 type apn
	ip -n "$gw" link set apn1 master blue up
	ip -n "$gw" link set gw-pdn2 master blue
	addr "$ms2" ms0 10.45.0.2/24
	addr "$acc" acc-ms2 10.46.0.1/24
	ip -n "$ms2" route add default via 10.46.0.1 dev ms0 onlink
	ip -n "$acc" link add apn-ms2 type apn
	ip -n "$acc" link set apn-ms2 up
	ip -n "$acc" route add 10.45.0.2/32 dev acc-ms2 table 20
	ip -n "$acc" rule add iif apn-ms2 table 20
	addr "$gw" gw-pdn2 198.51.100.1/24
	addr "$pdn2" pdn0 198.51.100.2/24
	ip -n "$pdn2" route add default via 198.51.100.1
	ip -n "$gw" route add 10.45.0.0/24 dev apn1 vrf blue
}

# check_second_apn: ms and ms2 ping "their" 198.51.100.2; each PDN host
# must see exactly its own APN's packets.
check_second_apn() {
	ip netns exec "$pdn" iptables -I INPUT -p icmp -s 10.45.0.2
	ip netns exec "$pdn2" iptables -I INPUT -p icmp -s 10.45.0.2
	ip netns exec "$ms" ping -c 2 -i 0.2 -W 2 198.51.100.2 >/dev/null &&
		ip netns exec "$ms2" ping -c 3 -i 0.2 -W 2 198.51.100.2 >/dev/null &&
		PASS "two APNs with the same MS address both reach their PDN" ||
		FAIL "overlapping MS addresses on two APNs"
	expect_eq "the first APN carried its own MS only" \
		"$(ip netns exec "$pdn" iptables -L INPUT -vnx | awk 'NR == 3 { print $1 }')" 2
	expect_eq "the second APN carried its own MS only" \
		"$(ip netns exec "$pdn2" iptables -L INPUT -vnx | awk 'NR == 3 { print $1 }')" 3
}
