// SPDX-License-Identifier: GPL-2.0-only
/*
 * nf-gtpu-pfcpd: the configuration file, one "key value..." a line,
 * '#' comments.  See nf-gtpu-pfcpd(8) and nf-gtpu-pfcpd.conf.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pfcpd.h"

#define MAX_WORDS	4
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct conf_ctx {
	const char *path;
	int line;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
conf_err(struct conf_ctx *x, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = (size_t)snprintf(x->err, x->errlen, "%s:%d: ", x->path, x->line);
	if (n < x->errlen) {
		va_start(ap, fmt);
		vsnprintf(x->err + n, x->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * An FQDN Node ID goes on the wire as DNS labels without the final
 * zero (TS 29.244 8.2.38, TS 29.303 5.1): each label its length first.
 */
static int fqdn_encode(const char *s, struct pfcp_node_id *id)
{
	size_t len = strlen(s), i, start = 0;

	if (!len || len + 1 > sizeof(id->val) || s[len - 1] == '.')
		return -1;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!isalnum((unsigned char)s[i]) && s[i] != '-')
				return -1;
			continue;
		}
		if (i == start || i - start > 63)
			return -1;
		id->val[start] = (uint8_t)(i - start);
		memcpy(id->val + start + 1, s + start, i - start);
		start = i + 1;
	}
	id->type = PFCP_NODE_ID_FQDN;
	id->len = (uint8_t)(len + 1);
	return 0;
}

static int set_node_id(struct conf_ctx *x, struct pfcpd_conf *c,
		       const char *s)
{
	struct pfcp_node_id *id = &c->node_id;

	if (inet_pton(AF_INET, s, id->val) == 1) {
		id->type = PFCP_NODE_ID_IPV4;
		id->len = 4;
	} else if (inet_pton(AF_INET6, s, id->val) == 1) {
		id->type = PFCP_NODE_ID_IPV6;
		id->len = 16;
	} else if (fqdn_encode(s, id)) {
		return conf_err(x, "node-id: not an address or FQDN: %s", s);
	}
	snprintf(c->node_id_text, sizeof(c->node_id_text), "%s", s);
	return 0;
}

static int add_listen(struct conf_ctx *x, struct pfcpd_conf *c,
		      const char *s)
{
	struct sockaddr_storage *ss = &c->listen[c->n_listen];
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	if (c->n_listen == MAX_LISTEN)
		return conf_err(x, "listen: at most %d addresses", MAX_LISTEN);
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(PFCP_PORT);
	} else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(PFCP_PORT);
	} else {
		return conf_err(x, "listen: not an IPv4 or IPv6 address: %s", s);
	}
	/* the address goes into the UP F-SEID of every session */
	if ((ss->ss_family == AF_INET && sin->sin_addr.s_addr == INADDR_ANY) ||
	    (ss->ss_family == AF_INET6 &&
	     IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr)))
		return conf_err(x, "listen: not a wildcard address: %s", s);
	c->n_listen++;
	return 0;
}

static int parse_uint(struct conf_ctx *x, const char *key, const char *s,
		      unsigned int max, unsigned int *v)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || n > max)
		return conf_err(x, "%s: not a number from 0 to %u: %s", key,
				max, s);
	*v = (unsigned int)n;
	return 0;
}

/* A TEID: 1 to 0xffffffff, decimal or 0x hexadecimal */
static int parse_teid(struct conf_ctx *x, const char *s, uint32_t *v)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 0);
	/* no octal: "010" is not 8 */
	if (!isdigit((unsigned char)*s) ||
	    (s[0] == '0' && isdigit((unsigned char)s[1])) ||
	    *end || errno || !n || n > UINT32_MAX)
		return conf_err(x, "teid-range: not a TEID from 1 to 0xffffffff: %s",
				s);
	*v = (uint32_t)n;
	return 0;
}

/*
 * The TEIDs the agent chooses: a range of its own, so that they do not
 * collide with contexts that others install in the same gateway
 */
static int set_teid_range(struct conf_ctx *x, struct pfcpd_conf *c,
			  const char *first, const char *last)
{
	if (parse_teid(x, first, &c->teid_first) ||
	    parse_teid(x, last, &c->teid_last))
		return -1;
	if (c->teid_first > c->teid_last)
		return conf_err(x, "teid-range: %s is above %s", first, last);
	return 0;
}

static int parse_positive(struct conf_ctx *x, const char *key,
			  const char *s, unsigned int max, unsigned int *v)
{
	if (parse_uint(x, key, s, max, v))
		return -1;
	return *v ? 0 : conf_err(x, "%s: at least 1", key);
}

/* A network instance name is a DNN/APN: labels of letters, digits, '-' */
static int add_ni(struct conf_ctx *x, struct pfcpd_conf *c,
		  const char *name, const char *dev)
{
	struct pfcp_node_id check;
	int i;

	if (c->n_ni == MAX_NI)
		return conf_err(x, "network-instance: at most %d", MAX_NI);
	if (strlen(name) > PFCP_NI_MAX - 1 || fqdn_encode(name, &check))
		return conf_err(x, "network-instance: bad name: %s", name);
	if (!*dev || strlen(dev) >= IFNAMSIZ || strchr(dev, '/'))
		return conf_err(x, "network-instance: bad device name: %s", dev);
	for (i = 0; i < c->n_ni; i++)
		if (!strcasecmp(c->ni[i].name, name))
			return conf_err(x, "network-instance: %s twice", name);
	strcpy(c->ni[c->n_ni].name, name);
	strcpy(c->ni[c->n_ni].dev, dev);
	c->n_ni++;
	return 0;
}

static int set_table_mode(struct conf_ctx *x, struct pfcpd_conf *c,
			  const char *s)
{
	if (!strcmp(s, "persistent"))
		c->table_mode = TABLE_PERSISTENT;
	else if (!strcmp(s, "owned"))
		c->table_mode = TABLE_OWNED;
	else
		return conf_err(x, "table-mode: persistent or owned, not %s", s);
	return 0;
}

static int set_gtpu_address(struct conf_ctx *x, struct pfcpd_conf *c,
			    const char *s)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, s, a) == 1 && !c->has_gtpu4) {
		memcpy(c->gtpu4, a, 4);
		c->has_gtpu4 = true;
	} else if (inet_pton(AF_INET6, s, a) == 1 && !c->has_gtpu6) {
		memcpy(c->gtpu6, a, 16);
		c->has_gtpu6 = true;
	} else {
		return conf_err(x, "gtpu-address: not an address, or a second one of its family: %s",
				s);
	}
	return 0;
}

static int set_gateway_qfi(struct conf_ctx *x, struct pfcpd_conf *c,
			   const char *s)
{
	if (strcmp(s, "yes") && strcmp(s, "no"))
		return conf_err(x, "gateway-qfi: yes or no, not %s", s);
	c->gw_qfi = !strcmp(s, "yes");
	return 0;
}

static int conf_line(struct conf_ctx *x, struct pfcpd_conf *c, char **w,
		     int n)
{
	static const struct { const char *key; int args; } keys[] = {
		{ "node-id", 1 }, { "listen", 1 }, { "heartbeat-interval", 1 },
		{ "heartbeat-misses", 1 }, { "network-instance", 2 },
		{ "table-mode", 1 }, { "gtpu-address", 1 },
		{ "gateway-qfi", 1 }, { "response-cache-time", 1 },
		{ "response-cache-size", 1 }, { "usage-interval", 1 },
		{ "report-t1", 1 }, { "report-n1", 1 },
		{ "buffer-packets", 1 }, { "buffer-time", 1 },
		{ "teid-range", 2 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(w[0], keys[i].key))
			break;
	if (i == ARRAY_SIZE(keys))
		return conf_err(x, "unknown keyword: %s", w[0]);
	if (n - 1 != keys[i].args)
		return conf_err(x, "%s: %d value(s) expected", w[0],
				keys[i].args);
	switch (i) {
	case 0:
		return set_node_id(x, c, w[1]);
	case 1:
		return add_listen(x, c, w[1]);
	case 2:
		return parse_uint(x, w[0], w[1], 3600, &c->hb_interval);
	case 3:
		return parse_uint(x, w[0], w[1], 100, &c->hb_misses);
	case 4:
		return add_ni(x, c, w[1], w[2]);
	case 5:
		return set_table_mode(x, c, w[1]);
	case 6:
		return set_gtpu_address(x, c, w[1]);
	case 7:
		return set_gateway_qfi(x, c, w[1]);
	case 8:
		return parse_uint(x, w[0], w[1], 3600, &c->rsp_cache_time);
	case 9:
		return parse_positive(x, w[0], w[1], MAX_RSP_CACHE,
				      &c->rsp_cache_size);
	case 10:
		return parse_positive(x, w[0], w[1], 3600, &c->usage_interval);
	case 11:
		return parse_positive(x, w[0], w[1], 60, &c->report_t1);
	case 12:
		return parse_uint(x, w[0], w[1], 10, &c->report_n1);
	case 13:
		return parse_uint(x, w[0], w[1], 4096, &c->buffer_packets);
	case 14:
		return parse_positive(x, w[0], w[1], 3600, &c->buffer_time);
	default:
		return set_teid_range(x, c, w[1], w[2]);
	}
}

static int split(char *s, char **w)
{
	char *save, *t;
	int n = 0;

	s[strcspn(s, "#\n")] = '\0';
	for (t = strtok_r(s, " \t\r", &save); t;
	     t = strtok_r(NULL, " \t\r", &save)) {
		if (n == MAX_WORDS)
			return -1;
		w[n++] = t;
	}
	return n;
}

int conf_load(struct pfcpd_conf *c, const char *path, char *err,
	      size_t errlen)
{
	struct conf_ctx x = { path, 0, err, errlen };
	char line[512], *w[MAX_WORDS];
	int n, ret = 0;
	FILE *f;

	memset(c, 0, sizeof(*c));
	c->hb_interval = 10;
	c->hb_misses = 3;
	c->rsp_cache_time = RSP_CACHE_TIME;
	c->rsp_cache_size = RSP_CACHE_SIZE;
	c->usage_interval = 1;
	c->report_t1 = 3;
	c->report_n1 = 3;
	c->buffer_packets = 64;
	c->buffer_time = 30;
	c->teid_first = 1;
	c->teid_last = UINT32_MAX;
	f = fopen(path, "r");
	if (!f)
		return conf_err(&x, "%s", strerror(errno));
	while (!ret && fgets(line, sizeof(line), f)) {
		x.line++;
		n = split(line, w);
		if (n < 0)
			ret = conf_err(&x, "too many values");
		else if (n > 0)
			ret = conf_line(&x, c, w, n);
	}
	fclose(f);
	if (!ret && !c->node_id.len)
		ret = conf_err(&x, "no node-id");
	if (!ret && !c->n_listen)
		ret = conf_err(&x, "no listen address");
	return ret;
}

void conf_print(FILE *f, const struct pfcpd_conf *c)
{
	char buf[INET6_ADDRSTRLEN];
	const void *a;
	int i;

	fprintf(f, "node-id %s\n", c->node_id_text);
	for (i = 0; i < c->n_listen; i++) {
		if (c->listen[i].ss_family == AF_INET)
			a = &((const struct sockaddr_in *)&c->listen[i])->sin_addr;
		else
			a = &((const struct sockaddr_in6 *)&c->listen[i])->sin6_addr;
		fprintf(f, "listen %s\n",
			inet_ntop(c->listen[i].ss_family, a, buf, sizeof(buf)));
	}
	fprintf(f, "heartbeat-interval %u\nheartbeat-misses %u\n",
		c->hb_interval, c->hb_misses);
	fprintf(f, "response-cache-time %u\nresponse-cache-size %u\n",
		c->rsp_cache_time, c->rsp_cache_size);
	fprintf(f, "usage-interval %u\nreport-t1 %u\nreport-n1 %u\n",
		c->usage_interval, c->report_t1, c->report_n1);
	fprintf(f, "buffer-packets %u\nbuffer-time %u\n", c->buffer_packets,
		c->buffer_time);
	for (i = 0; i < c->n_ni; i++)
		fprintf(f, "network-instance %s %s\n", c->ni[i].name,
			c->ni[i].dev);
	fprintf(f, "table-mode %s\n",
		c->table_mode == TABLE_OWNED ? "owned" : "persistent");
	if (c->has_gtpu4)
		fprintf(f, "gtpu-address %s\n",
			inet_ntop(AF_INET, c->gtpu4, buf, sizeof(buf)));
	if (c->has_gtpu6)
		fprintf(f, "gtpu-address %s\n",
			inet_ntop(AF_INET6, c->gtpu6, buf, sizeof(buf)));
	fprintf(f, "gateway-qfi %s\n", c->gw_qfi ? "yes" : "no");
	fprintf(f, "teid-range 0x%x 0x%x\n", c->teid_first, c->teid_last);
}

/*
 * A Network Instance on the wire is DNS labels (open5gs encodes the
 * DNN so) or plain text (free5gc): dotted text either way.
 */
static void ni_text(const struct pfcp_ni *ni, char *s)
{
	size_t i = 0, n = 0, l;

	while (i < ni->len) {
		l = ni->val[i];
		if (!l || l > 63 || i + 1 + l > ni->len)
			break;
		if (n)
			s[n++] = '.';
		memcpy(s + n, ni->val + i + 1, l);
		n += l;
		i += 1 + l;
	}
	if (i != ni->len) {
		memcpy(s, ni->val, ni->len);
		n = ni->len;
	}
	s[n] = '\0';
}

const char *conf_ni_dev(const struct pfcpd_conf *c, const struct pfcp_ni *ni)
{
	char name[PFCP_NI_MAX + 1];
	int i;

	ni_text(ni, name);
	for (i = 0; i < c->n_ni; i++)
		if (!strcasecmp(c->ni[i].name, name))
			return c->ni[i].dev;
	return NULL;
}
