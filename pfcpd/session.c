// SPDX-License-Identifier: GPL-2.0-only
/*
 * nf-gtpu-pfcpd: PFCP session rules into libnfgtpu contexts (session.h).
 *
 * A context is an uplink PDR (Source Interface Access, Local F-TEID, UE
 * IP Address) paired with the downlink PDR of the same UE address
 * (Source Interface Core) whose FAR forwards with an Outer Header
 * Creation.  libnfgtpu installs a context whole (decap and encap
 * element): while the downlink FAR buffers, drops or has no peer yet,
 * or a gate is closed, the UE address has no context.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "session.h"

static int fail(struct sess_fail *f, uint8_t cause, uint16_t ie,
		uint8_t rule_type, uint32_t rule_id)
{
	*f = (struct sess_fail){ cause, ie, rule_type, rule_id };
	return -1;
}

static int rule_fail(struct sess_fail *f, uint16_t ie, uint8_t rule_type,
		     uint32_t rule_id)
{
	return fail(f, PFCP_CAUSE_RULE_FAILURE, ie, rule_type, rule_id);
}

/* Lookups by rule ID: the rule or NULL */
#define FIND(name, type, arr, cnt, idf)					\
static type *name(const struct sess_rules *r, uint32_t id)		\
{									\
	unsigned int i;							\
									\
	for (i = 0; i < r->cnt; i++)					\
		if (r->arr[i].idf == id)				\
			return (type *)&r->arr[i];			\
	return NULL;							\
}
FIND(find_pdr, struct pfcp_pdr, pdr, n_pdr, pdr_id)
FIND(find_far, struct pfcp_far, far, n_far, far_id)
FIND(find_qer, struct pfcp_qer, qer, n_qer, qer_id)
FIND(find_urr, struct pfcp_urr, urr, n_urr, urr_id)

static const struct sess_meas *meas_of(const struct sess_meas_set *s,
				       uint32_t urr_id)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->m[i].urr_id == urr_id)
			return &s->m[i];
	return NULL;
}

/* TEID allocation (F-TEID CH) */

static bool teid_taken(const struct sess_rules *r, const struct pfcp_pdr *p,
		       const struct teid_alloc *a, uint32_t teid)
{
	unsigned int i;

	for (i = 0; i < r->n_pdr; i++)
		if (&r->pdr[i] != p &&
		    r->pdr[i].pdi.present & PFCP_PDI_HAS_FTEID &&
		    !(r->pdr[i].pdi.fteid.flags & PFCP_FTEID_CH) &&
		    r->pdr[i].pdi.fteid.teid == teid)
			return true;
	return a->used && a->used(a->data, teid);
}

/*
 * PDRs with the same CHOOSE ID in a message share the TEID chosen for
 * the first (TS 29.244 5.5.3); the addresses are the configured ones of the
 * families asked for.
 */
/* The next TEID to try, in the configured range, around and around */
static uint32_t next_teid(struct teid_alloc *a)
{
	uint32_t t = a->next;

	a->next = t < a->conf->teid_first || t >= a->conf->teid_last ?
		  a->conf->teid_first : t + 1;
	return t;
}

static int choose_fteid(struct sess_rules *r, struct pfcp_pdr *p,
			struct teid_alloc *a, uint16_t ie, struct sess_fail *f)
{
	struct pfcp_fteid *t = &p->pdi.fteid, *o;
	unsigned int i, tries;

	if ((t->flags & PFCP_FTEID_V4 && !a->conf->has_gtpu4) ||
	    (t->flags & PFCP_FTEID_V6 && !a->conf->has_gtpu6))
		return fail(f, PFCP_CAUSE_INVALID_FTEID_ALLOC, ie,
			    SESS_RULE_PDR, p->pdr_id);
	memcpy(t->v4, a->conf->gtpu4, 4);
	memcpy(t->v6, a->conf->gtpu6, 16);
	t->flags &= ~PFCP_FTEID_CH;
	for (i = 0; t->flags & PFCP_FTEID_CHID && i < r->n_pdr; i++) {
		o = &r->pdr[i].pdi.fteid;
		if (&r->pdr[i] != p && o->flags & PFCP_FTEID_CHID &&
		    !(o->flags & PFCP_FTEID_CH) &&
		    o->choose_id == t->choose_id) {
			t->teid = o->teid;
			return 0;
		}
	}
	for (tries = 0; tries < 1000; tries++) {
		t->teid = next_teid(a);
		if (t->teid >= a->conf->teid_first &&
		    t->teid <= a->conf->teid_last &&
		    !teid_taken(r, p, a, t->teid))
			return 0;
	}
	return fail(f, PFCP_CAUSE_NO_RESOURCES, ie, SESS_RULE_PDR, p->pdr_id);
}

/* Create and Update */

/* Create: a new rule ID, within the bounds */
#define CREATE(name, arr, cnt, idf, find, ie, type)			\
static int name(struct sess_rules *r, const struct pfcp_msg *m,	\
		struct sess_fail *f)					\
{									\
	unsigned int i;							\
	uint32_t id;							\
									\
	for (i = 0; i < m->n_create_##arr; i++) {			\
		id = m->create_##arr[i].idf;				\
		if (find(r, id))					\
			return rule_fail(f, ie, type, id);		\
		if (r->cnt == PFCP_MAX_RULES)				\
			return fail(f, PFCP_CAUSE_NO_RESOURCES, ie,	\
				    type, id);				\
		r->arr[r->cnt++] = m->create_##arr[i];			\
	}								\
	return 0;							\
}
CREATE(create_pdrs, pdr, n_pdr, pdr_id, find_pdr, PFCP_IE_CREATE_PDR,
       SESS_RULE_PDR)
CREATE(create_fars, far, n_far, far_id, find_far, PFCP_IE_CREATE_FAR,
       SESS_RULE_FAR)
CREATE(create_qers, qer, n_qer, qer_id, find_qer, PFCP_IE_CREATE_QER,
       SESS_RULE_QER)
CREATE(create_urrs, urr, n_urr, urr_id, find_urr, PFCP_IE_CREATE_URR,
       SESS_RULE_URR)

/*
 * An Update PDR replaces what it carries: the PDI as a whole, and the
 * lists of URR and QER IDs (TS 29.244 7.5.4.2: "the list of all the
 * URR IDs to be associated to the PDR").
 */
static void update_pdr(struct pfcp_pdr *p, const struct pfcp_pdr *u)
{
	if (u->present & PFCP_PDR_HAS_PRECEDENCE)
		p->precedence = u->precedence;
	if (u->present & PFCP_PDR_HAS_PDI)
		p->pdi = u->pdi;
	if (u->present & PFCP_PDR_HAS_OHR)
		p->ohr = u->ohr;
	if (u->present & PFCP_PDR_HAS_FAR_ID)
		p->far_id = u->far_id;
	if (u->n_urr_id) {
		p->n_urr_id = u->n_urr_id;
		memcpy(p->urr_id, u->urr_id, sizeof(p->urr_id));
	}
	if (u->n_qer_id) {
		p->n_qer_id = u->n_qer_id;
		memcpy(p->qer_id, u->qer_id, sizeof(p->qer_id));
	}
	p->present |= u->present;
}

/* Update Forwarding Parameters replace IE by IE */
static void update_far(struct pfcp_far *p, const struct pfcp_far *u)
{
	const struct pfcp_fwd *uf = &u->fwd;
	struct pfcp_fwd *pf = &p->fwd;

	if (u->present & PFCP_FAR_HAS_APPLY_ACTION)
		p->apply_action = u->apply_action;
	if (!(u->present & PFCP_FAR_HAS_FWD))
		return;
	if (uf->present & PFCP_FWD_HAS_DEST_INTERFACE)
		pf->dest_interface = uf->dest_interface;
	if (uf->present & PFCP_FWD_HAS_NI)
		pf->ni = uf->ni;
	if (uf->present & PFCP_FWD_HAS_OHC)
		pf->ohc = uf->ohc;
	pf->present |= uf->present & (PFCP_FWD_HAS_DEST_INTERFACE |
				      PFCP_FWD_HAS_NI | PFCP_FWD_HAS_OHC);
	p->present |= PFCP_FAR_HAS_FWD;
}

static void update_qer(struct pfcp_qer *p, const struct pfcp_qer *u)
{
	if (u->present & PFCP_QER_HAS_GATE)
		p->gate = u->gate;
	if (u->present & PFCP_QER_HAS_MBR)
		p->mbr = u->mbr;
	if (u->present & PFCP_QER_HAS_QFI)
		p->qfi = u->qfi;
	p->present |= u->present;
}

/* URRs are kept for the Usage Report: only the volumes are measured */
static void update_urr(struct pfcp_urr *p, const struct pfcp_urr *u)
{
	if (u->present & PFCP_URR_HAS_METHOD)
		p->method = u->method;
	if (u->present & PFCP_URR_HAS_TRIGGERS)
		p->triggers = u->triggers;
	if (u->present & PFCP_URR_HAS_PERIOD)
		p->period = u->period;
	if (u->present & PFCP_URR_HAS_THRESHOLD)
		p->threshold = u->threshold;
	if (u->present & PFCP_URR_HAS_QUOTA)
		p->quota = u->quota;
	p->present |= u->present;
}

/* Update: a rule the session has, changed by the function given */
#define UPDATE(name, arr, idf, find, fn, ie, type)			\
static int name(struct sess_rules *r, const struct pfcp_msg *m,	\
		struct sess_fail *f)					\
{									\
	__typeof__(&r->arr[0]) p;					\
	unsigned int i;							\
									\
	for (i = 0; i < m->n_update_##arr; i++) {			\
		p = find(r, m->update_##arr[i].idf);			\
		if (!p)							\
			return rule_fail(f, ie, type,			\
					 m->update_##arr[i].idf);	\
		fn(p, &m->update_##arr[i]);				\
	}								\
	return 0;							\
}
UPDATE(update_pdrs, pdr, pdr_id, find_pdr, update_pdr, PFCP_IE_UPDATE_PDR,
       SESS_RULE_PDR)
UPDATE(update_fars, far, far_id, find_far, update_far, PFCP_IE_UPDATE_FAR,
       SESS_RULE_FAR)
UPDATE(update_qers, qer, qer_id, find_qer, update_qer, PFCP_IE_UPDATE_QER,
       SESS_RULE_QER)
UPDATE(update_urrs, urr, urr_id, find_urr, update_urr, PFCP_IE_UPDATE_URR,
       SESS_RULE_URR)

/* Remove: the rule goes, the last one takes its place */
#define REMOVE(name, arr, cnt, find, ie, type)			\
static int name(struct sess_rules *r, const struct pfcp_msg *m,	\
		struct sess_fail *f)					\
{									\
	unsigned int i;							\
	void *p;							\
									\
	for (i = 0; i < m->n_remove_##arr; i++) {			\
		p = find(r, m->remove_##arr[i].id);			\
		if (!p)							\
			return rule_fail(f, ie, type,			\
					 m->remove_##arr[i].id);	\
		r->cnt--;						\
		memmove(p, &r->arr[r->cnt], sizeof(r->arr[0]));		\
	}								\
	return 0;							\
}
REMOVE(remove_pdrs, pdr, n_pdr, find_pdr, PFCP_IE_REMOVE_PDR,
       SESS_RULE_PDR)
REMOVE(remove_fars, far, n_far, find_far, PFCP_IE_REMOVE_FAR,
       SESS_RULE_FAR)
REMOVE(remove_qers, qer, n_qer, find_qer, PFCP_IE_REMOVE_QER,
       SESS_RULE_QER)
REMOVE(remove_urrs, urr, n_urr, find_urr, PFCP_IE_REMOVE_URR,
       SESS_RULE_URR)

/*
 * What no message may leave behind: a PDR naming a FAR or QER that is
 * not there, an F-TEID still to choose, a FAR that duplicates.
 */
static int check_rules(struct sess_rules *r, struct teid_alloc *a,
		       struct sess_fail *f)
{
	struct pfcp_pdr *p;
	unsigned int i, j;

	for (i = 0; i < r->n_far; i++)
		if (r->far[i].apply_action & PFCP_AA_DUPL)
			return fail(f, PFCP_CAUSE_SERVICE_NOT_SUPPORTED,
				    PFCP_IE_APPLY_ACTION, SESS_RULE_FAR,
				    r->far[i].far_id);
	for (i = 0; i < r->n_pdr; i++) {
		p = &r->pdr[i];
		if (p->present & PFCP_PDR_HAS_FAR_ID &&
		    !find_far(r, p->far_id))
			return rule_fail(f, PFCP_IE_FAR_ID, SESS_RULE_PDR,
					 p->pdr_id);
		for (j = 0; j < p->n_qer_id; j++)
			if (!find_qer(r, p->qer_id[j]))
				return rule_fail(f, PFCP_IE_QER_ID,
						 SESS_RULE_PDR, p->pdr_id);
		for (j = 0; j < p->n_urr_id; j++)
			if (!find_urr(r, p->urr_id[j]))
				return rule_fail(f, PFCP_IE_URR_ID,
						 SESS_RULE_PDR, p->pdr_id);
		if (p->pdi.present & PFCP_PDI_HAS_FTEID &&
		    p->pdi.fteid.flags & PFCP_FTEID_CH &&
		    choose_fteid(r, p, a, PFCP_IE_F_TEID, f))
			return -1;
	}
	return 0;
}

/*
 * A CHOOSE ID names a TEID within one message only (TS 29.244 8.2.3):
 * the PDRs of earlier messages are not to be matched.
 */
static void forget_choose_ids(struct sess_rules *r)
{
	unsigned int i;

	for (i = 0; i < r->n_pdr; i++)
		r->pdr[i].pdi.fteid.flags &= ~PFCP_FTEID_CHID;
}

int sess_apply(struct sess_rules *r, const struct pfcp_msg *m,
	       struct teid_alloc *a, struct sess_fail *f)
{
	forget_choose_ids(r);
	if (remove_pdrs(r, m, f) || remove_fars(r, m, f) ||
	    remove_qers(r, m, f) || remove_urrs(r, m, f) ||
	    create_fars(r, m, f) || create_qers(r, m, f) ||
	    create_urrs(r, m, f) || create_pdrs(r, m, f) ||
	    update_pdrs(r, m, f) || update_fars(r, m, f) ||
	    update_qers(r, m, f) || update_urrs(r, m, f))
		return -1;
	return check_rules(r, a, f);
}

/* Translation */

static bool ue_v4(const struct pfcp_pdr *p)
{
	return p->pdi.present & PFCP_PDI_HAS_UE_IP &&
	       p->pdi.ue_ip.flags & PFCP_UEIP_V4;
}

static bool ue_v6(const struct pfcp_pdr *p)
{
	return p->pdi.present & PFCP_PDI_HAS_UE_IP &&
	       p->pdi.ue_ip.flags & PFCP_UEIP_V6;
}

/* An address in common: a dual-stack UE's PDRs may name one family each */
static bool same_ue(const struct pfcp_pdr *a, const struct pfcp_pdr *b)
{
	return (ue_v4(a) && ue_v4(b) &&
		!memcmp(a->pdi.ue_ip.v4, b->pdi.ue_ip.v4, 4)) ||
	       (ue_v6(a) && ue_v6(b) &&
		!memcmp(a->pdi.ue_ip.v6, b->pdi.ue_ip.v6, 8));
}

static bool is_pdr(const struct pfcp_pdr *p, uint8_t source_interface)
{
	return p->pdi.present & PFCP_PDI_HAS_SOURCE_INTERFACE &&
	       p->pdi.source_interface == source_interface;
}

/* A closed gate in any QER of the PDR */
static bool gate_closed(const struct sess_rules *r, const struct pfcp_pdr *p)
{
	const struct pfcp_qer *q;
	unsigned int i;

	for (i = 0; i < p->n_qer_id; i++) {
		q = find_qer(r, p->qer_id[i]);
		if (q && q->gate & PFCP_GATE_CLOSED)
			return true;
	}
	return false;
}

/* The PDR's FAR, if it forwards and no gate is closed */
static const struct pfcp_far *forwarding(const struct sess_rules *r,
					 const struct pfcp_pdr *p)
{
	const struct pfcp_far *far;

	if (!(p->present & PFCP_PDR_HAS_FAR_ID) || gate_closed(r, p))
		return NULL;
	far = find_far(r, p->far_id);
	if (!far || !(far->apply_action & PFCP_AA_FORW) ||
	    far->apply_action & (PFCP_AA_DROP | PFCP_AA_BUFF))
		return NULL;
	return far;
}

/* The QFI to mark: a QER's, else the PDI's */
static bool find_qfi(const struct sess_rules *r, const struct pfcp_pdr *p,
		     uint8_t *qfi)
{
	const struct pfcp_qer *q;
	unsigned int i;

	for (i = 0; i < p->n_qer_id; i++) {
		q = find_qer(r, p->qer_id[i]);
		if (q && q->present & PFCP_QER_HAS_QFI) {
			*qfi = q->qfi;
			return true;
		}
	}
	*qfi = p->pdi.qfi;
	return p->pdi.present & PFCP_PDI_HAS_QFI;
}

/* The uplink half: TEID, APN device, MS address(es) */
static int uplink(const struct pfcp_pdr *p, const struct pfcpd_conf *conf,
		  struct nfgtpu_ctx *c, struct sess_fail *f)
{
	const char *dev = NULL;

	if (!ue_v4(p) && !ue_v6(p))
		return rule_fail(f, PFCP_IE_UE_IP_ADDRESS, SESS_RULE_PDR,
				 p->pdr_id);
	if (p->pdi.present & PFCP_PDI_HAS_NI)
		dev = conf_ni_dev(conf, &p->pdi.ni);
	else if (conf->n_ni == 1)
		dev = conf->ni[0].dev;
	if (!dev)
		return rule_fail(f, PFCP_IE_NETWORK_INSTANCE, SESS_RULE_PDR,
				 p->pdr_id);
	c->teid = p->pdi.fteid.teid;
	/* c is zeroed; a configured device name is shorter than IFNAMSIZ */
	memcpy(c->apn, dev, strnlen(dev, sizeof(c->apn) - 1));
	if (ue_v4(p)) {
		c->flags |= NFGTPU_CTX_MS4;
		memcpy(&c->ms4, p->pdi.ue_ip.v4, 4);
	}
	if (ue_v6(p)) {
		c->flags |= NFGTPU_CTX_MS6;
		memcpy(&c->ms6, p->pdi.ue_ip.v6, 8);	/* the /64 */
	}
	return 0;
}

/*
 * The smallest MBR of the PDR's QERs in one direction, kbit/s; 0: none,
 * or above what the gateway enforces (100 Gbit/s)
 */
static uint64_t pdr_mbr(const struct sess_rules *r, const struct pfcp_pdr *p,
			bool up)
{
	const struct pfcp_qer *q;
	uint64_t mbr = 0, v;
	unsigned int i;

	for (i = 0; p && i < p->n_qer_id; i++) {
		q = find_qer(r, p->qer_id[i]);
		if (!q || !(q->present & PFCP_QER_HAS_MBR))
			continue;
		v = up ? q->mbr.ul : q->mbr.dl;
		if (v && v <= SESS_MBR_MAX_KBPS && (!mbr || v < mbr))
			mbr = v;
	}
	return mbr;
}

/* The MBRs of the uplink PDR's QERs and the downlink PDR's */
static void mbr(const struct sess_rules *r, const struct pfcp_pdr *ul,
		const struct pfcp_pdr *dl, struct nfgtpu_ctx *c)
{
	c->mbr_up_kbps = pdr_mbr(r, ul, true);
	c->mbr_down_kbps = pdr_mbr(r, dl, false);
	if (c->mbr_up_kbps || c->mbr_down_kbps)
		c->flags |= NFGTPU_CTX_MBR;
}

/* The downlink half: peer, peer TEID and QFI from the downlink PDR */
static int downlink(const struct sess_rules *r, const struct pfcp_pdr *dl,
		    const struct pfcp_far *far, bool qfi,
		    struct nfgtpu_ctx *c, struct sess_fail *f)
{
	const struct pfcp_ohc *ohc = &far->fwd.ohc;

	if (ohc->desc & PFCP_OHC_GTPU_V4) {
		c->peer_family = AF_INET;
		memcpy(&c->peer.v4, ohc->v4, 4);
	} else if (ohc->desc & PFCP_OHC_GTPU_V6) {
		c->peer_family = AF_INET6;
		memcpy(&c->peer.v6, ohc->v6, 16);
	} else {
		return rule_fail(f, PFCP_IE_OUTER_HEADER_CREATION,
				 SESS_RULE_FAR, far->far_id);
	}
	c->peer_teid = ohc->teid;
	if (!qfi)
		return 0;
	if (!find_qfi(r, dl, &c->qfi))
		return rule_fail(f, PFCP_IE_QFI, SESS_RULE_PDR, dl->pdr_id);
	c->flags |= NFGTPU_CTX_QFI;
	return 0;
}

/* The PDR's FAR, if it buffers (BUFF, no DROP) and no gate is closed */
static const struct pfcp_far *buffering(const struct sess_rules *r,
					const struct pfcp_pdr *p)
{
	const struct pfcp_far *far;

	if (!(p->present & PFCP_PDR_HAS_FAR_ID) || gate_closed(r, p))
		return NULL;
	far = find_far(r, p->far_id);
	if (!far || !(far->apply_action & PFCP_AA_BUFF) ||
	    far->apply_action & PFCP_AA_DROP)
		return NULL;
	return far;
}

/*
 * The downlink PDR of the uplink PDR's UE address that forwards with an
 * Outer Header Creation (or, buffer: that buffers), if any, and its FAR
 */
static const struct pfcp_pdr *downlink_pdr(const struct sess_rules *r,
					   const struct pfcp_pdr *ul,
					   bool buffer,
					   const struct pfcp_far **far)
{
	const struct pfcp_pdr *p;
	unsigned int i;

	for (i = 0; i < r->n_pdr; i++) {
		p = &r->pdr[i];
		if (!is_pdr(p, PFCP_IF_CORE) || !same_ue(ul, p))
			continue;
		*far = buffer ? buffering(r, p) : forwarding(r, p);
		if (*far && (buffer || ((*far)->present & PFCP_FAR_HAS_FWD &&
					(*far)->fwd.present & PFCP_FWD_HAS_OHC)))
			return p;
	}
	return NULL;
}

/* Uplink PDRs sharing a TEID and UE address (one per QoS flow) */
static bool seen(const struct sess_ctx *out, int n, const struct sess_ctx *c)
{
	int i;

	for (i = 0; i < n; i++)
		if (out[i].c.teid == c->c.teid &&
		    !memcmp(&out[i].c.ms4, &c->c.ms4, sizeof(c->c.ms4)) &&
		    !memcmp(&out[i].c.ms6, &c->c.ms6, sizeof(c->c.ms6)))
			return true;
	return false;
}

/*
 * Has a URR the PDR names used up its Volume Quota?  Then the PDR stops
 * forwarding (TS 29.244 5.2.2.2.1) until the SMF gives a new quota.
 */
static bool quota_used_up(const struct sess_rules *r,
			  const struct sess_meas_set *ms,
			  const struct pfcp_pdr *p)
{
	const struct pfcp_urr *u;
	const struct sess_meas *m;
	unsigned int i;

	for (i = 0; ms && i < p->n_urr_id; i++) {
		u = find_urr(r, p->urr_id[i]);
		m = meas_of(ms, p->urr_id[i]);
		if (u && m && m->quota_reported &&
		    u->triggers & PFCP_TRIG_VOLQU &&
		    u->present & PFCP_URR_HAS_QUOTA)
			return true;
	}
	return false;
}

int sess_contexts(const struct sess_rules *r, const struct sess_meas_set *ms,
		  const struct pfcpd_conf *conf, unsigned int gw_flags,
		  struct sess_ctx *out, struct sess_fail *f)
{
	const struct pfcp_pdr *ul, *dl;
	const struct pfcp_far *far;
	struct sess_ctx *o;
	unsigned int i;
	int n = 0;

	for (i = 0; i < r->n_pdr; i++) {
		ul = &r->pdr[i];
		if (!is_pdr(ul, PFCP_IF_ACCESS) ||
		    !(ul->pdi.present & PFCP_PDI_HAS_FTEID))
			continue;
		o = &out[n];
		memset(o, 0, sizeof(*o));
		o->pdr_id = ul->pdr_id;
		if (uplink(ul, conf, &o->c, f))
			return -1;
		if (!forwarding(r, ul) || quota_used_up(r, ms, ul))
			continue;
		dl = downlink_pdr(r, ul, false, &far);
		if (dl && !quota_used_up(r, ms, dl)) {
			if (downlink(r, dl, far, gw_flags & NFGTPU_GW_QFI,
				     &o->c, f))
				return -1;
			o->dl_pdr_id = dl->pdr_id;
		} else if (gw_flags & NFGTPU_GW_BUFFER &&
			   (dl = downlink_pdr(r, ul, true, &far)) &&
			   !quota_used_up(r, ms, dl)) {
			o->c.flags |= NFGTPU_CTX_BUFFER;
			o->dl_pdr_id = dl->pdr_id;
			o->notify = far->apply_action & PFCP_AA_NOCP;
		} else {
			/* DROP, a closed gate, no peer yet: uplink only */
			o->c.flags |= NFGTPU_CTX_NO_DOWNLINK;
			dl = NULL;
		}
		if (gw_flags & NFGTPU_GW_MBR)
			mbr(r, ul, dl, &o->c);
		/* usage reports read the counters of the PDRs' contexts */
		if (ul->n_urr_id || (dl && dl->n_urr_id))
			o->c.flags |= NFGTPU_CTX_COUNTER;
		if (!seen(out, n, o))
			n++;
	}
	return n;
}

/* The PDRs of v[n] that asked for an F-TEID, as r has them, into out */
static int chosen(const struct sess_rules *r, const struct pfcp_pdr *v,
		  unsigned int n, uint16_t ie, struct sess_chosen *out)
{
	const struct pfcp_pdr *p;
	unsigned int i;
	int k = 0;

	for (i = 0; i < n; i++) {
		if (!(v[i].pdi.present & PFCP_PDI_HAS_FTEID) ||
		    !(v[i].pdi.fteid.flags & PFCP_FTEID_CH))
			continue;
		p = find_pdr(r, v[i].pdr_id);
		if (p)
			out[k++] = (struct sess_chosen){ ie, p->pdr_id,
							 p->pdi.fteid };
	}
	return k;
}

int sess_chosen(const struct sess_rules *r, const struct pfcp_msg *m,
		struct sess_chosen *out)
{
	int n = chosen(r, m->create_pdr, m->n_create_pdr, PFCP_IE_CREATED_PDR,
		       out);

	return n + chosen(r, m->update_pdr, m->n_update_pdr,
			  PFCP_IE_UPDATED_PDR, out + n);
}

/* Is id among the n rules of v (elements of size, the rule ID at off)? */
static bool has_id(const void *v, unsigned int n, size_t size, size_t off,
		   uint32_t id)
{
	const uint8_t *p = v;
	unsigned int i;

	for (i = 0; i < n; i++, p += size)
		if (*(const uint32_t *)(p + off) == id)
			return true;
	return false;
}

#define MSG_HAS(m, arr, idf, id)					\
	has_id((m)->arr, (m)->n_##arr, sizeof((m)->arr[0]),		\
	       offsetof(__typeof__((m)->arr[0]), idf), id)

/* The Create, Update or Remove IE of m that carries a rule, 0: none */
static uint16_t rule_ie(const struct pfcp_msg *m, uint8_t type, uint32_t id)
{
	switch (type) {
	case SESS_RULE_PDR:
		return MSG_HAS(m, create_pdr, pdr_id, id) ? PFCP_IE_CREATE_PDR :
		       MSG_HAS(m, update_pdr, pdr_id, id) ? PFCP_IE_UPDATE_PDR :
		       MSG_HAS(m, remove_pdr, id, id) ? PFCP_IE_REMOVE_PDR : 0;
	case SESS_RULE_FAR:
		return MSG_HAS(m, create_far, far_id, id) ? PFCP_IE_CREATE_FAR :
		       MSG_HAS(m, update_far, far_id, id) ? PFCP_IE_UPDATE_FAR :
		       MSG_HAS(m, remove_far, id, id) ? PFCP_IE_REMOVE_FAR : 0;
	default:
		return MSG_HAS(m, create_qer, qer_id, id) ? PFCP_IE_CREATE_QER :
		       MSG_HAS(m, update_qer, qer_id, id) ? PFCP_IE_UPDATE_QER :
		       MSG_HAS(m, remove_qer, id, id) ? PFCP_IE_REMOVE_QER : 0;
	}
}

/* The rule of type and id is to blame if m carries it */
static bool blame(const struct pfcp_msg *m, uint8_t type, uint32_t id,
		  struct sess_fail *f)
{
	uint16_t ie = rule_ie(m, type, id);

	if (ie)
		rule_fail(f, ie, type, id);
	return ie;
}

void sess_ctx_fail(const struct sess_rules *r, const struct pfcp_msg *m,
		   const struct sess_ctx *c, struct sess_fail *f)
{
	const struct pfcp_pdr *p[] = { find_pdr(r, c->pdr_id),
				       find_pdr(r, c->dl_pdr_id) };
	unsigned int i, j;

	for (i = 0; i < 2; i++)
		if (p[i] && blame(m, SESS_RULE_PDR, p[i]->pdr_id, f))
			return;
	for (i = 0; i < 2; i++)
		if (p[i] && p[i]->present & PFCP_PDR_HAS_FAR_ID &&
		    blame(m, SESS_RULE_FAR, p[i]->far_id, f))
			return;
	for (i = 0; i < 2; i++)
		for (j = 0; p[i] && j < p[i]->n_qer_id; j++)
			if (blame(m, SESS_RULE_QER, p[i]->qer_id[j], f))
				return;
	fail(f, PFCP_CAUSE_SYSTEM_FAILURE, 0, SESS_RULE_NONE, 0);
}

static bool names_urr(const struct pfcp_pdr *p, uint32_t urr_id)
{
	unsigned int i;

	for (i = 0; p && i < p->n_urr_id; i++)
		if (p->urr_id[i] == urr_id)
			return true;
	return false;
}

void sess_usage(const struct sess_rules *r, const struct sess_ctx *c, int n,
		uint32_t urr_id, uint64_t *ul, uint64_t *dl)
{
	int i;

	*ul = 0;
	*dl = 0;
	for (i = 0; i < n; i++) {
		if (names_urr(find_pdr(r, c[i].pdr_id), urr_id))
			*ul += c[i].c.uplink.bytes;
		if (names_urr(find_pdr(r, c[i].dl_pdr_id), urr_id))
			*dl += c[i].c.downlink.bytes;
	}
}

/* Usage reporting */

/*
 * Octets counted since base.  The agent rebases when it changes the
 * contexts (sess_meas_fold(), sess_meas_base()); counters below the
 * base are contexts someone else deleted and added again: from zero.
 */
static uint64_t since(uint64_t now, uint64_t base)
{
	return now >= base ? now - base : now;
}

struct sess_meas *sess_meas_find(struct sess_meas_set *s, uint32_t urr_id)
{
	return (struct sess_meas *)meas_of(s, urr_id);
}

/* Does the message carry URR id among v[n] with IE bit "has"? */
static bool msg_urr_has(const struct pfcp_urr *v, unsigned int n,
			uint32_t id, uint32_t has)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (v[i].urr_id == id && v[i].present & has)
			return true;
	return false;
}

void sess_meas_sync(struct sess_meas_set *s, const struct sess_rules *r,
		    const struct pfcp_msg *m, time_t now)
{
	struct sess_meas_set old;
	const struct pfcp_urr *u;
	struct sess_meas *o, *n;
	unsigned int i;

	sess_meas_copy(&old, s);
	s->n = 0;
	for (i = 0; i < r->n_urr; i++) {
		u = &r->urr[i];
		n = &s->m[s->n++];
		o = sess_meas_find(&old, u->urr_id);
		/* a URR removed and created again in one message is new */
		if (!o || msg_urr_has(m->create_urr, m->n_create_urr,
				      u->urr_id, 1)) {
			*n = (struct sess_meas){ .urr_id = u->urr_id,
						 .start = now };
			o = NULL;
		} else {
			*n = *o;
		}
		if (o && msg_urr_has(m->update_urr, m->n_update_urr,
				     u->urr_id, PFCP_URR_HAS_QUOTA)) {
			n->quota_ul = 0;
			n->quota_dl = 0;
			n->quota_reported = false;
		}
		if (!o || msg_urr_has(m->update_urr, m->n_update_urr,
				      u->urr_id, PFCP_URR_HAS_PERIOD))
			n->period_end = u->present & PFCP_URR_HAS_PERIOD &&
					u->period ? now + u->period : 0;
	}
}

bool sess_urr_reports(const struct pfcp_urr *u)
{
	return u->method & PFCP_METHOD_VOLUM &&
	       u->triggers & (PFCP_TRIG_PERIO | PFCP_TRIG_VOLTH |
			      PFCP_TRIG_VOLQU);
}

/* A Volume Threshold or Quota is reached when any of its fields is */
static bool reached(const struct pfcp_volume *v, uint64_t ul, uint64_t dl)
{
	return (v->flags & PFCP_VOL_TOTAL && ul + dl >= v->total) ||
	       (v->flags & PFCP_VOL_UL && ul >= v->ul) ||
	       (v->flags & PFCP_VOL_DL && dl >= v->dl);
}

uint32_t sess_urr_due(const struct pfcp_urr *u, const struct sess_meas *m,
		      uint64_t ul, uint64_t dl, time_t now)
{
	uint64_t vul = since(ul, m->ul) + m->carry_ul;
	uint64_t vdl = since(dl, m->dl) + m->carry_dl;
	uint32_t t = 0;

	if (!sess_urr_reports(u))
		return 0;
	if (u->triggers & PFCP_TRIG_PERIO && m->period_end &&
	    now >= m->period_end)
		t |= PFCP_TRIG_PERIO;
	/* a threshold of 0 would report every tick: it needs some octets */
	if (u->triggers & PFCP_TRIG_VOLTH &&
	    u->present & PFCP_URR_HAS_THRESHOLD && (vul || vdl) &&
	    reached(&u->threshold, vul, vdl))
		t |= PFCP_TRIG_VOLTH;
	if (u->triggers & PFCP_TRIG_VOLQU && u->present & PFCP_URR_HAS_QUOTA &&
	    !m->quota_reported &&
	    reached(&u->quota, m->quota_ul + vul, m->quota_dl + vdl))
		t |= PFCP_TRIG_VOLQU;
	return t;
}

void sess_urr_report(const struct pfcp_urr *u, struct sess_meas *m,
		     uint32_t trig, uint64_t ul, uint64_t dl, time_t now,
		     struct pfcp_usage_report *out)
{
	uint64_t vul = since(ul, m->ul) + m->carry_ul;
	uint64_t vdl = since(dl, m->dl) + m->carry_dl;

	*out = (struct pfcp_usage_report){
		.urr_id = u->urr_id, .seqn = m->seqn++, .trigger = trig,
		.volume = { PFCP_VOL_TOTAL | PFCP_VOL_UL | PFCP_VOL_DL,
			    vul + vdl, vul, vdl },
		.start = (uint32_t)(m->start + PFCP_NTP_OFFSET),
		.end = (uint32_t)(now + PFCP_NTP_OFFSET),
	};
	m->ul = ul;
	m->dl = dl;
	m->carry_ul = 0;
	m->carry_dl = 0;
	m->quota_ul += vul;
	m->quota_dl += vdl;
	m->start = now;
	if (trig & PFCP_TRIG_VOLQU)
		m->quota_reported = true;
	/* periods follow each other, whatever else was reported */
	if (trig & PFCP_TRIG_PERIO) {
		m->period_end += u->period;
		if (m->period_end <= now)
			m->period_end = now + u->period;
	}
}

void sess_meas_fold(struct sess_meas_set *s, const struct sess_rules *r,
		    const struct sess_ctx *c, int n)
{
	uint64_t ul, dl;
	unsigned int i;

	for (i = 0; i < s->n; i++) {
		sess_usage(r, c, n, s->m[i].urr_id, &ul, &dl);
		s->m[i].carry_ul += since(ul, s->m[i].ul);
		s->m[i].carry_dl += since(dl, s->m[i].dl);
		s->m[i].ul = ul;
		s->m[i].dl = dl;
	}
}

void sess_meas_base(struct sess_meas_set *s, const struct sess_rules *r,
		    const struct sess_ctx *c, int n)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		sess_usage(r, c, n, s->m[i].urr_id, &s->m[i].ul, &s->m[i].dl);
}

bool sess_same_uplink(const struct nfgtpu_ctx *a, const struct nfgtpu_ctx *b)
{
	return a->teid == b->teid && !strcmp(a->apn, b->apn) &&
	       (a->flags & (NFGTPU_CTX_MS4 | NFGTPU_CTX_MS6)) ==
	       (b->flags & (NFGTPU_CTX_MS4 | NFGTPU_CTX_MS6)) &&
	       !memcmp(&a->ms4, &b->ms4, sizeof(a->ms4)) &&
	       !memcmp(&a->ms6, &b->ms6, sizeof(a->ms6));
}

const struct sess_ctx *sess_ctx_by_teid(const struct sess_ctx *v, int n,
					uint32_t teid)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i].c.teid == teid)
			return &v[i];
	return NULL;
}

int sess_kept(const struct sess_ctx *from, int n_from,
	      const struct sess_ctx *to, int n_to, struct sess_ctx *out)
{
	const struct sess_ctx *o;
	int i, n = 0;

	for (i = 0; i < n_to; i++) {
		o = sess_ctx_by_teid(from, n_from, to[i].c.teid);
		if (!o || !sess_same_uplink(&o->c, &to[i].c))
			continue;
		out[n] = to[i];
		out[n].c.uplink = o->c.uplink;
		out[n].c.downlink = o->c.downlink;
		n++;
	}
	return n;
}

static bool gtpu_ohc(const struct pfcp_far *far)
{
	return far && far->present & PFCP_FAR_HAS_FWD &&
	       far->fwd.present & PFCP_FWD_HAS_OHC &&
	       far->fwd.ohc.desc & (PFCP_OHC_GTPU_V4 | PFCP_OHC_GTPU_V6);
}

/* The same GTP-U tunnel: family, address and TEID */
static bool same_tunnel(const struct pfcp_ohc *a, const struct pfcp_ohc *b)
{
	uint16_t fam = PFCP_OHC_GTPU_V4 | PFCP_OHC_GTPU_V6;

	if ((a->desc & fam) != (b->desc & fam) || a->teid != b->teid)
		return false;
	return a->desc & PFCP_OHC_GTPU_V4 ? !memcmp(a->v4, b->v4, 4) :
					    !memcmp(a->v6, b->v6, 16);
}

int sess_end_markers(const struct sess_rules *from, const struct pfcp_msg *m,
		     const struct sess_rules *to, struct pfcp_ohc *out)
{
	const struct pfcp_far *u, *o, *t;
	unsigned int i;
	int n = 0;

	for (i = 0; i < m->n_update_far; i++) {
		u = &m->update_far[i];
		if (!(u->present & PFCP_FAR_HAS_FWD) ||
		    !(u->fwd.smreq_flags & PFCP_SMREQ_SNDEM))
			continue;
		o = find_far(from, u->far_id);
		t = find_far(to, u->far_id);
		if (!gtpu_ohc(o) ||
		    (gtpu_ohc(t) && same_tunnel(&o->fwd.ohc, &t->fwd.ohc)))
			continue;
		out[n++] = o->fwd.ohc;
	}
	return n;
}

/* Packing */

struct sess_packed {
	uint8_t n_pdr, n_far, n_qer, n_urr, n_meas;
	/* then the arrays, in that order, each 8-aligned */
	uint64_t data[];
};

#define PACK_ALIGN(n)	(((n) + 7) & ~(size_t)7)

/* Where each array goes, and the end */
struct pack_layout {
	size_t pdr, far, qer, urr, meas, end;
};

void sess_rules_copy(struct sess_rules *to, const struct sess_rules *from)
{
	to->n_pdr = from->n_pdr;
	to->n_far = from->n_far;
	to->n_qer = from->n_qer;
	to->n_urr = from->n_urr;
	memcpy(to->pdr, from->pdr, from->n_pdr * sizeof(*from->pdr));
	memcpy(to->far, from->far, from->n_far * sizeof(*from->far));
	memcpy(to->qer, from->qer, from->n_qer * sizeof(*from->qer));
	memcpy(to->urr, from->urr, from->n_urr * sizeof(*from->urr));
}

void sess_meas_copy(struct sess_meas_set *to, const struct sess_meas_set *from)
{
	to->n = from->n;
	memcpy(to->m, from->m, from->n * sizeof(*from->m));
}

static void pack_layout(unsigned int n_pdr, unsigned int n_far,
			unsigned int n_qer, unsigned int n_urr,
			unsigned int n_meas, struct pack_layout *l)
{
	l->pdr = 0;
	l->far = l->pdr + PACK_ALIGN(n_pdr * sizeof(struct pfcp_pdr));
	l->qer = l->far + PACK_ALIGN(n_far * sizeof(struct pfcp_far));
	l->urr = l->qer + PACK_ALIGN(n_qer * sizeof(struct pfcp_qer));
	l->meas = l->urr + PACK_ALIGN(n_urr * sizeof(struct pfcp_urr));
	l->end = l->meas + PACK_ALIGN(n_meas * sizeof(struct sess_meas));
}

size_t sess_packed_size(const struct sess_rules *r,
			const struct sess_meas_set *ms)
{
	struct pack_layout l;

	pack_layout(r->n_pdr, r->n_far, r->n_qer, r->n_urr, ms->n, &l);
	return sizeof(struct sess_packed) + l.end;
}

void sess_pack(struct sess_packed *p, const struct sess_rules *r,
	       const struct sess_meas_set *ms)
{
	uint8_t *d = (uint8_t *)p->data;
	struct pack_layout l;

	pack_layout(r->n_pdr, r->n_far, r->n_qer, r->n_urr, ms->n, &l);
	p->n_pdr = r->n_pdr;
	p->n_far = r->n_far;
	p->n_qer = r->n_qer;
	p->n_urr = r->n_urr;
	p->n_meas = ms->n;
	memcpy(d + l.pdr, r->pdr, r->n_pdr * sizeof(*r->pdr));
	memcpy(d + l.far, r->far, r->n_far * sizeof(*r->far));
	memcpy(d + l.qer, r->qer, r->n_qer * sizeof(*r->qer));
	memcpy(d + l.urr, r->urr, r->n_urr * sizeof(*r->urr));
	memcpy(d + l.meas, ms->m, ms->n * sizeof(*ms->m));
}

bool sess_packed_check(const struct sess_packed *p, size_t size)
{
	const uint8_t *d = (const uint8_t *)p->data;
	struct pack_layout l;
	struct pfcp_pdr pdr;
	struct pfcp_far far;
	unsigned int i;

	if (size < sizeof(*p) || p->n_pdr > PFCP_MAX_RULES ||
	    p->n_far > PFCP_MAX_RULES || p->n_qer > PFCP_MAX_RULES ||
	    p->n_urr > PFCP_MAX_RULES || p->n_meas > PFCP_MAX_RULES)
		return false;
	pack_layout(p->n_pdr, p->n_far, p->n_qer, p->n_urr, p->n_meas, &l);
	if (size != sizeof(*p) + l.end)
		return false;
	for (i = 0; i < p->n_pdr; i++) {
		memcpy(&pdr, d + l.pdr + i * sizeof(pdr), sizeof(pdr));
		if (pdr.n_urr_id > PFCP_MAX_URR_IDS ||
		    pdr.n_qer_id > PFCP_MAX_QER_IDS ||
		    pdr.pdi.ni.len > PFCP_NI_MAX)
			return false;
	}
	for (i = 0; i < p->n_far; i++) {
		memcpy(&far, d + l.far + i * sizeof(far), sizeof(far));
		if (far.fwd.ni.len > PFCP_NI_MAX)
			return false;
	}
	return true;
}

/* FNV-1a of what the layout depends on */
uint32_t sess_packed_layout(void)
{
	const uint32_t v[] = {
		PFCP_MAX_RULES, PFCP_MAX_URR_IDS, PFCP_MAX_QER_IDS,
		PFCP_NI_MAX, sizeof(struct sess_packed),
		sizeof(struct pfcp_pdr), sizeof(struct pfcp_far),
		sizeof(struct pfcp_qer), sizeof(struct pfcp_urr),
		sizeof(struct sess_meas),
	};
	const uint8_t *b = (const uint8_t *)v;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(v); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

void sess_unpack(const struct sess_packed *p, struct sess_rules *r,
		 struct sess_meas_set *ms)
{
	const uint8_t *d = (const uint8_t *)p->data;
	struct pack_layout l;

	pack_layout(p->n_pdr, p->n_far, p->n_qer, p->n_urr, p->n_meas, &l);
	r->n_pdr = p->n_pdr;
	r->n_far = p->n_far;
	r->n_qer = p->n_qer;
	r->n_urr = p->n_urr;
	ms->n = p->n_meas;
	memcpy(r->pdr, d + l.pdr, r->n_pdr * sizeof(*r->pdr));
	memcpy(r->far, d + l.far, r->n_far * sizeof(*r->far));
	memcpy(r->qer, d + l.qer, r->n_qer * sizeof(*r->qer));
	memcpy(r->urr, d + l.urr, r->n_urr * sizeof(*r->urr));
	memcpy(ms->m, d + l.meas, ms->n * sizeof(*ms->m));
}
