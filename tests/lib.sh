#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Helpers shared by the nf-gtpu selftests, in the style of
# selftests/net/lib.sh.

ksft_skip=4
ret=0
nsuffix=$(mktemp -u XXXXXX)
NAMESPACES=()

PASS() { echo "PASS: $*"; }
FAIL() { echo "FAIL: $*"; ret=1; }
SKIP() { echo "SKIP: $*"; exit $ksft_skip; }

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
	local ns
	for ns in "${NAMESPACES[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	NAMESPACES=()
}

# busywait TIMEOUT_MS CMD...: poll CMD until it succeeds.
busywait() {
	local timeout=$1 start
	shift
	start=$(date +%s%3N)
	while true; do
		"$@" && return 0
		[ $(( $(date +%s%3N) - start )) -ge "$timeout" ] && return 1
		sleep 0.1
	done
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
