# SPDX-License-Identifier: GPL-2.0-only
#
# nf-gtpu: GTP-U tunnel termination in netfilter.
#
#   make demo            install dependencies, build, and run a small mobile
#                        network through the tunnels in a VM (Debian 6.1)
#   make                 build the kernel modules (for KDIR), libxt_GTPU.so,
#                        libnfgtpu, the gtpu tool and nf-gtpu-pfcpd
#   make KDIR=<dir>      build the modules against other kernel headers
#   make check           install dependencies, build, run the test suite in
#                        a VM on Debian's 6.1 and 6.12 kernels
#   make check-debug     the test suite on a 6.1 kernel built with KASAN,
#                        lockdep, kmemleak, UBSAN, DEBUG_LIST (about an
#                        hour, plus 30 minutes for a first kernel build,
#                        which is cached in /var/cache/nf-gtpu);
#                        TESTS="a.sh b.sh" runs only those tests
#   make check-quick     the quickest tests on 6.1 only, for the edit-test
#                        loop (not a substitute for make check)
#   make check-fresh     README's two commands in a new Debian 12 root made
#                        with debootstrap (as long as demo and check)
#   make check-build     build the modules (W=1, warnings fatal) against
#                        every Debian 12 6.1 and 6.12 headers package in
#                        the archive, downloaded to /var/cache/nf-gtpu;
#                        tools/build-matrix.sh --ends: the oldest and
#                        newest of each series
#   make deps            only install the dependencies (Debian packages)
#   make sparse          sparse (C=2) over the kernel code
#   make checkpatch      checkpatch.pl --strict over the kernel code
#   make install         install modules, the iptables extension, libnfgtpu,
#                        gtpu and nf-gtpu-pfcpd (INSTALL_MOD_PATH=, DESTDIR=
#                        for a staging root, PREFIX= for the userspace
#                        programs', default /usr/local)
#   make deb             the Debian packages nf-gtpu-dkms and nf-gtpu, in
#                        build/deb/
#   make check-deb       install them with apt in a VM on Debian's 6.12
#                        kernel, then on 6.1: DKMS builds for both, traffic
#                        flows (an hour or more: not part of make check)

# The kernels the VMs boot, read when make starts: demo, check and bench
# install them first (deps), then run the rest in a new make, which reads
# them again (see the run-% targets below).
KVER_61  := $(shell tools/kernels.sh 6.1)
KVER_612 := $(shell tools/kernels.sh 6.12)
KDIR     ?= /lib/modules/$(KVER_61)/build
KSRC     ?= /var/cache/nf-gtpu/linux-source-6.1

# Kbuild builds out-of-tree modules next to their sources, so each kernel
# gets its own tree of links to them under build/<version>/kernel, named
# like /lib/modules/<version> (Debian's kernel.release says only 6.1.x).
kname     = $(patsubst linux-headers-%,%,$(notdir $(realpath $(1))))
kobj      = build/$(call kname,$(1))/kernel
KSOURCES := $(wildcard kernel/*.c kernel/*.h) kernel/Kbuild
KOBJ     := $(call kobj,$(KDIR))

.PHONY: all modules xtables libnfgtpu pfcpd tests deps check demo fuzz sparse checkpatch install clean \
	bench bench-quick check-debug check-quick check-fresh have-kernels deb check-deb check-build \
	run-demo run-check run-check-quick run-check-deb run-bench run-bench-quick

all: modules xtables libnfgtpu pfcpd

define build_modules
	@test -d $(1) || { echo "no kernel headers in $(1): run 'make deps'" >&2; exit 1; }
	@mkdir -p $(2)
	@for f in $(KSOURCES) kernel/include; do ln -sfn $(CURDIR)/$$f $(2)/; done
	$(MAKE) -C $(1) M=$(CURDIR)/$(2) W=1 $(3) modules
endef

modules:
	$(call build_modules,$(KDIR),$(KOBJ))

xtables:
	$(MAKE) -C xtables

libnfgtpu:
	$(MAKE) -C libnfgtpu

pfcpd: libnfgtpu
	$(MAKE) -C pfcpd

tests:
	$(MAKE) -C tests KSFT=$(KSRC)/tools/testing/selftests OUTPUT=$(CURDIR)/tests all

deps:
	bash tools/deps.sh

# demo, check and bench install what they need, then go on in a new make:
# this one read KVER_61 and KVER_612 before the kernels were installed.
demo check check-quick: deps
	$(MAKE) run-$@

have-kernels:
	@test -n "$(KVER_61)" -a -n "$(KVER_612)" || { \
		echo "no bootable Debian 6.1 and 6.12 kernels with headers: run 'make deps'" >&2; \
		exit 1; }

# NFT=/path/to/patched/nft makes the demo load the docs' rulesets with it.
run-demo: have-kernels
	$(MAKE) all tests
	tools/vm.sh -k $(KVER_61) -m $(KOBJ) -- env NFT=$(NFT) \
		XTABLES_LIBDIR=$(CURDIR)/xtables:$$(pkg-config --variable=xtlibdir xtables) \
		tools/demo.sh

fuzz:
	$(MAKE) -C fuzz run

# The benchmark of docs/benchmark.md: results in build/bench/.
bench bench-quick:
	bash tools/deps.sh bench
	$(MAKE) run-$@

run-bench run-bench-quick: have-kernels
	$(MAKE) all tests
	$(MAKE) modules KDIR=/lib/modules/$(KVER_612)/build
	$(MAKE) -C bench $(if $(filter run-bench-quick,$@),quick,run) KVER=$(KVER_61) KOBJ=$(CURDIR)/$(KOBJ) \
		KVER612=$(KVER_612) KOBJ612=$(CURDIR)/build/$(KVER_612)/kernel

run-check: have-kernels
	$(MAKE) all
	$(MAKE) modules KDIR=/lib/modules/$(KVER_612)/build
	bash tools/check.sh $(KVER_61) $(KVER_612)

# The edit-test loop: the quickest tests, on 6.1 only.  Not a substitute
# for make check.
QUICK_TESTS ?= apn_dev.sh xt_gtpu_opts.sh xt_gtpu_bad.sh nft_gtp_owner.sh gtpu_conformance.sh
run-check-quick: have-kernels
	$(MAKE) all
	SUITE_PROGS="$(QUICK_TESTS)" bash tools/check.sh $(KVER_61)

# README's two commands in a new minimal Debian 12 root (debootstrap).
check-fresh:
	bash tools/check-fresh.sh

check-build: deps
	bash tools/build-matrix.sh

check-debug: deps
	$(MAKE) all
	bash tools/check-debug.sh '$(TESTS)'

# From a copy of the tree, so that the package build cleans and builds
# there: dpkg-buildpackage leaves the packages next to the copy.
deb:
	bash tools/deps.sh deb
	rm -rf build/deb && mkdir -p build/deb/nf-gtpu
	tar -c --exclude=./build --exclude-vcs --exclude-vcs-ignores . | tar -x -C build/deb/nf-gtpu
	cd build/deb/nf-gtpu && dpkg-buildpackage -us -uc -b
	lintian --info --fail-on warning build/deb/*.changes

# Without -m: the guest must use the modules DKMS builds, not the tree's.
check-deb: deb
	$(MAKE) run-check-deb

run-check-deb: have-kernels
	tools/vm.sh -k $(KVER_612) -t 7200 -- tests/deb_dkms.sh
	tools/vm.sh -k $(KVER_61) -t 7200 -- tests/deb_dkms.sh

sparse:
	$(call build_modules,$(KDIR),$(KOBJ),C=2)

checkpatch:
	$(KSRC)/scripts/checkpatch.pl --strict --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f $(filter %.c %.h,$(KSOURCES)) kernel/include/uapi/linux/netfilter/*.h

# Debian's headers have no System.map, so Kbuild skips depmod: run it.
# INSTALL_MOD_PATH and DESTDIR install into a staging root instead.
install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(KOBJ) modules_install
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(call kname,$(KDIR))
	$(MAKE) -C xtables install
	$(MAKE) -C libnfgtpu install
	$(MAKE) -C pfcpd install

clean:
	rm -rf build
	$(MAKE) -C xtables clean
	$(MAKE) -C libnfgtpu clean
	$(MAKE) -C pfcpd clean
	$(MAKE) -C tests clean KSFT=$(KSRC)/tools/testing/selftests 2>/dev/null || true
