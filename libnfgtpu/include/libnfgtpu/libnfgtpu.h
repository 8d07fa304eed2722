/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libnfgtpu: set up an nf-gtpu gateway and manage its PDP contexts over
 * nf_tables netlink.  See libnfgtpu(3) and docs/libnfgtpu.md.
 *
 * Every function that can fail returns -1 (or NULL) and leaves errno and
 * a message in the handle (nfgtpu_errno(), nfgtpu_error()); nothing is
 * printed.  There is no global state: use one handle per thread.
 */
#ifndef LIBNFGTPU_H
#define LIBNFGTPU_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NFGTPU_IFNAMSIZ		16	/* IFNAMSIZ */

struct nfgtpu;

/* A handle on nf_tables in one network namespace: netns_fd, or -1 for
 * the caller's.
 */
struct nfgtpu *nfgtpu_open(int netns_fd);
void nfgtpu_close(struct nfgtpu *h);

/* The last error: errno value, a message, and for a context change the
 * index of the context that was refused (-1: none in particular).
 */
int nfgtpu_errno(const struct nfgtpu *h);
const char *nfgtpu_error(const struct nfgtpu *h);
long nfgtpu_error_index(const struct nfgtpu *h);

/* Gateway: table inet gateway of docs/gateway.nft */
enum nfgtpu_gw_flags {
	NFGTPU_GW_LEAN		= 1 << 0,  /* maps without counters, timeouts */
	NFGTPU_GW_OWNED		= 1 << 1,  /* removed when the handle closes */
	NFGTPU_GW_PEER6		= 1 << 2,  /* IPv6 transport: peers are IPv6 */
	NFGTPU_GW_QFI		= 1 << 3,  /* downlink carries a QFI (5G N3) */
	NFGTPU_GW_BUFFER	= 1 << 4,  /* sets buffer4/buffer6: downlink
					    * buffering through NFQUEUE */
	NFGTPU_GW_MBR		= 1 << 5,  /* maps mbr_up4/6, mbr_down4/6:
					    * maximum bit rates */
	NFGTPU_GW_RECORDS	= 1 << 6,  /* set records: a control plane's
					    * state, nfgtpu_batch_record() */
	/*
	 * Maps without a counter of their own, with timeouts: only the
	 * contexts added with NFGTPU_CTX_COUNTER count their packets.
	 * (NFGTPU_GW_LEAN's maps, which have no timeouts, take such
	 * contexts too; the two flags do not go together.)
	 */
	NFGTPU_GW_SELECTIVE	= 1 << 7,
};

/*
 * The NFQUEUE queue number a gateway set up with NFGTPU_GW_BUFFER sends
 * the downlink of buffering contexts to (NFGTPU_CTX_BUFFER).  With no
 * program bound to it, the kernel drops those packets.
 */
#define NFGTPU_BUFFER_QUEUE	2152

int nfgtpu_gateway_setup(struct nfgtpu *h, unsigned int flags);
int nfgtpu_gateway_delete(struct nfgtpu *h);

/* What the gateway's maps hold, read back from the kernel. */
int nfgtpu_gateway_flags(struct nfgtpu *h, unsigned int *flags);

/*
 * Access node (SGSN, eNodeB, gNB role): table inet access of
 * docs/access.nft, the subscribers' packets arriving on ms_dev.
 * flags: NFGTPU_GW_LEAN (no counters), NFGTPU_GW_OWNED.  Its maps
 * (uplink4/uplink6: MS address : gateway . TEID; downlink: TEID :
 * device index) are filled with nft or libnftnl.
 */
int nfgtpu_access_setup(struct nfgtpu *h, const char *ms_dev,
			unsigned int flags);
int nfgtpu_access_delete(struct nfgtpu *h);

/* A PDP context */
enum nfgtpu_ctx_flags {
	NFGTPU_CTX_MS4		= 1 << 0,  /* ms4 is set */
	NFGTPU_CTX_MS6		= 1 << 1,  /* ms6 is set (its /64 counts) */
	NFGTPU_CTX_QFI		= 1 << 2,  /* qfi is set */
	NFGTPU_CTX_TIMEOUT	= 1 << 3,  /* timeout_ms is set */
	/*
	 * No downlink element: the uplink decapsulates, the downlink to the
	 * MS is not encapsulated (peer, peer TEID and QFI are unused).
	 */
	NFGTPU_CTX_NO_DOWNLINK	= 1 << 4,
	/*
	 * As NFGTPU_CTX_NO_DOWNLINK, and the MS address is in the gateway's
	 * buffer set: its downlink goes to NFQUEUE NFGTPU_BUFFER_QUEUE.
	 */
	NFGTPU_CTX_BUFFER	= 1 << 5,
	/*
	 * mbr_up_kbps and mbr_down_kbps are set: a gateway set up with
	 * NFGTPU_GW_MBR drops what exceeds them (0: no limit that way).
	 */
	NFGTPU_CTX_MBR		= 1 << 6,
	/*
	 * The context's elements count its packets: needed on a gateway
	 * set up with NFGTPU_GW_SELECTIVE or NFGTPU_GW_LEAN, implied on a
	 * counting one, set by nfgtpu_ctx_list() on every context that
	 * counts.  A modify keeps a context counting.
	 */
	NFGTPU_CTX_COUNTER	= 1 << 7,
};

/* A context's element counter: the subscriber's packets, without GTP-U */
struct nfgtpu_counter {
	uint64_t packets;
	uint64_t bytes;
};

struct nfgtpu_ctx {
	uint32_t teid;			/* local TEID: uplink key */
	char apn[NFGTPU_IFNAMSIZ];	/* APN device name */
	uint32_t flags;			/* enum nfgtpu_ctx_flags */
	struct in_addr ms4;		/* MS IPv4 address */
	struct in6_addr ms6;		/* MS IPv6 address or /64 prefix */
	int peer_family;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} peer;				/* peer GTP-U address */
	uint32_t peer_teid;		/* downlink TEID */
	uint8_t qfi;			/* 0..63 */
	uint64_t timeout_ms;
	uint64_t mbr_up_kbps;		/* maximum bit rates, kbit/s */
	uint64_t mbr_down_kbps;
	/* Filled in by nfgtpu_ctx_list(): */
	uint64_t expires_ms;		/* time left, 0 without timeout */
	struct nfgtpu_counter uplink;	/* both families together */
	struct nfgtpu_counter downlink;
};

/*
 * Each call is one nf_tables transaction: all of it applies, or nothing
 * does and nfgtpu_error_index() says which context was refused.
 * Delete needs only the TEID: the rest is looked up when APN and MS
 * addresses are not given.  Modify replaces the downlink (peer, peer
 * TEID, QFI, or none, or buffering) of contexts identified by TEID, APN
 * and MS, keeping the downlink counters and the context's time left, or
 * with NFGTPU_CTX_TIMEOUT giving all its elements the new timeout.
 */
int nfgtpu_ctx_add(struct nfgtpu *h, const struct nfgtpu_ctx *ctx, size_t n);
int nfgtpu_ctx_modify(struct nfgtpu *h, const struct nfgtpu_ctx *ctx, size_t n);
int nfgtpu_ctx_delete(struct nfgtpu *h, const struct nfgtpu_ctx *ctx, size_t n);

/* A transaction mixing operations, built up and then committed. */
enum nfgtpu_op {
	NFGTPU_OP_ADD,
	NFGTPU_OP_MODIFY,
	NFGTPU_OP_DELETE,
};

struct nfgtpu_batch;

struct nfgtpu_batch *nfgtpu_batch_new(struct nfgtpu *h);
int nfgtpu_batch_put(struct nfgtpu_batch *b, enum nfgtpu_op op,
		     const struct nfgtpu_ctx *ctx);
int nfgtpu_batch_commit(struct nfgtpu_batch *b);
void nfgtpu_batch_free(struct nfgtpu_batch *b);

/*
 * Records: a control plane's own state, opaque octets under a 64-bit
 * key, in the set "records" of a gateway set up with NFGTPU_GW_RECORDS.
 * A record changes in the transaction of the contexts it describes, so
 * that the two never disagree, and outlives the process in a persistent
 * gateway, for it to read back when it restarts.
 *
 * nfgtpu_batch_record() puts record key into the batch: data, len
 * octets (1 to NFGTPU_RECORD_MAX; data NULL or len 0: the record is
 * deleted) in place of the record there now, of old_len octets (0: no
 * record there).  The batch fails to commit, changing nothing, if the
 * record there is not old_len octets long.  One call per key and batch
 * (a second fails the commit, EINVAL).
 */
#define NFGTPU_RECORD_MAX	65536

int nfgtpu_batch_record(struct nfgtpu_batch *b, uint64_t key,
			const void *data, size_t len, size_t old_len);

/* Every record, in key order; a callback returning non-zero stops the
 * walk, and nfgtpu_record_list() returns that value.
 */
typedef int (*nfgtpu_record_cb)(uint64_t key, const void *data, size_t len,
				void *arg);
int nfgtpu_record_list(struct nfgtpu *h, nfgtpu_record_cb cb, void *arg);

/* Every context with its counters, in TEID order; a callback returning
 * non-zero stops the walk, and nfgtpu_ctx_list() returns that value.
 */
typedef int (*nfgtpu_ctx_cb)(const struct nfgtpu_ctx *ctx, void *data);
int nfgtpu_ctx_list(struct nfgtpu *h, nfgtpu_ctx_cb cb, void *data);

/* The contexts of ctx[0..n-1]'s TEIDs, each filled in as
 * nfgtpu_ctx_list() has it (APN device, MS addresses, peer, QFI,
 * timeout, counters) from a lookup of its own elements: no walk of the
 * maps, however many contexts the gateway holds.  A TEID without a
 * context fails it with ENOENT, nfgtpu_error_index() naming it.
 */
int nfgtpu_ctx_get(struct nfgtpu *h, struct nfgtpu_ctx *ctx, size_t n);

/* /proc/net/nf_gtpu of the handle's namespace */
struct nfgtpu_stat {
	char name[32];
	uint64_t value;
};

/* Fill at most n; return how many there are (may exceed n), or -1. */
int nfgtpu_stats(struct nfgtpu *h, struct nfgtpu_stat *st, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* LIBNFGTPU_H */
