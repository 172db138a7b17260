#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Map a kernel flavour to Debian's packages and to the kernel they install.
#
#   kernel.sh FLAVOUR packages   the Debian packages of the flavour
#   kernel.sh FLAVOUR kver       the release installed by its image package
#   kernel.sh FLAVOUR kdir       its headers (the kbuild directory)
#   kernel.sh FLAVOUR vmlinuz    its kernel image
#
# Flavours: stock (linux-image-amd64), rt (linux-image-rt-amd64, PREEMPT_RT).
# kver, kdir and vmlinuz print nothing and fail when the packages are not
# installed.
set -eu

flavour=${1:?usage: kernel.sh FLAVOUR packages|kver|kdir|vmlinuz}
what=${2:?usage: kernel.sh FLAVOUR packages|kver|kdir|vmlinuz}

case $flavour in
stock)	meta=amd64 ;;
rt)	meta=rt-amd64 ;;
*)	echo "kernel.sh: unknown KFLAVOUR '$flavour' (stock, rt)" >&2; exit 2 ;;
esac

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
