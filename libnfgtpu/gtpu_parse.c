// SPDX-License-Identifier: GPL-2.0-only
/*
 * gtpu: parsing the command line, one table of context keywords.  Pure:
 * no netlink, no output; tests/parse.sh drives it through "gtpu -c".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gtpu.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct perr {
	char *buf;
	size_t len;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct perr *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->buf, e->len, fmt, ap);
	va_end(ap);
	return -1;
}

/* A number: decimal or 0x hex, no sign, at most max */
static int parse_num(const char *s, unsigned long long max,
		     unsigned long long *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return *end || errno || *v > max ? -1 : 0;
}

/* N with an optional unit: ms, s (default), m, h, d */
static int parse_duration(const char *s, uint64_t *ms)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	unsigned long long v;
	char *end;
	size_t i;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		/* nf_tables keeps timeouts in jiffies: stay far below */
		if (!v || v > UINT32_MAX / units[i].ms * 1000ULL ||
		    v * units[i].ms > 49ULL * 86400000)
			return -1;
		*ms = v * units[i].ms;
		return 0;
	}
	return -1;
}

/* Context keywords: each fills part of the context */

enum {
	K_TEID, K_APN, K_MS, K_PEER, K_PEER_TEID, K_QFI, K_TIMEOUT, K_DOWNLINK,
	K_MBR_UP, K_MBR_DOWN, K_COUNTER, K_MAX
};

static int kw_teid(struct nfgtpu_ctx *c, const char *s, struct perr *e)
{
	unsigned long long v;

	if (parse_num(s, UINT32_MAX, &v) || !v)
		return fail(e, "bad teid '%s' (1 to 0xffffffff)", s);
	c->teid = v;
	return 0;
}

static int kw_apn(struct nfgtpu_ctx *c, const char *s, struct perr *e)
{
	if (!*s || strlen(s) >= sizeof(c->apn) || s[strcspn(s, " \t/:")])
		return fail(e, "bad apn '%s' (a device name, at most %zu characters)",
			    s, sizeof(c->apn) - 1);
	strcpy(c->apn, s);
	return 0;
}

/* An IPv4 address, or an IPv6 address or /64 prefix */
static int kw_ms(struct nfgtpu_ctx *c, const char *s, struct perr *e)
{
	char buf[INET6_ADDRSTRLEN + 4], *slash;

	if (inet_pton(AF_INET, s, &c->ms4) == 1) {
		if (c->flags & NFGTPU_CTX_MS4)
			return fail(e, "second IPv4 ms '%s'", s);
		c->flags |= NFGTPU_CTX_MS4;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash && strcmp(slash, "/64"))
		return fail(e, "bad ms '%s' (an IPv6 subscriber has a /64)", s);
	if (slash)
		*slash = '\0';
	if (strlen(s) >= sizeof(buf) || inet_pton(AF_INET6, buf, &c->ms6) != 1)
		return fail(e, "bad ms '%s' (IPv4 address, IPv6 address or /64)", s);
	if (c->flags & NFGTPU_CTX_MS6)
		return fail(e, "second IPv6 ms '%s'", s);
	c->flags |= NFGTPU_CTX_MS6;
	return 0;
}

static int kw_peer(struct nfgtpu_ctx *c, const char *s, struct perr *e)
{
	if (inet_pton(AF_INET, s, &c->peer.v4) == 1)
		c->peer_family = AF_INET;
	else if (inet_pton(AF_INET6, s, &c->peer.v6) == 1)
		c->peer_family = AF_INET6;
	else
		return fail(e, "bad peer '%s' (an IPv4 or IPv6 address)", s);
	return 0;
}

static int kw_peer_teid(struct nfgtpu_ctx *c, const char *s, struct perr *e)
{
	unsigned long long v;

	if (parse_num(s, UINT32_MAX, &v) || !v)
		return fail(e, "bad peer-teid '%s' (1 to 0xffffffff)", s);
	c->peer_teid = v;
	return 0;
}

static int kw_qfi(struct nfgtpu_ctx *c, const char *s, struct perr *e)
{
	unsigned long long v;

	if (parse_num(s, 63, &v))
		return fail(e, "bad qfi '%s' (0 to 63)", s);
	c->qfi = v;
	c->flags |= NFGTPU_CTX_QFI;
	return 0;
}

static int kw_timeout(struct nfgtpu_ctx *c, const char *s, struct perr *e)
{
	if (parse_duration(s, &c->timeout_ms))
		return fail(e, "bad timeout '%s' (N[ms|s|m|h|d], up to 49 days)", s);
	c->flags |= NFGTPU_CTX_TIMEOUT;
	return 0;
}

/* mbr-up, mbr-down: kbit/s, as PFCP's MBR; 100 Gbit/s at most */
static int kw_mbr(uint64_t *kbps, struct nfgtpu_ctx *c, const char *s,
		  const char *word, struct perr *e)
{
	unsigned long long v;

	if (parse_num(s, 100000000, &v) || !v)
		return fail(e, "bad %s '%s' (kbit/s, 1 to 100000000)", word, s);
	*kbps = v;
	c->flags |= NFGTPU_CTX_MBR;
	return 0;
}

static int kw_mbr_up(struct nfgtpu_ctx *c, const char *s, struct perr *e)
{
	return kw_mbr(&c->mbr_up_kbps, c, s, "mbr-up", e);
}

static int kw_mbr_down(struct nfgtpu_ctx *c, const char *s, struct perr *e)
{
	return kw_mbr(&c->mbr_down_kbps, c, s, "mbr-down", e);
}

/* downlink none|buffer: instead of peer and peer-teid */
static int kw_downlink(struct nfgtpu_ctx *c, const char *s, struct perr *e)
{
	if (!strcmp(s, "none"))
		c->flags |= NFGTPU_CTX_NO_DOWNLINK;
	else if (!strcmp(s, "buffer"))
		c->flags |= NFGTPU_CTX_BUFFER;
	else
		return fail(e, "bad downlink '%s' (none or buffer)", s);
	return 0;
}

/* counter: a word alone, the context counts its packets */
static int kw_counter(struct nfgtpu_ctx *c, const char *s, struct perr *e)
{
	c->flags |= NFGTPU_CTX_COUNTER;
	(void)s;
	(void)e;
	return 0;
}

static const struct keyword {
	const char *word;
	int (*parse)(struct nfgtpu_ctx *c, const char *s, struct perr *e);
	unsigned int max;	/* times it may be given */
	bool alone;		/* takes no value */
} keywords[K_MAX] = {
	[K_TEID]	= { "teid",		kw_teid,	1 },
	[K_APN]		= { "apn",		kw_apn,		1 },
	[K_MS]		= { "ms",		kw_ms,		2 },
	[K_PEER]	= { "peer",		kw_peer,	1 },
	[K_PEER_TEID]	= { "peer-teid",	kw_peer_teid,	1 },
	[K_QFI]		= { "qfi",		kw_qfi,		1 },
	[K_TIMEOUT]	= { "timeout",		kw_timeout,	1 },
	[K_DOWNLINK]	= { "downlink",		kw_downlink,	1 },
	[K_MBR_UP]	= { "mbr-up",		kw_mbr_up,	1 },
	[K_MBR_DOWN]	= { "mbr-down",		kw_mbr_down,	1 },
	[K_COUNTER]	= { "counter",		kw_counter,	1, true },
};

/* What each command needs (bit per keyword) and allows */
#define B(k)	(1U << (k))
static const struct {
	const char *name;
	unsigned int need, allow;
} ctx_cmds[] = {
	[GTPU_CTX_ADD] = { "ctx add", B(K_TEID) | B(K_APN) | B(K_MS), ~0U },
	[GTPU_CTX_MOD] = { "ctx mod", B(K_TEID) | B(K_APN) | B(K_MS),
		~0U },
	[GTPU_CTX_DEL] = { "ctx del", B(K_TEID),
		B(K_TEID) | B(K_APN) | B(K_MS) | B(K_DOWNLINK) },
};

static int parse_ctx(int argc, char **argv, enum gtpu_cmd_kind kind,
		     struct nfgtpu_ctx *c, struct perr *e)
{
	unsigned int seen[K_MAX] = {}, given = 0;
	const char *name = ctx_cmds[kind].name;
	int i, k;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < argc; i += keywords[k].alone ? 1 : 2) {
		for (k = 0; k < K_MAX && (argv[i][0] != keywords[k].word[0] ||
					  strcmp(argv[i], keywords[k].word)); k++)
			;
		if (k == K_MAX)
			return fail(e, "%s: unknown keyword '%s'", name, argv[i]);
		if (!(ctx_cmds[kind].allow & B(k)))
			return fail(e, "%s: '%s' does not go with this command",
				    name, argv[i]);
		if (++seen[k] > keywords[k].max)
			return fail(e, "%s: '%s' given %s", name, argv[i],
				    keywords[k].max > 1 ? "too often" : "twice");
		if (!keywords[k].alone && i + 1 == argc)
			return fail(e, "%s: '%s' needs a value", name, argv[i]);
		if (keywords[k].parse(c, keywords[k].alone ? NULL : argv[i + 1],
				      e) < 0) {
			/* prefix the message with the command */
			char msg[256];

			snprintf(msg, sizeof(msg), "%s", e->buf);
			return fail(e, "%s: %s", name, msg);
		}
		given |= B(k);
	}
	for (k = 0; k < K_MAX; k++)
		if (ctx_cmds[kind].need & B(k) & ~given)
			return fail(e, "%s: missing '%s'", name, keywords[k].word);
	if (given & B(K_MS) && !(given & B(K_APN)))
		return fail(e, "%s: 'ms' needs 'apn'", name);
	if (kind == GTPU_CTX_DEL)
		return 0;
	/* a downlink: peer and peer TEID, or "downlink none|buffer" */
	if (given & B(K_DOWNLINK) && given & (B(K_PEER) | B(K_PEER_TEID) | B(K_QFI)))
		return fail(e, "%s: 'downlink' goes without 'peer', 'peer-teid' and 'qfi'",
			    name);
	for (k = K_PEER; !(given & B(K_DOWNLINK)) && k <= K_PEER_TEID; k++)
		if (!(given & B(k)))
			return fail(e, "%s: missing '%s'", name, keywords[k].word);
	return 0;
}

static int parse_setup(int argc, char **argv, struct gtpu_cmd *cmd,
		       struct perr *e)
{
	static const struct { const char *word; unsigned int set, clear; } opts[] = {
		{ "lean",	NFGTPU_GW_LEAN,		NFGTPU_GW_SELECTIVE },
		{ "counting",	0,	NFGTPU_GW_LEAN | NFGTPU_GW_SELECTIVE },
		{ "owned",	NFGTPU_GW_OWNED,	0 },
		{ "persistent",	0,			NFGTPU_GW_OWNED },
		{ "ip6",	NFGTPU_GW_PEER6,	0 },
		{ "qfi",	NFGTPU_GW_QFI,		0 },
		{ "buffer",	NFGTPU_GW_BUFFER,	0 },
		{ "mbr",	NFGTPU_GW_MBR,		0 },
		{ "records",	NFGTPU_GW_RECORDS,	0 },
		{ "selective",	NFGTPU_GW_SELECTIVE,	NFGTPU_GW_LEAN },
	};
	/* an access node takes the first four only */
	size_t k, n = ARRAY_SIZE(opts);
	const char *what = "gateway";
	int i = 1;

	if (argc >= 2 && !strcmp(argv[0], "access")) {
		if (!*argv[1] || strlen(argv[1]) >= NFGTPU_IFNAMSIZ)
			return fail(e, "setup access: bad device '%s'", argv[1]);
		cmd->access_dev = argv[1];
		what = "access";
		n = 4;
		i = 2;
	} else if (argc < 1 || strcmp(argv[0], "gateway")) {
		return fail(e, "setup: expected 'gateway' or 'access DEVICE'%s%s%s",
			    argc ? ", not '" : "", argc ? argv[0] : "",
			    argc ? "'" : "");
	}
	for (; i < argc; i++) {
		for (k = 0; k < n; k++)
			if (!strcmp(argv[i], opts[k].word))
				break;
		if (k == n)
			return fail(e, "setup %s: unknown option '%s'", what,
				    argv[i]);
		cmd->gw_flags = (cmd->gw_flags & ~opts[k].clear) | opts[k].set;
	}
	return 0;
}

/* ctx load [--each | --batch N]: how many words the option took */
static int parse_load_opt(int argc, char **argv, struct gtpu_cmd *cmd,
			  struct perr *e)
{
	unsigned long long v;

	if (argc > 1 && !strcmp(argv[1], "--each")) {
		cmd->batch = 1;
		return 1;
	}
	if (argc < 2 || strcmp(argv[1], "--batch"))
		return 0;
	if (argc < 3 || parse_num(argv[2], ULONG_MAX, &v) || !v)
		return fail(e, "ctx load: bad --batch '%s' (1 or more lines)",
			    argc < 3 ? "" : argv[2]);
	cmd->batch = v;
	return 2;
}

static int parse_ctx_cmd(int argc, char **argv, struct gtpu_cmd *cmd,
			 struct perr *e)
{
	static const struct { const char *word; enum gtpu_cmd_kind kind; } cmds[] = {
		{ "add", GTPU_CTX_ADD }, { "mod", GTPU_CTX_MOD },
		{ "modify", GTPU_CTX_MOD }, { "del", GTPU_CTX_DEL },
		{ "delete", GTPU_CTX_DEL }, { "list", GTPU_CTX_LIST },
		{ "load", GTPU_CTX_LOAD },
	};
	int skip;
	size_t k;

	if (argc < 1)
		return fail(e, "ctx: expected add, mod, del, list or load");
	for (k = 0; k < ARRAY_SIZE(cmds); k++)
		if (!strcmp(argv[0], cmds[k].word))
			break;
	if (k == ARRAY_SIZE(cmds))
		return fail(e, "ctx: unknown command '%s'", argv[0]);
	cmd->kind = cmds[k].kind;
	switch (cmd->kind) {
	case GTPU_CTX_LIST:
		if (argc == 1)
			return 0;
		if (strcmp(argv[1], "teid"))
			return fail(e, "ctx list: unexpected '%s'", argv[1]);
		if (argc != 3)
			return fail(e, "ctx list: expected one 'teid TEID'");
		return kw_teid(&cmd->ctx, argv[2], e);
	case GTPU_CTX_LOAD:
		skip = parse_load_opt(argc, argv, cmd, e);
		if (skip < 0)
			return -1;
		argc -= skip;
		argv += skip;
		if (argc != 2)
			return fail(e, "ctx load: expected one FILE%s%s%s",
				    argc > 2 ? ", not '" : "",
				    argc > 2 ? argv[2] : "", argc > 2 ? "'" : "");
		cmd->file = argv[1];
		return 0;
	default:
		return parse_ctx(argc - 1, argv + 1, cmd->kind, &cmd->ctx, e);
	}
}

int gtpu_parse(int argc, char **argv, struct gtpu_cmd *cmd, char *err,
	       size_t errlen)
{
	struct perr e = { err, errlen };

	memset(cmd, 0, sizeof(*cmd));
	if (argc < 1)
		return fail(&e, "expected a command: setup, teardown, show, ctx or stats");
	if (!strcmp(argv[0], "setup")) {
		cmd->kind = GTPU_SETUP;
		return parse_setup(argc - 1, argv + 1, cmd, &e);
	}
	if (!strcmp(argv[0], "teardown")) {
		cmd->kind = GTPU_TEARDOWN;
		if (argc == 2 && !strcmp(argv[1], "access")) {
			cmd->access_dev = "";
			return 0;
		}
		if (argc != 2 || strcmp(argv[1], "gateway"))
			return fail(&e, "teardown: expected 'gateway' or 'access'");
		return 0;
	}
	if (!strcmp(argv[0], "show")) {
		cmd->kind = GTPU_SHOW;
		if (argc != 2 || strcmp(argv[1], "gateway"))
			return fail(&e, "show: expected 'gateway'");
		return 0;
	}
	if (!strcmp(argv[0], "ctx"))
		return parse_ctx_cmd(argc - 1, argv + 1, cmd, &e);
	if (!strcmp(argv[0], "stats")) {
		cmd->kind = GTPU_STATS;
		if (argc == 2 && !strcmp(argv[1], "--prometheus"))
			cmd->prometheus = true;
		else if (argc != 1)
			return fail(&e, "stats: unknown option '%s'", argv[1]);
		return 0;
	}
	return fail(&e, "unknown command '%s'", argv[0]);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* By hand: strsep() looks each octet up in its set of delimiters */
int gtpu_split(char *line, char **argv, int max)
{
	int n = 0;

	for (;;) {
		while (is_blank(*line))
			line++;
		if (!*line)
			return n;
		if (n == max)
			return -1;
		argv[n++] = line;
		while (*line && !is_blank(*line))
			line++;
		if (*line)
			*line++ = '\0';
	}
}
