# SPDX-License-Identifier: GPL-2.0
#
# mkernel - the user's entry points.  `make help` lists them.

VERSION		:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
# make fuzz runs on the debug kernel unless KFLAVOUR is given.
ifeq ($(origin KFLAVOUR),undefined)
fuzz: KFLAVOUR = debug
endif
KFLAVOUR	?= stock
# Debian's kernel series the guest boots and the modules are built for
# when no running kernel's build directory is there: 6.12 (Debian 13's
# kernel and the current long-term one) or 6.1 (Debian 12's own).
# A series given on the command line or in the environment also wins over
# the running kernel's build directory.
ifneq ($(filter command line environment,$(origin KSERIES)),)
  KSERIES_GIVEN	:= 1
endif
KSERIES		?= 6.12
SRC		:= $(CURDIR)
BUILD		?= $(SRC)/build
VM		:= $(SRC)/tools/testing/vm

CFLAGS		?= -O2 -g
USER_CFLAGS	:= $(CFLAGS) -Wall -Wextra -MMD -MP \
		   -I$(SRC)/include/uapi -I$(SRC)/include -I$(SRC)/tools/lib/mkchan
KSRC		:= $(BUILD)/ksrc
# The harness's EXPECT_*() compare whatever types they are given, and its
# wrappers take arguments a test need not use.
TEST_CFLAGS	:= -Wno-sign-compare -Wno-unused-parameter

# The kernel the modules are built against: KDIR= when given, else the
# running kernel's build directory unless KSERIES is given, else Debian's
# headers of KSERIES and KFLAVOUR.
RUNNING_KDIR	:= /lib/modules/$(shell uname -r)/build
ifeq ($(origin KDIR),undefined)
  ifeq ($(KSERIES_GIVEN)$(wildcard $(RUNNING_KDIR)/Makefile),$(wildcard $(RUNNING_KDIR)/Makefile))
    RUNNING_USABLE := $(wildcard $(RUNNING_KDIR)/Makefile)
  endif
  ifneq ($(RUNNING_USABLE),)
    KDIR := $(RUNNING_KDIR)
  else
    KDIR := $(shell KSERIES=$(KSERIES) $(VM)/kernel.sh $(KFLAVOUR) kdir 2>/dev/null)
    KDIR_FROM_DEBIAN := 1
  endif
endif
KVER		 = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
			$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
KBUILD_DIR	 = $(BUILD)/kernel/$(KVER)

# The settings the VM scripts read.
# KSERIES reaches the scripts and sub-makes only when given (as a command
# line or environment variable, which make passes on by itself): its
# default is theirs too.
export KFLAVOUR BUILD SMP MEM NODES ACCEL KVM_LIFE_TIMEOUT VM_TIMEOUT BOOT_TIMEOUT MKCHECK_INJECT MKCHECK_PANIC_ON_WARN MKCHECK_TESTS
export FUZZ_TESTS FUZZ_OPS FUZZ_SECONDS FUZZ_SEED TRINITY_SECONDS

.PHONY: all modules test-modules user tests inject fuzz-tests deps check check-all demo bench bench-host bench-report vm-shell \
	fuzz check-host install install-modules install-lib uninstall uninstall-modules \
	uninstall-lib install-check dkms-install dkms-remove dkms-check dkms-check-run lint \
	check-runner check-rseq-mutants check-mkbench clean help

all: modules user tests test-modules

help:
	@echo "make              build the modules, libmkchan, mkdemo, mkbench and the selftests"
	@echo "make check        run every selftest in a QEMU guest (installs what it needs)"
	@echo "make demo         boot the guest, load the modules and run the demo"
	@echo "make bench        boot the guest, load the modules, run mkbench urpc,"
	@echo "                  shootdown, counter and bystander"
	@echo "make bench-host   run mkbench urpc on this machine (no module; BENCH_ARGS=)"
	@echo "make bench-report every mkbench suite over every CPU of this machine, into"
	@echo "                  one directory (REPORT_DIR=bench-report; QUICK=1: short)"
	@echo "make vm-shell     boot the guest with the modules loaded, with a shell"
	@echo "make fuzz         the long seeded fuzzers, then trinity, on the debug kernel"
	@echo "                  (FUZZ_TESTS='mkchan mkrep' FUZZ_OPS=1000000 FUZZ_SECONDS=3600"
	@echo "                  FUZZ_SEED= TRINITY_SECONDS=300)"
	@echo "make check-host   run the selftests on this machine (root, loads modules)"
	@echo "make install      install-modules (for KDIR's kernel, then depmod) and"
	@echo "                  install-lib (libmkchan static and shared, its headers,"
	@echo "                  mkchan.pc); PREFIX=/usr/local LIBDIR= INCLUDEDIR= DESTDIR="
	@echo "make uninstall    remove them (uninstall-modules, uninstall-lib)"
	@echo "make install-check build the doc example with pkg-config against a staged"
	@echo "                  install-lib, shared and static"
	@echo "make dkms-install register, build and install the DKMS package"
	@echo "make dkms-remove  remove the DKMS package"
	@echo "make dkms-check   add, build, install, verify and remove the DKMS package"
	@echo "make lint         checkpatch --strict, sparse and a W=1 build"
	@echo "make check-runner show that make check fails on failures, WARNs, KASAN and"
	@echo "                  KCSAN reports, panics and hangs"
	@echo "make check-rseq-mutants  show that counter_rseq_test fails wrong"
	@echo "                  restartable sequences (on this machine, no guest)"
	@echo "make check-mkbench mkbench's rules for its verdicts, on made-up rounds,"
	@echo "                  and its progress into a file (on this machine; make"
	@echo "                  check runs it before the guest)"
	@echo "make check-all    make check on every supported kernel: KSERIES 6.1 and 6.12,"
	@echo "                  each stock, rt, debug and kcsan"
	@echo "Variables: KSERIES=6.12|6.1 KFLAVOUR=stock|rt|debug|kcsan KDIR= BUILD=build"
	@echo "           SMP=4 MEM=1024 NODES=2 VM_TIMEOUT=600 ACCEL=kvm|tcg"

# --- kernel modules ---------------------------------------------------------

# kbuild writes its objects beside the sources, so each kernel release gets
# its own tree of links to the sources under $(BUILD)/kernel/.
modules:
	@if [ -z "$(KDIR)" ] || [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "mkernel: no kernel headers: set KDIR=, or install" \
		     "linux-headers-amd64 (make check does)" >&2; exit 1; fi
ifdef KDIR_FROM_DEBIAN
	@echo "mkernel: building against Debian's headers $(KDIR)" \
	      "($(if $(KSERIES_GIVEN),KSERIES=$(KSERIES) given,the running kernel" \
	      "$(shell uname -r) has no build directory))"
endif
	@mkdir -p $(KBUILD_DIR)
	@cp -rsf $(SRC)/Kbuild $(SRC)/compat $(SRC)/include $(SRC)/mkchan $(SRC)/mkrep \
		$(KBUILD_DIR)/
	$(MAKE) -C $(KDIR) M=$(KBUILD_DIR) modules
	@mkdir -p $(KBUILD_DIR)/ko
	@cp $(KBUILD_DIR)/mkchan/mkchan.ko $(KBUILD_DIR)/mkrep/mkrep.ko \
		$(KBUILD_DIR)/ko/

# The test-only modules.  mkchan_kapi_test uses the in-kernel APIs of
# mkchan and mkrep; mkrep_counter_bench (mkbench counter's kernel-context
# loops) mkrep's; mkrep_stall_test holds a process's mmap_lock and uses
# nothing of ours.  kbuild does not relink a module when the symbol
# versions it uses change (a changed struct behind an exported function),
# so the versions each was built against are kept beside it, and a change
# starts it afresh.
TEST_KMOD_kapi_test		:= tools/testing/selftests/mkchan/kapi mkchan_kapi_test
TEST_KMOD_counter_bench		:= tools/mkbench/kmod mkrep_counter_bench
define test_kmod
	@if ! cmp -s $(KBUILD_DIR)/Module.symvers \
		$(KBUILD_DIR)/$(1)/.mkernel.symvers; then \
		rm -rf $(KBUILD_DIR)/$(1); fi
	@mkdir -p $(KBUILD_DIR)/$(1)
	@cp -rsf $(SRC)/$(word 1,$(TEST_KMOD_$(1)))/. $(KBUILD_DIR)/$(1)/
	+$(MAKE) -C $(KDIR) M=$(KBUILD_DIR)/$(1) \
		KBUILD_EXTRA_SYMBOLS=$(KBUILD_DIR)/Module.symvers modules
	@cp $(KBUILD_DIR)/Module.symvers $(KBUILD_DIR)/$(1)/.mkernel.symvers
	@cp $(KBUILD_DIR)/$(1)/$(word 2,$(TEST_KMOD_$(1))).ko $(KBUILD_DIR)/ko/
endef

test-modules: modules
	$(call test_kmod,kapi_test)
	$(call test_kmod,counter_bench)
	@mkdir -p $(KBUILD_DIR)/stall_test
	@cp -rsf $(SRC)/tools/testing/selftests/mkrep/stall/. $(KBUILD_DIR)/stall_test/
	$(MAKE) -C $(KDIR) M=$(KBUILD_DIR)/stall_test modules
	@cp $(KBUILD_DIR)/stall_test/mkrep_stall_test.ko $(KBUILD_DIR)/ko/

# --- user space -------------------------------------------------------------

LIB_SRCS	:= $(wildcard tools/lib/mkchan/*.c)
LIB_OBJS	:= $(LIB_SRCS:tools/lib/mkchan/%.c=$(BUILD)/user/lib/%.o)
LIB		:= $(BUILD)/user/libmkchan.a
# The shared libmkchan, from objects of its own built with -fPIC; its
# soname carries the major of the project's version.
LIB_MAJOR	:= $(firstword $(subst ., ,$(VERSION)))
SHLIB_SONAME	:= libmkchan.so.$(LIB_MAJOR)
SHLIB		:= $(BUILD)/user/libmkchan.so.$(VERSION)
LIB_PIC_OBJS	:= $(LIB_SRCS:tools/lib/mkchan/%.c=$(BUILD)/user/lib-pic/%.o)
PC		:= $(BUILD)/user/mkchan.pc
MKDEMO		:= $(BUILD)/user/mkdemo
BENCH_SRCS	:= $(wildcard tools/mkbench/*.c)
BENCH_OBJS	:= $(BENCH_SRCS:tools/mkbench/%.c=$(BUILD)/user/mkbench.o/%.o)
MKBENCH		:= $(BUILD)/user/mkbench
KVM_PROBE	:= $(BUILD)/user/kvm-probe
SHARDCACHE_SRCS	:= $(wildcard tools/shardcache/*.c) tools/mkbench/interrupts.c
SHARDCACHE	:= $(BUILD)/user/shardcache

# Every tools/testing/selftests/<module>/<name>_test.c is one program.
TEST_SRCS	:= $(sort $(wildcard tools/testing/selftests/*/*_test.c))
TEST_NAMES	:= $(TEST_SRCS:tools/testing/selftests/%.c=%)
TEST_BINS	:= $(TEST_NAMES:%=$(BUILD)/user/selftests/%)
TEST_LIST	:= $(BUILD)/user/selftests/tests.list

# Unit tests of mkbench's own logic, run on the build machine by make check.
VERDICT_TEST	:= $(BUILD)/user/mkbench-tests/urpc_verdict_test

EXAMPLE		:= $(BUILD)/user/mkchan_example
REP_EXAMPLE	:= $(BUILD)/user/mkrep_example

user: $(LIB) $(SHLIB) $(PC) $(MKDEMO) $(MKBENCH) $(KVM_PROBE) $(SHARDCACHE) \
	$(EXAMPLE) $(REP_EXAMPLE)

tests: $(TEST_BINS) $(TEST_LIST) $(VERDICT_TEST)

$(BUILD)/user/lib/%.o: tools/lib/mkchan/%.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/user/lib-pic/%.o: tools/lib/mkchan/%.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -fPIC -c -o $@ $<

$(SHLIB): $(LIB_PIC_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(SHLIB_SONAME) -Wl,-z,defs \
		-o $@ $^

# mkchan.pc for this run's PREFIX, LIBDIR and INCLUDEDIR (directories under
# PREFIX relative to ${prefix}); rewritten only when that changes it.
$(PC): tools/lib/mkchan/mkchan.pc.in FORCE
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|' \
	     -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
	     -e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
	     -e 's|@VERSION@|$(VERSION)|' $< >$@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

$(MKDEMO): tools/mkdemo/mkdemo.c $(LIB)
	$(CC) $(USER_CFLAGS) -static -o $@ $< $(LIB)

$(BUILD)/user/mkbench.o/%.o: tools/mkbench/%.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -pthread -c -o $@ $<

# Static, so that it runs in the test guest as on any host.
$(MKBENCH): $(BENCH_OBJS) $(LIB)
	$(CC) $(USER_CFLAGS) -pthread -static -o $@ $(BENCH_OBJS) $(LIB)

$(VERDICT_TEST): tools/testing/mkbench/urpc_verdict_test.c \
		$(filter-out %/main.o,$(BENCH_OBJS)) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -I$(SRC)/tools/mkbench -pthread -o $@ $^

# The shard-per-core workload; static, so that it runs in the test guest.
$(SHARDCACHE): $(SHARDCACHE_SRCS) tools/shardcache/shardcache.h $(LIB)
	$(CC) $(USER_CFLAGS) -static -o $@ $(SHARDCACHE_SRCS) $(LIB)

# Whether a machine runs a KVM guest (device-bench.sh); static, to carry.
$(KVM_PROBE): tools/testing/kvm-probe.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -static -o $@ $<

# The example of Documentation/userspace-api/mkchan.rst, so that it compiles.
$(EXAMPLE): Documentation/userspace-api/mkchan_example.c $(LIB)
	$(CC) $(USER_CFLAGS) -static -o $@ $< $(LIB)

# The example of Documentation/userspace-api/mkrep.rst, likewise.
$(REP_EXAMPLE): Documentation/userspace-api/mkrep_example.c $(LIB)
	$(CC) $(USER_CFLAGS) -static -o $@ $< $(LIB)

$(KSRC)/.version:
	$(SRC)/tools/testing/ksource.sh $(KSRC)

# Static, so that they run in the bare test guest.
$(BUILD)/user/selftests/%: tools/testing/selftests/%.c $(LIB) $(KSRC)/.version
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(TEST_CFLAGS) -I$(KSRC) -pthread -static -o $@ $< $(LIB)

$(TEST_LIST): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(TEST_NAMES) >$@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

# Only for make check-runner: a failing selftest and a module that WARNs,
# panics or hangs on load.
inject: $(BUILD)/user/selftests/inject/fail_test
	@mkdir -p $(KBUILD_DIR)/inject
	@cp -rsf $(VM)/inject/. $(KBUILD_DIR)/inject/
	$(MAKE) -C $(KDIR) M=$(KBUILD_DIR)/inject modules

$(BUILD)/user/selftests/inject/fail_test: $(VM)/inject/fail_test.c $(KSRC)/.version
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(TEST_CFLAGS) -I$(KSRC) -static -o $@ $<

# Only for make fuzz: trinity's runner, one more program for run-tests.sh.
fuzz-tests: $(BUILD)/user/selftests/fuzz/trinity_test

$(BUILD)/user/selftests/fuzz/trinity_test: $(VM)/trinity.sh
	@mkdir -p $(@D)
	install -m 0755 $< $@

-include $(LIB_OBJS:.o=.d) $(LIB_PIC_OBJS:.o=.d) $(BENCH_OBJS:.o=.d) $(TEST_BINS:=.d) $(MKDEMO).d $(KVM_PROBE).d $(SHARDCACHE).d $(EXAMPLE).d $(REP_EXAMPLE).d \
	$(VERDICT_TEST).d

# --- tests and demo ---------------------------------------------------------

deps:
	$(VM)/deps.sh build vm lint dkms fuzz bench

check demo bench fuzz vm-shell:
	$(VM)/vm.sh $(subst vm-,,$@)

# Every supported kernel, one after the other; a failure does not stop the
# others, and the last lines say which failed.
CHECK_ALL_SERIES	:= 6.1 6.12
CHECK_ALL_FLAVOURS	:= stock rt debug kcsan
check-all:
	@failed=; \
	for s in $(CHECK_ALL_SERIES); do for f in $(CHECK_ALL_FLAVOURS); do \
		echo "mkernel: check-all: KSERIES=$$s KFLAVOUR=$$f"; \
		$(MAKE) --no-print-directory check KSERIES=$$s KFLAVOUR=$$f || \
			failed="$$failed $$s/$$f"; \
	done; done; \
	if [ -n "$$failed" ]; then \
		echo "mkernel: check-all: failed on$$failed"; exit 1; fi; \
	echo "mkernel: check-all: passed on every kernel: $(foreach s,$(CHECK_ALL_SERIES),$(foreach f,$(CHECK_ALL_FLAVOURS),$(s)/$(f)))"

# The URPC benchmark on this machine, over plain shared memory: the
# numbers of Documentation/performance.rst.  It installs nothing: a plot
# (BENCH_ARGS="--plot FILE.png") needs gnuplot, which `make deps` installs;
# without it mkbench says so and prints the numbers all the same.
BENCH_ARGS	?=
bench-host: $(MKBENCH)
	$(MKBENCH) urpc --backend shm $(BENCH_ARGS)

# Every suite over every online CPU of this machine (with the module's
# rows where it is loaded), into one directory to send back: report.rst,
# the tables, CSVs and plots (tools/mkbench/bench-report.sh).
REPORT_DIR	?= bench-report
QUICK		?= 0
bench-report: $(MKBENCH) $(SHARDCACHE)
	$(SRC)/tools/mkbench/bench-report.sh $(MKBENCH) $(REPORT_DIR) $(QUICK)

# The test of counter_rseq_test: wrong restartable sequences, each of
# which it must fail on this machine (tools/testing/rseq-mutants.pl).
check-rseq-mutants: $(LIB) $(KSRC)/.version
	$(SRC)/tools/testing/rseq-mutants.pl $(BUILD)

check-runner:
	$(VM)/selftest.sh

check-host: all
	@[ "$$(id -u)" -eq 0 ] || { echo "check-host loads modules: run as root" >&2; exit 1; }
	@[ "$(KVER)" = "$$(uname -r)" ] || { echo "check-host: modules are built" \
		"for $(KVER), the running kernel is $$(uname -r)" >&2; exit 1; }
	MKERNEL_MODDIR=$(KBUILD_DIR)/ko MKERNEL_TESTDIR=$(BUILD)/user/selftests \
		MKERNEL_LOG_FROM_NOW=1 $(VM)/run-tests.sh | awk -f $(VM)/ktap-summary.awk

# --- installation -----------------------------------------------------------

# GNU's variables: DESTDIR stages an install (for a package) in a tree of
# its own, where depmod and ldconfig are left to the machine it lands on.
PREFIX		?= /usr/local
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
PKGCONFIGDIR	?= $(LIBDIR)/pkgconfig
INSTALL		?= install
MOD_INSTDIR	 = $(DESTDIR)/lib/modules/$(KVER)/extra
# ldconfig on the live system, when root: /usr/local/lib is in its cache.
LDCONFIG	 = @if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ]; then \
			echo ldconfig; ldconfig; fi

install: install-modules install-lib

# Under extra/ on every kernel: 6.12's kbuild defaults to updates/ (where
# DKMS puts its builds), 6.1's to extra/.  Debian's 6.12 compresses them.
install-modules: modules
	$(MAKE) -C $(KDIR) M=$(KBUILD_DIR) $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) \
		INSTALL_MOD_DIR=extra modules_install
ifeq ($(DESTDIR),)
	depmod -a $(KVER)
else
	@echo "mkernel: modules staged in $(DESTDIR): run depmod -a $(KVER) where they land"
endif

# libmkchan.h includes <linux/mkchan.h>, <linux/mkrep.h> (which includes
# <linux/mkchan.h> too) and <mkchan/urpc.h>: the uapi headers go under
# linux/ as linux-libc-dev ships the kernel's.
install-lib: $(LIB) $(SHLIB) $(PC)
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/linux $(DESTDIR)$(INCLUDEDIR)/mkchan
	$(INSTALL) -m 0644 $(LIB) $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(LIBDIR)/$(SHLIB_SONAME)
	ln -sf $(SHLIB_SONAME) $(DESTDIR)$(LIBDIR)/libmkchan.so
	$(INSTALL) -m 0644 tools/lib/mkchan/libmkchan.h \
		tools/lib/mkchan/libmkchan_counter.h $(DESTDIR)$(INCLUDEDIR)/
	$(INSTALL) -m 0644 include/uapi/linux/mkchan.h include/uapi/linux/mkrep.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/
	$(INSTALL) -m 0644 include/mkchan/urpc.h $(DESTDIR)$(INCLUDEDIR)/mkchan/
	$(INSTALL) -m 0644 $(PC) $(DESTDIR)$(PKGCONFIGDIR)/
	$(LDCONFIG)

uninstall: uninstall-modules uninstall-lib

uninstall-modules:
	rm -f $(foreach m,mkchan mkrep,$(MOD_INSTDIR)/$(m)/$(m).ko*)
	-rmdir $(foreach m,mkchan mkrep,$(MOD_INSTDIR)/$(m)) 2>/dev/null
	$(if $(DESTDIR),,depmod -a $(KVER))

uninstall-lib:
	rm -f $(addprefix $(DESTDIR)$(LIBDIR)/,libmkchan.a $(notdir $(SHLIB)) \
		$(SHLIB_SONAME) libmkchan.so) \
		$(DESTDIR)$(INCLUDEDIR)/libmkchan.h \
		$(DESTDIR)$(INCLUDEDIR)/libmkchan_counter.h \
		$(DESTDIR)$(INCLUDEDIR)/mkchan/urpc.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/mkchan.h $(DESTDIR)$(INCLUDEDIR)/linux/mkrep.h \
		$(DESTDIR)$(PKGCONFIGDIR)/mkchan.pc
	@rmdir --ignore-fail-on-non-empty $(DESTDIR)$(INCLUDEDIR)/mkchan 2>/dev/null || true
	$(LDCONFIG)

# Build the example of Documentation/userspace-api/mkchan.rst outside the
# tree, with pkg-config, against install-lib staged under a temporary
# DESTDIR.  make check runs it before it boots the guest.
install-check:
	$(VM)/deps.sh build
	$(SRC)/tools/testing/install-check.sh

check: install-check check-mkbench

# mkbench's rules for its verdicts, on made-up rounds (no guest), then its
# progress into a file, from a short run on this machine; the compiler
# first, as install-check, for a bare machine and make -j.
check-mkbench:
	$(VM)/deps.sh build
	$(MAKE) --no-print-directory $(VERDICT_TEST) $(MKBENCH)
	$(VERDICT_TEST)
	$(SRC)/tools/testing/mkbench/progress_test.sh $(MKBENCH)

# DKMS: against KDIR's kernel (on this machine, Debian's of KFLAVOUR).
dkms-install: modules
	$(SRC)/tools/testing/dkms.sh install $(KVER)

dkms-remove:
	$(SRC)/tools/testing/dkms.sh remove

dkms-check:
	KFLAVOUR=$(KFLAVOUR) $(VM)/deps.sh dkms
	$(MAKE) --no-print-directory dkms-check-run

dkms-check-run: modules
	KDIR=$(KDIR) BUILD=$(BUILD) $(SRC)/tools/testing/dkms.sh check $(KVER)

lint:
	$(SRC)/tools/testing/lint.sh

clean:
	rm -rf $(BUILD)

.PHONY: FORCE
FORCE:
