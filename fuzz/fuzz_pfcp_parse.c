// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for pfcp_parse(), the PFCP (TS 29.244) codec of
 * nf-gtpu-pfcpd (pfcpd/pfcp_msg.c).  The input is one UDP payload, as
 * the daemon receives it on port 8805.
 *
 * The payload is copied into a heap buffer of exactly its size, so that
 * AddressSanitizer catches any read past the datagram.  Every result is
 * checked against the parser's invariants, and every accepted
 * Association Setup and Session Establishment Request is answered with
 * the builder and the answer parsed back: the builder's output must
 * parse, and carry what was put in; so must every accepted Session
 * Report Request built again from its Usage Reports.  Every accepted Session
 * Establishment and Modification Request also goes through the
 * session code of the daemon (pfcpd/session.c, linked in): applied to
 * no rules, to the rules it made, and without its Create IEs to those
 * rules, then translated into contexts, and its URRs measured and
 * reported; the F-TEIDs chosen for it are answered and parsed back.
 */
#include <stdlib.h>
#include <string.h>

#include "../pfcpd/pfcp_msg.c"
#include "../pfcpd/session.h"

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

static void check_rules(const struct pfcp_msg *m)
{
	const uint8_t counts[] = {
		m->n_create_pdr, m->n_update_pdr, m->n_remove_pdr,
		m->n_create_far, m->n_update_far, m->n_remove_far,
		m->n_create_urr, m->n_update_urr, m->n_remove_urr,
		m->n_create_qer, m->n_update_qer, m->n_remove_qer,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(counts); i++)
		CHECK(counts[i] <= PFCP_MAX_RULES);
	for (i = 0; i < m->n_create_pdr; i++) {
		CHECK(m->create_pdr[i].n_urr_id <= PFCP_MAX_URR_IDS);
		CHECK(m->create_pdr[i].n_qer_id <= PFCP_MAX_QER_IDS);
		CHECK(m->create_pdr[i].pdr_id <= 0xffff);
		CHECK(m->create_pdr[i].pdi.ni.len <= PFCP_NI_MAX);
		CHECK(m->create_pdr[i].pdi.qfi <= 63);
		CHECK(m->create_pdr[i].pdi.source_interface <= 15);
	}
	for (i = 0; i < m->n_create_far; i++) {
		CHECK(m->create_far[i].fwd.ni.len <= PFCP_NI_MAX);
		CHECK(m->create_far[i].fwd.dest_interface <= 15);
	}
}

static void check_ok(const uint8_t *buf, size_t len,
		     const struct pfcp_parsed *res, const struct pfcp_msg *m)
{
	const struct pfcp_hdr *h = &res->hdr;

	CHECK(h->version == 1 && h->type == buf[1]);
	CHECK(h->hlen == (buf[0] & PFCP_HDR_S ? 16 : 8));
	CHECK((size_t)h->length + 4 <= len && h->length + 4 >= h->hlen);
	CHECK(pfcp_type_known(h->type));
	CHECK(pfcp_type_has_seid(h->type) == !!(h->flags & PFCP_HDR_S));
	CHECK(h->seq <= 0xffffff && res->cause == 0);
	CHECK(m->node_id.type <= PFCP_NODE_ID_FQDN);
	CHECK(m->up_features.len <= PFCP_FEATURES_MAX);
	CHECK(m->cp_features.len <= PFCP_FEATURES_MAX);
	if (pfcp_msg_has(m, h->type, PFCP_IE_NODE_ID))
		CHECK(m->node_id.len >= 1);
	check_rules(m);
}

/*
 * A Session Establishment Request is answered, as the daemon does, with
 * the CP function's SEID in the header, Node ID, Cause and Offending IE,
 * and an F-SEID: here the CP function's own, to compare.
 */
static void check_session_roundtrip(const struct pfcp_parsed *res,
				    const struct pfcp_msg *m)
{
	static struct pfcp_msg back;
	struct pfcp_parsed bres;
	struct pfcp_out o;
	uint8_t buf[512];
	int n;

	pfcp_out_start(&o, buf, sizeof(buf), PFCP_SESSION_EST_RSP,
		       res->hdr.seq, true, m->fseid.seid);
	pfcp_put_node_id(&o, &m->node_id);
	pfcp_put_u8(&o, PFCP_IE_CAUSE, PFCP_CAUSE_SERVICE_NOT_SUPPORTED);
	pfcp_put_u16(&o, PFCP_IE_OFFENDING_IE, PFCP_IE_CREATE_PDR);
	pfcp_put_fseid(&o, &m->fseid);
	n = pfcp_out_finish(&o);
	CHECK(n > 0);
	CHECK(pfcp_parse(buf, n, &bres, &back) == PFCP_OK);
	CHECK(bres.hdr.seid == m->fseid.seid && bres.hdr.seq == res->hdr.seq);
	CHECK(back.cause == PFCP_CAUSE_SERVICE_NOT_SUPPORTED);
	CHECK(back.offending_ie == PFCP_IE_CREATE_PDR);
	CHECK(back.fseid.seid == m->fseid.seid &&
	      back.fseid.flags == m->fseid.flags);
	CHECK(!(m->fseid.flags & PFCP_FSEID_V4) ||
	      !memcmp(back.fseid.v4, m->fseid.v4, 4));
	CHECK(!(m->fseid.flags & PFCP_FSEID_V6) ||
	      !memcmp(back.fseid.v6, m->fseid.v6, 16));
}

/* A Session Report Request built again from what was parsed of it */
static void check_report_roundtrip(const struct pfcp_parsed *res,
				   const struct pfcp_msg *m)
{
	static struct pfcp_msg back;
	static uint8_t buf[4096];
	const struct pfcp_usage_report *a, *b;
	struct pfcp_parsed bres;
	struct pfcp_out o;
	unsigned int i;
	int n;

	pfcp_out_start(&o, buf, sizeof(buf), PFCP_SESSION_REPORT_REQ,
		       res->hdr.seq, true, res->hdr.seid);
	pfcp_put_u8(&o, PFCP_IE_REPORT_TYPE, m->report_type);
	for (i = 0; i < m->n_usage_report; i++)
		pfcp_put_usage_report(&o, PFCP_IE_USAGE_REPORT_SRR,
				      &m->usage_report[i]);
	n = pfcp_out_finish(&o);
	CHECK(n > 0);
	CHECK(pfcp_parse(buf, n, &bres, &back) == PFCP_OK);
	CHECK(bres.hdr.seid == res->hdr.seid && bres.hdr.seq == res->hdr.seq);
	CHECK(back.report_type == m->report_type &&
	      back.n_usage_report == m->n_usage_report);
	for (i = 0; i < m->n_usage_report; i++) {
		a = &m->usage_report[i];
		b = &back.usage_report[i];
		CHECK(a->urr_id == b->urr_id && a->seqn == b->seqn &&
		      (a->trigger & 0xffffff) == b->trigger);
		/* the builder writes uplink and downlink, and their sum */
		CHECK(b->volume.ul == a->volume.ul &&
		      b->volume.dl == a->volume.dl &&
		      b->volume.total == a->volume.ul + a->volume.dl);
		CHECK(b->start == a->start && b->end == a->end);
	}
}

/*
 * Answer the way the daemon does (Node ID, Cause, Recovery Time Stamp,
 * UP Function Features) and parse the answer back.
 */
static void check_roundtrip(const struct pfcp_parsed *res,
			    const struct pfcp_msg *m)
{
	static struct pfcp_msg back;
	struct pfcp_parsed bres;
	uint8_t buf[512], ff[2] = { 0, 0 };
	struct pfcp_out o;
	int n;

	if (res->hdr.type == PFCP_SESSION_EST_REQ) {
		check_session_roundtrip(res, m);
		return;
	}
	if (res->hdr.type == PFCP_SESSION_REPORT_REQ) {
		check_report_roundtrip(res, m);
		return;
	}
	if (res->hdr.type != PFCP_ASSOC_SETUP_REQ)
		return;
	pfcp_out_start(&o, buf, sizeof(buf), PFCP_ASSOC_SETUP_RSP,
		       res->hdr.seq, false, 0);
	pfcp_put_node_id(&o, &m->node_id);
	pfcp_put_u8(&o, PFCP_IE_CAUSE, PFCP_CAUSE_ACCEPTED);
	pfcp_put_u32(&o, PFCP_IE_RECOVERY_TIME_STAMP, m->recovery_ts);
	pfcp_put_ie(&o, PFCP_IE_UP_FUNCTION_FEATURES, ff, sizeof(ff));
	n = pfcp_out_finish(&o);
	CHECK(n > 0);
	CHECK(pfcp_parse(buf, n, &bres, &back) == PFCP_OK);
	CHECK(bres.hdr.seq == res->hdr.seq);
	CHECK(back.cause == PFCP_CAUSE_ACCEPTED);
	CHECK(back.recovery_ts == m->recovery_ts);
	CHECK(back.node_id.type == m->node_id.type &&
	      back.node_id.len == m->node_id.len &&
	      !memcmp(back.node_id.val, m->node_id.val, m->node_id.len));
	/* a buffer too small must fail cleanly, not write past its end */
	pfcp_out_start(&o, buf, 20, PFCP_ASSOC_SETUP_RSP, 0, false, 0);
	pfcp_put_node_id(&o, &m->node_id);
	pfcp_put_u32(&o, PFCP_IE_RECOVERY_TIME_STAMP, 0);
	CHECK(pfcp_out_finish(&o) == -1 || o.len <= 20);
}

/* Two Network Instances, GTP-U addresses of both families */
static const struct pfcpd_conf conf = {
	.ni = { { "internet", "apn0" }, { "ims", "apn1" } },
	.n_ni = 2,
	.has_gtpu4 = true, .gtpu4 = { 192, 0, 2, 1 },
	.has_gtpu6 = true, .gtpu6 = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
	.teid_first = 1, .teid_last = 0xffffffff,
};

static void check_rule_counts(const struct sess_rules *r)
{
	CHECK(r->n_pdr <= PFCP_MAX_RULES && r->n_far <= PFCP_MAX_RULES &&
	      r->n_qer <= PFCP_MAX_RULES && r->n_urr <= PFCP_MAX_RULES);
}

/* The URRs' measurements, kept across the messages of one input */
static struct sess_meas_set meas;

/*
 * Measure each URR, as the daemon does on its tick and at deletion, and
 * rebase as it does around a change of the contexts
 */
static void check_usage(const struct sess_rules *r, const struct pfcp_msg *m,
			const struct sess_ctx *ctx, int n)
{
	static struct sess_ctx kept[PFCP_MAX_RULES];
	struct pfcp_usage_report ur;
	struct sess_meas *me;
	uint64_t ul, dl;
	uint32_t t;
	int i, k;

	sess_meas_sync(&meas, r, m, 1000);
	CHECK(meas.n == r->n_urr);
	for (i = 0; i < r->n_urr; i++) {
		sess_usage(r, ctx, n, r->urr[i].urr_id, &ul, &dl);
		me = sess_meas_find(&meas, r->urr[i].urr_id);
		CHECK(me);
		t = sess_urr_due(&r->urr[i], me, ul, dl, 2000);
		sess_urr_report(&r->urr[i], me, t | PFCP_TRIG_TERMR, ul, dl,
				2000, &ur);
		CHECK(ur.urr_id == r->urr[i].urr_id &&
		      ur.volume.total == ur.volume.ul + ur.volume.dl);
	}
	sess_meas_fold(&meas, r, ctx, n);
	k = sess_kept(ctx, n, ctx, n, kept);
	CHECK(k >= 0 && k <= n);
	sess_meas_base(&meas, r, kept, k);
}

/*
 * The F-TEIDs chosen for m's PDRs, as the daemon answers them (Created
 * and Updated PDRs), parsed back; the rule each context would be
 * refused on.
 */
static void check_chosen(const struct sess_rules *r, const struct pfcp_msg *m,
			 const struct sess_ctx *ctx, int n)
{
	static struct sess_chosen ch[2 * PFCP_MAX_RULES];
	static struct pfcp_msg back;
	static uint8_t buf[4096];
	struct pfcp_parsed bres;
	struct sess_fail f;
	struct pfcp_out o;
	int i, k = sess_chosen(r, m, ch);

	CHECK(k >= 0 && k <= m->n_create_pdr + m->n_update_pdr);
	pfcp_out_start(&o, buf, sizeof(buf), PFCP_SESSION_MOD_RSP, 1, true, 1);
	pfcp_put_u8(&o, PFCP_IE_CAUSE, PFCP_CAUSE_ACCEPTED);
	for (i = 0; i < k; i++) {
		CHECK(!(ch[i].fteid.flags & PFCP_FTEID_CH));
		pfcp_put_created_pdr(&o, ch[i].ie, ch[i].pdr_id, &ch[i].fteid);
	}
	i = pfcp_out_finish(&o);
	CHECK(i > 0 && pfcp_parse(buf, i, &bres, &back) == PFCP_OK);
	CHECK(back.n_created_pdr + back.n_updated_pdr == k);
	for (i = 0; i < n; i++) {
		sess_ctx_fail(r, m, &ctx[i], &f);
		CHECK(f.cause == PFCP_CAUSE_RULE_FAILURE ?
		      f.offending_ie && f.rule_type != SESS_RULE_NONE :
		      f.cause == PFCP_CAUSE_SYSTEM_FAILURE && !f.offending_ie);
	}
}

/* Apply m to r, as sess_change() does to a copy; translate the result */
static int check_apply(struct sess_rules *r, const struct pfcp_msg *m)
{
	static struct sess_ctx ctx[PFCP_MAX_RULES];
	struct teid_alloc a = { &conf, 0xfffffff0, NULL, NULL };
	struct sess_fail f = { 0 };
	unsigned int gw;
	int i, n;

	if (sess_apply(r, m, &a, &f)) {
		CHECK(f.cause >= PFCP_CAUSE_REJECTED);
		return -1;
	}
	check_rule_counts(r);
	for (i = 0; i < r->n_pdr; i++)
		CHECK(!(r->pdr[i].pdi.present & PFCP_PDI_HAS_FTEID) ||
		      !(r->pdr[i].pdi.fteid.flags & PFCP_FTEID_CH));
	gw = (m->n_create_pdr & 1 ? NFGTPU_GW_QFI : 0) |
	     (m->n_create_pdr & 2 ? NFGTPU_GW_BUFFER : 0);
	n = sess_contexts(r, &meas, &conf, gw, ctx, &f);
	CHECK(n <= PFCP_MAX_RULES);
	for (i = 0; i < n; i++) {
		/* forwarding, no downlink, or buffering: one of them */
		CHECK(!(ctx[i].c.flags & NFGTPU_CTX_NO_DOWNLINK) ||
		      !(ctx[i].c.flags & NFGTPU_CTX_BUFFER));
		CHECK(!(ctx[i].c.flags & NFGTPU_CTX_BUFFER) ||
		      gw & NFGTPU_GW_BUFFER);
		CHECK(!!ctx[i].c.peer_family ==
		      !(ctx[i].c.flags & (NFGTPU_CTX_NO_DOWNLINK |
					  NFGTPU_CTX_BUFFER)));
	}
	if (n < 0) {
		CHECK(f.cause >= PFCP_CAUSE_REJECTED);
		return -1;
	}
	check_usage(r, m, ctx, n);
	check_chosen(r, m, ctx, n);
	return 0;
}

/* The End Markers of a message applied to "from", which made r */
static void check_end_markers(const struct sess_rules *from,
			      const struct pfcp_msg *m,
			      const struct sess_rules *r)
{
	static struct pfcp_ohc em[PFCP_MAX_RULES];
	int i, n = sess_end_markers(from, m, r, em);

	CHECK(n >= 0 && n <= m->n_update_far);
	for (i = 0; i < n; i++)
		CHECK(em[i].desc & (PFCP_OHC_GTPU_V4 | PFCP_OHC_GTPU_V6));
}

static void check_session(const struct pfcp_parsed *res,
			  const struct pfcp_msg *m)
{
	static struct sess_rules r, copy, before;
	static struct pfcp_msg upd;

	if (res->hdr.type != PFCP_SESSION_EST_REQ &&
	    res->hdr.type != PFCP_SESSION_MOD_REQ)
		return;
	memset(&r, 0, sizeof(r));
	memset(&meas, 0, sizeof(meas));
	if (check_apply(&r, m))
		return;
	copy = r;
	check_apply(&copy, m);
	upd = *m;
	upd.n_create_pdr = upd.n_create_far = 0;
	upd.n_create_urr = upd.n_create_qer = 0;
	before = r;
	if (!check_apply(&r, &upd))
		check_end_markers(&before, &upd, &r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pfcp_msg msg;
	struct pfcp_parsed res;
	enum pfcp_result r;
	uint8_t *buf;

	if (size > 65535)
		return 0;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memset(&msg, 0xa5, sizeof(msg));

	r = pfcp_parse(buf, size, &res, &msg);
	CHECK((unsigned int)r < __PFCP_RESULT_MAX);
	switch (r) {
	case PFCP_OK:
		check_ok(buf, size, &res, &msg);
		check_roundtrip(&res, &msg);
		check_session(&res, &msg);
		break;
	case PFCP_ERR_IE:
		CHECK(res.cause == PFCP_CAUSE_MANDATORY_MISSING ||
		      res.cause == PFCP_CAUSE_INVALID_LENGTH ||
		      res.cause == PFCP_CAUSE_MANDATORY_INCORRECT ||
		      res.cause == PFCP_CAUSE_NO_RESOURCES);
		CHECK(pfcp_type_known(res.hdr.type));
		break;
	case PFCP_ERR_TRUNCATED:
		CHECK(size < 16);
		break;
	case PFCP_ERR_VERSION:
		CHECK(size >= 8 && buf[0] >> 5 != 1);
		break;
	default:
		CHECK(res.cause == 0);
		break;
	}
	free(buf);
	return 0;
}
