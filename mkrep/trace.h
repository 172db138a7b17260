/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkrep - trace events of operations: the messages members send and
 * receive, and the changes they make to their own replicas.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mkrep

#if !defined(_MKREP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MKREP_TRACE_H

#include <linux/tracepoint.h>
#include <uapi/linux/mkrep.h>

#include "internal.h"

DECLARE_EVENT_CLASS(mkrep_msg,
	TP_PROTO(u64 op_id, unsigned int from, unsigned int to,
		 unsigned int kind, unsigned int flags),
	TP_ARGS(op_id, from, to, kind, flags),
	TP_STRUCT__entry(
		__field(u64, op_id)
		__field(unsigned int, from)
		__field(unsigned int, to)
		__field(unsigned int, kind)
		__field(unsigned int, flags)
	),
	TP_fast_assign(
		__entry->op_id = op_id;
		__entry->from = from;
		__entry->to = to;
		__entry->kind = kind;
		__entry->flags = flags;
	),
	TP_printk("op=%llu from=%u to=%u %s flags=%#x", __entry->op_id,
		  __entry->from, __entry->to,
		  __print_symbolic(__entry->kind, { MKREP_MSG_REQ, "req" },
				   { MKREP_MSG_ACK, "ack" }),
		  __entry->flags)
);

/* Member @from sent a request or an acknowledgement of @op_id to @to. */
DEFINE_EVENT(mkrep_msg, mkrep_send,
	TP_PROTO(u64 op_id, unsigned int from, unsigned int to,
		 unsigned int kind, unsigned int flags),
	TP_ARGS(op_id, from, to, kind, flags)
);

/* Member @to took a message of @from out of its ring. */
DEFINE_EVENT(mkrep_msg, mkrep_recv,
	TP_PROTO(u64 op_id, unsigned int from, unsigned int to,
		 unsigned int kind, unsigned int flags),
	TP_ARGS(op_id, from, to, kind, flags)
);

/*
 * The member on @cpu applied operation @op_id to its replica, on @cpu;
 * @zap: it removed page-table entries (and flushed @cpu's TLB).
 */
TRACE_EVENT(mkrep_apply,
	TP_PROTO(u64 op_id, unsigned int cpu, unsigned int op, u64 first,
		 u64 npages, bool zap),
	TP_ARGS(op_id, cpu, op, first, npages, zap),
	TP_STRUCT__entry(
		__field(u64, op_id)
		__field(unsigned int, cpu)
		__field(unsigned int, op)
		__field(u64, first)
		__field(u64, npages)
		__field(bool, zap)
	),
	TP_fast_assign(
		__entry->op_id = op_id;
		__entry->cpu = cpu;
		__entry->op = op;
		__entry->first = first;
		__entry->npages = npages;
		__entry->zap = zap;
	),
	TP_printk("op=%llu cpu=%u %s first=%llu npages=%llu zap=%d",
		  __entry->op_id, __entry->cpu,
		  __print_symbolic(__entry->op, { MKREP_OP_MAP, "map" },
				   { MKREP_OP_UNMAP, "unmap" },
				   { MKREP_OP_PROTECT, "protect" }),
		  __entry->first, __entry->npages, __entry->zap)
);

#endif /* _MKREP_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
