#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""sessmon's event stream (-e) on every shared trace, against the expected files.

usage: check_events.py SESSMON SHARED_DIR [RULES]

For every capture in SHARED_DIR/traces (expected/traces.tsv lists them):
  * every line is one JSON object with ts (6 decimals), event, uid, id;
  * property: every session gets exactly one connection_state_remove, and
    every uid that appears in any event has one; new_connection comes once
    per uid, before anything else of it;
  * -w 1 and -w 2 write the same events (as sets of lines);
  * a session whose tuple sessions.tsv lists once has, in its
    connection_state_remove, the packets and IP bytes of that row;
  * per TLS session of expected/tls.tsv (tshark's dissection), the `ssl`
    summary of its connection_state_remove: version, cipher, server name,
    ALPN offered and chosen, resumption, JA3, JA3S, JA4, alerts, leaf
    certificate subject and issuer; and its ssl_client_hello/ssl_server_hello
    events carry the same versions and cipher;
  * with RULES loaded (signatures read the same reassembled bytes), the TLS
    summaries and the connection_state_remove lines are the same;
  * --events-filter passes exactly the lines a Python rendering of the same
    filter keeps, and a broken filter is refused with its column.
Exit 77 when SHARED_DIR is missing.
"""

import collections
import csv
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile

TS_RE = re.compile(r'"ts":\s*(\d+\.\d{6})[,}]')
UID_RE = re.compile(r'^C[0-9a-f]{8}$')
PROTO = {'tcp': 6, 'udp': 17, 'icmp': 1, 'icmp6': 58}
failures = []


def fail(trace, msg):
    failures.append('%s: %s' % (trace, msg))


def read_tsv(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f, delimiter='\t', quoting=csv.QUOTE_NONE))


def run(sessmon, pcap, workers, out, extra=()):
    cmd = [sessmon, '-r', pcap, '-w', str(workers), '-e', out] + list(extra)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    # A capture cut short (zeek_http_get_cut) reports it and exits 2.
    if p.returncode not in (0, 2):
        raise RuntimeError('%s: exit %d: %s' % (' '.join(cmd), p.returncode, p.stderr.decode()))
    with open(out) as f:
        return f.read().splitlines()


def norm_addr(a):
    return str(ipaddress.ip_address(a))


def tuple_of(ev):
    i = ev['id']
    proto = i['proto']
    proto = PROTO.get(proto, None) if not proto.isdigit() else int(proto)
    return (norm_addr(i['orig_h']), int(i['orig_p']), norm_addr(i['resp_h']), int(i['resp_p']), proto)


def check_lines(trace, lines):
    events = []
    for n, line in enumerate(lines, 1):
        try:
            ev = json.loads(line)
        except ValueError as e:
            fail(trace, 'line %d is not JSON: %s' % (n, e))
            continue
        if not TS_RE.search(line):
            fail(trace, 'line %d: ts without 6 decimals' % n)
        keys = list(ev.keys())
        if keys[:2] != ['ts', 'event']:
            fail(trace, 'line %d: keys %s' % (n, keys[:5]))
            continue
        if ev['event'] in ('net_weird', 'flow_weird'):  # before any session
            if 'uid' in ev or 'id' in ev or 'name' not in ev:
                fail(trace, 'line %d: %s keys %s' % (n, ev['event'], keys))
            continue
        if 'uid' not in ev or 'id' not in ev:
            fail(trace, 'line %d: keys %s' % (n, keys[:5]))
            continue
        if not UID_RE.match(ev['uid']):
            fail(trace, 'line %d: uid %r' % (n, ev['uid']))
        events.append(ev)
    return events


def check_property(trace, events):
    by_uid = collections.defaultdict(list)
    for ev in events:
        by_uid[ev['uid']].append(ev['event'])
    for uid, names in by_uid.items():
        removes = names.count('connection_state_remove')
        if removes != 1:
            fail(trace, '%s: %d connection_state_remove' % (uid, removes))
        if names.count('new_connection') != 1 or names[0] != 'new_connection':
            fail(trace, '%s: new_connection not once and first: %s' % (uid, names[:3]))
        if names[-1] != 'connection_state_remove':
            fail(trace, '%s: events after connection_state_remove: %s' % (uid, names[-3:]))
    return by_uid


def check_counts(trace, events, sessions):
    expected = collections.Counter()
    rows = {}
    for r in sessions:
        if r['trace'] != trace:
            continue
        t = (norm_addr(r['orig_addr']), int(r['orig_port']), norm_addr(r['resp_addr']),
             int(r['resp_port']), int(r['proto']))
        expected[t] += 1
        rows[t] = r
    removes = collections.defaultdict(list)
    for ev in events:
        if ev['event'] == 'connection_state_remove':
            removes[tuple_of(ev)].append(ev)
    checked = 0
    for t, r in rows.items():
        got = removes.get(t, [])
        if expected[t] != 1 or len(got) != 1 or r['kind'] not in ('tcp', 'udp'):
            continue
        ev = got[0]
        want = (int(r['orig_pkts']), int(r['orig_ip_bytes']), int(r['resp_pkts']),
                int(r['resp_ip_bytes']))
        have = (ev['orig']['num_pkts'], ev['orig']['num_bytes_ip'], ev['resp']['num_pkts'],
                ev['resp']['num_bytes_ip'])
        if want != have:
            fail(trace, '%s: packets/bytes %s, sessions.tsv %s' % (t, have, want))
        checked += 1
    return checked


def split_list(v):
    return [] if v in ('-', '') else v.split('|')


def check_tls(trace, events, tls_rows):
    removes = {}
    hellos = collections.defaultdict(dict)
    for ev in events:
        if ev['event'] == 'connection_state_remove':
            removes[tuple_of(ev)] = ev
        elif ev['event'] in ('ssl_client_hello', 'ssl_server_hello'):
            hellos[tuple_of(ev)].setdefault(ev['event'], ev)
    checked = 0
    for r in tls_rows:
        if r['trace'] != trace:
            continue
        t = (norm_addr(r['orig_addr']), int(r['orig_port']), norm_addr(r['resp_addr']),
             int(r['resp_port']), 6)
        ev = removes.get(t)
        if ev is None or 'ssl' not in ev:
            fail(trace, '%s: no TLS summary in connection_state_remove' % (t,))
            continue
        s = ev['ssl']
        want = {
            'version': r['version'], 'cipher': r['cipher_name'],
            'server_name': r['sni'], 'alpn_offered': ','.join(split_list(r['alpn_offered'])) or '-',
            'next_protocol': r['alpn_chosen'], 'ja3': r['ja3'], 'ja3s': r['ja3s'], 'ja4': r['ja4'],
            'subject': r['leaf_subject'], 'issuer': r['leaf_issuer'],
        }
        for k, w in want.items():
            have = s.get(k, '-')
            if have == '':
                have = '-'
            if k in ('subject', 'issuer') and w != '-' and len(w) >= 127:
                continue  # cut to the summary's 128 bytes (unit-tested)
            if have != w:
                fail(trace, '%s: ssl.%s %r, tls.tsv %r' % (t, k, have, w))
        if s.get('resumed') != (r['resumed'] == 'T'):
            fail(trace, '%s: resumed %r, tls.tsv %s' % (t, s.get('resumed'), r['resumed']))
        alerts = [a for a in (r['alerts_orig'], r['alerts_resp']) if a != '-']
        if alerts and 'last_alert' not in s and 'encrypted' not in ''.join(alerts):
            fail(trace, '%s: no last_alert, tls.tsv %s' % (t, alerts))
        h = hellos.get(t, {})
        if r['sh_frame'] != '-':
            sh = h.get('ssl_server_hello')
            if sh is None or '0x%04x' % sh['cipher'] != r['cipher']:
                fail(trace, '%s: ssl_server_hello cipher %s, tls.tsv %s' %
                     (t, sh and sh['cipher'], r['cipher']))
        if r['ch_frame'] != '-' and 'ssl_client_hello' not in h:
            fail(trace, '%s: no ssl_client_hello' % (t,))
        checked += 1
    return checked


def check_filter(sessmon, pcap, tmp):
    all_lines = run(sessmon, pcap, 1, os.path.join(tmp, 'all.json'))
    flt = 'event=ssl_client_hello OR (event=TCP_CLOSED AND port=443 AND NOT server_name=*)'
    got = run(sessmon, pcap, 1, os.path.join(tmp, 'flt.json'), ('--events-filter', flt))

    def keep(ev):
        if ev['event'] == 'ssl_client_hello':
            return True
        # TCP_CLOSED is connection_state_remove's alias on TCP;
        # server_name is a top-level argument, which no event has.
        return ev.get('alias') == 'TCP_CLOSED' and ev['id']['resp_p'] == 443
    want = [l for l in all_lines if keep(json.loads(l))]
    if not want or got != want:
        fail('filter', '%d lines, expected %d' % (len(got), len(want)))
    p = subprocess.run([sessmon, '-r', pcap, '-e', os.path.join(tmp, 'x.json'),
                        '--events-filter', 'event=x AND (port=1'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 1 or b"column 20: expected ')'" not in p.stderr:
        fail('filter', 'broken filter: exit %d, %r' % (p.returncode, p.stderr))


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    sessmon, shared = sys.argv[1], sys.argv[2]
    rules = sys.argv[3] if len(sys.argv) == 4 else None
    exp = os.path.join(shared, 'traces', 'expected')
    if not os.path.isdir(exp):
        print('SKIP: %s not found (the shared reference tree)' % exp)
        sys.exit(77)
    traces = read_tsv(os.path.join(exp, 'traces.tsv'))
    sessions = read_tsv(os.path.join(exp, 'sessions.tsv'))
    tls_rows = read_tsv(os.path.join(exp, 'tls.tsv'))
    n_sess = n_tls = n_uid = 0
    with tempfile.TemporaryDirectory() as tmp:
        for tr in traces:
            name = tr['trace']
            pcap = os.path.join(shared, 'traces', tr['file'])
            out1 = os.path.join(tmp, name + '.w1.json')
            out2 = os.path.join(tmp, name + '.w2.json')
            lines = run(sessmon, pcap, 1, out1)
            events = check_lines(name, lines)
            n_uid += len(check_property(name, events))
            if sorted(lines) != sorted(run(sessmon, pcap, 2, out2)):
                fail(name, '-w 1 and -w 2 wrote different events')
            n_sess += check_counts(name, events, sessions)
            n_tls += check_tls(name, events, tls_rows)
            if rules and any(r['trace'] == name for r in tls_rows):
                out3 = os.path.join(tmp, name + '.rules.json')
                with_rules = run(sessmon, pcap, 1, out3,
                                 ('--rules', rules, '--rules-cache', tmp))
                removes = sorted(l for l in lines if '"connection_state_remove"' in l)
                if removes != sorted(l for l in with_rules if '"connection_state_remove"' in l):
                    fail(name, 'connection_state_remove differs with --rules')
        check_filter(sessmon, os.path.join(shared, 'traces', 'ja4_latest_mixed.pcapng'), tmp)
    for f in failures:
        print('FAIL', f)
    print('%d traces, %d sessions with one connection_state_remove each, '
          '%d sessions compared with sessions.tsv, %d TLS sessions with tls.tsv: %s' %
          (len(traces), n_uid, n_sess, n_tls, 'FAILED' if failures else 'ok'))
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
