// SPDX-License-Identifier: GPL-2.0
/*
 * urpc_verdict_test - mkbench urpc's rules for which rounds and which
 * placements a target is judged on (tools/mkbench/urpc_verdict.c), on
 * made-up line times: nothing is measured, so the outcome is the same on
 * every machine.  Run by make check before it boots the guest.
 *
 * Each case lays out rounds as the hypervisor might give them and checks
 * the low line of a placement, its stable rounds, its stays and whether a
 * target is judged, on both sides of each bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "urpc.h"

#define NEAR	32.0	/* a near-core line, ns */
#define FAR	150.0	/* across core complexes */
#define SMT	14.0	/* SMT siblings */
#define MOVING	26.0	/* a round caught leaving SMT siblings: near */

static int failed;

static void expect(const char *what, bool ok)
{
	if (!ok)
		failed++;
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
}

static double line[MKBENCH_MAX_REPS], line_end[MKBENCH_MAX_REPS];
static double gate[MKBENCH_MAX_REPS], num[MKBENCH_MAX_REPS];
static double den[MKBENCH_MAX_REPS];

/* Rounds [from, to) see @start at their start and @end at their end. */
static void set(unsigned int from, unsigned int to, double start, double end)
{
	for (; from < to; from++) {
		line[from] = start;
		line_end[from] = end;
	}
}

static void classify_rounds(unsigned int n, struct urpc_rounds *rs)
{
	struct bench_opts o = { .cpu = { 0, 1 } };

	rounds_classify(&o, line, line_end, n, rs);
}

static const struct urpc_target target = {
	.what = "a target", .metric = "t", .num = num, .den = den,
	.bound = 1.1, .at_most = true,
};

static enum judgeable judgeable(const struct urpc_rounds *rs, enum place p)
{
	return urpc_judgeable(rs, p, &target);
}

/*
 * The low line comes from rounds that began and ended in the placement: a
 * round that started on a far core and ended on a near one measured
 * neither, and ten of them (a third of the far class here, too many for
 * the percentile to hide) would make every true far round unstable.
 */
static void low_from_rounds_that_stayed(void)
{
	struct urpc_rounds rs;

	set(0, 40, NEAR, NEAR);
	set(10, 30, FAR, FAR);
	set(30, 40, 46.0, NEAR);	/* moved back during the round */
	classify_rounds(40, &rs);
	expect("rounds that left the far cores are not the far low",
	       rs.low[PLACE_FAR] == FAR && rs.nstable[PLACE_FAR] == 20);
}

/*
 * Nor is the low the minimum: one round at 25.5 ns, both ends counted as
 * near cores though it was on its way from SMT siblings, would put every
 * near round of 32 ns above 1.2 x 25.5.  It is unstable itself: below
 * the low by more than 1.2x.
 */
static void low_is_not_the_minimum(void)
{
	struct urpc_rounds rs;
	unsigned int r;

	set(0, 1000, NEAR, NEAR);
	set(500, 501, 25.5, 25.5);
	classify_rounds(1000, &rs);
	expect("a 25.5 ns round among 999 of 32 ns is not their low",
	       rs.low[PLACE_NEAR] == NEAR);
	expect("... the 999 are stable, it is not",
	       rs.nstable[PLACE_NEAR] == 999 && !rs.stable[500]);
	/* the default run: 5 rounds, one caught moving */
	set(0, 5, NEAR, NEAR);
	set(4, 5, 25.5, 25.5);
	classify_rounds(5, &rs);
	expect("of 5 rounds, the median is the low (32, not 25.5)",
	       rs.low[PLACE_NEAR] == NEAR && rs.nstable[PLACE_NEAR] == 4);
	/* the 10th percentile, nearest rank, of the slower end of each */
	for (r = 0; r < 100; r++) {
		line[r] = 30.0 + 0.1 * r;
		line_end[r] = 30.0;
	}
	classify_rounds(100, &rs);
	expect("of 100 rounds of 30.0, 30.1, ... 39.9 ns the low is 30.9",
	       rs.low[PLACE_NEAR] > 30.89 && rs.low[PLACE_NEAR] < 30.91);
}

/*
 * A stay is one visit of the vCPUs: rounds caught moving in the middle do
 * not split it, a stay with fewer than 3 stable rounds does not count,
 * and a rare placement needs 20 stable rounds in 3 stays.
 */
static void stays_of_a_rare_placement(void)
{
	struct urpc_rounds rs;

	set(0, 1000, NEAR, NEAR);
	set(500, 540, SMT, SMT);
	classify_rounds(1000, &rs);
	expect("40 SMT rounds in a row are one stay, not judged",
	       rs.nstable[PLACE_SMT] == 40 && rs.stays[PLACE_SMT] == 1 &&
	       judgeable(&rs, PLACE_SMT) == JUDGE_RARE);
	set(510, 511, MOVING, MOVING);
	set(520, 521, MOVING, SMT);
	classify_rounds(1000, &rs);
	expect("... two rounds caught moving inside do not split it",
	       rs.stays[PLACE_SMT] == 1 && !rs.stable[510] && !rs.stable[520]);

	set(0, 1000, NEAR, NEAR);
	set(100, 118, SMT, SMT);
	set(300, 301, SMT, SMT);
	set(600, 601, SMT, SMT);
	classify_rounds(1000, &rs);
	expect("20 stable rounds as 18 + 1 + 1 are one stay, not judged",
	       rs.nstable[PLACE_SMT] == 20 && rs.stays[PLACE_SMT] == 1 &&
	       judgeable(&rs, PLACE_SMT) == JUDGE_RARE);

	set(0, 1000, NEAR, NEAR);
	set(100, 110, SMT, SMT);
	set(300, 310, SMT, SMT);
	classify_rounds(1000, &rs);
	expect("20 stable rounds in 2 stays are not judged",
	       rs.stays[PLACE_SMT] == 2 &&
	       judgeable(&rs, PLACE_SMT) == JUDGE_RARE);

	set(0, 1000, NEAR, NEAR);
	set(100, 107, SMT, SMT);
	set(300, 307, SMT, SMT);
	set(600, 606, SMT, SMT);
	classify_rounds(1000, &rs);
	expect("20 stable rounds in 3 stays (7, 7, 6) are judged",
	       rs.nstable[PLACE_SMT] == 20 && rs.stays[PLACE_SMT] == 3 &&
	       judgeable(&rs, PLACE_SMT) == JUDGE_OK);
	set(605, 606, 20.0, 20.0);	/* > 1.2 x 14: unstable SMT */
	classify_rounds(1000, &rs);
	expect("19 stable rounds in 3 stays are not judged",
	       rs.nstable[PLACE_SMT] == 19 && rs.stays[PLACE_SMT] == 3 &&
	       judgeable(&rs, PLACE_SMT) == JUDGE_RARE);

	set(0, 1000, NEAR, NEAR);
	set(100, 130, SMT, SMT);
	set(300, 310, SMT, 20.0);	/* a stay of unstable rounds only */
	set(600, 610, SMT, 20.0);
	classify_rounds(1000, &rs);
	expect("stays of unstable rounds do not count",
	       rs.stays[PLACE_SMT] == 1 &&
	       judgeable(&rs, PLACE_SMT) == JUDGE_RARE);
}

/* A quarter of the rounds makes a common placement: judged on 3. */
static void common_and_rare(void)
{
	struct urpc_rounds rs;

	set(0, 1000, NEAR, NEAR);
	set(100, 350, SMT, SMT);
	classify_rounds(1000, &rs);
	expect("250 SMT rounds of 1000 in one stay are judged",
	       judgeable(&rs, PLACE_SMT) == JUDGE_OK);
	set(349, 350, NEAR, NEAR);
	classify_rounds(1000, &rs);
	expect("249 in one stay are rare, not judged",
	       rs.rounds[PLACE_SMT] == 249 &&
	       judgeable(&rs, PLACE_SMT) == JUDGE_RARE);

	set(0, 40, NEAR, 50.0);		/* every round ends on a far core */
	set(0, 2, NEAR, NEAR);
	classify_rounds(40, &rs);
	expect("a common placement with 2 stable rounds is not judged",
	       rs.nstable[PLACE_NEAR] == 2 &&
	       judgeable(&rs, PLACE_NEAR) == JUDGE_UNSTABLE);
	set(2, 3, NEAR, NEAR);
	classify_rounds(40, &rs);
	expect("... with 3 it is",
	       rs.nstable[PLACE_NEAR] == 3 &&
	       judgeable(&rs, PLACE_NEAR) == JUDGE_OK);
}

/*
 * A gated target (futex: the rounds where it slept) needs what the
 * placement needs, among the rounds its gate lets through: 3 on a common
 * placement, 20 in 3 stays on a rare one.
 */
static void gates(void)
{
	struct urpc_target t = target;
	struct urpc_rounds rs;
	unsigned int r;

	t.gate = gate;
	t.gate_min = 0.5;
	set(0, 1000, NEAR, NEAR);
	set(100, 110, SMT, SMT);
	set(400, 410, SMT, SMT);
	set(700, 710, SMT, SMT);
	classify_rounds(1000, &rs);
	for (r = 0; r < 1000; r++)
		gate[r] = 1.0;
	expect("a rare placement with all 30 rounds gated is judged",
	       urpc_judgeable(&rs, PLACE_SMT, &t) == JUDGE_OK);
	for (r = 0; r < 1000; r++)
		gate[r] = r >= 400 && r < 420 ? 1.0 : 0.0;
	expect("... with 20 gated rounds of one stay it is not",
	       urpc_judgeable(&rs, PLACE_SMT, &t) == JUDGE_GATED);
	for (r = 0; r < 1000; r++)
		gate[r] = r < 103 || (r >= 400 && r < 407) ||
			  (r >= 700 && r < 710) ? 1.0 : 0.0;
	expect("... with 3 + 7 + 10 gated rounds in 3 stays it is",
	       urpc_judgeable(&rs, PLACE_SMT, &t) == JUDGE_OK);
	for (r = 0; r < 1000; r++)
		gate[r] = r < 3 ? 1.0 : 0.0;
	expect("a common placement with 3 gated rounds is judged",
	       urpc_judgeable(&rs, PLACE_NEAR, &t) == JUDGE_OK);
	gate[2] = 0.0;
	expect("... with 2 it is not",
	       urpc_judgeable(&rs, PLACE_NEAR, &t) == JUDGE_GATED);
}

int main(void)
{
	low_from_rounds_that_stayed();
	low_is_not_the_minimum();
	stays_of_a_rare_placement();
	common_and_rare();
	gates();
	if (failed)
		printf("urpc_verdict_test: %d failed\n", failed);
	else
		printf("urpc_verdict_test: all passed\n");
	return failed ? 1 : 0;
}
