# SPDX-License-Identifier: GPL-2.0
#
# Read the KTAP of run-tests.sh and summarise it.  Each test case inside a
# selftest program counts once; a program that fails without a failing test
# case (a crash, a timeout) counts as one failure; every other top-level line
# (load, unload, kernel log, taint) counts once.  Also checks the plan: a
# run that stops early is a failure.
#
# Prints a line per top-level test; under a failed program the names of
# its failed test cases (ten at most, and how many more), each with what
# its assertions printed (show_case()), or, when the program failed with
# no failed case (a crash, a timeout), the case it was running and its
# last lines; so that the tail of a CI log says what failed.  Ends with
# "N passed, N failed, N skipped".  Exit status: 0 only if nothing failed
# and something passed.
#
# Set -v require_end=1 to require the "# mkernel-vm: end" line of the guest,
# and -v extra_fail=N to add failures the caller found outside the KTAP.

function flush_block(top_ok, name,    counted, i) {
	# A case that started and never ended: the program died in it, and
	# it counts as a failed case; ten failed cases are named at most.
	if (!top_ok && running != "") {
		if (leaf_fail > MAX_CASES)
			shown[++nshown] = sprintf("and %d more failed cases", \
						  leaf_fail - MAX_CASES)
		show_case(running, "running: ")
		leaf_fail++
		more_shown = 1
	}
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
	for (i = 1; i <= nshown; i++)
		printf "            %s\n", shown[i]
	if (leaf_fail > MAX_CASES && !more_shown)
		printf "            and %d more failed cases\n", \
			leaf_fail - MAX_CASES
	leaf_pass = leaf_fail = leaf_skip = nshown = nsaid = more_shown = 0
	running = program = ""
	tops++
}

# A failed case: "failed: " and its name, then what it said about the
# failure: each "Expected" line of its assertions with the message that
# follows it, at most MAX_SAID lines; or, if it printed no such line (a
# crash, a timeout), its last lines, the harness's own "Test terminated
# ..." among them.  The message is a guess: the next line printed, if it
# comes from the same file and case, is no Expected line and is at most
# MAX_GAP source lines further on (a TH_LOG() may sit on the assertion's
# next line; an assertion without one may be followed by a log of its
# own).  A case the program died in (@what "running: ") shows its last
# lines whatever they are: where it was.
function show_case(name, what,    i, n, f, g) {
	shown[++nshown] = (what == "" ? "failed: " : what) name
	n = 0
	for (i = 1; what == "" && i <= nsaid && n < MAX_SAID; i++) {
		if (said[i] !~ /:Expected /)
			continue
		shown[++nshown] = "  " said[i]
		n++
		if (i == nsaid || said[i + 1] ~ /:Expected / || n == MAX_SAID)
			continue
		split(said[i], f, ":")
		split(said[i + 1], g, ":")
		if (f[1] == g[1] && f[3] == g[3] && g[2] >= f[2] &&
		    g[2] <= f[2] + MAX_GAP) {
			shown[++nshown] = "  " said[++i]
			n++
		}
	}
	for (i = nsaid - MAX_SAID + 1; !n && i <= nsaid; i++)
		if (i >= 1)
			shown[++nshown] = "  " said[i]
}

BEGIN { MAX_CASES = 10; MAX_SAID = 4; MAX_GAP = 8 }

# A case starts: what it prints from here on is its own.
/^# #  RUN  / {
	running = $4
	nsaid = 0
	next
}
# What the harness printed in a case: "# # DIR/file.c:LINE:..." (or .h:
# an assertion in a header), kept without the directory; and its own
# "CASE: Test failed at step #N" or "Test terminated ...".
/^# # [^ :]+\.[ch]:[0-9]+:/ {
	line = substr($0, 5)
	sub(/^[^ :]*\//, "", line)
	said[++nsaid] = line
	next
}
/^# # [^ ]+: Test (failed|terminated|exited|ended) / {
	said[++nsaid] = substr($0, 5)
	next
}
/^# (not )?ok [0-9]+ / {
	if ($0 ~ /# SKIP/) leaf_skip++
	else if ($2 == "ok") leaf_pass++
	else {
		leaf_fail++
		if (leaf_fail <= MAX_CASES) {
			name = $0
			sub(/^# not ok [0-9]+ /, "", name)
			show_case(name, "")
		}
	}
	nsaid = 0
	running = ""
	next
}
/^# selftests: / { program = substr($0, 14); next }
# run-tests.sh's own word on a program it killed: the running case's last.
/^# [^ #]+: killed after / { said[++nsaid] = substr($0, 3); next }
/^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0; next }
/^ok [0-9]+ / { sub(/^ok [0-9]+ /, ""); flush_block(1, $0); next }
/^not ok [0-9]+ / { sub(/^not ok [0-9]+ /, ""); flush_block(0, $0); next }
/^# mkernel-vm: end/ { ended = 1 }

END {
	# The run stopped inside a program: the guest died, or was stopped.
	if (program != "")
		flush_block(0, "selftests: " program " (did not finish)")
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
