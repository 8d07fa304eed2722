// SPDX-License-Identifier: GPL-2.0-only
/*
 * nf-gtpu-pfcpd: the PFCP user-plane agent of nf-gtpu (docs/pfcp.md).
 *
 * UDP 8805 on the configured IPv4 and IPv6 addresses; Heartbeat both
 * ways; Association Setup, Update and Release; Version Not Supported;
 * Session Establishment, Modification and Deletion, each one libnfgtpu
 * transaction (session.c translates the rules); a retransmitted request
 * answered with the response already sent (rspcache.c).  One context struct,
 * one poll() loop, no threads.
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

#include "dlbuf.h"
#include "rspcache.h"
#include "session.h"
#include "state.h"

#define CAUSE_NONE		(-1)
#define GTPU_PORT		2152
#define GTPU_END_MARKER		254	/* message type, TS 29.281 */

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

/* A PFCP session: our SEID is its slot and a generation */
struct session {
	uint64_t seid, cp_seid;
	struct pfcp_node_id peer;
	/* its rules, and the measurements of its URRs between reports */
	struct sess_packed *state;
	size_t state_size;
	bool reports;			/* a URR reports on a trigger */
	uint32_t report_seq;		/* its report awaiting a response */
	size_t rec_len;			/* its record in the gateway, 0: none */
};

/*
 * A Session Report Request awaiting its response: sent again every T1
 * while unanswered, N1 times, then given up.
 */
struct report {
	struct report *next;
	uint64_t seid;			/* ours: the session reported */
	uint32_t seq;
	unsigned int sent;
	time_t resend;
	struct sockaddr_storage to;	/* the peer's address, port 8805 */
	socklen_t tolen;
	int fd;
	size_t len;
	uint8_t buf[];
};

enum report_result {
	REPORT_SENT, REPORT_ACCEPTED, REPORT_SESSION_NOT_FOUND,
	REPORT_REJECTED, REPORT_TIMEOUT, __REPORT_MAX
};

static const char *const report_names[] = {
	[REPORT_SENT] = "sent", [REPORT_ACCEPTED] = "accepted",
	[REPORT_SESSION_NOT_FOUND] = "session_not_found",
	[REPORT_REJECTED] = "rejected", [REPORT_TIMEOUT] = "timeout",
};

/* The counters of a context, by its TEID: one listing for all sessions */
struct kctr {
	uint32_t teid;
	struct nfgtpu_counter ul, dl;
};

/*
 * What a session measured: the counters of its contexts, read just
 * before a report or a deletion (packets in between are counted in the
 * next report, or not at all).
 */
struct usage {
	struct sess_ctx c[PFCP_MAX_RULES];
	int n;
};

/*
 * The contexts of a session's rules before and after a message, and by
 * batch index each context put and the rules it was made of: a refused
 * one names its rule (sess_ctx_fail()).
 */
struct change {
	const struct sess_rules *rfrom, *rto;
	struct sess_ctx from[PFCP_MAX_RULES], to[PFCP_MAX_RULES];
	int n_from, n_to;
	struct {
		const struct sess_ctx *c;
		const struct sess_rules *r;
	} put[2 * PFCP_MAX_RULES];
	size_t n;
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
	struct rsp_cache rsp;	/* responses, for duplicate requests */
	uint64_t duplicates;	/* requests answered from it */
	const char *stats_path;
	bool debug;
	bool node_only;		/* -n: no gateway, sessions refused */
	struct nfgtpu *nft;
	unsigned int gw_flags;	/* NFGTPU_GW_QFI, _BUFFER, _MBR: as the sessions see it */
	struct dlbuf *dlbuf;	/* downlink buffering, NULL: none */
	uint64_t ddr_sent;	/* Downlink Data Reports */
	int em_fd[2];		/* End Markers: IPv4, IPv6 socket, or -1 */
	uint64_t end_markers[2];	/* sent, not sent */
	struct session **sess;	/* by slot */
	/* the session open (sess_open()): its rules and measurements */
	const struct session *open;
	struct sess_rules rules;
	struct sess_meas_set meas;
	struct sess_rules changed;	/* rules as a message changes them */
	uint32_t n_slots, n_sess, sess_gen;
	uint32_t free_slot;	/* none is free below it */
	struct teid_alloc alloc;
	struct teid_ref *teids;	/* hashed, teid_find() */
	uint32_t teids_mask, n_teids;
	/* usage reporting */
	struct kctr *kctr;	/* every context's counters, by TEID */
	size_t n_kctr, kctr_size;
	struct usage usage;	/* of the session being looked at */
	struct change change;	/* of the session being changed */
	struct report *reports;	/* awaiting their responses */
	time_t next_usage;
	uint64_t report_results[__REPORT_MAX];
	uint64_t report_retransmissions;
	/* restart: the state kept in the gateway's records */
	bool records;
	size_t node_rec_len;
	uint8_t node_rec[STATE_NODE_MAX];	/* as the gateway has it */
	uint8_t rec_buf[NFGTPU_RECORD_MAX];
	/* the message being handled, and its sender */
	struct pfcp_msg msg;
	struct pfcp_parsed res;
	struct sockaddr_storage from;
	socklen_t fromlen;
	int rx_fd;
	size_t rx_len;
	uint64_t rx_digest;	/* of a request, for the response cache */
	uint8_t rx_buf[65536];	/* any UDP payload */
};

/*
 * A session's rules and measurements, unpacked into d->rules and d->meas
 * for the functions that work on it; the last one stays unpacked until
 * another is opened.
 */
static void sess_open(struct pfcpd *d, const struct session *s)
{
	if (d->open == s)
		return;
	if (s->state) {
		sess_unpack(s->state, &d->rules, &d->meas);
	} else {
		d->rules.n_pdr = 0;
		d->rules.n_far = 0;
		d->rules.n_qer = 0;
		d->rules.n_urr = 0;
		d->meas.n = 0;
	}
	d->open = s;
}

/* Has a URR of the rules a trigger the agent reports on? */
static bool sess_reports(const struct sess_rules *r)
{
	unsigned int i;

	for (i = 0; i < r->n_urr; i++)
		if (sess_urr_reports(&r->urr[i]))
			return true;
	return false;
}

/*
 * Keep d->rules and d->meas as session s's: into p if it is large
 * enough (psize octets; then it cannot fail), else into its state if
 * the size is the same, else a new one.  -1: out of memory, s is as it
 * was.  p is s's from then on, or freed.
 */
static int sess_keep_into(struct pfcpd *d, struct session *s,
			  struct sess_packed *p, size_t psize)
{
	size_t size = sess_packed_size(&d->rules, &d->meas);

	if (p && psize < size) {
		free(p);
		p = NULL;
	}
	if (!p && s->state && size == s->state_size)
		p = s->state;
	if (!p)
		p = malloc(size);
	if (!p) {
		d->open = NULL;		/* s is what it was, not d's */
		return -1;
	}
	sess_pack(p, &d->rules, &d->meas);
	if (p != s->state)
		free(s->state);
	s->state = p;
	s->state_size = size;
	s->reports = sess_reports(&d->rules);
	d->open = s;
	return 0;
}

static int sess_keep(struct pfcpd *d, struct session *s)
{
	return sess_keep_into(d, s, NULL, 0);
}

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
	fprintf(f, "# HELP nf_gtpu_pfcp_duplicates_total Retransmitted requests answered with the response already sent.\n"
		"# TYPE nf_gtpu_pfcp_duplicates_total counter\n"
		"nf_gtpu_pfcp_duplicates_total %llu\n"
		"# HELP nf_gtpu_pfcp_response_cache_evictions_total Responses dropped from a full cache before their retransmission window passed.\n"
		"# TYPE nf_gtpu_pfcp_response_cache_evictions_total counter\n"
		"nf_gtpu_pfcp_response_cache_evictions_total %llu\n",
		(unsigned long long)d->duplicates,
		(unsigned long long)d->rsp.evicted);
	fprintf(f, "# HELP nf_gtpu_pfcp_sessions PFCP sessions established.\n"
		"# TYPE nf_gtpu_pfcp_sessions gauge\n"
		"nf_gtpu_pfcp_sessions %u\n", d->n_sess);
	fputs("# HELP nf_gtpu_pfcp_session_reports_total Session Report Requests sent, and how they ended.\n"
	      "# TYPE nf_gtpu_pfcp_session_reports_total counter\n", f);
	for (i = 0; i < __REPORT_MAX; i++)
		fprintf(f, "nf_gtpu_pfcp_session_reports_total{result=\"%s\"} %llu\n",
			report_names[i],
			(unsigned long long)d->report_results[i]);
	fprintf(f, "# HELP nf_gtpu_pfcp_session_report_retransmissions_total Session Report Requests sent again, unanswered after T1.\n"
		"# TYPE nf_gtpu_pfcp_session_report_retransmissions_total counter\n"
		"nf_gtpu_pfcp_session_report_retransmissions_total %llu\n",
		(unsigned long long)d->report_retransmissions);
	fprintf(f, "# HELP nf_gtpu_pfcp_end_markers_total End Markers on the old path of a path switch (SNDEM): sent, or not.\n"
		"# TYPE nf_gtpu_pfcp_end_markers_total counter\n"
		"nf_gtpu_pfcp_end_markers_total{result=\"sent\"} %llu\n"
		"nf_gtpu_pfcp_end_markers_total{result=\"failed\"} %llu\n",
		(unsigned long long)d->end_markers[0],
		(unsigned long long)d->end_markers[1]);
	if (!d->dlbuf)
		return;
	fputs("# HELP nf_gtpu_pfcp_buffered_packets_total Downlink packets of buffering sessions (BUFF): held, delivered, or dropped and why.\n"
	      "# TYPE nf_gtpu_pfcp_buffered_packets_total counter\n", f);
	for (i = 0; i < __DLBUF_MAX; i++)
		fprintf(f, "nf_gtpu_pfcp_buffered_packets_total{result=\"%s\"} %llu\n",
			dlbuf_counter_name(i),
			(unsigned long long)dlbuf_count(d->dlbuf, i));
	fprintf(f, "# HELP nf_gtpu_pfcp_downlink_data_reports_total Session Report Requests with a Downlink Data Report.\n"
		"# TYPE nf_gtpu_pfcp_downlink_data_reports_total counter\n"
		"nf_gtpu_pfcp_downlink_data_reports_total %llu\n",
		(unsigned long long)d->ddr_sent);
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

static void send_octets(struct pfcpd *d, const uint8_t *buf, int n, int fd,
			const struct sockaddr_storage *to, socklen_t tolen,
			int cause)
{
	if (n < 0 || sendto(fd, buf, n, 0, (const struct sockaddr *)to,
			    tolen) != n) {
		drop(d, DROP_SEND_FAILED);
		return;
	}
	count(d, true, buf[1], cause);
}

static void send_msg(struct pfcpd *d, struct pfcp_out *o, int fd,
		     const struct sockaddr_storage *to, socklen_t tolen,
		     int cause)
{
	send_octets(d, o->buf, pfcp_out_finish(o), fd, to, tolen, cause);
}

/* Seconds that only go forward, for the response cache */
static time_t monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The response to the message being handled: same sequence number */
static void rsp_start(struct pfcpd *d, struct pfcp_out *o, uint8_t *buf,
		      size_t size, bool with_seid, uint64_t seid)
{
	pfcp_out_start(o, buf, size, d->res.hdr.type + 1, d->res.hdr.seq,
		       with_seid, seid);
}

/*
 * Kept even when sendto() failed: the request was handled, and its
 * retransmission must get this answer, not a second handling.
 */
static void rsp_send(struct pfcpd *d, struct pfcp_out *o, int cause)
{
	int n = pfcp_out_finish(o);

	send_octets(d, o->buf, n, d->rx_fd, &d->from, d->fromlen, cause);
	if (n > 0 && rsp_cache_add(&d->rsp, &d->from, d->res.hdr.seq,
				   d->rx_digest, o->buf, n, cause,
				   monotonic()))
		logmsg(d, false, "response cache: %s", strerror(errno));
}

/*
 * A request seen before (TS 29.244 6.4): the response already sent goes
 * again, and nothing else happens.  True if it was one.
 */
static bool answer_duplicate(struct pfcpd *d)
{
	const struct rsp_entry *e;

	if (!pfcp_type_is_request(d->res.hdr.type))
		return false;
	e = rsp_cache_find(&d->rsp, &d->from, d->res.hdr.seq, d->rx_digest,
			   monotonic());
	if (!e)
		return false;
	d->duplicates++;
	logmsg(d, true, "duplicate: response resent");
	send_octets(d, e->rsp, (int)e->rsp_len, d->rx_fd, &d->from,
		    d->fromlen, e->cause);
	return true;
}

/*
 * UP Function Features: FTUP (octet 5 bit 5) when the agent can choose
 * F-TEIDs, that is installs sessions and has a GTP-U address; nothing
 * else optional is implemented.
 */
#define UP_FTUP		0x10

static void put_ff(const struct pfcpd *d, struct pfcp_out *o)
{
	uint8_t ff[2] = {};

	if (d->nft && (d->conf.has_gtpu4 || d->conf.has_gtpu6))
		ff[0] |= UP_FTUP;
	pfcp_put_ie(o, PFCP_IE_UP_FUNCTION_FEATURES, ff, sizeof(ff));
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
		put_ff(d, &o);
	}
	rsp_send(d, &o, cause);
}

/* Our F-SEID: the SEID and the address the request came to */
static void put_up_fseid(const struct pfcpd *d, struct pfcp_out *o,
			 uint64_t seid)
{
	struct pfcp_fseid f = { .seid = seid };
	const struct sockaddr_storage *a = &d->conf.listen[0];
	int i;

	for (i = 0; i < d->conf.n_listen; i++)
		if (d->fd[i] == d->rx_fd)
			a = &d->conf.listen[i];
	if (a->ss_family == AF_INET) {
		f.flags = PFCP_FSEID_V4;
		memcpy(f.v4, &((const struct sockaddr_in *)a)->sin_addr, 4);
	} else {
		f.flags = PFCP_FSEID_V6;
		memcpy(f.v6, &((const struct sockaddr_in6 *)a)->sin6_addr, 16);
	}
	pfcp_put_fseid(o, &f);
}

/*
 * Created PDR and Updated PDR: the F-TEIDs the agent chose for this
 * message's Create PDRs and Update PDRs
 */
static void put_created(struct pfcpd *d, struct pfcp_out *o,
			const struct session *s)
{
	struct sess_chosen c[2 * PFCP_MAX_RULES];
	int i, n;

	sess_open(d, s);
	n = sess_chosen(&d->rules, &d->msg, c);
	for (i = 0; i < n; i++)
		pfcp_put_created_pdr(o, c[i].ie, c[i].pdr_id, &c[i].fteid);
}

/*
 * Usage Reports of grouped IE type ie: in a Deletion Response (79) one
 * per URR, triggered by the termination (TERMR); in a Session Report
 * Request (80) one per URR with a trigger due.  Each is the volume
 * since the URR's last report, and starts its next measurement.  How
 * many.
 */
static int put_usage(struct pfcpd *d, struct pfcp_out *o, uint16_t ie,
		     struct session *s, const struct usage *u, time_t now)
{
	struct pfcp_usage_report ur;
	const struct pfcp_urr *urr;
	struct sess_meas *m;
	uint64_t ul, dl;
	unsigned int i;
	uint32_t trig;
	int n = 0;

	sess_open(d, s);
	for (i = 0; i < d->rules.n_urr; i++) {
		urr = &d->rules.urr[i];
		m = sess_meas_find(&d->meas, urr->urr_id);
		if (!m)		/* sess_meas_sync() gave each URR one */
			continue;
		sess_usage(&d->rules, u->c, u->n, urr->urr_id, &ul, &dl);
		trig = ie == PFCP_IE_USAGE_REPORT_DEL ? PFCP_TRIG_TERMR :
			sess_urr_due(urr, m, ul, dl, now);
		if (!trig)
			continue;
		sess_urr_report(urr, m, trig, ul, dl, now, &ur);
		pfcp_put_usage_report(o, ie, &ur);
		n++;
	}
	sess_keep(d, s);	/* the next measurements: same size */
	return n;
}

static void put_failed_rule(struct pfcp_out *o, const struct sess_fail *f)
{
	uint8_t b[5] = { f->rule_type };

	if (f->rule_type == SESS_RULE_PDR) {
		b[1] = f->rule_id >> 8;
		b[2] = f->rule_id & 0xff;
		pfcp_put_ie(o, PFCP_IE_FAILED_RULE_ID, b, 3);
		return;
	}
	b[1] = f->rule_id >> 24;
	b[2] = f->rule_id >> 16 & 0xff;
	b[3] = f->rule_id >> 8 & 0xff;
	b[4] = f->rule_id & 0xff;
	pfcp_put_ie(o, PFCP_IE_FAILED_RULE_ID, b, sizeof(b));
}

/*
 * Session responses: Node ID only in the Establishment Response, the
 * Offending IE and Failed Rule ID when a refusal names them, our F-SEID
 * when an Establishment succeeds, the chosen F-TEIDs (Created and
 * Updated PDRs) when an Establishment or Modification does.  The SEID is
 * the CP function's (from its F-SEID), or 0 when the session or F-SEID
 * is unknown (TS 29.244 7.2.2.4.2).
 */
static void session_rsp(struct pfcpd *d, uint64_t seid,
			const struct sess_fail *f, struct session *s,
			const struct usage *u)
{
	uint8_t cause = f ? f->cause : PFCP_CAUSE_ACCEPTED;
	bool est = d->res.hdr.type == PFCP_SESSION_EST_REQ;
	struct pfcp_out o;
	uint8_t buf[4096];	/* 64 Created/Updated PDRs, 32 URs fit */

	rsp_start(d, &o, buf, sizeof(buf), true, seid);
	if (est)
		pfcp_put_node_id(&o, &d->conf.node_id);
	pfcp_put_u8(&o, PFCP_IE_CAUSE, cause);
	if (f && f->offending_ie)
		pfcp_put_u16(&o, PFCP_IE_OFFENDING_IE, f->offending_ie);
	if (!f && est)
		put_up_fseid(d, &o, s->seid);
	if (!f && s && !u)
		put_created(d, &o, s);
	if (!f && s && u)
		put_usage(d, &o, PFCP_IE_USAGE_REPORT_DEL, s, u, time(NULL));
	if (f && f->rule_type != SESS_RULE_NONE)
		put_failed_rule(&o, f);
	rsp_send(d, &o, cause);
}

static void session_refuse(struct pfcpd *d, uint8_t cause, uint16_t ie,
			   uint64_t seid)
{
	struct sess_fail f = { cause, ie, SESS_RULE_NONE, 0 };

	session_rsp(d, seid, &f, NULL, NULL);
}

static void version_not_supported(struct pfcpd *d)
{
	struct pfcp_out o;
	uint8_t buf[PFCP_HDR_LEN];

	pfcp_out_start(&o, buf, sizeof(buf), PFCP_VERSION_NOT_SUPPORTED_RSP,
		       d->res.hdr.seq, false, 0);
	/* not cached: it changes nothing, and a flood must not evict */
	send_msg(d, &o, d->rx_fd, &d->from, d->fromlen, CAUSE_NONE);
}

/* The agent's next request sequence number: 24 bits, never 0 */
static uint32_t next_seq(const struct pfcpd *d)
{
	uint32_t seq = (d->seq + 1) & 0xffffff;

	return seq ? seq : 1;
}

/* Peers */

static void sessions_of_peer_gone(struct pfcpd *d,
				  const struct pfcp_node_id *peer);

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

/* The same address, whatever the ports */
static bool same_addr(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return !memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
}

static struct peer *find_peer_addr(struct pfcpd *d,
				   const struct sockaddr_storage *a)
{
	int i;

	for (i = 0; i < MAX_PEERS; i++)
		if (d->peers[i].used && same_addr(&d->peers[i].addr, a))
			return &d->peers[i];
	return NULL;
}

/*
 * The association of Node ID @id, if the request came from its address:
 * a Node ID is only a name, and anyone may put it in a message.
 */
static struct peer *find_sender(struct pfcpd *d, const struct pfcp_node_id *id)
{
	struct peer *p = find_peer(d, id);

	return p && same_addr(&p->addr, &d->from) ? p : NULL;
}

/*
 * The node's record (persistent mode): the agent's Recovery Time Stamp
 * and its associations, written when they change, so that a restarted
 * agent keeps both.
 */
static void node_sync(struct pfcpd *d)
{
	struct state_node n = { .recovery_ts = d->recovery_ts };
	uint8_t buf[STATE_NODE_MAX];
	struct nfgtpu_batch *b;
	const struct peer *p;
	size_t len;
	int i;

	if (!d->records)
		return;
	for (i = 0; i < MAX_PEERS; i++) {
		p = &d->peers[i];
		if (!p->used)
			continue;
		n.slot[n.n_peers] = i;
		n.peer[n.n_peers++] = (struct state_peer){ p->node_id, p->addr,
							   p->recovery_ts };
	}
	len = state_node_encode(&n, buf, sizeof(buf));
	if (len == d->node_rec_len && !memcmp(buf, d->node_rec, len))
		return;
	b = nfgtpu_batch_new(d->nft);
	if (b && !nfgtpu_batch_record(b, STATE_NODE_KEY, buf, len,
				      d->node_rec_len) &&
	    !nfgtpu_batch_commit(b)) {
		memcpy(d->node_rec, buf, len);
		d->node_rec_len = len;
	} else {
		logmsg(d, false, "the node's record: %s", nfgtpu_error(d->nft));
	}
	nfgtpu_batch_free(b);
}

static void peer_recovery(struct pfcpd *d, struct peer *p, uint32_t ts)
{
	if (p->recovery_ts && p->recovery_ts != ts) {
		d->peer_restarts++;
		sessions_of_peer_gone(d, &p->node_id);
		logmsg(d, false, "peer restarted: Recovery Time Stamp %u, was %u",
		       ts, p->recovery_ts);
	}
	p->recovery_ts = ts;
	node_sync(d);
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
	node_sync(d);
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
		sessions_of_peer_gone(d, &p->node_id);
		p->used = false;
		node_sync(d);
		logmsg(d, false, "association released");
	}
	node_rsp(d, PFCP_CAUSE_ACCEPTED);
}

/* Sessions */

static struct session *sess_find(const struct pfcpd *d, uint64_t seid)
{
	uint32_t slot = (uint32_t)seid;
	struct session *s;

	if (!slot || slot > d->n_slots)
		return NULL;
	s = d->sess[slot - 1];
	return s && s->seid == seid ? s : NULL;
}

/* At least n slots, the table doubled as often as it takes: 0, or -1 */
static int slots_grow(struct pfcpd *d, uint32_t n)
{
	struct session **t;
	uint32_t size = d->n_slots ? d->n_slots : 64;

	while (size < n)
		size *= 2;
	if (size == d->n_slots)
		return 0;
	t = realloc(d->sess, size * sizeof(*t));
	if (!t)
		return -1;
	memset(t + d->n_slots, 0, (size - d->n_slots) * sizeof(*t));
	d->sess = t;
	d->n_slots = size;
	return 0;
}

/* A free slot, the table grown when full; NULL when out of memory */
static struct session *sess_new(struct pfcpd *d)
{
	struct session *s;
	uint32_t i;

	for (i = d->free_slot; i < d->n_slots && d->sess[i]; i++)
		;
	if (i == d->n_slots && slots_grow(d, i + 1))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->seid = (uint64_t)++d->sess_gen << 32 | (i + 1);
	d->sess[i] = s;
	d->free_slot = i + 1;
	d->n_sess++;
	return s;
}

/*
 * The local F-TEIDs of the sessions' PDRs, each with the number of PDRs
 * naming it, so that allocating one does not scan every session: open
 * addressing, linear probing, at most half full.  TEID 0, which no
 * F-TEID of a session holds (the gateway refuses it), marks a free slot.
 */
struct teid_ref {
	uint32_t teid, refs;
};

#define TEIDS_MIN	1024

static uint32_t teid_home(const struct pfcpd *d, uint32_t teid)
{
	return (uint32_t)((teid * 0x9e3779b97f4a7c15ull) >> 32) & d->teids_mask;
}

static struct teid_ref *teid_find(const struct pfcpd *d, uint32_t teid)
{
	uint32_t i;

	if (!d->teids || !teid)
		return NULL;
	for (i = teid_home(d, teid); d->teids[i].teid;
	     i = (i + 1) & d->teids_mask)
		if (d->teids[i].teid == teid)
			return &d->teids[i];
	return NULL;
}

static void teid_insert(struct pfcpd *d, struct teid_ref r)
{
	uint32_t i = teid_home(d, r.teid);

	while (d->teids[i].teid)
		i = (i + 1) & d->teids_mask;
	d->teids[i] = r;
	d->n_teids++;
}

/* Twice the slots (TEIDS_MIN at first), the TEIDs hashed again */
static int teids_grow(struct pfcpd *d)
{
	uint32_t i, old_n = d->teids ? d->teids_mask + 1 : 0;
	uint32_t n = old_n ? 2 * old_n : TEIDS_MIN;
	struct teid_ref *old = d->teids, *v = calloc(n, sizeof(*v));

	if (!v)
		return -1;
	d->teids = v;
	d->teids_mask = n - 1;
	d->n_teids = 0;
	for (i = 0; i < old_n; i++)
		if (old[i].teid)
			teid_insert(d, old[i]);
	free(old);
	return 0;
}

static void teid_ref_add(struct pfcpd *d, uint32_t teid)
{
	struct teid_ref *e = teid_find(d, teid);

	if (e) {
		e->refs++;
		return;
	}
	if (!teid)
		return;
	if ((!d->teids || 2 * (d->n_teids + 1) > d->teids_mask + 1) &&
	    teids_grow(d)) {
		/* the kernel refuses a context on it if it is reused */
		logmsg(d, false, "TEID 0x%x: out of memory, not indexed", teid);
		return;
	}
	teid_insert(d, (struct teid_ref){ teid, 1 });
}

/* Is slot k, a TEID's home, cyclically within (i, j]? */
static bool home_between(uint32_t k, uint32_t i, uint32_t j)
{
	return i <= j ? i < k && k <= j : i < k || k <= j;
}

/*
 * The last reference gone, the slot is emptied, and the entries after it
 * that would no longer be found from their home slot move back into it.
 */
static void teid_ref_put(struct pfcpd *d, uint32_t teid)
{
	struct teid_ref *e = teid_find(d, teid);
	uint32_t i, j;

	if (!e || --e->refs)
		return;
	i = j = (uint32_t)(e - d->teids);
	for (;;) {
		j = (j + 1) & d->teids_mask;
		if (!d->teids[j].teid)
			break;
		if (home_between(teid_home(d, d->teids[j].teid), i, j))
			continue;
		d->teids[i] = d->teids[j];
		i = j;
	}
	d->teids[i].teid = 0;
	d->n_teids--;
}

/* The TEIDs of rules r taken (add) or given back */
static void teids_count(struct pfcpd *d, const struct sess_rules *r, bool add)
{
	const struct pfcp_pdr *p;
	uint32_t j;

	for (j = 0; j < r->n_pdr; j++) {
		p = &r->pdr[j];
		if (!(p->pdi.present & PFCP_PDI_HAS_FTEID))
			continue;
		if (add)
			teid_ref_add(d, p->pdi.fteid.teid);
		else
			teid_ref_put(d, p->pdi.fteid.teid);
	}
}

/* Is this TEID taken by a session? */
static bool teid_used(void *data, uint32_t teid)
{
	return teid_find(data, teid);
}

static void sess_free(struct pfcpd *d, struct session *s)
{
	uint32_t slot = (uint32_t)s->seid - 1;

	sess_open(d, s);
	teids_count(d, &d->rules, false);
	if (d->open == s)
		d->open = NULL;
	free(s->state);
	d->sess[slot] = NULL;
	if (slot < d->free_slot)
		d->free_slot = slot;
	d->n_sess--;
	free(s);
}

/*
 * At exit: the sessions are the agent's memory only.  Their contexts go
 * with the gateway in owned mode and stay in the kernel in persistent
 * mode, as they do when the agent is killed.
 */
static void sessions_free(struct pfcpd *d)
{
	uint32_t i;

	for (i = 0; i < d->n_slots; i++)
		if (d->sess[i])
			sess_free(d, d->sess[i]);
	free(d->sess);
	d->sess = NULL;
	d->n_slots = 0;
	free(d->teids);
	d->teids = NULL;
	d->teids_mask = d->n_teids = 0;
}

static int change_put(struct nfgtpu_batch *b, struct change *ch,
		      enum nfgtpu_op op, const struct sess_ctx *c)
{
	ch->put[ch->n].c = c;
	ch->put[ch->n++].r = op == NFGTPU_OP_DELETE ? ch->rfrom : ch->rto;
	return nfgtpu_batch_put(b, op, &c->c);
}

/* Deletions first: a TEID may change hands within the message */
static int change_batch(struct nfgtpu_batch *b, struct change *ch)
{
	const struct sess_ctx *o;
	int i;

	for (i = 0; i < ch->n_from; i++) {
		o = sess_ctx_by_teid(ch->to, ch->n_to, ch->from[i].c.teid);
		if ((!o || !sess_same_uplink(&o->c, &ch->from[i].c)) &&
		    change_put(b, ch, NFGTPU_OP_DELETE, &ch->from[i]))
			return -1;
	}
	for (i = 0; i < ch->n_to; i++) {
		o = sess_ctx_by_teid(ch->from, ch->n_from, ch->to[i].c.teid);
		if (o && sess_same_uplink(&o->c, &ch->to[i].c)) {
			if (memcmp(&o->c, &ch->to[i].c, sizeof(o->c)) &&
			    change_put(b, ch, NFGTPU_OP_MODIFY, &ch->to[i]))
				return -1;
		} else if (change_put(b, ch, NFGTPU_OP_ADD, &ch->to[i])) {
			return -1;
		}
	}
	return 0;
}

/* The contexts of rules r (NULL: none) and measurements ms, into v */
static int contexts(const struct pfcpd *d, const struct sess_rules *r,
		    const struct sess_meas_set *ms, struct sess_ctx *v,
		    struct sess_fail *f)
{
	return r ? sess_contexts(r, ms, &d->conf, d->gw_flags, v, f) : 0;
}

/*
 * ch: the contexts of rules "from" with measurements fms, and those of
 * "to" with tms.  0, or -1 with *f.
 */
static int change_init(const struct pfcpd *d, struct change *ch,
		       const struct sess_rules *from,
		       const struct sess_meas_set *fms,
		       const struct sess_rules *to,
		       const struct sess_meas_set *tms, struct sess_fail *f)
{
	ch->rfrom = from;
	ch->rto = to;
	ch->n = 0;
	ch->n_from = contexts(d, from, fms, ch->from, f);
	ch->n_to = ch->n_from < 0 ? -1 : contexts(d, to, tms, ch->to, f);
	return ch->n_to < 0 ? -1 : 0;
}

/*
 * A buffering context's MS addresses (a dual-stack one has two), as its
 * queued packets have them; how many.
 */
static int buffer_keys(const struct nfgtpu_ctx *c, struct dlbuf_key k[2])
{
	unsigned int ifindex = if_nametoindex(c->apn);
	int n = 0;

	if (!ifindex)
		return 0;
	memset(k, 0, 2 * sizeof(*k));
	if (c->flags & NFGTPU_CTX_MS4) {
		k[n].ifindex = ifindex;
		k[n].family = AF_INET;
		memcpy(k[n++].addr, &c->ms4, 4);
	}
	if (c->flags & NFGTPU_CTX_MS6) {
		k[n].ifindex = ifindex;
		k[n].family = AF_INET6;
		memcpy(k[n++].addr, &c->ms6, 8);
	}
	return n;
}

/* Are k's packets those of the buffering context c? */
static bool buffers_key(const struct nfgtpu_ctx *c, const struct dlbuf_key *k)
{
	struct dlbuf_key ck[2];
	int i, n = buffer_keys(c, ck);

	for (i = 0; i < n; i++)
		if (!memcmp(&ck[i], k, sizeof(*k)))
			return true;
	return false;
}

/*
 * Buffering follows the kernel: an MS address that buffers no more lets
 * its packets go, through the rules again while its context remains
 * (the encap rule takes them now) and dropped otherwise; a new one is
 * watched.
 */
static void buffer_sync(struct pfcpd *d, const struct session *s,
			const struct change *ch)
{
	const struct sess_ctx *o;
	struct dlbuf_key k[2];
	int i, j, n;

	if (!d->dlbuf)
		return;
	for (i = 0; i < ch->n_from; i++) {
		if (!(ch->from[i].c.flags & NFGTPU_CTX_BUFFER))
			continue;
		o = sess_ctx_by_teid(ch->to, ch->n_to, ch->from[i].c.teid);
		if (o && !sess_same_uplink(&o->c, &ch->from[i].c))
			o = NULL;
		if (o && o->c.flags & NFGTPU_CTX_BUFFER)
			continue;
		n = buffer_keys(&ch->from[i].c, k);
		for (j = 0; j < n; j++)
			dlbuf_release(d->dlbuf, &k[j], o);
	}
	for (i = 0; i < ch->n_to; i++) {
		if (!(ch->to[i].c.flags & NFGTPU_CTX_BUFFER))
			continue;
		n = buffer_keys(&ch->to[i].c, k);
		for (j = 0; j < n; j++)
			if (dlbuf_watch(d->dlbuf, &k[j], s->seid))
				logmsg(d, false, "session 0x%llx: buffering: %s",
				       (unsigned long long)s->seid,
				       strerror(ENOMEM));
	}
}

/*
 * Session s's record into batch b: its CP F-SEID, peer and rules p
 * (packed, psize octets; NULL: the session goes), its new length in
 * *len.  Nothing without records (owned mode).
 */
static int sess_record(struct pfcpd *d, struct nfgtpu_batch *b,
		       const struct session *s, const struct sess_packed *p,
		       size_t psize, size_t *len)
{
	struct state_sess st = { s->cp_seid, s->peer };

	*len = 0;
	if (!d->records)
		return 0;
	if (p) {
		*len = state_sess_encode(&st, p, psize, d->rec_buf,
					 sizeof(d->rec_buf));
		if (!*len)
			return -1;
	}
	return nfgtpu_batch_record(b, s->seid, d->rec_buf, *len, s->rec_len);
}

/*
 * Move the kernel from the contexts ch->from to ch->to of session s in
 * one transaction, with its record of the rules it keeps, p (NULL: the
 * session goes).  0, or -1 with *f: nothing changed.
 */
static int sess_commit(struct pfcpd *d, struct session *s, struct change *ch,
		       struct sess_fail *f, const struct sess_packed *p,
		       size_t psize)
{
	struct nfgtpu_batch *b;
	size_t len;
	long idx;
	int ret = -1;

	*f = (struct sess_fail){ PFCP_CAUSE_SYSTEM_FAILURE, 0,
				 SESS_RULE_NONE, 0 };
	b = nfgtpu_batch_new(d->nft);
	if (b && !change_batch(b, ch) &&
	    !sess_record(d, b, s, p, psize, &len) &&
	    !nfgtpu_batch_commit(b)) {
		buffer_sync(d, s, ch);
		s->rec_len = len;
		ret = 0;
	}
	if (ret) {
		idx = nfgtpu_error_index(d->nft);
		logmsg(d, false, "session: %s", nfgtpu_error(d->nft));
		if (idx >= 0 && (size_t)idx < ch->n)
			sess_ctx_fail(ch->put[idx].r, &d->msg, ch->put[idx].c,
				      f);
		else
			*f = (struct sess_fail){ PFCP_CAUSE_SYSTEM_FAILURE, 0,
				SESS_RULE_NONE, 0 };
	}
	nfgtpu_batch_free(b);
	return ret;
}

/* Session s's record as it is now, in a transaction of its own */
static void sess_save(struct pfcpd *d, struct session *s)
{
	struct nfgtpu_batch *b;
	size_t len;

	if (!d->records)
		return;
	b = nfgtpu_batch_new(d->nft);
	if (b && !sess_record(d, b, s, s->state, s->state_size, &len) &&
	    !nfgtpu_batch_commit(b))
		s->rec_len = len;
	else
		logmsg(d, false, "session 0x%llx: its record: %s",
		       (unsigned long long)s->seid, nfgtpu_error(d->nft));
	nfgtpu_batch_free(b);
}

/*
 * The counters of contexts c[n] of session s, looked up one by one: at
 * a cost that does not grow with the number of sessions (usage_tick()
 * reads them all in one walk instead).  A context that cannot be read
 * (gone with a timeout) counted nothing.
 */
static void ctx_counters(struct pfcpd *d, const struct session *s,
			 struct sess_ctx *c, int n)
{
	struct nfgtpu_ctx k;
	int i;

	for (i = 0; i < n; i++) {
		k = (struct nfgtpu_ctx){ .teid = c[i].c.teid };
		if (nfgtpu_ctx_get(d->nft, &k, 1)) {
			logmsg(d, false, "session 0x%llx: counters: %s",
			       (unsigned long long)s->seid,
			       nfgtpu_error(d->nft));
			continue;
		}
		c[i].c.uplink = k.uplink;
		c[i].c.downlink = k.downlink;
	}
}

/*
 * After the kernel moved from ch->from (their counters read just
 * before) to ch->to: the measurements go on from the contexts kept
 * (from rules "from" and measurements *ms, into rules "to" and *ms).
 * m: the message that changed the rules, NULL if none did.
 */
static void meas_rebase(struct sess_meas_set *ms, const struct change *ch,
			const struct sess_rules *from,
			const struct sess_rules *to, const struct pfcp_msg *m,
			time_t now)
{
	struct sess_ctx kept[PFCP_MAX_RULES];
	int n;

	sess_meas_fold(ms, from, ch->from, ch->n_from);
	if (m)
		sess_meas_sync(ms, to, m, now);
	n = sess_kept(ch->from, ch->n_from, ch->to, ch->n_to, kept);
	sess_meas_base(ms, to, kept, n);
}

/*
 * An End Marker (GTP-U type 254, no payload, TS 29.281 7.3.2) with the
 * old TEID to the old peer's port 2152, from an ephemeral port of the
 * gateway's GTP-U address: the downstream node knows that the last
 * packet on the old path has gone.
 */
static void end_marker_send(struct pfcpd *d, const struct pfcp_ohc *o)
{
	uint8_t pkt[8] = { 0x30, GTPU_END_MARKER };
	uint32_t teid = htonl(o->teid);
	struct sockaddr_storage to = {};
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&to;
	struct sockaddr_in *sin = (struct sockaddr_in *)&to;
	bool v4 = o->desc & PFCP_OHC_GTPU_V4;
	int fd = d->em_fd[!v4];

	memcpy(pkt + 4, &teid, 4);
	if (v4) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(GTPU_PORT);
		memcpy(&sin->sin_addr, o->v4, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(GTPU_PORT);
		memcpy(&sin6->sin6_addr, o->v6, 16);
	}
	if (fd >= 0 && sendto(fd, pkt, sizeof(pkt), 0,
			      (struct sockaddr *)&to, v4 ? sizeof(*sin) :
			      sizeof(*sin6)) == sizeof(pkt)) {
		d->end_markers[0]++;
		return;
	}
	d->end_markers[1]++;
	logmsg(d, false, "End Marker to TEID 0x%x: %s", o->teid,
	       fd < 0 ? "no socket" : strerror(errno));
}

/*
 * Apply the message to a copy of the rules, then to the kernel.  When
 * the session measures usage, the counters of its contexts are read
 * first: a context the message deletes or adds again loses nothing.
 */
static int sess_change(struct pfcpd *d, struct session *s, bool existing,
		       struct sess_fail *f)
{
	struct sess_rules *r = &d->changed;
	struct change *ch = &d->change;
	struct pfcp_ohc old_paths[PFCP_MAX_RULES];
	struct sess_packed *p = NULL;
	struct sess_meas_set ms;
	time_t now = time(NULL);
	size_t psize = 0;
	int i, n, ret = -1;

	*f = (struct sess_fail){ PFCP_CAUSE_SYSTEM_FAILURE, 0,
				 SESS_RULE_NONE, 0 };
	sess_open(d, s);
	sess_rules_copy(r, &d->rules);
	if (sess_apply(r, &d->msg, &d->alloc, f))
		goto out;
	sess_meas_copy(&ms, &d->meas);
	sess_meas_sync(&ms, r, &d->msg, now);
	if (change_init(d, ch, existing ? &d->rules : NULL, &d->meas, r, &ms,
			f))
		goto out;
	if (r->n_urr && ch->n_from) {
		ctx_counters(d, s, ch->from, ch->n_from);
		sess_meas_copy(&ms, &d->meas);
		meas_rebase(&ms, ch, &d->rules, r, &d->msg, now);
	}
	/* the new state, packed before the kernel changes: it cannot fail */
	psize = sess_packed_size(r, &ms);
	p = malloc(psize);
	if (!p)
		goto out;
	sess_pack(p, r, &ms);
	if (sess_commit(d, s, ch, f, p, psize))
		goto out;
	/* the new path is installed: the old one ends */
	n = existing ? sess_end_markers(&d->rules, &d->msg, r, old_paths) : 0;
	for (i = 0; i < n; i++)
		end_marker_send(d, &old_paths[i]);
	teids_count(d, &d->rules, false);
	teids_count(d, r, true);
	sess_rules_copy(&d->rules, r);
	sess_meas_copy(&d->meas, &ms);
	sess_keep_into(d, s, p, psize);
	p = NULL;
	ret = 0;
out:
	free(p);
	return ret;
}

static void session_est(struct pfcpd *d)
{
	uint64_t cp_seid = d->msg.fseid.seid;
	struct sess_fail f;
	struct session *s;

	if (!find_sender(d, &d->msg.node_id)) {
		session_refuse(d, PFCP_CAUSE_NO_ASSOCIATION, 0, cp_seid);
		return;
	}
	s = sess_new(d);
	if (!s) {
		session_refuse(d, PFCP_CAUSE_NO_RESOURCES, 0, cp_seid);
		return;
	}
	s->cp_seid = cp_seid;
	s->peer = d->msg.node_id;
	if (sess_change(d, s, false, &f)) {
		sess_free(d, s);
		session_rsp(d, cp_seid, &f, NULL, NULL);
		return;
	}
	logmsg(d, true, "session 0x%llx established",
	       (unsigned long long)s->seid);
	session_rsp(d, cp_seid, NULL, s, NULL);
}

/*
 * free5gc sends its F-SEID again: it may move the session, but only
 * with the rest of the message; a refused one keeps the old SEID.
 */
static void session_mod(struct pfcpd *d, struct session *s)
{
	uint64_t cp_seid = s->cp_seid;
	struct sess_fail f;

	/* the record the message commits has it */
	if (pfcp_msg_has(&d->msg, PFCP_SESSION_MOD_REQ, PFCP_IE_F_SEID))
		s->cp_seid = d->msg.fseid.seid;
	if (sess_change(d, s, true, &f)) {
		s->cp_seid = cp_seid;
		session_rsp(d, cp_seid, &f, NULL, NULL);
		return;
	}
	session_rsp(d, s->cp_seid, NULL, s, NULL);
}

/* nfgtpu_ctx_list() callback: a context's counters into d->kctr */
static int kctr_add(const struct nfgtpu_ctx *k, void *data)
{
	struct pfcpd *d = data;
	struct kctr *t;
	size_t n;

	if (d->n_kctr == d->kctr_size) {
		n = d->kctr_size ? 2 * d->kctr_size : 256;
		t = realloc(d->kctr, n * sizeof(*t));
		if (!t)
			return -1;
		d->kctr = t;
		d->kctr_size = n;
	}
	d->kctr[d->n_kctr++] = (struct kctr){ k->teid, k->uplink,
					      k->downlink };
	return 0;
}

static int kctr_cmp(const void *a, const void *b)
{
	const struct kctr *x = a, *y = b;

	return x->teid < y->teid ? -1 : x->teid > y->teid;
}

/*
 * The counters of every context of the gateway, in one dump, sorted by
 * TEID (the decap elements' key): 0, or -1.
 */
static int kctr_load(struct pfcpd *d)
{
	d->n_kctr = 0;
	if (nfgtpu_ctx_list(d->nft, kctr_add, d)) {
		logmsg(d, false, "counters: %s", nfgtpu_error(d->nft));
		return -1;
	}
	qsort(d->kctr, d->n_kctr, sizeof(*d->kctr), kctr_cmp);
	return 0;
}

/* The contexts of a session's rules, with the counters kctr_load() read */
static int usage_read(struct pfcpd *d, const struct session *s,
		      struct usage *u)
{
	const struct kctr *k;
	struct kctr key;
	struct sess_fail f;
	int i;

	/* the rules translated when they were installed */
	sess_open(d, s);
	u->n = contexts(d, &d->rules, &d->meas, u->c, &f);
	if (u->n < 0)
		return -1;
	for (i = 0; i < u->n; i++) {
		key.teid = u->c[i].c.teid;
		k = bsearch(&key, d->kctr, d->n_kctr, sizeof(*k), kctr_cmp);
		if (k) {
			u->c[i].c.uplink = k->ul;
			u->c[i].c.downlink = k->dl;
		}
	}
	return 0;
}

static void session_del(struct pfcpd *d, struct session *s)
{
	uint64_t cp_seid = s->cp_seid;
	struct change *ch = &d->change;
	struct usage *u = &d->usage;
	struct sess_fail f;

	sess_open(d, s);
	if (change_init(d, ch, &d->rules, &d->meas, NULL, NULL, &f)) {
		session_rsp(d, cp_seid, &f, NULL, NULL);
		return;
	}
	u->n = 0;
	if (d->rules.n_urr) {
		ctx_counters(d, s, ch->from, ch->n_from);
		memcpy(u->c, ch->from, ch->n_from * sizeof(*ch->from));
		u->n = ch->n_from;
	}
	if (sess_commit(d, s, ch, &f, NULL, 0)) {
		session_rsp(d, cp_seid, &f, NULL, NULL);
	} else {
		logmsg(d, true, "session 0x%llx deleted",
		       (unsigned long long)s->seid);
		session_rsp(d, cp_seid, NULL, s, u);
		sess_free(d, s);
	}
}

/* A session, its contexts and its record gone, without a word to its peer */
static void sess_remove(struct pfcpd *d, struct session *s)
{
	struct sess_fail f;

	sess_open(d, s);
	if (change_init(d, &d->change, &d->rules, &d->meas, NULL, NULL, &f) ||
	    sess_commit(d, s, &d->change, &f, NULL, 0))
		logmsg(d, false, "session 0x%llx: contexts left behind",
		       (unsigned long long)s->seid);
	sess_free(d, s);
}

/*
 * The sessions of a peer that released its association, restarted or
 * went silent (TS 29.244 6.2.6, 6.2.8): removed one by one, so that one
 * the kernel refuses does not keep the others.
 */
static void sessions_of_peer_gone(struct pfcpd *d,
				  const struct pfcp_node_id *peer)
{
	struct session *s;
	uint32_t i;

	for (i = 0; i < d->n_slots; i++) {
		s = d->sess[i];
		if (s && same_node(&s->peer, peer))
			sess_remove(d, s);
	}
}

/* Session reports */

static void report_send(struct pfcpd *d, struct report *r, time_t now)
{
	r->sent++;
	r->resend = now + d->conf.report_t1;
	send_octets(d, r->buf, (int)r->len, r->fd, &r->to, r->tolen,
		    CAUSE_NONE);
}

/* The report *pp is over: the session may report again */
static void report_done(struct pfcpd *d, struct report **pp)
{
	struct report *r = *pp;
	struct session *s = sess_find(d, r->seid);

	if (s && s->report_seq == r->seq)
		s->report_seq = 0;
	*pp = r->next;
	free(r);
}

/* A Session Report Request o of sequence number seq goes to p: 0, or -1 */
static int report_queue(struct pfcpd *d, struct session *s,
			const struct peer *p, struct pfcp_out *o, uint32_t seq,
			time_t now)
{
	struct report *r;
	int n;

	n = pfcp_out_finish(o);
	r = n > 0 ? malloc(sizeof(*r) + n) : NULL;
	if (!r) {
		logmsg(d, false, "session 0x%llx: report lost",
		       (unsigned long long)s->seid);
		return -1;
	}
	*r = (struct report){ .next = d->reports, .seid = s->seid,
			      .seq = seq, .to = p->addr, .tolen = p->alen,
			      .fd = p->fd, .len = (size_t)n };
	memcpy(r->buf, o->buf, n);
	d->reports = r;
	d->seq = seq;
	d->report_results[REPORT_SENT]++;
	logmsg(d, true, "session 0x%llx: Session Report Request seq %u",
	       (unsigned long long)s->seid, seq);
	report_send(d, r, now);
	return 0;
}

/*
 * A Session Report Request with the Usage Reports due, if any, to the
 * session's CP F-SEID at its association's address, port 8805.
 */
static void session_report(struct pfcpd *d, struct session *s,
			   const struct usage *u, time_t now)
{
	uint32_t seq = next_seq(d);
	struct pfcp_out o;
	uint8_t buf[4096];	/* 32 Usage Reports fit */
	struct peer *p;

	p = find_peer(d, &s->peer);
	if (!p)
		return;
	pfcp_out_start(&o, buf, sizeof(buf), PFCP_SESSION_REPORT_REQ, seq,
		       true, s->cp_seid);
	pfcp_put_u8(&o, PFCP_IE_REPORT_TYPE, PFCP_REPORT_USAR);
	if (!put_usage(d, &o, PFCP_IE_USAGE_REPORT_SRR, s, u, now))
		return;
	sess_save(d, s);	/* the measurements start anew */
	if (!report_queue(d, s, p, &o, seq, now))
		s->report_seq = seq;
}

/*
 * The first downlink packet held for a buffering MS address of session
 * seid: a Downlink Data Report names the downlink PDR, if its FAR says
 * NOCP (TS 29.244 5.2.3.1), once until the session buffers anew.
 */
static void downlink_data_report(struct pfcpd *d, uint64_t seid,
				 const struct dlbuf_key *k, time_t now)
{
	struct session *s = sess_find(d, seid);
	struct sess_ctx *v = d->change.to;
	uint32_t seq = next_seq(d);
	struct pfcp_out o;
	struct sess_fail f;
	uint8_t buf[256];
	struct peer *p;
	size_t at;
	int i, n;

	p = s ? find_peer(d, &s->peer) : NULL;
	if (p)
		sess_open(d, s);
	n = p ? contexts(d, &d->rules, &d->meas, v, &f) : 0;
	for (i = 0; i < n; i++)
		if (v[i].c.flags & NFGTPU_CTX_BUFFER && v[i].notify &&
		    buffers_key(&v[i].c, k))
			break;
	if (i >= n)
		return;
	pfcp_out_start(&o, buf, sizeof(buf), PFCP_SESSION_REPORT_REQ, seq,
		       true, s->cp_seid);
	pfcp_put_u8(&o, PFCP_IE_REPORT_TYPE, PFCP_REPORT_DLDR);
	at = pfcp_group_begin(&o, PFCP_IE_DOWNLINK_DATA_REPORT);
	pfcp_put_u16(&o, PFCP_IE_PDR_ID, v[i].dl_pdr_id);
	pfcp_group_end(&o, at);
	if (!report_queue(d, s, p, &o, seq, now))
		d->ddr_sent++;
}

/*
 * Downlink packets held (read: the socket has some), and the Downlink
 * Data Reports they call for, also of those read while a session
 * stopped buffering
 */
static void buffer_receive(struct pfcpd *d, bool read, time_t now)
{
	struct dlbuf_key k[16];
	uint64_t seid[16];
	size_t i, n;

	if (read && dlbuf_receive(d->dlbuf))
		logmsg(d, false, "buffering: %s", strerror(errno));
	while ((n = dlbuf_first_packets(d->dlbuf, seid, k, 16)))
		for (i = 0; i < n; i++)
			downlink_data_report(d, seid[i], &k[i], now);
}

/*
 * Its response ends a report, whatever the cause: 65 means the CP
 * function has forgotten the session, which the agent keeps until it
 * is deleted (logged and counted).  Matched by sequence number and
 * address: with cause 65 the SEID is 0.
 */
static void report_rsp(struct pfcpd *d)
{
	struct report **pp, *r;

	for (pp = &d->reports; (r = *pp); pp = &r->next)
		if (r->seq == d->res.hdr.seq && same_addr(&r->to, &d->from))
			break;
	if (!r) {
		drop(d, DROP_UNEXPECTED);
		return;
	}
	if (d->msg.cause == PFCP_CAUSE_ACCEPTED) {
		d->report_results[REPORT_ACCEPTED]++;
	} else if (d->msg.cause == PFCP_CAUSE_SESSION_NOT_FOUND) {
		d->report_results[REPORT_SESSION_NOT_FOUND]++;
		logmsg(d, false, "session 0x%llx: unknown to its CP function (Session Report Response cause 65)",
		       (unsigned long long)r->seid);
	} else {
		d->report_results[REPORT_REJECTED]++;
		logmsg(d, false, "session 0x%llx: report refused: cause %u",
		       (unsigned long long)r->seid, d->msg.cause);
	}
	report_done(d, pp);
}

/* Unanswered reports go again every T1, N1 times, then are given up */
static void reports_resend(struct pfcpd *d, time_t now)
{
	struct report **pp = &d->reports, *r;

	while ((r = *pp)) {
		if (now < r->resend) {
			pp = &r->next;
		} else if (r->sent > d->conf.report_n1) {
			d->report_results[REPORT_TIMEOUT]++;
			logmsg(d, false, "session 0x%llx: Session Report Request unanswered",
			       (unsigned long long)r->seid);
			report_done(d, pp);
		} else {
			d->report_retransmissions++;
			report_send(d, r, now);
			pp = &r->next;
		}
	}
}

/*
 * A report told the SMF that a Volume Quota is used up: the PDRs of that
 * URR stop forwarding, their contexts deleted (u: the contexts before,
 * with the counters the report was made of).  If the kernel refuses,
 * the quota is reported again at the next tick, and stopping tried
 * again.
 */
static void quota_stop(struct pfcpd *d, struct session *s,
		       const struct usage *u, const struct sess_meas_set *old)
{
	struct change *ch = &d->change;
	struct sess_meas_set ms;
	struct sess_packed *p;
	struct sess_fail f;
	size_t psize;
	unsigned int i;

	sess_open(d, s);
	ch->rfrom = &d->rules;
	ch->rto = &d->rules;
	ch->n = 0;
	memcpy(ch->from, u->c, u->n * sizeof(*u->c));
	ch->n_from = u->n;
	ch->n_to = contexts(d, &d->rules, &d->meas, ch->to, &f);
	if (ch->n_to < 0 || ch->n_to == ch->n_from)
		return;
	/* the measurements go on from the contexts kept */
	sess_meas_copy(&ms, &d->meas);
	meas_rebase(&ms, ch, &d->rules, &d->rules, NULL, 0);
	psize = sess_packed_size(&d->rules, &ms);
	p = malloc(psize);
	if (p)
		sess_pack(p, &d->rules, &ms);
	if (!p || sess_commit(d, s, ch, &f, p, psize)) {
		logmsg(d, false, "session 0x%llx: Volume Quota used up, but its traffic goes on",
		       (unsigned long long)s->seid);
		for (i = 0; i < d->meas.n; i++)
			d->meas.m[i].quota_reported = old->m[i].quota_reported;
		free(p);
		sess_keep(d, s);	/* the same size: it cannot fail */
		sess_save(d, s);
		return;
	}
	logmsg(d, true, "session 0x%llx: Volume Quota used up: %d of %d contexts stopped",
	       (unsigned long long)s->seid, ch->n_from - ch->n_to, ch->n_from);
	sess_meas_copy(&d->meas, &ms);
	sess_keep_into(d, s, p, psize);
}

/*
 * Every usage-interval: the counters of all contexts in one dump (only
 * when some session reports), then a report from each session with a
 * trigger due and none awaiting its response (that one's triggers wait
 * for it).  A Volume Quota it reports used up stops its traffic.
 */
static void usage_tick(struct pfcpd *d, time_t now)
{
	struct sess_meas_set old;
	struct session *s;
	bool read = false;
	uint32_t i;

	if (!d->nft || now < d->next_usage)
		return;
	d->next_usage = now + d->conf.usage_interval;
	for (i = 0; i < d->n_slots; i++) {
		s = d->sess[i];
		if (!s || s->report_seq || !s->reports)
			continue;
		if (!read && kctr_load(d))
			return;
		read = true;
		if (usage_read(d, s, &d->usage))
			continue;
		sess_open(d, s);
		sess_meas_copy(&old, &d->meas);
		session_report(d, s, &d->usage, now);
		quota_stop(d, s, &d->usage, &old);
	}
}

/*
 * Without a gateway (-n) an associated peer hears "Service not
 * supported", an unassociated one "No established PFCP Association".
 */
static void session_req(struct pfcpd *d)
{
	uint64_t seid = d->msg.fseid.seid;
	struct session *s;

	if (d->res.hdr.type == PFCP_SESSION_EST_REQ) {
		if (d->nft)
			session_est(d);
		else if (!find_sender(d, &d->msg.node_id))
			session_refuse(d, PFCP_CAUSE_NO_ASSOCIATION, 0, seid);
		else
			session_refuse(d, PFCP_CAUSE_SERVICE_NOT_SUPPORTED, 0,
				       seid);
		return;
	}
	s = d->nft ? sess_find(d, d->res.hdr.seid) : NULL;
	/* A session is its CP function's: to others it does not exist. */
	if (!s || !find_sender(d, &s->peer))
		session_refuse(d, PFCP_CAUSE_SESSION_NOT_FOUND, 0, 0);
	else if (d->res.hdr.type == PFCP_SESSION_MOD_REQ)
		session_mod(d, s);
	else
		session_del(d, s);
}

/*
 * The SEID of the response to a bad request: the CP function's F-SEID
 * in an Establishment, the session's in a Modification, else 0.
 */
static uint64_t bad_request_seid(struct pfcpd *d)
{
	const struct session *s;

	if (d->res.hdr.type == PFCP_SESSION_EST_REQ)
		return pfcp_msg_has(&d->msg, PFCP_SESSION_EST_REQ,
				    PFCP_IE_F_SEID) ? d->msg.fseid.seid : 0;
	s = d->nft ? sess_find(d, d->res.hdr.seid) : NULL;
	return s && find_sender(d, &s->peer) ? s->cp_seid : 0;
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
		session_refuse(d, d->res.cause, d->res.offending_ie,
			       bad_request_seid(d));
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
	case PFCP_SESSION_REPORT_RSP:
		report_rsp(d);
		break;
	default:
		/* responses to nothing the agent sent, PFD, Node Report... */
		drop(d, DROP_UNEXPECTED);
		break;
	}
}

static void handle(struct pfcpd *d)
{
	static const enum drop_reason drops[] = {
		[PFCP_ERR_TRUNCATED] = DROP_TRUNCATED,
		[PFCP_ERR_LENGTH] = DROP_LENGTH, [PFCP_ERR_TYPE] = DROP_TYPE,
		[PFCP_ERR_SEID_FLAG] = DROP_SEID_FLAG,
	};
	enum pfcp_result r = pfcp_parse(d->rx_buf, d->rx_len, &d->res,
					&d->msg);
	const struct pfcp_hdr *h = &d->res.hdr;
	int cause;

	d->rx_digest = rsp_digest(d->rx_buf, d->rx_len);
	logmsg(d, true, "rx %s seq %u: %s", pfcp_type_name(h->type), h->seq,
	       pfcp_result_name(r));
	switch (r) {
	case PFCP_OK:
		cause = pfcp_msg_has(&d->msg, h->type, PFCP_IE_CAUSE) ?
			d->msg.cause : CAUSE_NONE;
		count(d, false, h->type, cause);
		if (h->flags & PFCP_HDR_FO && (size_t)h->length + 4 < d->rx_len)
			drop(d, DROP_BUNDLED);
		if (!answer_duplicate(d))
			dispatch(d);
		break;
	case PFCP_ERR_VERSION:
		version_not_supported(d);
		break;
	case PFCP_ERR_IE:
		count(d, false, h->type, CAUSE_NONE);
		if (!pfcp_type_is_request(h->type))
			drop(d, DROP_BAD_IE);
		else if (!answer_duplicate(d))
			bad_request(d);
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
			sessions_of_peer_gone(d, &p->node_id);
			p->used = false;
			node_sync(d);
			logmsg(d, false, "peer lost: no heartbeat response");
			continue;
		}
		d->seq = next_seq(d);
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
		d->rx_len = (size_t)n;
		handle(d);
	}
}

static int run(struct pfcpd *d)
{
	struct pollfd pfd[MAX_LISTEN + 1];
	int i, n = d->conf.n_listen;
	time_t now;

	for (i = 0; i < n; i++) {
		pfd[i].fd = d->fd[i];
		pfd[i].events = POLLIN;
	}
	/* the buffered downlink, last */
	pfd[n].fd = d->dlbuf ? dlbuf_fd(d->dlbuf) : -1;
	pfd[n].events = POLLIN;
	pfd[n].revents = 0;
	while (!got_term) {
		if (got_usr1) {
			got_usr1 = 0;
			dump_stats(d);
		}
		if (poll(pfd, n + 1, 1000) < 0 && errno != EINTR)
			return -1;
		for (i = 0; i < n; i++)
			if (pfd[i].revents & POLLIN)
				receive(d, pfd[i].fd);
		now = time(NULL);
		if (d->dlbuf) {
			buffer_receive(d, pfd[n].revents & POLLIN, now);
			dlbuf_expire(d->dlbuf);
		}
		heartbeats(d, now);
		reports_resend(d, now);
		usage_tick(d, now);
	}
	return 0;
}

/*
 * The socket End Markers leave from: the gateway's GTP-U address of that
 * family if configured, an ephemeral port.  -1 (logged) if the family
 * cannot be had: its End Markers are counted as not sent.
 */
static int end_marker_socket(const struct pfcpd *d, int family)
{
	struct sockaddr_storage a = { .ss_family = family };

	if (family == AF_INET && d->conf.has_gtpu4)
		memcpy(&((struct sockaddr_in *)&a)->sin_addr, d->conf.gtpu4, 4);
	if (family == AF_INET6 && d->conf.has_gtpu6)
		memcpy(&((struct sockaddr_in6 *)&a)->sin6_addr,
		       d->conf.gtpu6, 16);
	return open_socket(d, &a);
}

/*
 * Restart (persistent mode): the associations and sessions a gateway
 * kept in its records are read back; records that cannot be (damaged,
 * or of an agent with another layout) are deleted, logged.
 */
#define STATE_SLOTS_MAX	(1u << 24)

struct reload {
	struct pfcpd *d;
	int node;		/* its record: 1 read, 0 none, -1 not readable */
	struct nfgtpu_batch *wipe;	/* the records not read */
	unsigned int sessions, wiped, missing;
};

static void peers_load(struct pfcpd *d, const struct state_node *n)
{
	struct peer *p;
	int k, i;

	for (k = 0; k < n->n_peers; k++) {
		p = &d->peers[n->slot[k]];
		*p = (struct peer){
			.used = true, .node_id = n->peer[k].node_id,
			.addr = n->peer[k].addr, .fd = -1,
			.recovery_ts = n->peer[k].recovery_ts,
			.next_hb = time(NULL) + d->conf.hb_interval,
		};
		p->alen = p->addr.ss_family == AF_INET ?
			sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
		for (i = 0; i < d->conf.n_listen && p->fd < 0; i++)
			if (d->conf.listen[i].ss_family == p->addr.ss_family)
				p->fd = d->fd[i];
	}
}

static int node_load(struct pfcpd *d, const void *data, size_t len)
{
	struct state_node n;

	if (len > sizeof(d->node_rec) || state_node_decode(&n, data, len))
		return -1;
	peers_load(d, &n);
	d->recovery_ts = n.recovery_ts;
	memcpy(d->node_rec, data, len);
	d->node_rec_len = len;
	return 0;
}

static int sess_load(struct pfcpd *d, uint64_t seid, const void *data,
		     size_t len)
{
	uint32_t slot = (uint32_t)seid, gen = seid >> 32;
	struct state_sess st;
	struct sess_packed *p;
	struct session *s;
	size_t psize;

	if (!slot || slot > STATE_SLOTS_MAX ||
	    state_sess_decode(&st, &p, &psize, data, len))
		return -1;
	s = slots_grow(d, slot) || d->sess[slot - 1] ? NULL :
		calloc(1, sizeof(*s));
	if (!s) {
		free(p);
		return -1;
	}
	*s = (struct session){ .seid = seid, .cp_seid = st.cp_seid,
			       .peer = st.peer, .state = p,
			       .state_size = psize, .rec_len = len };
	d->sess[slot - 1] = s;
	d->n_sess++;
	if (gen > d->sess_gen)
		d->sess_gen = gen;
	return 0;
}

static int record_load(uint64_t key, const void *data, size_t len, void *arg)
{
	struct reload *l = arg;
	bool ok;

	if (key == STATE_NODE_KEY) {
		ok = !node_load(l->d, data, len);
		l->node = ok ? 1 : -1;
	} else {
		ok = l->node == 1 && !sess_load(l->d, key, data, len);
		l->sessions += ok;
	}
	if (ok)
		return 0;
	l->wiped++;
	return nfgtpu_batch_record(l->wipe, key, NULL, 0, len) ? -1 : 0;
}

/*
 * A session read back goes on: its TEIDs taken, its buffering watched;
 * its contexts not in the kernel (kctr_load()) are counted in *missing.
 */
static void sess_resume(struct pfcpd *d, struct session *s,
			unsigned int *missing)
{
	struct change *ch = &d->change;
	struct sess_fail f;
	struct kctr key;
	int i;

	sess_open(d, s);
	teids_count(d, &d->rules, true);
	s->reports = sess_reports(&d->rules);
	if (change_init(d, ch, NULL, NULL, &d->rules, &d->meas, &f))
		return;
	buffer_sync(d, s, ch);
	for (i = 0; i < ch->n_to; i++) {
		key.teid = ch->to[i].c.teid;
		*missing += !bsearch(&key, d->kctr, d->n_kctr, sizeof(key),
				     kctr_cmp);
	}
}

static void state_load(struct pfcpd *d)
{
	struct reload l = { .d = d };
	struct session *s;
	bool checked;
	uint32_t i;
	int ret;

	if (!d->records)
		return;
	l.wipe = nfgtpu_batch_new(d->nft);
	ret = l.wipe ? nfgtpu_record_list(d->nft, record_load, &l) : -1;
	if (!ret && l.wiped)
		ret = nfgtpu_batch_commit(l.wipe);
	nfgtpu_batch_free(l.wipe);
	if (ret) {
		/* a record left may take the key of a new one: none are */
		logmsg(d, false, "records: %s: sessions are lost when the agent restarts",
		       nfgtpu_error(d->nft));
		d->records = false;
		return;
	}
	if (l.node < 0)
		logmsg(d, false, "the node's record is damaged or another version's: %u records deleted, their sessions' contexts left",
		       l.wiped);
	else if (l.wiped)
		logmsg(d, false, "%u damaged records deleted", l.wiped);
	if (!l.sessions)
		return;
	checked = !kctr_load(d);
	for (i = 0; i < d->n_slots; i++) {
		s = d->sess[i];
		if (s && !find_peer(d, &s->peer))
			sess_remove(d, s);	/* lost with its peer */
		else if (s)
			sess_resume(d, s, &l.missing);
	}
	logmsg(d, false, "%u sessions read back from the gateway", d->n_sess);
	if (checked && l.missing)
		logmsg(d, false, "%u of their contexts are missing from the gateway",
		       l.missing);
}

/*
 * The gateway the sessions go into.  Persistent mode keeps one that is
 * there (with its contexts); owned mode sets up its own, which the
 * kernel removes when the agent exits.
 */
static int gateway_open(struct pfcpd *d)
{
	unsigned int flags = 0;
	char err[256];

	d->nft = nfgtpu_open(-1);
	if (!d->nft) {
		logmsg(d, false, "nf_tables: %s", strerror(errno));
		return -1;
	}
	if (d->conf.table_mode == TABLE_OWNED ||
	    nfgtpu_gateway_flags(d->nft, &flags)) {
		/* counters only for the contexts whose PDRs have URRs */
		flags = NFGTPU_GW_SELECTIVE;
		if (d->conf.table_mode == TABLE_OWNED)
			flags |= NFGTPU_GW_OWNED;
		if (d->conf.gw_qfi)
			flags |= NFGTPU_GW_QFI;
		if (d->conf.has_gtpu6 && !d->conf.has_gtpu4)
			flags |= NFGTPU_GW_PEER6;
		if (d->conf.buffer_packets)
			flags |= NFGTPU_GW_BUFFER;
		flags |= NFGTPU_GW_MBR;
		if (d->conf.table_mode == TABLE_PERSISTENT)
			flags |= NFGTPU_GW_RECORDS;
		if (nfgtpu_gateway_setup(d->nft, flags)) {
			logmsg(d, false, "gateway: %s", nfgtpu_error(d->nft));
			return -1;
		}
	}
	if (!d->conf.buffer_packets)
		flags &= ~NFGTPU_GW_BUFFER;
	else if (!(flags & NFGTPU_GW_BUFFER))
		logmsg(d, false, "the gateway has no buffer sets: a buffering downlink is dropped");
	if (!(flags & NFGTPU_GW_MBR))
		logmsg(d, false, "the gateway has no MBR maps: QER MBRs are not enforced");
	if (d->conf.table_mode == TABLE_PERSISTENT &&
	    !(flags & NFGTPU_GW_RECORDS))
		logmsg(d, false, "the gateway has no set records: sessions are lost when the agent restarts");
	d->records = d->conf.table_mode == TABLE_PERSISTENT &&
		     flags & NFGTPU_GW_RECORDS;
	d->gw_flags = flags & (NFGTPU_GW_QFI | NFGTPU_GW_BUFFER | NFGTPU_GW_MBR);
	if (flags & NFGTPU_GW_BUFFER) {
		d->dlbuf = dlbuf_open(d->conf.buffer_packets,
				      d->conf.buffer_time, err, sizeof(err));
		if (!d->dlbuf) {
			logmsg(d, false, "buffering: %s", err);
			return -1;
		}
	}
	d->alloc = (struct teid_alloc){ &d->conf, d->conf.teid_first,
					teid_used, d };
	d->em_fd[0] = end_marker_socket(d, AF_INET);
	d->em_fd[1] = end_marker_socket(d, AF_INET6);
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: " PROG " [-d] [-n] [-t] [-c FILE] [-s FILE]\n"
	      "  -c FILE  configuration (default /etc/nf-gtpu/pfcpd.conf)\n"
	      "  -s FILE  write counters in Prometheus text there on SIGUSR1\n"
	      "           and at exit ('-': standard output)\n"
	      "  -t       check the configuration, print it and exit\n"
	      "  -d       debug log: every message received and dropped\n"
	      "  -n       node procedures only: no gateway, sessions refused\n"
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

	while ((opt = getopt(argc, argv, "c:s:tdnh")) != -1) {
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
		case 'n':
			d.node_only = true;
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
	if (rsp_cache_init(&d.rsp, d.conf.rsp_cache_size,
			   d.conf.rsp_cache_time)) {
		logmsg(&d, false, "response cache: %s", strerror(errno));
		return 1;
	}
	for (i = 0; i < d.conf.n_listen; i++) {
		d.fd[i] = open_socket(&d, &d.conf.listen[i]);
		if (d.fd[i] < 0)
			return 1;
	}
	d.em_fd[0] = -1;
	d.em_fd[1] = -1;
	/* after the sockets: once the gateway is there, requests queue */
	if (!d.node_only && gateway_open(&d))
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	d.recovery_ts = (uint32_t)(time(NULL) + PFCP_NTP_OFFSET);
	state_load(&d);
	node_sync(&d);
	logmsg(&d, false, "node %s, Recovery Time Stamp %u, %d address(es)",
	       d.conf.node_id_text, d.recovery_ts, d.conf.n_listen);
	if (run(&d)) {
		logmsg(&d, false, "poll: %s", strerror(errno));
		return 1;
	}
	dump_stats(&d);
	/* owned mode: the gateway and every context go with the handle */
	if (d.nft)
		nfgtpu_close(d.nft);
	dlbuf_close(d.dlbuf);
	rsp_cache_free(&d.rsp);
	sessions_free(&d);
	while (d.reports)
		report_done(&d, &d.reports);
	free(d.kctr);
	logmsg(&d, false, "exiting");
	return 0;
}
