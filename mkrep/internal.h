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
#include <linux/jump_label.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mkrep.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/mkrep.h>

struct mkrep_space;

/* The window's first page offset in the member file; the status page is 0. */
#define MKREP_WINDOW_PGOFF	1

/* &mkrep_member.state */
enum {
	MKREP_MEMBER_ACTIVE,	/* receives every operation */
	MKREP_MEMBER_EVICTED,	/* its CPU went offline; window revoked */
	MKREP_MEMBER_GONE,	/* its window is unmapped */
};

/* Who changed a replica (trace events, counters). */
enum mkrep_path {
	MKREP_PATH_SELF,	/* the initiator, its own replica */
	MKREP_PATH_MESSAGE,	/* the member, asked by message */
	MKREP_PATH_NOT_RUNNING,	/* the initiator: the mm ran nowhere */
	MKREP_PATH_FALLBACK,	/* the initiator, past the bound */
};

/*
 * A replica entry: the page frame number shifted by PAGE_SHIFT, ORed with
 * the MKREP_PROT_* bits; zero when the page is not mapped.
 */
#define MKREP_ENTRY_PROT	(MKREP_PROT_READ | MKREP_PROT_WRITE)

/**
 * struct mkrep_req - an operation, as every replica applies it
 * @op_id: the space's number of the operation, counting from 1
 * @first: first page of the range
 * @npages: pages in the range
 * @op: %MKREP_OP_MAP, %MKREP_OP_UNMAP or %MKREP_OP_PROTECT
 * @prot: %MKREP_PROT_* bits
 */
struct mkrep_req {
	u64 op_id;
	u64 first;
	u64 npages;
	u32 op;
	u32 prot;
};

/**
 * struct mkrep_member - one process's replica of a space, on one CPU
 * @space: the space
 * @cpu: the member's CPU
 * @state: %MKREP_MEMBER_ACTIVE, _EVICTED or _GONE
 * @mm: the member's address space (mmgrab()ed): its page table is the
 *	hardware replica
 * @task: the leader of the member's process: whether one of its threads
 *	runs decides who applies
 * @inode: the member file's own inode, held while the member lives
 * @mapping: its address space, which the window maps:
 *	unmap_mapping_range() reaches the window without the member's
 *	mmap_lock
 * @rep: the software replica, one entry a page, under @rep_lock
 * @rep_lock: @rep and @applied, and the page-table entries made from
 *	them: held by a fault from reading the entry to inserting it, and
 *	by whoever applies an operation from changing the entry to zapping
 * @applied: the last operation applied to @rep, under @rep_lock and
 *	@post_lock; read unlocked by gatherers through @status
 * @post_lock: @status->waiting against a late post
 * @forward_op: a tree node leader's: the operation it passes on to the
 *	other members of its node before it applies, under @post_lock
 * @status: the page mapped read-only into the member's process
 * @status_page: its struct page
 * @nr_vmas: VMAs of the window (a failed mremap() copies it briefly)
 * @bytes: what the member's struct, replica and status page take
 * @wq: poll() waiters of the member fd
 * @ref: held by the space's table, the member file and each VMA of the
 *	window
 * @rcu: frees the member, its replica and its status page after a grace
 *	period (posters and tree leaders peek at them under RCU)
 */
struct mkrep_member {
	struct mkrep_space *space;
	unsigned int cpu;
	int state;
	struct mm_struct *mm;
	struct task_struct *task;
	struct inode *inode;
	struct address_space *mapping;
	u64 *rep;
	struct mutex rep_lock;	/* see above */
	u64 applied;
	spinlock_t post_lock;	/* see above */
	u64 forward_op;
	struct mkrep_member_status *status;
	struct page *status_page;
	atomic_t nr_vmas;
	size_t bytes;
	wait_queue_head_t wq;
	struct kref ref;
	struct rcu_head rcu;
};

/**
 * struct mkrep_space - a replicated range of pages
 * @node: in the module's list of spaces (for CPU hotplug)
 * @file: the space's file, which each member file holds
 * @npages: pages of the space
 * @strategy: %MKREP_STRATEGY_*
 * @bound_ns: the longest an operation waits for a running member
 * @owner: the user who made the space, charged for it (user.c)
 * @charged: the space counts against @owner's limits
 * @bytes: what the space's own records take (the "bytes" object count)
 * @memcg: the creator's memory cgroup, charged for the space's pages
 * @op_lock: serialises operations, joins and the reaping of members
 * @op_id: the last operation's number, under @op_lock
 * @req: the operation in flight (or the last one), written under
 *	@op_lock and @req_lock before it is posted; read by members under
 *	@req_lock
 * @req_lock: @req
 * @wait: the members the operation in flight still waits for, under
 *	@op_lock
 * @unposted: the members the initiator asked while their mm ran nowhere,
 *	and so did not post to; posted to if found running before the
 *	bound (op.c); under @op_lock
 * @pages: the pages the space owns, under @op_lock: the record of the
 *	allocator, not a replica (no fault ever reads it)
 * @prot: the protection of each page, under @op_lock: what a joining
 *	member copies into its replica
 * @mapped: pages in @pages
 * @victims: the pages the operation in flight unmapped, freed once
 *	every replica let go of them, under @op_lock; allocated with the
 *	space (room for every page), so that an operation allocates nothing
 * @member_lock: writers of @member
 * @member: the member on each CPU (RCU); entries change only under
 *	@op_lock, so an operation in flight sees a stable table
 * @joining: the member whose window JOIN is mapping, under @op_lock
 * @joiner: the task in that JOIN: the only one whose mmap() succeeds
 * @reap_work: reaps the members whose file was released while an
 *	operation held @op_lock
 * @ops: operations completed
 * @messages: requests posted
 * @wakeups: poll() sleepers woken by a post
 * @removed: members removed
 * @evicted: members evicted by CPU hotplug
 * @by_message: replicas changed by their members
 * @not_running: replicas changed by an initiator: their mm ran nowhere
 * @fallback: replicas changed by an initiator past the bound
 */
struct mkrep_space {
	struct list_head node;
	struct file *file;
	unsigned long npages;
	unsigned int strategy;
	u64 bound_ns;
	kuid_t owner;
	bool charged;
	size_t bytes;
	struct mem_cgroup *memcg;
	struct mutex op_lock;	/* see above */
	u64 op_id;
	struct mkrep_req req;
	spinlock_t req_lock;	/* @req */
	cpumask_var_t wait;
	cpumask_var_t unposted;
	struct page **pages;
	u8 *prot;
	unsigned long mapped;
	struct page **victims;
	spinlock_t member_lock;	/* writers of @member */
	struct mkrep_member __rcu **member;
	struct mkrep_member *joining;
	struct task_struct *joiner;
	struct work_struct reap_work;
	atomic64_t ops;
	atomic64_t messages;
	atomic64_t wakeups;
	atomic64_t removed;
	atomic64_t evicted;
	atomic64_t by_message;
	atomic64_t not_running;
	atomic64_t fallback;
};

extern unsigned int mkrep_max_space_pages;
extern unsigned int mkrep_max_spaces_per_user;
extern unsigned int mkrep_max_pages_per_user;

/*
 * debugfs.c: live objects, for /sys/kernel/debug/mkrep/objects; each a
 * write-mostly replicated counter that debugfs reads exactly.
 */
enum {
	MKREP_OBJ_SPACES,
	MKREP_OBJ_MEMBERS,
	MKREP_OBJ_PAGES,
	MKREP_OBJ_COUNTERS,
	MKREP_OBJ_BYTES,
	MKREP_NR_OBJECTS,
};

extern struct mkrep_counter *mkrep_objects[MKREP_NR_OBJECTS];

/* Any context but NMI, between mkrep_objects_init() and _exit(). */
static inline void mkrep_objects_add(int what, long n)
{
	mkrep_counter_add(mkrep_objects[what], n);
}

int mkrep_objects_init(void);
void mkrep_objects_exit(void);
void mkrep_debugfs_init(void);
void mkrep_debugfs_exit(void);

/* test_hooks.c: the selftests' hooks, in mkrep's debugfs directory. */
DECLARE_STATIC_KEY_FALSE(mkrep_test_hooks_armed);
void mkrep_test_hooks_init(struct dentry *root);
u64 mkrep_gather_test_sleep(void);

/* The nanoseconds gather_delay_ms holds the gathering: 0 unless armed. */
static inline u64 mkrep_gather_test_delay(void)
{
	if (static_branch_unlikely(&mkrep_test_hooks_armed))
		return mkrep_gather_test_sleep();
	return 0;
}

/* A zeroed page of a space, on @node, charged to the active memcg. */
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
extern unsigned int mkrep_op_bound_us;
extern unsigned int mkrep_counter_map_hold_us;
extern struct workqueue_struct *mkrep_wq;
int mkrep_new_fd(const char *name, const struct file_operations *fops,
		 void *priv, bool cloexec, void __user *arg, void *kstruct,
		 size_t ksize, u32 usize, s32 *fd, struct file **filep,
		 bool *released);
struct file *mkrep_file_alloc(const char *name,
			      const struct file_operations *fops, void *priv);
int mkrep_fs_init(void);
void mkrep_fs_exit(void);

/* space.c */
extern struct list_head mkrep_spaces;
extern struct mutex mkrep_spaces_lock;
long mkrep_space_create(void __user *arg);
struct mkrep_member *mkrep_slot(struct mkrep_space *s, unsigned int cpu);

/* member.c */
struct mkrep_member *mkrep_member_alloc(struct mkrep_space *s,
					unsigned int cpu);
void mkrep_member_put(struct mkrep_member *m);
struct file *mkrep_member_file(struct mkrep_member *m);
bool mkrep_member_retire(struct mkrep_member *m, int state);
void mkrep_reap(struct mkrep_space *s);
void mkrep_reap_work(struct work_struct *work);
bool mkrep_mm_running(struct mkrep_member *m);
int mkrep_member_frees_pending(void);
int mkrep_hotplug_init(void);
void mkrep_hotplug_exit(void);

/* msg.c */

/* Who posts a request to a member, and when (the mkrep_post event). */
enum mkrep_post_kind {
	MKREP_POST_ASK,		/* the initiator, asking it */
	MKREP_POST_FORWARD,	/* passed on for its tree node's leader */
	MKREP_POST_LATE,	/* the initiator, at a look of its gathering */
};

void mkrep_lead(struct mkrep_member *t, u64 op_id);
bool mkrep_post(struct mkrep_member *t, const struct mkrep_req *req,
		enum mkrep_post_kind kind);
unsigned int mkrep_forward(struct mkrep_member *m, const struct mkrep_req *req);
bool mkrep_apply(struct mkrep_member *m, const struct mkrep_req *req,
		 enum mkrep_path path);
bool mkrep_done(struct mkrep_member *m, u64 op_id);
long mkrep_ioctl_apply(struct mkrep_member *m, void __user *arg);

/* op.c */
long mkrep_ioctl_op(struct mkrep_member *me, void __user *arg);
int mkrep_check_caller(struct mkrep_member *m);

/* user.c */
struct seq_file;
int mkrep_user_charge(kuid_t uid, unsigned long npages);
void mkrep_user_uncharge(kuid_t uid, unsigned long npages);
int mkrep_users_show(struct seq_file *m, void *unused);

/* counter.c */
struct mkrep_counter *mkrep_counter_alloc(unsigned int mode, gfp_t gfp);
void mkrep_counter_free(struct mkrep_counter *c);
struct mkrep_counter *mkrep_counter_create_mapped(gfp_t gfp);
void mkrep_counter_info(struct mkrep_counter *c,
			struct mkrep_counter_info *info);
int mkrep_counter_mmap(struct mkrep_counter *c, struct vm_area_struct *vma);

/* counter_map.c: the slot pages of a mapped counter */
struct mkrep_counter_map;
struct mkrep_counter_map *mkrep_counter_map_alloc(gfp_t gfp);
void mkrep_counter_map_free(struct mkrep_counter_map *m);
void mkrep_counter_map_info(struct mkrep_counter_map *m,
			    struct mkrep_counter_info *info);
void mkrep_counter_map_add(struct mkrep_counter_map *m, unsigned int cpu,
			   s64 delta);
s64 mkrep_counter_map_read(struct mkrep_counter_map *m, unsigned int cpu);
s64 mkrep_counter_map_read_exact(struct mkrep_counter_map *m,
				 unsigned int cpu);
int mkrep_counter_map_mmap(struct mkrep_counter_map *m,
			   struct vm_area_struct *vma);

/* counter_file.c */
long mkrep_counter_create_fd(void __user *arg);

#endif /* _MKREP_INTERNAL_H */
