# SPDX-License-Identifier: BSD-3-Clause
"""Parse FortiGate `diagnose sys session list` / `session6 list` text.

Reads what sessmon prints (and the 7.x FortiOS layout it copies, see
../shared/fortigate/README.md section 2) into one Session record per block.
Standard library only.

    import sessdump
    listing = sessdump.parse_listing(text)      # blocks + `total session N` footers
    for s in listing.sessions:
        s.proto, s.proto_state, s.org.src, s.org.sport, s.orig.bytes, s.serial ...

Strict by design: a block whose mandatory lines are missing or malformed,
or a line the parser does not know, raises ParseError naming the line.
Text outside blocks may only be blank lines and footers unless
parse_listing(..., strict=False) is used.

Run as a script to dump a file (or stdin) as JSON:
    python3 sessdump.py [FILE]
"""

import ipaddress
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Tuple

__all__ = ['ParseError', 'Hook', 'DirStats', 'Session', 'Listing',
           'parse_block', 'parse_blocks', 'parse_listing', 'split_endpoint']


class ParseError(ValueError):
    """Unparsable session text. `lineno` is 1-based in the text given."""

    def __init__(self, msg, lineno=None, line=None):
        where = '' if lineno is None else 'line %d: ' % lineno
        shown = '' if line is None else ': %r' % line
        super().__init__(where + msg + shown)
        self.lineno = lineno
        self.line = line


@dataclass
class Hook:
    """One `hook=` (tuple) line."""
    hook: str          # pre, post, in, out
    dir: str           # org, reply
    act: str           # noop, snat, dnat
    src: str           # normalised address text
    sport: int
    dst: str
    dport: int
    nat_addr: str
    nat_port: int


@dataclass
class DirStats:
    """bytes/packets/allow_err of one direction."""
    bytes: int
    pkts: int
    errs: int


@dataclass
class Session:
    family: int                     # 4 (`session info:`) or 6 (`session6 info:`)
    proto: int
    proto_state: str                # the two digits as printed, e.g. '01'
    duration: Optional[int]
    expire: int
    timeout: int
    refresh_dir: Optional[str]
    flags: str
    state: List[str]                # `state=` flags in printed order
    orig: DirStats                  # statistic ... org=
    reply: DirStats                 # statistic ... reply=
    tuples: int
    hooks: List[Hook]
    serial: int
    tx_Bps: Optional[int] = None
    tx_kbps: Optional[int] = None
    rx_Bps: Optional[int] = None
    rx_kbps: Optional[int] = None
    org_path: Optional[str] = None  # `pre->post`
    reply_path: Optional[str] = None
    dev: Optional[Tuple[int, int, int, int]] = None
    gwy: Optional[Tuple[str, str]] = None
    src_mac: Optional[str] = None
    dst_mac: Optional[str] = None
    policy_id: Optional[int] = None
    vd: Optional[str] = None
    tos: Optional[str] = None
    npu_state: Optional[str] = None
    npu_state_words: List[str] = field(default_factory=list)
    no_ofld_reasons: Optional[List[str]] = None   # None: no such line
    fields: Dict[str, str] = field(default_factory=dict)  # every key=value seen
    lines: List[str] = field(default_factory=list)        # the block as printed
    lineno: int = 0                 # line of `session info:` in the text

    # --- convenience -------------------------------------------------
    @property
    def proto_state_digits(self) -> Tuple[int, int]:
        return int(self.proto_state[0]), int(self.proto_state[1])

    @property
    def org(self) -> Hook:
        """The first original-direction tuple (the pre-NAT one)."""
        for h in self.hooks:
            if h.dir == 'org':
                return h
        raise AssertionError('unreachable: checked at parse time')

    @property
    def rep(self) -> Hook:
        """The first reply-direction tuple."""
        for h in self.hooks:
            if h.dir == 'reply':
                return h
        raise AssertionError('unreachable: checked at parse time')

    def to_dict(self):
        d = asdict(self)
        d.pop('lines')
        return d


@dataclass
class Listing:
    sessions: List[Session]
    totals: List[int]        # every `total session N` footer, in order
    groups: List[List[Session]]  # sessions between footers (one per command)


# ------------------------------------------------------------------------
# helpers

_INT = r'(\d+)'
_HEAD_RE = re.compile(r'^(session6?) info: (.*)$')
_STAT_RE = re.compile(
    r'^statistic\(bytes/packets/(?:allow_)?err\): org=(\d+)/(\d+)/(\d+) '
    r'reply=(\d+)/(\d+)/(\d+) tuples=(\d+)$')
_SPEED_RE = re.compile(r'^tx speed\(Bps/kbps\): (\d+)/(\d+) rx speed\(Bps/kbps\): (\d+)/(\d+)$')
_SINK_RE = re.compile(
    r'^orgin->sink: org (\w+->\w+), reply (\w+->\w+) dev=(\d+)->(\d+)/(\d+)->(\d+)'
    r'(?: gwy=([0-9A-Fa-f:.]+)/([0-9A-Fa-f:.]+))?$')
_HOOK_RE = re.compile(r'^hook=(\w+) dir=(org|reply) act=(\w+) (\S+?) ?->(\S+)\((\S*)\)$')
_MAC = r'([0-9a-f]{2}(?::[0-9a-f]{2}){5})'
_MAC_RE = re.compile(r'^(?:src_mac=' + _MAC + r')?(?: *dst_mac=' + _MAC + r')?$')
_KV_RE = re.compile(r'([A-Za-z_][\w-]*)=(\S*)')
_FOOTER_RE = re.compile(r'^total session:? (\d+)$')

# Lines a block may hold besides the ones parsed explicitly: FortiOS 7.x
# optional lines (README 2.1) so that real FortiGate text parses too.
_KNOWN_PREFIXES = (
    'origin-shaper=', 'reply-shaper=', 'per_ip_shaper=', 'class_id=', 'ha_id=',
    'policy_dir=', 'user=', 'pos/(before,after)', 'misc=', 'serial=', 'rpdb_link_id',
    'sdwan_mbr_seq=', 'route_policy_id=', 'npu_state=', 'npu info:', 'vlifid=',
    'no_ofld_reason:', 'ofld_fail_reason(kernel, drv):', 'reflect info ', 'dev=',
    'total reflect session num:', 'dd_type=', 'per_ip_bandwidth meter:', 'tunnel=',
)


def _int(text, what, lineno, line):
    try:
        return int(text, 10)
    except ValueError:
        raise ParseError('%s is not a decimal number' % what, lineno, line) from None


def split_endpoint(text):
    """`addr:port` (IPv6 without brackets) -> (normalised addr, port)."""
    addr, sep, port = text.rpartition(':')
    if not sep or not port.isdigit():
        raise ValueError('not addr:port: %r' % text)
    if addr == '':
        raise ValueError('empty address in %r' % text)
    try:
        a = str(ipaddress.ip_address(addr))
    except ValueError:
        raise ValueError('bad address in %r' % text) from None
    p = int(port)
    if p > 65535:
        raise ValueError('port out of range in %r' % text)
    return a, p


def _kv(text):
    return dict(_KV_RE.findall(text))


# ------------------------------------------------------------------------
# one block

def parse_block(lines, first_lineno=1):
    """Parse the lines of one block (the first is `session info:`/`session6 info:`).

    Raises ParseError on a missing or malformed mandatory line (info,
    statistic, hook lines matching tuples=, serial) or an unknown line.
    """
    if not lines:
        raise ParseError('empty block', first_lineno)
    m = _HEAD_RE.match(lines[0])
    if not m:
        raise ParseError('block does not start with "session info:"', first_lineno, lines[0])
    family = 6 if m.group(1) == 'session6' else 4
    head = _kv(m.group(2))
    for k in ('proto', 'proto_state', 'expire', 'timeout'):
        if k not in head:
            raise ParseError('"session info:" line lacks %s=' % k, first_lineno, lines[0])
    ps = head['proto_state']
    if not re.fullmatch(r'\d\d', ps):
        raise ParseError('proto_state is not two digits', first_lineno, lines[0])
    proto = _int(head['proto'], 'proto', first_lineno, lines[0])
    if proto > 255:
        raise ParseError('proto out of range', first_lineno, lines[0])

    fields = dict(head)
    state = None
    stat = None
    speed = None
    sink = None
    hooks = []
    serial = None
    extra = {}
    macs = (None, None)
    no_ofld = None
    npu_words = []
    npu_state = None
    seen = set()

    for i, line in enumerate(lines[1:], start=1):
        ln = first_lineno + i
        if line.startswith('session info:') or line.startswith('session6 info:'):
            raise ParseError('second "session info:" inside one block', ln, line)
        if line.startswith('state='):
            if 'state' in seen:
                raise ParseError('duplicate state= line', ln, line)
            seen.add('state')
            state = [f for f in line[len('state='):].split(' ') if f]
        elif line.startswith('user=') and ' state=' in line:
            fields.update(_kv(line.split(' state=')[0]))
            state = [f for f in line.split(' state=', 1)[1].split(' ') if f]
            seen.add('state')
        elif line.startswith('statistic('):
            sm = _STAT_RE.match(line)
            if not sm or 'stat' in seen:
                raise ParseError('malformed or duplicate statistic line', ln, line)
            seen.add('stat')
            stat = [int(x) for x in sm.groups()]
        elif line.startswith('tx speed('):
            sm = _SPEED_RE.match(line)
            if not sm:
                raise ParseError('malformed speed line', ln, line)
            speed = [int(x) for x in sm.groups()]
        elif line.startswith('orgin->sink:'):
            sm = _SINK_RE.match(line)
            if not sm or 'sink' in seen:
                raise ParseError('malformed or duplicate orgin->sink line', ln, line)
            seen.add('sink')
            sink = sm.groups()
        elif line.startswith('hook='):
            hm = _HOOK_RE.match(line)
            if not hm:
                raise ParseError('malformed hook line', ln, line)
            try:
                sa, sp = split_endpoint(hm.group(4))
                da, dp = split_endpoint(hm.group(5))
                na, np_ = split_endpoint(hm.group(6))
            except ValueError as e:
                raise ParseError('hook line: %s' % e, ln, line) from None
            hooks.append(Hook(hm.group(1), hm.group(2), hm.group(3), sa, sp, da, dp, na, np_))
        elif line.startswith('src_mac=') or line.startswith('dst_mac='):
            mm = _MAC_RE.match(line)
            if not mm or 'mac' in seen:
                raise ParseError('malformed or duplicate MAC line', ln, line)
            seen.add('mac')
            macs = mm.groups()
        elif line.startswith('serial='):
            kv = _kv(line)
            if 'serial' in seen or not re.fullmatch(r'[0-9a-f]{8,}', kv.get('serial', '')):
                raise ParseError('malformed or duplicate serial line', ln, line)
            seen.add('serial')
            serial = int(kv['serial'], 16)
            fields.update(kv)
        elif line.startswith('no_ofld_reason:'):
            if no_ofld is not None:
                raise ParseError('duplicate no_ofld_reason line', ln, line)
            no_ofld = line[len('no_ofld_reason:'):].split()
        elif line.startswith('npu_state='):
            parts = line.split(' ')
            npu_state = parts[0][len('npu_state='):]
            npu_words = [p for p in parts[1:] if p]
            if not re.fullmatch(r'(0x)?[0-9a-f]+', npu_state):
                raise ParseError('malformed npu_state', ln, line)
        elif line.startswith(_KNOWN_PREFIXES) or line.startswith('rpdb_link_id'):
            extra_kv = _kv(line)
            for k, v in extra_kv.items():
                fields.setdefault(k, v)
        elif line == '':
            raise ParseError('blank line inside a block', ln)
        else:
            raise ParseError('unknown line in session block', ln, line)

    if stat is None:
        raise ParseError('block has no statistic(...) line', first_lineno, lines[0])
    if serial is None:
        raise ParseError('block has no serial= line', first_lineno, lines[0])
    if state is None:
        raise ParseError('block has no state= line', first_lineno, lines[0])
    if len(hooks) != stat[6]:
        raise ParseError('tuples=%d but %d hook lines' % (stat[6], len(hooks)),
                         first_lineno, lines[0])
    if not any(h.dir == 'org' for h in hooks) or not any(h.dir == 'reply' for h in hooks):
        raise ParseError('block lacks an org or a reply hook line', first_lineno, lines[0])
    for h in hooks:
        fam = 6 if ':' in h.src else 4
        if fam != family or (':' in h.dst) != (family == 6):
            raise ParseError('hook addresses do not match the %s family' %
                             ('session6' if family == 6 else 'session'), first_lineno, lines[0])

    s = Session(
        family=family, proto=proto, proto_state=ps,
        duration=_int(head['duration'], 'duration', first_lineno, lines[0]) if 'duration' in head else None,
        expire=_int(head['expire'], 'expire', first_lineno, lines[0]),
        timeout=_int(head['timeout'], 'timeout', first_lineno, lines[0]),
        refresh_dir=head.get('refresh_dir'), flags=head.get('flags', ''),
        state=state,
        orig=DirStats(stat[0], stat[1], stat[2]), reply=DirStats(stat[3], stat[4], stat[5]),
        tuples=stat[6], hooks=hooks, serial=serial,
        fields=fields, lines=list(lines), lineno=first_lineno)
    if speed is not None:
        s.tx_Bps, s.tx_kbps, s.rx_Bps, s.rx_kbps = speed
    if sink is not None:
        s.org_path, s.reply_path = sink[0], sink[1]
        s.dev = tuple(int(x) for x in sink[2:6])
        if sink[6] is not None:
            s.gwy = (sink[6], sink[7])
    s.src_mac, s.dst_mac = macs
    if 'policy_id' in fields:
        s.policy_id = _int(fields['policy_id'], 'policy_id', first_lineno, lines[0])
    s.vd = fields.get('vd')
    s.tos = fields.get('tos')
    s.npu_state = npu_state
    s.npu_state_words = npu_words
    s.no_ofld_reasons = no_ofld
    return s


# ------------------------------------------------------------------------
# whole text

def _lines(text):
    # FortiGate over SSH ends lines in CRLF; sessmon in LF.
    return text.replace('\r\n', '\n').split('\n')


def parse_listing(text, strict=True):
    """Parse the output of one or more list commands.

    Returns a Listing. Blocks start at `session info:`/`session6 info:` and
    end at a blank line, a footer, the next block or the end of the text.
    With strict=True every line outside a block must be blank or a
    `total session N` footer, otherwise ParseError.
    """
    lines = _lines(text)
    if lines and lines[-1] == '':
        lines.pop()
    sessions, totals, groups, group = [], [], [], []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _HEAD_RE.match(line):
            j = i + 1
            while (j < len(lines) and lines[j] != '' and not _HEAD_RE.match(lines[j])
                   and not _FOOTER_RE.match(lines[j])):
                j += 1
            s = parse_block(lines[i:j], i + 1)
            sessions.append(s)
            group.append(s)
            i = j
            continue
        fm = _FOOTER_RE.match(line)
        if fm:
            totals.append(int(fm.group(1)))
            groups.append(group)
            group = []
        elif line.strip() != '' and strict:
            raise ParseError('unexpected line outside a session block', i + 1, line)
        i += 1
    if group:
        if strict:
            raise ParseError('session blocks after the last "total session" footer',
                             group[0].lineno)
        groups.append(group)
    return Listing(sessions=sessions, totals=totals, groups=groups)


def parse_blocks(text):
    """Just the sessions, anything outside blocks ignored."""
    return parse_listing(text, strict=False).sessions


def main(argv):
    text = open(argv[1], encoding='utf-8', errors='replace').read() if len(argv) > 1 \
        else sys.stdin.read()
    try:
        listing = parse_listing(text)
    except ParseError as e:
        print('sessdump: %s' % e, file=sys.stderr)
        return 1
    json.dump({'totals': listing.totals, 'sessions': [s.to_dict() for s in listing.sessions]},
              sys.stdout, indent=1)
    print()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
