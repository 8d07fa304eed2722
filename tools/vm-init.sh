#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of the test guest (see vm.sh): set up a minimal system on the
# overlay of the host's root, install the freshly built modules, run the
# command, save its exit status and the kernel log, and power off.

arg() {
	sed -n "s/.*nfgtpu\.$1=\([^ ]*\).*/\1/p" /proc/cmdline
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
# What udev would make: the runner writes its TAP to /dev/stdout.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/netns
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null

proj=$(arg proj)
run=$(arg run)
mods=$(arg modules)
# The tree may live under /tmp, now a fresh tmpfs: make its mount point.
mkdir -p "$proj"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 proj "$proj" ||
	echo "vm-init: cannot mount the project tree"

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb
hostname nfgtpu-vm
ip link set lo up

# Spin rather than run sleep: the root file system goes away under us.
poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	while :; do :; done
}

# The modules and their index, prepared by vm.sh on the host.
if [ -n "$mods" ]; then
	dst=/lib/modules/$(uname -r)
	mkdir -p "$dst/updates"
	# A kernel that is not the host's (make check-debug) brings its own.
	[ -e "$dst/kernel" ] || ln -s "$(readlink -f "$mods/kernel")" "$dst/kernel"
	cp -r "$mods/updates/nf-gtpu" "$dst/updates/" &&
		cp "$mods"/modules.* "$dst/" ||
		{ echo "vm-init: cannot install modules from $mods"; echo 1 >"$run/rc"; poweroff_now; }
fi

cd "$(arg cwd)" || cd "$proj"
echo "vm-init: running: $(cat "$run/cmd")"
bash "$run/cmd" </dev/null
rc=$?
dmesg >"$run/dmesg"
echo "$rc" >"$run/rc"
echo "vm-init: exit status $rc"
poweroff_now
