#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of the TLS fuzz harness (tests/fuzz/corpus/tls).

Input format (tests/fuzz/fuzz_tls.c): an options byte, then chunks of
(kind byte: bit 0 originator, bit 1 gap; 16-bit length; bytes).

Seeds:
- from the shared captures (../shared/traces), the TCP payload of both
  directions of every session with a TLS ClientHello, in stream order
  (tshark's "follow,tcp,raw", one chunk per segment), cut at MAX_SEED
  bytes; the first is repeated with the buffer provider failing and with
  the record-level events on;
- hand-crafted ones (below): gaps, hostile lengths, an SSLv2 server.

Usage: make_tls_corpus.py [--traces DIR] [--out DIR]   (needs tshark)
The output directory's old files are replaced, except fuzz-* (inputs a
fuzzer found, kept as regression seeds); the result is deterministic.
"""

import argparse
import glob
import os
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_SEED = 40960
OPT_NO_BUFFERS, OPT_RECORDS = 1, 2
ORIG, GAP = 1, 2


def chunk(orig, data):
    return struct.pack('>BH', ORIG if orig else 0, len(data)) + data


def gap(orig, n):
    return struct.pack('>BH', (ORIG if orig else 0) | GAP, n)


def tshark(*args):
    # A capture cut short (zeek_http_get_cut) makes tshark exit 2 after
    # printing everything before the cut: keep what it printed.
    return subprocess.run(['tshark', *args], capture_output=True, text=True).stdout


def follow(path, stream):
    """[(from_orig, bytes)] of one TCP stream, in order."""
    out = tshark('-r', path, '-q', '-z', 'follow,tcp,raw,%d' % stream)
    body = out.split('=' * 67)[1].splitlines()
    segs = []
    for line in body:
        if not line.strip() or ':' in line:
            continue
        segs.append((not line.startswith('\t'), bytes.fromhex(line.strip())))
    return segs


def session_seed(segs, opts=0):
    seed = bytes([opts])
    for orig, data in segs:
        c = chunk(orig, data[:0xffff])
        if len(seed) + len(c) > MAX_SEED:
            break
        seed += c
    return seed


def trace_seeds(traces):
    seeds = {}
    for path in sorted(glob.glob(os.path.join(traces, '*.pcap*'))):
        name = os.path.basename(path).rsplit('.', 1)[0]
        streams = tshark('-r', path, '-Y', 'tls.handshake.type==1', '-T', 'fields',
                         '-e', 'tcp.stream').split()
        for s in sorted(set(int(x) for x in streams)):
            seeds['%s-stream%d' % (name, s)] = session_seed(follow(path, s))
    return seeds


def rec(ct, body, version=0x0303):
    return struct.pack('>BHH', ct, version, len(body)) + body


def hs(t, body):
    return struct.pack('>B', t) + struct.pack('>I', len(body))[1:] + body


def client_hello(exts=b'', ciphers=b'\xc0\x2f\x00\x9e', sid=b''):
    body = b'\x03\x03' + b'\xcc' * 32 + bytes([len(sid)]) + sid
    body += struct.pack('>H', len(ciphers)) + ciphers + b'\x01\x00'
    if exts:
        body += struct.pack('>H', len(exts)) + exts
    return hs(1, body)


def ext(t, data):
    return struct.pack('>HH', t, len(data)) + data


def crafted():
    sni = ext(0, struct.pack('>HBH', 14, 0, 11) + b'example.com')
    alpn = ext(16, b'\x00\x0c\x02h2\x08http/1.1')
    ch = client_hello(sni + alpn)
    sh = hs(2, b'\x03\x03' + b'\x55' * 32 + b'\x00\xc0\x2f\x00')
    cert = hs(11, b'\x00\x00\x08\x00\x00\x05' + b'\x30\x03\x02\x01\x00')
    ske = hs(12, b'\x03\x00\x17\x41' + b'\x04' * 65 + b'\x04\x01\x00\x04' + b'\x5a' * 4)
    flight = rec(22, sh + cert + ske + hs(14, b''))
    return {
        'crafted-tls12-flow': bytes([OPT_RECORDS]) + chunk(True, rec(22, ch, 0x0301))
        + chunk(False, flight) + chunk(True, rec(22, hs(16, b'\x41' + b'\x04' * 65))
                                       + rec(20, b'\x01') + rec(22, b'\xf1' * 40))
        + chunk(False, rec(22, hs(4, b'\x00\x00\x1c\x20\x00\x02\x77\x77'))
                + rec(20, b'\x01') + rec(22, b'\xf1' * 40))
        + chunk(True, rec(23, b'\xa1' * 30)) + chunk(False, rec(21, b'\xa1' * 26)),
        'crafted-gap-in-message': b'\x00' + chunk(True, rec(22, ch, 0x0301))
        + chunk(False, flight[:60]) + gap(False, 20) + chunk(False, flight[80:]),
        'crafted-gap-in-record-header': b'\x00' + chunk(True, rec(22, ch, 0x0301)[:3])
        + gap(True, 4) + chunk(True, rec(21, b'\x02\x28')),
        'crafted-gap-over-records': b'\x00' + chunk(True, rec(22, ch, 0x0301)[:20])
        + gap(True, 400) + chunk(True, rec(21, b'\x02\x28')),
        'crafted-msg-len-max': b'\x00' + chunk(True, rec(22, b'\x01\xff\xff\xff\x03\x03'))
        + chunk(True, rec(21, b'\x02\x28')),
        'crafted-cipher-len-overrun': b'\x00' + chunk(True, rec(22, hs(1, b'\x03\x03' + b'\xcc' * 32
                                                                    + b'\x00\xff\xfe\xc0\x2f\x01\x00'))),
        'crafted-ext-overrun': b'\x00' + chunk(True, rec(22, client_hello(
            sni[:-1] + b'\x00\x40'))),
        'crafted-record-too-long': b'\x00' + chunk(True, b'\x16\x03\x01\x48\x01' + ch),
        'crafted-record-bad-type': b'\x00' + chunk(True, b'\x30\x03\x01\x00\x01\x01'),
        'crafted-sslv2-server-hello': b'\x00' + chunk(False, b'\x80\x05\x04\x00\x00\x00\x00'),
        'crafted-heartbeat-split-message': b'\x02' + chunk(True, rec(22, ch[:30], 0x0301)
                                                         + rec(24, b'\x01\x40\x00', 0x0301)
                                                         + rec(22, ch[30:], 0x0301)),
        'crafted-alert-odd': b'\x02' + chunk(False, rec(21, b'\x01\x70\x02'))
        + chunk(False, rec(20, b'\x01\x01')) + chunk(False, rec(22, b'')),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--traces', default=os.path.join(HERE, '../../../shared/traces'))
    ap.add_argument('--out', default=os.path.join(HERE, 'corpus/tls'))
    a = ap.parse_args()
    seeds = trace_seeds(a.traces)
    first = sorted(seeds)[0]
    seeds[first + '-nobuf'] = bytes([OPT_NO_BUFFERS]) + seeds[first][1:]
    seeds[first + '-records'] = bytes([OPT_RECORDS]) + seeds[first][1:]
    seeds.update(crafted())
    os.makedirs(a.out, exist_ok=True)
    for f in os.listdir(a.out):
        if not f.startswith('fuzz-'):
            os.remove(os.path.join(a.out, f))
    for name, data in sorted(seeds.items()):
        with open(os.path.join(a.out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
