#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Map a kernel flavour to Debian's packages and to the kernel they install.
#
#   kernel.sh FLAVOUR packages   the Debian packages of the flavour
#   kernel.sh FLAVOUR kver       the kernel release
#   kernel.sh FLAVOUR kdir       its kbuild directory (headers or build)
#   kernel.sh FLAVOUR vmlinuz    its kernel image
#   kernel.sh FLAVOUR builddir   where build-kernel.sh builds it (debug,
#                                kcsan only)
#
# Flavours: stock (linux-image-amd64), rt (linux-image-rt-amd64, PREEMPT_RT),
# and two that mkernel builds from Debian's linux-source-6.1 with a config
# fragment of its own (build-kernel.sh): debug (KASAN, lockdep, kmemleak,
# fault injection) and kcsan.  kver, kdir and vmlinuz print nothing and
# fail when the kernel is not installed or built.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

flavour=${1:?usage: kernel.sh FLAVOUR packages|kver|kdir|vmlinuz}
what=${2:?usage: kernel.sh FLAVOUR packages|kver|kdir|vmlinuz}

case $flavour in
stock)	meta=amd64 ;;
rt)	meta=rt-amd64 ;;
debug|kcsan)	meta= ;;
*)	echo "kernel.sh: unknown KFLAVOUR '$flavour' (stock, rt, debug, kcsan)" >&2
	exit 2 ;;
esac

# A flavour built by mkernel: a directory named after what it is built
# from, outside the clone, so that only the first run pays for the build.
builddir() {
	local version key
	version=$(dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null) ||
		return 1
	key=$( { cat "$here/configs/base.config" \
		     "$here/configs/$flavour.config"; gcc --version | head -n 1; } |
	      sha256sum | cut -c1-16)
	echo "${MKERNEL_CACHE:-/var/cache/mkernel}/kernel-$flavour-$version-$key"
}

if [ -z "$meta" ]; then
	case $what in
	packages)
		echo "linux-source-6.1 build-essential flex bison bc libelf-dev libssl-dev"
		exit 0 ;;
	builddir)
		builddir
		exit 0 ;;
	esac
	dir=$(builddir) && [ -f "$dir/.mkernel-built" ] || exit 1
	case $what in
	kver)	sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
			"$dir/include/generated/utsrelease.h" ;;
	kdir)	echo "$dir" ;;
	vmlinuz) echo "$dir/arch/x86/boot/bzImage" ;;
	*)	echo "kernel.sh: unknown query '$what'" >&2; exit 2 ;;
	esac
	exit 0
fi

# The release the image metapackage points at, e.g. 6.1.0-56-amd64.
kver() {
	dpkg-query -W -f '${Depends}' "linux-image-$meta" 2>/dev/null |
		sed -n 's/^linux-image-\([^ ,]*\).*/\1/p'
}

case $what in
packages)
	echo "linux-image-$meta linux-headers-$meta"
	;;
kver)
	v=$(kver)
	[ -n "$v" ] || exit 1
	echo "$v"
	;;
kdir)
	v=$(kver)
	[ -n "$v" ] && [ -f "/usr/src/linux-headers-$v/Makefile" ] || exit 1
	echo "/usr/src/linux-headers-$v"
	;;
vmlinuz)
	v=$(kver)
	[ -n "$v" ] && [ -f "/boot/vmlinuz-$v" ] || exit 1
	echo "/boot/vmlinuz-$v"
	;;
*)
	echo "kernel.sh: unknown query '$what'" >&2
	exit 2
	;;
esac
