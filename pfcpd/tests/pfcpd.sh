#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Host test of nf-gtpu-pfcpd (no kernel module needed): in a network
# namespace of its own (unshare -n), the agent listens on 127.0.0.1 and
# fd00::1; pfcpd.py plays the SMF from 127.0.0.2 and fd00::2 with scapy's
# PFCP layer; tshark then decodes every message the agent sent and must
# find nothing malformed and no expert warning.
#
#   SMF 127.0.0.2:8805, [fd00::2]:8805  <-- lo -->  agent 127.0.0.1:8805,
#                                                   [fd00::1]:8805
#
# usage: pfcpd.sh PATH_TO_NF_GTPU_PFCPD   (as root)
set -u
ksft_skip=4
agent=$(realpath "${1:?usage: pfcpd.sh PATH_TO_NF_GTPU_PFCPD}")
here=$(dirname "$(realpath "$0")")

if [ -z "${PFCPD_TEST_NETNS:-}" ]; then
	exec unshare -n env PFCPD_TEST_NETNS=1 "$0" "$agent"
fi
for tool in /usr/bin/python3 tshark ip; do
	command -v $tool >/dev/null || { echo "SKIP: no $tool"; exit $ksft_skip; }
done
/usr/bin/python3 -c 'import scapy.contrib.pfcp' 2>/dev/null ||
	{ echo "SKIP: no scapy.contrib.pfcp (python3-scapy)"; exit $ksft_skip; }

tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid"
	rm -rf "$tmp"
}
trap cleanup EXIT

ip link set lo up
ip addr add fd00::1/128 dev lo nodad
ip addr add fd00::2/128 dev lo nodad

cat >"$tmp/pfcpd.conf" <<EOF
node-id 127.0.0.1
listen 127.0.0.1
listen fd00::1
heartbeat-interval 1
heartbeat-misses 3
response-cache-time 2
network-instance internet apn0
EOF
ret=0
# A wildcard cannot be the address of the agent's F-SEID
sed 's/^listen 127.0.0.1$/listen 0.0.0.0/' "$tmp/pfcpd.conf" >"$tmp/wild.conf"
if "$agent" -t -c "$tmp/wild.conf" >/dev/null 2>"$tmp/wild.err"; then
	echo "FAIL: listen 0.0.0.0 accepted"
	ret=1
elif grep -q 'listen: not a wildcard address: 0.0.0.0' "$tmp/wild.err"; then
	echo "PASS: listen 0.0.0.0 refused: $(cat "$tmp/wild.err")"
else
	echo "FAIL: listen 0.0.0.0: $(cat "$tmp/wild.err")"
	ret=1
fi
# teid-range: FIRST <= LAST, both TEIDs (not 0)
for range in "0x20 0x10:0x20 is above 0x10" "0 9:not a TEID from 1 to 0xffffffff: 0" \
	     "1 0x100000000:not a TEID from 1 to 0xffffffff: 0x100000000" \
	     "010 20:not a TEID from 1 to 0xffffffff: 010"; do
	{ cat "$tmp/pfcpd.conf"; echo "teid-range ${range%%:*}"; } >"$tmp/range.conf"
	if "$agent" -t -c "$tmp/range.conf" >/dev/null 2>"$tmp/range.err"; then
		echo "FAIL: teid-range ${range%%:*} accepted"
		ret=1
	elif grep -q "teid-range: ${range#*:}" "$tmp/range.err"; then
		echo "PASS: teid-range ${range%%:*} refused: $(cat "$tmp/range.err")"
	else
		echo "FAIL: teid-range ${range%%:*}: $(cat "$tmp/range.err")"
		ret=1
	fi
done
{ cat "$tmp/pfcpd.conf"; echo "teid-range 0x10 16"; } >"$tmp/range.conf"
if [ "$("$agent" -t -c "$tmp/range.conf" | grep teid-range)" = "teid-range 0x10 0x10" ]; then
	echo "PASS: teid-range 0x10 16: one TEID"
else
	echo "FAIL: teid-range 0x10 16: $("$agent" -t -c "$tmp/range.conf" 2>&1 | tail -1)"
	ret=1
fi

"$agent" -d -n -c "$tmp/pfcpd.conf" -s "$tmp/stats" 2>"$tmp/agent.log" &
pid=$!

cd "$here" && /usr/bin/python3 pfcpd.py "$pid" "$tmp/stats" "$tmp/sent.pcap" \
	127.0.0.1 127.0.0.2 fd00::1 fd00::2 || ret=1

# tshark: every message decoded as PFCP, none malformed, no expert
# warning or error
if [ -s "$tmp/sent.pcap" ]; then
	n=$(tshark -r "$tmp/sent.pcap" -Y pfcp 2>/dev/null | wc -l)
	total=$(tshark -r "$tmp/sent.pcap" 2>/dev/null | wc -l)
	# tshark's own errors (a bad filter) land in $bad too, and fail
	bad=$(tshark -r "$tmp/sent.pcap" -Y '_ws.malformed || _ws.expert.severity >= warning' 2>&1 |
	      grep -v '^Running as user')
	if [ "$n" -eq "$total" ] && [ "$n" -gt 0 ] && [ -z "$bad" ]; then
		echo "PASS: tshark decodes all $n messages of the agent, no malformed or expert warning"
	else
		echo "FAIL: tshark: $n of $total decoded as PFCP; flagged:"
		echo "$bad"
		ret=1
	fi
else
	echo "FAIL: no capture of the agent's messages"
	ret=1
fi

kill "$pid" && wait "$pid"
status=$?
pid=
if [ $status -eq 0 ] && grep -q 'nf_gtpu_pfcp_messages_total' "$tmp/stats"; then
	echo "PASS: SIGTERM: clean exit, counters written"
else
	echo "FAIL: SIGTERM: exit status $status"
	ret=1
fi
[ $ret -eq 0 ] || { echo "# agent log:"; tail -n 40 "$tmp/agent.log"; }
exit $ret
