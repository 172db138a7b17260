/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkrep - internal definitions shared by the files of the module.
 */
#ifndef _MKREP_INTERNAL_H
#define _MKREP_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <uapi/linux/mkrep.h>

struct mkchan_endpoint;
struct mkrep_space;

/* Slots of each ring of a space's channels: one page. */
#define MKREP_CHAN_SLOTS	MKCHAN_MIN_SLOTS

/* The mkchan message type of every mkrep message. */
#define MKREP_MSG_TYPE		0x4d

/* &mkrep_msg.kind */
#define MKREP_MSG_REQ		1	/* apply an operation, then ack */
#define MKREP_MSG_ACK		2	/* an operation was applied */

/*
 * &mkrep_msg.flags: FORWARD asks a tree node leader to pass the request on
 * to the other members of its node and to aggregate their acks; SPIN says
 * that the initiator polls, and so must the leaders.
 */
#define MKREP_MSG_FORWARD	BIT(0)
#define MKREP_MSG_SPIN		BIT(1)

/**
 * struct mkrep_msg - the payload of one mkrep message (one slot)
 * @op_id: the space's number of the operation, counting from 1
 * @first: REQ: first page of the range
 * @npages: REQ: pages in the range
 * @kind: %MKREP_MSG_REQ or %MKREP_MSG_ACK
 * @from: the CPU of the sending member: acks go back there
 * @op: REQ: %MKREP_OP_MAP, %MKREP_OP_UNMAP or %MKREP_OP_PROTECT
 * @prot: REQ: %MKREP_PROT_* bits
 * @flags: REQ: %MKREP_MSG_FORWARD, %MKREP_MSG_SPIN
 * @acked: ACK: replicas that applied the operation, the sender's included
 * @removed: ACK: members found removed while forwarding
 * @sent: ACK: members the sender asked while forwarding
 */
struct mkrep_msg {
	u64 op_id;
	u64 first;
	u64 npages;
	u8 kind;
	u8 op;
	u8 prot;
	u8 flags;
	u32 from;
	u32 acked;
	u32 removed;
	u32 sent;
};

static_assert(sizeof(struct mkrep_msg) <= MKCHAN_PAYLOAD_MAX);

/* &mkrep_member.state */
enum {
	MKREP_MEMBER_ACTIVE,	/* receives every operation */
	MKREP_MEMBER_EVICTED,	/* its CPU went offline; window revoked */
	MKREP_MEMBER_GONE,	/* its window is unmapped */
};

/*
 * A replica entry: the page frame number shifted by PAGE_SHIFT, ORed with
 * the MKREP_PROT_* bits; zero when the page is not mapped.
 */
#define MKREP_ENTRY_PROT	(MKREP_PROT_READ | MKREP_PROT_WRITE)

/**
 * struct mkrep_gather - acknowledgements an operation waits for
 * @req: the request, whose @op_id the acks carry
 * @wait: members still to acknowledge
 * @forwarded: members asked to forward to their node (tree leaders)
 * @owed: a leader's: initiators that sent the request again meanwhile,
 *	to acknowledge with the node's answer
 * @acked: replicas acknowledged so far
 * @removed: members found removed
 * @sent: members asked, directly or through the leaders that answered:
 *	once every one acked or was removed, @acked + @removed == @sent
 * @messages: messages sent and received for the operation
 * @spin: poll instead of sleeping
 * @forwarding: gathering as a tree leader, for another initiator
 * @apply_own: an initiator's: its own replica is still to be changed,
 *	which the gathering does once the first requests are out
 */
struct mkrep_gather {
	struct mkrep_msg req;
	cpumask_var_t wait;
	cpumask_var_t forwarded;
	cpumask_var_t owed;
	unsigned int acked;
	unsigned int removed;
	unsigned int sent;
	unsigned int messages;
	bool spin;
	bool forwarding;
	bool apply_own;
};

/**
 * struct mkrep_member - one process's replica of a space, on one CPU
 * @space: the space
 * @cpu: the member's CPU
 * @state: %MKREP_MEMBER_ACTIVE, _EVICTED or _GONE
 * @mm: the member's address space (mmgrab()ed): its page table is the
 *	hardware replica
 * @win_start: the start of the member's window in @mm
 * @nr_vmas: VMAs of the window (a failed mremap() copies it briefly)
 * @rep: the software replica, one entry a page; changed only by the
 *	member's own thread on @cpu (or, on eviction, by @cpu's hotplug
 *	thread), under mmap_write_lock(@mm)
 * @applied: the last operation applied to @rep, under @lock
 * @lock: the member's endpoints and @gather
 * @ep: endpoint to the member on each CPU, NULL where there is none
 * @peers: CPUs in @ep
 * @gather: acks the member waits for as initiator or tree node leader
 * @gathering: @gather is in use
 * @deferred: a request for a newer operation that came while the member
 *	gathered, as a tree leader, for an older one: handled once that
 *	gathering, left over, has stopped
 * @has_deferred: @deferred holds a request
 * @sleeping: threads of the member going to sleep: senders must wake it
 * @op_waiting: those of them that wait for the space's op_lock: its
 *	release wakes them
 * @events: bumped by each wake-up
 * @wq: where the member sleeps
 * @messages: messages the member sent
 * @ref: held by the space's table and by each VMA of the window
 * @rcu: frees the member after a grace period (senders peek at it)
 */
struct mkrep_member {
	struct mkrep_space *space;
	unsigned int cpu;
	int state;
	struct mm_struct *mm;
	unsigned long win_start;
	atomic_t nr_vmas;
	u64 *rep;
	u64 applied;
	struct mutex lock;	/* @ep, @peers, @gather; see above */
	struct mkchan_endpoint **ep;
	cpumask_var_t peers;
	struct mkrep_gather gather;
	bool gathering;
	bool has_deferred;
	struct mkrep_msg deferred;
	atomic_t sleeping;
	atomic_t op_waiting;
	atomic_t events;
	wait_queue_head_t wq;
	u64 messages;
	struct kref ref;
	struct rcu_head rcu;
};

/**
 * struct mkrep_space - a replicated range of pages
 * @node: in the module's list of spaces (for CPU hotplug)
 * @npages: pages of the space
 * @strategy: %MKREP_STRATEGY_*
 * @op_lock: serialises operations, joins and the reaping of members
 * @op_waiters: members waiting for @op_lock, to be woken when it is free
 * @op_id: the last operation's number, under @op_lock
 * @pages: the pages the space owns, under @op_lock: the record of the
 *	allocator, not a replica (no fault ever reads it)
 * @prot: the protection of each page, under @op_lock: what a joining
 *	member copies into its replica
 * @mapped: pages in @pages
 * @pending: an operation whose initiator was killed before every ack
 *	came (@pending.op_id is zero when there is none), under @op_lock:
 *	the next operation delivers it again first
 * @victims: the pages the operation in progress, or @pending, unmapped,
 *	freed once every replica let go of them, under @op_lock; allocated
 *	with the space (room for every page), so that an operation
 *	allocates nothing
 * @npending: how many of @victims belong to @pending, under @op_lock
 * @member_lock: writers of @member
 * @member: the member on each CPU (RCU)
 * @joining: the member whose window JOIN is mapping, under @op_lock
 * @joiner: the task in that JOIN: the only one whose mmap() succeeds
 * @ops: operations completed
 * @wakeups: sleeping members woken by a message, or by the release of
 *	the op_lock they wait for
 * @removed: members removed
 * @evicted: members evicted by CPU hotplug
 * @messages: messages sent by members since reaped
 */
struct mkrep_space {
	struct list_head node;
	unsigned long npages;
	unsigned int strategy;
	struct mutex op_lock;	/* see above */
	atomic_t op_waiters;
	u64 op_id;
	struct page **pages;
	u8 *prot;
	unsigned long mapped;
	struct mkrep_msg pending;
	struct page **victims;
	unsigned long npending;
	spinlock_t member_lock;	/* writers of @member */
	struct mkrep_member __rcu **member;
	struct mkrep_member *joining;
	struct task_struct *joiner;
	atomic64_t ops;
	atomic64_t wakeups;
	atomic64_t removed;
	atomic64_t evicted;
	atomic64_t messages;
};

extern unsigned int mkrep_max_space_pages;

/* debugfs.c: live objects, for /sys/kernel/debug/mkrep/objects */
enum {
	MKREP_OBJ_SPACES,
	MKREP_OBJ_MEMBERS,
	MKREP_OBJ_PAGES,
	MKREP_OBJ_COUNTERS,
	MKREP_NR_OBJECTS,
};

extern atomic_long_t mkrep_objects[MKREP_NR_OBJECTS];

static inline void mkrep_objects_add(int what, long n)
{
	atomic_long_add(n, &mkrep_objects[what]);
}

void mkrep_debugfs_init(void);
void mkrep_debugfs_exit(void);

/* A zeroed page of a space, on @node, charged to the caller's memcg. */
static inline struct page *mkrep_page_alloc(int node)
{
	struct page *page;

	page = alloc_pages_node(node, GFP_HIGHUSER | __GFP_ZERO |
				__GFP_ACCOUNT | __GFP_RETRY_MAYFAIL, 0);
	if (page)
		mkrep_objects_add(MKREP_OBJ_PAGES, 1);
	return page;
}

static inline void mkrep_page_free(struct page *page)
{
	__free_page(page);
	mkrep_objects_add(MKREP_OBJ_PAGES, -1);
}

/* main.c */
int mkrep_new_fd(const char *name, const struct file_operations *fops,
		 void *priv, bool cloexec, void __user *arg, void *kstruct,
		 size_t ksize, u32 usize, s32 *fd, bool *released);

/* space.c */
long mkrep_space_create(void __user *arg);
int mkrep_hotplug_init(void);
void mkrep_hotplug_exit(void);
void mkrep_member_put(struct mkrep_member *m);
int mkrep_reap(struct mkrep_space *s, struct mkrep_member *me);

/* counter.c */
long mkrep_counter_create_fd(void __user *arg);

/* op.c */
long mkrep_ioctl_op(struct mkrep_space *s, void __user *arg);
long mkrep_ioctl_serve(struct mkrep_space *s, void __user *arg);
struct mkrep_member *mkrep_caller(struct mkrep_space *s);
void mkrep_wake_all(struct mkrep_space *s);
void mkrep_op_unlock(struct mkrep_space *s);
int mkrep_lock_serving(struct mkrep_member *m, struct mkrep_member *me);

#endif /* _MKREP_INTERNAL_H */
