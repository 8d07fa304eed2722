# SPDX-License-Identifier: GPL-2.0-only
#
# nf-gtpu: GTP-U tunnel termination in netfilter.
#
#   make demo            install dependencies, build, and run a small mobile
#                        network through the tunnels in a VM (Debian 6.1)
#   make                 build the kernel modules (for KDIR) and libxt_GTPU.so
#   make KDIR=<dir>      build the modules against other kernel headers
#   make check           install dependencies, build, run the test suite in
#                        a VM on Debian's 6.1 and 6.12 kernels
#   make check-debug     the test suite on a 6.1 kernel built with KASAN,
#                        lockdep, kmemleak, UBSAN, DEBUG_LIST (about an
#                        hour, plus 30 minutes for a first kernel build,
#                        which is cached in /var/cache/nf-gtpu);
#                        TESTS="a.sh b.sh" runs only those tests
#   make check-build     build the modules (W=1, warnings fatal) against
#                        every Debian 12 6.1 and 6.12 headers package in
#                        the archive, downloaded to /var/cache/nf-gtpu;
#                        tools/build-matrix.sh --ends: the oldest and
#                        newest of each series
#   make deps            only install the dependencies (Debian packages)
#   make sparse          sparse (C=2) over the kernel code
#   make checkpatch      checkpatch.pl --strict over the kernel code
#   make install         install modules and the iptables extension
#                        (INSTALL_MOD_PATH=, DESTDIR= for a staging root)

KVER_61  := $(shell ls /lib/modules 2>/dev/null | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$$' | sort -V | tail -n 1)
KVER_612 := $(shell ls /lib/modules 2>/dev/null | grep -E '^6\.12\.[0-9]+\+deb12-amd64$$' | sort -V | tail -n 1)
KDIR     ?= /lib/modules/$(KVER_61)/build
KSRC     ?= /var/cache/nf-gtpu/linux-source-6.1

# Kbuild builds out-of-tree modules next to their sources, so each kernel
# gets its own tree of links to them under build/<version>/kernel, named
# like /lib/modules/<version> (Debian's kernel.release says only 6.1.x).
kname     = $(patsubst linux-headers-%,%,$(notdir $(realpath $(1))))
kobj      = build/$(call kname,$(1))/kernel
KSOURCES := $(wildcard kernel/*.c kernel/*.h) kernel/Kbuild
KOBJ     := $(call kobj,$(KDIR))

.PHONY: all modules xtables tests deps check demo fuzz sparse checkpatch install clean \
	bench bench-quick check-debug check-build

all: modules xtables

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

tests:
	$(MAKE) -C tests KSFT=$(KSRC)/tools/testing/selftests OUTPUT=$(CURDIR)/tests all

deps:
	bash tools/deps.sh

# NFT=/path/to/patched/nft makes the demo load the docs' rulesets with it.
demo: deps
	$(MAKE) all tests
	tools/vm.sh -k $(KVER_61) -m $(KOBJ) -- env NFT=$(NFT) \
		XTABLES_LIBDIR=$(CURDIR)/xtables:$$(pkg-config --variable=xtlibdir xtables) \
		tools/demo.sh

fuzz:
	$(MAKE) -C fuzz run

# The benchmark of docs/benchmark.md: results in build/bench/.
bench bench-quick:
	bash tools/deps.sh bench
	$(MAKE) all tests
	$(MAKE) -C bench $(if $(filter bench-quick,$@),quick,run) KVER=$(KVER_61) KOBJ=$(CURDIR)/$(KOBJ)

check: deps
	$(MAKE) all
	$(MAKE) modules KDIR=/lib/modules/$(KVER_612)/build
	bash tools/check.sh $(KVER_61) $(KVER_612)

check-build: deps
	bash tools/build-matrix.sh

check-debug: deps
	$(MAKE) all
	bash tools/check-debug.sh '$(TESTS)'

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

clean:
	rm -rf build
	$(MAKE) -C xtables clean
	$(MAKE) -C tests clean KSFT=$(KSRC)/tools/testing/selftests 2>/dev/null || true
