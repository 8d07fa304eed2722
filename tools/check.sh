#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the kselftest suite in tests/ in a VM on each given Debian kernel,
# with the modules built for it, and print one summary line over all runs.
# usage: check.sh KERNEL_VERSION...
set -u
cd "$(dirname "$0")/.." || exit 2
ksft=${KSFT:-/var/cache/nf-gtpu/linux-source-6.1/tools/testing/selftests}
make -s -C tests KSFT="$ksft" OUTPUT="$PWD/tests" all || exit 2

pass=0 fail=0 skip=0 status=0

# The GTP-U parser is a pure function: its fuzzer runs on the host, over
# the committed corpus and regressions, then briefly on new inputs.
if make -s -C fuzz regress smoke >build/fuzz-smoke.log 2>&1; then
	echo "ok - parser: fuzz corpus, regressions and 30 s smoke run"
	pass=1
else
	tail -n 30 build/fuzz-smoke.log
	echo "not ok - parser: fuzz corpus, regressions and 30 s smoke run"
	fail=1 status=1
fi
for kver in "$@"; do
	tap=build/check-$kver.tap
	tools/vm.sh -k "$kver" -m "build/$kver/kernel" -t "${VM_TIMEOUT:-1200}" -- \
		env XTABLES_LIBDIR="$PWD/xtables:$(pkg-config --variable=xtlibdir xtables)" \
		make -s -C tests KSFT="$ksft" OUTPUT="$PWD/tests" run_tests |
		tee "$tap"
	[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
	# Results of the runner's TAP lines ("ok N selftests: ..." and so on).
	p=$(grep -cE '^ok [0-9]+ selftests: .*' "$tap" | head -n 1)
	s=$(grep -cE '^ok [0-9]+ selftests: .*# SKIP' "$tap")
	f=$(grep -cE '^not ok [0-9]+ selftests: ' "$tap")
	echo "# $kver: $((p - s)) passed, $f failed, $s skipped"
	pass=$((pass + p - s)) fail=$((fail + f)) skip=$((skip + s))
	[ "$f" -eq 0 ] || status=1
	[ "$p" -gt 0 ] || { echo "# $kver: no test ran"; status=1; }
done
# A VM failure (timeout, kernel report) with no failed test is a failure too.
[ "$status" -eq 0 ] || [ "$fail" -gt 0 ] || fail=$((fail + 1))
echo "$pass passed, $fail failed, $skip skipped"
exit "$status"
