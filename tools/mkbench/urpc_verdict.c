// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench urpc - verdicts that can be trusted: a target is judged only on
 * rounds in which the reference, the cache-line transfer time, was what it
 * can be on the placement the round saw, and the time the hypervisor stole
 * from the CPUs during the run is said.
 *
 * Placement.  On a VM the vCPUs move between hyperthreads of one core and
 * separate cores every few seconds, and every time measured moves with
 * them, so each round is classed by its own cache-line time:
 *
 *   SMT siblings  line < 25 ns: the line stays in one core's caches (14-15
 *                 ns seen on a Zen 4 VM, Documentation/performance.rst);
 *   near cores    25 to 45 ns: separate cores sharing a last-level cache
 *                 (a Zen core complex: about 33 ns there);
 *   far cores     45 ns and more: separate cores across a mesh, complexes
 *                 or sockets (53-88 ns seen on Xeon VMs, 90-165 ns across
 *                 Zen core complexes).
 *
 * A placement whose line time sits on a threshold is split in two classes;
 * the thresholds are where the machines measured so far have none.
 *
 * What sysfs declares (thread_siblings_list) is printed beside it: on a VM
 * it is the guest's topology, not where the vCPUs run.
 *
 * Stability.  The line is measured at the start of each round and again
 * at its end; a round is stable when both fall in the same placement and
 * within STABLE_RATIO of that placement's low line time (low_line()),
 * either way, so that a round in which the vCPUs moved is never stable.
 * What is checked is the line alone, at the two ends of the round: a
 * disturbance that leaves both alone (steal in the middle of a round,
 * say) is not seen, and the steal time of the whole run is the only guard
 * against it.
 *
 * A target is judged per placement, on the median over its stable rounds
 * of the ratio taken within each round.  A placement seen in at least a
 * quarter of the rounds is the one the run mostly had, and is judged when
 * at least MIN_STABLE of its rounds are stable (the unstable ones are
 * left out, however many), so that a default run of 5 rounds is judged;
 * its rounds may all be one stay.  A placement seen less often, as the
 * SMT siblings or far cores a hypervisor gives a few seconds at a time,
 * is judged when at least MIN_STABLE_RARE of its rounds are stable, in
 * at least MIN_STAYS_RARE stays (count_stays()): rounds of one stay are
 * one visit of the vCPUs, not independent samples.  Many short rounds
 * (--reps 1000 --iters 3000) catch such placements.  Otherwise a
 * placement is "not judged", and so is every target when the steal time
 * makes the run suspect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "urpc.h"

#define SMT_BELOW_NS	25.0	/* line time of SMT siblings, at most */
#define NEAR_BELOW_NS	45.0	/* ... of cores sharing a cache, at most */
#define STABLE_RATIO	1.2	/* a stable round: within 1.2x of the low */
#define LOW_PERCENTILE	10	/* the low line time of a placement, % */
#define LOW_MIN_ROUNDS	20	/* ... the median below as many rounds */
#define MIN_STABLE	3	/* stable rounds a verdict needs, at least */
#define MIN_STABLE_RARE	20	/* ... in a placement seen in < 1/4 of them */
#define MIN_STAYS_RARE	3	/* ... in as many stays there, at least */
#define MIN_STAY_ROUNDS	3	/* stable rounds that make a stay count */
#define STEAL_SUSPECT	1.0	/* steal, % of the run, that voids verdicts */

const char *const place_name[PLACES] = {
	[PLACE_SMT] = "SMT siblings",
	[PLACE_NEAR] = "near cores",
	[PLACE_FAR] = "far cores",
};

const char *const place_short[PLACES] = {
	[PLACE_SMT] = "smt",
	[PLACE_NEAR] = "near",
	[PLACE_FAR] = "far",
};

/* The line times of placement @p, in words. */
static void place_range(enum place p, char *buf, size_t len)
{
	if (p == PLACE_SMT)
		snprintf(buf, len, "line < %.0f ns", SMT_BELOW_NS);
	else if (p == PLACE_NEAR)
		snprintf(buf, len, "line %.0f-%.0f ns", SMT_BELOW_NS,
			 NEAR_BELOW_NS);
	else
		snprintf(buf, len, "line >= %.0f ns", NEAR_BELOW_NS);
}

static enum place classify(double line_ns)
{
	if (line_ns < SMT_BELOW_NS)
		return PLACE_SMT;
	return line_ns < NEAR_BELOW_NS ? PLACE_NEAR : PLACE_FAR;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The low line time of placement @p, 0 when it has no round that began and
 * ended in it: over those rounds, each taken at the slower of its two
 * ends, the LOW_PERCENTILE-th percentile (nearest rank), or the median
 * when there are fewer than LOW_MIN_ROUNDS of them.  Not the minimum: a
 * round in which the vCPUs moved measured part of one placement and part
 * of another, and one such round at 25 ns among near cores of 30-33 ns
 * (or at 46 ns among far cores of 150) would make every true round of the
 * placement look unstable.
 */
static double low_line(const double *line, const double *line_end,
		       unsigned int n, enum place p)
{
	double v[MKBENCH_MAX_REPS];
	unsigned int r, k = 0, pct;

	for (r = 0; r < n; r++) {
		if (classify(line[r]) != p || classify(line_end[r]) != p)
			continue;
		v[k++] = line[r] > line_end[r] ? line[r] : line_end[r];
	}
	if (!k)
		return 0;
	qsort(v, k, sizeof(v[0]), cmp_double);
	pct = k < LOW_MIN_ROUNDS ? 50 : LOW_PERCENTILE;
	return v[(k * pct + 99) / 100 - 1];
}

/* Whether @x is within STABLE_RATIO of @low, either way. */
static bool near_low(double x, double low)
{
	return x <= STABLE_RATIO * low && x * STABLE_RATIO >= low;
}

/*
 * The stays of placement @p: a stay is a run of rounds of @p that no
 * stable round of another placement interrupts, one visit of the vCPUs
 * there; it counts when at least MIN_STAY_ROUNDS of its rounds are ones
 * @ok[] lets through (stable ones, or stable ones a gate lets through).
 * Only stable rounds say where the vCPUs were: one caught moving does not
 * end a stay.
 */
static unsigned int count_stays(const struct urpc_rounds *rs, enum place p,
				const bool *ok)
{
	unsigned int r, run = 0, stays = 0;

	for (r = 0; r < rs->n; r++) {
		if (rs->place[r] == p) {
			run += ok[r];
		} else if (rs->stable[r]) {
			stays += run >= MIN_STAY_ROUNDS;
			run = 0;
		}
	}
	return stays + (run >= MIN_STAY_ROUNDS);
}

void rounds_classify(const struct bench_opts *o, const double *line,
		     const double *line_end, unsigned int n,
		     struct urpc_rounds *rs)
{
	unsigned int r;
	enum place p;

	memset(rs, 0, sizeof(*rs));
	rs->n = n;
	rs->line = line;
	rs->line_end = line_end;
	rs->declared = env_smt_siblings(o->cpu[0], o->cpu[1]);
	for (r = 0; r < n; r++) {
		p = classify(line[r]);
		rs->place[r] = p;
		rs->rounds[p]++;
	}
	for (p = 0; p < PLACES; p++)
		rs->low[p] = low_line(line, line_end, n, p);
	for (r = 0; r < n; r++) {
		p = rs->place[r];
		rs->stable[r] = classify(line_end[r]) == p &&
				near_low(line[r], rs->low[p]) &&
				near_low(line_end[r], rs->low[p]);
		rs->nstable[p] += rs->stable[r];
	}
	for (p = 0; p < PLACES; p++)
		rs->stays[p] = count_stays(rs, p, rs->stable);
}

void rounds_print_declared(const struct bench_opts *o)
{
	int declared = env_smt_siblings(o->cpu[0], o->cpu[1]);

	printf("  placement    CPUs %d and %d: %s, says sysfs\n"
	       "               (thread_siblings_list); seen per round from its\n"
	       "               cache-line time: SMT siblings below %.0f ns, near\n"
	       "               cores below %.0f ns, far cores above\n",
	       o->cpu[0], o->cpu[1],
	       o->cpu[0] == o->cpu[1] ? "the same CPU" :
	       declared < 0 ? "of unknown placement" :
	       declared ? "SMT siblings" : "separate cores",
	       SMT_BELOW_NS, NEAR_BELOW_NS);
}

void rounds_print(const struct urpc_rounds *rs)
{
	unsigned int r, col = 0, total = 0;
	char item[48], variant[32];
	int p, len;

	printf("\n  rounds       line ns at the start/end and placement seen (~: not stable)\n   ");
	for (r = 0; r < rs->n; r++) {
		len = snprintf(item, sizeof(item), "%u: %.0f/%.0f %s%s", r + 1,
			       rs->line[r], rs->line_end[r],
			       place_short[rs->place[r]],
			       rs->stable[r] ? "" : "~");
		if (r && col + len + 2 > 74) {
			printf(",\n   ");
			col = 0;
		} else if (r) {
			printf(", ");
			col += 2;
		}
		printf("%s", item);
		col += len;
	}
	printf("\n");
	for (p = 0; p < PLACES; p++) {
		total += rs->nstable[p];
		if (!rs->rounds[p])
			continue;
		snprintf(variant, sizeof(variant), "verdict-%s",
			 place_short[p]);
		report_value(variant, "rounds", NULL, rs->rounds[p], "rounds");
		report_value(variant, "stable_rounds", NULL, rs->nstable[p],
			     "rounds");
		report_value(variant, "stays", NULL, rs->stays[p],
			     "stays");
	}
	report_value("verdict", "stable_rounds", NULL, total, "rounds");
	report_value("verdict", "rounds", NULL, rs->n, "rounds");
}

/*
 * The stable rounds of placement @p that @t's gate lets through, and in
 * *@stays how many stays they make.
 */
static unsigned int gated(const struct urpc_rounds *rs, enum place p,
			  const struct urpc_target *t, unsigned int *stays)
{
	bool ok[MKBENCH_MAX_REPS];
	unsigned int r, k = 0;

	for (r = 0; r < rs->n; r++) {
		ok[r] = rs->stable[r] && t->gate[r] >= t->gate_min;
		k += ok[r] && rs->place[r] == p;
	}
	*stays = count_stays(rs, p, ok);
	return k;
}

/* The median of @t's ratio over those rounds. */
static double stable_median(const struct urpc_rounds *rs, enum place p,
			    const struct urpc_target *t)
{
	double q[MKBENCH_MAX_REPS];
	unsigned int r, k = 0;

	for (r = 0; r < rs->n; r++)
		if (rs->place[r] == p && rs->stable[r] &&
		    (!t->gate || t->gate[r] >= t->gate_min))
			q[k++] = t->num[r] / t->den[r];
	return sample_median(q, k);
}

/* A placement seen in less than a quarter of the rounds: the rare rule. */
static bool rare(const struct urpc_rounds *rs, enum place p)
{
	return 4 * rs->rounds[p] < rs->n;
}

enum judgeable urpc_judgeable(const struct urpc_rounds *rs, enum place p,
			      const struct urpc_target *t)
{
	unsigned int k = rs->nstable[p], stays;

	if (rare(rs, p)) {
		if (k < MIN_STABLE_RARE || rs->stays[p] < MIN_STAYS_RARE)
			return JUDGE_RARE;
	} else if (k < MIN_STABLE) {
		return JUDGE_UNSTABLE;
	}
	if (!t->gate)
		return JUDGE_OK;
	k = gated(rs, p, t, &stays);
	if (rare(rs, p) ? k < MIN_STABLE_RARE || stays < MIN_STAYS_RARE :
			  k < MIN_STABLE)
		return JUDGE_GATED;
	return JUDGE_OK;
}

static void judge(const struct urpc_rounds *rs, const struct bench_env *env,
		  bool suspect, enum place p, const struct urpc_target *t)
{
	unsigned int k = rs->nstable[p], n = rs->rounds[p], gk, stays;
	char variant[32], metric[64];
	double v;
	bool met;

	if (suspect) {
		printf("    %-46s not judged: steal time above %.0f%%\n",
		       t->what, STEAL_SUSPECT);
		return;
	}
	switch (urpc_judgeable(rs, p, t)) {
	case JUDGE_RARE:
		printf("    %-46s not judged: rare, %u stable in %u stays (%u in %u needed)\n",
		       t->what, k, rs->stays[p], MIN_STABLE_RARE,
		       MIN_STAYS_RARE);
		return;
	case JUDGE_UNSTABLE:
		printf("    %-46s not judged: reference unstable (%u of %u stable, %u needed)\n",
		       t->what, k, n, MIN_STABLE);
		return;
	case JUDGE_GATED:
		gk = gated(rs, p, t, &stays);
		printf("    %-46s not judged: %s < %.1f in %u of %u stable rounds\n",
		       t->what, t->gate_what, t->gate_min, k - gk, k);
		return;
	case JUDGE_OK:
		break;
	}
	v = stable_median(rs, p, t);
	met = t->at_most ? v <= t->bound : v >= t->bound;
	printf("    %-46s %11.3f %-9s %s\n", t->what, v, "x",
	       t->context ? "a peer's, no target" :
	       env->emulated ? "not judged (emulated)" : met ? "met" : "MISSED");
	snprintf(variant, sizeof(variant), "verdict-%s", place_short[p]);
	report_value(variant, t->metric, NULL, v, "x");
	if (t->context)
		return;
	snprintf(metric, sizeof(metric), "%s_met", t->metric);
	if (!env->emulated)
		report_value(variant, metric, NULL, met, "bool");
}

void targets_print(const struct urpc_rounds *rs, const struct bench_env *env,
		   bool suspect, const struct urpc_target *t, unsigned int n)
{
	char range[32], low[32];
	unsigned int i;
	int p;

	printf("\n  targets, per placement seen: the median over its stable rounds of\n"
	       "  the ratio within a round%s\n",
	       suspect ? " (SUSPECT: steal time above 1%)" : "");
	printf("  rule: a round is stable when its line time, at its start and at its\n"
	       "  end, is within %.1fx of its placement's low, either way (the %dth\n"
	       "  percentile of the rounds that began and ended there, the median\n"
	       "  below %d); a placement is judged when seen in >= 1/4 of the rounds,\n"
	       "  on its stable rounds, if there are >= %d, or when seen less often,\n"
	       "  if >= %d are stable in >= %d stays (runs of >= %d stable rounds\n"
	       "  there, not interrupted by a stable round elsewhere)\n",
	       STABLE_RATIO, LOW_PERCENTILE, LOW_MIN_ROUNDS, MIN_STABLE,
	       MIN_STABLE_RARE, MIN_STAYS_RARE, MIN_STAY_ROUNDS);
	for (p = 0; p < PLACES; p++) {
		if (!rs->rounds[p])
			continue;
		place_range(p, range, sizeof(range));
		if (rs->low[p])
			snprintf(low, sizeof(low), "%.1f ns", rs->low[p]);
		else
			snprintf(low, sizeof(low), "none");
		printf("  %s (%s, low %s): %u of %u rounds stable, in %u stay%s\n",
		       place_name[p], range, low, rs->nstable[p],
		       rs->rounds[p], rs->stays[p],
		       rs->stays[p] == 1 ? "" : "s");
		for (i = 0; i < n; i++)
			judge(rs, env, suspect, p, &t[i]);
	}
	if (env->virtual && !env->emulated)
		printf("  (a virtual machine: the hypervisor adds to every wake-up that needs an\n"
		       "   interrupt between CPUs, i.e. to the native IPC and to the sleeping URPC)\n");
}

void steal_begin(const struct bench_opts *o, struct steal *s)
{
	memset(s, 0, sizeof(*s));
	s->cpu[0] = o->cpu[0];
	s->cpu[1] = o->cpu[1];
	s->ok = !env_steal(s->cpu, s->before, &s->ncpus);
	s->t0 = now_ns();
}

void steal_end(struct steal *s)
{
	unsigned int ncpus;

	s->t1 = now_ns();
	s->ok = s->ok && !env_steal(s->cpu, s->after, &ncpus);
}

/* Steal of column @i over the run, in ns; -1 where it is unknown. */
static long long stolen(const struct steal *s, int i)
{
	if (s->before[i] < 0 || s->after[i] < 0)
		return -1;
	return s->after[i] - s->before[i];
}

/* @ns of steal as a share of @cpus CPUs for the run, in %. */
static double steal_pct(const struct steal *s, long long ns,
			unsigned int cpus)
{
	return 100.0 * ns / ((double)(s->t1 - s->t0) * (cpus ? cpus : 1));
}

bool steal_print(const struct steal *s)
{
	double pct, worst;
	long long ns;
	int i;

	if (!s->ok) {
		printf("\n  steal time   unknown (no steal column in /proc/stat)\n");
		return false;
	}
	printf("\n  steal time   during the run (%.1f s):", (s->t1 - s->t0) / 1e9);
	worst = 0;
	for (i = 1; i < 3; i++) {
		ns = stolen(s, i);
		if (ns < 0)
			continue;
		pct = steal_pct(s, ns, 1);
		worst = pct > worst ? pct : worst;
		printf("%s CPU %d %lld ms (%.1f%%)", i > 1 ? "," : "",
		       s->cpu[i - 1], ns / 1000000, pct);
		report_value("env", i == 1 ? "steal_pct_cpu_a" :
			     "steal_pct_cpu_b", NULL, pct, "%");
	}
	/* The aggregate line adds up every CPU's steal. */
	ns = stolen(s, 0);
	pct = steal_pct(s, ns, s->ncpus);
	worst = pct > worst ? pct : worst;
	printf("\n               all %u CPUs %lld ms (%.1f%% of %u x the run)\n",
	       s->ncpus, ns / 1000000, pct, s->ncpus);
	report_value("env", "steal_ms", NULL, ns / 1e6, "ms");
	report_value("env", "steal_pct", NULL, pct, "%");
	if (worst <= STEAL_SUSPECT)
		return false;
	printf("               above %.0f%%: the hypervisor ran something else on\n"
	       "               these CPUs during the run; the verdicts are suspect\n",
	       STEAL_SUSPECT);
	return true;
}
