/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the kernels the project builds for (Debian's
 * 6.1 and 6.12) lives here.  Features are probed from the headers at build
 * time (see Kbuild) rather than guessed from version numbers, because
 * Debian's stable kernels carry backports.
 */
#ifndef _NF_GTPU_COMPAT_H
#define _NF_GTPU_COMPAT_H

#include <linux/netdevice.h>
#include <net/udp_tunnel.h>

/* 6.11 replaced the NETIF_F_LLTX feature bit with dev->lltx. */
static inline void nf_gtpu_set_lltx(struct net_device *dev)
{
#ifdef NF_GTPU_HAVE_DEV_LLTX
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

/* 6.12 made udp_tunnel6_xmit_skb() void and its addresses const. */
static inline void nf_gtpu_udp_tunnel6_xmit(struct dst_entry *dst,
					    struct sk_buff *skb,
					    struct net_device *dev,
					    struct in6_addr *saddr,
					    struct in6_addr *daddr, u8 prio,
					    u8 ttl, __be16 sport, __be16 dport)
{
	udp_tunnel6_xmit_skb(dst, NULL, skb, dev, saddr, daddr, prio, ttl, 0,
			     sport, dport, false);
}

#endif /* _NF_GTPU_COMPAT_H */
