/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * ABI of the GTPU xtables target, shared by xt_GTPU.ko and libxt_GTPU.so.
 */
#ifndef _UAPI_XT_GTPU_H
#define _UAPI_XT_GTPU_H

#include <linux/types.h>
#include <linux/if.h>
#include <linux/netfilter.h>

enum xt_gtpu_mode {
	XT_GTPU_DECAP = 1,	/* strip outer IP/UDP/GTP-U, receive on an APN device */
	XT_GTPU_ENCAP = 2,	/* push GTP-U/UDP/IP toward a peer */
	XT_GTPU_REPLY = 3,	/* answer an Echo Request or a T-PDU, no options */
};

enum xt_gtpu_flags {
	XT_GTPU_F_MS_ADDR	= 1 << 0,	/* decap: inner source must match ms_addr */
	XT_GTPU_F_TEID		= 1 << 1,	/* decap: only this TEID (TID for v0) */
	XT_GTPU_F_SADDR		= 1 << 2,	/* encap: outer source address given */
	XT_GTPU_F_QFI		= 1 << 3,	/* encap: add a PDU Session Container */
	XT_GTPU_F_SPORT_HASH	= 1 << 4,	/* encap: UDP source port from flow hash */
	XT_GTPU_F_V0		= 1 << 5,	/* GTPv0 (GSM 09.60, port 3386) */
};

#define XT_GTPU_F_ALL	(XT_GTPU_F_MS_ADDR | XT_GTPU_F_TEID | XT_GTPU_F_SADDR | \
			 XT_GTPU_F_QFI | XT_GTPU_F_SPORT_HASH | XT_GTPU_F_V0)

/**
 * struct xt_gtpu_tginfo - GTPU target parameters
 * @mode: enum xt_gtpu_mode
 * @flags: enum xt_gtpu_flags
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6: family of @ms_addr (decap) or of
 *	@peer and @saddr (encap); may differ from the table's family
 * @qfi: QoS flow identifier for the PDU Session Container (0-63)
 * @teid: decap: expected TEID; encap: the peer's TEID (host byte order)
 * @tid: the 64-bit tunnel identifier of GTPv0, used instead of @teid
 * @dev: decap: name of the APN device the packet is received on
 * @ms_addr: decap: the mobile station's address (IPv6: its /64 prefix)
 * @peer: encap: the peer's GTP-U address
 * @saddr: encap: outer source address
 * @priv: kernel-private: the APN device @dev names now, kept up to date
 *	as devices come and go (decap); the route to @peer (encap)
 */
struct xt_gtpu_tginfo {
	__u8			mode;
	__u8			flags;
	__u8			family;
	__u8			qfi;
	__u32			teid;
	__aligned_u64		tid;
	char			dev[IFNAMSIZ];
	union nf_inet_addr	ms_addr;
	union nf_inet_addr	peer;
	union nf_inet_addr	saddr;

	/* Used internally by the kernel */
	struct xt_gtpu_priv	*priv __attribute__((aligned(8)));
};

#endif /* _UAPI_XT_GTPU_H */
