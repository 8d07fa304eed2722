/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shared GTP-U data path core (module nf_gtpu), called by the nft_gtp
 * expression and the xt_GTPU target.  Front ends translate their
 * configuration into the parameter structs below and map the verdicts.
 */
#ifndef _NF_GTPU_H
#define _NF_GTPU_H

#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include "nf_gtpu_parse.h"

struct dst_cache;

/* Statistics of a network namespace, shown in /proc/net/nf_gtpu. */
enum nf_gtpu_stat {
	NF_GTPU_STAT_DECAP,		/* T-PDUs delivered to an APN device */
	NF_GTPU_STAT_NOT_TPDU,		/* other messages, left to the ruleset */
	NF_GTPU_STAT_BAD_UDP,		/* UDP length wrong */
	NF_GTPU_STAT_BAD_CSUM,		/* UDP checksum wrong (or zero over IPv6) */
	NF_GTPU_STAT_FRAGMENT,		/* outer fragment that was not reassembled */
	NF_GTPU_STAT_BAD_HEADER,	/* version, protocol type, length */
	NF_GTPU_STAT_BAD_EXT,		/* extension header length or content */
	NF_GTPU_STAT_UNSUPP_EXT,	/* unknown comprehension-required extension */
	NF_GTPU_STAT_BAD_INNER,		/* T-PDU that is not a well-formed IP packet */
	NF_GTPU_STAT_SPOOFED,		/* inner source is not the MS address */
	NF_GTPU_STAT_NO_DEVICE,		/* APN device gone, down or of another kind */
	NF_GTPU_STAT_ENCAP,		/* packets encapsulated and sent */
	NF_GTPU_STAT_ENCAP_NO_ROUTE,	/* no route to the peer */
	NF_GTPU_STAT_ENCAP_TOO_BIG,	/* did not fit the path MTU */
	NF_GTPU_STAT_ENCAP_LOOP,	/* would have encapsulated its own output */
	NF_GTPU_STAT_ENCAP_ERROR,	/* not IP, bad parameters, no memory */
	NF_GTPU_STAT_ECHO_RESPONSE,	/* Echo Responses sent */
	NF_GTPU_STAT_ERROR_INDICATION,	/* Error Indications sent */
	NF_GTPU_STAT_EXT_NOTIFICATION,	/* Supported Extension Headers Notif. sent */
	NF_GTPU_STAT_REPLY_ERROR,	/* reply not sent: no route, no memory */
	NF_GTPU_STAT_WRONG_HOOK,	/* xt rule reached from a hook not its mode's */
	NF_GTPU_STAT_REPLY_REFUSED,	/* no reply to a forged or foreign source */
	NF_GTPU_STAT_REPLY_TOO_BIG,	/* no reply larger than its request */
	NF_GTPU_STAT_BAD_ECN,		/* outer CE on a not-ECT inner packet */
	NF_GTPU_STAT_GSO_SPLIT,		/* datagrams split out of a merged skb */
	NF_GTPU_STAT_CONTEXT_LIMIT,	/* the context's quota or limit refused */
	__NF_GTPU_STAT_MAX
};

/* No statistic: see nf_gtpu_decap_tpdu() */
#define NF_GTPU_STAT_NONE	__NF_GTPU_STAT_MAX

/**
 * struct nf_gtpu_decap_params - how to decapsulate
 * @ifindex: the APN device to receive the inner packet on
 * @ms_family: NFPROTO_IPV4/IPV6 of @ms_addr, NFPROTO_INET: a dual-stack MS
 *	(@ms_addr IPv4, @ms_addr6), or NFPROTO_UNSPEC: no check
 * @ms_addr: the MS address the inner source must match (IPv6: its /64)
 * @ms_addr6: with NFPROTO_INET, the MS's IPv6 address (its /64 counts)
 * @teid: when @match_teid, only this TEID (the TID for GTPv0)
 * @match_teid: see @teid
 * @v0: GTPv0 on port 3386 rather than GTPv1 on port 2152
 */
struct nf_gtpu_decap_params {
	int			ifindex;
	u8			ms_family;
	bool			match_teid;
	bool			v0;
	union nf_inet_addr	ms_addr;
	struct in6_addr		ms_addr6;
	u64			teid;
};

/**
 * struct nf_gtpu_encap_params - how to encapsulate
 * @family: NFPROTO_IPV4/IPV6 of the outer header (@peer, @saddr)
 * @peer: the peer's GTP-U address
 * @saddr: outer source address, or any (zero) to let routing choose
 * @teid: the peer's TEID (the TID for GTPv0)
 * @qfi: QFI for a PDU Session Container, when @add_qfi (from a register or
 *	map data, so checked against 0-63 per packet)
 * @add_qfi: see @qfi
 * @sport_hash: UDP source port from the inner flow hash (RSS entropy)
 * @v0: GTPv0 rather than GTPv1
 * @dst_cache: the route to @peer from @saddr, kept by a rule whose peer is
 *	fixed, or NULL to route each packet
 */
struct nf_gtpu_encap_params {
	struct dst_cache	*dst_cache;
	u8			family;
	u32			qfi;
	bool			add_qfi;
	bool			sport_hash;
	bool			v0;
	union nf_inet_addr	peer;
	union nf_inet_addr	saddr;
	u64			teid;
};

/* Result of a decap attempt. */
enum nf_gtpu_verdict {
	NF_GTPU_PASS,		/* not a T-PDU for us: the ruleset goes on */
	NF_GTPU_DROP,		/* invalid: dropped and counted by the caller */
	NF_GTPU_STOLEN,		/* consumed */
};

/* A received GTP-U message, see nf_gtpu_rx_parse(). */
struct nf_gtpu_rx {
	int			thoff;	/* offset of the UDP header */
	unsigned int		len;	/* UDP payload: the GTP-U message */
	__be16			sport;	/* UDP source port */
	enum nf_gtpu_stat	stat;	/* NF_GTPU_RX_BAD: why */
	enum gtpu_parse_result	ret;	/* NF_GTPU_RX_OK: the parser's result */
	struct gtpu_info	info;
};

bool netif_is_apn(const struct net_device *dev);

enum nf_gtpu_verdict nf_gtpu_decap(struct sk_buff *skb,
				   const struct nf_hook_state *state,
				   const struct nf_gtpu_decap_params *p);
/* nf_gtpu_decap() in steps, for a front end that finds the context by TEID */
bool nf_gtpu_decap_tpdu(struct sk_buff *skb, const struct nf_hook_state *state,
			bool v0, struct nf_gtpu_rx *rx,
			enum nf_gtpu_verdict *verdict);
struct net_device *nf_gtpu_decap_pull(struct sk_buff *skb,
				      const struct nf_hook_state *state,
				      const struct nf_gtpu_decap_params *p,
				      const struct nf_gtpu_rx *rx);
void nf_gtpu_decap_receive(struct net *net, struct net_device *dev,
			   struct sk_buff *skb);
enum nf_gtpu_verdict nf_gtpu_encap(struct sk_buff *skb,
				   const struct nf_hook_state *state,
				   const struct nf_gtpu_encap_params *p);
enum nf_gtpu_verdict nf_gtpu_reply(struct sk_buff *skb,
				   const struct nf_hook_state *state);
bool nf_gtpu_header(struct sk_buff *skb, struct gtpu_info *info);

int nf_gtpu_defrag_enable(struct net *net, u8 family);
void nf_gtpu_defrag_disable(struct net *net, u8 family);
void nf_gtpu_stat_inc(struct net *net, enum nf_gtpu_stat stat);

/* Count a message nf_gtpu_decap_tpdu() left to the ruleset. */
static inline void nf_gtpu_stat_pass(struct net *net,
				     const struct nf_gtpu_rx *rx)
{
	if (rx->stat != NF_GTPU_STAT_NONE)
		nf_gtpu_stat_inc(net, rx->stat);
}

/* internal to nf_gtpu.ko */

enum nf_gtpu_rx_result {
	NF_GTPU_RX_OK,
	NF_GTPU_RX_OTHER,	/* not UDP to the GTP-U port */
	NF_GTPU_RX_BAD,		/* invalid outer headers */
};

enum nf_gtpu_rx_result nf_gtpu_rx_parse(struct sk_buff *skb,
					const struct nf_hook_state *state,
					__be16 port, struct nf_gtpu_rx *rx);
struct dst_entry *nf_gtpu_route(struct net *net, struct sk_buff *skb,
				const struct nf_gtpu_encap_params *p,
				union nf_inet_addr *saddr);
void nf_gtpu_apn_rx(struct net_device *dev, struct sk_buff *skb);
int nf_gtpu_apn_init(void);
void nf_gtpu_apn_exit(void);

#endif /* _NF_GTPU_H */
