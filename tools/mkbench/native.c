// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench - what Linux offers natively for the same ping-pong: a pipe each
 * way, an eventfd each way, a futex word each way and a unix stream socket
 * pair, each message 8 bytes, both threads blocking in the kernel until
 * the other's message arrives.  One-way = round trip / 2.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mkbench.h"

const char *const native_name[] = {
	[NATIVE_PIPE] = "pipe",
	[NATIVE_EVENTFD] = "eventfd",
	[NATIVE_FUTEX] = "futex",
	[NATIVE_UNIX] = "unix",
};

struct native {
	enum native_kind kind;
	int out[2], in[2];	/* per side: where it writes, where it reads */
	struct {
		uint32_t __aligned(128) v;
		unsigned long slept;	/* FUTEX_WAITs that slept */
	} word[2];		/* futex: side s sleeps on word[s] */
	unsigned long msgs;	/* messages, both ways */
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void send_msg(struct native *nt, int side, uint64_t v)
{
	uint32_t *w;

	if (nt->kind == NATIVE_FUTEX) {
		w = &nt->word[!side].v;
		store_release(w, 1);
		syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		return;
	}
	if (nt->kind == NATIVE_EVENTFD)
		v = 1;
	if (write(nt->out[side], &v, sizeof(v)) != sizeof(v))
		die("mkbench: write");
}

static void recv_msg(struct native *nt, int side)
{
	uint32_t *w = &nt->word[side].v;
	uint64_t v;

	if (nt->kind == NATIVE_FUTEX) {
		/* 0: it slept and was woken; EAGAIN: the word had changed */
		while (!load_acquire(w))
			if (!syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, 0, NULL,
				     NULL, 0))
				nt->word[side].slept++;
		store_release(w, 0);
		return;
	}
	if (read(nt->in[side], &v, sizeof(v)) != sizeof(v))
		die("mkbench: read");
}

static void pingpong(void *arg, int side, unsigned long n)
{
	struct native *nt = arg;

	if (side == 0)
		nt->msgs += 2 * n;
	for (; n; n--) {
		if (side == 0) {
			send_msg(nt, 0, n);
			recv_msg(nt, 0);
		} else {
			recv_msg(nt, 1);
			send_msg(nt, 1, n);
		}
	}
}

static void open_fds(struct native *nt)
{
	int a[2], b[2];

	switch (nt->kind) {
	case NATIVE_PIPE:
		if (pipe2(a, O_CLOEXEC) || pipe2(b, O_CLOEXEC))
			die("mkbench: pipe");
		nt->out[0] = a[1];
		nt->in[1] = a[0];
		nt->out[1] = b[1];
		nt->in[0] = b[0];
		break;
	case NATIVE_EVENTFD:
		a[0] = eventfd(0, EFD_CLOEXEC);
		b[0] = eventfd(0, EFD_CLOEXEC);
		if (a[0] < 0 || b[0] < 0)
			die("mkbench: eventfd");
		nt->out[0] = a[0];
		nt->in[1] = a[0];
		nt->out[1] = b[0];
		nt->in[0] = b[0];
		break;
	case NATIVE_UNIX:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a))
			die("mkbench: socketpair");
		nt->out[0] = a[0];
		nt->in[0] = a[0];
		nt->out[1] = a[1];
		nt->in[1] = a[1];
		break;
	case NATIVE_FUTEX:
		memset(nt->out, -1, sizeof(nt->out));
		memset(nt->in, -1, sizeof(nt->in));
		break;
	}
}

static void native_close(void *arg)
{
	struct native *nt = arg;
	int fds[4] = { nt->out[0], nt->in[0], nt->out[1], nt->in[1] };
	int i, j;

	/* Some are the same descriptor twice. */
	for (i = 0; i < 4; i++) {
		for (j = 0; j < i && fds[j] != fds[i]; j++)
			;
		if (j == i && fds[i] >= 0)
			close(fds[i]);
	}
	free(nt);
}

void native_futex_counts(const struct meas *m, unsigned long *slept,
			 unsigned long *msgs)
{
	const struct native *nt = m->arg;

	*slept = nt->word[0].slept + nt->word[1].slept;
	*msgs = nt->msgs;
}

void native_open(const struct bench_opts *o, enum native_kind kind,
		 unsigned long iters, struct meas *m)
{
	struct native *nt = aligned_alloc(128, sizeof(*nt));

	if (!nt)
		die("mkbench");
	memset(nt, 0, sizeof(*nt));
	nt->kind = kind;
	open_fds(nt);
	meas_init(o, m, pingpong, nt, iters / 10, iters, 2.0 * iters,
		  native_close);
}
