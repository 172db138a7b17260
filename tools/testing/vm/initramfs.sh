#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack the test guest's initramfs: busybox, our init, the modules of one
# kernel release, the selftests, mkdemo, mkbench and shardcache.
#
#   initramfs.sh OUT.cpio KODIR USERDIR TESTLIST [EXTRA...]
#
# KODIR holds mkchan.ko and mkrep.ko; USERDIR is the user-space build
# directory (mkdemo, selftests/); TESTLIST names the programs under
# USERDIR/selftests to run, one a line.  An EXTRA that ends in .ko is one
# more module (the runner's self-test); any other is a program of this
# machine (make fuzz: trinity), copied into /bin with the shared libraries
# it loads.
set -eu

out=${1:?usage: initramfs.sh OUT.cpio KODIR USERDIR TESTLIST [EXTRA...]}
kodir=${2:?}
userdir=${3:?}
testlist=${4:?}
shift 4
here=$(cd "$(dirname "$0")" && pwd)

root=$(mktemp -d)
chmod 0755 "$root"	# the guest's /, open to unprivileged users
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,etc,proc,sys,tmp,lib/mkernel,tests}

cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$here/init" "$root/init"
install -m 0755 "$here/run-tests.sh" "$root/bin/run-tests.sh"
install -m 0644 "$here/kernel-problems.pat" "$root/bin/kernel-problems.pat"
install -m 0755 "$userdir/mkdemo" "$root/bin/mkdemo"
install -m 0755 "$userdir/mkbench" "$root/bin/mkbench"
install -m 0755 "$userdir/shardcache" "$root/bin/shardcache"
install -m 0755 "$userdir/mkchan_example" "$root/bin/mkchan_example"
install -m 0755 "$userdir/mkrep_example" "$root/bin/mkrep_example"
# Root and the unprivileged user the tests switch to (su nobody).
printf '%s\n' root:x:0:0:root:/:/bin/sh \
	nobody:x:65534:65534:nobody:/nonexistent:/bin/false >"$root/etc/passwd"
printf '%s\n' root:x:0: nogroup:x:65534: >"$root/etc/group"

# The modules, the selftests' test modules, and the runner's own (EXTRA).
for ko in "$kodir"/*.ko; do
	objcopy --strip-debug "$ko" "$root/lib/mkernel/$(basename "$ko")"
done
for extra in "$@"; do
	case $extra in
	*.ko)	objcopy --strip-debug "$extra" "$root/lib/mkernel/$(basename "$extra")" ;;
	*)	install -m 0755 "$extra" "$root/bin/$(basename "$extra")"
		# "libc.so.6 => /lib/.../libc.so.6 (0x...)", "/lib64/ld-linux... (0x...)"
		for lib in $(ldd "$extra" | grep -o '/[^ ]*'); do
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done ;;
	esac
done

cp "$testlist" "$root/tests/tests.list"
while read -r t; do
	mkdir -p "$root/tests/$(dirname "$t")"
	install -m 0755 "$userdir/selftests/$t" "$root/tests/$t"
done <"$testlist"

# The kernel opens /dev/console for init before devtmpfs is mounted.
if [ "$(id -u)" -eq 0 ]; then
	mknod -m 0600 "$root/dev/console" c 5 1
fi

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out"
