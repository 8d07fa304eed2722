#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by check.sh and check-debug.sh: run the kselftest suite of
# tests/ in VMs and count the results.

pass=0 fail=0 skip=0 status=0
ksft=${KSFT:-/var/cache/nf-gtpu/linux-source-6.1/tools/testing/selftests}
SUITES=()

# run_suite NAME VM_ARGS... -- [WRAPPER...]: the suite in one VM, its
# output in build/check-NAME.tap, its status in .rc.
run_suite() {
	local name=$1 vmargs=()
	shift
	while [ "$1" != -- ]; do
		vmargs+=("$1")
		shift
	done
	shift
	tools/vm.sh "${vmargs[@]}" -- "$@" \
		env XTABLES_LIBDIR="$PWD/xtables:$(pkg-config --variable=xtlibdir xtables)" \
		${KSFT_TIMEOUT:+KSFT_TIMEOUT=$KSFT_TIMEOUT} \
		${TEST_TIME_SCALE:+TEST_TIME_SCALE=$TEST_TIME_SCALE} \
		TEST_REQUIRE_ALL=1 \
		make -s -C tests KSFT="$ksft" OUTPUT="$PWD/tests" \
		${SUITE_PROGS:+TEST_PROGS="$SUITE_PROGS"} run_tests \
		>"build/check-$name.tap" 2>&1
	echo $? >"build/check-$name.rc"
}

# start_suite NAME VM_ARGS... [-- WRAPPER...]: start the suite in the
# background in a VM booted with VM_ARGS (see vm.sh), under WRAPPER if
# given; only the tests in $SUITE_PROGS if that is set.  Its console goes
# to build/check-NAME.tap, its status to .rc.
start_suite() {
	local name=$1 vmargs=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		vmargs+=("$1")
		shift
	done
	[ $# -eq 0 ] || shift
	rm -f "build/check-$name.rc" "build/check-$name.tap.emulator-fault"
	{
		run_suite "$name" "${vmargs[@]}" -- "$@"
		# vm.sh's 75: QEMU corrupted the guest CPU's state (see
		# there), not a result of the suite: run it once more.
		if [ "$(cat "build/check-$name.rc")" = 75 ]; then
			mv "build/check-$name.tap" "build/check-$name.tap.emulator-fault"
			run_suite "$name" "${vmargs[@]}" -- "$@"
		fi
	} &
	SUITES+=("$name")
}

# collect_suites: wait for the suites, print each one's output and add
# up the runner's TAP lines ("ok N selftests: ...", "not ok ...").
collect_suites() {
	local name tap p s f
	wait
	for name in "${SUITES[@]}"; do
		tap=build/check-$name.tap
		if [ -e "$tap.emulator-fault" ]; then
			echo "# $name: first run failed on QEMU's own fault, run again:"
			grep -aE '^vm: |^not ok |\] (RIP|RSP):' "$tap.emulator-fault" | sed 's/^/#   /'
			echo "#   (its output: $tap.emulator-fault)"
		fi
		cat "$tap"
		[ "$(cat "build/check-$name.rc" 2>/dev/null)" = 0 ] || status=1
		p=$(grep -cE '^ok [0-9]+ selftests: .*' "$tap")
		s=$(grep -cE '^ok [0-9]+ selftests: .*# SKIP' "$tap")
		f=$(grep -cE '^not ok [0-9]+ selftests: ' "$tap")
		echo "# $name: $((p - s)) passed, $f failed, $s skipped"
		pass=$((pass + p - s)) fail=$((fail + f)) skip=$((skip + s))
		[ "$f" -eq 0 ] || status=1
		[ "$p" -gt 0 ] || { echo "# $name: no test ran"; status=1; }
	done
	SUITES=()
}

# suite_summary: the final line; a VM failure (timeout, kernel report)
# with no failed test counts as a failure too.
suite_summary() {
	[ "$status" -eq 0 ] || [ "$fail" -gt 0 ] || fail=$((fail + 1))
	echo "$pass passed, $fail failed, $skip skipped"
	return "$status"
}
