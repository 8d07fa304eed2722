// SPDX-License-Identifier: GPL-2.0-only
/*
 * PFCP codec (3GPP TS 29.244).  The IE layout of every message and
 * grouped IE lives in the tables below; one walker applies them.  Pure:
 * no allocation, no global mutable state, no output, so that the fuzzer
 * (fuzz/fuzz_pfcp_parse.c) exercises exactly what the daemon runs.
 */
#include <stddef.h>
#include <string.h>

#include "pfcp_msg.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint64_t get40(const uint8_t *p)
{
	return (uint64_t)p[0] << 32 | get32(p + 1);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/*
 * Leaf decoders: the IE's value (after type and length) into *out.
 * They return 0, or the cause to refuse the message with.  Values may
 * be longer than what is decoded: later releases append octets
 * ("present only if explicitly specified"), which are ignored.
 */
typedef uint8_t (*pfcp_dec_fn)(const uint8_t *v, uint16_t len, void *out);

/*
 * Fixed-size values: at least "min" octets, "expr" of them into a
 * "type" at *out.
 */
#define DEC_FIXED(name, type, min, expr)				\
static uint8_t name(const uint8_t *v, uint16_t len, void *out)		\
{									\
	if (len < (min))						\
		return PFCP_CAUSE_INVALID_LENGTH;			\
	*(type *)out = (type)(expr);					\
	return 0;							\
}

DEC_FIXED(dec_u8, uint8_t, 1, v[0])
DEC_FIXED(dec_u16, uint16_t, 2, get16(v))
DEC_FIXED(dec_u32, uint32_t, 4, get32(v))
/* PDR ID: 16 bits on the wire, kept in 32 like the other rule IDs */
DEC_FIXED(dec_id16, uint32_t, 2, get16(v))
/* Source and Destination Interface: the value is the low 4 bits */
DEC_FIXED(dec_interface, uint8_t, 1, v[0] & 0x0f)
DEC_FIXED(dec_qfi, uint8_t, 1, v[0] & 0x3f)
/* Apply Action: one octet up to Rel-15, two since */
DEC_FIXED(dec_apply_action, uint16_t, 1, v[0] | (len > 1 ? v[1] << 8 : 0))
/* Reporting Triggers: two octets in Rel-15, a third since */
DEC_FIXED(dec_triggers, uint32_t, 2,
	  v[0] | v[1] << 8 | (len > 2 ? v[2] << 16 : 0))

/* UP and CP Function Features: as many octets as the peer knows */
static uint8_t dec_features(const uint8_t *v, uint16_t len, void *out)
{
	struct pfcp_features *f = out;

	if (len < 1)
		return PFCP_CAUSE_INVALID_LENGTH;
	f->len = len < PFCP_FEATURES_MAX ? len : PFCP_FEATURES_MAX;
	memcpy(f->oct, v, f->len);
	return 0;
}

static uint8_t dec_node_id(const uint8_t *v, uint16_t len, void *out)
{
	static const uint8_t need[] = {
		[PFCP_NODE_ID_IPV4] = 4, [PFCP_NODE_ID_IPV6] = 16,
		[PFCP_NODE_ID_FQDN] = 1,
	};
	struct pfcp_node_id *id = out;

	if (len < 1)
		return PFCP_CAUSE_INVALID_LENGTH;
	id->type = v[0] & 0x0f;
	if (id->type >= ARRAY_SIZE(need))
		return PFCP_CAUSE_MANDATORY_INCORRECT;
	if (len - 1 < need[id->type] || len - 1 > PFCP_FQDN_MAX)
		return PFCP_CAUSE_INVALID_LENGTH;
	/* an address is exactly its size; later octets are not ours */
	id->len = id->type == PFCP_NODE_ID_FQDN ? len - 1 : need[id->type];
	memcpy(id->val, v + 1, id->len);
	return 0;
}

/*
 * An IPv4 address, then an IPv6 address, each when its flag is set: the
 * layout of F-SEID, F-TEID, UE IP Address and Outer Header Creation.
 */
static size_t addrs_len(bool has4, bool has6)
{
	return (has4 ? 4 : 0) + (has6 ? 16 : 0);
}

static const uint8_t *get_addrs(const uint8_t *v, bool has4, uint8_t *v4,
				bool has6, uint8_t *v6)
{
	if (has4) {
		memcpy(v4, v, 4);
		v += 4;
	}
	if (has6) {
		memcpy(v6, v, 16);
		v += 16;
	}
	return v;
}

/* F-SEID and F-TEID: flags, an ID of idlen octets, the addresses */
static uint8_t get_id_addrs(const uint8_t *v, uint16_t len, size_t idlen,
			    bool has4, uint8_t *v4, bool has6, uint8_t *v6)
{
	if (len < 1 + idlen + addrs_len(has4, has6))
		return PFCP_CAUSE_INVALID_LENGTH;
	get_addrs(v + 1 + idlen, has4, v4, has6, v6);
	return 0;
}

static uint8_t dec_fseid(const uint8_t *v, uint16_t len, void *out)
{
	struct pfcp_fseid *f = out;
	uint8_t cause;

	if (len < 9)
		return PFCP_CAUSE_INVALID_LENGTH;
	f->flags = v[0] & (PFCP_FSEID_V4 | PFCP_FSEID_V6);
	cause = get_id_addrs(v, len, 8, f->flags & PFCP_FSEID_V4, f->v4,
			     f->flags & PFCP_FSEID_V6, f->v6);
	if (cause)
		return cause;
	/* the CP function's address is what the SEID is bound to */
	if (!f->flags)
		return PFCP_CAUSE_MANDATORY_INCORRECT;
	f->seid = get64(v + 1);
	return 0;
}

/* F-TEID: a TEID and address(es), or CH: the UP function chooses */
static uint8_t dec_fteid(const uint8_t *v, uint16_t len, void *out)
{
	const uint8_t fams = PFCP_FTEID_V4 | PFCP_FTEID_V6;
	struct pfcp_fteid *f = out;
	uint8_t cause;

	if (len < 1)
		return PFCP_CAUSE_INVALID_LENGTH;
	f->flags = v[0] & (fams | PFCP_FTEID_CH | PFCP_FTEID_CHID);
	if (!(f->flags & fams))
		return PFCP_CAUSE_MANDATORY_INCORRECT;
	if (f->flags & PFCP_FTEID_CH) {
		if (!(f->flags & PFCP_FTEID_CHID))
			return 0;
		if (len < 2)
			return PFCP_CAUSE_INVALID_LENGTH;
		f->choose_id = v[1];
		return 0;
	}
	if (f->flags & PFCP_FTEID_CHID)	/* CHID only with CH */
		return PFCP_CAUSE_MANDATORY_INCORRECT;
	cause = get_id_addrs(v, len, 4, f->flags & PFCP_FTEID_V4, f->v4,
			     f->flags & PFCP_FTEID_V6, f->v6);
	if (cause)
		return cause;
	f->teid = get32(v + 1);
	return 0;
}

static uint8_t dec_ue_ip(const uint8_t *v, uint16_t len, void *out)
{
	struct pfcp_ue_ip *u = out;
	size_t need;

	if (len < 1)
		return PFCP_CAUSE_INVALID_LENGTH;
	u->flags = v[0] & 0x7f;
	need = 1 + addrs_len(u->flags & PFCP_UEIP_V4, u->flags & PFCP_UEIP_V6) +
	       (u->flags & PFCP_UEIP_IPV6D ? 1 : 0) +
	       (u->flags & PFCP_UEIP_IP6PL ? 1 : 0);
	if (len < need)
		return PFCP_CAUSE_INVALID_LENGTH;
	v = get_addrs(v + 1, u->flags & PFCP_UEIP_V4, u->v4,
		      u->flags & PFCP_UEIP_V6, u->v6);
	if (u->flags & PFCP_UEIP_IPV6D)
		u->v6_pd_bits = *v++;
	if (u->flags & PFCP_UEIP_IP6PL)
		u->v6_prefix_len = *v;
	return 0;
}

/*
 * Outer Header Creation: a description (two octets), then the fields it
 * implies, in this order: TEID, IPv4, IPv6, port, C-TAG, S-TAG.
 */
static uint8_t dec_ohc(const uint8_t *v, uint16_t len, void *out)
{
	const uint16_t gtpu = PFCP_OHC_GTPU_V4 | PFCP_OHC_GTPU_V6;
	const uint16_t v4 = PFCP_OHC_GTPU_V4 | PFCP_OHC_UDP_V4 | PFCP_OHC_IPV4;
	const uint16_t v6 = PFCP_OHC_GTPU_V6 | PFCP_OHC_UDP_V6 | PFCP_OHC_IPV6;
	const uint16_t udp = PFCP_OHC_UDP_V4 | PFCP_OHC_UDP_V6;
	struct pfcp_ohc *o = out;
	size_t need;

	if (len < 2)
		return PFCP_CAUSE_INVALID_LENGTH;
	o->desc = get16(v);
	if (!(o->desc & 0xff00))
		return PFCP_CAUSE_MANDATORY_INCORRECT;
	need = 2 + (o->desc & gtpu ? 4 : 0) +
	       addrs_len(o->desc & v4, o->desc & v6) + (o->desc & udp ? 2 : 0) +
	       (o->desc & PFCP_OHC_CTAG ? 3 : 0) +
	       (o->desc & PFCP_OHC_STAG ? 3 : 0);
	if (len < need)
		return PFCP_CAUSE_INVALID_LENGTH;
	v += 2;
	if (o->desc & gtpu) {
		o->teid = get32(v);
		v += 4;
	}
	v = get_addrs(v, o->desc & v4, o->v4, o->desc & v6, o->v6);
	if (o->desc & udp)
		o->port = get16(v);
	return 0;
}

static uint8_t dec_ohr(const uint8_t *v, uint16_t len, void *out)
{
	struct pfcp_ohr *o = out;

	if (len < 1)
		return PFCP_CAUSE_INVALID_LENGTH;
	o->desc = v[0];
	o->ext_del = len > 1 ? v[1] : 0;
	return 0;
}

static uint8_t dec_ni(const uint8_t *v, uint16_t len, void *out)
{
	struct pfcp_ni *ni = out;

	if (len < 1 || len > PFCP_NI_MAX)
		return PFCP_CAUSE_INVALID_LENGTH;
	ni->len = (uint8_t)len;
	memcpy(ni->val, v, len);
	return 0;
}

/* Volume Threshold and Volume Quota: flags, then the volumes they name */
static uint8_t dec_volume(const uint8_t *v, uint16_t len, void *out)
{
	struct pfcp_volume *vol = out;
	uint64_t *field[] = { &vol->total, &vol->ul, &vol->dl };
	size_t i, need = 1;

	if (len < 1)
		return PFCP_CAUSE_INVALID_LENGTH;
	vol->flags = v[0] & (PFCP_VOL_TOTAL | PFCP_VOL_UL | PFCP_VOL_DL);
	for (i = 0; i < ARRAY_SIZE(field); i++)
		need += vol->flags & 1 << i ? 8 : 0;
	if (len < need)
		return PFCP_CAUSE_INVALID_LENGTH;
	v++;
	for (i = 0; i < ARRAY_SIZE(field); i++) {
		if (vol->flags & 1 << i) {
			*field[i] = get64(v);
			v += 8;
		}
	}
	return 0;
}

static uint8_t dec_mbr(const uint8_t *v, uint16_t len, void *out)
{
	struct pfcp_mbr *m = out;

	if (len < 10)
		return PFCP_CAUSE_INVALID_LENGTH;
	m->ul = get40(v);
	m->dl = get40(v + 5);
	return 0;
}

/* The tables */

enum {
	IE_M		= 0x01,	/* mandatory: missing gives cause 66 */
	IE_MULTI	= 0x02,	/* repeated into an array with a count */
};

struct pfcp_group;

struct pfcp_ie_desc {
	uint16_t type;
	uint8_t flags;
	uint8_t max;		/* IE_MULTI: array length */
	uint16_t off;		/* of the value, or the array, in the parent */
	uint16_t cnt_off;	/* IE_MULTI: of the uint8_t count */
	uint16_t size;		/* IE_MULTI: of an array element */
	pfcp_dec_fn dec;	/* a leaf, or */
	const struct pfcp_group *group;	/* a grouped IE */
};

struct pfcp_group {
	const struct pfcp_ie_desc *ie;
	uint8_t n;
};

#define GROUP_OF(tbl)	{ .ie = tbl, .n = ARRAY_SIZE(tbl) }

#define LEAF(t, fn, fl, st, f)						\
	{ .type = t, .flags = fl, .off = offsetof(st, f), .dec = fn }
#define NEST(t, g, fl, st, f)						\
	{ .type = t, .flags = fl, .off = offsetof(st, f), .group = &g }
#define MULTI(t, fn, g, fl, st, f, cnt)					\
	{ .type = t, .flags = (fl) | IE_MULTI, .off = offsetof(st, f),	\
	  .cnt_off = offsetof(st, cnt), .size = sizeof(((st *)0)->f[0]),	\
	  .max = ARRAY_SIZE(((st *)0)->f), .dec = fn, .group = g }

static const struct pfcp_ie_desc pdi_ies[] = {
	LEAF(PFCP_IE_SOURCE_INTERFACE, dec_interface, IE_M, struct pfcp_pdi,
	     source_interface),
	LEAF(PFCP_IE_F_TEID, dec_fteid, 0, struct pfcp_pdi, fteid),
	LEAF(PFCP_IE_NETWORK_INSTANCE, dec_ni, 0, struct pfcp_pdi, ni),
	LEAF(PFCP_IE_UE_IP_ADDRESS, dec_ue_ip, 0, struct pfcp_pdi, ue_ip),
	LEAF(PFCP_IE_QFI, dec_qfi, 0, struct pfcp_pdi, qfi),
};
static const struct pfcp_group pdi = GROUP_OF(pdi_ies);

/* Create PDR and Update PDR differ only in what is mandatory */
#define PDR_IES(m)							\
	LEAF(PFCP_IE_PDR_ID, dec_id16, IE_M, struct pfcp_pdr, pdr_id),	\
	LEAF(PFCP_IE_PRECEDENCE, dec_u32, m, struct pfcp_pdr, precedence), \
	NEST(PFCP_IE_PDI, pdi, m, struct pfcp_pdr, pdi),		\
	LEAF(PFCP_IE_OUTER_HEADER_REMOVAL, dec_ohr, 0, struct pfcp_pdr, ohr), \
	LEAF(PFCP_IE_FAR_ID, dec_u32, 0, struct pfcp_pdr, far_id),	\
	MULTI(PFCP_IE_URR_ID, dec_u32, NULL, 0, struct pfcp_pdr, urr_id, \
	      n_urr_id),						\
	MULTI(PFCP_IE_QER_ID, dec_u32, NULL, 0, struct pfcp_pdr, qer_id, \
	      n_qer_id)

static const struct pfcp_ie_desc create_pdr_ies[] = { PDR_IES(IE_M) };
static const struct pfcp_ie_desc update_pdr_ies[] = { PDR_IES(0) };
static const struct pfcp_group create_pdr = GROUP_OF(create_pdr_ies);
static const struct pfcp_group update_pdr = GROUP_OF(update_pdr_ies);

#define FWD_IES(m)							\
	LEAF(PFCP_IE_DESTINATION_INTERFACE, dec_interface, m,		\
	     struct pfcp_fwd, dest_interface),				\
	LEAF(PFCP_IE_NETWORK_INSTANCE, dec_ni, 0, struct pfcp_fwd, ni),	\
	LEAF(PFCP_IE_OUTER_HEADER_CREATION, dec_ohc, 0, struct pfcp_fwd, ohc)

static const struct pfcp_ie_desc fwd_ies[] = { FWD_IES(IE_M) };
static const struct pfcp_ie_desc update_fwd_ies[] = {
	FWD_IES(0),
	LEAF(PFCP_IE_PFCPSMREQ_FLAGS, dec_u8, 0, struct pfcp_fwd,
	     smreq_flags),
};
static const struct pfcp_group fwd = GROUP_OF(fwd_ies);
static const struct pfcp_group update_fwd = GROUP_OF(update_fwd_ies);

#define FAR_IES(m, fwd_type, fwd_group)					\
	LEAF(PFCP_IE_FAR_ID, dec_u32, IE_M, struct pfcp_far, far_id),	\
	LEAF(PFCP_IE_APPLY_ACTION, dec_apply_action, m, struct pfcp_far, \
	     apply_action),						\
	NEST(fwd_type, fwd_group, 0, struct pfcp_far, fwd),		\
	LEAF(PFCP_IE_BAR_ID, dec_u8, 0, struct pfcp_far, bar_id)

static const struct pfcp_ie_desc create_far_ies[] = {
	FAR_IES(IE_M, PFCP_IE_FORWARDING_PARAMS, fwd)
};
static const struct pfcp_ie_desc update_far_ies[] = {
	FAR_IES(0, PFCP_IE_UPDATE_FORWARDING_PARAMS, update_fwd)
};
static const struct pfcp_group create_far = GROUP_OF(create_far_ies);
static const struct pfcp_group update_far = GROUP_OF(update_far_ies);

#define URR_IES(m)							\
	LEAF(PFCP_IE_URR_ID, dec_u32, IE_M, struct pfcp_urr, urr_id),	\
	LEAF(PFCP_IE_MEASUREMENT_METHOD, dec_u8, m, struct pfcp_urr, method), \
	LEAF(PFCP_IE_REPORTING_TRIGGERS, dec_triggers, m, struct pfcp_urr, \
	     triggers),							\
	LEAF(PFCP_IE_MEASUREMENT_PERIOD, dec_u32, 0, struct pfcp_urr, period), \
	LEAF(PFCP_IE_VOLUME_THRESHOLD, dec_volume, 0, struct pfcp_urr,	\
	     threshold),						\
	LEAF(PFCP_IE_VOLUME_QUOTA, dec_volume, 0, struct pfcp_urr, quota)

static const struct pfcp_ie_desc create_urr_ies[] = { URR_IES(IE_M) };
static const struct pfcp_ie_desc update_urr_ies[] = { URR_IES(0) };
static const struct pfcp_group create_urr = GROUP_OF(create_urr_ies);
static const struct pfcp_group update_urr = GROUP_OF(update_urr_ies);

#define QER_IES(m)							\
	LEAF(PFCP_IE_QER_ID, dec_u32, IE_M, struct pfcp_qer, qer_id),	\
	LEAF(PFCP_IE_GATE_STATUS, dec_u8, m, struct pfcp_qer, gate),	\
	LEAF(PFCP_IE_MBR, dec_mbr, 0, struct pfcp_qer, mbr),		\
	LEAF(PFCP_IE_QFI, dec_qfi, 0, struct pfcp_qer, qfi)

static const struct pfcp_ie_desc create_qer_ies[] = { QER_IES(IE_M) };
static const struct pfcp_ie_desc update_qer_ies[] = { QER_IES(0) };
static const struct pfcp_group create_qer = GROUP_OF(create_qer_ies);
static const struct pfcp_group update_qer = GROUP_OF(update_qer_ies);

/* Remove PDR/FAR/URR/QER: the rule ID alone */
static const struct pfcp_ie_desc remove_pdr_ies[] = {
	LEAF(PFCP_IE_PDR_ID, dec_id16, IE_M, struct pfcp_rule_id, id),
};
#define REMOVE_IES(t)	{ LEAF(t, dec_u32, IE_M, struct pfcp_rule_id, id) }
static const struct pfcp_ie_desc remove_far_ies[] = REMOVE_IES(PFCP_IE_FAR_ID);
static const struct pfcp_ie_desc remove_urr_ies[] = REMOVE_IES(PFCP_IE_URR_ID);
static const struct pfcp_ie_desc remove_qer_ies[] = REMOVE_IES(PFCP_IE_QER_ID);
static const struct pfcp_group remove_pdr = GROUP_OF(remove_pdr_ies);
static const struct pfcp_group remove_far = GROUP_OF(remove_far_ies);
static const struct pfcp_group remove_urr = GROUP_OF(remove_urr_ies);
static const struct pfcp_group remove_qer = GROUP_OF(remove_qer_ies);

/* Usage Report of a Session Report Request (the agent's own, parsed back) */
static const struct pfcp_ie_desc usage_report_ies[] = {
	LEAF(PFCP_IE_URR_ID, dec_u32, IE_M, struct pfcp_usage_report, urr_id),
	LEAF(PFCP_IE_UR_SEQN, dec_u32, IE_M, struct pfcp_usage_report, seqn),
	LEAF(PFCP_IE_USAGE_REPORT_TRIGGER, dec_triggers, IE_M,
	     struct pfcp_usage_report, trigger),
	LEAF(PFCP_IE_VOLUME_MEASUREMENT, dec_volume, 0,
	     struct pfcp_usage_report, volume),
	LEAF(PFCP_IE_START_TIME, dec_u32, 0, struct pfcp_usage_report, start),
	LEAF(PFCP_IE_END_TIME, dec_u32, 0, struct pfcp_usage_report, end),
};
static const struct pfcp_group usage_report = GROUP_OF(usage_report_ies);

/* Created PDR and Updated PDR of the agent's responses, parsed back */
static const struct pfcp_ie_desc created_pdr_ies[] = {
	LEAF(PFCP_IE_PDR_ID, dec_id16, IE_M, struct pfcp_created_pdr, pdr_id),
	LEAF(PFCP_IE_F_TEID, dec_fteid, 0, struct pfcp_created_pdr, fteid),
};
static const struct pfcp_group created_pdr = GROUP_OF(created_pdr_ies);

/* Top-level IEs, into struct pfcp_msg */
#define M_LEAF(t, fn, fl, f)	LEAF(t, fn, fl, struct pfcp_msg, f)
#define M_RULES(t, g, fl, f)						\
	MULTI(t, NULL, &g, fl, struct pfcp_msg, f, n_##f)

#define NODE_ID		M_LEAF(PFCP_IE_NODE_ID, dec_node_id, IE_M, node_id)
#define CAUSE		M_LEAF(PFCP_IE_CAUSE, dec_u8, IE_M, cause)
#define RECOVERY	M_LEAF(PFCP_IE_RECOVERY_TIME_STAMP, dec_u32, IE_M, \
			       recovery_ts)
#define UP_FEATURES	M_LEAF(PFCP_IE_UP_FUNCTION_FEATURES, dec_features, \
			       0, up_features)
#define CP_FEATURES	M_LEAF(PFCP_IE_CP_FUNCTION_FEATURES, dec_features, \
			       0, cp_features)
#define OFFENDING_IE	M_LEAF(PFCP_IE_OFFENDING_IE, dec_u16, 0, offending_ie)

static const struct pfcp_ie_desc heartbeat_ies[] = { RECOVERY };
static const struct pfcp_ie_desc assoc_setup_req_ies[] = {
	NODE_ID, RECOVERY, UP_FEATURES, CP_FEATURES,
};
static const struct pfcp_ie_desc assoc_setup_rsp_ies[] = {
	NODE_ID, CAUSE, RECOVERY, UP_FEATURES, CP_FEATURES,
};
static const struct pfcp_ie_desc assoc_update_req_ies[] = {
	NODE_ID, UP_FEATURES, CP_FEATURES,
};
static const struct pfcp_ie_desc node_id_ies[] = { NODE_ID };
static const struct pfcp_ie_desc node_rsp_ies[] = { NODE_ID, CAUSE };
static const struct pfcp_ie_desc session_est_req_ies[] = {
	NODE_ID,
	M_LEAF(PFCP_IE_F_SEID, dec_fseid, IE_M, fseid),
	M_RULES(PFCP_IE_CREATE_PDR, create_pdr, IE_M, create_pdr),
	M_RULES(PFCP_IE_CREATE_FAR, create_far, IE_M, create_far),
	M_RULES(PFCP_IE_CREATE_URR, create_urr, 0, create_urr),
	M_RULES(PFCP_IE_CREATE_QER, create_qer, 0, create_qer),
};
static const struct pfcp_ie_desc session_mod_req_ies[] = {
	M_LEAF(PFCP_IE_F_SEID, dec_fseid, 0, fseid),
	M_RULES(PFCP_IE_REMOVE_PDR, remove_pdr, 0, remove_pdr),
	M_RULES(PFCP_IE_REMOVE_FAR, remove_far, 0, remove_far),
	M_RULES(PFCP_IE_REMOVE_URR, remove_urr, 0, remove_urr),
	M_RULES(PFCP_IE_REMOVE_QER, remove_qer, 0, remove_qer),
	M_RULES(PFCP_IE_CREATE_PDR, create_pdr, 0, create_pdr),
	M_RULES(PFCP_IE_CREATE_FAR, create_far, 0, create_far),
	M_RULES(PFCP_IE_CREATE_URR, create_urr, 0, create_urr),
	M_RULES(PFCP_IE_CREATE_QER, create_qer, 0, create_qer),
	M_RULES(PFCP_IE_UPDATE_PDR, update_pdr, 0, update_pdr),
	M_RULES(PFCP_IE_UPDATE_FAR, update_far, 0, update_far),
	M_RULES(PFCP_IE_UPDATE_URR, update_urr, 0, update_urr),
	M_RULES(PFCP_IE_UPDATE_QER, update_qer, 0, update_qer),
};
#define CREATED_PDR	M_RULES(PFCP_IE_CREATED_PDR, created_pdr, 0, \
				created_pdr)
static const struct pfcp_ie_desc session_est_rsp_ies[] = {
	NODE_ID, CAUSE, OFFENDING_IE,
	M_LEAF(PFCP_IE_F_SEID, dec_fseid, 0, fseid),
	CREATED_PDR,
};
static const struct pfcp_ie_desc session_mod_rsp_ies[] = {
	CAUSE, OFFENDING_IE, CREATED_PDR,
	M_RULES(PFCP_IE_UPDATED_PDR, created_pdr, 0, updated_pdr),
};
static const struct pfcp_ie_desc session_rsp_ies[] = { CAUSE, OFFENDING_IE };
static const struct pfcp_ie_desc session_report_req_ies[] = {
	M_LEAF(PFCP_IE_REPORT_TYPE, dec_u8, IE_M, report_type),
	M_RULES(PFCP_IE_USAGE_REPORT_SRR, usage_report, 0, usage_report),
};

struct pfcp_msg_desc {
	const char *name;
	uint8_t flags;
	struct pfcp_group ies;
};
#define MSG_REQ		0x01
#define MSG_SEID	0x02

/*
 * Messages the agent does not handle (PFD Management, Node Report,
 * Session Set Deletion) are known, with no IE table: the daemon counts
 * and drops them, which is not an unknown type.  It sends Session
 * Report Requests and drops those it gets, but parses them: the tests
 * and the fuzzer read the agent's own back.
 */
#define MSG(t, n, fl, tbl)	[t] = { n, fl, GROUP_OF(tbl) }
#define MSG_BARE(t, n, fl)	[t] = { n, fl, { NULL, 0 } }

static const struct pfcp_msg_desc msgs[] = {
	MSG(PFCP_HEARTBEAT_REQ, "heartbeat_request", MSG_REQ, heartbeat_ies),
	MSG(PFCP_HEARTBEAT_RSP, "heartbeat_response", 0, heartbeat_ies),
	MSG_BARE(PFCP_PFD_MGMT_REQ, "pfd_management_request", MSG_REQ),
	MSG_BARE(PFCP_PFD_MGMT_RSP, "pfd_management_response", 0),
	MSG(PFCP_ASSOC_SETUP_REQ, "association_setup_request", MSG_REQ,
	    assoc_setup_req_ies),
	MSG(PFCP_ASSOC_SETUP_RSP, "association_setup_response", 0,
	    assoc_setup_rsp_ies),
	MSG(PFCP_ASSOC_UPDATE_REQ, "association_update_request", MSG_REQ,
	    assoc_update_req_ies),
	MSG(PFCP_ASSOC_UPDATE_RSP, "association_update_response", 0,
	    node_rsp_ies),
	MSG(PFCP_ASSOC_RELEASE_REQ, "association_release_request", MSG_REQ,
	    node_id_ies),
	MSG(PFCP_ASSOC_RELEASE_RSP, "association_release_response", 0,
	    node_rsp_ies),
	MSG_BARE(PFCP_VERSION_NOT_SUPPORTED_RSP, "version_not_supported_response",
		 0),
	MSG_BARE(PFCP_NODE_REPORT_REQ, "node_report_request", MSG_REQ),
	MSG_BARE(PFCP_NODE_REPORT_RSP, "node_report_response", 0),
	MSG_BARE(PFCP_SESSION_SET_DEL_REQ, "session_set_deletion_request",
		 MSG_REQ),
	MSG_BARE(PFCP_SESSION_SET_DEL_RSP, "session_set_deletion_response", 0),
	MSG(PFCP_SESSION_EST_REQ, "session_establishment_request",
	    MSG_REQ | MSG_SEID, session_est_req_ies),
	MSG(PFCP_SESSION_EST_RSP, "session_establishment_response", MSG_SEID,
	    session_est_rsp_ies),
	MSG(PFCP_SESSION_MOD_REQ, "session_modification_request",
	    MSG_REQ | MSG_SEID, session_mod_req_ies),
	MSG(PFCP_SESSION_MOD_RSP, "session_modification_response", MSG_SEID,
	    session_mod_rsp_ies),
	MSG_BARE(PFCP_SESSION_DEL_REQ, "session_deletion_request",
		 MSG_REQ | MSG_SEID),
	MSG(PFCP_SESSION_DEL_RSP, "session_deletion_response", MSG_SEID,
	    session_rsp_ies),
	MSG(PFCP_SESSION_REPORT_REQ, "session_report_request",
	    MSG_REQ | MSG_SEID, session_report_req_ies),
	MSG(PFCP_SESSION_REPORT_RSP, "session_report_response", MSG_SEID,
	    session_rsp_ies),
};

static const struct pfcp_msg_desc *msg_desc(uint8_t type)
{
	return type < ARRAY_SIZE(msgs) && msgs[type].name ? &msgs[type] : NULL;
}

bool pfcp_type_known(uint8_t type)
{
	return msg_desc(type);
}

bool pfcp_type_has_seid(uint8_t type)
{
	return msg_desc(type) && msgs[type].flags & MSG_SEID;
}

bool pfcp_type_is_request(uint8_t type)
{
	return msg_desc(type) && msgs[type].flags & MSG_REQ;
}

const char *pfcp_type_name(uint8_t type)
{
	return msg_desc(type) ? msgs[type].name : "unknown";
}

const char *pfcp_result_name(enum pfcp_result r)
{
	static const char *const names[] = {
		[PFCP_OK] = "ok", [PFCP_ERR_TRUNCATED] = "truncated",
		[PFCP_ERR_LENGTH] = "bad_length", [PFCP_ERR_VERSION] = "version",
		[PFCP_ERR_TYPE] = "unknown_type",
		[PFCP_ERR_SEID_FLAG] = "bad_s_flag", [PFCP_ERR_IE] = "bad_ie",
	};

	return (unsigned int)r < ARRAY_SIZE(names) ? names[r] : "unknown";
}

bool pfcp_msg_has(const struct pfcp_msg *msg, uint8_t msg_type,
		  uint16_t ie_type)
{
	const struct pfcp_msg_desc *d = msg_desc(msg_type);
	unsigned int i;

	for (i = 0; d && i < d->ies.n; i++)
		if (d->ies.ie[i].type == ie_type)
			return msg->present & 1u << i;
	return false;
}

/* The walk */

static const struct pfcp_ie_desc *find_ie(const struct pfcp_group *g,
					  uint16_t type, unsigned int *idx)
{
	unsigned int i;

	for (i = 0; i < g->n; i++) {
		if (g->ie[i].type == type) {
			*idx = i;
			return &g->ie[i];
		}
	}
	return NULL;
}

static uint8_t fail(struct pfcp_parsed *res, uint8_t cause, uint16_t type)
{
	res->cause = cause;
	res->offending_ie = type;
	return cause;
}

static uint8_t walk(const struct pfcp_group *g, const uint8_t *p, size_t len,
		    void *out, unsigned int depth, struct pfcp_parsed *res);

/*
 * One known IE into its place in the parent struct "out".  A repeated
 * single IE keeps its first value (the later ones are discarded, as
 * TS 29.244 clause 7.6 asks of unexpected IEs); a repeated IE beyond
 * its array refuses the message: dropping rules silently would install
 * half a session.
 */
static uint8_t decode_one(const struct pfcp_ie_desc *d, unsigned int idx,
			  const uint8_t *v, uint16_t len, void *out,
			  unsigned int depth, struct pfcp_parsed *res)
{
	uint32_t *present = out;
	uint8_t *cnt = NULL;
	uint8_t *dst = (uint8_t *)out + d->off;
	uint8_t cause;

	if (d->flags & IE_MULTI) {
		cnt = (uint8_t *)out + d->cnt_off;
		if (*cnt >= d->max)
			return fail(res, PFCP_CAUSE_NO_RESOURCES, d->type);
		dst += (size_t)*cnt * d->size;
		memset(dst, 0, d->size);
	} else if (*present & 1u << idx) {
		return 0;
	}
	if (d->group) {
		cause = walk(d->group, v, len, dst, depth + 1, res);
	} else {
		cause = d->dec(v, len, dst);
		if (cause)
			fail(res, cause, d->type);
	}
	if (cause)
		return cause;
	if (cnt)
		(*cnt)++;
	*present |= 1u << idx;
	return 0;
}

static uint8_t check_mandatory(const struct pfcp_group *g, const void *out,
			       struct pfcp_parsed *res)
{
	const uint32_t *present = out;
	unsigned int i;

	for (i = 0; i < g->n; i++)
		if (g->ie[i].flags & IE_M && !(*present & 1u << i))
			return fail(res, PFCP_CAUSE_MANDATORY_MISSING,
				    g->ie[i].type);
	return 0;
}

/*
 * The TLV walk over one level: unknown and enterprise-specific IEs are
 * skipped (forward compatibility, clause 7.6.1); an IE overrunning its
 * parent is an invalid length.  Recursion is bounded by the tables and,
 * should a table ever loop, by PFCP_MAX_DEPTH.
 */
static uint8_t walk(const struct pfcp_group *g, const uint8_t *p, size_t len,
		    void *out, unsigned int depth, struct pfcp_parsed *res)
{
	const struct pfcp_ie_desc *d;
	uint16_t type, ilen;
	unsigned int idx;
	uint8_t cause;

	if (depth > PFCP_MAX_DEPTH)
		return fail(res, PFCP_CAUSE_MANDATORY_INCORRECT, 0);
	while (len) {
		if (len < 4)
			return fail(res, PFCP_CAUSE_INVALID_LENGTH,
				    len >= 2 ? get16(p) : 0);
		type = get16(p);
		ilen = get16(p + 2);
		if (ilen > len - 4 ||
		    (type & PFCP_IE_ENTERPRISE && ilen < 2))
			return fail(res, PFCP_CAUSE_INVALID_LENGTH, type);
		d = type & PFCP_IE_ENTERPRISE ? NULL : find_ie(g, type, &idx);
		if (d) {
			cause = decode_one(d, idx, p + 4, ilen, out, depth, res);
			if (cause)
				return cause;
		}
		p += 4 + ilen;
		len -= 4 + ilen;
	}
	return check_mandatory(g, out, res);
}

/* The header: version, S/MP/FO flags, length, SEID, sequence number */
static enum pfcp_result parse_hdr(const uint8_t *buf, size_t len,
				  struct pfcp_hdr *h)
{
	const uint8_t *p;

	if (len < PFCP_HDR_LEN)
		return PFCP_ERR_TRUNCATED;
	h->version = buf[0] >> 5;
	h->flags = buf[0] & (PFCP_HDR_S | PFCP_HDR_MP | PFCP_HDR_FO);
	h->type = buf[1];
	h->length = get16(buf + 2);
	h->hlen = h->flags & PFCP_HDR_S ? PFCP_HDR_LEN_SEID : PFCP_HDR_LEN;
	if (len < h->hlen)
		return PFCP_ERR_TRUNCATED;
	p = buf + 4;
	if (h->flags & PFCP_HDR_S) {
		h->seid = get64(p);
		p += 8;
	}
	h->seq = get24(p);
	if (h->flags & PFCP_HDR_MP)
		h->priority = p[3] >> 4;
	/* the sequence number is read first: it is what the answer needs */
	if (h->version != PFCP_VERSION)
		return PFCP_ERR_VERSION;
	if ((size_t)h->length + 4 < h->hlen || (size_t)h->length + 4 > len)
		return PFCP_ERR_LENGTH;
	/* without FO, nothing may follow the message (clause 7.2.1A) */
	if (!(h->flags & PFCP_HDR_FO) && (size_t)h->length + 4 != len)
		return PFCP_ERR_LENGTH;
	if (!pfcp_type_known(h->type))
		return PFCP_ERR_TYPE;
	if (!pfcp_type_has_seid(h->type) != !(h->flags & PFCP_HDR_S))
		return PFCP_ERR_SEID_FLAG;
	return PFCP_OK;
}

enum pfcp_result pfcp_parse(const uint8_t *buf, size_t len,
			    struct pfcp_parsed *res, struct pfcp_msg *msg)
{
	const struct pfcp_msg_desc *d;
	enum pfcp_result r;

	memset(res, 0, sizeof(*res));
	r = parse_hdr(buf, len, &res->hdr);
	if (r != PFCP_OK)
		return r;
	/* the arrays' elements are zeroed as they are filled (decode_one) */
	memset(msg, 0, offsetof(struct pfcp_msg, usage_report));
	d = msg_desc(res->hdr.type);
	if (walk(&d->ies, buf + res->hdr.hlen,
		 res->hdr.length + 4 - res->hdr.hlen, msg, 0, res))
		return PFCP_ERR_IE;
	return PFCP_OK;
}

/* The builder */

static void put(struct pfcp_out *o, const void *p, size_t n)
{
	if (o->overflow || o->size - o->len < n) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void put16(struct pfcp_out *o, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	put(o, b, sizeof(b));
}

static void put32(struct pfcp_out *o, uint32_t v)
{
	put16(o, v >> 16);
	put16(o, v & 0xffff);
}

void pfcp_out_start(struct pfcp_out *o, void *buf, size_t size,
		    uint8_t type, uint32_t seq, bool with_seid, uint64_t seid)
{
	uint8_t b[4] = { PFCP_VERSION << 5 | (with_seid ? PFCP_HDR_S : 0),
			 type, 0, 0 };

	o->buf = buf;
	o->size = size;
	o->len = 0;
	o->overflow = false;
	put(o, b, sizeof(b));
	if (with_seid) {
		put32(o, seid >> 32);
		put32(o, seid & 0xffffffff);
	}
	/* sequence number, then a spare octet (no message priority) */
	put32(o, (seq & 0xffffff) << 8);
}

void pfcp_put_ie(struct pfcp_out *o, uint16_t type, const void *val,
		 uint16_t len)
{
	put16(o, type);
	put16(o, len);
	put(o, val, len);
}

void pfcp_put_u8(struct pfcp_out *o, uint16_t type, uint8_t v)
{
	pfcp_put_ie(o, type, &v, 1);
}

void pfcp_put_u16(struct pfcp_out *o, uint16_t type, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	pfcp_put_ie(o, type, b, sizeof(b));
}

void pfcp_put_u32(struct pfcp_out *o, uint16_t type, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff };

	pfcp_put_ie(o, type, b, sizeof(b));
}

void pfcp_put_node_id(struct pfcp_out *o, const struct pfcp_node_id *id)
{
	put16(o, PFCP_IE_NODE_ID);
	put16(o, 1 + id->len);
	put(o, &id->type, 1);
	put(o, id->val, id->len);
}

/* F-SEID and F-TEID: flags, the identifier, then IPv4 before IPv6 */
static void put_addrs(struct pfcp_out *o, bool v4, const uint8_t *a4,
		      bool v6, const uint8_t *a6)
{
	if (v4)
		put(o, a4, 4);
	if (v6)
		put(o, a6, 16);
}

void pfcp_put_fseid(struct pfcp_out *o, const struct pfcp_fseid *f)
{
	bool v4 = f->flags & PFCP_FSEID_V4, v6 = f->flags & PFCP_FSEID_V6;

	put16(o, PFCP_IE_F_SEID);
	put16(o, 9 + addrs_len(v4, v6));
	put(o, &f->flags, 1);
	put32(o, f->seid >> 32);
	put32(o, f->seid & 0xffffffff);
	put_addrs(o, v4, f->v4, v6, f->v6);
}

/* A chosen F-TEID: never with CH or CHID */
void pfcp_put_fteid(struct pfcp_out *o, const struct pfcp_fteid *f)
{
	uint8_t flags = f->flags & (PFCP_FTEID_V4 | PFCP_FTEID_V6);
	bool v4 = flags & PFCP_FTEID_V4, v6 = flags & PFCP_FTEID_V6;

	put16(o, PFCP_IE_F_TEID);
	put16(o, 5 + addrs_len(v4, v6));
	put(o, &flags, 1);
	put32(o, f->teid);
	put_addrs(o, v4, f->v4, v6, f->v6);
}

void pfcp_put_volume(struct pfcp_out *o, uint64_t ul, uint64_t dl)
{
	const uint8_t flags = PFCP_VOL_TOTAL | PFCP_VOL_UL | PFCP_VOL_DL;
	uint64_t v[] = { ul + dl, ul, dl };
	unsigned int i;

	put16(o, PFCP_IE_VOLUME_MEASUREMENT);
	put16(o, 1 + sizeof(v));
	put(o, &flags, 1);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		put32(o, v[i] >> 32);
		put32(o, v[i] & 0xffffffff);
	}
}

void pfcp_put_usage_report(struct pfcp_out *o, uint16_t type,
			   const struct pfcp_usage_report *u)
{
	const uint8_t trig[3] = { u->trigger & 0xff, u->trigger >> 8 & 0xff,
				  u->trigger >> 16 & 0xff };
	size_t at = pfcp_group_begin(o, type);

	pfcp_put_u32(o, PFCP_IE_URR_ID, u->urr_id);
	pfcp_put_u32(o, PFCP_IE_UR_SEQN, u->seqn);
	pfcp_put_ie(o, PFCP_IE_USAGE_REPORT_TRIGGER, trig, sizeof(trig));
	pfcp_put_volume(o, u->volume.ul, u->volume.dl);
	if (u->start)
		pfcp_put_u32(o, PFCP_IE_START_TIME, u->start);
	if (u->end)
		pfcp_put_u32(o, PFCP_IE_END_TIME, u->end);
	pfcp_group_end(o, at);
}

void pfcp_put_created_pdr(struct pfcp_out *o, uint16_t type,
			  uint32_t pdr_id, const struct pfcp_fteid *f)
{
	size_t at = pfcp_group_begin(o, type);

	pfcp_put_u16(o, PFCP_IE_PDR_ID, pdr_id);
	pfcp_put_fteid(o, f);
	pfcp_group_end(o, at);
}

size_t pfcp_group_begin(struct pfcp_out *o, uint16_t type)
{
	put16(o, type);
	put16(o, 0);
	return o->len;
}

void pfcp_group_end(struct pfcp_out *o, size_t at)
{
	size_t n = o->len - at;

	if (n > 0xffff)
		o->overflow = true;
	if (o->overflow)
		return;
	o->buf[at - 2] = n >> 8;
	o->buf[at - 1] = n & 0xff;
}

int pfcp_out_finish(struct pfcp_out *o)
{
	if (o->overflow || o->len > 0xffff + 4)
		return -1;
	o->buf[2] = (o->len - 4) >> 8;
	o->buf[3] = (o->len - 4) & 0xff;
	return (int)o->len;
}
