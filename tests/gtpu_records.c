// SPDX-License-Identifier: GPL-2.0-only
/*
 * libnfgtpu's records (gtpu_tool.sh runs it in a namespace with APN
 * device argv[1] and no gateway): each check prints "ok" or "FAIL"
 * with what it saw; the exit status is the number of failures.  Its
 * recvmsg() stands in for the C library's, to change a map from another
 * handle while the library walks it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libnfgtpu/libnfgtpu.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

static int failures;

static void check(int ok, const char *what, const struct nfgtpu *h)
{
	printf("%s %s%s%s\n", ok ? "ok" : "FAIL", what,
	       h ? ": " : "", h ? nfgtpu_error(h) : "");
	failures += !ok;
}

struct seen {
	int n;
	uint64_t key[8];
	size_t len[8];
	int same[8];		/* the octets written */
};

static uint8_t pattern[NFGTPU_RECORD_MAX + 1];

static int record_cb(uint64_t key, const void *data, size_t len, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->key[s->n] = key;
		s->len[s->n] = len;
		s->same[s->n] = !memcmp(data, pattern + (key & 0xff), len);
		s->n++;
	}
	return 0;
}

static int list(struct nfgtpu *h, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return nfgtpu_record_list(h, record_cb, s);
}

/* One batch: record key of len octets in place of old_len ones */
static int put(struct nfgtpu *h, uint64_t key, size_t len, size_t old_len)
{
	struct nfgtpu_batch *b = nfgtpu_batch_new(h);
	int ret = -1;

	if (b && !nfgtpu_batch_record(b, key, pattern + (key & 0xff), len,
				      old_len))
		ret = nfgtpu_batch_commit(b);
	nfgtpu_batch_free(b);
	return ret;
}

/* Record 7 twice in one batch */
static int twice(struct nfgtpu *h)
{
	struct nfgtpu_batch *b = nfgtpu_batch_new(h);
	int ret = -1;

	if (b && !nfgtpu_batch_record(b, 7, pattern, 5, 0) &&
	    !nfgtpu_batch_record(b, 8, pattern, 5, 0) &&
	    !nfgtpu_batch_record(b, 7, pattern, 6, 0))
		ret = nfgtpu_batch_commit(b);
	nfgtpu_batch_free(b);
	return ret;
}

static void ctx_init(struct nfgtpu_ctx *c, const char *apn, uint32_t teid,
		     const char *ms)
{
	memset(c, 0, sizeof(*c));
	c->teid = teid;
	snprintf(c->apn, sizeof(c->apn), "%s", apn);
	c->flags = NFGTPU_CTX_MS4;
	inet_pton(AF_INET, ms, &c->ms4);
	c->peer_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &c->peer.v4);
	c->peer_teid = 0x200;
}

/*
 * recvmsg(), as libmnl calls it, counting the set dumps read; and once
 * armed, after the first part of a dump, meddle(meddler): another
 * handle adds elements to the set and deletes them, leaving the set as
 * it was but resized.
 */
static int (*meddle)(struct nfgtpu *m);
static struct nfgtpu *meddler;
static int meddled = -1, dumps;

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, struct msghdr *, int);
	const struct nlmsghdr *nlh = msg->msg_iov->iov_base;
	int (*f)(struct nfgtpu *m) = meddle;
	static uint32_t seq;
	ssize_t n;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "recvmsg");
	n = real(fd, msg, flags);
	if (n < (ssize_t)sizeof(*nlh) || !(nlh->nlmsg_flags & NLM_F_MULTI) ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWSETELEM)
		return n;
	if (nlh->nlmsg_seq != seq)
		dumps++;
	seq = nlh->nlmsg_seq;
	if (f) {
		meddle = NULL;
		meddled = f(meddler);
		usleep(100000);		/* the kernel resizes in its own time */
	}
	return n;
}

static int meddle_records(struct nfgtpu *m)
{
	return put(m, 4, NFGTPU_RECORD_MAX, 0) ||
	       put(m, 4, 0, NFGTPU_RECORD_MAX);
}

#define MANY 1000	/* contexts: more than one part of a dump */
static const char *apn_dev;

/* One batch: contexts of TEIDs teid..teid+MANY-1, MS 10.x.y.z of TEID */
static int many(struct nfgtpu *h, enum nfgtpu_op op, uint32_t teid)
{
	struct nfgtpu_batch *b = nfgtpu_batch_new(h);
	struct nfgtpu_ctx c;
	int i, ret = -1;

	for (i = 0; b && i < MANY; i++) {
		ctx_init(&c, apn_dev, teid + i, "0.0.0.0");
		c.ms4.s_addr = htonl(10 << 24 | (teid + i));
		if (nfgtpu_batch_put(b, op, &c) < 0)
			break;
	}
	if (i == MANY)
		ret = nfgtpu_batch_commit(b);
	nfgtpu_batch_free(b);
	return ret;
}

static int meddle_contexts(struct nfgtpu *m)
{
	return many(m, NFGTPU_OP_ADD, 0x10000) ||
	       many(m, NFGTPU_OP_DELETE, 0x10000);
}

static int count_ctx(const struct nfgtpu_ctx *c, void *arg)
{
	(void)c;
	++*(int *)arg;
	return 0;
}

/*
 * A set resized while it is dumped gives some elements twice and
 * others not: the library reads it again.  Another handle can change
 * only a gateway not owned.
 */
static void resized_while_read(void)
{
	struct nfgtpu *h = nfgtpu_open(-1), *other = nfgtpu_open(-1);
	int n = 0, calm;
	struct seen s;

	check(h && other && !nfgtpu_gateway_setup(h, NFGTPU_GW_RECORDS) &&
	      !put(h, 1, 1, 0) && !put(h, 3, NFGTPU_RECORD_MAX, 0) &&
	      !many(h, NFGTPU_OP_ADD, 0x1000),
	      "a gateway not owned, with records and contexts", h);
	dumps = 0;
	meddler = other;
	meddle = meddle_records;
	check(!list(h, &s) && !meddled && s.n == 2 && s.len[0] == 1 &&
	      s.len[1] == NFGTPU_RECORD_MAX && s.same[0] && s.same[1] &&
	      dumps >= 2,
	      "records read whole when their set was resized meanwhile", h);

	dumps = 0;
	check(!nfgtpu_ctx_list(h, count_ctx, &n) && n == MANY,
	      "contexts listed", h);
	calm = dumps;
	n = 0;
	dumps = 0;
	meddled = -1;
	meddle = meddle_contexts;
	check(!nfgtpu_ctx_list(h, count_ctx, &n) && !meddled && n == MANY &&
	      dumps > calm,
	      "contexts listed whole when a set was resized meanwhile", h);
	nfgtpu_gateway_delete(h);
	nfgtpu_close(other);
	nfgtpu_close(h);
}

/* A record and contexts in one batch, the second context refused */
static void with_contexts(struct nfgtpu *h, const char *apn)
{
	struct nfgtpu_batch *b = nfgtpu_batch_new(h);
	struct nfgtpu_ctx c[2];
	struct seen s;
	int ret;

	ctx_init(&c[0], apn, 0x100, "10.45.0.2");
	ctx_init(&c[1], apn, 0x100, "10.45.0.3");	/* same TEID */
	nfgtpu_batch_put(b, NFGTPU_OP_ADD, &c[0]);
	nfgtpu_batch_record(b, 5, pattern + 5, 300, 0);
	nfgtpu_batch_put(b, NFGTPU_OP_ADD, &c[1]);
	ret = nfgtpu_batch_commit(b);
	check(ret < 0 && nfgtpu_error_index(h) == 1,
	      "a batch refusing a context refuses its record", h);
	check(!list(h, &s) && s.n == 3, "  and the records are as they were",
	      NULL);
	nfgtpu_batch_free(b);

	b = nfgtpu_batch_new(h);
	nfgtpu_batch_put(b, NFGTPU_OP_ADD, &c[0]);
	nfgtpu_batch_record(b, 5, pattern + 5, 300, 0);
	nfgtpu_batch_record(b, 1, pattern + 1, 10, 0);	/* there already */
	ret = nfgtpu_batch_commit(b);
	check(ret < 0 && nfgtpu_errno(h) == EEXIST &&
	      strstr(nfgtpu_error(h), "record 0x1: already there"),
	      "a batch refusing a record refuses its contexts", h);
	c[1].teid = 0x100;
	check(nfgtpu_ctx_get(h, &c[1], 1) < 0 && nfgtpu_errno(h) == ENOENT,
	      "  and no context was added", NULL);
	nfgtpu_batch_free(b);

	b = nfgtpu_batch_new(h);
	nfgtpu_batch_put(b, NFGTPU_OP_ADD, &c[0]);
	nfgtpu_batch_record(b, 5, pattern + 5, 300, 0);
	check(!nfgtpu_batch_commit(b) && !nfgtpu_ctx_get(h, &c[1], 1) &&
	      !list(h, &s) && s.n == 4 && s.key[2] == 5 && s.len[2] == 300,
	      "a context and a record in one batch", h);
	nfgtpu_batch_free(b);
}

int main(int argc, char **argv)
{
	struct nfgtpu *h = nfgtpu_open(-1);
	struct seen s;
	size_t i;

	if (argc != 2 || !h) {
		fprintf(stderr, "usage: gtpu_records APN-DEVICE\n");
		return 1;
	}
	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = i * 7 + 1;
	apn_dev = argv[1];

	check(!nfgtpu_gateway_setup(h, NFGTPU_GW_OWNED),
	      "a gateway without records", h);
	check(put(h, 1, 10, 0) < 0 && nfgtpu_errno(h) == EOPNOTSUPP,
	      "refuses a record", h);
	check(nfgtpu_record_list(h, record_cb, &s) < 0 &&
	      nfgtpu_errno(h) == EOPNOTSUPP, "and cannot list them", h);
	nfgtpu_gateway_delete(h);

	check(!nfgtpu_gateway_setup(h, NFGTPU_GW_OWNED | NFGTPU_GW_RECORDS),
	      "a gateway with records", h);
	check(!list(h, &s) && s.n == 0, "no records at first", h);
	/* one chunk, one full chunk, a chunk and an octet, the most */
	check(!put(h, 1, 1, 0) && !put(h, 0x200000002ULL, 192, 0) &&
	      !put(h, 3, 193, 0), "three records", h);
	check(!list(h, &s) && s.n == 3 && s.key[0] == 1 && s.len[0] == 1 &&
	      s.key[1] == 3 && s.len[1] == 193 &&
	      s.key[2] == 0x200000002ULL && s.len[2] == 192 &&
	      s.same[0] && s.same[1] && s.same[2],
	      "read back in key order, octet for octet", h);
	check(!put(h, 3, NFGTPU_RECORD_MAX, 193) && !list(h, &s) &&
	      s.n == 3 && s.len[1] == NFGTPU_RECORD_MAX && s.same[1],
	      "a record replaced by one of NFGTPU_RECORD_MAX octets", h);
	check(put(h, 4, NFGTPU_RECORD_MAX + 1, 0) < 0 &&
	      nfgtpu_errno(h) == EMSGSIZE, "a longer one refused", h);
	check(put(h, 1, 5, 0) < 0 && nfgtpu_errno(h) == EEXIST,
	      "a new record over one there refused", h);
	check(put(h, 9, 0, 5) < 0 && nfgtpu_errno(h) == ENOENT &&
	      strstr(nfgtpu_error(h), "record 0x9"),
	      "deleting one not there refused", h);
	check(twice(h) < 0 && nfgtpu_errno(h) == EINVAL &&
	      strstr(nfgtpu_error(h), "record 0x7: twice in one batch"),
	      "one record twice in a batch refused", h);
	check(!put(h, 3, 0, NFGTPU_RECORD_MAX) && !put(h, 3, 20, 0) &&
	      !list(h, &s) && s.n == 3 && s.len[1] == 20 && s.same[1],
	      "a record deleted, then made again", h);
	with_contexts(h, argv[1]);
	nfgtpu_close(h);
	resized_while_read();
	printf("%d failed\n", failures);
	return failures;
}
