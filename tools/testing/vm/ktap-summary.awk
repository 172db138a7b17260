# SPDX-License-Identifier: GPL-2.0
#
# Read the KTAP of run-tests.sh and summarise it.  Each test case inside a
# selftest program counts once; a program that fails without a failing test
# case (a crash, a timeout) counts as one failure; every other top-level line
# (load, unload, kernel log, taint) counts once.  Also checks the plan: a
# run that stops early is a failure.
#
# Prints a line per top-level test and ends with "N passed, N failed,
# N skipped".  Exit status: 0 only if nothing failed and something passed.
#
# Set -v require_end=1 to require the "# mkernel-vm: end" line of the guest,
# and -v extra_fail=N to add failures the caller found outside the KTAP.

function flush_block(top_ok, name,    counted) {
	counted = leaf_pass + leaf_fail + leaf_skip
	if (counted > 0) {
		pass += leaf_pass; fail += leaf_fail; skip += leaf_skip
		if (!top_ok && leaf_fail == 0)
			fail++
		printf "  %-7s %s (%d passed, %d failed, %d skipped)\n", \
			top_ok ? "ok" : "FAILED", name, leaf_pass, \
			leaf_fail + (!top_ok && leaf_fail == 0), leaf_skip
	} else if (name ~ / # SKIP/) {
		skip++
		printf "  %-7s %s\n", "skipped", name
	} else {
		if (top_ok) pass++; else fail++
		printf "  %-7s %s\n", top_ok ? "ok" : "FAILED", name
	}
	leaf_pass = leaf_fail = leaf_skip = 0
	tops++
}

/^# (not )?ok [0-9]+ / {
	if ($0 ~ /# SKIP/) leaf_skip++
	else if ($2 == "ok") leaf_pass++
	else leaf_fail++
	next
}
/^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0; next }
/^ok [0-9]+ / { sub(/^ok [0-9]+ /, ""); flush_block(1, $0); next }
/^not ok [0-9]+ / { sub(/^not ok [0-9]+ /, ""); flush_block(0, $0); next }
/^# mkernel-vm: end/ { ended = 1 }

END {
	fail += extra_fail
	if (plan == 0 || tops != plan) {
		printf "  %-7s ran %d of %d planned tests: the run stopped early\n", \
			"FAILED", tops, plan
		fail++
	}
	if (require_end && !ended) {
		printf "  %-7s the guest did not report the end of the run\n", "FAILED"
		fail++
	}
	if (pass == 0) {
		printf "  %-7s no test passed\n", "FAILED"
		fail++
	}
	printf "%d passed, %d failed, %d skipped\n", pass, fail, skip
	exit fail > 0
}
