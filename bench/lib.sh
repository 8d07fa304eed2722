#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmark's topology, one copy per variant, in the guest:
#
#   ms_V ---- acc_V ===== gw_V ---- pdn_V
#     10.45.0.0/24   192.0.2.0/24   198.51.100.0/24
#
# gw_V is the system under test (GGSN/P-GW role): V is gen (nothing but
# a drop at its ingress: the generator's own cost), plain (IPv4
# forwarding of the inner packets, no tunnel), gtp (the kernel's gtp
# driver), nft (docs/gateway.nft, contexts in maps), lib (the same
# table, set up by gtpu over libnfgtpu), mbr (that table set up with
# MBR maps, every context with an MBR), xt (-j GTPU rules) or osmo
# (osmo-ggsn, TCP only).  Every copy has the same names and
# addresses; the variants never share a namespace, so each keeps its
# contexts loaded while the others are measured.
#
# For packet rates, gtpgen writes into the receive path of a tap device in
# gw_V, as a NIC would deliver them: tapu for the uplink (GTP-U from the
# access node), tapd for the downlink (plain IPv4 from the PDN), and the
# gateway sends them on through its veths; the sink is the
# device on the far side (pdn0 in pdn_V, acc-tr in acc_V), whose received
# packets gtpgen counts and a netdev ingress rule "meta protocol ip
# counter drop" discards: the same generator, packets and sink for every
# variant.  Subscribers' MS addresses are in 10.64.0.0/10.

BENCH_DIR=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
PROJ=$(dirname "$BENCH_DIR")
source "$PROJ/tests/lib.sh"
source "$PROJ/tests/ruleset.sh"
GEN=${GEN:-$PROJ/build/bench/gtpgen}
GTP_GENL=${GTP_GENL:-$PROJ/tests/gtp_genl}
GTPU=${GTPU:-$PROJ/libnfgtpu/gtpu}
PFCPD=${PFCPD:-$PROJ/pfcpd/nf-gtpu-pfcpd}
PFCPGEN=${PFCPGEN:-$PROJ/build/bench/pfcpgen}
MS_PREFIX=10.64.0.0/10

ns_of() { echo "b$2-$1-$nsuffix"; }		# ns_of VARIANT ROLE
in_ns() { local n; n=$(ns_of "$1" "$2"); shift 2; ip netns exec "$n" "$@"; }
mac_of() { in_ns "$1" "$2" cat "/sys/class/net/$3/address"; }

# sink_table NS DEV...: count and drop every IPv4 packet the DEVs receive.
sink_table() {
	local ns=$1 devs
	shift
	devs=$(printf '%s, ' "$@")
	ip netns exec "$ns" nft -f - <<EOF2
table netdev sink {
	counter rx { }
	chain in {
		type filter hook ingress devices = { ${devs%, } } priority 0; policy accept;
		meta protocol ip counter name rx drop
	}
}
EOF2
}
# topology VARIANT [tcp]: the namespaces and links of one copy, with the
# sinks unless for TCP.  The gtp variant's device is the caller's.
topology() {
	local v=$1 tcp=${2:-} ms acc gw pdn
	ms=$(ns_of "$v" ms) acc=$(ns_of "$v" acc) gw=$(ns_of "$v" gw) pdn=$(ns_of "$v" pdn)
	for n in "$ms" "$acc" "$gw" "$pdn"; do
		ip netns add "$n" || return 1
		NAMESPACES+=("$n")
		ip -n "$n" link set lo up
		ip netns exec "$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	link "$ms" ms0 "$acc" acc-ms
	link "$acc" acc-tr "$gw" gw-tr
	link "$gw" gw-pdn "$pdn" pdn0
	for n in "$acc" "$gw"; do
		ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1
	done
	addr "$ms" ms0 10.45.0.2/24
	addr "$acc" acc-ms 10.45.0.1/24
	addr "$acc" acc-tr 192.0.2.1/24
	addr "$gw" gw-tr 192.0.2.2/24
	addr "$gw" gw-pdn 198.51.100.1/24
	addr "$pdn" pdn0 198.51.100.2/24
	ip -n "$ms" route add default via 10.45.0.1
	ip -n "$pdn" route add default via 198.51.100.1
	# No ARP during a measurement (and the sinks drop IPv4 only).
	ip -n "$gw" neigh replace 192.0.2.1 lladdr "$(mac_of "$v" acc acc-tr)" \
		dev gw-tr nud permanent
	ip -n "$gw" neigh replace 198.51.100.2 lladdr "$(mac_of "$v" pdn pdn0)" \
		dev gw-pdn nud permanent
	# The generator's ways in: taps, whose frames have a NIC's headroom.
	ip -n "$gw" tuntap add dev tapu mode tap && ip -n "$gw" link set tapu up &&
		ip -n "$gw" tuntap add dev tapd mode tap && ip -n "$gw" link set tapd up ||
		return 1
	for d in gw-tr gw-pdn tapu tapd; do
		GW_MAC[$v/$d]=$(mac_of "$v" gw $d)
	done
	case $v in
	plain)
		ip -n "$gw" route add $MS_PREFIX via 192.0.2.1 dev gw-tr ;;
	nft|xt|lib|mbr)
		ip -n "$gw" link add apn0 type apn && ip -n "$gw" link set apn0 up &&
			ip -n "$gw" route add $MS_PREFIX dev apn0 || return 1
		case $v in
		nft) load_ruleset "$gw" "${GATEWAY_NFT:-$PROJ/docs/gateway.nft}" ;;
		lib) "$GTPU" -n "$gw" setup gateway ${LIB_LAYOUT:-selective} ;;
		mbr) "$GTPU" -n "$gw" setup gateway mbr ;;
		esac ;;
	esac || return 1
	[ -z "$tcp" ] || return 0
	case $v in
	gen) sink_table "$gw" tapu tapd gw-tr gw-pdn ;;
	*) sink_table "$pdn" pdn0 && sink_table "$acc" acc-tr ;;
	esac
}

# gen_args VARIANT DIR: the generator's namespace role, device, the
# gateway's MAC, the packet type, the sink for gtpgen -R and -T when the
# device is a tap.  GEN_VIA=veth sends through a packet socket into the
# veth from the access node (uplink) or the PDN (downlink) instead.
declare -A GW_MAC
GEN_VIA=${GEN_VIA:-tap}
gen_args() {
	local type=down sink
	[ "$2" = up ] && { [ "$1" = plain ] && type=plain || type=up; }
	case $1/$2/$GEN_VIA in
	gen/up/tap) sink=$(ns_of "$1" gw):tapu ;;
	gen/down/tap) sink=$(ns_of "$1" gw):tapd ;;
	gen/up/*) sink=$(ns_of "$1" gw):gw-tr ;;
	gen/down/*) sink=$(ns_of "$1" gw):gw-pdn ;;
	*/up/*) sink=$(ns_of "$1" pdn):pdn0 ;;
	*/down/*) sink=$(ns_of "$1" acc):acc-tr ;;
	esac
	case $2/$GEN_VIA in
	up/tap) echo gw tapu "${GW_MAC[$1/tapu]}" $type "/run/netns/$sink" -T ;;
	down/tap) echo gw tapd "${GW_MAC[$1/tapd]}" $type "/run/netns/$sink" -T ;;
	up/*) echo acc acc-tr "${GW_MAC[$1/gw-tr]}" $type "/run/netns/$sink" ;;
	down/*) echo pdn pdn0 "${GW_MAC[$1/gw-pdn]}" $type "/run/netns/$sink" ;;
	esac
}

# send VARIANT DIR SIZE CONTEXTS COUNT: one measurement after a warm-up
# of 1,000 packets (routes, neighbours, caches); prints
# "sent= accepted= errors= elapsed_ns= received=".
send() {
	local v=$1 dir=$2 size=$3 n=$4 count=$5
	set -- $(gen_args "$v" "$dir")
	in_ns "$v" "$1" "$GEN" send -i "$2" -D "$3" -t "$4" -s "$size" -N "$n" \
		-w 1000 -n "$count" -R "$5" ${6:-}
}
