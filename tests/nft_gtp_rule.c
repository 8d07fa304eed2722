// SPDX-License-Identifier: GPL-2.0-only
/*
 * nft_gtp_rule: add one nf_tables rule, made of standard expressions and
 * "gtp" expressions (nft_gtp module), to an existing chain; or, with -f,
 * tables, chains, maps, elements and such rules, in one batch.
 *
 * The stock nft and libnftnl of Debian 12 know nothing of the gtp
 * expression, so the selftests add such rules with this tool: one
 * NFT_MSG_NEWRULE in one nfnetlink batch, built with libmnl, and the
 * kernel's answer (errno and extended ACK) reported precisely.
 *
 * A table with "flags owner" can only be changed through the netlink
 * socket that created it, and goes with it: -f builds it and all it holds
 * through one socket, and -w keeps that socket open until told to exit.
 */
#define _GNU_SOURCE	/* ppoll() */
#include <arpa/inet.h>
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nft_gtp.h>
#include <linux/netfilter/xt_GTPU.h>
#include <linux/netlink.h>

#include "nl_talk.h"

#define PROG		"nft_gtp_rule"
#define MAX_FIELDS	4

struct name_val {
	const char *name;
	uint32_t val;
};

static const struct name_val families[] = {
	{ "ip",		NFPROTO_IPV4 },
	{ "ip6",	NFPROTO_IPV6 },
	{ "inet",	NFPROTO_INET },
	{ "netdev",	NFPROTO_NETDEV },
	{ "arp",	NFPROTO_ARP },
	{}
};

static const struct name_val table_flags[] = {
	{ "owner",	NFT_TABLE_F_OWNER },
	{}
};

static const struct name_val hooks[] = {
	{ "prerouting",	NF_INET_PRE_ROUTING },
	{ "input",	NF_INET_LOCAL_IN },
	{ "forward",	NF_INET_FORWARD },
	{ "output",	NF_INET_LOCAL_OUT },
	{ "postrouting", NF_INET_POST_ROUTING },
	{ "ingress",	NF_NETDEV_INGRESS },	/* netdev; inet: put_chain() */
	{}
};

static const struct name_val map_flags[] = {
	{ "timeout",	NFT_SET_TIMEOUT },
	{}
};

/*
 * Some of nft's datatypes (enum datatypes in nftables' datatype.h), so
 * that "nft list" shows the keys and data of maps: a concatenation's id
 * is its fields' ids, TYPE_BITS each, the first one highest. nft reads
 * the byte order of a single field from the set's userdata.
 */
#define TYPE_BITS	6

enum { ORDER_HOST = 1, ORDER_BIG };	/* nft's enum byteorder */

static const struct nft_type {
	const char *name;
	uint32_t id, len, order;
} nft_types[] = {
	{ "ipv4_addr",		7,	4,		ORDER_BIG },
	{ "ipv6_addr",		8,	16,		ORDER_BIG },
	{ "ether_addr",		9,	6,		ORDER_BIG },
	{ "inet_proto",		12,	1,		ORDER_BIG },
	{ "inet_service",	13,	2,		ORDER_BIG },
	{ "mark",		19,	4,		ORDER_HOST },
	{ "iface_index",	20,	4,		ORDER_HOST },
	{ "ifname",		41,	IFNAMSIZ,	ORDER_HOST },
};

static const struct name_val meta_keys[] = {
	{ "iif",	NFT_META_IIF },
	{ "oif",	NFT_META_OIF },
	{ "iifname",	NFT_META_IIFNAME },
	{ "oifname",	NFT_META_OIFNAME },
	{ "l4proto",	NFT_META_L4PROTO },
	{ "nfproto",	NFT_META_NFPROTO },
	{ "mark",	NFT_META_MARK },
	{ "protocol",	NFT_META_PROTOCOL },
	{}
};

static const struct name_val payload_bases[] = {
	{ "ll",		NFT_PAYLOAD_LL_HEADER },
	{ "nh",		NFT_PAYLOAD_NETWORK_HEADER },
	{ "th",		NFT_PAYLOAD_TRANSPORT_HEADER },
	{ "ih",		NFT_PAYLOAD_INNER_HEADER },
	{}
};

static const struct name_val cmp_ops[] = {
	{ "eq",		NFT_CMP_EQ },
	{ "neq",	NFT_CMP_NEQ },
	{ "lt",		NFT_CMP_LT },
	{ "lte",	NFT_CMP_LTE },
	{ "gt",		NFT_CMP_GT },
	{ "gte",	NFT_CMP_GTE },
	{}
};

static const struct name_val verdicts[] = {
	{ "accept",	NF_ACCEPT },
	{ "drop",	NF_DROP },
	{ "continue",	(uint32_t)NFT_CONTINUE },
	{ "return",	(uint32_t)NFT_RETURN },
	{}
};

static const struct name_val gtp_keys[] = {
	{ "teid",	NFT_GTP_TEID },
	{ "type",	NFT_GTP_TYPE },
	{ "version",	NFT_GTP_VERSION },
	{ "qfi",	NFT_GTP_QFI },
	{}
};

static const struct name_val gtp_families[] = {
	{ "ip",		NFPROTO_IPV4 },
	{ "ip6",	NFPROTO_IPV6 },
	{ "inet",	NFPROTO_INET },	/* decap: a dual-stack MS */
	{}
};

/* Where a usage error is: the line of the batch file, the expression */
static const char *cur_file;
static unsigned int cur_line;
static const char *cur_expr;

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_err(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	if (cur_line)
		fprintf(stderr, "%s:%u: ", cur_file, cur_line);
	if (cur_expr)
		fprintf(stderr, "%s: ", cur_expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry '" PROG " -h' for more information.\n", stderr);
	exit(2);
}

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint32_t lookup_name(const struct name_val *t, const char *s,
			    const char *what)
{
	for (; t->name; t++)
		if (!strcmp(t->name, s))
			return t->val;
	usage_err("unknown %s '%s'", what, s);
}

static uint32_t parse_u32(const char *s, uint32_t max, const char *what)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (!isdigit((unsigned char)*s) || *end || errno || v > max)
		usage_err("bad %s '%s'", what, s);
	return v;
}

static int32_t parse_s32(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (!*s || *end || errno || v < INT32_MIN || v > INT32_MAX)
		usage_err("bad %s '%s'", what, s);
	return v;
}

/* r0..r15 are NFT_REG32_00..NFT_REG32_15, v is the verdict register. */
static uint32_t parse_reg(const char *s)
{
	unsigned long n;
	char *end;

	if (!strcmp(s, "v"))
		return NFT_REG_VERDICT;
	if (s[0] == 'r' && isdigit((unsigned char)s[1])) {
		n = strtoul(s + 1, &end, 10);
		if (!*end && n <= NFT_REG32_15 - NFT_REG32_00)
			return NFT_REG32_00 + n;
	}
	usage_err("bad register '%s' (r0..r15 or v)", s);
}

/* Data values (cmp, imm) */

struct data {
	uint8_t val[NFT_DATA_VALUE_MAXLEN];
	uint32_t len;
};

static void data_set(struct data *d, const void *p, uint32_t len)
{
	memcpy(d->val, p, len);
	d->len = len;
}

static void data_addr(const char *s, struct data *d, int af, uint32_t len)
{
	uint8_t addr[sizeof(struct in6_addr)];

	if (inet_pton(af, s, addr) != 1)
		usage_err("bad address '%s'", s);
	data_set(d, addr, len);
}

static void data_ip4(const char *s, struct data *d)
{
	data_addr(s, d, AF_INET, sizeof(struct in_addr));
}

static void data_ip6(const char *s, struct data *d)
{
	data_addr(s, d, AF_INET6, sizeof(struct in6_addr));
}

static void data_be16(const char *s, struct data *d)
{
	uint16_t v = htons(parse_u32(s, UINT16_MAX, "be16 value"));

	data_set(d, &v, sizeof(v));
}

static void data_be32(const char *s, struct data *d)
{
	uint32_t v = htonl(parse_u32(s, UINT32_MAX, "be32 value"));

	data_set(d, &v, sizeof(v));
}

static void data_u32(const char *s, struct data *d)
{
	uint32_t v = parse_u32(s, UINT32_MAX, "u32 value");

	data_set(d, &v, sizeof(v));
}

static void data_ifindex(const char *s, struct data *d)
{
	uint32_t v = if_nametoindex(s);

	if (!v)
		usage_err("no interface '%s' here", s);
	data_set(d, &v, sizeof(v));
}

static void data_str(const char *s, struct data *d)
{
	char name[IFNAMSIZ] = {};

	if (strlen(s) >= sizeof(name))
		usage_err("interface name '%s' too long", s);
	strcpy(name, s);
	data_set(d, name, sizeof(name));
}

static int hex_digit(char c)
{
	if (!isxdigit((unsigned char)c))
		return -1;
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

static void data_hex(const char *s, struct data *d)
{
	size_t n = strlen(s) / 2, i;
	int hi, lo;

	if (!n || strlen(s) % 2 || n > sizeof(d->val))
		usage_err("bad data '%s' (1 to %zu hex bytes)", s,
			  sizeof(d->val));
	for (i = 0; i < n; i++) {
		hi = hex_digit(s[2 * i]);
		lo = hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			usage_err("bad data '%s' (hex bytes)", s);
		d->val[i] = hi << 4 | lo;
	}
	d->len = n;
}

static const struct data_fmt {
	const char *prefix;
	const char *arg;	/* for the help */
	void (*parse)(const char *s, struct data *d);
} data_fmts[] = {
	{ "ip4=",	"ADDR",		data_ip4 },
	{ "ip6=",	"ADDR",		data_ip6 },
	{ "be16=",	"N",		data_be16 },
	{ "be32=",	"N",		data_be32 },
	{ "u32=",	"N",		data_u32 },
	{ "ifindex=",	"IFNAME",	data_ifindex },
	{ "str=",	"IFNAME",	data_str },
};

static void parse_field(const char *s, struct data *d)
{
	const struct data_fmt *f;
	size_t n;

	for (f = data_fmts; f < data_fmts + MNL_ARRAY_SIZE(data_fmts); f++) {
		n = strlen(f->prefix);
		if (!strncmp(s, f->prefix, n)) {
			f->parse(s + n, d);
			return;
		}
	}
	data_hex(s, d);
}

/*
 * DATA or a concatenation DATA+DATA...: like nft, each field of a
 * concatenation takes whole 32-bit registers, zero-padded.
 */
static void parse_data(const char *s, struct data *d)
{
	bool concat = strchr(s, '+');
	char *copy, *rest, *field;
	struct data f;
	uint32_t len;

	copy = strdup(s);
	if (!copy)
		die("strdup");
	rest = copy;
	d->len = 0;
	while ((field = strsep(&rest, "+"))) {
		parse_field(field, &f);
		len = concat ? (f.len + 3) & ~3U : f.len;
		if (d->len + len > sizeof(d->val))
			usage_err("data '%s' longer than %zu bytes", s,
				  sizeof(d->val));
		memset(d->val + d->len, 0, len);
		memcpy(d->val + d->len, f.val, f.len);
		d->len += len;
	}
	free(copy);
}

/* Expressions */

struct tok {
	char *f[MAX_FIELDS];	/* colon-separated fields after the kind */
	unsigned int n;
	char *opts;		/* after the first ',' of gtp-decap/encap */
};

static void put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t v)
{
	mnl_attr_put_u32(nlh, type, htonl(v));
}

static void put_value(struct nlmsghdr *nlh, uint16_t type, const char *s)
{
	struct nlattr *nest;
	struct data d;

	parse_data(s, &d);
	nest = mnl_attr_nest_start(nlh, type);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, d.len, d.val);
	mnl_attr_nest_end(nlh, nest);
}

static void put_meta(struct nlmsghdr *nlh, const struct tok *t)
{
	put_u32(nlh, NFTA_META_KEY, lookup_name(meta_keys, t->f[0], "meta key"));
	put_u32(nlh, NFTA_META_DREG, parse_reg(t->f[1]));
}

static void put_payload(struct nlmsghdr *nlh, const struct tok *t)
{
	put_u32(nlh, NFTA_PAYLOAD_BASE,
		lookup_name(payload_bases, t->f[0], "payload base"));
	put_u32(nlh, NFTA_PAYLOAD_OFFSET, parse_u32(t->f[1], UINT32_MAX, "offset"));
	put_u32(nlh, NFTA_PAYLOAD_LEN, parse_u32(t->f[2], UINT32_MAX, "length"));
	put_u32(nlh, NFTA_PAYLOAD_DREG, parse_reg(t->f[3]));
}

static void put_cmp(struct nlmsghdr *nlh, const struct tok *t)
{
	put_u32(nlh, NFTA_CMP_SREG, parse_reg(t->f[0]));
	put_u32(nlh, NFTA_CMP_OP, lookup_name(cmp_ops, t->f[1], "cmp op"));
	put_value(nlh, NFTA_CMP_DATA, t->f[2]);
}

static void put_imm(struct nlmsghdr *nlh, const struct tok *t)
{
	put_u32(nlh, NFTA_IMMEDIATE_DREG, parse_reg(t->f[0]));
	put_value(nlh, NFTA_IMMEDIATE_DATA, t->f[1]);
}

static void put_verdict(struct nlmsghdr *nlh, const struct tok *t)
{
	struct nlattr *data, *verdict;

	put_u32(nlh, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	data = mnl_attr_nest_start(nlh, NFTA_IMMEDIATE_DATA);
	verdict = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
	put_u32(nlh, NFTA_VERDICT_CODE, lookup_name(verdicts, t->f[0], "verdict"));
	mnl_attr_nest_end(nlh, verdict);
	mnl_attr_nest_end(nlh, data);
}

static void put_lookup(struct nlmsghdr *nlh, const struct tok *t)
{
	const char *set = t->f[0];

	if (*set == '!') {
		set++;
		put_u32(nlh, NFTA_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	}
	mnl_attr_put_strz(nlh, NFTA_LOOKUP_SET, set);
	put_u32(nlh, NFTA_LOOKUP_SREG, parse_reg(t->f[1]));
	if (t->n > 2)
		put_u32(nlh, NFTA_LOOKUP_DREG, parse_reg(t->f[2]));
}

static void put_counter(struct nlmsghdr *nlh,
			const struct tok *t __attribute__((unused)))
{
	mnl_attr_put_u64(nlh, NFTA_COUNTER_BYTES, 0);
	mnl_attr_put_u64(nlh, NFTA_COUNTER_PACKETS, 0);
}

/* Packets per second, with an optional burst. */
static void put_limit(struct nlmsghdr *nlh, const struct tok *t)
{
	mnl_attr_put_u64(nlh, NFTA_LIMIT_RATE,
			 htobe64(parse_u32(t->f[0], UINT32_MAX, "rate")));
	mnl_attr_put_u64(nlh, NFTA_LIMIT_UNIT, htobe64(1));
	if (t->n > 1)
		put_u32(nlh, NFTA_LIMIT_BURST,
			parse_u32(t->f[1], UINT32_MAX, "burst"));
	put_u32(nlh, NFTA_LIMIT_TYPE, NFT_LIMIT_PKTS);
}

static void put_log(struct nlmsghdr *nlh, const struct tok *t)
{
	mnl_attr_put_u16(nlh, NFTA_LOG_GROUP,
			 htons(parse_u32(t->f[0], UINT16_MAX, "group")));
}

static void put_gtp_reply(struct nlmsghdr *nlh,
			  const struct tok *t __attribute__((unused)))
{
	put_u32(nlh, NFTA_GTP_OP, NFT_GTP_REPLY);
}

static void put_gtp_load(struct nlmsghdr *nlh, const struct tok *t)
{
	put_u32(nlh, NFTA_GTP_OP, NFT_GTP_LOAD);
	put_u32(nlh, NFTA_GTP_KEY, lookup_name(gtp_keys, t->f[0], "gtp key"));
	put_u32(nlh, NFTA_GTP_DREG, parse_reg(t->f[1]));
}

static const struct gtp_opt {
	const char *name;	/* ends in '=' if it takes a register */
	uint16_t attr;		/* the register's attribute */
	uint32_t flag;
	bool encap_only;
} gtp_opts[] = {
	{ "saddr=",	NFTA_GTP_SREG_SADDR,	0,			true },
	{ "qfi=",	NFTA_GTP_SREG_QFI,	0,			true },
	{ "sport-hash",	0,			NFT_GTP_F_SPORT_HASH,	true },
	{ "v0",		0,			NFT_GTP_F_V0,		false },
};

static const struct gtp_opt *find_gtp_opt(const char *s, bool encap)
{
	const struct gtp_opt *o;
	size_t n;

	for (o = gtp_opts; o < gtp_opts + MNL_ARRAY_SIZE(gtp_opts); o++) {
		n = strlen(o->name);
		if (o->attr ? strncmp(s, o->name, n) : strcmp(s, o->name))
			continue;
		if (o->encap_only && !encap)
			usage_err("option '%s' is for gtp-encap only", s);
		return o;
	}
	usage_err("unknown option '%s'", s);
}

/* ",saddr=REG,qfi=REG,sport-hash,v0": registers, then NFTA_GTP_FLAGS if any */
static void put_gtp_opts(struct nlmsghdr *nlh, char *opts, bool encap)
{
	const struct gtp_opt *o;
	uint32_t flags = 0;
	char *s;

	while ((s = strsep(&opts, ","))) {
		o = find_gtp_opt(s, encap);
		if (o->attr)
			put_u32(nlh, o->attr, parse_reg(s + strlen(o->name)));
		flags |= o->flag;
	}
	if (flags)
		put_u32(nlh, NFTA_GTP_FLAGS, flags);
}

static void put_gtp_decap(struct nlmsghdr *nlh, const struct tok *t)
{
	if (t->n == 2)
		usage_err("expects DEVREG or DEVREG:MSREG:FAM");
	put_u32(nlh, NFTA_GTP_OP, NFT_GTP_DECAP);
	put_u32(nlh, NFTA_GTP_SREG_DEV, parse_reg(t->f[0]));
	if (t->n == 3) {
		put_u32(nlh, NFTA_GTP_SREG_MS_ADDR, parse_reg(t->f[1]));
		put_u32(nlh, NFTA_GTP_NFPROTO,
			lookup_name(gtp_families, t->f[2], "family"));
	}
	put_gtp_opts(nlh, t->opts, false);
}

/* The decap that finds its context itself, in map SET. */
static void put_gtp_decap_map(struct nlmsghdr *nlh, const struct tok *t)
{
	put_u32(nlh, NFTA_GTP_OP, NFT_GTP_DECAP);
	mnl_attr_put_strz(nlh, NFTA_GTP_SET, t->f[0]);
	if (t->n == 2)
		put_u32(nlh, NFTA_GTP_NFPROTO,
			lookup_name(gtp_families, t->f[1], "family"));
	put_gtp_opts(nlh, t->opts, false);
}

static void put_gtp_encap(struct nlmsghdr *nlh, const struct tok *t)
{
	put_u32(nlh, NFTA_GTP_OP, NFT_GTP_ENCAP);
	put_u32(nlh, NFTA_GTP_NFPROTO,
		lookup_name(gtp_families, t->f[0], "family"));
	put_u32(nlh, NFTA_GTP_SREG_ADDR, parse_reg(t->f[1]));
	put_u32(nlh, NFTA_GTP_SREG_TEID, parse_reg(t->f[2]));
	put_gtp_opts(nlh, t->opts, true);
}

/* "ATTR=VAL,...": any attribute numbers and u32 values, for bad input */
static void put_raw_gtp(struct nlmsghdr *nlh, const struct tok *t)
{
	char *s = t->n ? t->f[0] : NULL, *item, *eq;

	while ((item = strsep(&s, ","))) {
		eq = strchr(item, '=');
		if (!eq)
			usage_err("expects ATTR=VAL, not '%s'", item);
		*eq = '\0';
		put_u32(nlh, parse_u32(item, UINT16_MAX, "attribute"),
			parse_u32(eq + 1, UINT32_MAX, "value"));
	}
}

/* ",peer=IP4", ",saddr=IP4", ",teid=N", ",tid=N", ",flags=N" of xt-gtpu */
static void xt_gtpu_opt(struct xt_gtpu_tginfo *info, const char *s)
{
	struct data d;

	if (!strncmp(s, "peer=", 5) || !strncmp(s, "saddr=", 6)) {
		data_ip4(strchr(s, '=') + 1, &d);
		memcpy(s[0] == 'p' ? &info->peer : &info->saddr, d.val, d.len);
	} else if (!strncmp(s, "teid=", 5)) {
		info->teid = parse_u32(s + 5, UINT32_MAX, "teid");
	} else if (!strncmp(s, "tid=", 4)) {
		info->tid = parse_u32(s + 4, UINT32_MAX, "tid");
	} else if (!strncmp(s, "flags=", 6)) {
		info->flags = parse_u32(s + 6, UINT8_MAX, "flags");
	} else {
		usage_err("unknown option '%s'", s);
	}
}

/*
 * The GTPU xtables target as iptables-nft sends it through nft_compat,
 * but in a table of any family and with any fields: "reply", "encap" or
 * "decap:DEV", IPv4, then options; flags= is enum xt_gtpu_flags, sent as
 * given (no option implies a flag).
 */
static void put_xt_gtpu(struct nlmsghdr *nlh, const struct tok *t)
{
	struct xt_gtpu_tginfo info = { .family = NFPROTO_IPV4 };
	char *opts = t->opts, *s;

	if (!strcmp(t->f[0], "reply") && t->n == 1) {
		info.mode = XT_GTPU_REPLY;
	} else if (!strcmp(t->f[0], "encap") && t->n == 1) {
		info.mode = XT_GTPU_ENCAP;
	} else if (!strcmp(t->f[0], "decap") && t->n == 2 &&
		   strlen(t->f[1]) < sizeof(info.dev)) {
		info.mode = XT_GTPU_DECAP;
		strcpy(info.dev, t->f[1]);
	} else {
		usage_err("expects reply, encap or decap:DEV");
	}
	while ((s = strsep(&opts, ",")))
		xt_gtpu_opt(&info, s);
	mnl_attr_put_strz(nlh, NFTA_TARGET_NAME, "GTPU");
	put_u32(nlh, NFTA_TARGET_REV, 0);
	mnl_attr_put(nlh, NFTA_TARGET_INFO, sizeof(info), &info);
}

static const struct expr_kind {
	const char *word;	/* the token up to its first ':' */
	const char *name;	/* nf_tables expression type */
	unsigned int min, max;	/* fields; the last one takes the rest */
	bool opts;		/* ",option..." may follow the fields */
	void (*put)(struct nlmsghdr *nlh, const struct tok *t);
	const char *args;	/* for the help */
	const char *hint;	/* names[] is the list of its values */
	const struct name_val *names;
} kinds[] = {
	{ .word = "meta", .name = "meta", .min = 2, .max = 2, .put = put_meta,
	  .args = ":KEY:DREG", .hint = "KEY", .names = meta_keys },
	{ .word = "payload", .name = "payload", .min = 4, .max = 4,
	  .put = put_payload, .args = ":BASE:OFFSET:LEN:DREG",
	  .hint = "BASE", .names = payload_bases },
	{ .word = "cmp", .name = "cmp", .min = 3, .max = 3, .put = put_cmp,
	  .args = ":SREG:OP:DATA", .hint = "OP", .names = cmp_ops },
	{ .word = "imm", .name = "immediate", .min = 2, .max = 2,
	  .put = put_imm, .args = ":DREG:DATA" },
	{ .word = "verdict", .name = "immediate", .min = 1, .max = 1,
	  .put = put_verdict, .args = ":VERDICT", .hint = "VERDICT",
	  .names = verdicts },
	{ .word = "lookup", .name = "lookup", .min = 2, .max = 3,
	  .put = put_lookup, .args = ":[!]SET:SREG[:DREG]" },
	{ .word = "counter", .name = "counter", .put = put_counter,
	  .args = "" },
	{ .word = "limit", .name = "limit", .min = 1, .max = 2,
	  .put = put_limit, .args = ":PER_SECOND[:BURST]" },
	{ .word = "log", .name = "log", .min = 1, .max = 1, .put = put_log,
	  .args = ":GROUP" },
	{ .word = "gtp-load", .name = "gtp", .min = 2, .max = 2,
	  .put = put_gtp_load, .args = ":KEY:DREG", .hint = "KEY",
	  .names = gtp_keys },
	{ .word = "gtp-decap", .name = "gtp", .min = 1, .max = 3, .opts = true,
	  .put = put_gtp_decap, .args = ":DEVREG[:MSREG:FAM][,v0]",
	  .hint = "FAM", .names = gtp_families },
	{ .word = "gtp-decap-map", .name = "gtp", .min = 1, .max = 2,
	  .opts = true, .put = put_gtp_decap_map, .args = ":SET[:FAM][,v0]",
	  .hint = "FAM", .names = gtp_families },
	{ .word = "gtp-encap", .name = "gtp", .min = 3, .max = 3, .opts = true,
	  .put = put_gtp_encap,
	  .args = ":FAM:ADDRREG:TEIDREG[,saddr=REG][,qfi=REG][,sport-hash][,v0]",
	  .hint = "FAM", .names = gtp_families },
	{ .word = "gtp-reply", .name = "gtp", .put = put_gtp_reply,
	  .args = "" },
	{ .word = "xt-gtpu", .name = "target", .min = 1, .max = 2,
	  .opts = true, .put = put_xt_gtpu,
	  .args = ":reply|encap|decap:DEV[,peer=IP4][,saddr=IP4][,teid=N][,tid=N][,flags=N]" },
	{ .word = "raw-gtp", .name = "gtp", .max = 1, .put = put_raw_gtp,
	  .args = "[:ATTR=VAL,...]  (numbers; each VAL sent as a u32)" },
};

static const struct expr_kind *find_kind(const char *word)
{
	const struct expr_kind *k;

	for (k = kinds; k < kinds + MNL_ARRAY_SIZE(kinds); k++)
		if (!strcmp(k->word, word))
			return k;
	usage_err("unknown expression '%s'", word);
}

/* Split "kind:f1:f2[,opts]" in place. */
static const struct expr_kind *split_token(char *s, struct tok *t)
{
	const struct expr_kind *k = find_kind(strsep(&s, ":"));

	t->n = 0;
	t->opts = NULL;
	if (k->opts && s) {
		t->opts = strchr(s, ',');
		if (t->opts)
			*t->opts++ = '\0';
	}
	while (s && t->n + 1 < k->max)
		t->f[t->n++] = strsep(&s, ":");
	if (s && t->n < k->max)
		t->f[t->n++] = s;
	else if (s)
		usage_err("%s takes no fields", k->word);
	if (t->n < k->min)
		usage_err("%s expects %u fields, not %u", k->word, k->min, t->n);
	return k;
}

/* Commands: one message each */

/* Where the kernel's NLMSGERR_ATTR_OFFS may point to in a message */
struct region {
	uint32_t start, end;
	const char *what;
	const char *text;
};

struct cmd {
	const struct cmd_kind *kind;
	uint8_t family;
	char **argv;		/* the words after FAMILY */
	unsigned int argc;
	const char *file;	/* where it was read: line 0 is argv */
	unsigned int line;
	char *text;		/* the line */
	char **words;		/* the line's words, in a copy it starts */
	uint32_t seq;		/* of its message */
	struct region *regions;	/* argc + 2 at most */
	unsigned int nregions;
};

struct cmd_kind {
	const char *word;
	uint16_t type;		/* NFT_MSG_* */
	uint16_t flags;
	unsigned int min, max;	/* words after FAMILY */
	void (*put)(struct cmd *c, struct nlmsghdr *nlh);
	const char *args;	/* for the help */
};

static void add_region(struct cmd *c, const struct nlmsghdr *nlh,
		       const struct nlattr *attr, const char *what,
		       const char *text)
{
	struct region *rg = &c->regions[c->nregions++];

	rg->start = (const char *)attr - (const char *)nlh;
	rg->end = rg->start + attr->nla_len;
	rg->what = what;
	rg->text = text;
}

static void put_str(struct cmd *c, struct nlmsghdr *nlh, uint16_t type,
		    const char *what, const char *s)
{
	const struct nlattr *attr = mnl_nlmsg_get_payload_tail(nlh);

	mnl_attr_put_strz(nlh, type, s);
	add_region(c, nlh, attr, what, s);
}

static void put_table(struct cmd *c, struct nlmsghdr *nlh)
{
	uint32_t flags = 0;

	if (c->argc > 1)
		flags = lookup_name(table_flags, c->argv[1], "table flag");
	put_str(c, nlh, NFTA_TABLE_NAME, "table", c->argv[0]);
	put_u32(nlh, NFTA_TABLE_FLAGS, flags);
}

/* TABLE NAME HOOK PRIORITY or TABLE NAME ingress DEVICE PRIORITY */
static void put_chain(struct cmd *c, struct nlmsghdr *nlh)
{
	bool ingress = !strcmp(c->argv[2], "ingress");
	uint32_t hooknum;
	struct nlattr *hook;

	if (c->argc != 4u + ingress)
		usage_err("expects FAMILY %s", c->kind->args);
	if (ingress && c->family != NFPROTO_NETDEV)
		hooknum = NF_INET_INGRESS;
	else
		hooknum = lookup_name(hooks, c->argv[2], "hook");
	put_str(c, nlh, NFTA_CHAIN_TABLE, "table", c->argv[0]);
	put_str(c, nlh, NFTA_CHAIN_NAME, "chain", c->argv[1]);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TYPE, "filter");
	hook = mnl_attr_nest_start(nlh, NFTA_CHAIN_HOOK);
	put_u32(nlh, NFTA_HOOK_HOOKNUM, hooknum);
	put_u32(nlh, NFTA_HOOK_PRIORITY, parse_s32(c->argv[c->argc - 1],
						     "priority"));
	if (ingress)
		mnl_attr_put_strz(nlh, NFTA_HOOK_DEV, c->argv[3]);
	mnl_attr_nest_end(nlh, hook);
	put_u32(nlh, NFTA_CHAIN_POLICY, NF_ACCEPT);
}

static const struct nft_type *find_nft_type(const char *name)
{
	const struct nft_type *t;

	for (t = nft_types; t < nft_types + MNL_ARRAY_SIZE(nft_types); t++)
		if (!strcmp(t->name, name))
			return t;
	usage_err("unknown type '%s'", name);
}

/*
 * LEN in bytes (type 0, unknown to nft) or TYPE[.TYPE...]: the fields of
 * a concatenation take whole registers, as with parse_data(). Return the
 * byte order of a single TYPE, else 0.
 */
static uint32_t put_type(struct nlmsghdr *nlh, uint16_t type_attr,
			 uint16_t len_attr, const char *s)
{
	bool concat = strchr(s, '.');
	const struct nft_type *t = NULL;
	uint32_t type = 0, len = 0;
	char *copy, *rest, *name;

	if (isdigit((unsigned char)*s)) {
		len = parse_u32(s, UINT32_MAX, "length");
	} else {
		copy = strdup(s);
		if (!copy)
			die("strdup");
		rest = copy;
		while ((name = strsep(&rest, "."))) {
			t = find_nft_type(name);
			if (type >> (32 - TYPE_BITS))
				usage_err("too many fields in '%s'", s);
			type = type << TYPE_BITS | t->id;
			len += concat ? (t->len + 3) & ~3U : t->len;
		}
		free(copy);
	}
	put_u32(nlh, type_attr, type);
	put_u32(nlh, len_attr, len);
	return t && !concat ? t->order : 0;
}

/* A TLV of libnftnl's udata.h: u8 type, u8 length, here a host u32 */
static size_t put_udata_u32(uint8_t *buf, uint8_t type, uint32_t val)
{
	if (!val)
		return 0;
	buf[0] = type;
	buf[1] = sizeof(val);
	memcpy(buf + 2, &val, sizeof(val));
	return 2 + sizeof(val);
}

/* TABLE NAME KEYLEN DATALEN [timeout] [counter]; the lengths: put_type() */
static void put_map(struct cmd *c, struct nlmsghdr *nlh)
{
	enum { UDATA_SET_KEYBYTEORDER, UDATA_SET_DATABYTEORDER };
	uint32_t flags = NFT_SET_MAP, key_order, data_order;
	static uint32_t set_id;
	struct nlattr *expr, *data;
	bool counter = false;
	uint8_t udata[12];
	unsigned int i;
	size_t n;

	for (i = 4; i < c->argc; i++) {
		if (!strcmp(c->argv[i], "counter"))
			counter = true;
		else
			flags |= lookup_name(map_flags, c->argv[i], "map flag");
	}
	put_str(c, nlh, NFTA_SET_TABLE, "table", c->argv[0]);
	put_str(c, nlh, NFTA_SET_NAME, "map", c->argv[1]);
	put_u32(nlh, NFTA_SET_FLAGS, flags);
	key_order = put_type(nlh, NFTA_SET_KEY_TYPE, NFTA_SET_KEY_LEN,
			     c->argv[2]);
	data_order = put_type(nlh, NFTA_SET_DATA_TYPE, NFTA_SET_DATA_LEN,
			      c->argv[3]);
	n = put_udata_u32(udata, UDATA_SET_KEYBYTEORDER, key_order);
	n += put_udata_u32(udata + n, UDATA_SET_DATABYTEORDER, data_order);
	if (n)
		mnl_attr_put(nlh, NFTA_SET_USERDATA, n, udata);
	put_u32(nlh, NFTA_SET_ID, ++set_id);
	if (!counter)
		return;
	/* as nft does for "counter" in a set: each element gets its own */
	expr = mnl_attr_nest_start(nlh, NFTA_SET_EXPR);
	mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, "counter");
	data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	put_counter(nlh, NULL);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, expr);
}

/* TABLE MAP KEY DATA [timeout=SECONDS] */
static void put_element(struct cmd *c, struct nlmsghdr *nlh)
{
	static const char timeout[] = "timeout=";
	struct nlattr *list, *elem;
	uint64_t ms;

	put_str(c, nlh, NFTA_SET_ELEM_LIST_TABLE, "table", c->argv[0]);
	put_str(c, nlh, NFTA_SET_ELEM_LIST_SET, "map", c->argv[1]);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	put_value(nlh, NFTA_SET_ELEM_KEY, c->argv[2]);
	put_value(nlh, NFTA_SET_ELEM_DATA, c->argv[3]);
	if (c->argc > 4) {
		if (strncmp(c->argv[4], timeout, strlen(timeout)))
			usage_err("expects timeout=SECONDS, not '%s'",
				  c->argv[4]);
		ms = parse_u32(c->argv[4] + strlen(timeout), UINT32_MAX,
			       "timeout") * 1000ULL;
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT, htobe64(ms));
	}
	mnl_attr_nest_end(nlh, elem);
	mnl_attr_nest_end(nlh, list);
	add_region(c, nlh, elem, "element", c->argv[2]);
}

static void put_expr(struct cmd *c, struct nlmsghdr *nlh, const char *arg)
{
	const struct expr_kind *k;
	struct nlattr *elem, *data;
	struct tok t;
	char *s;

	s = strdup(arg);
	if (!s)
		die("strdup");
	cur_expr = arg;
	k = split_token(s, &t);
	elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, k->name);
	data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	k->put(nlh, &t);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, elem);
	add_region(c, nlh, elem, "expression", arg);
	cur_expr = NULL;
	free(s);
}

/* TABLE CHAIN EXPR... */
static void put_rule(struct cmd *c, struct nlmsghdr *nlh)
{
	struct nlattr *list;
	unsigned int i;

	put_str(c, nlh, NFTA_RULE_TABLE, "table", c->argv[0]);
	put_str(c, nlh, NFTA_RULE_CHAIN, "chain", c->argv[1]);
	list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
	for (i = 2; i < c->argc; i++)
		put_expr(c, nlh, c->argv[i]);
	mnl_attr_nest_end(nlh, list);
}

static const struct cmd_kind cmd_kinds[] = {
	{ "table", NFT_MSG_NEWTABLE, 0, 1, 2, put_table, "NAME [owner]" },
	{ "chain", NFT_MSG_NEWCHAIN, 0, 4, 5, put_chain,
	  "TABLE NAME HOOK PRIORITY" },
	{ "map", NFT_MSG_NEWSET, 0, 4, 6, put_map,
	  "TABLE NAME KEYLEN DATALEN [timeout] [counter]" },
	{ "element", NFT_MSG_NEWSETELEM, 0, 4, 5, put_element,
	  "TABLE MAP KEY DATA [timeout=SECONDS]" },
	{ "rule", NFT_MSG_NEWRULE, NLM_F_APPEND, 3, UINT_MAX, put_rule,
	  "TABLE CHAIN EXPR..." },
};

static const struct cmd_kind *find_cmd_kind(const char *word)
{
	const struct cmd_kind *k;

	for (k = cmd_kinds; k < cmd_kinds + MNL_ARRAY_SIZE(cmd_kinds); k++)
		if (!strcmp(k->word, word))
			return k;
	usage_err("unknown command '%s'", word);
}

/* words: FAMILY and the command's arguments */
static void init_cmd(struct cmd *c, const struct cmd_kind *k, char **words,
		     unsigned int n)
{
	c->kind = k;
	if (n < 1 + k->min || n - 1 > k->max)
		usage_err("expects FAMILY %s", k->args);
	c->family = lookup_name(families, words[0], "family");
	c->argv = words + 1;
	c->argc = n - 1;
	c->regions = calloc(c->argc + 2, sizeof(*c->regions));
	if (!c->regions)
		die("calloc");
}

/* Batch */

struct batch {
	struct cmd *cmds;
	unsigned int n;
	uint32_t seq;		/* of BATCH_BEGIN; then the commands, END */
	bool acked;		/* the last command, without error */
};

static void add_cmd(struct batch *b, const char *file, unsigned int line,
		    const char *text)
{
	char *copy, *w;
	unsigned int n = 0;
	struct cmd *c;

	b->cmds = realloc(b->cmds, (b->n + 1) * sizeof(*b->cmds));
	if (!b->cmds)
		die("realloc");
	c = &b->cmds[b->n++];
	*c = (struct cmd){ .file = file, .line = line };
	c->text = strdup(text);
	copy = strdup(text);
	if (!c->text || !copy)
		die("strdup");
	while ((w = strsep(&copy, " \t"))) {
		if (!*w)
			continue;
		c->words = realloc(c->words, (n + 1) * sizeof(*c->words));
		if (!c->words)
			die("realloc");
		c->words[n++] = w;
	}
	cur_file = file;
	cur_line = line;
	init_cmd(c, find_cmd_kind(c->words[0]), c->words + 1, n - 1);
	cur_line = 0;
}

/* One command a line; blank lines and lines starting with '#' ignored */
static void read_cmds(struct batch *b, const char *file)
{
	bool is_stdin = !strcmp(file, "-");
	unsigned int line = 0;
	char *buf = NULL, *s;
	size_t size = 0;
	FILE *f;

	f = is_stdin ? stdin : fopen(file, "r");
	if (!f)
		die(file);
	if (is_stdin)
		file = "<stdin>";
	while (getline(&buf, &size, f) >= 0) {
		line++;
		buf[strcspn(buf, "\n")] = '\0';
		s = buf + strspn(buf, " \t");
		if (*s && *s != '#')
			add_cmd(b, file, line, s);
	}
	if (ferror(f))
		die(file);
	if (!is_stdin)
		fclose(f);
	free(buf);
	if (!b->n)
		usage_err("no command in %s", file);
}

static struct nlmsghdr *msg_start(char *pos, uint16_t type, uint16_t flags,
				  uint8_t family, uint16_t res_id, uint32_t seq)
{
	struct nlmsghdr *nlh = nl_talk_put_request(pos, type, flags, seq);
	struct nfgenmsg *nfg;

	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(res_id);
	return nlh;
}

/*
 * An upper bound of the batch's size: no word of a command takes more
 * than 256 bytes plus twice its length (raw-gtp: 8 bytes per "A=V,").
 */
static size_t batch_size(const struct batch *b)
{
	size_t n = 1024;
	unsigned int i, j;

	for (i = 0; i < b->n; i++) {
		n += 1024;
		for (j = 0; j < b->cmds[i].argc; j++)
			n += 256 + 2 * strlen(b->cmds[i].argv[j]);
	}
	return n;
}

/*
 * nfnetlink answers every command in error, NLM_F_ACK or not: ask for
 * the acknowledgment of the last command only, which says that all were
 * handled, and which a long batch's answers do not push out of the
 * socket's buffer.
 */
static size_t build_batch(struct batch *b, char *buf)
{
	struct nlmsghdr *nlh;
	char *pos = buf;
	struct cmd *c;

	nlh = msg_start(pos, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC,
			NFNL_SUBSYS_NFTABLES, b->seq);
	pos += nlh->nlmsg_len;
	for (c = b->cmds; c < b->cmds + b->n; c++) {
		cur_file = c->file;
		cur_line = c->line;
		c->seq = b->seq + 1 + (c - b->cmds);
		nlh = msg_start(pos, NFNL_SUBSYS_NFTABLES << 8 | c->kind->type,
				NLM_F_CREATE | c->kind->flags |
				(c == b->cmds + b->n - 1 ? NLM_F_ACK : 0),
				c->family, 0, c->seq);
		c->kind->put(c, nlh);
		pos += nlh->nlmsg_len;
	}
	cur_line = 0;
	nlh = msg_start(pos, NFNL_MSG_BATCH_END, 0, AF_UNSPEC,
			NFNL_SUBSYS_NFTABLES, b->seq + b->n + 1);
	pos += nlh->nlmsg_len;
	return pos - buf;
}

static void free_batch(struct batch *b)
{
	struct cmd *c;

	for (c = b->cmds; c < b->cmds + b->n; c++) {
		free(c->regions);
		free(c->text);
		if (c->words)
			free(c->words[0]);
		free(c->words);
	}
	free(b->cmds);
}

/* Acknowledgements */

static int ack_cb(const struct nl_ack *ack, void *data)
{
	struct batch *b = data;
	uint32_t n = ack->seq - b->seq;	/* 1..b->n: a command */

	if (n > b->n + 1) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	b->acked |= !ack->err && n == b->n;
	return MNL_CB_OK;
}

/*
 * nfnetlink handles the whole batch within sendto(), so all the answers
 * are queued when it returns (nft relies on this too): read them without
 * blocking until none is left. ENOBUFS says that the errors of later
 * commands did not fit: the first one, queued first, is still there.
 */
static void send_batch(struct mnl_socket *nl, struct batch *b,
		       struct nl_talk *t)
{
	size_t len;
	char *buf;
	int ret;

	buf = calloc(1, batch_size(b));
	if (!buf)
		die("calloc");
	len = build_batch(b, buf);
	if (mnl_socket_sendto(nl, buf, len) < 0)
		die("sendto");
	free(buf);
	while ((ret = nl_talk_recv(nl, t)) > 0 ||
	       (ret < 0 && errno == ENOBUFS))
		;
	if (ret < 0)
		die("netlink");
}

static const struct region *find_region(const struct cmd *c, uint32_t off)
{
	unsigned int i;

	for (i = 0; i < c->nregions; i++)
		if (off >= c->regions[i].start && off < c->regions[i].end)
			return &c->regions[i];
	return NULL;
}

/* The batch's first error, with its extended ACK */
static int report(const struct batch *b, const struct nl_ack *e)
{
	uint32_t n = e->seq - b->seq;
	const struct cmd *c = n && n <= b->n ? &b->cmds[n - 1] : NULL;
	const struct region *rg;

	if (!e->err && b->acked)
		return 0;
	if (!e->err) {
		fputs(PROG ": no acknowledgment of the batch\n", stderr);
		return 1;
	}
	fprintf(stderr, PROG ": %s (errno %d)%s%s\n", strerror(e->err),
		e->err, *e->msg ? ": " : "", e->msg);
	if (c && c->line)
		fprintf(stderr, PROG ": %s:%u: %s\n", c->file, c->line,
			c->text);
	if (!e->has_off)
		return 1;
	rg = c ? find_region(c, e->off) : NULL;
	if (rg)
		fprintf(stderr, PROG ": bad attribute in %s '%s'\n",
			rg->what, rg->text);
	else
		fprintf(stderr, PROG ": bad attribute at offset %u\n", e->off);
	return 1;
}

/* -w: the socket, and so the tables it owns, lives until EOF or a signal */

static volatile sig_atomic_t stop;

static void on_signal(int sig __attribute__((unused)))
{
	stop = 1;
}

static void wait_end(bool watch_stdin)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, old;
	char buf[4096];
	ssize_t n;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	/* signals arrive only inside ppoll(): none is missed */
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	puts("ready");
	if (fflush(stdout))
		die("stdout");
	while (!stop) {
		if (ppoll(&pfd, watch_stdin, NULL, &old) < 0) {
			if (errno != EINTR)
				die("ppoll");
			continue;
		}
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (!n)
			break;
		if (n < 0 && errno != EINTR)
			die("read stdin");
	}
}

/* -l: one line per rule of a chain, "handle N: expr expr ...", which the
 * stock nft cannot show for rules holding gtp expressions; a gtp
 * expression as "gtp:ATTR=VAL,...", what raw-gtp takes, in attribute order,
 * so that a test can compare what the kernel lists with what it was sent;
 * the map's name (NFTA_GTP_SET) as ATTR=NAME */

static void list_gtp_attrs(const struct nlattr *data)
{
	const struct nlattr *attrs[NFTA_GTP_MAX + 1] = {};
	const struct nlattr *attr;
	const char *sep = ":";
	int i;

	mnl_attr_for_each_nested(attr, data) {
		i = mnl_attr_get_type(attr);
		if (i > NFTA_GTP_MAX)
			continue;
		if (i == NFTA_GTP_SET ?
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 :
		    mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			continue;
		attrs[i] = attr;
	}
	for (i = 0; i <= NFTA_GTP_MAX; i++) {
		if (!attrs[i])
			continue;
		if (i == NFTA_GTP_SET)
			printf("%s%d=%s", sep, i, mnl_attr_get_str(attrs[i]));
		else
			printf("%s%d=%u", sep, i,
			       ntohl(mnl_attr_get_u32(attrs[i])));
		sep = ",";
	}
}

static int list_expr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr *a;
	bool gtp = false;

	if (mnl_attr_get_type(attr) != NFTA_LIST_ELEM)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, attr) {
		if (mnl_attr_get_type(a) == NFTA_EXPR_NAME) {
			printf(" %s", mnl_attr_get_str(a));
			gtp = !strcmp(mnl_attr_get_str(a), "gtp");
		} else if (mnl_attr_get_type(a) == NFTA_EXPR_DATA && gtp) {
			list_gtp_attrs(a);
		}
	}
	(void)data;
	return MNL_CB_OK;
}

static int list_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		switch (mnl_attr_get_type(attr)) {
		case NFTA_RULE_HANDLE:
			printf("handle %llu:",
			       (unsigned long long)be64toh(mnl_attr_get_u64(attr)));
			break;
		case NFTA_RULE_EXPRESSIONS:
			mnl_attr_parse_nested(attr, list_expr_cb, data);
			putchar('\n');
			break;
		}
	}
	return MNL_CB_OK;
}

static int list_rules(int argc, char **argv)
{
	struct nl_talk t = { .seq = time(NULL), .data_cb = list_rule_cb };
	char buf[16384];
	struct nlmsghdr *nlh;
	struct mnl_socket *nl;
	int ret;

	if (argc != 3)
		usage_err("-l expects FAMILY TABLE CHAIN");
	nlh = msg_start(buf, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETRULE,
			NLM_F_DUMP, lookup_name(families, argv[0], "family"),
			0, t.seq);
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, argv[1]);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, argv[2]);

	nl = nl_talk_open(NETLINK_NETFILTER, 0);
	if (!nl)
		die("netlink socket");
	ret = nl_talk(nl, nlh, nlh->nlmsg_len, &t);
	mnl_socket_close(nl);
	if (!ret && t.error.err) {
		errno = t.error.err;
		ret = -1;
	}
	if (ret < 0)
		die("list rules");
	return 0;
}

static void print_names(const char *hint, const struct name_val *t)
{
	printf("%s:", hint);
	for (; t->name; t++)
		printf(" %s", t->name);
	putchar('\n');
}

static void usage(void)
{
	const struct expr_kind *k;
	const struct cmd_kind *ck;
	const struct nft_type *t;
	const struct data_fmt *f;

	printf("Usage: " PROG " [-h] FAMILY TABLE CHAIN EXPR...\n"
	       "       " PROG " -f FILE [-w]\n"
	       "       " PROG " -l FAMILY TABLE CHAIN\n"
	       "Append one rule made of the EXPRs to an existing chain, or send\n"
	       "the commands of FILE (- for stdin), one a line, in one nfnetlink\n"
	       "batch. Print nothing on success; else print the kernel's first\n"
	       "error, its extended ACK and the failing line, and exit 1 (2: usage\n"
	       "error). With -w, print \"ready\" then keep the netlink socket, and\n"
	       "so the tables it owns, until EOF on stdin (if FILE is not -),\n"
	       "SIGTERM or SIGINT, then exit 0. -l prints the rules of a chain,\n"
	       "one a line: \"handle N: EXPRNAME...\".\n\n");
	print_names("FAMILY", families);
	printf("\nCOMMAND (in FILE; blank lines and # comments ignored):\n");
	for (ck = cmd_kinds; ck < cmd_kinds + MNL_ARRAY_SIZE(cmd_kinds); ck++)
		printf("    %s FAMILY %s\n", ck->word, ck->args);
	printf("HOOK: prerouting input forward output postrouting, or ingress DEVICE\n"
	       "KEYLEN, DATALEN: bytes, or TYPE[.TYPE...] for nft to show the map;\n"
	       "    TYPE:");
	for (t = nft_types; t < nft_types + MNL_ARRAY_SIZE(nft_types); t++)
		printf(" %s", t->name);
	printf("\nKEY, DATA: DATA[+DATA...]; the fields of a concatenation (TYPE.TYPE,\n"
	       "    DATA+DATA) are padded to 4 bytes each\n");
	printf("\nREG: r0..r15 (NFT_REG32_00..15) or v (verdict register)\n"
	       "DATA: hex bytes (0868) or");
	for (f = data_fmts; f < data_fmts + MNL_ARRAY_SIZE(data_fmts); f++)
		printf(" %s%s", f->prefix, f->arg);
	printf("\n\nEXPR:\n");
	for (k = kinds; k < kinds + MNL_ARRAY_SIZE(kinds); k++) {
		printf("    %s%s\n", k->word, k->args);
		if (k->names) {
			printf("        ");
			print_names(k->hint, k->names);
		}
	}
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	struct batch b = {};
	struct nl_talk t = { .ack_cb = ack_cb, .data = &b };
	struct mnl_socket *nl;
	bool wait = false;
	int opt, ret;

	while ((opt = getopt(argc, argv, "+hf:wl")) != -1) {
		switch (opt) {
		case 'h':
			usage();
			return 0;
		case 'l':
			return list_rules(argc - optind, argv + optind);
		case 'f':
			file = optarg;
			break;
		case 'w':
			wait = true;
			break;
		default:
			usage_err("bad option");
		}
	}
	if (file && optind < argc)
		usage_err("-f FILE takes no other argument");
	if (wait && !file)
		usage_err("-w goes with -f FILE");
	if (file) {
		read_cmds(&b, file);
	} else {
		if (argc - optind < 4)
			usage_err("expects FAMILY TABLE CHAIN EXPR...");
		b.cmds = calloc(1, sizeof(*b.cmds));
		if (!b.cmds)
			die("calloc");
		b.n = 1;
		init_cmd(b.cmds, find_cmd_kind("rule"), argv + optind,
			 argc - optind);
	}
	b.seq = time(NULL);

	nl = nl_talk_open(NETLINK_NETFILTER, SOCK_NONBLOCK);
	if (!nl)
		die("netlink socket");
	send_batch(nl, &b, &t);
	ret = report(&b, &t.error);
	if (!ret && wait)
		wait_end(strcmp(file, "-"));
	mnl_socket_close(nl);
	free_batch(&b);
	return ret;
}
