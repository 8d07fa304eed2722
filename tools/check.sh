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

# host_check NAME LOG COMMAND...: a check that runs on the host, beside
# the VMs; its output goes to LOG, shown when it fails.
host_check() {
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		echo "ok - $name"
		pass=$((pass + 1))
	else
		tail -n 30 "$log"
		echo "not ok - $name"
		fail=$((fail + 1)) status=1
	fi
}

# The VMs first, in the background: the host checks below leave a core
# idle much of the time (one fuzzer at a time, a test that waits on
# timers), which the VMs' emulation takes up.
for kver in "$@"; do
	start_suite "$kver" -k "$kver" -m "build/$kver/kernel" -t "${VM_TIMEOUT:-4800}"
done

# The GTP-U parser, the PFCP codec and the agent's record decoders are
# pure functions: their fuzzers run on the host, over the committed
# corpora and regressions, then briefly on new inputs.
host_check "parsers: GTP-U, PFCP and record fuzz corpora, regressions and 3 x 20 s smoke runs" \
	build/fuzz-smoke.log make -s -C fuzz regress smoke
# The PFCP agent's node procedures, scapy playing the SMF (unshare -n).
host_check "pfcpd: node procedures against scapy's SMF (pfcpd/tests/pfcpd.sh)" \
	build/pfcpd-check.log make -s -C pfcpd check
# gtpu's command-line parser, table-driven.
host_check "gtpu: command-line parsing (libnfgtpu/tests/parse.sh)" \
	build/libnfgtpu-check.log make -s -C libnfgtpu check
# The malformed-packet corpus of tests/gtpu_corpus.sh is what its
# generator makes (scapy: seconds here, minutes in the emulated guest).
host_check "tests: the GTP-U corpus is what tests/corpus/generate.py makes" \
	build/corpus-check.log /usr/bin/python3 tests/corpus/generate.py --check tests/corpus
# The oldest and newest headers of each Debian 12 series (make
# check-build builds against all of them).
host_check "modules build against the oldest and newest 6.1 and 6.12 headers" \
	build/build-matrix.log tools/build-matrix.sh --ends
collect_suites
suite_summary
