/* SPDX-License-Identifier: GPL-2.0-only */
/* libnfgtpu internals: the handle, netlink transactions, the map layout. */
#ifndef NFGTPU_INTERNAL_H
#define NFGTPU_INTERNAL_H

#include "libnfgtpu/libnfgtpu.h"	/* netinet/in.h before linux/ */

#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>


#define EXPORT		__attribute__((visibility("default")))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define GW_TABLE	"gateway"
#define REQ_BUF		512	/* a request: a few attributes, zeroed for each */
#define R(n)		(NFT_REG32_00 + (n))	/* 32-bit register n */

/* The gateway's maps and sets of contexts, in the order of enum gw_map */
enum gw_map {
	UPLINK4, UPLINK6, UPLINK46, DOWNLINK4, DOWNLINK6, BUFFER4, BUFFER6,
	MBR_UP4, MBR_UP6, MBR_DOWN4, MBR_DOWN6, RECORDS, GW_MAPS
};

extern const char *const gw_map_names[GW_MAPS];

/* What one map of the gateway is, as the kernel reports it */
struct map_info {
	bool present;
	bool counter;		/* per-element counter expression */
	uint32_t flags;		/* NFT_SET_* */
	uint32_t klen, dlen;
};

struct link_name {
	uint32_t ifindex;
	char name[NFGTPU_IFNAMSIZ];
};

struct nfgtpu {
	struct mnl_socket *nl;	/* NETLINK_NETFILTER */
	struct mnl_socket *rt;	/* NETLINK_ROUTE */
	struct mnl_socket *link_events;	/* NETLINK_ROUTE, RTMGRP_LINK */
	int netns_fd;		/* -1: the caller's */
	uint32_t seq;
	/* the last error */
	int err;
	long err_index;
	char msg[512];
	/* the gateway's maps, read on first use */
	bool layout_known;
	struct map_info maps[GW_MAPS];
	bool owned;
	/* what a transaction allocated, kept for the next one (txn_free()) */
	struct txn_room {
		char *buf;		/* all zero */
		size_t cap;
		struct txn_msg *msgs;
		size_t msgs_cap;
		struct txn_elem *elems;
		size_t elems_cap;
	} kept;
	/* for the kernel's answers, allocated on first use */
	char *answer_buf;
	/* the largest socket buffers set: each transaction needs them */
	int sndbuf, rcvbuf;
	/* network devices, read again after any link event */
	bool links_known;
	struct link_name *links;
	size_t nlinks;
};

int nfgtpu_fail(struct nfgtpu *h, int err, long index, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void nfgtpu_clear_error(struct nfgtpu *h);
void nfgtpu_prefix_error(struct nfgtpu *h, const char *what);

/* A dump or a request answered by messages: cb sees each of them. */
int nfgtpu_query(struct nfgtpu *h, struct nlmsghdr *nlh, mnl_cb_t cb,
		 void *data);
int nfgtpu_dump_check(struct nfgtpu *h, int ret, bool twice, int *attempt);
struct nlmsghdr *nfgtpu_msg_start(void *buf, uint16_t type, uint16_t flags,
				  uint8_t family, uint32_t seq);

/* Devices in the handle's namespace */
int nfgtpu_links_read(struct nfgtpu *h);
uint32_t nfgtpu_link_index(const struct nfgtpu *h, const char *name);
const char *nfgtpu_link_name(const struct nfgtpu *h, uint32_t ifindex);

int nfgtpu_layout_read(struct nfgtpu *h);

/*
 * One nfnetlink batch, i.e. one transaction.  Messages carrying set
 * elements remember which context each element belongs to, so that the
 * extended ACK's offset names the context the kernel refused.
 */
struct txn_elem {
	uint32_t off;		/* in its message */
	uint32_t index;		/* the context's */
};

struct txn_msg {
	size_t off;		/* in the buffer */
	size_t first_elem, nelems;
	const char *what;	/* for errors outside elements */
	enum gw_map map;	/* element messages */
	bool elems;
};

struct txn {
	struct nfgtpu *h;
	const char *table;	/* of table messages: GW_TABLE unless set */
	char *buf;
	size_t len, cap;
	uint32_t seq0;
	struct txn_msg *msgs;
	size_t nmsgs, msgs_cap;
	struct txn_elem *elems;
	size_t nelems, elems_cap;
	size_t list_off;	/* NFTA_SET_ELEM_LIST_ELEMENTS of the open message */
	size_t elem_off;	/* the open NFTA_LIST_ELEM */
	uint16_t elem_type;	/* of the open element message */
	enum gw_map elem_map;
	/* the error, once sent */
	const struct txn_msg *err_msg;
	long err_index;
};

int txn_init(struct txn *t, struct nfgtpu *h);
void txn_free(struct txn *t);
struct nlmsghdr *txn_msg(struct txn *t, uint16_t type, uint16_t flags,
			 const char *what);
struct nlmsghdr *txn_last(struct txn *t);
/* Elements: element messages of one type and map fill up, then split. */
struct nlmsghdr *txn_elem_begin(struct txn *t, uint16_t type, enum gw_map map,
				uint32_t index);
void txn_elem_end(struct txn *t);
/* Send; on error, t->err_msg and t->err_index say where, and the handle
 * holds errno and the kernel's message.
 */
int txn_commit(struct txn *t);

/*
 * Records (record.c): a batch's record operations, each put into the
 * transaction as element deletions and additions of set records.
 */
struct record_op {
	uint64_t key;
	size_t len, old_len;
	void *data;		/* a copy of the record, len octets */
};

int record_op_init(struct nfgtpu *h, struct record_op *r, uint64_t key,
		   const void *data, size_t len, size_t old_len);
int put_records(struct txn *t, const struct record_op *r, size_t n);
/* The error of a transaction refusing record r */
void record_fail(struct nfgtpu *h, const struct record_op *r);

void put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t v);
void put_data(struct nlmsghdr *nlh, uint16_t type, const void *p, size_t len);

#endif /* NFGTPU_INTERNAL_H */
