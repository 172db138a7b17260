// SPDX-License-Identifier: GPL-2.0
/*
 * mkbench shootdown, shm: mkrep's message path in user space, on any host.
 *
 * k single-threaded processes, each bound to a CPU of its own and each
 * with its own shared mapping of one memfd page, hence its own page table
 * and its own TLB entry for the page.  The first process is joined to each
 * other one by a libmkchan channel in plain shared memory.  To unmap, it
 * sends a URPC message to every other process (broadcast: to all, then
 * gathers the answers; unicast: one at a time, each answer before the next
 * message), each of which unmaps its own mapping and answers; it unmaps
 * its own mapping once its first messages are out, while the others work:
 * as mkrep does it, in the same order.  A process that runs on
 * one CPU only flushes its own TLB, with no IPI, so the operation needs
 * none.  Everyone polls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shootdown.h"

/* Commands: map again and write, an operation, or exit. */
#define CMD_READY	1
#define CMD_OP		8	/* + enum sd_op */
#define CMD_EXIT	16

/* A command, and its answer with @err. */
struct msg {
	uint32_t cmd;
	uint32_t seq;
	int32_t err;
	uint32_t pad;
};

struct member {
	struct mkchan_ep *ep[2];	/* the first process's end, the member's */
	pid_t pid;
	int cpu;
};

struct group {
	unsigned int k;
	struct member *m;		/* m[1 .. k - 1] */
	struct sd_page pg;		/* the first process's own mapping */
	uint32_t seq;
	int memfd;
	pid_t parent;
};

enum { BROADCAST, UNICAST, NSTRATEGIES };

static const char *const strategy_name[NSTRATEGIES] = {
	"broadcast", "unicast"
};

static const struct {
	const char *name, *label;
} ops[SD_NOPS] = {
	[SD_MADVISE] = { "madvise", "madvise(MADV_DONTNEED)" },
	[SD_MUNMAP] = { "munmap", "munmap" },
	[SD_MPROTECT] = { "mprotect", "mprotect(PROT_READ)" },
};

static const char *cmd_name(uint32_t cmd)
{
	if (cmd >= CMD_OP && cmd < CMD_OP + SD_NOPS)
		return ops[cmd - CMD_OP].label;
	return cmd == CMD_READY ? "mapping the page again" :
	       cmd == CMD_EXIT ? "exit" : "starting";
}

/* What a process does for @cmd to its own mapping. */
static int apply(struct sd_page *pg, uint32_t cmd, unsigned int index,
		 uint32_t seq)
{
	if (cmd == CMD_READY)
		return sd_page_ready(pg, index, seq);
	if (cmd >= CMD_OP && cmd < CMD_OP + SD_NOPS)
		return sd_page_op(pg, cmd - CMD_OP);
	return 0;
}

static int send_msg(struct mkchan_ep *ep, const struct msg *msg)
{
	int ret;

	while ((ret = mkchan_send(ep, 0, msg, sizeof(*msg))) == -EAGAIN)
		mkchan_cpu_relax();
	return ret;
}

/* Poll for a message; for SD_TIMEOUT_NS at most when @timeout. */
static int recv_msg(struct mkchan_ep *ep, struct msg *msg, bool timeout)
{
	union {
		struct msg msg;
		unsigned char raw[MKCHAN_PAYLOAD_MAX];
	} buf;
	unsigned int spins = 0, type;
	uint64_t deadline = 0;
	size_t len;
	int ret;

	while ((ret = mkchan_try_recv(ep, &type, buf.raw, &len)) == -EAGAIN) {
		mkchan_cpu_relax();
		if (!timeout || ++spins % 4096)
			continue;
		if (!deadline)
			deadline = now_ns() + SD_TIMEOUT_NS;
		else if (now_ns() > deadline)
			return -ETIMEDOUT;
	}
	if (!ret && len != sizeof(*msg))
		ret = -EBADMSG;
	*msg = buf.msg;
	return ret;
}

static noreturn void member_main(struct group *g, unsigned int i)
{
	struct mkchan_ep *ep = g->m[i].ep[1];
	struct msg msg = { 0 };
	struct sd_page pg;
	int ret;

	/* Never outlive the first process, whatever happens to it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != g->parent)
		_exit(1);
	ret = pin_cpu(g->m[i].cpu);
	if (!ret)
		ret = sd_page_init(&pg, g->memfd);
	msg.err = ret;
	if (send_msg(ep, &msg) || ret)
		_exit(1);
	for (;;) {
		if (recv_msg(ep, &msg, false))
			_exit(1);
		msg.err = apply(&pg, msg.cmd, i, msg.seq);
		if (send_msg(ep, &msg))
			_exit(1);
		if (msg.cmd == CMD_EXIT)
			_exit(0);
	}
}

/* The answer of member @i to command @seq. */
static int gather(struct group *g, unsigned int i, uint32_t seq)
{
	struct msg msg;
	int ret;

	ret = recv_msg(g->m[i].ep[0], &msg, true);
	if (ret == -ETIMEDOUT) {
		fprintf(stderr, "mkbench: shootdown shm: the process on CPU %d does not answer\n",
			g->m[i].cpu);
		return -1;
	}
	if (ret) {
		sd_fail("shm", "receive", ret);
		return -1;
	}
	if (msg.seq != seq) {
		sd_fail("shm", "an answer out of sequence", 0);
		return -1;
	}
	if (msg.err) {
		fprintf(stderr, "mkbench: shootdown shm: CPU %d: %s: %s\n",
			g->m[i].cpu, cmd_name(msg.cmd), strerror(-msg.err));
		return -1;
	}
	return 0;
}

/* Apply @cmd to the first process's own mapping. */
static int apply_own(struct group *g, uint32_t cmd, uint32_t seq)
{
	int ret = apply(&g->pg, cmd, 0, seq);

	if (ret)
		sd_fail("shm", cmd_name(cmd), ret);
	return ret ? -1 : 0;
}

/*
 * Apply @cmd in every process as @strategy says, overlapping the first
 * process's own change with the others': broadcast sends every message,
 * then applies its own, then gathers; unicast sends the first message,
 * applies its own, then gathers each answer before the next message.
 */
static int deliver(struct group *g, uint32_t cmd, int strategy)
{
	struct msg msg = { .cmd = cmd, .seq = ++g->seq };
	bool own = false;
	unsigned int i;
	int ret;

	for (i = 1; i < g->k; i++) {
		ret = send_msg(g->m[i].ep[0], &msg);
		if (ret) {
			sd_fail("shm", "send", ret);
			return -1;
		}
		if (strategy == BROADCAST && i < g->k - 1)
			continue;
		if (!own && apply_own(g, cmd, msg.seq))
			return -1;
		own = true;
		if (strategy == UNICAST && gather(g, i, msg.seq))
			return -1;
	}
	if (!own && apply_own(g, cmd, msg.seq))
		return -1;
	for (i = 1; i < g->k && strategy == BROADCAST; i++)
		if (gather(g, i, msg.seq))
			return -1;
	return 0;
}

static int measure(const struct sd_ctx *c, struct group *g, int strategy,
		   enum sd_op op, struct sd_meas *m)
{
	struct sd_window w;
	unsigned long it;
	int ret = 0;

	sd_meas_init(m, c->iters);
	sd_window_init(&w, m);
	for (it = 0; ; it++) {
		ret = deliver(g, CMD_READY, BROADCAST);
		if (ret)
			break;
		sd_begin(&w);
		ret = deliver(g, CMD_OP + op, strategy);
		if (sd_end(&w, m, it >= c->warm) || ret)
			break;
	}
	sd_window_fini(&w);
	return ret;
}

static void free_group(struct group *g)
{
	unsigned int i, j;

	for (i = 1; i < g->k; i++) {
		for (j = 0; j < 2; j++) {
			if (!g->m[i].ep[j])
				continue;
			if (g->m[i].ep[j]->map[0])
				mkchan_shm_close(g->m[i].ep[j]);
			free(g->m[i].ep[j]);
		}
	}
	sd_page_fini(&g->pg);
	if (g->memfd >= 0)
		close(g->memfd);
	free(g->m);
}

/* Stop the members: an exit for each when @ok, else SIGKILL. */
static int end_members(struct group *g, unsigned int forked, bool ok)
{
	unsigned int i;
	int st, ret = 0;

	if (ok && deliver(g, CMD_EXIT, BROADCAST))
		ok = false;
	for (i = 1; i < forked; i++) {
		if (!ok)
			kill(g->m[i].pid, SIGKILL);
		if (waitpid(g->m[i].pid, &st, 0) < 0 ||
		    !WIFEXITED(st) || WEXITSTATUS(st))
			ret = -1;
	}
	return ok && !ret ? 0 : -1;
}

static int setup(struct group *g)
{
	size_t epsize = (sizeof(struct mkchan_ep) + 127) & ~127UL;
	unsigned int i, j;
	int ret;

	g->memfd = memfd_create("mkbench-shootdown", MFD_CLOEXEC);
	if (g->memfd < 0)
		return -errno;
	if (ftruncate(g->memfd, sysconf(_SC_PAGESIZE)))
		return -errno;
	for (i = 1; i < g->k; i++) {
		for (j = 0; j < 2; j++) {
			g->m[i].ep[j] = aligned_alloc(128, epsize);
			if (!g->m[i].ep[j])
				return -ENOMEM;
			memset(g->m[i].ep[j], 0, epsize);
		}
		ret = mkchan_shm_create(MKCHAN_MIN_SLOTS, g->m[i].ep[0],
					g->m[i].ep[1]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Every strategy and operation on the first @k CPUs. */
static int run_group(const struct sd_ctx *c, unsigned int k,
		     struct sd_meas *m, void *arg)
{
	struct group g = { .k = k, .memfd = -1, .parent = getpid() };
	char variant[48], label[48];
	unsigned int i, forked = 1;
	int s, op, ret;

	(void)arg;	/* sd_each_k() passes nothing to this mode */

	g.m = calloc(k, sizeof(*g.m));
	ret = g.m ? setup(&g) : -ENOMEM;
	if (ret) {
		sd_fail("shm", "the channels and the page", ret);
		if (g.m)
			free_group(&g);
		return -1;
	}
	fflush(stdout);
	for (i = 1; i < k; i++, forked++) {
		g.m[i].cpu = c->o->cpus[i];
		g.m[i].pid = fork();
		if (g.m[i].pid < 0) {
			sd_fail("shm", "fork", -errno);
			break;
		}
		if (!g.m[i].pid)
			member_main(&g, i);
	}
	if (forked < k) {
		ret = -1;
	} else {
		ret = sd_page_init(&g.pg, g.memfd);
		if (ret) {
			sd_fail("shm", "the page", ret);
			ret = -1;
		}
	}
	for (i = 1; i < k && !ret; i++)
		ret = gather(&g, i, 0);
	for (s = 0; s < NSTRATEGIES && !ret; s++) {
		for (op = 0; op < SD_NOPS && !ret; op++) {
			ret = measure(c, &g, s, op, m);
			snprintf(variant, sizeof(variant), "shm-%s-%s",
				 strategy_name[s], ops[op].name);
			snprintf(label, sizeof(label), "%s, %s",
				 strategy_name[s], ops[op].label);
			sd_record(c, variant, label, k, m);
		}
	}
	if (end_members(&g, forked, !ret) && !ret) {
		sd_fail("shm", "a process failed", 0);
		ret = -1;
	}
	free_group(&g);
	return ret ? -1 : 0;
}

int sd_shm(const struct sd_ctx *c)
{
	return sd_each_k(c, "shm", run_group, NULL);
}
