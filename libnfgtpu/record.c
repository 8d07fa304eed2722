// SPDX-License-Identifier: GPL-2.0-only
/*
 * libnfgtpu: records, a control plane's own state in the gateway's set
 * "records".  Record K is cut into chunks, the elements (K, 0), (K, 1),
 * ... of the set, each chunk in its element's userdata as one TLV of a
 * type nft's listing skips (its element comment is type 0).  Chunks are
 * small because an element's extensions, userdata included, sit within
 * 8-bit offsets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CHUNK		192	/* octets of a record per element */
#define CHUNK_UDATA	0x80	/* the TLV type */
#define KEY_LEN		12	/* key, high and low half . chunk number */

struct chunk {
	uint64_t key;
	uint32_t i;
	uint8_t len;
	uint8_t data[CHUNK];
};

static size_t n_chunks(size_t len)
{
	return (len + CHUNK - 1) / CHUNK;
}

int record_op_init(struct nfgtpu *h, struct record_op *r, uint64_t key,
		   const void *data, size_t len, size_t old_len)
{
	if (!data)
		len = 0;
	if (len > NFGTPU_RECORD_MAX || old_len > NFGTPU_RECORD_MAX)
		return nfgtpu_fail(h, EMSGSIZE, -1,
				   "record 0x%llx: more than %d octets",
				   (unsigned long long)key, NFGTPU_RECORD_MAX);
	*r = (struct record_op){ .key = key, .len = len, .old_len = old_len };
	if (!len)
		return 0;
	r->data = malloc(len);
	if (!r->data)
		return nfgtpu_fail(h, ENOMEM, -1, "out of memory");
	memcpy(r->data, data, len);
	return 0;
}

/* In host byte order, as nft shows marks */
static void chunk_key(uint32_t *k, uint64_t key, uint32_t i)
{
	k[0] = key >> 32;
	k[1] = (uint32_t)key;
	k[2] = i;
}

static int put_chunk(struct txn *t, uint16_t type, const struct record_op *r,
		     uint32_t i, uint32_t index)
{
	uint8_t udata[2 + CHUNK];
	uint32_t key[KEY_LEN / 4];
	struct nlmsghdr *nlh;
	size_t len;

	nlh = txn_elem_begin(t, type, RECORDS, index);
	if (!nlh)
		return -1;
	chunk_key(key, r->key, i);
	put_data(nlh, NFTA_SET_ELEM_KEY, key, KEY_LEN);
	if (type == NFT_MSG_NEWSETELEM) {
		len = r->len - (size_t)i * CHUNK;
		if (len > CHUNK)
			len = CHUNK;
		udata[0] = CHUNK_UDATA;
		udata[1] = len;
		memcpy(udata + 2, (uint8_t *)r->data + (size_t)i * CHUNK, len);
		mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, 2 + len, udata);
	}
	txn_elem_end(t);
	return 0;
}

static int by_key(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* One operation per record: a second would delete or add it twice */
static int check_keys(struct nfgtpu *h, const struct record_op *r, size_t n)
{
	uint64_t *keys;
	size_t k;
	int ret = 0;

	if (n < 2)
		return 0;
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return nfgtpu_fail(h, ENOMEM, -1, "out of memory");
	for (k = 0; k < n; k++)
		keys[k] = r[k].key;
	qsort(keys, n, sizeof(*keys), by_key);
	for (k = 1; k < n && !ret; k++)
		if (keys[k] == keys[k - 1])
			ret = nfgtpu_fail(h, EINVAL, -1,
					  "record 0x%llx: twice in one batch",
					  (unsigned long long)keys[k]);
	free(keys);
	return ret;
}

/* The old chunks of every record, then the new ones */
int put_records(struct txn *t, const struct record_op *r, size_t n)
{
	size_t k, i, len;
	int add;

	if (n && !t->h->maps[RECORDS].present)
		return nfgtpu_fail(t->h, EOPNOTSUPP, -1,
				   "the gateway has no set records (set it up with records)");
	if (check_keys(t->h, r, n) < 0)
		return -1;
	for (add = 0; add < 2; add++)
		for (k = 0; k < n; k++) {
			len = add ? r[k].len : r[k].old_len;
			for (i = 0; i < n_chunks(len); i++)
				if (put_chunk(t, add ? NFT_MSG_NEWSETELEM :
					      NFT_MSG_DELSETELEM, &r[k], i,
					      k) < 0)
					return -1;
		}
	return 0;
}

void record_fail(struct nfgtpu *h, const struct record_op *r)
{
	const char *why = NULL;

	if (h->err == ENOENT)
		why = "no such record, or not of the length given";
	else if (h->err == EEXIST)
		why = "already there";
	if (why)
		nfgtpu_fail(h, h->err, -1, "record 0x%llx: %s",
			    (unsigned long long)r->key, why);
	else
		nfgtpu_prefix_error(h, "record");
}

/* Reading them back: every chunk, sorted, joined */

struct chunks {
	struct nfgtpu *h;
	struct chunk *v;
	size_t n, cap;
};

static void chunk_udata(const struct nlattr *attr, struct chunk *c)
{
	const uint8_t *u = mnl_attr_get_payload(attr);
	size_t len = mnl_attr_get_payload_len(attr);

	if (len >= 2 && u[0] == CHUNK_UDATA && u[1] <= CHUNK &&
	    (size_t)u[1] + 2 <= len) {
		c->len = u[1];
		memcpy(c->data, u + 2, c->len);
	}
}

static int chunk_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr *v;
	struct chunk *c = data;
	uint32_t k[KEY_LEN / 4];

	if (mnl_attr_get_type(attr) == NFTA_SET_ELEM_USERDATA) {
		chunk_udata(attr, c);
		return MNL_CB_OK;
	}
	if (mnl_attr_get_type(attr) != NFTA_SET_ELEM_KEY)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(v, attr) {
		if (mnl_attr_get_type(v) != NFTA_DATA_VALUE ||
		    mnl_attr_get_payload_len(v) != KEY_LEN)
			continue;
		memcpy(k, mnl_attr_get_payload(v), KEY_LEN);
		c->key = (uint64_t)k[0] << 32 | k[1];
		c->i = k[2];
	}
	return MNL_CB_OK;
}

static int chunk_list_cb(const struct nlattr *attr, void *data)
{
	struct chunks *cs = data;
	struct chunk *c;

	if (mnl_attr_get_type(attr) != NFTA_LIST_ELEM)
		return MNL_CB_OK;
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? 2 * cs->cap : 256;
		c = realloc(cs->v, cs->cap * sizeof(*c));
		if (!c) {
			nfgtpu_fail(cs->h, ENOMEM, -1, "out of memory");
			return MNL_CB_ERROR;
		}
		cs->v = c;
	}
	c = &cs->v[cs->n++];
	memset(c, 0, sizeof(*c));
	return mnl_attr_parse_nested(attr, chunk_attr_cb, c);
}

static int chunks_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(attr) == NFTA_SET_ELEM_LIST_ELEMENTS &&
		    mnl_attr_parse_nested(attr, chunk_list_cb, data) < 0)
			return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static int by_key_chunk(const void *a, const void *b)
{
	const struct chunk *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Whether a chunk came twice; sorts them */
static bool chunks_twice(struct chunks *cs)
{
	size_t i;

	qsort(cs->v, cs->n, sizeof(*cs->v), by_key_chunk);
	for (i = 1; i < cs->n; i++)
		if (!by_key_chunk(&cs->v[i - 1], &cs->v[i]))
			return true;
	return false;
}

static int read_chunks(struct nfgtpu *h, struct chunks *cs)
{
	char buf[REQ_BUF] = {};
	struct nlmsghdr *nlh;
	int ret, attempt = 0;

	if (nfgtpu_layout_read(h) < 0)
		return -1;
	if (!h->maps[RECORDS].present)
		return nfgtpu_fail(h, EOPNOTSUPP, -1,
				   "the gateway has no set records");
	nlh = nfgtpu_msg_start(buf, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETSETELEM,
			       NLM_F_DUMP, NFPROTO_INET, 0);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, GW_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, gw_map_names[RECORDS]);
	cs->h = h;
	do {
		cs->n = 0;
		ret = nfgtpu_query(h, nlh, chunks_cb, cs);
		ret = nfgtpu_dump_check(h, ret, !ret && chunks_twice(cs),
					&attempt);
	} while (ret > 0);
	return ret;
}

/*
 * The record of the chunks from v[0], into buf: how many chunks it
 * has, 0 if they are not chunks 0, 1, ... each full but the last.
 */
static size_t join_chunks(const struct chunk *v, size_t n, uint8_t *buf,
			  size_t *len)
{
	size_t i;

	*len = 0;
	for (i = 0; i < n && v[i].key == v[0].key; i++) {
		if (v[i].i != i || !v[i].len ||
		    (i && v[i - 1].len != CHUNK) ||
		    *len + v[i].len > NFGTPU_RECORD_MAX)
			return 0;
		memcpy(buf + *len, v[i].data, v[i].len);
		*len += v[i].len;
	}
	return i;
}

EXPORT int nfgtpu_record_list(struct nfgtpu *h, nfgtpu_record_cb cb,
			      void *arg)
{
	struct chunks cs = {};
	uint8_t *buf = NULL;
	size_t i, used, len;
	int ret;

	nfgtpu_clear_error(h);
	ret = read_chunks(h, &cs);
	if (!ret) {
		buf = malloc(NFGTPU_RECORD_MAX);
		if (!buf)
			ret = nfgtpu_fail(h, ENOMEM, -1, "out of memory");
	}
	for (i = 0; !ret && i < cs.n; i += used) {
		used = join_chunks(&cs.v[i], cs.n - i, buf, &len);
		if (!used)
			ret = nfgtpu_fail(h, EBADMSG, -1,
					  "record 0x%llx: chunks missing or damaged",
					  (unsigned long long)cs.v[i].key);
		else
			ret = cb(cs.v[i].key, buf, len, arg);
	}
	free(buf);
	free(cs.v);
	return ret;
}
