// SPDX-License-Identifier: GPL-2.0-only
/*
 * libnfgtpu: the gateway of docs/gateway.nft built as netlink, one
 * transaction: table inet gateway, its five maps (and two buffer sets),
 * its two sets of reply buckets and the rules of its uplink, gtpu,
 * reply, downlink and encap chains; and the access node of
 * docs/access.nft, table inet access.  Both include the "gtp"
 * expressions that Debian's libnftnl does not know (attributes of
 * nft_gtp.h, by hand).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <endian.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nft_gtp.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "internal.h"

const char *const gw_map_names[GW_MAPS] = {
	[UPLINK4] = "uplink4", [UPLINK6] = "uplink6", [UPLINK46] = "uplink46",
	[DOWNLINK4] = "downlink4", [DOWNLINK6] = "downlink6",
	[BUFFER4] = "buffer4", [BUFFER6] = "buffer6",
	[MBR_UP4] = "mbr_up4", [MBR_UP6] = "mbr_up6",
	[MBR_DOWN4] = "mbr_down4", [MBR_DOWN6] = "mbr_down6",
	[RECORDS] = "records",
};

/*
 * nft's datatype ids (nftables' enum datatypes), so that "nft list"
 * shows the maps' keys and data: a concatenation's id is its fields'
 * ids, 6 bits each, the first one highest.
 */
enum {
	T_INTEGER = 4, T_IPV4 = 7, T_IPV6 = 8, T_MARK = 19, T_IFINDEX = 20,
	T_IFNAME = 41,
};
#define TYPE_BITS	6
#define MAX_FIELDS	4

/*
 * Set ids within the setup transaction: the maps' are enum gw_map + 1;
 * then the reply bucket sets, and the anonymous { 0x1, 0xff } sets of
 * the two rules that update them (an anonymous set belongs to one rule).
 */
enum {
	SET_ID_REPLY4 = GW_MAPS + 1, SET_ID_REPLY6,
	SET_ID_TYPES4, SET_ID_TYPES6,
};
#define ANON_SET	"__set%d"	/* the kernel picks the number */

struct map_type {
	uint8_t n;
	uint8_t ids[MAX_FIELDS];
	uint8_t lens[MAX_FIELDS];	/* bytes, each field padded to 4 */
};

struct map_def {
	struct map_type key, data;	/* data.n 0: a set */
	uint32_t flags;			/* beyond NFT_SET_MAP */
	uint32_t obj_type;		/* of an object map: NFT_OBJECT_* */
};

/* What the rules of a table are built for */
struct setup {
	unsigned int flags;		/* NFGTPU_GW_* */
	const char *ms_dev;		/* access node: the subscribers' side */
};

static uint32_t type_id(const struct map_type *t)
{
	uint32_t id = 0;
	int i;

	for (i = 0; i < t->n; i++)
		id = id << TYPE_BITS | t->ids[i];
	return id;
}

static uint32_t type_len(const struct map_type *t)
{
	uint32_t len = 0;
	int i;

	for (i = 0; i < t->n; i++)
		len += t->lens[i];
	return len;
}

/* The maps, for the transport family and the QFI option */
static void map_defs(unsigned int flags, struct map_def *d)
{
	bool v6 = flags & NFGTPU_GW_PEER6, qfi = flags & NFGTPU_GW_QFI;
	struct map_type peer = {
		.n = qfi ? 3 : 2,
		.ids = { v6 ? T_IPV6 : T_IPV4, T_MARK, T_MARK },
		.lens = { v6 ? 16 : 4, 4, 4 },
	};
	uint32_t timeout = flags & NFGTPU_GW_LEAN ? 0 : NFT_SET_TIMEOUT;

	d[UPLINK4] = (struct map_def){
		.key = { 1, { T_MARK }, { 4 } },
		.data = { 2, { T_IFINDEX, T_IPV4 }, { 4, 4 } },
		.flags = timeout,
	};
	d[UPLINK6] = (struct map_def){
		.key = { 1, { T_MARK }, { 4 } },
		.data = { 2, { T_IFINDEX, T_IPV6 }, { 4, 16 } },
		.flags = timeout,
	};
	/* dual-stack MSs */
	d[UPLINK46] = (struct map_def){
		.key = { 1, { T_MARK }, { 4 } },
		.data = { 3, { T_IFINDEX, T_IPV4, T_IPV6 }, { 4, 4, 16 } },
		.flags = timeout,
	};
	d[DOWNLINK4] = (struct map_def){
		.key = { 2, { T_IFINDEX, T_IPV4 }, { 4, 4 } },
		.data = peer, .flags = timeout,
	};
	d[DOWNLINK6] = (struct map_def){
		.key = { 2, { T_IFNAME, T_IPV6 }, { 16, 16 } },
		.data = peer,
		.flags = timeout | NFT_SET_INTERVAL | NFT_SET_CONCAT,
	};
	/* the MS addresses whose downlink is buffered: downlink's keys */
	d[BUFFER4] = (struct map_def){ .key = d[DOWNLINK4].key,
				       .flags = timeout };
	d[BUFFER6] = (struct map_def){ .key = d[DOWNLINK6].key,
				       .flags = d[DOWNLINK6].flags };
	/*
	 * the MS addresses' limit objects (MBR), downlink's keys; no
	 * timeouts: an expired element would leave its object behind
	 */
	d[MBR_UP4] = (struct map_def){ .key = d[DOWNLINK4].key,
				       .obj_type = NFT_OBJECT_LIMIT };
	d[MBR_UP6] = (struct map_def){ .key = d[DOWNLINK6].key,
				       .flags = NFT_SET_INTERVAL | NFT_SET_CONCAT,
				       .obj_type = NFT_OBJECT_LIMIT };
	d[MBR_DOWN4] = d[MBR_UP4];
	d[MBR_DOWN6] = d[MBR_UP6];
	/*
	 * a record's key, high and low half, and chunk number (record.c),
	 * marks for "nft list"; the chunks are the elements' udata
	 */
	d[RECORDS] = (struct map_def){
		.key = { 3, { T_MARK, T_MARK, T_MARK }, { 4, 4, 4 } },
	};
}

/*
 * libnftnl's udata: the byte order of a single-field key or data of a
 * host-endian type (mark, iface_index).  Without it nft takes them for
 * big endian when it adds elements to a set it did not make, and stores
 * an iface_index byte-swapped.
 */
static bool host_endian(const struct map_type *t)
{
	return t->n == 1 && (t->ids[0] == T_MARK || t->ids[0] == T_IFINDEX);
}

static void put_set_udata(struct nlmsghdr *nlh, const struct map_def *d)
{
	enum { UDATA_SET_KEYBYTEORDER, UDATA_SET_DATABYTEORDER };
	uint32_t host = 1;	/* nft's BYTEORDER_HOST_ENDIAN */
	uint8_t udata[12];
	size_t len = 0;

	if (host_endian(&d->key)) {
		udata[len] = UDATA_SET_KEYBYTEORDER;
		udata[len + 1] = sizeof(host);
		memcpy(udata + len + 2, &host, sizeof(host));
		len += 2 + sizeof(host);
	}
	if (host_endian(&d->data)) {
		udata[len] = UDATA_SET_DATABYTEORDER;
		udata[len + 1] = sizeof(host);
		memcpy(udata + len + 2, &host, sizeof(host));
		len += 2 + sizeof(host);
	}
	if (len)
		mnl_attr_put(nlh, NFTA_SET_USERDATA, len, udata);
}

/* An expression NAME in a nest of TYPE: a rule's list, a set's, ... */
static struct nlattr *expr_start_in(struct nlmsghdr *nlh, uint16_t type,
				    const char *name, struct nlattr **data)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, name);
	*data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	return nest;
}

static void expr_end(struct nlmsghdr *nlh, struct nlattr *nest,
		     struct nlattr *data)
{
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, nest);
}

static void put_counter_expr(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr *d, *e = expr_start_in(nlh, type, "counter", &d);

	mnl_attr_put_u64(nlh, NFTA_COUNTER_BYTES, 0);
	mnl_attr_put_u64(nlh, NFTA_COUNTER_PACKETS, 0);
	expr_end(nlh, e, d);
}

/* A new set NAME of the table, with FLAGS and its transaction's ID */
static struct nlmsghdr *put_set(struct txn *t, const char *name,
				const char *what, uint32_t flags, uint32_t id)
{
	struct nlmsghdr *nlh;

	nlh = txn_msg(t, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL, what);
	if (nlh) {
		mnl_attr_put_strz(nlh, NFTA_SET_TABLE, t->table);
		mnl_attr_put_strz(nlh, NFTA_SET_NAME, name);
		put_u32(nlh, NFTA_SET_FLAGS, flags);
		put_u32(nlh, NFTA_SET_ID, id);
	}
	return nlh;
}

/* Map (or set) NAME of the transaction's ID id */
#define GC_INTERVAL_MS	60000

static int put_map(struct txn *t, const char *name, uint32_t id,
		   const struct map_def *d, bool counter)
{
	struct nlattr *desc, *concat, *field;
	struct nlmsghdr *nlh;
	int i;

	nlh = put_set(t, name, name, (d->data.n ? NFT_SET_MAP : 0) |
		      (d->obj_type ? NFT_SET_OBJECT : 0) | d->flags, id);
	if (!nlh)
		return -1;
	put_u32(nlh, NFTA_SET_KEY_TYPE, type_id(&d->key));
	put_u32(nlh, NFTA_SET_KEY_LEN, type_len(&d->key));
	if (d->obj_type)
		put_u32(nlh, NFTA_SET_OBJ_TYPE, d->obj_type);
	if (d->data.n) {
		put_u32(nlh, NFTA_SET_DATA_TYPE, type_id(&d->data));
		put_u32(nlh, NFTA_SET_DATA_LEN, type_len(&d->data));
	}
	put_set_udata(nlh, d);
	/* pipapo, for intervals of concatenations, needs the field lengths */
	if (d->flags & NFT_SET_CONCAT) {
		desc = mnl_attr_nest_start(nlh, NFTA_SET_DESC);
		concat = mnl_attr_nest_start(nlh, NFTA_SET_DESC_CONCAT);
		for (i = 0; i < d->key.n; i++) {
			field = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
			put_u32(nlh, NFTA_SET_FIELD_LEN, d->key.lens[i]);
			mnl_attr_nest_end(nlh, field);
		}
		mnl_attr_nest_end(nlh, concat);
		mnl_attr_nest_end(nlh, desc);
	}
	if (counter)	/* as nft does for "counter": one per element */
		put_counter_expr(nlh, NFTA_SET_EXPR);
	/*
	 * gc-interval 1m: the collector walks every element of a hash
	 * with timeouts once per interval (the kernel's default, 1 s,
	 * costs a fifth of a CPU at 1,000,000 contexts).  Lookups skip an
	 * element from the moment it expires: only its memory waits.
	 */
	if ((d->flags & NFT_SET_TIMEOUT) && !(d->flags & NFT_SET_INTERVAL))
		mnl_attr_put_u32(nlh, NFTA_SET_GC_INTERVAL, htonl(GC_INTERVAL_MS));
	return 0;
}

/* Expressions */

static struct nlattr *expr_start(struct nlmsghdr *nlh, const char *name,
				 struct nlattr **data)
{
	return expr_start_in(nlh, NFTA_LIST_ELEM, name, data);
}

static void meta(struct nlmsghdr *nlh, uint32_t key, uint32_t dreg)
{
	struct nlattr *d, *e = expr_start(nlh, "meta", &d);

	put_u32(nlh, NFTA_META_KEY, key);
	put_u32(nlh, NFTA_META_DREG, dreg);
	expr_end(nlh, e, d);
}

static void payload(struct nlmsghdr *nlh, uint32_t base, uint32_t off,
		    uint32_t len, uint32_t dreg)
{
	struct nlattr *d, *e = expr_start(nlh, "payload", &d);

	put_u32(nlh, NFTA_PAYLOAD_BASE, base);
	put_u32(nlh, NFTA_PAYLOAD_OFFSET, off);
	put_u32(nlh, NFTA_PAYLOAD_LEN, len);
	put_u32(nlh, NFTA_PAYLOAD_DREG, dreg);
	expr_end(nlh, e, d);
}

static void cmp(struct nlmsghdr *nlh, uint32_t sreg, uint32_t op,
		const void *v, size_t len)
{
	struct nlattr *d, *e = expr_start(nlh, "cmp", &d);

	put_u32(nlh, NFTA_CMP_SREG, sreg);
	put_u32(nlh, NFTA_CMP_OP, op);
	put_data(nlh, NFTA_CMP_DATA, v, len);
	expr_end(nlh, e, d);
}

static void cmp_eq(struct nlmsghdr *nlh, uint32_t sreg, const void *v,
		   size_t len)
{
	cmp(nlh, sreg, NFT_CMP_EQ, v, len);
}

static void cmp_u8(struct nlmsghdr *nlh, uint32_t sreg, uint8_t v)
{
	cmp_eq(nlh, sreg, &v, sizeof(v));
}

static void cmp_u32(struct nlmsghdr *nlh, uint32_t sreg, uint32_t v)
{
	cmp_eq(nlh, sreg, &v, sizeof(v));
}

/* SREG's value in the set of this transaction's SET_ID; DREG: its data */
static void lookup_in(struct nlmsghdr *nlh, const char *set, uint32_t set_id,
		      uint32_t sreg, uint32_t dreg)
{
	struct nlattr *d, *e = expr_start(nlh, "lookup", &d);

	mnl_attr_put_strz(nlh, NFTA_LOOKUP_SET, set);
	put_u32(nlh, NFTA_LOOKUP_SET_ID, set_id);
	put_u32(nlh, NFTA_LOOKUP_SREG, sreg);
	if (dreg)
		put_u32(nlh, NFTA_LOOKUP_DREG, dreg);
	expr_end(nlh, e, d);
}

static void lookup(struct nlmsghdr *nlh, enum gw_map map, uint32_t sreg,
		   uint32_t dreg)
{
	lookup_in(nlh, gw_map_names[map], map + 1, sreg, dreg);
}

/* objref: the object SREG's key maps to in map MAP, evaluated */
static void objref_map(struct nlmsghdr *nlh, enum gw_map map, uint32_t sreg)
{
	struct nlattr *d, *e = expr_start(nlh, "objref", &d);

	put_u32(nlh, NFTA_OBJREF_SET_SREG, sreg);
	mnl_attr_put_strz(nlh, NFTA_OBJREF_SET_NAME, gw_map_names[map]);
	put_u32(nlh, NFTA_OBJREF_SET_ID, map + 1);
	expr_end(nlh, e, d);
}

static void counter(struct nlmsghdr *nlh)
{
	struct nlattr *d, *e = expr_start(nlh, "counter", &d);

	mnl_attr_put_u64(nlh, NFTA_COUNTER_BYTES, 0);
	mnl_attr_put_u64(nlh, NFTA_COUNTER_PACKETS, 0);
	expr_end(nlh, e, d);
}

/* limit rate N/second: nft's default burst is 5 packets */
static void put_limit(struct nlmsghdr *nlh, uint64_t rate)
{
	mnl_attr_put_u64(nlh, NFTA_LIMIT_RATE, htobe64(rate));
	mnl_attr_put_u64(nlh, NFTA_LIMIT_UNIT, htobe64(1));
	put_u32(nlh, NFTA_LIMIT_BURST, 5);
	put_u32(nlh, NFTA_LIMIT_TYPE, NFT_LIMIT_PKTS);
}

static void limit_per_second(struct nlmsghdr *nlh, uint64_t rate)
{
	struct nlattr *d, *e = expr_start(nlh, "limit", &d);

	put_limit(nlh, rate);
	expr_end(nlh, e, d);
}

/*
 * update @SET { KEY limit rate N/second }: the element of the key, added
 * if new (with the set's timeout), and its own limit bucket
 */
static void update_limited(struct nlmsghdr *nlh, const char *set,
			   uint32_t set_id, uint32_t sreg, uint64_t rate)
{
	struct nlattr *d, *e = expr_start(nlh, "dynset", &d);
	struct nlattr *ld, *le;

	mnl_attr_put_strz(nlh, NFTA_DYNSET_SET_NAME, set);
	put_u32(nlh, NFTA_DYNSET_SET_ID, set_id);
	put_u32(nlh, NFTA_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	put_u32(nlh, NFTA_DYNSET_SREG_KEY, sreg);
	le = expr_start_in(nlh, NFTA_DYNSET_EXPR, "limit", &ld);
	put_limit(nlh, rate);
	expr_end(nlh, le, ld);
	expr_end(nlh, e, d);
}

static void log_group(struct nlmsghdr *nlh, uint16_t group)
{
	struct nlattr *d, *e = expr_start(nlh, "log", &d);

	mnl_attr_put_u16(nlh, NFTA_LOG_GROUP, htons(group));
	expr_end(nlh, e, d);
}

/* accept, drop; or jump to CHAIN */
static void verdict_to(struct nlmsghdr *nlh, uint32_t code, const char *chain)
{
	struct nlattr *d, *e = expr_start(nlh, "immediate", &d);
	struct nlattr *data, *v;

	put_u32(nlh, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	data = mnl_attr_nest_start(nlh, NFTA_IMMEDIATE_DATA);
	v = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
	put_u32(nlh, NFTA_VERDICT_CODE, code);
	if (chain)
		mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, chain);
	mnl_attr_nest_end(nlh, v);
	mnl_attr_nest_end(nlh, data);
	expr_end(nlh, e, d);
}

static void verdict(struct nlmsghdr *nlh, uint32_t code)
{
	verdict_to(nlh, code, NULL);
}

/* fib daddr type: the route type of the destination (RTN_LOCAL ...) */
static void fib_daddr_type(struct nlmsghdr *nlh, uint32_t dreg)
{
	struct nlattr *d, *e = expr_start(nlh, "fib", &d);

	put_u32(nlh, NFTA_FIB_DREG, dreg);
	put_u32(nlh, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	put_u32(nlh, NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR);
	expr_end(nlh, e, d);
}

static void gtp_load(struct nlmsghdr *nlh, uint32_t key, uint32_t dreg)
{
	struct nlattr *d, *e = expr_start(nlh, "gtp", &d);

	put_u32(nlh, NFTA_GTP_OP, NFT_GTP_LOAD);
	put_u32(nlh, NFTA_GTP_KEY, key);
	put_u32(nlh, NFTA_GTP_DREG, dreg);
	expr_end(nlh, e, d);
}

static void gtp_reply(struct nlmsghdr *nlh)
{
	struct nlattr *d, *e = expr_start(nlh, "gtp", &d);

	put_u32(nlh, NFTA_GTP_OP, NFT_GTP_REPLY);
	expr_end(nlh, e, d);
}

/*
 * gtp decap FAMILY to gtp teid map @MAP: the expression looks the
 * T-PDU's TEID up in MAP itself, so that the element's counter counts the
 * inner packet (family 0: the data is the device, no check of the inner
 * source, as on the access node)
 */
static void gtp_decap_map(struct nlmsghdr *nlh, const char *map,
			  uint32_t map_id, uint32_t family)
{
	struct nlattr *d, *e = expr_start(nlh, "gtp", &d);

	put_u32(nlh, NFTA_GTP_OP, NFT_GTP_DECAP);
	mnl_attr_put_strz(nlh, NFTA_GTP_SET, map);
	put_u32(nlh, NFTA_GTP_SET_ID, map_id);
	if (family)
		put_u32(nlh, NFTA_GTP_NFPROTO, family);
	expr_end(nlh, e, d);
}

/* gtp encap FAMILY to PEER . TEID [. QFI]: consecutive registers */
static void gtp_encap(struct nlmsghdr *nlh, unsigned int flags, uint32_t reg)
{
	bool v6 = flags & NFGTPU_GW_PEER6;
	struct nlattr *d, *e = expr_start(nlh, "gtp", &d);
	uint32_t teid = reg + (v6 ? 4 : 1);

	put_u32(nlh, NFTA_GTP_OP, NFT_GTP_ENCAP);
	put_u32(nlh, NFTA_GTP_NFPROTO, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	put_u32(nlh, NFTA_GTP_SREG_ADDR, reg);
	put_u32(nlh, NFTA_GTP_SREG_TEID, teid);
	if (flags & NFGTPU_GW_QFI)
		put_u32(nlh, NFTA_GTP_SREG_QFI, teid + 1);
	expr_end(nlh, e, d);
}

/* Rules */

/* udp dport 2152 */
static void udp_gtpu(struct nlmsghdr *nlh)
{
	uint16_t port = htons(2152);

	meta(nlh, NFT_META_L4PROTO, R(0));
	cmp_u8(nlh, R(0), IPPROTO_UDP);
	payload(nlh, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, R(0));
	cmp_eq(nlh, R(0), &port, sizeof(port));
}

/* udp dport 2152 jump gtpu: GTP-U to its chain, the rest leaves at once */
static void rule_gtpu(struct nlmsghdr *nlh, const struct setup *s)
{
	udp_gtpu(nlh);
	verdict_to(nlh, NFT_JUMP, "gtpu");
	(void)s;
}

/*
 * fib daddr type != local accept, after the decap rules (which leave GTP-U
 * to another host alone themselves): such GTP-U only passes through, and
 * the rules below must not count or drop it.
 */
static void rule_not_local(struct nlmsghdr *nlh, const struct setup *s)
{
	uint32_t local = RTN_LOCAL;

	fib_daddr_type(nlh, R(0));
	cmp(nlh, R(0), NFT_CMP_NEQ, &local, sizeof(local));
	verdict(nlh, NF_ACCEPT);
	(void)s;
}

/* gtp type echo-request gtp reply */
static void rule_echo(struct nlmsghdr *nlh, const struct setup *s)
{
	gtp_load(nlh, NFT_GTP_TYPE, R(0));
	cmp_u32(nlh, R(0), 1);
	gtp_reply(nlh);
	(void)s;
}

/* gtp decap ip to gtp teid map @uplink4 */
static void rule_decap4(struct nlmsghdr *nlh, const struct setup *s)
{
	gtp_decap_map(nlh, gw_map_names[UPLINK4], UPLINK4 + 1, NFPROTO_IPV4);
	(void)s;
}

/* gtp decap ip6 to gtp teid map @uplink6 */
static void rule_decap6(struct nlmsghdr *nlh, const struct setup *s)
{
	gtp_decap_map(nlh, gw_map_names[UPLINK6], UPLINK6 + 1, NFPROTO_IPV6);
	(void)s;
}

/*
 * gtp decap inet to gtp teid map @uplink46: a dual-stack MS, its T-PDUs
 * of either family checked against its address of that family
 */
static void rule_decap46(struct nlmsghdr *nlh, const struct setup *s)
{
	gtp_decap_map(nlh, gw_map_names[UPLINK46], UPLINK46 + 1, NFPROTO_INET);
	(void)s;
}

/* gtp type t-pdu limit rate 100/second gtp reply */
static void rule_error_ind(struct nlmsghdr *nlh, const struct setup *s)
{
	gtp_load(nlh, NFT_GTP_TYPE, R(0));
	cmp_u32(nlh, R(0), 255);
	limit_per_second(nlh, 100);
	gtp_reply(nlh);
	(void)s;
}

/* @th,72,8: the GTP-U message type, read as nft reads it */
static void gtp_type_octet(struct nlmsghdr *nlh, uint32_t dreg)
{
	payload(nlh, NFT_PAYLOAD_TRANSPORT_HEADER, 9, 1, dreg);
}

/*
 * @th,72,8 { 0x1, 0xff } update @reply4 { ip saddr limit rate 10/second }
 * jump reply: an Echo Request or a T-PDU no context took goes to the reply
 * chain if its source's own bucket allows
 */
static void reply_if_bucket(struct nlmsghdr *nlh, uint8_t family,
			    uint32_t type_set, const char *set,
			    uint32_t set_id)
{
	bool v4 = family == NFPROTO_IPV4;

	gtp_type_octet(nlh, R(0));
	lookup_in(nlh, ANON_SET, type_set, R(0), 0);
	meta(nlh, NFT_META_NFPROTO, R(0));
	cmp_u8(nlh, R(0), family);
	payload(nlh, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 12 : 8, v4 ? 4 : 16,
		R(0));
	update_limited(nlh, set, set_id, R(0), 10);
	verdict_to(nlh, NFT_JUMP, "reply");
}

static void rule_reply4(struct nlmsghdr *nlh, const struct setup *s)
{
	reply_if_bucket(nlh, NFPROTO_IPV4, SET_ID_TYPES4, "reply4",
			SET_ID_REPLY4);
	(void)s;
}

static void rule_reply6(struct nlmsghdr *nlh, const struct setup *s)
{
	reply_if_bucket(nlh, NFPROTO_IPV6, SET_ID_TYPES6, "reply6",
			SET_ID_REPLY6);
	(void)s;
}

/* @th,72,8 TYPE counter drop */
static void count_drop_type(struct nlmsghdr *nlh, uint8_t type)
{
	gtp_type_octet(nlh, R(0));
	cmp_u8(nlh, R(0), type);
	counter(nlh);
	verdict(nlh, NF_DROP);
}

/* ... 0xff counter drop comment "unknown TEID" */
static void rule_unknown(struct nlmsghdr *nlh, const struct setup *s)
{
	count_drop_type(nlh, 0xff);
	(void)s;
}

/* ... 0x1 counter drop comment "Echo Request not answered" */
static void rule_echo_unanswered(struct nlmsghdr *nlh, const struct setup *s)
{
	count_drop_type(nlh, 0x1);
	(void)s;
}

/* gtp type end-marker counter log group 1 drop */
static void rule_end_marker(struct nlmsghdr *nlh, const struct setup *s)
{
	gtp_load(nlh, NFT_GTP_TYPE, R(0));
	cmp_u32(nlh, R(0), 254);
	counter(nlh);
	log_group(nlh, 1);
	verdict(nlh, NF_DROP);
	(void)s;
}

/*
 * meta oifkind "apn" jump encap: what routing sends into an APN device to
 * the encap chain, the rest (encapsulated packets too) leaves at once
 */
static void rule_apn(struct nlmsghdr *nlh, const struct setup *s)
{
	static const char kind[NFGTPU_IFNAMSIZ] = "apn";

	meta(nlh, NFT_META_OIFKIND, R(0));
	cmp_eq(nlh, R(0), kind, sizeof(kind));
	verdict_to(nlh, NFT_JUMP, "encap");
	(void)s;
}

/*
 * An MS address's key, from R(0): oif . ip daddr (IPv4 packets), or
 * oifname . ip6 daddr (IPv6) for the downlink; the uplink's, of the
 * decapsulated packets, iif . ip saddr or iifname . ip6 saddr.  What
 * follows it: R(2), or R(8).
 */
static uint32_t ms_key(struct nlmsghdr *nlh, bool v6, bool up)
{
	static const uint32_t dev[2][2] = {
		{ NFT_META_OIF, NFT_META_OIFNAME },
		{ NFT_META_IIF, NFT_META_IIFNAME },
	};
	static const uint32_t addr_off[2][2] = { { 16, 24 }, { 12, 8 } };

	meta(nlh, NFT_META_NFPROTO, R(0));
	cmp_u8(nlh, R(0), v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	meta(nlh, dev[up][v6], R(0));
	payload(nlh, NFT_PAYLOAD_NETWORK_HEADER, addr_off[up][v6],
		v6 ? 16 : 4, v6 ? R(4) : R(1));
	return v6 ? R(8) : R(2);
}

/*
 * meta iifkind "apn" jump mbr_up: decapsulated packets (and what else
 * enters an APN device) to their MBR
 */
static void rule_to_mbr(struct nlmsghdr *nlh, const struct setup *s)
{
	static const char kind[NFGTPU_IFNAMSIZ] = "apn";

	meta(nlh, NFT_META_IIFKIND, R(0));
	cmp_eq(nlh, R(0), kind, sizeof(kind));
	verdict_to(nlh, NFT_JUMP, "mbr_up");
	(void)s;
}

/*
 * limit name iif . ip saddr map @mbr_up4 counter drop, and the like: the
 * MS's limit object, "rate over" its MBR, lets the rule go on to the
 * drop once the MS exceeds it
 */
static void mbr_drop(struct nlmsghdr *nlh, enum gw_map map, bool v6, bool up)
{
	ms_key(nlh, v6, up);
	objref_map(nlh, map, R(0));
	counter(nlh);
	verdict(nlh, NF_DROP);
}

static void rule_mbr_up4(struct nlmsghdr *nlh, const struct setup *s)
{
	mbr_drop(nlh, MBR_UP4, false, true);
	(void)s;
}

static void rule_mbr_up6(struct nlmsghdr *nlh, const struct setup *s)
{
	mbr_drop(nlh, MBR_UP6, true, true);
	(void)s;
}

static void rule_mbr_down4(struct nlmsghdr *nlh, const struct setup *s)
{
	mbr_drop(nlh, MBR_DOWN4, false, false);
	(void)s;
}

static void rule_mbr_down6(struct nlmsghdr *nlh, const struct setup *s)
{
	mbr_drop(nlh, MBR_DOWN6, true, false);
	(void)s;
}

/* gtp encap ip to oif . ip daddr map @downlink4 */
static void rule_encap4(struct nlmsghdr *nlh, const struct setup *s)
{
	uint32_t data = ms_key(nlh, false, false);

	lookup(nlh, DOWNLINK4, R(0), data);
	gtp_encap(nlh, s->flags, data);
}

/* gtp encap ip to oifname . ip6 daddr map @downlink6 */
static void rule_encap6(struct nlmsghdr *nlh, const struct setup *s)
{
	uint32_t data = ms_key(nlh, true, false);

	lookup(nlh, DOWNLINK6, R(0), data);
	gtp_encap(nlh, s->flags, data);
}

/* queue num NFGTPU_BUFFER_QUEUE: no bypass, dropped when nobody listens */
static void queue_buffer(struct nlmsghdr *nlh)
{
	struct nlattr *d, *e = expr_start(nlh, "queue", &d);

	mnl_attr_put_u16(nlh, NFTA_QUEUE_NUM, htons(NFGTPU_BUFFER_QUEUE));
	mnl_attr_put_u16(nlh, NFTA_QUEUE_TOTAL, htons(1));
	mnl_attr_put_u16(nlh, NFTA_QUEUE_FLAGS, htons(0));
	expr_end(nlh, e, d);
}

/* oif . ip daddr @buffer4 counter queue num 2152 */
static void rule_buffer4(struct nlmsghdr *nlh, const struct setup *s)
{
	ms_key(nlh, false, false);
	lookup(nlh, BUFFER4, R(0), 0);
	counter(nlh);
	queue_buffer(nlh);
	(void)s;
}

/* oifname . ip6 daddr @buffer6 counter queue num 2152 */
static void rule_buffer6(struct nlmsghdr *nlh, const struct setup *s)
{
	ms_key(nlh, true, false);
	lookup(nlh, BUFFER6, R(0), 0);
	counter(nlh);
	queue_buffer(nlh);
	(void)s;
}

static const struct rule_def {
	const char *chain;
	const char *what;
	const char *comment;
	void (*put)(struct nlmsghdr *nlh, const struct setup *s);
	uint32_t type_set;	/* the id of its { 0x1, 0xff }, if it has one */
	unsigned int need;	/* the NFGTPU_GW_* it is part of, if any */
} rules[] = {
	{ "uplink", "GTP-U rule", NULL, rule_gtpu, 0, 0 },
	{ "uplink", "MBR rule", NULL, rule_to_mbr, 0, NFGTPU_GW_MBR },
	{ "mbr_up", "IPv4 uplink MBR rule", "over MBR", rule_mbr_up4, 0,
	  NFGTPU_GW_MBR },
	{ "mbr_up", "IPv6 uplink MBR rule", "over MBR", rule_mbr_up6, 0,
	  NFGTPU_GW_MBR },
	{ "gtpu", "IPv4 decap rule", NULL, rule_decap4, 0, 0 },
	{ "gtpu", "IPv6 decap rule", NULL, rule_decap6, 0, 0 },
	{ "gtpu", "dual-stack decap rule", NULL, rule_decap46, 0, 0 },
	{ "gtpu", "transit rule", NULL, rule_not_local, 0, 0 },
	{ "gtpu", "IPv4 reply bucket rule", NULL, rule_reply4, SET_ID_TYPES4, 0 },
	{ "gtpu", "IPv6 reply bucket rule", NULL, rule_reply6, SET_ID_TYPES6, 0 },
	{ "gtpu", "unknown TEID rule", "unknown TEID", rule_unknown, 0, 0 },
	{ "gtpu", "unanswered echo rule", "Echo Request not answered",
	  rule_echo_unanswered, 0, 0 },
	{ "gtpu", "end marker rule", NULL, rule_end_marker, 0, 0 },
	{ "reply", "echo reply rule", NULL, rule_echo, 0, 0 },
	{ "reply", "error indication rule", NULL, rule_error_ind, 0, 0 },
	{ "downlink", "APN device rule", NULL, rule_apn, 0, 0 },
	{ "encap", "IPv4 downlink MBR rule", "over MBR", rule_mbr_down4, 0,
	  NFGTPU_GW_MBR },
	{ "encap", "IPv6 downlink MBR rule", "over MBR", rule_mbr_down6, 0,
	  NFGTPU_GW_MBR },
	{ "encap", "IPv4 encap rule", NULL, rule_encap4, 0, 0 },
	{ "encap", "IPv6 encap rule", NULL, rule_encap6, 0, 0 },
}, buffer_rules[] = {
	/* NFGTPU_GW_BUFFER: what the encap rules left, of buffering MSs */
	{ "encap", "IPv4 buffer rule", "buffered downlink", rule_buffer4, 0, 0 },
	{ "encap", "IPv6 buffer rule", "buffered downlink", rule_buffer6, 0, 0 },
};

/*
 * The udata nft gives the set of "@th,72,8 { 0x1, 0xff }": its key is
 * big endian, and is typeof the raw payload @th,72,8, so that nft lists
 * the set as it does its own, in hex, and its listing loads back the
 * same.  libnftnl's TLVs (type, length, value), u32 values host endian:
 * KEYBYTEORDER 2 (big endian); KEY_TYPEOF { EXPR 7 (payload), DATA {
 * 0, 0, base 3 (transport header), offset 72, length 8 } }.
 */
static const uint8_t type_set_udata[] = {
	0, 4, 2, 0, 0, 0,
	3, 38,
	   0, 4, 7, 0, 0, 0,
	   1, 30,
	      0, 4, 0, 0, 0, 0,
	      1, 4, 0, 0, 0, 0,
	      2, 4, 3, 0, 0, 0,
	      3, 4, 72, 0, 0, 0,
	      4, 4, 8, 0, 0, 0,
};

/* The anonymous set { 0x1, 0xff } of GTP-U message types (an octet) */
static int put_type_set(struct txn *t, uint32_t id)
{
	static const uint8_t types[] = { 0x1, 0xff };
	struct nlattr *list, *elem;
	struct nlmsghdr *nlh;
	size_t i;

	nlh = put_set(t, ANON_SET, "message type set",
		      NFT_SET_ANONYMOUS | NFT_SET_CONSTANT, id);
	if (!nlh)
		return -1;
	put_u32(nlh, NFTA_SET_KEY_TYPE, T_INTEGER);
	put_u32(nlh, NFTA_SET_KEY_LEN, 1);
	mnl_attr_put(nlh, NFTA_SET_USERDATA, sizeof(type_set_udata),
		     type_set_udata);
	nlh = txn_msg(t, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL,
		      "message type set elements");
	if (!nlh)
		return -1;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, t->table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, ANON_SET);
	put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, id);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	for (i = 0; i < sizeof(types); i++) {
		elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		put_data(nlh, NFTA_SET_ELEM_KEY, &types[i], 1);
		mnl_attr_nest_end(nlh, elem);
	}
	mnl_attr_nest_end(nlh, list);
	return 0;
}

/*
 * set reply4 { type ipv4_addr; size 65536; flags dynamic,timeout;
 * timeout 10s; }: the sources' reply buckets.  An idle source's bucket is
 * full again long before its element times out.
 */
static int put_reply_set(struct txn *t, const char *name, uint32_t id,
			 uint32_t type, uint32_t len)
{
	struct nlmsghdr *nlh;
	struct nlattr *desc;

	nlh = put_set(t, name, name, NFT_SET_EVAL | NFT_SET_TIMEOUT, id);
	if (!nlh)
		return -1;
	put_u32(nlh, NFTA_SET_KEY_TYPE, type);
	put_u32(nlh, NFTA_SET_KEY_LEN, len);
	mnl_attr_put_u64(nlh, NFTA_SET_TIMEOUT, htobe64(10000));
	desc = mnl_attr_nest_start(nlh, NFTA_SET_DESC);
	put_u32(nlh, NFTA_SET_DESC_SIZE, 65536);
	mnl_attr_nest_end(nlh, desc);
	return 0;
}

/* A comment as nft stores it: libnftnl's udata TLV, type 0 */
static void put_comment(struct nlmsghdr *nlh, const char *comment)
{
	uint8_t udata[2 + 64];
	size_t len = strlen(comment) + 1;

	udata[0] = 0;	/* NFTNL_UDATA_RULE_COMMENT */
	udata[1] = len;
	memcpy(udata + 2, comment, len);
	mnl_attr_put(nlh, NFTA_RULE_USERDATA, 2 + len, udata);
}

static int put_rule(struct txn *t, const struct rule_def *r,
		    const struct setup *s)
{
	struct nlmsghdr *nlh;
	struct nlattr *list;

	if (r->type_set && put_type_set(t, r->type_set) < 0)
		return -1;
	nlh = txn_msg(t, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, r->what);
	if (!nlh)
		return -1;
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, t->table);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, r->chain);
	list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
	r->put(nlh, s);
	mnl_attr_nest_end(nlh, list);
	if (r->comment)
		put_comment(nlh, r->comment);
	return 0;
}

static struct nlmsghdr *put_chain(struct txn *t, const char *name)
{
	struct nlmsghdr *nlh;

	nlh = txn_msg(t, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, name);
	if (nlh) {
		mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, t->table);
		mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, name);
	}
	return nlh;
}

static int put_base_chain(struct txn *t, const char *name, uint32_t hook,
			  int32_t prio)
{
	struct nlmsghdr *nlh = put_chain(t, name);
	struct nlattr *nest;

	if (!nlh)
		return -1;
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TYPE, "filter");
	nest = mnl_attr_nest_start(nlh, NFTA_CHAIN_HOOK);
	put_u32(nlh, NFTA_HOOK_HOOKNUM, hook);
	put_u32(nlh, NFTA_HOOK_PRIORITY, prio);
	mnl_attr_nest_end(nlh, nest);
	put_u32(nlh, NFTA_CHAIN_POLICY, NF_ACCEPT);
	return 0;
}

static int put_table(struct txn *t, unsigned int flags, const char *what)
{
	struct nlmsghdr *nlh;

	nlh = txn_msg(t, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, what);
	if (!nlh)
		return -1;
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, t->table);
	put_u32(nlh, NFTA_TABLE_FLAGS,
		flags & NFGTPU_GW_OWNED ? NFT_TABLE_F_OWNER : 0);
	return 0;
}

static int build_gateway(struct txn *t, const struct setup *s)
{
	unsigned int flags = s->flags;
	struct map_def defs[GW_MAPS];
	size_t i;
	int m;

	map_defs(flags, defs);
	if (put_table(t, flags, "table inet " GW_TABLE) < 0)
		return -1;
	for (m = 0; m < GW_MAPS; m++) {
		if ((m == BUFFER4 || m == BUFFER6) && !(flags & NFGTPU_GW_BUFFER))
			continue;
		if (defs[m].obj_type && !(flags & NFGTPU_GW_MBR))
			continue;
		if (m == RECORDS && !(flags & NFGTPU_GW_RECORDS))
			continue;
		if (put_map(t, gw_map_names[m], m + 1, &defs[m],
			    defs[m].data.n &&
			    !(flags & (NFGTPU_GW_LEAN | NFGTPU_GW_SELECTIVE))) < 0)
			return -1;
	}
	if (put_reply_set(t, "reply4", SET_ID_REPLY4, T_IPV4, 4) < 0 ||
	    put_reply_set(t, "reply6", SET_ID_REPLY6, T_IPV6, 16) < 0)
		return -1;
	/* priority raw and mangle */
	if (put_base_chain(t, "uplink", NF_INET_PRE_ROUTING, -300) < 0 ||
	    !put_chain(t, "gtpu") || !put_chain(t, "reply") ||
	    put_base_chain(t, "downlink", NF_INET_POST_ROUTING, -150) < 0 ||
	    !put_chain(t, "encap") ||
	    (flags & NFGTPU_GW_MBR && !put_chain(t, "mbr_up")))
		return -1;
	for (i = 0; i < ARRAY_SIZE(rules); i++)
		if ((rules[i].need & flags) == rules[i].need &&
		    put_rule(t, &rules[i], s) < 0)
			return -1;
	for (i = 0; flags & NFGTPU_GW_BUFFER && i < ARRAY_SIZE(buffer_rules); i++)
		if (put_rule(t, &buffer_rules[i], s) < 0)
			return -1;
	return 0;
}

/* The access node: table inet access of docs/access.nft */

#define ACC_TABLE	"access"

/* Set ids within its setup transaction */
enum { ACC_UPLINK4 = 1, ACC_UPLINK6, ACC_DOWNLINK };

/*
 * iifname MS_DEV gtp encap ip to ip saddr map @uplink4, or ip6 saddr
 * map @uplink6: the subscriber's packets toward its gateway's TEID
 */
static void access_encap(struct nlmsghdr *nlh, const struct setup *s, bool v6)
{
	char name[NFGTPU_IFNAMSIZ] = {};
	/* the registers nft chooses: gateway . TEID right after the key */
	uint32_t data = v6 ? R(4) : R(1);

	memcpy(name, s->ms_dev, strnlen(s->ms_dev, sizeof(name) - 1));
	meta(nlh, NFT_META_IIFNAME, R(0));
	cmp_eq(nlh, R(0), name, sizeof(name));
	meta(nlh, NFT_META_NFPROTO, data);
	cmp_u8(nlh, data, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	payload(nlh, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4,
		R(0));
	lookup_in(nlh, v6 ? "uplink6" : "uplink4",
		  v6 ? ACC_UPLINK6 : ACC_UPLINK4, R(0), data);
	gtp_encap(nlh, 0, data);
}

static void rule_access_encap4(struct nlmsghdr *nlh, const struct setup *s)
{
	access_encap(nlh, s, false);
}

static void rule_access_encap6(struct nlmsghdr *nlh, const struct setup *s)
{
	access_encap(nlh, s, true);
}

/* udp dport 2152 gtp decap to gtp teid map @downlink */
static void rule_access_decap(struct nlmsghdr *nlh, const struct setup *s)
{
	udp_gtpu(nlh);
	gtp_decap_map(nlh, "downlink", ACC_DOWNLINK, 0);
	(void)s;
}

static const struct rule_def access_rules[] = {
	{ "uplink", "IPv4 encap rule", NULL, rule_access_encap4, 0, 0 },
	{ "uplink", "IPv6 encap rule", NULL, rule_access_encap6, 0, 0 },
	{ "downlink", "decap rule", NULL, rule_access_decap, 0, 0 },
};

static int build_access(struct txn *t, const struct setup *s)
{
	static const struct {
		const char *name;
		struct map_def def;
	} maps[] = {
		{ "uplink4", { .key = { 1, { T_IPV4 }, { 4 } },
			       .data = { 2, { T_IPV4, T_MARK }, { 4, 4 } } } },
		{ "uplink6", { .key = { 1, { T_IPV6 }, { 16 } },
			       .data = { 2, { T_IPV4, T_MARK }, { 4, 4 } } } },
		{ "downlink", { .key = { 1, { T_MARK }, { 4 } },
				.data = { 1, { T_IFINDEX }, { 4 } } } },
	};
	size_t i;

	if (put_table(t, s->flags, "table inet " ACC_TABLE) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(maps); i++)
		if (put_map(t, maps[i].name, ACC_UPLINK4 + i, &maps[i].def,
			    !(s->flags & NFGTPU_GW_LEAN)) < 0)
			return -1;
	/* priority mangle and raw */
	if (put_base_chain(t, "uplink", NF_INET_FORWARD, -150) < 0 ||
	    put_base_chain(t, "downlink", NF_INET_PRE_ROUTING, -300) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(access_rules); i++)
		if (put_rule(t, &access_rules[i], s) < 0)
			return -1;
	return 0;
}

/* One transaction: the table table, built by build */
static int setup_table(struct nfgtpu *h, const char *table,
		       int (*build)(struct txn *t, const struct setup *s),
		       const struct setup *s)
{
	struct txn t;
	int ret;

	if (txn_init(&t, h) < 0)
		return -1;
	t.table = table;
	ret = build(&t, s);
	if (!ret)
		ret = txn_commit(&t);
	if (ret < 0 && t.err_msg) {
		/* an expression type the kernel could not load */
		if (h->err == ENOENT && strstr(t.err_msg->what, "rule"))
			nfgtpu_fail(h, ENOENT, -1, "%s (is the nft_gtp module available?)",
				    strerror(ENOENT));
		nfgtpu_prefix_error(h, t.err_msg->what);
	}
	txn_free(&t);
	return ret;
}

#define GW_FLAGS_ALL	(NFGTPU_GW_LEAN | NFGTPU_GW_OWNED | NFGTPU_GW_PEER6 | \
			 NFGTPU_GW_QFI | NFGTPU_GW_BUFFER | NFGTPU_GW_MBR | \
			 NFGTPU_GW_RECORDS | NFGTPU_GW_SELECTIVE)
#define ACC_FLAGS_ALL	(NFGTPU_GW_LEAN | NFGTPU_GW_OWNED)

EXPORT int nfgtpu_gateway_setup(struct nfgtpu *h, unsigned int flags)
{
	const struct setup s = { flags, NULL };

	nfgtpu_clear_error(h);
	if (flags & ~GW_FLAGS_ALL)
		return nfgtpu_fail(h, EINVAL, -1, "unknown gateway flags 0x%x",
				   flags & ~GW_FLAGS_ALL);
	if ((flags & NFGTPU_GW_LEAN) && (flags & NFGTPU_GW_SELECTIVE))
		return nfgtpu_fail(h, EINVAL, -1,
				   "lean and selective: choose one layout");
	h->layout_known = false;
	return setup_table(h, GW_TABLE, build_gateway, &s);
}

EXPORT int nfgtpu_access_setup(struct nfgtpu *h, const char *ms_dev,
			       unsigned int flags)
{
	const struct setup s = { flags, ms_dev };

	nfgtpu_clear_error(h);
	if (flags & ~ACC_FLAGS_ALL)
		return nfgtpu_fail(h, EINVAL, -1,
				   "unknown access node flags 0x%x",
				   flags & ~ACC_FLAGS_ALL);
	if (!ms_dev || !*ms_dev || strlen(ms_dev) >= NFGTPU_IFNAMSIZ)
		return nfgtpu_fail(h, EINVAL, -1,
				   "bad subscriber device name '%s'",
				   ms_dev ? ms_dev : "");
	return setup_table(h, ACC_TABLE, build_access, &s);
}

static int delete_table(struct nfgtpu *h, const char *table, const char *what)
{
	struct nlmsghdr *nlh;
	struct txn t;
	int ret = -1;

	nfgtpu_clear_error(h);
	if (txn_init(&t, h) < 0)
		return -1;
	nlh = txn_msg(&t, NFT_MSG_DELTABLE, 0, what);
	if (nlh) {
		mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
		ret = txn_commit(&t);
	}
	if (ret < 0 && t.err_msg)
		nfgtpu_prefix_error(h, t.err_msg->what);
	txn_free(&t);
	return ret;
}

EXPORT int nfgtpu_gateway_delete(struct nfgtpu *h)
{
	h->layout_known = false;
	return delete_table(h, GW_TABLE, "table inet " GW_TABLE);
}

EXPORT int nfgtpu_access_delete(struct nfgtpu *h)
{
	return delete_table(h, ACC_TABLE, "table inet " ACC_TABLE);
}

/* Reading the layout back */

static int set_expr_cb(const struct nlattr *attr, void *data)
{
	bool *counter = data;

	if (mnl_attr_get_type(attr) == NFTA_EXPR_NAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0 &&
	    !strcmp(mnl_attr_get_str(attr), "counter"))
		*counter = true;
	return MNL_CB_OK;
}

static int set_exprs_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == NFTA_LIST_ELEM)
		mnl_attr_parse_nested(attr, set_expr_cb, data);
	return MNL_CB_OK;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct map_info *mi = data;
	const struct nlattr *attr;

	mi->present = true;
	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		bool u32 = mnl_attr_validate(attr, MNL_TYPE_U32) >= 0;

		switch (mnl_attr_get_type(attr)) {
		case NFTA_SET_FLAGS:
			if (u32)
				mi->flags = ntohl(mnl_attr_get_u32(attr));
			break;
		case NFTA_SET_KEY_LEN:
			if (u32)
				mi->klen = ntohl(mnl_attr_get_u32(attr));
			break;
		case NFTA_SET_DATA_LEN:
			if (u32)
				mi->dlen = ntohl(mnl_attr_get_u32(attr));
			break;
		case NFTA_SET_EXPR:
			mnl_attr_parse_nested(attr, set_expr_cb, &mi->counter);
			break;
		case NFTA_SET_EXPRESSIONS:
			mnl_attr_parse_nested(attr, set_exprs_cb, &mi->counter);
			break;
		}
	}
	return MNL_CB_OK;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	bool *owned = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(attr) == NFTA_TABLE_FLAGS &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			*owned = ntohl(mnl_attr_get_u32(attr)) & NFT_TABLE_F_OWNER;
	return MNL_CB_OK;
}

int nfgtpu_layout_read(struct nfgtpu *h)
{
	char buf[REQ_BUF] = {};
	struct nlmsghdr *nlh;
	int m;

	if (h->layout_known)
		return 0;
	nlh = nfgtpu_msg_start(buf, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETTABLE,
			       NLM_F_ACK, NFPROTO_INET, 0);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, GW_TABLE);
	if (nfgtpu_query(h, nlh, table_cb, &h->owned) < 0)
		return nfgtpu_fail(h, h->err, -1, "table inet " GW_TABLE ": %s%s",
				   strerror(h->err), h->err == ENOENT ?
				   " (no gateway set up here)" : "");
	for (m = 0; m < GW_MAPS; m++) {
		memset(&h->maps[m], 0, sizeof(h->maps[m]));
		nlh = nfgtpu_msg_start(buf, NFNL_SUBSYS_NFTABLES << 8 |
				       NFT_MSG_GETSET, NLM_F_ACK, NFPROTO_INET, 0);
		mnl_attr_put_strz(nlh, NFTA_SET_TABLE, GW_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_NAME, gw_map_names[m]);
		if (nfgtpu_query(h, nlh, set_cb, &h->maps[m]) < 0 &&
		    h->err != ENOENT)
			return nfgtpu_fail(h, h->err, -1, "map %s: %s",
					   gw_map_names[m], strerror(h->err));
	}
	nfgtpu_clear_error(h);
	h->layout_known = true;
	return 0;
}

EXPORT int nfgtpu_gateway_flags(struct nfgtpu *h, unsigned int *flags)
{
	const struct map_info *dl = &h->maps[DOWNLINK4];

	nfgtpu_clear_error(h);
	if (nfgtpu_layout_read(h) < 0)
		return -1;
	*flags = 0;
	if (!h->maps[UPLINK4].counter)
		*flags |= h->maps[UPLINK4].flags & NFT_SET_TIMEOUT ?
			  NFGTPU_GW_SELECTIVE : NFGTPU_GW_LEAN;
	if (h->owned)
		*flags |= NFGTPU_GW_OWNED;
	if (dl->dlen == 20 || dl->dlen == 24)
		*flags |= NFGTPU_GW_PEER6;
	if (dl->dlen == 12 || dl->dlen == 24)
		*flags |= NFGTPU_GW_QFI;
	if (h->maps[BUFFER4].present)
		*flags |= NFGTPU_GW_BUFFER;
	if (h->maps[MBR_DOWN4].present)
		*flags |= NFGTPU_GW_MBR;
	if (h->maps[RECORDS].present)
		*flags |= NFGTPU_GW_RECORDS;
	return 0;
}
