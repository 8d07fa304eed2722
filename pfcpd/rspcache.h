/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nf-gtpu-pfcpd: the responses the agent sent, for duplicate requests
 * (TS 29.244 6.4).  A peer that hears no response within T1 sends the
 * request again, same sequence number, up to N1 times; the agent
 * answers a retransmission with the octets it sent the first time
 * instead of handling the request again.
 *
 * A ring of at most "max" entries, oldest first: an entry goes when its
 * window ("ttl" seconds, whole ones: ttl to ttl + 1) has passed or, when
 * the ring is full, to make room for a new one.  A hash of the sequence
 * number and the request's digest finds an entry: at thousands of
 * requests a second the ring holds tens of thousands of responses, too
 * many to scan for every request.  Pure: no I/O, no global state, the
 * clock is the caller's.
 */
#ifndef RSPCACHE_H
#define RSPCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

struct rsp_entry {
	struct sockaddr_storage peer;	/* address and port it came from */
	uint32_t seq;
	uint64_t digest;		/* of the request's octets */
	time_t expires;			/* kept while now <= expires */
	int cause;			/* for the message counters */
	uint8_t *rsp;
	size_t rsp_len;
	unsigned int next;		/* in its bucket's chain, newest first */
};

struct rsp_cache {
	struct rsp_entry *e;
	unsigned int max, first, n;	/* e[first] is the oldest */
	unsigned int *bucket;		/* entries' chains, by chain_of() */
	unsigned int bucket_mask;	/* buckets - 1, a power of two - 1 */
	unsigned int ttl;
	uint64_t evicted;		/* dropped before their window passed */
};

/* 0, or -1 with errno */
int rsp_cache_init(struct rsp_cache *c, unsigned int max, unsigned int ttl);
void rsp_cache_free(struct rsp_cache *c);

/*
 * A request's digest: the same sequence number with other octets is a
 * new request (a peer that restarted and counts from 1 again), not a
 * duplicate.
 */
uint64_t rsp_digest(const void *req, size_t len);

/*
 * The response to the same request (digest) from the same address,
 * port and sequence number within the window, or NULL.
 */
const struct rsp_entry *rsp_cache_find(struct rsp_cache *c,
				       const struct sockaddr_storage *peer,
				       uint32_t seq, uint64_t digest,
				       time_t now);

/* Keep the response rsp[rsp_len] to a request: 0, or -1 with errno */
int rsp_cache_add(struct rsp_cache *c, const struct sockaddr_storage *peer,
		  uint32_t seq, uint64_t digest, const void *rsp,
		  size_t rsp_len, int cause, time_t now);

#endif /* RSPCACHE_H */
