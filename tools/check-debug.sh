#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-debug: the kselftest suite in a VM on a 6.1 kernel built with
# KASAN, lockdep, kmemleak, UBSAN and DEBUG_LIST (tools/debug-kernel.sh,
# cached outside the clone), then a kmemleak scan.  Any report fails it.
set -u
cd "$(dirname "$0")/.." || exit 2
source tools/suite.sh

read -r kver image modroot kdir < <(tools/debug-kernel.sh) ||
	{ echo "check-debug: the debug kernel did not build" >&2; exit 2; }
make -s modules KDIR="$kdir" || exit 2
make -s -C tests KSFT="$ksft" OUTPUT="$PWD/tests" all || exit 2

# Traffic runs about 15 times slower than on Debian's kernel.
export KSFT_TIMEOUT=${KSFT_TIMEOUT:-5400}
start=$(date +%s)
start_suite debug -k "$kver" -K "$image" -R "$modroot" -m build/debug/kernel \
	-M 3G -t "${VM_TIMEOUT:-14400}" -- tools/kmemleak-scan.sh
collect_suites
echo "# debug kernel $kver: $(( ($(date +%s) - start) / 60 )) minutes"
suite_summary
