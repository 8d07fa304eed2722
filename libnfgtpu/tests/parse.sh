#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# gtpu's input parsing, table-driven: each case is a command line given to
# "gtpu -c" (parse and print, no netlink), the exit status, and what the
# output must be (status 0: the command as understood) or what the error
# must say (status 2: naming the offending argument).  Host-run, no root.
# usage: parse.sh [GTPU]

GTPU=${1:-$(dirname "$0")/../gtpu}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# case STATUS EXPECTED ARGS...
case_() {
	local want=$1 expect=$2 out st
	shift 2
	out=$("$GTPU" -c "$@" 2>&1)
	st=$?
	if [ "$st" = "$want" ] && { [ "$want" = 0 ] && [ "$out" = "$expect" ] ||
		[ "$want" != 0 ] && [[ "$out" == *"$expect"* ]]; }; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: gtpu -c $*: status $st, output '$out'; expected $want, '$expect'"
	fi
}

ADD="ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200"

# Well-formed commands, printed back in canonical form
case_ 0 "$ADD" $ADD
case_ 0 "ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 qfi 9 timeout 30s" $ADD qfi 9 timeout 30s
case_ 0 "ctx add teid 0xffffffff apn a ms 2001:db8:45:: peer 2001:db8:1::1 peer-teid 0x1" \
	ctx add teid 4294967295 apn a ms 2001:db8:45::/64 peer 2001:db8:1::1 peer-teid 1
case_ 0 "ctx add teid 0x1 apn apn-internet0 ms 10.0.0.1 ms 2001:db8::1 peer 192.0.2.1 peer-teid 0x2" \
	ctx add peer-teid 2 peer 192.0.2.1 ms 2001:db8::1 ms 10.0.0.1 apn apn-internet0 teid 1
case_ 0 "ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 timeout 1500ms" $ADD timeout 1500ms
case_ 0 "ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 timeout 7200s" $ADD timeout 2h
case_ 0 "ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 timeout 86400s" $ADD timeout 1d
case_ 0 "ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 qfi 0" $ADD qfi 0
case_ 0 "ctx add teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 qfi 63" $ADD qfi 63
case_ 0 "ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200" ctx mod ${ADD#ctx add }
case_ 0 "ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200" ctx modify ${ADD#ctx add }
case_ 0 "ctx mod teid 0x100 apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200 timeout 60s" ctx mod ${ADD#ctx add } timeout 1m
case_ 0 "$ADD mbr-up 1000 mbr-down 100000000" $ADD mbr-down 100000000 mbr-up 1000
case_ 0 "$ADD mbr-down 8" $ADD mbr-down 8
case_ 0 "$ADD counter timeout 60s" $ADD timeout 1m counter
case_ 0 "ctx mod teid 0x100 apn apn0 ms 10.45.0.2 downlink none counter" ctx mod teid 0x100 counter apn apn0 ms 10.45.0.2 downlink none
case_ 0 "ctx del teid 0x100" ctx del teid 0x100
case_ 0 "ctx del teid 0x100" ctx delete teid 256
case_ 0 "ctx del teid 0x100 apn apn0 ms 10.45.0.2" ctx del teid 0x100 apn apn0 ms 10.45.0.2
case_ 0 "ctx list" ctx list
case_ 0 "ctx list teid 0x100" ctx list teid 256
case_ 0 "setup gateway counting persistent" setup gateway
case_ 0 "setup gateway lean owned ip6 qfi" setup gateway lean owned ip6 qfi
case_ 0 "setup gateway counting persistent" setup gateway lean owned counting persistent
case_ 0 "setup gateway counting persistent buffer" setup gateway buffer
case_ 0 "setup gateway counting persistent buffer mbr" setup gateway mbr buffer
case_ 0 "setup gateway counting persistent mbr records" setup gateway records mbr
case_ 0 "setup gateway selective persistent" setup gateway lean selective
case_ 0 "setup gateway lean persistent" setup gateway selective lean
case_ 0 "setup gateway counting persistent" setup gateway selective counting
case_ 0 "setup access acc-ms counting persistent" setup access acc-ms
case_ 0 "setup access acc-ms lean owned" setup access acc-ms owned lean
case_ 0 "teardown access" teardown access
case_ 0 "ctx add teid 0x100 apn apn0 ms 10.45.0.2 downlink none" ctx add teid 0x100 apn apn0 ms 10.45.0.2 downlink none
case_ 0 "ctx mod teid 0x100 apn apn0 ms 10.45.0.2 downlink buffer" ctx mod downlink buffer teid 0x100 apn apn0 ms 10.45.0.2
case_ 0 "teardown gateway" teardown gateway
case_ 0 "show gateway" show gateway
case_ 2 "show: expected 'gateway'" show
case_ 0 "stats" stats
case_ 0 "stats --prometheus" stats --prometheus

# Errors, each naming what is wrong
case_ 2 "expected a command"
case_ 2 "unknown command 'frobnicate'" frobnicate
case_ 2 "setup: expected 'gateway' or 'access DEVICE'" setup
case_ 2 "setup: expected 'gateway' or 'access DEVICE', not 'access'" setup access
case_ 2 "setup access: unknown option 'qfi'" setup access acc-ms qfi
case_ 2 "setup access: unknown option 'buffer'" setup access acc-ms lean buffer
case_ 2 "setup access: unknown option 'selective'" setup access acc-ms selective
case_ 2 "setup access: bad device 'a-name-of-16-chr'" setup access a-name-of-16-chr
case_ 2 "setup gateway: unknown option 'fast'" setup gateway fast
case_ 2 "teardown: expected 'gateway' or 'access'" teardown
case_ 2 "ctx: expected add" ctx
case_ 2 "ctx: unknown command 'show'" ctx show
case_ 2 "ctx list: expected one 'teid TEID'" ctx list teid
case_ 2 "ctx list: expected one 'teid TEID'" ctx list teid 1 teid 2
case_ 2 "ctx list: unexpected 'apn'" ctx list apn apn0
case_ 2 "bad teid '0'" ctx list teid 0
case_ 2 "ctx load: expected one FILE" ctx load
case_ 2 "ctx load: expected one FILE, not 'b'" ctx load a b
case_ 2 "stats: unknown option '--json'" stats --json
case_ 2 "ctx add: missing 'teid'" ctx add apn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: missing 'apn'" ctx add teid 1 ms 10.45.0.2 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: missing 'ms'" ctx add teid 1 apn apn0 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: missing 'peer'" ctx add teid 1 apn apn0 ms 10.45.0.2 peer-teid 1
case_ 2 "ctx add: missing 'peer-teid'" ctx add teid 1 apn apn0 ms 10.45.0.2 peer 192.0.2.1
case_ 2 "bad downlink 'drop' (none or buffer)" ctx add teid 1 apn apn0 ms 10.45.0.2 downlink drop
case_ 2 "ctx add: 'downlink' goes without 'peer', 'peer-teid' and 'qfi'" \
	ctx add teid 1 apn apn0 ms 10.45.0.2 downlink none peer 192.0.2.1
case_ 2 "ctx mod: 'downlink' goes without 'peer', 'peer-teid' and 'qfi'" \
	ctx mod teid 1 apn apn0 ms 10.45.0.2 downlink buffer qfi 1
case_ 0 "ctx del teid 0x1 apn apn0 ms 10.45.0.2 downlink none" ctx del teid 1 apn apn0 ms 10.45.0.2 downlink none
case_ 2 "ctx add: missing 'peer-teid'" ctx add teid 1 apn apn0 ms 10.45.0.2 peer 192.0.2.1
case_ 2 "ctx add: 'peer-teid' needs a value" ctx add teid 1 apn a ms 10.0.0.1 peer 192.0.2.1 peer-teid
case_ 2 "ctx add: unknown keyword 'tied'" $ADD tied 1
case_ 2 "ctx add: 'teid' given twice" $ADD teid 0x101
case_ 2 "ctx add: 'peer' given twice" $ADD peer 192.0.2.2
case_ 2 "ctx add: second IPv4 ms '10.45.0.3'" $ADD ms 10.45.0.3
case_ 2 "ctx add: second IPv6 ms '2001:db8::2'" ctx add teid 1 apn a ms 2001:db8::1 ms 2001:db8::2 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: 'ms' given too often" $ADD ms 2001:db8::1 ms 2001:db8::2
case_ 2 "ctx add: bad teid '0' (1 to 0xffffffff)" ctx add teid 0 apn a ms 10.0.0.1 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad teid '0x100000000'" ctx add teid 0x100000000 apn a ms 10.0.0.1 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad teid '-1'" ctx add teid -1 apn a ms 10.0.0.1 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad teid '1x'" ctx add teid 1x apn a ms 10.0.0.1 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad teid ''" ctx add teid "" apn a ms 10.0.0.1 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad teid '99999999999999999999999'" ctx add teid 99999999999999999999999 apn a ms 10.0.0.1 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad peer-teid '0'" ctx add teid 1 apn a ms 10.0.0.1 peer 192.0.2.1 peer-teid 0
case_ 2 "ctx add: bad apn 'apn-internet-0123'" ctx add teid 1 apn apn-internet-0123 ms 10.0.0.1 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad apn 'a/b'" ctx add teid 1 apn a/b ms 10.0.0.1 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad apn 'a b'" ctx add teid 1 apn "a b" ms 10.0.0.1 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad apn ''" ctx add teid 1 apn "" ms 10.0.0.1 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad ms '10.45.0.256'" ctx add teid 1 apn a ms 10.45.0.256 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad ms '10.45.0.2/32' (an IPv6 subscriber has a /64)" ctx add teid 1 apn a ms 10.45.0.2/32 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad ms '2001:db8::/48' (an IPv6 subscriber has a /64)" ctx add teid 1 apn a ms 2001:db8::/48 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad ms 'apn0'" ctx add teid 1 apn a ms apn0 peer 192.0.2.1 peer-teid 1
case_ 2 "ctx add: bad peer '192.0.2'" ctx add teid 1 apn a ms 10.0.0.1 peer 192.0.2 peer-teid 1
case_ 2 "ctx add: bad peer '2001:db8::/64'" ctx add teid 1 apn a ms 10.0.0.1 peer 2001:db8::/64 peer-teid 1
case_ 2 "ctx add: bad qfi '64' (0 to 63)" $ADD qfi 64
case_ 2 "ctx add: bad qfi '-1'" $ADD qfi -1
case_ 2 "ctx add: bad timeout '0'" $ADD timeout 0
case_ 2 "ctx add: bad timeout '30x'" $ADD timeout 30x
case_ 2 "ctx add: bad timeout '50d'" $ADD timeout 50d
case_ 2 "ctx add: bad timeout 's'" $ADD timeout s
case_ 2 "ctx add: bad timeout '99999999999999999999h'" $ADD timeout 99999999999999999999h
case_ 2 "ctx mod: bad timeout '0'" ctx mod ${ADD#ctx add } timeout 0
case_ 2 "ctx add: bad mbr-up '0' (kbit/s, 1 to 100000000)" $ADD mbr-up 0
case_ 2 "ctx add: bad mbr-down '100000001'" $ADD mbr-down 100000001
case_ 2 "ctx add: bad mbr-up '1k'" $ADD mbr-up 1k
case_ 2 "ctx add: 'mbr-up' given twice" $ADD mbr-up 1 mbr-up 2
case_ 2 "ctx del: 'peer' does not go with this command" ctx del teid 1 peer 192.0.2.1
case_ 2 "ctx del: 'counter' does not go with this command" ctx del teid 1 counter
case_ 2 "ctx add: 'counter' given twice" $ADD counter counter
case_ 2 "ctx add: unknown keyword 'on'" $ADD counter on
case_ 2 "ctx del: 'ms' needs 'apn'" ctx del teid 1 ms 10.0.0.1
case_ 2 "ctx del: missing 'teid'" ctx del apn a ms 10.0.0.1
case_ 2 "bad option" -x stats

# ctx load files: every line parsed, errors name file and line
printf '# two contexts\n\n%s\nctx del teid 0x5\n' "$ADD" >"$tmp/ok"
case_ 0 "$ADD
ctx del teid 0x5" ctx load "$tmp/ok"
case_ 0 "$ADD
ctx del teid 0x5" ctx load --each "$tmp/ok"
case_ 0 "$ADD
ctx del teid 0x5" ctx load --batch 0x1 "$tmp/ok"
# words split at spaces, tabs and line ends; blank and comment lines
printf 'ctx add teid 0x100\tapn apn0 ms 10.45.0.2 peer 192.0.2.1 peer-teid 0x200\r\n \t\r\n  # x\n\tctx del   teid 0x100  \nctx add teid 1 apn a ms 10.0.0.1 downlink none counter' >"$tmp/ws"
case_ 0 "$ADD
ctx del teid 0x100
ctx add teid 0x1 apn a ms 10.0.0.1 downlink none counter" ctx load "$tmp/ws"
case_ 2 "ctx load: expected one FILE, not 'b'" ctx load --each a b
case_ 2 "ctx load: expected one FILE" ctx load --each
case_ 2 "ctx load: expected one FILE" ctx load --batch 2
case_ 2 "ctx load: bad --batch '0' (1 or more lines)" ctx load --batch 0 a
case_ 2 "ctx load: bad --batch '-1'" ctx load --batch -1 a
case_ 2 "ctx load: bad --batch ''" ctx load --batch
printf '%s\nctx add teid 7 apn a\n' "$ADD" >"$tmp/bad"
case_ 2 "bad:2: ctx add: missing 'ms'" ctx load "$tmp/bad"
# a bad line is reported once, and only what it got wrong
out=$("$GTPU" -c ctx load "$tmp/bad" 2>&1 >/dev/null)
if [ "$out" = "gtpu: $tmp/bad:2: ctx add: missing 'ms'" ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: gtpu -c ctx load $tmp/bad: error output '$out'"
fi
printf 'stats\n' >"$tmp/stats"
case_ 2 "stats:1: only ctx add, mod and del lines" ctx load "$tmp/stats"
printf 'ctx add%s\n' "$(printf ' x%.0s' $(seq 40))" >"$tmp/long"
case_ 2 "long:1: too many words" ctx load "$tmp/long"
case_ 1 "No such file or directory" ctx load "$tmp/nonexistent"
head -c 3000 /dev/urandom >"$tmp/random"
case_ 2 "random:" ctx load "$tmp/random"

echo "parse: $pass passed, $fail failed"
[ "$fail" = 0 ]
