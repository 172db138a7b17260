#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One command for a short slot on a lent machine with more cores (the ones
# lent so far: 16 cores, no module loading, nothing reachable from them),
# everything written to one directory in under ten minutes:
#
#   tools/testing/device-bench.sh OUTDIR
#
#   OUTDIR/machine.txt  lscpu, nproc, the kernel, whether a hypervisor
#   OUTDIR/report/      make bench-report over every core, host side
#                       (tools/mkbench/bench-report.sh; at most 7 minutes)
#   OUTDIR/kvm.txt      whether the machine runs a KVM guest (kvm-probe:
#                       a guest that executes, not only /dev/kvm)
#   OUTDIR/guest.txt    where it does, and QEMU and the test guest's kernel
#                       are there: mkbench in the test guest with as many
#                       vCPUs as cores, the module timed; else what is
#                       missing
#   OUTDIR/summary.txt  what ran, how long, what was left out
#
# It builds nothing it can find already built: carry build/user/mkbench,
# build/user/shardcache (bench-report.sh finds it beside mkbench) and
# build/user/kvm-probe, all static, to a machine without a compiler.
# MKBENCH and KVM_PROBE name others; BUILD the build directory (build).
set -uo pipefail

out=${1:?usage: device-bench.sh OUTDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
mkbench=${MKBENCH:-$build/user/mkbench}
probe=${KVM_PROBE:-$build/user/kvm-probe}
report_limit=${REPORT_SECONDS:-420}
total_limit=${TOTAL_SECONDS:-570}
start=$SECONDS

mkdir -p "$out" || exit 1
summary=$out/summary.txt
: >"$summary"
note() { echo "device-bench: $*" | tee -a "$summary" >&2; }

if [ ! -x "$mkbench" ] || [ ! -x "$probe" ] ||
	[ ! -x "$(dirname "$mkbench")/shardcache" ]; then
	note "building mkbench, shardcache and kvm-probe (make user)"
	make -C "$top" --no-print-directory BUILD="$build" user >"$out/build.log" 2>&1 ||
		note "the build failed (build.log)"
fi

{
	echo "nproc: $(nproc)"
	echo "kernel: $(uname -r)"
	grep -m1 '^model name' /proc/cpuinfo
	grep -qw hypervisor /proc/cpuinfo && echo "hypervisor: yes" || echo "hypervisor: no"
	lscpu 2>/dev/null
} >"$out/machine.txt"
note "$(nproc) CPUs, $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')"

# 1. The host-side suites over every core.
if [ -x "$mkbench" ]; then
	note "bench-report over every CPU (at most ${report_limit} s)"
	t=$SECONDS
	timeout "$report_limit" "$top/tools/mkbench/bench-report.sh" \
		"$mkbench" "$out/report"
	rc=$?
	if [ $rc -eq 124 ]; then
		note "bench-report: cut at ${report_limit} s; what it wrote is kept"
	else
		note "bench-report: exit $rc after $((SECONDS - t)) s"
	fi
else
	note "left out: bench-report (no mkbench)"
fi

# 2. Does the machine run a KVM guest?
if [ -x "$probe" ]; then
	"$probe" >"$out/kvm.txt" 2>&1
	kvm_rc=$?
	note "$(cat "$out/kvm.txt")"
else
	echo "kvm: not probed (no kvm-probe)" >"$out/kvm.txt"
	kvm_rc=1
	note "left out: the KVM probe (no kvm-probe)"
fi

# 3. Where it does: the module itself, in the test guest, one vCPU a core.
left=$((total_limit - (SECONDS - start)))
missing=
[ $kvm_rc -eq 0 ] || missing="a KVM guest"
command -v qemu-system-x86_64 >/dev/null || missing="${missing:+$missing, }QEMU"
# The runner's Debian kernel (vm/kernel.sh); nothing can be installed.
"$top/tools/testing/vm/kernel.sh" stock vmlinuz >/dev/null 2>&1 ||
	missing="${missing:+$missing, }the test guest's kernel"
if [ -n "$missing" ]; then
	echo "guest: not run: no $missing on this machine (nothing can be installed here)" \
		>"$out/guest.txt"
	note "left out: the module in the test guest (no $missing)"
elif [ $left -lt 120 ]; then
	echo "guest: not run: ${left} s left" >"$out/guest.txt"
	note "left out: the module in the test guest (${left} s left)"
else
	note "the test guest with $(nproc) vCPUs under KVM (at most $((left - 30)) s)"
	SMP=$(nproc) ACCEL=kvm VM_TIMEOUT=$((left - 60)) timeout $((left - 30)) \
		make -C "$top" --no-print-directory BUILD="$build" bench \
		>"$out/guest.txt" 2>&1
	note "guest: exit $? (guest.txt)"
fi
note "done in $((SECONDS - start)) s"
