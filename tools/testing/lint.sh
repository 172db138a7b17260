#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The static checks kernel developers expect, over everything we wrote:
#   - checkpatch.pl --strict (from Debian's linux-source-6.1) on every C file
#     and header;
#   - a W=1 build of the modules checked by sparse (C=2), from scratch, with
#     no warning allowed, against Debian's headers of every supported
#     series (KSERIES 6.1 and 6.12);
#   - the compat layer's promises: no kernel version test in the modules'
#     .c files, and a kernel outside the supported range stopped with
#     compat/Kbuild.include's one sentence;
#   - an incremental build after a change of a struct behind mkchan's
#     exported functions relinks the selftests' module (against the
#     newest series' headers);
#   - the user-space code built with -Werror;
#   - shellcheck on the scripts.
# Exits non-zero on any finding.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/tools/testing/vm
build=${BUILD:-$top/build}
flavour=${KFLAVOUR:-stock}
failed=0

step() { echo "lint: $*"; }
fail() { echo "lint: FAILED: $*"; failed=$((failed + 1)); }

series_all=(6.1 6.12)
KFLAVOUR=$flavour "$vm/deps.sh" build lint || exit 1
for s in "${series_all[@]}"; do
	KSERIES=$s KFLAVOUR=$flavour "$vm/deps.sh" headers || exit 1
done
"$top/tools/testing/ksource.sh" "$build/ksrc" || exit 1

cd "$top" || exit 1
# checkpatch does not parse the TRACE_EVENT() macros of trace headers (the
# kernel's own trace headers give the same findings); sparse and W=1 still
# check them.
mapfile -t sources < <(git ls-files --cached --others --exclude-standard '*.c' '*.h' |
	grep -v '/trace\.h$')
mapfile -t scripts < <(git ls-files --cached --others --exclude-standard '*.sh' tools/testing/vm/init \
	tools/testing/vm/fake-kvm/qemu-system-x86_64 .ci/run)

step "checkpatch.pl --strict on ${#sources[@]} files"
if ! perl "$build/ksrc/checkpatch.pl" --strict --no-tree \
	--show-types --quiet -f "${sources[@]}"; then
	fail "checkpatch"
fi

lintdir=$build/lint
rm -rf "$lintdir"
for s in "${series_all[@]}"; do
	kdir=$(KSERIES=$s "$vm/kernel.sh" "$flavour" kdir) || exit 1
	step "W=1 and sparse (C=2) build of the modules against $(basename "$kdir")"
	log=$(make --no-print-directory modules test-modules KDIR="$kdir" \
		BUILD="$lintdir" W=1 C=2 CHECK=sparse 2>&1)
	rc=$?
	# kbuild prints notes of its own (BTF without vmlinux); every compiler
	# or sparse line that names one of our files is a finding.
	findings=$(echo "$log" | grep -E ': (warning|error|note):' || true)
	if [ "$rc" -ne 0 ] || [ -n "$findings" ]; then
		echo "$log" | tail -40
		fail "W=1/sparse build against $(basename "$kdir")"
	fi
done

step "no kernel version test outside compat/"
if grep -nE 'LINUX_VERSION_CODE|KERNEL_VERSION\(' mkchan/*.[ch] mkrep/*.[ch] include/linux/*.h; then
	fail "version tests in the modules: they belong in compat/"
fi

# The newest series' tree, told it is a version outside the range: the
# build must stop in compat/Kbuild.include with its one sentence, before
# any compiler runs.
for v in "5 15" "6 0" "6 13" "7 1"; do
	read -r ver patch <<<"$v"
	step "a build against Linux $ver.$patch stops with one sentence"
	log=$(make --no-print-directory -C "$kdir" M="$lintdir/kernel/$(basename "$kdir" | sed 's/^linux-headers-//')" \
		VERSION="$ver" PATCHLEVEL="$patch" modules 2>&1)
	if ! echo "$log" | grep -q "\*\*\* mkernel supports Linux 6.1 to 6.12, and .* is Linux $ver.$patch: build against a supported kernel"; then
		echo "$log" | tail -5
		fail "Linux $ver.$patch was not stopped by compat/Kbuild.include"
	elif echo "$log" | grep -q ' CC '; then
		fail "Linux $ver.$patch: something was compiled before the stop"
	fi
done

# An incremental build after a change of a struct behind mkchan's
# exported functions: the test module must be relinked against the new
# symbol versions, or it fails to load ("disagrees about version").
# Against the newest series' headers ($kdir of the last loop).
step "the test module follows a change of mkchan's symbol versions"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git ls-files --cached --others --exclude-standard |
	while read -r f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	xargs -0 cp --parents -t "$work"
crc() {
	awk -v s=mkchan_send '$2 == s { print tolower($1) }' "$@"
}
relink_build() {
	local log

	if ! log=$(make --no-print-directory -C "$work" modules test-modules \
		BUILD="$work/build" KDIR="$kdir" 2>&1); then
		echo "$log" | tail -5
		fail "$1"
		return 1
	fi
}
if relink_build "the build of a copy of the tree"; then
	before=$(crc "$work"/build/kernel/*/Module.symvers)
	sed -i 's/^\tint node;$/&\n\tint lint_changed;/' "$work/mkchan/internal.h"
	if relink_build "the incremental build"; then
		want=$(crc "$work"/build/kernel/*/Module.symvers)
		got=$(/sbin/modprobe --dump-modversions \
			"$work"/build/kernel/*/ko/mkchan_kapi_test.ko | crc)
		if [ -z "$want" ] || [ "$want" = "$before" ]; then
			fail "the struct change did not change mkchan_send's version"
		elif [ -z "$got" ]; then
			fail "no version of mkchan_send in mkchan_kapi_test.ko"
		elif [ "$got" != "$want" ]; then
			fail "mkchan_kapi_test.ko kept mkchan_send's old version"
		fi
	fi
fi
rm -rf "$work"
trap - EXIT

step "user space with -Werror"
if ! make --no-print-directory user tests BUILD="$lintdir" \
	CFLAGS="-O2 -g -Werror" >/dev/null; then
	fail "user-space build"
fi

step "shellcheck on ${#scripts[@]} scripts"
shellcheck -x "${scripts[@]}" || fail "shellcheck"

if [ "$failed" -ne 0 ]; then
	echo "lint: $failed check(s) failed"
	exit 1
fi
echo "lint: clean"
