// SPDX-License-Identifier: GPL-2.0-only
/*
 * xtables front end of the GTP-U data path: iptables/ip6tables -j GTPU.
 * A thin shell around nf_gtpu: it checks the rule once at load time and
 * maps the core's verdicts.
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_GTPU.h>

#include "nf_gtpu.h"

#define GTPU_DECAP_HOOKS	((1 << NF_INET_PRE_ROUTING) | (1 << NF_INET_LOCAL_IN))
#define GTPU_ENCAP_HOOKS	((1 << NF_INET_FORWARD) | (1 << NF_INET_LOCAL_OUT) | \
				 (1 << NF_INET_POST_ROUTING))

/* Replies answer what arrived: the same hooks as decap. */
static const unsigned int gtpu_mode_hooks[] = {
	[XT_GTPU_DECAP]	= GTPU_DECAP_HOOKS,
	[XT_GTPU_ENCAP]	= GTPU_ENCAP_HOOKS,
	[XT_GTPU_REPLY]	= GTPU_DECAP_HOOKS,
};

static unsigned int gtpu_verdict(enum nf_gtpu_verdict v)
{
	switch (v) {
	case NF_GTPU_STOLEN:
		return NF_STOLEN;
	case NF_GTPU_DROP:
		return NF_DROP;
	default:
		return XT_CONTINUE;
	}
}

static unsigned int gtpu_decap_tg(struct sk_buff *skb,
				  const struct xt_action_param *par)
{
	const struct xt_gtpu_tginfo *info = par->targinfo;
	struct nf_gtpu_decap_params p = {
		.ifindex	= info->ifindex,
		.ms_family	= info->flags & XT_GTPU_F_MS_ADDR ?
				  info->family : NFPROTO_UNSPEC,
		.ms_addr	= info->ms_addr,
		.match_teid	= info->flags & XT_GTPU_F_TEID,
		.v0		= info->flags & XT_GTPU_F_V0,
		.teid		= info->flags & XT_GTPU_F_V0 ? info->tid :
							      info->teid,
	};

	return gtpu_verdict(nf_gtpu_decap(skb, par->state, &p));
}

static unsigned int gtpu_encap_tg(struct sk_buff *skb,
				  const struct xt_action_param *par)
{
	const struct xt_gtpu_tginfo *info = par->targinfo;
	struct nf_gtpu_encap_params p = {
		.family		= info->family,
		.peer		= info->peer,
		.saddr		= info->saddr,
		.qfi		= info->qfi,
		.add_qfi	= info->flags & XT_GTPU_F_QFI,
		.sport_hash	= info->flags & XT_GTPU_F_SPORT_HASH,
		.v0		= info->flags & XT_GTPU_F_V0,
		.teid		= info->flags & XT_GTPU_F_V0 ? info->tid :
							      info->teid,
	};

	return gtpu_verdict(nf_gtpu_encap(skb, par->state, &p));
}

static unsigned int gtpu_tg(struct sk_buff *skb,
			    const struct xt_action_param *par)
{
	const struct xt_gtpu_tginfo *info = par->targinfo;

	/*
	 * nft_compat cannot tell checkentry the hook of a rule in a chain
	 * that others jump to, and checks it later only against the union
	 * of all modes' hooks: each mode checks its own here.
	 */
	if (!(gtpu_mode_hooks[info->mode] & BIT(xt_hooknum(par)))) {
		nf_gtpu_stat_inc(xt_net(par), NF_GTPU_STAT_WRONG_HOOK);
		return NF_DROP;
	}

	switch (info->mode) {
	case XT_GTPU_DECAP:
		return gtpu_decap_tg(skb, par);
	case XT_GTPU_ENCAP:
		return gtpu_encap_tg(skb, par);
	}
	return gtpu_verdict(nf_gtpu_reply(skb, par->state));
}

#define GTPU_DECAP_FLAGS	(XT_GTPU_F_MS_ADDR | XT_GTPU_F_TEID | XT_GTPU_F_V0)
#define GTPU_ENCAP_FLAGS	(XT_GTPU_F_SADDR | XT_GTPU_F_QFI | \
				 XT_GTPU_F_SPORT_HASH | XT_GTPU_F_V0)

static int gtpu_decap_check(const struct xt_tgchk_param *par,
			    struct xt_gtpu_tginfo *info)
{
	struct net_device *dev;
	int err;

	if (info->flags & ~GTPU_DECAP_FLAGS)
		return -EINVAL;
	if (strnlen(info->dev, IFNAMSIZ) == IFNAMSIZ)
		return -ENAMETOOLONG;

	dev = dev_get_by_name(par->net, info->dev);
	if (!dev)
		return -ENODEV;
	info->ifindex = dev->ifindex;
	err = netif_is_apn(dev) ? 0 : -EINVAL;
	dev_put(dev);
	if (err)
		return err;
	return nf_gtpu_defrag_enable(par->net, par->family);
}

static int gtpu_encap_check(const struct xt_gtpu_tginfo *info)
{
	if (info->flags & ~GTPU_ENCAP_FLAGS)
		return -EINVAL;
	if ((info->flags & XT_GTPU_F_QFI) &&
	    (info->qfi > 63 || (info->flags & XT_GTPU_F_V0)))
		return -EINVAL;
	/* gtpu_encap_tg() takes saddr as it is: zero unless given. */
	if (!(info->flags & XT_GTPU_F_SADDR) &&
	    memchr_inv(&info->saddr, 0, sizeof(info->saddr)))
		return -EINVAL;
	return 0;
}

static int gtpu_tg_check(const struct xt_tgchk_param *par)
{
	struct xt_gtpu_tginfo *info = par->targinfo;

	if (info->mode < XT_GTPU_DECAP || info->mode > XT_GTPU_REPLY)
		return -EINVAL;
	/* 0 in a chain that nft_compat jumps to: gtpu_tg() checks then. */
	if (par->hook_mask & ~gtpu_mode_hooks[info->mode])
		return -EINVAL;
	if (info->mode == XT_GTPU_REPLY)
		return info->flags ? -EINVAL : 0;
	if (info->family != NFPROTO_IPV4 && info->family != NFPROTO_IPV6)
		return -EAFNOSUPPORT;
	/* Without v0 the TEID is used: a TID would be ignored. */
	if (!(info->flags & XT_GTPU_F_V0) && info->tid)
		return -EINVAL;
	if (info->mode == XT_GTPU_DECAP)
		return gtpu_decap_check(par, info);
	return gtpu_encap_check(info);
}

static void gtpu_tg_destroy(const struct xt_tgdtor_param *par)
{
	const struct xt_gtpu_tginfo *info = par->targinfo;

	if (info->mode == XT_GTPU_DECAP)
		nf_gtpu_defrag_disable(par->net, par->family);
}

/*
 * One target for iptables and one for ip6tables, as xt_TEE has: the core
 * reads the family from the packet, but a target of NFPROTO_UNSPEC would
 * also load through nft_compat in arp, bridge and inet tables, whose
 * packets are not IP or whose family says nothing of the defrag to enable.
 */
static struct xt_target gtpu_tg_reg[] __read_mostly = {
	{
		.name		= "GTPU",
		.revision	= 0,
		.family		= NFPROTO_IPV4,
		.target		= gtpu_tg,
		.targetsize	= sizeof(struct xt_gtpu_tginfo),
		.usersize	= offsetof(struct xt_gtpu_tginfo, ifindex),
		.checkentry	= gtpu_tg_check,
		.destroy	= gtpu_tg_destroy,
		.hooks		= GTPU_DECAP_HOOKS | GTPU_ENCAP_HOOKS,
		.me		= THIS_MODULE,
	},
	{
		.name		= "GTPU",
		.revision	= 0,
		.family		= NFPROTO_IPV6,
		.target		= gtpu_tg,
		.targetsize	= sizeof(struct xt_gtpu_tginfo),
		.usersize	= offsetof(struct xt_gtpu_tginfo, ifindex),
		.checkentry	= gtpu_tg_check,
		.destroy	= gtpu_tg_destroy,
		.hooks		= GTPU_DECAP_HOOKS | GTPU_ENCAP_HOOKS,
		.me		= THIS_MODULE,
	},
};

static int __init gtpu_tg_init(void)
{
	return xt_register_targets(gtpu_tg_reg, ARRAY_SIZE(gtpu_tg_reg));
}

static void __exit gtpu_tg_exit(void)
{
	xt_unregister_targets(gtpu_tg_reg, ARRAY_SIZE(gtpu_tg_reg));
}

module_init(gtpu_tg_init);
module_exit(gtpu_tg_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("nf-gtpu developers");
MODULE_DESCRIPTION("Xtables: GTP-U tunnel decapsulation, encapsulation and replies");
MODULE_ALIAS("ipt_GTPU");
MODULE_ALIAS("ip6t_GTPU");
