# SPDX-License-Identifier: GPL-2.0
#
# mkernel - the user's entry points.  `make help` lists them.

VERSION		:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
# make fuzz runs on the debug kernel unless KFLAVOUR is given.
ifeq ($(origin KFLAVOUR),undefined)
fuzz: KFLAVOUR = debug
endif
KFLAVOUR	?= stock
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
# running kernel's build directory, else Debian's headers of KFLAVOUR.
RUNNING_KDIR	:= /lib/modules/$(shell uname -r)/build
ifeq ($(origin KDIR),undefined)
  ifneq ($(wildcard $(RUNNING_KDIR)/Makefile),)
    KDIR := $(RUNNING_KDIR)
  else
    KDIR := $(shell $(VM)/kernel.sh $(KFLAVOUR) kdir 2>/dev/null)
    KDIR_FROM_DEBIAN := 1
  endif
endif
KVER		 = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
			$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
KBUILD_DIR	 = $(BUILD)/kernel/$(KVER)

# The settings the VM scripts read.
export KFLAVOUR BUILD SMP MEM NODES ACCEL VM_TIMEOUT BOOT_TIMEOUT MKCHECK_INJECT MKCHECK_PANIC_ON_WARN
export FUZZ_TESTS FUZZ_OPS FUZZ_SECONDS FUZZ_SEED TRINITY_SECONDS

.PHONY: all modules test-modules user tests inject fuzz-tests deps check demo bench bench-host vm-shell \
	fuzz check-host install uninstall dkms-install dkms-remove dkms-check dkms-check-run lint \
	check-runner clean help

all: modules user tests test-modules

help:
	@echo "make              build the modules, libmkchan, mkdemo, mkbench and the selftests"
	@echo "make check        run every selftest in a QEMU guest (installs what it needs)"
	@echo "make demo         boot the guest, load the modules and run the demo"
	@echo "make bench        boot the guest, load the modules, run mkbench urpc,"
	@echo "                  shootdown and counter"
	@echo "make bench-host   run mkbench urpc on this machine (no module; BENCH_ARGS=)"
	@echo "make vm-shell     boot the guest with the modules loaded, with a shell"
	@echo "make fuzz         the long seeded fuzzers, then trinity, on the debug kernel"
	@echo "                  (FUZZ_TESTS='mkchan mkrep' FUZZ_OPS=1000000 FUZZ_SECONDS=3600"
	@echo "                  FUZZ_SEED= TRINITY_SECONDS=300)"
	@echo "make check-host   run the selftests on this machine (root, loads modules)"
	@echo "make install      install the modules for KDIR's kernel"
	@echo "make dkms-install register, build and install the DKMS package"
	@echo "make dkms-remove  remove the DKMS package"
	@echo "make dkms-check   add, build, install, verify and remove the DKMS package"
	@echo "make lint         checkpatch --strict, sparse and a W=1 build"
	@echo "make check-runner show that make check fails on failures, WARNs, KASAN and"
	@echo "                  KCSAN reports, panics and hangs"
	@echo "Variables: KFLAVOUR=stock|rt|debug|kcsan KDIR= BUILD=build SMP=4 MEM=1024 NODES=2 VM_TIMEOUT=600"

# --- kernel modules ---------------------------------------------------------

# kbuild writes its objects beside the sources, so each kernel release gets
# its own tree of links to the sources under $(BUILD)/kernel/.
modules:
	@if [ -z "$(KDIR)" ] || [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "mkernel: no kernel headers: set KDIR=, or install" \
		     "linux-headers-amd64 (make check does)" >&2; exit 1; fi
ifdef KDIR_FROM_DEBIAN
	@echo "mkernel: the running kernel $(shell uname -r) has no build" \
	      "directory; building against Debian's headers $(KDIR)"
endif
	@mkdir -p $(KBUILD_DIR)
	@cp -rsf $(SRC)/Kbuild $(SRC)/compat $(SRC)/include $(SRC)/mkchan $(SRC)/mkrep \
		$(KBUILD_DIR)/
	$(MAKE) -C $(KDIR) M=$(KBUILD_DIR) modules
	@mkdir -p $(KBUILD_DIR)/ko
	@cp $(KBUILD_DIR)/mkchan/mkchan.ko $(KBUILD_DIR)/mkrep/mkrep.ko \
		$(KBUILD_DIR)/ko/

# A test-only module of the selftests: it uses mkchan's in-kernel API.
test-modules: modules
	@mkdir -p $(KBUILD_DIR)/kapi_test
	@cp -rsf $(SRC)/tools/testing/selftests/mkchan/kapi/. $(KBUILD_DIR)/kapi_test/
	$(MAKE) -C $(KDIR) M=$(KBUILD_DIR)/kapi_test \
		KBUILD_EXTRA_SYMBOLS=$(KBUILD_DIR)/Module.symvers modules
	@cp $(KBUILD_DIR)/kapi_test/mkchan_kapi_test.ko $(KBUILD_DIR)/ko/

# --- user space -------------------------------------------------------------

LIB_SRCS	:= $(wildcard tools/lib/mkchan/*.c)
LIB_OBJS	:= $(LIB_SRCS:tools/lib/mkchan/%.c=$(BUILD)/user/lib/%.o)
LIB		:= $(BUILD)/user/libmkchan.a
MKDEMO		:= $(BUILD)/user/mkdemo
BENCH_SRCS	:= $(wildcard tools/mkbench/*.c)
BENCH_OBJS	:= $(BENCH_SRCS:tools/mkbench/%.c=$(BUILD)/user/mkbench.o/%.o)
MKBENCH		:= $(BUILD)/user/mkbench

# Every tools/testing/selftests/<module>/<name>_test.c is one program.
TEST_SRCS	:= $(sort $(wildcard tools/testing/selftests/*/*_test.c))
TEST_NAMES	:= $(TEST_SRCS:tools/testing/selftests/%.c=%)
TEST_BINS	:= $(TEST_NAMES:%=$(BUILD)/user/selftests/%)
TEST_LIST	:= $(BUILD)/user/selftests/tests.list

EXAMPLE		:= $(BUILD)/user/mkchan_example

user: $(LIB) $(MKDEMO) $(MKBENCH) $(EXAMPLE)

tests: $(TEST_BINS) $(TEST_LIST)

$(BUILD)/user/lib/%.o: tools/lib/mkchan/%.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(AR) rcs $@ $^

$(MKDEMO): tools/mkdemo/mkdemo.c $(LIB)
	$(CC) $(USER_CFLAGS) -static -o $@ $< $(LIB)

$(BUILD)/user/mkbench.o/%.o: tools/mkbench/%.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -pthread -c -o $@ $<

# Static, so that it runs in the test guest as on any host.
$(MKBENCH): $(BENCH_OBJS) $(LIB)
	$(CC) $(USER_CFLAGS) -pthread -static -o $@ $(BENCH_OBJS) $(LIB)

# The example of Documentation/userspace-api/mkchan.rst, so that it compiles.
$(EXAMPLE): Documentation/userspace-api/mkchan_example.c $(LIB)
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

-include $(LIB_OBJS:.o=.d) $(BENCH_OBJS:.o=.d) $(TEST_BINS:=.d) $(MKDEMO).d $(EXAMPLE).d

# --- tests and demo ---------------------------------------------------------

deps:
	$(VM)/deps.sh build vm lint dkms fuzz bench

check demo bench fuzz vm-shell:
	$(VM)/vm.sh $(subst vm-,,$@)

# The URPC benchmark on this machine, over plain shared memory: the
# numbers of Documentation/performance.rst.
BENCH_ARGS	?=
bench-host: $(MKBENCH)
	-@$(VM)/deps.sh bench
	$(MKBENCH) urpc --backend shm $(BENCH_ARGS)

check-runner:
	$(VM)/selftest.sh

check-host: all
	@[ "$$(id -u)" -eq 0 ] || { echo "check-host loads modules: run as root" >&2; exit 1; }
	@[ "$(KVER)" = "$$(uname -r)" ] || { echo "check-host: modules are built" \
		"for $(KVER), the running kernel is $$(uname -r)" >&2; exit 1; }
	MKERNEL_MODDIR=$(KBUILD_DIR)/ko MKERNEL_TESTDIR=$(BUILD)/user/selftests \
		MKERNEL_LOG_FROM_NOW=1 $(VM)/run-tests.sh | awk -f $(VM)/ktap-summary.awk

# --- installation -----------------------------------------------------------

install: modules
	$(MAKE) -C $(KDIR) M=$(KBUILD_DIR) modules_install
	depmod -a $(KVER)

uninstall:
	rm -f $(foreach m,mkchan mkrep,/lib/modules/$(KVER)/extra/$(m)/$(m).ko)
	-rmdir $(foreach m,mkchan mkrep,/lib/modules/$(KVER)/extra/$(m)) 2>/dev/null
	depmod -a $(KVER)

# DKMS: against KDIR's kernel (on this machine, Debian's of KFLAVOUR).
dkms-install: modules
	$(SRC)/tools/testing/dkms.sh install $(KVER)

dkms-remove:
	$(SRC)/tools/testing/dkms.sh remove

dkms-check:
	KFLAVOUR=$(KFLAVOUR) $(VM)/deps.sh dkms
	$(MAKE) --no-print-directory dkms-check-run

dkms-check-run: modules
	$(SRC)/tools/testing/dkms.sh check $(KVER)

lint:
	$(SRC)/tools/testing/lint.sh

clean:
	rm -rf $(BUILD)

.PHONY: FORCE
FORCE:
