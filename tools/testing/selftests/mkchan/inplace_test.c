// SPDX-License-Identifier: GPL-2.0
/*
 * Receiving in place and in batches: mkchan_peek(), mkchan_peek_at() and
 * mkchan_consume() of libmkchan, on both backends (/dev/mkchan mapped, and
 * plain shared memory).  Pointers into the slots, lengths and types,
 * batches cut at what is there and at the ring, laps, garbage in the
 * middle of a batch, the peer's close, and a sender asleep on a full ring
 * woken by consume.
 * And the bound on how late a sender learns of a close, now that its
 * fast path reads the channel's status only when its credits run out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libmkchan.h"

#include "kselftest_harness.h"
#include "../mkernel_test.h"

#define NSLOTS		64
#define STREAM_MSGS	300000UL
#define STALL_SECS	10

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#include "chan_fixture.h"

/* Message @seq: @seq % 57 bytes, each (seq + k) & 0xff, type seq & 0xff. */
static int send_seq(struct mkchan_ep *ep, __u64 seq)
{
	unsigned char buf[MKCHAN_PAYLOAD_MAX];
	unsigned int k, len = seq % (MKCHAN_PAYLOAD_MAX + 1);

	for (k = 0; k < len; k++)
		buf[k] = (unsigned char)(seq + k);
	return mkchan_send(ep, seq & 0xff, buf, len);
}

/* Whether @m is message @seq of send_seq(). */
static bool is_seq(const struct mkchan_msg *m, __u64 seq)
{
	const unsigned char *p = m->data;
	unsigned int k, len = seq % (MKCHAN_PAYLOAD_MAX + 1);

	if (m->type != (seq & 0xff) || m->len != len)
		return false;
	for (k = 0; k < len; k++)
		if (p[k] != (unsigned char)(seq + k))
			return false;
	return true;
}

/* The payload is the slot's: peek twice, the same; consume, the next. */
TEST_F(chan, peek_points_into_the_slot)
{
	struct mkchan_ep *tx = &self->ep[0], *rx = &self->ep[1];
	struct mkchan_msg m[3];
	__u64 seq;

	EXPECT_EQ(-EAGAIN, mkchan_peek(rx, m, 1));
	for (seq = 0; seq < 3 * NSLOTS; seq++) {
		ASSERT_EQ(0, send_seq(tx, seq));
		ASSERT_EQ(1, mkchan_peek(rx, m, 1));
		ASSERT_TRUE(is_seq(&m[0], seq)) TH_LOG("message %llu",
						       (unsigned long long)seq);
		EXPECT_EQ((const void *)rx->rx.slots[seq % NSLOTS].data,
			  m[0].data);
		ASSERT_EQ(1, mkchan_peek(rx, &m[1], 2));
		EXPECT_EQ(m[0].data, m[1].data);
		ASSERT_EQ(0, mkchan_consume(rx, 1));
		EXPECT_EQ(-EAGAIN, mkchan_peek(rx, m, 1));
	}
	EXPECT_EQ(-EINVAL, mkchan_peek(rx, m, 0));
}

/*
 * A batch is what is there, up to @max and the ring; batches of every
 * size over several laps keep the order and every byte.
 */
TEST_F(chan, peek_batches)
{
	struct mkchan_ep *tx = &self->ep[0], *rx = &self->ep[1];
	static struct mkchan_msg m[2 * NSLOTS];
	__u64 sent = 0, got = 0;
	unsigned int want, i;
	int n;

	for (want = 1; want <= NSLOTS + 3; want++) {
		/* Fill what the ring takes, up to want + 2 messages. */
		while (sent - got < NSLOTS && sent - got < want + 2)
			ASSERT_EQ(0, send_seq(tx, sent++));
		n = mkchan_peek(rx, m, want);
		ASSERT_LT(0, n) TH_LOG("max %u: %s", want, strerror(-n));
		EXPECT_EQ(want < sent - got ? want : sent - got, (__u64)n)
			TH_LOG("max %u, %llu there", want,
			       (unsigned long long)(sent - got));
		for (i = 0; i < (unsigned int)n; i++)
			ASSERT_TRUE(is_seq(&m[i], got + i))
				TH_LOG("max %u: message %llu", want,
				       (unsigned long long)(got + i));
		ASSERT_EQ(0, mkchan_consume(rx, n));
		got += n;
	}
	/* More than the ring: cut to the ring. */
	while (sent - got < NSLOTS)
		ASSERT_EQ(0, send_seq(tx, sent++));
	EXPECT_EQ(-EAGAIN, send_seq(tx, sent));
	EXPECT_EQ(NSLOTS, mkchan_peek(rx, m, 2 * NSLOTS));
	ASSERT_EQ(0, mkchan_consume(rx, NSLOTS));
	EXPECT_EQ(-EAGAIN, mkchan_peek(rx, m, 2 * NSLOTS));
	/* The room consumed is the sender's again. */
	EXPECT_EQ(0, send_seq(tx, sent));
}

/*
 * Garbage in the middle of a batch: the batch ends before it, and the next
 * look at it is -EBADMSG.
 */
TEST_F(chan, peek_garbage_in_a_batch)
{
	struct mkchan_ep *tx = &self->ep[0], *rx = &self->ep[1];
	struct mkchan_msg m[8];
	__u64 seq;

	/* The sender's slots are in its writable view on both backends. */
	for (seq = 0; seq < 6; seq++)
		ASSERT_EQ(0, send_seq(tx, seq));
	tx->tx.slots[2].header |= 1ULL << 56;	/* a reserved bit */
	EXPECT_EQ(2, mkchan_peek(rx, m, 6));
	EXPECT_EQ(2, mkchan_peek(rx, m, 3));
	EXPECT_TRUE(is_seq(&m[1], 1));
	ASSERT_EQ(0, mkchan_consume(rx, 2));
	EXPECT_EQ(-EBADMSG, mkchan_peek(rx, m, 1));
	EXPECT_EQ(-EBADMSG, mkchan_peek(rx, m, 4));
	EXPECT_EQ(-EBADMSG, mkchan_wait_message(rx));
	EXPECT_EQ(0, rx->sleeps);
}

/*
 * A look reads no header past the first slot that does not hold the
 * message due there: whatever lies beyond (a message written out of
 * order, garbage) is not seen until the head gets there, where each
 * header is checked on its own.
 */
TEST_F(chan, peek_reads_nothing_past_the_next_missing)
{
	struct mkchan_ep *tx = &self->ep[0], *rx = &self->ep[1];
	struct mkchan_msg m[4];
	__u64 seq;

	/* Message 3 written, 0 to 2 not yet. */
	tx->tx.slots[3].header = mkc_hdr(3, 0, 8);
	EXPECT_EQ(-EAGAIN, mkchan_peek(rx, m, 4));
	EXPECT_EQ(-EAGAIN, mkchan_peek(rx, m, 1));
	/* Garbage there instead: the same. */
	tx->tx.slots[3].header = 0xdeadbeef;
	EXPECT_EQ(-EAGAIN, mkchan_peek(rx, m, 4));
	/* Once 0 to 2 come, the batch ends before the garbage... */
	for (seq = 0; seq < 3; seq++)
		ASSERT_EQ(0, send_seq(tx, seq));
	EXPECT_EQ(3, mkchan_peek(rx, m, 4));
	EXPECT_TRUE(is_seq(&m[2], 2));
	ASSERT_EQ(0, mkchan_consume(rx, 3));
	/* ... which the next look reports, closed peer or not. */
	EXPECT_EQ(-EBADMSG, mkchan_peek(rx, m, 4));
	close_ep(self->ep, self->fd, 0);
	EXPECT_EQ(-EBADMSG, mkchan_peek(rx, m, 1));
}

/*
 * With the peer closed and its next message missing, the stream ends
 * there, whatever lies further on: -EPIPE, not garbage.
 */
TEST_F(chan, peek_after_close_ends_at_the_next_missing)
{
	struct mkchan_ep *tx = &self->ep[0], *rx = &self->ep[1];
	struct mkchan_msg m[4];

	tx->tx.slots[3].header = mkc_hdr(3, 0, 8);
	close_ep(self->ep, self->fd, 0);
	EXPECT_EQ(-EPIPE, mkchan_peek(rx, m, 4));
	EXPECT_EQ(-EPIPE, mkchan_peek(rx, m, 1));
}

/*
 * Written out of order, message by message, they are all good: each
 * header is checked on its own.  (A look ahead took them too, as all four
 * are there before the look; this guards the contract, not the change.)
 */
TEST_F(chan, peek_takes_messages_written_out_of_order)
{
	struct mkchan_ep *tx = &self->ep[0], *rx = &self->ep[1];
	struct mkchan_msg m[4];
	unsigned int i;

	for (i = 4; i-- > 0;) {
		memcpy(tx->tx.slots[i].data, &i, sizeof(i));
		tx->tx.slots[i].header = mkc_hdr(i, 7, sizeof(i));
	}
	ASSERT_EQ(4, mkchan_peek(rx, m, 4));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(7, m[i].type);
		EXPECT_EQ(0, memcmp(m[i].data, &i, sizeof(i)));
	}
	ASSERT_EQ(0, mkchan_consume(rx, 4));
	close_ep(self->ep, self->fd, 0);
	EXPECT_EQ(-EPIPE, mkchan_peek(rx, m, 4));
}

/*
 * What a look reads, seen by the page it may not touch: a ring of two
 * pages whose second page the receiver's view makes PROT_NONE, its first
 * page one message short of full.  A batch of the whole ring takes what
 * the first page holds and stops at its empty last slot; a look into the
 * second page (as a look @max - 1 ahead would be) is a SIGSEGV.
 */
TEST(peek_touches_no_slot_past_the_next_missing)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned int nslots = 2 * page / sizeof(struct mkchan_slot);
	unsigned int half = nslots / 2, i;
	struct mkchan_ep tx, rx;
	struct mkchan_msg *m;
	char *second;

	ASSERT_LT(0, page);
	m = calloc(nslots, sizeof(*m));
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, mkchan_shm_create(nslots, &tx, &rx));
	second = (char *)rx.rx.slots + page;
	for (i = 0; i + 1 < half; i++)
		ASSERT_EQ(0, send_seq(&tx, i));
	ASSERT_EQ(0, mprotect(second, page, PROT_NONE));
	EXPECT_EQ(half - 1, mkchan_peek(&rx, m, nslots));
	EXPECT_TRUE(is_seq(&m[half - 2], half - 2));
	ASSERT_EQ(0, mprotect(second, page, PROT_READ | PROT_WRITE));
	mkchan_shm_close(&tx);
	mkchan_shm_close(&rx);
	free(m);
}

/*
 * mkchan_peek_at() looks at message k alone: the slot mkchan_peek() points
 * into, -EAGAIN past the last one there, -EINVAL from the ring's size on,
 * and the same messages a lap later and after a consume.
 */
TEST_F(chan, peek_at_looks_at_one_message)
{
	struct mkchan_ep *tx = &self->ep[0], *rx = &self->ep[1];
	struct mkchan_msg m, batch[5];
	__u64 sent = 0, got = 0;
	unsigned int k, lap;

	EXPECT_EQ(-EAGAIN, mkchan_peek_at(rx, 0, &m));
	EXPECT_EQ(-EAGAIN, mkchan_peek_at(rx, 3, &m));
	EXPECT_EQ(-EINVAL, mkchan_peek_at(rx, NSLOTS, &m));
	EXPECT_EQ(-EINVAL, mkchan_peek_at(rx, ~0U, &m));
	for (lap = 0; lap < 3; lap++) {
		while (sent - got < NSLOTS)
			ASSERT_EQ(0, send_seq(tx, sent++));
		for (k = 0; k < NSLOTS; k++) {
			ASSERT_EQ(1, mkchan_peek_at(rx, k, &m))
				TH_LOG("lap %u, message %u", lap, k);
			ASSERT_TRUE(is_seq(&m, got + k))
				TH_LOG("lap %u, message %u", lap, k);
		}
		EXPECT_EQ(-EINVAL, mkchan_peek_at(rx, NSLOTS, &m));
		ASSERT_EQ(5, mkchan_peek(rx, batch, 5));
		for (k = 0; k < 5; k++) {
			ASSERT_EQ(1, mkchan_peek_at(rx, k, &m));
			EXPECT_EQ(batch[k].data, m.data);
		}
		/* Consume all but 3, and take those at 0 to 2. */
		ASSERT_EQ(0, mkchan_consume(rx, NSLOTS - 3));
		got += NSLOTS - 3;
		for (k = 0; k < 3; k++) {
			ASSERT_EQ(1, mkchan_peek_at(rx, k, &m));
			EXPECT_TRUE(is_seq(&m, got + k));
		}
		EXPECT_EQ(-EAGAIN, mkchan_peek_at(rx, 3, &m));
		EXPECT_EQ(-EAGAIN, mkchan_peek_at(rx, NSLOTS - 1, &m));
	}
}

/*
 * Each look checks its own header: garbage at k is -EBADMSG at k, and
 * the messages on either side of it are there.
 */
TEST_F(chan, peek_at_garbage)
{
	struct mkchan_ep *tx = &self->ep[0], *rx = &self->ep[1];
	struct mkchan_msg m;
	__u64 seq;

	for (seq = 0; seq < 4; seq++)
		ASSERT_EQ(0, send_seq(tx, seq));
	tx->tx.slots[2].header |= 1ULL << 63;	/* a reserved bit */
	EXPECT_EQ(-EBADMSG, mkchan_peek_at(rx, 2, &m));
	ASSERT_EQ(1, mkchan_peek_at(rx, 1, &m));
	EXPECT_TRUE(is_seq(&m, 1));
	ASSERT_EQ(1, mkchan_peek_at(rx, 3, &m));
	EXPECT_TRUE(is_seq(&m, 3));
	/* Not a message of this lap nor of the last. */
	tx->tx.slots[5].header = mkc_hdr(5 + NSLOTS, 0, 8);
	EXPECT_EQ(-EBADMSG, mkchan_peek_at(rx, 5, &m));
	ASSERT_EQ(0, mkchan_consume(rx, 2));
	EXPECT_EQ(-EBADMSG, mkchan_peek_at(rx, 0, &m));
	close_ep(self->ep, self->fd, 0);
	EXPECT_EQ(-EBADMSG, mkchan_peek_at(rx, 0, &m));
}

/*
 * After the peer's close, what it sent is there; past it, a look beyond
 * the head says -EAGAIN and the look at the head -EPIPE.
 */
TEST_F(chan, peek_at_after_close)
{
	struct mkchan_ep *rx = &self->ep[1];
	struct mkchan_msg m;
	__u64 seq;

	for (seq = 0; seq < 2; seq++)
		ASSERT_EQ(0, send_seq(&self->ep[0], seq));
	close_ep(self->ep, self->fd, 0);
	ASSERT_EQ(1, mkchan_peek_at(rx, 1, &m));
	EXPECT_TRUE(is_seq(&m, 1));
	EXPECT_EQ(-EAGAIN, mkchan_peek_at(rx, 2, &m));
	ASSERT_EQ(1, mkchan_peek_at(rx, 0, &m));
	ASSERT_EQ(0, mkchan_consume(rx, 2));
	EXPECT_EQ(-EPIPE, mkchan_peek_at(rx, 0, &m));
	EXPECT_EQ(-EAGAIN, mkchan_peek_at(rx, 1, &m));
}

/*
 * The header check, one test for the reserved bits and the length
 * (mkc_hdr_len_rsvd()): every length with every type, and each reserved
 * bit alone; the sequence number right.
 */
TEST(hdr_check_rejects_reserved_bits_and_long_lengths)
{
	__u64 pos = 1234, hdr;
	unsigned int len, type, bit;

	for (len = 0; len < 256; len++)
		for (type = 0; type < 256; type++) {
			hdr = mkc_hdr(pos, type, len);
			ASSERT_EQ(len <= MKCHAN_PAYLOAD_MAX ? 1 : -EBADMSG,
				  mkc_hdr_check(hdr, pos, NSLOTS))
				TH_LOG("len %u, type %u", len, type);
		}
	for (bit = 48; bit < 64; bit++) {
		hdr = mkc_hdr(pos, 0xff, MKCHAN_PAYLOAD_MAX) | 1ULL << bit;
		ASSERT_EQ(-EBADMSG, mkc_hdr_check(hdr, pos, NSLOTS))
			TH_LOG("bit %u", bit);
	}
}

/*
 * mkchan_ready(), a spinner's look: false on an empty ring, true once a
 * message (or garbage) is there, false after a close with nothing left
 * (mkchan_peek() says why).
 */
TEST_F(chan, ready_is_one_look)
{
	struct mkchan_ep *tx = &self->ep[0], *rx = &self->ep[1];
	struct mkchan_msg m;

	EXPECT_FALSE(mkchan_ready(rx));
	ASSERT_EQ(0, send_seq(tx, 0));
	EXPECT_TRUE(mkchan_ready(rx));
	ASSERT_EQ(1, mkchan_peek(rx, &m, 1));
	ASSERT_EQ(0, mkchan_consume(rx, 1));
	EXPECT_FALSE(mkchan_ready(rx));
	tx->tx.slots[1].header = 0xdeadbeef;	/* neither lap's sequence */
	EXPECT_TRUE(mkchan_ready(rx));
	EXPECT_EQ(-EBADMSG, mkchan_peek(rx, &m, 1));
	tx->tx.slots[1].header = 0;
	close_ep(self->ep, self->fd, 0);
	EXPECT_FALSE(mkchan_ready(rx));
	EXPECT_EQ(-EPIPE, mkchan_peek(rx, &m, 1));
}

/*
 * mkchan_ready() is true exactly when mkchan_peek() finds something, for
 * each kind of header the next slot may hold, on the first lap (where an
 * empty slot holds zero) and on the second (where it holds the message a
 * lap before): the message due, the one a lap before, zero, and garbage,
 * with and without reserved bits.  It tests less than mkchan_peek() does
 * (the sequence number of a lap before alone), and must agree all the same.
 */
TEST_F(chan, ready_agrees_with_peek)
{
	struct mkchan_ep *tx = &self->ep[0], *rx = &self->ep[1];
	const __u64 rsvd = 1ULL << 48;
	struct mkchan_msg m;
	__u64 pos, old, *slot, hdr[8];
	unsigned int lap, i;
	int ret;

	ASSERT_NE(0, MKCHAN_HDR_RSVD_MASK & rsvd);
	for (lap = 0; lap < 2; lap++) {
		/* @pos, due next; its slot as the sender left it */
		pos = (__u64)lap * NSLOTS;
		slot = &tx->tx.slots[pos % NSLOTS].header;
		old = *slot;
		ASSERT_EQ(lap ? mkc_hdr(pos - NSLOTS, 1, 8) : 0, old);
		hdr[0] = old;
		hdr[1] = old | rsvd;
		hdr[2] = 0;
		hdr[3] = rsvd;
		hdr[4] = mkc_hdr(pos, 1, 8);
		hdr[5] = mkc_hdr(pos, 1, 8) | rsvd;
		hdr[6] = 0xdeadbeef;
		hdr[7] = mkc_hdr(pos + NSLOTS, 1, 8);
		for (i = 0; i < ARRAY_SIZE(hdr); i++) {
			*slot = hdr[i];
			ret = mkchan_peek(rx, &m, 1);
			EXPECT_EQ(ret != -EAGAIN, mkchan_ready(rx))
				TH_LOG("lap %u, header %#llx: peek %d", lap,
				       (unsigned long long)hdr[i], ret);
		}
		*slot = old;
		if (lap)
			break;
		/* A lap of messages sent and taken: @pos's slot is reused. */
		for (i = 0; i < NSLOTS; i++) {
			__u64 v = i;

			ASSERT_EQ(0, mkchan_send(tx, 1, &v, sizeof(v)));
			ASSERT_EQ(1, mkchan_peek(rx, &m, 1));
			ASSERT_EQ(0, mkchan_consume(rx, 1));
		}
	}
}

/*
 * The same agreement without a channel, on the receiving side's state
 * alone: rings of 1 to 4096 slots (every power of two; a channel has 64
 * at least, the protocol header no such bound), the head at either end
 * of the first and the second lap and around 2^32 messages (where the
 * 32-bit sequence number wraps), and headers of the message due, of the
 * one a lap before and a lap after, zero, and garbage, with and without
 * reserved bits.
 */
TEST(ready_agrees_with_peek_at_any_lap)
{
	const __u64 rsvd = 1ULL << 48, big = 1ULL << 32;
	static struct mkchan_slot slots[4096];
	struct mkchan_ep ep;
	__u64 head[10], hdr[10], got;
	unsigned int i, j;
	__u32 nslots;
	int ret;

	memset(&ep, 0, sizeof(ep));
	for (nslots = 1; nslots <= ARRAY_SIZE(slots); nslots *= 2) {
		head[0] = 0;
		head[1] = nslots - 1;
		head[2] = nslots;
		head[3] = 2 * nslots - 1;
		head[4] = big - 1;
		head[5] = big;
		head[6] = big + nslots - 1;
		head[7] = big + nslots;
		head[8] = 2 * big + 5;
		head[9] = big - nslots;
		for (i = 0; i < ARRAY_SIZE(head); i++) {
			mkc_rx_init(&ep.rx, slots, NULL, NULL, nslots, head[i]);
			hdr[0] = 0;
			hdr[1] = rsvd;
			hdr[2] = mkc_hdr(head[i], 1, 8);
			hdr[3] = mkc_hdr(head[i], 1, 8) | rsvd;
			hdr[4] = mkc_hdr(head[i] - nslots, 1, 8);
			hdr[5] = mkc_hdr(head[i] - nslots, 1, 8) | rsvd;
			hdr[6] = mkc_hdr(head[i] + nslots, 1, 8);
			hdr[7] = 0xdeadbeef;
			hdr[8] = (__u32)mkc_seq(head[i] - nslots) | big;
			hdr[9] = mkc_hdr(head[i], 1, 0) |
				 (__u64)(MKCHAN_PAYLOAD_MAX + 1) <<
				 MKCHAN_HDR_LEN_SHIFT;
			for (j = 0; j < ARRAY_SIZE(hdr); j++) {
				slots[head[i] & (nslots - 1)].header = hdr[j];
				ret = mkc_rx_peek(&ep.rx, &got);
				ASSERT_EQ(ret != 0, mkchan_ready(&ep))
					TH_LOG("%u slots, head %#llx, header %#llx: %d",
					       nslots, (unsigned long long)head[i],
					       (unsigned long long)hdr[j], ret);
			}
			slots[head[i] & (nslots - 1)].header = 0;
		}
	}
}

/* After the peer closed: what it sent, then -EPIPE; a wait does not sleep. */
TEST_F(chan, peek_after_close)
{
	struct mkchan_ep *rx = &self->ep[1];
	struct mkchan_msg m[8];
	__u64 seq;

	for (seq = 0; seq < 3; seq++)
		ASSERT_EQ(0, send_seq(&self->ep[0], seq));
	close_ep(self->ep, self->fd, 0);
	ASSERT_EQ(3, mkchan_peek(rx, m, 8));
	EXPECT_TRUE(is_seq(&m[2], 2));
	ASSERT_EQ(0, mkchan_consume(rx, 3));
	EXPECT_EQ(-EPIPE, mkchan_peek(rx, m, 8));
	EXPECT_EQ(0, mkchan_wait_message(rx));
	EXPECT_EQ(-EPIPE, mkchan_peek(rx, m, 1));
	EXPECT_EQ(0, rx->sleeps);
}

/*
 * A sender learns of its peer's close at the latest when its credits run
 * out: after at most a ring of messages that go nowhere, -EPIPE, and
 * -EPIPE again.
 */
TEST_F(chan, send_after_close_is_bounded)
{
	struct mkchan_ep *tx = &self->ep[0];
	unsigned int ok = 0;
	__u64 seq = 0;
	int ret;

	/* Credits fetched: the sender holds a ring's worth. */
	ASSERT_EQ(0, send_seq(tx, seq++));
	close_ep(self->ep, self->fd, 1);
	while ((ret = send_seq(tx, seq++)) == 0)
		if (++ok > NSLOTS)
			break;
	EXPECT_EQ(-EPIPE, ret);
	EXPECT_GE(NSLOTS - 1, ok);
	EXPECT_EQ(-EPIPE, send_seq(tx, seq));
	EXPECT_EQ(-EPIPE, mkchan_put(tx, 0, &seq, 8));
	EXPECT_EQ(-EPIPE, mkchan_send_wait(tx, 0, &seq, 8, 0));
	EXPECT_EQ(0, tx->sleeps);
}

/*
 * Up to @max messages with mkchan_peek_at(), one at a time from 0 while
 * they are there, as mkchan_peek() returns them.
 */
static int peek_each_at(struct mkchan_ep *ep, struct mkchan_msg *m,
			unsigned int max)
{
	unsigned int k;
	int ret;

	for (k = 0; k < max; k++) {
		ret = mkchan_peek_at(ep, k, &m[k]);
		if (ret < 0)
			return k ? (int)k : ret;
	}
	return (int)k;
}

/*
 * Two processes: the child sends STREAM_MSGS messages, sleeping when the
 * ring is full; the parent takes them in batches of every size from 1 to
 * 17, in place (mkchan_peek(), or @at mkchan_peek_at()), sleeping when it
 * is empty.  Each pauses now and then so that the other goes to sleep.
 * Every message arrives, in order, byte for byte, and each side slept, to
 * be woken by the other's send or consume.
 */
static void stream_in_batches(struct __test_metadata *_metadata,
			      struct mkchan_ep ep[2], int fd[2], bool light,
			      bool at)
{
	struct mkchan_ep *rx = &ep[1];
	struct mkchan_msg m[17];
	__u64 got = 0, last = now_ns();
	unsigned int max = 1, i;
	int n, st;
	pid_t pid;

	if (light)
		ASSERT_EQ(0, mkchan_set_light(rx));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		unsigned char buf[MKCHAN_PAYLOAD_MAX];
		struct mkchan_ep *tx = &ep[0];
		__u64 seq;

		if (fd[0] >= 0) {
			close(fd[1]);
			if (mkchan_map(tx, fd[0]))
				_exit(2);
		}
		if (light && mkchan_set_light(tx))
			_exit(5);
		for (seq = 0; seq < STREAM_MSGS; seq++) {
			unsigned int k, len = seq % (MKCHAN_PAYLOAD_MAX + 1);

			for (k = 0; k < len; k++)
				buf[k] = (unsigned char)(seq + k);
			if (mkchan_send_wait(tx, seq & 0xff, buf, len, 64))
				_exit(3);
			if (seq % 50000 == 49999)
				usleep(2000);	/* the receiver sleeps */
		}
		_exit(tx->sleeps ? 0 : 4);
	}
	while (got < STREAM_MSGS) {
		n = at ? peek_each_at(rx, m, max) : mkchan_peek(rx, m, max);
		if (n == -EAGAIN) {
			ASSERT_GT(last + STALL_SECS * 1000000000ULL, now_ns())
				TH_LOG("no message for %d s at %llu", STALL_SECS,
				       (unsigned long long)got);
			ASSERT_EQ(0, mkchan_wait_message(rx));
			continue;
		}
		ASSERT_LT(0, n) TH_LOG("at %llu: %s", (unsigned long long)got,
				       strerror(-n));
		for (i = 0; i < (unsigned int)n; i++)
			ASSERT_TRUE(is_seq(&m[i], got + i))
				TH_LOG("message %llu",
				       (unsigned long long)(got + i));
		ASSERT_EQ(0, mkchan_consume(rx, n));
		if (got / 40000 != (got + n) / 40000)
			usleep(2000);	/* the ring fills, the sender sleeps */
		got += n;
		last = now_ns();
		max = max % 17 + 1;
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("sender: status %#x", st);
	EXPECT_LE(1, rx->sleeps);
}

TEST_F_TIMEOUT(chan, stream_in_batches, 120)
{
	stream_in_batches(_metadata, self->ep, self->fd, false, false);
}

/* The same with light senders on both sides. */
TEST_F_TIMEOUT(chan, stream_in_batches_light, 120)
{
	stream_in_batches(_metadata, self->ep, self->fd, true, false);
}

/* The same, light, taken with mkchan_peek_at(). */
TEST_F_TIMEOUT(chan, stream_peek_at_light, 120)
{
	stream_in_batches(_metadata, self->ep, self->fd, true, true);
}

TEST_HARNESS_MAIN
