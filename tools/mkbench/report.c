// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - the results: a table on stdout and, on request, CSV rows
 * suite,variant,cpus,metric,value,unit.
 *
 * A measurement is o->reps repetitions; the table gives their median and
 * the best one (the lowest time, the highest rate), and so does the CSV
 * (metric_median, metric_min or metric_max).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkbench.h"

#define MAX_ROWS	128

/*
 * One line of the table: a section title when @unit is empty, why it was
 * not measured when @note is not.
 */
struct line {
	char label[64];
	double median, best;
	bool has_best;
	char unit[16];
	char note[96];
};

struct csv_row {
	char variant[48];
	char cpus[64];
	char metric[48];
	double value;
	char unit[16];
};

static struct {
	const char *suite;
	char cpus[64];
	struct line line[MAX_ROWS];
	unsigned int nlines;
	struct csv_row *row;	/* grows as rows are added */
	unsigned int nrows, room;
} rep;

void report_begin(const char *suite, const struct bench_opts *o)
{
	rep.suite = suite;
	/* A colon, not a comma: the CSV needs no quoting. */
	snprintf(rep.cpus, sizeof(rep.cpus), "%d:%d", o->cpu[0], o->cpu[1]);
	rep.nlines = 0;
	rep.nrows = 0;
}

void report_set_cpus(const char *cpus)
{
	snprintf(rep.cpus, sizeof(rep.cpus), "%s", cpus);
}

void report_cpu_list(const struct bench_opts *o, unsigned int k, char *buf,
		     size_t len)
{
	unsigned int i, j;
	size_t at = 0;

	buf[0] = '\0';
	for (i = 0; i < k && at < len; i = j + 1) {
		for (j = i; j + 1 < k && o->cpus[j + 1] == o->cpus[j] + 1; j++)
			;
		if (j > i)
			at += snprintf(buf + at, len - at, "%s%d-%d",
				       i ? ":" : "", o->cpus[i], o->cpus[j]);
		else
			at += snprintf(buf + at, len - at, "%s%d",
				       i ? ":" : "", o->cpus[i]);
	}
}

static struct line *add_line(const char *label, const char *unit)
{
	struct line *l;

	if (rep.nlines == MAX_ROWS)
		return NULL;
	l = &rep.line[rep.nlines++];
	memset(l, 0, sizeof(*l));
	snprintf(l->label, sizeof(l->label), "%s", label);
	snprintf(l->unit, sizeof(l->unit), "%s", unit);
	return l;
}

static void add_row(const char *variant, const char *metric,
		    const char *suffix, double value, const char *unit)
{
	unsigned int room = rep.room ? 2 * rep.room : MAX_ROWS;
	struct csv_row *r;

	if (rep.nrows == rep.room) {
		r = realloc(rep.row, room * sizeof(*r));
		if (!r) {
			fprintf(stderr, "mkbench: out of memory for the CSV rows\n");
			exit(1);
		}
		rep.row = r;
		rep.room = room;
	}
	r = &rep.row[rep.nrows++];
	snprintf(r->variant, sizeof(r->variant), "%s", variant);
	snprintf(r->cpus, sizeof(r->cpus), "%s", rep.cpus);
	snprintf(r->metric, sizeof(r->metric), "%s%s", metric, suffix);
	r->value = value;
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
}

void report_section(const char *title)
{
	add_line(title, "");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and minimum of @n samples. */
static void stats(const double *v, unsigned int n, double *median,
		  double *min)
{
	double s[MKBENCH_MAX_REPS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	*median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	*min = s[0];
}

double sample_median(const double *v, unsigned int n)
{
	double median, min;

	stats(v, n, &median, &min);
	return median;
}

void report_time(const char *variant, const char *metric, const char *label,
		 const double *ns, unsigned int n, double *median)
{
	struct line *l = add_line(label, "ns");
	double med, min;

	stats(ns, n, &med, &min);
	if (l) {
		l->median = med;
		l->best = min;
		l->has_best = true;
	}
	add_row(variant, metric, "_median", med, "ns");
	add_row(variant, metric, "_min", min, "ns");
	if (median)
		*median = med;
}

void report_rate(const char *variant, const char *metric, const char *label,
		 const double *ns, unsigned int n, double *median)
{
	struct line *l = add_line(label, "M msgs/s");
	double med, min;

	stats(ns, n, &med, &min);
	if (l) {
		l->median = 1e3 / med;
		l->best = 1e3 / min;
		l->has_best = true;
	}
	add_row(variant, metric, "_median", 1e9 / med, "msgs/s");
	add_row(variant, metric, "_max", 1e9 / min, "msgs/s");
	if (median)
		*median = 1e9 / med;
}

void report_value(const char *variant, const char *metric, const char *label,
		  double v, const char *unit)
{
	struct line *l = label ? add_line(label, unit) : NULL;

	if (l)
		l->median = v;
	add_row(variant, metric, "", v, unit);
}

void report_missing(const char *label, const char *why)
{
	struct line *l = add_line(label, "-");

	if (l)
		snprintf(l->note, sizeof(l->note), "not measured: %s", why);
}

double report_ratio(const char *variant, const char *metric,
		    const char *label, const double *num, const double *den,
		    unsigned int n)
{
	double q[MKBENCH_MAX_REPS], med, min;
	unsigned int i;

	for (i = 0; i < n; i++)
		q[i] = num[i] / den[i];
	stats(q, n, &med, &min);
	report_value(variant, metric, label, med, "x");
	return med;
}

static void print_value(double v)
{
	printf(v < 100 ? " %11.2f" : " %11.0f", v);
}

void report_print(void)
{
	unsigned int i;
	struct line *l;

	printf("  %-46s %11s %11s  %s\n", "", "median", "best", "unit");
	for (i = 0; i < rep.nlines; i++) {
		l = &rep.line[i];
		if (!l->unit[0]) {
			printf("  %s\n", l->label);
			continue;
		}
		printf("    %-44s", l->label);
		if (l->note[0]) {
			printf(" %s\n", l->note);
			continue;
		}
		print_value(l->median);
		if (l->has_best)
			print_value(l->best);
		else
			printf(" %11s", "");
		printf("  %s\n", l->unit);
	}
}

int report_csv(const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned int i;
	int ret = 0;

	if (!f)
		return -errno;
	fprintf(f, "suite,variant,cpus,metric,value,unit\n");
	for (i = 0; i < rep.nrows; i++)
		fprintf(f, "%s,%s,%s,%s,%.6g,%s\n", rep.suite,
			rep.row[i].variant, rep.row[i].cpus, rep.row[i].metric,
			rep.row[i].value, rep.row[i].unit);
	if (ferror(f))
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}
