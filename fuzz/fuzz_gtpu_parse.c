// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for gtpu_parse(), the GTP-U header and extension-chain
 * parser shared by the kernel module (kernel/nf_gtpu_parse.c).
 *
 * Input layout: three control bytes, then the UDP payload.
 *
 *   in[0] & 3   mode:
 *     0  as the kernel calls it: udp_plen = payload length,
 *        buf_len = min(udp_plen, GTPU_MAX_HLEN)
 *     1  short buffer: udp_plen = payload length,
 *        buf_len = min(udp_plen, in[1])
 *     2  long UDP payload, only a prefix available:
 *        udp_plen = payload length + be16(in[1], in[2]),
 *        buf_len = min(payload length, GTPU_MAX_HLEN)
 *     3  caller error, udp_plen < buf_len: buf_len = min(payload length,
 *        GTPU_MAX_HLEN), udp_plen = buf_len - 1 - in[1] % buf_len;
 *        the parser must refuse with GTPU_ERR_TRUNCATED
 *   in[3..]     UDP payload (the bytes after the UDP header)
 *
 * The first buf_len payload bytes are copied into a heap buffer of exactly
 * buf_len bytes, so that AddressSanitizer catches any read past buf_len,
 * not only past the end of the input.
 *
 * Every result is checked against the invariants of the parser, and
 * against ref_parse(), a deliberately simple and independently written
 * model of which headers are valid: both must accept exactly the same
 * inputs and agree on every field they fill in.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#include "../kernel/nf_gtpu_parse.c"

#define FUZZ_CTL_LEN	3

#define check(cond)							\
	do {								\
		if (!(cond))						\
			__builtin_trap();				\
	} while (0)

/* ----------------------------------------------------------------------- */
/* Reference model, written from TS 29.281, GSM 09.60 and TS 38.415 alone. */

struct ref_info {
	unsigned int hlen;
	unsigned int seq;
	bool has_seq;
	bool has_qfi;
	unsigned int qfi;
	unsigned int pdu_type;
	unsigned long long tid;
	unsigned long teid;
};

static unsigned int ref_byte_pair(const u8 *b, unsigned int i)
{
	return b[i] * 256u + b[i + 1];
}

/* Extension types a receiver must understand and that are defined. */
static bool ref_known_ext(unsigned int type)
{
	static const u8 known[] = { 0x03, 0x20, 0x40, 0x82, 0x85, 0xc0 };
	unsigned int i;

	for (i = 0; i < sizeof(known); i++)
		if (known[i] == type)
			return true;
	return false;
}

/*
 * Only the first blen bytes exist; blen <= plen was checked by the caller,
 * so "inside the buffer" implies "inside the UDP payload".
 */
static bool ref_v1(const u8 *b, unsigned int blen, unsigned int plen,
		   struct ref_info *r)
{
	unsigned int pos, size, type, steps = 0;

	if ((b[0] & 0x10) == 0)			/* PT: GTP' is not GTP-U */
		return false;
	if (ref_byte_pair(b, 2) + 8 != plen)	/* length excludes 8 octets */
		return false;
	r->teid = (unsigned long)b[4] << 24 | (unsigned long)b[5] << 16 |
		  (unsigned long)b[6] << 8 | b[7];
	r->hlen = 8;
	if ((b[0] & 0x07) == 0)			/* no E, S, PN: done */
		return true;

	/* Any of E, S, PN: sequence, N-PDU and next type are all present. */
	if (blen < 12)
		return false;
	r->hlen = 12;
	if (b[0] & 0x02) {
		r->has_seq = true;
		r->seq = ref_byte_pair(b, 8);
	}
	if ((b[0] & 0x04) == 0)			/* b[11] is not meaningful */
		return true;

	type = b[11];
	pos = 12;
	while (type != 0) {
		check(++steps <= 64);		/* >= 4 octets per step */
		if (pos + 4 > blen)
			return false;
		size = b[pos] * 4;		/* in units of 4 octets */
		if (size == 0 || pos + size > blen)
			return false;
		if (type == 0x85) {
			/* PDU Session Container: type in the high nibble */
			if ((b[pos + 1] >> 4) != 0 && (b[pos + 1] >> 4) != 1)
				return false;
			r->has_qfi = true;
			r->pdu_type = b[pos + 1] >> 4;
			r->qfi = b[pos + 2] % 64;
		} else if (type >= 0x80 && !ref_known_ext(type)) {
			return false;		/* comprehension required */
		}
		pos += size;
		type = b[pos - 1];		/* last octet: next type */
	}
	r->hlen = pos;
	return true;
}

static bool ref_v0(const u8 *b, unsigned int blen, unsigned int plen,
		   struct ref_info *r)
{
	unsigned int i;

	if ((b[0] & 0x10) == 0 || blen < 20)
		return false;
	if (ref_byte_pair(b, 2) + 20 != plen)	/* length excludes 20 */
		return false;
	r->hlen = 20;
	r->has_seq = true;
	r->seq = ref_byte_pair(b, 4);
	r->tid = 0;
	for (i = 12; i < 20; i++)
		r->tid = r->tid << 8 | b[i];
	r->teid = (unsigned long)(r->tid & 0xffffffffu);
	return true;
}

static bool ref_parse(const u8 *b, unsigned int blen, unsigned int plen,
		      struct ref_info *r)
{
	memset(r, 0, sizeof(*r));
	if (blen < 8 || plen < blen)
		return false;
	if ((b[0] >> 5) == 1)
		return ref_v1(b, blen, plen, r);
	if ((b[0] >> 5) == 0)
		return ref_v0(b, blen, plen, r);
	return false;
}

/* ----------------------------------------------------------------------- */

static void check_ok(const u8 *buf, unsigned int buf_len,
		     unsigned int udp_plen, const struct gtpu_info *info)
{
	struct ref_info ref;

	check(info->version == 0 || info->version == 1);
	check(info->version == buf[0] >> 5);
	check(info->hlen <= buf_len);
	check((unsigned int)info->hlen + info->plen == udp_plen);
	if (info->version == 0)
		check(info->hlen == GTPU_V0_HLEN);
	else
		check(info->hlen >= GTPU_V1_HLEN && info->hlen % 4 == 0);
	check(info->type == buf[1]);
	check((info->flags & ~(GTPU_INFO_SEQ | GTPU_INFO_QFI)) == 0);
	check(info->pdu_type <= 1);
	if (info->flags & GTPU_INFO_QFI)
		check(info->qfi <= 63);
	else
		check(info->qfi == 0 && info->pdu_type == 0);
	check(info->bad_ext == 0);

	/* Differential check against the reference model. */
	check(ref_parse(buf, buf_len, udp_plen, &ref));
	check(info->hlen == ref.hlen);
	check(!!(info->flags & GTPU_INFO_QFI) == ref.has_qfi);
	check(info->qfi == ref.qfi);
	check(info->pdu_type == ref.pdu_type);
	check(!!(info->flags & GTPU_INFO_SEQ) == ref.has_seq);
	check(info->seq == ref.seq);
	check(info->teid == ref.teid);
	check(info->tid == ref.tid);
}

static void check_result(const u8 *buf, unsigned int buf_len,
			 unsigned int udp_plen, enum gtpu_parse_result ret,
			 const struct gtpu_info *info)
{
	struct ref_info ref;

	check((unsigned int)ret < __GTPU_PARSE_MAX);
	if (ret == GTPU_OK) {
		check_ok(buf, buf_len, udp_plen, info);
		return;
	}
	/* The reference must refuse whatever the parser refuses. */
	check(!ref_parse(buf, buf_len, udp_plen, &ref));

	switch (ret) {
	case GTPU_ERR_EXT_UNSUPPORTED:
		check(info->bad_ext & GTPU_EXT_COMPREHENSION_REQUIRED);
		check(!ref_known_ext(info->bad_ext));
		break;
	case GTPU_ERR_EXT_CHAIN:
		/*
		 * Too long for the buffer, yet inside the UDP payload: only
		 * possible when the caller gave less than the whole payload.
		 */
		check(buf_len < udp_plen);
		break;
	case GTPU_ERR_VERSION:
		check(buf[0] >> 5 > 1);
		break;
	case GTPU_ERR_PROTOCOL_TYPE:
		check(!(buf[0] & 0x10));
		break;
	default:
		break;
	}
	if (ret != GTPU_ERR_EXT_UNSUPPORTED)
		check(info->bad_ext == 0);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	enum gtpu_parse_result ret;
	unsigned int n, buf_len, udp_plen;
	struct gtpu_info info;
	u8 *buf;

	if (size < FUZZ_CTL_LEN || size - FUZZ_CTL_LEN > 65535)
		return 0;
	n = size - FUZZ_CTL_LEN;

	switch (data[0] & 3) {
	case 0:
		udp_plen = n;
		buf_len = n < GTPU_MAX_HLEN ? n : GTPU_MAX_HLEN;
		break;
	case 1:
		udp_plen = n;
		buf_len = n < data[1] ? n : data[1];
		break;
	case 2:
		udp_plen = n + (data[1] << 8 | data[2]);
		buf_len = n < GTPU_MAX_HLEN ? n : GTPU_MAX_HLEN;
		break;
	default:
		buf_len = n < GTPU_MAX_HLEN ? n : GTPU_MAX_HLEN;
		if (!buf_len)
			return 0;
		udp_plen = buf_len - 1 - data[1] % buf_len;
		break;
	}

	/* Exactly buf_len bytes, so any over-read is a heap overflow. */
	buf = malloc(buf_len);
	if (!buf && buf_len)
		return 0;
	if (buf_len)
		memcpy(buf, data + FUZZ_CTL_LEN, buf_len);

	/* Garbage in, to catch fields the parser forgets to initialise. */
	memset(&info, 0xa5, sizeof(info));
	ret = gtpu_parse(buf, buf_len, udp_plen, &info);
	if (udp_plen < buf_len || buf_len < GTPU_V1_HLEN)
		check(ret == GTPU_ERR_TRUNCATED);
	check_result(buf, buf_len, udp_plen, ret, &info);

	free(buf);
	return 0;
}
