#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""sessmon's TLS events against tshark's dissection of the same capture.

usage: check_tls_tshark.py SESSMON CAPTURE

For every ClientHello and ServerHello tshark finds (Wireshark's TLS
dissector, TCP reassembly on), sessmon must raise ssl_client_hello /
ssl_server_hello on the same connection with the same cipher suites, and
its connection_state_remove summary must agree: server name, negotiated
version (supported_versions when present), cipher, ALPN offered and
chosen, and the plaintext alerts tshark decodes.
Exit 77 without tshark.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

VERSIONS = {0x0300: 'SSLv3', 0x0301: 'TLSv1.0', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2',
            0x0304: 'TLSv1.3'}
FIELDS = ['ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport',
          'tls.handshake.type', 'tls.handshake.extensions_server_name',
          'tls.handshake.ciphersuite', 'tls.handshake.cipherspec',
          'tls.handshake.extensions.supported_version',
          'tls.handshake.extensions_alpn_str', 'tls.handshake.version',
          'tls.alert_message.desc']


def tshark(pcap):
    cmd = ['tshark', '-r', pcap, '-o', 'tcp.desegment_tcp_streams:TRUE',
           '-Y', 'tls.handshake.type==1 || tls.handshake.type==2 || tls.alert_message',
           '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a', '-E', 'aggregator=,']
    for f in FIELDS:
        cmd += ['-e', f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         check=True).stdout
    for line in out.splitlines():
        yield dict(zip(FIELDS, line.split('|')))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sessmon, pcap = sys.argv[1], sys.argv[2]
    if shutil.which('tshark') is None or not os.path.exists(pcap):
        print('SKIP: tshark or the capture is missing')
        sys.exit(77)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'ev.json')
        subprocess.run([sessmon, '-r', pcap, '-e', out], check=True, timeout=120,
                       stdout=subprocess.DEVNULL)
        with open(out) as f:
            events = [json.loads(line) for line in f]
    conns = {}
    for ev in events:
        if 'id' not in ev or ev['id']['proto'] != 'tcp':
            continue
        i = ev['id']
        key = frozenset([(i['orig_h'], i['orig_p']), (i['resp_h'], i['resp_p'])])
        c = conns.setdefault(key, {'client_hello': [], 'server_hello': [], 'alerts': []})
        if ev['event'] == 'ssl_client_hello':
            c['client_hello'].append(ev)
        elif ev['event'] == 'ssl_server_hello':
            c['server_hello'].append(ev)
        elif ev['event'] == 'ssl_alert':
            c['alerts'].append(ev['desc'])
        elif ev['event'] == 'connection_state_remove':
            c['ssl'] = ev.get('ssl', {})
    hellos = 0
    for row in tshark(pcap):
        src = (row['ip.src'] or row['ipv6.src'], int(row['tcp.srcport']))
        dst = (row['ip.dst'] or row['ipv6.dst'], int(row['tcp.dstport']))
        c = conns.get(frozenset([src, dst]))
        where = '%s:%d -> %s:%d' % (src + dst)
        if c is None:
            failures.append('%s: no sessmon events for this connection' % where)
            continue
        types = row['tls.handshake.type'].split(',')
        ssl = c.get('ssl', {})
        if '1' in types:
            hellos += 1
            # An SSLv2-format hello lists 3-byte cipher kinds (cipherspec).
            listed = row['tls.handshake.ciphersuite'] or row['tls.handshake.cipherspec']
            ciphers = [int(x, 16) for x in listed.split(',') if x]
            if not any(h['ciphers'] == ciphers for h in c['client_hello']):
                failures.append('%s: ssl_client_hello ciphers differ from tshark' % where)
            if (ssl.get('server_name') or '') != row['tls.handshake.extensions_server_name']:
                failures.append('%s: server_name %r, tshark %r' % (
                    where, ssl.get('server_name'), row['tls.handshake.extensions_server_name']))
            if ssl.get('alpn_offered', '') != row['tls.handshake.extensions_alpn_str']:
                failures.append('%s: alpn_offered %r, tshark %r' % (
                    where, ssl.get('alpn_offered'), row['tls.handshake.extensions_alpn_str']))
        if '2' in types:
            hellos += 1
            cipher = int(row['tls.handshake.ciphersuite'].split(',')[0], 16)
            if not any(h['cipher'] == cipher for h in c['server_hello']):
                failures.append('%s: ssl_server_hello cipher differs from tshark' % where)
            sv = row['tls.handshake.extensions.supported_version']
            version = int(sv, 16) if sv else int(row['tls.handshake.version'].split(',')[-1], 16)
            if ssl.get('version') != VERSIONS.get(version):
                failures.append('%s: version %r, tshark %s' % (where, ssl.get('version'), hex(version)))
            if ssl.get('next_protocol', '') != row['tls.handshake.extensions_alpn_str']:
                failures.append('%s: ALPN chosen %r, tshark %r' % (
                    where, ssl.get('next_protocol'), row['tls.handshake.extensions_alpn_str']))
        for desc in filter(None, row['tls.alert_message.desc'].split(',')):
            if int(desc) not in c['alerts']:
                failures.append('%s: alert %s not raised' % (where, desc))
    for f in failures:
        print('FAIL', f)
    print('%d hellos compared with tshark: %s' % (hellos, 'FAILED' if failures else 'ok'))
    sys.exit(1 if failures or hellos == 0 else 0)


if __name__ == '__main__':
    main()
