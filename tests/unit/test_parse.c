/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet parser on hand-built frames in real mbufs.
 *
 * Every frame is written out byte by byte with its fields named, and every
 * expected value is worked out by hand from those bytes in the comment next
 * to the assertion. Keys are written field by field, not built with
 * sm_tuple_key_build(): addresses compare as big-endian numbers and the
 * lower one is endpoint 0, its port travelling with it (tuple.h). Header
 * checksums are zero: the parser does not check them.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sessmon/common.h"
#include "sessmon/counters.h"
#include "sessmon/parse.h"
#include "sessmon/pkt.h"
#include "sessmon/tuple.h"
#include "test_eal.h"

static struct rte_mempool *pool;

/* ------------------------------------------------------------------ */
/* frames */

/* Ethernet destination 02:00:00:00:00:02, source 02:00:00:00:00:01. */
#define ETH_MACS 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01
#define ETH_IPV4 ETH_MACS, 0x08, 0x00 /* EtherType IPv4 */
#define ETH_IPV6 ETH_MACS, 0x86, 0xdd /* EtherType IPv6 */

/* 2001:db8::<last> and fe80::<last> */
#define DOC6(last) 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (last)
#define LL6(last) 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (last)

/* TCP SYN 192.168.1.20:40000 -> 10.1.2.3:443, with an MSS option and
 * Ethernet padding. */
static const uint8_t tcp_syn[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45,                   /* version 4, IHL 5 (20 bytes) */
	0x00,                   /* DSCP, ECN */
	0x00, 0x2c,             /* total length 44 = 20 IP + 24 TCP */
	0x1c, 0x46,             /* identification */
	0x40, 0x00,             /* DF, fragment offset 0 */
	0x40,                   /* TTL 64 */
	0x06,                   /* protocol TCP */
	0x00, 0x00,             /* header checksum */
	192, 168, 1, 20,        /* source */
	10, 1, 2, 3,            /* destination */
	/* TCP */
	0x9c, 0x40,             /* source port 40000 */
	0x01, 0xbb,             /* destination port 443 */
	0x12, 0x34, 0x56, 0x78, /* sequence number */
	0x00, 0x00, 0x00, 0x00, /* acknowledgement number */
	0x60,                   /* data offset 6 words (24 bytes) */
	0x02,                   /* flags SYN */
	0xfa, 0xf0,             /* window */
	0x00, 0x00,             /* checksum */
	0x00, 0x00,             /* urgent pointer */
	0x02, 0x04, 0x05, 0xb4, /* option MSS 1460 */
	/* Ethernet padding up to 60 bytes: not IP bytes */
	0x00, 0x00,
};

/* Its SYN-ACK, 10.1.2.3:443 -> 192.168.1.20:40000. */
static const uint8_t tcp_synack[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45,                   /* version 4, IHL 5 */
	0x00,                   /* DSCP, ECN */
	0x00, 0x2c,             /* total length 44 = 20 IP + 24 TCP */
	0x00, 0x00,             /* identification */
	0x40, 0x00,             /* DF, fragment offset 0 */
	0x39,                   /* TTL 57 */
	0x06,                   /* protocol TCP */
	0x00, 0x00,             /* header checksum */
	10, 1, 2, 3,            /* source */
	192, 168, 1, 20,        /* destination */
	/* TCP */
	0x01, 0xbb,             /* source port 443 */
	0x9c, 0x40,             /* destination port 40000 */
	0x9a, 0xbc, 0xde, 0xf0, /* sequence number */
	0x12, 0x34, 0x56, 0x79, /* acknowledgement number: SYN's + 1 */
	0x60,                   /* data offset 6 words */
	0x12,                   /* flags SYN ACK */
	0xfe, 0x88,             /* window */
	0x00, 0x00,             /* checksum */
	0x00, 0x00,             /* urgent pointer */
	0x02, 0x04, 0x05, 0xb4, /* option MSS 1460 */
	0x00, 0x00,             /* Ethernet padding */
};

/* The client's first data segment: 5 payload bytes. */
static const uint8_t tcp_data[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45,                   /* version 4, IHL 5 */
	0x00,                   /* DSCP, ECN */
	0x00, 0x2d,             /* total length 45 = 20 IP + 20 TCP + 5 data */
	0x1c, 0x47,             /* identification */
	0x40, 0x00,             /* DF, fragment offset 0 */
	0x40,                   /* TTL 64 */
	0x06,                   /* protocol TCP */
	0x00, 0x00,             /* header checksum */
	192, 168, 1, 20,        /* source */
	10, 1, 2, 3,            /* destination */
	/* TCP */
	0x9c, 0x40,             /* source port 40000 */
	0x01, 0xbb,             /* destination port 443 */
	0x12, 0x34, 0x56, 0x79, /* sequence number */
	0x9a, 0xbc, 0xde, 0xf1, /* acknowledgement number */
	0x50,                   /* data offset 5 words (20 bytes) */
	0x18,                   /* flags PSH ACK */
	0x01, 0xf6,             /* window */
	0x00, 0x00,             /* checksum */
	0x00, 0x00,             /* urgent pointer */
	'h', 'e', 'l', 'l', 'o', /* payload */
	0x00,                   /* Ethernet padding */
};

/* TCP 10.0.0.1:80 -> 10.0.0.2:50000 whose flag byte (frame offset
 * 14 + 20 + 13 = 47) each flag test overwrites. */
#define TCP_FLAGS_OFF 47
static const uint8_t tcp_flags_base[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x28,             /* total length 40 = 20 IP + 20 TCP */
	0x00, 0x07,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x40, 0x06,             /* TTL 64, protocol TCP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 1,            /* source */
	10, 0, 0, 2,            /* destination */
	/* TCP */
	0x00, 0x50,             /* source port 80 */
	0xc3, 0x50,             /* destination port 50000 */
	0x00, 0x00, 0x00, 0x01, /* sequence number */
	0x00, 0x00, 0x00, 0x00, /* acknowledgement number */
	0x50,                   /* data offset 5 words */
	0x10,                   /* flags ACK (replaced by the tests) */
	0x04, 0x00,             /* window */
	0x00, 0x00,             /* checksum */
	0x00, 0x00,             /* urgent pointer */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* Ethernet padding */
};

/* The same segment claiming 1500 IP bytes, captured up to 10 payload bytes
 * (a 64-byte snap length). */
static const uint8_t tcp_snapcut[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x05, 0xdc,             /* total length 1500 */
	0x00, 0x08,             /* identification */
	0x40, 0x00,             /* DF, fragment offset 0 */
	0x40, 0x06,             /* TTL 64, protocol TCP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 1,            /* source */
	10, 0, 0, 2,            /* destination */
	/* TCP */
	0x00, 0x50,             /* source port 80 */
	0xc3, 0x50,             /* destination port 50000 */
	0x00, 0x00, 0x00, 0x01, /* sequence number */
	0x00, 0x00, 0x10, 0x00, /* acknowledgement number */
	0x50,                   /* data offset 5 words */
	0x10,                   /* flags ACK */
	0x04, 0x00,             /* window */
	0x00, 0x00,             /* checksum */
	0x00, 0x00,             /* urgent pointer */
	/* the first 10 of 1460 payload bytes */
	0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e, 0x31, 0x20, 0x32,
};

/* A TCP header cut to 10 bytes by the IP total length (the frame carries
 * all the IP bytes, then padding). */
static const uint8_t tcp_l4_cut[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x1e,             /* total length 30 = 20 IP + 10 TCP */
	0x00, 0x09,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x40, 0x06,             /* TTL 64, protocol TCP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 2,            /* source */
	10, 0, 0, 1,            /* destination */
	/* TCP, first 10 bytes */
	0xc3, 0x50,             /* source port 50000 */
	0x00, 0x50,             /* destination port 80 */
	0x00, 0x00, 0x00, 0x01, /* sequence number */
	0x00, 0x00,             /* half an acknowledgement number */
	/* Ethernet padding: past the IP total length, so not TCP bytes */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* A TCP header cut to 10 bytes by the capture length (total length 40). */
static const uint8_t tcp_l4_snapcut[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x28,             /* total length 40 = 20 IP + 20 TCP */
	0x00, 0x0a,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x40, 0x06,             /* TTL 64, protocol TCP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 2,            /* source */
	10, 0, 0, 1,            /* destination */
	/* TCP, first 10 bytes captured */
	0xc3, 0x50,             /* source port 50000 */
	0x00, 0x50,             /* destination port 80 */
	0x00, 0x00, 0x00, 0x01, /* sequence number */
	0x00, 0x00,             /* half an acknowledgement number */
};

/* UDP 172.16.0.1:33000 -> 172.16.0.2:53 without its link header: the VLAN
 * tests put different ones in front. */
static const uint8_t udp4_ip[] = {
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x28,             /* total length 40 = 20 IP + 8 UDP + 12 data */
	0x00, 0x01,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x40, 0x11,             /* TTL 64, protocol UDP */
	0x00, 0x00,             /* header checksum */
	172, 16, 0, 1,          /* source */
	172, 16, 0, 2,          /* destination */
	/* UDP */
	0x80, 0xe8,             /* source port 33000 */
	0x00, 0x35,             /* destination port 53 */
	0x00, 0x14,             /* length 20 */
	0x00, 0x00,             /* checksum */
	/* 12 payload bytes: a DNS header */
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t l2_plain[] = { ETH_IPV4 };

static const uint8_t l2_dot1q[] = {
	ETH_MACS,
	0x81, 0x00,             /* 802.1Q */
	0xa0, 0x64,             /* PCP 5, DEI 0, VLAN 100 */
	0x08, 0x00,             /* IPv4 */
};

/* A priority tag: VLAN id 0 is still a tag. */
static const uint8_t l2_prio[] = {
	ETH_MACS,
	0x81, 0x00,             /* 802.1Q */
	0x60, 0x00,             /* PCP 3, DEI 0, VLAN 0 */
	0x08, 0x00,             /* IPv4 */
};

static const uint8_t l2_qinq[] = {
	ETH_MACS,
	0x88, 0xa8,             /* 802.1ad service tag */
	0x00, 0x0d,             /* VLAN 13 */
	0x81, 0x00,             /* 802.1Q customer tag */
	0x00, 0x0a,             /* VLAN 10 */
	0x08, 0x00,             /* IPv4 */
};

static const uint8_t l2_3tags[] = {
	ETH_MACS,
	0x91, 0x00,             /* old-style QinQ tag */
	0x00, 0x0d,             /* VLAN 13 */
	0x81, 0x00,             /* 802.1Q */
	0x00, 0x0a,             /* VLAN 10 */
	0x81, 0x00,             /* 802.1Q: one too many */
	0x0f, 0xff,             /* VLAN 4095 */
	0x08, 0x00,             /* IPv4 */
};

/* UDP 10.0.0.1:1000 -> 10.0.0.2:2000 behind 4 bytes of IPv4 options. */
static const uint8_t udp4_options[] = {
	ETH_IPV4,
	/* IPv4 */
	0x46, 0x00,             /* version 4, IHL 6 (24 bytes); DSCP, ECN */
	0x00, 0x24,             /* total length 36 = 24 IP + 8 UDP + 4 data */
	0x00, 0x02,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x01, 0x11,             /* TTL 1, protocol UDP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 1,            /* source */
	10, 0, 0, 2,            /* destination */
	0x94, 0x04, 0x00, 0x00, /* option: router alert */
	/* UDP */
	0x03, 0xe8,             /* source port 1000 */
	0x07, 0xd0,             /* destination port 2000 */
	0x00, 0x0c,             /* length 12 */
	0x00, 0x00,             /* checksum */
	0xde, 0xad, 0xbe, 0xef, /* payload */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* Ethernet padding */
};

/* UDP 2001:db8::1:546 -> 2001:db8::2:547 behind hop-by-hop and routing
 * headers. */
static const uint8_t udp6_ext[] = {
	ETH_IPV6,
	/* IPv6 */
	0x60, 0x0a, 0xbc, 0xde, /* version 6, traffic class 0, flow label 0xabcde */
	0x00, 0x2c,             /* payload length 44 = 8 HBH + 24 routing + 8 UDP + 4 data */
	0x00,                   /* next header: hop-by-hop options */
	0x40,                   /* hop limit 64 */
	DOC6(0x01),             /* source 2001:db8::1 */
	DOC6(0x02),             /* destination 2001:db8::2 */
	/* hop-by-hop options */
	0x2b,                   /* next header: routing (43) */
	0x00,                   /* length 0: 8 bytes */
	0x01, 0x04, 0x00, 0x00, 0x00, 0x00, /* PadN, 4 bytes */
	/* routing */
	0x11,                   /* next header: UDP */
	0x02,                   /* length 2: (2 + 1) * 8 = 24 bytes */
	0x00,                   /* routing type 0 */
	0x00,                   /* segments left 0 */
	0x00, 0x00, 0x00, 0x00, /* reserved */
	DOC6(0x03),             /* address 2001:db8::3 */
	/* UDP */
	0x02, 0x22,             /* source port 546 */
	0x02, 0x23,             /* destination port 547 */
	0x00, 0x0c,             /* length 12 */
	0x00, 0x00,             /* checksum */
	0x01, 0x02, 0x03, 0x04, /* payload */
};

/* A chain longer than the packet: the routing header says 24 bytes, the
 * payload length leaves it 8. */
static const uint8_t ipv6_ext_overrun[] = {
	ETH_IPV6,
	/* IPv6 */
	0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */
	0x00, 0x10,             /* payload length 16 = 8 HBH + 8 */
	0x00,                   /* next header: hop-by-hop options */
	0x40,                   /* hop limit 64 */
	DOC6(0x01),             /* source */
	DOC6(0x02),             /* destination */
	/* hop-by-hop options */
	0x2b,                   /* next header: routing */
	0x00,                   /* length 0: 8 bytes */
	0x01, 0x04, 0x00, 0x00, 0x00, 0x00, /* PadN, 4 bytes */
	/* routing, first 8 of its 24 bytes */
	0x11,                   /* next header: UDP */
	0x02,                   /* length 2: 24 bytes */
	0x00, 0x00,             /* routing type 0, segments left 0 */
	0x00, 0x00, 0x00, 0x00, /* reserved */
};

/* ICMP echo request 10.0.0.9 -> 10.0.0.1, identifier 0x1234. */
static const uint8_t icmp_echo_req[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x24,             /* total length 36 = 20 IP + 8 ICMP + 8 data */
	0xab, 0xcd,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x40, 0x01,             /* TTL 64, protocol ICMP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 9,            /* source */
	10, 0, 0, 1,            /* destination */
	/* ICMP */
	0x08, 0x00,             /* type 8 echo request, code 0 */
	0x00, 0x00,             /* checksum */
	0x12, 0x34,             /* identifier 0x1234 */
	0x00, 0x01,             /* sequence 1 */
	0, 1, 2, 3, 4, 5, 6, 7, /* data */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* Ethernet padding */
};

/* Its echo reply, 10.0.0.1 -> 10.0.0.9. */
static const uint8_t icmp_echo_rep[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x24,             /* total length 36 */
	0x55, 0x66,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x40, 0x01,             /* TTL 64, protocol ICMP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 1,            /* source */
	10, 0, 0, 9,            /* destination */
	/* ICMP */
	0x00, 0x00,             /* type 0 echo reply, code 0 */
	0x00, 0x00,             /* checksum */
	0x12, 0x34,             /* identifier 0x1234 */
	0x00, 0x01,             /* sequence 1 */
	0, 1, 2, 3, 4, 5, 6, 7, /* data */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* Ethernet padding */
};

/* ICMP router advertisement 10.0.0.1 -> 224.0.0.1. */
static const uint8_t icmp_router_adv[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x24,             /* total length 36 = 20 IP + 16 ICMP */
	0x00, 0x03,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x01, 0x01,             /* TTL 1, protocol ICMP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 1,            /* source */
	224, 0, 0, 1,           /* destination */
	/* ICMP */
	0x09, 0x00,             /* type 9 router advertisement, code 0 */
	0x00, 0x00,             /* checksum */
	0x01,                   /* 1 address */
	0x02,                   /* address entry size 2 words */
	0x07, 0x08,             /* lifetime 1800 s */
	10, 0, 0, 1,            /* router address */
	0x00, 0x00, 0x00, 0x00, /* preference */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* Ethernet padding */
};

/* ICMPv6 neighbour solicitation fe80::2 -> fe80::1 (unicast, as for
 * neighbour unreachability detection), and the one the other way. */
static const uint8_t icmp6_ns_from2[] = {
	ETH_IPV6,
	/* IPv6 */
	0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */
	0x00, 0x18,             /* payload length 24 */
	0x3a,                   /* next header: ICMPv6 */
	0xff,                   /* hop limit 255 */
	LL6(0x02),              /* source fe80::2 */
	LL6(0x01),              /* destination fe80::1 */
	/* ICMPv6 */
	0x87, 0x00,             /* type 135 neighbour solicitation, code 0 */
	0x00, 0x00,             /* checksum */
	0x00, 0x00, 0x00, 0x00, /* reserved */
	LL6(0x01),              /* target fe80::1 */
};

static const uint8_t icmp6_ns_from1[] = {
	ETH_IPV6,
	/* IPv6 */
	0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */
	0x00, 0x18,             /* payload length 24 */
	0x3a,                   /* next header: ICMPv6 */
	0xff,                   /* hop limit 255 */
	LL6(0x01),              /* source fe80::1 */
	LL6(0x02),              /* destination fe80::2 */
	/* ICMPv6 */
	0x87, 0x00,             /* type 135 neighbour solicitation, code 0 */
	0x00, 0x00,             /* checksum */
	0x00, 0x00, 0x00, 0x00, /* reserved */
	LL6(0x02),              /* target fe80::2 */
};

/* Port unreachable from router 10.0.0.254 to 10.0.0.5, quoting UDP
 * 10.0.0.5:40001 -> 10.0.0.7:33434. */
static const uint8_t icmp_unreach_udp[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x3c,             /* total length 60 = 20 IP + 8 ICMP + 32 quoted */
	0x00, 0x04,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x40, 0x01,             /* TTL 64, protocol ICMP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 254,          /* source */
	10, 0, 0, 5,            /* destination */
	/* ICMP */
	0x03, 0x03,             /* type 3 destination unreachable, code 3 port */
	0x00, 0x00,             /* checksum */
	0x00, 0x00, 0x00, 0x00, /* unused */
	/* quoted IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x20,             /* total length 32 = 20 IP + 8 UDP + 4 data */
	0x00, 0x05,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x01, 0x11,             /* TTL 1, protocol UDP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 5,            /* source */
	10, 0, 0, 7,            /* destination */
	/* quoted UDP */
	0x9c, 0x41,             /* source port 40001 */
	0x82, 0x9a,             /* destination port 33434 */
	0x00, 0x0c,             /* length 12 */
	0x00, 0x00,             /* checksum */
	0x01, 0x02, 0x03, 0x04, /* payload */
};

/* The quoted packet on its own. */
static const uint8_t udp_quoted_alone[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x20,             /* total length 32 */
	0x00, 0x05,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x01, 0x11,             /* TTL 1, protocol UDP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 5,            /* source */
	10, 0, 0, 7,            /* destination */
	/* UDP */
	0x9c, 0x41,             /* source port 40001 */
	0x82, 0x9a,             /* destination port 33434 */
	0x00, 0x0c,             /* length 12 */
	0x00, 0x00,             /* checksum */
	0x01, 0x02, 0x03, 0x04, /* payload */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* Ethernet padding */
};

/* ICMPv6 time exceeded from router 2001:db8::fe to 2001:db8::20, quoting a
 * TCP SYN 2001:db8::20:50000 -> 2001:db8::10:22. */
static const uint8_t icmp6_timex_tcp[] = {
	ETH_IPV6,
	/* IPv6 */
	0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */
	0x00, 0x44,             /* payload length 68 = 8 ICMPv6 + 40 IPv6 + 20 TCP */
	0x3a,                   /* next header: ICMPv6 */
	0x40,                   /* hop limit 64 */
	DOC6(0xfe),             /* source 2001:db8::fe */
	DOC6(0x20),             /* destination 2001:db8::20 */
	/* ICMPv6 */
	0x03, 0x00,             /* type 3 time exceeded, code 0 hop limit */
	0x00, 0x00,             /* checksum */
	0x00, 0x00, 0x00, 0x00, /* unused */
	/* quoted IPv6 */
	0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */
	0x00, 0x14,             /* payload length 20 */
	0x06,                   /* next header: TCP */
	0x01,                   /* hop limit 1 */
	DOC6(0x20),             /* source 2001:db8::20 */
	DOC6(0x10),             /* destination 2001:db8::10 */
	/* quoted TCP */
	0xc3, 0x50,             /* source port 50000 */
	0x00, 0x16,             /* destination port 22 */
	0x00, 0x00, 0x30, 0x39, /* sequence number */
	0x00, 0x00, 0x00, 0x00, /* acknowledgement number */
	0x50, 0x02,             /* data offset 5 words, flags SYN */
	0xff, 0xff,             /* window */
	0x00, 0x00,             /* checksum */
	0x00, 0x00,             /* urgent pointer */
};

/* Host unreachable quoting 20 bytes that are no IP header (version 0). */
static const uint8_t icmp_unreach_garbage[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x30,             /* total length 48 = 20 IP + 8 ICMP + 20 quoted */
	0x00, 0x0b,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x40, 0x01,             /* TTL 64, protocol ICMP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 254,          /* source */
	10, 0, 0, 5,            /* destination */
	/* ICMP */
	0x03, 0x01,             /* type 3 destination unreachable, code 1 host */
	0x00, 0x00,             /* checksum */
	0x00, 0x00, 0x00, 0x00, /* unused */
	/* "quoted header" */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Time exceeded quoting 12 bytes, less than an IPv4 header. */
static const uint8_t icmp_timex_short[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x28,             /* total length 40 = 20 IP + 8 ICMP + 12 quoted */
	0x00, 0x0c,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x40, 0x01,             /* TTL 64, protocol ICMP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 254,          /* source */
	10, 0, 0, 5,            /* destination */
	/* ICMP */
	0x0b, 0x00,             /* type 11 time exceeded, code 0 */
	0x00, 0x00,             /* checksum */
	0x00, 0x00, 0x00, 0x00, /* unused */
	/* the first 12 bytes of an IPv4 header */
	0x45, 0x00, 0x00, 0x20, 0x00, 0x05, 0x00, 0x00, 0x01, 0x11, 0x00, 0x00,
	0, 0, 0, 0, 0, 0,       /* Ethernet padding */
};

/* First fragment of UDP 10.0.0.1:5000 -> 10.0.0.2:6000, IP id 0xbeef, UDP
 * length 32: the UDP header and 8 data bytes. */
static const uint8_t frag4_first[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x24,             /* total length 36 = 20 IP + 16 */
	0xbe, 0xef,             /* identification */
	0x20, 0x00,             /* MF, fragment offset 0 */
	0x40, 0x11,             /* TTL 64, protocol UDP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 1,            /* source */
	10, 0, 0, 2,            /* destination */
	/* UDP */
	0x13, 0x88,             /* source port 5000 */
	0x17, 0x70,             /* destination port 6000 */
	0x00, 0x20,             /* length 32 */
	0x00, 0x00,             /* checksum */
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, /* data 0-7 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* Ethernet padding */
};

/* Its last fragment: datagram bytes 16-31. */
static const uint8_t frag4_last[] = {
	ETH_IPV4,
	/* IPv4 */
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x24,             /* total length 36 = 20 IP + 16 */
	0xbe, 0xef,             /* identification */
	0x00, 0x02,             /* no MF, fragment offset 2 (16 bytes) */
	0x40, 0x11,             /* TTL 64, protocol UDP */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 1,            /* source */
	10, 0, 0, 2,            /* destination */
	/* data 8-23 */
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* Ethernet padding */
};

/* First fragment of UDP 2001:db8::1:7000 -> 2001:db8::2:8000, fragment id
 * 0x12345678, UDP length 32: the UDP header and 8 data bytes. */
static const uint8_t frag6_first[] = {
	ETH_IPV6,
	/* IPv6 */
	0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */
	0x00, 0x18,             /* payload length 24 = 8 fragment + 16 */
	0x2c,                   /* next header: fragment (44) */
	0x40,                   /* hop limit 64 */
	DOC6(0x01),             /* source 2001:db8::1 */
	DOC6(0x02),             /* destination 2001:db8::2 */
	/* fragment header */
	0x11,                   /* next header: UDP */
	0x00,                   /* reserved */
	0x00, 0x01,             /* offset 0, M 1 */
	0x12, 0x34, 0x56, 0x78, /* identification */
	/* UDP */
	0x1b, 0x58,             /* source port 7000 */
	0x1f, 0x40,             /* destination port 8000 */
	0x00, 0x20,             /* length 32 */
	0x00, 0x00,             /* checksum */
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, /* data 0-7 */
};

/* Its last fragment: datagram bytes 16-31. */
static const uint8_t frag6_last[] = {
	ETH_IPV6,
	/* IPv6 */
	0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */
	0x00, 0x18,             /* payload length 24 = 8 fragment + 16 */
	0x2c,                   /* next header: fragment */
	0x40,                   /* hop limit 64 */
	DOC6(0x01),             /* source */
	DOC6(0x02),             /* destination */
	/* fragment header */
	0x11,                   /* next header: UDP */
	0x00,                   /* reserved */
	0x00, 0x10,             /* offset 2 (16 bytes) << 3, M 0 */
	0x12, 0x34, 0x56, 0x78, /* identification */
	/* data 8-23 */
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
};

/* An atomic fragment: a fragment header with offset 0 and M 0 in front of
 * a whole UDP datagram. */
static const uint8_t frag6_atomic[] = {
	ETH_IPV6,
	/* IPv6 */
	0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */
	0x00, 0x18,             /* payload length 24 = 8 fragment + 8 UDP + 8 data */
	0x2c,                   /* next header: fragment */
	0x40,                   /* hop limit 64 */
	DOC6(0x01),             /* source */
	DOC6(0x02),             /* destination */
	/* fragment header */
	0x11,                   /* next header: UDP */
	0x00,                   /* reserved */
	0x00, 0x00,             /* offset 0, M 0 */
	0x87, 0x65, 0x43, 0x21, /* identification */
	/* UDP */
	0x1b, 0x58,             /* source port 7000 */
	0x1f, 0x40,             /* destination port 8000 */
	0x00, 0x10,             /* length 16 */
	0x00, 0x00,             /* checksum */
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, /* data */
};

static const uint8_t arp_request[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* destination: broadcast */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* source */
	0x08, 0x06,             /* EtherType ARP */
	0x00, 0x01,             /* hardware Ethernet */
	0x08, 0x00,             /* protocol IPv4 */
	0x06, 0x04,             /* address lengths 6 and 4 */
	0x00, 0x01,             /* request */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 10, 0, 0, 1, /* sender */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 10, 0, 0, 2, /* target */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* padding */
};

/* 10 bytes: not even the MAC addresses. */
static const uint8_t runt[] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00 };

/* An 802.1Q tag cut after its TCI. */
static const uint8_t vlan_cut[] = {
	ETH_MACS,
	0x81, 0x00,             /* 802.1Q */
	0x00, 0x64,             /* VLAN 100, then nothing */
};

/* An IPv4 EtherType and 10 bytes of header. */
static const uint8_t ipv4_cut[] = {
	ETH_IPV4,
	0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06,
};

/* An IPv6 EtherType and 30 of 40 header bytes. */
static const uint8_t ipv6_cut[] = {
	ETH_IPV6,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x11, 0x40,
	DOC6(0x01),
	0x20, 0x01, 0x0d, 0xb8, 0, 0,
};

/* IHL 4: 16 bytes, below the 20-byte minimum. */
static const uint8_t ipv4_ihl4[] = {
	ETH_IPV4,
	0x44, 0x00,             /* version 4, IHL 4 */
	0x00, 0x28,             /* total length 40 */
	0x00, 0x01, 0x00, 0x00, /* identification, flags, offset */
	0x40, 0x11, 0x00, 0x00, /* TTL 64, UDP, checksum */
	10, 0, 0, 1, 10, 0, 0, 2, /* addresses */
	0x00, 0x35, 0x00, 0x35, 0x00, 0x14, 0x00, 0x00, /* UDP */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* UDP data */
};

/* IHL 15: 60 bytes of header in a frame with 40 IP bytes. */
static const uint8_t ipv4_ihl15[] = {
	ETH_IPV4,
	0x4f, 0x00,             /* version 4, IHL 15 */
	0x00, 0x28,             /* total length 40 */
	0x00, 0x01, 0x00, 0x00, /* identification, flags, offset */
	0x40, 0x11, 0x00, 0x00, /* TTL 64, UDP, checksum */
	10, 0, 0, 1, 10, 0, 0, 2, /* addresses */
	0x00, 0x35, 0x00, 0x35, 0x00, 0x14, 0x00, 0x00, /* "options" */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Total length 19, less than the 20-byte header. */
static const uint8_t ipv4_short_total[] = {
	ETH_IPV4,
	0x45, 0x00,             /* version 4, IHL 5 */
	0x00, 0x13,             /* total length 19 */
	0x00, 0x01, 0x00, 0x00, /* identification, flags, offset */
	0x40, 0x11, 0x00, 0x00, /* TTL 64, UDP, checksum */
	10, 0, 0, 1, 10, 0, 0, 2, /* addresses */
	0x00, 0x35, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00, /* UDP */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* padding */
};

/* An IPv4 EtherType in front of an IPv6 header. */
static const uint8_t ipv4_type_v6_hdr[] = {
	ETH_IPV4,
	0x60, 0x00, 0x00, 0x00, /* version 6 */
	0x00, 0x08, 0x11, 0x40, /* payload length 8, UDP, hop limit 64 */
	DOC6(0x01), DOC6(0x02),
	0x00, 0x35, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00, /* UDP */
};

/* Next header 1 in IPv6: not ICMPv6 (58), whatever its bytes look like
 * (here an ICMPv4 port unreachable). */
static const uint8_t ipv6_proto1[] = {
	ETH_IPV6,
	0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */
	0x00, 0x08,             /* payload length 8 */
	0x01,                   /* next header 1 */
	0x40,                   /* hop limit 64 */
	DOC6(0x01),             /* source */
	DOC6(0x02),             /* destination */
	0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Protocol 58 in IPv4: not ICMP (1), here with ICMPv6 echo request bytes. */
static const uint8_t ipv4_proto58[] = {
	ETH_IPV4,
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */
	0x00, 0x1c,             /* total length 28 = 20 + 8 */
	0x00, 0x0d,             /* identification */
	0x00, 0x00,             /* flags 0, fragment offset 0 */
	0x40, 0x3a,             /* TTL 64, protocol 58 */
	0x00, 0x00,             /* header checksum */
	10, 0, 0, 1,            /* source */
	10, 0, 0, 2,            /* destination */
	0x80, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* Ethernet padding */
};

/* ------------------------------------------------------------------ */
/* helpers */

/* What one parse produced. */
struct parsed {
	enum sm_parse_result r;
	struct sm_pkt_meta pm;
	struct sm_counters cnt;
	unsigned int l2_len, l3_len;
};

/* The caller-owned fields get these values before each parse: the parser
 * must leave them alone. */
#define TS_US 1700000000123456ULL
#define SEQ 77
#define IN_PORT 3

static void
parse_mbuf(struct parsed *p, struct rte_mbuf *m)
{
	struct sm_pkt_meta *pm = sm_pkt_meta(m);

	/* Zeroed first so that two results compare bytewise, padding too. */
	memset(pm, 0, sizeof(*pm));
	pm->ts_us = pm->ts_first_us = TS_US;
	pm->seq = SEQ;
	pm->in_port = IN_PORT;
	memset(&p->cnt, 0, sizeof(p->cnt));
	m->l2_len = 0;
	m->l3_len = 0;
	p->r = sm_parse_pkt(m, pm, &p->cnt);
	p->pm = *pm;
	p->l2_len = m->l2_len;
	p->l3_len = m->l3_len;
}

static void
parse(struct parsed *p, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = sm_test_mbuf(pool, frame, len);

	parse_mbuf(p, m);
	rte_pktmbuf_free(m);
}

#define PARSE(p, frame) parse(p, frame, sizeof(frame))

/* A link header followed by an IP packet, as one frame. */
static void
parse_cat(struct parsed *p, const uint8_t *l2, size_t l2_len, const uint8_t *ip, size_t ip_len)
{
	uint8_t frame[256];

	assert_true(l2_len + ip_len <= sizeof(frame));
	memcpy(frame, l2, l2_len);
	memcpy(frame + l2_len, ip, ip_len);
	parse(p, frame, l2_len + ip_len);
}

/*
 * Every counter is zero except the (counter, value) pairs given, the list
 * ended by SM_CNT_MAX.
 */
static void
expect_counters(const struct sm_counters *c, ...)
{
	uint64_t want[SM_CNT_MAX] = { 0 };
	va_list ap;
	int id;

	va_start(ap, c);
	while ((id = va_arg(ap, int)) != SM_CNT_MAX)
		want[id] = (uint64_t)va_arg(ap, int);
	va_end(ap);
	for (unsigned int i = 0; i < SM_CNT_MAX; i++)
		if (c->v[i] != want[i])
			fail_msg("counter %s is %" PRIu64 ", expected %" PRIu64,
				 sm_counter_name(i), c->v[i], want[i]);
}

/* A dropped frame counted by @p why alone. */
static void
expect_drop(const struct parsed *p, enum sm_counter why)
{
	assert_int_equal(p->r, SM_PARSE_DROP);
	expect_counters(&p->cnt, why, 1, SM_CNT_MAX);
}

/* The key (and its hash) equals @p want, given field by field. */
static void
expect_key(const struct parsed *p, const struct sm_sess_key *want)
{
	assert_memory_equal(&p->pm.key, want, sizeof(*want));
	assert_int_equal(p->pm.hash, sm_tuple_hash(want));
}

/* The caller-owned fields are as set, and a parsed frame is one wire packet. */
static void
expect_caller_fields_kept(const struct parsed *p)
{
	assert_true(p->pm.ts_us == TS_US);
	assert_true(p->pm.ts_first_us == TS_US);
	assert_int_equal(p->pm.seq, SEQ);
	assert_int_equal(p->pm.in_port, IN_PORT);
	assert_int_equal(p->pm.n_wire, 1);
}

/* ------------------------------------------------------------------ */
/* TCP */

static void
test_tcp_syn(void **state)
{
	static const uint8_t dst_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t src_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	struct parsed p;

	(void)state;
	PARSE(&p, tcp_syn);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_MAX);
	expect_caller_fields_kept(&p);
	/* 10.1.2.3 (0x0a...) is below 192.168.1.20 (0xc0...): the server is
	 * endpoint 0 with its port 443. */
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { 10, 1, 2, 3 }, { 192, 168, 1, 20 } },
		.port = { 443, 40000 }, .proto = 6, .family = 4, .kind = SM_KEY_L4 });
	/* The SYN comes from endpoint 1 and is no reply. */
	assert_int_equal(p.pm.flags, 0);
	assert_int_equal(p.pm.kind, SM_PKT_SESSION);
	assert_int_equal(p.pm.tcp_flags, SM_TCP_SYN);
	assert_int_equal(p.pm.tcp_seq, 0x12345678);
	assert_int_equal(p.pm.tcp_ack, 0);
	/* The total length, not the 60-byte padded frame. */
	assert_int_equal(p.pm.ip_bytes, 44);
	/* 44 - 20 IP - 24 TCP */
	assert_int_equal(p.pm.payload_len, 0);
	assert_int_equal(p.pm.l3_off, 14);
	assert_int_equal(p.pm.l4_off, 34);
	assert_int_equal(p.pm.ip_ttl, 64);
	assert_int_equal(p.pm.flow_label, 0);
	assert_int_equal(p.pm.icmp_type, 0);
	assert_memory_equal(p.pm.src_mac, src_mac, 6);
	assert_memory_equal(p.pm.dst_mac, dst_mac, 6);
}

/* A SYN-ACK is a reply by nature, whichever endpoint sends it. */
static void
test_tcp_synack(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, tcp_synack);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_MAX);
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { 10, 1, 2, 3 }, { 192, 168, 1, 20 } },
		.port = { 443, 40000 }, .proto = 6, .family = 4, .kind = SM_KEY_L4 });
	/* Sent by 10.1.2.3, endpoint 0. */
	assert_int_equal(p.pm.flags, SM_PF_FROM_LO | SM_PF_RESPONSE);
	assert_int_equal(p.pm.tcp_flags, SM_TCP_SYN | SM_TCP_ACK);
	assert_int_equal(p.pm.tcp_seq, 0x9abcdef0);
	assert_int_equal(p.pm.tcp_ack, 0x12345679);
	assert_int_equal(p.pm.ip_ttl, 57);
}

/* Both directions meet in one key and one hash; only FROM_LO tells them
 * apart. */
static void
test_tcp_both_directions(void **state)
{
	struct parsed syn, synack, data;

	(void)state;
	PARSE(&syn, tcp_syn);
	PARSE(&synack, tcp_synack);
	PARSE(&data, tcp_data);
	assert_memory_equal(&syn.pm.key, &synack.pm.key, sizeof(syn.pm.key));
	assert_memory_equal(&syn.pm.key, &data.pm.key, sizeof(syn.pm.key));
	assert_int_equal(syn.pm.hash, synack.pm.hash);
	assert_int_equal(syn.pm.hash, data.pm.hash);
	assert_int_equal(syn.pm.flags & SM_PF_FROM_LO, 0);
	assert_int_equal(synack.pm.flags & SM_PF_FROM_LO, SM_PF_FROM_LO);
	assert_int_equal(data.pm.flags, 0);
	/* 45 total - 20 IP - 20 TCP; the padding byte is not payload. */
	assert_int_equal(data.pm.payload_len, 5);
	assert_int_equal(data.pm.ip_bytes, 45);
	assert_int_equal(data.pm.tcp_flags, SM_TCP_PSH | SM_TCP_ACK);
	assert_int_equal(data.pm.tcp_seq, 0x12345679);
	assert_int_equal(data.pm.tcp_ack, 0x9abcdef1);
}

/* Flag combinations no stack sends are counted, and the packet still
 * belongs to its session. */
static void
expect_bad_flags(uint8_t flags)
{
	uint8_t frame[sizeof(tcp_flags_base)];
	struct parsed p;

	memcpy(frame, tcp_flags_base, sizeof(frame));
	frame[TCP_FLAGS_OFF] = flags;
	PARSE(&p, frame);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_TCP_BAD_FLAGS, 1, SM_CNT_MAX);
	assert_int_equal(p.pm.tcp_flags, flags);
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } },
		.port = { 80, 50000 }, .proto = 6, .family = 4, .kind = SM_KEY_L4 });
	assert_int_equal(p.pm.flags, SM_PF_FROM_LO);
}

static void
test_tcp_null(void **state)
{
	(void)state;
	expect_bad_flags(0);
}

static void
test_tcp_syn_fin(void **state)
{
	(void)state;
	expect_bad_flags(SM_TCP_SYN | SM_TCP_FIN);
}

static void
test_tcp_syn_rst(void **state)
{
	(void)state;
	expect_bad_flags(SM_TCP_SYN | SM_TCP_RST);
}

/* XMAS (FIN PSH URG without ACK): every segment after the first SYN
 * carries ACK, so a FIN without one comes from a scanner. */
static void
test_tcp_xmas(void **state)
{
	(void)state;
	expect_bad_flags(SM_TCP_FIN | SM_TCP_PSH | SM_TCP_URG);
}

/* The unchanged base frame (ACK) is an ordinary segment. */
static void
test_tcp_ack_not_bad(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, tcp_flags_base);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_MAX);
	/* 40 - 20 - 20 */
	assert_int_equal(p.pm.payload_len, 0);
}

/* Cut by the capture length: IP bytes and payload come from the header. */
static void
test_snap_cut(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, tcp_snapcut);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_IP_SNAPLEN_CUT, 1, SM_CNT_MAX);
	assert_int_equal(p.pm.flags, SM_PF_FROM_LO | SM_PF_SNAP_CUT);
	assert_int_equal(p.pm.ip_bytes, 1500);
	/* 1500 - 20 IP - 20 TCP */
	assert_int_equal(p.pm.payload_len, 1460);
	assert_int_equal(p.pm.tcp_ack, 0x1000);
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } },
		.port = { 80, 50000 }, .proto = 6, .family = 4, .kind = SM_KEY_L4 });
}

/* A TCP header of 10 bytes: keyed by protocol and addresses only. */
static void
test_l4_truncated(void **state)
{
	const struct sm_sess_key want = {
		.addr = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } },
		.proto = 6, .family = 4, .kind = SM_KEY_L4_TRUNC,
	};
	struct parsed p;

	(void)state;
	PARSE(&p, tcp_l4_cut);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_L4_TRUNC, 1, SM_CNT_MAX);
	expect_key(&p, &want);
	/* From 10.0.0.2, endpoint 1. */
	assert_int_equal(p.pm.flags, 0);
	assert_int_equal(p.pm.ip_bytes, 30);
	assert_int_equal(p.pm.tcp_flags, 0);

	/* The same cut made by the capture length counts both. */
	PARSE(&p, tcp_l4_snapcut);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_IP_SNAPLEN_CUT, 1, SM_CNT_L4_TRUNC, 1, SM_CNT_MAX);
	expect_key(&p, &want);
	assert_int_equal(p.pm.flags, SM_PF_SNAP_CUT);
	assert_int_equal(p.pm.ip_bytes, 40);
}

/* ------------------------------------------------------------------ */
/* link layer, UDP */

/* @p l2 (@p l2_len bytes) in front of udp4_ip gives the UDP key with
 * VLAN slots @p v0, @p v1 and the IP header at @p l2_len. */
static void
expect_udp4_behind(const uint8_t *l2, size_t l2_len, uint16_t v0, uint16_t v1,
		   struct parsed *p)
{
	parse_cat(p, l2, l2_len, udp4_ip, sizeof(udp4_ip));
	assert_int_equal(p->r, SM_PARSE_OK);
	/* 172.16.0.1 < 172.16.0.2: the sender is endpoint 0. */
	expect_key(p, &(struct sm_sess_key){
		.addr = { { 172, 16, 0, 1 }, { 172, 16, 0, 2 } },
		.port = { 33000, 53 }, .vlan = { v0, v1 },
		.proto = 17, .family = 4, .kind = SM_KEY_L4 });
	assert_int_equal(p->pm.flags, SM_PF_FROM_LO);
	assert_int_equal(p->pm.l3_off, l2_len);
	assert_int_equal(p->pm.l4_off, l2_len + 20);
	assert_int_equal(p->pm.ip_bytes, 40);
	/* UDP: 40 - 20 IP - 8 UDP */
	assert_int_equal(p->pm.payload_len, 12);
}

static void
test_udp(void **state)
{
	struct parsed p;

	(void)state;
	expect_udp4_behind(l2_plain, sizeof(l2_plain), 0, 0, &p);
	expect_counters(&p.cnt, SM_CNT_MAX);
}

/* The slot keeps the 12-bit id (100 = 0x64) and drops PCP/DEI. */
static void
test_vlan(void **state)
{
	struct parsed p;

	(void)state;
	expect_udp4_behind(l2_dot1q, sizeof(l2_dot1q), SM_VLAN_PRESENT | 100, 0, &p);
	expect_counters(&p.cnt, SM_CNT_MAX);
	expect_udp4_behind(l2_prio, sizeof(l2_prio), SM_VLAN_PRESENT, 0, &p);
	expect_counters(&p.cnt, SM_CNT_MAX);
}

static void
test_qinq(void **state)
{
	struct parsed p;

	(void)state;
	expect_udp4_behind(l2_qinq, sizeof(l2_qinq), SM_VLAN_PRESENT | 13,
			   SM_VLAN_PRESENT | 10, &p);
	expect_counters(&p.cnt, SM_CNT_MAX);
}

/* A third tag is counted and skipped; the first two are kept. */
static void
test_three_tags(void **state)
{
	struct parsed p;

	(void)state;
	expect_udp4_behind(l2_3tags, sizeof(l2_3tags), SM_VLAN_PRESENT | 13,
			   SM_VLAN_PRESENT | 10, &p);
	expect_counters(&p.cnt, SM_CNT_VLAN_TOO_DEEP, 1, SM_CNT_MAX);
}

/* Options move the L4 header: 14 + 6 * 4 = 38. */
static void
test_ipv4_options(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, udp4_options);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_MAX);
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } },
		.port = { 1000, 2000 }, .proto = 17, .family = 4, .kind = SM_KEY_L4 });
	assert_int_equal(p.pm.l4_off, 38);
	assert_int_equal(p.pm.ip_bytes, 36);
	/* 36 - 24 - 8 */
	assert_int_equal(p.pm.payload_len, 4);
	assert_int_equal(p.pm.ip_ttl, 1);
}

/* ------------------------------------------------------------------ */
/* IPv6 */

static void
test_ipv6_ext_chain(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, udp6_ext);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_MAX);
	/* The key uses the header's destination, not the routing header's. */
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { DOC6(0x01) }, { DOC6(0x02) } },
		.port = { 546, 547 }, .proto = 17, .family = 6, .kind = SM_KEY_L4 });
	assert_int_equal(p.pm.flags, SM_PF_FROM_LO);
	assert_int_equal(p.pm.l3_off, 14);
	/* 14 + 40 IPv6 + 8 hop-by-hop + 24 routing */
	assert_int_equal(p.pm.l4_off, 86);
	/* payload length 44 + 40 */
	assert_int_equal(p.pm.ip_bytes, 84);
	/* 44 - 8 - 24 - 8 UDP */
	assert_int_equal(p.pm.payload_len, 4);
	assert_int_equal(p.pm.flow_label, 0xabcde);
	assert_int_equal(p.pm.ip_ttl, 64);
}

static void
test_ipv6_ext_truncated(void **state)
{
	struct parsed p;

	(void)state;
	/* The routing header ends at 40 + 8 + 24 = 72 bytes into a packet of
	 * 40 + 16 = 56. */
	PARSE(&p, ipv6_ext_overrun);
	expect_drop(&p, SM_CNT_IPV6_EXT_TRUNC);
	/* udp6_ext cut after the first 4 bytes of its routing header. */
	parse(&p, udp6_ext, 14 + 40 + 8 + 4);
	expect_drop(&p, SM_CNT_IPV6_EXT_TRUNC);
}

/* ------------------------------------------------------------------ */
/* ICMP */

/* A request and its reply share the key: the requester's port is the
 * identifier, the replier's the request type. */
static void
test_icmp_echo(void **state)
{
	/* 10.0.0.1 (the replier, port 8) is below 10.0.0.9 (the requester,
	 * port 0x1234). */
	const struct sm_sess_key want = {
		.addr = { { 10, 0, 0, 1 }, { 10, 0, 0, 9 } },
		.port = { 8, 0x1234 }, .proto = 1, .family = 4, .kind = SM_KEY_L4,
	};
	struct parsed req, rep;

	(void)state;
	PARSE(&req, icmp_echo_req);
	assert_int_equal(req.r, SM_PARSE_OK);
	expect_counters(&req.cnt, SM_CNT_MAX);
	expect_key(&req, &want);
	assert_int_equal(req.pm.flags, 0);
	assert_int_equal(req.pm.icmp_type, 8);
	assert_int_equal(req.pm.icmp_code, 0);
	assert_int_equal(req.pm.ip_bytes, 36);
	assert_int_equal(req.pm.kind, SM_PKT_SESSION);

	PARSE(&rep, icmp_echo_rep);
	assert_int_equal(rep.r, SM_PARSE_OK);
	expect_counters(&rep.cnt, SM_CNT_MAX);
	expect_key(&rep, &want);
	assert_int_equal(rep.pm.flags, SM_PF_FROM_LO | SM_PF_RESPONSE);
	assert_int_equal(rep.pm.icmp_type, 0);
}

/* Other ICMP: (type, code) in fixed slots. */
static void
test_icmp_other(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, icmp_router_adv);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_MAX);
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { 10, 0, 0, 1 }, { 224, 0, 0, 1 } },
		.port = { 9, 0 }, .proto = 1, .family = 4, .kind = SM_KEY_L4 });
	assert_int_equal(p.pm.flags, SM_PF_FROM_LO);
	assert_int_equal(p.pm.icmp_type, 9);
	assert_int_equal(p.pm.kind, SM_PKT_SESSION);
}

/* Both neighbours' solicitations are one session: port[0] stays the type
 * even when the higher address sends. */
static void
test_icmp6_neighbour_solicitation(void **state)
{
	const struct sm_sess_key want = {
		.addr = { { LL6(0x01) }, { LL6(0x02) } },
		.port = { 135, 0 }, .proto = 58, .family = 6, .kind = SM_KEY_L4,
	};
	struct parsed p;

	(void)state;
	PARSE(&p, icmp6_ns_from2);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_MAX);
	expect_key(&p, &want);
	assert_int_equal(p.pm.flags, 0);
	assert_int_equal(p.pm.icmp_type, 135);
	/* 24 + 40 */
	assert_int_equal(p.pm.ip_bytes, 64);
	assert_int_equal(p.pm.ip_ttl, 255);

	PARSE(&p, icmp6_ns_from1);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_key(&p, &want);
	assert_int_equal(p.pm.flags, SM_PF_FROM_LO);
}

/* An error is keyed as the packet it quotes and travels back toward that
 * packet's source. */
static void
test_icmp_error_quoting_udp(void **state)
{
	/* The quoted 10.0.0.5:40001 -> 10.0.0.7:33434; 10.0.0.5 is lower. */
	const struct sm_sess_key want = {
		.addr = { { 10, 0, 0, 5 }, { 10, 0, 0, 7 } },
		.port = { 40001, 33434 }, .proto = 17, .family = 4, .kind = SM_KEY_L4,
	};
	struct parsed err, quoted;

	(void)state;
	PARSE(&err, icmp_unreach_udp);
	assert_int_equal(err.r, SM_PARSE_OK);
	expect_counters(&err.cnt, SM_CNT_MAX);
	assert_int_equal(err.pm.kind, SM_PKT_ICMP_ERROR);
	expect_key(&err, &want);
	/* The quoted packet left endpoint 0; the error goes back to it, so it
	 * does not travel from endpoint 0. */
	assert_int_equal(err.pm.flags, 0);
	assert_int_equal(err.pm.icmp_type, 3);
	assert_int_equal(err.pm.icmp_code, 3);
	/* The error's own length. */
	assert_int_equal(err.pm.ip_bytes, 60);

	PARSE(&quoted, udp_quoted_alone);
	assert_int_equal(quoted.r, SM_PARSE_OK);
	expect_key(&quoted, &want);
	assert_int_equal(quoted.pm.flags, SM_PF_FROM_LO);
	assert_int_equal(quoted.pm.kind, SM_PKT_SESSION);
}

static void
test_icmp6_error_quoting_tcp(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, icmp6_timex_tcp);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_MAX);
	assert_int_equal(p.pm.kind, SM_PKT_ICMP_ERROR);
	/* The quoted 2001:db8::20:50000 -> 2001:db8::10:22: ::10 is lower. */
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { DOC6(0x10) }, { DOC6(0x20) } },
		.port = { 22, 50000 }, .proto = 6, .family = 6, .kind = SM_KEY_L4 });
	/* The quoted SYN left endpoint 1 (::20); the error goes back to it,
	 * from endpoint 0's side. */
	assert_int_equal(p.pm.flags, SM_PF_FROM_LO);
	assert_int_equal(p.pm.icmp_type, 3);
	assert_int_equal(p.pm.icmp_code, 0);
	/* 68 + 40 */
	assert_int_equal(p.pm.ip_bytes, 108);
}

static void
test_icmp_error_bad_quote(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, icmp_unreach_garbage);
	expect_drop(&p, SM_CNT_ICMP_ERR_BAD_QUOTE);
	PARSE(&p, icmp_timex_short);
	expect_drop(&p, SM_CNT_ICMP_ERR_BAD_QUOTE);
}

/* ICMP is protocol 1 in IPv4 and 58 in IPv6 only: elsewhere the number
 * is just another protocol, keyed 0/0 with no type read. */
static void
test_icmp_number_per_family(void **state)
{
	const struct sm_sess_key want6 = {
		.addr = { { DOC6(0x01) }, { DOC6(0x02) } },
		.proto = 1, .family = 6, .kind = SM_KEY_L4,
	};
	struct parsed p;

	(void)state;
	PARSE(&p, ipv6_proto1);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_MAX);
	expect_key(&p, &want6);
	assert_int_equal(p.pm.kind, SM_PKT_SESSION);
	assert_int_equal(p.pm.icmp_type, 0);
	assert_int_equal(p.pm.flags, SM_PF_FROM_LO);
	/* Cut to 1 byte after the IPv6 header (54 + 1): nothing to read
	 * past it (the fuzzer's first find). */
	parse(&p, ipv6_proto1, 55);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_IP_SNAPLEN_CUT, 1, SM_CNT_MAX);
	expect_key(&p, &want6);
	assert_int_equal(p.pm.icmp_type, 0);

	PARSE(&p, ipv4_proto58);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_MAX);
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } },
		.proto = 58, .family = 4, .kind = SM_KEY_L4 });
	assert_int_equal(p.pm.icmp_type, 0);
}

/* ------------------------------------------------------------------ */
/* fragments */

static void
test_ipv4_first_fragment(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, frag4_first);
	assert_int_equal(p.r, SM_PARSE_FRAGMENT);
	expect_counters(&p.cnt, SM_CNT_FRAGMENTS, 1, SM_CNT_MAX);
	/* The first fragment has the UDP header: a full key. */
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } },
		.port = { 5000, 6000 }, .proto = 17, .family = 4, .kind = SM_KEY_L4 });
	assert_int_equal(p.pm.flags, SM_PF_FROM_LO | SM_PF_FRAGMENTED);
	assert_int_equal(p.pm.frag_id, 0xbeef);
	assert_int_equal(p.pm.ip_bytes, 36);
	assert_int_equal(p.l2_len, 14);
	assert_int_equal(p.l3_len, 20);
}

/* 30 VLAN tags put the IP header at 134, past what m->l2_len (7 bits)
 * holds: rte_ip_frag would read the wrong bytes, so the fragment is
 * counted as not reassemblable and marked (l3_len 0) to pass alone. */
static void
test_fragment_behind_deep_vlan_stack(void **state)
{
	enum { TAGS = 30, L2 = 12 + TAGS * 4 + 2 };
	uint8_t l2[L2];
	struct parsed p;

	(void)state;
	memcpy(l2, frag4_first, 12);
	for (unsigned int i = 0; i < TAGS; i++)
		memcpy(l2 + 12 + i * 4, (const uint8_t[]){ 0x81, 0x00, 0x00, 0x01 }, 4);
	memcpy(l2 + L2 - 2, (const uint8_t[]){ 0x08, 0x00 }, 2);
	parse_cat(&p, l2, L2, frag4_first + 14, sizeof(frag4_first) - 14);
	assert_int_equal(p.r, SM_PARSE_FRAGMENT);
	expect_counters(&p.cnt, SM_CNT_FRAGMENTS, 1, SM_CNT_FRAG_UNREASSEMBLABLE, 1,
			SM_CNT_VLAN_TOO_DEEP, 1, SM_CNT_MAX);
	assert_int_equal(p.pm.l3_off, L2);
	assert_int_equal(p.l3_len, 0);
}

static void
test_ipv4_later_fragment(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, frag4_last);
	assert_int_equal(p.r, SM_PARSE_FRAGMENT);
	expect_counters(&p.cnt, SM_CNT_FRAGMENTS, 1, SM_CNT_MAX);
	/* No UDP header here: protocol and addresses until reassembly. */
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } },
		.proto = 17, .family = 4, .kind = SM_KEY_FRAG_ORPHAN });
	assert_int_equal(p.pm.flags, SM_PF_FROM_LO | SM_PF_FRAGMENTED | SM_PF_FRAG_LATER);
	assert_int_equal(p.pm.frag_id, 0xbeef);
	assert_int_equal(p.pm.ip_bytes, 36);
	assert_int_equal(p.l2_len, 14);
	assert_int_equal(p.l3_len, 20);
}

static void
test_ipv6_first_fragment(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, frag6_first);
	assert_int_equal(p.r, SM_PARSE_FRAGMENT);
	expect_counters(&p.cnt, SM_CNT_FRAGMENTS, 1, SM_CNT_MAX);
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { DOC6(0x01) }, { DOC6(0x02) } },
		.port = { 7000, 8000 }, .proto = 17, .family = 6, .kind = SM_KEY_L4 });
	assert_int_equal(p.pm.flags, SM_PF_FROM_LO | SM_PF_FRAGMENTED);
	assert_int_equal(p.pm.frag_id, 0x12345678);
	/* 14 + 40 + 8 */
	assert_int_equal(p.pm.l4_off, 62);
	/* 24 + 40 */
	assert_int_equal(p.pm.ip_bytes, 64);
	assert_int_equal(p.l2_len, 14);
	/* IPv6 header and fragment header */
	assert_int_equal(p.l3_len, 48);
}

static void
test_ipv6_later_fragment(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, frag6_last);
	assert_int_equal(p.r, SM_PARSE_FRAGMENT);
	expect_counters(&p.cnt, SM_CNT_FRAGMENTS, 1, SM_CNT_MAX);
	/* The protocol is the fragment header's next header. */
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { DOC6(0x01) }, { DOC6(0x02) } },
		.proto = 17, .family = 6, .kind = SM_KEY_FRAG_ORPHAN });
	assert_int_equal(p.pm.flags, SM_PF_FROM_LO | SM_PF_FRAGMENTED | SM_PF_FRAG_LATER);
	assert_int_equal(p.pm.frag_id, 0x12345678);
	assert_int_equal(p.pm.ip_bytes, 64);
	assert_int_equal(p.l2_len, 14);
	assert_int_equal(p.l3_len, 48);
}

/* Offset 0 and M 0: the whole datagram, parsed as such. */
static void
test_ipv6_atomic_fragment(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, frag6_atomic);
	assert_int_equal(p.r, SM_PARSE_OK);
	expect_counters(&p.cnt, SM_CNT_MAX);
	expect_key(&p, &(struct sm_sess_key){
		.addr = { { DOC6(0x01) }, { DOC6(0x02) } },
		.port = { 7000, 8000 }, .proto = 17, .family = 6, .kind = SM_KEY_L4 });
	assert_int_equal(p.pm.flags, SM_PF_FROM_LO);
	assert_int_equal(p.pm.l4_off, 62);
	/* 24 - 8 fragment header - 8 UDP */
	assert_int_equal(p.pm.payload_len, 8);
	assert_int_equal(p.pm.ip_bytes, 64);
}

/* ------------------------------------------------------------------ */
/* frames that cannot be keyed */

static void
test_ipv4_bad_ihl(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, ipv4_ihl4);
	expect_drop(&p, SM_CNT_IP_BAD_HLEN);
	PARSE(&p, ipv4_ihl15);
	expect_drop(&p, SM_CNT_IP_BAD_HLEN);
}

static void
test_ipv4_bad_total_length(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, ipv4_short_total);
	expect_drop(&p, SM_CNT_IP_BAD_LEN);
}

static void
test_bad_version(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, ipv4_type_v6_hdr);
	expect_drop(&p, SM_CNT_IP_BAD_VERSION);
	/* And the other way: an IPv4 header behind the IPv6 EtherType. */
	parse_cat(&p, (const uint8_t[]){ ETH_IPV6 }, 14, udp4_ip, sizeof(udp4_ip));
	expect_drop(&p, SM_CNT_IP_BAD_VERSION);
}

static void
test_arp(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, arp_request);
	expect_drop(&p, SM_CNT_NON_IP);
}

static void
test_truncated_headers(void **state)
{
	struct parsed p;

	(void)state;
	PARSE(&p, runt);
	expect_drop(&p, SM_CNT_L2_TRUNC);
	PARSE(&p, vlan_cut);
	expect_drop(&p, SM_CNT_L2_TRUNC);
	PARSE(&p, ipv4_cut);
	expect_drop(&p, SM_CNT_IP_TRUNC);
	PARSE(&p, ipv6_cut);
	expect_drop(&p, SM_CNT_IP_TRUNC);
}

/* ------------------------------------------------------------------ */
/* multi-segment mbufs */

#define FRAME(f) { #f, f, sizeof(f) }
static const struct {
	const char *name;
	const uint8_t *frame;
	size_t len;
} all_frames[] = {
	FRAME(tcp_syn), FRAME(tcp_synack), FRAME(tcp_data), FRAME(tcp_flags_base),
	FRAME(tcp_snapcut), FRAME(tcp_l4_cut), FRAME(tcp_l4_snapcut), FRAME(udp4_options),
	FRAME(udp6_ext), FRAME(ipv6_ext_overrun), FRAME(icmp_echo_req), FRAME(icmp_echo_rep),
	FRAME(icmp_router_adv), FRAME(icmp6_ns_from2), FRAME(icmp6_ns_from1),
	FRAME(icmp_unreach_udp), FRAME(udp_quoted_alone), FRAME(icmp6_timex_tcp),
	FRAME(icmp_unreach_garbage), FRAME(icmp_timex_short), FRAME(frag4_first),
	FRAME(frag4_last), FRAME(frag6_first), FRAME(frag6_last), FRAME(frag6_atomic),
	FRAME(arp_request), FRAME(runt), FRAME(vlan_cut), FRAME(ipv4_cut), FRAME(ipv6_cut),
	FRAME(ipv4_ihl4), FRAME(ipv4_ihl15), FRAME(ipv4_short_total), FRAME(ipv4_type_v6_hdr),
	FRAME(ipv6_proto1), FRAME(ipv4_proto58),
};

/* Every frame, split in two chained segments at every byte, parses as it
 * does in one segment: the parser must not assume contiguous headers. */
static void
test_multi_segment(void **state)
{
	(void)state;
	for (size_t i = 0; i < SM_ARRAY_SIZE(all_frames); i++) {
		const uint8_t *f = all_frames[i].frame;
		size_t len = all_frames[i].len;
		struct parsed whole;

		parse(&whole, f, len);
		for (size_t at = 1; at < len; at++) {
			struct rte_mbuf *m = sm_test_mbuf(pool, f, at);
			struct parsed split;

			assert_int_equal(rte_pktmbuf_chain(m, sm_test_mbuf(pool, f + at, len - at)), 0);
			assert_int_equal(m->nb_segs, 2);
			assert_int_equal(rte_pktmbuf_pkt_len(m), len);
			parse_mbuf(&split, m);
			rte_pktmbuf_free(m);
			if (split.r != whole.r || split.l2_len != whole.l2_len ||
			    split.l3_len != whole.l3_len ||
			    memcmp(&split.pm, &whole.pm, sizeof(whole.pm)) != 0 ||
			    memcmp(&split.cnt, &whole.cnt, sizeof(whole.cnt)) != 0)
				fail_msg("%s split at %zu parses differently", all_frames[i].name, at);
		}
	}
}

int
main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_syn),
		cmocka_unit_test(test_tcp_synack),
		cmocka_unit_test(test_tcp_both_directions),
		cmocka_unit_test(test_tcp_null),
		cmocka_unit_test(test_tcp_syn_fin),
		cmocka_unit_test(test_tcp_syn_rst),
		cmocka_unit_test(test_tcp_xmas),
		cmocka_unit_test(test_tcp_ack_not_bad),
		cmocka_unit_test(test_snap_cut),
		cmocka_unit_test(test_l4_truncated),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_qinq),
		cmocka_unit_test(test_three_tags),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv6_ext_chain),
		cmocka_unit_test(test_ipv6_ext_truncated),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_icmp_other),
		cmocka_unit_test(test_icmp6_neighbour_solicitation),
		cmocka_unit_test(test_icmp_error_quoting_udp),
		cmocka_unit_test(test_icmp6_error_quoting_tcp),
		cmocka_unit_test(test_icmp_error_bad_quote),
		cmocka_unit_test(test_icmp_number_per_family),
		cmocka_unit_test(test_ipv4_first_fragment),
		cmocka_unit_test(test_ipv4_later_fragment),
		cmocka_unit_test(test_fragment_behind_deep_vlan_stack),
		cmocka_unit_test(test_ipv6_first_fragment),
		cmocka_unit_test(test_ipv6_later_fragment),
		cmocka_unit_test(test_ipv6_atomic_fragment),
		cmocka_unit_test(test_ipv4_bad_ihl),
		cmocka_unit_test(test_ipv4_bad_total_length),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_truncated_headers),
		cmocka_unit_test(test_multi_segment),
	};
	int rc;

	(void)argc;
	pool = sm_test_eal_init(argv[0], 1024);
	rc = cmocka_run_group_tests_name("parse", tests, NULL, NULL);
	sm_test_eal_fini(pool);
	return rc;
}
