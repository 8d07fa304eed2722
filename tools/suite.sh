#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by check.sh and check-debug.sh: run the kselftest suite of
# tests/ in one VM and add its results to the counters.

pass=0 fail=0 skip=0 status=0
ksft=${KSFT:-/var/cache/nf-gtpu/linux-source-6.1/tools/testing/selftests}

# run_suite NAME VM_ARGS... [-- WRAPPER...]: the suite in a VM booted with
# VM_ARGS (see vm.sh), under WRAPPER if given; TAP in build/check-NAME.tap.
run_suite() {
	local name=$1 tap=build/check-$1.tap vmargs=() p s f
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		vmargs+=("$1")
		shift
	done
	[ $# -eq 0 ] || shift
	tools/vm.sh "${vmargs[@]}" -- "$@" \
		env XTABLES_LIBDIR="$PWD/xtables:$(pkg-config --variable=xtlibdir xtables)" \
		${KSFT_TIMEOUT:+KSFT_TIMEOUT=$KSFT_TIMEOUT} \
		make -s -C tests KSFT="$ksft" OUTPUT="$PWD/tests" run_tests |
		tee "$tap"
	[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
	# Results of the runner's TAP lines ("ok N selftests: ..." and so on).
	p=$(grep -cE '^ok [0-9]+ selftests: .*' "$tap")
	s=$(grep -cE '^ok [0-9]+ selftests: .*# SKIP' "$tap")
	f=$(grep -cE '^not ok [0-9]+ selftests: ' "$tap")
	echo "# $name: $((p - s)) passed, $f failed, $s skipped"
	pass=$((pass + p - s)) fail=$((fail + f)) skip=$((skip + s))
	[ "$f" -eq 0 ] || status=1
	[ "$p" -gt 0 ] || { echo "# $name: no test ran"; status=1; }
}

# suite_summary: the final line; a VM failure (timeout, kernel report)
# with no failed test counts as a failure too.
suite_summary() {
	[ "$status" -eq 0 ] || [ "$fail" -gt 0 ] || fail=$((fail + 1))
	echo "$pass passed, $fail failed, $skip skipped"
	return "$status"
}
