#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# progress_test.sh MKBENCH - mkbench urpc's progress when stderr is not a
# terminal: from 2 s into the run on, a line every 10 s, not a line a
# round (a log of a run of 1000 rounds got 1000 such lines).  Runs mkbench
# urpc over shared memory on this machine for 10-20 s (here); what it
# measures is not looked at.  Run by make check-mkbench.
set -euo pipefail

mkbench=${1:?usage: progress_test.sh MKBENCH}
reps=600
err=$(mktemp)
trap 'rm -f "$err"' EXIT

# Long enough to pass the first 2 s with many rounds still to run (the
# time counted here includes mkbench's start and its report, so a run
# that showed no progress at all is made again, ten times longer).
for iters in 300 3000; do
	start=$(date +%s%N)
	rc=0
	timeout 300 "$mkbench" urpc --backend shm --reps "$reps" \
		--iters "$iters" >/dev/null 2>"$err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL progress: mkbench urpc failed (exit status $rc):"
		sed -n '1,20p' "$err"
		exit 1
	fi
	ms=$((($(date +%s%N) - start) / 1000000))
	lines=$(grep -c "^mkbench urpc: round [0-9]*/$reps\$" "$err" || true)
	[ "$ms" -ge 4000 ] && [ "$lines" -ge 1 ] && break
done
if [ "$ms" -lt 4000 ]; then
	echo "FAIL progress: the run took $ms ms, too short to show progress"
	exit 1
fi

# One line at 2 s, one more each 10 s after.
most=$((1 + (ms - 2000) / 10000))
echo "progress: lines on stderr: $lines, in $ms ms ($reps rounds of --iters $iters)"
if [ "$lines" -lt 1 ] || [ "$lines" -gt "$most" ]; then
	echo "FAIL progress: $lines lines, expected 1 to $most"
	sed -n '1,5p' "$err"
	exit 1
fi
# The rounds it names go forward.
if ! grep -o "round [0-9]*" "$err" | awk '$2 <= last { exit 1 } { last = $2 }'; then
	echo "FAIL progress: the rounds named do not go forward"
	exit 1
fi
echo "ok   progress: 1 to $most lines, rounds in order"
