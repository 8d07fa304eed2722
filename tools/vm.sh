#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot one of Debian's kernels in QEMU (software emulation), install the
# freshly built modules in the guest, run a command there and return its
# exit status.
#
# No disk image: a tiny initramfs (busybox plus the 9p/virtio/overlay
# modules the kernel needs) mounts the host's / read-only over virtio-9p
# with a tmpfs overlay on top and switch_roots into it, so the guest runs
# the host's own nft, iptables, iproute2 and test tools.  The project tree
# is shared read-write at the same path, so the guest sees the build output
# and can leave results.
#
# The run fails when the guest command fails, when the guest does not
# power off within the timeout, or when the kernel log shows an oops, BUG,
# WARNING, sanitizer report, RCU stall, refcount or list corruption,
# lockdep or kmemleak report, even if the command itself succeeded (but
# for one warning of QEMU's own, below).  A failure with a kernel report
# that only QEMU's own fault can explain exits 75, see below.
#
# usage: vm.sh [-k KERNEL_VERSION] [-t TIMEOUT_S] [-m MODULE_DIR] [-c CPUS]
#              [-M MEM] [-K KERNEL_IMAGE -R MODULE_ROOT] -- command [args...]
#
# -K and -R boot a kernel that is not installed on the host (the debug
# kernel of make check-debug): its image, and the root its modules were
# installed under (lib/modules/<version>).  VM_QEMU_ARGS adds options to
# the QEMU command line (the benchmark's -icount, for instance), and
# VM_APPEND parameters to the kernel's.
set -u

PROJ=$(cd "$(dirname "$0")/.." && pwd)
KVER=$("$PROJ/tools/kernels.sh" 6.1)
TIMEOUT=900
MODDIR=
CPUS=2
MEM=2G
KERNEL_IMAGE=
MODROOT=

while getopts "k:t:m:c:M:K:R:" opt; do
	case $opt in
	k) KVER=$OPTARG ;;
	t) TIMEOUT=$OPTARG ;;
	m) MODDIR=$OPTARG ;;
	c) CPUS=$OPTARG ;;
	M) MEM=$OPTARG ;;
	K) KERNEL_IMAGE=$OPTARG ;;
	R) MODROOT=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-k kver] [-t timeout] -- command" >&2; exit 2; }
: "${KERNEL_IMAGE:=/boot/vmlinuz-$KVER}"
[ -r "$KERNEL_IMAGE" ] || { echo "vm: no kernel image $KERNEL_IMAGE" >&2; exit 2; }
[ -z "$MODDIR" ] || MODDIR=$(cd "$MODDIR" && pwd)

# Kernel log lines that fail a run whatever the command returned.
BAD_LOG='(BUG:|WARNING:|Oops|general protection fault|Kernel panic|kernel BUG|KASAN|UBSAN|KFENCE|rcu_.*stall|rcu: INFO|refcount_t:|list_add corruption|list_del corruption|unreferenced object|suspected memory leak|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|blocked for more than|soft lockup|hard LOCKUP|Call Trace:)'

build_initramfs() {
	local out=$1 dir mod init
	dir=$(mktemp -d)
	mkdir -p "$dir"/{bin,proc,sys,dev,lower,upper,newroot,lib/modules}
	cp /bin/busybox "$dir/bin/busybox"
	# Empty when the kernel has all of them built in (the debug kernel).
	: >"$dir/modules.order"
	# Modules the guest needs to reach its root, in dependency order.
	for mod in virtio_pci 9pnet_virtio 9p overlay; do
		modprobe ${MODROOT:+-d "$MODROOT"} -S "$KVER" --show-depends "$mod"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
	while read -r mod; do
		case $mod in
		*.xz) xz -dc "$mod" >"$dir/lib/modules/$(basename "$mod" .xz)" ;;
		*.zst) zstd -qdc "$mod" >"$dir/lib/modules/$(basename "$mod" .zst)" ;;
		*) cp "$mod" "$dir/lib/modules/" ;;
		esac
		basename "${mod%.xz}" >>"$dir/modules.order"
	done
	init=$dir/init
	cat >"$init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.order); do
	insmod /lib/modules/$m || echo "initramfs: insmod $m failed"
done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower &&
mount -t tmpfs -o size=75% tmpfs /upper &&
mkdir -p /upper/data /upper/work &&
mount -t overlay overlay \
	-o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work /newroot ||
	{ echo "initramfs: cannot mount the host root"; echo o >/proc/sysrq-trigger; }
guest_init=$(sed -n 's/.*nfgtpu\.init=\([^ ]*\).*/\1/p' /proc/cmdline)
umount /proc /sys /dev
exec switch_root /newroot "$guest_init"
INIT
	chmod +x "$init"
	(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp" &&
		mv "$out.tmp" "$out"
	rm -rf "$dir"
}

vmdir=$PROJ/build/vm
mkdir -p "$vmdir"
# VMs of one kernel may start together (check-debug.sh): one prepares its
# initramfs and modules while the others wait, then they find them ready.
exec {prepare_lock}>"$vmdir/prepare-$KVER.lock"
flock "$prepare_lock"
initrd=$vmdir/initramfs-$KVER.cpio.gz
if [ ! -s "$initrd" ] || [ "$0" -nt "$initrd" ]; then
	build_initramfs "$initrd" || exit 2
fi

# Index the freshly built modules together with the kernel's own on the
# host: depmod in the emulated guest takes minutes (xz-compressed modules).
# One root per set of modules: a VM loads its modules when its tests ask
# for them, so another VM of the same kernel with other modules must not
# replace them meanwhile.
stage_modules() {
	local lib f sums
	sums=$(cd "$MODDIR" && sha1sum ./*.ko)
	modroot=$vmdir/modroot-$KVER-$(sha1sum <<<"$sums" | cut -c1-12)
	lib=$modroot/lib/modules/$KVER
	[ -s "$lib/modules.dep" ] && return 0
	rm -rf "$modroot"
	mkdir -p "$lib/updates/nf-gtpu"
	ln -s "$MODROOT/lib/modules/$KVER/kernel" "$lib/kernel"
	for f in "$MODROOT/lib/modules/$KVER"/modules.order "$MODROOT/lib/modules/$KVER"/modules.builtin*; do
		cp "$f" "$lib/"
	done
	cp "$MODDIR"/*.ko "$lib/updates/nf-gtpu/" &&
		depmod -b "$modroot" "$KVER"
}
if [ -n "$MODDIR" ]; then
	stage_modules || { echo "vm: cannot index the modules in $MODDIR" >&2; exit 2; }
fi
exec {prepare_lock}>&-

run=$(mktemp -d "$vmdir/run-$KVER.XXXXXX")
printf '%q ' "$@" >"$run/cmd"
printf '\n' >>"$run/cmd"
log=$run/console.log

append="console=ttyS0 loglevel=5 panic=-1 rw nokaslr"
append+=" nfgtpu.init=$PROJ/tools/vm-init.sh nfgtpu.proj=$PROJ"
append+=" nfgtpu.run=$run nfgtpu.cwd=$PWD"
[ -z "$MODDIR" ] || append+=" nfgtpu.modules=$modroot/lib/modules/$KVER"
[ -z "${VM_APPEND:-}" ] || append+=" $VM_APPEND"

# The guest CPU has no CMPXCHG16B: under TCG with two vCPUs, 6.12's
# SLUB fast path ("cmpxchg16b %gs:(%rsi)", then jne) came out of it with
# EFLAGS holding the low bits of a pointer (0x2206ab4a, 0x0562bb42) and
# died of a double fault, in four of the suites' last runs on 6.12 and
# never in our code (pipe2(), kmalloc()).  Without the instruction the
# kernel takes SLUB's other path.  VM_CPU=max gives it back (make bench
# does, so that its instruction counts stay comparable).
VM_CPU=${VM_CPU:-max,-cx16}

echo "vm: booting $KVER (timeout ${TIMEOUT}s): $*"
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 \
	-nodefaults -no-user-config -display none -no-reboot \
	-machine q35 -accel tcg -cpu "$VM_CPU" -smp "$CPUS" -m "$MEM" \
	-kernel "$KERNEL_IMAGE" -initrd "$initrd" -append "$append" \
	-serial stdio \
	-device virtio-rng-pci \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$PROJ,mount_tag=proj,security_model=none,multidevs=remap" \
	${VM_QEMU_ARGS:-} \
	</dev/null 2>&1 | tee "$log"
qemu_rc=${PIPESTATUS[0]}

fail=0
if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	echo "vm: FAIL: guest did not finish within ${TIMEOUT}s, killed"
	fail=1
fi
if [ -s "$run/rc" ]; then
	rc=$(cat "$run/rc")
else
	echo "vm: FAIL: the guest command left no exit status"
	rc=1
fi
# Only kernel lines: the console carries the tests' own output too.  One
# report is left out: QEMU's TCG now and then raises a single-step #DB in
# guest kernel code that never set TF, with reserved EFLAGS bits set in
# the frame, which no CPU does; traps.c warns ("something is wonky",
# naming QEMU) in exc_debug_kernel, whatever the guest was running.
# That warning, to its end-of-trace line (or the next report's "cut here",
# or the end of its file), is shown but not failed on.
tcg_db='WARNING: .* exc_debug_kernel[+]'
kernel_lines() {
	local f
	for f in "$log" "$run/dmesg"; do
		[ -r "$f" ] || continue
		grep -aE '^\[ *[0-9]+\.[0-9]+\] ' "$f" |
			awk -v db="$tcg_db" '/\[ cut here \]/ { skip = 0 } $0 ~ db { skip = 1 }
				!skip { print } /---\[ end trace/ { skip = 0 }'
	done
}
if grep -aqE "$tcg_db" "$log" "$run/dmesg" 2>/dev/null; then
	echo "vm: NOTE: a single-step #DB warning in exc_debug_kernel, QEMU's TCG's own"
fi
bad=$(kernel_lines | grep -aE "$BAD_LOG" | sort -u)
if [ -n "$bad" ]; then
	echo "vm: FAIL: kernel log reports problems:"
	grep -aE -B2 -A20 "$BAD_LOG" "$run/dmesg" 2>/dev/null || printf '%s\n' "$bad"
	fail=1
fi
[ "$fail" -eq 0 ] || { [ "$rc" -ne 0 ] || rc=1; }

# The same TCG fault can hit any instruction: a frame in a kernel report
# whose EFLAGS has bit 1 clear or a reserved bit set (3, 5, 15, 22-63) is
# a CPU state no guest code can cause, as IRET and POPF mask those bits.
# One such report was an oops in prepare_creds(), where DF set made
# "rep movsq" copy a cred backwards.
# TCG also runs code that is no longer in memory: an "Oops: int3" whose
# Code: dump has no int3 (0xcc) just before the trapping address hit a
# breakpoint that the kernel's text patching had already taken out, which
# its int3 handler and the IPIs that end each patch rule out on a CPU.
# One such report was in netif_rx_internal(), at a static key that
# ping's timestamps turn on and off, while another vCPU patched it.
# A failed run with either report exits 75 (EX_TEMPFAIL): the caller may
# run it again.
emulator_fault() {
	local hex
	for hex in $(kernel_lines | sed -n 's/.* EFLAGS: \([0-9a-f]\{1,16\}\).*/\1/p'); do
		(( (16#$hex & 0xffffffffffc08028) || !(16#$hex & 2) )) && return 0
	done
	hex=$(kernel_lines | awk '/Oops: int3/ { oops = 1; next }
		oops && / Code: / { for (i = 2; i <= NF; i++) if ($i ~ /^<..>$/) print $(i - 1); exit }')
	[ -n "$hex" ] && [ "$hex" != cc ]
}
if [ "$rc" -ne 0 ] && emulator_fault; then
	echo "vm: NOTE: a kernel report shows a CPU state no CPU can have: QEMU's TCG's own fault"
	rc=75
fi
echo "vm: $KVER: command exit status $rc"
exit "$rc"
