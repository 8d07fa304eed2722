// SPDX-License-Identifier: GPL-2.0-only
/*
 * nf-gtpu-pfcpd: downlink buffering through NFQUEUE (see dlbuf.h).
 *
 * The kernel keeps every queued packet until it gets a verdict; the
 * agent keeps, per buffering MS address, the IDs of its packets in the
 * order they came.  Verdicts go out batched, many in one datagram, which
 * the kernel handles one after the other: a released MS's packets re-enter
 * the downlink chain in their order.
 */
#define _GNU_SOURCE		/* twalk_r, tdestroy */
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <libnfgtpu/libnfgtpu.h>

#include "dlbuf.h"

#define COPY_RANGE	40	/* an IPv6 header: up to its destination */
#define QUEUE_MAXLEN	8192	/* packets the kernel queue holds at most */
#define RCVBUF		(1 << 20)
#define BATCH_SIZE	8192	/* of a datagram of verdicts */

struct held {
	uint32_t id;
	time_t since;
};

struct watch {
	struct dlbuf_key key;
	uint64_t seid;
	bool first_seen;	/* a packet held since it started buffering */
	unsigned int n, cap;
	struct held *v;
};

struct first {
	uint64_t seid;
	struct dlbuf_key key;
};

struct dlbuf {
	struct mnl_socket *nl;
	unsigned int per_ms, hold;
	void *watches;		/* tsearch tree of struct watch */
	struct first *firsts;
	size_t n_first, cap_first;
	uint64_t count[__DLBUF_MAX];
	struct mnl_nlmsg_batch *verdicts;
	time_t now;		/* of dlbuf_expire() */
	char vbuf[2 * BATCH_SIZE];	/* libmnl: twice the batch limit */
	char rxbuf[8192];
};

static const char *const counter_names[__DLBUF_MAX] = {
	[DLBUF_HELD] = "held",
	[DLBUF_DELIVERED] = "delivered",
	[DLBUF_DROPPED_FULL] = "dropped_full",
	[DLBUF_DROPPED_EXPIRED] = "dropped_expired",
	[DLBUF_DROPPED_RELEASED] = "dropped_released",
	[DLBUF_DROPPED_UNKNOWN] = "dropped_unknown",
};

const char *dlbuf_counter_name(enum dlbuf_counter c)
{
	return counter_names[c];
}

uint64_t dlbuf_count(const struct dlbuf *b, enum dlbuf_counter c)
{
	return b->count[c];
}

int dlbuf_fd(const struct dlbuf *b)
{
	return mnl_socket_get_fd(b->nl);
}

static int key_cmp(const void *a, const void *b)
{
	const struct dlbuf_key *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static struct watch *find(const struct dlbuf *b, const struct dlbuf_key *k)
{
	void *p = tfind(k, &b->watches, key_cmp);

	return p ? *(struct watch **)p : NULL;
}

int dlbuf_pkt_key(const uint8_t *pkt, size_t len, uint32_t oif,
		  struct dlbuf_key *k)
{
	memset(k, 0, sizeof(*k));
	k->ifindex = oif;
	if (len >= 20 && pkt[0] >> 4 == 4) {
		k->family = AF_INET;
		memcpy(k->addr, pkt + 16, 4);
		return 0;
	}
	if (len >= 40 && pkt[0] >> 4 == 6) {
		k->family = AF_INET6;
		memcpy(k->addr, pkt + 24, 8);
		return 0;
	}
	return -1;
}

/* Verdicts */

/*
 * Send the batch.  No ack: a verdict of a packet the kernel dropped
 * meanwhile (its device gone) is an error that changes nothing.
 */
static void verdicts_flush(struct dlbuf *b)
{
	size_t len = mnl_nlmsg_batch_size(b->verdicts);

	if (len)
		mnl_socket_sendto(b->nl, mnl_nlmsg_batch_head(b->verdicts), len);
	/* a verdict that did not fit moves to the head */
	mnl_nlmsg_batch_reset(b->verdicts);
}

static void verdict(struct dlbuf *b, uint32_t id, int v, enum dlbuf_counter c)
{
	struct nlmsghdr *nlh;

	nlh = nfq_nlmsg_put(mnl_nlmsg_batch_current(b->verdicts),
			    NFQNL_MSG_VERDICT, NFGTPU_BUFFER_QUEUE);
	nfq_nlmsg_verdict_put(nlh, id, v);
	if (!mnl_nlmsg_batch_next(b->verdicts))
		verdicts_flush(b);
	b->count[c]++;
}

/* Receiving */

static void first_packet(struct dlbuf *b, struct watch *w)
{
	struct first *f;
	size_t cap;

	w->first_seen = true;
	if (b->n_first == b->cap_first) {
		cap = b->cap_first ? 2 * b->cap_first : 16;
		f = realloc(b->firsts, cap * sizeof(*f));
		if (!f)
			return;		/* no report: the buffering goes on */
		b->firsts = f;
		b->cap_first = cap;
	}
	b->firsts[b->n_first++] = (struct first){ w->seid, w->key };
}

/* Seconds of a clock that does not jump */
static time_t monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void hold(struct dlbuf *b, struct watch *w, uint32_t id)
{
	struct held *v;
	unsigned int cap;

	if (w->n == w->cap) {
		cap = w->cap ? 2 * w->cap : 8;
		if (cap > b->per_ms)
			cap = b->per_ms;
		v = w->n < cap ? realloc(w->v, cap * sizeof(*v)) : NULL;
		if (!v) {
			verdict(b, id, NF_DROP, DLBUF_DROPPED_FULL);
			return;
		}
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = (struct held){ id, monotonic() };
	b->count[DLBUF_HELD]++;
	if (!w->first_seen)
		first_packet(b, w);
}

static int packet_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr[NFQA_MAX + 1] = {};
	struct nfqnl_msg_packet_hdr *ph;
	struct dlbuf *b = data;
	struct dlbuf_key k;
	struct watch *w = NULL;
	uint32_t id, oif = 0;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	id = ntohl(ph->packet_id);
	if (attr[NFQA_IFINDEX_OUTDEV])
		oif = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_OUTDEV]));
	if (attr[NFQA_PAYLOAD] &&
	    !dlbuf_pkt_key(mnl_attr_get_payload(attr[NFQA_PAYLOAD]),
			   mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]), oif,
			   &k))
		w = find(b, &k);
	if (w)
		hold(b, w, id);
	else
		verdict(b, id, NF_DROP, DLBUF_DROPPED_UNKNOWN);
	return MNL_CB_OK;
}

int dlbuf_receive(struct dlbuf *b)
{
	ssize_t n;
	int ret = 0;

	for (;;) {
		n = mnl_socket_recvfrom(b->nl, b->rxbuf, sizeof(b->rxbuf));
		if (n < 0) {
			/* ENOBUFS: the kernel dropped what did not fit */
			if (errno != EAGAIN && errno != ENOBUFS)
				ret = -1;
			if (errno != ENOBUFS)
				break;
			continue;
		}
		mnl_cb_run(b->rxbuf, n, 0, 0, packet_cb, b);
	}
	verdicts_flush(b);
	return ret;
}

size_t dlbuf_first_packets(struct dlbuf *b, uint64_t *seid,
			   struct dlbuf_key *k, size_t max)
{
	size_t i, n = b->n_first < max ? b->n_first : max;

	for (i = 0; i < n; i++) {
		seid[i] = b->firsts[i].seid;
		k[i] = b->firsts[i].key;
	}
	memmove(b->firsts, b->firsts + n, (b->n_first - n) * sizeof(*b->firsts));
	b->n_first -= n;
	return n;
}

/* Watching */

int dlbuf_watch(struct dlbuf *b, const struct dlbuf_key *k, uint64_t seid)
{
	struct watch *w = find(b, k);

	if (w) {
		w->seid = seid;
		return 0;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -1;
	w->key = *k;
	w->seid = seid;
	if (!tsearch(w, &b->watches, key_cmp)) {
		free(w);
		return -1;
	}
	return 0;
}

/* The first n packets w holds go (the oldest) */
static void let_go(struct dlbuf *b, struct watch *w, unsigned int n, int v,
		   enum dlbuf_counter c)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		verdict(b, w->v[i].id, v, c);
	memmove(w->v, w->v + n, (w->n - n) * sizeof(*w->v));
	w->n -= n;
}

void dlbuf_release(struct dlbuf *b, const struct dlbuf_key *k, bool deliver)
{
	struct watch *w;

	dlbuf_receive(b);
	w = find(b, k);
	if (!w)
		return;
	let_go(b, w, w->n, deliver ? NF_REPEAT : NF_DROP,
	       deliver ? DLBUF_DELIVERED : DLBUF_DROPPED_RELEASED);
	verdicts_flush(b);
	tdelete(w, &b->watches, key_cmp);
	free(w->v);
	free(w);
}

static void expire_one(const void *node, VISIT which, void *data)
{
	struct watch *w = *(struct watch *const *)node;
	struct dlbuf *b = data;
	unsigned int n = 0;

	if (which != postorder && which != leaf)
		return;
	while (n < w->n && w->v[n].since + (time_t)b->hold <= b->now)
		n++;
	let_go(b, w, n, NF_DROP, DLBUF_DROPPED_EXPIRED);
}

void dlbuf_expire(struct dlbuf *b)
{
	b->now = monotonic();
	twalk_r(b->watches, expire_one, b);
	verdicts_flush(b);
}

/* Binding */

/* A configuration message of the queue, acknowledged: 0 or -1 errno */
static int config(struct dlbuf *b, void (*put)(struct nlmsghdr *nlh))
{
	char buf[8192];
	struct nlmsghdr *nlh;
	unsigned int portid = mnl_socket_get_portid(b->nl);
	ssize_t n;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, NFGTPU_BUFFER_QUEUE);
	nlh->nlmsg_flags |= NLM_F_ACK;
	put(nlh);
	if (mnl_socket_sendto(b->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	n = mnl_socket_recvfrom(b->nl, buf, sizeof(buf));
	if (n < 0)
		return -1;
	return mnl_cb_run(buf, n, nlh->nlmsg_seq, portid, NULL, NULL) < 0 ?
	       -1 : 0;
}

static void put_bind(struct nlmsghdr *nlh)
{
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
}

static void put_params(struct nlmsghdr *nlh)
{
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, COPY_RANGE);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, QUEUE_MAXLEN);
}

struct dlbuf *dlbuf_open(unsigned int per_ms, unsigned int hold, char *err,
			 size_t errlen)
{
	struct dlbuf *b = calloc(1, sizeof(*b));
	int one = 1, rcvbuf = RCVBUF, fd;

	if (!b) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	b->per_ms = per_ms;
	b->hold = hold;
	b->verdicts = mnl_nlmsg_batch_start(b->vbuf, BATCH_SIZE);
	b->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!b->nl || mnl_socket_bind(b->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink: %s", strerror(errno));
		goto fail;
	}
	if (config(b, put_bind) < 0 || config(b, put_params) < 0) {
		snprintf(err, errlen, "NFQUEUE %u: %s%s", NFGTPU_BUFFER_QUEUE,
			 strerror(errno), errno == EBUSY ?
			 " (another program has it)" : "");
		goto fail;
	}
	fd = mnl_socket_get_fd(b->nl);
	setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		snprintf(err, errlen, "netlink: %s", strerror(errno));
		goto fail;
	}
	return b;
fail:
	dlbuf_close(b);
	return NULL;
}

static void watch_free(void *p)
{
	struct watch *w = p;

	free(w->v);
	free(w);
}

/* The kernel drops what the queue holds when its socket closes */
void dlbuf_close(struct dlbuf *b)
{
	int err = errno;

	if (!b)
		return;
	if (b->nl)
		mnl_socket_close(b->nl);
	if (b->verdicts)
		mnl_nlmsg_batch_stop(b->verdicts);
	tdestroy(b->watches, watch_free);
	free(b->firsts);
	free(b);
	errno = err;
}
