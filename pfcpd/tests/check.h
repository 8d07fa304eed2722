/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The unit tests' one assertion: count it, and on failure say where and
 * what, then go on with the next check.
 */
#ifndef PFCPD_TESTS_CHECK_H
#define PFCPD_TESTS_CHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond, ...)						\
do {									\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL: %s:%d: %s: ", __FILE__, __LINE__, #cond);	\
		printf(__VA_ARGS__);					\
		putchar('\n');						\
	}								\
} while (0)

/* The last line of a test program, and its exit status. */
static inline int check_summary(const char *name)
{
	printf("%s: %s: %d checks, %d failed\n", failures ? "FAIL" : "PASS",
	       name, checks, failures);
	return failures ? 1 : 0;
}

#endif
