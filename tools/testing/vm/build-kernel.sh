#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a kernel flavour of mkernel's own (debug, kcsan) from Debian's
# linux-source package of KSERIES (kernel.sh): allnoconfig plus configs/base.config plus
# configs/FLAVOUR.config (and configs/FLAVOUR-KSERIES.config), in a directory outside the clone keyed by the
# fragments, the source version and the compiler (kernel.sh builddir).
# Nothing happens when that build exists.
#
#   build-kernel.sh FLAVOUR
set -euo pipefail

flavour=${1:?usage: build-kernel.sh debug|kcsan}
vm=$(cd "$(dirname "$0")" && pwd)
out=$("$vm/kernel.sh" "$flavour" builddir)
[ -f "$out/.mkernel-built" ] && exit 0

cache=$(dirname "$out")
pkg=$("$vm/kernel.sh" "$flavour" source)
version=$(dpkg-query -W -f '${Version}' "$pkg")
src=$cache/$pkg-$version
if [ ! -f "$src/Makefile" ]; then
	echo "mkernel: unpacking $pkg $version into $src"
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/unpack.XXXXXX")
	tar -xJf "/usr/src/$pkg.tar.xz" -C "$tmp"
	mv "$tmp/$pkg" "$src"
	rmdir "$tmp"
fi

echo "mkernel: building the $flavour kernel in $out (once; several minutes)"
rm -rf "$out"
mkdir -p "$out"
"$vm/kernel.sh" "$flavour" fragments | xargs cat >"$out/mkernel.config"
make -s -C "$src" O="$out" KCONFIG_ALLCONFIG="$out/mkernel.config" allnoconfig

# Every line of the fragments must have survived Kconfig's dependencies.
missing=$(grep -E '^CONFIG_' "$out/mkernel.config" | while read -r line; do
	grep -qxF "$line" "$out/.config" || echo "  $line"
done)
if [ -n "$missing" ]; then
	echo "mkernel: the $flavour config lost (a dependency is missing):" >&2
	echo "$missing" >&2
	exit 1
fi

make -s -C "$src" O="$out" -j"$(($(nproc) + 1))" all
touch "$out/.mkernel-built"
echo "mkernel: built $(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	"$out/include/generated/utsrelease.h")"
