/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nf-gtpu-pfcpd: what the agent keeps in its gateway to restart without
 * losing its sessions (libnfgtpu records, persistent mode).  Record 0 is
 * the node's: its Recovery Time Stamp and associations; a session's
 * record, under its SEID, holds its CP F-SEID, peer, rules and
 * measurements.  Pure functions: encoding, and decoding that checks
 * everything it reads.
 */
#ifndef STATE_H
#define STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pfcpd.h"
#include "session.h"

#define STATE_NODE_KEY	0
/* A node record's size at most: MAX_PEERS Node IDs of the longest */
#define STATE_NODE_MAX	(32 + MAX_PEERS * (4 + PFCP_FQDN_MAX + 24))

struct state_peer {
	struct pfcp_node_id node_id;
	struct sockaddr_storage addr;	/* AF_INET or AF_INET6, its port */
	uint32_t recovery_ts;
};

struct state_node {
	uint32_t recovery_ts;		/* the agent's */
	int n_peers;
	int slot[MAX_PEERS];		/* in the agent's table of peers */
	struct state_peer peer[MAX_PEERS];
};

/* The encoded length (at most cap, STATE_NODE_MAX will do), 0 if more */
size_t state_node_encode(const struct state_node *n, uint8_t *buf,
			 size_t cap);
/*
 * 0; -1 damaged; -2 written by an agent whose sessions are laid out
 * otherwise (another version): not to be read.
 */
int state_node_decode(struct state_node *n, const uint8_t *buf, size_t len);

struct state_sess {
	uint64_t cp_seid;
	struct pfcp_node_id peer;
};

/*
 * Session s with its packed rules p (psize octets), into buf: the
 * encoded length, 0 if more than cap.
 */
size_t state_sess_encode(const struct state_sess *s,
			 const struct sess_packed *p, size_t psize,
			 uint8_t *buf, size_t cap);
/*
 * 0 with *p (malloc()ed, *psize octets) checked by sess_packed_check(),
 * or -1: damaged, or out of memory.
 */
int state_sess_decode(struct state_sess *s, struct sess_packed **p,
		      size_t *psize, const uint8_t *buf, size_t len);

#endif /* STATE_H */
