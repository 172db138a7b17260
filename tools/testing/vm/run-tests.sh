#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Load the mkernel modules, run every selftest, unload the modules and check
# the kernel log; print it all as KTAP on stdout.
#
# POSIX sh: it runs under busybox in the test guest and under bash or dash
# on a host that can load modules (make check-host).
#
# Environment:
#   MKERNEL_MODDIR        directory of mkchan.ko and mkrep.ko (required)
#   MKERNEL_TESTDIR       directory of the test programs and tests.list
#   MKERNEL_TEST_TIMEOUT  seconds one test program may run (default 300)
#   MKERNEL_LOG_FROM_NOW  1: check only what the kernel logs from now on
#                         (on a host), else the whole log (in the guest)
#   MKERNEL_INJECT        runner self-test only: arguments of mkinject.ko,
#                         loaded from MKERNEL_MODDIR after the modules

set -u
here=$(cd "$(dirname "$0")" && pwd)
moddir=${MKERNEL_MODDIR:?MKERNEL_MODDIR is not set}
testdir=${MKERNEL_TESTDIR:-/tests}
timeout=${MKERNEL_TEST_TIMEOUT:-300}
patterns=$here/kernel-problems.pat
export MKERNEL_MODDIR

n=0
failed=0
result() {	# result RC DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		failed=$((failed + 1))
		echo "not ok $n $2"
	fi
}
# Line by line as it comes (sed reads a line ahead): a fuzzer's seed must be
# out before the kernel it runs on can crash.
indent() { awk '{ print "# " $0; fflush() }'; }

# kmemleak, on the kernels that have it (KFLAVOUR=debug): forget what the
# kernel suspected before the modules were loaded.
kmemleak=/sys/kernel/debug/kmemleak
[ -w "$kmemleak" ] || kmemleak=
extra=0
if [ -n "$kmemleak" ]; then
	echo clear >"$kmemleak"
	extra=1
fi

# KCSAN, on the kernels that have it (KFLAVOUR=kcsan): it watches nothing
# until turned on (the kernel lacks CONFIG_KCSAN_EARLY_ENABLE).  It is
# turned on once the modules are loaded, for the data races between two
# functions of mkchan, mkrep or the runner's mkinject: the kernel's own
# races (the scheduler tick against hrtimers, poll wake-ups, ...) are not
# ours to fix, and TCG's timing finds new ones at every run.
kcsan=/sys/kernel/debug/kcsan
kcsan_on() {
	[ -w "$kcsan" ] || return 0
	awk '$2 ~ /^[tT]$/ && $4 ~ /^\[(mkchan|mkrep|mkinject)\]$/ { print $3 }' \
		/proc/kallsyms | while read -r f; do
		echo "!$f" >"$kcsan" 2>/dev/null
	done
	echo whitelist >"$kcsan" && echo on >"$kcsan"
}

tests=$(cat "$testdir/tests.list")
echo "TAP version 13"
echo "1..$(($(grep -c . "$testdir/tests.list") + 4 + extra))"
echo "# mkernel: kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
checkers=
[ -w "$kcsan" ] && checkers="$checkers kcsan(modules)"
[ -e /proc/lockdep ] && checkers="$checkers lockdep"
[ -e /sys/kernel/debug/kmemleak ] && checkers="$checkers kmemleak"
[ -e /proc/self/fail-nth ] && checkers="$checkers fail-nth"
grep -q ' kasan_report$' /proc/kallsyms 2>/dev/null && checkers="$checkers kasan"
echo "# mkernel: checkers:${checkers:- none}"

taint_before=$(cat /proc/sys/kernel/tainted)
log_from=0
[ "${MKERNEL_LOG_FROM_NOW:-0}" = 1 ] && log_from=$(dmesg | wc -l)

# 1. Load.
rc=0
{
	insmod "$moddir/mkchan.ko" && insmod "$moddir/mkrep.ko" &&
		[ -c /dev/mkchan ] && [ -c /dev/mkrep ]
} 2>&1 | indent
[ -c /dev/mkchan ] && [ -c /dev/mkrep ] || rc=1
if [ -n "${MKERNEL_INJECT:-}" ]; then
	echo "# runner self-test: insmod mkinject.ko $MKERNEL_INJECT"
	# shellcheck disable=SC2086 # word splitting of the arguments is wanted
	insmod "$moddir/mkinject.ko" $MKERNEL_INJECT 2>&1 | indent
fi
kcsan_on
# An injected fault that runs on (mkinject's racing threads) gets time to
# be seen: KCSAN samples accesses, and the runner's self-tests run no test.
[ -n "${MKERNEL_INJECT:-}" ] && sleep 5
result $rc "load modules"

# The modules' parameters as loaded, and mkrep's test hooks in debugfs
# (mkrep/test_hooks.c): a test program that leaves one changed fails, and
# the programs after it get the value back.
params=/tmp/mkernel-params.$$
for f in /sys/module/mkchan/parameters/* /sys/module/mkrep/parameters/* \
	/sys/kernel/debug/mkrep/gather_delay_ms; do
	[ -r "$f" ] && printf '%s %s\n' "$f" "$(cat "$f")"
done >"$params"
params_restore() {
	left=0
	while read -r f v; do
		now=$(cat "$f")
		[ "$now" = "$v" ] && continue
		echo "# $1 left $f at $now: back to $v"
		echo "$v" >"$f"
		left=1
	done <"$params"
	return $left
}

# 2. The selftests, each program one KTAP test holding its own results.
for t in $tests; do
	echo "# selftests: $t"
	rcfile=/tmp/mkernel-rc.$$
	(
		cd "$testdir/$(dirname "$t")" || exit 1
		timeout -s KILL "$timeout" "./$(basename "$t")" 2>&1
		echo $? >"$rcfile"
	) | indent
	rc=$(cat "$rcfile" 2>/dev/null || echo 1)
	rm -f "$rcfile"
	if ! params_restore "$t"; then
		case $rc in 0 | 4) rc=1 ;; esac
	fi
	case $rc in
	0)	result 0 "selftests: $t" ;;
	4)	n=$((n + 1)); echo "ok $n selftests: $t # SKIP" ;;
	137)	echo "# $t: killed after ${timeout}s"; result 1 "selftests: $t" ;;
	*)	echo "# $t: exit status $rc"; result 1 "selftests: $t" ;;
	esac
done

# 3. Unload: no channel, space, member, page or counter may be left once
# the tests are done, and nothing may hold the modules.
rc=0
for m in mkchan mkrep; do
	objects=/sys/kernel/debug/$m/objects
	if [ -r "$objects" ] && grep -qv ' 0$' "$objects"; then
		echo "# $m objects left after the tests:"
		indent <"$objects"
		rc=1
	fi
done
[ -n "${MKERNEL_INJECT:-}" ] && rmmod mkinject 2>/dev/null
{ rmmod mkrep && rmmod mkchan; } 2>&1 | indent
if [ -e /sys/module/mkrep ] || [ -e /sys/module/mkchan ] ||
   [ -e /dev/mkchan ] || [ -e /dev/mkrep ]; then
	rc=1
fi
result $rc "unload modules"

# 4. The kernel log holds no warning, bug, lockdep or sanitizer report.
problems=$(dmesg | tail -n +$((log_from + 1)) | grep -E -f "$patterns")
if [ -n "$problems" ]; then
	echo "$problems" | indent
	result 1 "kernel log clean"
else
	result 0 "kernel log clean"
fi

# 5. kmemleak finds nothing unreferenced once the modules are gone.
if [ -n "$kmemleak" ]; then
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"	# the second scan drops transient ones
	leaks=$(cat "$kmemleak")
	if [ -n "$leaks" ]; then
		echo "$leaks" | head -n 60 | indent
		result 1 "kmemleak clean"
	else
		result 0 "kmemleak clean"
	fi
fi

# 6. No new taint but that of loading out-of-tree (O), unsigned (E) modules.
taint_after=$(cat /proc/sys/kernel/tainted)
new=$(( taint_after & ~taint_before & ~(4096 | 8192) ))
if [ "$new" -ne 0 ]; then
	echo "# new kernel taint flags: $new (was $taint_before, now $taint_after)"
	result 1 "kernel not tainted"
else
	result 0 "kernel not tainted"
fi

[ "$failed" -eq 0 ]
