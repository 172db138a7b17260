/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libmkchan - the inline fast paths of libmkchan.h as the library's own
 * functions too, for bindings of other languages: msg.c alone includes
 * this, with MKCHAN_STATIC defined empty, so that these declarations (not
 * inline) make its inline definitions external ones.
 */
#ifndef _LIBMKCHAN_FASTPATH_H
#define _LIBMKCHAN_FASTPATH_H

#include "internal.h"

int mkchan_put(struct mkchan_ep *ep, unsigned int type,
	       const void *data, size_t len);
int mkchan_flush(struct mkchan_ep *ep);
int mkchan_send(struct mkchan_ep *ep, unsigned int type,
		const void *data, size_t len);
int mkchan_peek(struct mkchan_ep *ep, struct mkchan_msg *msg,
		unsigned int max);
int mkchan_peek_at(struct mkchan_ep *ep, unsigned int k,
		   struct mkchan_msg *msg);
bool mkchan_ready(const struct mkchan_ep *ep);
int mkchan_consume(struct mkchan_ep *ep, unsigned int n);
int mkchan_try_recv(struct mkchan_ep *ep, unsigned int *type,
		    void *data, size_t *len);

#endif /* _LIBMKCHAN_FASTPATH_H */
