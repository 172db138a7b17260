/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkrep - trace events of operations: the requests posted to members,
 * and each change of a replica, with who made it.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mkrep

#if !defined(_MKREP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MKREP_TRACE_H

#include <linux/tracepoint.h>
#include <uapi/linux/mkrep.h>

#include "internal.h"

/*
 * The CPU @from posted the request of @op_id to the member on @to;
 * @forward: passed on for a tree node's leader (by the leader, or by the
 * initiator for it), not asked by the initiator itself; @late: by the
 * initiator at a look of its gathering, the member's process having run
 * nowhere when it was asked, and running by then.
 */
TRACE_EVENT(mkrep_post,
	TP_PROTO(u64 op_id, unsigned int from, unsigned int to, bool forward,
		 bool late),
	TP_ARGS(op_id, from, to, forward, late),
	TP_STRUCT__entry(
		__field(u64, op_id)
		__field(unsigned int, from)
		__field(unsigned int, to)
		__field(bool, forward)
		__field(bool, late)
	),
	TP_fast_assign(
		__entry->op_id = op_id;
		__entry->from = from;
		__entry->to = to;
		__entry->forward = forward;
		__entry->late = late;
	),
	TP_printk("op=%llu from=%u to=%u forward=%d late=%d", __entry->op_id,
		  __entry->from, __entry->to, __entry->forward, __entry->late)
);

/*
 * Operation @op_id was applied to the replica of the member on @cpu, by
 * @path: the initiator to its own ("self"), the member asked by message
 * ("message"), or the initiator for it ("not_running", "fallback"); @zap:
 * page-table entries were removed, with the kernel's flush.
 */
TRACE_EVENT(mkrep_apply,
	TP_PROTO(u64 op_id, unsigned int cpu, unsigned int path,
		 unsigned int op, u64 first, u64 npages, bool zap),
	TP_ARGS(op_id, cpu, path, op, first, npages, zap),
	TP_STRUCT__entry(
		__field(u64, op_id)
		__field(unsigned int, cpu)
		__field(unsigned int, path)
		__field(unsigned int, op)
		__field(u64, first)
		__field(u64, npages)
		__field(bool, zap)
	),
	TP_fast_assign(
		__entry->op_id = op_id;
		__entry->cpu = cpu;
		__entry->path = path;
		__entry->op = op;
		__entry->first = first;
		__entry->npages = npages;
		__entry->zap = zap;
	),
	TP_printk("op=%llu cpu=%u path=%s %s first=%llu npages=%llu zap=%d",
		  __entry->op_id, __entry->cpu,
		  __print_symbolic(__entry->path,
				   { MKREP_PATH_SELF, "self" },
				   { MKREP_PATH_MESSAGE, "message" },
				   { MKREP_PATH_NOT_RUNNING, "not_running" },
				   { MKREP_PATH_FALLBACK, "fallback" }),
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
