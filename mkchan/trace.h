/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkchan - trace events of the kernel's side of the channels.
 *
 * Messages that user space sends and receives through its mapping never
 * enter the kernel and are not traced; NOTIFY calls are.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mkchan

#if !defined(_MKCHAN_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MKCHAN_TRACE_H

#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(mkchan_msg,
	TP_PROTO(unsigned int chan, unsigned int ep, u64 pos,
		 unsigned int type, unsigned int len),
	TP_ARGS(chan, ep, pos, type, len),
	TP_STRUCT__entry(
		__field(unsigned int, chan)
		__field(unsigned int, ep)
		__field(u64, pos)
		__field(unsigned int, type)
		__field(unsigned int, len)
	),
	TP_fast_assign(
		__entry->chan = chan;
		__entry->ep = ep;
		__entry->pos = pos;
		__entry->type = type;
		__entry->len = len;
	),
	TP_printk("chan=%u ep=%u pos=%llu type=%u len=%u", __entry->chan,
		  __entry->ep, __entry->pos, __entry->type, __entry->len)
);

/* A kernel-driven endpoint sent message @pos. */
DEFINE_EVENT(mkchan_msg, mkchan_send,
	TP_PROTO(unsigned int chan, unsigned int ep, u64 pos,
		 unsigned int type, unsigned int len),
	TP_ARGS(chan, ep, pos, type, len)
);

/* A kernel-driven endpoint received message @pos. */
DEFINE_EVENT(mkchan_msg, mkchan_recv,
	TP_PROTO(unsigned int chan, unsigned int ep, u64 pos,
		 unsigned int type, unsigned int len),
	TP_ARGS(chan, ep, pos, type, len)
);

/* Endpoint @ep woke its peer (MKCHAN_IOC_NOTIFY or the kernel's send). */
TRACE_EVENT(mkchan_notify,
	TP_PROTO(unsigned int chan, unsigned int ep),
	TP_ARGS(chan, ep),
	TP_STRUCT__entry(
		__field(unsigned int, chan)
		__field(unsigned int, ep)
	),
	TP_fast_assign(
		__entry->chan = chan;
		__entry->ep = ep;
	),
	TP_printk("chan=%u ep=%u", __entry->chan, __entry->ep)
);

#endif /* _MKCHAN_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
