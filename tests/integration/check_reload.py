#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Signature hot reload under traffic.

usage: check_reload.py SESSMON

sessmon replays a capture from memory in a loop (net_pcap infinite_rx=1)
for a few seconds with a rule set, and gets SIGHUP twice while packets
flow. Then:
  * `diagnose ips signature stat` reports 2 reloads and no failure;
  * no packet was lost: the packets every session's
    connection_state_remove accounts for add up to the packets sessmon
    read (--stats), and no event was dropped (the events each loop of
    the capture repeats are turned off: live mode drops, by design, what
    its writer cannot keep up with);
  * signatures kept matching: signature_match events name the rule.
Timing is not asserted: the run's length only decides how many packets
there are.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_sigs  # noqa: E402  (the capture writer)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sessmon = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, 'loop.pcap')
        body = b'GET /x HTTP/1.1\r\nX: EVIL-SPLIT-MARKER\r\n\r\n'
        n_pkts = check_sigs.loop_capture(pcap, 20, 41000, [body[:20], body[20:]],
                                         [b'HTTP/1.1 200 OK\r\n\r\n'])
        rules = os.path.join(tmp, 'r.rules')
        with open(rules, 'w') as f:
            f.write(check_sigs.RULES)
        events = os.path.join(tmp, 'ev.json')
        # Each loop of the capture reuses every connection: keep the
        # stream to the events this test reads, so that the live-mode
        # event ring (lossy by design) has room.
        quiet = ('connection_established', 'connection_finished', 'connection_reused',
                 'conn_weird', 'conn_stats')
        cmd = check_sigs.loop_cmd(sessmon, pcap, 6) + [
            '--rules', rules, '--rules-cache', '', '-e', events,
            '-c', 'diagnose ips signature stat', '-c', 'diagnose sys session stat']
        for name in quiet:
            cmd += ['--event-off', name]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # Each SIGHUP goes once the previous load has reported (start-up
        # under a sanitizer can be slow), then a second later, under traffic.
        err_lines = []
        for _ in range(2):
            for raw in p.stderr:
                err_lines.append(raw.decode())
                if ' loaded, ' in err_lines[-1]:
                    break
            time.sleep(1)
            p.send_signal(signal.SIGHUP)
        out, err = p.communicate(timeout=120)
        out, err = out.decode(), ''.join(err_lines) + err.decode()
        if p.returncode != 0:
            print(err)
            sys.exit('sessmon exited %d' % p.returncode)
        m = re.search(r'reloads=(\d+) reload_failures=(\d+)', out)
        if m is None or m.group(1) != '2' or m.group(2) != '0':
            failures.append('reload counters: %s' % (m and m.group(0)))
        if len(re.findall(r' loaded, ', err)) != 3:
            failures.append('expected 3 load reports (start + 2 reloads): %r' % err)
        m = re.search(r'sessmon: (\d+) packets', err)
        read = int(m.group(1)) if m else -1
        accounted = matches = 0
        with open(events) as f:
            for line in f:
                ev = json.loads(line)
                if ev['event'] == 'connection_state_remove':
                    accounted += ev['orig']['num_pkts'] + ev['resp']['num_pkts']
                elif ev['event'] == 'signature_match':
                    matches += ev['sid'] == 9000001
        if read <= n_pkts or accounted != read:
            failures.append('packets read %d, accounted in sessions %d' % (read, accounted))
        drops = re.findall(r'\t(\w+)=(\d+)/(\d+)', out)
        if not drops or any(d != '0' for _, _, d in drops):
            failures.append('events dropped: %s' % drops)
        if matches == 0:
            failures.append('no signature_match')
        print('packets read %d, accounted %d, matches %d' % (read, accounted, matches))
    for f in failures:
        print('FAIL', f)
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
