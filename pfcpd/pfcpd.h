/* SPDX-License-Identifier: GPL-2.0-only */
/* nf-gtpu-pfcpd: the daemon's configuration and state */
#ifndef PFCPD_H
#define PFCPD_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>

#include "pfcp_msg.h"

#define PROG		"nf-gtpu-pfcpd"
#define MAX_LISTEN	8
#define MAX_NI		64
#define MAX_PEERS	8
#define MAX_COUNTERS	256
/*
 * How long a response is kept for a retransmitted request: the peer's
 * T1 x (N1 + 1), TS 29.244 leaving both to configuration; 3 s and 3
 * retries are the usual.  How many responses at most, memory bounded.
 */
#define RSP_CACHE_TIME	(3 * (3 + 1))
#define RSP_CACHE_SIZE	4096
#define MAX_RSP_CACHE	65536

enum table_mode { TABLE_PERSISTENT, TABLE_OWNED };

struct ni_map {
	char name[PFCP_NI_MAX + 1];	/* dotted, as configured */
	char dev[IFNAMSIZ];
};

struct pfcpd_conf {
	struct pfcp_node_id node_id;
	char node_id_text[PFCP_FQDN_MAX + 1];
	struct sockaddr_storage listen[MAX_LISTEN];
	int n_listen;
	unsigned int hb_interval;	/* seconds, 0: no heartbeats */
	unsigned int hb_misses;		/* unanswered before the peer is lost */
	unsigned int rsp_cache_time;	/* seconds, 0: no duplicate detection */
	unsigned int rsp_cache_size;	/* responses */
	struct ni_map ni[MAX_NI];
	int n_ni;
	enum table_mode table_mode;
	/* GTP-U addresses for the F-TEIDs the agent chooses (FTUP) */
	bool has_gtpu4, has_gtpu6;
	uint8_t gtpu4[4], gtpu6[16];
	uint32_t teid_first, teid_last;	/* the TEIDs it chooses from */
	bool gw_qfi;		/* set the gateway up with a QFI downlink */
	/* usage reporting: counters read every usage_interval seconds */
	unsigned int usage_interval;
	unsigned int report_t1;		/* seconds till sent again */
	unsigned int report_n1;		/* times sent again at most */
	/* downlink buffering (BUFF): packets per MS address, 0: none */
	unsigned int buffer_packets;
	unsigned int buffer_time;	/* seconds a packet is held at most */
};

/* 0, or -1 with a message "FILE:LINE: ..." in err */
int conf_load(struct pfcpd_conf *c, const char *path, char *err,
	      size_t errlen);
void conf_print(FILE *f, const struct pfcpd_conf *c);
/* The APN device of a Network Instance, NULL if it is not configured */
const char *conf_ni_dev(const struct pfcpd_conf *c, const struct pfcp_ni *ni);

#endif /* PFCPD_H */
