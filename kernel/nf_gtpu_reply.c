// SPDX-License-Identifier: GPL-2.0-only
/*
 * GTP-U signalling answered in the data path (3GPP TS 29.281 section 7):
 * Echo Response to an Echo Request, Error Indication for a T-PDU that no
 * rule took, Supported Extension Headers Notification for a T-PDU with a
 * comprehension-required extension the parser does not know.
 *
 * A reply is built only from a message the parser fully validated (UDP
 * length and checksum, GTP-U length and chain), is of fixed size, and
 * goes from the address the message was sent to, which must be local,
 * back to its sender.  Rate limiting is the ruleset's: rules put
 * "limit" in front of "gtp reply".
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/netfilter/ipv4/nf_reject.h>
#include <net/netfilter/ipv6/nf_reject.h>
#include <net/udp.h>

#include "compat.h"
#include "nf_gtpu.h"

/* Information elements, TS 29.281 section 8 */
#define GTPU_IE_RECOVERY		14
#define GTPU_IE_TEID_DATA_I		16
#define GTPU_IE_PEER_ADDRESS		133
#define GTPU_IE_EXT_HDR_TYPE_LIST	141
#define GTPU_EXT_UDP_PORT		0x40

#define GTPU_FLAGS_V1_S		0x32	/* version 1, PT = GTP, S */
#define GTPU_FLAG_E		0x04

/* The longest reply: Error Indication over IPv6. */
#define GTPU_REPLY_MAX	(GTPU_V1_HLEN + GTPU_V1_OPT_LEN + 4 + 5 + 3 + 16)

/*
 * A message to send: the GTP-U header and what follows it.  @slack is by
 * how much it may exceed the message it answers (see nf_gtpu_reply()).
 */
struct nf_gtpu_msg {
	u8		buf[GTPU_REPLY_MAX];
	unsigned int	len;
	unsigned int	slack;
	__be16		dport;
	enum nf_gtpu_stat stat;
};

static void nf_gtpu_msg_put(struct nf_gtpu_msg *m, const void *data,
			    unsigned int len)
{
	memcpy(m->buf + m->len, data, len);
	m->len += len;
}

/*
 * Mandatory header with the sequence number (TS 29.281 5.1: S is set in
 * every signalling message), TEID 0; the length is set when done.
 */
static void nf_gtpu_msg_init(struct nf_gtpu_msg *m, u8 type, u16 seq, u8 ext)
{
	u8 hdr[GTPU_V1_HLEN + GTPU_V1_OPT_LEN] = {
		GTPU_FLAGS_V1_S | (ext ? GTPU_FLAG_E : 0), type, 0, 0,
		0, 0, 0, 0,
		seq >> 8, seq & 0xff, 0, ext,
	};

	m->len = 0;
	m->slack = 0;
	nf_gtpu_msg_put(m, hdr, sizeof(hdr));
}

static void nf_gtpu_msg_finish(struct nf_gtpu_msg *m)
{
	put_unaligned_be16(m->len - GTPU_V1_HLEN, m->buf + 2);
}

/*
 * 7.2.2: the request's sequence number, and Recovery with counter 0.  The
 * IE is mandatory, so the response is two octets longer than a request
 * without IEs, the usual one: a fixed slack.
 */
static void nf_gtpu_echo_response(struct nf_gtpu_msg *m,
				  const struct gtpu_info *info, __be16 sport)
{
	static const u8 recovery[] = { GTPU_IE_RECOVERY, 0 };

	nf_gtpu_msg_init(m, GTPU_TYPE_ECHO_RSP, info->seq, GTPU_EXT_NONE);
	nf_gtpu_msg_put(m, recovery, sizeof(recovery));
	m->slack = sizeof(recovery);
	m->dport = sport;
	m->stat = NF_GTPU_STAT_ECHO_RESPONSE;
}

/*
 * 7.3.1: to the sender's GTP-U port, the TEID it used and our address it
 * sent to; the UDP Port extension (5.2.2.1) carries its source port.
 */
static void nf_gtpu_error_indication(struct nf_gtpu_msg *m,
				     const struct sk_buff *skb,
				     const struct gtpu_info *info,
				     __be16 sport)
{
	u8 udp_port[4] = { 1, 0, 0, GTPU_EXT_NONE };
	u8 teid[5] = { GTPU_IE_TEID_DATA_I };
	u8 peer[3] = { GTPU_IE_PEER_ADDRESS };

	memcpy(udp_port + 1, &sport, sizeof(sport));
	put_unaligned_be32(info->teid, teid + 1);

	nf_gtpu_msg_init(m, GTPU_TYPE_ERROR_IND, 0, GTPU_EXT_UDP_PORT);
	nf_gtpu_msg_put(m, udp_port, sizeof(udp_port));
	nf_gtpu_msg_put(m, teid, sizeof(teid));
	if (skb->protocol == htons(ETH_P_IP)) {
		put_unaligned_be16(sizeof(struct in_addr), peer + 1);
		nf_gtpu_msg_put(m, peer, sizeof(peer));
		nf_gtpu_msg_put(m, &ip_hdr(skb)->daddr, sizeof(struct in_addr));
	} else {
		put_unaligned_be16(sizeof(struct in6_addr), peer + 1);
		nf_gtpu_msg_put(m, peer, sizeof(peer));
		nf_gtpu_msg_put(m, &ipv6_hdr(skb)->daddr, sizeof(struct in6_addr));
	}
	m->dport = htons(GTPU_V1_PORT);
	m->stat = NF_GTPU_STAT_ERROR_INDICATION;
}

/* 7.3.2: the comprehension-required extensions the parser handles. */
static void nf_gtpu_ext_notification(struct nf_gtpu_msg *m, __be16 sport)
{
	static const u8 list[] = {
		GTPU_IE_EXT_HDR_TYPE_LIST, 3,
		GTPU_EXT_LONG_PDCP, GTPU_EXT_PDU_SESSION, GTPU_EXT_PDCP,
	};

	nf_gtpu_msg_init(m, GTPU_TYPE_SUPP_EXT_NOTIF, 0, GTPU_EXT_NONE);
	nf_gtpu_msg_put(m, list, sizeof(list));
	m->dport = sport;
	m->stat = NF_GTPU_STAT_EXT_NOTIFICATION;
}

/*
 * Only to a unicast source: a reply never goes to a broadcast or multicast
 * group.  It is sent from the request's destination, which
 * nf_gtpu_rx_parse() found to be one of ours: a request to another host,
 * or to a broadcast address, is left to the ruleset (to be forwarded, for
 * one), not dropped because no route leaves from its destination.  Nor
 * does a reply go back into this host: a source that is loopback or one
 * of our own addresses is forged (the reply rule may run before the
 * martian and rp_filter checks; IPv6 drops ::1 itself, and has it on
 * lo), as is a frame not sent to us.
 */
static bool nf_gtpu_reply_addrs_ok(struct net *net, const struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h;
	const struct iphdr *iph;

	if (skb->pkt_type != PACKET_HOST)
		return false;
	if (skb->protocol == htons(ETH_P_IP)) {
		iph = ip_hdr(skb);
		return !ipv4_is_loopback(iph->saddr) &&
		       inet_addr_type_dev_table(net, skb->dev, iph->saddr) ==
		       RTN_UNICAST;
	}
	ip6h = ipv6_hdr(skb);
	return (ipv6_addr_type(&ip6h->saddr) & IPV6_ADDR_UNICAST) &&
	       !ipv6_chk_addr_and_flags(net, &ip6h->saddr, skb->dev, true, 0,
					IFA_F_TENTATIVE);
}

/*
 * Send @m from the address @skb was sent to, back to its source.  Once
 * handed to the IP layer the reply is its business, like an ICMP error.
 */
static int nf_gtpu_send_msg(struct net *net, struct sk_buff *skb,
			    __be16 sport, const struct nf_gtpu_msg *m)
{
	struct nf_gtpu_encap_params p = {};
	union nf_inet_addr saddr;
	struct dst_entry *dst;
	struct sk_buff *nskb;
	struct udphdr *uh;
	bool v4 = skb->protocol == htons(ETH_P_IP);

	p.family = v4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	if (v4) {
		p.peer.ip = ip_hdr(skb)->saddr;
		p.saddr.ip = ip_hdr(skb)->daddr;
	} else {
		p.peer.in6 = ipv6_hdr(skb)->saddr;
		p.saddr.in6 = ipv6_hdr(skb)->daddr;
	}
	dst = nf_gtpu_route(net, skb, &p, &saddr);
	if (!dst)
		return -EHOSTUNREACH;

	nskb = alloc_skb(LL_MAX_HEADER + sizeof(struct ipv6hdr) +
			 sizeof(*uh) + m->len, GFP_ATOMIC);
	if (!nskb) {
		dst_release(dst);
		return -ENOMEM;
	}
	skb_reserve(nskb, LL_MAX_HEADER);
	skb_dst_set(nskb, dst);
	nskb->mark = skb->mark;
	if (v4)
		nf_reject_iphdr_put(nskb, skb, IPPROTO_UDP,
				    ip4_dst_hoplimit(dst));
	else
		nf_reject_ip6hdr_put(nskb, skb, IPPROTO_UDP,
				     ip6_dst_hoplimit(dst));

	skb_set_transport_header(nskb, nskb->len);
	uh = skb_put(nskb, sizeof(*uh));
	uh->source = sport;
	uh->dest = m->dport;
	uh->len = htons(sizeof(*uh) + m->len);
	uh->check = 0;
	skb_put_data(nskb, m->buf, m->len);

	if (v4) {
		udp_set_csum(false, nskb, p.saddr.ip, p.peer.ip,
			     ntohs(uh->len));
		ip_local_out(net, NULL, nskb);
	} else {
		udp6_set_csum(false, nskb, &p.saddr.in6, &p.peer.in6,
			      ntohs(uh->len));
		ip6_local_out(net, NULL, nskb);
	}
	return 0;
}

/**
 * nf_gtpu_reply - answer a GTP-U message as its receiver must
 * @skb: packet, data at the outer network header
 * @state: hook state
 *
 * An Echo Request gets an Echo Response; a T-PDU gets an Error Indication,
 * or a Supported Extension Headers Notification if it carries a
 * comprehension-required extension that is not supported.  The message is
 * consumed (NF_GTPU_STOLEN), or dropped if the reply cannot be sent
 * (NF_GTPU_DROP).  Anything else, malformed messages included, gets no
 * reply and is left to the ruleset: NF_GTPU_PASS.  So is a message from
 * a forged source (or source port 0, RFC 768's "no reply") and one
 * shorter than its reply would be: a reflector must not amplify.
 */
enum nf_gtpu_verdict nf_gtpu_reply(struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	const struct gtpu_info *info;
	struct net *net = state->net;
	struct nf_gtpu_msg m;
	struct nf_gtpu_rx rx;

	if (nf_gtpu_rx_parse(skb, state, htons(GTPU_V1_PORT), &rx) !=
	    NF_GTPU_RX_OK)
		return NF_GTPU_PASS;
	info = &rx.info;

	if (rx.ret == GTPU_OK && info->type == GTPU_TYPE_ECHO_REQ &&
	    (info->flags & GTPU_INFO_SEQ) && !info->teid)
		nf_gtpu_echo_response(&m, info, rx.sport);
	else if (rx.ret == GTPU_OK && info->type == GTPU_TYPE_TPDU)
		nf_gtpu_error_indication(&m, skb, info, rx.sport);
	else if (rx.ret == GTPU_ERR_EXT_UNSUPPORTED &&
		 info->type == GTPU_TYPE_TPDU)
		nf_gtpu_ext_notification(&m, rx.sport);
	else
		return NF_GTPU_PASS;
	if (!rx.sport || !nf_gtpu_reply_addrs_ok(net, skb)) {
		nf_gtpu_stat_inc(net, NF_GTPU_STAT_REPLY_REFUSED);
		return NF_GTPU_PASS;
	}
	if (m.len > rx.len + m.slack) {
		nf_gtpu_stat_inc(net, NF_GTPU_STAT_REPLY_TOO_BIG);
		return NF_GTPU_PASS;
	}

	nf_gtpu_msg_finish(&m);
	if (nf_gtpu_send_msg(net, skb, htons(GTPU_V1_PORT), &m)) {
		nf_gtpu_stat_inc(net, NF_GTPU_STAT_REPLY_ERROR);
		return NF_GTPU_DROP;
	}
	nf_gtpu_stat_inc(net, m.stat);
	consume_skb(skb);
	return NF_GTPU_STOLEN;
}
EXPORT_SYMBOL_GPL(nf_gtpu_reply);
