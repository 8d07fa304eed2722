/* SPDX-License-Identifier: GPL-2.0-only */
/* gtpu: the command line's parser, kept apart from netlink for its tests. */
#ifndef GTPU_H
#define GTPU_H

#include <stdbool.h>
#include <stddef.h>

#include "libnfgtpu/libnfgtpu.h"

enum gtpu_cmd_kind {
	GTPU_SETUP,
	GTPU_TEARDOWN,
	GTPU_SHOW,
	GTPU_CTX_ADD,
	GTPU_CTX_MOD,
	GTPU_CTX_DEL,
	GTPU_CTX_LIST,
	GTPU_CTX_LOAD,
	GTPU_STATS,
};

struct gtpu_cmd {
	enum gtpu_cmd_kind kind;
	unsigned int gw_flags;		/* setup */
	const char *access_dev;		/* setup, teardown: the access node's */
	struct nfgtpu_ctx ctx;		/* ctx add, mod, del */
	const char *file;		/* ctx load */
	unsigned long batch;		/* ctx load: lines a transaction, 0: all */
	bool prometheus;		/* stats */
};

/* Parse one command (argv without "gtpu" and its options).  On error,
 * return -1 with a message naming the offending argument in err.
 */
int gtpu_parse(int argc, char **argv, struct gtpu_cmd *cmd, char *err,
	       size_t errlen);

/* Split a line into at most max words in place; -1 if there are more. */
int gtpu_split(char *line, char **argv, int max);

#endif /* GTPU_H */
