#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""sessmon's failure paths: FortiOS CLI errors and bad options or captures.

Usage: check_cli_errors.py SESSMON_BINARY CAPTURE

CLI errors (the text FortiOS prints, ../shared/fortigate/README.md section 8
and samples/cli-error-outputs-netdriver.txt), printed on stdout like every
command's output, exit status 3:
  diagnose sys sesion list               command parse error before 'sesion'
                                         Command fail. Return code -61
  diag sys sess                          incomplete command in the end
                                         Command fail. Return code -160
  diagnose sys session filter sport abc  [reason line, blank line]
                                         value parse error before 'abc'
                                         Command fail. Return code -8
  foo                                    Unknown action 0
(-61 is the code FortiOS gives a mistyped `diagnose` keyword; the README also
shows `Return code 1` for a bad keyword in configuration mode, which does not
apply here. include/sessmon/cli.h documents -61 too.)

Bad invocations, exit status 1 and exactly one line on stderr (README: "1 for
a bad option or an unreadable capture (one line on stderr)"): -w 0, an unknown
option, an unknown or out-of-range --timer, a missing capture, a garbage file,
a pcap cut inside its file header. A capture cut inside its last packet is
readable up to there: exit status 2, one line on stderr, and the session list
still printed.

Exit status: 0 all pass, 1 any failure, 77 CAPTURE missing.
"""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sessdump  # noqa: E402

SKIP = 77

# (command, expected stdout lines after dropping leading/trailing blank
# lines; a None entry allows any reason lines + one blank line there)
CLI_CASES = [
    ('diagnose sys sesion list',
     ["command parse error before 'sesion'", 'Command fail. Return code -61']),
    ('diag sys sess',
     ['incomplete command in the end', 'Command fail. Return code -160']),
    ('diagnose sys session filter sport abc',
     [None, "value parse error before 'abc'", 'Command fail. Return code -8']),
    ('foo',
     ['Unknown action 0']),
]


def run(cmd, timeout=120):
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 'timeout', '', ''
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


def strip_blank(lines):
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def match_output(got, want):
    """True if stdout lines `got` are `want` (None: optional reason + blank)."""
    got = strip_blank(got)
    if want[0] is None:
        tail = want[1:]
        if got[-len(tail):] != tail:
            return False
        head = got[:-len(tail)]
        # FortiOS: reason line(s), then one blank line (README 8); or nothing
        return head == [] or (len(head) >= 2 and head[-1] == '' and all(h for h in head[:-1]))
    return got == want


def show(text, n=6):
    lines = text.split('\n')
    s = ' | '.join(lines[:n])
    return s + (' | ...' if len(lines) > n else '')


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 1
    binary, capture = argv[1], argv[2]
    if not os.path.isfile(capture):
        print('SKIP: capture %s not found' % capture)
        return SKIP
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print('ERROR: %s is not an executable' % binary)
        return 1
    failures = 0

    def report(ok, name, detail=''):
        nonlocal failures
        print('%s %s%s' % ('PASS' if ok else 'FAIL', name, ('\n  ' + detail) if detail and not ok
                           else ''))
        failures += not ok

    # baseline: the capture and a good command work, so failures below are
    # the failures asked for
    rc, out, err = run([binary, '-r', capture, '-c', 'diagnose sys session list'])
    ok = rc == 0
    detail = 'exit %s, stderr: %s' % (rc, show(err))
    if ok:
        try:
            sessdump.parse_listing(out)
        except sessdump.ParseError as e:
            ok, detail = False, 'list does not parse: %s' % e
    report(ok, 'baseline: diagnose sys session list exits 0', detail)

    for cmd, want in CLI_CASES:
        rc, out, err = run([binary, '-r', capture, '-c', cmd])
        problems = []
        if rc != 3:
            problems.append('exit status %s, expected 3' % rc)
        if not match_output(out.split('\n'), want):
            where = ' (the text is on stderr)' if match_output(err.split('\n'), want) else ''
            problems.append('stdout %r, expected %r%s' % (
                show(out), ' | '.join(w if w is not None else '[reason, blank]' for w in want),
                where))
        report(not problems, 'CLI error: %s' % cmd, '; '.join(problems))

    with tempfile.TemporaryDirectory(prefix='sessmon-cli-') as tmp:
        with open(capture, 'rb') as f:
            data = f.read()
        garbage = os.path.join(tmp, 'garbage.pcap')
        with open(garbage, 'wb') as f:
            f.write(b'this is not a capture file\n' * 40)
        header_cut = os.path.join(tmp, 'header-cut.pcap')
        with open(header_cut, 'wb') as f:
            f.write(data[:10])   # pcap and pcapng headers are longer than 10 bytes
        packet_cut = os.path.join(tmp, 'packet-cut.pcap')
        with open(packet_cut, 'wb') as f:
            f.write(data[:-7])   # inside the last record
        missing = os.path.join(tmp, 'no-such-file.pcap')

        bad_invocations = [
            ('-w 0', ['-r', capture, '-w', '0', '-c', 'diagnose sys session list']),
            ('unknown option', ['-r', capture, '--no-such-option']),
            ('unknown timer', ['-r', capture, '--timer', 'no-such-timer=10']),
            ('timer out of range', ['-r', capture, '--timer', 'session-ttl=315360001']),
            ('missing capture', ['-r', missing, '-c', 'diagnose sys session list']),
            ('garbage capture', ['-r', garbage, '-c', 'diagnose sys session list']),
            ('capture cut in its file header', ['-r', header_cut, '-c',
                                                'diagnose sys session list']),
            ('event file not writable', ['-r', capture, '-e', os.path.join(missing, 'ev.json')]),
            ('unknown event name', ['-r', capture, '-e', '-', '--event-on', 'no_such_event']),
            ('broken event filter', ['-r', capture, '-e', '-', '--events-filter', 'event=(']),
            ('event filter without -e', ['-r', capture, '--events-filter', 'event=x']),
            ('events with --no-inspect', ['-r', capture, '--no-inspect', '-e', '-']),
            ('bad inspection depth', ['-r', capture, '--inspect-depth', 'lots']),
            ('bad status interval', ['-r', capture, '--status-interval', '0']),
        ]
        for name, args in bad_invocations:
            rc, out, err = run([binary] + args)
            lines = [ln for ln in err.split('\n') if ln.strip()]
            problems = []
            if rc != 1:
                problems.append('exit status %s, expected 1' % rc)
            if len(lines) != 1:
                problems.append('%d lines on stderr, expected 1: %s' % (len(lines), show(err)))
            report(not problems, 'bad invocation: %s%s' % (
                name, (' -> ' + lines[0]) if len(lines) == 1 and not problems else ''),
                '; '.join(problems))

        if len(data) > 64:
            rc, out, err = run([binary, '-r', packet_cut, '-c', 'diagnose sys session list'])
            lines = [ln for ln in err.split('\n') if ln.strip()]
            problems = []
            if rc != 2:
                problems.append('exit status %s, expected 2' % rc)
            if len(lines) != 1:
                problems.append('%d lines on stderr, expected 1: %s' % (len(lines), show(err)))
            try:
                listing = sessdump.parse_listing(out)
                if len(listing.totals) != 1:
                    problems.append('no session list printed')
            except sessdump.ParseError as e:
                problems.append('session list does not parse: %s' % e)
            report(not problems, 'capture cut inside its last packet: exit 2, list printed%s' % (
                (' -> ' + lines[0]) if len(lines) == 1 and not problems else ''),
                '; '.join(problems))

    print('%s: %d failure(s)' % ('FAIL' if failures else 'PASS', failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
