// SPDX-License-Identifier: GPL-2.0-only
/*
 * nf-gtpu-pfcpd: the response cache of duplicate requests (rspcache.h).
 * Lookups scan the ring, newest first: fine for the few thousand
 * requests a retransmission window holds.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rspcache.h"

/*
 * FNV-1a: the same sequence number with other octets is a new request
 * (a peer that restarted and counts from 1 again), not a duplicate.
 */
static uint64_t digest(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static bool same_peer(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)b;
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
	const struct sockaddr_in *b4 = (const struct sockaddr_in *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	       IN6_ARE_ADDR_EQUAL(&a6->sin6_addr, &b6->sin6_addr);
}

static struct rsp_entry *nth(const struct rsp_cache *c, unsigned int i)
{
	return &c->e[(c->first + i) % c->max];
}

static void drop_oldest(struct rsp_cache *c)
{
	struct rsp_entry *e = nth(c, 0);

	free(e->rsp);
	e->rsp = NULL;
	c->first = (c->first + 1) % c->max;
	c->n--;
}

static void expire(struct rsp_cache *c, time_t now)
{
	while (c->n && nth(c, 0)->expires < now)
		drop_oldest(c);
}

int rsp_cache_init(struct rsp_cache *c, unsigned int max, unsigned int ttl)
{
	memset(c, 0, sizeof(*c));
	if (!max) {
		errno = EINVAL;
		return -1;
	}
	c->e = calloc(max, sizeof(*c->e));
	if (!c->e)
		return -1;
	c->max = max;
	c->ttl = ttl;
	return 0;
}

void rsp_cache_free(struct rsp_cache *c)
{
	while (c->n)
		drop_oldest(c);
	free(c->e);
	c->e = NULL;
}

const struct rsp_entry *rsp_cache_find(struct rsp_cache *c,
				       const struct sockaddr_storage *peer,
				       uint32_t seq, const void *req,
				       size_t len, time_t now)
{
	uint64_t h = digest(req, len);
	const struct rsp_entry *e;
	unsigned int i;

	expire(c, now);
	for (i = c->n; i-- > 0;) {
		e = nth(c, i);
		if (e->seq == seq && e->digest == h &&
		    same_peer(&e->peer, peer))
			return e;
	}
	return NULL;
}

int rsp_cache_add(struct rsp_cache *c, const struct sockaddr_storage *peer,
		  uint32_t seq, const void *req, size_t len, const void *rsp,
		  size_t rsp_len, int cause, time_t now)
{
	uint8_t *copy;

	expire(c, now);
	if (!c->ttl)
		return 0;
	copy = malloc(rsp_len);
	if (!copy)
		return -1;
	memcpy(copy, rsp, rsp_len);
	if (c->n == c->max) {
		drop_oldest(c);
		c->evicted++;
	}
	*nth(c, c->n++) = (struct rsp_entry){ *peer, seq, digest(req, len),
					      now + c->ttl, cause, copy,
					      rsp_len };
	return 0;
}
