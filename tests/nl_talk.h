/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nl_talk: the netlink exchange the test programs share (gtp_genl,
 * nft_gtp_rule), on libmnl: a socket that asks for extended ACKs, a
 * request or a batch sent, and its answers read back, each
 * acknowledgment decoded with its errno and extended ACK.  Like libmnl,
 * it prints nothing: a failure is returned as -1 with errno set, and the
 * programs report it, and the kernel's errors, in their own words.
 */
#ifndef NL_TALK_H
#define NL_TALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/* One NLMSG_ERROR: an acknowledgment, or an error and its extended ACK */
struct nl_ack {
	int err;		/* positive errno; 0: acknowledged */
	uint32_t seq;		/* of the request it answers */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	bool has_off;		/* NLMSGERR_ATTR_OFFS: */
	uint32_t off;		/* the bad attribute, from the request's start */
};

/* One exchange: what to do with the answers, and the first error */
struct nl_talk {
	uint32_t seq;		/* answers to this request only; 0: any */
	mnl_cb_t data_cb;	/* each data message; NULL: ignored */
	/*
	 * Each acknowledgment: MNL_CB_OK reads on, MNL_CB_STOP ends the
	 * exchange, MNL_CB_ERROR fails it (errno set); NULL: the first
	 * one ends it.
	 */
	int (*ack_cb)(const struct nl_ack *ack, void *data);
	void *data;		/* for both callbacks */
	struct nl_ack error;	/* the first error answered; err 0: none */
};

struct mnl_socket *nl_talk_open(int bus, int flags);
struct nlmsghdr *nl_talk_put_request(void *buf, uint16_t type,
				     uint16_t flags, uint32_t seq);
int nl_talk_recv(struct mnl_socket *nl, struct nl_talk *t);
int nl_talk(struct mnl_socket *nl, const void *buf, size_t len,
	    struct nl_talk *t);

#endif
