/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the fault tests (fault_test.c, fault_system_test.c): time,
 * a seeded generator, memory shared with children, reaping them within a
 * limit, and messages whose content follows from their stream and number,
 * so that a receiver checks each one.  A file including it defines
 * msg_type(), the type of message @seq of its streams.
 */
#ifndef _MKCHAN_FAULT_H
#define _MKCHAN_FAULT_H

#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libmkchan.h"

#define SEC		1000000000ULL

static unsigned int msg_type(__u64 seq);

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * SEC + ts.tv_nsec;
}

static __u64 xorshift(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Memory shared with the children, for what they report. */
static void *shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Reap @pid within @secs seconds: its wait status, or -1 (killed). */
static int reap(pid_t pid, int secs)
{
	__u64 end = now_ns() + secs * SEC;
	pid_t r;
	int st;

	do {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		if (r < 0)
			return -1;
		usleep(1000);
	} while (now_ns() < end);
	kill(pid, SIGKILL);
	usleep(100000);
	return waitpid(pid, &st, WNOHANG) == pid ? st : -1;
}

static bool exited_ok(int st)
{
	return st != -1 && WIFEXITED(st) && !WEXITSTATUS(st);
}

/* Payload of message @seq of the stream @tag. */
struct msg {
	__u64 seq;
	__u64 tag;
	unsigned char fill[MKCHAN_PAYLOAD_MAX - 16];
};

static size_t make_msg(struct msg *m, __u64 tag, __u64 seq)
{
	__u64 s = (seq ^ tag * 0x9e3779b97f4a7c15ULL) | 1;
	size_t len = 16 + seq % (sizeof(m->fill) + 1), i;

	m->seq = seq;
	m->tag = tag;
	for (i = 0; i < len - 16; i++)
		m->fill[i] = xorshift(&s);
	return len;
}

static bool msg_ok(const void *data, size_t len, unsigned int type,
		   __u64 tag, __u64 seq)
{
	struct msg want;

	return len == make_msg(&want, tag, seq) && type == msg_type(seq) &&
	       !memcmp(data, &want, len);
}

/* The same as a slot of read(2)/write(2); the kernel numbers it @seq. */
static void make_slot(struct mkchan_slot *s, __u64 tag, __u64 seq)
{
	size_t len = make_msg((struct msg *)s->data, tag, seq);

	s->header = (__u64)len << MKCHAN_HDR_LEN_SHIFT |
		    (__u64)msg_type(seq) << MKCHAN_HDR_TYPE_SHIFT;
}

static bool slot_ok(const struct mkchan_slot *s, __u64 tag, __u64 seq)
{
	return (__u32)s->header == mkc_seq(seq) &&
	       msg_ok(s->data, mkc_hdr_len(s->header),
		      mkc_hdr_type(s->header), tag, seq);
}

#endif /* _MKCHAN_FAULT_H */
