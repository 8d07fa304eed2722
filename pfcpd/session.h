/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nf-gtpu-pfcpd: the rules of a PFCP session and the libnfgtpu contexts
 * they make.  sess_apply() and sess_contexts() are pure: no kernel, no
 * I/O, no global state; the daemon diffs the contexts of a session
 * before and after a message into one libnfgtpu batch.
 */
#ifndef SESSION_H
#define SESSION_H

#include <libnfgtpu/libnfgtpu.h>

#include "pfcpd.h"

/* The rules in force: Create, Update and Remove applied in turn */
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

/* A context and the uplink and downlink PDRs it comes from */
struct sess_ctx {
	struct nfgtpu_ctx c;
	uint32_t pdr_id, dl_pdr_id;
};

/*
 * Apply the Create, Update and Remove IEs of a Session Establishment or
 * Modification Request to *r.  0, or -1 with *f set; *r is then
 * half-changed: apply to a copy.
 */
int sess_apply(struct sess_rules *r, const struct pfcp_msg *m,
	       struct teid_alloc *a, struct sess_fail *f);

/*
 * The contexts the rules make, at most PFCP_MAX_RULES (one per uplink
 * PDR): how many, or -1 with *f set.  qfi: the gateway's downlink
 * carries a QFI.
 */
int sess_contexts(const struct sess_rules *r, const struct pfcpd_conf *conf,
		  bool qfi, struct sess_ctx *out, struct sess_fail *f);

/*
 * The octets a URR measured: the counters of the contexts (c[n], read
 * by nfgtpu_ctx_list()) whose uplink or downlink PDR names it.
 */
void sess_usage(const struct sess_rules *r, const struct sess_ctx *c, int n,
		uint32_t urr_id, uint64_t *ul, uint64_t *dl);

#endif /* SESSION_H */
