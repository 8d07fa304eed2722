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
#include <net/dst_cache.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "nf_gtpu.h"

/*
 * A decap rule names its APN device; as xt_TEE does for its oif, a
 * notifier keeps the ifindex of that name current, so that a device
 * deleted and created again (an operator restarting an APN) is used
 * again without the rule being reloaded.  An encap rule has one peer: it
 * keeps the route there, as the kernel's tunnels keep theirs.
 */
struct xt_gtpu_priv {
	struct list_head		list;		/* decap */
	const struct xt_gtpu_tginfo	*tginfo;	/* decap */
	int				ifindex;	/* decap; 0: none */
	struct dst_cache		dst_cache;	/* encap */
};

struct gtpu_tg_net {
	struct list_head	decap_rules;
	struct mutex		lock;		/* decap_rules */
};

static unsigned int gtpu_tg_net_id __read_mostly;

static int gtpu_tg_netdev_event(struct notifier_block *nb, unsigned long event,
				void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct gtpu_tg_net *tn = net_generic(dev_net(dev), gtpu_tg_net_id);
	struct xt_gtpu_priv *priv;

	if (event != NETDEV_REGISTER && event != NETDEV_UNREGISTER &&
	    event != NETDEV_CHANGENAME)
		return NOTIFY_DONE;
	mutex_lock(&tn->lock);
	list_for_each_entry(priv, &tn->decap_rules, list) {
		if (event != NETDEV_UNREGISTER &&
		    !strcmp(dev->name, priv->tginfo->dev))
			WRITE_ONCE(priv->ifindex, dev->ifindex);
		else if (priv->ifindex == dev->ifindex)
			WRITE_ONCE(priv->ifindex, 0);
	}
	mutex_unlock(&tn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block gtpu_tg_netdev_notifier = {
	.notifier_call = gtpu_tg_netdev_event,
};

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
		.ifindex	= READ_ONCE(info->priv->ifindex),
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
		.dst_cache	= &info->priv->dst_cache,
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

/* Take a decap rule off the notifier's list (if it got there) and free it. */
static void gtpu_decap_forget(struct gtpu_tg_net *tn, struct xt_gtpu_priv *priv)
{
	mutex_lock(&tn->lock);
	list_del(&priv->list);
	mutex_unlock(&tn->lock);
	kfree(priv);
}

static int gtpu_decap_check(const struct xt_tgchk_param *par,
			    struct xt_gtpu_tginfo *info)
{
	struct gtpu_tg_net *tn = net_generic(par->net, gtpu_tg_net_id);
	struct xt_gtpu_priv *priv;
	struct net_device *dev;
	int err;

	if (info->flags & ~GTPU_DECAP_FLAGS)
		return -EINVAL;
	if (strnlen(info->dev, IFNAMSIZ) == IFNAMSIZ)
		return -ENAMETOOLONG;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	INIT_LIST_HEAD(&priv->list);
	priv->tginfo = info;
	/* Under the lock, so that no event slips between lookup and list. */
	mutex_lock(&tn->lock);
	dev = dev_get_by_name(par->net, info->dev);
	if (!dev) {
		err = -ENODEV;
	} else if (!netif_is_apn(dev)) {
		err = -EINVAL;
	} else {
		err = 0;
		priv->ifindex = dev->ifindex;
		list_add(&priv->list, &tn->decap_rules);
	}
	mutex_unlock(&tn->lock);
	dev_put(dev);
	if (!err)
		err = nf_gtpu_defrag_enable(par->net, par->family);
	if (err) {
		gtpu_decap_forget(tn, priv);
		return err;
	}
	info->priv = priv;
	return 0;
}

static int gtpu_encap_check(struct xt_gtpu_tginfo *info)
{
	struct xt_gtpu_priv *priv;
	int err;

	if (info->flags & ~GTPU_ENCAP_FLAGS)
		return -EINVAL;
	if ((info->flags & XT_GTPU_F_QFI) &&
	    (info->qfi > 63 || (info->flags & XT_GTPU_F_V0)))
		return -EINVAL;
	/* gtpu_encap_tg() takes saddr as it is: zero unless given. */
	if (!(info->flags & XT_GTPU_F_SADDR) &&
	    memchr_inv(&info->saddr, 0, sizeof(info->saddr)))
		return -EINVAL;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	err = dst_cache_init(&priv->dst_cache, GFP_KERNEL);
	if (err) {
		kfree(priv);
		return err;
	}
	info->priv = priv;
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

	switch (info->mode) {
	case XT_GTPU_DECAP:
		gtpu_decap_forget(net_generic(par->net, gtpu_tg_net_id),
				  info->priv);
		nf_gtpu_defrag_disable(par->net, par->family);
		break;
	case XT_GTPU_ENCAP:
		dst_cache_destroy(&info->priv->dst_cache);
		kfree(info->priv);
		break;
	}
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
		.usersize	= offsetof(struct xt_gtpu_tginfo, priv),
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
		.usersize	= offsetof(struct xt_gtpu_tginfo, priv),
		.checkentry	= gtpu_tg_check,
		.destroy	= gtpu_tg_destroy,
		.hooks		= GTPU_DECAP_HOOKS | GTPU_ENCAP_HOOKS,
		.me		= THIS_MODULE,
	},
};

static int __net_init gtpu_tg_net_init(struct net *net)
{
	struct gtpu_tg_net *tn = net_generic(net, gtpu_tg_net_id);

	INIT_LIST_HEAD(&tn->decap_rules);
	mutex_init(&tn->lock);
	return 0;
}

static struct pernet_operations gtpu_tg_net_ops = {
	.init	= gtpu_tg_net_init,
	.id	= &gtpu_tg_net_id,
	.size	= sizeof(struct gtpu_tg_net),
};

static int __init gtpu_tg_init(void)
{
	int err;

	err = register_pernet_subsys(&gtpu_tg_net_ops);
	if (err)
		return err;
	err = register_netdevice_notifier(&gtpu_tg_netdev_notifier);
	if (err)
		goto err_pernet;
	err = xt_register_targets(gtpu_tg_reg, ARRAY_SIZE(gtpu_tg_reg));
	if (err)
		goto err_notifier;
	return 0;

err_notifier:
	unregister_netdevice_notifier(&gtpu_tg_netdev_notifier);
err_pernet:
	unregister_pernet_subsys(&gtpu_tg_net_ops);
	return err;
}

static void __exit gtpu_tg_exit(void)
{
	xt_unregister_targets(gtpu_tg_reg, ARRAY_SIZE(gtpu_tg_reg));
	unregister_netdevice_notifier(&gtpu_tg_netdev_notifier);
	unregister_pernet_subsys(&gtpu_tg_net_ops);
}

module_init(gtpu_tg_init);
module_exit(gtpu_tg_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("nf-gtpu developers");
MODULE_DESCRIPTION("Xtables: GTP-U tunnel decapsulation, encapsulation and replies");
MODULE_ALIAS("ipt_GTPU");
MODULE_ALIAS("ip6t_GTPU");
