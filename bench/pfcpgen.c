// SPDX-License-Identifier: GPL-2.0-only
/*
 * pfcpgen: the benchmark's SMF.  It drives nf-gtpu-pfcpd the way an SMF
 * sets up sessions one by one, each request waiting for its response:
 *
 *   pfcpgen [-P] [-s SMF_ADDR] [-p PEER] [-f FIRST] AGENT_ADDR N
 *
 * An Association Setup, then N Session Establishments, then their N
 * Session Deletions.  Session i (FIRST + 0 to FIRST + N - 1, FIRST
 * default 0) is what open5gs' SMF sends once the access node's F-TEID is
 * known: an uplink PDR with the F-TEID to CHOOSE (IPv4), a downlink PDR
 * for UE address 10.64.0.0/10 + i + 1, both in Network Instance
 * "internet", an uplink FAR forwarding to the core and a downlink FAR
 * forwarding to PEER (default 192.0.2.1) with TEID i + 1: one context in
 * the gateway per session.  PFCP runs over IPv4, from SMF_ADDR (default
 * the address the route to the agent picks) port 8805.
 *
 * It prints "established=N est_ns=T deleted=N del_ns=T": CLOCK_MONOTONIC
 * time of each phase (under the benchmark's -icount, guest instructions).
 * With -P it pauses in between: "established=N est_ns=T" on a line of its
 * own, then the deletions once a line has been read from its standard
 * input (tests/pfcpd_scale.sh looks at the gateway meanwhile).
 * Any response other than cause 1 (Request accepted), or none within 10
 * seconds, ends it with a message and exit status 1.  The messages are
 * built with the agent's own codec (pfcpd/pfcp_msg.c), the responses read
 * with a walk of their top-level IEs: what is measured is the agent, and
 * tests/pfcpd_session.sh checks the same sequence against scapy's SMF.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "pfcp_msg.h"

#define CAUSE_ACCEPTED	1
#define IFACE_ACCESS	0
#define IFACE_CORE	1
#define APPLY_FORW	0x02
#define UE_IP_V4	0x02
#define UE_IP_SD	0x04
#define OHC_GTPU_UDP_IPV4 0x0100
#define RECOVERY	3900000000u	/* an NTP time stamp, 2023 */
#define TIMEOUT_MS	10000

struct smf {
	int fd;
	struct sockaddr_in agent;
	struct in_addr me, peer;
	uint32_t seq;
	uint8_t buf[2048];
};

static const char network_instance[] = "\x08internet";	/* DNS labels */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* Sequence numbers are 24 bits */
static uint32_t next_seq(struct smf *s)
{
	s->seq = (s->seq + 1) & 0xffffff;
	return s->seq;
}

static void ue_addr(uint32_t i, uint8_t out[4])
{
	uint32_t a = htonl((10u << 24 | 64u << 16) + i + 1);

	memcpy(out, &a, 4);
}

static void put_ue_ip(struct pfcp_out *o, uint32_t i, uint8_t flags)
{
	uint8_t v[5] = { flags | UE_IP_V4 };

	ue_addr(i, v + 1);
	pfcp_put_ie(o, PFCP_IE_UE_IP_ADDRESS, v, sizeof(v));
}

static void put_pdr(struct pfcp_out *o, uint32_t id, uint32_t i)
{
	static const uint8_t choose_v4 = PFCP_FTEID_V4 | PFCP_FTEID_CH;
	size_t pdr = pfcp_group_begin(o, PFCP_IE_CREATE_PDR), pdi;
	bool uplink = id == 1;

	pfcp_put_u16(o, PFCP_IE_PDR_ID, id);
	pfcp_put_u32(o, PFCP_IE_PRECEDENCE, 255);
	pdi = pfcp_group_begin(o, PFCP_IE_PDI);
	pfcp_put_u8(o, PFCP_IE_SOURCE_INTERFACE,
		    uplink ? IFACE_ACCESS : IFACE_CORE);
	if (uplink)
		pfcp_put_ie(o, PFCP_IE_F_TEID, &choose_v4, 1);
	pfcp_put_ie(o, PFCP_IE_NETWORK_INSTANCE, network_instance,
		    sizeof(network_instance) - 1);
	put_ue_ip(o, i, uplink ? 0 : UE_IP_SD);
	pfcp_group_end(o, pdi);
	if (uplink)
		pfcp_put_u8(o, PFCP_IE_OUTER_HEADER_REMOVAL, 0);
	pfcp_put_u32(o, PFCP_IE_FAR_ID, id);
	pfcp_group_end(o, pdr);
}

static void put_far(struct pfcp_out *o, const struct smf *s, uint32_t id,
		    uint32_t i)
{
	size_t far = pfcp_group_begin(o, PFCP_IE_CREATE_FAR), fwd;
	uint8_t ohc[10] = { OHC_GTPU_UDP_IPV4 >> 8, OHC_GTPU_UDP_IPV4 & 0xff };
	uint32_t teid = htonl(i + 1);

	pfcp_put_u32(o, PFCP_IE_FAR_ID, id);
	pfcp_put_u8(o, PFCP_IE_APPLY_ACTION, APPLY_FORW);
	fwd = pfcp_group_begin(o, PFCP_IE_FORWARDING_PARAMS);
	pfcp_put_u8(o, PFCP_IE_DESTINATION_INTERFACE,
		    id == 1 ? IFACE_CORE : IFACE_ACCESS);
	pfcp_put_ie(o, PFCP_IE_NETWORK_INSTANCE, network_instance,
		    sizeof(network_instance) - 1);
	if (id == 2) {
		memcpy(ohc + 2, &teid, 4);
		memcpy(ohc + 6, &s->peer, 4);
		pfcp_put_ie(o, PFCP_IE_OUTER_HEADER_CREATION, ohc, sizeof(ohc));
	}
	pfcp_group_end(o, fwd);
	pfcp_group_end(o, far);
}

static void put_node_id(struct pfcp_out *o, const struct smf *s)
{
	struct pfcp_node_id id = { .type = 0, .len = 4 };

	memcpy(id.val, &s->me, 4);
	pfcp_put_node_id(o, &id);
}

static int build_assoc(struct smf *s, struct pfcp_out *o)
{
	pfcp_out_start(o, s->buf, sizeof(s->buf), PFCP_ASSOC_SETUP_REQ,
		       next_seq(s), false, 0);
	put_node_id(o, s);
	pfcp_put_u32(o, PFCP_IE_RECOVERY_TIME_STAMP, RECOVERY);
	return pfcp_out_finish(o);
}

static int build_est(struct smf *s, struct pfcp_out *o, uint32_t i)
{
	struct pfcp_fseid f = { .flags = PFCP_FSEID_V4, .seid = i + 1ull };

	memcpy(f.v4, &s->me, 4);
	pfcp_out_start(o, s->buf, sizeof(s->buf), PFCP_SESSION_EST_REQ,
		       next_seq(s), true, 0);
	put_node_id(o, s);
	pfcp_put_fseid(o, &f);
	put_pdr(o, 1, i);
	put_pdr(o, 2, i);
	put_far(o, s, 1, i);
	put_far(o, s, 2, i);
	return pfcp_out_finish(o);
}

static int build_del(struct smf *s, struct pfcp_out *o, uint64_t up_seid)
{
	pfcp_out_start(o, s->buf, sizeof(s->buf), PFCP_SESSION_DEL_REQ,
		       next_seq(s), true, up_seid);
	return pfcp_out_finish(o);
}

/*
 * The response (of type @type) to the request just sent: its cause, and
 * the UP F-SEID's SEID into *up_seid when there is one.  -1 on a timeout
 * or error.
 */
static int response(struct smf *s, uint8_t type, uint64_t *up_seid)
{
	uint8_t rsp[4096];
	ssize_t n;
	size_t off, hdr;
	int cause = -1;

	for (;;) {
		/* the socket's receive timeout: no poll() per response */
		n = recv(s->fd, rsp, sizeof(rsp), 0);
		if (n < 0)
			return -1;
		if (n < 8)
			continue;
		hdr = rsp[0] & 0x01 ? 16 : 8;	/* S flag: a SEID */
		if ((size_t)n < hdr || rsp[1] != type ||
		    (uint32_t)(rsp[hdr - 4] << 16 | rsp[hdr - 3] << 8 |
			       rsp[hdr - 2]) != s->seq)
			continue;	/* not ours: a heartbeat, a late one */
		break;
	}
	for (off = hdr; off + 4 <= (size_t)n;) {
		uint16_t ie = rsp[off] << 8 | rsp[off + 1];
		uint16_t len = rsp[off + 2] << 8 | rsp[off + 3];
		const uint8_t *v = rsp + off + 4;

		if (off + 4 + len > (size_t)n)
			return -1;
		if (ie == PFCP_IE_CAUSE && len >= 1)
			cause = v[0];
		if (ie == PFCP_IE_F_SEID && len >= 9 && up_seid) {
			uint64_t seid = 0;
			int b;

			for (b = 1; b < 9; b++)
				seid = seid << 8 | v[b];
			*up_seid = seid;
		}
		off += 4 + len;
	}
	return cause;
}

static int exchange(struct smf *s, int len, uint64_t *up_seid,
		    const char *what, uint32_t i)
{
	int cause;

	/* Each request type is one less than its response's */
	if (len < 0 || send(s->fd, s->buf, len, 0) != len) {
		fprintf(stderr, "pfcpgen: %s %u: cannot send: %s\n", what, i,
			len < 0 ? "message too long" : strerror(errno));
		return -1;
	}
	cause = response(s, s->buf[1] + 1, up_seid);
	if (cause != CAUSE_ACCEPTED) {
		fprintf(stderr, "pfcpgen: %s %u: %s %d\n", what, i,
			cause < 0 ? "no valid response" : "cause", cause);
		return -1;
	}
	return 0;
}

static int smf_open(struct smf *s, const char *me)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(PFCP_PORT) };
	struct timeval timeout = { .tv_sec = TIMEOUT_MS / 1000 };
	socklen_t alen = sizeof(a);

	s->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (s->fd < 0)
		return -1;
	if (me && inet_pton(AF_INET, me, &a.sin_addr) != 1)
		return errno = EINVAL, -1;
	if (!me) {	/* the source address the route to the agent picks */
		if (connect(s->fd, (struct sockaddr *)&s->agent,
			    sizeof(s->agent)) ||
		    getsockname(s->fd, (struct sockaddr *)&a, &alen))
			return -1;
		close(s->fd);
		s->fd = socket(AF_INET, SOCK_DGRAM, 0);
		a.sin_port = htons(PFCP_PORT);
	}
	s->me = a.sin_addr;
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    connect(s->fd, (struct sockaddr *)&s->agent, sizeof(s->agent)) ||
	    setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &timeout,
		       sizeof(timeout)))
		return -1;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: pfcpgen [-P] [-s SMF_ADDR] [-p PEER] [-f FIRST] AGENT_ADDR N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct smf s = { .agent = { .sin_family = AF_INET,
				    .sin_port = htons(PFCP_PORT) } };
	const char *me = NULL, *peer = "192.0.2.1";
	uint64_t *seids, t0, t_est, t_del;
	uint32_t first = 0, n, i;
	bool pause = false;
	struct pfcp_out o;
	char line[16];
	int c;

	while ((c = getopt(argc, argv, "Ps:p:f:")) != -1) {
		switch (c) {
		case 'P':
			pause = true;
			break;
		case 's':
			me = optarg;
			break;
		case 'p':
			peer = optarg;
			break;
		case 'f':
			first = strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2 ||
	    inet_pton(AF_INET, argv[optind], &s.agent.sin_addr) != 1 ||
	    inet_pton(AF_INET, peer, &s.peer) != 1)
		usage();
	n = strtoul(argv[optind + 1], NULL, 0);
	/* Sequence numbers another run has not used: the agent answers a
	 * request it has seen (same sender, number and octets) from its
	 * cache of responses, without acting on it.
	 */
	s.seq = (now_ns() / 1000) & 0xffffff;
	seids = calloc(n ? n : 1, sizeof(*seids));
	if (!seids || smf_open(&s, me)) {
		perror("pfcpgen");
		return 1;
	}
	if (exchange(&s, build_assoc(&s, &o), NULL, "association setup", 0))
		return 1;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (exchange(&s, build_est(&s, &o, first + i), &seids[i],
			     "session establishment", first + i))
			return 1;
	t_est = now_ns() - t0;
	if (pause) {
		printf("established=%u est_ns=%llu\n", n,
		       (unsigned long long)t_est);
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (exchange(&s, build_del(&s, &o, seids[i]), NULL,
			     "session deletion", first + i))
			return 1;
	t_del = now_ns() - t0;
	if (pause)
		printf("deleted=%u del_ns=%llu\n", n, (unsigned long long)t_del);
	else
		printf("established=%u est_ns=%llu deleted=%u del_ns=%llu\n", n,
		       (unsigned long long)t_est, n, (unsigned long long)t_del);
	free(seids);
	close(s.fd);
	return 0;
}
