/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mkrep - replicated objects over mkchan channels.
 *
 * User ABI of the character device /dev/mkrep.  The argument conventions
 * (@size, @flags, reserved fields, errors) and the rule of the frozen
 * ioctl numbers are those described at the top of <linux/mkchan.h>.
 */
#ifndef _UAPI_LINUX_MKREP_H
#define _UAPI_LINUX_MKREP_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/mkchan.h>

/* Version of this ABI; bumped on every incompatible change. */
#define MKREP_ABI_VERSION	3

/* Bits of &mkrep_query.features: what this module implements. */
#define MKREP_FEAT_QUERY	(1U << 0)	/* MKREP_IOC_QUERY */
#define MKREP_FEAT_SPACE	(1U << 1)	/* replicated page tables */
#define MKREP_FEAT_COUNTER	(1U << 2)	/* replicated counters */
#define MKREP_FEAT_COUNTER_SLOPPY (1U << 3)	/* MKREP_COUNTER_SLOPPY */
#define MKREP_FEAT_COUNTER_MAP	(1U << 4)	/* MKREP_COUNTER_MAP */

/**
 * struct mkrep_query - the module's ABI and the channel layer below it
 * @size: in: sizeof(struct mkrep_query) as the caller knows it;
 *	out: the size the kernel knows.
 * @flags: in: must be zero.
 * @abi_version: out: %MKREP_ABI_VERSION of the loaded module.
 * @features: out: the %MKREP_FEAT_* bits the module implements.
 * @mkchan_abi_version: out: %MKCHAN_ABI_VERSION of the mkchan module that
 *	mkrep is bound to, as that module reports it.
 * @nr_online_cpus: out: CPUs online at the time of the call, as mkchan
 *	reports them: the cores a replica can live on.
 * @__reserved: must be zero.
 * @max_space_pages: out: the largest space, in pages (module parameter
 *	``max_space_pages``); since version 1 of the struct.
 * @__pad: must be zero.
 *
 * Argument of %MKREP_IOC_QUERY.  Output fields are ignored on input.
 */
struct mkrep_query {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 features;
	__u32 mkchan_abi_version;
	__u32 nr_online_cpus;
	__u64 __reserved[2];
	__u32 max_space_pages;
	__u32 __pad;
};

#define MKREP_QUERY_SIZE_VER0	40	/* sizeof first published struct */
#define MKREP_QUERY_SIZE_VER1	48	/* @max_space_pages */

/**
 * define MKREP_IOC_QUERY - describe the module
 *
 * Takes a &struct mkrep_query.  Errors: EFAULT (bad pointer), EINVAL
 * (bad @size, unknown @flags, non-zero reserved field), E2BIG (larger
 * struct with unknown non-zero fields).
 *
 * Frozen with the size of version 1 of the struct; binaries built against
 * version 0 pass 0xC028B840, its size encoded, and are served alike.
 */
#define MKREP_IOC_QUERY		MKCHAN_IOWR_V1(0x40, 48)	/* 0xC030B840 */

/*
 * Replicated page tables: spaces (version 2 of the ABI).
 *
 * A space is a range of memory made of pages the module owns.  Processes
 * join it, one per CPU, each from a thread bound to that CPU alone, and
 * get a member file descriptor and a window on the space in their own
 * address space: the page table of that window is the CPU's replica of
 * the space's mappings.  Any member maps, unmaps or protects pages of the
 * space with %MKREP_IOC_OP on its member descriptor; the operation
 * changes every replica before it returns:
 *
 * - a member that is running is asked by message: a word of its status
 *   page (&struct mkrep_member_status) says that requests are waiting,
 *   and the member, in its own event loop, calls %MKREP_IOC_APPLY, which
 *   changes its replica on its own CPU and flushes its own TLB (and, as
 *   any unmap does, those of CPUs running its process's other threads);
 * - a member whose process has no thread on a CPU (asleep, blocked,
 *   stopped, frozen, preempted) has its replica changed by the
 *   initiator, which normally disturbs no CPU: the kernel flushes a TLB
 *   that still holds the address space when it switches back to it;
 * - a member still running that did not answer within the space's bound
 *   (&mkrep_space_create.bound_ns) has its replica changed by the
 *   initiator with the kernel's own flush: an inter-processor interrupt
 *   to the CPU it runs on, as Linux's shootdown would send.
 *
 * So an operation never waits for a member longer than the bound, and
 * each path taken is counted (&struct mkrep_op, &struct mkrep_space_info).
 */

/* Delivery strategies of a space (&mkrep_space_create.strategy). */
#define MKREP_STRATEGY_UNICAST		0	/* one member after another */
#define MKREP_STRATEGY_BROADCAST	1	/* ask all, then gather */
#define MKREP_STRATEGY_TREE		2	/* one leader a NUMA node */
#define MKREP_NR_STRATEGIES		3

/* &mkrep_space_create.flags */
#define MKREP_SPACE_CLOEXEC	(1U << 0)	/* the space fd is O_CLOEXEC */

/* Bounds of &mkrep_space_create.bound_ns. */
#define MKREP_BOUND_MAX_NS	1000000000ULL	/* one second */

/**
 * struct mkrep_space_create - make a space
 * @size: in: sizeof(struct mkrep_space_create); out: the kernel's.
 * @flags: in: %MKREP_SPACE_CLOEXEC or 0.
 * @length: in: bytes of the space: a non-zero multiple of the page size,
 *	at most &mkrep_query.max_space_pages pages.
 * @strategy: in: one of the %MKREP_STRATEGY_* values.
 * @fd: out: the new space's file descriptor.
 * @bound_ns: in: the longest an operation waits for a running member to
 *	answer by message before it changes that member's replica itself,
 *	in nanoseconds, at most %MKREP_BOUND_MAX_NS; 0 for the module's
 *	default (module parameter ``op_bound_us``).  Was a reserved field
 *	in version 1 of the ABI, where it had to be 0.
 * @__reserved: must be zero.
 *
 * Argument of %MKREP_IOC_SPACE_CREATE on /dev/mkrep.  The space lives
 * until its last file descriptor is closed and its last member has left;
 * the descriptor is handed to other processes by fork() or SCM_RIGHTS.
 */
struct mkrep_space_create {
	__u32 size;
	__u32 flags;
	__u64 length;
	__u32 strategy;
	__s32 fd;
	__u64 bound_ns;
	__u64 __reserved;
};

#define MKREP_SPACE_CREATE_SIZE_VER0	40

/* &mkrep_join.flags */
#define MKREP_JOIN_CLOEXEC	(1U << 0)	/* the member fd is O_CLOEXEC */

/**
 * struct mkrep_join - join a space on a CPU
 * @size: in: sizeof(struct mkrep_join); out: the kernel's.
 * @flags: in: %MKREP_JOIN_CLOEXEC or 0.
 * @cpu: in: the CPU of the new member; the calling thread must be bound
 *	to this CPU alone (sched_setaffinity()).
 * @fd: out: the member's file descriptor: %MKREP_IOC_OP,
 *	%MKREP_IOC_APPLY, poll() and mmap() of the status page.
 * @addr: out: the start of the member's window on the space: a shared
 *	mapping of &mkrep_space_create.length bytes, made in the caller's
 *	address space.  Pages of the space not mapped by %MKREP_IOC_OP fault
 *	(SIGSEGV).
 * @length: out: the length of the window.
 * @__reserved: must be zero.
 *
 * Argument of %MKREP_IOC_JOIN on a space.  A process leaves the space by
 * unmapping its window (munmap() of the whole window), by exec() or by
 * exiting; closing the member fd alone does not make it leave (the window
 * holds the member).  The window cannot be split, moved or inherited by
 * fork().
 */
struct mkrep_join {
	__u32 size;
	__u32 flags;
	__u32 cpu;
	__s32 fd;
	__u64 addr;
	__u64 length;
	__u64 __reserved[2];
};

#define MKREP_JOIN_SIZE_VER0		48

/**
 * struct mkrep_member_status - the read-only page of a member
 * @waiting: non-zero when a request waits for this member's replica:
 *	call %MKREP_IOC_APPLY.  Set by the sender before it wakes poll();
 *	cleared when the request was applied, by the member or for it.
 * @__pad0: zero.
 * @posted: the number of the last operation posted to the member.
 * @__line0: room to the end of the first cache line; zero.
 * @applied: the number of the last operation applied to the member's
 *	replica, by the member or for it; written once @waiting is cleared.
 *
 * Mapped with mmap() of one page at offset %MKREP_STATUS_OFFSET of the
 * member fd, readable only (PROT_READ; the caller's own member only).
 * The words are written by the kernel; read them with relaxed loads,
 * e.g. __atomic_load_n(&st->waiting, __ATOMIC_ACQUIRE).  Operations are
 * numbered from 1 in the order they start on the space.
 */
struct mkrep_member_status {
	__u32 waiting;
	__u32 __pad0;
	__u64 posted;
	__u64 __line0[6];
	__u64 applied;
};

#define MKREP_STATUS_OFFSET		0

/* Operations (&mkrep_op.op). */
#define MKREP_OP_MAP		1	/* fresh zeroed pages, with @prot */
#define MKREP_OP_UNMAP		2	/* remove and free the pages */
#define MKREP_OP_PROTECT	3	/* change the protection to @prot */

/* Protections (&mkrep_op.prot). */
#define MKREP_PROT_READ		(1U << 0)
#define MKREP_PROT_WRITE	(1U << 1)	/* only with MKREP_PROT_READ */

/**
 * struct mkrep_op - change the mappings of a space in every replica
 * @size: in: sizeof(struct mkrep_op); out: the kernel's.
 * @flags: in: must be zero.
 * @op: in: %MKREP_OP_MAP, %MKREP_OP_UNMAP or %MKREP_OP_PROTECT.
 * @prot: in: for MAP and PROTECT, %MKREP_PROT_READ, optionally with
 *	%MKREP_PROT_WRITE; zero for UNMAP.
 * @offset: in: the first byte of the range in the space, page aligned.
 * @length: in: bytes of the range, a non-zero multiple of the page size
 *	inside the space.
 * @members: out: the other members' replicas the operation had to
 *	change: @by_message + @not_running + @fallback + @removed.
 * @by_message: out: replicas their members changed (%MKREP_IOC_APPLY),
 *	asked by message or on their own: a member may apply the request
 *	in flight before it was posted to it.
 * @not_running: out: replicas the caller changed because no thread of
 *	their process ran on a CPU: normally no CPU was disturbed (another
 *	user of the address space, a vfork() child say, is flushed too).
 * @fallback: out: replicas the caller changed, with the kernel's flush,
 *	because their members did not answer within the bound.
 * @removed: out: members that left or were evicted meanwhile.
 * @posted: out: requests posted (status words written), the tree
 *	leaders' forwarding included.
 * @__reserved: must be zero.
 *
 * Argument of %MKREP_IOC_OP on a member fd, called by the member's
 * process from a thread bound to the member's CPU.  Operations on one
 * space are serialised: a second caller sleeps until the first has
 * returned.  MAP requires every page of the range to be unmapped; UNMAP
 * and PROTECT skip the pages of the range that are not mapped.  When the
 * call returns, no replica and no TLB maps what the operation took away.
 */
struct mkrep_op {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 prot;
	__u64 offset;
	__u64 length;
	__u32 members;
	__u32 by_message;
	__u32 not_running;
	__u32 fallback;
	__u32 removed;
	__u32 posted;
	__u64 __reserved;
};

#define MKREP_OP_SIZE_VER0		64

/**
 * struct mkrep_apply - apply the request waiting for the caller's replica
 * @size: in: sizeof(struct mkrep_apply); out: the kernel's.
 * @flags: in: must be zero.
 * @applied: out: 1 if a request was applied, 0 if none was waiting (or
 *	the initiator applied it meanwhile).
 * @__pad: must be zero.
 * @op_id: out: the number of the last operation applied to the replica.
 * @__reserved: must be zero.
 *
 * Argument of %MKREP_IOC_APPLY on a member fd, called by the member's
 * process from a thread bound to the member's CPU.  Never waits for a
 * request: call it when &mkrep_member_status.waiting is set, or when
 * poll() reports %POLLIN.
 */
struct mkrep_apply {
	__u32 size;
	__u32 flags;
	__u32 applied;
	__u32 __pad;
	__u64 op_id;
	__u64 __reserved[2];
};

#define MKREP_APPLY_SIZE_VER0		40

/**
 * struct mkrep_space_info - a space's settings and counters
 * @size: in: sizeof(struct mkrep_space_info); out: the kernel's.
 * @flags: in: must be zero.
 * @length: out: bytes of the space.
 * @strategy: out: its %MKREP_STRATEGY_* value.
 * @nr_members: out: members at the time of the call.
 * @mapped_pages: out: pages of the space mapped at the time of the call.
 * @__pad: zero.
 * @ops: out: operations completed.
 * @messages: out: requests posted to members (status words written).
 * @wakeups: out: requests posted to a member fd that had poll() or
 *	epoll waiters (an epoll set that holds the fd counts, even when no
 *	thread sleeps in it): each may wake a sleeping thread, which may
 *	cost an inter-processor interrupt.
 * @removed: out: members removed (left, exited, evicted).
 * @evicted: out: members evicted because their CPU went offline.
 * @__reserved: zero.
 * @bound_ns: out: the space's bound (since version 1 of the struct).
 * @by_message: out: replicas changed by their members (%MKREP_IOC_APPLY),
 *	asked by message or on their own.
 * @not_running: out: replicas changed by an initiator because their
 *	address space ran on no CPU.
 * @fallback: out: replicas changed by an initiator, with the kernel's
 *	flush, past the bound.
 *
 * Argument of %MKREP_IOC_SPACE_INFO on a space.
 */
struct mkrep_space_info {
	__u32 size;
	__u32 flags;
	__u64 length;
	__u32 strategy;
	__u32 nr_members;
	__u32 mapped_pages;
	__u32 __pad;
	__u64 ops;
	__u64 messages;
	__u64 wakeups;
	__u64 removed;
	__u64 evicted;
	__u64 __reserved[2];
	__u64 bound_ns;
	__u64 by_message;
	__u64 not_running;
	__u64 fallback;
};

#define MKREP_SPACE_INFO_SIZE_VER0	88
#define MKREP_SPACE_INFO_SIZE_VER1	120	/* @bound_ns to @fallback */

/**
 * define MKREP_IOC_SPACE_CREATE - make a space
 *
 * On /dev/mkrep; takes a &struct mkrep_space_create.  Errors: EINVAL (bad
 * @size, flags, length, strategy or bound, non-zero reserved field),
 * E2BIG, EFAULT, ENOMEM, EMFILE, ENFILE.
 */
#define MKREP_IOC_SPACE_CREATE	MKCHAN_IOWR_V1(0x41, 40)	/* 0xC028B841 */

/*
 * Numbers of version 1 of the ABI, retired by version 2 and never used
 * again: 0xC030B842 (JOIN on a space), 0xC040B843 (OP on a space),
 * 0xC020B844 (SERVE).  A space answers them ENOTTY.
 */

/**
 * define MKREP_IOC_SPACE_INFO - describe a space
 *
 * On a space; takes a &struct mkrep_space_info.  Errors: EINVAL, E2BIG,
 * EFAULT.
 *
 * Frozen with the size of version 1 of the struct; binaries built
 * against version 0 pass 0xC058B845, its size encoded, and are served
 * alike.
 */
#define MKREP_IOC_SPACE_INFO	MKCHAN_IOWR_V1(0x45, 120)	/* 0xC078B845 */

/**
 * define MKREP_IOC_JOIN - join a space: a member fd and a window
 *
 * On a space; takes a &struct mkrep_join.  Errors: EINVAL (bad argument,
 * @cpu not possible, the thread not bound to @cpu alone: so an offline
 * @cpu, to which no thread can be bound), ENODEV (@cpu went offline while
 * joining; once the member is made, it is evicted instead), EEXIST (@cpu
 * has a member already), EALREADY (the caller's process is a member
 * already), ENOMEM, EMFILE, ENFILE, EINTR (a signal while waiting for an
 * operation in flight; restarted if the handler says SA_RESTART), E2BIG,
 * EFAULT (the argument cannot be written back), and the errors of mmap()
 * (EAGAIN past RLIMIT_MEMLOCK with mlockall()).
 */
#define MKREP_IOC_JOIN		MKCHAN_IOWR_V1(0x4a, 48)	/* 0xC030B84A */

/**
 * define MKREP_IOC_OP - map, unmap or protect a range in every replica
 *
 * On a member fd; takes a &struct mkrep_op.  Errors: EINVAL (bad
 * argument, range outside the space or unaligned, caller not bound to its
 * member's CPU alone), EPERM (the caller's process is not the member's),
 * ENODEV (the member was evicted, its CPU went offline, or left), EEXIST
 * (MAP over a mapped page), ENOMEM, EINTR (a signal while waiting for
 * another operation to finish; restarted if the handler says
 * SA_RESTART), E2BIG, EFAULT (bad pointer; or the counts could not be
 * written back: the operation was done).  Once started, an operation is
 * not interrupted: it ends within the bound and the time of the fallback
 * flushes.
 */
#define MKREP_IOC_OP		MKCHAN_IOWR_V1(0x4b, 64)	/* 0xC040B84B */

/**
 * define MKREP_IOC_APPLY - apply the request waiting for the replica
 *
 * On a member fd; takes a &struct mkrep_apply.  Errors: EINVAL (bad
 * argument, caller not bound to its member's CPU alone: nothing is
 * applied), EPERM (the caller's process is not the member's), ENODEV (the
 * member was evicted or left), E2BIG, EFAULT.
 */
#define MKREP_IOC_APPLY		MKCHAN_IOWR_V1(0x4c, 40)	/* 0xC028B84C */

/*
 * Replicated counters.
 *
 * A counter has a replica on every CPU, on that CPU's NUMA node; an update
 * changes only the replicas' own lines, never with an atomic
 * read-modify-write of a line another CPU writes.  Two placements:
 *
 * - %MKREP_COUNTER_WRITE_MOSTLY: an update changes the updating CPU's
 *   replica only.  A local read returns the total this CPU last gathered
 *   plus its own updates since (stale); an exact read gathers every
 *   replica.
 * - %MKREP_COUNTER_READ_MOSTLY: an update is pushed to every replica (one
 *   slot per updating CPU in each), so a local read only looks at its own
 *   CPU's replica and counts every update that returned before it; an
 *   exact read gathers each CPU's own running sum.
 * - %MKREP_COUNTER_SLOPPY: the sloppy counter of reference counts: a
 *   central count plus up to %MKREP_COUNTER_SPARE_MAX spare references
 *   per CPU.  An update takes (@delta > 0) or keeps (@delta < 0) spares
 *   of its CPU, and changes the central count, one atomic add on a
 *   shared line, only when its CPU has too few spares or too many.  A
 *   local read is never below the exact value (which counts every update
 *   that returned before it) and above it by the other CPUs' spares, at
 *   most %MKREP_COUNTER_SPARE_MAX for each other possible CPU; an exact
 *   read gathers every CPU's spares.
 *
 * An exact read counts every update that returned before the read began
 * and any part of those running concurrently: two exact reads one after
 * the other never go down while the updates are increments, and a read
 * after the updates stopped (and is ordered after them, e.g. by joining
 * the updating threads) returns the exact sum.
 *
 * Mapped counters (%MKREP_COUNTER_MAP, write-mostly only): the replicas
 * are slots (&struct mkrep_counter_slot) in pages that the counter's file
 * maps into the process (mmap() of &mkrep_counter_info.map_size bytes at
 * %MKREP_COUNTER_MAP_OFFSET, shared, writable, never executable), one a
 * possible CPU, %MKREP_COUNTER_SLOT_SIZE bytes apart, the slot of CPU c
 * at c * %MKREP_COUNTER_SLOT_SIZE.  Whoever writes the slot of CPU c runs
 * on CPU c and cannot be interleaved with another writer of it there:
 *
 * - a thread of the process adds to @count, or reads, inside a
 *   restartable sequence (rseq(2)) on the slot of rseq's @cpu_id, which
 *   the kernel restarts when it preempts or migrates the thread or
 *   delivers it a signal before the sequence's last store: an update is
 *   a load and a store of its CPU's slot and happens once, on the CPU the
 *   thread ran on when it committed, whatever moved the thread meanwhile;
 * - %MKREP_IOC_COUNTER_ADD and %MKREP_IOC_COUNTER_READ, the way for a
 *   thread without rseq registered, change and read the same slots with
 *   preemption off; the two ways mix freely.
 *
 * A thread without rseq must not write a slot itself, not even with an
 * atomic instruction: a sequence on that slot's CPU would store over it.
 * The slots are the count: whatever the process writes into them is what
 * the counter holds (sums wrap as two's complement); the kernel adds them
 * up and never trusts them for anything else.  The mapping keeps the
 * counter alive after its descriptor is closed, and fork() shares it.
 */

/* &mkrep_counter_create.mode */
#define MKREP_COUNTER_WRITE_MOSTLY	0
#define MKREP_COUNTER_READ_MOSTLY	1
#define MKREP_COUNTER_SLOPPY		2
#define MKREP_NR_COUNTER_MODES		3

/* The most spare references a CPU keeps in a sloppy counter. */
#define MKREP_COUNTER_SPARE_MAX		32

/* &mkrep_counter_create.flags */
#define MKREP_COUNTER_CLOEXEC	(1U << 0)	/* the counter fd is O_CLOEXEC */
#define MKREP_COUNTER_MAP	(1U << 1)	/* replicas in mappable slots */

/* The offset of a mapped counter's slots in its file. */
#define MKREP_COUNTER_MAP_OFFSET	0

/* The bytes from one CPU's slot to the next: two lines of 64 bytes. */
#define MKREP_COUNTER_SLOT_SIZE		128

/**
 * struct mkrep_counter_slot - a CPU's replica of a mapped counter
 * @count: the sum of the updates made on this CPU.
 * @base: the total that the latest exact read on this CPU found, less
 *	@count as that read counted it: a local read on this CPU is
 *	@base + @count, and an exact read stores @base last.
 * @__unused: keeps the next CPU's slot off this one's lines.
 *
 * Written only from its CPU, by a restartable sequence or by the kernel
 * (see "Mapped counters" above); read from any CPU.
 */
struct mkrep_counter_slot {
	__s64 count;
	__s64 base;
	__u64 __unused[14];
};

/**
 * struct mkrep_counter_create - make a counter
 * @size: in: sizeof(struct mkrep_counter_create); out: the kernel's.
 * @flags: in: %MKREP_COUNTER_CLOEXEC, %MKREP_COUNTER_MAP (with
 *	%MKREP_COUNTER_WRITE_MOSTLY only), both or 0.
 * @mode: in: %MKREP_COUNTER_WRITE_MOSTLY, %MKREP_COUNTER_READ_MOSTLY or
 *	%MKREP_COUNTER_SLOPPY.
 * @fd: out: the counter's file descriptor.
 * @__reserved: must be zero.
 *
 * Argument of %MKREP_IOC_COUNTER_CREATE on /dev/mkrep.  The counter
 * starts at zero and lives until its last file descriptor is closed.
 */
struct mkrep_counter_create {
	__u32 size;
	__u32 flags;
	__u32 mode;
	__s32 fd;
	__u64 __reserved[2];
};

#define MKREP_COUNTER_CREATE_SIZE_VER0	32

/**
 * struct mkrep_counter_add - add to a counter on the calling CPU
 * @size: in only: sizeof(struct mkrep_counter_add); never written back.
 * @flags: in: must be zero.
 * @delta: in: the value to add, negative to subtract.
 * @__reserved: must be zero.
 *
 * Argument of %MKREP_IOC_COUNTER_ADD, an input-only command: the kernel
 * reads the struct and writes nothing back, so it may be const, in
 * read-only memory, or shared by threads that add at once.
 */
struct mkrep_counter_add {
	__u32 size;
	__u32 flags;
	__s64 delta;
	__u64 __reserved[2];
};

#define MKREP_COUNTER_ADD_SIZE_VER0	32

/* &mkrep_counter_read.flags */
#define MKREP_COUNTER_EXACT	(1U << 0)	/* gather every replica */

/**
 * struct mkrep_counter_read - read a counter on the calling CPU
 * @size: in: sizeof(struct mkrep_counter_read); out: the kernel's.
 * @flags: in: %MKREP_COUNTER_EXACT for an exact read, 0 for a local one.
 * @value: out: the value.
 * @cpu: out: the CPU whose replica answered.
 * @__pad: must be zero.
 * @__reserved: must be zero.
 */
struct mkrep_counter_read {
	__u32 size;
	__u32 flags;
	__s64 value;
	__u32 cpu;
	__u32 __pad;
	__u64 __reserved[2];
};

#define MKREP_COUNTER_READ_SIZE_VER0	40

/**
 * struct mkrep_counter_info - what a counter is and how to map it
 * @size: in: sizeof(struct mkrep_counter_info); out: the kernel's.
 * @flags: in: must be zero.
 * @mode: out: the counter's &mkrep_counter_create.mode.
 * @nr_slots: out: a mapped counter's slots, one a possible CPU (every
 *	CPU number rseq(2) may report is below it); 0 if it is not mapped.
 * @slot_size: out: %MKREP_COUNTER_SLOT_SIZE; 0 if it is not mapped.
 * @__pad: must be zero.
 * @map_size: out: the length to mmap() at %MKREP_COUNTER_MAP_OFFSET,
 *	whole pages; 0 if the counter is not mapped.
 * @__reserved: must be zero.
 */
struct mkrep_counter_info {
	__u32 size;
	__u32 flags;
	__u32 mode;
	__u32 nr_slots;
	__u32 slot_size;
	__u32 __pad;
	__u64 map_size;
	__u64 __reserved[2];
};

#define MKREP_COUNTER_INFO_SIZE_VER0	48

/**
 * define MKREP_IOC_COUNTER_CREATE - make a counter
 *
 * On /dev/mkrep; takes a &struct mkrep_counter_create.  Errors: EINVAL
 * (bad @size, flags or mode, %MKREP_COUNTER_MAP with a mode other than
 * write-mostly, non-zero reserved field), E2BIG, EFAULT, ENOMEM, EMFILE,
 * ENFILE.
 */
#define MKREP_IOC_COUNTER_CREATE MKCHAN_IOWR_V1(0x46, 32)	/* 0xC020B846 */

/**
 * define MKREP_IOC_COUNTER_ADD - add to a counter
 *
 * On a counter; takes a &struct mkrep_counter_add, which it only reads.
 * Errors: EINVAL, E2BIG, EFAULT.
 */
#define MKREP_IOC_COUNTER_ADD	MKCHAN_IOWR_V1(0x47, 32)	/* 0xC020B847 */

/**
 * define MKREP_IOC_COUNTER_READ - read a counter
 *
 * On a counter; takes a &struct mkrep_counter_read.  Errors: EINVAL,
 * E2BIG, EFAULT.
 */
#define MKREP_IOC_COUNTER_READ	MKCHAN_IOWR_V1(0x48, 40)	/* 0xC028B848 */

/**
 * define MKREP_IOC_COUNTER_INFO - describe a counter
 *
 * On a counter; takes a &struct mkrep_counter_info.  Errors: EINVAL,
 * E2BIG, EFAULT.  mmap() of a counter fails with ENODEV if it is not
 * mapped, EINVAL for another offset or length than the info's or a
 * private mapping, EACCES for PROT_EXEC, ENOMEM.
 */
#define MKREP_IOC_COUNTER_INFO	MKCHAN_IOWR_V1(0x4d, 48)	/* 0xC030B84D */

/*
 * Retired by version 3 of the ABI and never used again: 0xC038B849
 * (COUNTER_BENCH, a benchmark that belongs to no user; mkbench has a
 * module of its own for it).  A counter answers it ENOTTY.
 */

#endif /* _UAPI_LINUX_MKREP_H */
