#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's kernel in QEMU with the mkernel modules.
#
#   vm.sh check   run every selftest; exit non-zero on any failure
#   vm.sh demo    run mkdemo
#   vm.sh bench   run mkbench urpc (a TCG guest's timings are emulated)
#   vm.sh fuzz    the long pass of the seeded fuzzers (mkchan/fuzz_test,
#                 mkrep/fuzz_test), then trinity against /dev/mkchan and
#                 /dev/mkrep; exit non-zero on any failure or kernel report
#   vm.sh shell   interactive shell with the modules loaded
#
# Installs the Debian packages it needs, builds against the kernel of
# KSERIES and KFLAVOUR, packs an initramfs and boots it: under KVM when the
# guest shows life there within KVM_LIFE_TIMEOUT seconds, else under TCG.
# The guest reports on its second serial port (a file here), so the result
# does not depend on the console; a hard timeout bounds the boot.  One
# guest runs on the machine at a time: a second run waits for the first
# (a lock file names who holds it).
#
# Environment (make passes its variables of the same names):
#   KSERIES      6.12 (default) or 6.1: Debian's kernel series (kernel.sh)
#   KFLAVOUR     stock (default; debug for fuzz), rt, or debug and kcsan
#                (built once from the series' linux-source package by
#                build-kernel.sh)
#   SMP, NODES   vCPUs and emulated NUMA nodes (default 4 and 2; bench:
#                the host's cores, at most 4)
#   MEM          guest memory in MiB (default 1024)
#   ACCEL        kvm or tcg (default: KVM when /dev/kvm is there and the
#                guest reaches its init under it within KVM_LIFE_TIMEOUT
#                seconds, default 20; else the same run goes on under TCG)
#   BOOT_TIMEOUT seconds the guest may take to reach its init (default
#                180); a guest that does not is booted once more
#   VM_TIMEOUT   seconds before the guest is killed (default 600; for
#                fuzz, FUZZ_SECONDS for each fuzzer + TRINITY_SECONDS + 900)
#   BUILD        build directory (default build/)
#   FUZZ_TESTS       fuzz: the seeded fuzzers to run, of "mkchan mkrep"
#                    (default both)
#   FUZZ_OPS         fuzz: operations of each seeded fuzzer (default 1000000)
#   FUZZ_SECONDS     fuzz: a fuzzer stops after this many seconds if it
#                    has not done FUZZ_OPS by then (default 3600)
#   FUZZ_SEED        fuzz: the fuzzers' seed, to replay a run (default: a
#                    new one, printed)
#   TRINITY_SECONDS  fuzz: how long trinity runs (default 300; 0: not at all)
#   MKCHECK_INJECT         runner self-test: fail, warn, panic, hang, uaf
#                          (KASAN), race (KCSAN), or early-panic (the
#                          kernel panics before it reaches our init)
#   MKCHECK_PANIC_ON_WARN  0 to boot without panic_on_warn (default 1)
#   MKCHECK_TESTS          check: only these selftests, by their names in
#                          tests.list (mkchan/kapi_test ...), each as often
#                          as it is named; default all of them
set -euo pipefail

mode=${1:?usage: vm.sh check|demo|bench|fuzz|shell}
vm=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$vm/../../.." && pwd)
smp=${SMP:-4}
nodes=${NODES:-2}
# Benchmarks: no more vCPUs than the host has cores (at most 4), unless
# SMP says otherwise: an emulated vCPU that waits for a host core makes
# contention that no machine has.
if [ "$mode" = bench ] && [ -z "${SMP:-}" ]; then
	smp=$(nproc)
	[ "$smp" -gt 4 ] && smp=4
	[ $((smp % nodes)) -eq 0 ] || nodes=1
fi
mem=${MEM:-1024}
inject=${MKCHECK_INJECT:-}
fuzz_ops=${FUZZ_OPS:-1000000}
fuzz_seconds=${FUZZ_SECONDS:-3600}
fuzz_seed=${FUZZ_SEED:-}
read -ra fuzz_tests <<<"${FUZZ_TESTS:-mkchan mkrep}"
trinity_seconds=${TRINITY_SECONDS:-300}
BUILD=${BUILD:-$top/build}
series=${KSERIES:-6.12}
export KSERIES=$series
kvm_dev=${MKCHECK_KVM_DEV:-/dev/kvm}
kvm_life=${KVM_LIFE_TIMEOUT:-20}
kvm_verdict=${MKERNEL_KVM_VERDICT:-${MKERNEL_CACHE:-/var/cache/mkernel}/kvm-unusable}
lock=${MKERNEL_VM_LOCK:-/run/lock/mkernel-vm.lock}
# Selftests that need no module, run on this machine as well (check).
host_tests="mkrep/counter_rseq_test"

say() { echo "mkernel: $*"; }

case $mode in check|demo|bench|fuzz|shell) ;; *) echo "vm.sh: unknown mode '$mode'" >&2; exit 2 ;; esac
if [ "$nodes" -lt 1 ] || [ $((smp % nodes)) -ne 0 ] || [ $((mem % nodes)) -ne 0 ]; then
	echo "vm.sh: need NODES >= 1, and SMP and MEM divisible by NODES" >&2
	exit 2
fi
deps=(build vm)
if [ "$mode" = fuzz ]; then
	for n in "$fuzz_ops" "$fuzz_seconds" "$trinity_seconds" "${fuzz_seed:-0}"; do
		if ! [[ $n =~ ^[0-9]+$ ]]; then
			echo "vm.sh: FUZZ_OPS, FUZZ_SECONDS, FUZZ_SEED and TRINITY_SECONDS are numbers" >&2
			exit 2
		fi
	done
	# The fuzzer's harness kills it after 7200 s.
	if [ "$fuzz_seconds" -lt 1 ] || [ "$fuzz_seconds" -gt 7000 ]; then
		echo "vm.sh: FUZZ_SECONDS is 1 to 7000" >&2
		exit 2
	fi
	if [ -n "$inject" ]; then
		echo "vm.sh: MKCHECK_INJECT is for check" >&2
		exit 2
	fi
	for t in "${fuzz_tests[@]}"; do
		case $t in mkchan|mkrep) ;; *)
			echo "vm.sh: FUZZ_TESTS names mkchan, mkrep or both" >&2
			exit 2 ;;
		esac
	done
	# One seed for every fuzzer, so that one command replays the run.
	[ -n "$fuzz_seed" ] || fuzz_seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	[ "$trinity_seconds" -gt 0 ] && deps+=(fuzz)
	flavour=${KFLAVOUR:-debug}
	vm_timeout=${VM_TIMEOUT:-$((${#fuzz_tests[@]} * fuzz_seconds + trinity_seconds + 900))}
else
	flavour=${KFLAVOUR:-stock}
	vm_timeout=${VM_TIMEOUT:-600}
fi

# One guest on the machine at a time: two guests on its few cores make
# TCG stall, and two runs of one tree would share its run directory.  The
# lock is held from here to the end (the build included: a kernel build
# beside a guest slows it down as much), and says who holds it.  It is
# opened for reading, so that the file can belong to another user.
if [ ! -e "$lock" ]; then
	mkdir -p "$(dirname "$lock")"
	( umask 0; : >>"$lock" ) 2>/dev/null || true
fi
if ! exec {lock_fd}<"$lock"; then
	echo "vm.sh: cannot open the guest lock $lock (MKERNEL_VM_LOCK)" >&2
	exit 2
fi
if ! flock -n "$lock_fd"; then
	say "another mkernel guest runs on this machine ($(head -n 1 "$lock" 2>/dev/null || true)): waiting for it to finish"
	flock "$lock_fd"
	say "the other guest finished; going on"
fi
echo "pid $$, make $mode KSERIES=$series KFLAVOUR=$flavour in $top, since $(date '+%F %T')" \
	2>/dev/null >"$lock" || true

# A guest still running when this script ends (an interrupt, a failure)
# is killed: it would hold the lock until VM_TIMEOUT.
qemu_pid=
# shellcheck disable=SC2317  # called by the traps
stop_guest() {
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null || true
	fi
}
trap stop_guest EXIT
trap 'stop_guest; exit 130' INT
trap 'stop_guest; exit 143' TERM

# A benchmark installs nothing behind the user's back: `make deps` does.
install=yes
[ "$mode" = bench ] && install=no
DEPS_INSTALL=$install KFLAVOUR=$flavour "$vm/deps.sh" "${deps[@]}"
case $flavour in
debug|kcsan)	"$vm/build-kernel.sh" "$flavour" ;;
esac
kver=$("$vm/kernel.sh" "$flavour" kver)
kdir=$("$vm/kernel.sh" "$flavour" kdir)
vmlinuz=$("$vm/kernel.sh" "$flavour" vmlinuz)
make -C "$top" --no-print-directory all KDIR="$kdir" BUILD="$BUILD"

run=$BUILD/vm/$series-$flavour
mkdir -p "$run"
kodir=$BUILD/kernel/$kver/ko
list=$BUILD/user/selftests/tests.list
if [ "$mode" = check ] && [ -n "${MKCHECK_TESTS:-}" ]; then
	read -ra only <<<"$MKCHECK_TESTS"
	if [ "${#only[@]}" -eq 0 ]; then
		echo "vm.sh: MKCHECK_TESTS names no selftest" >&2
		exit 2
	fi
	for t in "${only[@]}"; do
		if ! grep -qxF "$t" "$list"; then
			echo "vm.sh: MKCHECK_TESTS: no selftest '$t' (see $list)" >&2
			exit 2
		fi
	done
	printf '%s\n' "${only[@]}" >"$run/tests.list"
	list=$run/tests.list
	say "MKCHECK_TESTS: ${#only[@]} runs of the selftests it names, not make check"
fi
# The selftests that need no module run on this machine too, before the
# guest: a TCG guest never interrupts a restartable sequence between its
# load and its store, real hardware does (counter_rseq_test.c).
if [ "$mode" = check ]; then
	for t in $host_tests; do
		grep -qxF "$t" "$list" || continue
		say "on this machine: $t"
		if ! "$BUILD/user/selftests/$t" >"$run/host-${t//\//-}.log" 2>&1; then
			cat "$run/host-${t//\//-}.log"
			say "FAILED on this machine: $t"
			exit 1
		fi
		grep '^# Totals' "$run/host-${t//\//-}.log" | sed "s|^|mkernel: $t here: |"
	done
fi
extra=()
inject_args=
inject_cmdline=
case $inject in
"")	;;
early-panic)
	# No init to run: the kernel panics (no root to mount), before ours.
	inject_cmdline=" rdinit=/mkernel-no-such-init"
	list=$run/inject.list
	: >"$list" ;;
fail)	make -C "$top" --no-print-directory inject KDIR="$kdir" BUILD="$BUILD"
	list=$run/inject.list
	echo inject/fail_test >"$list" ;;
warn|panic|hang|uaf|race|lockup)
	make -C "$top" --no-print-directory inject KDIR="$kdir" BUILD="$BUILD"
	extra=("$BUILD/kernel/$kver/inject/mkinject.ko")
	inject_args="$inject=1"
	list=$run/inject.list
	: >"$list" ;;
*)	echo "vm.sh: MKCHECK_INJECT is one of fail, warn, panic, hang, uaf, race, lockup, early-panic" >&2; exit 2 ;;
esac
# make fuzz: run-tests.sh runs the fuzzer and trinity's runner (a script)
# as its selftests, so that the modules' unloading, the kernel log,
# kmemleak and the taint flags are checked as by make check.
if [ "$mode" = fuzz ]; then
	list=$run/fuzz.list
	printf '%s/fuzz_test\n' "${fuzz_tests[@]}" >"$list"
	if [ "$trinity_seconds" -gt 0 ]; then
		make -C "$top" --no-print-directory fuzz-tests BUILD="$BUILD"
		echo fuzz/trinity_test >>"$list"
		extra+=("$(command -v trinity)")
	fi
fi
"$vm/initramfs.sh" "$run/initramfs.cpio" "$kodir" "$BUILD/user" "$list" "${extra[@]}"

# Accelerator.  /dev/kvm can be there and still not run a guest: on some
# machines QEMU aborts at once (nested virtualisation without the MSRs it
# sets), on others the guest starts and never runs a single instruction of
# its kernel.  So KVM, unless ACCEL names one, is only tried: the guest
# must reach its init within KVM_LIFE_TIMEOUT seconds, or the run goes on
# under TCG.  A failed try is remembered for this machine (the file
# kvm_verdict, with what identifies the machine's KVM: host kernel, QEMU,
# CPU), so that later runs go to TCG at once; a new host kernel or QEMU
# tries again.
kvm_identity() {
	echo "$kvm_dev $(uname -r) $(qemu-system-x86_64 --version 2>/dev/null | head -n 1)" \
	     "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
}
accel=${ACCEL:-}
accel_tried=
case $accel in
kvm|tcg) ;;
"")	accel=tcg
	if [ ! -r "$kvm_dev" ] || [ ! -w "$kvm_dev" ]; then
		:
	elif [ "$(head -n 1 "$kvm_verdict" 2>/dev/null)" = "$(kvm_identity)" ]; then
		say "KVM did not run a guest on this machine before ($(sed -n 2p "$kvm_verdict")); TCG (ACCEL=kvm, or removing $kvm_verdict, tries again)"
	else
		accel=kvm
		accel_tried=1
	fi ;;
*)	echo "vm.sh: ACCEL is kvm or tcg" >&2; exit 2 ;;
esac
if ! [[ $kvm_life =~ ^[0-9]+$ ]] || [ "$kvm_life" -lt 1 ]; then
	echo "vm.sh: KVM_LIFE_TIMEOUT is a number of seconds" >&2
	exit 2
fi

set_accel() {
	accel=$1
	case $accel in
	kvm)	accel_args=(-accel kvm -cpu host); env_desc="KVM guest" ;;
	tcg)	accel_args=(-accel "tcg,thread=multi" -cpu max)
		env_desc="TCG guest (software emulation: its timings are not hardware timings)" ;;
	esac
}
set_accel "$accel"

# NUMA: one socket a node, as on real machines (a node boundary inside a
# socket's shared cache makes the kernel WARN), the memory split evenly.
per_cpus=$((smp / nodes))
per_mem=$((mem / nodes))
numa_args=(-smp "$smp,sockets=$nodes,cores=$per_cpus,threads=1")
for ((node = 0; node < nodes; node++)); do
	first=$((node * per_cpus))
	numa_args+=(-object "memory-backend-ram,id=mem$node,size=${per_mem}M"
		    -numa "node,nodeid=$node,cpus=$first-$((first + per_cpus - 1)),memdev=mem$node")
done

panic_on_warn=${MKCHECK_PANIC_ON_WARN:-1}
cmdline="console=ttyS0 loglevel=5 panic=-1 oops=panic panic_on_warn=$panic_on_warn"
cmdline+=" softlockup_panic=1 softlockup_all_cpu_backtrace=1 mitigations=off"
cmdline+=" mkernel.mode=$mode"
[ -n "$inject_args" ] && cmdline+=" mkernel.inject=$inject_args"
cmdline+="$inject_cmdline"
if [ "$mode" = fuzz ]; then
	cmdline+=" mkernel.fuzz_ops=$fuzz_ops mkernel.fuzz_seconds=$fuzz_seconds"
	cmdline+=" mkernel.trinity_seconds=$trinity_seconds mkernel.fuzz_seed=$fuzz_seed"
fi

console=$run/console.log
result=$run/result.ktap
rm -f "$console" "$result"
: >"$result"
# The QEMU command line of the current accelerator.
qemu_cmd() {
	qemu=(qemu-system-x86_64 -nodefaults -display none -no-reboot
	      "${accel_args[@]}" -m "$mem" "${numa_args[@]}"
	      -kernel "$vmlinuz" -initrd "$run/initramfs.cpio"
	      -append "$cmdline mkernel.accel=$accel")
}


say "$mode on $kver (Linux $series, $flavour), $smp vCPUs, $nodes NUMA nodes, ${mem} MiB"

if [ "$mode" = shell ]; then
	if [ -n "$accel_tried" ]; then
		say "KVM untried for a shell; ACCEL=kvm to use it, running under TCG"
		set_accel tcg
	fi
	qemu_cmd
	exec "${qemu[@]}" -serial mon:stdio -serial "file:$result"
fi

# Boot the guest once, allowing it LIMIT seconds to reach its init, with
# QEMU's own messages in the file ERRLOG if given: 0 when it did and ran
# (qemu's status in qemu_rc), 1 when it did not reach its init in time, 2
# when QEMU exited before.
boot() {
	local limit=$1 errlog=${2:-} waited=0 tail_pid

	rm -f "$console"
	: >"$result"
	qemu_cmd
	if [ -n "$errlog" ]; then
		timeout -k 10 "$vm_timeout" "${qemu[@]}" -serial "file:$console" \
			-serial "file:$result" 2>"$errlog" &
	else
		timeout -k 10 "$vm_timeout" "${qemu[@]}" -serial "file:$console" \
			-serial "file:$result" &
	fi
	qemu_pid=$!
	# Show what the guest reports while it runs.
	tail -n +1 -F --pid=$qemu_pid "$result" 2>/dev/null |
		grep --line-buffered -v '^# mkernel-vm: \(init\|end\)' &
	tail_pid=$!
	while [ ! -s "$result" ] && kill -0 $qemu_pid 2>/dev/null; do
		if [ "$waited" -ge "$limit" ]; then
			kill $qemu_pid 2>/dev/null
			wait $qemu_pid 2>/dev/null || true
			qemu_pid=
			wait $tail_pid 2>/dev/null || true
			return 1
		fi
		sleep 1
		waited=$((waited + 1))
	done
	qemu_rc=0
	wait $qemu_pid || qemu_rc=$?
	qemu_pid=
	wait $tail_pid 2>/dev/null || true
	[ -s "$result" ] || return 2
	return 0
}

# Under TCG a guest now and then wedges or oopses while it boots, before
# any of our code runs (QEMU 7.2's multi-threaded TCG and the kernel
# patching its own text, most often on a loaded host: an "Oops: int3" in a
# timer softirq was seen): such a boot is tried once more, its console
# kept beside the second's.
boot_timeout=${BOOT_TIMEOUT:-180}
start=$SECONDS
boot_rc=0
if [ -n "$accel_tried" ]; then
	boot "$kvm_life" "$run/qemu-kvm.log" || boot_rc=$?
	if [ "$boot_rc" -ne 0 ]; then
		why="did not reach its init within KVM_LIFE_TIMEOUT=${kvm_life}s"
		[ "$boot_rc" -eq 2 ] && why="stopped before its init (QEMU status $qemu_rc)"
		say "the KVM guest $why: going on under TCG (QEMU's words in $run/qemu-kvm.log; ACCEL=tcg skips the try)"
		# Remembered only when the guest's kernel printed nothing at
		# all: one that did runs, slowly or into a panic of its own.
		if [ -s "$console" ]; then
			say "its kernel did print, so KVM is tried again next time"
		elif mkdir -p "$(dirname "$kvm_verdict")"; then
			printf '%s\nthe KVM guest %s, %s\n' "$(kvm_identity)" "$why" \
			       "$(date '+%F')" >"$kvm_verdict" || true
		fi
		set_accel tcg
		start=$SECONDS
		boot_rc=0
		boot "$boot_timeout" || boot_rc=$?
	fi
else
	boot "$boot_timeout" || boot_rc=$?
fi
if [ "$boot_rc" -ne 0 ]; then
	if [ "$boot_rc" -eq 1 ]; then
		say "the guest did not reach its init within BOOT_TIMEOUT=${boot_timeout}s; last console lines:"
	else
		say "the guest stopped before its init (QEMU status $qemu_rc); last console lines:"
	fi
	{ tail -n 5 "$console" 2>/dev/null || echo "(QEMU wrote no console)"; } | sed 's/^/  | /'
	cp "$console" "$run/console-first-boot.log" 2>/dev/null || true
	say "booting it once more (the first boot's console: $run/console-first-boot.log)"
	start=$SECONDS
	boot_rc=0
	boot "$boot_timeout" || boot_rc=$?
	if [ "$boot_rc" -eq 1 ]; then
		qemu_rc=0
		boot_failed=1
	fi
fi
say "guest ran $((SECONDS - start)) s, $env_desc"
[ "$list" = "$run/tests.list" ] &&
	say "MKCHECK_TESTS: only the selftests it names ran: not make check"

# What went wrong outside the tests themselves.
problems=0
if [ -n "${boot_failed:-}" ]; then
	echo "  FAILED  the guest did not reach its init within BOOT_TIMEOUT=${boot_timeout}s, twice"
	problems=$((problems + 1))
elif [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	echo "  FAILED  the guest did not finish within VM_TIMEOUT=${vm_timeout}s"
	problems=$((problems + 1))
elif [ "$qemu_rc" -ne 0 ]; then
	echo "  FAILED  qemu exited with status $qemu_rc"
	problems=$((problems + 1))
fi
if grep -E -f "$vm/kernel-problems.pat" "$console" >"$run/console-problems.txt"; then
	echo "  FAILED  the guest console reports kernel problems:"
	sed 's/^/          /' "$run/console-problems.txt" | head -40
	problems=$((problems + 1))
fi

# make fuzz: what the fuzzers did, from their reports.
fuzz_summary() {
	local t seed ops ran secs calls unexpected more trinity checks

	echo "mkernel: fuzz summary"
	for t in "${fuzz_tests[@]}"; do
		# In the output of "# selftests: $t/fuzz_test":
		# "...:MKFUZZ_SEED=S MKFUZZ_OPS=N", "...:N operations in S s,
		# N system calls, N failed as defined, N unexpected", and from
		# mkrep's, "...:N by this process, N by N member processes...",
		# "...:this process: ..." and "...:member processes: ..."
		seed='' ops='' ran='' secs='' calls='' unexpected='' more=''
		read -r seed ops ran secs calls unexpected more < <(awk -v t="# selftests: $t/fuzz_test" '
			/^# selftests: / { on = ($0 == t) }
			!on { next }
			match($0, /:MKFUZZ_SEED=[0-9]+ MKFUZZ_OPS=[0-9]+$/) {
				split(substr($0, RSTART + 13), a, / MKFUZZ_OPS=/)
				seed = a[1]; ops = a[2]
			}
			/:[0-9]+ operations in [0-9]+ s, [0-9]+ system calls, / {
				sub(/.*:/, ""); ran = $1; secs = $4; calls = $6
				unexpected = $(NF - 1)
			}
			/:([0-9]+ by this process, |this process: |member processes: )/ {
				sub(/^[^:]*:[^:]*:[^:]*:/, "")
				more = more (more == "" ? "" : "; ") $0
			}
			END { print seed, ops, ran, secs, calls, unexpected, more }' "$result") || true
		if [ -n "$ran" ]; then
			printf '  %-8s %s\n' "$t" "$ran of $ops operations in $secs s ($((ran / (secs > 0 ? secs : 1))) a second), seed $seed: $calls system calls, $unexpected unexpected results"
			[ -z "$more" ] || echo "$more" | sed 's/^/           /; s/; /\n           /g'
			# mkrep's member processes may finish a few past FUZZ_OPS.
			if [ "$ran" -lt "$ops" ]; then
				echo "           stopped by FUZZ_SECONDS=$fuzz_seconds"
				ops=$ran
			fi
			echo "           replay: make fuzz FUZZ_TESTS=$t FUZZ_SEED=$seed FUZZ_OPS=$ops TRINITY_SECONDS=0"
		else
			printf '  %-8s %s\n' "$t" "did not finish${seed:+ (seed $seed)}"
		fi
	done
	if [ "$trinity_seconds" -gt 0 ]; then
		trinity=$(sed -n 's/^# # trinity: //p' "$result" | tail -n 1)
		echo "  trinity  ${trinity:-did not finish}"
	fi
	checks=$(grep -Eo '^(not )?ok [0-9]+ (kernel log clean|kmemleak clean|kernel not tainted)' "$result" |
		 sed -E 's/^(not ok|ok) [0-9]+ (.*)/\2: \1/' | paste -sd, - | sed 's/,/, /g' || true)
	echo "  kernel   $(grep -c . "$run/console-problems.txt" || true) report lines on the console;" \
		"${checks:-the guest did not check its log}"
}

status=0
if [ "$mode" = check ] || [ "$mode" = fuzz ]; then
	echo "mkernel: summary ($kver, $env_desc)"
	awk -v require_end=1 -v extra_fail="$problems" \
		-f "$vm/ktap-summary.awk" "$result" || status=1
	[ "$mode" = fuzz ] && fuzz_summary
else
	end=$(sed -n 's/^# mkernel-vm: end rc=//p' "$result")
	if [ -z "$end" ]; then
		echo "  FAILED  the guest did not report the end of the $mode"
		status=1
	elif [ "$end" -ne 0 ]; then
		echo "  FAILED  the $mode exited with status $end"
		status=1
	fi
	[ "$problems" -eq 0 ] || status=1
fi

if [ "$status" -ne 0 ]; then
	echo "mkernel: last lines of the guest console ($console):"
	{ tail -n 40 "$console" 2>/dev/null || echo "(QEMU wrote no console)"; } | sed 's/^/  | /'
	# Where each CPU was when the kernel reported: a stall or lockup
	# report carries the backtraces of every CPU.  Printed last, where a
	# truncated log still shows it.
	if grep -q -E '^\[ *[0-9.]+\] (CPU: [0-9]+ PID|RIP: 0010:)' "$console"; then
		echo "mkernel: where the CPUs were in the kernel's reports:"
		grep -E '^\[ *[0-9.]+\] (NMI backtrace for cpu|CPU: [0-9]+ PID|RIP: 0010:)' "$console" |
			head -n 24 | sed 's/^/  | /'
	fi
fi
exit $status
