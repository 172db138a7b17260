/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkbench shootdown, module: what its three files share.  The
 * coordinator (shootdown_module.c) makes a space, forks a member process
 * for each CPU and watches them; the member on the first CPU initiates
 * and times the operations (shootdown_module_initiator.c), the others
 * wait as their mode says (shootdown_module_member.c).
 */
#ifndef _MKBENCH_SHOOTDOWN_MODULE_H
#define _MKBENCH_SHOOTDOWN_MODULE_H

#include <stdbool.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#include "shootdown.h"

/* The operations timed, in this order (sd_module_ops[]). */
enum { T_UNMAP, T_PROTECT, NTIMED };

struct sd_module_timed {
	const char *name, *label;
	unsigned int op, prot;
};

extern const struct sd_module_timed sd_module_ops[NTIMED];

struct member_state {
	unsigned long __aligned(128) touched;	/* wrote for this request */
	int ready;				/* joined: 1; failed: -errno */
	int pinned;				/* bound to its CPU: 1 */
	int err;				/* failed later: -errno */
	pid_t pid;
	char what[32];				/* ... in this call */
};

/* Shared by the processes of one space; the samples follow it. */
struct shared {
	unsigned long __aligned(128) touch_seq;	/* write for this request */
	int stop;				/* leave and exit */

	unsigned long __aligned(128) progress;	/* the initiator's operations */
	struct member_state m[MKBENCH_MAX_CPUS];
};

struct space {
	const struct sd_ctx *c;
	unsigned int k;
	enum sd_member_mode mode;
	int fd;
	pid_t parent;
	struct shared *sh;
	struct sd_meas *meas[NTIMED];
	size_t size;
	int (*pipe)[2];		/* the sleepers' wake-ups: k, or NULL */
	pid_t pid[MKBENCH_MAX_CPUS];
};

static inline bool sleeps(enum sd_member_mode mode)
{
	return mode == SD_MEMBER_EPOLL || mode == SD_MEMBER_BLOCKED;
}

/* shootdown_module_initiator.c: the member on the first CPU. */
int sd_module_initiate(struct space *sp, struct mkrep_replica *r);
/* shootdown_module_member.c: member @i's process, from its fork. */
noreturn void sd_module_member(struct space *sp, unsigned int i);

#endif /* _MKBENCH_SHOOTDOWN_MODULE_H */
