// SPDX-License-Identifier: GPL-2.0-only
/*
 * libxt_GTPU: iptables/ip6tables extension for the GTPU target, which
 * terminates (--decap) or originates (--encap) GTP-U tunnels, and answers
 * GTP-U signalling (--reply).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xtables.h>
#include <linux/netfilter/xt_GTPU.h>

#define __always_unused	__attribute__((unused))
#define F(opt)		(1U << (opt))
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(x)	(sizeof(x) / sizeof((x)[0]))
#endif

enum {
	O_DECAP = 0,
	O_ENCAP,
	O_REPLY,
	O_DEV,
	O_MS_ADDR,
	O_PEER,
	O_LOCAL,
	O_TEID,
	O_TID,
	O_V0,
	O_QFI,
	O_SPORT_HASH,
	O_MAX,
};

#define DECAP_ONLY	(F(O_DEV) | F(O_MS_ADDR))
#define ENCAP_ONLY	(F(O_PEER) | F(O_LOCAL) | F(O_QFI) | F(O_SPORT_HASH))
#define TUNNEL_OPTS	(F(O_DECAP) | F(O_ENCAP) | DECAP_ONLY | ENCAP_ONLY | \
			 F(O_TEID) | F(O_TID) | F(O_V0))

/* Scratch space of one rule being parsed */
struct gtpu_udata {
	uint8_t local_family;
};

#define s struct xt_gtpu_tginfo
static const struct xt_option_entry gtpu_tg_opts[] = {
	{.name = "decap", .id = O_DECAP, .type = XTTYPE_NONE,
	 .excl = F(O_ENCAP) | ENCAP_ONLY, .also = F(O_DEV)},
	{.name = "encap", .id = O_ENCAP, .type = XTTYPE_NONE,
	 .excl = DECAP_ONLY, .also = F(O_PEER)},
	{.name = "reply", .id = O_REPLY, .type = XTTYPE_NONE,
	 .excl = TUNNEL_OPTS},
	{.name = "dev", .id = O_DEV, .type = XTTYPE_STRING,
	 .flags = XTOPT_PUT, XTOPT_POINTER(s, dev),
	 .min = 1, .max = IFNAMSIZ - 1},
	{.name = "ms-addr", .id = O_MS_ADDR, .type = XTTYPE_STRING},
	{.name = "peer", .id = O_PEER, .type = XTTYPE_STRING},
	{.name = "local", .id = O_LOCAL, .type = XTTYPE_STRING},
	{.name = "teid", .id = O_TEID, .type = XTTYPE_UINT32,
	 .excl = F(O_TID) | F(O_V0), .flags = XTOPT_PUT, XTOPT_POINTER(s, teid)},
	{.name = "tid", .id = O_TID, .type = XTTYPE_UINT64,
	 .also = F(O_V0), .flags = XTOPT_PUT, XTOPT_POINTER(s, tid)},
	{.name = "v0", .id = O_V0, .type = XTTYPE_NONE},
	{.name = "qfi", .id = O_QFI, .type = XTTYPE_UINT8, .max = 63,
	 .excl = F(O_V0), .flags = XTOPT_PUT, XTOPT_POINTER(s, qfi)},
	{.name = "sport-hash", .id = O_SPORT_HASH, .type = XTTYPE_NONE},
	XTOPT_TABLEEND,
};
#undef s

/* Flag set by an option as soon as it is parsed; TEID is set by fcheck */
static const uint8_t gtpu_opt_flags[O_MAX] = {
	[O_MS_ADDR]	= XT_GTPU_F_MS_ADDR,
	[O_LOCAL]	= XT_GTPU_F_SADDR,
	[O_QFI]		= XT_GTPU_F_QFI,
	[O_SPORT_HASH]	= XT_GTPU_F_SPORT_HASH,
	[O_V0]		= XT_GTPU_F_V0,
};

static void gtpu_tg_help(void)
{
	printf(
"GTPU target options:\n"
" Decapsulation (strip outer IP/UDP/GTP-U, receive on an APN device):\n"
"  --decap               decapsulate a GTP-U T-PDU\n"
"  --dev NAME            APN device the inner packet is received on (required)\n"
"  [--ms-addr ADDR]      only if the inner source is this IPv4 address, or\n"
"                        lies in the /64 prefix of this IPv6 address\n"
"  [--teid N]            only for this TEID\n"
" Encapsulation (push GTP-U/UDP/IP toward a peer):\n"
"  --encap               encapsulate the packet\n"
"  --peer ADDR           IPv4 or IPv6 address of the GTP-U peer (required)\n"
"  --teid N              TEID allocated by the peer (required)\n"
"  [--local ADDR]        outer source address, same family as --peer\n"
"  [--qfi N]             add a PDU Session Container with this QFI (0-63)\n"
"  [--sport-hash]        outer UDP source port from the flow hash\n"
" GTPv0, with either mode:\n"
"  [--v0]                GTPv0 (GSM 09.60, UDP port 3386); no --qfi\n"
"  [--tid N]             64-bit tunnel identifier, used instead of --teid\n"
" Signalling (TS 29.281 section 7), no other option:\n"
"  --reply               answer an Echo Request with an Echo Response, a\n"
"                        T-PDU with an Error Indication, or with a Supported\n"
"                        Extension Headers Notification if it carries an\n"
"                        unsupported comprehension-required extension\n"
"N is decimal or 0x hexadecimal; ADDR is a numeric IPv4 or IPv6 address.\n");
}

static uint8_t gtpu_parse_addr(const struct xt_option_call *cb,
			       union nf_inet_addr *addr)
{
	if (inet_pton(AF_INET, cb->arg, &addr->in) == 1)
		return NFPROTO_IPV4;
	if (inet_pton(AF_INET6, cb->arg, &addr->in6) == 1)
		return NFPROTO_IPV6;
	xtables_error(PARAMETER_PROBLEM,
		      "GTPU: \"%s\" is not a numeric IP address for \"--%s\"",
		      cb->arg, cb->entry->name);
}

static void gtpu_tg_parse(struct xt_option_call *cb)
{
	struct xt_gtpu_tginfo *info = cb->data;
	struct gtpu_udata *ud = cb->udata;

	xtables_option_parse(cb);
	info->flags |= gtpu_opt_flags[cb->entry->id];
	switch (cb->entry->id) {
	case O_DECAP:
		info->mode = XT_GTPU_DECAP;
		break;
	case O_ENCAP:
		info->mode = XT_GTPU_ENCAP;
		break;
	case O_REPLY:
		info->mode = XT_GTPU_REPLY;
		break;
	case O_MS_ADDR:
		info->family = gtpu_parse_addr(cb, &info->ms_addr);
		/* only the /64 prefix of an IPv6 MS address is compared */
		if (info->family == NFPROTO_IPV6)
			memset(&info->ms_addr.in6.s6_addr[8], 0, 8);
		break;
	case O_PEER:
		info->family = gtpu_parse_addr(cb, &info->peer);
		break;
	case O_LOCAL:
		ud->local_family = gtpu_parse_addr(cb, &info->saddr);
		break;
	}
}

static void gtpu_decap_fcheck(struct xt_fcheck_call *cb, uint8_t nfproto)
{
	struct xt_gtpu_tginfo *info = cb->data;

	if (!(cb->xflags & F(O_MS_ADDR)))
		info->family = nfproto;
	if (cb->xflags & (F(O_TEID) | F(O_TID)))
		info->flags |= XT_GTPU_F_TEID;
}

static void gtpu_encap_fcheck(struct xt_fcheck_call *cb)
{
	const struct xt_gtpu_tginfo *info = cb->data;
	const struct gtpu_udata *ud = cb->udata;

	if (!(cb->xflags & (F(O_TEID) | F(O_TID))))
		xtables_error(PARAMETER_PROBLEM,
			      "GTPU: --encap needs --teid, or --tid with --v0");
	if (cb->xflags & F(O_LOCAL) && ud->local_family != info->family)
		xtables_error(PARAMETER_PROBLEM,
			      "GTPU: --local and --peer must be of the same address family");
}

static void gtpu_tg_fcheck(struct xt_fcheck_call *cb, uint8_t nfproto)
{
	const struct xt_gtpu_tginfo *info = cb->data;

	/* libxtables runs these after us; report conflicts before the rest */
	xtables_options_fcheck(cb->ext_name, cb->xflags, gtpu_tg_opts);
	switch (info->mode) {
	case XT_GTPU_DECAP:
		gtpu_decap_fcheck(cb, nfproto);
		break;
	case XT_GTPU_ENCAP:
		gtpu_encap_fcheck(cb);
		break;
	case XT_GTPU_REPLY:
		break;
	default:
		xtables_error(PARAMETER_PROBLEM,
			      "GTPU: one of --decap, --encap or --reply is required");
	}
}

static void gtpu_tg4_fcheck(struct xt_fcheck_call *cb)
{
	gtpu_tg_fcheck(cb, NFPROTO_IPV4);
}

static void gtpu_tg6_fcheck(struct xt_fcheck_call *cb)
{
	gtpu_tg_fcheck(cb, NFPROTO_IPV6);
}

static const char *gtpu_addr_str(uint8_t family, const union nf_inet_addr *addr)
{
	if (family == NFPROTO_IPV6)
		return xtables_ip6addr_to_numeric(&addr->in6);
	return xtables_ipaddr_to_numeric(&addr->in);
}

/* Print the options in save syntax, without the "--" if @pfx is "" */
static void gtpu_tg_dump(const struct xt_gtpu_tginfo *info, const char *pfx)
{
	if (info->mode == XT_GTPU_REPLY) {
		printf(" %sreply", pfx);
		return;
	}
	if (info->mode == XT_GTPU_DECAP) {
		printf(" %sdecap %sdev %s", pfx, pfx, info->dev);
		if (info->flags & XT_GTPU_F_MS_ADDR)
			printf(" %sms-addr %s", pfx,
			       gtpu_addr_str(info->family, &info->ms_addr));
	} else {
		printf(" %sencap %speer %s", pfx, pfx,
		       gtpu_addr_str(info->family, &info->peer));
	}
	if (info->mode == XT_GTPU_ENCAP || info->flags & XT_GTPU_F_TEID) {
		if (info->flags & XT_GTPU_F_V0)
			printf(" %stid 0x%" PRIx64, pfx, (uint64_t)info->tid);
		else
			printf(" %steid 0x%" PRIx32, pfx, info->teid);
	}
	if (info->flags & XT_GTPU_F_SADDR)
		printf(" %slocal %s", pfx, gtpu_addr_str(info->family, &info->saddr));
	if (info->flags & XT_GTPU_F_QFI)
		printf(" %sqfi %u", pfx, info->qfi);
	if (info->flags & XT_GTPU_F_SPORT_HASH)
		printf(" %ssport-hash", pfx);
	if (info->flags & XT_GTPU_F_V0)
		printf(" %sv0", pfx);
}

static void gtpu_tg_print(const void *ip __always_unused,
			  const struct xt_entry_target *target,
			  int numeric __always_unused)
{
	printf(" GTPU");
	gtpu_tg_dump((const void *)target->data, "");
}

static void gtpu_tg_save(const void *ip __always_unused,
			 const struct xt_entry_target *target)
{
	gtpu_tg_dump((const void *)target->data, "--");
}

static int gtpu_decap_xlate(struct xt_xlate *xl,
			    const struct xt_gtpu_tginfo *info, const char *family)
{
	if (info->flags & XT_GTPU_F_TEID) {
		/* nft matches only the low 32 bits of a GTPv0 TID */
		if (info->flags & XT_GTPU_F_V0)
			return 0;
		xt_xlate_add(xl, "gtp teid 0x%" PRIx32 " ", info->teid);
	}
	xt_xlate_add(xl, "gtp decap dev \"%s\"", info->dev);
	if (info->flags & XT_GTPU_F_MS_ADDR)
		xt_xlate_add(xl, " ms %s %s", family,
			     gtpu_addr_str(info->family, &info->ms_addr));
	return 1;
}

static int gtpu_encap_xlate(struct xt_xlate *xl,
			    const struct xt_gtpu_tginfo *info, const char *family)
{
	uint64_t teid = info->flags & XT_GTPU_F_V0 ? info->tid : info->teid;

	/* nft holds a GTPv0 TID in a 32-bit register */
	if (teid > UINT32_MAX)
		return 0;
	xt_xlate_add(xl, "gtp encap %s to %s", family,
		     gtpu_addr_str(info->family, &info->peer));
	xt_xlate_add(xl, " teid 0x%" PRIx64, teid);
	if (info->flags & XT_GTPU_F_SADDR)
		xt_xlate_add(xl, " saddr %s",
			     gtpu_addr_str(info->family, &info->saddr));
	if (info->flags & XT_GTPU_F_QFI)
		xt_xlate_add(xl, " qfi %u", info->qfi);
	if (info->flags & XT_GTPU_F_SPORT_HASH)
		xt_xlate_add(xl, " sport hash");
	return 1;
}

static int gtpu_tg_xlate(struct xt_xlate *xl,
			 const struct xt_xlate_tg_params *params)
{
	const struct xt_gtpu_tginfo *info = (const void *)params->target->data;
	const char *family = info->family == NFPROTO_IPV6 ? "ip6" : "ip";
	int ret;

	if (info->mode == XT_GTPU_REPLY) {
		xt_xlate_add(xl, "gtp reply");
		return 1;
	}
	if (info->mode == XT_GTPU_DECAP)
		ret = gtpu_decap_xlate(xl, info, family);
	else
		ret = gtpu_encap_xlate(xl, info, family);
	if (ret && info->flags & XT_GTPU_F_V0)
		xt_xlate_add(xl, " v0");
	return ret;
}

static struct xtables_target gtpu_tg_reg[] = {
	{
		.name		= "GTPU",
		.version	= XTABLES_VERSION,
		.revision	= 0,
		.family		= NFPROTO_IPV4,
		.size		= XT_ALIGN(sizeof(struct xt_gtpu_tginfo)),
		.userspacesize	= offsetof(struct xt_gtpu_tginfo, priv),
		.udata_size	= sizeof(struct gtpu_udata),
		.help		= gtpu_tg_help,
		.print		= gtpu_tg_print,
		.save		= gtpu_tg_save,
		.x6_parse	= gtpu_tg_parse,
		.x6_fcheck	= gtpu_tg4_fcheck,
		.x6_options	= gtpu_tg_opts,
		.xlate		= gtpu_tg_xlate,
	},
	{
		.name		= "GTPU",
		.version	= XTABLES_VERSION,
		.revision	= 0,
		.family		= NFPROTO_IPV6,
		.size		= XT_ALIGN(sizeof(struct xt_gtpu_tginfo)),
		.userspacesize	= offsetof(struct xt_gtpu_tginfo, priv),
		.udata_size	= sizeof(struct gtpu_udata),
		.help		= gtpu_tg_help,
		.print		= gtpu_tg_print,
		.save		= gtpu_tg_save,
		.x6_parse	= gtpu_tg_parse,
		.x6_fcheck	= gtpu_tg6_fcheck,
		.x6_options	= gtpu_tg_opts,
		.xlate		= gtpu_tg_xlate,
	},
};

static void __attribute__((constructor)) gtpu_tg_ldr(void)
{
	xtables_register_targets(gtpu_tg_reg, ARRAY_SIZE(gtpu_tg_reg));
}
