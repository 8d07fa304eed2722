// SPDX-License-Identifier: GPL-2.0-only
/*
 * gtpgen: the benchmark's packet generator and PDP-context lister.
 *
 *   gtpgen send -i IFACE -D DSTMAC -t up|down|plain -s SIZE -N CONTEXTS
 *               -n COUNT [-w WARMUP] [-b BATCH] [-S STOPFILE]
 *               [-R NETNS_PATH:DEV] [-T]
 *   gtpgen ctx N nft|nft-ops|nft-del|gtp|gtp-del|xt|lib|mbr|lib-del|list [FIRST]
 *
 * "send" writes COUNT Ethernet frames into IFACE through an AF_PACKET
 * socket with PACKET_QDISC_BYPASS, in sendmmsg() batches, or with -T
 * into the receive path of IFACE, a persistent tap device (one write()
 * each, and the headroom a NIC driver leaves: the benchmark's way in,
 * since a packet socket's frames have too little headroom for an
 * encapsulation to add its headers in place), each frame for a
 * PDP context drawn at random among CONTEXTS: up is GTP-U from the access
 * node (192.0.2.1 -> 192.0.2.2, the context's uplink TEID) around an
 * inner IPv4/UDP packet of SIZE bytes from the context's MS address to
 * 198.51.100.2; plain is that inner packet alone; down is the downlink
 * inner packet, 198.51.100.2 -> MS address.  It never sleeps: it sends,
 * then lets the softirq backlog drain (sched_yield until /proc/net/
 * softnet_stat stops moving), so on a one-vCPU guest under QEMU's
 * -icount shift=0,sleep=off the elapsed CLOCK_MONOTONIC time is the count
 * of instructions the guest executed for these packets, 1 ns each.  It
 * prints "sent= accepted= elapsed_ns=" (accepted: frames the device took;
 * the rest were dropped at the gateway's ingress backlog), and with -R
 * "received=": what the sink device DEV in the network namespace
 * NETNS_PATH (/run/netns/NAME) received meanwhile, read before and after
 * the timed part.  WARMUP packets go first, untimed and uncounted.  With
 * -S it sends until STOPFILE exists instead (background traffic).
 *
 * "ctx" prints the same N contexts for the control planes: an nft batch
 * for docs/gateway.nft's uplink4/downlink4 maps, one nft -i transaction
 * per context (add or delete), tests/gtp_genl batch lines (add or
 * delete, one netlink message per context), iptables-restore input for
 * -j GTPU, gtpu ctx load lines (add or delete, with everything the nft
 * lines give, so that neither looks anything up; mbr: the adds with an
 * MBR of 10 Gbit/s each way), or "index uplink_teid
 * downlink_teid ms_addr" lines: contexts FIRST (default 0) to
 * FIRST + N - 1.
 *
 * Context i (0-based) has uplink TEID perm32(i + 1), downlink TEID
 * perm32((i + 1) | 1 << 31) and MS address 10.64.0.0/10 + perm22(i + 1):
 * bijections, so TEIDs and addresses are unique, random-looking and
 * never zero, and every tool derives the same contexts from N alone.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH	256
#define MAX_FRAME	2048
#define GTPU_PORT	2152
#define OUTER_LEN	36	/* IPv4 + UDP + GTP-U headers */

static uint32_t perm32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static uint32_t perm22(uint32_t x)
{
	const uint32_t m = (1U << 22) - 1;

	x &= m;
	x ^= x >> 11;
	x = (x * 0x2c1b3c6dU) & m;
	x ^= x >> 9;
	x = (x * 0x297a2d39U) & m;
	x ^= x >> 11;
	return x;
}

struct ctx {
	uint32_t up_teid, down_teid, ms;	/* host order */
};

static struct ctx context(uint32_t i)
{
	struct ctx c = {
		.up_teid = perm32(i + 1),
		.down_teid = perm32((i + 1) | 1U << 31),
		.ms = (10U << 24 | 64U << 16) + perm22(i + 1),
	};
	return c;
}

static const char *ip4(uint32_t a, char *buf)
{
	sprintf(buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

static int list_contexts(uint32_t first, uint32_t n, const char *fmt)
{
	char ms[16];
	uint32_t i;

	n += first;

	if (!strcmp(fmt, "list")) {
		for (i = first; i < n; i++) {
			struct ctx c = context(i);

			printf("%u %u %u %s\n", i, c.up_teid, c.down_teid, ip4(c.ms, ms));
		}
	} else if (!strcmp(fmt, "nft")) {
		/* Two batches of commands of 10,000 elements, as tools/scale.sh. */
		for (i = first; i < n; i++) {
			struct ctx c = context(i);

			printf("%s0x%x : \"apn0\" . %s", (i - first) % 10000 ? ", " :
			       "add element inet gateway uplink4 { ", c.up_teid, ip4(c.ms, ms));
			if ((i - first) % 10000 == 9999 || i == n - 1)
				printf(" }\n");
		}
		for (i = first; i < n; i++) {
			struct ctx c = context(i);

			printf("%s\"apn0\" . %s : 192.0.2.1 . 0x%x", (i - first) % 10000 ? ", " :
			       "add element inet gateway downlink4 { ", ip4(c.ms, ms), c.down_teid);
			if ((i - first) % 10000 == 9999 || i == n - 1)
				printf(" }\n");
		}
	} else if (!strcmp(fmt, "nft-ops")) {
		/* One line, one transaction (nft -i), one context. */
		for (i = first; i < n; i++) {
			struct ctx c = context(i);

			printf("add element inet gateway uplink4 { 0x%x : \"apn0\" . %s }; "
			       "add element inet gateway downlink4 { \"apn0\" . %s : 192.0.2.1 . 0x%x }\n",
			       c.up_teid, ip4(c.ms, ms), ms, c.down_teid);
		}
	} else if (!strcmp(fmt, "nft-del")) {
		for (i = first; i < n; i++) {
			struct ctx c = context(i);

			printf("delete element inet gateway uplink4 { 0x%x }; "
			       "delete element inet gateway downlink4 { \"apn0\" . %s }\n",
			       c.up_teid, ip4(c.ms, ms));
		}
	} else if (!strcmp(fmt, "gtp")) {
		/* tests/gtp_genl batch: one message per context. */
		for (i = first; i < n; i++) {
			struct ctx c = context(i);

			printf("add gtp0 v1 0x%x 0x%x %s 192.0.2.1\n", c.up_teid, c.down_teid,
			       ip4(c.ms, ms));
		}
	} else if (!strcmp(fmt, "gtp-del")) {
		for (i = first; i < n; i++)
			printf("del gtp0 v1 0x%x\n", context(i).up_teid);
	} else if (!strcmp(fmt, "lib")) {
		/* gtpu ctx load: one transaction, or one a line with --each. */
		for (i = first; i < n; i++) {
			struct ctx c = context(i);

			printf("ctx add teid 0x%x apn apn0 ms %s peer 192.0.2.1 peer-teid 0x%x\n",
			       c.up_teid, ip4(c.ms, ms), c.down_teid);
		}
	} else if (!strcmp(fmt, "mbr")) {
		/* The same, with a 10 Gbit/s MBR each way: enforced, never reached */
		for (i = first; i < n; i++) {
			struct ctx c = context(i);

			printf("ctx add teid 0x%x apn apn0 ms %s peer 192.0.2.1 peer-teid 0x%x"
			       " mbr-up 10000000 mbr-down 10000000\n",
			       c.up_teid, ip4(c.ms, ms), c.down_teid);
		}
	} else if (!strcmp(fmt, "lib-del")) {
		for (i = first; i < n; i++) {
			struct ctx c = context(i);

			printf("ctx del teid 0x%x apn apn0 ms %s\n", c.up_teid, ip4(c.ms, ms));
		}
	} else if (!strcmp(fmt, "xt")) {
		printf("*raw\n");
		for (i = first; i < n; i++) {
			struct ctx c = context(i);

			printf("-A PREROUTING -d 192.0.2.2/32 -p udp -m udp --dport 2152 "
			       "-j GTPU --decap --dev apn0 --ms-addr %s --teid 0x%x\n",
			       ip4(c.ms, ms), c.up_teid);
		}
		printf("COMMIT\n*mangle\n");
		for (i = first; i < n; i++) {
			struct ctx c = context(i);

			printf("-A POSTROUTING -d %s/32 -o apn0 "
			       "-j GTPU --encap --peer 192.0.2.1 --teid 0x%x\n",
			       ip4(c.ms, ms), c.down_teid);
		}
		printf("COMMIT\n");
	} else {
		fprintf(stderr, "gtpgen: unknown format %s\n", fmt);
		return 2;
	}
	return 0;
}

/* Packet building. */

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t ip_csum(const uint8_t *p, int len)
{
	uint32_t sum = 0;
	int i;

	for (i = 0; i < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	return csum_fold(sum);
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }

/* An IPv4 header at p, total length len; returns the header length. */
static int ip_header(uint8_t *p, int len, uint32_t src, uint32_t dst)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, len);
	put16(p + 6, 0x4000);		/* DF */
	p[8] = 64;
	p[9] = 17;			/* UDP */
	put32(p + 12, src);
	put32(p + 16, dst);
	put16(p + 10, ip_csum(p, 20));
	return 20;
}

static void udp_header(uint8_t *p, uint16_t sport, uint16_t dport, int len)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, len);
	put16(p + 6, 0);		/* no checksum (IPv4) */
}

enum mode { UP, DOWN, PLAIN };

struct tmpl {
	uint8_t frame[MAX_FRAME];
	int len;
	int inner;			/* offset of the inner IPv4 header */
};

static void build(struct tmpl *t, enum mode mode, int size, const uint8_t *dmac,
		  const uint8_t *smac)
{
	uint8_t *p = t->frame;
	int off = 14;

	memset(t->frame, 0, sizeof(t->frame));
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	put16(p + 12, ETH_P_IP);
	if (mode == UP) {
		off += ip_header(p + off, size + OUTER_LEN, 0xc0000201, 0xc0000202);
		udp_header(p + off, GTPU_PORT, GTPU_PORT, size + 16);
		off += 8;
		p[off] = 0x30;		/* version 1, PT=1, no optional fields */
		p[off + 1] = 0xff;	/* T-PDU */
		put16(p + off + 2, size);
		off += 8;		/* TEID patched per packet */
	}
	t->inner = off;
	/* Uplink: MS -> 198.51.100.2; downlink: 198.51.100.2 -> MS. */
	off += ip_header(p + off, size, mode == DOWN ? 0xc6336402 : 0,
			 mode == DOWN ? 0 : 0xc6336402);
	udp_header(p + off, 1024, 9, size - 20);
	t->len = t->inner + size;
}

/* Sets the context's fields of the frame in buf. */
static void patch(uint8_t *buf, const struct tmpl *t, enum mode mode, const struct ctx *c)
{
	uint8_t *ip = buf + t->inner;

	if (mode == UP)
		put32(ip - 4, c->up_teid);
	put32(ip + (mode == DOWN ? 16 : 12), c->ms);
	put16(ip + 10, 0);
	put16(ip + 10, ip_csum(ip, 20));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t softnet_processed(void)
{
	unsigned int v;
	uint64_t sum = 0;
	char line[512];
	FILE *f = fopen("/proc/net/softnet_stat", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%x", &v) == 1)
			sum += v;
	fclose(f);
	return sum;
}

/* Let ksoftirqd finish what the sends queued: never idle, never sleep. */
static void drain(void)
{
	uint64_t a, b = softnet_processed();
	int still = 0;

	while (still < 3) {
		sched_yield();
		a = b;
		b = softnet_processed();
		still = a == b ? still + 1 : 0;
	}
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state >> 32;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
		      &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

static int own_mac(const char *ifname, uint8_t *mac)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifname);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ok = fscanf(f, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
		    &mac[3], &mac[4], &mac[5]) == 6;
	fclose(f);
	return ok ? 0 : -1;
}

/*
 * Packets DEV has received, in the network namespace NSFD (-1: ours),
 * from /proc/self/net/dev, which follows the thread's namespace.
 */
static long long rx_packets(int nsfd, int ownfd, const char *dev)
{
	unsigned long long bytes, packets;
	long long ret = -1;
	char line[512], *p;
	FILE *f;

	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET))
		return -1;
	f = fopen("/proc/self/net/dev", "r");
	while (f && fgets(line, sizeof(line), f)) {
		p = strchr(line, ':');
		if (!p)
			continue;
		*p = 0;
		for (p = line; *p == ' '; p++)
			;
		if (!strcmp(p, dev) && sscanf(p + strlen(p) + 1, "%llu %llu", &bytes, &packets) == 2)
			ret = packets;
	}
	if (f)
		fclose(f);
	if (nsfd >= 0 && setns(ownfd, CLONE_NEWNET))
		return -1;
	return ret;
}

struct sender {
	int fd, batch, tap;
	enum mode mode;
	uint32_t contexts;
	struct tmpl t;
	uint8_t (*bufs)[MAX_FRAME];
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	uint64_t sent, accepted, errors;
};

/* Sends n frames (n <= batch) for random contexts. */
static void send_batch(struct sender *s, int n)
{
	int i, r, done = 0;

	for (i = 0; i < n; i++) {
		struct ctx c = context(s->contexts > 1 ? rnd() % s->contexts : 0);

		patch(s->bufs[i], &s->t, s->mode, &c);
	}
	s->sent += n;
	if (s->tap) {
		/* A NIC's receive path: one write() per frame. */
		for (i = 0; i < n; i++) {
			if (write(s->fd, s->bufs[i], s->t.len) == s->t.len)
				s->accepted++;
			else if (errno != EAGAIN && errno != ENOBUFS)
				s->errors++;
		}
		return;
	}
	while (done < n) {
		r = sendmmsg(s->fd, s->msgs + done, n - done, 0);
		if (r > 0) {
			s->accepted += r;
			done += r;
			continue;
		}
		/* The frame at done was refused (backlog full): a drop. */
		if (r < 0 && errno != ENOBUFS && errno != EAGAIN)
			s->errors++;
		done++;
	}
}

static int chunk(uint64_t left, int batch)
{
	return left < (uint64_t)batch ? (int)left : batch;
}

static int cmd_send(int argc, char **argv)
{
	const char *ifname = NULL, *stopfile = NULL, *sink = NULL;
	char sinkns[256] = "", *sinkdev = NULL;
	long long rx0 = 0, rx1 = 0;
	int nsfd = -1, ownfd = -1;
	uint8_t dmac[6], smac[6];
	uint64_t count = 0, warmup = 0, t0, t1, left;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct sender *s = calloc(1, sizeof(*s));
	int opt, size = 64, one = 1, i, have_dmac = 0;

	s->batch = 32;
	s->mode = UP;
	s->contexts = 1;
	while ((opt = getopt(argc, argv, "i:D:t:s:N:n:w:b:S:R:T")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'D': have_dmac = !parse_mac(optarg, dmac); break;
		case 't':
			s->mode = !strcmp(optarg, "up") ? UP : !strcmp(optarg, "down") ? DOWN :
				  !strcmp(optarg, "plain") ? PLAIN : -1;
			break;
		case 's': size = atoi(optarg); break;
		case 'N': s->contexts = strtoul(optarg, NULL, 0); break;
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 'w': warmup = strtoull(optarg, NULL, 0); break;
		case 'b': s->batch = atoi(optarg); break;
		case 'S': stopfile = optarg; break;
		case 'R': sink = optarg; break;
		case 'T': s->tap = 1; break;
		default: return 2;
		}
	}
	if (!ifname || !have_dmac || (int)s->mode < 0 || size < 28 ||
	    size + OUTER_LEN + 14 > MAX_FRAME || !s->contexts || s->batch < 1 ||
	    s->batch > MAX_BATCH || (!count && !stopfile)) {
		fprintf(stderr, "gtpgen send: bad or missing arguments\n");
		return 2;
	}
	if (sink) {
		snprintf(sinkns, sizeof(sinkns), "%s", sink);
		sinkdev = strrchr(sinkns, ':');
		if (!sinkdev) {
			fprintf(stderr, "gtpgen: -R NETNS_PATH:DEV\n");
			return 2;
		}
		*sinkdev++ = 0;
		ownfd = open("/proc/self/ns/net", O_RDONLY);
		if (*sinkns)
			nsfd = open(sinkns, O_RDONLY);
		if (ownfd < 0 || (*sinkns && nsfd < 0) || rx_packets(nsfd, ownfd, sinkdev) < 0) {
			fprintf(stderr, "gtpgen: cannot read the sink %s\n", sink);
			return 1;
		}
	}
	if (s->tap) {
		/* The frames come from "outside" the tap: any source MAC. */
		struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };

		memcpy(smac, "\x02\x00\x00\x00\x00\x01", 6);
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		s->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
		if (s->fd < 0 || ioctl(s->fd, TUNSETIFF, &ifr)) {
			perror("gtpgen: tap");
			return 1;
		}
	} else {
		if (own_mac(ifname, smac)) {
			fprintf(stderr, "gtpgen: no device %s\n", ifname);
			return 1;
		}
		s->fd = socket(AF_PACKET, SOCK_RAW, 0);
		sll.sll_ifindex = if_nametoindex(ifname);
		if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)) ||
		    setsockopt(s->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
			perror("gtpgen: packet socket");
			return 1;
		}
	}
	build(&s->t, s->mode, size, dmac, smac);
	s->bufs = calloc(s->batch, MAX_FRAME);
	for (i = 0; i < s->batch; i++) {
		memcpy(s->bufs[i], s->t.frame, s->t.len);
		s->iov[i].iov_base = s->bufs[i];
		s->iov[i].iov_len = s->t.len;
		s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
		s->msgs[i].msg_hdr.msg_iovlen = 1;
	}

	for (left = warmup; left; left -= i)
		send_batch(s, i = chunk(left, s->batch));
	drain();
	s->sent = s->accepted = 0;
	if (sink)
		rx0 = rx_packets(nsfd, ownfd, sinkdev);

	t0 = now_ns();
	if (stopfile) {
		while (access(stopfile, F_OK))
			for (i = 0; i < 16; i++)
				send_batch(s, s->batch);
	} else {
		for (left = count; left; left -= i)
			send_batch(s, i = chunk(left, s->batch));
	}
	drain();
	t1 = now_ns();
	if (sink)
		rx1 = rx_packets(nsfd, ownfd, sinkdev);
	printf("sent=%llu accepted=%llu errors=%llu elapsed_ns=%llu",
	       (unsigned long long)s->sent, (unsigned long long)s->accepted,
	       (unsigned long long)s->errors, (unsigned long long)(t1 - t0));
	if (sink)
		printf(" received=%lld", rx1 - rx0);
	printf("\n");
	return s->errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "ctx"))
		return list_contexts(argc > 4 ? strtoul(argv[4], NULL, 0) : 0,
				     strtoul(argv[2], NULL, 0), argv[3]);
	if (argc >= 2 && !strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	fprintf(stderr, "usage: gtpgen send -i IFACE -D DSTMAC -t up|down|plain -s SIZE "
		"-N CONTEXTS -n COUNT [-w WARMUP] [-b BATCH] [-S STOPFILE]\n"
		"                   [-R NETNS_PATH:DEV] [-T]\n"
		"       gtpgen ctx N nft|nft-ops|nft-del|gtp|gtp-del|xt|lib|mbr|lib-del|list [FIRST]\n");
	return 2;
}
