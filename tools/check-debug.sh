#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-debug: the kselftest suite in VMs on a 6.1 kernel built with
# KASAN, lockdep, kmemleak, UBSAN and DEBUG_LIST (tools/debug-kernel.sh,
# cached outside the clone), then a kmemleak scan.  Any report fails it.
# usage: check-debug.sh [TEST...]: only the named tests, in one VM; a
# ";" among them starts another VM, side by side ("a.sh b.sh ; c.sh").
set -u
cd "$(dirname "$0")/.." || exit 2
source tools/suite.sh

read -r kver image modroot kdir < <(tools/debug-kernel.sh) ||
	{ echo "check-debug: the debug kernel did not build" >&2; exit 2; }
make -s modules KDIR="$kdir" || exit 2
make -s -C tests KSFT="$ksft" OUTPUT="$PWD/tests" all || exit 2

# The debug kernel runs the tests 2 to 15 times slower than Debian's, so
# the suite is shared out between three VMs side by side, each scanned
# for leaks at its end: the rest of the suite (which takes any new test)
# and the two shares below took 58, 60 and 22 minutes on two cores.
export KSFT_TIMEOUT=${KSFT_TIMEOUT:-5400} TEST_TIME_SCALE=${TEST_TIME_SCALE:-15}
# With 5-level paging (QEMU's -cpu max has LA57), an interrupt taken
# while identify_cpu() has cleared the boot CPU's feature bits makes 6.1's
# KASAN see the direct map as outside its shadow and report a
# wild-memory-access in handle_edge_irq, now and then, before any test
# has run.  Four-level paging does not have that window.  Full
# preemption, so that the per-CPU state the modules keep is seen from a
# task that can be preempted or migrated in the middle of using it (issue
# 14's concurrency items).
export VM_APPEND=${VM_APPEND:-no5lvl preempt=full}
share_nft="nft_gtp.sh gtp_signalling.sh churn.sh nft_docs_rulesets.sh"
share_corpus="apn_dev.sh nft_gtp_owner.sh gtpu_conformance.sh gtpu_corpus.sh"
rest=$(make -s -C tests KSFT="$ksft" progs | tr ' ' '\n' |
	grep -vxF -f <(tr ' ' '\n' <<<"$share_nft $share_corpus") | tr '\n' ' ')
shares=("$rest" "$share_nft" "$share_corpus")
[ -z "${*// /}" ] || IFS=";" read -ra shares <<<"$*"
start=$(date +%s)
for i in "${!shares[@]}"; do
	[ -n "${shares[i]// /}" ] || continue
	SUITE_PROGS=${shares[i]} start_suite "debug-$((i + 1))" -k "$kver" \
		-K "$image" -R "$modroot" -m build/debug/kernel -M 3G \
		-t "${VM_TIMEOUT:-14400}" -- tools/kmemleak-scan.sh
done
collect_suites
echo "# debug kernel $kver: $(( ($(date +%s) - start) / 60 )) minutes"
suite_summary
