#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The DKMS package of mkernel.
#
#   dkms.sh install KVER   copy the module sources to /usr/src/mkernel-VERSION,
#                          then dkms add, build and install for KVER
#   dkms.sh remove         dkms remove from every kernel, delete the sources
#   dkms.sh check KVER     stage make install-modules and uninstall-modules
#                          (KDIR= the kernel's build directory); then
#                          install, verify both modules landed under
#                          /lib/modules/KVER with the right vermagic and
#                          dependency, check dkms.conf's kernel range,
#                          remove, verify they are gone
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
pkg=mkernel/$version
src=/usr/src/mkernel-$version

registered() { dkms status "$pkg" 2>/dev/null | grep -q .; }

install_pkg() {
	local kver=$1

	if registered || [ -e "$src" ]; then
		echo "dkms.sh: $pkg is already there; make dkms-remove first" >&2
		return 1
	fi
	mkdir -p "$src"
	cp -r "$top/dkms.conf" "$top/Kbuild" "$top/compat" "$top/include" "$top/mkchan" \
		"$top/mkrep" "$src/"
	dkms add "$pkg"
	dkms build "$pkg" -k "$kver"
	dkms install "$pkg" -k "$kver"
}

remove_pkg() {
	if registered; then
		dkms remove "$pkg" --all
	fi
	rm -rf "$src"
}

# The installed file of module $1 for kernel $2.
installed() {
	find "/lib/modules/$2" -name "$1.ko*" -path '*/updates/dkms/*' | head -n 1
}

# make install-modules and uninstall-modules, staged: the modules land
# under extra/ (compressed or not, as the kernel's config says) and go.
check_make_install() {
	local kver=$1 stage m failed=0

	: "${KDIR:?dkms.sh check needs KDIR, the build directory of the kernel}"
	BUILD=${BUILD:-$top/build}
	stage=$(mktemp -d)
	make -C "$top" --no-print-directory install-modules KDIR="$KDIR" \
		BUILD="$BUILD" DESTDIR="$stage" >"$stage.log" 2>&1 || {
		tail -n 5 "$stage.log"
		echo "not ok: make install-modules DESTDIR=$stage failed"
		failed=1
	}
	for m in mkchan mkrep; do
		if ! compgen -G "$stage/lib/modules/$kver/extra/$m/$m.ko*" >/dev/null; then
			echo "not ok: make install-modules put no $m.ko under extra/$m/"
			failed=1
		fi
	done
	make -C "$top" --no-print-directory uninstall-modules KDIR="$KDIR" \
		BUILD="$BUILD" DESTDIR="$stage" >>"$stage.log" 2>&1
	if [ -n "$(find "$stage" -type f)" ]; then
		echo "not ok: make uninstall-modules left: $(find "$stage" -type f)"
		failed=1
	fi
	rm -rf "$stage" "$stage.log"
	[ "$failed" -eq 0 ] && echo "ok: make install-modules and uninstall-modules (staged) for $kver"
	return "$failed"
}

check_pkg() {
	local kver=$1 m f k range want got failed=0

	check_make_install "$kver" || failed=1
	trap remove_pkg EXIT
	install_pkg "$kver"
	for m in mkchan mkrep; do
		f=$(installed "$m" "$kver")
		if [ -z "$f" ]; then
			echo "not ok: $m.ko is not under /lib/modules/$kver/updates/dkms"
			failed=1
			continue
		fi
		if [ "$(modinfo -F vermagic "$f" | cut -d' ' -f1)" != "$kver" ]; then
			echo "not ok: $f is not built for $kver"
			failed=1
		fi
		echo "ok: $f"
	done
	if [ "$(modinfo -F depends "$(installed mkrep "$kver")")" != mkchan ]; then
		echo "not ok: mkrep.ko does not depend on mkchan"
		failed=1
	fi
	if ! grep -q 'updates/dkms/mkrep.ko.*: .*updates/dkms/mkchan.ko' \
		"/lib/modules/$kver/modules.dep"; then
		echo "not ok: depmod did not record mkrep -> mkchan"
		failed=1
	fi

	# The range dkms.conf declares: this kernel is in it, and kernels
	# outside 6.1..6.12 are not (DKMS skips them instead of failing).
	range=$(sed -n 's/^BUILD_EXCLUSIVE_KERNEL="\(.*\)"$/\1/p' "$top/dkms.conf")
	for k in "$kver" 6.1.0-57-amd64 6.12.117+deb12-rt-amd64 6.5.0-1-amd64 \
		 6.0.12-amd64 6.13.0-1-amd64 6.16.3+deb13-amd64 5.10.0-30-amd64 7.1.0; do
		want=no
		case $k in "$kver"|6.1.*|6.12.*|6.5.*) want=yes ;; esac
		got=no
		echo "$k" | grep -Eq -- "$range" && got=yes
		if [ "$got" != "$want" ]; then
			echo "not ok: BUILD_EXCLUSIVE_KERNEL=\"$range\" matches $k: $got"
			failed=1
		fi
	done

	remove_pkg
	trap - EXIT
	for m in mkchan mkrep; do
		if [ -n "$(installed "$m" "$kver")" ]; then
			echo "not ok: $m.ko is left after dkms remove"
			failed=1
		fi
	done
	[ ! -e "$src" ] || { echo "not ok: $src is left"; failed=1; }
	if [ "$failed" -eq 0 ]; then
		echo "dkms: $pkg added, built, installed and removed for $kver"
	fi
	return "$failed"
}

case ${1:-} in
install)	install_pkg "${2:?usage: dkms.sh install KVER}" ;;
remove)		remove_pkg ;;
check)		check_pkg "${2:?usage: dkms.sh check KVER}" ;;
*)		echo "usage: dkms.sh install KVER | remove | check KVER" >&2; exit 2 ;;
esac
