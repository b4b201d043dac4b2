#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A consumer that stops reading events never holds a worker back.

usage: check_slow_consumer.py SESSMON

sessmon replays a capture from memory (live mode: user EAL options) with an
event per packet (--event-on new_packet) written into a pipe nobody reads
until sessmon's commands have run. The pipe fills within milliseconds and
the writer thread blocks on it. Then:
  * every packet read is in the session table: the sessions' packet
    counts of `diagnose sys session list` add up to the packets read;
  * the events that found the ring full were dropped and counted
    (`new_packet=<raised>/<dropped>` with dropped > 0), never waited for
    (ring_waits=0).
No timing is asserted.
"""

import os
import re
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_sigs  # noqa: E402  (the capture writer)
import sessdump  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sessmon = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, 'loop.pcap')
        n_pkts = check_sigs.loop_capture(pcap, 10, 42000, [b'GET / HTTP/1.1\r\n\r\n'],
                                         [b'HTTP/1.1 200 OK\r\n\r\n'])
        rfd, wfd = os.pipe()
        cmd = check_sigs.loop_cmd(sessmon, pcap, 3) + [
            '--event-on', 'new_packet', '-e', '/dev/fd/%d' % wfd,
            '-c', 'diagnose sys session list', '-c', 'diagnose sys session stat']
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(wfd,))
        os.close(wfd)
        # Read the commands' output up to its last line (`stat` ends with
        # the inspection counters) while nobody reads the events: the
        # writer thread is blocked on the full pipe meanwhile.
        lines = []
        for raw in p.stdout:
            lines.append(raw.decode())
            if lines[-1].startswith('sessmon inspection:'):
                break
        out = ''.join(lines)
        drained = [0]

        def drain():
            while True:
                b = os.read(rfd, 1 << 16)
                if not b:
                    break
                drained[0] += len(b)
        t = threading.Thread(target=drain)
        t.start()
        out += p.stdout.read().decode()
        err = p.stderr.read().decode()
        rc = p.wait(timeout=120)
        t.join()
        os.close(rfd)
        if rc != 0:
            sys.exit('sessmon exited %d: %s' % (rc, err))
        m = re.search(r'sessmon: (\d+) packets', err)
        read = int(m.group(1)) if m else -1
        listing = sessdump.parse_listing(out, strict=False)
        listed = sum(s.orig.pkts + s.reply.pkts for s in listing.sessions)
        if listed != read or read <= n_pkts:
            failures.append('packets read %d, in the session table %d' % (read, listed))
        m = re.search(r'\tnew_packet=(\d+)/(\d+)', out)
        if m is None or int(m.group(2)) == 0:
            failures.append('no new_packet drop counted: %s' % (m and m.group(0)))
        if 'ring_waits=0' not in out:
            failures.append('a worker waited for the event writer')
        print('packets read %d, listed %d, %s, %d event bytes read late' %
              (read, listed, m and m.group(0).strip(), drained[0]))
    for f in failures:
        print('FAIL', f)
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
