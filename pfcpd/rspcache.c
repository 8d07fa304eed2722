// SPDX-License-Identifier: GPL-2.0-only
/*
 * nf-gtpu-pfcpd: the response cache of duplicate requests (rspcache.h).
 * Each bucket chains its entries through their ring slots, newest first,
 * so that a lookup finds the newest response to a request, and the
 * oldest entry, the one to go, is the last of its chain.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rspcache.h"

/*
 * FNV-1a over 64-bit words, each round folding the high half back, and
 * then the tail octet by octet: eight times fewer rounds than octet by
 * octet, for every request.
 */
uint64_t rsp_digest(const void *req, size_t len)
{
	const uint8_t *b = req;
	uint64_t h = 0xcbf29ce484222325ull, w;

	for (; len >= sizeof(w); len -= sizeof(w), b += sizeof(w)) {
		memcpy(&w, b, sizeof(w));
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 32;
	}
	for (; len; len--)
		h = (h ^ *b++) * 0x100000001b3ull;
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

#define NO_ENTRY UINT_MAX

static unsigned int *chain_of(const struct rsp_cache *c, uint32_t seq,
			      uint64_t digest)
{
	uint64_t h = (digest ^ seq) * 0x9e3779b97f4a7c15ull;

	return &c->bucket[(h >> 32) & c->bucket_mask];
}

static void drop_oldest(struct rsp_cache *c)
{
	unsigned int slot = c->first;
	struct rsp_entry *e = &c->e[slot];
	unsigned int *link = chain_of(c, e->seq, e->digest);

	while (*link != slot)
		link = &c->e[*link].next;
	*link = e->next;
	free(e->rsp);
	e->rsp = NULL;
	c->first = (c->first + 1) % c->max;
	c->n--;
}

static void expire(struct rsp_cache *c, time_t now)
{
	while (c->n && c->e[c->first].expires < now)
		drop_oldest(c);
}

int rsp_cache_init(struct rsp_cache *c, unsigned int max, unsigned int ttl)
{
	unsigned int buckets = 1, i;

	memset(c, 0, sizeof(*c));
	if (!max || max > UINT_MAX / 4) {
		errno = EINVAL;
		return -1;
	}
	/* at most half full: chains of one or two */
	while (buckets < 2 * max)
		buckets <<= 1;
	c->e = calloc(max, sizeof(*c->e));
	c->bucket = malloc(buckets * sizeof(*c->bucket));
	if (!c->e || !c->bucket) {
		free(c->e);
		free(c->bucket);
		c->e = NULL;
		c->bucket = NULL;
		return -1;
	}
	for (i = 0; i < buckets; i++)
		c->bucket[i] = NO_ENTRY;
	c->bucket_mask = buckets - 1;
	c->max = max;
	c->ttl = ttl;
	return 0;
}

void rsp_cache_free(struct rsp_cache *c)
{
	while (c->n)
		drop_oldest(c);
	free(c->e);
	free(c->bucket);
	c->e = NULL;
	c->bucket = NULL;
}

const struct rsp_entry *rsp_cache_find(struct rsp_cache *c,
				       const struct sockaddr_storage *peer,
				       uint32_t seq, uint64_t h, time_t now)
{
	const struct rsp_entry *e;
	unsigned int i;

	expire(c, now);
	for (i = *chain_of(c, seq, h); i != NO_ENTRY; i = e->next) {
		e = &c->e[i];
		if (e->seq == seq && e->digest == h &&
		    same_peer(&e->peer, peer))
			return e;
	}
	return NULL;
}

int rsp_cache_add(struct rsp_cache *c, const struct sockaddr_storage *peer,
		  uint32_t seq, uint64_t h, const void *rsp, size_t rsp_len,
		  int cause, time_t now)
{
	unsigned int *chain = chain_of(c, seq, h);
	unsigned int slot;
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
	slot = (c->first + c->n++) % c->max;
	c->e[slot] = (struct rsp_entry){ *peer, seq, h, now + c->ttl, cause,
					 copy, rsp_len, *chain };
	*chain = slot;
	return 0;
}
