#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Map a kernel series and flavour to Debian's packages and to the kernel
# they install.
#
#   kernel.sh FLAVOUR packages   the Debian packages to install for the
#                                flavour: headers, or what it is built from
#   kernel.sh FLAVOUR headers    the Debian packages to build modules
#                                against it (none for debug, kcsan)
#   kernel.sh FLAVOUR image      its image metapackage (dkms installs it)
#   kernel.sh FLAVOUR fetch      take its vmlinuz out of Debian's image
#                                package into the cache, unless there
#   kernel.sh FLAVOUR source     the linux-source package of the series
#   kernel.sh FLAVOUR kver       the kernel release
#   kernel.sh FLAVOUR kdir       its kbuild directory (headers or build)
#   kernel.sh FLAVOUR vmlinuz    its kernel image
#   kernel.sh FLAVOUR builddir   where build-kernel.sh builds it (debug,
#                                kcsan only)
#   kernel.sh FLAVOUR fragments  the config fragments it is built from
#
# The series is KSERIES: 6.12 (the default: Debian 13's kernel and the
# current long-term one, in Debian 12's security suite) or 6.1 (Debian
# 12's own).  Flavours: stock (linux-image-amd64 or linux-image-6.12-amd64),
# rt (the -rt- images, PREEMPT_RT), and two that mkernel builds from the
# series' linux-source package with a config fragment of its own
# (build-kernel.sh): debug (KASAN, lockdep, kmemleak, fault injection) and
# kcsan.  kver, kdir and vmlinuz print nothing and fail when the kernel is
# not installed or built.
set -eu

here=$(cd "$(dirname "$0")" && pwd)

flavour=${1:?usage: kernel.sh FLAVOUR packages|source|kver|kdir|vmlinuz|builddir}
what=${2:?usage: kernel.sh FLAVOUR packages|source|kver|kdir|vmlinuz|builddir}
series=${KSERIES:-6.12}

# Debian 12 names its own series' metapackages without a version.
case $series in
6.1)	prefix= ;;
6.12)	prefix=6.12- ;;
*)	echo "kernel.sh: unknown KSERIES '$series' (6.1, 6.12)" >&2
	exit 2 ;;
esac
source_pkg=linux-source-$series

case $flavour in
stock)	meta=${prefix}amd64 ;;
rt)	meta=${prefix}rt-amd64 ;;
debug|kcsan)	meta= ;;
*)	echo "kernel.sh: unknown KFLAVOUR '$flavour' (stock, rt, debug, kcsan)" >&2
	exit 2 ;;
esac

if [ "$what" = source ]; then
	echo "$source_pkg"
	exit 0
fi

# The config fragments of a flavour built by mkernel, one a line: the
# shared one, the flavour's, and the flavour's for this series if any.
fragments() {
	local f

	for f in base "$flavour" "$flavour-$series"; do
		[ -f "$here/configs/$f.config" ] && echo "$here/configs/$f.config"
	done
	return 0
}

# A flavour built by mkernel: a directory named after what it is built
# from, outside the clone, so that only the first run pays for the build.
builddir() {
	local version key
	version=$(dpkg-query -W -f '${Version}' "$source_pkg" 2>/dev/null) ||
		return 1
	key=$( { fragments | xargs cat; gcc --version | head -n 1; } |
	      sha256sum | cut -c1-16)
	echo "${MKERNEL_CACHE:-/var/cache/mkernel}/kernel-$flavour-$version-$key"
}

if [ -z "$meta" ]; then
	case $what in
	packages)
		echo "$source_pkg build-essential flex bison bc libelf-dev libssl-dev"
		exit 0 ;;
	headers|image|fetch)
		exit 0 ;;
	builddir)
		builddir
		exit 0 ;;
	fragments)
		fragments
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

# The release the headers metapackage points at, e.g. 6.1.0-57-amd64 or
# 6.12.117+deb12-amd64.
kver() {
	dpkg-query -W -f '${Depends}' "linux-headers-$meta" 2>/dev/null |
		sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p'
}

# The guest's kernel image is taken out of Debian's package into the
# cache, not installed: installing linux-image-6.12-amd64 on a Debian 12
# machine would make it the kernel that machine boots next.  An image
# installed already (/boot) serves as it is.
images=${MKERNEL_CACHE:-/var/cache/mkernel}/images

fetch_image() {
	local v=$1 tmp

	[ -f "/boot/vmlinuz-$v" ] || [ -f "$images/vmlinuz-$v" ] && return 0
	echo "mkernel: taking vmlinuz-$v out of Debian's linux-image-$v into $images (not installed)"
	mkdir -p "$images"
	tmp=$(mktemp -d "$images/fetch.XXXXXX")
	if ! (cd "$tmp" && apt-get download -q "linux-image-$v") >"$tmp/log" 2>&1 ||
	   ! dpkg-deb --fsys-tarfile "$tmp"/linux-image-"$v"_*.deb |
		tar -xO "./boot/vmlinuz-$v" >"$tmp/vmlinuz"; then
		cat "$tmp/log" >&2
		rm -rf "$tmp"
		echo "kernel.sh: could not take vmlinuz-$v out of linux-image-$v" >&2
		return 1
	fi
	mv "$tmp/vmlinuz" "$images/vmlinuz-$v"
	rm -rf "$tmp"
}

case $what in
packages)
	echo "linux-headers-$meta"
	;;
image)
	echo "linux-image-$meta"
	;;
fetch)
	v=$(kver)
	[ -n "$v" ] || exit 1
	fetch_image "$v"
	;;
headers)
	echo "linux-headers-$meta"
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
	[ -n "$v" ] || exit 1
	if [ -f "/boot/vmlinuz-$v" ]; then
		echo "/boot/vmlinuz-$v"
	elif [ -f "$images/vmlinuz-$v" ]; then
		echo "$images/vmlinuz-$v"
	else
		exit 1
	fi
	;;
builddir|fragments)
	exit 1
	;;
*)
	echo "kernel.sh: unknown query '$what'" >&2
	exit 2
	;;
esac
