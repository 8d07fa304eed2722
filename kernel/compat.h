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

/*
 * nft_gtp.c is written against the newest nf_tables API.  Debian's 6.1
 * kernels took these changes one stable release at a time (6.1.0-53 and
 * 6.1.0-55), so older headers get the old form here.
 */
#ifndef NF_GTPU_HAVE_REGISTER_LOAD_CTX
#define nft_parse_register_load(ctx, attr, sreg, len) \
	nft_parse_register_load(attr, sreg, len)
#endif

/*
 * The ops tables take NF_GTPU_DUMP(fn) and NF_GTPU_VALIDATE(fn); where the
 * headers' callback has another signature they name an adapter, which
 * NF_GTPU_*_ADAPTER(fn) defines.  Neither dropped argument is used: the
 * expression has no state to reset, and no data to validate.
 */
#ifdef NF_GTPU_HAVE_DUMP_RESET
#define NF_GTPU_DUMP(fn)		fn
#define NF_GTPU_DUMP_ADAPTER(fn)
#else
#define NF_GTPU_DUMP(fn)		fn##_compat
#define NF_GTPU_DUMP_ADAPTER(fn)					\
static int fn##_compat(struct sk_buff *skb, const struct nft_expr *expr) \
{									\
	return fn(skb, expr, false);					\
}
#endif

#ifdef NF_GTPU_HAVE_VALIDATE_DATA
#define NF_GTPU_VALIDATE(fn)		fn##_compat
#define NF_GTPU_VALIDATE_ADAPTER(fn)					\
static int fn##_compat(const struct nft_ctx *ctx,			\
		       const struct nft_expr *expr,			\
		       const struct nft_data **data)			\
{									\
	return fn(ctx, expr);						\
}
#else
#define NF_GTPU_VALIDATE(fn)		fn
#define NF_GTPU_VALIDATE_ADAPTER(fn)
#endif

/*
 * nft_set_do_lookup() returns the element since 6.12 (and its stable
 * backports); before, a bool and the element through a pointer.  Neither
 * looks at the catch-all element: nft_lookup does that itself.
 */
#ifdef _NET_NF_TABLES_CORE_H
static inline const struct nft_set_ext *
nf_gtpu_set_lookup(const struct net *net, const struct nft_set *set,
		   const u32 *key)
{
	const struct nft_set_ext *ext = NULL;

#ifdef NF_GTPU_HAVE_SET_LOOKUP_EXT
	ext = nft_set_do_lookup(net, set, key);
#else
	if (!nft_set_do_lookup(net, set, key, &ext))
		ext = NULL;
#endif
	return ext ?: nft_set_catchall_lookup(net, set);
}
#endif

#endif /* _NF_GTPU_COMPAT_H */
