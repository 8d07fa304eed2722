// SPDX-License-Identifier: GPL-2.0-only
/*
 * libnfgtpu: PDP contexts as elements of the gateway's maps.
 *
 * A context is up to four elements: uplink4/uplink6 keyed by its TEID
 * (data: APN device index . MS address), downlink4 keyed by APN device
 * index . MS IPv4 address and downlink6 by APN device name . MS /64
 * (data: peer . peer TEID [. QFI]).  A context without a downlink has no
 * downlink element, and a buffering one has an element of the same key
 * in buffer4/buffer6 instead.  A dual-stack one has its uplink element
 * in uplink46.  One with MBRs has limit objects, named for its TEID, and
 * elements of the downlink's keys naming them in the MBR maps.  A
 * transaction puts the elements of
 * many contexts into one message per map, split at 60 KiB, and many such
 * messages into one batch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <endian.h>
#include <linux/netfilter/nfnetlink.h>

#include "internal.h"

struct nfgtpu_batch {
	struct nfgtpu *h;
	struct op {
		enum nfgtpu_op op;
		struct nfgtpu_ctx ctx;
		uint32_t ifindex;	/* of ctx.apn */
		/*
		 * The elements it deletes, then adds: MAP_BIT()s.  A modify's
		 * new elements start from the counters and the time left of
		 * the ones they replace: ctx.uplink, ctx.downlink and
		 * ctx.expires_ms, which the caller does not set.
		 */
		unsigned int del_maps, new_maps;
	} *ops;
	size_t n, cap;
	struct record_op *recs;
	size_t n_recs, recs_cap;
};

/* Map data: peer . peer TEID [. QFI], as the layout wants it */
struct peer_data {
	uint8_t b[24];
	size_t len;
};

static bool gw_peer6(const struct nfgtpu *h)
{
	return h->maps[DOWNLINK4].dlen == 20 || h->maps[DOWNLINK4].dlen == 24;
}

static bool gw_qfi(const struct nfgtpu *h)
{
	return h->maps[DOWNLINK4].dlen == 12 || h->maps[DOWNLINK4].dlen == 24;
}

static void peer_data(const struct nfgtpu *h, const struct nfgtpu_ctx *c,
		      struct peer_data *d)
{
	size_t alen = c->peer_family == AF_INET6 ? 16 : 4;
	uint32_t qfi = c->qfi;

	memcpy(d->b, &c->peer, alen);
	memcpy(d->b + alen, &c->peer_teid, 4);
	d->len = alen + 4;
	if (gw_qfi(h)) {
		memcpy(d->b + d->len, &qfi, 4);
		d->len += 4;
	}
}

static const char *fmt_teid(char *buf, uint32_t teid)
{
	snprintf(buf, 16, "0x%x", teid);
	return buf;
}

static int ctx_fail(struct nfgtpu *h, long index, const struct nfgtpu_ctx *c,
		    int err, const char *msg)
{
	char teid[16];

	return nfgtpu_fail(h, err, index, "context %ld (TEID %s): %s", index,
			   fmt_teid(teid, c->teid), msg);
}

static bool map_has(const struct nfgtpu *h, enum gw_map m)
{
	return h->maps[m].present;
}

#define MAP_BIT(m)	(1u << (m))
#define UP_MAPS		(MAP_BIT(UPLINK4) | MAP_BIT(UPLINK6) | MAP_BIT(UPLINK46))
#define DL_MAPS		(MAP_BIT(DOWNLINK4) | MAP_BIT(DOWNLINK6) | \
			 MAP_BIT(BUFFER4) | MAP_BIT(BUFFER6))
#define MBR_UP_MAPS	(MAP_BIT(MBR_UP4) | MAP_BIT(MBR_UP6))
#define MBR_MAPS	(MBR_UP_MAPS | MAP_BIT(MBR_DOWN4) | MAP_BIT(MBR_DOWN6))
/* What a modify replaces: the downlink, buffering and MBR elements */
#define SWAP_MAPS	(DL_MAPS | MBR_MAPS)

#define MBR_NAME_LEN	24		/* "mbr-down-0xffffffff" */
#define MBR_MAX_KBPS	100000000ULL	/* 100 Gbit/s: the burst fits 32 bits */

static bool is_map4(enum gw_map m)
{
	return m == UPLINK4 || m == DOWNLINK4 || m == BUFFER4 ||
	       m == MBR_UP4 || m == MBR_DOWN4;
}

static bool has_downlink(const struct nfgtpu_ctx *c)
{
	return !(c->flags & (NFGTPU_CTX_NO_DOWNLINK | NFGTPU_CTX_BUFFER));
}

static bool is_dual_stack(const struct nfgtpu_ctx *c)
{
	return (c->flags & NFGTPU_CTX_MS4) && (c->flags & NFGTPU_CTX_MS6);
}

/* The map of the context's uplink element: one per context */
static enum gw_map uplink_map(const struct nfgtpu_ctx *c)
{
	if (is_dual_stack(c))
		return UPLINK46;
	return c->flags & NFGTPU_CTX_MS4 ? UPLINK4 : UPLINK6;
}

/* Has the context an element in map m? */
static bool ctx_in_map(const struct nfgtpu_ctx *c, enum gw_map m)
{
	if (MAP_BIT(m) & UP_MAPS)
		return (c->flags & (NFGTPU_CTX_MS4 | NFGTPU_CTX_MS6)) &&
		       m == uplink_map(c);
	if (!(c->flags & (is_map4(m) ? NFGTPU_CTX_MS4 : NFGTPU_CTX_MS6)))
		return false;
	if (m == DOWNLINK4 || m == DOWNLINK6)
		return has_downlink(c);
	if (m == BUFFER4 || m == BUFFER6)
		return c->flags & NFGTPU_CTX_BUFFER;
	if (!(MAP_BIT(m) & MBR_MAPS))
		return false;
	return c->flags & NFGTPU_CTX_MBR &&
	       (MAP_BIT(m) & MBR_UP_MAPS ? c->mbr_up_kbps : c->mbr_down_kbps);
}

static unsigned int ctx_maps(const struct nfgtpu_ctx *c)
{
	unsigned int bits = 0;
	int m;

	for (m = 0; m < GW_MAPS; m++)
		if (ctx_in_map(c, m))
			bits |= MAP_BIT(m);
	return bits;
}

/* The downlink checks: peer, QFI */
static int check_downlink(struct nfgtpu *h, const struct nfgtpu_ctx *c,
			  long index)
{
	bool v6 = gw_peer6(h);

	if (c->peer_family != (v6 ? AF_INET6 : AF_INET))
		return ctx_fail(h, index, c, EAFNOSUPPORT, v6 ?
				"the gateway's transport is IPv6: peer must be IPv6" :
				"the gateway's transport is IPv4: peer must be IPv4");
	if (!c->peer_teid)
		return ctx_fail(h, index, c, EINVAL, "peer TEID 0 is reserved");
	if (gw_qfi(h) && !(c->flags & NFGTPU_CTX_QFI))
		return ctx_fail(h, index, c, EINVAL,
				"the gateway's downlink carries a QFI: give one");
	if (!gw_qfi(h) && c->flags & NFGTPU_CTX_QFI)
		return ctx_fail(h, index, c, EOPNOTSUPP,
				"the gateway was set up without QFI");
	if (c->flags & NFGTPU_CTX_QFI && c->qfi > 63)
		return ctx_fail(h, index, c, ERANGE, "QFI above 63");
	return 0;
}

/*
 * An MBR: a gateway with MBR maps; no timeout, which would leave the
 * limit objects behind (a modify keeps the context's: none then); a
 * rate nf_tables' limit takes (bytes per second, a burst that fits 32
 * bits).
 */
static int check_mbr(struct nfgtpu *h, const struct nfgtpu_ctx *c, long index)
{
	if (!map_has(h, MBR_DOWN4))
		return ctx_fail(h, index, c, EOPNOTSUPP,
				"the gateway was set up without MBR");
	if (c->timeout_ms)
		return ctx_fail(h, index, c, EINVAL,
				"a context with an MBR takes no timeout");
	if (c->mbr_up_kbps > MBR_MAX_KBPS ||
	    c->mbr_down_kbps > MBR_MAX_KBPS)
		return ctx_fail(h, index, c, ERANGE, "MBR above 100 Gbit/s");
	return 0;
}

/* Everything the kernel would not check, or not say clearly */
static int check_ctx(struct nfgtpu *h, const struct op *o, long index)
{
	const struct nfgtpu_ctx *c = &o->ctx;

	if (!c->teid)
		return ctx_fail(h, index, c, EINVAL, "TEID 0 is reserved");
	if (o->op == NFGTPU_OP_DELETE)
		return 0;
	if (!(c->flags & (NFGTPU_CTX_MS4 | NFGTPU_CTX_MS6)))
		return ctx_fail(h, index, c, EINVAL, "no MS address");
	if (!map_has(h, uplink_map(c)))
		return ctx_fail(h, index, c, EOPNOTSUPP, is_dual_stack(c) ?
				"the gateway has no map uplink46 for dual-stack MSs" :
				"the gateway has no map for this MS family");
	if ((c->flags & NFGTPU_CTX_NO_DOWNLINK) &&
	    (c->flags & NFGTPU_CTX_BUFFER))
		return ctx_fail(h, index, c, EINVAL,
				"no downlink and buffering: choose one");
	if ((c->flags & NFGTPU_CTX_BUFFER) &&
	    ((c->flags & NFGTPU_CTX_MS4 && !map_has(h, BUFFER4)) ||
	     (c->flags & NFGTPU_CTX_MS6 && !map_has(h, BUFFER6))))
		return ctx_fail(h, index, c, EOPNOTSUPP,
				"the gateway buffers no downlink (set up without buffering)");
	if (has_downlink(c) && check_downlink(h, c, index) < 0)
		return -1;
	if (c->flags & NFGTPU_CTX_TIMEOUT && c->timeout_ms &&
	    !(h->maps[UPLINK4].flags & NFT_SET_TIMEOUT))
		return ctx_fail(h, index, c, EOPNOTSUPP,
				"the gateway's maps take no timeouts (lean layout)");
	if (c->flags & NFGTPU_CTX_TIMEOUT && c->timeout_ms &&
	    c->flags & NFGTPU_CTX_MS6 &&
	    !(h->maps[DOWNLINK6].flags & NFT_SET_TIMEOUT))
		return ctx_fail(h, index, c, EOPNOTSUPP,
				"map downlink6 takes no timeouts");
	return c->flags & NFGTPU_CTX_MBR ? check_mbr(h, c, index) : 0;
}

/* Elements */

/* A modify's new elements expire with the ones they replace */
static void put_timeout(struct nlmsghdr *nlh, const struct nfgtpu_ctx *c)
{
	if (!c->timeout_ms)
		return;
	mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT, htobe64(c->timeout_ms));
	if (c->expires_ms)
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_EXPIRATION,
				 htobe64(c->expires_ms));
}

/* downlink6's key: APN name . /64, and the end of its interval */
static void key6(const struct nfgtpu_ctx *c, uint8_t *key, uint8_t *end)
{
	memset(key, 0, 32);
	memcpy(key, c->apn, strnlen(c->apn, NFGTPU_IFNAMSIZ - 1));
	memcpy(key + 16, &c->ms6, 8);
	memcpy(end, key, 32);
	memset(end + 24, 0xff, 8);
}

/* An uplink element's data: APN device index . MS address(es) */
static size_t uplink_value(const struct op *o, uint8_t *data)
{
	const struct nfgtpu_ctx *c = &o->ctx;
	size_t len = 4;

	memcpy(data, &o->ifindex, 4);
	if (c->flags & NFGTPU_CTX_MS4) {
		memcpy(data + len, &c->ms4, 4);
		len += 4;
	}
	if (c->flags & NFGTPU_CTX_MS6) {
		memcpy(data + len, &c->ms6, 16);
		len += 16;
	}
	return len;
}

static void add_counter(struct nfgtpu_counter *to,
			const struct nfgtpu_counter *c)
{
	to->packets += c->packets;
	to->bytes += c->bytes;
}

/*
 * What a modify's new element starts from: the context's uplink counter,
 * and its downlink counter in its first downlink element (a dual-stack
 * context's two count as one).
 */
static const struct nfgtpu_counter *carried(const struct nfgtpu_ctx *c,
					    enum gw_map m)
{
	static const struct nfgtpu_counter zero;

	if (MAP_BIT(m) & UP_MAPS)
		return &c->uplink;
	return m == DOWNLINK6 && c->flags & NFGTPU_CTX_MS4 ? &zero :
	       &c->downlink;
}

/*
 * Whether element m of o gets a counter of its own: a modify's replaces
 * the map's, to carry the context's counts; a map without one counts only
 * the contexts that ask.
 */
static bool own_counter(const struct nfgtpu *h, enum gw_map m,
			const struct op *o)
{
	if (!(MAP_BIT(m) & (UP_MAPS | MAP_BIT(DOWNLINK4) | MAP_BIT(DOWNLINK6))))
		return false;
	if (h->maps[m].counter)
		return o->op == NFGTPU_OP_MODIFY;
	return o->ctx.flags & NFGTPU_CTX_COUNTER;
}

/* An element's own counter, starting from c; it replaces the map's */
static void put_counter(struct nlmsghdr *nlh, const struct nfgtpu_counter *c)
{
	struct nlattr *expr = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_EXPR);
	struct nlattr *data;

	mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, "counter");
	data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	mnl_attr_put_u64(nlh, NFTA_COUNTER_BYTES, htobe64(c->bytes));
	mnl_attr_put_u64(nlh, NFTA_COUNTER_PACKETS, htobe64(c->packets));
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, expr);
}

/* An element's key: and its interval end, in downlink6 */
struct elem_key {
	uint8_t key[32], end[32];
	size_t len;
	bool has_end;
};

/* The key of a context's element in a downlink, buffer or MBR map */
static void dl_key(enum gw_map m, const struct nfgtpu_ctx *c,
		   uint32_t ifindex, struct elem_key *k)
{
	memset(k, 0, sizeof(*k));
	if (is_map4(m)) {
		memcpy(k->key, &ifindex, 4);
		memcpy(k->key + 4, &c->ms4, 4);
		k->len = 8;
	} else {
		key6(c, k->key, k->end);
		k->len = 32;
		k->has_end = true;
	}
}

/* The name of a context's MBR limit object: by TEID and direction */
static void mbr_name(char *buf, uint32_t teid, bool up)
{
	snprintf(buf, MBR_NAME_LEN, "mbr-%s-0x%x", up ? "up" : "down", teid);
}

/*
 * limit NAME { rate over RATE bytes/second burst BURST bytes }: RATE from
 * kbit/s; the burst, what may pass at once, 100 ms at the rate and at
 * least two full-size packets
 */
static int put_mbr_obj(struct txn *t, uint16_t type, const struct op *o,
		       bool up)
{
	uint64_t rate = (up ? o->ctx.mbr_up_kbps : o->ctx.mbr_down_kbps) * 125;
	uint32_t burst = rate / 10 > 3000 ? rate / 10 : 3000;
	char name[MBR_NAME_LEN];
	struct nlmsghdr *nlh;
	struct nlattr *data;

	nlh = txn_msg(t, type, type == NFT_MSG_NEWOBJ ?
		      NLM_F_CREATE | NLM_F_EXCL : 0, "MBR limit object");
	if (!nlh)
		return -1;
	mbr_name(name, o->ctx.teid, up);
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, GW_TABLE);
	mnl_attr_put_strz(nlh, NFTA_OBJ_NAME, name);
	put_u32(nlh, NFTA_OBJ_TYPE, NFT_OBJECT_LIMIT);
	if (type != NFT_MSG_NEWOBJ)
		return 0;
	data = mnl_attr_nest_start(nlh, NFTA_OBJ_DATA);
	mnl_attr_put_u64(nlh, NFTA_LIMIT_RATE, htobe64(rate));
	mnl_attr_put_u64(nlh, NFTA_LIMIT_UNIT, htobe64(1));
	put_u32(nlh, NFTA_LIMIT_BURST, burst);
	put_u32(nlh, NFTA_LIMIT_TYPE, NFT_LIMIT_PKT_BYTES);
	put_u32(nlh, NFTA_LIMIT_FLAGS, NFT_LIMIT_F_INV);
	mnl_attr_nest_end(nlh, data);
	return 0;
}

/* The limit objects of the MBR elements in bits */
static int put_mbr_objs(struct txn *t, uint16_t type, const struct op *o,
			unsigned int bits)
{
	if (bits & MBR_UP_MAPS && put_mbr_obj(t, type, o, true) < 0)
		return -1;
	if (bits & (MBR_MAPS & ~MBR_UP_MAPS) &&
	    put_mbr_obj(t, type, o, false) < 0)
		return -1;
	return 0;
}

static int put_elem(struct txn *t, uint16_t type, enum gw_map m,
		    const struct op *o, uint32_t index)
{
	const struct nfgtpu_ctx *c = &o->ctx;
	bool add = type == NFT_MSG_NEWSETELEM;
	uint8_t key[32], end[32], data[24];
	char name[MBR_NAME_LEN];
	struct peer_data pd;
	struct nlmsghdr *nlh;
	struct elem_key k;

	nlh = txn_elem_begin(t, type, m, index);
	if (!nlh)
		return -1;
	switch (m) {
	case UPLINK4:
	case UPLINK6:
	case UPLINK46:
		put_data(nlh, NFTA_SET_ELEM_KEY, &c->teid, 4);
		if (add)
			put_data(nlh, NFTA_SET_ELEM_DATA, data,
				 uplink_value(o, data));
		break;
	case DOWNLINK4:
	case BUFFER4:
		memcpy(key, &o->ifindex, 4);
		memcpy(key + 4, &c->ms4, 4);
		put_data(nlh, NFTA_SET_ELEM_KEY, key, 8);
		break;
	case DOWNLINK6:
	case BUFFER6:
		key6(c, key, end);
		put_data(nlh, NFTA_SET_ELEM_KEY, key, 32);
		put_data(nlh, NFTA_SET_ELEM_KEY_END, end, 32);
		break;
	default:	/* MBR: the downlink's key, a limit object */
		dl_key(m, c, o->ifindex, &k);
		put_data(nlh, NFTA_SET_ELEM_KEY, k.key, k.len);
		if (k.has_end)
			put_data(nlh, NFTA_SET_ELEM_KEY_END, k.end, k.len);
		mbr_name(name, c->teid, MAP_BIT(m) & MBR_UP_MAPS);
		if (add)
			mnl_attr_put_strz(nlh, NFTA_SET_ELEM_OBJREF, name);
		break;
	}
	if (add && (m == DOWNLINK4 || m == DOWNLINK6)) {
		peer_data(t->h, c, &pd);
		put_data(nlh, NFTA_SET_ELEM_DATA, pd.b, pd.len);
	}
	if (add && own_counter(t->h, m, o))
		put_counter(nlh, carried(c, m));
	if (add && t->h->maps[m].flags & NFT_SET_TIMEOUT)
		put_timeout(nlh, c);
	txn_elem_end(t);
	return 0;
}

/*
 * The elements of ops [from, to), all of the same operation, map by
 * map: the deletions, then the additions.
 */
static int put_run(struct txn *t, const struct op *ops, size_t from, size_t to)
{
	static const uint16_t types[] = { NFT_MSG_DELSETELEM, NFT_MSG_NEWSETELEM };
	unsigned int bits;
	size_t s, i;
	int m;

	for (s = 0; s < ARRAY_SIZE(types); s++) {
		/* limit objects before the elements naming them, and after */
		for (i = from; s && i < to; i++)
			if (put_mbr_objs(t, NFT_MSG_NEWOBJ, &ops[i],
					 ops[i].new_maps) < 0)
				return -1;
		for (m = 0; m < GW_MAPS; m++)
			for (i = from; i < to; i++) {
				bits = s ? ops[i].new_maps : ops[i].del_maps;
				if (bits & MAP_BIT(m) &&
				    put_elem(t, types[s], m, &ops[i], i) < 0)
					return -1;
			}
		for (i = from; !s && i < to; i++)
			if (put_mbr_objs(t, NFT_MSG_DELOBJ, &ops[i],
					 ops[i].del_maps) < 0)
				return -1;
	}
	return 0;
}

/* Element dumps and lookups */

struct elem {
	uint8_t key[32], data[24];
	size_t klen, dlen;
	uint64_t timeout, expiration;
	bool counted;		/* it has a counter */
	struct nfgtpu_counter counter;
};

static int counter_cb(const struct nlattr *attr, void *data)
{
	struct nfgtpu_counter *c = &((struct elem *)data)->counter;

	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
		return MNL_CB_OK;
	if (mnl_attr_get_type(attr) == NFTA_COUNTER_PACKETS)
		c->packets = be64toh(mnl_attr_get_u64(attr));
	else if (mnl_attr_get_type(attr) == NFTA_COUNTER_BYTES)
		c->bytes = be64toh(mnl_attr_get_u64(attr));
	return MNL_CB_OK;
}

static int expr_cb(const struct nlattr *attr, void *data)
{
	struct elem *e = data;

	if (mnl_attr_get_type(attr) == NFTA_EXPR_NAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0 &&
	    !strcmp(mnl_attr_get_str(attr), "counter"))
		e->counted = true;
	else if (mnl_attr_get_type(attr) == NFTA_EXPR_DATA)
		mnl_attr_parse_nested(attr, counter_cb, data);
	return MNL_CB_OK;
}

static int exprs_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == NFTA_LIST_ELEM)
		mnl_attr_parse_nested(attr, expr_cb, data);
	return MNL_CB_OK;
}

static void get_value(const struct nlattr *nest, uint8_t *buf, size_t max,
		      size_t *len)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) != NFTA_DATA_VALUE ||
		    mnl_attr_get_payload_len(attr) > max)
			continue;
		*len = mnl_attr_get_payload_len(attr);
		memcpy(buf, mnl_attr_get_payload(attr), *len);
	}
}

static int elem_attr_cb(const struct nlattr *attr, void *data)
{
	struct elem *e = data;

	switch (mnl_attr_get_type(attr)) {
	case NFTA_SET_ELEM_KEY:
		get_value(attr, e->key, sizeof(e->key), &e->klen);
		break;
	case NFTA_SET_ELEM_DATA:
		get_value(attr, e->data, sizeof(e->data), &e->dlen);
		break;
	case NFTA_SET_ELEM_TIMEOUT:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) >= 0)
			e->timeout = be64toh(mnl_attr_get_u64(attr));
		break;
	case NFTA_SET_ELEM_EXPIRATION:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) >= 0)
			e->expiration = be64toh(mnl_attr_get_u64(attr));
		break;
	case NFTA_SET_ELEM_EXPR:
		mnl_attr_parse_nested(attr, expr_cb, e);
		break;
	case NFTA_SET_ELEM_EXPRESSIONS:
		mnl_attr_parse_nested(attr, exprs_cb, e);
		break;
	}
	return MNL_CB_OK;
}

struct elems {
	struct nfgtpu *h;
	struct elem *v;
	size_t n, cap;
};

static int elem_list_cb(const struct nlattr *attr, void *data)
{
	struct elems *es = data;
	struct elem *e;

	if (mnl_attr_get_type(attr) != NFTA_LIST_ELEM)
		return MNL_CB_OK;
	if (es->n == es->cap) {
		es->cap = es->cap ? 2 * es->cap : 1024;
		e = realloc(es->v, es->cap * sizeof(*e));
		if (!e) {
			nfgtpu_fail(es->h, ENOMEM, -1, "out of memory");
			return MNL_CB_ERROR;
		}
		es->v = e;
	}
	e = &es->v[es->n++];
	memset(e, 0, sizeof(*e));
	return mnl_attr_parse_nested(attr, elem_attr_cb, e);
}

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(attr) == NFTA_SET_ELEM_LIST_ELEMENTS &&
		    mnl_attr_parse_nested(attr, elem_list_cb, data) < 0)
			return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static int by_elem_key(const void *a, const void *b)
{
	const struct elem *x = a, *y = b;

	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return memcmp(x->key, y->key, x->klen);
}

/* Whether the elements from v[from] have a key twice; sorts them */
static bool elems_twice(struct elems *es, size_t from)
{
	size_t i;

	qsort(es->v + from, es->n - from, sizeof(*es->v), by_elem_key);
	for (i = from + 1; i < es->n; i++)
		if (!by_elem_key(&es->v[i - 1], &es->v[i]))
			return true;
	return false;
}

/*
 * Dump a map's elements, added to es, or (k) get the one of that key.
 * Elements of an interval map are keyed by their start.
 */
static int read_elems(struct nfgtpu *h, enum gw_map m,
		      const struct elem_key *k, struct elems *es)
{
	char buf[REQ_BUF] = {};
	struct nlattr *list, *elem;
	struct nlmsghdr *nlh;
	int ret, attempt = 0;
	size_t n;

	nlh = nfgtpu_msg_start(buf, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETSETELEM,
			       k ? NLM_F_ACK : NLM_F_DUMP, NFPROTO_INET, 0);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, GW_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, gw_map_names[m]);
	if (k) {
		list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		put_data(nlh, NFTA_SET_ELEM_KEY, k->key, k->len);
		if (k->has_end)
			put_data(nlh, NFTA_SET_ELEM_KEY_END, k->end, k->len);
		mnl_attr_nest_end(nlh, elem);
		mnl_attr_nest_end(nlh, list);
	}
	es->h = h;
	if (k)
		return nfgtpu_query(h, nlh, elems_cb, es);
	n = es->n;
	do {
		es->n = n;
		ret = nfgtpu_query(h, nlh, elems_cb, es);
		ret = nfgtpu_dump_check(h, ret, !ret && elems_twice(es, n),
					&attempt);
	} while (ret > 0);
	return ret;
}

/*
 * Read one element of map m by key: 1 found (in *e), 0 not there, -1 on
 * another error.
 */
static int get_elem(struct nfgtpu *h, enum gw_map m, const struct elem_key *k,
		    struct elem *e)
{
	struct elems es = {};
	int ret;

	ret = read_elems(h, m, k, &es);
	if (ret < 0 && nfgtpu_errno(h) == ENOENT) {
		nfgtpu_clear_error(h);
		ret = 0;
	} else if (ret == 0) {
		ret = es.n > 0;
		if (ret)
			*e = es.v[0];
	}
	free(es.v);
	return ret;
}

/*
 * An uplink element's APN device index and MS address(es), by the length
 * of its data (uplink4, uplink6, uplink46); false if it has another.
 */
static bool uplink_data(const struct elem *e, uint32_t *ifindex,
			struct nfgtpu_ctx *c)
{
	if (e->dlen != 8 && e->dlen != 20 && e->dlen != 24)
		return false;
	memcpy(ifindex, e->data, 4);
	if (e->dlen != 20) {
		memcpy(&c->ms4, e->data + 4, 4);
		c->flags |= NFGTPU_CTX_MS4;
	}
	if (e->dlen != 8) {
		memcpy(&c->ms6, e->data + e->dlen - 16, 16);
		c->flags |= NFGTPU_CTX_MS6;
	}
	return true;
}

/* Delete by TEID alone: find APN and MS addresses in the uplink maps. */
static int resolve_delete(struct nfgtpu *h, struct op *o, long index)
{
	struct nfgtpu_ctx *c = &o->ctx;
	struct elem_key k = { .len = sizeof(c->teid) };
	struct elems es = {};
	const char *name;
	int m;

	memcpy(k.key, &c->teid, sizeof(c->teid));
	for (m = UPLINK4; m <= UPLINK46; m++) {
		es.n = 0;
		if (map_has(h, m) && read_elems(h, m, &k, &es) == 0 &&
		    es.n && uplink_data(&es.v[0], &o->ifindex, c))
			o->del_maps |= MAP_BIT(m);
	}
	free(es.v);
	nfgtpu_clear_error(h);
	if (!(c->flags & (NFGTPU_CTX_MS4 | NFGTPU_CTX_MS6)))
		return ctx_fail(h, index, c, ENOENT, "no such context");
	name = nfgtpu_link_name(h, o->ifindex);
	if (!name && c->flags & NFGTPU_CTX_MS6)
		return ctx_fail(h, index, c, ENODEV,
				"its APN device is gone: cannot find its IPv6 downlink");
	if (name)
		snprintf(c->apn, sizeof(c->apn), "%s", name);
	return 0;
}

/*
 * The downlink, buffer or MBR elements the context has now, to delete, and
 * the counters of its downlink elements, so that usage survives a
 * handover (but for packets counted in between).
 */
static int find_downlink(struct nfgtpu *h, struct op *o)
{
	struct elem_key k;
	struct elem e;
	int m, ret;

	for (m = DOWNLINK4; m <= MBR_DOWN6; m++) {
		if (!map_has(h, m) ||
		    !(o->ctx.flags & (is_map4(m) ? NFGTPU_CTX_MS4 :
				      NFGTPU_CTX_MS6)))
			continue;
		dl_key(m, &o->ctx, o->ifindex, &k);
		ret = get_elem(h, m, &k, &e);
		if (ret < 0)
			return -1;
		if (!ret)
			continue;
		o->del_maps |= MAP_BIT(m);
		if (m == DOWNLINK4 || m == DOWNLINK6)
			add_counter(&o->ctx.downlink, &e.counter);
	}
	return 0;
}

/*
 * A modify's context counts if it did or asks to; one starting to count
 * needs a new uplink element, with a counter.
 */
static void keep_counting(struct op *o, bool counted)
{
	uint32_t up = ctx_maps(&o->ctx) & UP_MAPS;

	if (counted) {
		o->ctx.flags |= NFGTPU_CTX_COUNTER;
	} else if (o->ctx.flags & NFGTPU_CTX_COUNTER) {
		o->del_maps |= up;
		o->new_maps |= up;
	}
}

/*
 * Modify: the context's decap element is as given (TEID, APN, MS).  Its
 * timeout and time left stay the context's, unless a new timeout is
 * given: then the uplink element is replaced too, keeping its counters.
 */
static int find_uplink(struct nfgtpu *h, struct op *o, long index)
{
	struct nfgtpu_ctx *c = &o->ctx;
	struct elem_key k = { .len = sizeof(c->teid) };
	uint8_t data[24];
	size_t len = uplink_value(o, data);
	struct elem e;
	int ret;

	memcpy(k.key, &c->teid, sizeof(c->teid));
	ret = get_elem(h, uplink_map(c), &k, &e);
	if (ret < 0)
		return -1;
	if (!ret || e.dlen != len || memcmp(e.data, data, len))
		return ctx_fail(h, index, c, ENOENT,
				"no such context (TEID, APN and MS must match)");
	c->uplink = e.counter;
	keep_counting(o, e.counted);
	if (c->flags & NFGTPU_CTX_TIMEOUT) {
		o->del_maps |= MAP_BIT(uplink_map(c));
	} else if (e.timeout) {
		c->timeout_ms = e.timeout;
		/* 0: expired, not yet collected; it would mean a full timeout */
		c->expires_ms = e.expiration ? e.expiration : 1;
	}
	return 0;
}

/*
 * A modify of a context that an earlier operation p of the transaction
 * added or modified: it replaces what p put in.
 */
static int after_op(struct nfgtpu *h, struct op *o, const struct op *p,
		    long index)
{
	struct nfgtpu_ctx *c = &o->ctx;

	if (p->op == NFGTPU_OP_DELETE || p->ifindex != o->ifindex ||
	    (p->ctx.flags ^ c->flags) & (NFGTPU_CTX_MS4 | NFGTPU_CTX_MS6) ||
	    memcmp(&p->ctx.ms4, &c->ms4, sizeof(c->ms4)) ||
	    memcmp(&p->ctx.ms6, &c->ms6, sizeof(c->ms6)))
		return ctx_fail(h, index, c, ENOENT,
				"no such context (TEID, APN and MS must match)");
	o->del_maps = p->new_maps & SWAP_MAPS;
	keep_counting(o, p->ctx.flags & NFGTPU_CTX_COUNTER);
	if (c->flags & NFGTPU_CTX_TIMEOUT) {
		o->del_maps |= ctx_maps(c) & UP_MAPS;
	} else {
		c->timeout_ms = p->ctx.timeout_ms;
		c->expires_ms = p->ctx.expires_ms;
	}
	c->uplink = p->ctx.uplink;
	c->downlink = p->ctx.downlink;
	return 0;
}

/*
 * The elements the operation deletes and adds.  p: the transaction's
 * previous operation on the same TEID, NULL if none.
 */
static int op_maps(struct nfgtpu *h, struct op *o, const struct op *p,
		   long index)
{
	switch (o->op) {
	case NFGTPU_OP_ADD:
		o->new_maps = ctx_maps(&o->ctx);
		return 0;
	case NFGTPU_OP_DELETE:
		/* found by TEID: what else it has is looked up too */
		if (o->del_maps)
			return find_downlink(h, o);
		o->del_maps = p && p->op != NFGTPU_OP_DELETE ?
			      (p->new_maps & SWAP_MAPS) |
			      (ctx_maps(&o->ctx) & ~SWAP_MAPS) :
			      ctx_maps(&o->ctx);
		return 0;
	default:
		o->new_maps = ctx_maps(&o->ctx) &
			      (o->ctx.flags & NFGTPU_CTX_TIMEOUT ?
			       UP_MAPS | SWAP_MAPS : SWAP_MAPS);
		if (p)
			return after_op(h, o, p, index);
		if (find_uplink(h, o, index) < 0)
			return -1;
		return find_downlink(h, o);
	}
}

/* For each operation, the index of the previous one on its TEID, or -1 */
struct teid_index {
	uint32_t teid;
	long i;
};

static int by_teid_index(const void *a, const void *b)
{
	const struct teid_index *x = a, *y = b;

	if (x->teid != y->teid)
		return x->teid < y->teid ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* A transaction of a few operations (a control plane's) allocates none */
#define FEW_OPS		8

/* In few[] if n fits, else allocated */
static long *previous_ops(struct nfgtpu *h, const struct op *ops, size_t n,
			  long *few)
{
	struct teid_index few_v[FEW_OPS], *v = few_v;
	long *prev = few;
	size_t i;

	if (n > FEW_OPS) {
		v = calloc(n, sizeof(*v));
		prev = calloc(n, sizeof(*prev));
		if (!v || !prev) {
			free(v);
			free(prev);
			nfgtpu_fail(h, ENOMEM, -1, "out of memory");
			return NULL;
		}
	}
	for (i = 0; i < n; i++)
		v[i] = (struct teid_index){ ops[i].ctx.teid, (long)i };
	qsort(v, n, sizeof(*v), by_teid_index);
	for (i = 0; i < n; i++)
		prev[v[i].i] = i && v[i - 1].teid == v[i].teid ? v[i - 1].i : -1;
	if (v != few_v)
		free(v);
	return prev;
}

static int resolve(struct nfgtpu *h, struct op *o, long index)
{
	struct nfgtpu_ctx *c = &o->ctx;
	char msg[64];

	if (o->op == NFGTPU_OP_DELETE &&
	    !(c->flags & (NFGTPU_CTX_MS4 | NFGTPU_CTX_MS6)))
		return resolve_delete(h, o, index);
	if (!c->apn[0])
		return ctx_fail(h, index, c, EINVAL, "no APN device");
	o->ifindex = nfgtpu_link_index(h, c->apn);
	if (!o->ifindex) {
		snprintf(msg, sizeof(msg), "no APN device '%.16s'", c->apn);
		return ctx_fail(h, index, c, ENODEV, msg);
	}
	return 0;
}

/* What the kernel's error means for the context it names */
static const char *explain(const struct txn_msg *m, int err, int op)
{
	bool up = MAP_BIT(m->map) & UP_MAPS;

	if (err == EEXIST && up)
		return "TEID already in use";
	if (err == EEXIST)
		return "the APN device and MS address already have a context";
	if (err == ENOENT)
		return op == NFGTPU_OP_MODIFY ?
			"no such context (TEID, APN and MS must match)" :
			"no such context";
	if (err == EPERM)
		return "the gateway's table is owned by another process";
	return NULL;
}

static int commit_ops(struct nfgtpu *h, struct op *ops, size_t n,
		      const struct record_op *recs, size_t n_recs)
{
	char teid[16], kmsg[sizeof(h->msg)];
	const char *why;
	size_t from, i;
	long few[FEW_OPS], *prev;
	struct txn t;
	int ret;

	nfgtpu_clear_error(h);
	if (!n && !n_recs)
		return 0;
	if (nfgtpu_layout_read(h) < 0 || nfgtpu_links_read(h) < 0)
		return -1;
	prev = previous_ops(h, ops, n, few);
	if (!prev)
		return -1;
	for (i = 0; i < n; i++)
		if (resolve(h, &ops[i], i) < 0 || check_ctx(h, &ops[i], i) < 0 ||
		    op_maps(h, &ops[i], prev[i] < 0 ? NULL : &ops[prev[i]],
			    i) < 0)
			break;
	if (i < n || txn_init(&t, h) < 0) {
		if (prev != few)
			free(prev);
		return -1;
	}
	/*
	 * A run puts all its deletions before its additions: a second
	 * operation on the same TEID starts a new one.
	 */
	for (from = 0, ret = 0; from < n && !ret; from = i) {
		for (i = from + 1; i < n && ops[i].op == ops[from].op &&
		     prev[i] < (long)from; i++)
			;
		ret = put_run(&t, ops, from, i);
	}
	if (prev != few)
		free(prev);
	if (!ret)
		ret = put_records(&t, recs, n_recs);
	if (!ret)
		ret = txn_commit(&t);
	/* the gateway may have been set up again since it was read */
	if (ret < 0)
		h->layout_known = false;
	if (ret < 0 && t.err_msg && t.err_msg->map == RECORDS &&
	    t.err_index >= 0) {
		record_fail(h, &recs[t.err_index]);
	} else if (ret < 0 && t.err_msg && t.err_msg->elems) {
		i = t.err_index >= 0 ? (size_t)t.err_index : 0;
		why = explain(t.err_msg, h->err, ops[i].op);
		memcpy(kmsg, h->msg, sizeof(kmsg));
		if (t.err_index >= 0)
			nfgtpu_fail(h, h->err, t.err_index,
				    "context %zu (TEID %s): map %s: %s", i,
				    fmt_teid(teid, ops[i].ctx.teid),
				    gw_map_names[t.err_msg->map],
				    why ? why : kmsg);
		else
			nfgtpu_fail(h, h->err, -1, "map %s: %s",
				    gw_map_names[t.err_msg->map],
				    why ? why : kmsg);
	} else if (ret < 0 && t.err_msg) {
		nfgtpu_prefix_error(h, t.err_msg->what);
	}
	txn_free(&t);
	return ret;
}

/* The batch API, and the one-operation calls over it */

/* What nfgtpu_ctx_list() fills in, and an unflagged timeout, are unset */
static void op_init(struct op *o, enum nfgtpu_op op,
		    const struct nfgtpu_ctx *ctx)
{
	*o = (struct op){ .op = op, .ctx = *ctx };
	if (!(ctx->flags & NFGTPU_CTX_TIMEOUT))
		o->ctx.timeout_ms = 0;
	if (!(ctx->flags & NFGTPU_CTX_MBR))
		o->ctx.mbr_up_kbps = o->ctx.mbr_down_kbps = 0;
	o->ctx.expires_ms = 0;
	o->ctx.uplink = (struct nfgtpu_counter){};
	o->ctx.downlink = (struct nfgtpu_counter){};
}

EXPORT struct nfgtpu_batch *nfgtpu_batch_new(struct nfgtpu *h)
{
	struct nfgtpu_batch *b = calloc(1, sizeof(*b));

	if (b)
		b->h = h;
	return b;
}

EXPORT void nfgtpu_batch_free(struct nfgtpu_batch *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->n_recs; i++)
		free(b->recs[i].data);
	free(b->recs);
	free(b->ops);
	free(b);
}

EXPORT int nfgtpu_batch_put(struct nfgtpu_batch *b, enum nfgtpu_op op,
			    const struct nfgtpu_ctx *ctx)
{
	struct op *ops;

	if (op > NFGTPU_OP_DELETE)
		return nfgtpu_fail(b->h, EINVAL, b->n, "unknown operation %d",
				   op);
	if (b->n == b->cap) {
		/* small first: a large block costs malloc a consolidation */
		b->cap = b->cap ? 2 * b->cap : 4;
		ops = realloc(b->ops, b->cap * sizeof(*ops));
		if (!ops)
			return nfgtpu_fail(b->h, ENOMEM, b->n, "out of memory");
		b->ops = ops;
	}
	op_init(&b->ops[b->n++], op, ctx);
	return 0;
}

EXPORT int nfgtpu_batch_record(struct nfgtpu_batch *b, uint64_t key,
			       const void *data, size_t len, size_t old_len)
{
	struct record_op *r;

	if (b->n_recs == b->recs_cap) {
		b->recs_cap = b->recs_cap ? 2 * b->recs_cap : 8;
		r = realloc(b->recs, b->recs_cap * sizeof(*r));
		if (!r)
			return nfgtpu_fail(b->h, ENOMEM, -1, "out of memory");
		b->recs = r;
	}
	if (record_op_init(b->h, &b->recs[b->n_recs], key, data, len,
			   old_len) < 0)
		return -1;
	b->n_recs++;
	return 0;
}

EXPORT int nfgtpu_batch_commit(struct nfgtpu_batch *b)
{
	return commit_ops(b->h, b->ops, b->n, b->recs, b->n_recs);
}

static int one_op(struct nfgtpu *h, enum nfgtpu_op op,
		  const struct nfgtpu_ctx *ctx, size_t n)
{
	struct op *ops = calloc(n ? n : 1, sizeof(*ops));
	size_t i;
	int ret;

	if (!ops)
		return nfgtpu_fail(h, ENOMEM, -1, "out of memory");
	for (i = 0; i < n; i++)
		op_init(&ops[i], op, &ctx[i]);
	ret = commit_ops(h, ops, n, NULL, 0);
	free(ops);
	return ret;
}

EXPORT int nfgtpu_ctx_add(struct nfgtpu *h, const struct nfgtpu_ctx *ctx,
			  size_t n)
{
	return one_op(h, NFGTPU_OP_ADD, ctx, n);
}

EXPORT int nfgtpu_ctx_modify(struct nfgtpu *h, const struct nfgtpu_ctx *ctx,
			     size_t n)
{
	return one_op(h, NFGTPU_OP_MODIFY, ctx, n);
}

EXPORT int nfgtpu_ctx_delete(struct nfgtpu *h, const struct nfgtpu_ctx *ctx,
			     size_t n)
{
	return one_op(h, NFGTPU_OP_DELETE, ctx, n);
}

/* Listing: the uplink elements make the contexts, the downlink ones are
 * joined to them by APN device and MS address.
 */

struct lctx {
	struct nfgtpu_ctx c;
	uint32_t ifindex;
};

static int by_teid(const void *a, const void *b)
{
	const struct lctx *x = a, *y = b;

	return x->c.teid < y->c.teid ? -1 : x->c.teid > y->c.teid;
}

/* Keys of the downlink maps, as they are in the elements */
static void dl4_key(const struct lctx *l, uint8_t *key)
{
	memcpy(key, &l->ifindex, 4);
	memcpy(key + 4, &l->c.ms4, 4);
}

static int by_dl4(const void *a, const void *b)
{
	const struct lctx *x = *(const struct lctx **)a;
	const struct lctx *y = *(const struct lctx **)b;
	uint8_t kx[8], ky[8];

	dl4_key(x, kx);
	dl4_key(y, ky);
	return memcmp(kx, ky, sizeof(kx));
}

static int by_dl6(const void *a, const void *b)
{
	const struct lctx *x = *(const struct lctx **)a;
	const struct lctx *y = *(const struct lctx **)b;
	uint8_t kx[32], ky[32], end[32];

	key6(&x->c, kx, end);
	key6(&y->c, ky, end);
	return memcmp(kx, ky, sizeof(kx));
}

/* An uplink element into (a zeroed) context */
static void uplink_elem(struct nfgtpu *h, const struct elem *e,
			struct lctx *l)
{
	const char *name;

	memcpy(&l->c.teid, e->key, 4);
	uplink_data(e, &l->ifindex, &l->c);
	name = nfgtpu_link_name(h, l->ifindex);
	snprintf(l->c.apn, sizeof(l->c.apn), "%s", name ? name : "?");
	if (e->timeout) {
		l->c.flags |= NFGTPU_CTX_TIMEOUT;
		l->c.timeout_ms = e->timeout;
		l->c.expires_ms = e->expiration;
	}
	l->c.uplink = e->counter;
	if (e->counted)
		l->c.flags |= NFGTPU_CTX_COUNTER;
}

/* The other family's uplink element of the same TEID into l */
static void merge_uplink(struct lctx *l, const struct lctx *u)
{
	if (u->c.flags & NFGTPU_CTX_MS6)
		l->c.ms6 = u->c.ms6;
	else
		l->c.ms4 = u->c.ms4;
	l->c.flags |= u->c.flags;
	add_counter(&l->c.uplink, &u->c.uplink);
}

/* uplink4 and uplink6 elements into contexts, merged by TEID */
static int uplink_ctxs(struct nfgtpu *h, struct lctx **out, size_t *n)
{
	struct elems es = {};
	struct lctx *v;
	size_t i, j;
	int m;

	for (m = UPLINK4; m <= UPLINK46; m++)
		if (map_has(h, m) && read_elems(h, m, NULL, &es) < 0) {
			free(es.v);
			return -1;
		}
	v = calloc(es.n ? es.n : 1, sizeof(*v));
	if (!v) {
		free(es.v);
		return nfgtpu_fail(h, ENOMEM, -1, "out of memory");
	}
	for (i = 0; i < es.n; i++)
		uplink_elem(h, &es.v[i], &v[i]);
	qsort(v, es.n, sizeof(*v), by_teid);
	for (i = 0, j = 0; i < es.n; i++) {
		if (j && v[j - 1].c.teid == v[i].c.teid)
			merge_uplink(&v[j - 1], &v[i]);
		else
			v[j++] = v[i];
	}
	free(es.v);
	*out = v;
	*n = j;
	return 0;
}

/* A downlink element's peer, peer TEID, QFI and counter into c */
static void downlink_elem(const struct nfgtpu *h, const struct elem *e,
			  struct nfgtpu_ctx *c)
{
	bool v6 = gw_peer6(h);
	size_t alen = v6 ? 16 : 4;
	uint32_t qfi;

	if (e->dlen < alen + 4)
		return;		/* not made by this library */
	c->peer_family = v6 ? AF_INET6 : AF_INET;
	memcpy(&c->peer, e->data, alen);
	memcpy(&c->peer_teid, e->data + alen, 4);
	if (e->dlen >= alen + 8) {
		memcpy(&qfi, e->data + alen + 4, 4);
		c->qfi = qfi;
		c->flags |= NFGTPU_CTX_QFI;
	}
	add_counter(&c->downlink, &e->counter);
}

/* A buffer element: the context buffers its downlink */
static void buffer_elem(const struct nfgtpu *h, const struct elem *e,
			struct nfgtpu_ctx *c)
{
	c->flags |= NFGTPU_CTX_BUFFER;
	(void)h;
	(void)e;
}

static void dl_elem(const struct nfgtpu *h, enum gw_map m,
		    const struct elem *e, struct nfgtpu_ctx *c)
{
	if (m == DOWNLINK4 || m == DOWNLINK6)
		downlink_elem(h, e, c);
	else
		buffer_elem(h, e, c);
}

/* A context that neither forwards nor buffers its downlink */
static void no_downlink(struct nfgtpu_ctx *c)
{
	if (!c->peer_family && !(c->flags & NFGTPU_CTX_BUFFER))
		c->flags |= NFGTPU_CTX_NO_DOWNLINK;
}

/* Join the elements of a downlink or buffer map to the contexts */
static int join_downlink(struct nfgtpu *h, enum gw_map m, struct lctx *v,
			 size_t n)
{
	bool four = is_map4(m);
	uint32_t flag = four ? NFGTPU_CTX_MS4 : NFGTPU_CTX_MS6;
	struct lctx **idx, key = {}, *kp = &key, **hit;
	struct elems es = {};
	size_t i, k = 0;

	if (!map_has(h, m))
		return 0;
	idx = calloc(n ? n : 1, sizeof(*idx));
	if (!idx)
		return nfgtpu_fail(h, ENOMEM, -1, "out of memory");
	for (i = 0; i < n; i++)
		if (v[i].c.flags & flag)
			idx[k++] = &v[i];
	qsort(idx, k, sizeof(*idx), four ? by_dl4 : by_dl6);
	if (read_elems(h, m, NULL, &es) < 0) {
		free(idx);
		return -1;
	}
	for (i = 0; i < es.n; i++) {
		const struct elem *e = &es.v[i];

		if (four) {
			memcpy(&key.ifindex, e->key, 4);
			memcpy(&key.c.ms4, e->key + 4, 4);
		} else {
			memcpy(key.c.apn, e->key, NFGTPU_IFNAMSIZ);
			key.c.apn[NFGTPU_IFNAMSIZ - 1] = '\0';
			memset(&key.c.ms6, 0, sizeof(key.c.ms6));
			memcpy(&key.c.ms6, e->key + 16, 8);
		}
		hit = bsearch(&kp, idx, k, sizeof(*idx), four ? by_dl4 : by_dl6);
		if (hit)
			dl_elem(h, m, e, &(*hit)->c);
	}
	free(es.v);
	free(idx);
	return 0;
}

/* MBR limit objects into the contexts (sorted by TEID) they are named for */
struct mbr_join {
	struct lctx *v;
	size_t n;
};

static int limit_rate_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == NFTA_LIMIT_RATE &&
	    mnl_attr_validate(attr, MNL_TYPE_U64) >= 0)
		*(uint64_t *)data = be64toh(mnl_attr_get_u64(attr));
	return MNL_CB_OK;
}

static int mbr_obj_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct mbr_join *j = data;
	const struct nlattr *attr;
	const char *name = NULL;
	struct lctx key = {}, *l;
	uint64_t rate = 0;
	char dir[5];

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(attr) == NFTA_OBJ_NAME &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
			name = mnl_attr_get_str(attr);
		else if (mnl_attr_get_type(attr) == NFTA_OBJ_DATA)
			mnl_attr_parse_nested(attr, limit_rate_cb, &rate);
	}
	if (!name || sscanf(name, "mbr-%4[a-z]-0x%x", dir, &key.c.teid) != 2)
		return MNL_CB_OK;
	l = bsearch(&key, j->v, j->n, sizeof(*l), by_teid);
	if (!l)
		return MNL_CB_OK;
	l->c.flags |= NFGTPU_CTX_MBR;
	if (!strcmp(dir, "up"))
		l->c.mbr_up_kbps = rate / 125;
	else if (!strcmp(dir, "down"))
		l->c.mbr_down_kbps = rate / 125;
	return MNL_CB_OK;
}

/* The MBR objects of the contexts v, or (name) the one of that name */
static int read_mbr(struct nfgtpu *h, struct lctx *v, size_t n,
		    const char *name)
{
	struct mbr_join j = { v, n };
	char buf[REQ_BUF] = {};
	struct nlmsghdr *nlh;
	int ret;

	if (!map_has(h, MBR_DOWN4))
		return 0;
	nlh = nfgtpu_msg_start(buf, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETOBJ,
			       name ? NLM_F_ACK : NLM_F_DUMP, NFPROTO_INET, 0);
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, GW_TABLE);
	put_u32(nlh, NFTA_OBJ_TYPE, NFT_OBJECT_LIMIT);
	if (name)
		mnl_attr_put_strz(nlh, NFTA_OBJ_NAME, name);
	ret = nfgtpu_query(h, nlh, mbr_obj_cb, &j);
	if (ret < 0 && name && nfgtpu_errno(h) == ENOENT) {
		nfgtpu_clear_error(h);
		ret = 0;
	}
	return ret;
}

EXPORT int nfgtpu_ctx_list(struct nfgtpu *h, nfgtpu_ctx_cb cb, void *data)
{
	struct lctx *v = NULL;
	size_t n = 0, i;
	int m, ret;

	nfgtpu_clear_error(h);
	if (nfgtpu_layout_read(h) < 0 || nfgtpu_links_read(h) < 0 ||
	    uplink_ctxs(h, &v, &n) < 0)
		return -1;
	for (m = DOWNLINK4, ret = 0; m <= BUFFER6 && !ret; m++)
		ret = join_downlink(h, m, v, n);
	if (!ret)
		ret = read_mbr(h, v, n, NULL);
	for (i = 0; !ret && i < n; i++) {
		no_downlink(&v[i].c);
		ret = cb(&v[i].c, data);
	}
	free(v);
	return ret;
}

/* The context of c->teid, as nfgtpu_ctx_list() has it */
static int get_one(struct nfgtpu *h, struct nfgtpu_ctx *c, long index)
{
	struct lctx l = {}, u;
	struct elem_key k = { .len = sizeof(c->teid) };
	char name[MBR_NAME_LEN];
	struct elem e;
	int m, ret;

	memcpy(k.key, &c->teid, sizeof(c->teid));
	for (m = UPLINK4; m <= UPLINK46; m++) {
		ret = map_has(h, m) ? get_elem(h, m, &k, &e) : 0;
		if (ret < 0)
			return -1;
		if (!ret)
			continue;
		memset(&u, 0, sizeof(u));
		uplink_elem(h, &e, &u);
		if (l.c.flags)
			merge_uplink(&l, &u);
		else
			l = u;
	}
	if (!l.c.flags)
		return ctx_fail(h, index, c, ENOENT, "no such context");
	for (m = DOWNLINK4; m <= BUFFER6; m++) {
		if (!map_has(h, m) ||
		    !(l.c.flags & (is_map4(m) ? NFGTPU_CTX_MS4 : NFGTPU_CTX_MS6)))
			continue;
		dl_key(m, &l.c, l.ifindex, &k);
		ret = get_elem(h, m, &k, &e);
		if (ret < 0)
			return -1;
		if (ret)
			dl_elem(h, m, &e, &l.c);
	}
	for (m = 0; m < 2; m++) {
		mbr_name(name, l.c.teid, m);
		if (read_mbr(h, &l, 1, name) < 0)
			return -1;
	}
	no_downlink(&l.c);
	*c = l.c;
	return 0;
}

EXPORT int nfgtpu_ctx_get(struct nfgtpu *h, struct nfgtpu_ctx *ctx, size_t n)
{
	size_t i;

	nfgtpu_clear_error(h);
	if (nfgtpu_layout_read(h) < 0 || nfgtpu_links_read(h) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (get_one(h, &ctx[i], i) < 0)
			return -1;
	return 0;
}
