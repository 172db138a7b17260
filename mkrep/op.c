// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - one operation on a space.
 *
 * A member (the initiator) maps, unmaps or protects a range.  Under the
 * space's op_lock it changes the space's record of its pages, writes the
 * request into the space, posts it to the other members in the order of
 * the space's strategy, applies it to its own replica, and gathers.  Each
 * other replica is changed exactly once, by one of three paths:
 *
 * - by message: the member sees its waiting word and applies, on its own
 *   CPU (MKREP_IOC_APPLY);
 * - not running: the member's address space runs on no CPU, so the
 *   initiator applies for it, and the kernel's flush interrupts nobody;
 * - fallback: the member still runs and has not answered when the space's
 *   bound has passed: the initiator applies for it, and the kernel's
 *   flush interrupts the CPUs that run it, as Linux's shootdown would.
 *
 * So an operation ends within the bound plus the fallback flushes, needs
 * nobody's cooperation, and is never interrupted once started: there is
 * no half-done operation to recover.  The initiator spins for the first
 * 50us of its gathering, then sleeps between its looks.
 *
 * A member whose mm ran nowhere when it was asked is not posted to: the
 * gathering applies for it.  If it runs again by the time the gathering
 * looks at it, it is posted to then, so that it may still answer by
 * message; waiting for it without a post could only end in the fallback,
 * or as not running if a later look caught it off its CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/memcontrol.h>
#include <linux/mkernel_uapi.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/topology.h>

#include "internal.h"

/**
 * struct mkrep_gather - an operation in flight, as its initiator sees it
 * @me: the initiator
 * @s: its space
 * @req: the request
 * @deadline: when the bound has passed (ktime_get_ns())
 * @own: the initiator's own replica is still to be changed
 * @op: the counts handed back to the caller
 */
struct mkrep_gather {
	struct mkrep_member *me;
	struct mkrep_space *s;
	struct mkrep_req req;
	u64 deadline;
	bool own;
	struct mkrep_op *op;
};

/**
 * mkrep_check_caller() - may the caller act as a member?
 * @m: the member of the file the caller used
 *
 * Return: 0, -EPERM (another process), -ENODEV (evicted or left), or
 * -EINVAL (the thread is not bound to the member's CPU alone).
 */
int mkrep_check_caller(struct mkrep_member *m)
{
	if (current->mm != m->mm)
		return -EPERM;
	if (READ_ONCE(m->state) != MKREP_MEMBER_ACTIVE)
		return -ENODEV;
	if (current->nr_cpus_allowed != 1 ||
	    !cpumask_test_cpu(m->cpu, current->cpus_ptr))
		return -EINVAL;
	return 0;
}

/* The initiator's own replica, once its first requests are out. */
static void mkrep_apply_own(struct mkrep_gather *g)
{
	if (!g->own)
		return;
	g->own = false;
	mkrep_apply(g->me, &g->req, MKREP_PATH_SELF);
}

/*
 * @t left or was evicted before it applied: not waited for.  A tree node
 * leader that left before passing the request on: its node is asked
 * directly.
 */
static void mkrep_removed(struct mkrep_gather *g, struct mkrep_member *t)
{
	g->op->removed++;
	if (READ_ONCE(t->forward_op) == g->req.op_id)
		mkrep_forward(t, &g->req);
}

/* Change @t's replica for it; count the path that did. */
static void mkrep_take_over(struct mkrep_gather *g, struct mkrep_member *t,
			    bool running)
{
	struct mkrep_space *s = g->s;

	if (mkrep_apply(t, &g->req, running ? MKREP_PATH_FALLBACK :
					      MKREP_PATH_NOT_RUNNING)) {
		if (running) {
			g->op->fallback++;
			atomic64_inc(&s->fallback);
		} else {
			g->op->not_running++;
			atomic64_inc(&s->not_running);
		}
	} else if (mkrep_done(t, g->req.op_id)) {
		/* It applied by itself meanwhile. */
		g->op->by_message++;
		atomic64_inc(&s->by_message);
	} else {
		mkrep_removed(g, t);
	}
	cpumask_clear_cpu(t->cpu, s->wait);
}

/*
 * Look once at a member still waited for: done, gone, or to be taken over
 * (its mm runs nowhere, or the bound has passed).  Return: whether it is
 * still waited for.
 */
static bool mkrep_check(struct mkrep_gather *g, struct mkrep_member *t)
{
	struct mkrep_space *s = g->s;
	bool running;

	lockdep_assert_held(&s->op_lock);
	if (mkrep_done(t, g->req.op_id)) {
		g->op->by_message++;
		atomic64_inc(&s->by_message);
		cpumask_clear_cpu(t->cpu, s->wait);
		return false;
	}
	/*
	 * One that left or was evicted is trusted only under its rep_lock
	 * (mkrep_take_over()): an apply or an eviction in progress, which
	 * may still be zapping, is over by then.
	 */
	running = READ_ONCE(t->state) == MKREP_MEMBER_ACTIVE &&
		  mkrep_mm_running(t);
	if (running && ktime_get_ns() < g->deadline) {
		/* Asked while it ran nowhere: it can only answer a post. */
		if (cpumask_test_cpu(t->cpu, s->unposted)) {
			__cpumask_clear_cpu(t->cpu, s->unposted);
			mkrep_post(t, &g->req, MKREP_POST_LATE);
		}
		return true;
	}
	mkrep_take_over(g, t, running);
	return false;
}

/*
 * Ask a member: a post if its address space runs somewhere.  One that runs
 * nowhere is not posted to (nobody would read it, and a poll() sleeper
 * would be woken for nothing): the gathering applies for it, once every
 * request is out and the initiator's own replica is done, or posts to it
 * if it runs by then (mkrep_check()).  @lead: it leads its node.
 */
static void mkrep_ask(struct mkrep_gather *g, struct mkrep_member *t,
		      bool lead)
{
	lockdep_assert_held(&g->s->op_lock);
	if (lead)
		mkrep_lead(t, g->req.op_id);
	if (mkrep_mm_running(t))
		mkrep_post(t, &g->req, MKREP_POST_ASK);
	else
		__cpumask_set_cpu(t->cpu, g->s->unposted);
}

/*
 * Past this much gathering the initiator sleeps between its looks instead
 * of spinning: a long bound then costs a CPU nothing.
 */
#define MKREP_SPIN_NS	(50 * NSEC_PER_USEC)

/* Wait for the members in @mask, at most until the deadline. */
static void mkrep_gather(struct mkrep_gather *g, const struct cpumask *mask)
{
	struct mkrep_space *s = g->s;
	u64 spin_until;
	unsigned int cpu;
	bool left;

	mkrep_apply_own(g);
	g->deadline += mkrep_gather_test_delay();
	spin_until = ktime_get_ns() + MKREP_SPIN_NS;
	for (;;) {
		left = false;
		for_each_cpu_and(cpu, s->wait, mask)
			left |= mkrep_check(g, mkrep_slot(s, cpu));
		if (!left)
			return;
		if (ktime_get_ns() < spin_until) {
			cond_resched();
			cpu_relax();
		} else {
			usleep_range(10, 20);
		}
	}
}

/* The first active member of @node still waited for, or NULL. */
static struct mkrep_member *mkrep_leader(struct mkrep_space *s, int node)
{
	unsigned int cpu;

	for_each_cpu(cpu, s->wait)
		if (cpu_to_node(cpu) == node)
			return mkrep_slot(s, cpu);
	return NULL;
}

/*
 * Tree: one leader a node, the farthest node first; the leader passes the
 * request on to its node (mkrep_apply()), the initiator asks its own node.
 */
static void mkrep_deliver_tree(struct mkrep_gather *g)
{
	struct mkrep_space *s = g->s;
	int mynode = cpu_to_node(g->me->cpu);
	nodemask_t done = NODE_MASK_NONE;
	struct mkrep_member *lead;
	unsigned int cpu;
	int node, best;

	node_set(mynode, done);
	for (;;) {
		best = NUMA_NO_NODE;
		for_each_cpu(cpu, s->wait) {
			node = cpu_to_node(cpu);
			if (node_isset(node, done))
				continue;
			if (best == NUMA_NO_NODE ||
			    node_distance(mynode, node) >
			    node_distance(mynode, best))
				best = node;
		}
		if (best == NUMA_NO_NODE)
			break;
		node_set(best, done);
		lead = mkrep_leader(s, best);
		if (lead)
			mkrep_ask(g, lead, true);
	}
	for_each_cpu(cpu, s->wait)
		if (cpu_to_node(cpu) == mynode)
			mkrep_ask(g, mkrep_slot(s, cpu), false);
	mkrep_gather(g, cpu_possible_mask);
}

/* Post the request as the strategy says and gather every replica. */
static void mkrep_deliver(struct mkrep_gather *g)
{
	struct mkrep_space *s = g->s;
	unsigned int cpu;

	switch (s->strategy) {
	case MKREP_STRATEGY_UNICAST:
		for_each_cpu(cpu, s->wait) {
			mkrep_ask(g, mkrep_slot(s, cpu), false);
			mkrep_gather(g, cpumask_of(cpu));
		}
		break;
	case MKREP_STRATEGY_BROADCAST:
		for_each_cpu(cpu, s->wait)
			mkrep_ask(g, mkrep_slot(s, cpu), false);
		mkrep_gather(g, cpu_possible_mask);
		break;
	default:	/* MKREP_STRATEGY_TREE */
		mkrep_deliver_tree(g);
		break;
	}
	mkrep_apply_own(g);
}

static bool mkrep_op_valid(struct mkrep_space *s, const struct mkrep_op *op)
{
	u64 size = (u64)s->npages << PAGE_SHIFT;

	if (op->flags || op->__reserved)
		return false;
	switch (op->op) {
	case MKREP_OP_MAP:
	case MKREP_OP_PROTECT:
		if (op->prot != MKREP_PROT_READ &&
		    op->prot != (MKREP_PROT_READ | MKREP_PROT_WRITE))
			return false;
		break;
	case MKREP_OP_UNMAP:
		if (op->prot)
			return false;
		break;
	default:
		return false;
	}
	return op->length && PAGE_ALIGNED(op->offset) &&
	       PAGE_ALIGNED(op->length) && op->offset < size &&
	       op->length <= size - op->offset;
}

/*
 * Change the space's record of its pages before the request goes: MAP
 * allocates (all or nothing, charged to the space's creator), UNMAP takes
 * the pages out into the space's victims, to be freed once every replica
 * let go of them.
 */
static int mkrep_prepare(struct mkrep_space *s, const struct mkrep_req *req,
			 int node, unsigned long *nvictims)
{
	u64 i, end = req->first + req->npages;
	struct mem_cgroup *old;
	struct page *page;

	switch (req->op) {
	case MKREP_OP_MAP:
		for (i = req->first; i < end; i++)
			if (s->pages[i])
				return -EEXIST;
		old = set_active_memcg(s->memcg);
		for (i = req->first; i < end; i++) {
			page = mkrep_page_alloc(node);
			if (!page)
				break;
			s->pages[i] = page;
			s->prot[i] = req->prot;
		}
		set_active_memcg(old);
		if (i < end) {
			while (i-- > req->first) {
				mkrep_page_free(s->pages[i]);
				s->pages[i] = NULL;
			}
			return -ENOMEM;
		}
		s->mapped += req->npages;
		return 0;
	case MKREP_OP_UNMAP:
		for (i = req->first; i < end; i++) {
			if (!s->pages[i])
				continue;
			s->victims[(*nvictims)++] = s->pages[i];
			s->pages[i] = NULL;
			s->prot[i] = 0;
		}
		s->mapped -= *nvictims;
		return 0;
	default:
		for (i = req->first; i < end; i++)
			if (s->pages[i])
				s->prot[i] = req->prot;
		return 0;
	}
}

/* Under op_lock: the operation, from the record to the last replica. */
static int mkrep_run_op(struct mkrep_member *me, struct mkrep_op *op)
{
	struct mkrep_space *s = me->space;
	struct mkrep_gather g = { .me = me, .s = s, .op = op, .own = true };
	struct mkrep_member *t;
	unsigned long i, nvictims = 0;
	unsigned int cpu;
	s64 posted;
	int ret;

	g.req = (struct mkrep_req) {
		.op_id = s->op_id + 1,
		.op = op->op,
		.prot = op->prot,
		.first = op->offset >> PAGE_SHIFT,
		.npages = op->length >> PAGE_SHIFT,
	};
	/* On the node of the CPU that maps it first. */
	ret = mkrep_prepare(s, &g.req, cpu_to_node(me->cpu), &nvictims);
	if (ret)
		return ret;
	s->op_id = g.req.op_id;
	spin_lock(&s->req_lock);
	s->req = g.req;
	spin_unlock(&s->req_lock);

	cpumask_clear(s->wait);
	cpumask_clear(s->unposted);
	for_each_possible_cpu(cpu) {
		t = mkrep_slot(s, cpu);
		if (t && t != me && READ_ONCE(t->state) == MKREP_MEMBER_ACTIVE)
			cpumask_set_cpu(cpu, s->wait);
	}
	op->members = cpumask_weight(s->wait);
	posted = atomic64_read(&s->messages);
	g.deadline = ktime_get_ns() + s->bound_ns;
	mkrep_deliver(&g);
	/* Posts happen only while an operation is in flight. */
	op->posted = atomic64_read(&s->messages) - posted;

	/* Every replica let go of them: no CPU can reach these pages. */
	for (i = 0; i < nvictims; i++)
		mkrep_page_free(s->victims[i]);
	atomic64_inc(&s->ops);
	return 0;
}

long mkrep_ioctl_op(struct mkrep_member *me, void __user *arg)
{
	struct mkrep_space *s = me->space;
	struct mkrep_op op;
	u32 usize;
	long ret;

	ret = mk_copy_struct_in(&op, sizeof(op), MKREP_OP_SIZE_VER0, arg,
				&usize);
	if (ret)
		return ret;
	if (!mkrep_op_valid(s, &op))
		return -EINVAL;
	ret = mkrep_check_caller(me);
	if (ret)
		return ret;
	op.members = 0;
	op.by_message = 0;
	op.not_running = 0;
	op.fallback = 0;
	op.removed = 0;
	op.posted = 0;

	/* Sleeps where the freezer and any signal can reach it. */
	if (mutex_lock_interruptible(&s->op_lock))
		return -ERESTARTSYS;
	ret = -ENODEV;
	if (READ_ONCE(me->state) == MKREP_MEMBER_ACTIVE) {
		mkrep_reap(s);
		ret = mkrep_run_op(me, &op);
	}
	mutex_unlock(&s->op_lock);
	if (ret)
		return ret;
	return mk_copy_struct_out(arg, &op, sizeof(op), usize);
}
