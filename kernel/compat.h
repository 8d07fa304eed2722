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

/* 6.12 moved the unaligned access helpers out of asm/. */
#ifdef NF_GTPU_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.11 replaced the NETIF_F_LLTX feature bit with dev->lltx. */
static inline void nf_gtpu_set_lltx(struct net_device *dev)
{
#ifdef NF_GTPU_HAVE_DEV_LLTX
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

#endif /* _NF_GTPU_COMPAT_H */
