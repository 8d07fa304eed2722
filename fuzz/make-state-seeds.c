// SPDX-License-Identifier: GPL-2.0-only
/*
 * Seeds of fuzz_pfcp_state: records as the agent writes them (without
 * their checksum, which the harness appends), after the octet choosing
 * the decoder.  usage: make-state-seeds DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "../pfcpd/state.h"

static uint8_t buf[NFGTPU_RECORD_MAX];

static int seed(const char *dir, const char *name, uint8_t kind, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputc(kind, f) == EOF || fwrite(buf, 1, len - 4, f) != len - 4 ||
	    fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

static size_t node(int peers)
{
	struct state_node n = { .recovery_ts = 3900000000u, .n_peers = peers };
	struct sockaddr_in6 *a6;
	struct sockaddr_in *a4;

	n.peer[0].node_id = (struct pfcp_node_id){ PFCP_NODE_ID_IPV4, 4,
						   { 172, 16, 0, 2 } };
	a4 = (struct sockaddr_in *)&n.peer[0].addr;
	a4->sin_family = AF_INET;
	a4->sin_port = htons(8805);
	inet_pton(AF_INET, "172.16.0.2", &a4->sin_addr);
	n.slot[1] = 3;
	n.peer[1].node_id = (struct pfcp_node_id){ PFCP_NODE_ID_FQDN, 4,
						   "\x03smf" };
	a6 = (struct sockaddr_in6 *)&n.peer[1].addr;
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(8805);
	inet_pton(AF_INET6, "fd00::2", &a6->sin6_addr);
	return state_node_encode(&n, buf, sizeof(buf));
}

/* A basic session: two PDRs, two FARs, a URR measured, a QER */
static size_t session(void)
{
	static struct sess_rules r;
	static struct sess_meas_set ms;
	struct state_sess s = { .cp_seid = 0x1000 };
	struct sess_packed *p;
	size_t psize, len;

	s.peer = (struct pfcp_node_id){ PFCP_NODE_ID_IPV4, 4, { 172, 16, 0, 2 } };
	r.n_pdr = 2;
	r.pdr[0].pdr_id = 1;
	r.pdr[0].present = PFCP_PDR_HAS_PDI | PFCP_PDR_HAS_FAR_ID;
	r.pdr[0].pdi.present = PFCP_PDI_HAS_FTEID | PFCP_PDI_HAS_NI |
			       PFCP_PDI_HAS_UE_IP;
	r.pdr[0].pdi.fteid.teid = 0x10000;
	r.pdr[0].pdi.ni.len = 9;
	memcpy(r.pdr[0].pdi.ni.val, "\x08internet", 9);
	r.pdr[0].far_id = 1;
	r.pdr[0].n_urr_id = 1;
	r.pdr[0].urr_id[0] = 1;
	r.pdr[1].pdr_id = 2;
	r.pdr[1].present = PFCP_PDR_HAS_PDI | PFCP_PDR_HAS_FAR_ID;
	r.pdr[1].far_id = 2;
	r.n_far = 2;
	r.far[0].far_id = 1;
	r.far[0].apply_action = 2;
	r.far[1].far_id = 2;
	r.far[1].apply_action = 2;
	r.far[1].fwd.ohc.teid = 0x200;
	r.n_qer = 1;
	r.qer[0].qer_id = 1;
	r.n_urr = 1;
	r.urr[0].urr_id = 1;
	r.urr[0].quota.total = 300;
	ms.n = 1;
	ms.m[0].urr_id = 1;
	ms.m[0].ul = 12345;
	psize = sess_packed_size(&r, &ms);
	p = malloc(psize);
	if (!p)
		return 0;
	sess_pack(p, &r, &ms);
	len = state_sess_encode(&s, p, psize, buf, sizeof(buf));
	free(p);
	return len;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	return seed(argv[1], "node-empty", 0, node(0)) |
	       seed(argv[1], "node-two-peers", 0, node(2)) |
	       seed(argv[1], "session-basic", 1, session());
}
