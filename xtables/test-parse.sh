#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Userspace tests of libxt_GTPU.so, no kernel module needed: the help text,
# the rejection of bad option sets, and the parsing, translation and
# printing of good ones.
#
# iptables-translate runs parse, final check and xlate without the kernel.
# "iptables-legacy-restore --test -v" runs parse and final check and prints
# each rule with the extension's print(), which shares its code with save();
# it is run in a new network namespace and commits nothing.  A rule's save
# form must print exactly as its print form does, with "--" in front of the
# options, and must parse back to the same translation and print.

cd "$(dirname "$0")" || exit 1
export PATH=$PATH:/usr/sbin:/sbin
sys_libdir=$(pkg-config --variable=xtlibdir xtables 2>/dev/null)
export XTABLES_LIBDIR=$PWD:${sys_libdir:-/usr/lib/x86_64-linux-gnu/xtables}

failed=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failed=1; }

# check WHAT DETAIL: pass or fail WHAT on the status of the last command
check() {
	if [ $? -eq 0 ]; then
		pass "$1"
	else
		fail "$1: $2"
	fi
}

for tool in iptables iptables-translate ip6tables-translate; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not found"
		exit 0
	fi
done
if [ ! -e libxt_GTPU.so ]; then
	echo "FAIL: libxt_GTPU.so not built"
	exit 1
fi

# iptables-translate, or ip6tables-translate for family 6, of a GTPU rule
xlate() {
	local fam=${1#4}

	shift
	"ip${fam}tables-translate" -A FORWARD -j GTPU "$@" 2>&1 |
		grep -v '^Warning: Extension GTPU revision 0 not supported'
	return "${PIPESTATUS[0]}"
}

# The print() output of a GTPU rule, after the target name
netns() {
	if [ "$(id -u)" -eq 0 ]; then
		unshare -n "$@"
	else
		unshare -rn "$@"
	fi
}

print_rule() {
	local fam=${1#4}

	shift
	printf '*filter\n-A FORWARD -j GTPU %s\nCOMMIT\n' "$*" |
		netns "ip${fam}tables-legacy-restore" --test -v 2>/dev/null |
		sed -n 's/.* GTPU //p'
}

can_print=1
if ! printf '*filter\nCOMMIT\n' |
     netns iptables-legacy-restore --test >/dev/null 2>&1 ||
   ! printf '*filter\nCOMMIT\n' |
     netns ip6tables-legacy-restore --test >/dev/null 2>&1; then
	echo "SKIP: no legacy iptables in a new network namespace, print not tested"
	can_print=
fi

# --help lists every option
help=$(iptables -j GTPU --help 2>&1)
for opt in decap dev ms-addr teid encap peer local qfi sport-hash v0 tid reply; do
	if grep -q -- "--$opt\b" <<<"$help"; then
		pass "help lists --$opt"
	else
		fail "help lists --$opt"
	fi
done

# bad FAMILY REGEX ARGS...: the rule is refused with a message matching REGEX
bad() {
	local fam=$1 msg=$2 out rc

	shift 2
	out=$(xlate "$fam" "$@")
	rc=$?
	if [ "$rc" -ne 0 ] && grep -qE -- "$msg" <<<"$out"; then
		pass "refused: $*"
	else
		fail "refused: $* (exit $rc): $out"
	fi
}

# xlate_is NFT OUTPUT: OUTPUT of *tables-translate is NFT, or "" if the
# rule could not be translated
xlate_is() {
	if [ -n "$1" ]; then
		[[ ${2%\'} == *" counter $1" ]]
	else
		[[ $2 == "nft # "* ]]
	fi
}

# good FAMILY SAVE NFT ARGS...: ARGS are accepted, saved as SAVE and
# translated to NFT ("" if they cannot be translated)
good() {
	local fam=$1 save=$2 nft=$3 out rc save_args

	shift 3
	out=$(xlate "$fam" "$@")
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "accepted: $* (exit $rc): $out"
		return
	fi
	xlate_is "$nft" "$out"
	check "xlate: $*" "$out, not: ${nft:-untranslatable}"
	read -ra save_args <<<"$save"
	out=$(xlate "$fam" "${save_args[@]}")
	xlate_is "$nft" "$out"
	check "xlate of save form: $save" "$out"

	[ -n "$can_print" ] || return
	out=$(print_rule "$fam" "$@")
	[ "$out" == "${save//--/}" ]
	check "print: $*" "\"$out\", not \"${save//--/}\""
	out=$(print_rule "$fam" "$save")
	[ "$out" == "${save//--/}" ]
	check "print of save form: $save" "\"$out\""
}

# Mode
bad 4 'one of --decap, --encap or --reply is required'
bad 6 'one of --decap, --encap or --reply is required'
bad 4 'one of --decap, --encap or --reply is required' --dev apn0
bad 4 '"--reply" cannot be used together with "--decap"' --decap --dev apn0 --reply
bad 6 '"--reply" cannot be used together with "--encap"' \
	--encap --peer 2001:db8::2 --teid 1 --reply
bad 4 '"--reply" cannot be used together with "--teid"' --reply --teid 1
bad 4 '"--reply" cannot be used together with "--v0"' --reply --v0
bad 4 '"--reply" can only be used once' --reply --reply
bad 4 '"--decap" cannot be used together with "--encap"' --decap --encap
bad 4 '"--decap" cannot be used together with "--encap"' \
	--decap --dev apn0 --encap --peer 192.0.2.2 --teid 1
bad 4 '"--decap" can only be used once' --decap --decap --dev apn0

# Missing options
bad 4 '"--decap".* "--dev"' --decap
bad 4 '"--decap".* "--dev"' --decap --ms-addr 10.45.0.2
bad 4 '"--encap".* "--peer"' --encap --teid 1
bad 6 '"--encap".* "--peer"' --encap --teid 1 --local 2001:db8::1
bad 4 '--encap needs --teid, or --tid with --v0' --encap --peer 192.0.2.2
bad 6 '--encap needs --teid, or --tid with --v0' --encap --peer 2001:db8::2 --v0

# Options of the other mode
bad 4 '"--encap" cannot be used together with "--dev"' \
	--encap --peer 192.0.2.2 --teid 1 --dev apn0
bad 4 '"--encap" cannot be used together with "--ms-addr"' \
	--encap --peer 192.0.2.2 --teid 1 --ms-addr 10.45.0.2
bad 4 '"--decap" cannot be used together with "--peer"' \
	--decap --dev apn0 --peer 192.0.2.2
bad 4 '"--decap" cannot be used together with "--local"' \
	--decap --dev apn0 --local 192.0.2.1
bad 4 '"--decap" cannot be used together with "--qfi"' \
	--decap --dev apn0 --qfi 1
bad 4 '"--decap" cannot be used together with "--sport-hash"' \
	--decap --dev apn0 --sport-hash

# Contradictions
bad 4 '--local and --peer must be of the same address family' \
	--encap --peer 192.0.2.2 --teid 1 --local 2001:db8::1
bad 6 '--local and --peer must be of the same address family' \
	--encap --local 192.0.2.1 --peer 2001:db8::2 --teid 1
bad 4 '"--teid" cannot be used together with "--tid"' \
	--encap --peer 192.0.2.2 --teid 1 --tid 1 --v0
bad 4 '"--teid" cannot be used together with "--tid"' \
	--decap --dev apn0 --teid 1 --tid 1
bad 4 '"--tid".* "--v0"' --encap --peer 192.0.2.2 --tid 1
bad 4 '"--tid".* "--v0"' --decap --dev apn0 --tid 1
bad 4 '"--teid" cannot be used together with "--v0"' \
	--encap --peer 192.0.2.2 --teid 1 --v0
bad 4 '"--teid" cannot be used together with "--v0"' \
	--decap --dev apn0 --teid 1 --v0
bad 4 '"--qfi" cannot be used together with "--v0"' \
	--encap --peer 192.0.2.2 --tid 1 --v0 --qfi 3

# Bad values
bad 4 'bad value for option "--qfi"' --encap --peer 192.0.2.2 --teid 1 --qfi 64
bad 4 'bad value for option "--teid"' \
	--encap --peer 192.0.2.2 --teid 0x100000000
bad 4 'bad value for option "--teid"' --encap --peer 192.0.2.2 --teid -1
bad 4 'bad value for option "--teid"' --decap --dev apn0 --teid 1x
bad 4 'bad value for option "--tid"' \
	--encap --peer 192.0.2.2 --v0 --tid 0x10000000000000000
bad 4 '"example.com" is not a numeric IP address for "--peer"' \
	--encap --peer example.com --teid 1
bad 4 '"192.0.2.1/32" is not a numeric IP address for "--local"' \
	--encap --peer 192.0.2.2 --teid 1 --local 192.0.2.1/32
bad 6 '"2001:db8::/64" is not a numeric IP address for "--ms-addr"' \
	--decap --dev apn0 --ms-addr 2001:db8::/64
bad 4 'maximum length of 15' --decap --dev apn0123456789abc
bad 4 'minimum length of 1' --decap --dev ''
bad 4 '"--dev" can only be used once' --decap --dev apn0 --dev apn1
bad 4 '"--teid" cannot be inverted' --decap --dev apn0 ! --teid 1
bad 4 '"--teid" requires an argument' --decap --dev apn0 --teid

# Decapsulation
good 4 '--decap --dev apn0' 'gtp decap dev "apn0"' --decap --dev apn0
good 4 '--reply' 'gtp reply' --reply
good 6 '--reply' 'gtp reply' --reply
good 6 '--decap --dev apn0' 'gtp decap dev "apn0"' --decap --dev apn0
good 4 '--decap --dev apn0123456789ab' 'gtp decap dev "apn0123456789ab"' \
	--decap --dev apn0123456789ab
good 4 '--decap --dev apn0 --ms-addr 10.45.0.2 --teid 0x1234' \
	'gtp teid 0x1234 gtp decap dev "apn0" ms ip 10.45.0.2' \
	--decap --dev apn0 --ms-addr 10.45.0.2 --teid 0x1234
good 4 '--decap --dev apn0 --ms-addr 10.45.0.2 --teid 0x1234' \
	'gtp teid 0x1234 gtp decap dev "apn0" ms ip 10.45.0.2' \
	--teid 4660 --ms-addr 10.45.0.2 --dev apn0 --decap
good 6 '--decap --dev apn1 --ms-addr 2001:db8:1:2:: --teid 0x0' \
	'gtp teid 0x0 gtp decap dev "apn1" ms ip6 2001:db8:1:2::' \
	--decap --dev apn1 --ms-addr 2001:db8:1:2::5 --teid 0
good 4 '--decap --dev apn1 --ms-addr 2001:db8:1:2:: --teid 0xffffffff' \
	'gtp teid 0xffffffff gtp decap dev "apn1" ms ip6 2001:db8:1:2::' \
	--decap --dev apn1 --ms-addr 2001:db8:1:2:aaaa:bbbb:cccc:dddd \
	--teid 0xffffffff
good 6 '--decap --dev apn0 --ms-addr 10.45.0.2' \
	'gtp decap dev "apn0" ms ip 10.45.0.2' \
	--decap --dev apn0 --ms-addr 10.45.0.2
good 4 '--decap --dev apn0 --v0' 'gtp decap dev "apn0" v0' \
	--decap --dev apn0 --v0
good 4 '--decap --dev apn0 --tid 0x2143658709214365 --v0' '' \
	--decap --v0 --tid 0x2143658709214365 --dev apn0

# Encapsulation
good 4 '--encap --peer 192.0.2.2 --teid 0x10 --local 192.0.2.1 --qfi 9 --sport-hash' \
	'gtp encap ip to 192.0.2.2 teid 0x10 saddr 192.0.2.1 qfi 9 sport hash' \
	--encap --peer 192.0.2.2 --teid 0x10 --local 192.0.2.1 --qfi 9 \
	--sport-hash
good 4 '--encap --peer 192.0.2.2 --teid 0x10 --local 192.0.2.1 --qfi 9 --sport-hash' \
	'gtp encap ip to 192.0.2.2 teid 0x10 saddr 192.0.2.1 qfi 9 sport hash' \
	--sport-hash --qfi 9 --local 192.0.2.1 --teid 16 --peer 192.0.2.2 \
	--encap
good 4 '--encap --peer 2001:db8::2 --teid 0x10' \
	'gtp encap ip6 to 2001:db8::2 teid 0x10' \
	--encap --peer 2001:db8::2 --teid 16
good 6 '--encap --peer 2001:db8::2 --teid 0xffffffff --local 2001:db8::1 --qfi 0' \
	'gtp encap ip6 to 2001:db8::2 teid 0xffffffff saddr 2001:db8::1 qfi 0' \
	--encap --peer 2001:db8::2 --teid 4294967295 --local 2001:db8::1 \
	--qfi 0
good 6 '--encap --peer 192.0.2.2 --teid 0x0 --qfi 63' \
	'gtp encap ip to 192.0.2.2 teid 0x0 qfi 63' \
	--encap --peer 192.0.2.2 --teid 0 --qfi 63
good 4 '--encap --peer 192.0.2.2 --tid 0x10 --v0' \
	'gtp encap ip to 192.0.2.2 teid 0x10 v0' \
	--encap --v0 --peer 192.0.2.2 --tid 0x10
good 6 '--encap --peer 2001:db8::2 --tid 0xffffffffffffffff --sport-hash --v0' '' \
	--encap --peer 2001:db8::2 --v0 --tid 0xffffffffffffffff --sport-hash

exit $failed
