#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Compare sessmon's session lists with the third-party traces' expected values.

Usage: check_traces.py SESSMON_BINARY SHARED_DIR [--workers N ...] [--trace NAME ...]
                       [--jobs J] [--show N]

For every capture in SHARED_DIR/traces/expected/traces.tsv, sessmon runs with
every session timer at its maximum (315360000 s, so nothing expires: the
expected files list every session of the capture), once per worker count
(default -w 1 and -w 2), and prints `diagnose sys session list` and
`diagnose sys session6 list`. The outputs of the worker counts must be
byte-identical, and each is compared with SHARED_DIR/traces/expected/:

  sessions.tsv
    kind/proto/orig_*/resp_*   the session set, keyed as the README's keying
                               rules say (direction-free; ICMP echo by id and
                               request type, other ICMP by type/code, other
                               protocols by addresses); then the originator
                               (sessmon's org tuple = orig_addr:orig_port) and
                               the reply tuple (mirror of the org tuple; ICMP
                               echo: reply type 0/129; other ICMP: type/code)
    orig_pkts .. resp_ip_bytes statistic(...) org=B/P reply=B/P
    orig_flags/resp_flags      TCP end state: proto_state, see tcp_states()
    first_ts/last_ts           duration= and expire=: with all timers at T,
                               duration = floor(now - first_ts) and
                               expire = floor(last_ts + T - now) for one network
                               time `now` common to every session of a run
    first_frame                serial= (sessmon's serial is the input frame
                               number of the session's first packet)
    vlan                       NOT CHECKED: sessmon prints no VLAN id
                               (vlan_cos= is the CoS, not the tag)
    orig/resp_nonfirst_frags   NOT CHECKED separately: they are already part of
                               the packet/byte counts compared above
  icmp_errors.tsv              allow_err per direction: sessmon counts the ICMP
                               errors quoting a session in the direction the
                               error travels, i.e. the reverse of quoted_dir
                               (the same as the README's "direction of the
                               error's sender" when the sender is orig/resp);
                               errors whose session is `-` make no session
  fragments.tsv                every fragment's session must be listed, and its
                               direction's counters must hold at least the
                               fragments' packets and bytes
  traces.tsv                   file and sha256 (the capture is the one the
                               values were derived from); `tshark_note` "cut
                               short" means sessmon must exit 2 with one line
                               on stderr (README: exit status), otherwise 0
                               with nothing on stderr.
                               packets, ip_packets, non_ip_packets,
                               snaplen_truncated_packets, tls_sessions,
                               file_bytes: NOT CHECKED, the session lists have
                               no counterpart
  tls.tsv                      NOT CHECKED: no counterpart in the session lists

Exit status: 0 all traces pass, 1 any failure, 77 SHARED_DIR (or its
traces/expected) is missing.
"""

import argparse
import concurrent.futures
import csv
import difflib
import hashlib
import ipaddress
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sessdump  # noqa: E402

SKIP = 77
TIMER_MAX = 315360000
TIMERS = ('session-ttl', 'tcp-halfopen-timer', 'tcp-halfclose-timer', 'tcp-timewait-timer',
          'tcp-rst-timer', 'udp-idle-timer', 'icmp-idle-timer')
LIST_CMDS = ('diagnose sys session list', 'diagnose sys session6 list')

# FortiGate TCP state digits (fortigate/README.md 3.2)
TCP_NAMES = {0: 'NONE', 1: 'ESTABLISHED', 2: 'SYN_SENT', 3: 'SYN_RECV', 4: 'FIN_WAIT',
             5: 'TIME_WAIT', 6: 'CLOSE', 7: 'CLOSE_WAIT', 8: 'LAST_ACK', 9: 'LISTEN'}
L4_PROTOS = (6, 17, 132, 136)
ICMP_PROTOS = (1, 58)
# echo-style request type -> reply type (FortiGate prints the reply tuple
# with the answer's type: `B:id->A:0`)
ECHO_REPLY = {(1, 8): 0, (1, 13): 14, (58, 128): 129}
US = 1000000


# ---------------------------------------------------------------------------
# expected data

def read_tsv(path):
    with open(path, newline='', encoding='utf-8') as f:
        return list(csv.DictReader(f, delimiter='\t', quoting=csv.QUOTE_NONE))


def norm_addr(a):
    return str(ipaddress.ip_address(a))


def ts_us(text):
    """Epoch seconds with up to 6 decimals -> integer microseconds."""
    sec, _, frac = text.partition('.')
    return int(sec) * US + int((frac + '000000')[:6])


def split_ep(text):
    a, _, p = text.rpartition(':')
    return norm_addr(a), int(p)


def expected_key(kind, proto, oa, op, ra, rp):
    """Session key of a sessions.tsv-style row (README keying rules)."""
    oa, ra = norm_addr(oa), norm_addr(ra)
    if kind in ('tcp', 'udp', 'sctp', 'icmp-echo'):
        return ('l4', proto, frozenset([(oa, op), (ra, rp)]))
    if kind == 'icmp-other':
        return ('icmp', proto, frozenset([oa, ra]), op, rp)
    # other, frag-orphan, l4-trunc: protocol + addresses, printed with ports
    # 0/0; put them where session_key() files a block with those ports
    if proto in L4_PROTOS:
        return ('l4', proto, frozenset([(oa, 0), (ra, 0)]))
    if proto in ICMP_PROTOS:
        return ('icmp', proto, frozenset([oa, ra]), 0, 0)
    return ('ip', proto, frozenset([oa, ra]), 0, 0)


def session_key(s):
    """Session key of a parsed sessmon block, same space as expected_key()."""
    o, r = s.org, s.rep
    if s.proto in L4_PROTOS:
        return ('l4', s.proto, frozenset([(o.src, o.sport), (o.dst, o.dport)]))
    if s.proto in ICMP_PROTOS:
        # echo: the reply tuple carries the answer's type, other ICMP
        # repeats type/code in both tuples
        if (s.proto, o.dport) in ECHO_REPLY and r.dport != o.dport:
            return ('l4', s.proto, frozenset([(o.src, o.sport), (o.dst, o.dport)]))
        return ('icmp', s.proto, frozenset([o.src, o.dst]), o.sport, o.dport)
    return ('ip', s.proto, frozenset([o.src, o.dst]), o.sport, o.dport)


def key_text(k):
    if k[0] == 'l4':
        eps = sorted(k[2])
        return 'proto %d %s' % (k[1], ' <-> '.join('%s:%d' % e for e in eps))
    return 'proto %d %s (%d/%d)' % (k[1], ' <-> '.join(sorted(k[2])), k[3], k[4])


def flagset(text):
    return set() if text in ('', '-') else set(text.split(','))


def tcp_states(row):
    """Acceptable FortiGate TCP states (proto_state digit) at the end of a capture.

    The traces README gives per side which of S, SA, F, R it sent, not an end
    state, so the state is derived from those flags as FortiOS's states are
    defined (fortigate/README.md 3.2); where the flags cannot tell two states
    apart (was the last FIN acknowledged?) both are accepted:
      RST from either side                 -> CLOSE (6)
      FIN from both sides                  -> TIME_WAIT (5), or LAST_ACK (8)
                                              if the last FIN was not ACKed
      FIN from one side                    -> FIN_WAIT (4) or CLOSE_WAIT (7)
      SYN-ACK from the responder and the
        originator sent more than its SYN  -> ESTABLISHED (1)
      SYN-ACK, nothing more from the
        originator                         -> SYN_RECV (3)
      SYN only, no answer                  -> SYN_SENT (2)
      no SYN/SYN-ACK/FIN/RST (mid-stream)  -> ESTABLISHED (1) or NONE (0)
    """
    of, rf = flagset(row['orig_flags']), flagset(row['resp_flags'])
    opk, rpk = int(row['orig_pkts']), int(row['resp_pkts'])
    if 'R' in of or 'R' in rf:
        return {6}
    if 'F' in of and 'F' in rf:
        return {5, 8}
    if 'F' in of or 'F' in rf:
        return {4, 7}
    if 'SA' in rf:
        return {1} if opk > (1 if 'S' in of else 0) else {3}
    if 'S' in of:
        return {2} if rpk == 0 else {0, 1, 2, 3}
    if of or rf:
        return set(range(10))   # only odd combinations (SA from the originator)
    return {0, 1}


def expected_proto_state(row):
    """Set of acceptable proto_state strings, and a short reason."""
    proto = int(row['proto'])
    if row['kind'] == 'tcp':
        st = tcp_states(row)
        return {'0%d' % d for d in st}, 'TCP flags orig=%s resp=%s -> %s' % (
            row['orig_flags'], row['resp_flags'], '/'.join(TCP_NAMES[d] for d in sorted(st)))
    if proto in (17, 136) and row['kind'] == 'udp':
        return ({'01'} if int(row['resp_pkts']) > 0 else {'00'}), 'UDP, reply %s' % (
            'seen' if int(row['resp_pkts']) > 0 else 'not seen')
    if row['kind'] == 'sctp':
        return None, 'SCTP state not derivable from the expected files'
    return {'00'}, 'ICMP/other protocols print 00'


def expected_timeout(row):
    proto = int(row['proto'])
    if row['kind'] in ('udp', 'icmp-echo', 'icmp-other') or proto in (17, 136, 1, 58):
        return 0   # idle timers print timeout=0 (fortigate/README.md 3.1)
    return TIMER_MAX


class Expected:
    """One trace's expected sessions, indexed by key."""

    def __init__(self, rows, errors=(), fragments=()):
        self.rows = rows
        self.notes = []
        self.by_key = {}
        self.by_tuple = {}
        for r in rows:
            r['_key'] = expected_key(r['kind'], int(r['proto']), r['orig_addr'],
                                     int(r['orig_port']), r['resp_addr'], int(r['resp_port']))
            r['_errs'] = [0, 0]
            r['_frag'] = [[0, 0], [0, 0]]
            if r['_key'] in self.by_key:
                self.notes.append('expected data: two sessions.tsv rows with key %s'
                                  % key_text(r['_key']))
            self.by_key[r['_key']] = r
            self.by_tuple[(norm_addr(r['orig_addr']), int(r['orig_port']),
                           norm_addr(r['resp_addr']), int(r['resp_port']))] = r
        self.n_errors = 0
        for e in errors:
            if e['session_orig'] == '-':
                continue
            row = self.by_tuple.get(split_ep(e['session_orig']) + split_ep(e['session_resp']))
            if row is None:
                self.notes.append('expected data: ICMP error frame %s names session %s %s, '
                                  'not in sessions.tsv' % (e['frame'], e['session_orig'],
                                                           e['session_resp']))
                continue
            # the error travels back toward the quoted packet's source
            d = 1 if e['quoted_dir'] == 'orig->resp' else 0
            row['_errs'][d] += 1
            self.n_errors += 1
        self.n_frags = 0
        for fr in fragments:
            row = self.by_tuple.get(split_ep(fr['session_orig']) + split_ep(fr['session_resp']))
            if row is None:
                self.notes.append('expected data: fragment frame %s names session %s %s, '
                                  'not in sessions.tsv' % (fr['frame'], fr['session_orig'],
                                                           fr['session_resp']))
                continue
            d = 0 if norm_addr(fr['src']) == norm_addr(row['orig_addr']) else 1
            row['_frag'][d][0] += 1
            row['_frag'][d][1] += int(fr['ip_bytes'])
            self.n_frags += 1


# ---------------------------------------------------------------------------
# running sessmon

def sessmon_cmd(binary, captures, workers, extra=()):
    cmd = [binary]
    for c in captures:
        cmd += ['-r', c]
    cmd += ['-w', str(workers)]
    for t in TIMERS:
        cmd += ['--timer', '%s=%d' % (t, TIMER_MAX)]
    for c in LIST_CMDS:
        cmd += ['-c', c]
    return cmd + list(extra)


class Run:
    def __init__(self, cmd, rc, out, err):
        self.cmd, self.rc, self.out, self.err = cmd, rc, out, err


def run_sessmon(cmd, timeout=300):
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return Run(cmd, 'timeout', (e.stdout or b'').decode('utf-8', 'replace'),
                   (e.stderr or b'').decode('utf-8', 'replace'))
    return Run(cmd, p.returncode, p.stdout.decode('utf-8', 'replace'),
               p.stderr.decode('utf-8', 'replace'))


def stderr_lines(run):
    return [ln for ln in run.err.split('\n') if ln.strip()]


# ---------------------------------------------------------------------------
# comparison

def _now_window(rows_sessions):
    """Network time `now` (µs) most sessions agree on, from duration/expire.

    Each session allows now in [lo, hi): duration = floor((now - first)/1s)
    and expire = floor((last + T - now)/1s). Returns (now, {id(s): (lo, hi)}).
    """
    slack = 2   # µs: timestamps truncated to µs on both sides
    spans = {}
    events = []
    for row, s in rows_sessions:
        first, last = ts_us(row['first_ts']), ts_us(row['last_ts'])
        lo, hi = -(1 << 62), 1 << 62
        if s.duration is not None:
            lo = max(lo, first + s.duration * US - slack)
            hi = min(hi, first + (s.duration + 1) * US + slack)
        lo = max(lo, last + (TIMER_MAX - s.expire - 1) * US - slack)
        hi = min(hi, last + (TIMER_MAX - s.expire) * US + slack)
        spans[id(s)] = (lo, hi)
        if lo < hi:
            events.append((lo, 1))
            events.append((hi, -1))
    best, best_n, n = None, 0, 0
    for t, d in sorted(events, key=lambda e: (e[0], e[1])):
        n += d
        if n > best_n:
            best, best_n = t, n
    return best, spans


def compare(expected, listing, show_frames=True):
    """Mismatches (list of strings) between an Expected and a sessdump.Listing."""
    bad = []
    sessions = listing.sessions

    # --- listing structure: two commands, v4 then v6, footers right
    if len(listing.totals) != len(LIST_CMDS):
        bad.append('output has %d "total session" footers, expected %d (one per list command)'
                   % (len(listing.totals), len(LIST_CMDS)))
    for gi, (group, total) in enumerate(zip(listing.groups, listing.totals)):
        fam = 4 if gi == 0 else 6
        if total != len(group):
            bad.append('%s: footer says total session %d, %d blocks printed'
                       % (LIST_CMDS[gi], total, len(group)))
        for s in group:
            if s.family != fam:
                bad.append('%s printed a %s block (serial %08x)' % (
                    LIST_CMDS[gi], 'session6' if s.family == 6 else 'session', s.serial))
        serials = [s.serial for s in group]
        if serials != sorted(serials) or len(set(serials)) != len(serials):
            bad.append('%s: serials not strictly ascending' % LIST_CMDS[gi])

    # --- session set
    got = {}
    for s in sessions:
        k = session_key(s)
        if k in got:
            bad.append('duplicate session %s (serials %08x and %08x)'
                       % (key_text(k), got[k].serial, s.serial))
            continue
        got[k] = s
    missing = [r for r in expected.rows if r['_key'] not in got]
    extra = [s for k, s in got.items() if k not in expected.by_key]
    for r in missing:
        bad.append('missing session %s %s (first frame %s, %s pkts / %s pkts)'
                   % (r['kind'], key_text(r['_key']), r['first_frame'], r['orig_pkts'],
                      r['resp_pkts']))
    for s in extra:
        bad.append('unexpected session %s (serial %08x = frame %d, org=%d/%d reply=%d/%d)'
                   % (key_text(session_key(s)), s.serial, s.serial, s.orig.bytes, s.orig.pkts,
                      s.reply.bytes, s.reply.pkts))

    # --- per session
    pairs = []
    for r in expected.rows:
        s = got.get(r['_key'])
        if s is None:
            continue
        pairs.append((r, s))
        name = '%s %s:%s->%s:%s' % (r['kind'], r['orig_addr'], r['orig_port'],
                                    r['resp_addr'], r['resp_port'])
        fam = 6 if ':' in r['orig_addr'] else 4
        oa, ra = norm_addr(r['orig_addr']), norm_addr(r['resp_addr'])
        op, rp = int(r['orig_port']), int(r['resp_port'])
        o, rep = s.org, s.rep
        if s.family != fam:
            bad.append('%s: listed as IPv%d' % (name, s.family))
        if int(r['proto']) != s.proto:
            bad.append('%s: proto=%d' % (name, s.proto))
        # originator and tuples
        if r['kind'] in ('icmp-other',) or r['_key'][0] == 'ip':
            want_org = (oa, None, ra, None)
            got_org = (o.src, None, o.dst, None)
        else:
            want_org = (oa, op, ra, rp)
            got_org = (o.src, o.sport, o.dst, o.dport)
        if got_org != want_org:
            bad.append('%s: org tuple is %s:%d->%s:%d (originator reversed)'
                       % (name, o.src, o.sport, o.dst, o.dport))
        else:
            if r['kind'] == 'icmp-echo':
                want_rep = (ra, op, oa, ECHO_REPLY.get((int(r['proto']), rp), -1))
            elif r['kind'] == 'icmp-other':
                want_rep = (ra, o.sport, oa, o.dport)
            else:
                want_rep = (o.dst, o.dport, o.src, o.sport)
            if (rep.src, rep.sport, rep.dst, rep.dport) != want_rep:
                bad.append('%s: reply tuple %s:%d->%s:%d, expected %s:%d->%s:%d'
                           % ((name, rep.src, rep.sport, rep.dst, rep.dport) + want_rep))
        # counters (in the expected orientation)
        want = (int(r['orig_pkts']), int(r['orig_ip_bytes']), r['_errs'][0],
                int(r['resp_pkts']), int(r['resp_ip_bytes']), r['_errs'][1])
        have = (s.orig.pkts, s.orig.bytes, s.orig.errs, s.reply.pkts, s.reply.bytes, s.reply.errs)
        if want[0:2] + want[3:5] != have[0:2] + have[3:5]:
            bad.append('%s: packets/bytes org=%d/%d reply=%d/%d, expected org=%d/%d reply=%d/%d'
                       % (name, have[0], have[1], have[3], have[4], want[0], want[1], want[3],
                          want[4]))
        if (want[2], want[5]) != (have[2], have[5]):
            bad.append('%s: allow_err (ICMP errors) org=%d reply=%d, expected org=%d reply=%d'
                       % (name, have[2], have[5], want[2], want[5]))
        for d, dname, st in ((0, 'org', s.orig), (1, 'reply', s.reply)):
            fp, fb = r['_frag'][d]
            if fp and (st.pkts < fp or st.bytes < fb):
                bad.append('%s: %s counters %d/%d do not hold its %d fragments (%d bytes)'
                           % (name, dname, st.pkts, st.bytes, fp, fb))
        # state
        states, why = expected_proto_state(r)
        if states is not None and s.proto_state not in states:
            bad.append('%s: proto_state=%s, expected %s (%s)'
                       % (name, s.proto_state, '/'.join(sorted(states)), why))
        if s.timeout != expected_timeout(r):
            bad.append('%s: timeout=%d, expected %d' % (name, s.timeout, expected_timeout(r)))
        # serial = first frame
        if show_frames and r.get('first_frame') not in (None, '', '-') \
                and s.serial != int(r['first_frame']):
            bad.append('%s: serial=%08x (%d), expected the first frame %s'
                       % (name, s.serial, s.serial, r['first_frame']))

    # --- duration / expire against first_ts / last_ts
    if pairs:
        now, spans = _now_window(pairs)
        latest = max(ts_us(r['last_ts']) for r, _ in pairs)
        if now is not None and now + US <= latest:
            bad.append('duration/expire put the list at network time %.6f, before the last '
                       'packet (%.6f): the clock did not reach the end of the input'
                       % (now / US, latest / US))
        for r, s in pairs:
            lo, hi = spans[id(s)]
            if now is None or not (lo <= now < hi):
                first, last = ts_us(r['first_ts']), ts_us(r['last_ts'])
                hint = ''
                if now is not None:
                    hint = ' (the others agree on now=%.6f: duration %d, expire %d expected)' % (
                        now / US, (now - first) // US, (last + TIMER_MAX * US - now) // US)
                bad.append('%s %s:%s->%s:%s: duration=%s expire=%d do not fit first_ts=%s '
                           'last_ts=%s%s' % (r['kind'], r['orig_addr'], r['orig_port'],
                                             r['resp_addr'], r['resp_port'], s.duration, s.expire,
                                             r['first_ts'], r['last_ts'], hint))
    return bad


# ---------------------------------------------------------------------------
# one trace

def check_trace(binary, traces_dir, trace, exp, workers, timeout):
    """Returns (ok, lines to print)."""
    out = []
    path = os.path.join(traces_dir, trace['file'])
    if not os.path.isfile(path):
        return False, ['capture %s is missing' % path]
    with open(path, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if trace.get('sha256') and digest != trace['sha256']:
        return False, ['%s: sha256 %s differs from traces.tsv %s: the expected values are not '
                       'for this file' % (trace['file'], digest, trace['sha256'])]
    cut = 'cut short' in trace.get('tshark_note', '')
    want_rc = 2 if cut else 0
    runs = {}
    for w in workers:
        runs[w] = run_sessmon(sessmon_cmd(binary, [path], w), timeout)
    failed = False
    for w, run in runs.items():
        bad = []
        errs = stderr_lines(run)
        if run.rc != want_rc:
            bad.append('exit status %s, expected %d%s' % (
                run.rc, want_rc, ' (capture cut short)' if cut else ''))
        if cut and len(errs) != 1:
            bad.append('stderr has %d lines, expected one line saying the capture is cut short'
                       % len(errs))
        if not cut and errs:
            bad.append('stderr not empty: %s' % ' | '.join(errs[:3]))
        try:
            listing = sessdump.parse_listing(run.out)
        except sessdump.ParseError as e:
            bad.append('session list does not parse: %s' % e)
            listing = None
        if listing is not None:
            bad += compare(exp, listing)
        if bad:
            failed = True
            out.append('  -w %d: %d mismatch(es)%s' % (w, len(bad), ', first %d:' % SHOW
                                                      if len(bad) > SHOW else ':'))
            out += ['    ' + b for b in bad[:SHOW]]
            if errs and run.rc != want_rc:
                out.append('    stderr: ' + ' | '.join(errs[:3]))
    ws = list(runs)
    for w in ws[1:]:
        a, b = runs[ws[0]], runs[w]
        if (a.out, a.rc) != (b.out, b.rc):
            failed = True
            out.append('  -w %d and -w %d differ (exit %s vs %s):' % (ws[0], w, a.rc, b.rc))
            diff = list(difflib.unified_diff(a.out.split('\n'), b.out.split('\n'),
                                             '-w %d' % ws[0], '-w %d' % w, lineterm='', n=1))
            out += ['    ' + d for d in diff[:SHOW * 2]]
    return not failed, out


SHOW = 10


def main(argv=None):
    global SHOW
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('sessmon')
    ap.add_argument('shared_dir')
    ap.add_argument('--workers', '-w', type=int, action='append',
                    help='worker count to run (repeatable; default 1 and 2)')
    ap.add_argument('--trace', action='append', help='only this trace (repeatable)')
    ap.add_argument('--jobs', '-j', type=int, default=max(1, min(4, (os.cpu_count() or 2) // 2)),
                    help='traces checked in parallel')
    ap.add_argument('--show', type=int, default=10, help='mismatches shown per run')
    ap.add_argument('--timeout', type=int, default=300, help='seconds per sessmon run')
    a = ap.parse_args(argv)
    SHOW = a.show
    workers = a.workers or [1, 2]

    traces_dir = os.path.join(a.shared_dir, 'traces')
    if not os.path.isdir(os.path.join(traces_dir, 'expected')) and \
            os.path.isdir(os.path.join(a.shared_dir, 'expected')):
        traces_dir = a.shared_dir
    exp_dir = os.path.join(traces_dir, 'expected')
    if not os.path.isfile(os.path.join(exp_dir, 'traces.tsv')):
        print('SKIP: %s not found: the shared reference traces are not available' % exp_dir)
        return SKIP
    if not (os.path.isfile(a.sessmon) and os.access(a.sessmon, os.X_OK)):
        print('ERROR: %s is not an executable' % a.sessmon)
        return 1

    traces = read_tsv(os.path.join(exp_dir, 'traces.tsv'))
    sess = read_tsv(os.path.join(exp_dir, 'sessions.tsv'))
    errs = read_tsv(os.path.join(exp_dir, 'icmp_errors.tsv'))
    frags = read_tsv(os.path.join(exp_dir, 'fragments.tsv'))
    if a.trace:
        unknown = set(a.trace) - {t['trace'] for t in traces}
        if unknown:
            print('ERROR: no such trace: %s' % ', '.join(sorted(unknown)))
            return 1
        traces = [t for t in traces if t['trace'] in a.trace]

    def by_trace(rows, name):
        return [r for r in rows if r['trace'] == name]

    jobs = []
    for t in traces:
        exp = Expected(by_trace(sess, t['trace']), by_trace(errs, t['trace']),
                       by_trace(frags, t['trace']))
        if t.get('sessions', '').isdigit() and int(t['sessions']) != len(exp.rows):
            exp.notes.append('expected data: traces.tsv says %s sessions, sessions.tsv has %d'
                             % (t['sessions'], len(exp.rows)))
        jobs.append((t, exp))

    n_fail = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futs = [pool.submit(check_trace, a.sessmon, traces_dir, t, exp, workers, a.timeout)
                for t, exp in jobs]
        for (t, exp), fut in zip(jobs, futs):
            ok, lines = fut.result()
            what = '%d sessions, %d ICMP errors, %d fragments, -w %s' % (
                len(exp.rows), exp.n_errors, exp.n_frags, ','.join(map(str, workers)))
            print('%s %s (%s)' % ('PASS' if ok else 'FAIL', t['trace'], what))
            for n in exp.notes:
                print('  note: ' + n)
            for ln in lines:
                print(ln)
            sys.stdout.flush()
            n_fail += not ok
    print('%d of %d traces pass' % (len(jobs) - n_fail, len(jobs)))
    return 1 if n_fail else 0


if __name__ == '__main__':
    sys.exit(main())
