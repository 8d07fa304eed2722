#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Print the newest Debian kernel of a series that the VM can boot and the
# modules can be built for: its image in /boot, its modules (the VM's
# initramfs takes virtio and 9p from them) and its headers.  Installing a
# headers package alone can leave a /lib/modules directory behind (or pull
# another image), so /lib/modules is not a list of bootable kernels.
# Prints nothing when the series has no such kernel (before make deps).
# usage: kernels.sh 6.1|6.12
set -u

case ${1:-} in
6.1) pattern='^6\.1\.[0-9]+-[0-9]+-amd64$' ;;
6.12) pattern='^6\.12\.[0-9]+\+deb12-amd64$' ;;
*) echo "usage: $0 6.1|6.12" >&2; exit 2 ;;
esac

for image in /boot/vmlinuz-*; do
	kver=${image#/boot/vmlinuz-}
	[[ $kver =~ $pattern ]] || continue
	[ -d "/lib/modules/$kver/kernel" ] && [ -e "/lib/modules/$kver/build/Makefile" ] &&
		echo "$kver"
done | sort -V | tail -n 1
