// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - --backend for every suite: the one parser of its value, a
 * name of the suite's backends or, where the suite takes a list, several
 * separated by commas ("native,shm"), into bits of &bench_opts.backends;
 * and what the suites ask of them: whether a backend was named, or is
 * wanted (named, or "auto").
 */
#include <stdio.h>
#include <string.h>

#include "mkbench.h"

/* The index in @names of the name of @len bytes at @s, or -1. */
static int backend_index(const char *const *names, const char *s,
			 size_t len)
{
	int i;

	for (i = 0; names[i] && i < MKBENCH_MAX_BACKENDS; i++)
		if (strlen(names[i]) == len && !strncmp(names[i], s, len))
			return i;
	return -1;
}

/* Say what @suite's --backend takes. */
static void backend_error(const struct bench_suite *suite)
{
	const char *const *n;

	fprintf(stderr, "mkbench: %s --backend is", suite->name);
	for (n = suite->backends; *n; n++)
		fprintf(stderr, "%s%s", n == suite->backends ? " " :
			n[1] ? ", " : " or ", *n);
	fprintf(stderr, "%s\n", suite->backend_list ?
		", or several of them separated by commas" : "");
}

int backend_parse(const struct bench_suite *suite, const char *s,
		  struct bench_opts *o)
{
	const char *b = s ? s : suite->backends[0];
	size_t len;
	int i;

	o->backend_names = suite->backends;
	o->backends = 0;
	for (;;) {
		len = strcspn(b, ",");
		i = backend_index(suite->backends, b, len);
		if (i < 0 || (b[len] && !suite->backend_list)) {
			backend_error(suite);
			o->backends = 0;
			return -1;
		}
		o->backends |= 1U << i;
		if (!b[len])
			return 0;
		b += len + 1;
	}
}

bool backend_named(const struct bench_opts *o, const char *name)
{
	int i = backend_index(o->backend_names, name, strlen(name));

	return i >= 0 && (o->backends & (1U << i));
}

bool backend_wanted(const struct bench_opts *o, const char *name)
{
	return backend_named(o, name) || backend_named(o, "auto");
}
