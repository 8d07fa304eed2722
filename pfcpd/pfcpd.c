// SPDX-License-Identifier: GPL-2.0-only
/*
 * nf-gtpu-pfcpd: the PFCP user-plane agent of nf-gtpu (docs/pfcp.md).
 *
 * Phase 1: the node procedures.  UDP 8805 on the configured IPv4 and
 * IPv6 addresses; Heartbeat both ways; Association Setup, Update and
 * Release; Version Not Supported.  Session messages are answered with a
 * rejection until sessions are implemented.  One context struct, one
 * poll() loop, no threads.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pfcpd.h"

#define NTP_EPOCH_OFFSET	2208988800u	/* 1900 to 1970, seconds */
#define CAUSE_NONE		(-1)

struct peer {
	bool used;
	struct pfcp_node_id node_id;
	struct sockaddr_storage addr;	/* where heartbeats go: its port 8805 */
	socklen_t alen;
	int fd;				/* the socket it talked to */
	uint32_t recovery_ts;
	uint32_t hb_seq;		/* outstanding heartbeat, 0 if none */
	unsigned int hb_missed;
	time_t next_hb;
};

struct counter {
	uint8_t tx, type;
	int16_t cause;
	uint64_t n;
};

enum drop_reason {
	DROP_TRUNCATED, DROP_LENGTH, DROP_TYPE, DROP_SEID_FLAG, DROP_BAD_IE,
	DROP_UNEXPECTED, DROP_BUNDLED, DROP_SEND_FAILED, __DROP_MAX
};

static const char *const drop_names[] = {
	[DROP_TRUNCATED] = "truncated", [DROP_LENGTH] = "bad_length",
	[DROP_TYPE] = "unknown_type", [DROP_SEID_FLAG] = "bad_s_flag",
	[DROP_BAD_IE] = "bad_ie", [DROP_UNEXPECTED] = "unexpected",
	[DROP_BUNDLED] = "bundled", [DROP_SEND_FAILED] = "send_failed",
};

struct pfcpd {
	struct pfcpd_conf conf;
	int fd[MAX_LISTEN];
	uint32_t recovery_ts;
	uint32_t seq;
	struct peer peers[MAX_PEERS];
	struct counter ctr[MAX_COUNTERS];
	int n_ctr;
	uint64_t drops[__DROP_MAX];
	uint64_t peer_restarts, peer_timeouts;
	const char *stats_path;
	bool debug;
	/* the message being handled, and its sender */
	struct pfcp_msg msg;
	struct pfcp_parsed res;
	struct sockaddr_storage from;
	socklen_t fromlen;
	int rx_fd;
	uint8_t rx_buf[65536];	/* any UDP payload */
};

/* The only state outside struct pfcpd: what a signal handler may set */
static volatile sig_atomic_t got_term, got_usr1;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

static void __attribute__((format(printf, 3, 4)))
logmsg(const struct pfcpd *d, bool debug, const char *fmt, ...)
{
	va_list ap;

	if (debug && !d->debug)
		return;
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Counters */

static void count(struct pfcpd *d, bool tx, uint8_t type, int cause)
{
	int i;

	for (i = 0; i < d->n_ctr; i++) {
		if (d->ctr[i].tx == tx && d->ctr[i].type == type &&
		    d->ctr[i].cause == cause) {
			d->ctr[i].n++;
			return;
		}
	}
	/* 256 (type, cause) pairs is far more than the agent can emit */
	if (d->n_ctr < MAX_COUNTERS)
		d->ctr[d->n_ctr++] = (struct counter){ tx, type, cause, 1 };
}

static void drop(struct pfcpd *d, enum drop_reason r)
{
	d->drops[r]++;
	logmsg(d, true, "dropped: %s", drop_names[r]);
}

/* Prometheus text, like "gtpu stats --prometheus" */
static void write_stats(const struct pfcpd *d, FILE *f)
{
	const struct counter *c;
	char cause[8];
	int i;

	fputs("# HELP nf_gtpu_pfcp_messages_total PFCP messages by direction, type and cause.\n"
	      "# TYPE nf_gtpu_pfcp_messages_total counter\n", f);
	for (i = 0; i < d->n_ctr; i++) {
		c = &d->ctr[i];
		snprintf(cause, sizeof(cause), "%d", c->cause);
		fprintf(f, "nf_gtpu_pfcp_messages_total{dir=\"%s\",type=\"%s\",cause=\"%s\"} %llu\n",
			c->tx ? "tx" : "rx", pfcp_type_name(c->type),
			c->cause == CAUSE_NONE ? "" : cause,
			(unsigned long long)c->n);
	}
	fputs("# HELP nf_gtpu_pfcp_dropped_total PFCP datagrams dropped, by reason.\n"
	      "# TYPE nf_gtpu_pfcp_dropped_total counter\n", f);
	for (i = 0; i < __DROP_MAX; i++)
		fprintf(f, "nf_gtpu_pfcp_dropped_total{reason=\"%s\"} %llu\n",
			drop_names[i], (unsigned long long)d->drops[i]);
	fprintf(f, "# HELP nf_gtpu_pfcp_peer_events_total Peer restarts (new Recovery Time Stamp) and heartbeat timeouts.\n"
		"# TYPE nf_gtpu_pfcp_peer_events_total counter\n"
		"nf_gtpu_pfcp_peer_events_total{event=\"restart\"} %llu\n"
		"nf_gtpu_pfcp_peer_events_total{event=\"timeout\"} %llu\n",
		(unsigned long long)d->peer_restarts,
		(unsigned long long)d->peer_timeouts);
}

/* To a temporary file renamed into place: a reader never sees half */
static void dump_stats(const struct pfcpd *d)
{
	char tmp[4096];
	FILE *f;

	if (!d->stats_path)
		return;
	if (!strcmp(d->stats_path, "-")) {
		write_stats(d, stdout);
		fflush(stdout);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->stats_path);
	f = fopen(tmp, "w");
	if (!f) {
		logmsg(d, false, "%s: %s", tmp, strerror(errno));
		return;
	}
	write_stats(d, f);
	if (fclose(f) || rename(tmp, d->stats_path))
		logmsg(d, false, "%s: %s", d->stats_path, strerror(errno));
}

/* Sending */

static void send_msg(struct pfcpd *d, struct pfcp_out *o, int fd,
		     const struct sockaddr_storage *to, socklen_t tolen,
		     int cause)
{
	int n = pfcp_out_finish(o);

	if (n < 0 || sendto(fd, o->buf, n, 0, (const struct sockaddr *)to,
			    tolen) != n) {
		drop(d, DROP_SEND_FAILED);
		return;
	}
	count(d, true, o->buf[1], cause);
}

/* The response to the message being handled: same sequence number */
static void rsp_start(struct pfcpd *d, struct pfcp_out *o, uint8_t *buf,
		      size_t size, bool with_seid, uint64_t seid)
{
	pfcp_out_start(o, buf, size, d->res.hdr.type + 1, d->res.hdr.seq,
		       with_seid, seid);
}

static void rsp_send(struct pfcpd *d, struct pfcp_out *o, int cause)
{
	send_msg(d, o, d->rx_fd, &d->from, d->fromlen, cause);
}

static void put_ff(struct pfcp_out *o)
{
	/* UP Function Features: nothing optional is implemented yet */
	static const uint8_t none[2];

	pfcp_put_ie(o, PFCP_IE_UP_FUNCTION_FEATURES, none, sizeof(none));
}

/* Association responses: Node ID and Cause, and more for a setup */
static void node_rsp(struct pfcpd *d, uint8_t cause)
{
	struct pfcp_out o;
	uint8_t buf[512];

	rsp_start(d, &o, buf, sizeof(buf), false, 0);
	pfcp_put_node_id(&o, &d->conf.node_id);
	pfcp_put_u8(&o, PFCP_IE_CAUSE, cause);
	if (d->res.hdr.type == PFCP_ASSOC_SETUP_REQ) {
		pfcp_put_u32(&o, PFCP_IE_RECOVERY_TIME_STAMP, d->recovery_ts);
		put_ff(&o);
	}
	rsp_send(d, &o, cause);
}

/*
 * Session responses: Node ID only in the Establishment Response, the
 * Offending IE when a cause names one.  The SEID is the CP function's
 * (from its F-SEID), or 0 when the session or F-SEID is unknown
 * (TS 29.244 7.2.2.4.2).
 */
static void session_rsp(struct pfcpd *d, uint8_t cause, uint16_t offending,
			uint64_t seid)
{
	struct pfcp_out o;
	uint8_t buf[512];

	rsp_start(d, &o, buf, sizeof(buf), true, seid);
	if (d->res.hdr.type == PFCP_SESSION_EST_REQ)
		pfcp_put_node_id(&o, &d->conf.node_id);
	pfcp_put_u8(&o, PFCP_IE_CAUSE, cause);
	if (offending)
		pfcp_put_u16(&o, PFCP_IE_OFFENDING_IE, offending);
	rsp_send(d, &o, cause);
}

static void version_not_supported(struct pfcpd *d)
{
	struct pfcp_out o;
	uint8_t buf[PFCP_HDR_LEN];

	pfcp_out_start(&o, buf, sizeof(buf), PFCP_VERSION_NOT_SUPPORTED_RSP,
		       d->res.hdr.seq, false, 0);
	rsp_send(d, &o, CAUSE_NONE);
}

/* Peers */

static bool same_node(const struct pfcp_node_id *a,
		      const struct pfcp_node_id *b)
{
	return a->type == b->type && a->len == b->len &&
	       !memcmp(a->val, b->val, a->len);
}

static struct peer *find_peer(struct pfcpd *d, const struct pfcp_node_id *id)
{
	int i;

	for (i = 0; i < MAX_PEERS; i++)
		if (d->peers[i].used && same_node(&d->peers[i].node_id, id))
			return &d->peers[i];
	return NULL;
}

static struct peer *find_peer_addr(struct pfcpd *d,
				   const struct sockaddr_storage *a)
{
	const struct sockaddr_in6 *p6, *a6 = (const void *)a;
	const struct sockaddr_in *p4, *a4 = (const void *)a;
	int i;

	for (i = 0; i < MAX_PEERS; i++) {
		if (!d->peers[i].used || d->peers[i].addr.ss_family != a->ss_family)
			continue;
		p4 = (const void *)&d->peers[i].addr;
		p6 = (const void *)&d->peers[i].addr;
		if (a->ss_family == AF_INET ?
		    p4->sin_addr.s_addr == a4->sin_addr.s_addr :
		    !memcmp(&p6->sin6_addr, &a6->sin6_addr, 16))
			return &d->peers[i];
	}
	return NULL;
}

static void peer_recovery(struct pfcpd *d, struct peer *p, uint32_t ts)
{
	if (p->recovery_ts && p->recovery_ts != ts) {
		/* phase 2: delete the peer's sessions (TS 29.244 6.2.6) */
		d->peer_restarts++;
		logmsg(d, false, "peer restarted: Recovery Time Stamp %u, was %u",
		       ts, p->recovery_ts);
	}
	p->recovery_ts = ts;
}

/* Requests go to the peer's port 8805, whatever port it sent from */
static void peer_set_addr(struct pfcpd *d, struct peer *p)
{
	p->addr = d->from;
	p->alen = d->fromlen;
	if (p->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&p->addr)->sin_port = htons(PFCP_PORT);
	else
		((struct sockaddr_in6 *)&p->addr)->sin6_port = htons(PFCP_PORT);
	p->fd = d->rx_fd;
}

/* Node procedures */

static void heartbeat_req(struct pfcpd *d)
{
	struct peer *p = find_peer_addr(d, &d->from);
	struct pfcp_out o;
	uint8_t buf[64];

	if (p)
		peer_recovery(d, p, d->msg.recovery_ts);
	rsp_start(d, &o, buf, sizeof(buf), false, 0);
	pfcp_put_u32(&o, PFCP_IE_RECOVERY_TIME_STAMP, d->recovery_ts);
	rsp_send(d, &o, CAUSE_NONE);
}

static void heartbeat_rsp(struct pfcpd *d)
{
	struct peer *p = find_peer_addr(d, &d->from);

	if (!p || !p->hb_seq || p->hb_seq != d->res.hdr.seq) {
		drop(d, DROP_UNEXPECTED);
		return;
	}
	p->hb_seq = 0;
	p->hb_missed = 0;
	peer_recovery(d, p, d->msg.recovery_ts);
}

static void assoc_setup(struct pfcpd *d)
{
	struct peer *p = find_peer(d, &d->msg.node_id);
	int i;

	for (i = 0; !p && i < MAX_PEERS; i++) {
		if (!d->peers[i].used) {
			p = &d->peers[i];
			memset(p, 0, sizeof(*p));
			p->used = true;
			p->node_id = d->msg.node_id;
		}
	}
	if (!p) {
		node_rsp(d, PFCP_CAUSE_NO_RESOURCES);
		return;
	}
	peer_recovery(d, p, d->msg.recovery_ts);
	peer_set_addr(d, p);
	p->hb_seq = 0;
	p->hb_missed = 0;
	p->next_hb = time(NULL) + d->conf.hb_interval;
	logmsg(d, false, "association set up");
	node_rsp(d, PFCP_CAUSE_ACCEPTED);
}

static void assoc_update_release(struct pfcpd *d)
{
	struct peer *p = find_peer(d, &d->msg.node_id);

	if (!p) {
		node_rsp(d, PFCP_CAUSE_NO_ASSOCIATION);
		return;
	}
	if (d->res.hdr.type == PFCP_ASSOC_RELEASE_REQ) {
		/* phase 2: its sessions go with it */
		p->used = false;
		logmsg(d, false, "association released");
	}
	node_rsp(d, PFCP_CAUSE_ACCEPTED);
}

/*
 * Sessions are phase 2: an associated peer hears "Service not
 * supported", an unassociated one "No established PFCP Association";
 * no session exists to modify or delete.
 */
static void session_req(struct pfcpd *d)
{
	uint64_t seid = d->msg.fseid.seid;

	if (d->res.hdr.type != PFCP_SESSION_EST_REQ) {
		session_rsp(d, PFCP_CAUSE_SESSION_NOT_FOUND, 0, 0);
		return;
	}
	if (!find_peer(d, &d->msg.node_id))
		session_rsp(d, PFCP_CAUSE_NO_ASSOCIATION, 0, seid);
	else
		session_rsp(d, PFCP_CAUSE_SERVICE_NOT_SUPPORTED, 0, seid);
}

/*
 * A request with a bad IE: its response carries the cause where the
 * response has a Cause IE.  A Heartbeat Response has none, so a bad
 * Heartbeat Request is dropped.
 */
static void bad_request(struct pfcpd *d)
{
	switch (d->res.hdr.type) {
	case PFCP_ASSOC_SETUP_REQ:
	case PFCP_ASSOC_UPDATE_REQ:
	case PFCP_ASSOC_RELEASE_REQ:
		node_rsp(d, d->res.cause);
		break;
	case PFCP_SESSION_EST_REQ:
	case PFCP_SESSION_MOD_REQ:
		session_rsp(d, d->res.cause, d->res.offending_ie,
			    d->res.hdr.type == PFCP_SESSION_EST_REQ &&
			    pfcp_msg_has(&d->msg, PFCP_SESSION_EST_REQ,
					 PFCP_IE_F_SEID) ? d->msg.fseid.seid : 0);
		break;
	default:
		drop(d, DROP_BAD_IE);
		break;
	}
}

static void dispatch(struct pfcpd *d)
{
	switch (d->res.hdr.type) {
	case PFCP_HEARTBEAT_REQ:
		heartbeat_req(d);
		break;
	case PFCP_HEARTBEAT_RSP:
		heartbeat_rsp(d);
		break;
	case PFCP_ASSOC_SETUP_REQ:
		assoc_setup(d);
		break;
	case PFCP_ASSOC_UPDATE_REQ:
	case PFCP_ASSOC_RELEASE_REQ:
		assoc_update_release(d);
		break;
	case PFCP_SESSION_EST_REQ:
	case PFCP_SESSION_MOD_REQ:
	case PFCP_SESSION_DEL_REQ:
		session_req(d);
		break;
	default:
		/* responses to nothing the agent sent, PFD, Node Report... */
		drop(d, DROP_UNEXPECTED);
		break;
	}
}

static void handle(struct pfcpd *d, const uint8_t *buf, size_t len)
{
	static const enum drop_reason drops[] = {
		[PFCP_ERR_TRUNCATED] = DROP_TRUNCATED,
		[PFCP_ERR_LENGTH] = DROP_LENGTH, [PFCP_ERR_TYPE] = DROP_TYPE,
		[PFCP_ERR_SEID_FLAG] = DROP_SEID_FLAG,
	};
	enum pfcp_result r = pfcp_parse(buf, len, &d->res, &d->msg);
	const struct pfcp_hdr *h = &d->res.hdr;
	int cause;

	logmsg(d, true, "rx %s seq %u: %s", pfcp_type_name(h->type), h->seq,
	       pfcp_result_name(r));
	switch (r) {
	case PFCP_OK:
		cause = pfcp_msg_has(&d->msg, h->type, PFCP_IE_CAUSE) ?
			d->msg.cause : CAUSE_NONE;
		count(d, false, h->type, cause);
		if (h->flags & PFCP_HDR_FO && (size_t)h->length + 4 < len)
			drop(d, DROP_BUNDLED);
		dispatch(d);
		break;
	case PFCP_ERR_VERSION:
		version_not_supported(d);
		break;
	case PFCP_ERR_IE:
		count(d, false, h->type, CAUSE_NONE);
		if (pfcp_type_is_request(h->type))
			bad_request(d);
		else
			drop(d, DROP_BAD_IE);
		break;
	default:
		drop(d, drops[r]);
		break;
	}
}

/* The agent's own heartbeats; a peer silent for hb_misses is lost */
static void heartbeats(struct pfcpd *d, time_t now)
{
	struct pfcp_out o;
	uint8_t buf[64];
	struct peer *p;
	int i;

	for (i = 0; d->conf.hb_interval && i < MAX_PEERS; i++) {
		p = &d->peers[i];
		if (!p->used || now < p->next_hb)
			continue;
		if (p->hb_seq && ++p->hb_missed >= d->conf.hb_misses) {
			d->peer_timeouts++;
			p->used = false;
			logmsg(d, false, "peer lost: no heartbeat response");
			continue;
		}
		d->seq = (d->seq + 1) & 0xffffff;
		if (!d->seq)
			d->seq = 1;
		p->hb_seq = d->seq;
		p->next_hb = now + d->conf.hb_interval;
		pfcp_out_start(&o, buf, sizeof(buf), PFCP_HEARTBEAT_REQ,
			       p->hb_seq, false, 0);
		pfcp_put_u32(&o, PFCP_IE_RECOVERY_TIME_STAMP, d->recovery_ts);
		send_msg(d, &o, p->fd, &p->addr, p->alen, CAUSE_NONE);
	}
}

/* Sockets and the loop */

static int open_socket(const struct pfcpd *d, const struct sockaddr_storage *a)
{
	socklen_t len = a->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
						  sizeof(struct sockaddr_in6);
	int fd, one = 1;

	fd = socket(a->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* both families may bind 8805 */
	if ((a->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (const struct sockaddr *)a, len)) {
		logmsg(d, false, "bind: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * At most RX_BATCH datagrams a socket and wakeup: a flood on one
 * address must not starve the others nor the agent's own heartbeats.
 */
#define RX_BATCH	64

static void receive(struct pfcpd *d, int fd)
{
	ssize_t n;
	int i;

	for (i = 0; i < RX_BATCH; i++) {
		d->fromlen = sizeof(d->from);
		n = recvfrom(fd, d->rx_buf, sizeof(d->rx_buf), 0,
			     (struct sockaddr *)&d->from, &d->fromlen);
		if (n < 0)
			return;
		d->rx_fd = fd;
		handle(d, d->rx_buf, (size_t)n);
	}
}

static int run(struct pfcpd *d)
{
	struct pollfd pfd[MAX_LISTEN];
	int i, n = d->conf.n_listen;

	for (i = 0; i < n; i++) {
		pfd[i].fd = d->fd[i];
		pfd[i].events = POLLIN;
	}
	while (!got_term) {
		if (got_usr1) {
			got_usr1 = 0;
			dump_stats(d);
		}
		if (poll(pfd, n, 1000) < 0 && errno != EINTR)
			return -1;
		for (i = 0; i < n; i++)
			if (pfd[i].revents & POLLIN)
				receive(d, pfd[i].fd);
		heartbeats(d, time(NULL));
	}
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: " PROG " [-d] [-t] [-c FILE] [-s FILE]\n"
	      "  -c FILE  configuration (default /etc/nf-gtpu/pfcpd.conf)\n"
	      "  -s FILE  write counters in Prometheus text there on SIGUSR1\n"
	      "           and at exit ('-': standard output)\n"
	      "  -t       check the configuration, print it and exit\n"
	      "  -d       debug log: every message received and dropped\n"
	      "See nf-gtpu-pfcpd(8).\n", f);
}

int main(int argc, char **argv)
{
	const char *conf = "/etc/nf-gtpu/pfcpd.conf";
	struct sigaction sa = { .sa_handler = on_signal };
	static struct pfcpd d;
	bool test = false;
	char err[512];
	int i, opt;

	while ((opt = getopt(argc, argv, "c:s:tdh")) != -1) {
		switch (opt) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			d.stats_path = optarg;
			break;
		case 't':
			test = true;
			break;
		case 'd':
			d.debug = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (conf_load(&d.conf, conf, err, sizeof(err))) {
		fprintf(stderr, PROG ": %s\n", err);
		return 2;
	}
	if (test) {
		conf_print(stdout, &d.conf);
		return 0;
	}
	for (i = 0; i < d.conf.n_listen; i++) {
		d.fd[i] = open_socket(&d, &d.conf.listen[i]);
		if (d.fd[i] < 0)
			return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	d.recovery_ts = (uint32_t)(time(NULL) + NTP_EPOCH_OFFSET);
	logmsg(&d, false, "node %s, Recovery Time Stamp %u, %d address(es)",
	       d.conf.node_id_text, d.recovery_ts, d.conf.n_listen);
	if (run(&d)) {
		logmsg(&d, false, "poll: %s", strerror(errno));
		return 1;
	}
	dump_stats(&d);
	logmsg(&d, false, "exiting");
	return 0;
}
