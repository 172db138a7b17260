// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - plots: a PNG drawn by gnuplot, when it is installed, with the
 * environment in its title.  The suites write the axes, the plot command
 * and the data; this file the rest.
 */
#define _GNU_SOURCE	/* strchrnul() */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mkbench.h"

/* Whether @prog is an executable file in $PATH. */
static bool in_path(const char *prog)
{
	const char *path = getenv("PATH"), *p, *end;
	char file[4096];

	for (p = path ? path : "/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (end == p)
			continue;
		snprintf(file, sizeof(file), "%.*s/%s", (int)(end - p), p, prog);
		if (!access(file, X_OK))
			return true;
	}
	return false;
}

void plot_string(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

static int run_gnuplot(const char *file, const char *title,
		       const char *terminal, plot_body_fn body, void *arg)
{
	FILE *f;
	int st;

	f = popen("gnuplot", "w");
	if (!f)
		return -errno;
	fprintf(f, "set terminal %s size 1200,700 noenhanced\nset output ",
		terminal);
	plot_string(f, file);
	fprintf(f, "\nset title ");
	plot_string(f, title);
	fputc('\n', f);
	body(f, arg);
	st = pclose(f);
	if (st == -1)
		return -errno;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -EIO;
}

int plot_png(const char *suite, const char *file,
	     const struct bench_env *env, bool has_data, plot_body_fn body,
	     void *arg)
{
	char title[256];

	if (!in_path("gnuplot")) {
		printf("\nmkbench: --plot %s: gnuplot is not installed; no plot written\n"
		       "(in mkernel's tree `make deps` installs it; Debian: gnuplot-nox)\n",
		       file);
		return 0;
	}
	if (!has_data) {
		printf("\nmkbench: --plot %s: no results to plot\n", file);
		return 0;
	}
	snprintf(title, sizeof(title), "mkbench %s: %s%s", suite, env->desc,
		 env->emulated ? " (EMULATED timings)" : "");
	fflush(stdout);
	/* pngcairo where gnuplot has cairo, else the plain png terminal. */
	if (run_gnuplot(file, title, "pngcairo", body, arg) &&
	    run_gnuplot(file, title, "png", body, arg)) {
		fprintf(stderr, "mkbench: --plot %s: gnuplot failed\n", file);
		return -1;
	}
	printf("\nplot: %s\n", file);
	return 0;
}
