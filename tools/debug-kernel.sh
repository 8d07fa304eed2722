#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build, once, a kernel from Debian's linux-source-6.1 package with KASAN,
# lockdep, kmemleak, UBSAN and DEBUG_LIST (Debian's own kernels have none
# of them), for make check-debug, with the fixes in
# tools/debug-kernel-patches applied.  The build lives outside the clone,
# in $NFGTPU_CACHE (default /var/cache/nf-gtpu/debug-kernel), and is
# reused while the source package, tools/debug-kernel.config, the patches
# and this script are unchanged.  A first build takes about 30 minutes on
# two cores; a change to the configuration or the patches rebuilds only
# what it touches.
#
# Prints one line: KERNEL_RELEASE IMAGE MODULE_ROOT BUILD_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${NFGTPU_CACHE:-/var/cache/nf-gtpu}/debug-kernel
tarball=/usr/src/linux-source-6.1.tar.xz
frag=$here/debug-kernel.config
patches=$here/debug-kernel-patches
# The name under linux-headers- is what the project's Makefile names the
# module build directory after: build/debug/kernel.
obj=$cache/linux-headers-debug
src=$cache/linux-source-6.1
modroot=$cache/modroot
applied=$cache/patches

[ -r "$tarball" ] || { echo "no $tarball: run make deps" >&2; exit 2; }
source_stamp=$(stat -c '%s %Y' "$tarball")
config_stamp=$(cat "$frag" "$0" | sha1sum | cut -d' ' -f1)

if [ "$(cat "$cache/source.stamp" 2>/dev/null)" != "$source_stamp" ]; then
	rm -rf "$cache"
	mkdir -p "$cache" "$obj"
	echo "debug-kernel: unpacking $tarball" >&2
	tar -C "$cache" -xJf "$tarball"
	echo "$source_stamp" >"$cache/source.stamp"
fi

# Take out the patches applied last time, in reverse order, and put in
# the current ones, keeping in $applied exactly what the source carries.
# patch gives every file it changes a new mtime, so the build below
# recompiles exactly those files.
if ! diff -qr "$applied" "$patches" >/dev/null 2>&1; then
	rm -f "$cache/config.stamp"
	for p in $(ls -r "$applied"/*.patch 2>/dev/null); do
		patch -s -R -p1 -d "$src" <"$p" ||
			{ echo "debug-kernel: cannot revert $p: rebuilding from scratch" >&2
			  rm -rf "$cache"; exec "$0" "$@"; }
		rm "$p"
	done
	mkdir -p "$applied"
	for p in "$patches"/*.patch; do
		echo "debug-kernel: applying $(basename "$p")" >&2
		# A dry run first: a patch that fails half-way would leave
		# hunks in the source that $applied does not record.
		{ patch -s -p1 --dry-run -d "$src" <"$p" >/dev/null &&
		  patch -s -p1 -d "$src" <"$p"; } ||
			{ echo "debug-kernel: $p does not apply" >&2; exit 1; }
		cp "$p" "$applied"
	done
fi

if [ "$(cat "$cache/config.stamp" 2>/dev/null)" != "$config_stamp" ]; then
	rm -f "$cache/config.stamp"
	make -s -C "$src" O="$obj" x86_64_defconfig kvm_guest.config >&2
	# Every netfilter option, tristates as modules: the suite and users'
	# rulesets may load any of them.
	awk '/^(menu)?config / { sym = $2; next }
	     sym && /^[ \t]+tristate/ { print "CONFIG_" sym "=m"; sym = "" }
	     sym && /^[ \t]+bool/ { print "CONFIG_" sym "=y"; sym = "" }' \
		"$src"/net/netfilter/Kconfig "$src"/net/ipv4/netfilter/Kconfig \
		"$src"/net/ipv6/netfilter/Kconfig >"$obj/netfilter.config"
	"$src"/scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" \
		"$obj/netfilter.config" "$frag" >&2
	make -s -C "$src" O="$obj" olddefconfig >&2
	# merge_config.sh -m does not check, and drops an option whose
	# dependencies are off: make sure the checkers and what the suite
	# needs survived.
	for opt in KASAN PROVE_LOCKING DEBUG_KMEMLEAK UBSAN DEBUG_LIST PREEMPT_DYNAMIC FUNCTION_TRACER 9P_FS \
		   GTP NF_TABLES NET_VRF VETH TUN; do
		grep -qE "^CONFIG_$opt=[ym]" "$obj/.config" ||
			{ echo "debug-kernel: CONFIG_$opt did not make it into .config" >&2; exit 1; }
	done
	# Kbuild rebuilds only the objects that depend on a changed option.
	echo "debug-kernel: building in $obj (a first build takes about 30 minutes on two cores)" >&2
	make -s -C "$obj" -j"$(nproc)" bzImage modules >&2
	rm -rf "$modroot"
	make -s -C "$obj" INSTALL_MOD_PATH="$modroot" INSTALL_MOD_STRIP=1 \
		modules_install >&2
	echo "$config_stamp" >"$cache/config.stamp"
fi
kver=$(make -s -C "$obj" kernelrelease)
echo "$kver $obj/arch/x86/boot/bzImage $modroot $obj"
