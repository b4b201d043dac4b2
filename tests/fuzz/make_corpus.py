#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of the parser fuzz harness (tests/fuzz/corpus/parse).

One file per frame, its bytes from the Ethernet header on:
- from the shared captures (../shared/traces, pcap and pcapng), the first
  frame of every distinct header layout (VLAN depth, EtherType, IP version,
  protocol, fragment position, IPv6 extension chain, ICMP type, TCP flags
  of untagged IPv4, cut by the capture length), plus the later fragment that follows a first
  one in the same capture, so the two meet in the harness's reassembly
  (files run in name order);
- hand-crafted malformed frames (below), each field named.

Usage: make_corpus.py [--traces DIR] [--out DIR]
The output directory's old files are replaced; the result is deterministic.
"""

import argparse
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_FRAME = 2047           # keep every seed below 2 KB
DLT_EN10MB = 1
VLAN_TYPES = (0x8100, 0x88A8, 0x9100, 0x9200)
IPV6_EXT = (0, 43, 44, 51, 60, 135, 139, 140)


def pcap_frames(data):
    """Frames of a libpcap file, or None if it is not one."""
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        end = '>'
    else:
        return None
    linktype = struct.unpack(end + 'I', data[20:24])[0] & 0xFFFF
    frames = []
    off = 24
    while off + 16 <= len(data):
        incl, orig = struct.unpack(end + 'II', data[off + 8:off + 16])
        off += 16
        # A record cut short ends the file, as for libpcap.
        if off + incl > len(data):
            break
        if linktype == DLT_EN10MB:
            frames.append((data[off:off + incl], orig))
        off += incl
    return frames


def pcapng_frames(data):
    """Frames of a pcapng file (enhanced and simple packet blocks on
    Ethernet interfaces), or None if it is not one."""
    if data[:4] != b'\x0a\x0d\x0d\x0a':
        return None
    frames = []
    end = '<'
    links = []
    off = 0
    while off + 12 <= len(data):
        if data[off:off + 4] == b'\x0a\x0d\x0d\x0a':
            # Each section says its own byte order and restarts interfaces.
            end = '<' if data[off + 8:off + 12] == b'\x4d\x3c\x2b\x1a' else '>'
            links = []
        btype, blen = struct.unpack(end + 'II', data[off:off + 8])
        if blen < 12 or off + blen > len(data):
            break
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            links.append(struct.unpack(end + 'H', body[:2])[0])
        elif btype == 6:
            ifid, _, _, cap, orig = struct.unpack(end + 'IIIII', body[:20])
            if ifid < len(links) and links[ifid] == DLT_EN10MB:
                frames.append((body[20:20 + cap], orig))
        elif btype == 3 and links and links[0] == DLT_EN10MB:
            orig = struct.unpack(end + 'I', body[:4])[0]
            frames.append((body[4:4 + orig], orig))
        off += blen
    return frames


def layout(frame, orig):
    """What the parser sees of a frame, coarsely: frames with equal layouts
    take the same paths."""
    if len(frame) < 14:
        return ('runt',)
    etype = struct.unpack('>H', frame[12:14])[0]
    off, tags = 14, 0
    while etype in VLAN_TYPES and off + 4 <= len(frame):
        etype = struct.unpack('>H', frame[off + 2:off + 4])[0]
        off += 4
        tags += 1
    shape = [tags, etype, orig > len(frame)]
    l4, proto = None, None
    if etype == 0x0800 and off + 20 <= len(frame):
        fo = struct.unpack('>H', frame[off + 6:off + 8])[0]
        proto = frame[off + 9]
        shape += [frame[off] & 0x0F, proto, bool(fo & 0x2000), bool(fo & 0x1FFF)]
        l4 = off + (frame[off] & 0x0F) * 4
    elif etype == 0x86DD and off + 40 <= len(frame):
        proto, cur, chain = frame[off + 6], off + 40, []
        while proto in IPV6_EXT and cur + 8 <= len(frame):
            chain.append(proto)
            if proto == 44:
                fo = struct.unpack('>H', frame[cur + 2:cur + 4])[0]
                chain.append(bool(fo & 0xFFF8))
                proto, cur = frame[cur], cur + 8
            else:
                proto, cur = frame[cur], cur + (frame[cur + 1] + 1) * 8
        shape += [tuple(chain), proto]
        l4 = cur
    if l4 is not None and proto in (1, 58) and l4 < len(frame):
        shape.append(frame[l4])
    elif l4 is not None and proto == 6 and l4 + 14 <= len(frame) and shape[:2] == [0, 0x0800]:
        # SYN, ACK, FIN, RST: enough to tell handshakes and scans apart
        # (once: tagged and IPv6 TCP take no other parser paths).
        shape.append(frame[l4 + 13] & 0x17)
    return tuple(shape)


def is_later_fragment(frame):
    shape = layout(frame, len(frame))
    if shape[:2] == (0, 0x0800) and len(shape) > 6:
        return shape[6]
    if shape[:2] == (0, 0x86DD) and len(shape) > 3:
        chain = shape[3]
        return any(h == 44 and chain[i + 1] for i, h in enumerate(chain[:-1]))
    return False


def from_traces(traces):
    seeds = {}
    seen = set()
    names = sorted(n for n in os.listdir(traces) if '.pcap' in n)
    for name in names:
        with open(os.path.join(traces, name), 'rb') as f:
            data = f.read()
        frames = pcap_frames(data)
        if frames is None:
            frames = pcapng_frames(data) or []
        stem = name.split('.pcap')[0]
        for i, (frame, orig) in enumerate(frames):
            shape = layout(frame, orig)
            if shape in seen or len(frame) > MAX_FRAME:
                continue
            seen.add(shape)
            seeds['%s-%04d' % (stem, i + 1)] = frame
            # The next frame, if a later fragment, most likely completes
            # this datagram: it sorts right after it.
            if i + 1 < len(frames) and len(frames[i + 1][0]) <= MAX_FRAME and \
                    is_later_fragment(frames[i + 1][0]) and not is_later_fragment(frame):
                seeds['%s-%04d' % (stem, i + 2)] = frames[i + 1][0]
                seen.add(layout(*frames[i + 1]))
    return seeds


# Hand-crafted frames. Ethernet destination 02:..:02, source 02:..:01.
MACS = bytes.fromhex('020000000002' '020000000001')
ETH4 = MACS + b'\x08\x00'
ETH6 = MACS + b'\x86\xdd'
A4 = bytes([10, 0, 0, 1])
B4 = bytes([10, 0, 0, 2])
A6 = bytes.fromhex('20010db8000000000000000000000001')
B6 = bytes.fromhex('20010db8000000000000000000000002')


def ipv4(proto, payload, total=None, ihl=5, frag=0, options=b'', src=A4, dst=B4):
    """An IPv4 header (checksum 0: not checked) in front of payload; total
    and ihl may lie."""
    if total is None:
        total = 4 * ihl + len(payload)
    return (bytes([0x40 | ihl, 0]) + struct.pack('>HHH', total, 0x1234, frag) +
            bytes([64, proto, 0, 0]) + src + dst + options + payload)


def ipv6(nh, payload, plen=None, src=A6, dst=B6):
    if plen is None:
        plen = len(payload)
    return b'\x60\x00\x00\x00' + struct.pack('>HBB', plen, nh, 64) + src + dst + payload


def udp(sport, dport, data=b''):
    return struct.pack('>HHHH', sport, dport, 8 + len(data), 0) + data


def tcp(sport, dport, flags, doff=5, data=b''):
    return (struct.pack('>HHIIBBHHH', sport, dport, 1, 0, doff << 4, flags, 1024, 0, 0) +
            bytes(max(0, doff * 4 - 20)) + data)


def with_byte(data, i, value):
    """data with byte i replaced: a field set to a value it cannot have."""
    return data[:i] + bytes([value]) + data[i + 1:]


def ext(nh, length_units=0):
    """An IPv6 hop-by-hop / destination options header: PadN filling it."""
    size = (length_units + 1) * 8
    return bytes([nh, length_units, 1, size - 4]) + bytes(size - 4)


def frag6(nh, offset, more, ident=0xCAFE):
    return bytes([nh, 0]) + struct.pack('>HI', offset << 3 | more, ident)


def crafted():
    quoted_udp = ipv4(17, udp(40001, 33434, b'abcd'))
    frag_payload = udp(5000, 6000, bytes(range(24)))      # 32 datagram bytes
    return {
        # nothing at all, then less than the MAC addresses
        'crafted-empty': b'',
        'crafted-runt': MACS[:10],
        # an 802.1Q tag cut after its TCI
        'crafted-vlan-cut': MACS + b'\x81\x00\x00\x64',
        # three tags (13, 10, 5) in front of UDP: the third is too deep
        'crafted-vlan-3tags': (MACS + b'\x88\xa8\x00\x0d' + b'\x81\x00\x00\x0a' +
                               b'\x81\x00\x00\x05' + b'\x08\x00' + ipv4(17, udp(1, 2, b'x'))),
        # IHL 4 (a 16-byte header); IHL 15 (60 bytes) in a 28-byte packet
        'crafted-ipv4-ihl4': ETH4 + ipv4(17, udp(1, 2), ihl=4),
        'crafted-ipv4-ihl15': ETH4 + ipv4(17, udp(1, 2), ihl=15),
        # total length 19, less than the header
        'crafted-ipv4-total19': ETH4 + ipv4(17, udp(1, 2), total=19),
        # version 6 behind the IPv4 EtherType
        'crafted-ipv4-type-v6': ETH4 + ipv6(17, udp(1, 2)),
        # IPv4 options (router alert) in a first fragment whose TCP header
        # is cut to 8 bytes (a tiny-fragment attack)
        'crafted-ipv4-opts-tinyfrag': ETH4 + ipv4(6, tcp(1, 80, 0x02)[:8], ihl=6, frag=0x2000,
                                                  options=b'\x94\x04\x00\x00'),
        # a datagram in three fragments, the middle overlapping the first
        'crafted-ipv4-frag-1first': ETH4 + ipv4(17, frag_payload[:16], frag=0x2000),
        'crafted-ipv4-frag-2overlap': ETH4 + ipv4(17, frag_payload[8:24], frag=0x2001),
        'crafted-ipv4-frag-3last': ETH4 + ipv4(17, frag_payload[16:], frag=0x0002),
        # TCP data offset (byte 12) 15 words in a 20-byte segment
        'crafted-tcp-doff15': ETH4 + ipv4(6, with_byte(tcp(1, 80, 0x10), 12, 0xf0)),
        # SCTP: ports, then the rest of a 12-byte common header
        'crafted-sctp': ETH4 + ipv4(132, struct.pack('>HHII', 5000, 38412, 0, 0)),
        # an echo request cut to 4 ICMP bytes: no identifier
        'crafted-icmp-echo-cut': ETH4 + ipv4(1, b'\x08\x00\x00\x00'),
        # errors quoting: an error, a later fragment, garbage
        'crafted-icmp-err-quoting-err': ETH4 + ipv4(1, b'\x03\x03\x00\x00\x00\x00\x00\x00' +
                                                    ipv4(1, b'\x0b\x00\x00\x00\x00\x00\x00\x00')),
        'crafted-icmp-err-quoting-later-frag': ETH4 + ipv4(1, b'\x0b\x01\x00\x00\x00\x00\x00\x00' +
                                                           ipv4(17, b'abcdefgh', frag=0x0001)),
        'crafted-icmp-err-garbage': ETH4 + ipv4(1, b'\x03\x01\x00\x00\x00\x00\x00\x00' + bytes(20)),
        # an ICMP error whose quote runs past the error's own length
        'crafted-icmp-err-short-total': ETH4 + ipv4(1, b'\x03\x03\x00\x00\x00\x00\x00\x00' + quoted_udp,
                                                    total=20 + 8 + 20 + 2),
        # ICMPv6 port unreachable quoting UDP behind destination options
        'crafted-icmp6-err-quoted-ext': ETH6 + ipv6(58, b'\x01\x04\x00\x00\x00\x00\x00\x00' +
                                                    ipv6(60, ext(17) + udp(547, 546), src=B6, dst=A6)),
        # extension chains: past the payload length, 17 headers long,
        # hop-by-hop before the fragment header, an atomic fragment
        'crafted-ipv6-ext-overrun': ETH6 + ipv6(0, ext(43) + bytes([17, 2]) + bytes(6)),
        'crafted-ipv6-ext-17': ETH6 + ipv6(60, b''.join(ext(60) for _ in range(16)) + ext(17) + udp(1, 2)),
        'crafted-ipv6-hbh-frag': ETH6 + ipv6(0, ext(44) + frag6(17, 0, 1) + udp(1, 2, bytes(8))),
        'crafted-ipv6-atomic-frag': ETH6 + ipv6(44, frag6(17, 0, 0) + udp(7000, 8000, b'data')),
        # next header 1 (not ICMPv6 there) with 1 of its 8 bytes captured:
        # the parser once read ICMP type and code from it
        'crafted-ipv6-nh1-cut': (ETH6 + ipv6(1, b'\x03\x03' + bytes(6)))[:14 + 40 + 1],
        # payload length 0 (a jumbogram without its option) in front of TCP
        'crafted-ipv6-plen0': ETH6 + ipv6(6, tcp(1, 80, 0x02), plen=0),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--traces', default=os.path.join(HERE, '../../../shared/traces'))
    ap.add_argument('--out', default=os.path.join(HERE, 'corpus/parse'))
    args = ap.parse_args()
    seeds = from_traces(args.traces)
    seeds.update(crafted())
    os.makedirs(args.out, exist_ok=True)
    for old in os.listdir(args.out):
        if old not in seeds:
            os.remove(os.path.join(args.out, old))
    for name, frame in sorted(seeds.items()):
        assert len(frame) <= MAX_FRAME, name
        with open(os.path.join(args.out, name), 'wb') as f:
            f.write(frame)
    print('%d seeds in %s' % (len(seeds), args.out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
