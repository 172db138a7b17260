// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench urpc - URPC channels against the limit of the machine and
 * against native IPC, on the same two CPUs, in one run:
 *
 *   (a) the cache-line transfer time, of one line that bounces and of a
 *       new line each time, as a ring uses them (cacheline.c);
 *   (b) URPC ping-pong one-way latency, both sides polling, and streaming
 *       throughput: mkchan_put() in batches then mkchan_flush(), and
 *       mkchan_send() per message;
 *   (c) pipe, eventfd, futex and unix-socket ping-pong (native.c);
 *   (d) URPC ping-pong with both receivers sleeping at once (spin 0), so
 *       that every message goes through the notify and wake-up path.
 *
 * Channels come from libmkchan: over /dev/mkchan (mkchan_create() and
 * mkchan_map()) or over plain shared memory (mkchan_shm_create()), the
 * same protocol code either way.  Every message carries a sequence number
 * that the other side checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmkchan.h"
#include "mkbench.h"

#define NSLOTS		256	/* a ring of 16 KiB: both sides' L1 holds it */
#define PUT_BATCH	32	/* messages per mkchan_flush() when streaming */

/* The targets of issue 3 on this machine's host. */
#define TARGET_VS_LINE	1.5	/* URPC one-way / cache-line transfer, at most */
#define TARGET_RATE	100e6	/* streaming msgs/s, at least */
#define TARGET_VS_IPC	100.0	/* pipe, eventfd, futex one-way / URPC, at least */

enum backend { BACKEND_SHM, BACKEND_MODULE };

struct chan {
	struct mkchan_ep *ep[2];
	int fd[2];
	const struct bench_opts *o;
	bool sleep;		/* receive with spin 0: sleep at once */
	struct {
		uint64_t __aligned(128) seq;
	} side[2];		/* each side's private counter */
};

static void fail(const char *what, int err)
{
	fprintf(stderr, "mkbench: %s: %s\n", what,
		err ? strerror(-err) : "unexpected message");
	exit(1);
}

/*
 * The backend to use, described in @why; -1 when the module was asked
 * for and cannot be used.
 */
static int pick_backend(const struct bench_opts *o, char *why, size_t len)
{
	struct mkchan_query q;
	char reason[96];
	int fd, ret;

	if (!strcmp(o->backend, "shm")) {
		snprintf(why, len, "shm (memfd, no module; --backend shm)");
		return BACKEND_SHM;
	}
	fd = mkchan_open();
	if (fd >= 0) {
		ret = mkchan_query(fd, &q);
		close(fd);
		if (!ret && (q.features & MKCHAN_FEAT_CHANNELS)) {
			snprintf(why, len, "module (%s)", MKCHAN_DEVICE);
			return BACKEND_MODULE;
		}
		snprintf(reason, sizeof(reason),
			 "the loaded mkchan has no channels");
	} else {
		snprintf(reason, sizeof(reason), "%s: %s", MKCHAN_DEVICE,
			 strerror(-fd));
	}
	if (!strcmp(o->backend, "module")) {
		fprintf(stderr, "mkbench: --backend module: %s\n", reason);
		return -1;
	}
	snprintf(why, len, "shm (memfd, no module; %s)", reason);
	return BACKEND_SHM;
}

static struct chan *chan_open(const struct bench_opts *o, int backend,
			      bool sleep)
{
	size_t epsize = (sizeof(struct mkchan_ep) + 127) & ~127UL;
	struct chan *c = aligned_alloc(128, sizeof(*c));
	int i, devfd, ret;

	if (!c)
		fail("memory", -ENOMEM);
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->sleep = sleep;
	c->fd[0] = -1;
	c->fd[1] = -1;
	/* Each endpoint's private state on lines of its own. */
	for (i = 0; i < 2; i++) {
		c->ep[i] = aligned_alloc(128, epsize);
		if (!c->ep[i])
			fail("memory", -ENOMEM);
	}
	if (backend == BACKEND_SHM) {
		ret = mkchan_shm_create(NSLOTS, c->ep[0], c->ep[1]);
		if (ret)
			fail("mkchan_shm_create", ret);
		return c;
	}
	devfd = mkchan_open();
	if (devfd < 0)
		fail(MKCHAN_DEVICE, devfd);
	ret = mkchan_create(devfd, o->cpu[0], o->cpu[1], NSLOTS, 0, c->fd);
	close(devfd);
	if (ret)
		fail("mkchan_create", ret);
	for (i = 0; i < 2; i++) {
		ret = mkchan_map(c->ep[i], c->fd[i]);
		if (ret)
			fail("mkchan_map", ret);
	}
	return c;
}

static void chan_close(struct chan *c)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (c->fd[i] < 0) {
			mkchan_shm_close(c->ep[i]);
		} else {
			mkchan_unmap(c->ep[i]);
			close(c->fd[i]);
		}
		free(c->ep[i]);
	}
	free(c);
}

static void recv_one(struct chan *c, int side, uint64_t *v)
{
	struct mkchan_ep *ep = c->ep[side];
	unsigned int type;
	size_t len;
	int ret;

	if (c->sleep)
		ret = mkchan_recv(ep, &type, v, &len, 0);
	else
		while ((ret = mkchan_try_recv(ep, &type, v, &len)) == -EAGAIN)
			bench_relax(c->o);
	if (ret)
		fail("receive", ret);
	if (len != sizeof(*v))
		fail("receive", 0);
}

static void send_one(struct chan *c, int side, uint64_t v)
{
	int ret;

	while ((ret = mkchan_send(c->ep[side], 0, &v, sizeof(v))) == -EAGAIN)
		bench_relax(c->o);
	if (ret)
		fail("send", ret);
}

/* Side 0 sends its sequence number, side 1 sends it back. */
static void pingpong(void *arg, int side, unsigned long n)
{
	struct chan *c = arg;
	uint64_t *seq = &c->side[0].seq, v;

	for (; n; n--) {
		if (side == 1) {
			recv_one(c, 1, &v);
			send_one(c, 1, v);
			continue;
		}
		send_one(c, 0, *seq);
		recv_one(c, 0, &v);
		if (v != (*seq)++)
			fail("ping-pong", 0);
	}
}

/* Side 1 receives and checks the sequence of what side 0 streams. */
static void stream_receive(struct chan *c, unsigned long n)
{
	uint64_t *seq = &c->side[1].seq, v;

	for (; n; n--) {
		recv_one(c, 1, &v);
		if (v != (*seq)++)
			fail("stream", 0);
	}
}

/* Side 0 streams with mkchan_put(), one mkchan_flush() per PUT_BATCH. */
static void stream_put(void *arg, int side, unsigned long n)
{
	struct chan *c = arg;
	struct mkchan_ep *ep = c->ep[0];
	uint64_t *seq = &c->side[0].seq;
	unsigned long i;
	int ret;

	if (side == 1) {
		stream_receive(c, n);
		return;
	}
	for (i = 1; i <= n; i++) {
		while ((ret = mkchan_put(ep, 0, seq, sizeof(*seq))) == -EAGAIN) {
			mkchan_flush(ep);
			bench_relax(c->o);
		}
		if (ret)
			fail("mkchan_put", ret);
		(*seq)++;
		if (i % PUT_BATCH == 0)
			mkchan_flush(ep);
	}
	mkchan_flush(ep);
}

/* Side 0 streams with mkchan_send(), a flush (and its barrier) each. */
static void stream_send(void *arg, int side, unsigned long n)
{
	struct chan *c = arg;
	uint64_t *seq = &c->side[0].seq;

	if (side == 1) {
		stream_receive(c, n);
		return;
	}
	for (; n; n--)
		send_one(c, 0, (*seq)++);
}

enum urpc_kind { URPC_PINGPONG, URPC_PUT, URPC_SEND, URPC_SLEEP };

static void chan_free(void *arg)
{
	chan_close(arg);
}

/* A URPC measurement of @kind on a channel of its own. */
static void urpc_open(const struct bench_opts *o, int backend,
		      enum urpc_kind kind, unsigned long blocking,
		      struct meas *m)
{
	struct chan *c = chan_open(o, backend, kind == URPC_SLEEP);
	unsigned long n = 10 * o->iters;

	switch (kind) {
	case URPC_PINGPONG:
		meas_init(o, m, pingpong, c, o->iters / 10, o->iters,
			  2.0 * o->iters, chan_free);
		break;
	case URPC_PUT:
		meas_init(o, m, stream_put, c, o->iters, n, n, chan_free);
		break;
	case URPC_SEND:
		meas_init(o, m, stream_send, c, o->iters, n, n, chan_free);
		break;
	case URPC_SLEEP:
		meas_init(o, m, pingpong, c, blocking / 10, blocking,
			  2.0 * blocking, chan_free);
		break;
	}
}

/* Every measurement of the suite, in the order of a round. */
enum {
	M_LINE, M_RING, M_PINGPONG, M_PUT, M_SEND, M_SLEEP, M_NATIVE,
	M_COUNT = M_NATIVE + NATIVE_KINDS
};

static void print_header(const struct bench_opts *o,
			 const struct bench_env *env, const char *backend)
{
	char load[64];

	env_load_average(load, sizeof(load));
	printf("mkbench urpc\n");
	printf("  environment  %s\n", env->desc);
	if (env->emulated)
		printf("               EMULATED: these timings are not hardware timings\n");
	printf("  CPU          %s; measured between CPUs %d and %d\n",
	       env->cpu_model, o->cpu[0], o->cpu[1]);
	printf("  channels     %s, %u slots a ring, 8-byte messages\n",
	       backend, NSLOTS);
	printf("  runs         %u round%s, each one repetition of every measurement\n"
	       "               (a warm-up first); median and best of the rounds;\n"
	       "               a repetition: %lu round trips (cache line, URPC\n"
	       "               polling), %lu messages (streaming), %lu round trips\n"
	       "               (blocking)\n",
	       o->reps, o->reps == 1 ? "" : "s", o->iters, 10 * o->iters,
	       o->iters / 20 < 100 ? 100 : o->iters / 20);
	printf("  load average %s (before the run)\n\n", load);
	fflush(stdout);
}

static void print_target(const struct bench_env *env, const char *what,
			 double v, const char *unit, bool met)
{
	printf("    %-46s %11.2f %-9s %s\n", what, v, unit,
	       env->emulated ? "not judged (emulated)" : met ? "met" : "MISSED");
}

/* @ratio: the medians of URPC / line, pipe / URPC, eventfd / URPC, ... */
static void print_targets(const struct bench_env *env, const double *ratio,
			  double rate)
{
	char what[64];
	int k;

	printf("\n  targets (issue 3), on this run\n");
	print_target(env, "URPC one-way / cache line <= 1.5", ratio[0], "x",
		     ratio[0] <= TARGET_VS_LINE);
	print_target(env, "URPC streaming >= 100 M msgs/s", rate / 1e6,
		     "M msgs/s", rate >= TARGET_RATE);
	for (k = NATIVE_PIPE; k <= NATIVE_FUTEX; k++) {
		snprintf(what, sizeof(what), "%s one-way / URPC >= 100",
			 native_name[k]);
		print_target(env, what, ratio[1 + k], "x",
			     ratio[1 + k] >= TARGET_VS_IPC);
	}
	if (env->virtual && !env->emulated)
		printf("  (a virtual machine: the hypervisor adds to every wake-up that needs an\n"
		       "   interrupt between CPUs, i.e. to the native IPC and to the sleeping URPC)\n");
}

/* Warn when the limit itself moved during the run. */
static void print_spread(const struct bench_opts *o, const double *line)
{
	double lo = line[0], hi = line[0];
	unsigned int r;

	for (r = 1; r < o->reps; r++) {
		lo = line[r] < lo ? line[r] : lo;
		hi = line[r] > hi ? line[r] : hi;
	}
	if (hi > 1.5 * lo)
		printf("\n  note: the cache-line transfer took from %.1f to %.1f ns in different\n"
		       "  rounds: the machine changed under the run (a hypervisor moving the\n"
		       "  vCPUs, or other load).  Ratios are taken within each round.\n",
		       lo, hi);
}

int urpc_suite(const struct bench_opts *o)
{
	unsigned long blocking = o->iters / 20 < 100 ? 100 : o->iters / 20;
	char why[160], variant[48], label[64];
	struct meas m[M_COUNT];
	double ratio[1 + NATIVE_KINDS], rate, msgs;
	struct bench_env env;
	struct chan *c;
	unsigned int r;
	int backend, k;
	const char *b;

	backend = pick_backend(o, why, sizeof(why));
	if (backend < 0)
		return 1;
	b = backend == BACKEND_SHM ? "shm" : "module";
	env_detect(o->env, &env);
	print_header(o, &env, why);

	cacheline_open(o, false, &m[M_LINE]);
	cacheline_open(o, true, &m[M_RING]);
	urpc_open(o, backend, URPC_PINGPONG, blocking, &m[M_PINGPONG]);
	urpc_open(o, backend, URPC_PUT, blocking, &m[M_PUT]);
	urpc_open(o, backend, URPC_SEND, blocking, &m[M_SEND]);
	urpc_open(o, backend, URPC_SLEEP, blocking, &m[M_SLEEP]);
	for (k = 0; k < NATIVE_KINDS; k++)
		native_open(o, k, blocking, &m[M_NATIVE + k]);
	for (r = 0; r < o->reps; r++)
		for (k = 0; k < M_COUNT; k++)
			meas_run(o, &m[k], r);

	report_begin("urpc", o);
	report_section("the limit");
	report_time("cacheline", "oneway_ns", "cache-line transfer, one-way",
		    m[M_LINE].ns, o->reps, NULL);
	report_time("cacheline-ring", "oneway_ns",
		    "  the same, a new line each time", m[M_RING].ns, o->reps,
		    NULL);

	snprintf(label, sizeof(label), "URPC over %s", b);
	report_section(label);
	snprintf(variant, sizeof(variant), "urpc-%s-pingpong", b);
	report_time(variant, "oneway_ns", "ping-pong, one-way (polling)",
		    m[M_PINGPONG].ns, o->reps, NULL);
	snprintf(variant, sizeof(variant), "urpc-%s-stream-put%d", b,
		 PUT_BATCH);
	snprintf(label, sizeof(label), "streaming, put x%d + flush",
		 PUT_BATCH);
	report_rate(variant, "rate", label, m[M_PUT].ns, o->reps, &rate);
	snprintf(variant, sizeof(variant), "urpc-%s-stream-send", b);
	report_rate(variant, "rate", "streaming, send per message",
		    m[M_SEND].ns, o->reps, NULL);
	snprintf(variant, sizeof(variant), "urpc-%s-sleep", b);
	report_time(variant, "oneway_ns", "ping-pong, one-way (receiver sleeps)",
		    m[M_SLEEP].ns, o->reps, NULL);
	/* Messages both ways, warm-up included. */
	c = m[M_SLEEP].arg;
	msgs = 2.0 * (m[M_SLEEP].warm + o->reps * m[M_SLEEP].n);
	report_value(variant, "sleeps_per_msg", "  sleeps per message",
		     (c->ep[0]->sleeps + c->ep[1]->sleeps) / msgs, "per msg");
	report_value(variant, "notifies_per_msg", "  notifies per message",
		     (c->ep[0]->notifies + c->ep[1]->notifies) / msgs, "per msg");

	report_section("native ping-pong, one-way (blocking)");
	for (k = 0; k < NATIVE_KINDS; k++)
		report_time(native_name[k], "oneway_ns", native_name[k],
			    m[M_NATIVE + k].ns, o->reps, NULL);

	report_section("ratios (median over the rounds of the ratio within a round)");
	ratio[0] = report_ratio("ratio", "urpc_over_cacheline",
				"URPC / cache line", m[M_PINGPONG].ns,
				m[M_LINE].ns, o->reps);
	report_ratio("ratio", "urpc_over_cacheline_ring",
		     "URPC / cache line, a new line each time",
		     m[M_PINGPONG].ns, m[M_RING].ns, o->reps);
	for (k = 0; k < NATIVE_KINDS; k++) {
		snprintf(variant, sizeof(variant), "%s_over_urpc",
			 native_name[k]);
		snprintf(label, sizeof(label), "%s / URPC", native_name[k]);
		ratio[1 + k] = report_ratio("ratio", variant, label,
					    m[M_NATIVE + k].ns,
					    m[M_PINGPONG].ns, o->reps);
	}
	report_ratio("ratio", "urpc_sleep_over_urpc",
		     "URPC, receiver sleeping / URPC polling", m[M_SLEEP].ns,
		     m[M_PINGPONG].ns, o->reps);
	report_value("env", "emulated", NULL, env.emulated, "bool");

	report_print();
	print_spread(o, m[M_LINE].ns);
	print_targets(&env, ratio, rate);
	for (k = 0; k < M_COUNT; k++)
		meas_close(&m[k]);
	if (o->csv) {
		k = report_csv(o->csv);
		if (k) {
			fprintf(stderr, "mkbench: %s: %s\n", o->csv,
				strerror(-k));
			return 1;
		}
	}
	return 0;
}
