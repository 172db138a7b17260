// SPDX-License-Identifier: GPL-2.0
/*
 * A selftest that fails, for the runner's own tests (make check-runner):
 * make check must report it and exit non-zero.
 */
#include "kselftest_harness.h"

TEST(passes)
{
	EXPECT_EQ(1, 1);
}

/* The message on a line of its own, as most of the project's are. */
TEST(fails)
{
	EXPECT_EQ(1, 2)
		TH_LOG("injected failure");
}

TEST_HARNESS_MAIN
