// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - a member's messaging: requests posted to it, and the change of
 * its replica.
 *
 * The request of the operation in flight is one record of the space
 * (&mkrep_space.req); a post to a member is two words of its status page,
 * the cache line it watches from its own event loop: the operation's
 * number and "requests are waiting".  The member answers by applying the
 * request (MKREP_IOC_APPLY), which writes the number of the operation it
 * applied into the next line of the same page, where the initiator
 * gathers it.  So a space's messaging state is one record, plus one page
 * a member.
 *
 * Whoever applies - the member on its own CPU, or the initiator for a
 * member whose address space runs nowhere or that did not answer in time
 * - does the same thing under the member's rep_lock: a tree node leader
 * passes the request on to its node first, then the replica's entries
 * change, then unmap_mapping_range() removes the page-table entries and
 * flushes with the kernel's own flush, which interrupts exactly the CPUs
 * that run the member's address space (none for a member applying on its
 * own CPU with no other thread, or for one that runs nowhere).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mkernel_uapi.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/topology.h>

#include "internal.h"
#include "trace.h"

/**
 * mkrep_lead() - make a member the leader of its node for an operation
 * @t: the member
 * @op_id: the operation: @t passes it on to its node before it applies
 */
void mkrep_lead(struct mkrep_member *t, u64 op_id)
{
	spin_lock(&t->post_lock);
	t->forward_op = op_id;
	spin_unlock(&t->post_lock);
}

/**
 * mkrep_post() - tell a member that a request waits for it
 * @t: the member
 * @req: the request
 * @kind: who posts, and when (the trace says so)
 *
 * Nothing is posted to a member that applied the request already (an
 * initiator may have applied it for the member meanwhile): its waiting
 * word stays clear.  A poll() sleeper is woken, and counted.
 *
 * Return: whether it posted.
 */
bool mkrep_post(struct mkrep_member *t, const struct mkrep_req *req,
		enum mkrep_post_kind kind)
{
	struct mkrep_space *s = t->space;
	bool posted = false;

	spin_lock(&t->post_lock);
	if (t->applied < req->op_id) {
		WRITE_ONCE(t->status->posted, req->op_id);
		/* @posted before the flag; pairs with the member's acquire. */
		smp_store_release(&t->status->waiting, 1);
		posted = true;
	}
	spin_unlock(&t->post_lock);
	if (!posted)
		return false;
	atomic64_inc(&s->messages);
	trace_mkrep_post(req->op_id, raw_smp_processor_id(), t->cpu,
			 kind == MKREP_POST_FORWARD, kind == MKREP_POST_LATE);
	/* Full barrier, then a look: pairs with poll_wait() in poll(). */
	if (wq_has_sleeper(&t->wq)) {
		wake_up_poll(&t->wq, EPOLLIN | EPOLLRDNORM);
		atomic64_inc(&s->wakeups);
	}
	return true;
}

/**
 * mkrep_done() - whether a member's replica has applied an operation
 * @m: the member
 * @op_id: the operation
 *
 * Return: true once @m applied @op_id; what it changed is then visible.
 */
bool mkrep_done(struct mkrep_member *m, u64 op_id)
{
	/* Pairs with the release in mkrep_apply(): its flush is done. */
	return smp_load_acquire(&m->status->applied) >= op_id;
}

/**
 * mkrep_forward() - pass a request on to the other members of a node
 * @m: the node's leader, which passes it on, or which left before it
 *	could and for which the initiator does
 * @req: the request: the operation in flight, whose initiator holds
 *	op_lock, so that the table does not change
 *
 * Return: the requests posted.
 */
unsigned int mkrep_forward(struct mkrep_member *m, const struct mkrep_req *req)
{
	struct mkrep_space *s = m->space;
	struct mkrep_member *t;
	unsigned int cpu, posted = 0;

	rcu_read_lock();
	for_each_cpu(cpu, cpumask_of_node(cpu_to_node(m->cpu))) {
		t = rcu_dereference(s->member[cpu]);
		if (t && t != m && READ_ONCE(t->state) == MKREP_MEMBER_ACTIVE &&
		    cpumask_test_cpu(cpu, s->wait))
			posted += mkrep_post(t, req, MKREP_POST_FORWARD);
	}
	rcu_read_unlock();
	return posted;
}

/**
 * mkrep_apply() - change a member's replica as a request says
 * @m: the member
 * @req: the request: the operation in flight
 * @path: who applies, for the trace and the counters
 *
 * Return: true if this call applied it; false if it was applied already
 * or the member is no longer active.
 */
bool mkrep_apply(struct mkrep_member *m, const struct mkrep_req *req,
		 enum mkrep_path path)
{
	struct mkrep_space *s = m->space;
	u64 i, e, end = req->first + req->npages;
	bool zap = false, forward;

	mutex_lock(&m->rep_lock);
	if (m->applied >= req->op_id ||
	    READ_ONCE(m->state) != MKREP_MEMBER_ACTIVE) {
		mutex_unlock(&m->rep_lock);
		return false;
	}
	spin_lock(&m->post_lock);
	forward = m->forward_op == req->op_id;
	spin_unlock(&m->post_lock);
	/* A leader sends first. */
	if (forward)
		mkrep_forward(m, req);

	for (i = req->first; i < end; i++) {
		e = m->rep[i];
		switch (req->op) {
		case MKREP_OP_MAP:
			/* Stable: the operation waits for this replica. */
			if (s->pages[i])
				m->rep[i] = ((u64)page_to_pfn(s->pages[i]) <<
					     PAGE_SHIFT) | req->prot;
			break;
		case MKREP_OP_UNMAP:
			if (e) {
				m->rep[i] = 0;
				zap = true;
			}
			break;
		case MKREP_OP_PROTECT:
			if (!e)
				break;
			/* Taking write away needs the entries gone. */
			if ((e & MKREP_PROT_WRITE) && !(req->prot & MKREP_PROT_WRITE))
				zap = true;
			m->rep[i] = (e & ~(u64)MKREP_ENTRY_PROT) | req->prot;
			break;
		}
	}
	if (zap)
		unmap_mapping_range(m->mapping,
				    (loff_t)(MKREP_WINDOW_PGOFF + req->first) <<
				    PAGE_SHIFT,
				    (loff_t)req->npages << PAGE_SHIFT, 1);

	spin_lock(&m->post_lock);
	m->applied = req->op_id;
	WRITE_ONCE(m->status->waiting, 0);
	/* The replica and the flush before the answer. */
	smp_store_release(&m->status->applied, req->op_id);
	spin_unlock(&m->post_lock);
	mutex_unlock(&m->rep_lock);
	trace_mkrep_apply(req->op_id, m->cpu, path, req->op, req->first,
			  req->npages, zap);
	return true;
}

long mkrep_ioctl_apply(struct mkrep_member *m, void __user *arg)
{
	struct mkrep_space *s = m->space;
	struct mkrep_apply a;
	struct mkrep_req req;
	u32 usize;
	int ret;

	ret = mk_copy_struct_in(&a, sizeof(a), MKREP_APPLY_SIZE_VER0, arg,
				&usize);
	if (ret)
		return ret;
	if (a.flags || a.__pad || a.__reserved[0] || a.__reserved[1])
		return -EINVAL;
	ret = mkrep_check_caller(m);
	if (ret)
		return ret;

	spin_lock(&s->req_lock);
	req = s->req;
	spin_unlock(&s->req_lock);
	/*
	 * The record is the operation in flight, or the last one: nothing
	 * newer than what this replica applied can be done without it.
	 */
	a.applied = req.op_id && mkrep_apply(m, &req, MKREP_PATH_MESSAGE);
	/* Pairs with the release in mkrep_apply(), by whoever applied. */
	a.op_id = smp_load_acquire(&m->status->applied);
	return mk_copy_struct_out(arg, &a, sizeof(a), usize);
}
