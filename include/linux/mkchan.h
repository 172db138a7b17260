/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkchan - in-kernel API of the URPC channel module, for other modules
 * (mkrep).  Every function here is exported with EXPORT_SYMBOL_GPL.
 */
#ifndef _LINUX_MKCHAN_H
#define _LINUX_MKCHAN_H

#include <uapi/linux/mkchan.h>

int mkchan_describe(struct mkchan_query *q);

#endif /* _LINUX_MKCHAN_H */
