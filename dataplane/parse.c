/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "sessmon/common.h"
#include "sessmon/parse.h"
#include "sessmon/tuple.h"

/* IPv6 extension headers walked before giving up: real stacks send a
 * handful; a longer chain is an attack on the walker. */
#define IPV6_MAX_EXT 16

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_FRAG6_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_SCTP_ 132

/* The L3 facts the L4 stage needs, for the packet or for a quoted one. */
struct l3 {
	const uint8_t *src, *dst;  /* addresses, 4 or 16 bytes */
	uint32_t l4_off;           /* offset of the L4 header in the frame */
	uint32_t l4_len;           /* L4 bytes by the IP header */
	uint32_t l4_cap;           /* L4 bytes actually captured (<= l4_len) */
	uint32_t frag_id;
	uint32_t frag_l3_end;      /* end of the unfragmentable part */
	uint8_t family, proto;
	bool frag, frag_later;     /* a fragment; a non-first one */
	bool frag_reassemblable;   /* rte_ip_frag can take it */
};

/* The L4 key material of a packet. */
struct l4 {
	struct sm_endpoint src, dst;
	uint8_t kind;              /* enum sm_key_kind */
	bool ports_fixed;          /* "other ICMP": (type, code) slots */
	bool response;             /* a reply by nature (SYN-ACK, echo reply) */
};

/* Echo-like ICMP pairs keyed by identifier ("icmp-echo" in the expected
 * files): request type, reply type, per family. */
static const struct {
	uint8_t family, request, reply;
} icmp_echo[] = {
	{ 4, 8, 0 },      /* echo */
	{ 4, 13, 14 },    /* timestamp */
	{ 6, 128, 129 },  /* ICMPv6 echo */
};

int
sm_parse_icmp_reply_type(uint8_t family, uint8_t type)
{
	for (unsigned int i = 0; i < SM_ARRAY_SIZE(icmp_echo); i++)
		if (icmp_echo[i].family == family && icmp_echo[i].request == type)
			return icmp_echo[i].reply;
	return -ENOENT;
}

/* ICMP messages that quote the packet that caused them. */
static bool
icmp_is_error(uint8_t family, uint8_t type)
{
	if (family == 4)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return type >= 1 && type <= 4;
}

static bool
ipv6_is_ext(uint8_t nh)
{
	switch (nh) {
	case 0:   /* hop-by-hop */
	case 43:  /* routing */
	case 44:  /* fragment */
	case 51:  /* AH */
	case 60:  /* destination options */
	case 135: /* mobility */
	case 139: /* HIP */
	case 140: /* shim6 */
		return true;
	default:
		return false;
	}
}

/* Bytes at [off, off + len) of the frame, or NULL past the captured data. */
static const uint8_t *
peek(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *buf)
{
	if ((uint64_t)off + len > rte_pktmbuf_pkt_len(m))
		return NULL;
	return rte_pktmbuf_read(m, off, len, buf);
}

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static enum sm_parse_result
drop(struct sm_counters *cnt, enum sm_counter why)
{
	sm_counter_inc(cnt, why);
	return SM_PARSE_DROP;
}

/* Ethernet and up to two VLAN tags (more are counted and skipped). */
static enum sm_parse_result
parse_l2(const struct rte_mbuf *m, struct sm_pkt_meta *pm, struct sm_counters *cnt,
	 uint16_t vlan[2], uint16_t *ethertype, uint32_t *off)
{
	uint8_t buf[RTE_ETHER_HDR_LEN];
	const uint8_t *p = peek(m, 0, RTE_ETHER_HDR_LEN, buf);
	unsigned int tags = 0;

	if (p == NULL)
		return drop(cnt, SM_CNT_L2_TRUNC);
	memcpy(pm->dst_mac, p, 6);
	memcpy(pm->src_mac, p + 6, 6);
	*ethertype = be16(p + 12);
	*off = RTE_ETHER_HDR_LEN;
	while (*ethertype == RTE_ETHER_TYPE_VLAN || *ethertype == RTE_ETHER_TYPE_QINQ ||
	       *ethertype == RTE_ETHER_TYPE_QINQ1 || *ethertype == RTE_ETHER_TYPE_QINQ2) {
		uint8_t tbuf[4];
		const uint8_t *t = peek(m, *off, 4, tbuf);

		if (t == NULL)
			return drop(cnt, SM_CNT_L2_TRUNC);
		if (tags < 2)
			vlan[tags] = SM_VLAN_PRESENT | (be16(t) & SM_VLAN_ID_MASK);
		else if (tags == 2)
			sm_counter_inc(cnt, SM_CNT_VLAN_TOO_DEEP);
		tags++;
		*ethertype = be16(t + 2);
		*off += 4;
	}
	return SM_PARSE_OK;
}

/* Set the IP byte count and the snap-cut flag from the header's length. */
static void
ip_lengths(const struct rte_mbuf *m, struct sm_pkt_meta *pm, struct sm_counters *cnt,
	   struct l3 *l3, uint32_t ip_off, uint32_t ip_bytes)
{
	uint32_t cap = rte_pktmbuf_pkt_len(m);
	uint32_t end = ip_off + ip_bytes;

	pm->ip_bytes = ip_bytes;
	if (end > cap) {
		pm->flags |= SM_PF_SNAP_CUT;
		sm_counter_inc(cnt, SM_CNT_IP_SNAPLEN_CUT);
	}
	l3->l4_cap = l3->l4_off >= cap ? 0 : RTE_MIN(end, cap) - l3->l4_off;
}

static enum sm_parse_result
parse_ipv4(const struct rte_mbuf *m, uint32_t off, struct sm_pkt_meta *pm,
	   struct sm_counters *cnt, struct l3 *l3, uint8_t *abuf, bool quoted)
{
	uint8_t buf[sizeof(struct rte_ipv4_hdr)];
	const uint8_t *p = peek(m, off, sizeof(buf), buf);
	uint32_t hlen, total;
	uint16_t frag;

	if (p == NULL)
		return drop(cnt, quoted ? SM_CNT_ICMP_ERR_BAD_QUOTE : SM_CNT_IP_TRUNC);
	if (p[0] >> 4 != 4)
		return drop(cnt, quoted ? SM_CNT_ICMP_ERR_BAD_QUOTE : SM_CNT_IP_BAD_VERSION);
	hlen = (p[0] & 0x0f) * 4u;
	total = be16(p + 2);
	if (hlen < sizeof(buf) || off + hlen > rte_pktmbuf_pkt_len(m))
		return drop(cnt, quoted ? SM_CNT_ICMP_ERR_BAD_QUOTE : SM_CNT_IP_BAD_HLEN);
	/* A quoted header's length describes the original packet, of which
	 * only the first bytes are quoted: it is not checked. */
	if (!quoted && total < hlen)
		return drop(cnt, SM_CNT_IP_BAD_LEN);
	memcpy(abuf, p + 12, 8);
	l3->src = abuf;
	l3->dst = abuf + 4;
	l3->family = 4;
	l3->proto = p[9];
	l3->l4_off = off + hlen;
	l3->l4_len = quoted ? 0 : total - hlen;
	frag = be16(p + 6);
	l3->frag = (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
	l3->frag_later = (frag & RTE_IPV4_HDR_OFFSET_MASK) != 0;
	l3->frag_id = be16(p + 4);
	l3->frag_reassemblable = true;
	l3->frag_l3_end = off + hlen;
	if (!quoted) {
		pm->ip_ttl = p[8];
		ip_lengths(m, pm, cnt, l3, off, total);
	}
	return SM_PARSE_OK;
}

static enum sm_parse_result
parse_ipv6(const struct rte_mbuf *m, uint32_t off, struct sm_pkt_meta *pm,
	   struct sm_counters *cnt, struct l3 *l3, uint8_t *abuf, bool quoted)
{
	uint8_t buf[sizeof(struct rte_ipv6_hdr)];
	const uint8_t *p = peek(m, off, sizeof(buf), buf);
	uint32_t cur = off + sizeof(buf), end;
	uint8_t nh;

	if (p == NULL)
		return drop(cnt, quoted ? SM_CNT_ICMP_ERR_BAD_QUOTE : SM_CNT_IP_TRUNC);
	if (p[0] >> 4 != 6)
		return drop(cnt, quoted ? SM_CNT_ICMP_ERR_BAD_QUOTE : SM_CNT_IP_BAD_VERSION);
	memcpy(abuf, p + 8, 32);
	l3->src = abuf;
	l3->dst = abuf + 16;
	l3->family = 6;
	nh = p[6];
	/* A quoted packet's chain is bounded by the quote, not its header. */
	end = quoted ? rte_pktmbuf_pkt_len(m) : off + sizeof(buf) + be16(p + 4);
	if (!quoted) {
		pm->ip_ttl = p[7];
		pm->flow_label = be32(p) & 0xfffff;
	}
	for (unsigned int n = 0; ipv6_is_ext(nh); n++) {
		uint8_t ebuf[8];
		const uint8_t *e;

		if (n == IPV6_MAX_EXT)
			return drop(cnt, quoted ? SM_CNT_ICMP_ERR_BAD_QUOTE : SM_CNT_IPV6_EXT_TOO_LONG);
		e = cur + 8 <= end ? peek(m, cur, 8, ebuf) : NULL;
		if (e == NULL)
			return drop(cnt, quoted ? SM_CNT_ICMP_ERR_BAD_QUOTE : SM_CNT_IPV6_EXT_TRUNC);
		if (nh == IPPROTO_FRAG6_) {
			uint16_t ofs_m = be16(e + 2);

			/* An atomic fragment (offset 0, M 0) is a whole datagram. */
			if (ofs_m & 0xfff9) {
				l3->frag = true;
				l3->frag_later = (ofs_m & 0xfff8) != 0;
				l3->frag_id = be32(e + 4);
				/* rte_ip_frag handles a fragment header right after
				 * the IPv6 header only. */
				l3->frag_reassemblable = cur == off + sizeof(buf);
				l3->frag_l3_end = cur + 8;
			}
			nh = e[0];
			cur += 8;
			if (l3->frag_later)
				break;
			continue;
		}
		nh = e[0];
		cur += nh == IPPROTO_AH_ ? (e[1] + 2u) * 4 : (e[1] + 1u) * 8;
	}
	l3->proto = nh;
	l3->l4_off = cur;
	if (quoted) {
		l3->l4_len = 0;
		return SM_PARSE_OK;
	}
	if (cur > end)
		return drop(cnt, SM_CNT_IPV6_EXT_TRUNC);
	l3->l4_len = end - cur;
	ip_lengths(m, pm, cnt, l3, off, end - off);
	return SM_PARSE_OK;
}

/* Echo-like ICMP: the requester's port is the identifier, the replier's
 * the request type. @return false if the type is not echo-like. */
static bool
icmp_echo_ports(struct l4 *l4, uint8_t family, uint8_t type, uint16_t id)
{
	for (unsigned int i = 0; i < SM_ARRAY_SIZE(icmp_echo); i++) {
		if (icmp_echo[i].family != family)
			continue;
		if (type == icmp_echo[i].request) {
			l4->src.port = id;
			l4->dst.port = icmp_echo[i].request;
			return true;
		}
		if (type == icmp_echo[i].reply) {
			l4->src.port = icmp_echo[i].request;
			l4->dst.port = id;
			l4->response = true;
			return true;
		}
	}
	return false;
}

/*
 * Key material of an L4 header of which @p cap bytes are at @p h. A quoted
 * header (inside an ICMP error) is only guaranteed its first 8 bytes.
 * @return false if the header is too short to key.
 */
static bool
l4_key(struct l4 *l4, const struct l3 *l3, const uint8_t *h, uint32_t cap, bool quoted)
{
	bool icmp = l3->proto == (l3->family == 4 ? IPPROTO_ICMP_ : IPPROTO_ICMPV6_);

	l4->src.addr = l3->src;
	l4->dst.addr = l3->dst;
	l4->kind = SM_KEY_L4;
	if (l3->proto == IPPROTO_TCP_ || l3->proto == IPPROTO_UDP_ || l3->proto == IPPROTO_SCTP_) {
		uint32_t need = quoted ? 4 : l3->proto == IPPROTO_TCP_ ? 20 : l3->proto == IPPROTO_UDP_ ? 8 : 12;

		if (cap < need)
			return false;
		l4->src.port = be16(h);
		l4->dst.port = be16(h + 2);
		return true;
	}
	if (icmp) {
		if (cap < 4)
			return false;
		if (cap >= 8 && icmp_echo_ports(l4, l3->family, h[0], be16(h + 4)))
			return true;
		l4->src.port = h[0];
		l4->dst.port = h[1];
		l4->ports_fixed = true;
		/* An echo-like type cut before its identifier is an L4 cut. */
		for (unsigned int i = 0; i < SM_ARRAY_SIZE(icmp_echo); i++)
			if (icmp_echo[i].family == l3->family &&
			    (h[0] == icmp_echo[i].request || h[0] == icmp_echo[i].reply))
				return false;
		return true;
	}
	return true;
}

static void
key_packet(struct sm_pkt_meta *pm, const struct l3 *l3, const struct l4 *l4,
	   const uint16_t vlan[2], bool response)
{
	bool lo = sm_tuple_key_build(&pm->key, l3->family, l3->proto, l4->kind, &l4->src,
				     &l4->dst, l4->ports_fixed, vlan);

	if (lo)
		pm->flags |= SM_PF_FROM_LO;
	if (response)
		pm->flags |= SM_PF_RESPONSE;
	pm->hash = sm_tuple_hash(&pm->key);
}

/* Protocol and addresses only: a cut L4 header, an orphan fragment. */
static void
key_addresses(struct sm_pkt_meta *pm, const struct l3 *l3, uint8_t kind, const uint16_t vlan[2])
{
	struct l4 l4 = {
		.src = { .addr = l3->src }, .dst = { .addr = l3->dst }, .kind = kind,
	};

	key_packet(pm, l3, &l4, vlan, false);
}

/*
 * An ICMP error: key it as the packet it quotes, travelling back toward
 * that packet's source (the session's error counter of that direction).
 */
static enum sm_parse_result
parse_icmp_error(const struct rte_mbuf *m, struct sm_pkt_meta *pm, struct sm_counters *cnt,
		 const struct l3 *outer, const uint16_t vlan[2])
{
	uint8_t abuf[32], hbuf[8];
	struct l3 q = { 0 };
	struct l4 l4 = { 0 };
	const uint8_t *h;
	uint32_t cap = rte_pktmbuf_pkt_len(m);
	uint32_t qoff = outer->l4_off + 8;
	enum sm_parse_result r;

	r = outer->family == 4 ? parse_ipv4(m, qoff, pm, cnt, &q, abuf, true)
			       : parse_ipv6(m, qoff, pm, cnt, &q, abuf, true);
	if (r != SM_PARSE_OK)
		return r;
	/* The quote ends where the error's own IP datagram ends. */
	cap = RTE_MIN(cap, outer->l4_off + outer->l4_len);
	h = q.l4_off < cap ? peek(m, q.l4_off, RTE_MIN(8u, cap - q.l4_off), hbuf) : NULL;
	if (q.frag_later || h == NULL || !l4_key(&l4, &q, h, RTE_MIN(8u, cap - q.l4_off), true) ||
	    ((q.proto == IPPROTO_ICMP_ || q.proto == IPPROTO_ICMPV6_) && icmp_is_error(q.family, h[0])))
		return drop(cnt, SM_CNT_ICMP_ERR_BAD_QUOTE);
	/* The error travels the other way from the packet it quotes. */
	if (!sm_tuple_key_build(&pm->key, q.family, q.proto, l4.kind, &l4.src, &l4.dst,
				l4.ports_fixed, vlan))
		pm->flags |= SM_PF_FROM_LO;
	pm->hash = sm_tuple_hash(&pm->key);
	pm->kind = SM_PKT_ICMP_ERROR;
	return SM_PARSE_OK;
}

static enum sm_parse_result
parse_l4(const struct rte_mbuf *m, struct sm_pkt_meta *pm, struct sm_counters *cnt,
	 const struct l3 *l3, const uint16_t vlan[2])
{
	uint8_t hbuf[20];
	uint32_t cap = RTE_MIN(l3->l4_cap, (uint32_t)sizeof(hbuf));
	const uint8_t *h = cap > 0 ? peek(m, l3->l4_off, cap, hbuf) : NULL;
	struct l4 l4 = { 0 };

	if (h == NULL || !l4_key(&l4, l3, h, cap, false)) {
		sm_counter_inc(cnt, SM_CNT_L4_TRUNC);
		key_addresses(pm, l3, SM_KEY_L4_TRUNC, vlan);
		return l3->frag ? SM_PARSE_FRAGMENT : SM_PARSE_OK;
	}
	if (l3->proto == IPPROTO_TCP_) {
		uint32_t doff = (h[12] >> 4) * 4u;
		uint8_t fl = h[13];

		pm->tcp_seq = be32(h + 4);
		pm->tcp_ack = be32(h + 8);
		pm->tcp_flags = fl;
		if (doff < 20 || doff > l3->l4_len)
			sm_counter_inc(cnt, SM_CNT_TCP_BAD_DOFF);
		else if (!l3->frag)
			pm->payload_len = (uint16_t)(l3->l4_len - doff);
		/* Scans send these; they still belong to a session. */
		if ((fl & (SM_TCP_SYN | SM_TCP_FIN)) == (SM_TCP_SYN | SM_TCP_FIN) ||
		    (fl & (SM_TCP_SYN | SM_TCP_RST)) == (SM_TCP_SYN | SM_TCP_RST) ||
		    (fl & (SM_TCP_SYN | SM_TCP_FIN | SM_TCP_RST | SM_TCP_ACK)) == 0 ||
		    (fl & (SM_TCP_FIN | SM_TCP_ACK)) == SM_TCP_FIN)
			sm_counter_inc(cnt, SM_CNT_TCP_BAD_FLAGS);
		l4.response = (fl & (SM_TCP_SYN | SM_TCP_ACK)) == (SM_TCP_SYN | SM_TCP_ACK);
	} else if (l3->proto == IPPROTO_UDP_) {
		pm->payload_len = (uint16_t)(l3->l4_len - 8);
	} else if (l3->proto == (l3->family == 4 ? IPPROTO_ICMP_ : IPPROTO_ICMPV6_)) {
		pm->icmp_type = h[0];
		pm->icmp_code = h[1];
		if (icmp_is_error(l3->family, h[0]) && !l3->frag)
			return parse_icmp_error(m, pm, cnt, l3, vlan);
	}
	key_packet(pm, l3, &l4, vlan, l4.response);
	return l3->frag ? SM_PARSE_FRAGMENT : SM_PARSE_OK;
}

enum sm_parse_result
sm_parse_pkt(struct rte_mbuf *m, struct sm_pkt_meta *pm, struct sm_counters *cnt)
{
	uint16_t vlan[2] = { 0, 0 }, ethertype;
	uint8_t abuf[32];
	struct l3 l3 = { 0 };
	enum sm_parse_result r;
	uint32_t off;

	pm->hash = pm->ip_bytes = pm->tcp_seq = pm->tcp_ack = pm->flow_label = pm->frag_id = 0;
	pm->n_wire = 1;
	pm->l3_off = pm->l4_off = pm->payload_len = 0;
	pm->kind = SM_PKT_SESSION;
	pm->flags = pm->tcp_flags = pm->icmp_type = pm->icmp_code = pm->ip_ttl = 0;

	r = parse_l2(m, pm, cnt, vlan, &ethertype, &off);
	if (r != SM_PARSE_OK)
		return r;
	if (ethertype == RTE_ETHER_TYPE_IPV4)
		r = parse_ipv4(m, off, pm, cnt, &l3, abuf, false);
	else if (ethertype == RTE_ETHER_TYPE_IPV6)
		r = parse_ipv6(m, off, pm, cnt, &l3, abuf, false);
	else
		return drop(cnt, SM_CNT_NON_IP);
	if (r != SM_PARSE_OK)
		return r;
	pm->l3_off = (uint16_t)off;
	pm->l4_off = (uint16_t)RTE_MIN(l3.l4_off, (uint32_t)UINT16_MAX);
	if (l3.frag) {
		sm_counter_inc(cnt, SM_CNT_FRAGMENTS);
		pm->flags |= SM_PF_FRAGMENTED;
		pm->frag_id = l3.frag_id;
		/* rte_ip_frag finds the headers by l2_len/l3_len, 7- and 9-bit
		 * fields: deep VLAN stacks or long header chains do not fit,
		 * and l3_len == 0 tells sm_frag_feed() to pass it alone. */
		m->l2_len = off;
		m->l3_len = l3.frag_l3_end - off;
		if (!l3.frag_reassemblable || (pm->flags & SM_PF_SNAP_CUT) ||
		    m->l2_len != off || m->l3_len != l3.frag_l3_end - off) {
			m->l3_len = 0;
			sm_counter_inc(cnt, SM_CNT_FRAG_UNREASSEMBLABLE);
		}
	}
	if (l3.frag_later) {
		/* No L4 header here: keyed by addresses until reassembly
		 * finds its first fragment. */
		pm->flags |= SM_PF_FRAG_LATER;
		key_addresses(pm, &l3, SM_KEY_FRAG_ORPHAN, vlan);
		return SM_PARSE_FRAGMENT;
	}
	return parse_l4(m, pm, cnt, &l3, vlan);
}
