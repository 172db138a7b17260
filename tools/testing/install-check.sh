#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install-check: libmkchan installs like a library.
#
# Stages `make install-lib DESTDIR=<tmp> PREFIX=/usr`, then builds the
# example of Documentation/userspace-api/mkchan.rst outside the tree, as a
# user would, with `cc prog.c $(pkg-config --cflags --libs mkchan)`
# pointed at the staged tree:
#   - shared: the program needs libmkchan.so.<major>, and the loader finds
#     it, and every symbol, in the staged libdir;
#   - static (pkg-config --static, cc -static): no shared library at all;
#   - every mkchan header the compiler reads is a staged one, none from the
#     source tree, and each installed header compiles on its own;
# then make uninstall-lib must leave no file behind.  Needs cc, make,
# pkg-config and binutils; no kernel headers, no module.  Exits non-zero,
# saying why, on any failure; removes what it made either way.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
soname=libmkchan.so.${version%%.*}
cc=${CC:-cc}

step() { echo "install-check: $*"; }
fail() { echo "install-check: FAILED: $*" >&2; exit 1; }

for tool in "$cc" make pkg-config readelf nm ldd; do
	case $tool in
	pkg-config)	pkg='pkg-config' ;;
	readelf|nm)	pkg=binutils ;;
	ldd)		pkg=libc-bin ;;
	*)		pkg='build-essential' ;;
	esac
	command -v "$tool" >/dev/null ||
		fail "'$tool' is missing: apt-get install $pkg (or make deps)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkchan-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/stage
inc=$stage/usr/include
lib=$stage/usr/lib

# run LOG CMD...: run CMD with its output in LOG, shown if it fails.
run() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		fail "$*"
	fi
}

# The user's own LIBDIR & co. would move the staged files; PREFIX decides.
make_lib() {
	env -u LIBDIR -u INCLUDEDIR -u PKGCONFIGDIR \
		make -C "$top" --no-print-directory "$1" BUILD="$build" \
		DESTDIR="$stage" PREFIX=/usr
}

step "make install-lib DESTDIR=$stage PREFIX=/usr"
run "$tmp/install.log" make_lib install-lib
for f in "$lib/libmkchan.a" "$lib/libmkchan.so.$version" "$lib/$soname" \
	"$lib/libmkchan.so" "$lib/pkgconfig/mkchan.pc" "$inc/libmkchan.h" \
	"$inc/mkchan/urpc.h" "$inc/linux/mkchan.h" "$inc/linux/mkrep.h"; do
	[ -f "$f" ] || fail "make install-lib did not install ${f#"$stage"}"
done
[ "$(readlink "$lib/$soname")" = "libmkchan.so.$version" ] ||
	fail "$soname does not link to libmkchan.so.$version"
[ "$(readlink "$lib/libmkchan.so")" = "$soname" ] ||
	fail "libmkchan.so does not link to $soname"
dyn=$(readelf -d "$lib/libmkchan.so.$version")
grep -q "(SONAME).*\[$soname\]" <<<"$dyn" ||
	fail "libmkchan.so.$version has no soname $soname"

# Only the staged tree's .pc files, its paths prefixed with the stage; and
# nothing of the source tree through the environment.
export PKG_CONFIG_LIBDIR=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$stage
# pkg-config drops -I/usr/include and -L/usr/lib before it prefixes them.
export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
unset PKG_CONFIG_PATH CPATH C_INCLUDE_PATH LIBRARY_PATH LD_LIBRARY_PATH

step "pkg-config: mkchan $(pkg-config --modversion mkchan 2>&1)"
[ "$(pkg-config --modversion mkchan)" = "$version" ] ||
	fail "pkg-config --modversion mkchan is not $version"
# (pkgconf ends its flags with a space)
cflags=$(pkg-config --cflags mkchan) && cflags=${cflags% }
libs=$(pkg-config --libs mkchan) && libs=${libs% }
slibs=$(pkg-config --static --libs mkchan) && slibs=${slibs% }
step "  --cflags: $cflags"
step "  --libs: $libs"
step "  --static --libs: $slibs"
[[ " $cflags " == *" -I$inc "* ]] || fail "--cflags has no -I$inc"
[[ " $libs " == *" -L$lib "* ]] || fail "--libs has no -L$lib"

# headers DEPFILE: every mkchan header the compiler read is a staged one.
headers() {
	local dep=$1 h
	if grep -q "$top/" "$dep"; then
		fail "$(basename "$dep" .d) read files of the source tree: $(grep -o "$top/[^ ]*" "$dep" | sort -u | tr '\n' ' ')"
	fi
	for h in libmkchan.h mkchan/urpc.h linux/mkchan.h; do
		grep -Eq "(^| )$inc/$h( |$)" "$dep" ||
			fail "$(basename "$dep" .d) did not read the staged $h"
	done
}

# Outside the tree, so that #include "libmkchan.h" finds nothing beside it.
mkdir "$tmp/src"
cp "$top/Documentation/userspace-api/mkchan_example.c" "$tmp/src/prog.c"
cd "$tmp/src"

step "each installed header on its own"
for h in libmkchan.h mkchan/urpc.h linux/mkchan.h linux/mkrep.h; do
	echo "#include <$h>" >one.c
	# shellcheck disable=SC2086 # pkg-config's flags are words
	run "$tmp/one.log" "$cc" -fsyntax-only -MD -MF one.d one.c $cflags
	if grep -q "$top/" one.d; then
		fail "<$h> read files of the source tree"
	fi
done

step "cc prog.c \$(pkg-config --cflags --libs mkchan)"
# shellcheck disable=SC2086
run "$tmp/shared.log" "$cc" -o prog-shared -MD -MF prog-shared.d prog.c $cflags $libs
headers prog-shared.d
needed=$(readelf -d prog-shared | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
step "  NEEDED: $needed"
[[ " $needed " == *" $soname "* ]] || fail "prog-shared does not need $soname"
loaded=$(LD_LIBRARY_PATH=$lib ldd -r prog-shared 2>&1) || true
if ! grep -q "$soname => $lib/$soname " <<<"$loaded" ||
	grep -Eq 'not found|undefined symbol' <<<"$loaded"; then
	echo "$loaded" >&2
	fail "the loader does not resolve prog-shared against $lib/$soname"
fi
step "  ldd: $(grep "$soname" <<<"$loaded" | sed 's/^[[:space:]]*//')"

step "cc -static prog.c \$(pkg-config --static --cflags --libs mkchan)"
# shellcheck disable=SC2086
run "$tmp/static.log" "$cc" -static -o prog-static -MD -MF prog-static.d prog.c \
	$cflags $slibs
headers prog-static.d
dyn=$(readelf -d prog-static)
if grep -q '(NEEDED)' <<<"$dyn"; then
	fail "prog-static needs shared libraries: $(grep '(NEEDED)' <<<"$dyn")"
fi
syms=$(nm prog-static)
grep -q ' T mkchan_open$' <<<"$syms" || fail "prog-static has no mkchan_open of libmkchan.a"

cd "$top"
step "make uninstall-lib DESTDIR=$stage PREFIX=/usr"
run "$tmp/uninstall.log" make_lib uninstall-lib
left=$(find "$stage" ! -type d)
[ -z "$left" ] || fail "make uninstall-lib left: $(echo "$left" | tr '\n' ' ')"

step "ok: libmkchan $version installs, builds shared and static with pkg-config, uninstalls"
