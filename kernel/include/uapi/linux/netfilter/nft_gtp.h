/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Netlink ABI of the nf_tables "gtp" expression (module nft_gtp), shared
 * by the kernel module, the libnftnl patch and the test loader.
 */
#ifndef _UAPI_NFT_GTP_H
#define _UAPI_NFT_GTP_H

/**
 * enum nft_gtp_ops - what a gtp expression does
 *
 * @NFT_GTP_LOAD: load a GTP-U header field into a register
 * @NFT_GTP_DECAP: decapsulate a T-PDU into an APN device
 * @NFT_GTP_ENCAP: encapsulate the packet toward a GTP-U peer
 * @NFT_GTP_REPLY: answer an Echo Request or a T-PDU (Error Indication,
 *	Supported Extension Headers Notification); no attributes
 */
enum nft_gtp_ops {
	NFT_GTP_LOAD,
	NFT_GTP_DECAP,
	NFT_GTP_ENCAP,
	NFT_GTP_REPLY,
	__NFT_GTP_OP_MAX
};

#define NFT_GTP_OP_MAX	(__NFT_GTP_OP_MAX - 1)

/**
 * enum nft_gtp_keys - GTP header fields for NFT_GTP_LOAD
 *
 * All values are loaded as 32-bit integers in host byte order, like
 * meta mark, so that maps typed "mark" hold them.
 *
 * @NFT_GTP_TEID: tunnel endpoint identifier (low 32 bits of the v0 TID)
 * @NFT_GTP_TYPE: message type (255: T-PDU)
 * @NFT_GTP_VERSION: 0 or 1
 * @NFT_GTP_QFI: QFI of the PDU Session Container; no match without one
 */
enum nft_gtp_keys {
	NFT_GTP_TEID,
	NFT_GTP_TYPE,
	NFT_GTP_VERSION,
	NFT_GTP_QFI,
	__NFT_GTP_KEY_MAX
};

#define NFT_GTP_KEY_MAX	(__NFT_GTP_KEY_MAX - 1)

/**
 * enum nft_gtp_flags - options of decap and encap
 *
 * @NFT_GTP_F_SPORT_HASH: encap: outer UDP source port from the flow hash
 * @NFT_GTP_F_V0: GTPv0 (port 3386, TEID register holds the TID's low bits)
 */
enum nft_gtp_flags {
	NFT_GTP_F_SPORT_HASH	= (1 << 0),
	NFT_GTP_F_V0		= (1 << 1),
};

#define NFT_GTP_F_MASK	(NFT_GTP_F_SPORT_HASH | NFT_GTP_F_V0)

/**
 * enum nft_gtp_attributes - nf_tables gtp expression netlink attributes
 *
 * @NFTA_GTP_OP: operation (NLA_U32: enum nft_gtp_ops)
 * @NFTA_GTP_KEY: load: header field (NLA_U32: enum nft_gtp_keys)
 * @NFTA_GTP_DREG: load: destination register (NLA_U32: nft_registers)
 * @NFTA_GTP_NFPROTO: family of the address registers (NLA_U32: NFPROTO_*;
 *	decap also NFPROTO_INET: a dual-stack MS, its IPv4 then IPv6 address)
 * @NFTA_GTP_SREG_DEV: decap: APN device ifindex (NLA_U32: nft_registers)
 * @NFTA_GTP_SREG_MS_ADDR: decap: expected inner source (NLA_U32)
 * @NFTA_GTP_SREG_ADDR: encap: peer address (NLA_U32: nft_registers)
 * @NFTA_GTP_SREG_TEID: encap: peer TEID, host byte order (NLA_U32)
 * @NFTA_GTP_SREG_SADDR: encap: outer source address (NLA_U32)
 * @NFTA_GTP_SREG_QFI: encap: QFI, host byte order (NLA_U32)
 * @NFTA_GTP_FLAGS: enum nft_gtp_flags (NLA_U32)
 * @NFTA_GTP_SET: decap: the uplink map to find the context in, by the
 *	T-PDU's TEID as NFT_GTP_TEID loads it, instead of SREG_DEV and
 *	SREG_MS_ADDR; its data is the APN device ifindex, then with
 *	NFTA_GTP_NFPROTO the MS address (NLA_STRING)
 * @NFTA_GTP_SET_ID: decap: the map by its ID in the same batch (NLA_U32)
 */
enum nft_gtp_attributes {
	NFTA_GTP_UNSPEC,
	NFTA_GTP_OP,
	NFTA_GTP_KEY,
	NFTA_GTP_DREG,
	NFTA_GTP_NFPROTO,
	NFTA_GTP_SREG_DEV,
	NFTA_GTP_SREG_MS_ADDR,
	NFTA_GTP_SREG_ADDR,
	NFTA_GTP_SREG_TEID,
	NFTA_GTP_SREG_SADDR,
	NFTA_GTP_SREG_QFI,
	NFTA_GTP_FLAGS,
	NFTA_GTP_SET,
	NFTA_GTP_SET_ID,
	__NFTA_GTP_MAX
};

#define NFTA_GTP_MAX	(__NFTA_GTP_MAX - 1)

#endif /* _UAPI_NFT_GTP_H */
