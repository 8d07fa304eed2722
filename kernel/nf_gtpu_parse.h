/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GTP-U header and extension-header chain parser.
 *
 * A pure function on a byte buffer, with no kernel dependency, so the very
 * same code runs in the module and under the userspace fuzzer (fuzz/).
 */
#ifndef _NF_GTPU_PARSE_H
#define _NF_GTPU_PARSE_H

/* Userspace builds provide u8..u64 and bool before including this. */
#ifdef __KERNEL__
#include <linux/types.h>
#endif

#define GTPU_V1_PORT		2152
#define GTPU_V0_PORT		3386

#define GTPU_TYPE_ECHO_REQ	1
#define GTPU_TYPE_ECHO_RSP	2
#define GTPU_TYPE_ERROR_IND	26
#define GTPU_TYPE_SUPP_EXT_NOTIF	31
#define GTPU_TYPE_END_MARKER	254
#define GTPU_TYPE_TPDU		255

/* Extension header types, 3GPP TS 29.281 table 5.2.1-3 */
#define GTPU_EXT_NONE		0x00
#define GTPU_EXT_LONG_PDCP	0x82
#define GTPU_EXT_PDU_SESSION	0x85
#define GTPU_EXT_PDCP		0xc0
/* bit 8 set: the receiver must understand the header (TS 29.281 5.2.1) */
#define GTPU_EXT_COMPREHENSION_REQUIRED	0x80

#define GTPU_V0_HLEN		20
#define GTPU_V1_HLEN		8
#define GTPU_V1_OPT_LEN		4	/* sequence, N-PDU, next extension type */

/*
 * The longest GTP-U header the parser accepts, mandatory part and
 * extension chain together.  A legal chain of every extension type the
 * specifications define for the user plane fits with room to spare; a
 * longer chain is refused rather than walked.
 */
#define GTPU_MAX_HLEN		256

enum gtpu_parse_result {
	GTPU_OK,
	GTPU_ERR_TRUNCATED,	/* shorter than the mandatory header */
	GTPU_ERR_VERSION,	/* neither v0 nor v1 */
	GTPU_ERR_PROTOCOL_TYPE,	/* PT = 0: GTP', not GTP */
	GTPU_ERR_LENGTH,	/* length field disagrees with the UDP payload */
	GTPU_ERR_EXT_LENGTH,	/* extension length 0 or running past the end */
	GTPU_ERR_EXT_CHAIN,	/* chain longer than GTPU_MAX_HLEN */
	GTPU_ERR_EXT_CONTENT,	/* a known extension with malformed content */
	GTPU_ERR_EXT_UNSUPPORTED, /* comprehension required, type unknown */
	__GTPU_PARSE_MAX
};

#define GTPU_INFO_SEQ		0x01	/* sequence number present */
#define GTPU_INFO_QFI		0x02	/* PDU Session Container present */

struct gtpu_info {
	u64	tid;		/* GTPv0 tunnel identifier */
	u32	teid;		/* GTPv1 TEID, host byte order */
	u16	hlen;		/* whole GTP header, extensions included */
	u16	plen;		/* T-PDU length after the header */
	u16	seq;
	u8	version;
	u8	type;
	u8	flags;		/* GTPU_INFO_* */
	u8	qfi;
	u8	pdu_type;	/* of the PDU Session Container: 0 DL, 1 UL */
	u8	bad_ext;	/* type of an unsupported extension */
};

/**
 * gtpu_parse - validate a GTP-U header and its extension chain
 * @buf: the bytes following the UDP header
 * @buf_len: how many of them the caller made available
 * @udp_plen: UDP payload length (from the UDP header), >= @buf_len
 * @info: filled in on GTPU_OK (and bad_ext on GTPU_ERR_EXT_UNSUPPORTED)
 */
enum gtpu_parse_result gtpu_parse(const u8 *buf, unsigned int buf_len,
				  unsigned int udp_plen, struct gtpu_info *info);

#endif /* _NF_GTPU_PARSE_H */
