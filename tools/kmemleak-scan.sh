#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# In the guest: run the command, then ask kmemleak for what is still
# unreferenced.  Fails if the command failed or anything leaked.
"$@"
rc=$?
leaks=/sys/kernel/debug/kmemleak
if [ ! -w "$leaks" ]; then
	echo "kmemleak-scan: no $leaks, nothing scanned"
	exit 1
fi
# Objects freed by RCU or in work queues need a moment; kmemleak also
# only reports an object seen unreferenced by two scans.
sleep 10
echo scan >"$leaks"
sleep 5
echo scan >"$leaks"
# debugfs files have no size: read the report itself.
report=$(cat "$leaks")
if [ -n "$report" ]; then
	echo "kmemleak-scan: unreferenced objects:"
	echo "$report"
	exit 1
fi
echo "kmemleak-scan: no leak"
exit "$rc"
