#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The runner's own tests (make check-runner): make check must fail, and say
# why, when a selftest fails, when the guest kernel WARNs (with and without
# panic_on_warn), when KASAN reports a use-after-free (KFLAVOUR=debug), when
# KCSAN reports a data race (KFLAVOUR=kcsan), when it panics, when the
# guest hangs, and when it does not boot in time.  Each case boots the
# guest with a test-only fault (MKCHECK_INJECT, see vm.sh) or limit.
# And the runner must not wedge: on a machine whose KVM starts a guest and
# never runs it, or fails at once (a stand-in QEMU, fake-kvm/), make demo
# goes on under TCG and passes unless ACCEL=kvm is given; a second guest
# waits for the first.
set -uo pipefail

vm=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$vm/../../.." && pwd)
logs=${BUILD:-$top/build}/check-runner
mkdir -p "$logs"

passed=0
failed=0

# expect NAME TARGET OUTCOME REGEX VAR=VALUE...: make TARGET with the
# settings must end as OUTCOME, passed or failed, and print a line matching
# REGEX.
expect() {
	local name=$1 target=$2 outcome=$3 regex=$4 log=$logs/$1.log rc=0 ended
	shift 4

	env "$@" make -C "$top" --no-print-directory "$target" >"$log" 2>&1 || rc=$?
	ended=passed
	[ "$rc" -eq 0 ] || ended="failed (status $rc)"
	if [ "${ended%% *}" != "$outcome" ]; then
		echo "not ok - $name: make $target $ended ($log)"
		failed=$((failed + 1))
	elif ! grep -Eq "$regex" "$log"; then
		echo "not ok - $name: make $target $ended without '$regex' ($log)"
		failed=$((failed + 1))
	else
		echo "ok - $name: make $target $ended: $(grep -Em1 "$regex" "$log" | sed 's/^ *//')"
		passed=$((passed + 1))
	fi
}

# expect_failure NAME REGEX VAR=VALUE...: make check must fail so.
expect_failure() {
	local name=$1 regex=$2

	shift 2
	expect "$name" check failed "$regex" "$@"
}

# expect_success NAME TARGET REGEX VAR=VALUE...: make TARGET must pass so.
expect_success() {
	local name=$1 target=$2 regex=$3

	shift 3
	expect "$name" "$target" passed "$regex" "$@"
}

expect_failure failing-selftest '^  FAILED  selftests: inject/fail_test \(1 passed, 1 failed' \
	MKCHECK_INJECT=fail
# ... and the summary names the failed case and what its assertion said,
# so that the tail of a CI log is enough to know what failed.
named=$logs/failing-selftest.log
if grep -Eq '^            failed: global\.fails$' "$named" &&
   grep -Eq '^              fail_test\.c:[0-9]+:fails:Expected 1 \(1\) == 2 \(2\)$' "$named" &&
   grep -Eq '^              fail_test\.c:[0-9]+:fails:injected failure$' "$named"; then
	echo "ok - failing-selftest-named: the summary names global.fails and its assertion"
	passed=$((passed + 1))
else
	echo "not ok - failing-selftest-named: the summary does not name the case ($named)"
	failed=$((failed + 1))
fi
# ... and, on the host alone: a failed assertion in a header, a case that
# crashed, one run-tests.sh killed while it ran, and one the guest died in
# (no result line at all), each named with what it printed last and
# counted as a failed case.
died=$(awk -f "$vm/ktap-summary.awk" <<'KTAP'
TAP version 13
1..2
# selftests: x/died
# TAP version 13
# 1..4
# #  RUN           global.header ...
# # include/uapi/linux/mkernel_abi.h:12:header:Expected 0 (0) == 1 (1)
# # include/uapi/linux/mkernel_abi.h:14:header:in a header
# # header: Test failed at step #1
# #          FAIL  global.header
# not ok 1 global.header
# #  RUN           global.crashes ...
# # crashes: Test terminated unexpectedly by signal 11
# #          FAIL  global.crashes
# not ok 2 global.crashes
# #  RUN           global.hangs ...
# # tools/x/died.c:30:hangs:about to hang
# x/died: killed after 300s
not ok 1 selftests: x/died
# selftests: x/cut
# TAP version 13
# 1..2
# #  RUN           global.first ...
# #            OK  global.first
# ok 1 global.first
# #  RUN           global.second ...
# # tools/x/cut.c:40:second:Expected 1 (1) == 2 (2)
# # tools/x/cut.c:41:second:where the guest died
KTAP
)
want='  FAILED  selftests: x/died (0 passed, 3 failed, 0 skipped)
            failed: global.header
              mkernel_abi.h:12:header:Expected 0 (0) == 1 (1)
              mkernel_abi.h:14:header:in a header
            failed: global.crashes
              crashes: Test terminated unexpectedly by signal 11
            running: global.hangs
              died.c:30:hangs:about to hang
              x/died: killed after 300s
  FAILED  selftests: x/cut (did not finish) (1 passed, 1 failed, 0 skipped)
            running: global.second
              cut.c:40:second:Expected 1 (1) == 2 (2)
              cut.c:41:second:where the guest died'
if [[ $died == *"$want"* ]]; then
	echo "ok - summary-died: a header assertion, a crash, a killed program and a cut run are named"
	passed=$((passed + 1))
else
	echo "not ok - summary-died: the summary reads:"
	printf '%s\n' "$died" | sed 's/^/#   /'
	failed=$((failed + 1))
fi
expect_failure warn-panics '^  FAILED  the guest did not report the end' \
	MKCHECK_INJECT=warn
expect_failure warn-in-log '^  FAILED  kernel log clean' \
	MKCHECK_INJECT=warn MKCHECK_PANIC_ON_WARN=0
expect_failure kasan-use-after-free 'BUG: KASAN: (slab-)?use-after-free in mkinject' \
	MKCHECK_INJECT=uaf KFLAVOUR=debug
expect_failure kcsan-data-race 'BUG: KCSAN: data-race in mkinject' \
	MKCHECK_INJECT=race KFLAVOUR=kcsan
expect_failure kernel-panic 'Kernel panic - not syncing: mkinject: injected panic' \
	MKCHECK_INJECT=panic
expect_failure soft-lockup '^  \| .*RIP: 0010:mkinject_spin' \
	MKCHECK_INJECT=lockup
expect_failure guest-hang '^  FAILED  the guest did not finish within VM_TIMEOUT=45s' \
	MKCHECK_INJECT=hang VM_TIMEOUT=45
# A kernel that panics before it reaches our init (an emulator's glitch
# does that now and then) is booted once more, then fails.
expect_failure early-panic '^mkernel: the guest stopped before its init \(QEMU status [0-9]+\); last console lines:' \
	MKCHECK_INJECT=early-panic
if grep -q 'Kernel panic - not syncing' "$logs/early-panic.log" &&
   grep -q '^mkernel: booting it once more' "$logs/early-panic.log" &&
   grep -q '^  FAILED  the guest console reports kernel problems' "$logs/early-panic.log"; then
	echo "ok - early-panic-twice: booted once more, and the second panic fails the run"
	passed=$((passed + 1))
else
	echo "not ok - early-panic-twice: no second boot, or its panic not reported ($logs/early-panic.log)"
	failed=$((failed + 1))
fi
# A boot that does not reach init in time is tried once more, then fails.
expect_failure boot-timeout '^  FAILED  the guest did not reach its init within BOOT_TIMEOUT=1s, twice' \
	BOOT_TIMEOUT=1

# A /dev/kvm that opens, and a QEMU whose KVM never runs the guest or
# fails at once.  The verdict of a failed try is the runner's own file,
# not this machine's.
verdict=$logs/kvm-unusable
fake_kvm=(PATH="$vm/fake-kvm:$PATH" MKCHECK_KVM_DEV="$logs/fake-kvm-dev"
	  MKERNEL_KVM_VERDICT="$verdict")
: >"$logs/fake-kvm-dev"
rm -f "$verdict"
expect_success kvm-never-runs demo \
	'^mkernel: the KVM guest did not reach its init within KVM_LIFE_TIMEOUT=10s: going on under TCG' \
	"${fake_kvm[@]}" KVM_LIFE_TIMEOUT=10 MKCHECK_FAKE_KVM=hang
# ... and the next run goes to TCG at once.
expect_success kvm-remembered demo \
	'^mkernel: KVM did not run a guest on this machine before \(the KVM guest did not reach its init within KVM_LIFE_TIMEOUT=10s, ' \
	"${fake_kvm[@]}" MKCHECK_FAKE_KVM=hang
rm -f "$verdict"
expect_success kvm-aborts demo \
	'^mkernel: the KVM guest stopped before its init \(QEMU status 1\): going on under TCG' \
	"${fake_kvm[@]}" MKCHECK_FAKE_KVM=abort
rm -f "$verdict"
expect_failure kvm-explicit '^  FAILED  the guest did not reach its init within BOOT_TIMEOUT=10s, twice' \
	"${fake_kvm[@]}" ACCEL=kvm BOOT_TIMEOUT=10 MKCHECK_FAKE_KVM=hang
if [ -e "$verdict" ]; then
	echo "not ok - kvm-explicit: ACCEL=kvm wrote a verdict"
	failed=$((failed + 1))
fi

# A guest already running (the lock held, here by this script) makes the
# next run wait and say for whom; it goes on only once the lock is free.
lock_waits() {
	local name=lock-waits lock=$logs/vm.lock log=$logs/lock-waits.log
	local fd pid rc=0 waited=0

	rm -f "$lock"
	: >"$lock"
	exec {fd}<"$lock"
	flock "$fd"
	echo "pid $$, check-runner's stand-in guest" >"$lock"
	MKERNEL_VM_LOCK="$lock" ACCEL=tcg make -C "$top" --no-print-directory demo \
		>"$log" 2>&1 {fd}<&- &
	pid=$!
	until grep -q '^mkernel: another mkernel guest runs on this machine' "$log"; do
		if [ "$waited" -ge 300 ] || ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	# Still waiting some seconds later, and nothing booted meanwhile.
	sleep 5
	if grep -q 'guest ran\|going on$' "$log"; then
		echo "not ok - $name: the run went on while the lock was held ($log)"
		failed=$((failed + 1))
	fi
	flock -u "$fd"
	exec {fd}<&-
	wait "$pid" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "not ok - $name: make demo failed (status $rc) ($log)"
		failed=$((failed + 1))
	elif ! grep -q "^mkernel: another mkernel guest runs on this machine (pid $$, check-runner's stand-in guest): waiting for it to finish" "$log" ||
	     ! grep -q '^mkernel: the other guest finished; going on$' "$log"; then
		echo "not ok - $name: make demo did not say it waited, for whom, and went on ($log)"
		failed=$((failed + 1))
	else
		echo "ok - $name: make demo waited for the stand-in guest, then ran"
		passed=$((passed + 1))
	fi
}
lock_waits

echo "check-runner: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
