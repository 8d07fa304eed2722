// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the records nf-gtpu-pfcpd reads back from its
 * gateway when it restarts (pfcpd/state.c).  The input is a record
 * without its checksum, which the harness appends, so that the fuzzer
 * gets past it to the decoders.  The first octet chooses the node's
 * decoder (even) or a session's (odd).
 *
 * What a decoder accepts must be whole: encoded again it gives the same
 * octets, and a session's rules unpack (sess_packed_check() said they
 * can) and translate into contexts like any rules.
 */
#include <stdlib.h>
#include <string.h>

#include "../pfcpd/state.h"

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

static uint8_t again[NFGTPU_RECORD_MAX];

static uint32_t fnv1a(const uint8_t *b, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

static void node(const uint8_t *buf, size_t len)
{
	struct state_node n;
	size_t k;

	if (state_node_decode(&n, buf, len))
		return;
	CHECK(n.n_peers <= MAX_PEERS);
	for (k = 0; k < (size_t)n.n_peers; k++)
		CHECK(n.slot[k] >= 0 && n.slot[k] < MAX_PEERS);
	k = state_node_encode(&n, again, sizeof(again));
	CHECK(k == len && !memcmp(again, buf, len));
}

static void session(const uint8_t *buf, size_t len)
{
	static struct sess_rules r;
	static struct sess_meas_set ms;
	static struct pfcpd_conf conf;
	struct sess_ctx out[PFCP_MAX_RULES];
	struct state_sess s;
	struct sess_packed *p;
	struct sess_fail f;
	size_t psize, k;

	if (state_sess_decode(&s, &p, &psize, buf, len)) {
		CHECK(!p);
		return;
	}
	k = state_sess_encode(&s, p, psize, again, sizeof(again));
	CHECK(k && k <= len);
	sess_unpack(p, &r, &ms);
	CHECK(sess_contexts(&r, &ms, &conf, 0, out, &f) <= PFCP_MAX_RULES);
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	uint32_t sum;

	if (size < 2 || size > NFGTPU_RECORD_MAX - 4)
		return 0;
	/* exactly the record's size: ASan sees any read past it */
	buf = malloc(size - 1 + 4);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	sum = fnv1a(buf, size - 1);
	memcpy(buf + size - 1, &sum, 4);
	if (data[0] & 1)
		session(buf, size - 1 + 4);
	else
		node(buf, size - 1 + 4);
	free(buf);
	return 0;
}
