// SPDX-License-Identifier: GPL-2.0-only
/*
 * GTP-U header parser: 3GPP TS 29.281 (v1), GSM 09.60 (v0), and the PDU
 * Session Container of TS 38.415.  Every length comes from the packet, so
 * every length is checked against the UDP payload before it is used.
 */
#include "nf_gtpu_parse.h"

#define GTPU_FLAG_PT		0x10
#define GTPU_FLAG_E		0x04
#define GTPU_FLAG_S		0x02
#define GTPU_FLAG_PN		0x01
#define GTPU_FLAG_OPT		(GTPU_FLAG_E | GTPU_FLAG_S | GTPU_FLAG_PN)

static u16 get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/* TS 38.415 5.5.2: octet 1 holds the PDU type, octet 2 the QFI. */
static enum gtpu_parse_result gtpu_parse_pdu_session(const u8 *ext,
						     struct gtpu_info *info)
{
	u8 pdu_type = ext[1] >> 4;

	if (pdu_type > 1)
		return GTPU_ERR_EXT_CONTENT;
	info->pdu_type = pdu_type;
	info->qfi = ext[2] & 0x3f;
	info->flags |= GTPU_INFO_QFI;
	return GTPU_OK;
}

/*
 * Comprehension-required types the endpoint handles; the PDU Session
 * Container is parsed by the caller, the PDCP numbers need no action.
 */
static bool gtpu_ext_supported(u8 type)
{
	return type == GTPU_EXT_PDCP || type == GTPU_EXT_LONG_PDCP;
}

/*
 * TS 29.281 5.2.1: each extension header is a length octet counting
 * 4-octet units (zero is invalid), its content, and the type of the next
 * header in its last octet.  Every step consumes at least four octets, so
 * the walk ends at the end of the header whatever the packet says.
 */
static enum gtpu_parse_result gtpu_parse_ext_chain(const u8 *buf,
						   unsigned int buf_len,
						   unsigned int end, u8 next,
						   struct gtpu_info *info)
{
	unsigned int off = info->hlen;

	while (next != GTPU_EXT_NONE) {
		enum gtpu_parse_result ret;
		unsigned int len;

		if (off >= end)
			return GTPU_ERR_EXT_LENGTH;
		if (off >= buf_len)
			return GTPU_ERR_EXT_CHAIN;
		len = buf[off] * 4u;
		if (!len || off + len > end)
			return GTPU_ERR_EXT_LENGTH;
		if (off + len > buf_len)
			return GTPU_ERR_EXT_CHAIN;

		if (next == GTPU_EXT_PDU_SESSION) {
			ret = gtpu_parse_pdu_session(buf + off, info);
			if (ret != GTPU_OK)
				return ret;
		} else if ((next & GTPU_EXT_COMPREHENSION_REQUIRED) &&
			   !gtpu_ext_supported(next)) {
			info->bad_ext = next;
			return GTPU_ERR_EXT_UNSUPPORTED;
		}
		next = buf[off + len - 1];
		off += len;
	}
	info->hlen = off;
	return GTPU_OK;
}

static enum gtpu_parse_result gtpu_parse_v1(const u8 *buf, unsigned int buf_len,
					    unsigned int udp_plen,
					    struct gtpu_info *info)
{
	unsigned int end;
	u8 flags = buf[0];

	if (!(flags & GTPU_FLAG_PT))
		return GTPU_ERR_PROTOCOL_TYPE;
	info->type = buf[1];
	info->teid = get_be32(buf + 4);
	/* The length field counts the octets after the mandatory header. */
	end = GTPU_V1_HLEN + get_be16(buf + 2);
	if (end != udp_plen)
		return GTPU_ERR_LENGTH;
	info->hlen = GTPU_V1_HLEN;

	if (flags & GTPU_FLAG_OPT) {
		enum gtpu_parse_result ret;

		if (end < GTPU_V1_HLEN + GTPU_V1_OPT_LEN)
			return GTPU_ERR_LENGTH;
		if (buf_len < GTPU_V1_HLEN + GTPU_V1_OPT_LEN)
			return GTPU_ERR_TRUNCATED;
		info->hlen += GTPU_V1_OPT_LEN;
		if (flags & GTPU_FLAG_S) {
			info->seq = get_be16(buf + 8);
			info->flags |= GTPU_INFO_SEQ;
		}
		/* The next-type octet only counts when E is set (5.1). */
		if (flags & GTPU_FLAG_E) {
			ret = gtpu_parse_ext_chain(buf, buf_len, end, buf[11],
						   info);
			if (ret != GTPU_OK)
				return ret;
		}
	}
	info->plen = end - info->hlen;
	return GTPU_OK;
}

static enum gtpu_parse_result gtpu_parse_v0(const u8 *buf, unsigned int buf_len,
					    unsigned int udp_plen,
					    struct gtpu_info *info)
{
	if (!(buf[0] & GTPU_FLAG_PT))
		return GTPU_ERR_PROTOCOL_TYPE;
	if (buf_len < GTPU_V0_HLEN)
		return GTPU_ERR_TRUNCATED;
	/* GSM 09.60 6.1: the length excludes the 20-octet header. */
	if (GTPU_V0_HLEN + get_be16(buf + 2) != udp_plen)
		return GTPU_ERR_LENGTH;
	info->type = buf[1];
	info->seq = get_be16(buf + 4);
	info->flags |= GTPU_INFO_SEQ;
	info->tid = (u64)get_be32(buf + 12) << 32 | get_be32(buf + 16);
	info->teid = (u32)info->tid;
	info->hlen = GTPU_V0_HLEN;
	info->plen = udp_plen - GTPU_V0_HLEN;
	return GTPU_OK;
}

enum gtpu_parse_result gtpu_parse(const u8 *buf, unsigned int buf_len,
				  unsigned int udp_plen, struct gtpu_info *info)
{
	*info = (struct gtpu_info){};
	if (buf_len < GTPU_V1_HLEN || udp_plen < buf_len)
		return GTPU_ERR_TRUNCATED;
	info->version = buf[0] >> 5;
	switch (info->version) {
	case 0:
		return gtpu_parse_v0(buf, buf_len, udp_plen, info);
	case 1:
		return gtpu_parse_v1(buf, buf_len, udp_plen, info);
	}
	return GTPU_ERR_VERSION;
}
