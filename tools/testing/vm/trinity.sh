#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz, in the guest: trinity, Debian's system-call fuzzer, against
# /dev/mkchan and /dev/mkrep.  run-tests.sh runs it as one more selftest
# program, with the modules loaded, after the seeded fuzzer; it reports as
# one KTAP test and its last line "trinity: ..." sums it up.
#
# Trinity refuses to run as root: it runs as nobody for MKTRINITY_SECONDS,
# with 8 children, 64-bit system calls only, and only those a character
# device answers (SYSCALLS), in a tmpfs of its own (its test files fill
# whatever they are given).  Its victim path (-V) is a directory there
# holding the two device nodes: the descriptors it opens from there at
# start (the "pseudo" provider) are the devices or the directory itself.
# This trinity (Debian's 1.9+git20230109) needs more: its children crash
# in every ioctl() unless the test-file and socket providers are enabled
# too (it walks their object lists), and its main process dies now and
# then while it makes its sockets (a random protocol's setsockopt(), even
# with LOCAL sockets only, -P), before any child starts.  When it dies of
# SIGSEGV it is started again, up to 10 times, for the time left; the
# counts are those of the last start.  It has no ioctl table for mkchan:
# the commands it sends the devices are random numbers or other drivers'.
#
# Fails when trinity stops for another reason than its time, when it ran
# no system call on a device descriptor, or when the kernel logged a
# problem (kernel-problems.pat) meanwhile.
#
# Environment:
#   MKTRINITY_SECONDS  how long trinity runs (default 300)

set -u
seconds=${MKTRINITY_SECONDS:-300}
dir=/tmp/trinity
cwd=$dir/cwd
out=$dir/trinity.out
patterns=/bin/kernel-problems.pat
children=8
syscalls="ioctl open openat read write readv writev poll ppoll select mmap
	lseek fcntl dup dup3 flock newfstat"

echo "TAP version 13"
echo "1..1"
fail() {
	echo "# $*"
	echo "not ok 1 trinity"
	exit 1
}

rm -rf "$dir"
if ! mkdir -p "$cwd" || ! mount -t tmpfs -o size=64m tmpfs "$cwd" ||
   ! mkdir "$cwd/victims"; then
	fail "cannot make $cwd"
fi
for dev in mkchan mkrep; do
	IFS=: read -r major minor <"/sys/class/misc/$dev/dev" || fail "no /dev/$dev"
	mknod -m 0666 "$cwd/victims/$dev" c "$major" "$minor" || fail "no /dev/$dev"
done
chown -R 65534:65534 "$cwd"

args="-a 64 -C $children -V $cwd/victims -l off --stats"
args="$args --enable-fds=pseudo,testfile,sockets,pipes -P LOCAL"
for s in $syscalls; do
	args="$args -c $s"
done
echo "# trinity $args, as nobody, for $seconds s"

log_from=$(dmesg | wc -l)
start=$(date +%s)
cd "$cwd" || fail "cannot enter $cwd"
tries=0
while :; do
	tries=$((tries + 1))
	left=$((start + seconds - $(date +%s)))
	# SIGINT: trinity stops its children and prints its statistics.
	timeout -s INT -k 60 "$left" su -s /bin/sh nobody -c "exec trinity $args" >"$out" 2>&1
	rc=$?
	if [ "$rc" -ne 139 ] || [ "$tries" -ge 10 ] || [ "$left" -le 10 ]; then
		break
	fi
	echo "# trinity's main process crashed (SIGSEGV): again, for the time left"
done
secs=$(($(date +%s) - start))
# Its children outlive it a moment; they must not hold the devices.  (This
# script is installed as fuzz/trinity_test: pidof does not find it.)
for _ in $(seq 30); do
	pids=$(pidof trinity) || break
	sleep 1
done
if pids=$(pidof trinity); then
	echo "# trinity processes left after 30 s, killed: $pids"
	# shellcheck disable=SC2086 # a list of process ids
	kill -9 $pids
	sleep 1
fi
cd / && umount "$cwd"
# One message a line: its processes write into each other's lines.
lines=$dir/trinity.lines
awk '{ gsub(/\[(main|child[0-9]+:[0-9]+)\] /, "\n&"); print }' "$out" | grep . >"$lines"

# Its own report, without its per-call lines, maps and other descriptors.
grep -v -E -e '^\[child|^= |start: 0x|futex: |(testfile|socket|pipe) fd|setsockopt' \
	-e "Couldn't open socket|Can't do protocol" "$lines" | sed 's/^/# /'

# The calls on the descriptors of the devices it opened at start: those
# it names fd, fildes or oldfd.
fds=$(sed -n 's|^\[main\] file fd:\([0-9]*\) filename:'"$cwd"'/victims/mk[a-z]* .*|\1|p' "$lines" |
	tr '\n' ' ')
on_devices=$(awk -v fds=" $fds" '
	/^\[child[0-9]+:[0-9]+\] \[[0-9]+\] [a-z0-9]+\(/ &&
	match($0, /[( ](fd|fildes|oldfd)=[0-9]+[,)]/) {
		fd = substr($0, RSTART + 1, RLENGTH - 2)
		sub(/.*=/, "", fd)
		if (index(fds, " " fd " ")) {
			n++
			name = $3
			sub(/\(.*/, "", name)
			calls[name]++
		}
	}
	END {
		printf "%d", n
		for (c in calls)
			printf " %s:%d", c, calls[c]
	}' "$lines")
ran=$(sed -n 's/^\[main\] Ran \([0-9]*\) syscalls.*/\1/p' "$lines")
seed=$(sed -n 's/^\[main\] Initial random seed: \([0-9]*\).*/\1/p' "$lines")
why=$(sed -n 's/^\[main\] Bailing main loop because \(.*\)\.$/\1/p' "$lines")

problems=$(dmesg | tail -n +$((log_from + 1)) | grep -E -f "$patterns")
if [ -n "$problems" ]; then
	echo "$problems" | sed 's/^/# /'
	echo "# the kernel logged problems: trinity's last calls:"
	grep '^\[child' "$lines" | tail -n 40 | sed 's/^/# /'
	fail "trinity: the kernel reports problems"
fi
if [ "$rc" -ne 0 ] || [ "$why" != ctrl-c ]; then
	fail "trinity: exit status $rc, stopped because '${why:-?}', not at its time"
fi
# shellcheck disable=SC2086 # a count, then name:count words
set -- $on_devices
n=$1
shift
[ "$n" -gt 0 ] || fail "trinity: no system call on the devices' descriptors"
echo "# trinity: ${ran:-0} system calls in $secs s as nobody, $children children," \
	"seed ${seed:-?}, started $tries times; $n on the devices' descriptors ($*)"
echo "ok 1 trinity"
