/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PFCP (3GPP TS 29.244) message codec: a pure parser of the header and
 * the IEs nf-gtpu-pfcpd needs, and a builder for the messages it sends.
 * No allocation, no global state, nothing printed: every error comes
 * back as a value.
 */
#ifndef PFCP_MSG_H
#define PFCP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PFCP_PORT		8805
#define PFCP_VERSION		1
/* Time stamps count seconds from 1900 (NTP), time_t from 1970 */
#define PFCP_NTP_OFFSET		2208988800u

/* Message types (TS 29.244 table 7.3-1) */
enum {
	PFCP_HEARTBEAT_REQ		= 1,
	PFCP_HEARTBEAT_RSP		= 2,
	PFCP_PFD_MGMT_REQ		= 3,
	PFCP_PFD_MGMT_RSP		= 4,
	PFCP_ASSOC_SETUP_REQ		= 5,
	PFCP_ASSOC_SETUP_RSP		= 6,
	PFCP_ASSOC_UPDATE_REQ		= 7,
	PFCP_ASSOC_UPDATE_RSP		= 8,
	PFCP_ASSOC_RELEASE_REQ		= 9,
	PFCP_ASSOC_RELEASE_RSP		= 10,
	PFCP_VERSION_NOT_SUPPORTED_RSP	= 11,
	PFCP_NODE_REPORT_REQ		= 12,
	PFCP_NODE_REPORT_RSP		= 13,
	PFCP_SESSION_SET_DEL_REQ	= 14,
	PFCP_SESSION_SET_DEL_RSP	= 15,
	PFCP_SESSION_EST_REQ		= 50,
	PFCP_SESSION_EST_RSP		= 51,
	PFCP_SESSION_MOD_REQ		= 52,
	PFCP_SESSION_MOD_RSP		= 53,
	PFCP_SESSION_DEL_REQ		= 54,
	PFCP_SESSION_DEL_RSP		= 55,
	PFCP_SESSION_REPORT_REQ		= 56,
	PFCP_SESSION_REPORT_RSP		= 57,
};

/* IE types (TS 29.244 table 8.1.2-1), those the codec knows */
enum {
	PFCP_IE_CREATE_PDR		= 1,
	PFCP_IE_PDI			= 2,
	PFCP_IE_CREATE_FAR		= 3,
	PFCP_IE_FORWARDING_PARAMS	= 4,
	PFCP_IE_CREATE_URR		= 6,
	PFCP_IE_CREATE_QER		= 7,
	PFCP_IE_CREATED_PDR		= 8,
	PFCP_IE_UPDATE_PDR		= 9,
	PFCP_IE_UPDATE_FAR		= 10,
	PFCP_IE_UPDATE_FORWARDING_PARAMS = 11,
	PFCP_IE_UPDATE_URR		= 13,
	PFCP_IE_UPDATE_QER		= 14,
	PFCP_IE_REMOVE_PDR		= 15,
	PFCP_IE_REMOVE_FAR		= 16,
	PFCP_IE_REMOVE_URR		= 17,
	PFCP_IE_REMOVE_QER		= 18,
	PFCP_IE_CAUSE			= 19,
	PFCP_IE_SOURCE_INTERFACE	= 20,
	PFCP_IE_F_TEID			= 21,
	PFCP_IE_NETWORK_INSTANCE	= 22,
	PFCP_IE_GATE_STATUS		= 25,
	PFCP_IE_MBR			= 26,
	PFCP_IE_PRECEDENCE		= 29,
	PFCP_IE_VOLUME_THRESHOLD	= 31,
	PFCP_IE_REPORTING_TRIGGERS	= 37,
	PFCP_IE_REPORT_TYPE		= 39,
	PFCP_IE_OFFENDING_IE		= 40,
	PFCP_IE_DESTINATION_INTERFACE	= 42,
	PFCP_IE_UP_FUNCTION_FEATURES	= 43,
	PFCP_IE_APPLY_ACTION		= 44,
	PFCP_IE_PFCPSMREQ_FLAGS		= 49,
	PFCP_IE_PDR_ID			= 56,
	PFCP_IE_F_SEID			= 57,
	PFCP_IE_NODE_ID			= 60,
	PFCP_IE_MEASUREMENT_METHOD	= 62,
	PFCP_IE_USAGE_REPORT_TRIGGER	= 63,
	PFCP_IE_MEASUREMENT_PERIOD	= 64,
	PFCP_IE_VOLUME_MEASUREMENT	= 66,
	PFCP_IE_VOLUME_QUOTA		= 73,
	PFCP_IE_START_TIME		= 75,
	PFCP_IE_END_TIME		= 76,
	PFCP_IE_USAGE_REPORT_DEL	= 79,	/* in a Deletion Response */
	PFCP_IE_USAGE_REPORT_SRR	= 80,	/* in a Report Request */
	PFCP_IE_URR_ID			= 81,
	PFCP_IE_DOWNLINK_DATA_REPORT	= 83,
	PFCP_IE_OUTER_HEADER_CREATION	= 84,
	PFCP_IE_BAR_ID			= 88,
	PFCP_IE_CP_FUNCTION_FEATURES	= 89,
	PFCP_IE_UE_IP_ADDRESS		= 93,
	PFCP_IE_OUTER_HEADER_REMOVAL	= 95,
	PFCP_IE_RECOVERY_TIME_STAMP	= 96,
	PFCP_IE_UR_SEQN			= 104,
	PFCP_IE_FAR_ID			= 108,
	PFCP_IE_QER_ID			= 109,
	PFCP_IE_FAILED_RULE_ID		= 114,
	PFCP_IE_QFI			= 124,
	PFCP_IE_UPDATED_PDR		= 256,
};

/* Enterprise-specific IEs have bit 8 of the type's first octet set */
#define PFCP_IE_ENTERPRISE	0x8000

/* Cause values (TS 29.244 table 8.2.1-1) */
enum {
	PFCP_CAUSE_ACCEPTED		= 1,
	PFCP_CAUSE_REJECTED		= 64,
	PFCP_CAUSE_SESSION_NOT_FOUND	= 65,
	PFCP_CAUSE_MANDATORY_MISSING	= 66,
	PFCP_CAUSE_CONDITIONAL_MISSING	= 67,
	PFCP_CAUSE_INVALID_LENGTH	= 68,
	PFCP_CAUSE_MANDATORY_INCORRECT	= 69,
	PFCP_CAUSE_INVALID_FTEID_ALLOC	= 71,
	PFCP_CAUSE_NO_ASSOCIATION	= 72,
	PFCP_CAUSE_RULE_FAILURE		= 73,
	PFCP_CAUSE_NO_RESOURCES		= 75,
	PFCP_CAUSE_SERVICE_NOT_SUPPORTED = 76,
	PFCP_CAUSE_SYSTEM_FAILURE	= 77,
};

/* What pfcp_parse() made of a datagram */
enum pfcp_result {
	PFCP_OK = 0,
	PFCP_ERR_TRUNCATED,	/* shorter than a header: drop (7.6.3) */
	PFCP_ERR_LENGTH,	/* Message Length disagrees with the datagram: drop */
	PFCP_ERR_VERSION,	/* not version 1: Version Not Supported (7.6.2) */
	PFCP_ERR_TYPE,		/* unknown message type: drop (7.6.4) */
	PFCP_ERR_SEID_FLAG,	/* S flag wrong for the message type: drop */
	PFCP_ERR_IE,		/* an IE is wrong: cause and offending_ie set */
	__PFCP_RESULT_MAX
};

/*
 * Bounds.  A message with more rules than this is refused with "No
 * resources available", never silently truncated.  Grouped IEs nest at
 * most three deep in the messages handled (Update FAR, Update
 * Forwarding Parameters, its IEs); the walk refuses anything deeper.
 */
#define PFCP_MAX_RULES		32
#define PFCP_MAX_URR_IDS	8
#define PFCP_MAX_QER_IDS	8
#define PFCP_MAX_DEPTH		4
#define PFCP_NI_MAX		100	/* an APN/DNN: TS 23.003 9.1 */
#define PFCP_FQDN_MAX		255
#define PFCP_FEATURES_MAX	8

/* Header flags, octet 1 */
#define PFCP_HDR_S		0x01
#define PFCP_HDR_MP		0x02
#define PFCP_HDR_FO		0x04
#define PFCP_HDR_LEN		8	/* without SEID */
#define PFCP_HDR_LEN_SEID	16

struct pfcp_hdr {
	uint8_t version;
	uint8_t flags;		/* PFCP_HDR_S, _MP, _FO */
	uint8_t type;
	uint16_t length;	/* Message Length: octets after the 4th */
	uint8_t hlen;		/* 8 or 16 */
	uint8_t priority;	/* when MP */
	uint32_t seq;		/* 24 bits */
	uint64_t seid;		/* when S */
};

enum { PFCP_NODE_ID_IPV4 = 0, PFCP_NODE_ID_IPV6 = 1, PFCP_NODE_ID_FQDN = 2 };

struct pfcp_node_id {
	uint8_t type;
	uint8_t len;		/* of the value: 4, 16 or the FQDN's */
	uint8_t val[PFCP_FQDN_MAX];	/* address, or FQDN as on the wire */
};

struct pfcp_features {
	uint8_t len;
	uint8_t oct[PFCP_FEATURES_MAX];	/* more octets are ignored */
};

struct pfcp_fseid {
	uint8_t flags;		/* PFCP_FSEID_* */
	uint64_t seid;
	uint8_t v4[4];
	uint8_t v6[16];
};
#define PFCP_FSEID_V6		0x01
#define PFCP_FSEID_V4		0x02

struct pfcp_fteid {
	uint8_t flags;		/* PFCP_FTEID_* */
	uint32_t teid;
	uint8_t v4[4];
	uint8_t v6[16];
	uint8_t choose_id;
};
#define PFCP_FTEID_V4		0x01
#define PFCP_FTEID_V6		0x02
#define PFCP_FTEID_CH		0x04
#define PFCP_FTEID_CHID		0x08

struct pfcp_ue_ip {
	uint8_t flags;		/* PFCP_UEIP_* */
	uint8_t v4[4];
	uint8_t v6[16];
	uint8_t v6_pd_bits;	/* when IPV6D */
	uint8_t v6_prefix_len;	/* when IP6PL */
};
#define PFCP_UEIP_V6		0x01
#define PFCP_UEIP_V4		0x02
#define PFCP_UEIP_SD		0x04	/* destination: downlink PDR */
#define PFCP_UEIP_IPV6D		0x08
#define PFCP_UEIP_CHV4		0x10
#define PFCP_UEIP_CHV6		0x20
#define PFCP_UEIP_IP6PL		0x40

struct pfcp_ohc {
	uint16_t desc;		/* PFCP_OHC_*: octet 5 in the high byte */
	uint32_t teid;
	uint8_t v4[4];
	uint8_t v6[16];
	uint16_t port;
};
#define PFCP_OHC_GTPU_V4	0x0100
#define PFCP_OHC_GTPU_V6	0x0200
#define PFCP_OHC_UDP_V4		0x0400
#define PFCP_OHC_UDP_V6		0x0800
#define PFCP_OHC_IPV4		0x1000
#define PFCP_OHC_IPV6		0x2000
#define PFCP_OHC_CTAG		0x4000
#define PFCP_OHC_STAG		0x8000

struct pfcp_ohr {
	uint8_t desc;		/* 0: GTP-U/UDP/IPv4, 1: .../IPv6, 6: GTP-U/UDP/IP */
	uint8_t ext_del;	/* GTP-U extension header deletion, 0 if absent */
};

struct pfcp_ni {
	uint8_t len;
	uint8_t val[PFCP_NI_MAX];	/* as on the wire */
};

struct pfcp_volume {
	uint8_t flags;		/* PFCP_VOL_* */
	uint64_t total, ul, dl;
};
#define PFCP_VOL_TOTAL		0x01
#define PFCP_VOL_UL		0x02
#define PFCP_VOL_DL		0x04

struct pfcp_mbr {
	uint64_t ul, dl;	/* kbit/s, 40 bits each */
};

/* Apply Action, octet 5 in the low byte, octet 6 in the high byte */
#define PFCP_AA_DROP		0x01
#define PFCP_AA_FORW		0x02
#define PFCP_AA_BUFF		0x04
#define PFCP_AA_NOCP		0x08
#define PFCP_AA_DUPL		0x10

/*
 * Every struct holding IEs starts with "present": bit i says that the
 * i-th IE of its table (pfcp_msg.c) was there.  Test them with the
 * PFCP_HAS_* bits below, which follow the order of those tables.
 */
enum {	/* struct pfcp_pdi, pdi_ies[] */
	PFCP_PDI_HAS_SOURCE_INTERFACE	= 1u << 0,
	PFCP_PDI_HAS_FTEID		= 1u << 1,
	PFCP_PDI_HAS_NI			= 1u << 2,
	PFCP_PDI_HAS_UE_IP		= 1u << 3,
	PFCP_PDI_HAS_QFI		= 1u << 4,
};
enum {	/* struct pfcp_pdr, PDR_IES() */
	PFCP_PDR_HAS_PRECEDENCE		= 1u << 1,
	PFCP_PDR_HAS_PDI		= 1u << 2,
	PFCP_PDR_HAS_OHR		= 1u << 3,
	PFCP_PDR_HAS_FAR_ID		= 1u << 4,
};
enum {	/* struct pfcp_fwd, FWD_IES() */
	PFCP_FWD_HAS_DEST_INTERFACE	= 1u << 0,
	PFCP_FWD_HAS_NI			= 1u << 1,
	PFCP_FWD_HAS_OHC		= 1u << 2,
};
enum {	/* struct pfcp_far, FAR_IES() */
	PFCP_FAR_HAS_APPLY_ACTION	= 1u << 1,
	PFCP_FAR_HAS_FWD		= 1u << 2,
};
enum {	/* struct pfcp_urr, URR_IES() */
	PFCP_URR_HAS_METHOD		= 1u << 1,
	PFCP_URR_HAS_TRIGGERS		= 1u << 2,
	PFCP_URR_HAS_PERIOD		= 1u << 3,
	PFCP_URR_HAS_THRESHOLD		= 1u << 4,
	PFCP_URR_HAS_QUOTA		= 1u << 5,
};
enum {	/* struct pfcp_usage_report, usage_report_ies[] */
	PFCP_UR_HAS_VOLUME		= 1u << 3,
	PFCP_UR_HAS_START		= 1u << 4,
	PFCP_UR_HAS_END			= 1u << 5,
};
enum {	/* struct pfcp_qer, QER_IES() */
	PFCP_QER_HAS_GATE		= 1u << 1,
	PFCP_QER_HAS_MBR		= 1u << 2,
	PFCP_QER_HAS_QFI		= 1u << 3,
};

/* Source and Destination Interface values (TS 29.244 8.2.2) */
#define PFCP_IF_ACCESS		0
#define PFCP_IF_CORE		1

/* Gate Status: either direction closed */
#define PFCP_GATE_CLOSED	0x05
struct pfcp_pdi {
	uint32_t present;
	uint8_t source_interface;
	struct pfcp_fteid fteid;
	struct pfcp_ni ni;
	struct pfcp_ue_ip ue_ip;
	uint8_t qfi;
};

struct pfcp_pdr {
	uint32_t present;
	uint32_t pdr_id;	/* 16 bits on the wire */
	uint32_t precedence;
	struct pfcp_pdi pdi;
	struct pfcp_ohr ohr;
	uint32_t far_id;
	uint8_t n_urr_id;
	uint32_t urr_id[PFCP_MAX_URR_IDS];
	uint8_t n_qer_id;	/* free5gc sends one per QoS rule */
	uint32_t qer_id[PFCP_MAX_QER_IDS];
};

struct pfcp_fwd {
	uint32_t present;
	uint8_t dest_interface;
	struct pfcp_ni ni;
	struct pfcp_ohc ohc;
	uint8_t smreq_flags;	/* Update Forwarding Parameters: SNDEM etc. */
};
#define PFCP_SMREQ_DROBU	0x01
#define PFCP_SMREQ_SNDEM	0x02

struct pfcp_far {
	uint32_t present;
	uint32_t far_id;
	uint16_t apply_action;
	struct pfcp_fwd fwd;
	uint8_t bar_id;
};

struct pfcp_urr {
	uint32_t present;
	uint32_t urr_id;
	uint8_t method;		/* bit 1 DURAT, bit 2 VOLUM, bit 3 EVENT */
	uint32_t triggers;	/* octet 5 in bits 0-7, 6 in 8-15, 7 in 16-23 */
	uint32_t period;	/* seconds */
	struct pfcp_volume threshold;
	struct pfcp_volume quota;
};

/*
 * Reporting Triggers (TS 29.244 8.2.19) and Usage Report Trigger
 * (8.2.41), both as dec_triggers() keeps them: octet 5 in bits 0-7, 6
 * in 8-15.  The triggers the agent acts on have the same bit in both.
 */
#define PFCP_TRIG_PERIO		0x0001
#define PFCP_TRIG_VOLTH		0x0002
#define PFCP_TRIG_VOLQU		0x0100
#define PFCP_TRIG_TERMR		0x0800	/* Usage Report Trigger */

/* Measurement Method VOLUM, Report Type USAR */
#define PFCP_METHOD_VOLUM	0x02
#define PFCP_REPORT_DLDR	0x01
#define PFCP_REPORT_USAR	0x02

/* A Usage Report: what a URR measured since its last one, and why */
struct pfcp_usage_report {
	uint32_t present;
	uint32_t urr_id;
	uint32_t seqn;		/* UR-SEQN */
	uint32_t trigger;	/* PFCP_TRIG_* */
	struct pfcp_volume volume;
	uint32_t start, end;	/* NTP seconds, 0: not sent */
};

struct pfcp_qer {
	uint32_t present;
	uint32_t qer_id;
	uint8_t gate;		/* bits 3-4 UL, 1-2 DL: 0 open, 1 closed */
	struct pfcp_mbr mbr;
	uint8_t qfi;
};

/*
 * Created PDR (TS 29.244 7.5.3.2) and Updated PDR (7.5.5.5) of a
 * Session Establishment or Modification Response: the F-TEID the UP
 * function chose for the PDR.  The agent sends them; the codec parses
 * them for the tests and the fuzzer.
 */
struct pfcp_created_pdr {
	uint32_t present;
	uint32_t pdr_id;
	struct pfcp_fteid fteid;
};
enum {	/* struct pfcp_created_pdr, created_pdr_ies[] */
	PFCP_CREATED_HAS_FTEID		= 1u << 1,
};

/* A removed rule: only its ID */
struct pfcp_rule_id {
	uint32_t present;
	uint32_t id;
};

/*
 * A parsed message.  The scalars and counts come first: a parse zeroes
 * them and, of the 40 KB of arrays, only the elements it fills.
 */
struct pfcp_msg {
	uint32_t present;
	struct pfcp_node_id node_id;
	uint8_t cause;
	uint32_t recovery_ts;
	struct pfcp_features up_features;
	struct pfcp_features cp_features;
	struct pfcp_fseid fseid;
	uint16_t offending_ie;	/* in a response: the IE the peer names */
	uint8_t report_type;	/* Session Report Request: PFCP_REPORT_* */
	uint8_t n_usage_report;
	uint8_t n_created_pdr, n_updated_pdr;	/* in responses */
	uint8_t n_create_pdr, n_update_pdr, n_remove_pdr;
	uint8_t n_create_far, n_update_far, n_remove_far;
	uint8_t n_create_urr, n_update_urr, n_remove_urr;
	uint8_t n_create_qer, n_update_qer, n_remove_qer;

	struct pfcp_usage_report usage_report[PFCP_MAX_RULES];
	struct pfcp_created_pdr created_pdr[PFCP_MAX_RULES];
	struct pfcp_created_pdr updated_pdr[PFCP_MAX_RULES];
	struct pfcp_pdr create_pdr[PFCP_MAX_RULES];
	struct pfcp_pdr update_pdr[PFCP_MAX_RULES];
	struct pfcp_rule_id remove_pdr[PFCP_MAX_RULES];
	struct pfcp_far create_far[PFCP_MAX_RULES];
	struct pfcp_far update_far[PFCP_MAX_RULES];
	struct pfcp_rule_id remove_far[PFCP_MAX_RULES];
	struct pfcp_urr create_urr[PFCP_MAX_RULES];
	struct pfcp_urr update_urr[PFCP_MAX_RULES];
	struct pfcp_rule_id remove_urr[PFCP_MAX_RULES];
	struct pfcp_qer create_qer[PFCP_MAX_RULES];
	struct pfcp_qer update_qer[PFCP_MAX_RULES];
	struct pfcp_rule_id remove_qer[PFCP_MAX_RULES];
};

/* The result of a parse: the header, and what was wrong when not OK */
struct pfcp_parsed {
	struct pfcp_hdr hdr;
	uint8_t cause;		/* PFCP_ERR_IE: the cause to answer */
	uint16_t offending_ie;	/* PFCP_ERR_IE: the IE type to name */
};

/*
 * Parse the first PFCP message of a datagram into *msg and *res.  On
 * PFCP_ERR_VERSION, _TYPE, _SEID_FLAG and _IE, res->hdr holds what could
 * be read (type and sequence number), enough to answer.  *msg is
 * meaningful only on PFCP_OK, and its arrays only up to their counts.
 */
enum pfcp_result pfcp_parse(const uint8_t *buf, size_t len,
			    struct pfcp_parsed *res, struct pfcp_msg *msg);

/* Does type have the S flag set (session messages), is it a request? */
bool pfcp_type_known(uint8_t type);
bool pfcp_type_has_seid(uint8_t type);
bool pfcp_type_is_request(uint8_t type);
/* snake_case name for metrics and logs, "unknown" if unknown */
const char *pfcp_type_name(uint8_t type);
const char *pfcp_result_name(enum pfcp_result r);

/* IE presence, by IE type, in the top level of a message */
bool pfcp_msg_has(const struct pfcp_msg *msg, uint8_t msg_type,
		  uint16_t ie_type);

/* Builder: the caller's buffer, overflow remembered, checked at the end */
struct pfcp_out {
	uint8_t *buf;
	size_t size, len;
	bool overflow;
};

void pfcp_out_start(struct pfcp_out *o, void *buf, size_t size,
		    uint8_t type, uint32_t seq, bool with_seid, uint64_t seid);
void pfcp_put_ie(struct pfcp_out *o, uint16_t type, const void *val,
		 uint16_t len);
void pfcp_put_u8(struct pfcp_out *o, uint16_t type, uint8_t v);
void pfcp_put_u16(struct pfcp_out *o, uint16_t type, uint16_t v);
void pfcp_put_u32(struct pfcp_out *o, uint16_t type, uint32_t v);
void pfcp_put_node_id(struct pfcp_out *o, const struct pfcp_node_id *id);
void pfcp_put_fseid(struct pfcp_out *o, const struct pfcp_fseid *f);
void pfcp_put_fteid(struct pfcp_out *o, const struct pfcp_fteid *f);
/* Volume Measurement: total, uplink and downlink octets */
void pfcp_put_volume(struct pfcp_out *o, uint64_t ul, uint64_t dl);
/*
 * A Usage Report, grouped IE type (79 in a Deletion Response, 80 in a
 * Session Report Request): URR ID, UR-SEQN, Usage Report Trigger, the
 * Volume Measurement of volume.ul and .dl, Start and End Time if set.
 */
void pfcp_put_usage_report(struct pfcp_out *o, uint16_t type,
			   const struct pfcp_usage_report *u);
/*
 * Created PDR or Updated PDR, grouped IE type (8 or 256): the PDR ID and
 * the F-TEID chosen for it
 */
void pfcp_put_created_pdr(struct pfcp_out *o, uint16_t type,
			  uint32_t pdr_id, const struct pfcp_fteid *f);
/* A grouped IE: begin returns where its length goes, end writes it */
size_t pfcp_group_begin(struct pfcp_out *o, uint16_t type);
void pfcp_group_end(struct pfcp_out *o, size_t at);
/* Sets the Message Length; the message's size, or -1 if it did not fit */
int pfcp_out_finish(struct pfcp_out *o);

#endif /* PFCP_MSG_H */
