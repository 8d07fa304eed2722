// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit test of rspcache.c, the responses kept for duplicate
 * requests: a lookup matches the peer's address, port, sequence number
 * and request octets; entries expire after their window; a full cache
 * drops its oldest entry and counts it; the hash chains stay right while
 * the ring wraps many times.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "rspcache.h"
#include "tests/check.h"

static struct sockaddr_storage peer(const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
	}
	return ss;
}

static const char req[] = "request", rsp[] = "response";

static int add(struct rsp_cache *c, const struct sockaddr_storage *p,
	       uint32_t seq, time_t now)
{
	return rsp_cache_add(c, p, seq, rsp_digest(req, sizeof(req)), rsp,
			     sizeof(rsp), 1, now);
}

static const struct rsp_entry *find(struct rsp_cache *c,
				    const struct sockaddr_storage *p,
				    uint32_t seq, time_t now)
{
	return rsp_cache_find(c, p, seq, rsp_digest(req, sizeof(req)), now);
}

static void test_lookup(void)
{
	struct sockaddr_storage a = peer("192.0.2.2", 8805);
	struct sockaddr_storage a6 = peer("2001:db8::2", 8805);
	struct sockaddr_storage port = peer("192.0.2.2", 40000);
	struct sockaddr_storage other = peer("192.0.2.3", 8805);
	const struct rsp_entry *e;
	struct rsp_cache c;

	CHECK(!rsp_cache_init(&c, 8, 12), "init");
	CHECK(!find(&c, &a, 1, 100), "empty cache: no match");
	CHECK(!add(&c, &a, 1, 100) && !add(&c, &a6, 1, 100), "added");
	e = find(&c, &a, 1, 101);
	CHECK(e && e->rsp_len == sizeof(rsp) &&
	      !memcmp(e->rsp, rsp, sizeof(rsp)) && e->cause == 1,
	      "same peer and seq: response");
	CHECK(find(&c, &a6, 1, 101) != e && find(&c, &a6, 1, 101),
	      "the IPv6 peer has its own entry");
	CHECK(!find(&c, &a, 2, 101), "another sequence number: no match");
	CHECK(!find(&c, &port, 1, 101), "another port: no match");
	CHECK(!find(&c, &other, 1, 101), "another address: no match");
	CHECK(!rsp_cache_find(&c, &a, 1, rsp_digest("other", 6), 101),
	      "same seq, other octets (a restarted peer): no match");
	CHECK(rsp_digest("request octets", 15) != rsp_digest("request octetz", 15) &&
	      rsp_digest("a request, 16 o", 16) != rsp_digest("a request, 16 O", 16),
	      "one octet more or less, in the words or the tail: another digest");
	rsp_cache_free(&c);
}

static void test_expiry(void)
{
	struct sockaddr_storage a = peer("192.0.2.2", 8805);
	struct rsp_cache c;

	CHECK(!rsp_cache_init(&c, 8, 12), "init");
	add(&c, &a, 1, 100);
	add(&c, &a, 2, 105);
	CHECK(find(&c, &a, 1, 112), "within its 12 s");
	CHECK(!find(&c, &a, 1, 113) && c.n == 1,
	      "after 12 s: gone, the newer one stays (n %u)", c.n);
	CHECK(find(&c, &a, 2, 117) && !find(&c, &a, 2, 118) && !c.n,
	      "the newer one after its own 12 s (n %u)", c.n);
	CHECK(!c.evicted, "expiry is no eviction");
	rsp_cache_free(&c);
	CHECK(!rsp_cache_init(&c, 8, 0) && !add(&c, &a, 1, 100) &&
	      !find(&c, &a, 1, 100), "time 0: nothing kept");
	rsp_cache_free(&c);
}

static void test_eviction(void)
{
	struct sockaddr_storage a = peer("192.0.2.2", 8805);
	struct rsp_cache c;
	uint32_t seq;

	CHECK(!rsp_cache_init(&c, 4, 12), "init");
	for (seq = 1; seq <= 10; seq++)
		add(&c, &a, seq, 100);
	CHECK(c.n == 4 && c.evicted == 6, "full: 4 kept, 6 evicted (%u, %llu)",
	      c.n, (unsigned long long)c.evicted);
	for (seq = 1; seq <= 6; seq++)
		CHECK(!find(&c, &a, seq, 100), "seq %u evicted", seq);
	for (seq = 7; seq <= 10; seq++)
		CHECK(find(&c, &a, seq, 100), "seq %u kept", seq);
	rsp_cache_free(&c);
	CHECK(rsp_cache_init(&c, 0, 12) && !c.e, "size 0 refused");
}

/*
 * Thousands of requests through a small ring, two peers sending the
 * same sequence numbers, expiry and eviction mixed: every lookup agrees
 * with what the ring must hold.
 */
static void test_wrap(void)
{
	struct sockaddr_storage a = peer("192.0.2.2", 8805);
	struct sockaddr_storage b = peer("2001:db8::2", 8805);
	unsigned int bad = 0;
	struct rsp_cache c;
	uint32_t seq, s;
	time_t now;

	CHECK(!rsp_cache_init(&c, 100, 5), "init");
	for (seq = 1; seq <= 5000; seq++) {
		now = seq / 20;		/* 20 requests a second from each */
		if (add(&c, &a, seq, now) || add(&c, &b, seq, now))
			bad++;
		/* kept: the last 50 of each, evicted before they expire */
		for (s = seq > 60 ? seq - 60 : 1; s <= seq; s++)
			if (!find(&c, &a, s, now) != (s + 50 <= seq) ||
			    !find(&c, &b, s, now) != (s + 50 <= seq))
				bad++;
	}
	CHECK(!bad && c.n == 100, "5000 requests from two peers: %u wrong (n %u)",
	      bad, c.n);
	now = 5000 / 20 + 6;
	CHECK(!find(&c, &a, 5000, now) && !c.n, "all expired at last");
	rsp_cache_free(&c);
}

int main(void)
{
	test_lookup();
	test_expiry();
	test_eviction();
	test_wrap();
	return check_summary("rspcache_test");
}
