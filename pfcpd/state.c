// SPDX-License-Identifier: GPL-2.0-only
/*
 * nf-gtpu-pfcpd: the node's and the sessions' records, as libnfgtpu
 * keeps them in the gateway.  Both end in an FNV-1a checksum of what
 * comes before; both carry the layout of the packed rules
 * (sess_packed_layout()), which an agent of another layout must not
 * read.  Packed rules are mostly zeros (addresses and names not used):
 * runs of zeros are written as 0, count.
 */
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "state.h"

#define NODE_MAGIC	0x4e47504eu	/* "NGPN" */
#define SESS_MAGIC	0x4e475053u	/* "NGPS" */
#define STATE_VERSION	1
#define PACKED_MAX	65536

struct out {
	uint8_t *b;
	size_t len, cap;
	bool full;
};

struct in {
	const uint8_t *b;
	size_t len, off;
	bool bad;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (o->full || o->cap - o->len < n) {
		o->full = true;
		return;
	}
	memcpy(o->b + o->len, p, n);
	o->len += n;
}

static void put_u8(struct out *o, uint8_t v)
{
	put(o, &v, 1);
}

static void put_u32(struct out *o, uint32_t v)
{
	put(o, &v, 4);
}

static void get(struct in *i, void *p, size_t n)
{
	if (i->bad || i->len - i->off < n) {
		i->bad = true;
		memset(p, 0, n);
		return;
	}
	memcpy(p, i->b + i->off, n);
	i->off += n;
}

static uint8_t get_u8(struct in *i)
{
	uint8_t v;

	get(i, &v, 1);
	return v;
}

static uint32_t get_u32(struct in *i)
{
	uint32_t v;

	get(i, &v, 4);
	return v;
}

static uint32_t fnv1a(const uint8_t *b, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

/* The checksum last; the length, 0 if it did not fit */
static size_t finish(struct out *o)
{
	put_u32(o, fnv1a(o->b, o->len));
	return o->full ? 0 : o->len;
}

/* A record of magic: its checksum right, its header read */
static int start(struct in *i, const uint8_t *buf, size_t len, uint32_t magic)
{
	uint32_t sum;

	if (len < 4 + 4)
		return -1;
	memcpy(&sum, buf + len - 4, 4);
	if (sum != fnv1a(buf, len - 4))
		return -1;
	*i = (struct in){ .b = buf, .len = len - 4 };
	if (get_u32(i) != magic || get_u8(i) != STATE_VERSION)
		return -1;
	return get_u32(i) == sess_packed_layout() ? 0 : -2;
}

static void put_node_id(struct out *o, const struct pfcp_node_id *id)
{
	put_u8(o, id->type);
	put_u8(o, id->len);
	put(o, id->val, id->len);
}

static void get_node_id(struct in *i, struct pfcp_node_id *id)
{
	memset(id, 0, sizeof(*id));
	id->type = get_u8(i);
	id->len = get_u8(i);
	get(i, id->val, id->len);
	if (id->type > PFCP_NODE_ID_FQDN || !id->len)
		i->bad = true;
}

static void put_addr(struct out *o, const struct sockaddr_storage *a)
{
	const struct sockaddr_in6 *a6 = (const void *)a;
	const struct sockaddr_in *a4 = (const void *)a;

	if (a->ss_family == AF_INET) {
		put_u8(o, 4);
		put(o, &a4->sin_addr, 4);
		put(o, &a4->sin_port, 2);
	} else {
		put_u8(o, 6);
		put(o, &a6->sin6_addr, 16);
		put(o, &a6->sin6_port, 2);
		put_u32(o, a6->sin6_scope_id);
	}
}

static void get_addr(struct in *i, struct sockaddr_storage *a)
{
	struct sockaddr_in6 *a6 = (void *)a;
	struct sockaddr_in *a4 = (void *)a;

	memset(a, 0, sizeof(*a));
	switch (get_u8(i)) {
	case 4:
		a4->sin_family = AF_INET;
		get(i, &a4->sin_addr, 4);
		get(i, &a4->sin_port, 2);
		break;
	case 6:
		a6->sin6_family = AF_INET6;
		get(i, &a6->sin6_addr, 16);
		get(i, &a6->sin6_port, 2);
		a6->sin6_scope_id = get_u32(i);
		break;
	default:
		i->bad = true;
	}
}

size_t state_node_encode(const struct state_node *n, uint8_t *buf, size_t cap)
{
	struct out o = { .b = buf, .cap = cap };
	int k;

	put_u32(&o, NODE_MAGIC);
	put_u8(&o, STATE_VERSION);
	put_u32(&o, sess_packed_layout());
	put_u32(&o, n->recovery_ts);
	put_u8(&o, n->n_peers);
	for (k = 0; k < n->n_peers; k++) {
		put_u8(&o, n->slot[k]);
		put_node_id(&o, &n->peer[k].node_id);
		put_addr(&o, &n->peer[k].addr);
		put_u32(&o, n->peer[k].recovery_ts);
	}
	return finish(&o);
}

int state_node_decode(struct state_node *n, const uint8_t *buf, size_t len)
{
	struct in i;
	int k, ret;

	memset(n, 0, sizeof(*n));
	ret = start(&i, buf, len, NODE_MAGIC);
	if (ret)
		return ret;
	n->recovery_ts = get_u32(&i);
	n->n_peers = get_u8(&i);
	if (n->n_peers > MAX_PEERS)
		return -1;
	for (k = 0; k < n->n_peers && !i.bad; k++) {
		n->slot[k] = get_u8(&i);
		get_node_id(&i, &n->peer[k].node_id);
		get_addr(&i, &n->peer[k].addr);
		n->peer[k].recovery_ts = get_u32(&i);
		if (n->slot[k] >= MAX_PEERS)
			i.bad = true;
	}
	return i.bad || i.off != i.len ? -1 : 0;
}

/* Runs of zeros as 0, count (1 to 255); other octets as they are */
static void put_zrle(struct out *o, const uint8_t *p, size_t n)
{
	size_t k = 0, run;

	while (k < n) {
		if (p[k]) {
			put_u8(o, p[k++]);
			continue;
		}
		for (run = 1; k + run < n && !p[k + run] && run < 255; run++)
			;
		put_u8(o, 0);
		put_u8(o, run);
		k += run;
	}
}

static void get_zrle(struct in *i, uint8_t *p, size_t n)
{
	size_t k = 0, run;
	uint8_t v;

	while (k < n && !i->bad) {
		v = get_u8(i);
		if (v) {
			p[k++] = v;
			continue;
		}
		run = get_u8(i);
		if (!run || run > n - k) {
			i->bad = true;
			break;
		}
		memset(p + k, 0, run);
		k += run;
	}
}

size_t state_sess_encode(const struct state_sess *s,
			 const struct sess_packed *p, size_t psize,
			 uint8_t *buf, size_t cap)
{
	struct out o = { .b = buf, .cap = cap };

	put_u32(&o, SESS_MAGIC);
	put_u8(&o, STATE_VERSION);
	put_u32(&o, sess_packed_layout());
	put(&o, &s->cp_seid, sizeof(s->cp_seid));
	put_node_id(&o, &s->peer);
	put_u32(&o, psize);
	put_zrle(&o, (const uint8_t *)p, psize);
	return finish(&o);
}

int state_sess_decode(struct state_sess *s, struct sess_packed **p,
		      size_t *psize, const uint8_t *buf, size_t len)
{
	struct in i;
	uint8_t *b;

	*p = NULL;
	if (start(&i, buf, len, SESS_MAGIC))
		return -1;
	get(&i, &s->cp_seid, sizeof(s->cp_seid));
	get_node_id(&i, &s->peer);
	*psize = get_u32(&i);
	if (i.bad || *psize > PACKED_MAX)
		return -1;
	b = calloc(1, *psize ? *psize : 1);
	if (!b)
		return -1;
	get_zrle(&i, b, *psize);
	if (i.bad || i.off != i.len ||
	    !sess_packed_check((struct sess_packed *)b, *psize)) {
		free(b);
		return -1;
	}
	*p = (struct sess_packed *)b;
	return 0;
}
