// SPDX-License-Identifier: GPL-2.0
/*
 * A complete mkchan program: a channel between two CPUs, one endpoint per
 * process, ten round trips through the mapped rings.  Built by make as
 * build/user/mkchan_example; included in Documentation/userspace-api/
 * mkchan.rst.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libmkchan.h"

static void pin(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

int main(void)
{
	char buf[MKCHAN_PAYLOAD_MAX];
	struct mkchan_ep ep;
	int dev, fds[2], ret, i;
	unsigned int type;
	size_t len;
	pid_t pid;

	dev = mkchan_open();
	if (dev < 0) {
		fprintf(stderr, "/dev/mkchan: %s\n", strerror(-dev));
		return 1;
	}
	/* Endpoint 0 on CPU 0, endpoint 1 on CPU 1, 64 slots a ring. */
	ret = mkchan_create(dev, 0, 1, 64, 0, fds);
	if (ret) {
		fprintf(stderr, "create: %s\n", strerror(-ret));
		return 1;
	}

	pid = fork();
	if (pid == 0) {
		/* The child drives endpoint 1: it answers every message. */
		close(fds[0]);
		pin(1);
		if (mkchan_map(&ep, fds[1]))
			_exit(1);
		/* Spin 10000 times, then sleep until a message comes. */
		while (!mkchan_recv(&ep, &type, buf, &len, 10000)) {
			buf[1] = 'o';				/* ping -> pong */
			if (mkchan_send_wait(&ep, type, buf, len, 10000))
				_exit(1);
		}
		_exit(0);	/* -EPIPE: the parent closed its endpoint */
	}

	/* The parent drives endpoint 0. */
	close(fds[1]);
	pin(0);
	ret = mkchan_map(&ep, fds[0]);
	for (i = 0; !ret && i < 10; i++) {
		len = snprintf(buf, sizeof(buf), "ping %d", i);
		ret = mkchan_send_wait(&ep, 1, buf, len, 10000);
		if (!ret)
			ret = mkchan_recv(&ep, &type, buf, &len, 10000);
		if (!ret)
			printf("%.*s\n", (int)len, buf);
	}
	mkchan_close(&ep);			/* the child sees -EPIPE */
	waitpid(pid, NULL, 0);
	close(dev);
	return ret ? 1 : 0;
}
