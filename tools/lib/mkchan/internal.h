/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libmkchan - what the library's files share and its users do not see.
 */
#ifndef _LIBMKCHAN_INTERNAL_H
#define _LIBMKCHAN_INTERNAL_H

#include "libmkchan.h"

#define MKCHAN_HIDDEN	__attribute__((visibility("hidden")))

/* membarrier.c */
MKCHAN_HIDDEN int mkchan_membarrier_setup(void);
MKCHAN_HIDDEN int mkchan_membarrier(void);

#endif /* _LIBMKCHAN_INTERNAL_H */
