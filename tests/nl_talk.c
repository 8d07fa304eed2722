// SPDX-License-Identifier: GPL-2.0-only
/*
 * nl_talk: send a netlink request or batch and read its answers back,
 * for the test programs; see nl_talk.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/netlink.h>

#include "nl_talk.h"

#define RECV_SIZE	65536	/* several acknowledgments, or a dump part */

/*
 * A socket bound to a port of its own that asks for extended ACKs and
 * for errors without a copy of the request; best effort: the answers'
 * flags say what they hold.  NULL, errno set, on failure.
 */
struct mnl_socket *nl_talk_open(int bus, int flags)
{
	struct mnl_socket *nl;
	int one = 1, err;

	nl = mnl_socket_open2(bus, flags);
	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl;
}

/* Start a request at @buf: its header, NLM_F_REQUEST and @flags */
struct nlmsghdr *nl_talk_put_request(void *buf, uint16_t type,
				     uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	return nlh;
}

/* The extended ACK's attributes that the programs report, and their types */
static const enum mnl_attr_data_type ext_ack_types[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG] = MNL_TYPE_NUL_STRING,
	[NLMSGERR_ATTR_OFFS] = MNL_TYPE_U32,
};

/* A malformed attribute is left out: the errno is the answer */
static int ext_ack_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, NLMSGERR_ATTR_MAX) > 0 &&
	    ext_ack_types[type] &&
	    mnl_attr_validate(attr, ext_ack_types[type]) >= 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static void parse_ext_ack(const struct nlmsghdr *nlh, struct nl_ack *ack)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	size_t hlen = sizeof(*e);

	/* the attributes follow the request, or only its header (capped) */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hlen += mnl_nlmsg_get_payload_len(&e->msg);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_parse(nlh, hlen, ext_ack_attr_cb, tb);
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(ack->msg, sizeof(ack->msg), "%s",
			 mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS]) {
		ack->has_off = true;
		ack->off = mnl_attr_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	}
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct nl_ack ack = { .seq = nlh->nlmsg_seq };
	struct nl_talk *t = data;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	ack.err = -e->error;
	parse_ext_ack(nlh, &ack);
	if (ack.err && !t->error.err)
		t->error = ack;
	return t->ack_cb ? t->ack_cb(&ack, t->data) : MNL_CB_STOP;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_STOP;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_talk *t = data;

	return t->data_cb ? t->data_cb(nlh, t->data) : MNL_CB_OK;
}

/*
 * Read once and run the callbacks over what came: > 0 to read on, 0
 * when a callback ended the exchange or, on a non-blocking socket,
 * nothing is left; -1, errno set, when reading failed (ENOBUFS: answers
 * were lost) or an answer was bad.
 */
int nl_talk_recv(struct mnl_socket *nl, struct nl_talk *t)
{
	/* with an array, libmnl calls no default for what it leaves NULL */
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
	};
	static char buf[RECV_SIZE];
	ssize_t n;

	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	return mnl_cb_run2(buf, n, t->seq, mnl_socket_get_portid(nl), data_cb,
			   t, ctl, MNL_ARRAY_SIZE(ctl));
}

/*
 * Send @buf (a request, several, or a batch) and read the answers until
 * the callbacks end the exchange: 0, the kernel's first error in
 * t->error; or -1, errno set.
 */
int nl_talk(struct mnl_socket *nl, const void *buf, size_t len,
	    struct nl_talk *t)
{
	int ret;

	memset(&t->error, 0, sizeof(t->error));
	if (mnl_socket_sendto(nl, buf, len) < 0)
		return -1;
	do {
		ret = nl_talk_recv(nl, t);
	} while (ret > 0);
	return ret;
}
