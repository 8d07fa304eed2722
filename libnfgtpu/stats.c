// SPDX-License-Identifier: GPL-2.0-only
/* libnfgtpu: the counters of /proc/net/nf_gtpu in the handle's namespace */
#define _GNU_SOURCE	/* setns() */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* /proc/self/net is the namespace of the thread that opens it */
static FILE *open_stats(struct nfgtpu *h)
{
	int self, err = 0;
	FILE *f;

	if (h->netns_fd < 0)
		return fopen("/proc/self/net/nf_gtpu", "re");
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return NULL;
	if (setns(h->netns_fd, CLONE_NEWNET) < 0) {
		err = errno;
		close(self);
		errno = err;
		return NULL;
	}
	f = fopen("/proc/self/net/nf_gtpu", "re");
	if (!f)
		err = errno;
	if (setns(self, CLONE_NEWNET) < 0 && !err) {
		err = errno;
		fclose(f);
		f = NULL;
	}
	close(self);
	errno = err;
	return f;
}

EXPORT int nfgtpu_stats(struct nfgtpu *h, struct nfgtpu_stat *st, size_t n)
{
	char line[128], name[32];
	uint64_t value;
	int count = 0;
	FILE *f;

	nfgtpu_clear_error(h);
	f = open_stats(h);
	if (!f)
		return nfgtpu_fail(h, errno, -1, "/proc/net/nf_gtpu: %s%s",
				   strerror(errno), errno == ENOENT ?
				   " (is nf_gtpu loaded?)" : "");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %" SCNu64, name, &value) != 2)
			continue;
		if ((size_t)count < n) {
			snprintf(st[count].name, sizeof(st[count].name), "%s",
				 name);
			st[count].value = value;
		}
		count++;
	}
	fclose(f);
	return count;
}
