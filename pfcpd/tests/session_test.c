// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit test of session.c: PFCP rules into libnfgtpu contexts, no
 * kernel.  The messages are those open5gs' SMF sends for a session
 * (docs/pfcp.md): establishment with the downlink FAR in BUFF|NOCP and
 * the uplink F-TEID to CHOOSE, then modification to FORW with the
 * access node's F-TEID; and the refusals, each with its cause,
 * Offending IE and Failed Rule ID.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "tests/check.h"

static struct pfcpd_conf conf;
static struct pfcp_msg msg;

/* "internet" as open5gs sends a DNN: DNS labels */
static const struct pfcp_ni ni_internet = { 9, "\x08internet" };

static void ue_ip(struct pfcp_pdi *pdi, const char *a, uint8_t sd)
{
	pdi->present |= PFCP_PDI_HAS_UE_IP;
	pdi->ue_ip.flags = sd;
	if (inet_pton(AF_INET, a, pdi->ue_ip.v4) == 1)
		pdi->ue_ip.flags |= PFCP_UEIP_V4;
	else if (inet_pton(AF_INET6, a, pdi->ue_ip.v6) == 1)
		pdi->ue_ip.flags |= PFCP_UEIP_V6;
}

static struct pfcp_pdr *pdr(uint32_t id, uint8_t src, const char *ue,
			    uint32_t far_id)
{
	struct pfcp_pdr *p = &msg.create_pdr[msg.n_create_pdr++];

	p->present = PFCP_PDR_HAS_PRECEDENCE | PFCP_PDR_HAS_PDI |
		     PFCP_PDR_HAS_FAR_ID | 1;
	p->pdr_id = id;
	p->far_id = far_id;
	p->pdi.present = PFCP_PDI_HAS_SOURCE_INTERFACE | PFCP_PDI_HAS_NI;
	p->pdi.source_interface = src;
	p->pdi.ni = ni_internet;
	ue_ip(&p->pdi, ue, src == PFCP_IF_CORE ? PFCP_UEIP_SD : 0);
	p->n_qer_id = 1;
	p->qer_id[0] = 1;
	return p;
}

static void choose(struct pfcp_pdr *p, uint8_t chid)
{
	p->pdi.present |= PFCP_PDI_HAS_FTEID;
	p->pdi.fteid.flags = PFCP_FTEID_V4 | PFCP_FTEID_CH |
			     (chid ? PFCP_FTEID_CHID : 0);
	p->pdi.fteid.choose_id = chid;
}

static struct pfcp_far *far(struct pfcp_far *f, uint32_t id, uint16_t aa)
{
	f->present = 1 | PFCP_FAR_HAS_APPLY_ACTION;
	f->far_id = id;
	f->apply_action = aa;
	return f;
}

static void ohc(struct pfcp_far *f, const char *peer, uint32_t teid)
{
	f->present |= PFCP_FAR_HAS_FWD;
	f->fwd.present |= PFCP_FWD_HAS_OHC;
	f->fwd.ohc.desc = PFCP_OHC_GTPU_V4;
	f->fwd.ohc.teid = teid;
	inet_pton(AF_INET, peer, f->fwd.ohc.v4);
}

/* open5gs' establishment: uplink FORW, downlink BUFF|NOCP, QFI 9 */
static void establishment(void)
{
	memset(&msg, 0, sizeof(msg));
	choose(pdr(1, PFCP_IF_ACCESS, "10.45.0.2", 1), 0);
	pdr(2, PFCP_IF_CORE, "10.45.0.2", 2);
	far(&msg.create_far[msg.n_create_far++], 1, PFCP_AA_FORW);
	far(&msg.create_far[msg.n_create_far++], 2,
	    PFCP_AA_BUFF | PFCP_AA_NOCP);
	msg.create_qer[0] = (struct pfcp_qer){
		.present = 1 | PFCP_QER_HAS_GATE | PFCP_QER_HAS_QFI,
		.qer_id = 1, .qfi = 9 };
	msg.n_create_qer = 1;
}

/* The access node's F-TEID arrives: FAR 2 forwards */
static void modification(void)
{
	memset(&msg, 0, sizeof(msg));
	far(&msg.update_far[msg.n_update_far++], 2, PFCP_AA_FORW);
	ohc(&msg.update_far[0], "192.0.2.7", 0x200);
}

static struct teid_alloc alloc = { &conf, 0x100, NULL, NULL };

static int apply(struct sess_rules *r, struct sess_fail *f)
{
	return sess_apply(r, &msg, &alloc, f);
}

static void check_fail(const char *what, const struct sess_fail *f,
		       uint8_t cause, uint16_t ie, uint8_t type, uint32_t id)
{
	CHECK(f->cause == cause && f->offending_ie == ie &&
	      f->rule_type == type && f->rule_id == id,
	      "%s: cause %u IE %u rule %u/%u", what, f->cause,
	      f->offending_ie, f->rule_type, f->rule_id);
}

static void expect_fail(const char *what, struct sess_rules *r, int apply_ok,
			uint8_t cause, uint16_t ie, uint8_t type, uint32_t id)
{
	struct sess_ctx c[PFCP_MAX_RULES];
	struct sess_fail f = {};
	int ret = apply(r, &f);

	if (apply_ok && !ret)
		ret = sess_contexts(r, NULL, &conf, 0, c, &f);
	CHECK(ret == -1, "%s: refused", what);
	check_fail(what, &f, cause, ie, type, id);
}

static void test_open5gs_session(void)
{
	struct sess_ctx c[PFCP_MAX_RULES];
	struct sess_rules r = {};
	struct sess_fail f = {};
	char a[16];
	int n;

	establishment();
	CHECK(!apply(&r, &f), "establishment applies (cause %u)", f.cause);
	CHECK(r.pdr[0].pdi.fteid.teid == 0x100 &&
	      !(r.pdr[0].pdi.fteid.flags & PFCP_FTEID_CH) &&
	      !memcmp(r.pdr[0].pdi.fteid.v4, conf.gtpu4, 4),
	      "the F-TEID is chosen: 0x%x", r.pdr[0].pdi.fteid.teid);
	n = sess_contexts(&r, NULL, &conf, NFGTPU_GW_QFI, c, &f);
	CHECK(n == 1 && c[0].c.flags & NFGTPU_CTX_NO_DOWNLINK &&
	      !c[0].c.peer_family,
	      "downlink BUFF, no buffering: the uplink only, got %d", n);
	n = sess_contexts(&r, NULL, &conf, NFGTPU_GW_QFI | NFGTPU_GW_BUFFER,
			  c, &f);
	CHECK(n == 1 && c[0].c.flags & NFGTPU_CTX_BUFFER &&
	      !(c[0].c.flags & NFGTPU_CTX_NO_DOWNLINK) && c[0].notify &&
	      c[0].dl_pdr_id == 2 && c[0].c.teid == 0x100,
	      "downlink BUFF|NOCP: buffering, notify, PDR 2, got %d", n);

	modification();
	CHECK(!apply(&r, &f), "modification applies (cause %u)", f.cause);
	n = sess_contexts(&r, NULL, &conf, NFGTPU_GW_QFI, c, &f);
	CHECK(n == 1, "FORW with OHC: one context, got %d", n);
	inet_ntop(AF_INET, &c[0].c.ms4, a, sizeof(a));
	CHECK(c[0].c.teid == 0x100 && !strcmp(c[0].c.apn, "apn0") &&
	      c[0].c.flags == (NFGTPU_CTX_MS4 | NFGTPU_CTX_QFI) &&
	      !strcmp(a, "10.45.0.2") && c[0].pdr_id == 1,
	      "uplink: TEID 0x%x apn %s ms %s flags %x", c[0].c.teid,
	      c[0].c.apn, a, c[0].c.flags);
	inet_ntop(AF_INET, &c[0].c.peer.v4, a, sizeof(a));
	CHECK(c[0].c.peer_family == AF_INET && !strcmp(a, "192.0.2.7") &&
	      c[0].c.peer_teid == 0x200 && c[0].c.qfi == 9,
	      "downlink: peer %s TEID 0x%x QFI %u", a, c[0].c.peer_teid,
	      c[0].c.qfi);
	n = sess_contexts(&r, NULL, &conf, 0, c, &f);
	CHECK(n == 1 && !(c[0].c.flags & NFGTPU_CTX_QFI),
	      "no QFI on a gateway without");

	/* the QER's MBR, on a gateway that enforces MBRs */
	memset(&msg, 0, sizeof(msg));
	msg.update_qer[0] = (struct pfcp_qer){
		.present = 1 | PFCP_QER_HAS_MBR, .qer_id = 1,
		.mbr = { 1000, 2000 } };
	msg.n_update_qer = 1;
	CHECK(!apply(&r, &f), "MBR update applies");
	n = sess_contexts(&r, NULL, &conf, NFGTPU_GW_MBR, c, &f);
	CHECK(n == 1 && c[0].c.flags & NFGTPU_CTX_MBR &&
	      c[0].c.mbr_up_kbps == 1000 && c[0].c.mbr_down_kbps == 2000,
	      "MBR: up %llu down %llu kbit/s",
	      (unsigned long long)c[0].c.mbr_up_kbps,
	      (unsigned long long)c[0].c.mbr_down_kbps);
	n = sess_contexts(&r, NULL, &conf, 0, c, &f);
	CHECK(n == 1 && !(c[0].c.flags & NFGTPU_CTX_MBR),
	      "no MBR on a gateway without");
	msg.update_qer[0].mbr = (struct pfcp_mbr){ 0, 1ULL << 39 };
	CHECK(!apply(&r, &f), "MBR update applies");
	n = sess_contexts(&r, NULL, &conf, NFGTPU_GW_MBR, c, &f);
	CHECK(n == 1 && !(c[0].c.flags & NFGTPU_CTX_MBR),
	      "an MBR of 0 and one above 100 Gbit/s: none enforced");

	/* a closed gate: no context; a dropping downlink FAR: the uplink only */
	memset(&msg, 0, sizeof(msg));
	msg.update_qer[0] = (struct pfcp_qer){
		.present = 1 | PFCP_QER_HAS_GATE, .qer_id = 1, .gate = 0x04 };
	msg.n_update_qer = 1;
	CHECK(!apply(&r, &f), "gate update applies");
	CHECK(sess_contexts(&r, NULL, &conf, NFGTPU_GW_QFI, c, &f) == 0, "closed gate");
	msg.update_qer[0].gate = 0;
	CHECK(!apply(&r, &f), "gate reopens");
	memset(&msg, 0, sizeof(msg));
	far(&msg.update_far[msg.n_update_far++], 2, PFCP_AA_DROP);
	CHECK(!apply(&r, &f), "DROP applies");
	CHECK(sess_contexts(&r, NULL, &conf, NFGTPU_GW_QFI | NFGTPU_GW_BUFFER, c,
			    &f) == 1 &&
	      c[0].c.flags & NFGTPU_CTX_NO_DOWNLINK,
	      "DROP: the uplink only");

	/* removing the FAR a PDR still names is refused */
	memset(&msg, 0, sizeof(msg));
	msg.remove_far[0] = (struct pfcp_rule_id){ 1, 2 };
	msg.n_remove_far = 1;
	expect_fail("remove a FAR in use", &r, 0, PFCP_CAUSE_RULE_FAILURE,
		    PFCP_IE_FAR_ID, SESS_RULE_PDR, 2);
}

static void test_refusals(void)
{
	struct sess_rules r = {};
	struct sess_fail f;

	establishment();
	msg.create_pdr[0].pdi.ni = (struct pfcp_ni){ 4, "\x03ims" };
	expect_fail("unknown Network Instance", &r, 1,
		    PFCP_CAUSE_RULE_FAILURE, PFCP_IE_NETWORK_INSTANCE,
		    SESS_RULE_PDR, 1);

	memset(&r, 0, sizeof(r));
	establishment();
	msg.create_pdr[1].far_id = 7;
	expect_fail("PDR naming no FAR", &r, 0, PFCP_CAUSE_RULE_FAILURE,
		    PFCP_IE_FAR_ID, SESS_RULE_PDR, 2);

	memset(&r, 0, sizeof(r));
	establishment();
	msg.create_far[1].apply_action = PFCP_AA_DUPL;
	expect_fail("DUPL", &r, 0, PFCP_CAUSE_SERVICE_NOT_SUPPORTED,
		    PFCP_IE_APPLY_ACTION, SESS_RULE_FAR, 2);

	memset(&r, 0, sizeof(r));
	establishment();
	msg.create_pdr[0].pdi.ue_ip.flags &= ~PFCP_UEIP_V4;
	expect_fail("uplink PDR without a UE address", &r, 1,
		    PFCP_CAUSE_RULE_FAILURE, PFCP_IE_UE_IP_ADDRESS,
		    SESS_RULE_PDR, 1);

	memset(&r, 0, sizeof(r));
	establishment();
	msg.create_far[2] = msg.create_far[1];
	msg.n_create_far = 3;
	expect_fail("FAR ID twice", &r, 0, PFCP_CAUSE_RULE_FAILURE,
		    PFCP_IE_CREATE_FAR, SESS_RULE_FAR, 2);

	memset(&r, 0, sizeof(r));
	establishment();
	msg.create_pdr[0].pdi.fteid.flags = PFCP_FTEID_V6 | PFCP_FTEID_CH;
	expect_fail("CHOOSE IPv6 without an IPv6 GTP-U address", &r, 0,
		    PFCP_CAUSE_INVALID_FTEID_ALLOC, PFCP_IE_F_TEID,
		    SESS_RULE_PDR, 1);

	memset(&r, 0, sizeof(r));
	modification();
	expect_fail("update of no FAR", &r, 0, PFCP_CAUSE_RULE_FAILURE,
		    PFCP_IE_UPDATE_FAR, SESS_RULE_FAR, 2);

	/* free5gc: plain-text Network Instance, its own TEID */
	memset(&r, 0, sizeof(r));
	establishment();
	msg.create_pdr[0].pdi.ni = (struct pfcp_ni){ 8, "internet" };
	msg.create_pdr[0].pdi.fteid.flags = PFCP_FTEID_V4;
	msg.create_pdr[0].pdi.fteid.teid = 0x77;
	CHECK(!apply(&r, &f) && r.pdr[0].pdi.fteid.teid == 0x77,
	      "free5gc's F-TEID is kept");
}

/* sess_ctx_fail() for message msg: the cause, Offending IE and rule */
static void expect_blame(const char *what, const struct sess_rules *r,
			 const struct sess_ctx *c, uint8_t cause, uint16_t ie,
			 uint8_t type, uint32_t id)
{
	struct sess_fail f = {};

	sess_ctx_fail(r, &msg, c, &f);
	check_fail(what, &f, cause, ie, type, id);
}

/*
 * A context the kernel refuses names the rule of the message it came
 * from: its uplink PDR, else its downlink PDR, else a FAR or QER of
 * theirs, whichever IE (Create, Update, Remove) carried it.
 */
static void test_ctx_fail(void)
{
	struct sess_ctx c[PFCP_MAX_RULES];
	struct sess_rules r = {};
	struct sess_fail f;

	establishment();
	ohc(far(&msg.create_far[1], 2, PFCP_AA_FORW), "192.0.2.7", 0x200);
	CHECK(!apply(&r, &f) && sess_contexts(&r, NULL, &conf, 0, c, &f) == 1,
	      "a forwarding session: one context");
	expect_blame("in an Establishment", &r, c, PFCP_CAUSE_RULE_FAILURE,
		     PFCP_IE_CREATE_PDR, SESS_RULE_PDR, 1);
	modification();
	expect_blame("an Update FAR alone", &r, c, PFCP_CAUSE_RULE_FAILURE,
		     PFCP_IE_UPDATE_FAR, SESS_RULE_FAR, 2);
	msg.update_pdr[0] = (struct pfcp_pdr){ .present = 1, .pdr_id = 2 };
	msg.n_update_pdr = 1;
	expect_blame("an Update PDR of the downlink PDR", &r, c,
		     PFCP_CAUSE_RULE_FAILURE, PFCP_IE_UPDATE_PDR,
		     SESS_RULE_PDR, 2);
	msg.update_pdr[1] = (struct pfcp_pdr){ .present = 1, .pdr_id = 1 };
	msg.n_update_pdr = 2;
	expect_blame("an Update PDR of the uplink PDR first", &r, c,
		     PFCP_CAUSE_RULE_FAILURE, PFCP_IE_UPDATE_PDR,
		     SESS_RULE_PDR, 1);
	memset(&msg, 0, sizeof(msg));
	msg.update_qer[0] = (struct pfcp_qer){ .present = 1, .qer_id = 1 };
	msg.n_update_qer = 1;
	expect_blame("an Update QER alone", &r, c, PFCP_CAUSE_RULE_FAILURE,
		     PFCP_IE_UPDATE_QER, SESS_RULE_QER, 1);
	memset(&msg, 0, sizeof(msg));
	msg.remove_pdr[0] = (struct pfcp_rule_id){ 1, 1 };
	msg.n_remove_pdr = 1;
	expect_blame("a Remove PDR", &r, c, PFCP_CAUSE_RULE_FAILURE,
		     PFCP_IE_REMOVE_PDR, SESS_RULE_PDR, 1);
	memset(&msg, 0, sizeof(msg));
	expect_blame("a message carrying none of its rules (Deletion)", &r, c,
		     PFCP_CAUSE_SYSTEM_FAILURE, 0, SESS_RULE_NONE, 0);
}

/* PDRs with one CHOOSE ID share a TEID, and make one context */
static void test_choose_id(void)
{
	struct sess_ctx c[PFCP_MAX_RULES];
	struct sess_rules r = {};
	struct sess_fail f;
	int n;

	establishment();
	choose(&msg.create_pdr[0], 5);
	choose(pdr(3, PFCP_IF_ACCESS, "10.45.0.2", 1), 5);
	ohc(far(&msg.create_far[1], 2, PFCP_AA_FORW), "192.0.2.7", 0x200);
	CHECK(!apply(&r, &f), "two uplink PDRs apply");
	CHECK(r.pdr[0].pdi.fteid.teid == r.pdr[2].pdi.fteid.teid,
	      "CHID: one TEID, 0x%x and 0x%x", r.pdr[0].pdi.fteid.teid,
	      r.pdr[2].pdi.fteid.teid);
	n = sess_contexts(&r, NULL, &conf, 0, c, &f);
	CHECK(n == 1, "one context for both, got %d", n);

	/* a CHOOSE ID holds within one message (TS 29.244 8.2.3) */
	memset(&msg, 0, sizeof(msg));
	choose(pdr(4, PFCP_IF_ACCESS, "10.45.0.3", 1), 5);
	CHECK(!apply(&r, &f), "a later uplink PDR with CHOOSE ID 5 applies");
	CHECK(r.pdr[3].pdi.fteid.teid != r.pdr[0].pdi.fteid.teid,
	      "a later message gets a TEID of its own, not 0x%x",
	      r.pdr[0].pdi.fteid.teid);
}

/*
 * The F-TEIDs chosen for a message's PDRs, in the Modification Response
 * built as the agent does, parsed back: a Created PDR for a Create PDR
 * with CHOOSE, an Updated PDR for an Update PDR with CHOOSE (TS 29.244
 * 7.5.5.5), whose context moves to the new TEID.
 */
static void test_chosen(void)
{
	struct sess_chosen ch[2 * PFCP_MAX_RULES];
	struct sess_ctx c[PFCP_MAX_RULES];
	const struct pfcp_created_pdr *u;
	struct sess_rules r = {};
	struct pfcp_parsed res;
	struct sess_fail f;
	struct pfcp_out o;
	uint8_t buf[1024];
	uint32_t old;
	int i, n;

	establishment();
	ohc(far(&msg.create_far[1], 2, PFCP_AA_FORW), "192.0.2.7", 0x200);
	CHECK(!apply(&r, &f), "establishment applies");
	n = sess_chosen(&r, &msg, ch);
	CHECK(n == 1 && ch[0].ie == PFCP_IE_CREATED_PDR && ch[0].pdr_id == 1 &&
	      ch[0].fteid.teid == r.pdr[0].pdi.fteid.teid,
	      "a Created PDR for the Create PDR with CHOOSE: %d", n);
	old = r.pdr[0].pdi.fteid.teid;

	/* the uplink PDR asks for a new F-TEID; the downlink PDR does not */
	memset(&msg, 0, sizeof(msg));
	msg.update_pdr[0] = r.pdr[1];
	msg.update_pdr[1] = r.pdr[0];
	choose(&msg.update_pdr[1], 0);
	msg.n_update_pdr = 2;
	CHECK(!apply(&r, &f), "an Update PDR with CHOOSE applies (cause %u)",
	      f.cause);
	n = sess_chosen(&r, &msg, ch);
	CHECK(n == 1 && ch[0].ie == PFCP_IE_UPDATED_PDR && ch[0].pdr_id == 1 &&
	      ch[0].fteid.teid != old &&
	      ch[0].fteid.teid == r.pdr[0].pdi.fteid.teid &&
	      ch[0].fteid.flags == PFCP_FTEID_V4 &&
	      !memcmp(ch[0].fteid.v4, conf.gtpu4, 4),
	      "an Updated PDR with a new F-TEID: %d, 0x%x (was 0x%x)", n,
	      n ? ch[0].fteid.teid : 0, old);
	CHECK(sess_contexts(&r, NULL, &conf, 0, c, &f) == 1 &&
	      c[0].c.teid == r.pdr[0].pdi.fteid.teid,
	      "the context moves to the new TEID 0x%x", c[0].c.teid);

	pfcp_out_start(&o, buf, sizeof(buf), PFCP_SESSION_MOD_RSP, 7, true,
		       0x1000);
	pfcp_put_u8(&o, PFCP_IE_CAUSE, PFCP_CAUSE_ACCEPTED);
	for (i = 0; i < n; i++)
		pfcp_put_created_pdr(&o, ch[i].ie, ch[i].pdr_id, &ch[i].fteid);
	n = pfcp_out_finish(&o);
	u = &msg.updated_pdr[0];
	CHECK(n > 0 && pfcp_parse(buf, n, &res, &msg) == PFCP_OK &&
	      msg.n_updated_pdr == 1 && !msg.n_created_pdr &&
	      u->pdr_id == 1 && u->present & PFCP_CREATED_HAS_FTEID &&
	      u->fteid.teid == r.pdr[0].pdi.fteid.teid &&
	      u->fteid.flags == PFCP_FTEID_V4 &&
	      !memcmp(u->fteid.v4, conf.gtpu4, 4),
	      "the Modification Response's Updated PDR parses: PDR %u 0x%x",
	      u->pdr_id, u->fteid.teid);
}

/* An IPv6 UE: its /64 is the MS address, an IPv6 peer */
static void test_ipv6(void)
{
	struct sess_ctx c[PFCP_MAX_RULES];
	struct sess_rules r = {};
	struct sess_fail f;
	char a[64];
	int n;

	establishment();
	memset(&msg.create_pdr[0].pdi.ue_ip, 0, sizeof(struct pfcp_ue_ip));
	memset(&msg.create_pdr[1].pdi.ue_ip, 0, sizeof(struct pfcp_ue_ip));
	ue_ip(&msg.create_pdr[0].pdi, "2001:db8:45::2", 0);
	ue_ip(&msg.create_pdr[1].pdi, "2001:db8:45::2", PFCP_UEIP_SD);
	far(&msg.create_far[1], 2, PFCP_AA_FORW);
	ohc(&msg.create_far[1], "192.0.2.7", 0x200);
	msg.create_far[1].fwd.ohc.desc = PFCP_OHC_GTPU_V6;
	inet_pton(AF_INET6, "2001:db8:1::7", msg.create_far[1].fwd.ohc.v6);
	CHECK(!apply(&r, &f), "IPv6 establishment applies");
	n = sess_contexts(&r, NULL, &conf, 0, c, &f);
	CHECK(n == 1, "IPv6: one context, got %d", n);
	inet_ntop(AF_INET6, &c[0].c.ms6, a, sizeof(a));
	CHECK(c[0].c.flags == NFGTPU_CTX_MS6 && !strcmp(a, "2001:db8:45::"),
	      "IPv6: the MS /64 %s, flags %x", a, c[0].c.flags);
	inet_ntop(AF_INET6, &c[0].c.peer.v6, a, sizeof(a));
	CHECK(c[0].c.peer_family == AF_INET6 && !strcmp(a, "2001:db8:1::7"),
	      "IPv6: peer %s", a);
}

/*
 * A dual-stack UE (PDU session type IPv4v6): one uplink PDR with both
 * addresses, and downlink PDRs with both, or one per family
 */
static void test_dual_stack(void)
{
	struct sess_ctx c[PFCP_MAX_RULES];
	struct sess_rules r = {};
	struct sess_fail f;
	char a[64], b[16];
	int n, split;

	for (split = 0; split < 2; split++) {
		memset(&r, 0, sizeof(r));
		establishment();
		inet_pton(AF_INET6, "2001:db8:45::", msg.create_pdr[0].pdi.ue_ip.v6);
		msg.create_pdr[0].pdi.ue_ip.flags |= PFCP_UEIP_V6;
		if (split) {	/* PDR 3: the IPv6 downlink, same FAR */
			msg.create_pdr[2] = msg.create_pdr[1];
			msg.create_pdr[2].pdr_id = 3;
			memset(&msg.create_pdr[2].pdi.ue_ip, 0,
			       sizeof(struct pfcp_ue_ip));
			ue_ip(&msg.create_pdr[2].pdi, "2001:db8:45::",
			      PFCP_UEIP_SD);
			msg.n_create_pdr = 3;
		} else {
			msg.create_pdr[1].pdi.ue_ip = msg.create_pdr[0].pdi.ue_ip;
			msg.create_pdr[1].pdi.ue_ip.flags |= PFCP_UEIP_SD;
		}
		ohc(far(&msg.create_far[1], 2, PFCP_AA_FORW), "192.0.2.7",
		    0x200);
		CHECK(!apply(&r, &f), "dual-stack establishment applies (%d)",
		      split);
		n = sess_contexts(&r, NULL, &conf, 0, c, &f);
		CHECK(n == 1, "dual-stack: one context, got %d", n);
		inet_ntop(AF_INET6, &c[0].c.ms6, a, sizeof(a));
		inet_ntop(AF_INET, &c[0].c.ms4, b, sizeof(b));
		CHECK(c[0].c.flags == (NFGTPU_CTX_MS4 | NFGTPU_CTX_MS6) &&
		      !strcmp(a, "2001:db8:45::") && !strcmp(b, "10.45.0.2") &&
		      c[0].c.peer_teid == 0x200 && c[0].dl_pdr_id == 2,
		      "dual-stack (%s downlink PDRs): ms %s ms %s flags %x",
		      split ? "two" : "one", b, a, c[0].c.flags);
	}
}

/* One URR on both PDRs: the uplink and downlink counters it measured */
/* The establishment, forwarding both ways, both PDRs naming URR 1 */
static void measured_establishment(void)
{
	int i;

	establishment();
	for (i = 0; i < 2; i++) {
		msg.create_pdr[i].n_urr_id = 1;
		msg.create_pdr[i].urr_id[0] = 1;
	}
	ohc(far(&msg.create_far[1], 2, PFCP_AA_FORW), "192.0.2.7", 0x200);
}

static void test_usage(void)
{
	struct sess_ctx c[PFCP_MAX_RULES];
	struct sess_rules r = {};
	struct sess_fail f;
	uint64_t ul, dl;
	int n;

	measured_establishment();
	expect_fail("a PDR naming no URR", &r, 0, PFCP_CAUSE_RULE_FAILURE,
		    PFCP_IE_URR_ID, SESS_RULE_PDR, 1);
	memset(&r, 0, sizeof(r));
	msg.create_urr[0] = (struct pfcp_urr){
		.present = 1 | PFCP_URR_HAS_METHOD | PFCP_URR_HAS_TRIGGERS,
		.urr_id = 1, .method = 2 };
	msg.n_create_urr = 1;
	CHECK(!apply(&r, &f) && r.n_urr == 1, "the URR is kept");
	n = sess_contexts(&r, NULL, &conf, 0, c, &f);
	CHECK(n == 1 && c[0].dl_pdr_id == 2, "the context's downlink PDR");
	CHECK(c[0].c.flags & NFGTPU_CTX_COUNTER, "PDRs with a URR: the context counts");
	c[0].c.uplink.bytes = 100;
	c[0].c.downlink.bytes = 200;
	sess_usage(&r, c, n, 1, &ul, &dl);
	CHECK(ul == 100 && dl == 200, "URR 1: uplink %llu, downlink %llu",
	      (unsigned long long)ul, (unsigned long long)dl);
	sess_usage(&r, c, n, 2, &ul, &dl);
	CHECK(!ul && !dl, "URR 2 measured nothing");

	/* an Update PDR's URR IDs replace the PDR's list */
	memset(&msg, 0, sizeof(msg));
	msg.update_pdr[0] = (struct pfcp_pdr){ .present = 1, .pdr_id = 2,
					       .n_urr_id = 1, .urr_id = { 2 } };
	msg.n_update_pdr = 1;
	expect_fail("an Update PDR naming no URR", &r, 0,
		    PFCP_CAUSE_RULE_FAILURE, PFCP_IE_URR_ID, SESS_RULE_PDR, 2);
	msg.update_pdr[0].urr_id[0] = 1;
	msg.update_pdr[1] = (struct pfcp_pdr){ .present = 1, .pdr_id = 1,
					       .n_urr_id = 1, .urr_id = { 3 } };
	msg.n_update_pdr = 2;
	msg.create_urr[0] = (struct pfcp_urr){ .present = 1, .urr_id = 3 };
	msg.n_create_urr = 1;
	CHECK(!apply(&r, &f), "the uplink PDR moves to URR 3");
	sess_usage(&r, c, n, 3, &ul, &dl);
	CHECK(ul == 100 && !dl, "URR 3: uplink %llu, downlink %llu",
	      (unsigned long long)ul, (unsigned long long)dl);
}

/* A URR measuring volume: VOLTH 1000 octets total, PERIO 10 s, VOLQU */
static void urr_volume(struct pfcp_urr *u, uint32_t id)
{
	*u = (struct pfcp_urr){
		.present = 1 | PFCP_URR_HAS_METHOD | PFCP_URR_HAS_TRIGGERS |
			   PFCP_URR_HAS_PERIOD | PFCP_URR_HAS_THRESHOLD |
			   PFCP_URR_HAS_QUOTA,
		.urr_id = id, .method = PFCP_METHOD_VOLUM,
		.triggers = PFCP_TRIG_VOLTH | PFCP_TRIG_PERIO | PFCP_TRIG_VOLQU,
		.period = 10,
		.threshold = { PFCP_VOL_TOTAL, 1000, 0, 0 },
		.quota = { PFCP_VOL_TOTAL, 3000, 0, 0 },
	};
}

/* A report of trigger t at ul, dl, now: its volume, UR-SEQN and times */
static void expect_report(const char *what, const struct pfcp_urr *u,
			  struct sess_meas *m, uint32_t t, uint64_t ul,
			  uint64_t dl, time_t now, uint64_t vul, uint64_t vdl,
			  uint32_t seqn)
{
	struct pfcp_usage_report r;
	time_t start = m->start;
	uint32_t due = sess_urr_due(u, m, ul, dl, now);

	CHECK(due == t, "%s: trigger %#x, not %#x", what, due, t);
	sess_urr_report(u, m, due, ul, dl, now, &r);
	CHECK(r.urr_id == u->urr_id && r.seqn == seqn && r.trigger == t &&
	      r.volume.ul == vul && r.volume.dl == vdl &&
	      r.volume.total == vul + vdl &&
	      r.start == start + PFCP_NTP_OFFSET &&
	      r.end == now + PFCP_NTP_OFFSET,
	      "%s: URR %u UR-SEQN %u trigger %#x ul %llu dl %llu total %llu",
	      what, r.urr_id, r.seqn, r.trigger,
	      (unsigned long long)r.volume.ul, (unsigned long long)r.volume.dl,
	      (unsigned long long)r.volume.total);
}

/*
 * Volume threshold, period and quota (TS 29.244 5.2.2.2): each report
 * is the volume since the last one; a threshold counts anew from any
 * report; periods follow each other; a quota is reported once, until
 * an Update URR gives a new one.
 */
static void test_triggers(void)
{
	struct sess_meas_set ms = {};
	struct sess_rules r = {};
	struct pfcp_urr *u;
	struct sess_meas *m;

	memset(&msg, 0, sizeof(msg));
	urr_volume(&r.urr[0], 7);
	r.n_urr = 1;
	u = &r.urr[0];
	sess_meas_sync(&ms, &r, &msg, 100);
	m = sess_meas_find(&ms, 7);
	CHECK(m && m->start == 100 && m->period_end == 110 && !m->seqn,
	      "a new URR is measured from now, its period ends in 10 s");
	if (!m)
		return;
	CHECK(!sess_urr_due(u, m, 400, 500, 101), "900 octets: nothing due");
	expect_report("1100 octets reach the threshold", u, m,
		      PFCP_TRIG_VOLTH, 600, 500, 102, 600, 500, 0);
	CHECK(!sess_urr_due(u, m, 600, 500, 103),
	      "after the report the threshold counts anew");
	expect_report("the period ends", u, m, PFCP_TRIG_PERIO, 700, 500,
		      110, 100, 0, 1);
	CHECK(m->period_end == 120, "the next period ends at %ld",
	      (long)m->period_end);
	/* 1100 + 100 reported, 1800 more: the quota of 3000 is used up */
	expect_report("threshold and quota together", u, m,
		      PFCP_TRIG_VOLTH | PFCP_TRIG_VOLQU, 1500, 1500, 111,
		      800, 1000, 2);
	expect_report("a used-up quota is not reported again", u, m,
		      PFCP_TRIG_VOLTH, 2500, 1500, 112, 1000, 0, 3);

	/* an Update URR with a new quota re-arms it, keeping UR-SEQN */
	msg.update_urr[0] = (struct pfcp_urr){
		.present = 1 | PFCP_URR_HAS_QUOTA, .urr_id = 7,
		.quota = { PFCP_VOL_UL, 0, 50, 0 } };
	msg.n_update_urr = 1;
	u->quota = msg.update_urr[0].quota;
	sess_meas_sync(&ms, &r, &msg, 113);
	m = sess_meas_find(&ms, 7);
	CHECK(m && m->seqn == 4 && !m->quota_reported && m->period_end == 120,
	      "an Update URR with a quota keeps the measurement");
	if (!m)
		return;
	expect_report("the new quota, uplink only", u, m, PFCP_TRIG_VOLQU,
		      2560, 1500, 114, 60, 0, 4);

	/* counters lower than at the last report: a context added again */
	u->triggers = PFCP_TRIG_VOLTH;
	expect_report("a context added again counts from zero", u, m,
		      PFCP_TRIG_VOLTH, 1200, 0, 115, 1200, 0, 5);

	u->method = 0x01;	/* DURAT */
	CHECK(!sess_urr_due(u, m, 9999, 9999, 200) && !sess_urr_reports(u),
	      "no volume measurement: nothing reported");

	/* Remove URR: its measurement goes; created again: a new one */
	memset(&msg, 0, sizeof(msg));
	r.n_urr = 0;
	sess_meas_sync(&ms, &r, &msg, 300);
	CHECK(!ms.n, "a removed URR has no measurement");
	urr_volume(&r.urr[0], 7);
	r.n_urr = 1;
	msg.create_urr[0] = r.urr[0];
	msg.n_create_urr = 1;
	sess_meas_sync(&ms, &r, &msg, 301);
	m = sess_meas_find(&ms, 7);
	CHECK(m && !m->seqn && m->start == 301,
	      "a URR created again starts from UR-SEQN 0");
}

/*
 * A used-up Volume Quota stops the PDRs of its URR (TS 29.244
 * 5.2.2.2.1) until an Update URR gives a new one.  What the stopped
 * context counted after the report is carried into the next one, and
 * the context added again counts from zero.
 */
static void test_quota_stop(void)
{
	struct sess_ctx c[PFCP_MAX_RULES], kept[PFCP_MAX_RULES];
	struct sess_meas_set ms = {};
	struct pfcp_usage_report ur;
	struct sess_rules r = {};
	struct sess_meas *m;
	struct sess_fail f;
	uint64_t ul, dl;
	int n;

	measured_establishment();
	urr_volume(&msg.create_urr[0], 1);
	msg.create_urr[0].triggers = PFCP_TRIG_VOLQU;	/* 3000 octets */
	msg.n_create_urr = 1;
	CHECK(!apply(&r, &f), "a session with a Volume Quota");
	sess_meas_sync(&ms, &r, &msg, 100);
	m = sess_meas_find(&ms, 1);
	n = sess_contexts(&r, &ms, &conf, 0, c, &f);
	CHECK(m && n == 1, "quota left: the context forwards");
	if (!m || n != 1)
		return;
	c[0].c.uplink.bytes = 1000;
	c[0].c.downlink.bytes = 2500;
	sess_usage(&r, c, n, 1, &ul, &dl);
	expect_report("the quota is used up", &r.urr[0], m, PFCP_TRIG_VOLQU,
		      ul, dl, 101, 1000, 2500, 0);
	CHECK(sess_contexts(&r, &ms, &conf, 0, kept, &f) == 0,
	      "a used-up quota stops the context");
	CHECK(sess_kept(c, n, kept, 0, kept) == 0, "nothing is kept");

	/* 100 octets more before the agent deleted it */
	c[0].c.uplink.bytes = 1100;
	sess_meas_fold(&ms, &r, c, n);
	sess_meas_base(&ms, &r, kept, 0);

	memset(&msg, 0, sizeof(msg));
	msg.update_urr[0] = (struct pfcp_urr){
		.present = 1 | PFCP_URR_HAS_QUOTA, .urr_id = 1,
		.quota = { PFCP_VOL_TOTAL, 5000, 0, 0 } };
	msg.n_update_urr = 1;
	CHECK(!apply(&r, &f), "an Update URR with a new quota");
	sess_meas_sync(&ms, &r, &msg, 102);
	m = sess_meas_find(&ms, 1);
	n = sess_contexts(&r, &ms, &conf, 0, c, &f);
	CHECK(m && n == 1, "a new quota: the context forwards again");
	if (!m || n != 1)
		return;
	c[0].c.uplink.bytes = 300;	/* added again: from zero */
	sess_usage(&r, c, n, 1, &ul, &dl);
	CHECK(!sess_urr_due(&r.urr[0], m, ul, dl, 103),
	      "400 octets of the new 5000: nothing due");
	sess_urr_report(&r.urr[0], m, PFCP_TRIG_TERMR, ul, dl, 104, &ur);
	CHECK(ur.volume.ul == 400 && !ur.volume.dl && ur.seqn == 1,
	      "the deletion reports the 100 octets before the stop and the 300 after: %llu",
	      (unsigned long long)ur.volume.ul);

	/* a modified context (same decap element) keeps its counters */
	kept[0] = c[0];
	kept[0].c.peer_teid = 0x300;
	kept[0].c.uplink.bytes = 0;
	CHECK(sess_kept(c, n, kept, 1, kept) == 1 &&
	      kept[0].c.uplink.bytes == 300 && kept[0].c.peer_teid == 0x300,
	      "a modified context is kept, with its counters");
}

/* A path switch with SNDEM: an End Marker on the old tunnel, only then */
static void switch_path(struct sess_rules *r, struct sess_rules *old,
			const char *peer, uint32_t teid, uint8_t smreq)
{
	struct sess_fail f;

	modification();
	ohc(&msg.update_far[0], peer, teid);
	msg.update_far[0].fwd.smreq_flags = smreq;
	*old = *r;
	CHECK(!apply(r, &f), "FAR 2 to %s TEID 0x%x applies", peer, teid);
}

static void test_end_markers(void)
{
	struct pfcp_ohc em[PFCP_MAX_RULES];
	struct sess_rules r = {}, old;
	struct sess_fail f;
	int n;

	establishment();
	CHECK(!apply(&r, &f), "establishment, downlink BUFF");
	switch_path(&r, &old, "192.0.2.7", 0x200, PFCP_SMREQ_SNDEM);
	CHECK(!sess_end_markers(&old, &msg, &r, em),
	      "the first path: no old tunnel, no End Marker");
	switch_path(&r, &old, "192.0.2.8", 0x300, PFCP_SMREQ_SNDEM);
	n = sess_end_markers(&old, &msg, &r, em);
	CHECK(n == 1 && em[0].teid == 0x200 &&
	      em[0].desc & PFCP_OHC_GTPU_V4 &&
	      !memcmp(em[0].v4, "\xc0\x00\x02\x07", 4),
	      "a path switch with SNDEM: an End Marker to the old tunnel (%d)",
	      n);
	switch_path(&r, &old, "192.0.2.8", 0x300, PFCP_SMREQ_SNDEM);
	CHECK(!sess_end_markers(&old, &msg, &r, em),
	      "SNDEM with the same tunnel: no switch, no End Marker");
	switch_path(&r, &old, "192.0.2.9", 0x400, 0);
	CHECK(!sess_end_markers(&old, &msg, &r, em),
	      "a path switch without SNDEM: no End Marker");
}

/* The agent's Session Report Request, parsed back by the codec */
static bool all_used(void *data, uint32_t teid)
{
	(void)data;
	(void)teid;
	return true;
}

/* teid-range: the agent's TEIDs stay in it, around and around */
static void test_teid_range(void)
{
	struct teid_alloc saved = alloc;
	struct sess_rules r;
	struct sess_fail f;
	uint32_t want[] = { 0x500, 0x501, 0x500 };
	unsigned int i;

	conf.teid_first = 0x500;
	conf.teid_last = 0x501;
	alloc.next = 0x4ff;
	for (i = 0; i < 3; i++) {
		memset(&r, 0, sizeof(r));
		establishment();
		CHECK(!apply(&r, &f) && r.pdr[0].pdi.fteid.teid == want[i],
		      "teid-range 0x500 0x501: TEID %u is 0x%x", i,
		      r.pdr[0].pdi.fteid.teid);
	}
	alloc.used = all_used;
	memset(&r, 0, sizeof(r));
	establishment();
	expect_fail("every TEID of the range in use", &r, 0,
		    PFCP_CAUSE_NO_RESOURCES, PFCP_IE_F_TEID, SESS_RULE_PDR,
		    1);
	alloc = saved;
	conf.teid_first = 1;
	conf.teid_last = UINT32_MAX;
}

/* The same counts, and the same rules up to them */
static bool same_rules(const struct sess_rules *a, const struct sess_rules *b)
{
	return a->n_pdr == b->n_pdr && a->n_far == b->n_far &&
	       a->n_qer == b->n_qer && a->n_urr == b->n_urr &&
	       !memcmp(a->pdr, b->pdr, a->n_pdr * sizeof(*a->pdr)) &&
	       !memcmp(a->far, b->far, a->n_far * sizeof(*a->far)) &&
	       !memcmp(a->qer, b->qer, a->n_qer * sizeof(*a->qer)) &&
	       !memcmp(a->urr, b->urr, a->n_urr * sizeof(*a->urr));
}

static bool same_meas(const struct sess_meas_set *a,
		      const struct sess_meas_set *b)
{
	return a->n == b->n && !memcmp(a->m, b->m, a->n * sizeof(*a->m));
}

/* A session's state packed and unpacked is what it was, and small */
static void test_pack(void)
{
	struct sess_rules r = {}, *back = calloc(1, sizeof(*back));
	struct sess_meas_set ms = {}, *mback = calloc(1, sizeof(*mback));
	struct sess_packed *p;
	struct sess_fail f;
	size_t size;

	establishment();
	CHECK(!apply(&r, &f), "establishment applies");
	sess_meas_sync(&ms, &r, &msg, 100);
	size = sess_packed_size(&r, &ms);
	p = malloc(size);
	if (!p || !back || !mback) {
		CHECK(0, "out of memory");
		goto out;
	}
	sess_pack(p, &r, &ms);
	memset(back, 0xaa, sizeof(*back));
	memset(mback, 0xaa, sizeof(*mback));
	sess_unpack(p, back, mback);
	CHECK(same_rules(back, &r) && same_meas(mback, &ms),
	      "packed and unpacked: the same rules and measurements");
	memset(back, 0xaa, sizeof(*back));
	memset(mback, 0xaa, sizeof(*mback));
	sess_rules_copy(back, &r);
	sess_meas_copy(mback, &ms);
	CHECK(same_rules(back, &r) && same_meas(mback, &ms),
	      "copied: the same rules and measurements");
	CHECK(size < sizeof(r) / 8,
	      "open5gs' session packed: %zu octets, struct sess_rules %zu",
	      size, sizeof(r));
out:
	free(p);
	free(back);
	free(mback);
}

static void test_report_codec(void)
{
	const struct pfcp_usage_report ur = {
		.urr_id = 7, .seqn = 3, .trigger = PFCP_TRIG_VOLTH,
		.volume = { 0, 1100, 600, 500 },
		.start = 3900000000u, .end = 3900000002u,
	};
	const struct pfcp_usage_report *p = &msg.usage_report[0];
	struct pfcp_parsed res;
	struct pfcp_out o;
	uint8_t buf[512];
	int n;

	pfcp_out_start(&o, buf, sizeof(buf), PFCP_SESSION_REPORT_REQ, 42,
		       true, 0x1000);
	pfcp_put_u8(&o, PFCP_IE_REPORT_TYPE, PFCP_REPORT_USAR);
	pfcp_put_usage_report(&o, PFCP_IE_USAGE_REPORT_SRR, &ur);
	n = pfcp_out_finish(&o);
	CHECK(n > 0 && pfcp_parse(buf, n, &res, &msg) == PFCP_OK &&
	      res.hdr.seid == 0x1000 && res.hdr.seq == 42,
	      "a Session Report Request parses: %d octets", n);
	CHECK(msg.report_type == PFCP_REPORT_USAR && msg.n_usage_report == 1 &&
	      p->urr_id == 7 && p->seqn == 3 && p->trigger == PFCP_TRIG_VOLTH &&
	      p->present & PFCP_UR_HAS_VOLUME &&
	      p->volume.total == 1100 && p->volume.ul == 600 &&
	      p->volume.dl == 500 && p->start == ur.start &&
	      p->end == ur.end,
	      "USAR, URR %u, UR-SEQN %u, trigger %#x, volume %llu", p->urr_id,
	      p->seqn, p->trigger, (unsigned long long)p->volume.total);
}

int main(void)
{
	strcpy(conf.ni[0].name, "internet");
	strcpy(conf.ni[0].dev, "apn0");
	strcpy(conf.ni[1].name, "other");
	strcpy(conf.ni[1].dev, "apn1");
	conf.n_ni = 2;
	conf.has_gtpu4 = true;
	inet_pton(AF_INET, "192.0.2.1", conf.gtpu4);
	conf.teid_first = 1;
	conf.teid_last = UINT32_MAX;

	test_open5gs_session();
	test_refusals();
	test_ctx_fail();
	test_choose_id();
	test_chosen();
	test_ipv6();
	test_dual_stack();
	test_usage();
	test_triggers();
	test_quota_stop();
	test_end_markers();
	test_teid_range();
	test_pack();
	test_report_codec();
	return check_summary("session_test");
}
