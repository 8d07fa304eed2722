// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-APN network device, rtnetlink kind "apn".
 *
 * A layer-3 point-to-point device with no transmit path of its own: GTP-U
 * rules decapsulate uplink packets into it, so routing, VRFs, rp_filter
 * and iifname rules see each APN separately, and downlink packets that
 * routing sends into it are encapsulated by rules before they get there.
 * Whatever reaches ndo_start_xmit was not encapsulated by any rule and is
 * dropped, never leaked onto another path.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <net/gro_cells.h>
#include <net/ip.h>
#include <net/rtnetlink.h>

#include "compat.h"
#include "nf_gtpu.h"

/* Outer IPv6 + UDP + GTPv1 with sequence and a PDU Session Container. */
#define APN_MAX_OVERHEAD	(sizeof(struct ipv6hdr) + sizeof(struct udphdr) + \
				 GTPU_V1_HLEN + GTPU_V1_OPT_LEN + 4)

struct apn_dev {
	struct gro_cells	gro_cells;
};

static int apn_dev_init(struct net_device *dev)
{
	struct apn_dev *apn = netdev_priv(dev);

	return gro_cells_init(&apn->gro_cells, dev);
}

static void apn_dev_uninit(struct net_device *dev)
{
	struct apn_dev *apn = netdev_priv(dev);

	gro_cells_destroy(&apn->gro_cells);
}

static netdev_tx_t apn_dev_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops apn_netdev_ops = {
	.ndo_init		= apn_dev_init,
	.ndo_uninit		= apn_dev_uninit,
	.ndo_start_xmit		= apn_dev_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
};

static const struct device_type apn_type = {
	.name = "apn",
};

static void apn_setup(struct net_device *dev)
{
	dev->netdev_ops = &apn_netdev_ops;
	dev->needs_free_netdev = true;
	SET_NETDEV_DEVTYPE(dev, &apn_type);

	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	nf_gtpu_set_lltx(dev);
	netif_keep_dst(dev);

	/*
	 * Let TCP build large segments toward the device: the encapsulating
	 * rule segments them just before it adds the outer headers.
	 */
	dev->features |= NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_GSO_SOFTWARE;
	dev->hw_features |= dev->features;

	/* Fit a 1500-octet path whatever the outer family and extensions. */
	dev->mtu = ETH_DATA_LEN - APN_MAX_OVERHEAD;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - APN_MAX_OVERHEAD;
}

static int apn_validate(struct nlattr *tb[], struct nlattr *data[],
			struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		NL_SET_ERR_MSG(extack, "apn devices have no link-layer address");
		return -EINVAL;
	}
	return 0;
}

static struct rtnl_link_ops apn_link_ops __read_mostly = {
	.kind		= "apn",
	.priv_size	= sizeof(struct apn_dev),
	.setup		= apn_setup,
	.validate	= apn_validate,
};

bool netif_is_apn(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &apn_link_ops;
}
EXPORT_SYMBOL_GPL(netif_is_apn);

/*
 * GRO merges TCP segments here; anything else it would only try to merge
 * and pass on, at the cost of a lookup per packet (UDP's included, for a
 * tunnel socket).
 */
static bool apn_gro_can_merge(const struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return ip_hdr(skb)->protocol == IPPROTO_TCP;
	return ipv6_hdr(skb)->nexthdr == IPPROTO_TCP;
}

/* Receive a decapsulated packet as if it had arrived on @dev. */
void nf_gtpu_apn_rx(struct net_device *dev, struct sk_buff *skb)
{
	struct apn_dev *apn = netdev_priv(dev);
	unsigned int len = skb->len;
	int ret;

	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	skb_reset_transport_header(skb);
	skb_reset_mac_len(skb);

	if (apn_gro_can_merge(skb))
		ret = gro_cells_receive(&apn->gro_cells, skb);
	else
		ret = netif_rx(skb);
	if (ret == NET_RX_SUCCESS)
		dev_sw_netstats_rx_add(dev, len);
}

int nf_gtpu_apn_init(void)
{
	return rtnl_link_register(&apn_link_ops);
}

void nf_gtpu_apn_exit(void)
{
	rtnl_link_unregister(&apn_link_ops);
}

MODULE_ALIAS_RTNL_LINK("apn");
