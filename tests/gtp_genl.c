// SPDX-License-Identifier: GPL-2.0-only
/*
 * gtp_genl: drive the Linux kernel's own GTP driver (drivers/net/gtp.c,
 * module "gtp"), the independent GTP-U peer of the interoperability tests
 * and the baseline of the PDP-context benchmarks.  There is no libgtpnl
 * here: rtnetlink creates the device (with the UDP sockets created by the
 * kernel, IFLA_GTP_CREATE_SOCKETS), the generic netlink family "gtp"
 * adds, deletes and lists its PDP contexts and sends Echo Requests, all
 * with libmnl.
 *
 * Every PDP context is one netlink message with its own acknowledgment,
 * as the driver's users (libgtpnl) do; a batch read from stdin can put
 * several of those messages into one sendmsg() (-w), which saves system
 * calls but changes nothing in what the kernel does per context.
 *
 * The IPv6 attributes (Linux 6.10) are used only when the running
 * kernel's family declares them (its maxattr), so that an older kernel,
 * which would silently ignore them, gets a clear refusal instead.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/gtp.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nl_talk.h"

/*
 * Newer than the system's uapi headers (Debian 12's are Linux 6.1): the
 * values are ABI.  The Makefile probes for them (HAVE_*), since enum
 * members are invisible to the preprocessor.
 */
#ifndef HAVE_GTPA_FAMILY
#define GTPA_PEER_ADDR6		(GTPA_PAD + 1)	/* Linux 6.10 */
#define GTPA_MS_ADDR6		(GTPA_PAD + 2)
#define GTPA_FAMILY		(GTPA_PAD + 3)
#endif
#ifndef HAVE_IFLA_GTP_LOCAL6
#define IFLA_GTP_LOCAL		(IFLA_GTP_RESTART_COUNT + 1)	/* Linux 6.10 */
#define IFLA_GTP_LOCAL6		(IFLA_GTP_RESTART_COUNT + 2)
#endif
#ifndef HAVE_GTP_CMD_ECHOREQ
#define GTP_CMD_ECHOREQ		(GTP_CMD_GETPDP + 1)		/* Linux 5.19 */
#endif

#define PROG		"gtp_genl"
#define ATTR_MAX	32		/* above any GTPA_* of today */
#define MSG_MAX		256		/* one PDP command, with room */
#define WINDOW_MAX	4096
#define NOT_GTP_CMD	0xff		/* report(): an rtnetlink or ctrl request */

static const char usage_text[] =
"usage: " PROG " [-v] [-w N] COMMAND\n"
"\n"
"  info                       the gtp family: id, maxattr, IPv6 and echo support\n"
"  link add DEV role ggsn|sgsn [hsize N] [restart N] [local ADDR]\n"
"                             a gtp device whose UDP sockets (2152, 3386) the\n"
"                             kernel creates; local: their address, IPv6 makes\n"
"                             an IPv6 transport (Linux 6.10+)\n"
"  link del DEV\n"
"  add DEV v1 I_TEI O_TEI MS PEER\n"
"  add DEV v0 TID MS PEER [FLOW]\n"
"                             MS: IPv4 address, or IPv6 /64 prefix with a zero\n"
"                             interface identifier (6.10+); PEER's family must\n"
"                             be the device's transport family\n"
"  del DEV v1 I_TEI [ip|ip6]  (ip6: the context of an IPv6 MS, 6.10+)\n"
"  del DEV v0 TID [ip|ip6]\n"
"  del DEV ms MS\n"
"  get DEV v1 I_TEI [ip|ip6] | get DEV v0 TID [ip|ip6] | get DEV ms MS\n"
"  list [DEV]                 one \"add ...\" line per context (batch syntax)\n"
"  echo DEV v1|v0 PEER [SRC] [TIMEOUT_MS]\n"
"                             Echo Request to PEER (IPv4), wait for its\n"
"                             response (default 2000 ms)\n"
"  batch                      add/del commands from stdin, one per line, as\n"
"                             above without \"" PROG "\"; '#' comments\n"
"  gen add|del DEV N [-r SEED] [-t FIRST_TEI] [-o O_TEI_OFFSET] [-m MS_POOL]\n"
"                    [-p PEER]\n"
"                             print N batch lines: TEIs FIRST_TEI (1)... and\n"
"                             MS addresses from MS_POOL (10.64.0.0/10; IPv6:\n"
"                             a pool of /64s, e.g. 2001:db8:100::/40) in order,\n"
"                             or with -r pseudo-random and unique; O_TEI =\n"
"                             I_TEI + O_TEI_OFFSET (0); PEER 192.0.2.1\n"
"\n"
"  -w N   batch: N messages per sendmsg(), each context still its own\n"
"         message and acknowledgment (default 1: send, wait, as libgtpnl)\n"
"  -v     batch: print the count, time and rate to stderr\n"
"\n"
"Numbers are decimal or 0x hexadecimal.  Exit status: 0 success, 1 the\n"
"kernel refused something (every failure is reported), 2 usage error.\n";

struct gtp_nl {
	struct mnl_socket *nl;
	uint32_t seq;
	uint16_t id;		/* generic netlink id of "gtp" */
	uint32_t maxattr;	/* the kernel's GTPA_MAX */
	uint32_t mcgrp;		/* multicast group "gtp", 0 if none */
	bool echo;		/* the family has GTP_CMD_ECHOREQ */
};

/* One add/del/get command, parsed */
struct pdp {
	uint8_t cmd;		/* GTP_CMD_* */
	uint32_t ifindex;
	uint32_t version;
	uint64_t tid;		/* v0 TID, v1 I_TEI */
	uint32_t o_tei;
	uint16_t flow;
	int ms_af, peer_af;	/* 0: absent */
	struct in6_addr ms, peer;	/* IPv4 in the first 4 bytes */
	int key_af;		/* del/get by TID: the context's family, 0 */
	bool by_ms;
};

static bool verbose;
static unsigned int window = 1;

/* Exit with @status: 2 for a usage error, which gets a hint, 1 otherwise. */
static void __attribute__((noreturn, format(printf, 2, 0)))
vquit(int status, const char *fmt, va_list ap)
{
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(status == 2 ? "\nTry '" PROG " -h' for more information.\n" : "\n",
	      stderr);
	exit(status);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vquit(2, fmt, ap);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vquit(1, fmt, ap);
}

static void __attribute__((noreturn)) die(const char *what)
{
	fail("%s: %s", what, strerror(errno));
}

/* Parsing: a usage error in a batch line is reported with its number */

static unsigned long cur_line;
static char parse_err[256];

static bool __attribute__((format(printf, 1, 2)))
bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(parse_err, sizeof(parse_err), fmt, ap);
	va_end(ap);
	return false;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *v, const char *what)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 0);
	if (!isdigit((unsigned char)*s) || *end || errno || n > max)
		return bad("bad %s '%s'", what, s);
	*v = n;
	return true;
}

static bool parse_addr(const char *s, struct in6_addr *a, int *af,
		       const char *what)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a) == 1)
		*af = AF_INET;
	else if (inet_pton(AF_INET6, s, a) == 1)
		*af = AF_INET6;
	else
		return bad("bad %s address '%s'", what, s);
	return true;
}

/* if_nametoindex() once per name: a batch names one device many times */
static bool dev_index(const char *name, uint32_t *ifindex)
{
	static char last[IF_NAMESIZE];
	static uint32_t last_index;

	if (!last_index || strncmp(name, last, sizeof(last))) {
		last_index = if_nametoindex(name);
		if (!last_index)
			return bad("no such device '%s'", name);
		snprintf(last, sizeof(last), "%s", name);
	}
	*ifindex = last_index;
	return true;
}

static bool parse_version(const char *s, uint32_t *v)
{
	if (!strcmp(s, "v1"))
		*v = GTP_V1;
	else if (!strcmp(s, "v0"))
		*v = GTP_V0;
	else
		return bad("bad GTP version '%s' (v0 or v1)", s);
	return true;
}

static bool parse_add(struct pdp *p, int argc, char **argv)
{
	uint64_t v;
	int i = 3;

	if (p->version == GTP_V1 ? argc != 7 : argc != 6 && argc != 7)
		return bad("add DEV v1 I_TEI O_TEI MS PEER | add DEV v0 TID MS PEER [FLOW]");
	if (!parse_u64(argv[i++], p->version == GTP_V1 ? UINT32_MAX : UINT64_MAX,
		       &p->tid, p->version == GTP_V1 ? "I_TEI" : "TID"))
		return false;
	if (p->version == GTP_V1) {
		if (!parse_u64(argv[i++], UINT32_MAX, &v, "O_TEI"))
			return false;
		p->o_tei = v;
	}
	if (!parse_addr(argv[i++], &p->ms, &p->ms_af, "MS") ||
	    !parse_addr(argv[i++], &p->peer, &p->peer_af, "peer"))
		return false;
	if (i < argc) {
		if (!parse_u64(argv[i], UINT16_MAX, &v, "flow label"))
			return false;
		p->flow = v;
	}
	return true;
}

/* del/get: by TID/TEI, optionally with the context's family, or by MS */
static bool parse_key(struct pdp *p, int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[2], "ms")) {
		p->by_ms = true;
		p->version = GTP_V1;	/* required, unused with an MS address */
		return parse_addr(argv[3], &p->ms, &p->ms_af, "MS");
	}
	if (argc != 4 && argc != 5)
		return bad("%s DEV v1|v0 TEI [ip|ip6] | %s DEV ms MS", argv[0], argv[0]);
	if (!parse_version(argv[2], &p->version) ||
	    !parse_u64(argv[3], p->version == GTP_V1 ? UINT32_MAX : UINT64_MAX,
		       &p->tid, "TEI"))
		return false;
	if (argc == 5) {
		if (!strcmp(argv[4], "ip"))
			p->key_af = AF_INET;
		else if (!strcmp(argv[4], "ip6"))
			p->key_af = AF_INET6;
		else
			return bad("bad family '%s' (ip or ip6)", argv[4]);
	}
	return true;
}

static bool parse_pdp(struct pdp *p, int argc, char **argv)
{
	memset(p, 0, sizeof(*p));
	if (!strcmp(argv[0], "add"))
		p->cmd = GTP_CMD_NEWPDP;
	else if (!strcmp(argv[0], "del"))
		p->cmd = GTP_CMD_DELPDP;
	else if (!strcmp(argv[0], "get"))
		p->cmd = GTP_CMD_GETPDP;
	else
		return bad("unknown command '%s'", argv[0]);
	if (argc < 2)
		return bad("%s: missing device", argv[0]);
	if (!dev_index(argv[1], &p->ifindex))
		return false;
	if (p->cmd != GTP_CMD_NEWPDP)
		return parse_key(p, argc, argv);
	if (argc < 3 || !parse_version(argv[2], &p->version))
		return argc < 3 ? bad("add: missing version") : false;
	return parse_add(p, argc, argv);
}

/* Messages */

static struct nlmsghdr *genl_msg(char *buf, uint16_t type, uint16_t flags,
				 uint32_t seq, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = nl_talk_put_request(buf, type, flags, seq);
	struct genlmsghdr *genl;

	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

static bool has_ipv6(const struct gtp_nl *g)
{
	return g->maxattr >= GTPA_FAMILY;
}

static void put_addr(struct nlmsghdr *nlh, uint16_t attr4, uint16_t attr6,
		     int af, const struct in6_addr *a)
{
	if (af == AF_INET)
		mnl_attr_put(nlh, attr4, sizeof(struct in_addr), a);
	else
		mnl_attr_put(nlh, attr6, sizeof(*a), a);
}

static bool check_ipv6(const struct gtp_nl *g, const struct pdp *p)
{
	if (has_ipv6(g) ||
	    (p->ms_af != AF_INET6 && p->peer_af != AF_INET6 && p->key_af != AF_INET6))
		return true;
	return bad("this kernel's gtp driver has no IPv6 support (genl maxattr %u < %u, Linux 6.10 added it)",
		   g->maxattr, GTPA_FAMILY);
}

static struct nlmsghdr *put_pdp(const struct gtp_nl *g, char *buf, uint32_t seq,
				const struct pdp *p)
{
	bool add = p->cmd == GTP_CMD_NEWPDP;
	struct nlmsghdr *nlh;
	int family;

	/* NLM_F_EXCL: an existing context is an error, not updated */
	nlh = genl_msg(buf, g->id, NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0),
		       seq, p->cmd, 0);
	mnl_attr_put_u32(nlh, GTPA_LINK, p->ifindex);
	mnl_attr_put_u32(nlh, GTPA_VERSION, p->version);
	/* the MS family, or the one of the context a TEI/TID names */
	family = add || p->by_ms ? p->ms_af : p->key_af;
	if (add || !p->by_ms) {
		if (p->version == GTP_V0)
			mnl_attr_put_u64(nlh, GTPA_TID, p->tid);
		else
			mnl_attr_put_u32(nlh, GTPA_I_TEI, p->tid);
	}
	if (add) {
		if (p->version == GTP_V0)
			mnl_attr_put_u16(nlh, GTPA_FLOW, p->flow);
		else
			mnl_attr_put_u32(nlh, GTPA_O_TEI, p->o_tei);
		put_addr(nlh, GTPA_PEER_ADDRESS, GTPA_PEER_ADDR6, p->peer_af, &p->peer);
	}
	if (p->ms_af)
		put_addr(nlh, GTPA_MS_ADDRESS, GTPA_MS_ADDR6, p->ms_af, &p->ms);
	if (family && has_ipv6(g))
		mnl_attr_put_u8(nlh, GTPA_FAMILY, family);
	return nlh;
}

/* Answers */

/* Send one request, wait for its answer: 0 or a positive errno */
static int talk(struct mnl_socket *nl, struct nlmsghdr *nlh, struct nl_talk *t)
{
	t->seq = nlh->nlmsg_seq;
	if (nl_talk(nl, nlh, nlh->nlmsg_len, t) < 0)
		die("netlink");
	return t->error.err;
}

/* What an errno from the gtp driver most likely means */
static const char *hint(uint8_t cmd, int err)
{
	if (cmd == NOT_GTP_CMD)
		return NULL;
	switch (err) {
	case ENODEV:
		return cmd == GTP_CMD_ECHOREQ ? "not a gtp device" :
			"not a gtp device, or it has no socket for this GTP version";
	case EEXIST:
		return "a context with this TEI/TID or MS address exists";
	case ENOENT:
		return "no such context";
	case EADDRNOTAVAIL:
		return "an IPv6 MS address is a /64 prefix: its interface identifier must be zero";
	case EAFNOSUPPORT:
		return "the peer's address family is not the device's transport (local) family";
	case EOPNOTSUPP:
		return cmd == GTP_CMD_ECHOREQ ?
			"echo needs a device whose sockets the kernel created" : NULL;
	case ENETDOWN:
		return "the device is down";
	default:
		return NULL;
	}
}

static void report(const char *what, uint8_t cmd, const struct nl_ack *a)
{
	const char *h = hint(cmd, a->err);

	fprintf(stderr, PROG ": %s: %s", what, strerror(a->err));
	if (*a->msg)
		fprintf(stderr, " (%s)", a->msg);
	if (h)
		fprintf(stderr, ": %s", h);
	fputc('\n', stderr);
}

/* The generic netlink family */

static int grp_cb(const struct nlattr *grp, struct gtp_nl *g)
{
	const struct nlattr *a, *id = NULL;
	bool ours = false;

	mnl_attr_for_each_nested(a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			ours = !strcmp(mnl_attr_get_str(a), GTP_GENL_MCGRP_NAME);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
			 mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			id = a;
	}
	if (ours && id)
		g->mcgrp = mnl_attr_get_u32(id);
	return MNL_CB_OK;
}

static void op_cb(const struct nlattr *op, struct gtp_nl *g)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, op)
		if (mnl_attr_get_type(a) == CTRL_ATTR_OP_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) >= 0 &&
		    mnl_attr_get_u32(a) == GTP_CMD_ECHOREQ)
			g->echo = true;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a, *n;
	struct gtp_nl *g = data;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			g->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MAXATTR:
			g->maxattr = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(n, a)
				grp_cb(n, g);
			break;
		case CTRL_ATTR_OPS:
			mnl_attr_for_each_nested(n, a)
				op_cb(n, g);
			break;
		}
	}
	return MNL_CB_OK;
}

static struct mnl_socket *nl_open(int bus)
{
	struct mnl_socket *nl = nl_talk_open(bus, 0);

	if (!nl)
		die("netlink socket");
	return nl;
}

/* Open the socket and resolve "gtp" (which loads the module if need be) */
static void genl_open(struct gtp_nl *g)
{
	char buf[MSG_MAX];
	struct nl_talk t = { .data_cb = family_cb, .data = g };
	struct nlmsghdr *nlh;

	memset(g, 0, sizeof(*g));
	g->nl = nl_open(NETLINK_GENERIC);
	g->seq = time(NULL);
	nlh = genl_msg(buf, GENL_ID_CTRL, NLM_F_ACK, ++g->seq,
		       CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "gtp");
	if (talk(g->nl, nlh, &t) == ENOENT)
		fail("the generic netlink family \"gtp\" is not registered: is the gtp module available (modprobe gtp)?");
	if (t.error.err) {
		report("resolving the generic netlink family \"gtp\"", NOT_GTP_CMD, &t.error);
		exit(1);
	}
	if (!g->id)
		fail("no id for the generic netlink family \"gtp\"");
}

static int cmd_info(void)
{
	struct gtp_nl g;

	genl_open(&g);
	printf("family gtp id %u maxattr %u\n", g.id, g.maxattr);
	printf("ipv6 %s\n", has_ipv6(&g) ? "yes" : "no");
	printf("echo %s\n", g.echo ? "yes" : "no");
	printf("mcast-group %u\n", g.mcgrp);
	return 0;
}

/* PDP contexts */

static void print_addr(const struct nlattr *a)
{
	char s[INET6_ADDRSTRLEN];
	int af = mnl_attr_get_payload_len(a) == 16 ? AF_INET6 : AF_INET;

	if (mnl_attr_get_payload_len(a) != 16 && mnl_attr_get_payload_len(a) != 4)
		fputs(" ?", stdout);
	else
		printf(" %s", inet_ntop(af, mnl_attr_get_payload(a), s, sizeof(s)));
}

struct list_filter {
	uint32_t ifindex;	/* 0: all */
	unsigned long n;
};

static int pdp_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[ATTR_MAX + 1] = {}, *a;
	struct list_filter *f = data;
	char name[IF_NAMESIZE];
	uint32_t ifindex;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) <= ATTR_MAX)
			tb[mnl_attr_get_type(a)] = a;
	if (!tb[GTPA_LINK] || !tb[GTPA_VERSION])
		return MNL_CB_OK;
	ifindex = mnl_attr_get_u32(tb[GTPA_LINK]);
	if (f->ifindex && ifindex != f->ifindex)
		return MNL_CB_OK;
	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "if%u", ifindex);
	if (mnl_attr_get_u32(tb[GTPA_VERSION]) == GTP_V1 && tb[GTPA_I_TEI] && tb[GTPA_O_TEI])
		printf("add %s v1 0x%x 0x%x", name, mnl_attr_get_u32(tb[GTPA_I_TEI]),
		       mnl_attr_get_u32(tb[GTPA_O_TEI]));
	else if (tb[GTPA_TID])
		printf("add %s v0 0x%llx", name,
		       (unsigned long long)mnl_attr_get_u64(tb[GTPA_TID]));
	else
		return MNL_CB_OK;
	print_addr(tb[GTPA_MS_ADDRESS] ? tb[GTPA_MS_ADDRESS] : tb[GTPA_MS_ADDR6]);
	print_addr(tb[GTPA_PEER_ADDRESS] ? tb[GTPA_PEER_ADDRESS] : tb[GTPA_PEER_ADDR6]);
	if (mnl_attr_get_u32(tb[GTPA_VERSION]) == GTP_V0 && tb[GTPA_FLOW])
		printf(" %u", mnl_attr_get_u16(tb[GTPA_FLOW]));
	putchar('\n');
	f->n++;
	return MNL_CB_OK;
}

static int cmd_list(int argc, char **argv)
{
	char buf[MSG_MAX];
	struct list_filter f = {};
	struct nl_talk t = { .data_cb = pdp_cb, .data = &f };
	struct nlmsghdr *nlh;
	struct gtp_nl g;

	if (argc > 2)
		usage_err("list [DEV]");
	if (argc == 2 && !dev_index(argv[1], &f.ifindex))
		usage_err("%s", parse_err);
	genl_open(&g);
	nlh = genl_msg(buf, g.id, NLM_F_DUMP, ++g.seq, GTP_CMD_GETPDP, 0);
	if (talk(g.nl, nlh, &t)) {
		report("listing PDP contexts", GTP_CMD_GETPDP, &t.error);
		return 1;
	}
	return 0;
}

/* add, del, get on the command line */
static int cmd_pdp(int argc, char **argv)
{
	char buf[MSG_MAX];
	struct list_filter f = {};
	struct nl_talk t = { .data_cb = pdp_cb, .data = &f };
	struct gtp_nl g;
	struct pdp p;

	if (!parse_pdp(&p, argc, argv))
		usage_err("%s", parse_err);
	genl_open(&g);
	if (!check_ipv6(&g, &p))
		fail("%s", parse_err);
	if (talk(g.nl, put_pdp(&g, buf, ++g.seq, &p), &t)) {
		report(argv[0], p.cmd, &t.error);
		return 1;
	}
	return 0;
}

/*
 * Batch: up to "window" messages in one sendmsg(); the generic netlink
 * core handles them one by one within that call and queues one
 * acknowledgment (or error) for each, which the receive buffer must hold.
 */
struct batch {
	struct gtp_nl *g;
	char *buf;
	size_t len;
	unsigned int n;		/* messages in buf */
	uint32_t first_seq;
	char (*text)[MSG_MAX];	/* each message's input line */
	unsigned long *line;
	uint8_t *cmd;
	unsigned int acked;	/* answers read of the n */
	unsigned long done, failed;
};

static int batch_ack_cb(const struct nl_ack *ack, void *data)
{
	struct batch *b = data;
	uint32_t i = ack->seq - b->first_seq;

	if (i >= b->n)
		fail("answer to an unknown request (sequence %u)", ack->seq);
	if (ack->err) {
		char what[MSG_MAX + 32];

		snprintf(what, sizeof(what), "line %lu: %s", b->line[i], b->text[i]);
		report(what, b->cmd[i], ack);
		b->failed++;
	}
	return ++b->acked < b->n ? MNL_CB_OK : MNL_CB_STOP;
}

static void batch_flush(struct batch *b)
{
	struct nl_talk t = { .ack_cb = batch_ack_cb, .data = b };

	if (!b->n)
		return;
	b->acked = 0;
	if (nl_talk(b->g->nl, b->buf, b->len, &t) < 0) {
		if (errno == ENOBUFS)
			fail("acknowledgments lost: the socket's receive buffer overflowed, use a smaller -w");
		die("netlink");
	}
	b->done += b->n;
	b->n = 0;
	b->len = 0;
}

static void batch_add(struct batch *b, const struct pdp *p, const char *text)
{
	struct nlmsghdr *nlh;

	if (!b->n)
		b->first_seq = b->g->seq + 1;
	nlh = put_pdp(b->g, b->buf + b->len, ++b->g->seq, p);
	b->len += nlh->nlmsg_len;
	snprintf(b->text[b->n], MSG_MAX, "%s", text);
	b->line[b->n] = cur_line;
	b->cmd[b->n] = p->cmd;
	if (++b->n == window)
		batch_flush(b);
}

/* Split a line into words in place: the number of words */
static int split(char *s, char **argv, int max)
{
	int argc = 0;
	char *save;

	for (s = strtok_r(s, " \t\r\n", &save); s && argc < max;
	     s = strtok_r(NULL, " \t\r\n", &save)) {
		if (*s == '#')
			break;
		argv[argc++] = s;
	}
	return s && *s != '#' ? -1 : argc;
}

static void set_rcvbuf(struct mnl_socket *nl, int size)
{
	int fd = mnl_socket_get_fd(nl);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool batch_parse(struct batch *b, struct pdp *p, int argc, char **argv)
{
	if (argc < 0)
		return bad("too many words");
	if (!parse_pdp(p, argc, argv))
		return false;
	/* every IPv6 line would fail the same way: stop at the first */
	if (!check_ipv6(b->g, p)) {
		batch_flush(b);
		fail("line %lu: %s", cur_line, parse_err);
	}
	if (p->cmd == GTP_CMD_GETPDP)
		return bad("get is not a batch command");
	return true;
}

static int cmd_batch(int argc)
{
	char line[1024], text[MSG_MAX], *argv[16];
	struct batch b = {};
	unsigned long bad_lines = 0;
	struct gtp_nl g;
	struct pdp p;
	double t0;
	int n;

	if (argc != 1)
		usage_err("batch takes its commands from stdin");
	genl_open(&g);
	set_rcvbuf(g.nl, window * 2048 > 262144 ? window * 2048 : 262144);
	b.g = &g;
	b.buf = malloc(window * MSG_MAX);
	b.text = malloc(window * sizeof(*b.text));
	b.line = malloc(window * sizeof(*b.line));
	b.cmd = malloc(window);
	if (!b.buf || !b.text || !b.line || !b.cmd)
		die("malloc");
	t0 = now();
	while (fgets(line, sizeof(line), stdin)) {
		cur_line++;
		snprintf(text, sizeof(text), "%.*s", (int)strcspn(line, "\r\n"), line);
		n = split(line, argv, MNL_ARRAY_SIZE(argv));
		if (!n)
			continue;
		if (!batch_parse(&b, &p, n, argv)) {
			fprintf(stderr, PROG ": line %lu: %s: %s\n", cur_line, text, parse_err);
			bad_lines++;
			continue;
		}
		batch_add(&b, &p, text);
	}
	if (ferror(stdin))
		die("reading stdin");
	batch_flush(&b);
	if (verbose) {
		double t = now() - t0;

		fprintf(stderr, PROG ": %lu commands in %.3f s (%.0f/s), %lu failed, %lu bad lines, window %u\n",
			b.done, t, t > 0 ? b.done / t : 0.0, b.failed, bad_lines, window);
	}
	return b.failed || bad_lines ? 1 : 0;
}

/* Echo: the response comes as a multicast GTP_CMD_ECHOREQ message */

struct echo_wait {
	struct in_addr peer;
	bool seen;
};

static int echo_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct echo_wait *w = data;
	const struct nlattr *a;

	if (genl->cmd != GTP_CMD_ECHOREQ)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*genl))
		if (mnl_attr_get_type(a) == GTPA_PEER_ADDRESS &&
		    mnl_attr_get_payload_len(a) == 4 &&
		    !memcmp(mnl_attr_get_payload(a), &w->peer, 4))
			w->seen = true;
	return MNL_CB_OK;
}

static void echo_wait(struct gtp_nl *g, struct nl_talk *t, int timeout_ms)
{
	struct echo_wait *w = t->data;
	double end = now() + timeout_ms / 1e3;
	struct pollfd pfd = { .fd = mnl_socket_get_fd(g->nl), .events = POLLIN };

	while (!w->seen && now() < end) {
		if (poll(&pfd, 1, (end - now()) * 1e3 + 1) <= 0)
			continue;
		if (nl_talk_recv(g->nl, t) < 0)
			die("netlink");
	}
}

static int cmd_echo(int argc, char **argv)
{
	char buf[MSG_MAX];
	struct echo_wait w = {};
	struct nl_talk t = { .data_cb = echo_cb, .data = &w };
	struct in_addr src = {};
	struct nlmsghdr *nlh;
	uint64_t timeout = 2000;
	uint32_t ifindex, version = GTP_V1;
	struct gtp_nl g;

	if (argc < 4 || argc > 6)
		usage_err("echo DEV v1|v0 PEER [SRC] [TIMEOUT_MS]");
	if (!dev_index(argv[1], &ifindex) || !parse_version(argv[2], &version) ||
	    (argc == 6 && !parse_u64(argv[5], 600000, &timeout, "timeout")))
		usage_err("%s", parse_err);
	if (inet_pton(AF_INET, argv[3], &w.peer) != 1 ||
	    (argc >= 5 && inet_pton(AF_INET, argv[4], &src) != 1))
		usage_err("echo: PEER and SRC are IPv4 addresses (the driver's echo is IPv4 only)");
	genl_open(&g);
	if (!g.echo)
		fail("this kernel's gtp driver cannot send Echo Requests (no GTP_CMD_ECHOREQ, Linux 5.19 added it)");
	if (!g.mcgrp)
		fail("the gtp family has no multicast group for the echo response");
	if (mnl_socket_setsockopt(g.nl, NETLINK_ADD_MEMBERSHIP, &g.mcgrp, sizeof(g.mcgrp)) < 0)
		die("joining the gtp multicast group");
	nlh = genl_msg(buf, g.id, NLM_F_ACK, ++g.seq, GTP_CMD_ECHOREQ, 0);
	mnl_attr_put_u32(nlh, GTPA_LINK, ifindex);
	mnl_attr_put_u32(nlh, GTPA_VERSION, version);
	mnl_attr_put(nlh, GTPA_PEER_ADDRESS, 4, &w.peer);
	mnl_attr_put(nlh, GTPA_MS_ADDRESS, 4, &src);
	if (talk(g.nl, nlh, &t)) {
		report("echo", GTP_CMD_ECHOREQ, &t.error);
		return 1;
	}
	echo_wait(&g, &t, timeout);
	if (!w.seen)
		fail("no Echo Response from %s within %llu ms", argv[3],
		     (unsigned long long)timeout);
	printf("echo response from %s (GTPv%u)\n", argv[3], version);
	return 0;
}

/* Links, through rtnetlink */

static void put_link_data(struct nlmsghdr *nlh, int argc, char **argv,
			  bool *local)
{
	struct in6_addr addr;
	struct nlattr *data;
	bool role = false;
	uint64_t v;
	int i, af;

	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u8(nlh, IFLA_GTP_CREATE_SOCKETS, 1);
	for (i = 3; i < argc; i += 2) {
		if (i + 1 >= argc)
			usage_err("link add: '%s' needs a value", argv[i]);
		if (!strcmp(argv[i], "role")) {
			if (strcmp(argv[i + 1], "ggsn") && strcmp(argv[i + 1], "sgsn"))
				usage_err("bad role '%s' (ggsn or sgsn)", argv[i + 1]);
			mnl_attr_put_u32(nlh, IFLA_GTP_ROLE, strcmp(argv[i + 1], "ggsn") ?
					 GTP_ROLE_SGSN : GTP_ROLE_GGSN);
			role = true;
		} else if (!strcmp(argv[i], "hsize")) {
			if (!parse_u64(argv[i + 1], INT32_MAX, &v, "hash size") || !v)
				usage_err("%s", *parse_err ? parse_err : "hash size 0");
			mnl_attr_put_u32(nlh, IFLA_GTP_PDP_HASHSIZE, v);
		} else if (!strcmp(argv[i], "restart")) {
			if (!parse_u64(argv[i + 1], UINT8_MAX, &v, "restart count"))
				usage_err("%s", parse_err);
			mnl_attr_put_u8(nlh, IFLA_GTP_RESTART_COUNT, v);
		} else if (!strcmp(argv[i], "local")) {
			if (!parse_addr(argv[i + 1], &addr, &af, "local"))
				usage_err("%s", parse_err);
			if (af == AF_INET)
				mnl_attr_put(nlh, IFLA_GTP_LOCAL, 4, &addr);
			else
				mnl_attr_put(nlh, IFLA_GTP_LOCAL6, sizeof(addr), &addr);
			*local = true;
		} else {
			usage_err("link add: unknown option '%s'", argv[i]);
		}
	}
	if (!role)
		usage_err("link add: a role is needed (ggsn or sgsn)");
	mnl_attr_nest_end(nlh, data);
}

static int cmd_link(int argc, char **argv)
{
	char buf[MSG_MAX];
	struct nl_talk t = {};
	struct mnl_socket *nl;
	struct nlattr *linkinfo;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	bool add, local = false;
	struct gtp_nl g;

	if (argc < 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "del")))
		usage_err("link add DEV role ggsn|sgsn [...] | link del DEV");
	add = !strcmp(argv[1], "add");
	if (strlen(argv[2]) >= IF_NAMESIZE)
		usage_err("device name '%s' too long", argv[2]);
	if (!add && argc != 3)
		usage_err("link del DEV");
	nlh = nl_talk_put_request(buf, add ? RTM_NEWLINK : RTM_DELLINK,
				  NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0),
				  time(NULL));
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, argv[2]);
	if (add) {
		linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "gtp");
		put_link_data(nlh, argc, argv, &local);
		mnl_attr_nest_end(nlh, linkinfo);
	}
	/* An older kernel would ignore IFLA_GTP_LOCAL*: refuse instead */
	if (local) {
		genl_open(&g);
		if (!has_ipv6(&g))
			fail("this kernel's gtp driver has no 'local' (IFLA_GTP_LOCAL/LOCAL6, Linux 6.10)");
		mnl_socket_close(g.nl);
	}
	nl = nl_open(NETLINK_ROUTE);
	if (talk(nl, nlh, &t)) {
		report(add ? "link add" : "link del", NOT_GTP_CMD, &t.error);
		if (t.error.err == EADDRINUSE)
			fputs(PROG ": UDP port 2152 or 3386 is taken in this network namespace (another gtp device?)\n",
			      stderr);
		else if (t.error.err == ENOMEM && add)
			fputs(PROG ": the hash tables are kmalloc()ed: hsize is limited to about 524288\n",
			      stderr);
		return 1;
	}
	return 0;
}

/*
 * gen: N contexts.  With a seed, TEIs and MS addresses are unique
 * pseudo-random values: a seeded bijection of the index space, walked
 * again whenever it lands on 0 (cycle walking keeps it a bijection of
 * the non-zero values).
 */
struct gen {
	uint64_t key[3];
	bool random;
	uint32_t first_tei, o_offset;
	int ms_af;
	struct in6_addr pool;
	unsigned int pool_bits;	/* host (IPv6: /64 prefix) bits */
	char peer[INET6_ADDRSTRLEN];
};

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A bijection of [0, 2^bits), bits <= 32: odd multiplies and xorshifts */
static uint64_t permute(const struct gen *g, uint64_t x, unsigned int bits)
{
	uint64_t mask = (1ULL << bits) - 1;
	unsigned int r;

	for (r = 0; r < 3; r++) {
		x = (x * (g->key[r] | 1) + (g->key[r] >> 32)) & mask;
		x ^= x >> ((bits + 1) / 2);
	}
	return x;
}

static uint64_t pick(const struct gen *g, uint64_t i, unsigned int bits)
{
	uint64_t x = i + 1;

	if (!g->random)
		return x;
	do
		x = permute(g, x, bits);
	while (!x);
	return x;
}

static void ms_addr(const struct gen *g, uint64_t host, char *s)
{
	struct in6_addr a = g->pool;
	uint64_t hi = 0;
	int i;

	if (g->ms_af == AF_INET) {
		uint32_t v;

		memcpy(&v, &a, 4);
		v = htonl(ntohl(v) + host);
		memcpy(&a, &v, 4);
	} else {
		for (i = 0; i < 8; i++)
			hi = hi << 8 | a.s6_addr[i];
		hi += host;
		for (i = 7; i >= 0; i--, hi >>= 8)
			a.s6_addr[i] = hi & 0xff;
	}
	inet_ntop(g->ms_af, &a, s, INET6_ADDRSTRLEN);
}

static void parse_pool(struct gen *g, const char *arg)
{
	char s[INET6_ADDRSTRLEN + 4], *slash;
	uint64_t plen;
	int max;

	snprintf(s, sizeof(s), "%s", arg);
	slash = strchr(s, '/');
	if (!slash)
		usage_err("MS pool '%s' without /length", arg);
	*slash = '\0';
	if (!parse_addr(s, &g->pool, &g->ms_af, "MS pool"))
		usage_err("%s", parse_err);
	max = g->ms_af == AF_INET ? 32 : 64;
	if (!parse_u64(slash + 1, max, &plen, "MS pool length") || plen + 32 < (uint64_t)max)
		usage_err("MS pool length '%s': /%d to /%d", slash + 1, max - 32, max);
	g->pool_bits = max - plen;
}

static int cmd_gen(int argc, char **argv)
{
	struct gen g = { .first_tei = 1, .ms_af = AF_INET, .pool_bits = 22 };
	uint64_t n, i, v, tei, seed = 0;
	char ms[INET6_ADDRSTRLEN];
	struct in6_addr peer;
	bool add;
	int opt, af;

	inet_pton(AF_INET, "10.64.0.0", &g.pool);
	snprintf(g.peer, sizeof(g.peer), "192.0.2.1");
	optind = 0;
	while ((opt = getopt(argc, argv, "r:t:o:m:p:")) != -1) {
		switch (opt) {
		case 'r':
			if (!parse_u64(optarg, UINT64_MAX, &seed, "seed"))
				usage_err("%s", parse_err);
			g.random = true;
			break;
		case 't':
		case 'o':
			if (!parse_u64(optarg, UINT32_MAX, &v, opt == 't' ? "first TEI" : "offset"))
				usage_err("%s", parse_err);
			*(opt == 't' ? &g.first_tei : &g.o_offset) = v;
			break;
		case 'm':
			parse_pool(&g, optarg);
			break;
		case 'p':
			if (!parse_addr(optarg, &peer, &af, "peer"))
				usage_err("%s", parse_err);
			snprintf(g.peer, sizeof(g.peer), "%s", optarg);
			break;
		default:
			usage_err("gen: bad option");
		}
	}
	argv += optind;
	if (argc - optind != 3 || (strcmp(argv[0], "add") && strcmp(argv[0], "del")))
		usage_err("gen add|del DEV N [options]");
	add = !strcmp(argv[0], "add");
	if (!parse_u64(argv[2], UINT32_MAX - 1, &n, "count"))
		usage_err("%s", parse_err);
	if (n >= 1ULL << g.pool_bits)
		usage_err("the MS pool holds %llu addresses, fewer than %llu",
			  (1ULL << g.pool_bits) - 1, (unsigned long long)n);
	if (!g.random && g.first_tei + n - 1 > UINT32_MAX)
		usage_err("TEIs from %u: %llu do not fit in 32 bits", g.first_tei,
			  (unsigned long long)n);
	for (i = 0; i < 3; i++)
		g.key[i] = splitmix64(&seed);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	for (i = 0; i < n; i++) {
		tei = g.random ? pick(&g, i, 32) : g.first_tei + i;
		if (!add) {
			printf("del %s v1 0x%llx%s\n", argv[1],
			       (unsigned long long)tei, g.ms_af == AF_INET6 ? " ip6" : "");
			continue;
		}
		ms_addr(&g, pick(&g, i, g.pool_bits), ms);
		printf("add %s v1 0x%llx 0x%x %s %s\n", argv[1],
		       (unsigned long long)tei, (uint32_t)(tei + g.o_offset), ms, g.peer);
	}
	if (fflush(stdout))
		die("writing");
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t v;
	int opt;

	while ((opt = getopt(argc, argv, "+hvw:")) != -1) {
		switch (opt) {
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'v':
			verbose = true;
			break;
		case 'w':
			if (!parse_u64(optarg, WINDOW_MAX, &v, "window") || !v)
				usage_err("-w: 1 to %u messages", WINDOW_MAX);
			window = v;
			break;
		default:
			usage_err("bad option");
		}
	}
	argc -= optind;
	argv += optind;
	if (!argc)
		usage_err("no command");
	if (!strcmp(argv[0], "info"))
		return cmd_info();
	if (!strcmp(argv[0], "link"))
		return cmd_link(argc, argv);
	if (!strcmp(argv[0], "list"))
		return cmd_list(argc, argv);
	if (!strcmp(argv[0], "echo"))
		return cmd_echo(argc, argv);
	if (!strcmp(argv[0], "batch"))
		return cmd_batch(argc);
	if (!strcmp(argv[0], "gen"))
		return cmd_gen(argc, argv);
	return cmd_pdp(argc, argv);
}
