#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the kselftest suite in tests/ in a VM on each given Debian kernel,
# with the modules built for it, and print one summary line over all runs.
# The VMs run side by side: the tests spend much of their time waiting.
# usage: check.sh KERNEL_VERSION...
set -u
cd "$(dirname "$0")/.." || exit 2
source tools/suite.sh
make -s -C tests KSFT="$ksft" OUTPUT="$PWD/tests" all || exit 2

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
# gtpu's command-line parser, table-driven, on the host.
if make -s -C libnfgtpu check >build/libnfgtpu-check.log 2>&1; then
	echo "ok - gtpu: command-line parsing (libnfgtpu/tests/parse.sh)"
	pass=$((pass + 1))
else
	tail -n 30 build/libnfgtpu-check.log
	echo "not ok - gtpu: command-line parsing (libnfgtpu/tests/parse.sh)"
	fail=$((fail + 1)) status=1
fi
for kver in "$@"; do
	start_suite "$kver" -k "$kver" -m "build/$kver/kernel" -t "${VM_TIMEOUT:-4200}"
done
collect_suites
suite_summary
