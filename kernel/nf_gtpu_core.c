// SPDX-License-Identifier: GPL-2.0-only
/*
 * GTP-U tunnel endpoint in netfilter: the packet logic shared by the
 * nft_gtp expression and the xt_GTPU target.
 *
 * Decapsulation validates the outer UDP header, the GTP-U header with its
 * whole extension chain and the inner IP header before it touches the
 * packet, then strips the outer headers with iptunnel_pull_header() and
 * lets the packet be received on an APN device (TCP through GRO).
 * Encapsulation routes toward the peer, enforces the path MTU with the
 * ICMP helpers, segments GSO packets (the GTP-U length field must describe
 * each segment) and sends through the UDP tunnel helpers.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/udp.h>
#include <net/dst_cache.h>
#include <net/gtp.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/route.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "compat.h"
#include "nf_gtpu.h"

struct nf_gtpu_net {
	u64 __percpu	*stats;
	/* decap rules of IPv4, IPv6 (nf_gtpu_defrag_enable()) */
	unsigned int	decap_users[2];
};

/* The decap rules' counts of every netns, and their hooks. */
static DEFINE_MUTEX(nf_gtpu_decap_users_lock);

static unsigned int nf_gtpu_net_id __read_mostly;

/*
 * Set while this CPU sends an encapsulated packet, bottom halves off (see
 * nf_gtpu_encap()): an encap rule that meets its own output finds it set.
 */
static DEFINE_PER_CPU(bool, nf_gtpu_in_encap);

void nf_gtpu_stat_inc(struct net *net, enum nf_gtpu_stat stat)
{
	struct nf_gtpu_net *gn = net_generic(net, nf_gtpu_net_id);

	this_cpu_inc(gn->stats[stat]);
}
EXPORT_SYMBOL_GPL(nf_gtpu_stat_inc);

static const char *const nf_gtpu_stat_names[__NF_GTPU_STAT_MAX] = {
	[NF_GTPU_STAT_DECAP]		= "decap",
	[NF_GTPU_STAT_NOT_TPDU]		= "not_tpdu",
	[NF_GTPU_STAT_BAD_UDP]		= "bad_udp_length",
	[NF_GTPU_STAT_BAD_CSUM]		= "bad_udp_checksum",
	[NF_GTPU_STAT_FRAGMENT]		= "fragment",
	[NF_GTPU_STAT_BAD_HEADER]	= "bad_header",
	[NF_GTPU_STAT_BAD_EXT]		= "bad_extension",
	[NF_GTPU_STAT_UNSUPP_EXT]	= "unsupported_extension",
	[NF_GTPU_STAT_BAD_INNER]	= "bad_inner",
	[NF_GTPU_STAT_SPOOFED]		= "spoofed",
	[NF_GTPU_STAT_NO_DEVICE]	= "no_device",
	[NF_GTPU_STAT_ENCAP]		= "encap",
	[NF_GTPU_STAT_ENCAP_NO_ROUTE]	= "encap_no_route",
	[NF_GTPU_STAT_ENCAP_TOO_BIG]	= "encap_too_big",
	[NF_GTPU_STAT_ENCAP_LOOP]	= "encap_loop",
	[NF_GTPU_STAT_ENCAP_ERROR]	= "encap_error",
	[NF_GTPU_STAT_ECHO_RESPONSE]	= "echo_response",
	[NF_GTPU_STAT_ERROR_INDICATION]	= "error_indication",
	[NF_GTPU_STAT_EXT_NOTIFICATION]	= "ext_notification",
	[NF_GTPU_STAT_REPLY_ERROR]	= "reply_error",
	[NF_GTPU_STAT_WRONG_HOOK]	= "wrong_hook",
	[NF_GTPU_STAT_REPLY_REFUSED]	= "reply_refused",
	[NF_GTPU_STAT_REPLY_TOO_BIG]	= "reply_too_big",
	[NF_GTPU_STAT_BAD_ECN]		= "bad_ecn",
	[NF_GTPU_STAT_GSO_SPLIT]	= "gso_split",
	[NF_GTPU_STAT_CONTEXT_LIMIT]	= "context_limit",
};

static int nf_gtpu_stats_show(struct seq_file *seq, void *v)
{
	struct nf_gtpu_net *gn = net_generic(seq_file_single_net(seq),
					     nf_gtpu_net_id);
	int i, cpu;

	for (i = 0; i < __NF_GTPU_STAT_MAX; i++) {
		u64 sum = 0;

		for_each_possible_cpu(cpu)
			sum += *per_cpu_ptr(&gn->stats[i], cpu);
		seq_printf(seq, "%-24s %llu\n", nf_gtpu_stat_names[i], sum);
	}
	return 0;
}

/*
 * At netdev ingress the IP layer has not seen the packet yet: make the
 * checks of ip_rcv_core() and ipv6_rcv() it would have made before any
 * transport header is trusted, and trim link-layer padding.  A packet
 * that fails them is left to the IP layer, which drops and counts it.
 * A jumbogram (IPv6 payload length 0) is left to it as well.
 */
static bool nf_gtpu_ingress_ok(struct sk_buff *skb, int nhoff)
{
	unsigned int len;

	if (skb->pkt_type != PACKET_HOST)
		return false;
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		if (iph->version != 4 || ip_fast_csum(iph, iph->ihl))
			return false;
		len = ntohs(iph->tot_len);
		if (len < iph->ihl * 4)
			return false;
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		if (ip6h->version != 6 || !ip6h->payload_len)
			return false;
		len = sizeof(*ip6h) + ntohs(ip6h->payload_len);
	}
	if (len > skb->len - nhoff)
		return false;
	return !pskb_trim_rcsum(skb, nhoff + len);
}

/*
 * Where the UDP header starts, for an outer IPv4 or IPv6 packet.  At netdev
 * ingress the IP layer has not pulled the outer header into the linear
 * area yet: pull it here, and check it.
 */
static int nf_gtpu_udp_offset(struct sk_buff *skb, bool ingress,
			      bool *fragment)
{
	int thoff = skb_network_offset(skb);
	unsigned short frag_off = 0;
	unsigned int flags = 0;
	int proto;

	*fragment = false;
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph;

		if (!pskb_may_pull(skb, thoff + sizeof(*iph)))
			return -1;
		iph = ip_hdr(skb);
		if (iph->ihl < 5 || !pskb_may_pull(skb, thoff + iph->ihl * 4))
			return -1;
		if (ingress && !nf_gtpu_ingress_ok(skb, thoff))
			return -1;
		iph = ip_hdr(skb);
		/*
		 * A later fragment starts with data, not a UDP header: leave it
		 * alone, as ipv6_find_hdr() does below, rather than take a port
		 * from its data.
		 */
		if (iph->protocol != IPPROTO_UDP || iph->frag_off & htons(IP_OFFSET))
			return -1;
		*fragment = ip_is_fragment(iph);
		return thoff + iph->ihl * 4;
	}
	if (skb->protocol != htons(ETH_P_IPV6) ||
	    !pskb_may_pull(skb, thoff + sizeof(struct ipv6hdr)))
		return -1;
	if (ingress && !nf_gtpu_ingress_ok(skb, thoff))
		return -1;
	proto = ipv6_find_hdr(skb, &thoff, IPPROTO_UDP, &frag_off, &flags);
	if (proto != IPPROTO_UDP)
		return -1;
	/* A first fragment has offset 0 too: the flag tells it apart. */
	*fragment = flags & IP6_FH_F_FRAG;
	return thoff;
}

static bool nf_gtpu_read_header(const struct sk_buff *skb, int gtpoff,
				unsigned int udp_plen, struct gtpu_info *info,
				enum gtpu_parse_result *ret)
{
	unsigned int len = min_t(unsigned int, udp_plen, GTPU_MAX_HLEN);
	u8 buf[GTPU_MAX_HLEN];
	const u8 *hp;

	hp = skb_header_pointer(skb, gtpoff, len, buf);
	if (!hp)
		return false;
	*ret = gtpu_parse(hp, len, udp_plen, info);
	return true;
}

static bool nf_gtpu_is_port(__be16 port)
{
	return port == htons(GTPU_V1_PORT) || port == htons(GTPU_V0_PORT);
}

/*
 * A datagram shorter than the IP payload (RFC 768: the UDP length
 * delimits it, and the UDP layer trims the rest) is summed over its own
 * length only, which nf_checksum() cannot do.  Mark it verified, as the
 * UDP layer would once it has trimmed it: else each further decap rule
 * (one per context with -j GTPU) would sum up to 64 KB again.  Decap
 * spends that level, so the inner checksum is still verified.
 */
static bool nf_gtpu_csum_short_ok(struct sk_buff *skb, int thoff,
				  unsigned int ulen)
{
	__wsum csum;
	bool ok;

	if (skb->ip_summed == CHECKSUM_UNNECESSARY)
		return true;
	csum = skb_checksum(skb, thoff, ulen, 0);
	if (skb->protocol == htons(ETH_P_IP))
		ok = !csum_tcpudp_magic(ip_hdr(skb)->saddr, ip_hdr(skb)->daddr,
					ulen, IPPROTO_UDP, csum);
	else
		ok = !csum_ipv6_magic(&ipv6_hdr(skb)->saddr,
				      &ipv6_hdr(skb)->daddr, ulen,
				      IPPROTO_UDP, csum);
	if (ok) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		skb->csum_level = 0;
	}
	return ok;
}

/*
 * A zero checksum means none over IPv4, and is invalid over IPv6.
 *
 * nf_checksum() marks a CHECKSUM_COMPLETE packet it verified
 * CHECKSUM_UNNECESSARY, which would vouch for the inner packet too: keep
 * the sum instead, which decap carries over to the inner packet.
 */
static bool nf_gtpu_csum_ok(struct sk_buff *skb, int thoff,
			    const struct nf_hook_state *state,
			    const struct udphdr *uh)
{
	u8 family = skb->protocol == htons(ETH_P_IP) ? NFPROTO_IPV4 :
						       NFPROTO_IPV6;
	u8 ip_summed = skb->ip_summed;
	unsigned int ulen = ntohs(uh->len);

	if (!uh->check)
		return family == NFPROTO_IPV4;
	if (ulen < skb->len - thoff)
		return nf_gtpu_csum_short_ok(skb, thoff, ulen);
	if (nf_checksum(skb, state->hook, thoff, IPPROTO_UDP, family))
		return false;
	if (ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_COMPLETE;
	return true;
}

/*
 * GTP-U to another host only passes through: it is not ours to decapsulate
 * nor to answer, whatever its TEID, as the kernel's tunnels only take what
 * is addressed to them.  Our addresses are in a hash; for the rest of what
 * IPv4 routes as local, __ip_dev_find() looks in the local table.
 */
static bool nf_gtpu_to_us(struct net *net, const struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return __ip_dev_find(net, ip_hdr(skb)->daddr, false);
	return ipv6_chk_addr(net, &ipv6_hdr(skb)->daddr, NULL, 0);
}

/**
 * nf_gtpu_rx_parse - validate the outer UDP header of a GTP-U message and
 *	parse the GTP-U header
 * @skb: packet, data at the outer network header
 * @state: hook state, or NULL not to check that the message is to this
 *	host, nor its UDP checksum, nor at netdev ingress its outer IP header
 *	(header loads only look at the packet)
 * @port: the GTP-U port, or 0 for either (the version must then match)
 * @rx: where the message is and what the parser made of it
 *
 * Returns NF_GTPU_RX_OK when @rx->ret and @rx->info hold the parse result,
 * NF_GTPU_RX_OTHER for a packet that is not UDP to @port, NF_GTPU_RX_BAD
 * with the statistic in @rx->stat for an invalid one.
 */
enum nf_gtpu_rx_result nf_gtpu_rx_parse(struct sk_buff *skb,
					const struct nf_hook_state *state,
					__be16 port, struct nf_gtpu_rx *rx)
{
	const struct udphdr *uh;
	struct udphdr _uh;
	unsigned int ulen;
	bool fragment;

	rx->thoff = nf_gtpu_udp_offset(skb, state &&
				       state->pf == NFPROTO_NETDEV, &fragment);
	if (rx->thoff < 0)
		return NF_GTPU_RX_OTHER;
	uh = skb_header_pointer(skb, rx->thoff, sizeof(_uh), &_uh);
	if (!uh)
		return NF_GTPU_RX_OTHER;
	if (port ? uh->dest != port : !nf_gtpu_is_port(uh->dest))
		return NF_GTPU_RX_OTHER;
	if (state && !nf_gtpu_to_us(state->net, skb))
		return NF_GTPU_RX_OTHER;
	rx->sport = uh->source;

	/* Defragmentation runs before the hooks; what is left is refused. */
	rx->stat = NF_GTPU_STAT_FRAGMENT;
	if (fragment)
		return NF_GTPU_RX_BAD;
	rx->stat = NF_GTPU_STAT_BAD_UDP;
	ulen = ntohs(uh->len);
	if (ulen < sizeof(*uh) || ulen > skb->len - rx->thoff)
		return NF_GTPU_RX_BAD;
	rx->len = ulen - sizeof(*uh);
	rx->stat = NF_GTPU_STAT_BAD_CSUM;
	if (state && !nf_gtpu_csum_ok(skb, rx->thoff, state, uh))
		return NF_GTPU_RX_BAD;
	rx->stat = NF_GTPU_STAT_BAD_HEADER;
	if (!nf_gtpu_read_header(skb, rx->thoff + sizeof(*uh), rx->len,
				 &rx->info, &rx->ret))
		return NF_GTPU_RX_BAD;
	if (rx->info.version != (uh->dest == htons(GTPU_V0_PORT) ? 0 : 1))
		return NF_GTPU_RX_BAD;
	return NF_GTPU_RX_OK;
}

/**
 * nf_gtpu_header - parse the GTP-U header of a packet, leaving it unchanged
 * @skb: packet, data at the outer network header
 * @info: parsed header
 *
 * Returns true if @skb is a GTP-U message to a GTP-U port whose header is
 * valid, or valid up to an unsupported comprehension-required extension
 * (such a T-PDU is left to the ruleset, which may want to match it).
 */
bool nf_gtpu_header(struct sk_buff *skb, struct gtpu_info *info)
{
	struct nf_gtpu_rx rx;

	if (nf_gtpu_rx_parse(skb, NULL, 0, &rx) != NF_GTPU_RX_OK ||
	    (rx.ret != GTPU_OK && rx.ret != GTPU_ERR_EXT_UNSUPPORTED))
		return false;
	*info = rx.info;
	return true;
}
EXPORT_SYMBOL_GPL(nf_gtpu_header);

static enum nf_gtpu_stat nf_gtpu_parse_stat(enum gtpu_parse_result ret)
{
	switch (ret) {
	case GTPU_ERR_EXT_LENGTH:
	case GTPU_ERR_EXT_CHAIN:
	case GTPU_ERR_EXT_CONTENT:
		return NF_GTPU_STAT_BAD_EXT;
	case GTPU_ERR_EXT_UNSUPPORTED:
		return NF_GTPU_STAT_UNSUPP_EXT;
	default:
		return NF_GTPU_STAT_BAD_HEADER;
	}
}

/*
 * Check the inner packet at @off is one well-formed IPv4 or IPv6 packet of
 * exactly @len octets (at most, for IPv4 whose total length may be
 * shorter than a padded T-PDU) and return its ethertype, or 0.
 */
static __be16 nf_gtpu_inner_proto(struct sk_buff *skb, int off,
				  unsigned int len, unsigned int *ip_len)
{
	const struct ipv6hdr *ip6h;
	const struct iphdr *iph;

	if (len < sizeof(*iph) || !pskb_may_pull(skb, off + sizeof(*iph)))
		return 0;
	iph = (const struct iphdr *)(skb->data + off);
	if (iph->version == 4) {
		if (iph->ihl < 5 || !pskb_may_pull(skb, off + iph->ihl * 4))
			return 0;
		iph = (const struct iphdr *)(skb->data + off);
		*ip_len = ntohs(iph->tot_len);
		if (*ip_len < iph->ihl * 4 || *ip_len > len)
			return 0;
		return htons(ETH_P_IP);
	}
	if (iph->version != 6 || len < sizeof(*ip6h) ||
	    !pskb_may_pull(skb, off + sizeof(*ip6h)))
		return 0;
	ip6h = (const struct ipv6hdr *)(skb->data + off);
	*ip_len = sizeof(*ip6h) + ntohs(ip6h->payload_len);
	if (*ip_len > len)
		return 0;
	return htons(ETH_P_IPV6);
}

/*
 * An IPv6 UE starts with a Router Solicitation from its link-local
 * address (TS 29.061 11.2.1.3.2), which the /64 check cannot pass.  Let
 * exactly that through, as RFC 4861 6.1.1 would accept it: ICMPv6 type
 * 133 code 0, hop limit 255, from a link-local unicast address to a
 * link-local one.  The kernel never forwards such a packet (ip6_forward()
 * refuses link-local sources), so it reaches nothing but the APN device's
 * own stack, where a router advertisement daemon answers it.
 */
static bool nf_gtpu_is_ll_rs(const struct sk_buff *skb, int off,
			     const struct ipv6hdr *ip6h)
{
	struct icmp6hdr _icmp6;
	const struct icmp6hdr *icmp6;

	if (ip6h->nexthdr != IPPROTO_ICMPV6 || ip6h->hop_limit != 255 ||
	    ntohs(ip6h->payload_len) < sizeof(_icmp6) ||
	    ipv6_addr_is_multicast(&ip6h->saddr) ||
	    !(ipv6_addr_type(&ip6h->saddr) & IPV6_ADDR_LINKLOCAL) ||
	    !(ipv6_addr_type(&ip6h->daddr) & IPV6_ADDR_LINKLOCAL))
		return false;
	icmp6 = skb_header_pointer(skb, off + sizeof(*ip6h), sizeof(_icmp6),
				   &_icmp6);
	return icmp6 && icmp6->icmp6_type == NDISC_ROUTER_SOLICITATION &&
	       icmp6->icmp6_code == 0;
}

/*
 * Anti-spoofing: IPv4 exactly, IPv6 by the /64 the MS forms its addresses
 * in, or a Router Solicitation on the link.  A dual-stack MS has both.
 */
static bool nf_gtpu_ms_ok(const struct sk_buff *skb, int off, __be16 proto,
			  const struct nf_gtpu_decap_params *p)
{
	const struct in6_addr *prefix;
	const struct ipv6hdr *ip6h;

	switch (p->ms_family) {
	case NFPROTO_UNSPEC:
		return true;
	case NFPROTO_IPV4:
		prefix = NULL;
		break;
	case NFPROTO_IPV6:
		prefix = &p->ms_addr.in6;
		break;
	default:	/* NFPROTO_INET */
		prefix = &p->ms_addr6;
		break;
	}
	if (proto == htons(ETH_P_IP))
		return p->ms_family != NFPROTO_IPV6 &&
		       ((const struct iphdr *)(skb->data + off))->saddr ==
		       p->ms_addr.ip;
	if (!prefix)
		return false;
	ip6h = (const struct ipv6hdr *)(skb->data + off);
	return ipv6_prefix_equal(&ip6h->saddr, prefix, 64) ||
	       nf_gtpu_is_ll_rs(skb, off, ip6h);
}

static enum nf_gtpu_verdict nf_gtpu_drop(struct net *net, enum nf_gtpu_stat stat)
{
	nf_gtpu_stat_inc(net, stat);
	return NF_GTPU_DROP;
}

/**
 * nf_gtpu_decap_tpdu - is this a valid T-PDU to decapsulate?
 * @skb: packet, data at the outer network header
 * @state: hook state
 * @v0: GTPv0 on port 3386 rather than GTPv1 on port 2152
 * @rx: the T-PDU's outer headers and GTP-U header, when true is returned
 * @verdict: else what to do with the packet
 *
 * Invalid packets are counted: NF_GTPU_DROP.  Messages that are not
 * T-PDUs (echo, error indication, end marker...) and T-PDUs with an
 * unsupported extension are left to the ruleset, NF_GTPU_PASS, with
 * their statistic in @rx->stat for the caller to count (see
 * nf_gtpu_stat_pass()); other packets too, with NF_GTPU_STAT_NONE.
 */
bool nf_gtpu_decap_tpdu(struct sk_buff *skb, const struct nf_hook_state *state,
			bool v0, struct nf_gtpu_rx *rx,
			enum nf_gtpu_verdict *verdict)
{
	__be16 port = htons(v0 ? GTPU_V0_PORT : GTPU_V1_PORT);
	struct net *net = state->net;

	*verdict = NF_GTPU_PASS;
	switch (nf_gtpu_rx_parse(skb, state, port, rx)) {
	case NF_GTPU_RX_OTHER:
		rx->stat = NF_GTPU_STAT_NONE;
		return false;
	case NF_GTPU_RX_BAD:
		*verdict = nf_gtpu_drop(net, rx->stat);
		return false;
	case NF_GTPU_RX_OK:
		break;
	}
	/*
	 * A T-PDU whose extension the parser does not support is left to
	 * the ruleset, which may answer it (gtp reply) before dropping it.
	 */
	if (rx->ret == GTPU_ERR_EXT_UNSUPPORTED) {
		rx->stat = NF_GTPU_STAT_UNSUPP_EXT;
		return false;
	}
	if (rx->ret != GTPU_OK) {
		*verdict = nf_gtpu_drop(net, nf_gtpu_parse_stat(rx->ret));
		return false;
	}
	if (rx->info.type != GTPU_TYPE_TPDU) {
		rx->stat = NF_GTPU_STAT_NOT_TPDU;
		return false;
	}
	return true;
}
EXPORT_SYMBOL_GPL(nf_gtpu_decap_tpdu);

/**
 * nf_gtpu_decap_pull - check a T-PDU's inner packet and strip the outer headers
 * @skb: the T-PDU nf_gtpu_decap_tpdu() accepted
 * @state: hook state
 * @p: decap parameters (@p->match_teid and @p->v0 are not looked at)
 * @rx: what nf_gtpu_decap_tpdu() found
 *
 * Returns the APN device to receive the inner packet on, now at
 * skb->data, with nf_gtpu_decap_receive(); or NULL when the packet is to
 * be dropped (counted).
 */
struct net_device *nf_gtpu_decap_pull(struct sk_buff *skb,
				      const struct nf_hook_state *state,
				      const struct nf_gtpu_decap_params *p,
				      const struct nf_gtpu_rx *rx)
{
	struct net *net = state->net;
	struct net_device *dev;
	unsigned int ip_len;
	__be16 proto;
	u8 outer_ds;
	int off;

	off = rx->thoff + sizeof(struct udphdr) + rx->info.hlen;
	proto = nf_gtpu_inner_proto(skb, off, rx->info.plen, &ip_len);
	if (!proto)
		goto bad_inner;
	if (!nf_gtpu_ms_ok(skb, off, proto, p)) {
		nf_gtpu_stat_inc(net, NF_GTPU_STAT_SPOOFED);
		return NULL;
	}

	dev = dev_get_by_index_rcu(net, p->ifindex);
	if (!dev || !netif_is_apn(dev) || !(dev->flags & IFF_UP)) {
		nf_gtpu_stat_inc(net, NF_GTPU_STAT_NO_DEVICE);
		return NULL;
	}

	if (pskb_trim_rcsum(skb, off + ip_len))
		goto bad_inner;
	/*
	 * CHECKSUM_UNNECESSARY (a device's or GRO's) counts the outer UDP
	 * checksum as its first level: spend it, as the UDP layer does for
	 * its tunnels, so that the inner one is verified unless the device
	 * verified it too.  A CHECKSUM_COMPLETE sum is pulled with the outer
	 * headers and then covers the inner packet alone.
	 */
	__skb_decr_checksum_unnecessary(skb);
	outer_ds = ip_tunnel_get_dsfield(ip_hdr(skb), skb);
	if (iptunnel_pull_header(skb, off, proto, !net_eq(net, dev_net(dev))))
		goto bad_inner;
	/*
	 * RFC 6040: congestion the transport network marked on the outer
	 * header (CE) reaches the inner one, or the packet is dropped if
	 * its sender does not do ECN, as the kernel's own tunnels do.
	 */
	skb_reset_network_header(skb);
	if (INET_ECN_decapsulate(skb, outer_ds,
				 ip_tunnel_get_dsfield(ip_hdr(skb), skb)) > 1) {
		nf_gtpu_stat_inc(net, NF_GTPU_STAT_BAD_ECN);
		return NULL;
	}
	return dev;

bad_inner:
	nf_gtpu_stat_inc(net, NF_GTPU_STAT_BAD_INNER);
	return NULL;
}
EXPORT_SYMBOL_GPL(nf_gtpu_decap_pull);

/* The last step: @skb, pulled by nf_gtpu_decap_pull(), arrives on @dev. */
void nf_gtpu_decap_receive(struct net *net, struct net_device *dev,
			   struct sk_buff *skb)
{
	nf_gtpu_stat_inc(net, NF_GTPU_STAT_DECAP);
	nf_gtpu_apn_rx(dev, skb);
}
EXPORT_SYMBOL_GPL(nf_gtpu_decap_receive);

/**
 * nf_gtpu_decap - decapsulate a GTP-U T-PDU into an APN device
 * @skb: packet, data at the outer network header (all offsets below are
 *	relative to skb->data)
 * @state: hook state
 * @p: decap parameters
 *
 * The steps above in one: what nf_gtpu_decap_tpdu() leaves alone, and
 * with @p->match_teid other tunnels, get NF_GTPU_PASS; invalid packets
 * are counted: NF_GTPU_DROP.
 */
enum nf_gtpu_verdict nf_gtpu_decap(struct sk_buff *skb,
				   const struct nf_hook_state *state,
				   const struct nf_gtpu_decap_params *p)
{
	enum nf_gtpu_verdict verdict;
	struct net_device *dev;
	struct nf_gtpu_rx rx;

	if (!nf_gtpu_decap_tpdu(skb, state, p->v0, &rx, &verdict)) {
		if (verdict == NF_GTPU_PASS)
			nf_gtpu_stat_pass(state->net, &rx);
		return verdict;
	}
	if (p->match_teid &&
	    (p->v0 ? rx.info.tid : rx.info.teid) != p->teid)
		return NF_GTPU_PASS;
	dev = nf_gtpu_decap_pull(skb, state, p, &rx);
	if (!dev)
		return NF_GTPU_DROP;
	nf_gtpu_decap_receive(state->net, dev, skb);
	return NF_GTPU_STOLEN;
}
EXPORT_SYMBOL_GPL(nf_gtpu_decap);

/* Outer headers added in front of the inner packet, IP header excluded. */
static unsigned int nf_gtpu_encap_hlen(const struct nf_gtpu_encap_params *p)
{
	if (p->v0)
		return sizeof(struct udphdr) + GTPU_V0_HLEN;
	return sizeof(struct udphdr) + GTPU_V1_HLEN +
	       (p->add_qfi ? GTPU_V1_OPT_LEN + 4 : 0);
}

static void nf_gtpu_push_v0(struct sk_buff *skb,
			    const struct nf_gtpu_encap_params *p)
{
	unsigned int plen = skb->len;
	struct gtp0_header *gtp0;

	gtp0 = skb_push(skb, sizeof(*gtp0));
	gtp0->flags = 0x1e;	/* v0, GTP, spare bits set, no SNDCP number */
	gtp0->type = GTPU_TYPE_TPDU;
	gtp0->length = htons(plen);
	gtp0->seq = 0;
	gtp0->flow = 0;
	gtp0->number = 0xff;
	memset(gtp0->spare, 0xff, sizeof(gtp0->spare));
	gtp0->tid = cpu_to_be64(p->teid);
}

/*
 * A downlink PDU Session Container (TS 38.415 5.5.2.1): one 4-octet unit
 * holding the PDU type (0: DL) and the QFI, then "no more extensions".
 */
static void nf_gtpu_push_v1(struct sk_buff *skb,
			    const struct nf_gtpu_encap_params *p)
{
	unsigned int plen = skb->len;
	struct gtp1_header *gtp1;
	u8 *ext;

	if (p->add_qfi) {
		ext = skb_push(skb, GTPU_V1_OPT_LEN + 4);
		ext[0] = 0;	/* sequence number, unused */
		ext[1] = 0;
		ext[2] = 0;	/* N-PDU number, unused */
		ext[3] = GTPU_EXT_PDU_SESSION;
		ext[4] = 1;	/* length in 4-octet units */
		ext[5] = 0;	/* PDU type 0: DL PDU SESSION INFORMATION */
		ext[6] = p->qfi;
		ext[7] = GTPU_EXT_NONE;
		plen += GTPU_V1_OPT_LEN + 4;
	}
	gtp1 = skb_push(skb, sizeof(*gtp1));
	gtp1->flags = 0x30 | (p->add_qfi ? GTP1_F_EXTHDR : 0);
	gtp1->type = GTPU_TYPE_TPDU;
	gtp1->length = htons(plen);
	gtp1->tid = htonl((u32)p->teid);
}

/*
 * Route toward the peer; returns the dst, with the chosen source in @saddr.
 * A packet with a mark may be routed elsewhere (policy routing): as the
 * kernel's tunnels do (ip_tunnel_dst_cache_usable()), it skips the cache.
 */
struct dst_entry *nf_gtpu_route(struct net *net, struct sk_buff *skb,
				const struct nf_gtpu_encap_params *p,
				union nf_inet_addr *saddr)
{
	struct dst_cache *cache = skb->mark ? NULL : p->dst_cache;
	struct flowi6 fl6 = {
		.daddr		= p->peer.in6,
		.saddr		= p->saddr.in6,
		.flowi6_proto	= IPPROTO_UDP,
		.flowi6_mark	= skb->mark,
	};
	struct dst_entry *dst;

	if (p->family == NFPROTO_IPV4) {
		struct flowi4 fl4 = {
			.daddr		= p->peer.ip,
			.saddr		= p->saddr.ip,
			.flowi4_proto	= IPPROTO_UDP,
			.flowi4_mark	= skb->mark,
		};
		struct rtable *rt;

		rt = cache ? dst_cache_get_ip4(cache, &saddr->ip) : NULL;
		if (rt)
			return &rt->dst;
		rt = ip_route_output_key(net, &fl4);
		if (IS_ERR(rt))
			return NULL;
		saddr->ip = fl4.saddr;
		if (cache)
			dst_cache_set_ip4(cache, &rt->dst, fl4.saddr);
		return &rt->dst;
	}

	/* An address going away invalidates every cached route (both families). */
	dst = cache ? dst_cache_get_ip6(cache, &saddr->in6) : NULL;
	if (dst)
		return dst;
	/*
	 * IPv4 routing refuses a source address that is not ours; IPv6's
	 * takes it as it is: check it, or a rule would send as another host.
	 */
	if (!ipv6_addr_any(&p->saddr.in6) &&
	    !ipv6_chk_addr(net, &p->saddr.in6, NULL, 0))
		return NULL;
	dst = ip6_dst_lookup_flow(net, NULL, &fl6, NULL);
	if (IS_ERR(dst))
		return NULL;
	saddr->in6 = fl6.saddr;
	if (cache)
		dst_cache_set_ip6(cache, dst, &fl6.saddr);
	return dst;
}

static bool nf_gtpu_len_fits(const struct sk_buff *skb, int mtu)
{
	return skb_is_gso(skb) ? skb_gso_validate_network_len(skb, mtu) :
				 skb->len <= (unsigned int)mtu;
}

/*
 * Path MTU (RFC 1191, RFC 8201): an inner packet that does not fit is
 * refused with the ICMP error its sender understands, except what the
 * outer header may carry in fragments: IPv4 without DF, if no longer than
 * @max_len, the most the outer 16-bit length fields can say, and IPv6 of
 * up to 1280 octets, which no ICMP error can make smaller (RFC 2473 7.1,
 * as ip6_tunnel does).  skb->ignore_df says which, for the outer header:
 * clear it on a packet that fits (IPv6 reassembly sets it).  @out is
 * where a locally sent packet was routed: at OUTPUT skb->dev is not set
 * yet, and icmp6_send() needs it.
 */
static bool nf_gtpu_fits(struct sk_buff *skb, int mtu, unsigned int max_len,
			 struct net_device *out)
{
	/* A route MTU smaller than the outer headers fits nothing. */
	if (mtu > 0 && nf_gtpu_len_fits(skb, mtu)) {
		skb->ignore_df = 0;
		return true;
	}

	if (skb->protocol == htons(ETH_P_IP)) {
		if (!(ip_hdr(skb)->frag_off & htons(IP_DF))) {
			/* A reassembled datagram can be up to 65535 octets. */
			if (skb->len > max_len)
				return false;
			skb->ignore_df = 1;
			return true;
		}
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			      htonl(max(mtu, 0)));
	} else {
		if (mtu < IPV6_MIN_MTU && nf_gtpu_len_fits(skb, IPV6_MIN_MTU)) {
			skb->ignore_df = 1;
			return true;
		}
		if (!skb->dev)
			skb->dev = out;
		icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0,
				max_t(int, mtu, IPV6_MIN_MTU));
	}
	return false;
}

static void nf_gtpu_xmit_one(struct sk_buff *skb, struct dst_entry *dst,
			     const union nf_inet_addr *saddr,
			     const struct nf_gtpu_encap_params *p,
			     struct net_device *apn)
{
	__be16 dport = htons(p->v0 ? GTPU_V0_PORT : GTPU_V1_PORT);
	struct net *net = dev_net(dst->dev);
	__be16 sport = dport;
	u8 tos;
	__be16 df;

	if (skb->protocol == htons(ETH_P_IP)) {
		tos = ip_hdr(skb)->tos;
		df = ip_hdr(skb)->frag_off & htons(IP_DF);
	} else {
		tos = ipv6_get_dsfield(ipv6_hdr(skb));
		/* nf_gtpu_fits() lets IPv6 of up to 1280 octets be fragmented. */
		df = skb->ignore_df ? 0 : htons(IP_DF);
	}
	if (p->sport_hash)
		sport = udp_flow_src_port(net, skb, 0, 0, true);

	if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) +
			 sizeof(struct ipv6hdr) + nf_gtpu_encap_hlen(p)) ||
	    udp_tunnel_handle_offloads(skb, true)) {
		dst_release(dst);
		nf_gtpu_stat_inc(net, NF_GTPU_STAT_ENCAP_ERROR);
		kfree_skb(skb);
		return;
	}
	skb_set_inner_protocol(skb, skb->protocol);
	if (p->v0)
		nf_gtpu_push_v0(skb, p);
	else
		nf_gtpu_push_v1(skb, p);

	/* The tunnel helpers count on skb->dev: only our own device has tstats. */
	skb->dev = apn;
	nf_gtpu_stat_inc(net, NF_GTPU_STAT_ENCAP);
	if (p->family == NFPROTO_IPV4) {
		udp_tunnel_xmit_skb((struct rtable *)dst, NULL, skb, saddr->ip,
				    p->peer.ip, tos, ip4_dst_hoplimit(dst), df,
				    sport, dport, false, false);
	} else {
		bool ignore_df = skb->ignore_df;

		skb_scrub_packet(skb, false);
		/* IPv6 fragments only what may be: keep nf_gtpu_fits()' word. */
		skb->ignore_df = ignore_df;
		/* 6.1 takes non-const addresses, 6.12 const ones. */
		udp_tunnel6_xmit_skb(dst, NULL, skb, apn,
				     (struct in6_addr *)&saddr->in6,
				     (struct in6_addr *)&p->peer.in6, tos,
				     ip6_dst_hoplimit(dst), 0, sport, dport,
				     false);
	}
}

static struct net_device *nf_gtpu_out_apn(const struct nf_hook_state *state)
{
	return state->out && netif_is_apn(state->out) ? state->out : NULL;
}

static enum nf_gtpu_verdict __nf_gtpu_encap(struct sk_buff *skb,
					    const struct nf_hook_state *state,
					    const struct nf_gtpu_encap_params *p)
{
	struct net_device *apn = nf_gtpu_out_apn(state);
	struct net *net = state->net;
	struct sk_buff *segs, *next;
	union nf_inet_addr saddr;
	unsigned int max_len;
	struct dst_entry *dst;
	int mtu;

	if (skb->protocol != htons(ETH_P_IP) &&
	    skb->protocol != htons(ETH_P_IPV6))
		return nf_gtpu_drop(net, NF_GTPU_STAT_ENCAP_ERROR);
	if (p->add_qfi && p->qfi > 63)
		return nf_gtpu_drop(net, NF_GTPU_STAT_ENCAP_ERROR);
	if (__this_cpu_read(nf_gtpu_in_encap))
		return nf_gtpu_drop(net, NF_GTPU_STAT_ENCAP_LOOP);

	dst = nf_gtpu_route(net, skb, p, &saddr);
	if (!dst)
		return nf_gtpu_drop(net, NF_GTPU_STAT_ENCAP_NO_ROUTE);
	if (netif_is_apn(dst->dev)) {
		dst_release(dst);
		return nf_gtpu_drop(net, NF_GTPU_STAT_ENCAP_LOOP);
	}
	mtu = (int)dst_mtu(dst) - (int)nf_gtpu_encap_hlen(p) -
	      (p->family == NFPROTO_IPV4 ? (int)sizeof(struct iphdr) :
					   (int)sizeof(struct ipv6hdr));
	/* IPv4's total length counts its header, IPv6's payload length not. */
	max_len = IP_MAX_MTU - nf_gtpu_encap_hlen(p) -
		  (p->family == NFPROTO_IPV4 ? sizeof(struct iphdr) : 0);
	if (!nf_gtpu_fits(skb, mtu, max_len, state->out)) {
		dst_release(dst);
		return nf_gtpu_drop(net, NF_GTPU_STAT_ENCAP_TOO_BIG);
	}

	/*
	 * Each segment needs its own GTP-U length: segment first.  With SG
	 * the segments share the packet's pages instead of copying them,
	 * and with HW_CSUM they keep CHECKSUM_PARTIAL: the tunnel helpers
	 * fold the inner sum into the outer UDP checksum (LCO) and the
	 * device, or validate_xmit_skb(), completes the inner one, as for
	 * the kernel's own UDP tunnels.
	 */
	segs = skb;
	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, NETIF_F_SG | NETIF_F_HW_CSUM);
		if (IS_ERR_OR_NULL(segs)) {
			dst_release(dst);
			return nf_gtpu_drop(net, NF_GTPU_STAT_ENCAP_ERROR);
		}
		consume_skb(skb);
	}

	__this_cpu_write(nf_gtpu_in_encap, true);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		nf_gtpu_xmit_one(skb, next ? dst_clone(dst) : dst, &saddr, p,
				 apn);
	}
	__this_cpu_write(nf_gtpu_in_encap, false);
	return NF_GTPU_STOLEN;
}

/**
 * nf_gtpu_encap - encapsulate an IP packet toward a GTP-U peer
 * @skb: inner IPv4 or IPv6 packet, data at its network header
 * @state: hook state
 * @p: encap parameters
 *
 * Consumes the packet in every case except NF_GTPU_DROP.
 */
enum nf_gtpu_verdict nf_gtpu_encap(struct sk_buff *skb,
				   const struct nf_hook_state *state,
				   const struct nf_gtpu_encap_params *p)
{
	enum nf_gtpu_verdict v;

	/*
	 * As in nf_dup_ipv4(): the transmit path re-enables bottom halves
	 * and would run softirqs (another netns forwarding into its own
	 * encap rule) that saw nf_gtpu_in_encap set, and in process context
	 * the task could migrate between setting and clearing it.
	 */
	local_bh_disable();
	v = __nf_gtpu_encap(skb, state, p);
	local_bh_enable();
	return v;
}
EXPORT_SYMBOL_GPL(nf_gtpu_encap);

/* I: 0 for IPv4, 1 for IPv6, as in nf_gtpu_split_ops[] */
static void nf_gtpu_defrag_disable_ip(struct net *net, int i)
{
	if (i)
		nf_defrag_ipv6_disable(net);
	else
		nf_defrag_ipv4_disable(net);
}

/*
 * GRO (rx-udp-gro-forwarding, fraglist GRO, a local socket with UDP_GRO)
 * and a sender's UDP GSO across a veth hand prerouting one skb holding
 * several GTP-U datagrams, of the same UDP flow but maybe of different
 * tunnels: no rule could decapsulate it as one packet.  Split it back
 * into its datagrams, as udp_rcv_segment() does for a socket, and
 * receive each again, so that each meets the rules on its own.
 */
static unsigned int nf_gtpu_split_gso(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct sk_buff *segs, *next;
	const struct udphdr *uh;
	struct udphdr _uh;
	bool fragment;
	int thoff;

	if (!skb_is_gso(skb) ||
	    !(skb_shinfo(skb)->gso_type & (SKB_GSO_UDP_L4 | SKB_GSO_FRAGLIST)))
		return NF_ACCEPT;
	thoff = nf_gtpu_udp_offset(skb, false, &fragment);
	if (thoff < 0)
		return NF_ACCEPT;
	uh = skb_header_pointer(skb, thoff, sizeof(_uh), &_uh);
	if (!uh || !nf_gtpu_is_port(uh->dest))
		return NF_ACCEPT;

	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		nf_gtpu_stat_inc(state->net, NF_GTPU_STAT_BAD_UDP);
		return NF_DROP;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		nf_gtpu_stat_inc(state->net, NF_GTPU_STAT_GSO_SPLIT);
		netif_rx(skb);
	}
	return NF_STOLEN;
}

/* After reassembly, before any rule (priority raw and later). */
static const struct nf_hook_ops nf_gtpu_split_ops[] = {
	{
		.hook		= nf_gtpu_split_gso,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_CONNTRACK_DEFRAG + 1,
	},
	{
		.hook		= nf_gtpu_split_gso,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP6_PRI_CONNTRACK_DEFRAG + 1,
	},
};

/*
 * Decap needs whole packets, one datagram each: reassemble outer
 * fragments and split merged datagrams before the rules, from the first
 * decap rule of a family in a netns to its last.
 */
int nf_gtpu_defrag_enable(struct net *net, u8 family)
{
	struct nf_gtpu_net *gn = net_generic(net, nf_gtpu_net_id);
	int i = family == NFPROTO_IPV4 ? 0 : 1;
	int err;

	err = i ? nf_defrag_ipv6_enable(net) : nf_defrag_ipv4_enable(net);
	if (err)
		return err;
	mutex_lock(&nf_gtpu_decap_users_lock);
	if (!gn->decap_users[i])
		err = nf_register_net_hook(net, &nf_gtpu_split_ops[i]);
	if (!err)
		gn->decap_users[i]++;
	mutex_unlock(&nf_gtpu_decap_users_lock);
	if (err)
		nf_gtpu_defrag_disable_ip(net, i);
	return err;
}
EXPORT_SYMBOL_GPL(nf_gtpu_defrag_enable);

void nf_gtpu_defrag_disable(struct net *net, u8 family)
{
	struct nf_gtpu_net *gn = net_generic(net, nf_gtpu_net_id);
	int i = family == NFPROTO_IPV4 ? 0 : 1;

	mutex_lock(&nf_gtpu_decap_users_lock);
	if (!--gn->decap_users[i])
		nf_unregister_net_hook(net, &nf_gtpu_split_ops[i]);
	mutex_unlock(&nf_gtpu_decap_users_lock);
	nf_gtpu_defrag_disable_ip(net, i);
}
EXPORT_SYMBOL_GPL(nf_gtpu_defrag_disable);

static int __net_init nf_gtpu_net_init(struct net *net)
{
	struct nf_gtpu_net *gn = net_generic(net, nf_gtpu_net_id);

	gn->stats = __alloc_percpu(sizeof(u64) * __NF_GTPU_STAT_MAX,
				   __alignof__(u64));
	if (!gn->stats)
		return -ENOMEM;
	if (!proc_create_net_single("nf_gtpu", 0444, net->proc_net,
				    nf_gtpu_stats_show, NULL)) {
		free_percpu(gn->stats);
		return -ENOMEM;
	}
	return 0;
}

static void __net_exit nf_gtpu_net_exit(struct net *net)
{
	struct nf_gtpu_net *gn = net_generic(net, nf_gtpu_net_id);

	remove_proc_entry("nf_gtpu", net->proc_net);
	free_percpu(gn->stats);
}

static struct pernet_operations nf_gtpu_net_ops = {
	.init	= nf_gtpu_net_init,
	.exit	= nf_gtpu_net_exit,
	.id	= &nf_gtpu_net_id,
	.size	= sizeof(struct nf_gtpu_net),
};

static int __init nf_gtpu_init(void)
{
	int err;

	err = register_pernet_subsys(&nf_gtpu_net_ops);
	if (err)
		return err;
	err = nf_gtpu_apn_init();
	if (err)
		goto unregister_pernet;
	return 0;

unregister_pernet:
	unregister_pernet_subsys(&nf_gtpu_net_ops);
	return err;
}

static void __exit nf_gtpu_exit(void)
{
	nf_gtpu_apn_exit();
	unregister_pernet_subsys(&nf_gtpu_net_ops);
}

module_init(nf_gtpu_init);
module_exit(nf_gtpu_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("nf-gtpu developers");
MODULE_DESCRIPTION("GTP-U tunnel endpoint core for netfilter, and the apn device");
