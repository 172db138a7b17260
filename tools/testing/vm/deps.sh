#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages a job needs, and say which.
#
#   deps.sh JOB...   with JOB among:
#     build   compiler, kbuild helpers, pkg-config, Debian's
#             linux-source-6.1 (for the kselftest harness and
#             checkpatch.pl, ksource.sh)
#     vm      the headers of the kernel of $KSERIES and $KFLAVOUR (or
#             what build-kernel.sh builds it from), QEMU, busybox, cpio;
#             the image itself is not installed (kernel.sh fetch)
#     headers the headers of $KSERIES and $KFLAVOUR
#     lint    sparse, shellcheck
#     dkms    dkms, and the kernel of $KSERIES and $KFLAVOUR with its
#             headers (installed: DKMS builds for installed kernels)
#     fuzz    trinity, the system-call fuzzer of make fuzz
#
# A second run installs nothing.  With DEPS_INSTALL=no it installs
# nothing at all: it names what is missing, points at `make deps` and
# fails (the benchmark targets, which must not install behind the user's
# back).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
flavour=${KFLAVOUR:-stock}

read -ra kernel < <("$here/kernel.sh" "$flavour" packages)
read -ra headers < <("$here/kernel.sh" "$flavour" headers) || true
read -ra image < <("$here/kernel.sh" "$flavour" image) || true
want=()
for job in "$@"; do
	case $job in
	build)	want+=(build-essential kmod xz-utils linux-source-6.1 pkg-config) ;;
	vm)	want+=("${kernel[@]}" qemu-system-x86 busybox-static cpio) ;;
	headers) want+=("${headers[@]}") ;;
	lint)	want+=(sparse shellcheck) ;;
	dkms)	want+=(dkms "${kernel[@]}" "${image[@]}") ;;
	fuzz)	want+=(trinity) ;;
	bench)	want+=(gnuplot-nox) ;;
	*)	echo "deps.sh: unknown job '$job'" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${want[@]}"; do
	status=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done
# Unique, in order.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk 'NF && !seen[$0]++')

# The guest's kernel image, for the vm job: out of its package, not
# installed (kernel.sh fetch).
fetch_image() {
	local job

	for job in "$@"; do
		[ "$job" = vm ] || continue
		"$here/kernel.sh" "$flavour" fetch
	done
}

if [ ${#missing[@]} -eq 0 ]; then
	echo "mkernel: Debian packages for '$*' are installed"
	fetch_image "$@"
	exit 0
fi

if [ "${DEPS_INSTALL:-yes}" = no ]; then
	echo "mkernel: missing Debian packages: ${missing[*]};" \
		"\`make deps\` installs them" >&2
	exit 1
fi
echo "mkernel: installing from Debian: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "mkernel: not root; install them with: apt-get install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "mkernel: installed ${missing[*]}"
fetch_image "$@"
