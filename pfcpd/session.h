/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nf-gtpu-pfcpd: the rules of a PFCP session and the libnfgtpu contexts
 * they make.  sess_apply() and sess_contexts() are pure: no kernel, no
 * I/O, no global state; the daemon diffs the contexts of a session
 * before and after a message into one libnfgtpu batch.
 */
#ifndef SESSION_H
#define SESSION_H

#include <time.h>

#include <libnfgtpu/libnfgtpu.h>

#include "pfcpd.h"

/* The rules in force: Create, Update and Remove applied in turn */
/* The rules of a session: the arrays only up to their counts */
struct sess_rules {
	uint8_t n_pdr, n_far, n_qer, n_urr;
	struct pfcp_pdr pdr[PFCP_MAX_RULES];
	struct pfcp_far far[PFCP_MAX_RULES];
	struct pfcp_qer qer[PFCP_MAX_RULES];
	struct pfcp_urr urr[PFCP_MAX_RULES];
};

/* Rule ID Type of the Failed Rule ID IE (TS 29.244 8.2.80) */
enum {
	SESS_RULE_PDR, SESS_RULE_FAR, SESS_RULE_QER, SESS_RULE_URR,
	SESS_RULE_NONE = 0xff
};

/* Why a message is refused: cause, Offending IE, Failed Rule ID */
struct sess_fail {
	uint8_t cause;
	uint16_t offending_ie;	/* 0: none */
	uint8_t rule_type;	/* SESS_RULE_* */
	uint32_t rule_id;
};

/* TEIDs the agent chooses (F-TEID with CH), and addresses it gives */
struct teid_alloc {
	const struct pfcpd_conf *conf;
	uint32_t next;
	/* is this TEID taken by another session? */
	bool (*used)(void *data, uint32_t teid);
	void *data;
};

/*
 * A context and the uplink and downlink PDRs it comes from; a buffering
 * one (NFGTPU_CTX_BUFFER) notifies the CP function of its first packet
 * when its FAR says NOCP.
 */
struct sess_ctx {
	struct nfgtpu_ctx c;
	uint32_t pdr_id, dl_pdr_id;
	bool notify;
};

/*
 * Apply the Create, Update and Remove IEs of a Session Establishment or
 * Modification Request to *r.  0, or -1 with *f set; *r is then
 * half-changed: apply to a copy.
 */
int sess_apply(struct sess_rules *r, const struct pfcp_msg *m,
	       struct teid_alloc *a, struct sess_fail *f);

struct sess_meas_set;

/*
 * The contexts the rules make, at most PFCP_MAX_RULES (one per uplink
 * PDR that forwards): how many, or -1 with *f set.  A downlink that
 * does not forward makes a context without a downlink, or a buffering
 * one (BUFF) if gw_flags has NFGTPU_GW_BUFFER; NFGTPU_GW_QFI: the
 * gateway's downlink carries a QFI; NFGTPU_GW_MBR: it enforces the QERs'
 * MBRs up to SESS_MBR_MAX_KBPS.  ms: the URRs' measurements, whose
 * used-up Volume Quotas stop their PDRs (NULL: none is).
 */
#define SESS_MBR_MAX_KBPS	100000000	/* libnfgtpu's: 100 Gbit/s */

int sess_contexts(const struct sess_rules *r, const struct sess_meas_set *ms,
		  const struct pfcpd_conf *conf, unsigned int gw_flags,
		  struct sess_ctx *out, struct sess_fail *f);

/* Same decap element: TEID, APN device, MS address */
bool sess_same_uplink(const struct nfgtpu_ctx *a, const struct nfgtpu_ctx *b);

/* The context of that TEID among v[n], or NULL */
const struct sess_ctx *sess_ctx_by_teid(const struct sess_ctx *v, int n,
					uint32_t teid);

/*
 * The contexts of to[n_to] the kernel keeps from from[n_from] (same
 * decap element: untouched or modified, so counting on), with the
 * counters read from them, into out: how many.
 */
int sess_kept(const struct sess_ctx *from, int n_from,
	      const struct sess_ctx *to, int n_to, struct sess_ctx *out);

/*
 * An F-TEID the agent chose for a PDR of a message: reported in a
 * Created PDR for a Create PDR, in an Updated PDR for an Update PDR
 * (TS 29.244 7.5.5.5: the UP function was asked for a new F-TEID).
 */
struct sess_chosen {
	uint16_t ie;		/* PFCP_IE_CREATED_PDR or _UPDATED_PDR */
	uint32_t pdr_id;
	struct pfcp_fteid fteid;
};

/*
 * The F-TEIDs chosen for the PDRs of message m that asked for one (CH),
 * as the rules r it made have them: how many, at most 2 *
 * PFCP_MAX_RULES.
 */
int sess_chosen(const struct sess_rules *r, const struct pfcp_msg *m,
		struct sess_chosen *out);

/*
 * Why the kernel refused context c of rules r, made by message m: the
 * rule of m it came from, as Offending IE (Create, Update or Remove)
 * and Failed Rule ID.  Its uplink PDR if m carries it, else its
 * downlink PDR, else the FAR then a QER of either; 77 System failure if
 * m carries none of them (the kernel's state, not the message).
 */
void sess_ctx_fail(const struct sess_rules *r, const struct pfcp_msg *m,
		   const struct sess_ctx *c, struct sess_fail *f);

/*
 * The octets a URR measured: the counters of the contexts (c[n], read
 * by nfgtpu_ctx_list()) whose uplink or downlink PDR names it.
 */
void sess_usage(const struct sess_rules *r, const struct sess_ctx *c, int n,
		uint32_t urr_id, uint64_t *ul, uint64_t *dl);

/*
 * A URR's measurement between reports: the octets its contexts had
 * counted at the last report (a report's volume is what they counted
 * since), the volume reported since the quota came, when the next
 * period ends.  Kept by URR ID beside the rules.
 */
struct sess_meas {
	uint32_t urr_id;
	uint32_t seqn;		/* UR-SEQN of the next report */
	uint64_t ul, dl;	/* the contexts' counters at the last report */
	uint64_t carry_ul, carry_dl;	/* counted since by contexts now gone */
	uint64_t quota_ul, quota_dl;	/* reported since the quota came */
	bool quota_reported;	/* VOLQU sent, no new quota since */
	time_t start;		/* of this measurement: the last report */
	time_t period_end;	/* 0: no Measurement Period */
};

/* A URR's measurements: one per URR of the rules, up to n */
struct sess_meas_set {
	uint8_t n;
	struct sess_meas m[PFCP_MAX_RULES];
};

/*
 * Copies of what is in use: a session has a few rules of the 17 KB of
 * struct sess_rules, and a copy of it all costs more than the rest of a
 * message's work.
 */
void sess_rules_copy(struct sess_rules *to, const struct sess_rules *from);
void sess_meas_copy(struct sess_meas_set *to, const struct sess_meas_set *from);

/*
 * After message m changed the rules into r: a measurement from now for
 * each new URR, none for removed ones; a Volume Quota or Measurement
 * Period in an Update URR starts anew.
 */
void sess_meas_sync(struct sess_meas_set *s, const struct sess_rules *r,
		    const struct pfcp_msg *m, time_t now);

/* The measurement of a URR, NULL if there is none */
struct sess_meas *sess_meas_find(struct sess_meas_set *s, uint32_t urr_id);

/* Does the URR measure volume with a trigger the agent reports on? */
bool sess_urr_reports(const struct pfcp_urr *u);

/*
 * The Usage Report Trigger (PFCP_TRIG_*) due for URR u at time now,
 * given the octets its contexts have counted (sess_usage()), 0 if none.
 */
uint32_t sess_urr_due(const struct pfcp_urr *u, const struct sess_meas *m,
		      uint64_t ul, uint64_t dl, time_t now);

/*
 * Fill the Usage Report of trigger trig (volume since the last report,
 * UR-SEQN) and start the next measurement there: a threshold counts
 * anew from a report (TS 29.244 5.2.2.2).
 */
void sess_urr_report(const struct pfcp_urr *u, struct sess_meas *m,
		     uint32_t trig, uint64_t ul, uint64_t dl, time_t now,
		     struct pfcp_usage_report *out);

/*
 * Before the agent changes a session's contexts: what c[n] (rules r,
 * counters just read) counted since the last report is carried, so
 * that a context deleted or added again loses nothing.
 */
void sess_meas_fold(struct sess_meas_set *s, const struct sess_rules *r,
		    const struct sess_ctx *c, int n);

/*
 * After: each measurement goes on from the counters of the contexts
 * kept (sess_kept(), rules r); added ones start from zero.
 */
void sess_meas_base(struct sess_meas_set *s, const struct sess_rules *r,
		    const struct sess_ctx *c, int n);

/*
 * The old tunnels of the path switches of message m, which moved the
 * rules from "from" to "to": each Update FAR with SNDEM (PFCPSMReq-Flags
 * in its Update Forwarding Parameters, TS 29.244) whose FAR
 * had a GTP-U Outer Header Creation that it changed or removed gets an
 * End Marker there.  How many, at most PFCP_MAX_RULES, into out.
 */
int sess_end_markers(const struct sess_rules *from, const struct pfcp_msg *m,
		     const struct sess_rules *to, struct pfcp_ohc *out);

/*
 * A session's rules and measurements as the agent keeps them between
 * messages: only the rules and URRs it has, a few hundred octets for a
 * basic session against the 20 KB of struct sess_rules and struct
 * sess_meas_set, which are for working on one session at a time.
 */
struct sess_packed;

/* The size of r and ms packed, for sess_pack() */
size_t sess_packed_size(const struct sess_rules *r,
			const struct sess_meas_set *ms);
/* Pack r and ms into p, of sess_packed_size() octets */
void sess_pack(struct sess_packed *p, const struct sess_rules *r,
	       const struct sess_meas_set *ms);
void sess_unpack(const struct sess_packed *p, struct sess_rules *r,
		 struct sess_meas_set *ms);

/*
 * Packed rules read back from elsewhere (state.c): are they size octets
 * of counts and lengths sess_unpack() can take?  And the layout they
 * have, which changes with the structures packed.
 */
bool sess_packed_check(const struct sess_packed *p, size_t size);
uint32_t sess_packed_layout(void);

#endif /* SESSION_H */
