// SPDX-License-Identifier: GPL-2.0-only
/*
 * gtpu: set up an nf-gtpu gateway and manage its PDP contexts, the way
 * ip and nft feel, over libnfgtpu.
 *
 *   gtpu [-n NETNS] [-j] [-c] COMMAND
 *
 * Exit status: 0 done, 1 refused or failed (nothing applied, but for the
 * transactions before the failing one of a ctx load --batch), 2 usage.
 */
#define _GNU_SOURCE	/* getline() */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gtpu.h"

#define PROG		"gtpu"
#define MAX_WORDS	32
#define MAX_STATS	64

static bool json;
static bool check_only;

static void usage(FILE *f)
{
	fputs("Usage: " PROG " [-n NETNS] [-j] [-c] COMMAND\n"
	      "  setup gateway [counting|lean|selective] [owned|persistent] [ip6] [qfi]\n"
	      "                [buffer] [mbr] [records]\n"
	      "  setup access DEVICE [lean|counting] [owned|persistent]\n"
	      "                     (docs/access.nft, subscribers on DEVICE)\n"
	      "  teardown gateway|access\n"
	      "  show gateway       (the layout of the gateway found here)\n"
	      "  ctx add teid TEID apn DEVICE ms ADDRESS [ms ADDRESS6] DOWNLINK\n"
	      "          [timeout N[ms|s|m|h|d]] [mbr-up KBPS] [mbr-down KBPS] [counter]\n"
	      "  ctx mod teid TEID apn DEVICE ms ADDRESS... DOWNLINK [timeout ...]\n"
	      "          [mbr-up KBPS] [mbr-down KBPS] [counter]\n"
	      "    DOWNLINK: peer ADDRESS peer-teid TEID [qfi QFI] | downlink none|buffer\n"
	      "  ctx del teid TEID [apn DEVICE ms ADDRESS... [downlink none|buffer]]\n"
	      "  ctx list [teid TEID]\n"
	      "  ctx load [--each|--batch N] FILE  (ctx add/mod/del lines, one\n"
	      "                     transaction, or one every N lines; - is stdin)\n"
	      "  stats [--prometheus]\n"
	      "-n NETNS: a name of ip netns or a path; -j: JSON output; -c: only\n"
	      "parse and print the command as understood.  See gtpu(8).\n", f);
}

static int usage_err(const char *msg)
{
	fprintf(stderr, PROG ": %s\nTry '" PROG " -h' for more information.\n", msg);
	return 2;
}

static int lib_err(struct nfgtpu *h)
{
	fprintf(stderr, PROG ": %s\n", nfgtpu_error(h));
	return 1;
}

/* Output */

static void print_addr(FILE *f, int family, const void *a)
{
	char buf[INET6_ADDRSTRLEN];

	fputs(inet_ntop(family, a, buf, sizeof(buf)), f);
}

static void print_duration(FILE *f, uint64_t ms)
{
	if (ms % 1000)
		fprintf(f, "%" PRIu64 "ms", ms);
	else
		fprintf(f, "%" PRIu64 "s", ms / 1000);
}

/* As "ctx add" takes it, so that it reads back */
static void print_ctx_args(FILE *f, const struct nfgtpu_ctx *c, bool full)
{
	fprintf(f, "teid 0x%x", c->teid);
	if (c->apn[0])
		fprintf(f, " apn %s", c->apn);
	if (c->flags & NFGTPU_CTX_MS4) {
		fputs(" ms ", f);
		print_addr(f, AF_INET, &c->ms4);
	}
	if (c->flags & NFGTPU_CTX_MS6) {
		fputs(" ms ", f);
		print_addr(f, AF_INET6, &c->ms6);
	}
	if (c->flags & NFGTPU_CTX_NO_DOWNLINK)
		fputs(" downlink none", f);
	if (c->flags & NFGTPU_CTX_BUFFER)
		fputs(" downlink buffer", f);
	if (!full)
		return;
	if (c->peer_family) {
		fputs(" peer ", f);
		print_addr(f, c->peer_family, &c->peer);
		fprintf(f, " peer-teid 0x%x", c->peer_teid);
	}
	if (c->flags & NFGTPU_CTX_QFI)
		fprintf(f, " qfi %u", c->qfi);
	if (c->flags & NFGTPU_CTX_COUNTER)
		fputs(" counter", f);
	if (c->flags & NFGTPU_CTX_TIMEOUT) {	/* "expires" may follow */
		fputs(" timeout ", f);
		print_duration(f, c->timeout_ms);
	}
	if (c->flags & NFGTPU_CTX_MBR && c->mbr_up_kbps)
		fprintf(f, " mbr-up %" PRIu64, c->mbr_up_kbps);
	if (c->flags & NFGTPU_CTX_MBR && c->mbr_down_kbps)
		fprintf(f, " mbr-down %" PRIu64, c->mbr_down_kbps);
}

static void json_addr(const char *key, int family, const void *a)
{
	printf(",\"%s\":\"", key);
	print_addr(stdout, family, a);
	putchar('"');
}

static int print_ctx_json(const struct nfgtpu_ctx *c, void *data)
{
	bool *first = data;

	printf("%s{\"teid\":%u,\"apn\":\"%s\"", *first ? "" : ",", c->teid,
	       c->apn);
	*first = false;
	if (c->flags & NFGTPU_CTX_MS4)
		json_addr("ms", AF_INET, &c->ms4);
	if (c->flags & NFGTPU_CTX_MS6)
		json_addr("ms6", AF_INET6, &c->ms6);
	if (c->peer_family) {
		json_addr("peer", c->peer_family, &c->peer);
		printf(",\"peer_teid\":%u", c->peer_teid);
	}
	if (c->flags & (NFGTPU_CTX_NO_DOWNLINK | NFGTPU_CTX_BUFFER))
		printf(",\"downlink_state\":\"%s\"",
		       c->flags & NFGTPU_CTX_BUFFER ? "buffer" : "none");
	if (c->flags & NFGTPU_CTX_QFI)
		printf(",\"qfi\":%u", c->qfi);
	if (c->flags & NFGTPU_CTX_TIMEOUT)
		printf(",\"timeout_ms\":%" PRIu64 ",\"expires_ms\":%" PRIu64,
		       c->timeout_ms, c->expires_ms);
	if (c->flags & NFGTPU_CTX_MBR)
		printf(",\"mbr_up_kbps\":%" PRIu64 ",\"mbr_down_kbps\":%" PRIu64,
		       c->mbr_up_kbps, c->mbr_down_kbps);
	if (c->flags & NFGTPU_CTX_COUNTER)
		printf(",\"uplink\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "}"
		       ",\"downlink\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
		       c->uplink.packets, c->uplink.bytes, c->downlink.packets,
		       c->downlink.bytes);
	putchar('}');
	return 0;
}

static int print_ctx_text(const struct nfgtpu_ctx *c, void *data)
{
	print_ctx_args(stdout, c, true);
	if (c->flags & NFGTPU_CTX_TIMEOUT) {	/* to the second, as nft */
		fputs(" expires ", stdout);
		print_duration(stdout, c->expires_ms / 1000 * 1000);
	}
	if (c->flags & NFGTPU_CTX_COUNTER)
		printf(" uplink packets %" PRIu64 " bytes %" PRIu64
		       " downlink packets %" PRIu64 " bytes %" PRIu64,
		       c->uplink.packets, c->uplink.bytes, c->downlink.packets,
		       c->downlink.bytes);
	putchar('\n');
	(void)data;
	return 0;
}

/* Every context, or (teid) only that one, looked up by its elements */
static int ctx_list(struct nfgtpu *h, uint32_t teid)
{
	nfgtpu_ctx_cb print = json ? print_ctx_json : print_ctx_text;
	struct nfgtpu_ctx c = { .teid = teid };
	bool first = true;
	int ret;

	if (teid && nfgtpu_ctx_get(h, &c, 1) < 0)
		return lib_err(h);
	if (json)
		putchar('[');
	ret = teid ? print(&c, &first) : nfgtpu_ctx_list(h, print, &first);
	if (json)
		puts("]");
	return ret < 0 ? lib_err(h) : 0;
}

/* The Prometheus text format, for node-exporter's textfile collector */
static void print_prometheus(const struct nfgtpu_stat *st, int n)
{
	int i;

	puts("# HELP nf_gtpu_packets_total GTP-U packets handled by nf-gtpu, by outcome (/proc/net/nf_gtpu).\n"
	     "# TYPE nf_gtpu_packets_total counter");
	for (i = 0; i < n; i++)
		printf("nf_gtpu_packets_total{counter=\"%s\"} %" PRIu64 "\n",
		       st[i].name, st[i].value);
}

static int stats(struct nfgtpu *h, bool prometheus)
{
	struct nfgtpu_stat st[MAX_STATS];
	int n, i;

	n = nfgtpu_stats(h, st, MAX_STATS);
	if (n < 0)
		return lib_err(h);
	if (n > MAX_STATS)
		n = MAX_STATS;
	if (prometheus) {
		print_prometheus(st, n);
	} else if (json) {
		putchar('{');
		for (i = 0; i < n; i++)
			printf("%s\"%s\":%" PRIu64, i ? "," : "", st[i].name,
			       st[i].value);
		puts("}");
	} else {
		for (i = 0; i < n; i++)
			printf("%-24s %" PRIu64 "\n", st[i].name, st[i].value);
	}
	return 0;
}

/*
 * ctx load: every line a ctx add, mod or del; one transaction, or with
 * --batch N one every N lines (--each: every line), each sent as soon as
 * it is read, so that memory stays that of N contexts.
 */

static const enum nfgtpu_op ops[] = {
	[GTPU_CTX_ADD] = NFGTPU_OP_ADD,
	[GTPU_CTX_MOD] = NFGTPU_OP_MODIFY,
	[GTPU_CTX_DEL] = NFGTPU_OP_DELETE,
};

static const char *const op_words[] = {
	[GTPU_CTX_ADD] = "add", [GTPU_CTX_MOD] = "mod", [GTPU_CTX_DEL] = "del",
};

struct load {
	const char *file;
	unsigned long batch;	/* lines a transaction, 0: all */
	unsigned int *lines;	/* of each context of the transaction */
	size_t n, cap;
	size_t done;		/* changes committed */
};

static int load_line(struct load *l, struct nfgtpu_batch *b, char *s,
		     unsigned int line)
{
	char *argv[MAX_WORDS], err[256];
	const char *why = NULL;
	struct gtpu_cmd cmd;
	unsigned int *lines;
	int argc;

	argc = gtpu_split(s, argv, MAX_WORDS);
	if (!argc || argv[0][0] == '#')
		return 0;
	if (argc < 0)
		why = "too many words";
	else if (gtpu_parse(argc, argv, &cmd, err, sizeof(err)) < 0)
		why = err;
	else if (cmd.kind != GTPU_CTX_ADD && cmd.kind != GTPU_CTX_MOD &&
		 cmd.kind != GTPU_CTX_DEL)
		why = "only ctx add, mod and del lines";
	if (why) {
		fprintf(stderr, PROG ": %s:%u: %s\n", l->file, line, why);
		return -1;
	}
	if (check_only) {
		printf("ctx %s ", op_words[cmd.kind]);
		print_ctx_args(stdout, &cmd.ctx, true);
		putchar('\n');
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		lines = realloc(l->lines, l->cap * sizeof(*lines));
		if (!lines)
			return -1;
		l->lines = lines;
	}
	l->lines[l->n++] = line;
	return b ? nfgtpu_batch_put(b, ops[cmd.kind], &cmd.ctx) : 0;
}

/* Send the transaction, name the refused line; a new one for what follows */
static int load_commit(struct nfgtpu *h, struct nfgtpu_batch **b,
		       struct load *l)
{
	long idx;

	if (!l->n)
		return 0;
	if (nfgtpu_batch_commit(*b) < 0) {
		idx = nfgtpu_error_index(h);
		if (idx >= 0 && (size_t)idx < l->n)
			fprintf(stderr, PROG ": %s:%u: %s\n", l->file,
				l->lines[idx], nfgtpu_error(h));
		else
			fprintf(stderr, PROG ": %s: %s\n", l->file, nfgtpu_error(h));
		return 1;
	}
	l->done += l->n;
	l->n = 0;
	nfgtpu_batch_free(*b);
	*b = nfgtpu_batch_new(h);
	return *b ? 0 : lib_err(h);
}

static int ctx_load(struct nfgtpu *h, const char *file, unsigned long batch)
{
	bool is_stdin = !strcmp(file, "-");
	struct nfgtpu_batch *b = NULL;
	struct load l = { .file = is_stdin ? "<stdin>" : file, .batch = batch };
	unsigned int line = 0;
	size_t size = 0;
	char *buf = NULL;
	int ret = 0;
	FILE *f;

	f = is_stdin ? stdin : fopen(file, "r");
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", file, strerror(errno));
		return 1;
	}
	if (h) {
		b = nfgtpu_batch_new(h);
		if (!b)
			ret = lib_err(h);
	}
	while (!ret && getline(&buf, &size, f) >= 0) {
		ret = load_line(&l, b, buf, ++line) < 0 ? 2 : 0;
		if (!ret && b && l.batch && l.n == l.batch)
			ret = load_commit(h, &b, &l);
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, PROG ": %s: %s\n", file, strerror(errno));
		ret = 1;
	}
	if (!ret && b)
		ret = load_commit(h, &b, &l);
	if (!check_only && (!ret || l.done))
		printf("%zu changes applied\n", l.done);
	nfgtpu_batch_free(b);
	free(buf);
	free(l.lines);
	if (!is_stdin)
		fclose(f);
	return ret;
}

static void print_gw_flags(unsigned int flags)
{
	printf("%s %s%s%s%s%s%s",
	       flags & NFGTPU_GW_LEAN ? "lean" :
	       flags & NFGTPU_GW_SELECTIVE ? "selective" : "counting",
	       flags & NFGTPU_GW_OWNED ? "owned" : "persistent",
	       flags & NFGTPU_GW_PEER6 ? " ip6" : "",
	       flags & NFGTPU_GW_QFI ? " qfi" : "",
	       flags & NFGTPU_GW_BUFFER ? " buffer" : "",
	       flags & NFGTPU_GW_MBR ? " mbr" : "",
	       flags & NFGTPU_GW_RECORDS ? " records" : "");
}

/* The layout of the gateway found in the kernel */
static int show_gateway(struct nfgtpu *h)
{
	unsigned int flags;

	if (nfgtpu_gateway_flags(h, &flags) < 0)
		return lib_err(h);
	if (json) {
		printf("{\"lean\":%s,\"selective\":%s,\"owned\":%s,\"ip6\":%s,"
		       "\"qfi\":%s,\"buffer\":%s,\"mbr\":%s,\"records\":%s}\n",
		       flags & NFGTPU_GW_LEAN ? "true" : "false",
		       flags & NFGTPU_GW_SELECTIVE ? "true" : "false",
		       flags & NFGTPU_GW_OWNED ? "true" : "false",
		       flags & NFGTPU_GW_PEER6 ? "true" : "false",
		       flags & NFGTPU_GW_QFI ? "true" : "false",
		       flags & NFGTPU_GW_BUFFER ? "true" : "false",
		       flags & NFGTPU_GW_MBR ? "true" : "false",
		       flags & NFGTPU_GW_RECORDS ? "true" : "false");
		return 0;
	}
	fputs("gateway ", stdout);
	print_gw_flags(flags);
	putchar('\n');
	return 0;
}

/* -c: the command as understood */
static int print_parsed(const struct gtpu_cmd *cmd)
{
	switch (cmd->kind) {
	case GTPU_SETUP:
		if (cmd->access_dev)
			printf("setup access %s ", cmd->access_dev);
		else
			fputs("setup gateway ", stdout);
		print_gw_flags(cmd->gw_flags);
		putchar('\n');
		return 0;
	case GTPU_SHOW:
		puts("show gateway");
		return 0;
	case GTPU_CTX_ADD:
	case GTPU_CTX_MOD:
	case GTPU_CTX_DEL:
		printf("ctx %s ", op_words[cmd->kind]);
		print_ctx_args(stdout, &cmd->ctx, cmd->kind != GTPU_CTX_DEL);
		putchar('\n');
		return 0;
	case GTPU_CTX_LOAD:
		return ctx_load(NULL, cmd->file, cmd->batch);
	case GTPU_TEARDOWN:
		puts(cmd->access_dev ? "teardown access" : "teardown gateway");
		return 0;
	case GTPU_CTX_LIST:
		if (cmd->ctx.teid)
			printf("ctx list teid 0x%x\n", cmd->ctx.teid);
		else
			puts("ctx list");
		return 0;
	case GTPU_STATS:
		puts(cmd->prometheus ? "stats --prometheus" : "stats");
		return 0;
	}
	return 0;
}

static int serve(struct nfgtpu *h);

static int run(struct nfgtpu *h, const struct gtpu_cmd *cmd, bool nested)
{
	int ret = 0;

	switch (cmd->kind) {
	case GTPU_SETUP:
		if ((cmd->access_dev ?
		     nfgtpu_access_setup(h, cmd->access_dev, cmd->gw_flags) :
		     nfgtpu_gateway_setup(h, cmd->gw_flags)) < 0)
			return lib_err(h);
		if (cmd->gw_flags & NFGTPU_GW_OWNED && !nested)
			return serve(h);
		return 0;
	case GTPU_TEARDOWN:
		ret = cmd->access_dev ? nfgtpu_access_delete(h) :
		      nfgtpu_gateway_delete(h);
		break;
	case GTPU_SHOW:
		return show_gateway(h);
	case GTPU_CTX_ADD:
		ret = nfgtpu_ctx_add(h, &cmd->ctx, 1);
		break;
	case GTPU_CTX_MOD:
		ret = nfgtpu_ctx_modify(h, &cmd->ctx, 1);
		break;
	case GTPU_CTX_DEL:
		ret = nfgtpu_ctx_delete(h, &cmd->ctx, 1);
		break;
	case GTPU_CTX_LIST:
		return ctx_list(h, cmd->ctx.teid);
	case GTPU_CTX_LOAD:
		return ctx_load(h, cmd->file, cmd->batch);
	case GTPU_STATS:
		return stats(h, cmd->prometheus);
	}
	return ret < 0 ? lib_err(h) : 0;
}

/*
 * An owned table lives as long as this process's netlink socket: say
 * "ready", then run the commands of stdin, one a line, through the same
 * handle, until EOF or a signal ends the process and takes the table.
 */
static int serve(struct nfgtpu *h)
{
	char *buf = NULL, *argv[MAX_WORDS], err[256];
	struct gtpu_cmd cmd;
	size_t size = 0;
	int argc, ret;

	puts("ready");
	fflush(stdout);
	while (getline(&buf, &size, stdin) >= 0) {
		argc = gtpu_split(buf, argv, MAX_WORDS);
		if (!argc || argv[0][0] == '#')
			continue;
		if (argc < 0 || gtpu_parse(argc, argv, &cmd, err, sizeof(err)) < 0) {
			fprintf(stderr, PROG ": %s\n", argc < 0 ? "too many words" : err);
			ret = 2;
		} else {
			ret = run(h, &cmd, true);
		}
		printf("%s\n", ret ? "error" : "ok");
		fflush(stdout);
	}
	free(buf);
	return 0;
}

static int open_netns(const char *name)
{
	char path[4096];

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int main(int argc, char **argv)
{
	const char *netns = NULL;
	struct gtpu_cmd cmd;
	struct nfgtpu *h;
	char err[256];
	int opt, fd = -1, ret;

	while ((opt = getopt(argc, argv, "+n:jch")) != -1) {
		switch (opt) {
		case 'n':
			netns = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'c':
			check_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return usage_err("bad option");
		}
	}
	if (gtpu_parse(argc - optind, argv + optind, &cmd, err, sizeof(err)) < 0)
		return usage_err(err);
	if (check_only)
		return print_parsed(&cmd);
	if (netns) {
		fd = open_netns(netns);
		if (fd < 0) {
			fprintf(stderr, PROG ": netns '%s': %s\n", netns,
				strerror(errno));
			return 1;
		}
	}
	h = nfgtpu_open(fd);
	if (fd >= 0)
		close(fd);
	if (!h) {
		fprintf(stderr, PROG ": %s\n", strerror(errno));
		return 1;
	}
	ret = run(h, &cmd, false);
	nfgtpu_close(h);
	return ret;
}
