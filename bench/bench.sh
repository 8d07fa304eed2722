#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark, run in the guest by bench/Makefile (tools/vm.sh, one
# vCPU, QEMU -icount shift=0,sleep=off): docs/benchmark.md says why and
# how.  usage: bench.sh full|quick OUTDIR
#
# Appends one JSON object per measurement to OUTDIR/raw.jsonl:
#   pps      packets per second at the sink, per variant, direction, inner
#            size and number of PDP contexts, round by round
#   tcp      one iperf3 TCP stream through the tunnel
#   install  time to load N contexts (nft batch, gtp driver netlink,
#            gtpu over libnfgtpu) and the installing process's peak RSS
#   ops      add then delete contexts one transaction each, with traffic
#   pfcp     N PFCP sessions established, then deleted, one request at a
#            time, through nf-gtpu-pfcpd (bench/pfcpgen plays the SMF),
#            and the CPU time the agent and pfcpgen spent establishing
#   mem      kernel memory the loaded contexts take
# and perf profiles to OUTDIR/perf-*.txt.  bench/report.py makes the
# tables and the plot from raw.jsonl.  The lib variant's gateway is
# selective (gtpu setup gateway selective: its contexts, loaded without
# "counter", have no counters, as the gtp driver's have none, and
# nf-gtpu-pfcpd's sessions without URRs); LIB_LAYOUT=counting or lean
# sets it up so instead.  GATEWAY_NFT=FILE loads FILE instead
# of docs/gateway.nft into the nft variant's gateway.  The mbr variant is that table set
# up with MBR maps (gtpu setup gateway mbr), every context with an MBR
# it never reaches: its packet rates against nft's are what enforcing
# an MBR costs (up to MBR_MAX contexts: two limit objects each).
set -u
mode=${1:-quick}
OUT=${2:?usage: bench.sh full|quick OUTDIR}
source "$(dirname "$(readlink -f "$0")")/lib.sh"
RAW=$OUT/raw.jsonl
tmp=$(mktemp -d)
trap 'cleanup_all_ns; rm -rf "$tmp"' EXIT

case $mode in
full)
	: "${CONTEXTS:=1 1000 100000 1000000}" "${ROUNDS:=3}" "${COUNT:=20000}"
	: "${TCP_ROUNDS:=3}" "${TCP_BYTES:=20M}" "${OPS:=10000}" "${OPS_AT:=100000}"
	: "${PROFILE_AT:=1 1000000}" "${PROFILE_BIG:=gtp nft}" ;;
quick)
	: "${CONTEXTS:=1 1000}" "${ROUNDS:=1}" "${COUNT:=3000}" "${XT_MAX:=1}"
	: "${TCP_ROUNDS:=1}" "${TCP_BYTES:=2M}" "${OPS:=1000}" "${OPS_AT:=1000}" "${MBR_MAX:=1}"
	: "${PROFILE_AT:=}" ;;
*)
	echo "usage: bench.sh full|quick OUTDIR" >&2; exit 2 ;;
esac
: "${SIZES:=64 1400}" "${MS_MTU:=1464}" "${XT_MAX:=1000}" "${GTP_HSIZE:=524288}"
: "${MBR_MAX:=1000}"
: "${LIB_BATCH:=100000}" "${PFCP_MAX:=100000}"
: "${VARIANTS:=gen plain gtp nft xt lib mbr}" "${TCP_VARIANTS:=plain gtp nft xt osmo}"

# rec TYPE KEY VALUE...: one JSON object, numbers unquoted.
rec() {
	local out="{\"type\":\"$1\"" k v
	shift
	while [ $# -ge 2 ]; do
		k=$1 v=$2
		shift 2
		if [[ $v =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then
			out+=",\"$k\":$v"
		else
			out+=",\"$k\":\"$v\""
		fi
	done
	echo "$out}" >>"$RAW"
}
log() { echo "bench: $(date +%T) $*"; }
now() { date +%s%N; }			# guest time: instructions under -icount
secs() { echo "scale=3; ($2 - $1) / 1000000000" | bc; }
# meminfo: "slab vmalloc percpu free" in kB
meminfo() {
	awk '/^Slab:/ { s = $2 } /^VmallocUsed:/ { v = $2 } /^Percpu:/ { p = $2 }
	     /^MemFree:/ { f = $2 } END { print s, v, p, f }' /proc/meminfo
}
settle() { sleep 2; }			# RCU callbacks, deferred frees

# background N: the share of the vCPU that goes to background work while
# N contexts are loaded and no packet flows, over 5 s (nft's maps with
# timeouts have a garbage collector that walks every element each
# second; it lands in whichever measurement is running).
background() {
	local n=$1 a b
	a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
	sleep 5
	b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat)
	set -- $a $b
	rec idle contexts "$n" busy_pct "$(echo "scale=2; 100 * ($3 - $1) / ($3 - $1 + $4 - $2)" | bc)"
}

for m in nf_gtpu nft_gtp xt_GTPU gtp veth tun; do
	modprobe "$m" || { echo "bench: cannot load $m" >&2; exit 1; }
done
iptables -j GTPU --help 2>/dev/null | grep -q -- --decap ||
	{ echo "bench: libxt_GTPU.so not found (XTABLES_LIBDIR)" >&2; exit 1; }
[ -x "$GEN" ] || { echo "bench: no $GEN" >&2; exit 1; }
have_gtp=1
[ -x "$GTP_GENL" ] || { echo "bench: no $GTP_GENL: the gtp driver is left out"; have_gtp=0; }
have_lib=1
[ -x "$GTPU" ] || { echo "bench: no $GTPU: libnfgtpu is left out"; have_lib=0; }
have_pfcp=1
[ -x "$PFCPD" ] && [ -x "$PFCPGEN" ] ||
	{ echo "bench: no $PFCPD or $PFCPGEN: PFCP is left out"; have_pfcp=0; }
have_osmo=1
command -v osmo-ggsn >/dev/null && command -v sgsnemu >/dev/null ||
	{ echo "bench: osmo-ggsn/sgsnemu not installed: left out"; have_osmo=0; }
sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1
mkdir -p "$OUT"
rec meta mode "$mode" kernel "$(uname -r)" cpus "$(nproc)" \
	clock "$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)" \
	date "$(date -u +%Y-%m-%d)" count "$COUNT" rounds "$ROUNDS" gtp_hsize "$GTP_HSIZE"

gtp_dev() { # gtp_dev VARIANT ROLE: the gtp device gtp0 in gw_V or acc_V
	local ns=gw
	[ "$2" = sgsn ] && ns=acc
	in_ns "$1" $ns "$GTP_GENL" link add gtp0 role "$2" hsize "$GTP_HSIZE" &&
		in_ns "$1" $ns ip link set gtp0 up
}

# The installing process's peak RSS goes to $tmp/rss (GNU time's %M, kB).
RSS=()
[ -x /usr/bin/time ] && RSS=(/usr/bin/time -f %M -o "$tmp/rss")

########################################################################
# TCP: one iperf3 stream MS -> PDN (up) and PDN -> MS (down).

osmo_setup() {
	local acc gw
	acc=$(ns_of osmo acc) gw=$(ns_of osmo gw)
	mkdir -p "$tmp/osmo"
	cat >"$tmp/osmo/ggsn.cfg" <<EOF2
log stderr
 logging level set-all notice
line vty
 no login
ggsn ggsn0
 gtp state-dir $tmp/osmo
 gtp bind-ip 192.0.2.2
 apn internet
  gtpu-mode tun
  tun-device tun4
  type-support v4
  ip prefix dynamic 10.46.0.0/24
  ip ifconfig 10.46.0.0/24
  no shutdown
 default-apn internet
 no shutdown ggsn
EOF2
	ip netns exec "$gw" osmo-ggsn -c "$tmp/osmo/ggsn.cfg" >"$tmp/osmo/ggsn.log" 2>&1 &
	busywait 20000 sh -c "ip -n $gw -4 addr show dev tun4 2>/dev/null | grep -q inet" ||
		{ cat "$tmp/osmo/ggsn.log"; return 1; }
	(cd "$tmp/osmo" && ip netns exec "$acc" sgsnemu -l 192.0.2.1 -r 192.0.2.2 \
		--createif --tun-device tun-ms --apn internet --statedir "$tmp/osmo" \
		--pidfile "$tmp/osmo/sgsnemu.pid" >"$tmp/osmo/sgsnemu.log" 2>&1 &)
	busywait 20000 sh -c "ip -n $acc -4 addr show dev tun-ms 2>/dev/null | grep -q inet" ||
		{ cat "$tmp/osmo/sgsnemu.log"; return 1; }
	ip -n "$acc" link set tun-ms mtu $MS_MTU
	ip -n "$acc" route add 198.51.100.0/24 dev tun-ms
}

# tcp_setup VARIANT: the MS's context 10.45.0.2 (uplink TEID 0x100,
# downlink 0x200) in the access node and the gateway.
tcp_setup() {
	local v=$1 acc gw
	acc=$(ns_of "$v" acc) gw=$(ns_of "$v" gw)
	# What operators do: the MS's MTU leaves room for the outer headers,
	# so its TCP MSS does too (no path-MTU discovery at the start).
	ip -n "$(ns_of "$v" ms)" link set ms0 mtu $MS_MTU
	case $v in
	plain)
		ip -n "$acc" route add default via 192.0.2.2 &&
			ip -n "$gw" route add 10.45.0.0/24 via 192.0.2.1 ;;
	gtp)
		gtp_dev gtp sgsn && gtp_dev gtp ggsn &&
			echo "add gtp0 v1 0x200 0x100 10.45.0.2 192.0.2.2" |
			ip netns exec "$acc" "$GTP_GENL" batch &&
			echo "add gtp0 v1 0x100 0x200 10.45.0.2 192.0.2.1" |
			ip netns exec "$gw" "$GTP_GENL" batch &&
			ip -n "$acc" route add 198.51.100.0/24 dev gtp0 &&
			ip -n "$gw" route add 10.45.0.0/24 dev gtp0 ;;
	nft)
		ip -n "$acc" link add apn-ms type apn && ip -n "$acc" link set apn-ms up &&
			load_ruleset "$acc" "$PROJ/docs/access.nft" &&
			ip netns exec "$acc" nft add element inet access uplink4 \
				'{ 10.45.0.2 : 192.0.2.2 . 0x100 }' &&
			ip netns exec "$acc" nft add element inet access downlink '{ 0x200 : "apn-ms" }' &&
			ip netns exec "$gw" nft add element inet gateway uplink4 \
				'{ 0x100 : "apn0" . 10.45.0.2 }' &&
			ip netns exec "$gw" nft add element inet gateway downlink4 \
				'{ "apn0" . 10.45.0.2 : 192.0.2.1 . 0x200 }' &&
			ip -n "$acc" route add default via 192.0.2.2 &&
			ip -n "$gw" route add 10.45.0.0/24 dev apn0 ;;
	xt)
		ip -n "$acc" link add apn-ms type apn && ip -n "$acc" link set apn-ms up &&
			ip netns exec "$acc" iptables -t mangle -A FORWARD -i acc-ms -s 10.45.0.2 \
				-j GTPU --encap --peer 192.0.2.2 --teid 0x100 &&
			ip netns exec "$acc" iptables -t raw -A PREROUTING -i acc-tr -p udp \
				--dport 2152 -j GTPU --decap --dev apn-ms --teid 0x200 &&
			ip netns exec "$gw" iptables -t raw -A PREROUTING -d 192.0.2.2 -p udp \
				--dport 2152 -j GTPU --decap --dev apn0 --ms-addr 10.45.0.2 --teid 0x100 &&
			ip netns exec "$gw" iptables -t mangle -A POSTROUTING -o apn0 -d 10.45.0.2 \
				-j GTPU --encap --peer 192.0.2.1 --teid 0x200 &&
			ip -n "$acc" route add default via 192.0.2.2 &&
			ip -n "$gw" route add 10.45.0.0/24 dev apn0 ;;
	osmo)
		osmo_setup ;;
	esac
}

# tcp_run VARIANT up|down ROUND: one iperf3 transfer of TCP_BYTES.
tcp_run() {
	local v=$1 dir=$2 r=$3 client=ms bind=10.45.0.2 json=$tmp/iperf.json bps retr spid
	if [ "$v" = osmo ]; then
		client=acc
		bind=$(ip -n "$(ns_of osmo acc)" -4 -o addr show dev tun-ms | awk '{ sub("/.*", "", $4); print $4 }')
	fi
	in_ns "$v" pdn timeout 600 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	spid=$!
	busywait 10000 tcp_listening "$(ns_of "$v" pdn)" 5201
	in_ns "$v" $client timeout 600 iperf3 -c 198.51.100.2 -p 5201 -B "$bind" \
		-n "$TCP_BYTES" -J $([ "$dir" = down ] && echo -R) >"$json" 2>&1
	wait $spid
	read -r bps retr < <(/usr/bin/python3 -c '
import json, sys
try:
    e = json.load(open(sys.argv[1]))["end"]
    print(int(e["sum_received"]["bits_per_second"]), e["sum_sent"].get("retransmits", 0))
except Exception:
    print(0, -1)' "$json")
	[ "$bps" -gt 0 ] || { echo "bench: iperf3 $v $dir failed:"; head -c 2000 "$json"; }
	rec tcp variant "$v" dir "$dir" round "$r" bps "$bps" retransmits "$retr" bytes "$TCP_BYTES"
	log "tcp $v $dir round $r: $((bps / 1000000)) Mbit/s, $retr retransmits"
}

tcp_phase() {
	local v r dir vs=""
	for v in $TCP_VARIANTS; do
		[ "$v" = gtp ] && [ $have_gtp = 0 ] && continue
		[ "$v" = osmo ] && [ $have_osmo = 0 ] && continue
		log "TCP: setting up $v"
		if topology "$v" tcp && tcp_setup "$v" &&
			in_ns "$v" "$([ "$v" = osmo ] && echo acc || echo ms)" \
				ping -c 1 -W 5 198.51.100.2 >/dev/null; then
			vs+=" $v"
		else
			echo "bench: TCP setup of $v failed, left out"
		fi
	done
	for r in $(seq "$TCP_ROUNDS"); do
		for dir in up down; do
			for v in $vs; do
				tcp_run "$v" "$dir" "$r"
			done
		done
	done
	cleanup_all_ns		# and the processes in them
}

########################################################################
# Packet rates.

# load VARIANT N: install N contexts, timed, with the memory they take.
# Timed twice: elapsed guest time, and the CPU time (user + system) of
# the installing process, which leaves out waiting for its binary and
# libraries to be read over 9p.  lib: gtpu ctx load, one transaction;
# lib-batch: the same, a transaction every LIB_BATCH contexts.
load() {
	local v=$1 n=$2 m0 m1 f=$tmp/ctx t rss TIMEFORMAT='%R %U %S'
	case $v in
	nft|gtp|xt|lib|mbr) "$GEN" ctx "$n" "$v" >"$f" ;;
	lib-batch) "$GEN" ctx "$n" lib >"$f" ;;
	*) return 0 ;;
	esac
	settle
	m0=$(meminfo)
	rm -f "$tmp/rss"
	case $v in
	nft) t=$( { time in_ns nft gw "${RSS[@]}" nft -f "$f" >&2 || echo FAILED >&2; } 2>&1 ) ;;
	gtp) t=$( { time in_ns gtp gw "${RSS[@]}" "$GTP_GENL" batch <"$f" >&2 ||
		echo FAILED >&2; } 2>&1 ) ;;
	xt) t=$( { time in_ns xt gw "${RSS[@]}" iptables-restore <"$f" >&2 ||
		echo FAILED >&2; } 2>&1 ) ;;
	lib|mbr) t=$( { time in_ns "$v" gw "${RSS[@]}" "$GTPU" ctx load "$f" >&2 ||
		echo FAILED >&2; } 2>&1 ) ;;
	lib-batch) t=$( { time in_ns lib gw "${RSS[@]}" "$GTPU" ctx load --batch "$LIB_BATCH" \
		"$f" >&2 || echo FAILED >&2; } 2>&1 ) ;;
	esac
	rm -f "$f"
	rss=$(tail -n 1 "$tmp/rss" 2>/dev/null)
	if grep -q FAILED <<<"$t"; then
		echo "bench: loading $n contexts into $v failed: $(head -c 500 <<<"$t")"
		return 1
	fi
	t=$(tail -n 1 <<<"$t")
	settle
	m1=$(meminfo)
	set -- $t
	rec install variant "$v" contexts "$n" seconds "$1" cpu_seconds "$(echo "$2 + $3" | bc)" \
		${rss:+rss_kb "$rss"}
	set -- $m0 $m1
	rec mem variant "$v" contexts "$n" slab_kb $(($5 - $1)) vmalloc_kb $(($6 - $2)) \
		percpu_kb $(($7 - $3)) memfree_kb $(($4 - $8))
	log "$v: $n contexts loaded in $t s (elapsed user sys), peak RSS ${rss:-?} kB," \
		"kernel memory +$(($5 - $1 + $6 - $2 + $7 - $3)) kB"
}

unload() {
	case $1 in
	nft|lib)
		in_ns "$1" gw nft flush map inet gateway uplink4 &&
			in_ns "$1" gw nft flush map inet gateway downlink4 ;;
	mbr)	# the limit objects too: the table again
		in_ns mbr gw nft delete table inet gateway &&
			in_ns mbr gw "$GTPU" setup gateway mbr ;;
	gtp)
		in_ns gtp gw "$GTP_GENL" link del gtp0 && gtp_dev gtp ggsn &&
			in_ns gtp gw ip route add $MS_PREFIX dev gtp0 ;;
	xt)
		in_ns xt gw iptables -t raw -F && in_ns xt gw iptables -t mangle -F ;;
	esac
}

# measure VARIANT DIR SIZE N ROUND: COUNT packets (a tenth for -j GTPU
# with more than one context: one rule per context, scanned in order).
measure() {
	local v=$1 dir=$2 size=$3 n=$4 r=$5 res count=$COUNT
	[ "$v" = xt ] && [ "$n" -gt 1 ] && count=$((COUNT / 10))
	res=$(send "$v" "$dir" "$size" "$n" "$count") || { echo "bench: $v $dir failed"; return; }
	# sent= accepted= errors= elapsed_ns= received=
	set -- $(sed 's/[a-z_]*=//g' <<<"$res")
	rec pps variant "$v" dir "$dir" size "$size" contexts "$n" round "$r" \
		sent "$1" accepted "$2" elapsed_ns "$4" received "$5"
}

# ops VARIANT N: OPS operations (OPS/2 contexts added, then deleted), one
# transaction or netlink message each, while 64-byte uplink traffic flows
# through the same gateway (the generator shares the one vCPU).  nft:
# one process, nft -i, a line each; lib: one process, gtpu ctx load
# --each, a line each.
ops() {
	local v=$1 n=$2 half=$(($OPS / 2)) bg stop=$tmp/stop ta td TIMEFORMAT='%R %U %S'
	case $v in
	nft)
		"$GEN" ctx $half nft-ops "$n" >"$tmp/add"
		"$GEN" ctx $half nft-del "$n" >"$tmp/del" ;;
	gtp)
		"$GEN" ctx $half gtp "$n" >"$tmp/add"
		"$GEN" ctx $half gtp-del "$n" >"$tmp/del" ;;
	lib)
		"$GEN" ctx $half lib "$n" >"$tmp/add"
		"$GEN" ctx $half lib-del "$n" >"$tmp/del" ;;
	esac
	rm -f "$stop"
	set -- $(gen_args "$v" up)
	in_ns "$v" "$1" "$GEN" send -i "$2" -D "$3" -t up -s 64 -N "$n" -S "$stop" \
		-R "$5" ${6:-} >"$tmp/bg.out" &
	bg=$!
	sleep 0.5
	case $v in
	nft)
		ta=$( { time in_ns nft gw nft -i <"$tmp/add" >/dev/null; } 2>&1 )
		td=$( { time in_ns nft gw nft -i <"$tmp/del" >/dev/null; } 2>&1 ) ;;
	gtp)
		ta=$( { time in_ns gtp gw "$GTP_GENL" batch <"$tmp/add"; } 2>&1 )
		td=$( { time in_ns gtp gw "$GTP_GENL" batch <"$tmp/del"; } 2>&1 ) ;;
	lib)
		ta=$( { time in_ns lib gw "$GTPU" ctx load --each "$tmp/add" >/dev/null; } 2>&1 )
		td=$( { time in_ns lib gw "$GTPU" ctx load --each "$tmp/del" >/dev/null; } 2>&1 ) ;;
	esac
	touch "$stop"
	wait $bg
	[ "$(echo "$ta" | wc -l)" = 1 ] && [ "$(echo "$td" | wc -l)" = 1 ] ||
		echo "bench: $v operations reported errors: $ta $td"
	ta=$(tail -n 1 <<<"$ta") td=$(tail -n 1 <<<"$td")
	# sent= accepted= errors= elapsed_ns= received=, then the times
	set -- $(sed 's/[a-z_]*=//g' <"$tmp/bg.out") $ta $td
	rec ops variant "$v" contexts "$n" ops "$OPS" add_s "$6" add_cpu_s "$(echo "$7 + $8" | bc)" \
		del_s "$9" del_cpu_s "$(echo "${10} + ${11}" | bc)" traffic_sent "$1" \
		traffic_received "$5" traffic_elapsed_ns "$4"
	log "$v: $OPS operations at $n contexts: add $ta, delete $td (elapsed user sys)"
}

# profile VARIANT DIR N: where the time goes, 64-byte packets: perf's
# cpu-clock samples (no PMU under TCG; under -icount the clock counts
# instructions) over one generator run, by symbol and by module.
profile() {
	local v=$1 dir=$2 n=$3 f=$OUT/perf-$1-$2-$3
	set -- $(gen_args "$v" "$dir")
	perf record -q -a -e cpu-clock -F 4999 -o "$f.data" -- \
		ip netns exec "$(ns_of "$v" "$1")" "$GEN" send -i "$2" -D "$3" -t "$4" \
		-s 64 -N "$n" -w 1000 -n $((2 * COUNT)) ${6:-} >/dev/null 2>&1 ||
		{ echo "bench: perf record $v $dir failed"; return; }
	{
		perf report -i "$f.data" --stdio --comms gtpgen,ksoftirqd/0 --sort sym \
			--percent-limit 0.7 2>/dev/null
		perf report -i "$f.data" --stdio --comms gtpgen,ksoftirqd/0 --sort dso 2>/dev/null
	} | grep -v -e '^$' -e '^# *$' >"$f.txt"
	rm -f "$f.data"
}

# cpu_s PID: the user and system CPU time of a process so far, in seconds
cpu_s() {
	# after the command's name, which may hold spaces: utime is field 14
	sed 's/.*) //' "/proc/$1/stat" |
		awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f %.2f", $12 / hz, $13 / hz }'
}

# pfcp_timed N AGENT_PID: pfcpgen's N establishments, then deletions, with
# the CPU time the agent and pfcpgen (the SMF) spent on the establishments;
# sets res to pfcpgen's one-line result and cpu to the four times.
pfcp_timed() {
	local est in out gen a0 a1 g1=(0 0)
	a0=($(cpu_s "$2"))
	# a simple command: its PID is pfcpgen's own (ip netns exec execs it)
	coproc ip netns exec "$(ns_of lib gw)" "$PFCPGEN" -P -s 127.0.0.2 \
		-p 192.0.2.1 127.0.0.1 "$1" 2>&1
	# copies: bash closes and unsets the coprocess's own once it ends
	gen=$COPROC_PID
	exec {in}<&"${COPROC[0]}" {out}>&"${COPROC[1]}"
	read -r est <&$in
	a1=($(cpu_s "$2"))
	if [[ $est = established=* ]]; then
		g1=($(cpu_s "$gen"))
		echo >&$out
	fi
	res="$est $(cat <&$in)"
	exec {in}<&- {out}>&-
	wait "$gen"
	res=${res//$'\n'/ }
	cpu=($(awk -v a="${a0[*]} ${a1[*]} ${g1[*]}" 'BEGIN { split(a, v, " ");
		printf "%.2f %.2f %.2f %.2f", v[3] - v[1], v[4] - v[2], v[5], v[6] }'))
}

# pfcp N [perf]: N sessions established, then deleted, by nf-gtpu-pfcpd
# on the lib variant's (empty) gateway, each request waiting for its
# response: one context each.  PFCP over the gateway namespace's
# loopback.  With perf, not timed: a profile of the whole system while
# pfcpgen runs, by process and object, then by function.
pfcp() {
	local n=$1 agent res rss f=$OUT/perf-pfcp-$1 perf=() cpu=()
	[ "${2:-}" = perf ] && perf=(perf record -q -a -e cpu-clock -F 4999 -o "$f.data" --)
	in_ns lib gw ip link set lo up
	# not through in_ns: $! must be the agent's own PID
	ip netns exec "$(ns_of lib gw)" "$PFCPD" -c "$BENCH_DIR/pfcpd-loopback.conf" \
		2>"$tmp/pfcpd.log" &
	agent=$!
	until in_ns lib gw ss -Hlun "sport = :8805" | grep -q .; do
		kill -0 $agent 2>/dev/null || break
		sleep 0.2
	done
	if [ ${#perf[@]} -gt 0 ]; then
		res=$("${perf[@]}" ip netns exec "$(ns_of lib gw)" "$PFCPGEN" \
			-s 127.0.0.2 -p 192.0.2.1 127.0.0.1 "$n" 2>&1)
	else
		pfcp_timed "$n" "$agent"
	fi
	rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$agent/status" 2>/dev/null)
	kill $agent 2>/dev/null
	wait $agent
	if [[ "$res" != *established=* ]]; then
		echo "bench: pfcp $n sessions failed: $res; $(tail -n 3 "$tmp/pfcpd.log")"
		return 1
	fi
	if [ ${#perf[@]} -gt 0 ]; then
		{
			perf report -i "$f.data" --stdio --sort comm,dso 2>/dev/null
			perf report -i "$f.data" --stdio --sort comm,sym \
				--percent-limit 0.7 2>/dev/null
		} | grep -v -e '^$' -e '^# *$' >"$f.txt"
		rm -f "$f.data"
		log "pfcp: $n sessions profiled"
		return 0
	fi
	# established= est_ns= deleted= del_ns=, in seconds
	set -- $(sed 's/[a-z_]*=//g' <<<"$res" | awk '{ printf "%.6f %.6f", $2 / 1e9, $4 / 1e9 }')
	rec pfcp contexts "$n" est_s "$1" del_s "$2" ${rss:+rss_kb "$rss"} \
		agent_user_s "${cpu[0]}" agent_sys_s "${cpu[1]}" \
		smf_user_s "${cpu[2]}" smf_sys_s "${cpu[3]}"
	log "pfcp: $n sessions established in $1 s, deleted in $2 s," \
		"the agent's peak RSS ${rss:-?} kB"
}

# profile_load VARIANT FILE OUT [--each]: a profile of the whole system
# into OUT.txt while the gtp driver's tool or gtpu reads FILE's contexts
# in the variant's gateway, by process and object, then by function.
profile_load() {
	local v=$1 in=$2 f=$3 cmd
	case $v in
	gtp) cmd=("$GTP_GENL" batch) ;;
	lib) cmd=("$GTPU" ctx load ${4:-} -) ;;
	esac
	if ! perf record -q -a -e cpu-clock -F 4999 -o "$f.data" -- \
		ip netns exec "$(ns_of "$v" gw)" "${cmd[@]}" <"$in" >/dev/null; then
		echo "bench: perf record of $v reading $in failed"
		return 1
	fi
	{
		perf report -i "$f.data" --stdio --sort comm,dso 2>/dev/null
		perf report -i "$f.data" --stdio --sort comm,sym \
			--percent-limit 0.7 2>/dev/null
	} | grep -v -e '^$' -e '^# *$' >"$f.txt"
	rm -f "$f.data" "$in"
}

# install_profile VARIANT N: where installing N contexts goes, not timed:
# profile_load of them; then unloaded.
install_profile() {
	local v=$1 n=$2
	"$GEN" ctx "$n" "$v" >"$tmp/ctx"
	settle
	profile_load "$v" "$tmp/ctx" "$OUT/perf-install-$v-$n" || return
	log "install: $n contexts of $v profiled"
	unload "$v"
}

# ops_profile VARIANT N: where one context per transaction goes, not
# timed: profile_load of OPS/2 contexts added and then deleted as ops
# does (no traffic); the contexts loaded stay as they were.
ops_profile() {
	local v=$1 n=$2 half=$(($OPS / 2))
	"$GEN" ctx $half "$v" "$n" >"$tmp/ops"
	"$GEN" ctx $half "$v-del" "$n" >>"$tmp/ops"
	profile_load "$v" "$tmp/ops" "$OUT/perf-ops-$v-$n" --each || return
	log "ops: $OPS operations of $v at $n contexts profiled"
}

# lib_phase N: the library's install, and its operations at OPS_AT, with
# nothing else loaded; then unloaded, so that its maps' garbage
# collector does not run during the other measurements.  Its packet
# path is the nft variant's: the same table.  Above LIB_BATCH contexts,
# installed again in transactions of LIB_BATCH (the memory it takes).
# At PROFILE_AT, the installs of lib and of the gtp driver profiled, and
# their operations if it is OPS_AT too.
lib_phase() {
	local n=$1
	if [[ " $PROFILE_AT " = *" $n "* ]] && [ "$n" -gt 1 ]; then
		install_profile lib "$n"
		[ $have_gtp = 1 ] && [[ " $VARIANTS " = *" gtp "* ]] &&
			install_profile gtp "$n"
		settle
	fi
	load lib "$n" || return
	[ "$n" = "$OPS_AT" ] && ops lib "$n" && [[ " $PROFILE_AT " = *" $n "* ]] &&
		settle && ops_profile lib "$n"
	settle
	unload lib
	[ "$n" -gt "$LIB_BATCH" ] && load lib-batch "$n" && settle && unload lib
	[ $have_pfcp = 1 ] && [ "$n" -gt 1 ] && [ "$n" -le "$PFCP_MAX" ] && pfcp "$n" && settle &&
		[[ " $PROFILE_AT " = *" $n "* ]] && pfcp "$n" perf && settle
	return 0
}

pps_phase() {
	local v n r size dir vs
	[ $have_lib = 0 ] && VARIANTS=${VARIANTS//lib/} && VARIANTS=${VARIANTS//mbr/}
	for v in $VARIANTS; do
		[ "$v" = gtp ] && [ $have_gtp = 0 ] && continue
		topology "$v" || { echo "bench: topology $v failed" >&2; exit 1; }
		[ "$v" = gtp ] && { gtp_dev gtp ggsn && in_ns gtp gw ip route add $MS_PREFIX dev gtp0 ||
			{ echo "bench: gtp device failed" >&2; exit 1; }; }
	done
	for n in $CONTEXTS; do
		[[ " $VARIANTS " = *" lib "* ]] && lib_phase "$n"
		vs=""
		for v in $VARIANTS; do
			[ "$v" = lib ] && continue
			[ "$v" = gtp ] && [ $have_gtp = 0 ] && continue
			[ "$v" = xt ] && [ "$n" -gt "$XT_MAX" ] && continue
			[ "$v" = mbr ] && [ "$n" -gt "$MBR_MAX" ] && continue
			load "$v" "$n" && vs+=" $v"
		done
		settle
		background "$n"
		log "$n contexts: measuring$vs"
		for r in $(seq "$ROUNDS"); do
			for size in $SIZES; do
				for dir in up down; do
					for v in $vs; do
						measure "$v" "$dir" "$size" "$n" "$r"
					done
				done
			done
			log "$n contexts: round $r done"
		done
		if [ "$n" = "$OPS_AT" ]; then
			for v in nft gtp; do
				[[ " $vs " = *" $v "* ]] && ops "$v" "$n"
			done
			[[ " $vs " = *" gtp "* ]] && [[ " $PROFILE_AT " = *" $n "* ]] &&
				settle && ops_profile gtp "$n"
		fi
		if [[ " $PROFILE_AT " = *" $n "* ]]; then
			for v in $vs; do
				[ "$v" = gen ] && continue
				[ "$n" -gt 1 ] && [[ " ${PROFILE_BIG:-} " != *" $v "* ]] && continue
				profile "$v" up "$n"
				profile "$v" down "$n"
			done
		fi
		[ "$n" = "${CONTEXTS##* }" ] && break	# the last: no need
		for v in $vs; do
			unload "$v"
		done
	done
}

: "${PHASES:=tcp pps}"
if [[ " $PHASES " = *" tcp "* ]]; then
	log "mode $mode on $(uname -r): TCP"
	tcp_phase
fi
if [[ " $PHASES " = *" pps "* ]]; then
	log "packet rates"
	pps_phase
fi
log "done"
