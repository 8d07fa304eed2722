// SPDX-License-Identifier: GPL-2.0-only
/*
 * The records a restarted agent reads back (state.c): what is written
 * reads back the same; a damaged record, one cut short, or one of
 * another layout is refused, never half read.
 */
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "state.h"
#include "tests/check.h"

static uint8_t buf[NFGTPU_RECORD_MAX];

static void node_id_ip4(struct pfcp_node_id *id, const char *a)
{
	memset(id, 0, sizeof(*id));
	id->type = PFCP_NODE_ID_IPV4;
	id->len = 4;
	inet_pton(AF_INET, a, id->val);
}

static void test_node(void)
{
	struct sockaddr_in6 *a6;
	struct sockaddr_in *a4;
	struct state_node n = { .recovery_ts = 3900000000u, .n_peers = 2 };
	struct state_node r;
	size_t len, k;
	int ret;

	n.slot[0] = 0;
	node_id_ip4(&n.peer[0].node_id, "172.16.0.2");
	a4 = (struct sockaddr_in *)&n.peer[0].addr;
	a4->sin_family = AF_INET;
	a4->sin_port = htons(8805);
	inet_pton(AF_INET, "172.16.0.2", &a4->sin_addr);
	n.peer[0].recovery_ts = 77;
	n.slot[1] = 5;
	n.peer[1].node_id.type = PFCP_NODE_ID_FQDN;
	n.peer[1].node_id.len = PFCP_FQDN_MAX;
	memset(n.peer[1].node_id.val, 'a', PFCP_FQDN_MAX);
	a6 = (struct sockaddr_in6 *)&n.peer[1].addr;
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(8805);
	inet_pton(AF_INET6, "fd00::2", &a6->sin6_addr);

	len = state_node_encode(&n, buf, STATE_NODE_MAX);
	CHECK(len > 0, "the node's record fits STATE_NODE_MAX");
	CHECK(!state_node_encode(&n, buf, len - 1), "a buffer too small: 0");
	len = state_node_encode(&n, buf, sizeof(buf));
	ret = state_node_decode(&r, buf, len);
	CHECK(!ret && r.recovery_ts == n.recovery_ts && r.n_peers == 2 &&
	      r.slot[1] == 5 && !memcmp(&r.peer[0], &n.peer[0], sizeof(r.peer[0])) &&
	      !memcmp(&r.peer[1].node_id, &n.peer[1].node_id,
		      sizeof(r.peer[1].node_id)) &&
	      !memcmp(&r.peer[1].addr, &n.peer[1].addr, sizeof(r.peer[1].addr)),
	      "the node's record reads back: %d", ret);
	for (k = 0; k < len; k++) {
		buf[k] ^= 0x10;
		ret = state_node_decode(&r, buf, len);
		buf[k] ^= 0x10;
		if (ret != -1)
			break;
	}
	CHECK(k == len, "octet %zu changed: %d, not refused", k, ret);
	for (k = 0; k < len; k++)
		if (state_node_decode(&r, buf, k) != -1)
			break;
	CHECK(k == len, "cut to %zu octets: not refused", k);
	CHECK(r.n_peers == 0, "a refused record leaves no peers");
}

static uint32_t fnv1a(const uint8_t *b, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

/* A record of another layout, its checksum right: -2 */
static void test_layout(void)
{
	struct state_node n = { .recovery_ts = 1 }, r;
	size_t len = state_node_encode(&n, buf, sizeof(buf));
	uint32_t sum;

	buf[5] ^= 1;	/* magic (4), version (1), layout */
	sum = fnv1a(buf, len - 4);
	memcpy(buf + len - 4, &sum, 4);
	CHECK(state_node_decode(&r, buf, len) == -2,
	      "another layout: not to be read");
}

/* Rules of a basic session, packed; its Network Instance ni_len long */
static struct sess_packed *basic_session(size_t *size, uint8_t ni_len)
{
	static struct sess_rules r;
	static struct sess_meas_set ms;
	struct sess_packed *p;

	memset(&r, 0, sizeof(r));
	memset(&ms, 0, sizeof(ms));
	r.n_pdr = 2;
	r.pdr[0].pdr_id = 1;
	r.pdr[0].present = PFCP_PDR_HAS_PDI | PFCP_PDR_HAS_FAR_ID;
	r.pdr[0].pdi.present = PFCP_PDI_HAS_FTEID | PFCP_PDI_HAS_NI;
	r.pdr[0].pdi.fteid.teid = 0x10000;
	r.pdr[0].pdi.ni.len = ni_len;
	memcpy(r.pdr[0].pdi.ni.val, "\x08internet", 9);
	r.pdr[0].far_id = 1;
	r.pdr[0].n_urr_id = 1;
	r.pdr[0].urr_id[0] = 1;
	r.pdr[1].pdr_id = 2;
	r.pdr[1].far_id = 2;
	r.n_far = 2;
	r.far[0].far_id = 1;
	r.far[0].apply_action = 2;
	r.far[1].far_id = 2;
	r.far[1].apply_action = 2;
	r.far[1].fwd.ohc.teid = 0x200;
	r.n_urr = 1;
	r.urr[0].urr_id = 1;
	r.urr[0].quota.total = 300;
	ms.n = 1;
	ms.m[0].urr_id = 1;
	ms.m[0].ul = 12345;
	*size = sess_packed_size(&r, &ms);
	p = malloc(*size);
	if (p)
		sess_pack(p, &r, &ms);
	return p;
}

static void test_session(void)
{
	struct state_sess s = { .cp_seid = 0x1234567890ull }, r;
	struct sess_packed *p, *q;
	size_t psize, qsize, len, k;
	int ret;

	node_id_ip4(&s.peer, "172.16.0.2");
	p = basic_session(&psize, 9);
	if (!p)
		return;
	len = state_sess_encode(&s, p, psize, buf, sizeof(buf));
	printf("a basic session: %zu octets packed, %zu in its record\n",
	       psize, len);
	CHECK(len > 0 && len < psize / 2, "zero runs shrink it: %zu", len);
	CHECK(!state_sess_encode(&s, p, psize, buf, len - 1),
	      "a buffer too small: 0");
	ret = state_sess_decode(&r, &q, &qsize, buf, len);
	CHECK(!ret && qsize == psize && !memcmp(p, q, psize) &&
	      r.cp_seid == s.cp_seid && !memcmp(&r.peer, &s.peer, sizeof(r.peer)),
	      "the session's record reads back: %d", ret);
	free(q);
	for (k = 0; k < len; k++) {
		buf[k] ^= 0x01;
		ret = state_sess_decode(&r, &q, &qsize, buf, len);
		buf[k] ^= 0x01;
		if (ret != -1 || q)
			break;
	}
	CHECK(k == len, "octet %zu changed: not refused", k);
	for (k = 0; k < len; k++)
		if (state_sess_decode(&r, &q, &qsize, buf, k) != -1 || q)
			break;
	CHECK(k == len, "cut to %zu octets: not refused", k);

	/* well formed, checksum right, rules sess_unpack() cannot take */
	((uint8_t *)p)[0] = PFCP_MAX_RULES + 1;		/* n_pdr */
	len = state_sess_encode(&s, p, psize, buf, sizeof(buf));
	CHECK(state_sess_decode(&r, &q, &qsize, buf, len) == -1 && !q,
	      "more PDRs than PFCP_MAX_RULES: refused");
	free(p);
	p = basic_session(&psize, 9);
	if (!p)
		return;
	len = state_sess_encode(&s, p, psize - 8, buf, sizeof(buf));
	CHECK(state_sess_decode(&r, &q, &qsize, buf, len) == -1 && !q,
	      "rules shorter than their counts: refused");
	free(p);
	p = basic_session(&psize, PFCP_NI_MAX + 1);
	if (!p)
		return;
	len = state_sess_encode(&s, p, psize, buf, sizeof(buf));
	CHECK(state_sess_decode(&r, &q, &qsize, buf, len) == -1 && !q,
	      "a Network Instance longer than PFCP_NI_MAX: refused");
	free(p);
}

int main(void)
{
	test_node();
	test_layout();
	test_session();
	return check_summary("state_test");
}
