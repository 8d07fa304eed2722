// SPDX-License-Identifier: GPL-2.0-only
/*
 * nf_tables front end of the GTP-U data path: the "gtp" expression.
 *
 *   load:  a GTP-U header field (TEID, type, version, QFI) into a register,
 *          for matches and map keys; no match unless the packet is valid
 *          GTP-U to the GTP-U port
 *   decap: receive a T-PDU's inner packet on the APN device whose ifindex
 *          is in a register, checking the inner source against the MS
 *          address in another (both usually from an uplink map lookup);
 *          or find them itself in an uplink map by the T-PDU's TEID, so
 *          that the header is parsed once and the element's counter
 *          counts the inner packet
 *   encap: send the packet to the peer address and TEID in registers
 *          (usually from a downlink map lookup)
 *
 * Registers are loaded the way nft_nat and nft_fwd_netdev load theirs, so
 * parameters come from constants or map lookups alike.  Everything is
 * checked at rule load; the packet logic is nf_gtpu's.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nft_gtp.h>
#include <net/netfilter/nf_tables.h>
#include <net/netfilter/nf_tables_core.h>

#include "compat.h"
#include "nf_gtpu.h"

struct nft_gtp {
	u8	dreg;
	u8	key;
	u8	nfproto;
	u8	sreg_dev;
	u8	sreg_ms_addr;
	u8	sreg_addr;
	u8	sreg_teid;
	u8	sreg_saddr;
	u8	sreg_qfi;
	u32	flags;
};

/* Decap with its own uplink map (NFTA_GTP_SET), as nft_lookup binds one. */
struct nft_gtp_decap_map {
	struct nft_gtp		gtp;
	struct nft_set		*set;
	struct nft_set_binding	binding;
};

static const struct nla_policy nft_gtp_policy[NFTA_GTP_MAX + 1] = {
	[NFTA_GTP_OP]		= { .type = NLA_U32 },
	[NFTA_GTP_KEY]		= { .type = NLA_U32 },
	[NFTA_GTP_DREG]		= { .type = NLA_U32 },
	[NFTA_GTP_NFPROTO]	= { .type = NLA_U32 },
	[NFTA_GTP_SREG_DEV]	= { .type = NLA_U32 },
	[NFTA_GTP_SREG_MS_ADDR]	= { .type = NLA_U32 },
	[NFTA_GTP_SREG_ADDR]	= { .type = NLA_U32 },
	[NFTA_GTP_SREG_TEID]	= { .type = NLA_U32 },
	[NFTA_GTP_SREG_SADDR]	= { .type = NLA_U32 },
	[NFTA_GTP_SREG_QFI]	= { .type = NLA_U32 },
	[NFTA_GTP_FLAGS]	= { .type = NLA_U32 },
	[NFTA_GTP_SET]		= { .type = NLA_STRING,
				    .len = NFT_SET_MAXNAMELEN - 1 },
	[NFTA_GTP_SET_ID]	= { .type = NLA_U32 },
};

static int nft_gtp_addr_len(u32 nfproto)
{
	switch (nfproto) {
	case NFPROTO_IPV4:
		return sizeof_field(struct iphdr, saddr);
	case NFPROTO_IPV6:
		return sizeof_field(struct ipv6hdr, saddr);
	}
	return -EAFNOSUPPORT;
}

static void nft_gtp_load_eval(const struct nft_expr *expr,
			      struct nft_regs *regs,
			      const struct nft_pktinfo *pkt)
{
	const struct nft_gtp *priv = nft_expr_priv(expr);
	u32 *dest = &regs->data[priv->dreg];
	struct gtpu_info info;

	if (!nf_gtpu_header(pkt->skb, &info))
		goto nomatch;

	switch (priv->key) {
	case NFT_GTP_TEID:
		*dest = info.teid;
		return;
	case NFT_GTP_TYPE:
		*dest = info.type;
		return;
	case NFT_GTP_VERSION:
		*dest = info.version;
		return;
	case NFT_GTP_QFI:
		if (!(info.flags & GTPU_INFO_QFI))
			goto nomatch;
		*dest = info.qfi;
		return;
	}
nomatch:
	regs->verdict.code = NFT_BREAK;
}

static void nft_gtp_verdict(struct nft_regs *regs, enum nf_gtpu_verdict v)
{
	switch (v) {
	case NF_GTPU_STOLEN:
		regs->verdict.code = NF_STOLEN;
		break;
	case NF_GTPU_DROP:
		regs->verdict.code = NF_DROP;
		break;
	case NF_GTPU_PASS:
		regs->verdict.code = NFT_BREAK;
		break;
	}
}

/*
 * The APN device and MS address, from registers or an element's data:
 * both are laid out the same, the address (IPv4 then IPv6 for a
 * dual-stack MS) at @ms.
 */
static void nft_gtp_decap_params(struct nf_gtpu_decap_params *p, u8 nfproto,
				 u32 ifindex, const u32 *ms)
{
	p->ifindex = ifindex;
	p->ms_family = nfproto;
	if (nfproto == NFPROTO_INET) {
		p->ms_addr.ip = (__force __be32)ms[0];
		memcpy(&p->ms_addr6, &ms[1], sizeof(p->ms_addr6));
	} else if (nfproto) {
		memcpy(&p->ms_addr, ms, nft_gtp_addr_len(nfproto));
	}
}

static void nft_gtp_decap_eval(const struct nft_expr *expr,
			       struct nft_regs *regs,
			       const struct nft_pktinfo *pkt)
{
	const struct nft_gtp *priv = nft_expr_priv(expr);
	struct nf_gtpu_decap_params p = {
		.v0		= priv->flags & NFT_GTP_F_V0,
	};

	nft_gtp_decap_params(&p, priv->sreg_ms_addr ? priv->nfproto : 0,
			     regs->data[priv->sreg_dev],
			     &regs->data[priv->sreg_ms_addr]);
	nft_gtp_verdict(regs, nf_gtpu_decap(pkt->skb, pkt->state, &p));
}

/*
 * The T-PDU's context is found by its TEID after the header is parsed
 * and checked; the element's expressions run on the inner packet, just
 * before it is received, so that its counter counts the user's octets.
 * One that stops the rule (a quota used up, a rate limit) stops the
 * packet too: its outer headers are gone.
 */
static void nft_gtp_decap_map_eval(const struct nft_expr *expr,
				   struct nft_regs *regs,
				   const struct nft_pktinfo *pkt)
{
	const struct nft_gtp_decap_map *priv = nft_expr_priv(expr);
	struct nf_gtpu_decap_params p = {};
	const struct nft_set_ext *ext;
	enum nf_gtpu_verdict verdict;
	struct net_device *dev;
	struct nf_gtpu_rx rx;
	const u32 *data;

	if (!nf_gtpu_decap_tpdu(pkt->skb, pkt->state,
				priv->gtp.flags & NFT_GTP_F_V0, &rx, &verdict)) {
		/*
		 * A message left to the ruleset counts for a context that
		 * exists, as when a lookup rule before decap found it: so
		 * that one message counts once, however many maps it meets.
		 */
		if (verdict == NF_GTPU_PASS && rx.stat != NF_GTPU_STAT_NONE &&
		    nf_gtpu_set_lookup(nft_net(pkt), priv->set, &rx.info.teid))
			nf_gtpu_stat_pass(nft_net(pkt), &rx);
		nft_gtp_verdict(regs, verdict);
		return;
	}
	ext = nf_gtpu_set_lookup(nft_net(pkt), priv->set, &rx.info.teid);
	if (!ext) {
		regs->verdict.code = NFT_BREAK;
		return;
	}
	data = (const u32 *)nft_set_ext_data(ext);
	nft_gtp_decap_params(&p, priv->gtp.nfproto, data[0], &data[1]);
	dev = nf_gtpu_decap_pull(pkt->skb, pkt->state, &p, &rx);
	if (!dev) {
		regs->verdict.code = NF_DROP;
		return;
	}
	nft_set_elem_update_expr(ext, regs, pkt);
	if (regs->verdict.code == NFT_BREAK) {
		nf_gtpu_stat_inc(nft_net(pkt), NF_GTPU_STAT_CONTEXT_LIMIT);
		regs->verdict.code = NF_DROP;
		return;
	}
	nf_gtpu_decap_receive(nft_net(pkt), dev, pkt->skb);
	regs->verdict.code = NF_STOLEN;
}

static void nft_gtp_encap_eval(const struct nft_expr *expr,
			       struct nft_regs *regs,
			       const struct nft_pktinfo *pkt)
{
	const struct nft_gtp *priv = nft_expr_priv(expr);
	int len = nft_gtp_addr_len(priv->nfproto);
	struct nf_gtpu_encap_params p = {
		.family		= priv->nfproto,
		.teid		= regs->data[priv->sreg_teid],
		.sport_hash	= priv->flags & NFT_GTP_F_SPORT_HASH,
		.v0		= priv->flags & NFT_GTP_F_V0,
	};

	memcpy(&p.peer, &regs->data[priv->sreg_addr], len);
	if (priv->sreg_saddr)
		memcpy(&p.saddr, &regs->data[priv->sreg_saddr], len);
	if (priv->sreg_qfi) {
		p.add_qfi = true;
		p.qfi = regs->data[priv->sreg_qfi];
	}
	nft_gtp_verdict(regs, nf_gtpu_encap(pkt->skb, pkt->state, &p));
}

static void nft_gtp_reply_eval(const struct nft_expr *expr,
			       struct nft_regs *regs,
			       const struct nft_pktinfo *pkt)
{
	nft_gtp_verdict(regs, nf_gtpu_reply(pkt->skb, pkt->state));
}

/*
 * Each op takes only its own attributes: one that does not apply is
 * refused rather than ignored, or the rule would list back without it.
 */
static int nft_gtp_attrs_only(const struct nlattr * const tb[],
			      unsigned long allowed)
{
	int i;

	for (i = NFTA_GTP_OP + 1; i <= NFTA_GTP_MAX; i++)
		if (tb[i] && !(allowed & BIT(i)))
			return -EINVAL;
	return 0;
}

static int nft_gtp_load_init(const struct nft_ctx *ctx,
			     const struct nft_expr *expr,
			     const struct nlattr * const tb[])
{
	struct nft_gtp *priv = nft_expr_priv(expr);
	u32 key;

	if (nft_gtp_attrs_only(tb, BIT(NFTA_GTP_KEY) | BIT(NFTA_GTP_DREG)))
		return -EINVAL;
	if (!tb[NFTA_GTP_KEY] || !tb[NFTA_GTP_DREG])
		return -EINVAL;
	key = ntohl(nla_get_be32(tb[NFTA_GTP_KEY]));
	if (key > NFT_GTP_KEY_MAX)
		return -EOPNOTSUPP;
	priv->key = key;
	return nft_parse_register_store(ctx, tb[NFTA_GTP_DREG], &priv->dreg,
					NULL, NFT_DATA_VALUE, sizeof(u32));
}

/* An optional source register of @len octets: absent leaves @sreg 0. */
static int nft_gtp_parse_sreg(const struct nft_ctx *ctx,
			      const struct nlattr *attr, u8 *sreg, int len)
{
	if (!attr)
		return 0;
	return nft_parse_register_load(ctx, attr, sreg, len);
}

/*
 * Decap's MS address: IPv4, IPv6, or with NFPROTO_INET both, IPv4 first:
 * a dual-stack MS on one TEID.
 */
static int nft_gtp_ms_len(u32 nfproto)
{
	if (nfproto == NFPROTO_INET)
		return sizeof(struct in_addr) + sizeof(struct in6_addr);
	return nft_gtp_addr_len(nfproto);
}

/* The address family of the registers; returns the address length. */
static int nft_gtp_parse_nfproto(const struct nlattr *attr, u8 *nfproto,
				 int (*addr_len)(u32 nfproto))
{
	u32 family = ntohl(nla_get_be32(attr));
	int len;

	len = addr_len(family);
	if (len > 0)
		*nfproto = family;
	return len;
}

static bool nft_gtp_family_ok(const struct nft_ctx *ctx)
{
	switch (ctx->family) {
	case NFPROTO_IPV4:
	case NFPROTO_IPV6:
	case NFPROTO_INET:
	case NFPROTO_NETDEV:
		return true;
	}
	return false;
}

/*
 * Decap must see whole packets: reassembly for the IP families.  The
 * netdev ingress hook runs before reassembly, and decap refuses fragments.
 */
static int nft_gtp_defrag_enable(const struct nft_ctx *ctx)
{
	int err;

	switch (ctx->family) {
	case NFPROTO_IPV4:
	case NFPROTO_IPV6:
		return nf_gtpu_defrag_enable(ctx->net, ctx->family);
	case NFPROTO_INET:
		err = nf_gtpu_defrag_enable(ctx->net, NFPROTO_IPV4);
		if (err)
			return err;
		err = nf_gtpu_defrag_enable(ctx->net, NFPROTO_IPV6);
		if (err)
			nf_gtpu_defrag_disable(ctx->net, NFPROTO_IPV4);
		return err;
	}
	return 0;
}

static void nft_gtp_defrag_disable(const struct nft_ctx *ctx)
{
	if (ctx->family == NFPROTO_IPV4 || ctx->family == NFPROTO_INET)
		nf_gtpu_defrag_disable(ctx->net, NFPROTO_IPV4);
	if (ctx->family == NFPROTO_IPV6 || ctx->family == NFPROTO_INET)
		nf_gtpu_defrag_disable(ctx->net, NFPROTO_IPV6);
}

/* What both forms of decap take: NFTA_GTP_FLAGS and NFTA_GTP_NFPROTO. */
static int nft_gtp_decap_parse(const struct nft_ctx *ctx, struct nft_gtp *priv,
			       const struct nlattr * const tb[],
			       unsigned long attrs)
{
	int err;

	if (!nft_gtp_family_ok(ctx))
		return -EOPNOTSUPP;
	if (nft_gtp_attrs_only(tb, attrs | BIT(NFTA_GTP_NFPROTO) |
				   BIT(NFTA_GTP_FLAGS)))
		return -EINVAL;
	if (tb[NFTA_GTP_FLAGS]) {
		priv->flags = ntohl(nla_get_be32(tb[NFTA_GTP_FLAGS]));
		if (priv->flags & ~NFT_GTP_F_V0)
			return -EOPNOTSUPP;
	}
	if (tb[NFTA_GTP_NFPROTO]) {
		err = nft_gtp_parse_nfproto(tb[NFTA_GTP_NFPROTO], &priv->nfproto,
					    nft_gtp_ms_len);
		if (err < 0)
			return err;
	}
	return 0;
}

static int nft_gtp_decap_init(const struct nft_ctx *ctx,
			      const struct nft_expr *expr,
			      const struct nlattr * const tb[])
{
	struct nft_gtp *priv = nft_expr_priv(expr);
	int err;

	err = nft_gtp_decap_parse(ctx, priv, tb, BIT(NFTA_GTP_SREG_DEV) |
						 BIT(NFTA_GTP_SREG_MS_ADDR));
	if (err < 0)
		return err;
	if (!tb[NFTA_GTP_SREG_DEV])
		return -EINVAL;
	err = nft_parse_register_load(ctx, tb[NFTA_GTP_SREG_DEV],
				      &priv->sreg_dev, sizeof(u32));
	if (err < 0)
		return err;

	/*
	 * Without an MS address the family checks nothing, but it is kept
	 * all the same: what was accepted is what lists back.
	 */
	if (tb[NFTA_GTP_SREG_MS_ADDR]) {
		if (!priv->nfproto)
			return -EINVAL;
		err = nft_parse_register_load(ctx, tb[NFTA_GTP_SREG_MS_ADDR],
					      &priv->sreg_ms_addr,
					      nft_gtp_ms_len(priv->nfproto));
		if (err < 0)
			return err;
	}
	return nft_gtp_defrag_enable(ctx);
}

static void nft_gtp_decap_destroy(const struct nft_ctx *ctx,
				  const struct nft_expr *expr)
{
	nft_gtp_defrag_disable(ctx);
}

/*
 * The map is keyed by the TEID (32 bits) and holds the APN device's
 * ifindex, then the MS address of the family NFTA_GTP_NFPROTO names, if
 * any: what the register form's lookup would have loaded.
 */
static int nft_gtp_decap_map_init(const struct nft_ctx *ctx,
				  const struct nft_expr *expr,
				  const struct nlattr * const tb[])
{
	struct nft_gtp_decap_map *priv = nft_expr_priv(expr);
	u8 genmask = nft_genmask_next(ctx->net);
	struct nft_set *set;
	unsigned int dlen;
	int err;

	err = nft_gtp_decap_parse(ctx, &priv->gtp, tb, BIT(NFTA_GTP_SET) |
						       BIT(NFTA_GTP_SET_ID));
	if (err < 0)
		return err;
	set = nft_set_lookup_global(ctx->net, ctx->table, tb[NFTA_GTP_SET],
				    tb[NFTA_GTP_SET_ID], genmask);
	if (IS_ERR(set))
		return PTR_ERR(set);
	dlen = sizeof(u32);
	if (priv->gtp.nfproto)
		dlen += nft_gtp_ms_len(priv->gtp.nfproto);
	if (!(set->flags & NFT_SET_MAP) || set->dtype == NFT_DATA_VERDICT ||
	    set->klen != sizeof(u32) || set->dlen != dlen)
		return -EINVAL;

	err = nft_gtp_defrag_enable(ctx);
	if (err < 0)
		return err;
	priv->binding.flags = set->flags & NFT_SET_MAP;
	err = nf_tables_bind_set(ctx, set, &priv->binding);
	if (err < 0) {
		nft_gtp_defrag_disable(ctx);
		return err;
	}
	priv->set = set;
	return 0;
}

static void nft_gtp_decap_map_activate(const struct nft_ctx *ctx,
				       const struct nft_expr *expr)
{
	struct nft_gtp_decap_map *priv = nft_expr_priv(expr);

	nf_tables_activate_set(ctx, priv->set);
}

static void nft_gtp_decap_map_deactivate(const struct nft_ctx *ctx,
					 const struct nft_expr *expr,
					 enum nft_trans_phase phase)
{
	struct nft_gtp_decap_map *priv = nft_expr_priv(expr);

	nf_tables_deactivate_set(ctx, priv->set, &priv->binding, phase);
}

static void nft_gtp_decap_map_destroy(const struct nft_ctx *ctx,
				      const struct nft_expr *expr)
{
	struct nft_gtp_decap_map *priv = nft_expr_priv(expr);

	nf_tables_destroy_set(ctx, priv->set);
	nft_gtp_defrag_disable(ctx);
}

static int nft_gtp_encap_init(const struct nft_ctx *ctx,
			      const struct nft_expr *expr,
			      const struct nlattr * const tb[])
{
	struct nft_gtp *priv = nft_expr_priv(expr);
	int len, err;

	if (ctx->family != NFPROTO_IPV4 && ctx->family != NFPROTO_IPV6 &&
	    ctx->family != NFPROTO_INET)
		return -EOPNOTSUPP;
	if (nft_gtp_attrs_only(tb, BIT(NFTA_GTP_NFPROTO) |
				   BIT(NFTA_GTP_SREG_ADDR) |
				   BIT(NFTA_GTP_SREG_TEID) |
				   BIT(NFTA_GTP_SREG_SADDR) |
				   BIT(NFTA_GTP_SREG_QFI) |
				   BIT(NFTA_GTP_FLAGS)))
		return -EINVAL;
	if (!tb[NFTA_GTP_NFPROTO] || !tb[NFTA_GTP_SREG_ADDR] ||
	    !tb[NFTA_GTP_SREG_TEID])
		return -EINVAL;
	len = nft_gtp_parse_nfproto(tb[NFTA_GTP_NFPROTO], &priv->nfproto,
				    nft_gtp_addr_len);
	if (len < 0)
		return len;
	/* In a family-specific table the addresses are of that family. */
	if (ctx->family != NFPROTO_INET && ctx->family != priv->nfproto)
		return -EAFNOSUPPORT;
	if (tb[NFTA_GTP_FLAGS]) {
		priv->flags = ntohl(nla_get_be32(tb[NFTA_GTP_FLAGS]));
		if (priv->flags & ~NFT_GTP_F_MASK)
			return -EOPNOTSUPP;
	}
	if (tb[NFTA_GTP_SREG_QFI] && (priv->flags & NFT_GTP_F_V0))
		return -EINVAL;

	err = nft_parse_register_load(ctx, tb[NFTA_GTP_SREG_ADDR],
				      &priv->sreg_addr, len);
	if (err < 0)
		return err;
	err = nft_parse_register_load(ctx, tb[NFTA_GTP_SREG_TEID],
				      &priv->sreg_teid, sizeof(u32));
	if (err < 0)
		return err;
	err = nft_gtp_parse_sreg(ctx, tb[NFTA_GTP_SREG_SADDR],
				 &priv->sreg_saddr, len);
	if (err < 0)
		return err;
	return nft_gtp_parse_sreg(ctx, tb[NFTA_GTP_SREG_QFI], &priv->sreg_qfi,
				  sizeof(u32));
}

/* Replies come from an IP stack: not from the netdev family. */
static int nft_gtp_reply_init(const struct nft_ctx *ctx,
			      const struct nft_expr *expr,
			      const struct nlattr * const tb[])
{
	if (ctx->family == NFPROTO_NETDEV || !nft_gtp_family_ok(ctx))
		return -EOPNOTSUPP;
	return nft_gtp_attrs_only(tb, 0);
}

static int nft_gtp_validate_hooks(const struct nft_ctx *ctx,
				  unsigned int inet_hooks,
				  unsigned int netdev_hooks)
{
	if (ctx->family == NFPROTO_NETDEV)
		return nft_chain_validate_hooks(ctx->chain, netdev_hooks);
	return nft_chain_validate_hooks(ctx->chain, inet_hooks);
}

/* The inner packet leaves the stack here: before routing or locally. */
static int nft_gtp_decap_validate(const struct nft_ctx *ctx,
				  const struct nft_expr *expr)
{
	return nft_gtp_validate_hooks(ctx, (1 << NF_INET_PRE_ROUTING) |
					   (1 << NF_INET_LOCAL_IN),
				      1 << NF_NETDEV_INGRESS);
}

/* A reply answers a message that arrived, before it meets a socket. */
static int nft_gtp_reply_validate(const struct nft_ctx *ctx,
				  const struct nft_expr *expr)
{
	return nft_gtp_validate_hooks(ctx, (1 << NF_INET_PRE_ROUTING) |
					   (1 << NF_INET_LOCAL_IN), 0);
}

/* Encap needs an IP packet at the network header, headed out. */
static int nft_gtp_encap_validate(const struct nft_ctx *ctx,
				  const struct nft_expr *expr)
{
	return nft_gtp_validate_hooks(ctx, (1 << NF_INET_FORWARD) |
					   (1 << NF_INET_LOCAL_OUT) |
					   (1 << NF_INET_POST_ROUTING), 0);
}

static int nft_gtp_dump_sreg(struct sk_buff *skb, int attr, u8 sreg)
{
	return sreg ? nft_dump_register(skb, attr, sreg) : 0;
}

static int nft_gtp_dump_common(struct sk_buff *skb, enum nft_gtp_ops op,
			       const struct nft_gtp *priv)
{
	if (nla_put_be32(skb, NFTA_GTP_OP, htonl(op)))
		return -1;
	if (priv->nfproto &&
	    nla_put_be32(skb, NFTA_GTP_NFPROTO, htonl(priv->nfproto)))
		return -1;
	if (priv->flags && nla_put_be32(skb, NFTA_GTP_FLAGS, htonl(priv->flags)))
		return -1;
	return 0;
}

static int nft_gtp_load_dump(struct sk_buff *skb, const struct nft_expr *expr,
			     bool reset)
{
	const struct nft_gtp *priv = nft_expr_priv(expr);

	if (nft_gtp_dump_common(skb, NFT_GTP_LOAD, priv) ||
	    nla_put_be32(skb, NFTA_GTP_KEY, htonl(priv->key)) ||
	    nft_dump_register(skb, NFTA_GTP_DREG, priv->dreg))
		return -1;
	return 0;
}

static int nft_gtp_decap_dump(struct sk_buff *skb, const struct nft_expr *expr,
			      bool reset)
{
	const struct nft_gtp *priv = nft_expr_priv(expr);

	if (nft_gtp_dump_common(skb, NFT_GTP_DECAP, priv) ||
	    nft_dump_register(skb, NFTA_GTP_SREG_DEV, priv->sreg_dev) ||
	    nft_gtp_dump_sreg(skb, NFTA_GTP_SREG_MS_ADDR, priv->sreg_ms_addr))
		return -1;
	return 0;
}

static int nft_gtp_decap_map_dump(struct sk_buff *skb,
				  const struct nft_expr *expr, bool reset)
{
	const struct nft_gtp_decap_map *priv = nft_expr_priv(expr);

	if (nft_gtp_dump_common(skb, NFT_GTP_DECAP, &priv->gtp) ||
	    nla_put_string(skb, NFTA_GTP_SET, priv->set->name))
		return -1;
	return 0;
}

static int nft_gtp_encap_dump(struct sk_buff *skb, const struct nft_expr *expr,
			      bool reset)
{
	const struct nft_gtp *priv = nft_expr_priv(expr);

	if (nft_gtp_dump_common(skb, NFT_GTP_ENCAP, priv) ||
	    nft_dump_register(skb, NFTA_GTP_SREG_ADDR, priv->sreg_addr) ||
	    nft_dump_register(skb, NFTA_GTP_SREG_TEID, priv->sreg_teid) ||
	    nft_gtp_dump_sreg(skb, NFTA_GTP_SREG_SADDR, priv->sreg_saddr) ||
	    nft_gtp_dump_sreg(skb, NFTA_GTP_SREG_QFI, priv->sreg_qfi))
		return -1;
	return 0;
}

static int nft_gtp_reply_dump(struct sk_buff *skb, const struct nft_expr *expr,
			      bool reset)
{
	return nft_gtp_dump_common(skb, NFT_GTP_REPLY, nft_expr_priv(expr));
}

NF_GTPU_DUMP_ADAPTER(nft_gtp_load_dump)
NF_GTPU_DUMP_ADAPTER(nft_gtp_decap_dump)
NF_GTPU_DUMP_ADAPTER(nft_gtp_decap_map_dump)
NF_GTPU_DUMP_ADAPTER(nft_gtp_encap_dump)
NF_GTPU_DUMP_ADAPTER(nft_gtp_reply_dump)
NF_GTPU_VALIDATE_ADAPTER(nft_gtp_decap_validate)
NF_GTPU_VALIDATE_ADAPTER(nft_gtp_encap_validate)
NF_GTPU_VALIDATE_ADAPTER(nft_gtp_reply_validate)

static struct nft_expr_type nft_gtp_type;

static const struct nft_expr_ops nft_gtp_load_ops = {
	.type		= &nft_gtp_type,
	.size		= NFT_EXPR_SIZE(sizeof(struct nft_gtp)),
	.eval		= nft_gtp_load_eval,
	.init		= nft_gtp_load_init,
	.dump		= NF_GTPU_DUMP(nft_gtp_load_dump),
};

static const struct nft_expr_ops nft_gtp_decap_ops = {
	.type		= &nft_gtp_type,
	.size		= NFT_EXPR_SIZE(sizeof(struct nft_gtp)),
	.eval		= nft_gtp_decap_eval,
	.init		= nft_gtp_decap_init,
	.destroy	= nft_gtp_decap_destroy,
	.dump		= NF_GTPU_DUMP(nft_gtp_decap_dump),
	.validate	= NF_GTPU_VALIDATE(nft_gtp_decap_validate),
};

static const struct nft_expr_ops nft_gtp_decap_map_ops = {
	.type		= &nft_gtp_type,
	.size		= NFT_EXPR_SIZE(sizeof(struct nft_gtp_decap_map)),
	.eval		= nft_gtp_decap_map_eval,
	.init		= nft_gtp_decap_map_init,
	.activate	= nft_gtp_decap_map_activate,
	.deactivate	= nft_gtp_decap_map_deactivate,
	.destroy	= nft_gtp_decap_map_destroy,
	.dump		= NF_GTPU_DUMP(nft_gtp_decap_map_dump),
	.validate	= NF_GTPU_VALIDATE(nft_gtp_decap_validate),
};

static const struct nft_expr_ops nft_gtp_encap_ops = {
	.type		= &nft_gtp_type,
	.size		= NFT_EXPR_SIZE(sizeof(struct nft_gtp)),
	.eval		= nft_gtp_encap_eval,
	.init		= nft_gtp_encap_init,
	.dump		= NF_GTPU_DUMP(nft_gtp_encap_dump),
	.validate	= NF_GTPU_VALIDATE(nft_gtp_encap_validate),
};

static const struct nft_expr_ops nft_gtp_reply_ops = {
	.type		= &nft_gtp_type,
	.size		= NFT_EXPR_SIZE(sizeof(struct nft_gtp)),
	.eval		= nft_gtp_reply_eval,
	.init		= nft_gtp_reply_init,
	.dump		= NF_GTPU_DUMP(nft_gtp_reply_dump),
	.validate	= NF_GTPU_VALIDATE(nft_gtp_reply_validate),
};

static const struct nft_expr_ops *
nft_gtp_select_ops(const struct nft_ctx *ctx, const struct nlattr * const tb[])
{
	if (!tb[NFTA_GTP_OP])
		return ERR_PTR(-EINVAL);

	switch (ntohl(nla_get_be32(tb[NFTA_GTP_OP]))) {
	case NFT_GTP_LOAD:
		return &nft_gtp_load_ops;
	case NFT_GTP_DECAP:
		return tb[NFTA_GTP_SET] ? &nft_gtp_decap_map_ops :
					  &nft_gtp_decap_ops;
	case NFT_GTP_ENCAP:
		return &nft_gtp_encap_ops;
	case NFT_GTP_REPLY:
		return &nft_gtp_reply_ops;
	}
	return ERR_PTR(-EOPNOTSUPP);
}

static struct nft_expr_type nft_gtp_type __read_mostly = {
	.name		= "gtp",
	.select_ops	= nft_gtp_select_ops,
	.policy		= nft_gtp_policy,
	.maxattr	= NFTA_GTP_MAX,
	.owner		= THIS_MODULE,
};

static int __init nft_gtp_module_init(void)
{
	return nft_register_expr(&nft_gtp_type);
}

static void __exit nft_gtp_module_exit(void)
{
	nft_unregister_expr(&nft_gtp_type);
}

module_init(nft_gtp_module_init);
module_exit(nft_gtp_module_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("nf-gtpu developers");
MODULE_DESCRIPTION("nftables GTP-U tunnel expressions: header loads, decap, encap, reply");
MODULE_ALIAS_NFT_EXPR("gtp");
