/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nf-gtpu-pfcpd: downlink buffering (FAR Apply Action BUFF) through
 * NFQUEUE.  The gateway's buffer rules queue the downlink of buffering
 * MS addresses to queue NFGTPU_BUFFER_QUEUE; the agent holds each packet
 * (the kernel keeps it, the agent its ID) until the session forwards,
 * then lets them go through the rules again in the order they came
 * (NF_REPEAT: the encap rule now takes them), or drops them.
 */
#ifndef DLBUF_H
#define DLBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A buffering MS address: the downlink's output device and address */
struct dlbuf_key {
	uint32_t ifindex;
	uint8_t family;		/* AF_INET, or AF_INET6 */
	uint8_t addr[16];	/* IPv4 address, or the /64 (8 octets) */
};

enum dlbuf_counter {
	DLBUF_HELD,		/* queued packets held for a buffering MS */
	DLBUF_DELIVERED,	/* let go through the rules again */
	DLBUF_DROPPED_FULL,	/* beyond the packets an MS may have held */
	DLBUF_DROPPED_EXPIRED,	/* held longer than the buffering time */
	DLBUF_DROPPED_RELEASED,	/* its MS has no context any more */
	DLBUF_DROPPED_UNKNOWN,	/* of no buffering MS, or not IP */
	__DLBUF_MAX
};

struct dlbuf;

/*
 * Bind queue NFGTPU_BUFFER_QUEUE: NULL with errno and a message in err
 * (EBUSY: another program has it).  per_ms: packets held per MS address;
 * hold: seconds a packet is held at most.
 */
struct dlbuf *dlbuf_open(unsigned int per_ms, unsigned int hold, char *err,
			 size_t errlen);
void dlbuf_close(struct dlbuf *b);
int dlbuf_fd(const struct dlbuf *b);

/* The key of a queued packet: its output device and IP header */
int dlbuf_pkt_key(const uint8_t *pkt, size_t len, uint32_t oif,
		  struct dlbuf_key *k);

/* k buffers for session seid from now (again: kept): 0, or -1 ENOMEM */
int dlbuf_watch(struct dlbuf *b, const struct dlbuf_key *k, uint64_t seid);
/*
 * k buffers no more: its packets go through the rules again, in order
 * (deliver), or are dropped.  Reads what the socket holds first: the
 * packets queued before the kernel stopped buffering k are among them.
 */
void dlbuf_release(struct dlbuf *b, const struct dlbuf_key *k, bool deliver);

/* Read the queued packets: hold, or drop them.  -1 on a socket error. */
int dlbuf_receive(struct dlbuf *b);

/*
 * The sessions whose MS address got its first packet held since it
 * started buffering, each once (a Downlink Data Report is due): up to
 * max, how many.
 */
size_t dlbuf_first_packets(struct dlbuf *b, uint64_t *seid,
			   struct dlbuf_key *k, size_t max);

/* Drop the packets held longer than the buffering time */
void dlbuf_expire(struct dlbuf *b);

uint64_t dlbuf_count(const struct dlbuf *b, enum dlbuf_counter c);
const char *dlbuf_counter_name(enum dlbuf_counter c);

#endif /* DLBUF_H */
