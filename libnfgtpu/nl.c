// SPDX-License-Identifier: GPL-2.0-only
/*
 * libnfgtpu: the handle, its errors, and nf_tables transactions over
 * libmnl.
 *
 * A transaction is one nfnetlink batch sent in one sendmsg(): nfnetlink
 * handles all of it within that call and then commits or aborts it, so
 * all its answers are queued when sendmsg() returns (nft relies on this
 * too).  Only the last message asks for an acknowledgment; every failing
 * message gets an error anyway, which with NETLINK_EXT_ACK carries the
 * offset of the attribute the kernel refused: for set elements, the
 * element itself.
 */
#define _GNU_SOURCE	/* setns() */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include "internal.h"

#define ANSWER_BUF	(1 << 16)
/*
 * libmnl's MNL_SOCKET_BUFFER_SIZE, 8 KiB on any page size of 8 KiB or
 * more, without its two sysconf() calls in every transaction
 */
#define SOCKET_BUF	8192
#define DUMP_ATTEMPTS	10	/* pauses of 1 ms to 0.5 s, 1 s in all */

int nfgtpu_fail(struct nfgtpu *h, int err, long index, const char *fmt, ...)
{
	va_list ap;

	h->err = err;
	h->err_index = index;
	va_start(ap, fmt);
	vsnprintf(h->msg, sizeof(h->msg), fmt, ap);
	va_end(ap);
	errno = err;
	return -1;
}

/* "what: " before the message */
void nfgtpu_prefix_error(struct nfgtpu *h, const char *what)
{
	char msg[sizeof(h->msg)];
	int n;

	memcpy(msg, h->msg, sizeof(msg));
	n = snprintf(h->msg, sizeof(h->msg), "%s: ", what);
	if (n > 0 && (size_t)n < sizeof(h->msg))
		memcpy(h->msg + n, msg, strnlen(msg, sizeof(msg) - n - 1) + 1);
	h->msg[sizeof(h->msg) - 1] = '\0';
}

void nfgtpu_clear_error(struct nfgtpu *h)
{
	h->err = 0;
	h->err_index = -1;
	h->msg[0] = '\0';
}

EXPORT int nfgtpu_errno(const struct nfgtpu *h)
{
	return h->err;
}

EXPORT const char *nfgtpu_error(const struct nfgtpu *h)
{
	return h->msg;
}

EXPORT long nfgtpu_error_index(const struct nfgtpu *h)
{
	return h->err_index;
}

static struct mnl_socket *open_socket(int bus)
{
	struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
	int one = 1;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return NULL;
	}
	/* best effort: the answers' flags say what they hold */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl;
}

/*
 * Link events keep the handle's table of devices true: subscribed to
 * before the first dump, so that no change can fall between the two.
 */
static struct mnl_socket *open_link_events(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE,
						 SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (nl && mnl_socket_bind(nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

/* Sockets belong to the namespace they are created in: enter it for that
 * moment only.
 */
static int open_sockets(struct nfgtpu *h)
{
	int self = -1, err = 0;

	if (h->netns_fd >= 0) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || setns(h->netns_fd, CLONE_NEWNET) < 0) {
			err = errno;
			if (self >= 0)
				close(self);
			return nfgtpu_fail(h, err, -1, "entering the namespace: %s",
					   strerror(err));
		}
	}
	h->nl = open_socket(NETLINK_NETFILTER);
	if (!h->nl)
		err = errno;
	h->rt = open_socket(NETLINK_ROUTE);
	if (!h->rt && !err)
		err = errno;
	h->link_events = open_link_events();
	if (!h->link_events && !err)
		err = errno;
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) < 0 && !err)
			err = errno;
		close(self);
	}
	if (err)
		return nfgtpu_fail(h, err, -1, "netlink socket: %s", strerror(err));
	return 0;
}

EXPORT struct nfgtpu *nfgtpu_open(int netns_fd)
{
	struct nfgtpu *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return NULL;
	h->netns_fd = -1;
	h->err_index = -1;
	h->seq = time(NULL);
	if (netns_fd >= 0) {
		h->netns_fd = fcntl(netns_fd, F_DUPFD_CLOEXEC, 0);
		if (h->netns_fd < 0)
			goto fail;
	}
	if (open_sockets(h) < 0)
		goto fail;
	return h;
fail:
	err = errno;
	nfgtpu_close(h);
	errno = err;
	return NULL;
}

EXPORT void nfgtpu_close(struct nfgtpu *h)
{
	if (!h)
		return;
	if (h->nl)
		mnl_socket_close(h->nl);
	if (h->rt)
		mnl_socket_close(h->rt);
	if (h->link_events)
		mnl_socket_close(h->link_events);
	if (h->netns_fd >= 0)
		close(h->netns_fd);
	free(h->links);
	free(h->kept.buf);
	free(h->kept.msgs);
	free(h->kept.elems);
	free(h->answer_buf);
	free(h);
}

struct nlmsghdr *nfgtpu_msg_start(void *buf, uint16_t type, uint16_t flags,
				  uint8_t family, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

void put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t v)
{
	mnl_attr_put_u32(nlh, type, htonl(v));
}

/* An nft_data value: a nest holding NFTA_DATA_VALUE */
void put_data(struct nlmsghdr *nlh, uint16_t type, const void *p, size_t len)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, p);
	mnl_attr_nest_end(nlh, nest);
}

/*
 * Answers are read into one buffer per handle, kept: a buffer of 64 KB
 * allocated and freed for every transaction is one that the C library
 * gives back to the system and faults in again each time.
 */
static char *answer_buf(struct nfgtpu *h)
{
	if (!h->answer_buf)
		h->answer_buf = malloc(ANSWER_BUF);
	if (!h->answer_buf)
		nfgtpu_fail(h, ENOMEM, -1, "out of memory");
	return h->answer_buf;
}

/*
 * The rest of a dump left off, which would answer the next request: the
 * kernel queues each part of a dump as the one before is read, so the
 * queue is empty only after its last.
 */
static void drain(struct mnl_socket *nl, char *buf)
{
	while (recv(mnl_socket_get_fd(nl), buf, ANSWER_BUF, MSG_DONTWAIT) > 0 ||
	       errno == ENOBUFS)
		;
}

static int query_on(struct nfgtpu *h, struct mnl_socket *nl,
		    struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t portid = mnl_socket_get_portid(nl);
	char *buf = answer_buf(h);
	ssize_t n;
	int ret;

	if (!buf)
		return -1;
	nlh->nlmsg_seq = ++h->seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return nfgtpu_fail(h, errno, -1, "netlink send: %s",
				   strerror(errno));
	do {
		n = mnl_socket_recvfrom(nl, buf, ANSWER_BUF);
		if (n < 0) {
			ret = -1;
			break;
		}
		ret = mnl_cb_run(buf, n, h->seq, portid, cb, data);
	} while (ret > 0);
	if (ret < 0 && !h->err)
		nfgtpu_fail(h, errno, -1, "%s", strerror(errno));
	if (ret < 0)
		drain(nl, buf);
	return ret < 0 ? -1 : 0;
}

int nfgtpu_query(struct nfgtpu *h, struct nlmsghdr *nlh, mnl_cb_t cb,
		 void *data)
{
	return query_on(h, h->nl, nlh, cb, data);
}

/*
 * Whether to dump a set again, given a dump's result and whether it had
 * an element twice.  The kernel dumps a set in parts, each walking it
 * from its start past the elements the parts before gave.  A hash set
 * that the kernel resized meanwhile (after a large transaction, in its
 * own time) gives some elements twice and as many not at all, and a
 * transaction meanwhile interrupts the dump (EINTR).  Both pass: dump
 * again, after a pause that doubles, a few times.  1 says again;
 * otherwise ret, or -1 when the set never kept still.
 */
int nfgtpu_dump_check(struct nfgtpu *h, int ret, bool twice, int *attempt)
{
	if (ret < 0 ? h->err != EINTR : !twice)
		return ret;
	if (*attempt == DUMP_ATTEMPTS)
		return nfgtpu_fail(h, EAGAIN, -1,
				   "the set kept changing while it was read");
	usleep(1000U << (*attempt)++);
	nfgtpu_clear_error(h);
	return 1;
}

/* Devices: RTM_GETLINK dump, names and indexes */

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nfgtpu *h = data;
	const struct nlattr *attr;
	struct link_name *l;

	mnl_attr_for_each(attr, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(attr) != IFLA_IFNAME ||
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			continue;
		l = realloc(h->links, (h->nlinks + 1) * sizeof(*l));
		if (!l) {
			nfgtpu_fail(h, ENOMEM, -1, "out of memory");
			return MNL_CB_ERROR;
		}
		h->links = l;
		l += h->nlinks++;
		l->ifindex = ifi->ifi_index;
		snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(attr));
	}
	return MNL_CB_OK;
}

/* Drain the link events: true if any came, or some were lost */
static bool links_changed(struct nfgtpu *h)
{
	char buf[SOCKET_BUF];
	bool changed = false;
	ssize_t n;

	for (;;) {
		n = mnl_socket_recvfrom(h->link_events, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return changed;
		/* an event, or events lost: too many, or one too long */
		changed = true;
		if (n < 0 && errno != ENOBUFS && errno != ENOSPC)
			return changed;	/* cannot tell what came: read again */
	}
}

static int links_dump(struct nfgtpu *h)
{
	char buf[REQ_BUF] = {};
	struct nlmsghdr *nlh;
	struct rtgenmsg *rt;

	h->links_known = false;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = AF_PACKET;
	free(h->links);
	h->links = NULL;
	h->nlinks = 0;
	if (query_on(h, h->rt, nlh, link_cb, h) < 0)
		return -1;
	h->links_known = true;
	return 0;
}

/* The devices, dumped again only if a link event has come since */
int nfgtpu_links_read(struct nfgtpu *h)
{
	if (!links_changed(h) && h->links_known)
		return 0;
	return links_dump(h);
}

uint32_t nfgtpu_link_index(const struct nfgtpu *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nlinks; i++)
		if (!strcmp(h->links[i].name, name))
			return h->links[i].ifindex;
	return 0;
}

const char *nfgtpu_link_name(const struct nfgtpu *h, uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < h->nlinks; i++)
		if (h->links[i].ifindex == ifindex)
			return h->links[i].name;
	return NULL;
}

/* Transactions */

static int grow(struct txn *t, size_t more)
{
	size_t cap = t->cap;
	char *buf;

	if (t->len + more <= t->cap)
		return 0;
	while (cap < t->len + more)
		cap = cap ? 2 * cap : 1 << 16;
	buf = realloc(t->buf, cap);
	if (!buf)
		return nfgtpu_fail(t->h, ENOMEM, -1, "out of memory");
	/* libmnl leaves attributes' padding as it finds it: zeros */
	memset(buf + t->cap, 0, cap - t->cap);
	t->buf = buf;
	t->cap = cap;
	return 0;
}

int txn_init(struct txn *t, struct nfgtpu *h)
{
	struct nlmsghdr *nlh;

	memset(t, 0, sizeof(*t));
	t->h = h;
	t->table = GW_TABLE;
	t->err_index = -1;
	t->seq0 = ++h->seq;
	t->buf = h->kept.buf;
	t->cap = h->kept.cap;
	t->msgs = h->kept.msgs;
	t->msgs_cap = h->kept.msgs_cap;
	t->elems = h->kept.elems;
	t->elems_cap = h->kept.elems_cap;
	memset(&h->kept, 0, sizeof(h->kept));
	if (grow(t, SOCKET_BUF) < 0)
		return -1;
	nlh = nfgtpu_msg_start(t->buf, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC,
			       t->seq0);
	((struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))->res_id =
		htons(NFNL_SUBSYS_NFTABLES);
	t->len = nlh->nlmsg_len;
	return 0;
}

/* The bytes a transaction wrote: to its batch end, or to the end of its
 * last message while that is open
 */
static size_t txn_written(struct txn *t)
{
	size_t end = t->len;

	if (t->nmsgs && t->msgs[t->nmsgs - 1].off + txn_last(t)->nlmsg_len > end)
		end = t->msgs[t->nmsgs - 1].off + txn_last(t)->nlmsg_len;
	return end < t->cap ? end : t->cap;
}

/*
 * A small buffer is kept, zeroed again, and so are the small arrays of
 * messages and elements, so that the next transaction neither
 * allocates nor zeroes its room; large ones are given back.
 */
#define TXN_KEPT	(1 << 20)

void txn_free(struct txn *t)
{
	struct txn_room *k = t->h ? &t->h->kept : NULL;

	if (k && !k->buf && t->cap <= TXN_KEPT) {
		if (t->buf)
			memset(t->buf, 0, txn_written(t));
		k->buf = t->buf;
		k->cap = t->cap;
		t->buf = NULL;
	}
	if (k && !k->msgs && t->msgs_cap * sizeof(*t->msgs) <= TXN_KEPT) {
		k->msgs = t->msgs;
		k->msgs_cap = t->msgs_cap;
		t->msgs = NULL;
	}
	if (k && !k->elems && t->elems_cap * sizeof(*t->elems) <= TXN_KEPT) {
		k->elems = t->elems;
		k->elems_cap = t->elems_cap;
		t->elems = NULL;
	}
	free(t->buf);
	free(t->msgs);
	free(t->elems);
	memset(t, 0, sizeof(*t));
}

struct nlmsghdr *txn_last(struct txn *t)
{
	return (struct nlmsghdr *)(t->buf + t->msgs[t->nmsgs - 1].off);
}

/* Close the open message: its length joins the buffer's. */
static void close_msg(struct txn *t)
{
	struct nlmsghdr *nlh;

	if (!t->nmsgs)
		return;
	nlh = txn_last(t);
	if (t->list_off) {
		mnl_attr_nest_end(nlh, (struct nlattr *)(t->buf + t->list_off));
		t->list_off = 0;
	}
	t->len = t->msgs[t->nmsgs - 1].off + nlh->nlmsg_len;
}

/* The element nest may not pass 64 KiB: split well before. */
#define ELEMS_PER_MSG_BYTES	(60 * 1024)
#define MSG_ROOM		(128 * 1024)

/* A new message with room for MSG_ROOM bytes */
struct nlmsghdr *txn_msg(struct txn *t, uint16_t type, uint16_t flags,
			 const char *what)
{
	struct txn_msg *m;

	close_msg(t);
	if (grow(t, MSG_ROOM) < 0)
		return NULL;
	if (t->nmsgs == t->msgs_cap) {
		t->msgs_cap = t->msgs_cap ? 2 * t->msgs_cap : 64;
		m = realloc(t->msgs, t->msgs_cap * sizeof(*m));
		if (!m) {
			nfgtpu_fail(t->h, ENOMEM, -1, "out of memory");
			return NULL;
		}
		t->msgs = m;
	}
	m = &t->msgs[t->nmsgs++];
	*m = (struct txn_msg){ .off = t->len, .first_elem = t->nelems,
			       .what = what };
	t->elem_type = 0;
	return nfgtpu_msg_start(t->buf + t->len, NFNL_SUBSYS_NFTABLES << 8 | type,
				flags, NFPROTO_INET, t->seq0 + t->nmsgs);
}

struct nlmsghdr *txn_elem_begin(struct txn *t, uint16_t type, enum gw_map map,
				uint32_t index)
{
	struct nlmsghdr *nlh;
	struct txn_elem *e;
	struct txn_msg *m;

	if (!t->nmsgs || !t->list_off || t->elem_type != type ||
	    t->elem_map != map ||
	    txn_last(t)->nlmsg_len > ELEMS_PER_MSG_BYTES) {
		nlh = txn_msg(t, type, type == NFT_MSG_NEWSETELEM ?
			      NLM_F_CREATE | NLM_F_EXCL : 0, gw_map_names[map]);
		if (!nlh)
			return NULL;
		m = &t->msgs[t->nmsgs - 1];
		m->elems = true;
		m->map = map;
		t->elem_type = type;
		t->elem_map = map;
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, GW_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, gw_map_names[map]);
		t->list_off = (char *)mnl_attr_nest_start(nlh,
				NFTA_SET_ELEM_LIST_ELEMENTS) - t->buf;
	}
	if (t->nelems == t->elems_cap) {
		t->elems_cap = t->elems_cap ? 2 * t->elems_cap : 256;
		e = realloc(t->elems, t->elems_cap * sizeof(*e));
		if (!e) {
			nfgtpu_fail(t->h, ENOMEM, -1, "out of memory");
			return NULL;
		}
		t->elems = e;
	}
	nlh = txn_last(t);
	t->elem_off = (char *)mnl_nlmsg_get_payload_tail(nlh) - t->buf;
	e = &t->elems[t->nelems++];
	e->off = t->elem_off - t->msgs[t->nmsgs - 1].off;
	e->index = index;
	t->msgs[t->nmsgs - 1].nelems++;
	mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	return nlh;
}

/* The buffer stays big enough: each message starts with MSG_ROOM bytes
 * of room, and an element takes far less than MSG_ROOM minus
 * ELEMS_PER_MSG_BYTES.
 */
void txn_elem_end(struct txn *t)
{
	mnl_attr_nest_end(txn_last(t), (struct nlattr *)(t->buf + t->elem_off));
}

static void put_batch_end(struct txn *t)
{
	struct nlmsghdr *nlh;

	close_msg(t);
	nlh = nfgtpu_msg_start(t->buf + t->len, NFNL_MSG_BATCH_END, 0,
			       AF_UNSPEC, t->seq0 + t->nmsgs + 1);
	((struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))->res_id =
		htons(NFNL_SUBSYS_NFTABLES);
	t->len += nlh->nlmsg_len;
}

/* Acknowledgments */

struct acks {
	struct txn *t;
	bool acked;		/* the last message, without error */
	int err;		/* the first error, positive errno */
	uint32_t err_seq;
	char msg[256];		/* its NLMSGERR_ATTR_MSG */
	bool has_off;
	uint32_t off;		/* its NLMSGERR_ATTR_OFFS */
};

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, NLMSGERR_ATTR_MAX) < 0)
		return MNL_CB_OK;
	if ((type == NLMSGERR_ATTR_MSG &&
	     mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0) ||
	    (type == NLMSGERR_ATTR_OFFS &&
	     mnl_attr_validate(attr, MNL_TYPE_U32) < 0))
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int record_error(const struct nlmsghdr *nlh, const struct nlmsgerr *e,
			struct acks *a)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	size_t hlen = sizeof(*e);

	a->err = -e->error;
	a->err_seq = nlh->nlmsg_seq;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hlen += mnl_nlmsg_get_payload_len(&e->msg);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS &&
	    mnl_attr_parse(nlh, hlen, extack_attr_cb, tb) < 0)
		return MNL_CB_OK;	/* the errno still counts */
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(a->msg, sizeof(a->msg), "%s",
			 mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS]) {
		a->has_off = true;
		a->off = mnl_attr_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	}
	return MNL_CB_OK;
}

static int ack_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct acks *a = data;
	uint32_t n = nlh->nlmsg_seq - a->t->seq0;	/* 1..nmsgs: a message */

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!e->error) {
		a->acked |= n == a->t->nmsgs;
		return MNL_CB_OK;
	}
	return a->err ? MNL_CB_OK : record_error(nlh, e, a);
}

/*
 * All answers are queued when sendmsg() returns: read them without
 * blocking.  ENOBUFS says that later errors did not fit; the first one,
 * queued first, is still there.  The last message's acknowledgment is
 * queued last: once it came, and no error before it, the batch's answers
 * are all read, and a receive to hear EAGAIN would be one system call
 * too many for every transaction.
 */
static int read_acks(struct txn *t, struct acks *a)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = ack_cb };
	struct mnl_socket *nl = t->h->nl;
	char *buf = answer_buf(t->h);
	ssize_t n;
	int ret = 0;

	if (!buf)
		return -1;
	for (;;) {
		n = recv(mnl_socket_get_fd(nl), buf, ANSWER_BUF, MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS)
			continue;
		if (n <= 0)
			break;
		if (mnl_cb_run2(buf, n, 0, mnl_socket_get_portid(nl), NULL, a,
				ctl, ARRAY_SIZE(ctl)) < 0) {
			ret = nfgtpu_fail(t->h, errno, -1, "bad answer: %s",
					  strerror(errno));
			break;
		}
		if (a->acked && !a->err)
			return 0;
	}
	if (!ret && n < 0 && errno != EAGAIN)
		ret = nfgtpu_fail(t->h, errno, -1, "netlink receive: %s",
				  strerror(errno));
	return ret;
}

/* The element the offset falls in: the last one starting before it. */
static void locate(struct txn *t, const struct acks *a)
{
	uint32_t n = a->err_seq - t->seq0;
	const struct txn_msg *m;
	size_t i;

	if (!n || n > t->nmsgs)
		return;
	m = t->err_msg = &t->msgs[n - 1];
	if (!a->has_off)
		return;
	for (i = m->first_elem; i < m->first_elem + m->nelems; i++) {
		if (t->elems[i].off > a->off)
			break;
		t->err_index = t->elems[i].index;
	}
}

/* Grown when a transaction needs more, never shrunk: a limit, not memory */
static void grow_bufsize(struct nfgtpu *h, int *cur, int opt, int force_opt,
			 int size)
{
	int fd = mnl_socket_get_fd(h->nl);

	if (size > *cur &&
	    (!setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof(size)) ||
	     !setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size))))
		*cur = size;
}

int txn_commit(struct txn *t)
{
	struct acks a = { .t = t };
	struct nlmsghdr *last;

	if (!t->nmsgs)
		return 0;
	close_msg(t);
	last = txn_last(t);
	last->nlmsg_flags |= NLM_F_ACK;
	put_batch_end(t);
	t->h->seq = t->seq0 + t->nmsgs + 1;	/* the next request's is new */
	/* the batch goes in one sendmsg(): the socket must take it all */
	grow_bufsize(t->h, &t->h->sndbuf, SO_SNDBUF, SO_SNDBUFFORCE,
		     t->len + 4096);
	grow_bufsize(t->h, &t->h->rcvbuf, SO_RCVBUF, SO_RCVBUFFORCE, 1 << 20);
	if (mnl_socket_sendto(t->h->nl, t->buf, t->len) < 0)
		return nfgtpu_fail(t->h, errno, -1, "netlink send: %s",
				   strerror(errno));
	if (read_acks(t, &a) < 0)
		return -1;
	if (!a.err && a.acked)
		return 0;
	if (!a.err)
		return nfgtpu_fail(t->h, EPROTO, -1,
				   "no acknowledgment of the transaction");
	locate(t, &a);
	return nfgtpu_fail(t->h, a.err, t->err_index, "%s%s%s",
			   strerror(a.err), *a.msg ? ": " : "", a.msg);
}
