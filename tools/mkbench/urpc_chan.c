// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench urpc - the URPC measurements: a channel of libmkchan per
 * measurement, over /dev/mkchan (mkchan_create() and mkchan_map()) or over
 * plain shared memory (mkchan_shm_create()), the same protocol code either
 * way; polling ping-pong (received in place, with light senders and with
 * the full barrier per message), streaming with mkchan_put() in batches
 * received in place in batches, or mkchan_send() and mkchan_try_recv()
 * per message, ping-pong with both receivers asleep, and one thread that
 * sends on one endpoint and takes the messages in place from the other.
 * Every message carries a sequence number that the other side checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmkchan.h"
#include "urpc.h"

/* A ring of 16 KiB: both sides' L1 holds it. */
#define NSLOTS		URPC_NSLOTS
#define PUT_BATCH	URPC_PUT_BATCH

struct chan {
	struct mkchan_ep *ep[2];
	int fd[2];
	const struct bench_opts *o;
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

int pick_backend(const struct bench_opts *o, char *why, size_t len)
{
	struct mkchan_query q;
	char reason[96];
	int fd, ret;

	if (backend_named(o, "shm")) {
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
	if (backend_named(o, "module")) {
		fprintf(stderr, "mkbench: --backend module: %s\n", reason);
		return -1;
	}
	snprintf(why, len, "shm (memfd, no module; %s)", reason);
	return BACKEND_SHM;
}

static struct chan *chan_open(const struct bench_opts *o, int backend,
			      enum urpc_kind kind)
{
	size_t epsize = (sizeof(struct mkchan_ep) + 127) & ~127UL;
	struct chan *c = aligned_alloc(128, sizeof(*c));
	int i, devfd, ret;

	if (!c)
		fail("memory", -ENOMEM);
	memset(c, 0, sizeof(*c));
	c->o = o;
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
		goto out;
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
out:
	/*
	 * Light senders for the polling rows; the full barrier per message
	 * (libmkchan's default) for their twins and the sleeping ping-pong.
	 */
	if (kind == URPC_PINGPONG || kind == URPC_PUT || kind == URPC_SEND ||
	    kind == URPC_ALONE)
		for (i = 0; i < 2; i++) {
			ret = mkchan_set_light(c->ep[i]);
			if (ret && kind == URPC_PINGPONG && !i)
				fprintf(stderr, "mkbench: light senders: %s\n",
					strerror(-ret));
		}
	return c;
}

/* Whether the endpoints send light ("Light senders", libmkchan.h). */
bool urpc_light(const struct meas *m)
{
	const struct chan *c = m->arg;

	return c->ep[0]->tx.light && c->ep[1]->tx.light;
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

/*
 * The rows' sends and receives, inline into each row's loop, as a
 * program that polls writes them and as the loops of the rows URPC is
 * held against are (the cache line's, the peer rings'); all but the
 * sleeping receive, whose cost is the sleep.
 */

/* Send @v, spinning while the ring is full. */
static __always_inline void poll_send(struct mkchan_ep *ep,
				      const struct bench_opts *o, uint64_t v)
{
	int ret;

	while ((ret = mkchan_send(ep, 0, &v, sizeof(v))) == -EAGAIN)
		bench_relax(o);
	if (ret)
		fail("send", ret);
}

/*
 * Wait for the 8-byte message at the head and take its payload where it
 * lies: mkchan_peek_at() of the head until it is there (a look that also
 * sees the peer's close).  It stays in its slot until consume_one().
 *
 * Spinning on mkchan_peek_at() rather than on mkchan_ready(), whose empty
 * look is one load and no call: on an AMD EPYC host, the ping-pong
 * between SMT siblings took 1.00-1.05x a new line each time this way and
 * 1.13-1.18x that way, side by side (1.04-1.08x in later runs), and
 * between separate cores 1.04-1.05x and 1.03x
 * (Documentation/performance.rst).
 */
static __always_inline void poll_take(struct mkchan_ep *ep,
				      const struct bench_opts *o, uint64_t *v)
{
	struct mkchan_msg m;
	int ret;

	while ((ret = mkchan_peek_at(ep, 0, &m)) == -EAGAIN)
		bench_relax(o);
	if (ret < 0)
		fail("mkchan_peek_at", ret);
	if (m.len != sizeof(*v))
		fail("receive", 0);
	memcpy(v, m.data, sizeof(*v));
}

/* Hand back the slot of the message poll_take() took. */
static __always_inline void consume_one(struct mkchan_ep *ep)
{
	int ret = mkchan_consume(ep, 1);

	if (ret)
		fail("mkchan_consume", ret);
}

/* Receive an 8-byte message, copied out: mkchan_try_recv() until one is. */
static __always_inline void copy_recv(struct mkchan_ep *ep,
				      const struct bench_opts *o, uint64_t *v)
{
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	unsigned int type;
	size_t len;
	int ret;

	while ((ret = mkchan_try_recv(ep, &type, buf, &len)) == -EAGAIN)
		bench_relax(o);
	if (ret)
		fail("receive", ret);
	if (len != sizeof(*v))
		fail("receive", 0);
	memcpy(v, buf, sizeof(*v));
}

/* Receive an 8-byte message asleep: mkchan_recv() with spin 0. */
static void sleep_recv(struct mkchan_ep *ep, uint64_t *v)
{
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	unsigned int type;
	size_t len;
	int ret;

	ret = mkchan_recv(ep, &type, buf, &len, 0);
	if (ret)
		fail("receive", ret);
	if (len != sizeof(*v))
		fail("receive", 0);
	memcpy(v, buf, sizeof(*v));
}

/*
 * Side 0 sends its sequence number, side 1 sends it back: each message
 * received in place while polling, or, @sleep, asleep.  @sleep is a
 * constant: each row has its own loop.  Polling, a side answers before
 * it hands the slot back (side 0 hands back the answer after its next
 * send): the reply, not the bookkeeping, is what the peer waits for.
 */
static __always_inline void pingpong_of(struct chan *c, int side,
					unsigned long n, bool sleep)
{
	const struct bench_opts *o = c->o;
	struct mkchan_ep *ep = c->ep[side];
	bool taken = false;
	uint64_t seq, v;

	if (side == 1) {
		for (; n; n--) {
			if (sleep) {
				sleep_recv(ep, &v);
				poll_send(ep, o, v);
				continue;
			}
			poll_take(ep, o, &v);
			poll_send(ep, o, v);
			consume_one(ep);
		}
		return;
	}
	seq = c->side[0].seq;
	for (; n; n--) {
		poll_send(ep, o, seq);
		if (sleep) {
			sleep_recv(ep, &v);
		} else {
			if (taken)
				consume_one(ep);
			poll_take(ep, o, &v);
			taken = true;
		}
		if (v != seq++)
			fail("ping-pong", 0);
	}
	if (taken)
		consume_one(ep);
	c->side[0].seq = seq;
}

static __always_inline void pingpong_poll(void *arg, int side,
					  unsigned long n)
{
	pingpong_of(arg, side, n, false);
}

DEFINE_COPY(pingpong_poll, pingpong_poll, 0)
DEFINE_COPY(pingpong_poll, pingpong_poll, 1)
DEFINE_COPY(pingpong_poll, pingpong_poll, 2)
DEFINE_COPY(pingpong_poll, pingpong_poll, 3)
static const pair_fn pingpong_poll_copies[MKBENCH_COPIES] = {
	pingpong_poll_copy0, pingpong_poll_copy1,
	pingpong_poll_copy2, pingpong_poll_copy3,
};

static void pingpong_sleep(void *arg, int side, unsigned long n)
{
	pingpong_of(arg, side, n, true);
}

/* Side 1 receives, copied out, and checks the sequence side 0 streams. */
static __always_inline void stream_receive(struct chan *c, unsigned long n)
{
	const struct bench_opts *o = c->o;
	struct mkchan_ep *ep = c->ep[1];
	uint64_t seq = c->side[1].seq, v;

	for (; n; n--) {
		copy_recv(ep, o, &v);
		if (v != seq++)
			fail("stream", 0);
	}
	c->side[1].seq = seq;
}

/*
 * Side 1 of stream_put(): up to PUT_BATCH messages at a time, each used
 * in place where it lies (mkchan_peek_at() 0, 1, ... while they are
 * there), then consumed together.
 */
static __always_inline void stream_receive_batches(struct chan *c,
						   unsigned long n)
{
	const struct bench_opts *o = c->o;
	struct mkchan_ep *ep = c->ep[1];
	uint64_t seq = c->side[1].seq, v;
	struct mkchan_msg m;
	unsigned int got, max;
	int ret;

	while (n) {
		max = n < PUT_BATCH ? n : PUT_BATCH;
		for (got = 0; got < max; got++) {
			ret = mkchan_peek_at(ep, got, &m);
			if (ret == -EAGAIN)
				break;
			if (ret < 0)
				fail("mkchan_peek_at", ret);
			if (m.len != sizeof(v))
				fail("stream", 0);
			memcpy(&v, m.data, sizeof(v));
			if (v != seq++)
				fail("stream", 0);
		}
		if (!got) {
			bench_relax(o);
			continue;
		}
		ret = mkchan_consume(ep, got);
		if (ret)
			fail("mkchan_consume", ret);
		n -= got;
	}
	c->side[1].seq = seq;
}

/* Side 0 streams with mkchan_put(), one mkchan_flush() per PUT_BATCH. */
static __always_inline void stream_put(void *arg, int side, unsigned long n)
{
	struct chan *c = arg;
	const struct bench_opts *o = c->o;
	struct mkchan_ep *ep = c->ep[0];
	unsigned long i;
	uint64_t seq;
	int ret;

	if (side == 1) {
		stream_receive_batches(c, n);
		return;
	}
	seq = c->side[0].seq;
	for (i = 1; i <= n; i++) {
		while ((ret = mkchan_put(ep, 0, &seq, sizeof(seq))) == -EAGAIN) {
			mkchan_flush(ep);
			bench_relax(o);
		}
		if (ret)
			fail("mkchan_put", ret);
		seq++;
		if (i % PUT_BATCH == 0)
			mkchan_flush(ep);
	}
	mkchan_flush(ep);
	c->side[0].seq = seq;
}

DEFINE_COPY(stream_put, stream_put, 0)
DEFINE_COPY(stream_put, stream_put, 1)
DEFINE_COPY(stream_put, stream_put, 2)
DEFINE_COPY(stream_put, stream_put, 3)
static const pair_fn stream_put_copies[MKBENCH_COPIES] = {
	stream_put_copy0, stream_put_copy1,
	stream_put_copy2, stream_put_copy3,
};

/* Side 0 streams with mkchan_send(), a flush (and its barrier) each. */
static __always_inline void stream_send(void *arg, int side, unsigned long n)
{
	struct chan *c = arg;
	const struct bench_opts *o = c->o;
	struct mkchan_ep *ep = c->ep[0];
	uint64_t seq = c->side[0].seq;

	if (side == 1) {
		stream_receive(c, n);
		return;
	}
	for (; n; n--)
		poll_send(ep, o, seq++);
	c->side[0].seq = seq;
}

DEFINE_COPY(stream_send, stream_send, 0)
DEFINE_COPY(stream_send, stream_send, 1)
DEFINE_COPY(stream_send, stream_send, 2)
DEFINE_COPY(stream_send, stream_send, 3)
static const pair_fn stream_send_copies[MKBENCH_COPIES] = {
	stream_send_copy0, stream_send_copy1,
	stream_send_copy2, stream_send_copy3,
};

/*
 * Side 0 alone, on both endpoints: sends URPC_ALONE_BATCH messages on
 * endpoint 0, then takes them in place from endpoint 1, one at a time as
 * the polling ping-pong does.
 */
static __always_inline void alone(void *arg, int side, unsigned long n)
{
	struct chan *c = arg;
	const struct bench_opts *o = c->o;
	struct mkchan_ep *tx = c->ep[0], *rx = c->ep[1];
	uint64_t seq = c->side[0].seq, v;
	unsigned long k, i;

	if (side == 1)
		return;
	for (; n; n -= k) {
		k = n < URPC_ALONE_BATCH ? n : URPC_ALONE_BATCH;
		for (i = 0; i < k; i++)
			poll_send(tx, o, seq + i);
		for (i = 0; i < k; i++) {
			poll_take(rx, o, &v);
			consume_one(rx);
			if (v != seq++)
				fail("alone", 0);
		}
	}
	c->side[0].seq = seq;
}

DEFINE_COPY(alone, alone, 0)
DEFINE_COPY(alone, alone, 1)
DEFINE_COPY(alone, alone, 2)
DEFINE_COPY(alone, alone, 3)
static const pair_fn alone_copies[MKBENCH_COPIES] = {
	alone_copy0, alone_copy1, alone_copy2, alone_copy3,
};

static void chan_free(void *arg)
{
	chan_close(arg);
}

void urpc_open(const struct bench_opts *o, int backend, enum urpc_kind kind,
	       unsigned long blocking, struct meas *m)
{
	struct chan *c = chan_open(o, backend, kind);
	unsigned long n = 10 * o->iters;

	switch (kind) {
	case URPC_PINGPONG:
	case URPC_PINGPONG_FULL:
		meas_init_copies(o, m, pingpong_poll_copies, 0, c,
				 o->iters / 10, o->iters, 2.0 * o->iters,
				 chan_free);
		break;
	case URPC_PUT:
		meas_init_copies(o, m, stream_put_copies, 0, c, o->iters,
				 n, n, chan_free);
		break;
	case URPC_SEND:
	case URPC_SEND_FULL:
		meas_init_copies(o, m, stream_send_copies, 0, c, o->iters,
				 n, n, chan_free);
		break;
	case URPC_SLEEP:
		meas_init(o, m, pingpong_sleep, c, blocking / 10, blocking,
			  2.0 * blocking, chan_free);
		break;
	case URPC_ALONE:
	case URPC_ALONE_FULL:
		meas_init_copies(o, m, alone_copies, 0, c, o->iters, n, n,
				 chan_free);
		break;
	}
}

void urpc_counts(const struct meas *m, unsigned long *sleeps,
		 unsigned long *notifies)
{
	const struct chan *c = m->arg;

	*sleeps = c->ep[0]->sleeps + c->ep[1]->sleeps;
	*notifies = c->ep[0]->notifies + c->ep[1]->notifies;
}
