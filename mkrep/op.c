// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - operations on spaces, as messages between members.
 *
 * An operation is started by a member (the initiator) on its own CPU.  It
 * sends a request over mkchan to the other members in the order of the
 * space's strategy, applies the operation to its own replica while they
 * apply theirs, and gathers their acknowledgements.  A member applies a
 * request to its own replica when its thread, bound to its CPU, serves
 * (MKREP_IOC_SERVE; or while it waits in MKREP_IOC_OP itself): only that
 * thread changes the replica and flushes only its own CPU's TLB.  Nothing
 * on this path sends an IPI, except the wake-up of a member that chose to
 * sleep, which is counted.
 *
 * Operations are serialised by the space's op_lock, so a member receives
 * requests of one operation at a time; a request whose number is not
 * above the last one a member applied is acknowledged again without being
 * applied (a tree leader that died may have forwarded it already).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mkchan.h>
#include <linux/mkernel_uapi.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/topology.h>

#include "internal.h"
#include "trace.h"

/**
 * mkrep_caller() - the member of the calling process, bound to its CPU
 * @s: the space
 *
 * Return: the member with a reference, or ERR_PTR(-EPERM) (the process is
 * no member), ERR_PTR(-ENODEV) (it was evicted), ERR_PTR(-EINVAL) (the
 * thread is not bound to the member's CPU alone).
 */
struct mkrep_member *mkrep_caller(struct mkrep_space *s)
{
	struct mkrep_member *t, *m = NULL;
	unsigned int cpu;
	int ret = 0;

	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		t = rcu_dereference(s->member[cpu]);
		if (t && t->mm == current->mm && kref_get_unless_zero(&t->ref)) {
			m = t;
			break;
		}
	}
	rcu_read_unlock();
	if (!m)
		return ERR_PTR(-EPERM);

	switch (READ_ONCE(m->state)) {
	case MKREP_MEMBER_ACTIVE:
		if (current->nr_cpus_allowed != 1 ||
		    !cpumask_test_cpu(m->cpu, current->cpus_ptr))
			ret = -EINVAL;
		break;
	case MKREP_MEMBER_EVICTED:
		ret = -ENODEV;
		break;
	default:
		ret = -EPERM;
	}
	if (ret) {
		mkrep_member_put(m);
		return ERR_PTR(ret);
	}
	return m;
}

static bool mkrep_active(struct mkrep_space *s, unsigned int cpu)
{
	struct mkrep_member *t;
	bool active;

	rcu_read_lock();
	t = rcu_dereference(s->member[cpu]);
	active = t && READ_ONCE(t->state) == MKREP_MEMBER_ACTIVE;
	rcu_read_unlock();
	return active;
}

/* Wake every member's waiters: a member left. */
void mkrep_wake_all(struct mkrep_space *s)
{
	struct mkrep_member *t;
	unsigned int cpu;

	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		t = rcu_dereference(s->member[cpu]);
		if (!t)
			continue;
		atomic_inc(&t->events);
		wake_up(&t->wq);
	}
	rcu_read_unlock();
}

/*
 * After a message to @cpu: wake its member if it announced that it sleeps.
 * A polling member never pays for this.
 */
static void mkrep_kick(struct mkrep_space *s, unsigned int cpu)
{
	struct mkrep_member *t;

	/* The message is published before we look; pairs with mkrep_sleepy() */
	smp_mb();
	rcu_read_lock();
	t = rcu_dereference(s->member[cpu]);
	if (t && atomic_read(&t->sleeping)) {
		atomic_inc(&t->events);
		wake_up(&t->wq);
		atomic64_inc(&s->wakeups);
	}
	rcu_read_unlock();
}

/* Announce a sleep before looking for messages a last time. */
static int mkrep_sleepy(struct mkrep_member *me)
{
	int ev = atomic_read(&me->events);

	atomic_inc(&me->sleeping);
	/* Announced before we look; pairs with the barrier in mkrep_kick() */
	smp_mb__after_atomic();
	return ev;
}

static int mkrep_send(struct mkrep_member *me, unsigned int to,
		      struct mkrep_msg *msg)
{
	struct mkrep_space *s = me->space;
	int ret;

	if (!cpumask_test_cpu(to, me->peers))
		return -EPIPE;
	msg->from = me->cpu;
	for (;;) {
		ret = mkchan_send(me->ep[to], MKREP_MSG_TYPE, msg, sizeof(*msg));
		if (ret != -EAGAIN)
			break;
		/* Full: one request an operation cannot fill it; be safe. */
		if (!mkrep_active(s, to))
			return -EPIPE;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	if (ret)
		return ret;
	trace_mkrep_send(msg->op_id, me->cpu, to, msg->kind, msg->flags);
	WRITE_ONCE(me->messages, me->messages + 1);
	mkrep_kick(s, to);
	return 0;
}

/*
 * Apply a request to the caller's own replica: its software entries and,
 * through zap_vma_ptes(), its page table and this CPU's TLB.  The member
 * is single-threaded on its CPU, so its mm is loaded nowhere else and the
 * flush stays local; a member with threads on other CPUs pays Linux's own
 * shootdown for them.
 */
static void mkrep_apply(struct mkrep_member *me, const struct mkrep_msg *msg)
{
	struct mkrep_space *s = me->space;
	struct mm_struct *mm = me->mm;
	struct vm_area_struct *vma;
	u64 i, e, end = msg->first + msg->npages;
	bool zap = false;

	mmap_write_lock(mm);
	if (READ_ONCE(me->state) != MKREP_MEMBER_ACTIVE)
		goto out;
	for (i = msg->first; i < end; i++) {
		e = me->rep[i];
		switch (msg->op) {
		case MKREP_OP_MAP:
			if (s->pages[i])
				me->rep[i] = ((u64)page_to_pfn(s->pages[i]) <<
					      PAGE_SHIFT) | msg->prot;
			break;
		case MKREP_OP_UNMAP:
			if (e) {
				me->rep[i] = 0;
				zap = true;
			}
			break;
		case MKREP_OP_PROTECT:
			if (!e)
				break;
			/* Taking write away needs the entries gone. */
			if ((e & MKREP_PROT_WRITE) && !(msg->prot & MKREP_PROT_WRITE))
				zap = true;
			me->rep[i] = (e & ~(u64)MKREP_ENTRY_PROT) | msg->prot;
			break;
		}
	}
	if (zap) {
		vma = find_vma(mm, me->win_start);
		if (vma && vma->vm_private_data == me)
			zap_vma_ptes(vma, me->win_start + (msg->first << PAGE_SHIFT),
				     msg->npages << PAGE_SHIFT);
	}
	trace_mkrep_apply(msg->op_id, me->cpu, msg->op, msg->first,
			  msg->npages, zap);
out:
	mmap_write_unlock(mm);
}

/*
 * The initiator's own replica, once its first requests are out: the
 * members apply theirs meanwhile.  Called where the gathering starts, and
 * after the delivery, whether it succeeded (an initiator with nobody to
 * ask) or not (killed before it gathered): no initiator releases op_lock
 * before it applied its own operation, which is what lets a request count
 * as its sender's ack (mkrep_handle_req()).
 */
static void mkrep_apply_own(struct mkrep_member *me, struct mkrep_gather *g)
{
	if (!g->apply_own)
		return;
	g->apply_own = false;
	mkrep_apply(me, &g->req);
	me->applied = g->req.op_id;
}

static void mkrep_gather_init(struct mkrep_gather *g,
			      const struct mkrep_msg *req, bool spin)
{
	g->req = *req;
	cpumask_clear(g->wait);
	cpumask_clear(g->forwarded);
	cpumask_clear(g->owed);
	g->acked = 0;
	g->removed = 0;
	g->sent = 0;
	g->messages = 0;
	g->spin = spin;
	g->forwarding = false;
	g->apply_own = false;
}

static int mkrep_refan(struct mkrep_member *me, struct mkrep_gather *g,
		       unsigned int leader);

static int mkrep_ask(struct mkrep_member *me, struct mkrep_gather *g,
		     unsigned int cpu, bool forward)
{
	struct mkrep_msg req = g->req;
	int ret;

	if (forward)
		req.flags |= MKREP_MSG_FORWARD;
	ret = mkrep_send(me, cpu, &req);
	if (ret == -EINTR)
		return ret;
	g->sent++;
	if (ret) {
		g->removed++;	/* gone: not waited for */
		/* A leader that is gone: its node is asked directly. */
		return forward ? mkrep_refan(me, g, cpu) : 0;
	}
	g->messages++;
	cpumask_set_cpu(cpu, g->wait);
	if (forward)
		cpumask_set_cpu(cpu, g->forwarded);
	return 0;
}

/*
 * A node leader was removed before it acknowledged: ask the other members
 * of its node directly.  Those it reached already acknowledge again.
 */
static int mkrep_refan(struct mkrep_member *me, struct mkrep_gather *g,
		       unsigned int leader)
{
	int node = cpu_to_node(leader);
	unsigned int cpu;
	int ret;

	for_each_cpu(cpu, me->peers) {
		if (cpu == leader || cpu_to_node(cpu) != node ||
		    cpumask_test_cpu(cpu, g->wait) || !mkrep_active(me->space, cpu))
			continue;
		ret = mkrep_ask(me, g, cpu, false);
		if (ret)
			return ret;
	}
	return 0;
}

/* Stop waiting for members that are gone. */
static int mkrep_check_removed(struct mkrep_member *me, struct mkrep_gather *g)
{
	unsigned int cpu;
	int ret;

	for_each_cpu(cpu, g->wait) {
		if (mkrep_active(me->space, cpu))
			continue;
		cpumask_clear_cpu(cpu, g->wait);
		g->removed++;
		if (cpumask_test_and_clear_cpu(cpu, g->forwarded)) {
			ret = mkrep_refan(me, g, cpu);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static unsigned int mkrep_drain(struct mkrep_member *me, bool spin);

/*
 * Wait for the acknowledgements of @g, serving whatever else comes.
 * Under me->lock.  Killable only: a member that never serves stalls it.
 */
static int mkrep_gather(struct mkrep_member *me, struct mkrep_gather *g)
{
	bool done;
	int ev = 0, ret;

	mkrep_apply_own(me, g);
	me->gathering = true;
	for (;;) {
		if (!g->spin)
			ev = mkrep_sleepy(me);
		mkrep_drain(me, g->spin);
		/* A newer request came: this gathering is a leftover. */
		ret = me->has_deferred ? -ESTALE : mkrep_check_removed(me, g);
		done = ret || cpumask_empty(g->wait);
		if (!done && !g->spin &&
		    wait_event_killable(me->wq, atomic_read(&me->events) != ev))
			ret = -EINTR;
		if (!g->spin)
			atomic_dec(&me->sleeping);
		if (done || ret)
			break;
		if (g->spin) {
			if (fatal_signal_pending(current)) {
				ret = -EINTR;
				break;
			}
			cond_resched();
			cpu_relax();
		}
	}
	me->gathering = false;
	return ret;
}

/*
 * A tree leader: pass the request to the other members of its node and
 * aggregate their acknowledgements into its own.  Returns -EINTR when the
 * leader is dying before its node answered: it must not acknowledge then,
 * so that the initiator, finding it removed, asks the node itself; and
 * -ESTALE when a newer request came meanwhile: nobody waits for this
 * answer any more (see mkrep_handle_req()).
 */
static int mkrep_forward(struct mkrep_member *me, const struct mkrep_msg *req,
			 bool spin, struct mkrep_msg *ack)
{
	struct mkrep_gather *g = &me->gather;
	int node = cpu_to_node(me->cpu);
	unsigned int cpu;
	int ret;

	mkrep_gather_init(g, req, spin);
	g->req.flags &= ~MKREP_MSG_FORWARD;
	g->forwarding = true;
	for_each_cpu(cpu, me->peers) {
		if (cpu == req->from || cpu_to_node(cpu) != node ||
		    !mkrep_active(me->space, cpu))
			continue;
		ret = mkrep_ask(me, g, cpu, false);
		if (ret)
			return ret;
	}
	ret = mkrep_gather(me, g);
	if (ret)
		return ret;
	ack->acked += g->acked;
	ack->removed += g->removed;
	ack->sent += g->sent;
	return 0;
}

static unsigned int mkrep_handle_req(struct mkrep_member *me,
				     const struct mkrep_msg *req, bool spin)
{
	struct mkrep_msg ack = {
		.op_id = req->op_id,
		.kind = MKREP_MSG_ACK,
		.acked = 1,
	};
	bool fresh = req->op_id > me->applied;
	unsigned int cpu, applied = 0;

	if (me->gathering) {
		struct mkrep_gather *g = &me->gather;

		if (fresh) {
			/*
			 * A newer operation is only ever sent once the one
			 * gathered for is finished: this is a leader's
			 * leftover gathering, for the original request of a
			 * killed initiator that came after the request
			 * delivered again.  Nobody waits for its answer: it
			 * stops, and this request is handled after.  An
			 * initiator holds op_lock: nothing newer exists.
			 */
			if (WARN_ON_ONCE(!g->forwarding || me->has_deferred))
				return 0;
			me->deferred = *req;
			me->has_deferred = true;
			return 0;
		}
		if (g->req.op_id == req->op_id) {
			/*
			 * A request comes from a member that applied it, or
			 * from the holder of op_lock, which applies before it
			 * gathers or lets go of the lock (mkrep_apply_own()):
			 * as good as its ack when it was asked for its own
			 * replica only (design.rst, "Two members gathering").
			 * Two members gathering for the same operation thus
			 * never wait for each other.
			 */
			if (!cpumask_test_cpu(req->from, g->forwarded) &&
			    cpumask_test_and_clear_cpu(req->from, g->wait))
				g->acked++;
			/*
			 * Sent again, to be forwarded, by the initiator that
			 * took over from a killed one while this leader still
			 * forwards it: answered once the node has.
			 */
			if (req->flags & MKREP_MSG_FORWARD) {
				cpumask_set_cpu(req->from, g->owed);
				return 0;
			}
		}
		/*
		 * For this member's replica alone, which applied it; or a
		 * leftover, whose sender no longer waits.
		 */
		mkrep_send(me, req->from, &ack);
		return 0;
	}

	if (fresh) {
		mkrep_apply(me, req);
		me->applied = req->op_id;
		applied = 1;
	}
	/*
	 * A leader forwards even a request it applied already: sent again
	 * after a killed initiator, the previous leader of the node may have
	 * died before it reached every member.  Those that applied it
	 * answer at once.
	 */
	if (req->flags & MKREP_MSG_FORWARD) {
		if (mkrep_forward(me, req, spin || req->flags & MKREP_MSG_SPIN,
				  &ack))
			return applied;
		for_each_cpu(cpu, me->gather.owed)
			if (cpu != req->from)
				mkrep_send(me, cpu, &ack);
	}
	/* A requester that is gone no longer waits. */
	mkrep_send(me, req->from, &ack);
	return applied;
}

static void mkrep_handle_ack(struct mkrep_member *me,
			     const struct mkrep_msg *ack)
{
	struct mkrep_gather *g = &me->gather;

	if (!me->gathering || ack->op_id != g->req.op_id ||
	    !cpumask_test_and_clear_cpu(ack->from, g->wait))
		return;		/* a late ack of a member already given up */
	g->messages++;
	g->acked += ack->acked;
	g->removed += ack->removed;
	g->sent += ack->sent;
	cpumask_clear_cpu(ack->from, g->forwarded);
}

static bool mkrep_msg_valid(struct mkrep_member *me, unsigned int peer,
			    unsigned int type, unsigned int len,
			    const struct mkrep_msg *msg)
{
	struct mkrep_space *s = me->space;

	if (type != MKREP_MSG_TYPE || len != sizeof(*msg) || msg->from != peer)
		return false;
	if (msg->kind == MKREP_MSG_ACK)
		return true;
	return msg->kind == MKREP_MSG_REQ && msg->op >= MKREP_OP_MAP &&
	       msg->op <= MKREP_OP_PROTECT && msg->first < s->npages &&
	       msg->npages <= s->npages - msg->first;
}

/* The request deferred by a leftover gathering, once that has stopped. */
static unsigned int mkrep_handle_deferred(struct mkrep_member *me, bool spin)
{
	struct mkrep_msg req;
	unsigned int served = 0;

	while (me->has_deferred && !me->gathering) {
		req = me->deferred;
		me->has_deferred = false;
		served += mkrep_handle_req(me, &req, spin);
	}
	return served;
}

/*
 * Handle every message waiting for @me.  Under me->lock.  Inside a
 * leftover gathering, stop at the request it deferred, so that it stops.
 */
static unsigned int mkrep_drain(struct mkrep_member *me, bool spin)
{
	union {
		struct mkrep_msg msg;
		u8 raw[MKCHAN_PAYLOAD_MAX];
	} buf;
	unsigned int cpu, type, len, served;

	lockdep_assert_held(&me->lock);
	served = mkrep_handle_deferred(me, spin);
	for_each_cpu(cpu, me->peers) {
		while (!mkchan_try_recv(me->ep[cpu], &type, buf.raw, &len)) {
			/* Kernel rings only: a bad message is our own bug. */
			if (WARN_ON_ONCE(!mkrep_msg_valid(me, cpu, type, len,
							  &buf.msg)))
				continue;
			trace_mkrep_recv(buf.msg.op_id, cpu, me->cpu,
					 buf.msg.kind, buf.msg.flags);
			if (buf.msg.kind == MKREP_MSG_REQ)
				served += mkrep_handle_req(me, &buf.msg, spin);
			else
				mkrep_handle_ack(me, &buf.msg);
			if (me->has_deferred) {
				if (me->gathering)
					return served;
				served += mkrep_handle_deferred(me, spin);
			}
		}
	}
	return served;
}

/**
 * mkrep_lock_serving() - take a member's lock, serving while it is busy
 * @m: the member whose lock to take
 * @me: the caller's own member, or NULL when the caller is none
 *
 * The reaper takes every member's lock under op_lock; a tree leader may
 * hold its lock while it waits for the acks of its node, the caller among
 * them, when it forwards an operation whose initiator was killed.
 *
 * Return: 0 with @m->lock held, or -EINTR (a fatal signal).
 */
int mkrep_lock_serving(struct mkrep_member *m, struct mkrep_member *me)
{
	while (!mutex_trylock(&m->lock)) {
		if (fatal_signal_pending(current))
			return -EINTR;
		if (me && me != m && mutex_trylock(&me->lock)) {
			mkrep_drain(me, false);
			mutex_unlock(&me->lock);
		}
		cond_resched();
		cpu_relax();
	}
	return 0;
}

/*
 * Take op_lock.  A member waiting for it keeps serving: the operation in
 * flight may be waiting for this very member.
 */
static int mkrep_op_lock(struct mkrep_member *me, bool spin)
{
	struct mkrep_space *s = me->space;
	int ev = 0, ret = 0;

	for (;;) {
		if (!spin) {
			ev = mkrep_sleepy(me);
			atomic_inc(&me->op_waiting);
		}
		atomic_inc(&s->op_waiters);
		/* Counted before we try; pairs with mkrep_op_unlock() */
		smp_mb__after_atomic();
		if (mutex_trylock(&s->op_lock))
			goto out;
		if (mutex_lock_killable(&me->lock)) {
			ret = -EINTR;
			goto out;
		}
		mkrep_drain(me, spin);
		mutex_unlock(&me->lock);
		if (spin) {
			cond_resched();
			cpu_relax();
		} else if (wait_event_killable(me->wq,
					       atomic_read(&me->events) != ev)) {
			ret = -EINTR;
			goto out;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		atomic_dec(&s->op_waiters);
		if (!spin) {
			atomic_dec(&me->op_waiting);
			atomic_dec(&me->sleeping);
		}
	}
out:
	atomic_dec(&s->op_waiters);
	if (!spin) {
		atomic_dec(&me->op_waiting);
		atomic_dec(&me->sleeping);
	}
	return ret;
}

/*
 * op_lock is free: wake the members that sleep waiting for it, and only
 * those (a wake-up of a sleeping member is an IPI).  Polling waiters see
 * it by themselves.
 */
void mkrep_op_unlock(struct mkrep_space *s)
{
	struct mkrep_member *t;
	unsigned int cpu;

	mutex_unlock(&s->op_lock);
	/* Pairs with the barrier in mkrep_op_lock(). */
	smp_mb();
	if (!atomic_read(&s->op_waiters))
		return;
	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		t = rcu_dereference(s->member[cpu]);
		if (!t || !atomic_read(&t->op_waiting))
			continue;
		atomic_inc(&t->events);
		wake_up(&t->wq);
		atomic64_inc(&s->wakeups);
	}
	rcu_read_unlock();
}

/*
 * Send the request as the strategy says and gather the acks; @g->sent
 * then counts the members it reached, the leaders' own included.
 */
static int mkrep_deliver(struct mkrep_member *me, struct mkrep_gather *g)
{
	struct mkrep_space *s = me->space;
	int mynode = cpu_to_node(me->cpu);
	nodemask_t done = NODE_MASK_NONE;
	unsigned int cpu, lead;
	int node, best, ret;

	switch (s->strategy) {
	case MKREP_STRATEGY_UNICAST:
		for_each_cpu(cpu, me->peers) {
			if (!mkrep_active(s, cpu))
				continue;
			ret = mkrep_ask(me, g, cpu, false);
			if (!ret)
				ret = mkrep_gather(me, g);
			if (ret)
				return ret;
		}
		return 0;

	case MKREP_STRATEGY_BROADCAST:
		for_each_cpu(cpu, me->peers) {
			if (!mkrep_active(s, cpu))
				continue;
			ret = mkrep_ask(me, g, cpu, false);
			if (ret)
				return ret;
		}
		return mkrep_gather(me, g);

	default:	/* MKREP_STRATEGY_TREE */
		node_set(mynode, done);
		for (;;) {
			/*
			 * The farthest node with members that is left, and
			 * its first active member, its leader, in one scan:
			 * a leader that leaves after it was chosen is still
			 * asked, and its node is then asked directly
			 * (mkrep_check_removed(), or mkrep_ask() when the
			 * request could not even be sent).
			 */
			best = NUMA_NO_NODE;
			lead = nr_cpu_ids;
			for_each_cpu(cpu, me->peers) {
				node = cpu_to_node(cpu);
				if (node_isset(node, done) || !mkrep_active(s, cpu))
					continue;
				if (best == NUMA_NO_NODE ||
				    node_distance(mynode, node) >
				    node_distance(mynode, best)) {
					best = node;
					lead = cpu;
				}
			}
			if (best == NUMA_NO_NODE)
				break;
			node_set(best, done);
			ret = mkrep_ask(me, g, lead, true);
			if (ret)
				return ret;
		}
		/* The caller leads its own node. */
		for_each_cpu(cpu, me->peers) {
			if (cpu_to_node(cpu) != mynode || !mkrep_active(s, cpu))
				continue;
			ret = mkrep_ask(me, g, cpu, false);
			if (ret)
				return ret;
		}
		return mkrep_gather(me, g);
	}
}

static bool mkrep_op_valid(struct mkrep_space *s, const struct mkrep_op *op)
{
	u64 size = (u64)s->npages << PAGE_SHIFT;

	if ((op->flags & ~MKREP_SPIN) || op->__reserved[0] || op->__reserved[1])
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
 * Change the space's record of its pages before the messages go: MAP
 * allocates (all or nothing), UNMAP takes the pages out into the space's
 * victims, to be freed once every replica acknowledged.
 */
static int mkrep_prepare(struct mkrep_member *me, const struct mkrep_msg *req,
			 unsigned long *nvictims)
{
	struct mkrep_space *s = me->space;
	u64 i, end = req->first + req->npages;
	struct page *page;

	switch (req->op) {
	case MKREP_OP_MAP:
		for (i = req->first; i < end; i++)
			if (s->pages[i])
				return -EEXIST;
		for (i = req->first; i < end; i++) {
			/* On the node of the CPU that maps it first. */
			page = mkrep_page_alloc(cpu_to_node(me->cpu));
			if (!page) {
				while (i-- > req->first) {
					mkrep_page_free(s->pages[i]);
					s->pages[i] = NULL;
				}
				return -ENOMEM;
			}
			s->pages[i] = page;
			s->prot[i] = req->prot;
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

/*
 * An initiator killed while it gathered left its operation unfinished:
 * send it again, under its own number, to every member (those that
 * applied it acknowledge again), and free its pages once all have.
 */
static int mkrep_finish_pending(struct mkrep_member *me, bool spin)
{
	struct mkrep_space *s = me->space;
	struct mkrep_gather *g = &me->gather;
	unsigned int i;
	int ret;

	if (!s->pending.op_id)
		return 0;
	mkrep_gather_init(g, &s->pending, spin);
	g->apply_own = me->applied < s->pending.op_id;
	ret = mkrep_deliver(me, g);
	mkrep_apply_own(me, g);
	if (ret)
		return ret;
	for (i = 0; i < s->npending; i++)
		mkrep_page_free(s->victims[i]);
	s->npending = 0;
	s->pending.op_id = 0;
	atomic64_inc(&s->ops);
	return 0;
}

long mkrep_ioctl_op(struct mkrep_space *s, void __user *arg)
{
	unsigned long i, nvictims = 0;
	struct mkrep_member *me;
	struct mkrep_gather *g;
	struct mkrep_msg req;
	struct mkrep_op op;
	bool spin;
	u32 usize;
	long ret;

	ret = mk_copy_struct_in(&op, sizeof(op), MKREP_OP_SIZE_VER0, arg,
				&usize);
	if (ret)
		return ret;
	if (!mkrep_op_valid(s, &op))
		return -EINVAL;
	me = mkrep_caller(s);
	if (IS_ERR(me))
		return PTR_ERR(me);
	spin = op.flags & MKREP_SPIN;

	ret = mkrep_op_lock(me, spin);
	if (ret)
		goto out_put;
	ret = -ENODEV;
	if (READ_ONCE(me->state) != MKREP_MEMBER_ACTIVE)
		goto out_unlock;
	ret = mkrep_reap(s, me);
	if (ret)
		goto out_unlock;
	ret = -EINTR;
	if (mutex_lock_killable(&me->lock))
		goto out_unlock;
	ret = mkrep_finish_pending(me, spin);
	if (ret)
		goto out_me;

	req = (struct mkrep_msg) {
		.op_id = s->op_id + 1,
		.kind = MKREP_MSG_REQ,
		.op = op.op,
		.prot = op.prot,
		.first = op.offset >> PAGE_SHIFT,
		.npages = op.length >> PAGE_SHIFT,
		.flags = spin ? MKREP_MSG_SPIN : 0,
	};
	ret = mkrep_prepare(me, &req, &nvictims);
	if (ret)
		goto out_me;
	s->op_id = req.op_id;

	g = &me->gather;
	mkrep_gather_init(g, &req, spin);
	g->apply_own = true;
	ret = mkrep_deliver(me, g);
	/* Nobody asked, or killed before the gathering: applied now. */
	mkrep_apply_own(me, g);
	if (ret) {
		/* Killed with requests in flight: the next one finishes it. */
		s->pending = req;
		s->npending = nvictims;
		goto out_me;
	}
	/* Every replica let go of them: no CPU can reach these pages. */
	for (i = 0; i < nvictims; i++)
		mkrep_page_free(s->victims[i]);
	atomic64_inc(&s->ops);
	op.members = g->sent;
	op.acked = g->acked + 1;
	op.removed = g->removed;
	op.messages = g->messages;

out_me:
	mutex_unlock(&me->lock);
out_unlock:
	mkrep_op_unlock(s);
out_put:
	mkrep_member_put(me);
	if (ret)
		return ret;
	return mk_copy_struct_out(arg, &op, sizeof(op), usize);
}

long mkrep_ioctl_serve(struct mkrep_space *s, void __user *arg)
{
	struct mkrep_member *me;
	struct mkrep_serve sv;
	unsigned int served = 0;
	bool spin, wait;
	u32 usize;
	long ret;
	int ev = 0;

	ret = mk_copy_struct_in(&sv, sizeof(sv), MKREP_SERVE_SIZE_VER0, arg,
				&usize);
	if (ret)
		return ret;
	if ((sv.flags & ~(MKREP_SPIN | MKREP_SERVE_WAIT)) ||
	    (sv.flags & MKREP_SPIN && sv.flags & MKREP_SERVE_WAIT) ||
	    sv.__pad || sv.__reserved[0] || sv.__reserved[1])
		return -EINVAL;
	spin = sv.flags & MKREP_SPIN;
	wait = sv.flags & MKREP_SERVE_WAIT;
	me = mkrep_caller(s);
	if (IS_ERR(me))
		return PTR_ERR(me);

	for (;;) {
		if (wait)
			ev = mkrep_sleepy(me);
		if (mutex_lock_killable(&me->lock)) {
			ret = -EINTR;
		} else {
			served += mkrep_drain(me, spin);
			mutex_unlock(&me->lock);
		}
		if (!ret && !served && wait &&
		    READ_ONCE(me->state) == MKREP_MEMBER_ACTIVE)
			ret = wait_event_interruptible(me->wq,
						       atomic_read(&me->events) != ev);
		if (wait)
			atomic_dec(&me->sleeping);
		if (ret || served || !(spin || wait))
			break;
		if (READ_ONCE(me->state) != MKREP_MEMBER_ACTIVE) {
			ret = -ENODEV;
			break;
		}
		if (spin) {
			if (signal_pending(current)) {
				ret = -ERESTARTSYS;
				break;
			}
			cond_resched();
			cpu_relax();
		}
	}
	mkrep_member_put(me);
	if (ret)
		return ret;
	sv.served = served;
	return mk_copy_struct_out(arg, &sv, sizeof(sv), usize);
}
