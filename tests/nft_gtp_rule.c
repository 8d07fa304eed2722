// SPDX-License-Identifier: GPL-2.0-only
/*
 * nft_gtp_rule: add one nf_tables rule, made of standard expressions and
 * "gtp" expressions (nft_gtp module), to an existing chain.
 *
 * The stock nft and libnftnl of Debian 12 know nothing of the gtp
 * expression, so the selftests add such rules with this tool: one
 * NFT_MSG_NEWRULE in one nfnetlink batch, built with libmnl, and the
 * kernel's answer (errno and extended ACK) reported precisely.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
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
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nft_gtp.h>
#include <linux/netlink.h>

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
	{}
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
	{}
};

/* The expression token being parsed, named in usage errors. */
static const char *cur_expr;

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_err(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
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

static void parse_data(const char *s, struct data *d)
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
	{ .word = "gtp-load", .name = "gtp", .min = 2, .max = 2,
	  .put = put_gtp_load, .args = ":KEY:DREG", .hint = "KEY",
	  .names = gtp_keys },
	{ .word = "gtp-decap", .name = "gtp", .min = 1, .max = 3, .opts = true,
	  .put = put_gtp_decap, .args = ":DEVREG[:MSREG:FAM][,v0]",
	  .hint = "FAM", .names = gtp_families },
	{ .word = "gtp-encap", .name = "gtp", .min = 3, .max = 3, .opts = true,
	  .put = put_gtp_encap,
	  .args = ":FAM:ADDRREG:TEIDREG[,saddr=REG][,qfi=REG][,sport-hash][,v0]",
	  .hint = "FAM", .names = gtp_families },
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

/* Rule message */

/* Where the kernel's NLMSGERR_ATTR_OFFS may point to in the rule message */
struct region {
	uint32_t start, end;
	const char *what;
	const char *text;
};

struct rule {
	uint8_t family;
	const char *table, *chain;
	char **exprs;
	unsigned int nexprs;
	uint32_t seq;		/* of the NEWRULE message */
	struct region *regions;
	unsigned int nregions;
};

static void add_region(struct rule *r, const struct nlmsghdr *nlh,
		       const struct nlattr *attr, const char *what,
		       const char *text)
{
	struct region *rg = &r->regions[r->nregions++];

	rg->start = (const char *)attr - (const char *)nlh;
	rg->end = rg->start + attr->nla_len;
	rg->what = what;
	rg->text = text;
}

static void put_str(struct rule *r, struct nlmsghdr *nlh, uint16_t type,
		    const char *what, const char *s)
{
	const struct nlattr *attr = mnl_nlmsg_get_payload_tail(nlh);

	mnl_attr_put_strz(nlh, type, s);
	add_region(r, nlh, attr, what, s);
}

static void put_expr(struct rule *r, struct nlmsghdr *nlh, const char *arg)
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
	add_region(r, nlh, elem, "expression", arg);
	cur_expr = NULL;
	free(s);
}

static void put_rule(struct rule *r, struct nlmsghdr *nlh)
{
	struct nlattr *list;
	unsigned int i;

	put_str(r, nlh, NFTA_RULE_TABLE, "table", r->table);
	put_str(r, nlh, NFTA_RULE_CHAIN, "chain", r->chain);
	list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
	for (i = 0; i < r->nexprs; i++)
		put_expr(r, nlh, r->exprs[i]);
	mnl_attr_nest_end(nlh, list);
}

static struct nlmsghdr *msg_start(char *pos, uint16_t type, uint16_t flags,
				  uint8_t family, uint16_t res_id, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(pos);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(res_id);
	return nlh;
}

/*
 * An upper bound of the batch's size: no expression takes more than 256
 * bytes plus twice its token's length (raw-gtp: 8 bytes per "A=V,").
 */
static size_t batch_size(const struct rule *r)
{
	size_t n = 1024 + strlen(r->table) + strlen(r->chain);
	unsigned int i;

	for (i = 0; i < r->nexprs; i++)
		n += 256 + 2 * strlen(r->exprs[i]);
	return n;
}

/* BATCH_BEGIN, NEWRULE, BATCH_END with sequence numbers seq - 1 .. seq + 1 */
static size_t build_batch(struct rule *r, char *buf)
{
	struct nlmsghdr *nlh;
	char *pos = buf;

	nlh = msg_start(pos, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC,
			NFNL_SUBSYS_NFTABLES, r->seq - 1);
	pos += nlh->nlmsg_len;
	nlh = msg_start(pos, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWRULE,
			NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, r->family,
			0, r->seq);
	put_rule(r, nlh);
	pos += nlh->nlmsg_len;
	nlh = msg_start(pos, NFNL_MSG_BATCH_END, 0, AF_UNSPEC,
			NFNL_SUBSYS_NFTABLES, r->seq + 1);
	pos += nlh->nlmsg_len;
	return pos - buf;
}

/* Acknowledgements */

struct acks {
	uint32_t seq;		/* of the NEWRULE message */
	bool rule_acked;	/* NEWRULE acknowledged without error */
	int err;		/* first error, positive errno */
	char msg[256];		/* its NLMSGERR_ATTR_MSG */
	bool has_off;		/* its NLMSGERR_ATTR_OFFS, if in NEWRULE */
	uint32_t off;
};

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, NLMSGERR_ATTR_MAX) < 0)
		return MNL_CB_OK;
	if ((type == NLMSGERR_ATTR_MSG &&
	     mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0) ||
	    (type == NLMSGERR_ATTR_OFFS &&
	     mnl_attr_validate(attr, MNL_TYPE_U32) < 0))
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int record_error(const struct nlmsghdr *nlh, const struct nlmsgerr *e,
			struct acks *a)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	size_t hlen = sizeof(*e);

	a->err = -e->error;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hlen += mnl_nlmsg_get_payload_len(&e->msg);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS &&
	    mnl_attr_parse(nlh, hlen, extack_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(a->msg, sizeof(a->msg), "%s",
			 mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS] && nlh->nlmsg_seq == a->seq) {
		a->has_off = true;
		a->off = mnl_attr_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	}
	return MNL_CB_OK;
}

static int ack_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct acks *a = data;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (nlh->nlmsg_seq + 1 < a->seq || nlh->nlmsg_seq > a->seq + 1) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (!e->error) {
		a->rule_acked |= nlh->nlmsg_seq == a->seq;
		return MNL_CB_OK;
	}
	return a->err ? MNL_CB_OK : record_error(nlh, e, a);
}

/*
 * nfnetlink handles the whole batch within sendto(), so all the answers
 * are queued when it returns (nft relies on this too): read them without
 * blocking until none is left.
 */
static void read_acks(struct mnl_socket *nl, struct acks *a)
{
	static char buf[65536];
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = ack_cb };
	ssize_t n;

	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
		if (mnl_cb_run2(buf, n, 0, mnl_socket_get_portid(nl), NULL, a,
				ctl, MNL_ARRAY_SIZE(ctl)) < 0)
			die("bad answer");
	if (n < 0 && errno != EAGAIN)
		die("recvfrom");
}

static void send_batch(struct mnl_socket *nl, struct rule *r, struct acks *a)
{
	size_t len;
	char *buf;

	buf = calloc(1, batch_size(r));
	if (!buf)
		die("calloc");
	len = build_batch(r, buf);
	if (mnl_socket_sendto(nl, buf, len) < 0)
		die("sendto");
	free(buf);
	read_acks(nl, a);
}

static const struct region *find_region(const struct rule *r, uint32_t off)
{
	unsigned int i;

	for (i = 0; i < r->nregions; i++)
		if (off >= r->regions[i].start && off < r->regions[i].end)
			return &r->regions[i];
	return NULL;
}

static int report(const struct rule *r, const struct acks *a)
{
	const struct region *rg;

	if (!a->err && a->rule_acked)
		return 0;
	if (!a->err) {
		fputs(PROG ": no acknowledgment of the rule\n", stderr);
		return 1;
	}
	fprintf(stderr, PROG ": %s (errno %d)%s%s\n", strerror(a->err),
		a->err, *a->msg ? ": " : "", a->msg);
	if (!a->has_off)
		return 1;
	rg = find_region(r, a->off);
	if (rg)
		fprintf(stderr, PROG ": bad attribute in %s '%s'\n",
			rg->what, rg->text);
	else
		fprintf(stderr, PROG ": bad attribute at offset %u\n", a->off);
	return 1;
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
	const struct data_fmt *f;

	printf("Usage: " PROG " [-h] FAMILY TABLE CHAIN EXPR...\n"
	       "Append one rule made of the EXPRs to an existing chain, in one\n"
	       "nfnetlink batch. Print nothing on success; else print the\n"
	       "kernel's error and extended ACK and exit 1 (2: usage error).\n\n");
	print_names("FAMILY", families);
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
	struct acks a = {};
	struct mnl_socket *nl;
	struct rule r = {};
	int one = 1, opt, ret;

	while ((opt = getopt(argc, argv, "+h")) != -1) {
		if (opt != 'h')
			usage_err("bad option");
		usage();
		return 0;
	}
	if (argc - optind < 4)
		usage_err("expects FAMILY TABLE CHAIN EXPR...");
	r.family = lookup_name(families, argv[optind], "family");
	r.table = argv[optind + 1];
	r.chain = argv[optind + 2];
	r.exprs = argv + optind + 3;
	r.nexprs = argc - optind - 3;
	r.regions = calloc(r.nexprs + 2, sizeof(*r.regions));
	if (!r.regions)
		die("calloc");
	r.seq = time(NULL) + 1;
	a.seq = r.seq;

	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK);
	if (!nl)
		die("netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("bind");
	/* best effort: the answers' flags say what they hold */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	send_batch(nl, &r, &a);
	mnl_socket_close(nl);
	ret = report(&r, &a);
	free(r.regions);
	return ret;
}
