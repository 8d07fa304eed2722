#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-debug: the kselftest suite in VMs on a 6.1 kernel built with
# KASAN, lockdep, kmemleak, UBSAN and DEBUG_LIST (tools/debug-kernel.sh,
# cached outside the clone), then a kmemleak scan.  Any report fails it.
# usage: check-debug.sh [TEST...]: only the named tests, in one VM.
set -u
cd "$(dirname "$0")/.." || exit 2
source tools/suite.sh

read -r kver image modroot kdir < <(tools/debug-kernel.sh) ||
	{ echo "check-debug: the debug kernel did not build" >&2; exit 2; }
make -s modules KDIR="$kdir" || exit 2
make -s -C tests KSFT="$ksft" OUTPUT="$PWD/tests" all || exit 2

# Traffic runs about 15 times slower than on Debian's kernel, so the
# tests are shared out between two VMs, each scanned for leaks at its end:
# the four that move the most traffic in one, the others in the other.
export KSFT_TIMEOUT=${KSFT_TIMEOUT:-5400} TEST_TIME_SCALE=${TEST_TIME_SCALE:-15}
heavy="gtp_signalling.sh gtp_interop.sh churn.sh gtpu_conformance.sh"
rest=$(make -s -C tests KSFT="$ksft" progs | tr ' ' '\n' |
	grep -vxF -f <(tr ' ' '\n' <<<"$heavy") | tr '\n' ' ')
shares=("$rest" "$heavy")
[ $# -eq 0 ] || shares=("$*")
start=$(date +%s)
for i in "${!shares[@]}"; do
	SUITE_PROGS=${shares[i]} start_suite "debug-$((i + 1))" -k "$kver" \
		-K "$image" -R "$modroot" -m build/debug/kernel -M 3G \
		-t "${VM_TIMEOUT:-14400}" -- tools/kmemleak-scan.sh
done
collect_suites
echo "# debug kernel $kver: $(( ($(date +%s) - start) / 60 )) minutes"
suite_summary
