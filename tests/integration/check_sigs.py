#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Signature matching end to end, on captures this script writes.

usage: check_sigs.py SESSMON RULES_FILE

Each case is a TCP connection (handshake, data, FIN) written as a pcap with
the standard library; sessmon reads it with --rules and -e, and the
signature_match events must be exactly the ones the case expects:
  split     the pattern spans two segments                -> 1 match, right offset
  ooo       the second segment arrives before the first   -> 1 match (reassembled)
  depth     the pattern starts past --inspect-depth       -> no match
  reverse   the pattern only in the server's bytes, rule flow:to_client
                                                          -> 1 match, is_orig false
  wrongdir  a to_client pattern sent by the client        -> no match
  udp       the pattern split over two datagrams          -> 1 match
Malformed frames parse drops raise net_weird, and overlapping fragments
flow_weird, named by their counter.
The bundled rule file must load (the report on stderr names what it
rejected) and a hostile rule file must not stop sessmon.
"""

import json
import os
import struct
import subprocess
import sys
import tempfile

CLIENT, SERVER = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
CPORT, SPORT = 40000, 8080
RULES = r'''
alert tcp any any -> any any (msg:"split pattern"; content:"EVIL-SPLIT-MARKER"; flow:to_server; sid:9000001; rev:2; classtype:trojan-activity; priority:1;)
alert tcp any any -> any any (msg:"server says"; content:"SERVER-ONLY-TOKEN"; flow:to_client; sid:9000002; rev:1;)
alert udp any any -> any any (msg:"udp split"; content:"UDP-SPLIT-MARK"; sid:9000003; rev:1;)
'''
HOSTILE = 'alert tcp any any -> any any (msg:"unterminated; content:"x; sid:1;)\n' \
          'alert tcp any any -> any any (content:"ok"; pcre:"/(unbalanced/"; sid:2;)\n' \
          'garbage line\n' \
          'alert tcp any any -> any any (msg:"fine"; content:"FINE-ONE"; sid:3;)\n'
failures = []


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip_packet(src, dst, proto, l4):
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    return hdr + l4


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b''):
    h = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = struct.pack('!4s4sBBH', src, dst, 0, 6, len(h) + len(payload))
    c = csum(pseudo + h + payload)
    h = h[:16] + struct.pack('!H', c) + h[18:]
    return ip_packet(src, dst, 6, h + payload)


def udp(src, dst, sport, dport, payload):
    h = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0)
    return ip_packet(src, dst, 17, h + payload)


def write_pcap(path, packets):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(packets):
            frame = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + b'\x08\x00' + p
            f.write(struct.pack('<IIII', 1700000000, i * 1000, len(frame), len(frame)))
            f.write(frame)


SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01


def connection(client_chunks, server_chunks, order=None):
    """Handshake, the client's chunks (in `order`), the server's, FINs."""
    c_isn, s_isn = 1000, 5000
    pkts = [tcp(CLIENT, SERVER, CPORT, SPORT, c_isn, 0, SYN),
            tcp(SERVER, CLIENT, SPORT, CPORT, s_isn, c_isn + 1, SYN | ACK),
            tcp(CLIENT, SERVER, CPORT, SPORT, c_isn + 1, s_isn + 1, ACK)]
    seq, segs = c_isn + 1, []
    for chunk in client_chunks:
        segs.append(tcp(CLIENT, SERVER, CPORT, SPORT, seq, s_isn + 1, PSH | ACK, chunk))
        seq += len(chunk)
    for i in (order or range(len(segs))):
        pkts.append(segs[i])
    sseq = s_isn + 1
    for chunk in server_chunks:
        pkts.append(tcp(SERVER, CLIENT, SPORT, CPORT, sseq, seq, PSH | ACK, chunk))
        sseq += len(chunk)
    pkts.append(tcp(CLIENT, SERVER, CPORT, SPORT, seq, sseq, FIN | ACK))
    pkts.append(tcp(SERVER, CLIENT, SPORT, CPORT, sseq, seq + 1, FIN | ACK))
    pkts.append(tcp(CLIENT, SERVER, CPORT, SPORT, seq + 1, sseq + 1, ACK))
    return pkts


def loop_capture(path, n, first_port, client_chunks, server_chunks):
    """A capture of n connections on distinct client ports, to be replayed
    endlessly (net_pcap infinite_rx=1): each loop meets the same sessions
    again. Exits 77 on a machine without the two CPUs that needs."""
    if (os.cpu_count() or 1) < 2:
        print('SKIP: needs 2 CPUs (an ingress and a worker lcore)')
        sys.exit(77)
    global CPORT
    pkts = []
    for i in range(n):
        CPORT = first_port + i
        pkts += connection(client_chunks, server_chunks)
    write_pcap(path, pkts)
    return len(pkts)


def loop_cmd(sessmon, pcap, seconds):
    """sessmon in live mode on a looping capture: the EAL options first."""
    return [sessmon, '-l', '0-1', '--no-huge', '--no-pci', '--no-shconf', '-m', '1024',
            '--log-level=*:error', '--vdev', 'net_pcap0,rx_pcap=%s,infinite_rx=1' % pcap,
            '--', '-w', '1', '--duration', str(seconds), '--stats']


def run(sessmon, pcap, rules, tmp, extra=()):
    out = os.path.join(tmp, 'ev.json')
    cmd = [sessmon, '-r', pcap, '--rules', rules, '--rules-cache', '', '-e', out] + list(extra)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        raise RuntimeError('%s: exit %d: %s' % (cmd, p.returncode, p.stderr.decode()))
    with open(out) as f:
        evs = [json.loads(line) for line in f]
    return [e for e in evs if e['event'] == 'signature_match'], p.stderr.decode()


def expect(name, got, want):
    have = sorted((e['sid'], e['is_orig'], e['offset']) for e in got)
    if have != sorted(want):
        failures.append('%s: matches %s, expected %s' % (name, have, sorted(want)))


def fragment(ident, off, more, payload):
    """An IPv4 fragment of a UDP datagram from CLIENT to SERVER."""
    flags = (0x2000 if more else 0) | off // 8
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, flags, 64, 17, 0,
                      CLIENT, SERVER)
    return hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:] + payload


def check_flow_weird(sessmon, tmp):
    # 8..24 overlaps 0..24: rte_ip_frag refuses the datagram when the last
    # fragment completes it (tshark shows the same overlap).
    dgram = struct.pack('!HHHH', 1000, 2000, 40, 0) + b'A' * 32
    pcap = os.path.join(tmp, 'frag.pcap')
    write_pcap(pcap, [fragment(77, 0, True, dgram[:24]), fragment(77, 8, True, dgram[8:24]),
                      fragment(77, 24, False, dgram[24:])])
    out = os.path.join(tmp, 'frag.json')
    subprocess.run([sessmon, '-r', pcap, '-e', out], check=True, timeout=60,
                   stdout=subprocess.DEVNULL)
    with open(out) as f:
        got = [(e['name'], e['src'], e['dst'], e['frame'])
               for e in map(json.loads, f) if e['event'] == 'flow_weird']
    want = [('ip_frag_rejected', '10.0.0.1', '10.0.0.2', 3)]
    if got != want:
        failures.append('flow_weird: %s, expected %s' % (got, want))


def check_net_weird(sessmon, tmp):
    good = udp(CLIENT, SERVER, 1, 2, b'x')
    bad_version = bytes([0x75]) + good[1:]             # IP version 7
    bad_len = good[:2] + struct.pack('!H', 12) + good[4:]  # total length < header
    pcap = os.path.join(tmp, 'weird.pcap')
    write_pcap(pcap, [good, bad_version, bad_len])
    out = os.path.join(tmp, 'weird.json')
    subprocess.run([sessmon, '-r', pcap, '-e', out], check=True, timeout=60,
                   stdout=subprocess.DEVNULL)
    with open(out) as f:
        got = [(e['name'], e['frame']) for e in map(json.loads, f) if e['event'] == 'net_weird']
    want = [('ip_bad_version', 2), ('ip_bad_total_length', 3)]
    if got != want:
        failures.append('net_weird: %s, expected %s' % (got, want))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sessmon, bundled = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, 't.rules')
        with open(rules, 'w') as f:
            f.write(RULES)
        pat = b'EVIL-SPLIT-MARKER'
        body = b'GET / HTTP/1.1\r\nX: ' + pat + b'\r\n\r\n'
        cut = body.index(pat) + 6
        end = body.index(pat) + len(pat)
        cases = {
            'split': (connection([body[:cut], body[cut:]], [b'HTTP/1.1 200 OK\r\n\r\n']),
                      [(9000001, True, end)], ()),
            'ooo': (connection([body[:cut], body[cut:]], [b'ok'], order=[1, 0]),
                    [(9000001, True, end)], ()),
            'depth': (connection([b'A' * 3000, body], [b'ok']), [], ('--inspect-depth', '2048')),
            'reverse': (connection([b'hello'], [b'xx SERVER-ONLY-TOKEN yy']),
                        [(9000002, False, 20)], ()),
            'wrongdir': (connection([b'SERVER-ONLY-TOKEN'], [b'ok']), [], ()),
            'udp': ([udp(CLIENT, SERVER, 5353, 9999, b'--UDP-SPL'),
                     udp(CLIENT, SERVER, 5353, 9999, b'IT-MARK--')],
                    [(9000003, True, 16)], ()),
        }
        for name, (pkts, want, extra) in cases.items():
            pcap = os.path.join(tmp, name + '.pcap')
            write_pcap(pcap, pkts)
            got, _ = run(sessmon, pcap, rules, tmp, extra)
            expect(name, got, want)
        # The bundled set loads; a hostile file is reported line by line
        # and the rest of it loads.
        pcap = os.path.join(tmp, 'split.pcap')
        _, err = run(sessmon, pcap, bundled, tmp)
        if ' loaded, ' not in err:
            failures.append('bundled rules: no load report: %r' % err[-300:])
        hostile = os.path.join(tmp, 'hostile.rules')
        with open(hostile, 'w') as f:
            f.write(HOSTILE)
        _, err = run(sessmon, pcap, hostile, tmp)
        for line in (1, 2, 3):
            if '%s:%d:' % (hostile, line) not in err:
                failures.append('hostile rules: line %d not reported: %r' % (line, err))
        if '1 loaded' not in err:
            failures.append('hostile rules: the good rule did not load: %r' % err)
        check_net_weird(sessmon, tmp)
        check_flow_weird(sessmon, tmp)
    for f in failures:
        print('FAIL', f)
    print('signature cases: %s' % ('FAILED' if failures else 'ok'))
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
