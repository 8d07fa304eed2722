// SPDX-License-Identifier: GPL-2.0-only
/*
 * A complete libnfgtpu program: set up a gateway owned by this process,
 * add two PDP contexts in one transaction, try a batch with a bad
 * context, list the contexts with their counters, and print the
 * nf_gtpu statistics.  The gateway goes when the program exits.
 *
 *   cc -o gateway gateway.c $(pkg-config --cflags --libs libnfgtpu)
 *   ip link add apn-internet type apn && ip link set apn-internet up
 *   ./gateway apn-internet
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libnfgtpu/libnfgtpu.h>

static void context(struct nfgtpu_ctx *c, uint32_t teid, const char *apn,
		    const char *ms, const char *peer, uint32_t peer_teid)
{
	memset(c, 0, sizeof(*c));
	c->teid = teid;
	snprintf(c->apn, sizeof(c->apn), "%s", apn);
	inet_pton(AF_INET, ms, &c->ms4);
	c->flags = NFGTPU_CTX_MS4;
	c->peer_family = AF_INET;
	inet_pton(AF_INET, peer, &c->peer.v4);
	c->peer_teid = peer_teid;
}

static int print_ctx(const struct nfgtpu_ctx *c, void *data)
{
	char ms[INET_ADDRSTRLEN];

	printf("TEID 0x%x %s %s: uplink %" PRIu64 " packets, downlink %"
	       PRIu64 " packets\n", c->teid, c->apn,
	       inet_ntop(AF_INET, &c->ms4, ms, sizeof(ms)),
	       c->uplink.packets, c->downlink.packets);
	(*(int *)data)++;
	return 0;
}

int main(int argc, char **argv)
{
	const char *apn = argc > 1 ? argv[1] : "apn-internet";
	struct nfgtpu_stat stats[32];
	struct nfgtpu_ctx ctx[3];
	struct nfgtpu *h;
	int n = 0, i;

	h = nfgtpu_open(-1);		/* this network namespace */
	if (!h) {
		perror("nfgtpu_open");
		return 1;
	}
	if (nfgtpu_gateway_setup(h, NFGTPU_GW_OWNED) < 0) {
		fprintf(stderr, "setup: %s\n", nfgtpu_error(h));
		goto fail;
	}

	context(&ctx[0], 0x100, apn, "10.45.0.2", "192.0.2.1", 0x200);
	context(&ctx[1], 0x101, apn, "10.45.0.3", "192.0.2.1", 0x201);
	if (nfgtpu_ctx_add(h, ctx, 2) < 0) {
		fprintf(stderr, "add: %s\n", nfgtpu_error(h));
		goto fail;
	}

	/* The second context reuses TEID 0x100: nothing of the batch applies. */
	context(&ctx[0], 0x102, apn, "10.45.0.4", "192.0.2.1", 0x202);
	context(&ctx[1], 0x100, apn, "10.45.0.5", "192.0.2.1", 0x203);
	context(&ctx[2], 0x103, apn, "10.45.0.6", "192.0.2.1", 0x204);
	if (nfgtpu_ctx_add(h, ctx, 3) == 0) {
		fprintf(stderr, "a duplicate TEID was accepted\n");
		goto fail;
	}
	printf("refused (index %ld): %s\n", nfgtpu_error_index(h),
	       nfgtpu_error(h));

	if (nfgtpu_ctx_list(h, print_ctx, &n) < 0) {
		fprintf(stderr, "list: %s\n", nfgtpu_error(h));
		goto fail;
	}
	printf("%d contexts\n", n);

	n = nfgtpu_stats(h, stats, 32);
	if (n < 0)
		printf("no statistics: %s\n", nfgtpu_error(h));
	for (i = 0; i < n && i < 32; i++)
		printf("%s %" PRIu64 "\n", stats[i].name, stats[i].value);
	nfgtpu_close(h);	/* the owned gateway goes with the handle */
	return 0;
fail:
	nfgtpu_close(h);
	return 1;
}
