/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mkchan - multikernel-style URPC message channels between CPUs.
 *
 * User ABI of the character device /dev/mkchan.
 *
 * Conventions shared by every ioctl of mkchan and mkrep:
 *
 * - Every argument struct starts with a __u32 @size that the caller sets
 *   to the size of the struct it was compiled with, followed by a __u32
 *   @flags.  A @size below the first published version of the struct, or
 *   above the page size, fails with EINVAL.  A larger @size than the kernel
 *   knows is accepted when the bytes the kernel does not know are zero and
 *   fails with E2BIG otherwise (the rule of copy_struct_from_user()).
 * - On return a command with outputs writes back at most @size bytes and
 *   sets @size to the size of the struct it knows, so a caller can tell
 *   which output fields were filled.  An input-only command
 *   (MKREP_IOC_COUNTER_ADD) writes nothing back, @size included, so its
 *   argument may be const, read-only or shared between threads.
 * - Unknown bits in @flags and non-zero reserved fields fail with EINVAL.
 *   Reserved fields are zero on output.
 * - A command is matched on the type, number and direction of its ioctl
 *   number; the size encoded in it (_IOC_SIZE()) is ignored, and where it
 *   and @size disagree, @size wins.  A command without an argument
 *   (_IO()) is matched on its whole number.  Anything else fails with
 *   ENOTTY.
 *
 * The ioctl numbers are frozen: those of version 1 of the ABI, below,
 * never change.  Each encodes the size its struct had when the numbers
 * were frozen, written as a constant (MKCHAN_IOWR_V1()), never as sizeof()
 * of the struct.  A struct grows only at its end, by fields whose zero
 * value means what the older struct meant; it gets a new *_SIZE_VERn and
 * keeps its command number.  A new command takes a new number, defined
 * alike with the size of its first struct.  A binary built against an
 * older header, whose numbers may encode an older size (MKREP_IOC_QUERY
 * was 0xC028B840 until struct mkrep_query grew from 40 to 48 bytes),
 * reaches the same command with its older @size.
 */
#ifndef _UAPI_LINUX_MKCHAN_H
#define _UAPI_LINUX_MKCHAN_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Version of this ABI; bumped on every incompatible change. */
#define MKCHAN_ABI_VERSION	1

/*
 * The ioctl type shared by mkchan (numbers 0x00-0x3f) and mkrep
 * (numbers 0x40-0x7f).  Unassigned in ioctl-number.rst in Linux 6.1; 6.12
 * assigns 0xB8 numbers 0x01-0x02 to the Marvell CN10K DPI driver
 * (uapi/misc/mrvl_cn10k_dpi.h), as _IOW() on a device of its own: the
 * numbers differ from ours in their direction bits, and each driver sees
 * only its own device's ioctls.  Frozen with the rest of version 1.
 */
#define MKCHAN_IOC_MAGIC	0xB8

/**
 * MKCHAN_IOWR_V1() - the frozen number of a command that takes a struct
 * @nr: the command's number under %MKCHAN_IOC_MAGIC
 * @size: the size of its struct in version 1 of the ABI: a constant that
 *	never changes, not sizeof() of the struct, which may grow
 *
 * _IOWR(%MKCHAN_IOC_MAGIC, @nr, a struct of @size bytes).
 */
#define MKCHAN_IOWR_V1(nr, size)					\
	_IOC(_IOC_READ | _IOC_WRITE, MKCHAN_IOC_MAGIC, (nr), (size))

/* Bits of &mkchan_query.features: what this module implements. */
#define MKCHAN_FEAT_QUERY	(1U << 0)	/* MKCHAN_IOC_QUERY */
#define MKCHAN_FEAT_CPU_INFO	(1U << 1)	/* MKCHAN_IOC_CPU_INFO */
#define MKCHAN_FEAT_CHANNELS	(1U << 2)	/* MKCHAN_IOC_CREATE and endpoints */
/* poll() honours MKCHAN_CTL_MEMBARRIER (see "Light senders" below) */
#define MKCHAN_FEAT_LIGHT_SENDERS (1U << 3)

/**
 * struct mkchan_query - the module's ABI, limits and the machine it sees
 * @size: in: sizeof(struct mkchan_query) as the caller knows it;
 *	out: the size the kernel knows.
 * @flags: in: must be zero.
 * @abi_version: out: %MKCHAN_ABI_VERSION of the loaded module.
 * @features: out: the %MKCHAN_FEAT_* bits the module implements.
 * @nr_cpu_ids: out: one more than the highest possible CPU number.
 * @nr_possible_cpus: out: number of CPUs in cpu_possible_mask.
 * @nr_online_cpus: out: number of CPUs online at the time of the call.
 * @nr_possible_nodes: out: number of NUMA nodes that can ever be online.
 * @nr_online_nodes: out: number of NUMA nodes online at the time of the call.
 * @cache_line_size: out: the cache line size in bytes the kernel uses for
 *	alignment; one ring slot is one such line.
 * @page_size: out: the page size in bytes, the unit of every mapping.
 * @max_slots: out: the largest number of slots of one ring (module
 *	parameter ``max_slots``).
 * @max_channels_per_user: out: the largest number of channels one user may
 *	hold at once (module parameter ``max_channels_per_user``).
 * @__reserved0: must be zero.
 * @__reserved: must be zero.
 *
 * Argument of %MKCHAN_IOC_QUERY.  Output fields are ignored on input.
 */
struct mkchan_query {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 features;
	__u32 nr_cpu_ids;
	__u32 nr_possible_cpus;
	__u32 nr_online_cpus;
	__u32 nr_possible_nodes;
	__u32 nr_online_nodes;
	__u32 cache_line_size;
	__u32 page_size;
	__u32 max_slots;
	__u32 max_channels_per_user;
	__u32 __reserved0;
	__u64 __reserved[2];
};

#define MKCHAN_QUERY_SIZE_VER0	72	/* sizeof first published struct */

/* Bits of &mkchan_cpu_info.state. */
#define MKCHAN_CPU_POSSIBLE	(1U << 0)
#define MKCHAN_CPU_PRESENT	(1U << 1)
#define MKCHAN_CPU_ONLINE	(1U << 2)

/**
 * struct mkchan_cpu_info - one CPU as the module sees it
 * @size: in: sizeof(struct mkchan_cpu_info) as the caller knows it;
 *	out: the size the kernel knows.
 * @flags: in: must be zero.
 * @cpu: in: the CPU number; must be a possible CPU, else EINVAL.
 * @state: out: %MKCHAN_CPU_POSSIBLE, %MKCHAN_CPU_PRESENT and
 *	%MKCHAN_CPU_ONLINE bits at the time of the call.
 * @node: out: the NUMA node of the CPU (cpu_to_node()); the node its
 *	receive rings are placed on.
 * @package_id: out: physical package (socket) of the CPU.
 * @die_id: out: die of the CPU within its package.
 * @core_id: out: core of the CPU within its die.
 * @__reserved: must be zero.
 *
 * Argument of %MKCHAN_IOC_CPU_INFO.  The topology of an offline CPU is
 * the one it had when it was last online; of a CPU not online since the
 * module was loaded, the kernel's present view of it.
 */
struct mkchan_cpu_info {
	__u32 size;
	__u32 flags;
	__u32 cpu;
	__u32 state;
	__u32 node;
	__u32 package_id;
	__u32 die_id;
	__u32 core_id;
	__u64 __reserved[2];
};

#define MKCHAN_CPU_INFO_SIZE_VER0	48	/* sizeof first published struct */

/*
 * Channels
 * ========
 *
 * A channel joins two endpoints, 0 and 1, each bound to a CPU.  It has two
 * rings: ring i carries messages from endpoint i to endpoint 1 - i, and is
 * allocated on the NUMA node of its receiving endpoint's CPU.  A ring is an
 * array of slots, a power of two of them; one slot is one cache line and
 * carries one message of up to 56 bytes.
 *
 * Positions.  Messages of a ring are numbered 0, 1, 2, ... from the
 * creation of the channel: message p goes into slot p & (nslots - 1), and
 * its header carries the sequence number (__u32)(p + 1).  The sender keeps
 * its tail (next message to write) and the receiver its head (next message
 * to read) in private memory; neither is written to shared memory on every
 * message.
 *
 * Sending message p (the sender's side of the contract):
 *   1. it may write slot p & (nslots - 1) only while p - head < nslots,
 *      where head is the last value the receiver published (credits: the
 *      sender re-reads the published head only when it runs out);
 *   2. it writes the payload, then the header with release semantics
 *      (smp_store_release()): the header is the last store to the slot;
 *   3. if it may need to wake the receiver, it executes a full barrier
 *      (smp_mb()) and then reads the receiver's `waiting` flag; if the flag
 *      is set it calls MKCHAN_IOC_NOTIFY.  The barrier may be a compiler
 *      barrier alone (a "light" sender) when the receiver's control line
 *      has MKCHAN_CTL_MEMBARRIER and the sender's process has registered
 *      with membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED): see
 *      "Light senders" below.
 *
 * Receiving message p (the receiver's side):
 *   1. it reads the header of slot p & (nslots - 1) once, with acquire
 *      semantics (smp_load_acquire()); the message is there when the
 *      sequence is (__u32)(p + 1);
 *   2. it copies the payload, then advances its head;
 *   3. it publishes its head (mkchan_ctl.pos, release) at least every
 *      nslots / 4 messages and before its endpoint sleeps or blocks,
 *      whether for a message, for room on the other ring or for anything
 *      else (a side that blocks while it holds back room its peer waits
 *      for may wait forever); after publishing it executes a full barrier
 *      and reads the sender's `waiting` flag, and calls MKCHAN_IOC_NOTIFY
 *      if it is set.  When the thread that publishes is not the receiving
 *      thread, it publishes the head the receiving thread stored (the
 *      receiver stores it with release once done with the slots below it)
 *      with a compare-and-exchange that only moves the published head
 *      forward, and the full barrier follows the exchange.  The kernel's
 *      own receivers publish before they return.
 *
 * Each endpoint has a control line for each ring (struct mkchan_ctl): the
 * one of the ring it sends on holds its tail and its `waiting` flag that
 * means "waiting for room"; the one of the ring it receives from holds its
 * head and the flag that means "waiting for a message".  The receiver
 * must publish its head as above; the sender publishes its tail only
 * before it sleeps (poll() reads it).  Only an endpoint writes the slots
 * it sends on: a new driver of the endpoint (a second mapping, once the
 * first stopped) may take them as the truth, from the receiver's
 * published head on, for the tail that the published one lags behind.
 * What was received past the last published head is received again.
 *
 * Sleeping (either side, each direction on its own): hand back the room
 * received messages freed (3. above), publish the position
 * of that direction, set its `waiting` flag, full barrier, check again for
 * a message (or for room); only if there is none, poll() the endpoint.
 * The barriers on both sides make it impossible for both to miss each
 * other, so no wake-up is lost, and a peer that never sleeps is never
 * notified: a sender to a polling receiver makes no system call.  The
 * flag is cleared by the kernel alone, just before it wakes the side (on
 * MKCHAN_IOC_NOTIFY from the peer, or when a kernel-driven peer sends or
 * makes room); a side leaves its flag alone when it wakes.  poll() sets
 * the flag of each event it waits for, each time it looks, and so do
 * read(2) and write(2) when they drain the ring (EAGAIN, or a short
 * count): several threads may
 * wait on one endpoint, none can take back another's announcement, and
 * edge-triggered epoll hears of the next event.  A flag left set by a
 * side that stopped waiting costs its peer one MKCHAN_IOC_NOTIFY.
 *
 * Light senders.  The full barrier of a sender is a locked instruction
 * per message (or per batch), paid whether or not the receiver ever
 * sleeps.  A receiver may take the whole cost of the exchange on itself:
 * it sets MKCHAN_CTL_MEMBARRIER in the `flags` of its control line, and
 * from then on, each time it goes to sleep, it sets its `waiting` flag and
 * calls membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) before it looks again.
 * That call runs a full barrier on every CPU that runs a thread of a
 * registered process, so a registered sender's header store and its read
 * of `waiting` cannot both miss the receiver's store and look: either the
 * sender reads the flag after that barrier (and sees it set), or its
 * header was visible before the receiver looked.  The price is the
 * receiver's: an interrupt to each CPU running a registered process, each
 * time it goes to sleep.  The bit is set once and never cleared; a
 * process that cannot call membarrier() must not drive a receiver that
 * has it.  For such a receiver, poll() never sets `waiting` itself: when
 * it finds the flag clear (a wake-up cleared it since the receiver set
 * it), it reports EPOLLIN, and the receiver announces again, with its
 * membarrier().  The kernel's own endpoints never set the bit, and the
 * kernel as a sender always executes the full barrier.  Only the
 * direction of messages is light: a receiver publishing its head, and a
 * sender waiting for room, keep their full barriers.  A module that
 * honours the bit in poll() says so with MKCHAN_FEAT_LIGHT_SENDERS; on
 * one that does not, a receiver must not set it.
 *
 * Closing: the kernel sets the `closed` bit of the channel status when an
 * endpoint is released, after everything its side wrote; a receiver that
 * sees the bit looks at the ring once more (as libmkchan does) before it
 * concludes that nothing more will come.
 *
 * A header whose sequence is neither the expected one nor that of the
 * previous lap (zero before the first lap), or whose length or reserved
 * bits are out of range, is corrupt.  The kernel reads every header and
 * published position once and bounds-checks it; on corrupt shared memory
 * it marks the channel broken and fails with EBADMSG.  Only the channel
 * whose memory was scribbled on is affected.
 */

#define MKCHAN_SLOT_SIZE	64	/* bytes of one slot: one cache line */
#define MKCHAN_PAYLOAD_MAX	56	/* bytes of payload in one slot */
#define MKCHAN_MIN_SLOTS	64	/* one page of slots */

/* Bits of mkchan_slot.header. */
#define MKCHAN_HDR_SEQ_MASK	0xffffffffULL	/* bits 0-31: sequence */
#define MKCHAN_HDR_LEN_SHIFT	32		/* bits 32-39: payload bytes */
#define MKCHAN_HDR_TYPE_SHIFT	40		/* bits 40-47: type, free for users */
#define MKCHAN_HDR_RSVD_MASK	0xffff000000000000ULL	/* bits 48-63: zero */

/**
 * struct mkchan_slot - one message, one cache line
 * @data: the payload; only the first (header >> MKCHAN_HDR_LEN_SHIFT) & 0xff
 *	bytes are meaningful.
 * @header: sequence, length and type; written last, with release semantics.
 *
 * Also the unit of read(2) and write(2) on an endpoint: a buffer of whole
 * slots.  On write the sequence bits must be zero (the kernel fills them);
 * on read they hold the message's sequence.
 */
struct mkchan_slot {
	__u8 data[MKCHAN_PAYLOAD_MAX];
	__u64 header;
};

/**
 * struct mkchan_ctl - a side's published state for one ring
 * @pos: the sender's tail or the receiver's head, published as described
 *	above (release); a free-running count of messages.
 * @waiting: non-zero while the side is going to sleep or sleeping: the peer
 *	must call MKCHAN_IOC_NOTIFY after its next publication.
 * @flags: zero, or in a receiver's control line %MKCHAN_CTL_MEMBARRIER
 *	(see "Light senders" above); set by the side, never by the kernel.
 * @__unused: zero.
 *
 * Each control line sits alone at the start of its own page, writable only
 * by its side.
 */
struct mkchan_ctl {
	__u64 pos;
	__u32 waiting;
	__u32 flags;
	__u64 __unused[6];
};

/*
 * Bit of mkchan_ctl.flags: this receiver calls membarrier(MEMBARRIER_CMD_
 * GLOBAL_EXPEDITED) between setting `waiting` and its last look.
 */
#define MKCHAN_CTL_MEMBARRIER	(1U << 0)

/* Bits of mkchan_status.closed and of mkchan_status.broken. */
#define MKCHAN_STATUS_EP(i)	(1U << (i))

/**
 * struct mkchan_status - the channel's state, written only by the kernel
 * @closed: MKCHAN_STATUS_EP(i) is set once endpoint i has been closed.
 * @broken: MKCHAN_STATUS_EP(i) is set once the kernel found ring i (the
 *	ring endpoint i sends on) corrupt.
 */
struct mkchan_status {
	__u32 closed;
	__u32 broken;
};

/* Flags of MKCHAN_IOC_CREATE. */
#define MKCHAN_CREATE_NOCLOEXEC	(1U << 0)	/* endpoints without O_CLOEXEC */
#define MKCHAN_CREATE_NONBLOCK	(1U << 1)	/* endpoints with O_NONBLOCK */

/**
 * struct mkchan_create - make a channel between two CPUs
 * @size: in: sizeof(struct mkchan_create) as the caller knows it;
 *	out: the size the kernel knows.
 * @flags: in: %MKCHAN_CREATE_NOCLOEXEC, %MKCHAN_CREATE_NONBLOCK.
 * @cpu: in: the CPUs of endpoint 0 and endpoint 1 (may be equal).
 * @nslots: in: slots of each ring: a power of two, at least
 *	%MKCHAN_MIN_SLOTS and at most &mkchan_query.max_slots.
 * @fd: out: file descriptors of endpoint 0 and endpoint 1.
 * @__reserved0: must be zero.
 * @__reserved: must be zero.
 *
 * Argument of %MKCHAN_IOC_CREATE.
 */
struct mkchan_create {
	__u32 size;
	__u32 flags;
	__u32 cpu[2];
	__u32 nslots;
	__s32 fd[2];
	__u32 __reserved0;
	__u64 __reserved[2];
};

#define MKCHAN_CREATE_SIZE_VER0	48	/* sizeof first published struct */

/* Bits of mkchan_ep_info.state. */
#define MKCHAN_EP_PEER_CLOSED	(1U << 0)	/* the other endpoint is closed */
#define MKCHAN_EP_BROKEN	(1U << 1)	/* corrupt shared memory seen */
#define MKCHAN_EP_MAPPED	(1U << 2)	/* driven through mmap now */

/* mmap offsets of an endpoint's two views. */
#define MKCHAN_MMAP_RW		0x0ULL
#define MKCHAN_MMAP_RO		0x10000000ULL

/**
 * struct mkchan_ep_info - an endpoint and the layout of its mappings
 * @size: in: sizeof(struct mkchan_ep_info) as the caller knows it;
 *	out: the size the kernel knows.
 * @flags: in: must be zero.
 * @index: out: 0 or 1, which endpoint of its channel this is.
 * @cpu: out: the CPU the endpoint is bound to.
 * @peer_cpu: out: the CPU of the other endpoint.
 * @nslots: out: slots of each ring.
 * @tx_node: out: NUMA node of the ring this endpoint sends on (the node of
 *	@peer_cpu).
 * @rx_node: out: NUMA node of the ring this endpoint receives from (the
 *	node of @cpu).
 * @state: out: %MKCHAN_EP_PEER_CLOSED, %MKCHAN_EP_BROKEN, %MKCHAN_EP_MAPPED.
 * @__reserved0: must be zero.
 * @rw_offset: out: mmap offset of the writable view (%MKCHAN_MMAP_RW).
 * @rw_size: out: its exact length in bytes.
 * @ro_offset: out: mmap offset of the read-only view (%MKCHAN_MMAP_RO).
 * @ro_size: out: its exact length in bytes.
 * @tx_slots: out: offset in the writable view of the slots this endpoint
 *	sends into.
 * @tx_ctl: out: offset in the writable view of this endpoint's
 *	&struct mkchan_ctl as sender.
 * @rx_ctl: out: offset in the writable view of this endpoint's
 *	&struct mkchan_ctl as receiver.
 * @rx_slots: out: offset in the read-only view of the slots this endpoint
 *	receives from.
 * @rx_peer_ctl: out: offset in the read-only view of the peer's
 *	&struct mkchan_ctl as sender on the ring this endpoint receives from.
 * @tx_peer_ctl: out: offset in the read-only view of the peer's
 *	&struct mkchan_ctl as receiver on the ring this endpoint sends on.
 * @status: out: offset in the read-only view of &struct mkchan_status.
 * @__reserved: must be zero.
 *
 * Argument of %MKCHAN_IOC_EP_INFO, on an endpoint.
 */
struct mkchan_ep_info {
	__u32 size;
	__u32 flags;
	__u32 index;
	__u32 cpu;
	__u32 peer_cpu;
	__u32 nslots;
	__u32 tx_node;
	__u32 rx_node;
	__u32 state;
	__u32 __reserved0;
	__u64 rw_offset;
	__u64 rw_size;
	__u64 ro_offset;
	__u64 ro_size;
	__u64 tx_slots;
	__u64 tx_ctl;
	__u64 rx_ctl;
	__u64 rx_slots;
	__u64 rx_peer_ctl;
	__u64 tx_peer_ctl;
	__u64 status;
	__u64 __reserved[2];
};

#define MKCHAN_EP_INFO_SIZE_VER0	144	/* sizeof first published struct */

/**
 * define MKCHAN_IOC_QUERY - describe the module and the machine
 *
 * Takes a &struct mkchan_query.  Errors: EFAULT (bad pointer), EINVAL
 * (bad @size, unknown @flags, non-zero reserved field), E2BIG (larger
 * struct with unknown non-zero fields).
 */
#define MKCHAN_IOC_QUERY	MKCHAN_IOWR_V1(0x00, 72)	/* 0xC048B800 */

/**
 * define MKCHAN_IOC_CPU_INFO - describe one CPU
 *
 * Takes a &struct mkchan_cpu_info.  Errors: those of %MKCHAN_IOC_QUERY,
 * and EINVAL when @cpu is not a possible CPU.
 */
#define MKCHAN_IOC_CPU_INFO	MKCHAN_IOWR_V1(0x01, 48)	/* 0xC030B801 */

/**
 * define MKCHAN_IOC_CREATE - make a channel; on /dev/mkchan
 *
 * Takes a &struct mkchan_create and returns two endpoint file descriptors
 * in @fd.  Errors: those of %MKCHAN_IOC_QUERY; EINVAL for a CPU that is not
 * possible or a bad @nslots; ENODEV for a CPU that is offline; EDQUOT when
 * the caller's user holds max_channels_per_user channels; EMFILE/ENFILE
 * when no file descriptor is left; ENOMEM.
 */
#define MKCHAN_IOC_CREATE	MKCHAN_IOWR_V1(0x02, 48)	/* 0xC030B802 */

/**
 * define MKCHAN_IOC_NOTIFY - wake the peer endpoint; on an endpoint
 *
 * Wakes whoever sleeps on the other endpoint (in poll(), read() or
 * write()).  Called by a side after it published a message or its head
 * and found the peer's `waiting` flag set.  Errors: EPIPE when the peer
 * endpoint is closed; ENOTTY on /dev/mkchan.
 */
#define MKCHAN_IOC_NOTIFY	_IO(MKCHAN_IOC_MAGIC, 0x10)	/* 0x0000B810 */

/**
 * define MKCHAN_IOC_EP_INFO - describe an endpoint; on an endpoint
 *
 * Takes a &struct mkchan_ep_info.  Errors: those of %MKCHAN_IOC_QUERY.
 */
#define MKCHAN_IOC_EP_INFO	MKCHAN_IOWR_V1(0x11, 144)	/* 0xC090B811 */

#endif /* _UAPI_LINUX_MKCHAN_H */
