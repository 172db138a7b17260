// SPDX-License-Identifier: GPL-2.0
/*
 * mkrep - the trace events of trace.h are defined here.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"
