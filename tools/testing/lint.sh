#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The static checks kernel developers expect, over everything we wrote:
#   - checkpatch.pl --strict (from Debian's linux-source-6.1) on every C file
#     and header;
#   - a W=1 build of the modules checked by sparse (C=2), from scratch, with
#     no warning allowed;
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

KFLAVOUR=$flavour "$vm/deps.sh" build lint vm || exit 1
kdir=$("$vm/kernel.sh" "$flavour" kdir) || exit 1
"$top/tools/testing/ksource.sh" "$build/ksrc" || exit 1

cd "$top" || exit 1
# checkpatch does not parse the TRACE_EVENT() macros of trace headers (the
# kernel's own trace headers give the same findings); sparse and W=1 still
# check them.
mapfile -t sources < <(git ls-files --cached --others --exclude-standard '*.c' '*.h' |
	grep -v '/trace\.h$')
mapfile -t scripts < <(git ls-files --cached --others --exclude-standard '*.sh' tools/testing/vm/init .ci/run)

step "checkpatch.pl --strict on ${#sources[@]} files"
if ! perl "$build/ksrc/checkpatch.pl" --strict --no-tree \
	--show-types --quiet -f "${sources[@]}"; then
	fail "checkpatch"
fi

step "W=1 and sparse (C=2) build of the modules"
lintdir=$build/lint
rm -rf "$lintdir"
log=$(make --no-print-directory modules test-modules KDIR="$kdir" BUILD="$lintdir" \
	W=1 C=2 CHECK=sparse 2>&1)
rc=$?
# kbuild prints notes of its own (BTF without vmlinux); every compiler or
# sparse line that names one of our files is a finding.
findings=$(echo "$log" | grep -E ': (warning|error|note):' || true)
if [ "$rc" -ne 0 ] || [ -n "$findings" ]; then
	echo "$log" | tail -40
	fail "W=1/sparse build"
fi

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
