#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-report: every mkbench suite over the CPUs it may use, into one
# directory that can be sent back:
#
#   report.rst         the environment, what ran and what was left out,
#                      every target's verdict with its rule, the command
#   env.txt            the raw facts report.rst is written from
#   SUITE.txt          each suite's table, as mkbench printed it
#   SUITE.csv          its CSV rows (suite,variant,cpus,metric,value,unit)
#   SUITE.png          its plot, where gnuplot is installed
#   shardcache.*       the same of the shard-per-core workload (its plot:
#                      request latency against the resize rate)
#
# Usage: bench-report.sh MKBENCH DIR [QUICK]
#   MKBENCH  the mkbench binary; DIR the directory to write (created; an
#   existing report in it is replaced); QUICK=1 for a short run (fewer
#   iterations: a check that it works, not numbers to keep).
#
# The suites run with --backend auto: the module's rows where /dev/mkchan
# and /dev/mkrep are there (counter's also need mkrep_counter_bench.ko,
# loaded already or in $MKERNEL_MODDIR), the host's alone otherwise
# (report.rst says which were left out), over the CPUs this process may
# run on, up to mkbench's 256.  The
# short suites run first and report.rst is written again after each, so
# that a run cut short (device-bench.sh's time limit) leaves a report of
# what it did.  Progress goes to the terminal.
set -uo pipefail

mkbench=${1:?usage: bench-report.sh MKBENCH DIR [QUICK]}
dir=${2:?usage: bench-report.sh MKBENCH DIR [QUICK]}
quick=${3:-0}

if [ ! -x "$mkbench" ]; then
	echo "bench-report: $mkbench: not built (make user)" >&2
	exit 1
fi
mkdir -p "$dir" || exit 1
rm -f "$dir"/report.rst "$dir"/env.txt "$dir"/*.txt "$dir"/*.csv "$dir"/*.png \
	"$dir"/*.err

say() { echo "bench-report: $*" >&2; }

# --- the environment ---------------------------------------------------------

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
cpu_family=$(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -n1)
cpu_modelno=$(sed -n 's/^model[[:space:]]*: //p' /proc/cpuinfo | head -n1)
flags=" $(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -n1) "
online=$(cat /sys/devices/system/cpu/online 2>/dev/null || echo unknown)
ncpus=$(getconf _NPROCESSORS_ONLN)
nodes=$(cat /sys/devices/system/node/online 2>/dev/null || echo 0)
smt=$(cat /sys/devices/system/cpu/smt/active 2>/dev/null || echo unknown)
siblings=$(cat /sys/devices/system/cpu/cpu0/topology/thread_siblings_list \
	2>/dev/null || echo unknown)
kernel=$(uname -r)
series=$(uname -r | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p')
hypervisor=none
case $flags in
*" hypervisor "*)
	hypervisor=$(systemd-detect-virt --vm 2>/dev/null ||
		cat /sys/hypervisor/type 2>/dev/null || echo "yes (unnamed)")
	;;
esac
# KVM's paravirtual remote TLB flush: the guest flushes a preempted
# vCPU's TLB lazily instead of waiting for its IPI.  Linux logs it at boot.
pvflush="the kernel log cannot be read"
if dmesg 2>/dev/null | grep -q "pv remote TLB flush"; then
	pvflush="in use (the kernel log says so)"
elif dmesg >/dev/null 2>&1; then
	pvflush="not in the kernel log"
fi
# AMD's INVLPGB broadcasts a flush in hardware.  Linux 6.15 and later can
# use it (CONFIG_BROADCAST_TLB_FLUSH), for a process whose mm has a global
# ASID: not necessarily for the native rows' processes.  Not every kernel
# shows the flag in /proc/cpuinfo: both facts are reported as found.
case $flags in
*" invlpgb "*) invlpgb="/proc/cpuinfo shows it" ;;
*) invlpgb="/proc/cpuinfo does not show it (not every kernel does)" ;;
esac
kconfig=$(cat "/boot/config-$kernel" 2>/dev/null || zcat /proc/config.gz 2>/dev/null)
if [ -z "$kconfig" ]; then
	invlpgb="$invlpgb; the kernel's configuration is not readable"
elif grep -q '^CONFIG_BROADCAST_TLB_FLUSH=y' <<<"$kconfig"; then
	invlpgb="$invlpgb; the kernel is built to use it (CONFIG_BROADCAST_TLB_FLUSH)"
else
	invlpgb="$invlpgb; the kernel is not built to use it"
fi
module=no
[ -e /dev/mkchan ] && [ -e /dev/mkrep ] && module=yes
# The CPUs this process may run on (a cpuset or taskset may allow fewer
# than are online), from the kernel's list ("0-3,8"): nproc would follow
# OMP_NUM_THREADS or a cgroup quota.  mkbench measures on 256 at most.
allowed=$(awk '/^Cpus_allowed_list:/ {
	n = 0; k = split($2, r, ",")
	for (i = 1; i <= k; i++) {
		if (split(r[i], ab, "-") == 2) n += ab[2] - ab[1] + 1; else n++
	}
	print n }' /proc/self/status)
cpus=$((allowed > 256 ? 256 : allowed))

{
	echo "kernel=$kernel"
	echo "series=$series"
	echo "cpu_model=$cpu_model"
	echo "cpu_family=$cpu_family"
	echo "cpu_model_number=$cpu_modelno"
	echo "cpus_online=$online"
	echo "ncpus=$ncpus"
	echo "cpus_allowed=$allowed"
	echo "numa_nodes=$nodes"
	echo "smt_active=$smt"
	echo "cpu0_thread_siblings=$siblings"
	echo "hypervisor=$hypervisor"
	echo "pv_tlb_flush=$pvflush"
	echo "invlpgb=$invlpgb"
	echo "module=$module"
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$dir/env.txt"

# --- the suites --------------------------------------------------------------

if [ "$quick" = 1 ]; then
	urpc_args=(--reps 3 --iters 3000)
	shootdown_args=(--cpus "$cpus" --iters 20)
	counter_args=(--cpus "$cpus" --iters 256 --reps 3)
	bystander_args=(--cpus "$cpus" --iters 100)
	shardcache_args=(--cpus "$cpus" --seconds 0.2 --rates "0,1000")
else
	urpc_args=(--reps 10)
	shootdown_args=(--cpus "$cpus")
	counter_args=(--cpus "$cpus")
	bystander_args=(--cpus "$cpus")
	shardcache_args=(--cpus "$cpus" --rates "0,100,1000,10000,100000")
fi

failed=()
declare -A ran	# each suite's arguments, for report.rst

# shardcache.png: p50, p99 and p99.9 against the resize rate, a line each
# way and percentile, from shardcache.csv (way,rate,metric,value).
plot_shardcache() {
	command -v gnuplot >/dev/null || return 0
	local way m data=$dir/shardcache.dat
	: >"$data"
	for way in linux mkrep; do
		for m in p50 p99 p999; do
			grep -q "^$way,.*,latency_ns_$m," "$dir/shardcache.csv" ||
				continue
			{
				echo "$way-$m"
				awk -F, -v w="$way" -v m="latency_ns_$m" \
					'$1 == w && $3 == m { print $2, $4 }' \
					"$dir/shardcache.csv"
				printf '\n\n'
			} >>"$data"
		done
	done
	gnuplot <<-EOF 2>/dev/null || say "shardcache: gnuplot failed"
		set terminal pngcairo size 900,600
		set output '$dir/shardcache.png'
		set title 'shardcache: request latency against the resize rate'
		set xlabel 'resizes a second (0 drawn at 1)'
		set ylabel 'request latency (ns)'
		set logscale xy
		set key outside right top
		set grid
		plot for [i=0:*] '$data' index i using (\$1 > 0 ? \$1 : 1):2 \
			with linespoints title columnheader(1)
	EOF
	rm -f "$data"
}
# The workload, beside mkbench in the build: its latency against the
# resize rate, both ways where the module is there.
run_shardcache() {
	local t=$SECONDS

	if [ ! -x "$shardcache" ]; then
		say "shardcache: not built ($shardcache)"
		return
	fi
	ran[shardcache]="${shardcache_args[*]}"
	say "shardcache: running (${shardcache_args[*]})"
	if "$shardcache" --csv "$dir/shardcache.csv" "${shardcache_args[@]}" \
		>"$dir/shardcache.txt" 2>"$dir/shardcache.err"; then
		say "shardcache: done in $((SECONDS - t)) s"
		rm -f "$dir/shardcache.err"
		plot_shardcache
	else
		say "shardcache: FAILED (see shardcache.err)"
		failed+=(shardcache)
	fi
}

run() {
	local suite=$1 start=$SECONDS
	shift
	ran[$suite]="$*"
	say "$suite: running ($*)"
	# stderr is kept for a suite that failed (gnuplot's chatter is not).
	if "$mkbench" "$suite" --csv "$dir/$suite.csv" --plot "$dir/$suite.png" \
		"$@" >"$dir/$suite.txt" 2>"$dir/$suite.err"; then
		say "$suite: done in $((SECONDS - start)) s"
		rm -f "$dir/$suite.err"
	else
		say "$suite: FAILED (see $suite.err)"
		failed+=("$suite")
	fi
}

# --- report.rst ----------------------------------------------------------------

# The lines of a suite's table from the line matching $2 to the end.
from_line() { sed -n "/$2/,\$p" "$dir/$1.txt" 2>/dev/null; }

indent() { sed 's/^/    /'; }

# report.rst from what has run so far; $1 names what has not.
write_report() {
	local partial=$1 title s

	{
		title="mkbench report: $cpu_model, $ncpus CPUs, Linux $kernel"
		echo "$title"
		printf '%*s\n' "${#title}" '' | tr ' ' '='
		echo
		echo "Environment"
		echo "-----------"
		echo
		echo "* kernel: $kernel (series $series)"
		echo "* CPU: $cpu_model (family $cpu_family, model $cpu_modelno)"
		echo "* CPUs online: $online ($ncpus); NUMA nodes: $nodes"
		echo "* SMT active: $smt; CPU 0's siblings: $siblings"
		echo "* hypervisor: $hypervisor; its paravirtual TLB flush: $pvflush"
		echo "* hardware broadcast TLB flush (INVLPGB): $invlpgb"
		echo "* mkchan and mkrep loaded: $module"
		echo
		echo "What ran"
		echo "--------"
		echo
		echo "Ran:$(for s in shootdown counter bystander shardcache urpc; do
			[ -z "${ran[$s]+set}" ] || printf ' %s' "$s"; done); the mkbench"
		echo "suites with \`\`--backend auto\`\`, over the first $cpus of the"
		echo "$allowed CPUs this run was allowed (urpc: the first two)."
		if [ "$module" = no ]; then
			echo "Left out: the module's rows (mkchan and mkrep are not loaded"
			echo "here): urpc ran over shared memory, shardcache Linux's way only."
		fi
		[ "$cpus" -ge 2 ] ||
			echo "Left out: bystander and shardcache (they need 2 CPUs)."
		[ -n "${ran[shardcache]+set}" ] || [ "$cpus" -lt 2 ] || [ -n "$partial" ] ||
			echo "Left out: the shard-per-core workload (shardcache is not built)."
		[ -z "$partial" ] ||
			echo "Not yet run when this was written: $partial."
		if [ ${#failed[@]} -gt 0 ]; then
			echo "FAILED: ${failed[*]} (their .err files say why)."
		fi
		echo
		echo "Verdicts"
		echo "--------"
		echo
		echo "Only mkbench urpc has targets; each is judged per placement of its"
		echo "two CPUs, on the rounds whose cache-line time was stable, with the"
		echo "rule printed above the verdicts::"
		echo
		from_line urpc '^  targets, per placement' | indent
		echo
		echo "Tables"
		echo "------"
		echo
		for s in shootdown counter bystander shardcache urpc; do
			[ -f "$dir/$s.txt" ] || continue
			echo "$s.txt::"
			echo
			indent <"$dir/$s.txt"
			echo
		done
		echo "Reproduce"
		echo "---------"
		echo
		echo "From the top of the mkernel tree::"
		echo
		echo "    make bench-report REPORT_DIR=<dir>$([ "$quick" = 1 ] && echo " QUICK=1")"
		echo
		echo "which ran::"
		echo
		for s in shootdown counter bystander urpc; do
			[ -n "${ran[$s]+set}" ] || continue
			echo "    $mkbench $s --csv DIR/$s.csv --plot DIR/$s.png${ran[$s]:+ ${ran[$s]}}"
		done
		[ -z "${ran[shardcache]+set}" ] ||
			echo "    $shardcache --csv DIR/shardcache.csv ${ran[shardcache]}"
	} >"$dir/report.rst"
}

# The short suites first: a run cut short keeps them.
shardcache=$(dirname "$mkbench")/shardcache
run shootdown "${shootdown_args[@]}"
write_report "counter, bystander, shardcache, urpc"
run counter "${counter_args[@]}"
write_report "bystander, shardcache, urpc"
if [ "$cpus" -ge 2 ]; then
	run bystander "${bystander_args[@]}"
	write_report "shardcache, urpc"
	run_shardcache
	write_report "urpc"
fi
run urpc "${urpc_args[@]}"
write_report ""

say "written: $dir (report.rst, the tables, CSVs and plots)"
[ ${#failed[@]} -eq 0 ]
