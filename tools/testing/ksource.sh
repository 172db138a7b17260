#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Take the files mkernel borrows from the kernel tree out of Debian's
# linux-source-6.1 package, into a build directory.  They are never
# committed.
#
#   ksource.sh DIR
#
# The harness is a user-space library, whatever kernel series the guest
# boots (KSERIES): the selftests are written against 6.1's, whose
# struct __test_metadata they use (6.12's changed it).
#
# DIR receives kselftest.h and kselftest_harness.h (the selftest harness),
# checkpatch.pl with its data files, and a stamp naming the source version.
set -eu

dir=${1:?usage: ksource.sh DIR}
tarball=/usr/src/linux-source-6.1.tar.xz

if [ ! -f "$tarball" ]; then
	echo "ksource.sh: $tarball is missing: apt-get install linux-source-6.1" >&2
	echo "            (make check and make deps install it)" >&2
	exit 1
fi

version=$(dpkg-query -W -f '${Version}' linux-source-6.1)
if [ "$(cat "$dir/.version" 2>/dev/null)" = "$version" ]; then
	exit 0
fi

echo "  KSRC    $dir (linux-source-6.1 $version)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$tarball" -C "$tmp" --strip-components=1 \
	linux-source-6.1/tools/testing/selftests/kselftest.h \
	linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
	linux-source-6.1/scripts/checkpatch.pl \
	linux-source-6.1/scripts/spelling.txt \
	linux-source-6.1/scripts/const_structs.checkpatch
mkdir -p "$dir"
cp "$tmp"/tools/testing/selftests/kselftest*.h "$tmp"/scripts/* "$dir"/
echo "$version" >"$dir/.version"
