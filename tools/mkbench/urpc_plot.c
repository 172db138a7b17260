// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench urpc --plot FILE.png: every round of every row as a point, the
 * one-way times on a logarithmic axis on the left, the streaming rates on
 * the right, coloured by the placement the round saw, hollow where the
 * round was not stable (urpc_verdict.c).
 */
#include <stdio.h>
#include <string.h>

#include "urpc.h"

struct urpc_plot {
	const struct bench_opts *o;
	const struct urpc_rounds *rs;
	const struct urpc_plot_row *row;
	unsigned int n;
};

/* gnuplot's line colours of the placements. */
static const char *const place_colour[PLACES] = {
	[PLACE_SMT] = "#1b9e77",
	[PLACE_NEAR] = "#7570b3",
	[PLACE_FAR] = "#d95f02",
};

/* The points of rates (@rate) of rounds of @p, @stable or not: how many. */
static unsigned int points(const struct urpc_plot *pl, bool rate,
			   enum place p, bool stable, FILE *f)
{
	const struct urpc_rounds *rs = pl->rs;
	unsigned int i, r, k = 0;
	double v;

	for (i = 0; i < pl->n; i++) {
		if (!pl->row[i].ns || pl->row[i].rate != rate)
			continue;
		for (r = 0; r < rs->n; r++) {
			if (rs->place[r] != p || rs->stable[r] != stable)
				continue;
			v = pl->row[i].ns[r];
			k++;
			if (f)
				fprintf(f, "%u %g\n", i, rate ? 1e3 / v : v);
		}
	}
	return k;
}

static void body(FILE *f, void *arg)
{
	const struct urpc_plot *pl = arg;
	const int declared = pl->rs->declared;
	unsigned int i, rate, stable, sets = 0;
	char style[64];
	int p;

	fprintf(f, "set xlabel 'CPUs %d,%d: %s (sysfs); a point a round; hollow: not stable'\n",
		pl->o->cpu[0], pl->o->cpu[1],
		declared < 0 ? "of unknown placement" :
		declared ? "SMT siblings" : "separate cores");
	fprintf(f, "set ylabel 'ns (log): one-way, or CPU a message'\n"
		"set y2label 'streaming, M msgs/s'\n"
		"set logscale y\nset ytics nomirror\nset y2tics\n"
		"set y2range [0:*]\nset grid\nset key outside right top\n"
		"set bmargin 12\nset xrange [-0.5:%u]\nset xtics rotate by -40 (",
		pl->n ? pl->n - 1 : 0);
	for (i = 0; i < pl->n; i++) {
		fprintf(f, "%s", i ? ", " : "");
		plot_string(f, pl->row[i].label);
		fprintf(f, " %u", i);
	}
	fprintf(f, ")\nplot ");
	for (p = 0; p < PLACES; p++)
		for (rate = 0; rate < 2; rate++)
			for (stable = 0; stable < 2; stable++) {
				if (!points(pl, rate, p, stable, NULL))
					continue;
				snprintf(style, sizeof(style),
					 "with points pt %u ps 1.5 lc rgb",
					 rate ? (stable ? 5 : 4) :
						(stable ? 7 : 6));
				fprintf(f, "%s'-' using 1:2 axes x1y%u %s '%s' title '%s, %s%s'",
					sets++ ? ", " : "", rate ? 2 : 1, style,
					place_colour[p],
					rate ? "M msgs/s" : "ns",
					place_name[p],
					stable ? "" : ", not stable");
			}
	fputc('\n', f);
	for (p = 0; p < PLACES; p++)
		for (rate = 0; rate < 2; rate++)
			for (stable = 0; stable < 2; stable++)
				if (points(pl, rate, p, stable, NULL)) {
					points(pl, rate, p, stable, f);
					fprintf(f, "e\n");
				}
}

int urpc_plot(const struct bench_opts *o, const struct bench_env *env,
	      const struct urpc_rounds *rs, const struct urpc_plot_row *row,
	      unsigned int n)
{
	struct urpc_plot pl = { .o = o, .rs = rs, .row = row, .n = n };

	return plot_png("urpc", o->plot, env, n && rs->n, body, &pl);
}
