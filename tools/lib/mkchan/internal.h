/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libmkchan - what the library's files share and its users do not see.
 */
#ifndef _LIBMKCHAN_INTERNAL_H
#define _LIBMKCHAN_INTERNAL_H

#include "libmkchan.h"

/* membarrier.c */
int mkchan_membarrier_setup(void);
int mkchan_membarrier(void);
void mkchan_light_setup(struct mkchan_ep *ep);

#endif /* _LIBMKCHAN_INTERNAL_H */
