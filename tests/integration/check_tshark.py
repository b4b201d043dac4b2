#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check sessmon's session lists on a capture against values derived with tshark.

Usage: check_tshark.py SESSMON_BINARY CAPTURE [--workers N ...] [--show N]
       check_tshark.py --dump CAPTURE      (print the derived sessions as TSV)

tshark (Wireshark's dissector, independent of sessmon's parser) reads every
frame with IP reassembly off; this script turns its fields into sessions with
the rules of ../shared/traces/README.md ("Keying rules of sessions.tsv"):
outermost IP header only (VLAN tags skipped, tunnels not opened), IP bytes from
the IPv4 total length or IPv6 payload length + 40, every fragment counted in
its datagram's session, ICMP errors not sessions but counted per direction,
originator = TCP SYN sender (else the SYN-ACK's receiver, else the first
sender), ICMP echo requester, else the first sender. The per-side TCP flags
give the end state as in check_traces.tcp_states(). sessmon then runs with
every timer at its maximum, -w 1 and -w 2 (identical output required), and its
`diagnose sys session list` + `session6 list` are compared by
check_traces.compare(). The same lists with a fortiformatter `--format`
(tuple, protocol, per-direction packets and bytes) must give one line per
block with the block's values.

Exit status: 0 pass, 1 mismatch, 77 tshark or the capture is missing.
"""

import argparse
import ipaddress
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_traces as ct  # noqa: E402
import sessdump  # noqa: E402

SKIP = 77

FIELDS = (
    'frame.number', 'frame.time_epoch',
    'ip.src', 'ip.dst', 'ip.len', 'ip.proto', 'ip.id', 'ip.flags.mf', 'ip.frag_offset',
    'ipv6.src', 'ipv6.dst', 'ipv6.plen', 'ipv6.nxt',
    'ipv6.hopopts.nxt', 'ipv6.routing.nxt', 'ipv6.dstopts.nxt',
    'ipv6.fraghdr.nxt', 'ipv6.fraghdr.offset', 'ipv6.fraghdr.more', 'ipv6.fraghdr.ident',
    'tcp.srcport', 'tcp.dstport', 'tcp.flags',
    'udp.srcport', 'udp.dstport', 'sctp.srcport', 'sctp.dstport',
    'icmp.type', 'icmp.code', 'icmp.ident',
    'icmpv6.type', 'icmpv6.code', 'icmpv6.echo.identifier',
)
# IPv6 extension headers walked to find the upper-layer protocol.
EXT_NXT = {0: 'ipv6.hopopts.nxt', 43: 'ipv6.routing.nxt', 60: 'ipv6.dstopts.nxt',
           44: 'ipv6.fraghdr.nxt'}
ICMP_ERRORS = {1: {3, 4, 5, 11, 12}, 58: {1, 2, 3, 4}}
ECHO_REQ = {(1, 8), (1, 13), (58, 128)}
ECHO_REP = {(1, 0): 8, (1, 14): 13, (58, 129): 128}   # reply type -> request type
PORT_FIELDS = {6: 'tcp', 17: 'udp', 132: 'sctp'}
KIND = {6: 'tcp', 17: 'udp', 132: 'sctp'}


def tshark_rows(path):
    cmd = ['tshark', '-n', '-r', path, '-T', 'fields', '-E', 'separator=\t',
           '-E', 'occurrence=a', '-E', 'aggregator=|',
           '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE']
    for f in FIELDS:
        cmd += ['-e', f]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    rows = []
    for line in p.stdout.decode('utf-8', 'replace').split('\n'):
        if not line:
            continue
        cols = line.split('\t')
        cols += [''] * (len(FIELDS) - len(cols))
        rows.append({f: (c.split('|') if c else []) for f, c in zip(FIELDS, cols)})
    return rows, p.returncode, p.stderr.decode('utf-8', 'replace').strip()


class Cursor:
    """Reads occurrences of tshark fields in order (outer headers first)."""

    def __init__(self, row):
        self.row = row
        self.pos = {}

    def peek(self, f, i=0):
        v = self.row.get(f, [])
        return v[i] if i < len(v) else None

    def take(self, f):
        i = self.pos.get(f, 0)
        v = self.row.get(f, [])
        if i >= len(v):
            return None
        self.pos[f] = i + 1
        return v[i]


def num(v):
    if v is None or v == '':
        return None
    return int(v, 16) if v.startswith('0x') else int(v)


def truthy(v):
    return v in ('1', 'True', 'true')


class Packet:
    __slots__ = ('frame', 'ts', 'family', 'src', 'dst', 'proto', 'ip_bytes', 'frag',
                 'frag_first', 'frag_id', 'sport', 'dport', 'tcp_flags', 'itype', 'icode',
                 'ident', 'quoted')


def parse_frame(r):
    """Outer IP packet of a tshark row (None if the frame has no IP header)."""
    c = Cursor(r)
    p = Packet()
    p.frame = int(r['frame.number'][0])
    p.ts = ct.ts_us(r['frame.time_epoch'][0])
    p.quoted = None
    p.frag = False
    p.frag_first = True
    p.frag_id = None
    p.sport = p.dport = p.tcp_flags = p.itype = p.icode = p.ident = None
    if not read_ip(c, p, outer=True):
        return None
    read_l4(c, p, quoted=False)
    return p


def read_ip(c, p, outer):
    """Read one IP header (IPv4 or IPv6, whichever comes next in the frame)."""
    # tshark lists the outer header's fields first; a frame has IPv4 or IPv6
    # outside. For the quoted header of an error, the family is the outer one.
    fam = None
    if outer:
        if c.peek('ip.src') is not None and c.peek('ipv6.src') is not None:
            # both present (6in4 or 4in6): the outer one is whichever comes
            # first in the protocol stack; IPv4 fields exist for 6in4 outer
            fam = 4 if num(c.peek('ip.proto')) == 41 else 6
        elif c.peek('ip.src') is not None:
            fam = 4
        elif c.peek('ipv6.src') is not None:
            fam = 6
        else:
            return False
    else:
        fam = p.family
    p.family = fam
    if fam == 4:
        src, dst = c.take('ip.src'), c.take('ip.dst')
        ln, proto = c.take('ip.len'), c.take('ip.proto')
        ipid, mf, off = c.take('ip.id'), c.take('ip.flags.mf'), c.take('ip.frag_offset')
        if src is None or proto is None:
            return False
        p.src, p.dst = ct.norm_addr(src), ct.norm_addr(dst)
        p.ip_bytes = num(ln) or 0
        p.proto = num(proto)
        offv = num(off) or 0
        if truthy(mf) or offv > 0:
            p.frag = True
            p.frag_first = offv == 0
            p.frag_id = (4, p.src, p.dst, p.proto, num(ipid))
        return True
    src, dst = c.take('ipv6.src'), c.take('ipv6.dst')
    plen, nh = c.take('ipv6.plen'), c.take('ipv6.nxt')
    if src is None or nh is None:
        return False
    p.src, p.dst = ct.norm_addr(src), ct.norm_addr(dst)
    p.ip_bytes = (num(plen) or 0) + 40
    nh = num(nh)
    while nh in EXT_NXT:
        if nh == 44:
            off = num(c.take('ipv6.fraghdr.offset')) or 0
            more = truthy(c.take('ipv6.fraghdr.more'))
            ident = num(c.take('ipv6.fraghdr.ident'))
            nxt = num(c.take('ipv6.fraghdr.nxt'))
            if off > 0 or more:   # an atomic fragment (0, M=0) is a whole datagram
                p.frag = True
                p.frag_first = off == 0
                p.frag_id = (6, p.src, p.dst, ident)
            nh = nxt
            if off > 0:
                break
        else:
            nxt = c.take(EXT_NXT[nh])
            if nxt is None:
                break
            nh = num(nxt)
    p.proto = nh
    return True


def read_l4(c, p, quoted):
    if p.frag and not p.frag_first:
        return
    if p.proto in PORT_FIELDS:
        pre = PORT_FIELDS[p.proto]
        p.sport, p.dport = num(c.take(pre + '.srcport')), num(c.take(pre + '.dstport'))
        if p.proto == 6:
            p.tcp_flags = num(c.take('tcp.flags'))
    elif p.proto == 1 and p.family == 4:
        p.itype, p.icode = num(c.take('icmp.type')), num(c.take('icmp.code'))
        if p.itype is not None and not quoted and p.itype in ICMP_ERRORS[1]:
            q = Packet()
            q.family, q.frag, q.frag_first, q.frag_id = 4, False, True, None
            q.sport = q.dport = q.tcp_flags = q.itype = q.icode = q.ident = q.quoted = None
            if read_ip(c, q, outer=False):
                read_l4(c, q, quoted=True)
                p.quoted = q
        elif (1, p.itype) in ECHO_REQ or (1, p.itype) in ECHO_REP:
            p.ident = num(c.take('icmp.ident'))
    elif p.proto == 58 and p.family == 6:
        p.itype, p.icode = num(c.take('icmpv6.type')), num(c.take('icmpv6.code'))
        if p.itype is not None and not quoted and p.itype in ICMP_ERRORS[58]:
            q = Packet()
            q.family, q.frag, q.frag_first, q.frag_id = 6, False, True, None
            q.sport = q.dport = q.tcp_flags = q.itype = q.icode = q.ident = q.quoted = None
            if read_ip(c, q, outer=False):
                read_l4(c, q, quoted=True)
                p.quoted = q
        elif (58, p.itype) in ECHO_REQ or (58, p.itype) in ECHO_REP:
            p.ident = num(c.take('icmpv6.echo.identifier'))


def is_error(p):
    return p.proto in ICMP_ERRORS and p.family == (4 if p.proto == 1 else 6) \
        and p.itype in ICMP_ERRORS[p.proto]


def packet_key(p):
    """(key, endpoint this packet comes from, kind, port info) for a session packet."""
    a, b = p.src, p.dst
    if p.proto in PORT_FIELDS:
        if p.sport is None or p.dport is None:
            return ('ip', p.proto, frozenset([a, b]), 0, 0), 'l4-trunc', None
        return ('l4', p.proto, frozenset([(a, p.sport), (b, p.dport)])), KIND[p.proto], None
    if p.proto in (1, 58) and p.itype is not None:
        if (p.proto, p.itype) in ECHO_REQ and p.ident is not None:
            return ('l4', p.proto, frozenset([(a, p.ident), (b, p.itype)])), 'icmp-echo', \
                ('req', a, p.ident, b, p.itype)
        if (p.proto, p.itype) in ECHO_REP and p.ident is not None:
            req = ECHO_REP[(p.proto, p.itype)]
            return ('l4', p.proto, frozenset([(b, p.ident), (a, req)])), 'icmp-echo', \
                ('rep', b, p.ident, a, req)
        return ('icmp', p.proto, frozenset([a, b]), p.itype, p.icode), 'icmp-other', None
    if p.proto in (1, 58):
        return ('ip', p.proto, frozenset([a, b]), 0, 0), 'l4-trunc', None
    return ('ip', p.proto, frozenset([a, b]), 0, 0), 'other', None


class Sess:
    def __init__(self, key, kind, first):
        self.key, self.kind = key, kind
        self.first = first          # first Packet
        self.orig = None            # (addr, port) of the originator, once decided
        self.how = None             # 'syn', 'synack', 'echo', 'first'
        self.pkts = []              # Packets (session packets, in file order)
        self.errs = []              # quoted Packets of errors


def derive(rows):
    """Sessions (list of dicts in sessions.tsv form) of tshark rows."""
    pkts = [p for p in (parse_frame(r) for r in rows) if p is not None]
    # first fragments, by datagram id, anywhere in the file
    firsts = {}
    for p in pkts:
        if p.frag and p.frag_first and p.frag_id not in firsts:
            firsts[p.frag_id] = p
    sessions = {}
    order = []

    def get(key, kind, p):
        s = sessions.get(key)
        if s is None:
            s = sessions[key] = Sess(key, kind, p)
            order.append(s)
        return s

    for p in pkts:
        if is_error(p):
            continue   # errors are not sessions: second pass
        if p.frag and not p.frag_first:
            head = firsts.get(p.frag_id)
            if head is None:
                key = ('ip', p.proto, frozenset([p.src, p.dst]), 0, 0)
                get(key, 'frag-orphan', p).pkts.append(p)
                continue
            key, kind, _ = packet_key(head)
        else:
            key, kind, _ = packet_key(p)
        get(key, kind, p).pkts.append(p)
    for p in pkts:
        q = p.quoted
        if q is None:
            continue
        key, _, _ = packet_key(q)
        s = sessions.get(key)
        if s is not None:
            s.errs.append(q)

    out = []
    for s in order:
        out.append(finish(s, firsts))
    return out


def finish(s, firsts):
    """sessions.tsv-style row of a session."""
    ps = s.pkts

    def head_of(p):
        return firsts.get(p.frag_id, p) if (p.frag and not p.frag_first) else p

    orig_ep = None      # (addr, port or None)
    if s.kind == 'tcp':
        syn = [p for p in ps if p.tcp_flags is not None and p.tcp_flags & 0x12 == 0x02]
        synack = [p for p in ps if p.tcp_flags is not None and p.tcp_flags & 0x12 == 0x12]
        if syn:
            orig_ep = (syn[0].src, syn[0].sport)
        elif synack:
            orig_ep = (synack[0].dst, synack[0].dport)
    elif s.kind == 'icmp-echo':
        _, _, info = packet_key(head_of(ps[0]))
        orig_ep = (info[1], info[2])    # the requester and the id
        resp_ep = (info[3], info[4])
    if orig_ep is None:
        h = head_of(ps[0])
        orig_ep = (h.src, h.sport)
    oa = orig_ep[0]
    first = ps[0]
    if s.kind in ('tcp', 'udp', 'sctp'):
        other = [e for e in s.key[2] if e != orig_ep]
        ra, rp = other[0] if other else orig_ep
        op = orig_ep[1]
    elif s.kind == 'icmp-echo':
        op = orig_ep[1]
        ra, rp = resp_ep
    else:
        addrs = [a for a in s.key[2] if a != oa]
        ra = addrs[0] if addrs else oa
        op, rp = (s.key[3], s.key[4])

    def is_orig(p):
        if s.kind in ('tcp', 'udp', 'sctp') and not (p.frag and not p.frag_first):
            return (p.src, p.sport) == orig_ep
        return p.src == oa      # non-first fragments carry no ports

    cnt = [[0, 0], [0, 0]]
    flags = [set(), set()]
    nonfirst = [[0, 0], [0, 0]]
    for p in ps:
        d = 0 if is_orig(p) else 1
        cnt[d][0] += 1
        cnt[d][1] += p.ip_bytes
        if p.frag and not p.frag_first:
            nonfirst[d][0] += 1
            nonfirst[d][1] += p.ip_bytes
        f = p.tcp_flags
        if s.kind == 'tcp' and f is not None:
            if f & 0x12 == 0x02:
                flags[d].add('S')
            if f & 0x12 == 0x12:
                flags[d].add('SA')
            if f & 0x01:
                flags[d].add('F')
            if f & 0x04:
                flags[d].add('R')
    errs = [0, 0]
    for q in s.errs:
        # the error travels back toward the quoted packet's source
        qd = 0 if (q.src == oa if s.kind not in ('tcp', 'udp', 'sctp')
                   else (q.src, q.sport) == orig_ep) else 1
        errs[1 - qd] += 1

    def fl(fs):
        order = [x for x in ('S', 'SA', 'F', 'R') if x in fs]
        return ','.join(order) if order else '-'

    def ts(us):
        return '%d.%06d' % divmod(us, ct.US)

    return {
        'kind': s.kind, 'proto': str(s.key[1]), 'orig_addr': oa, 'orig_port': str(op or 0),
        'resp_addr': ra, 'resp_port': str(rp or 0),
        'orig_pkts': str(cnt[0][0]), 'orig_ip_bytes': str(cnt[0][1]),
        'resp_pkts': str(cnt[1][0]), 'resp_ip_bytes': str(cnt[1][1]),
        'first_ts': ts(min(p.ts for p in ps)), 'last_ts': ts(max(p.ts for p in ps)),
        'orig_flags': fl(flags[0]) if s.kind == 'tcp' else '-',
        'resp_flags': fl(flags[1]) if s.kind == 'tcp' else '-',
        'orig_nonfirst_frags': '%d/%d' % tuple(nonfirst[0]),
        'resp_nonfirst_frags': '%d/%d' % tuple(nonfirst[1]),
        'first_frame': str(first.frame),
        '_errs_derived': errs,
    }


class DerivedExpected(ct.Expected):
    def __init__(self, rows):
        super().__init__(rows)
        self.n_errors = 0
        for r in rows:
            r['_errs'] = list(r['_errs_derived'])
            self.n_errors += sum(r['_errs'])


DUMP_COLS = ('kind', 'proto', 'orig_addr', 'orig_port', 'resp_addr', 'resp_port', 'orig_pkts',
             'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'first_ts', 'last_ts', 'orig_flags',
             'resp_flags', 'orig_nonfirst_frags', 'resp_nonfirst_frags', 'first_frame')


# A fortiformatter user's format: the tuple, the protocol and the counters,
# which the blocks (compared with tshark above) also print.
FORMAT = '${serial:d} ${proto:d} ${sa} ${sp} ${da} ${dp} ${count[op]} ${count[ob]} ' \
         '${count[rp]} ${count[rb]}'


def check_format(binary, capture, timeout, blocks_run):
    """The sessions listed with --format against the same sessions' blocks:
    one line per block, with its serial, protocol, original tuple and
    per-direction packets and bytes (so, through the blocks, tshark's)."""
    cmd = ct.sessmon_cmd(binary, [capture], 1)
    cmd = [c for c in cmd if c not in ct.LIST_CMDS and c != '-c']
    for lc in ct.LIST_CMDS:
        cmd += ['-c', "%s --format '%s'" % (lc, FORMAT)]
    run = ct.run_sessmon(cmd, timeout)
    lines = [ln.split() for ln in run.out.splitlines() if ln.strip()]
    blocks = sessdump.parse_listing(blocks_run.out).sessions
    bad = []
    if len(lines) != len(blocks):
        bad.append('%d format lines, %d blocks' % (len(lines), len(blocks)))
    by_serial = {int(f[0]): f for f in lines if len(f) == 10}
    for b in blocks:
        f = by_serial.get(b.serial)
        want = [str(b.serial), str(b.proto), b.org.src, str(b.org.sport), b.org.dst,
                str(b.org.dport), str(b.orig.pkts), str(b.orig.bytes), str(b.reply.pkts),
                str(b.reply.bytes)]
        if f is not None:
            f = f[:2] + [str(ipaddress.ip_address(f[2]))] + f[3:4] + \
                [str(ipaddress.ip_address(f[4]))] + f[5:]
        if f != want:
            bad.append('serial %08x: format line %s, block %s' % (b.serial, f, want))
    return bad


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('sessmon', nargs='?')
    ap.add_argument('capture')
    ap.add_argument('--workers', '-w', type=int, action='append',
                    help='worker count to run (repeatable; default 1 and 2)')
    ap.add_argument('--show', type=int, default=10, help='mismatches shown per run')
    ap.add_argument('--timeout', type=int, default=300, help='seconds per sessmon run')
    ap.add_argument('--dump', action='store_true',
                    help='print the sessions derived from tshark as TSV and stop')
    a = ap.parse_args(argv)
    workers = a.workers or [1, 2]

    if shutil.which('tshark') is None:
        print('SKIP: tshark is not installed (apt-get install tshark)')
        return SKIP
    if not os.path.isfile(a.capture):
        print('SKIP: capture %s not found' % a.capture)
        return SKIP
    rows, rc, err = tshark_rows(a.capture)
    if rc != 0 and not rows:
        print('ERROR: tshark could not read %s: %s' % (a.capture, err))
        return 1
    derived = derive(rows)
    if a.dump:
        print('\t'.join(DUMP_COLS + ('orig_errs', 'resp_errs')))
        for r in derived:
            print('\t'.join([r[c] for c in DUMP_COLS] + [str(x) for x in r['_errs_derived']]))
        return 0
    if a.sessmon is None or not (os.path.isfile(a.sessmon) and os.access(a.sessmon, os.X_OK)):
        print('ERROR: %s is not an executable' % a.sessmon)
        return 1
    cut = 'cut short' in err
    want_rc = 2 if cut else 0
    exp = DerivedExpected(derived)
    n_tcp = sum(1 for r in derived if r['kind'] == 'tcp')
    print('tshark: %d frames, %d sessions (%d TCP), %d ICMP errors attributed%s'
          % (len(rows), len(derived), n_tcp, exp.n_errors,
             ' (tshark: capture cut short)' if cut else ''))
    for n in exp.notes:
        print('  note: ' + n)

    failed = False
    runs = {}
    for w in workers:
        run = ct.run_sessmon(ct.sessmon_cmd(a.sessmon, [a.capture], w), a.timeout)
        runs[w] = run
        bad = []
        errs = ct.stderr_lines(run)
        if run.rc != want_rc:
            bad.append('exit status %s, expected %d' % (run.rc, want_rc))
        if not cut and errs:
            bad.append('stderr not empty: %s' % ' | '.join(errs[:3]))
        if cut and len(errs) != 1:
            bad.append('stderr has %d lines, expected one saying the capture is cut short'
                       % len(errs))
        try:
            listing = sessdump.parse_listing(run.out)
            bad += ct.compare(exp, listing)
        except sessdump.ParseError as e:
            bad.append('session list does not parse: %s' % e)
        if bad:
            failed = True
            print('FAIL -w %d: %d mismatch(es)%s' % (w, len(bad), ', first %d:' % a.show
                                                   if len(bad) > a.show else ':'))
            for b in bad[:a.show]:
                print('  ' + b)
        else:
            print('PASS -w %d: %d sessions match' % (w, len(derived)))
    fbad = check_format(a.sessmon, a.capture, a.timeout, runs[workers[0]])
    if fbad:
        failed = True
        print('FAIL --format: %d mismatch(es):' % len(fbad))
        for b in fbad[:a.show]:
            print('  ' + b)
    else:
        print('PASS --format: a fortiformatter line per session, values as in the blocks')
    ws = list(runs)
    for w in ws[1:]:
        if (runs[ws[0]].out, runs[ws[0]].rc) != (runs[w].out, runs[w].rc):
            failed = True
            print('FAIL: -w %d and -w %d print different lists' % (ws[0], w))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
