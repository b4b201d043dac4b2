#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write N synthetic but plausible HTTP rules (Suricata syntax) for bench_sig.

    gen_rules.py N [--seed S] > rules

Rules are built from vocabularies of paths, parameter names, attack tokens
and client names, in the proportions of a real web rule set: mostly one
content (often nocase, sometimes with depth), contents chained with
distance/within, a share of pcre, and some rules on the server's responses.
The same N and seed always give the same file; sids start at 8000001.
"""
import argparse
import random
import sys

PATHS = ['admin', 'login', 'wp-admin', 'cgi-bin', 'api', 'upload', 'include', 'modules',
         'plugins', 'themes', 'portal', 'manager', 'console', 'setup', 'install', 'debug',
         'static', 'assets', 'vendor', 'lib', 'scripts', 'servlet', 'webdav', 'remote',
         'mgmt', 'rest', 'graphql', 'ajax', 'user', 'account', 'shop', 'cart', 'export']
FILES = ['index', 'config', 'settings', 'upload', 'download', 'view', 'edit', 'delete',
         'search', 'report', 'backup', 'shell', 'cmd', 'exec', 'file', 'image', 'proxy',
         'redirect', 'callback', 'preview', 'import', 'ajax', 'action', 'handler', 'status']
EXTS = ['php', 'asp', 'aspx', 'jsp', 'cgi', 'pl', 'do', 'action', 'cfm', 'py']
PARAMS = ['id', 'page', 'file', 'path', 'url', 'cmd', 'q', 'search', 'user', 'name',
          'template', 'lang', 'dir', 'include', 'redirect', 'callback', 'sort', 'cat',
          'item', 'action', 'module', 'view', 'doc', 'load', 'src', 'next', 'ref']
TOKENS = ['../', 'union select', 'sleep(', '<script', 'onerror=', '/etc/passwd', 'cmd.exe',
          '${jndi:', 'php://', 'base64_decode(', 'eval(', 'system(', 'wget ', 'curl ',
          'xp_cmdshell', 'information_schema', 'benchmark(', '%00', '..%2f', 'javascript:',
          'document.cookie', 'concat(', 'load_file(', '/bin/sh', 'passthru(', 'file://',
          'gopher://', '<!ENTITY', '{{7*7}}', '__proto__']
AGENTS = ['scanner', 'bot', 'crawler', 'exploit', 'probe', 'spider', 'fetch', 'client',
          'agent', 'kit', 'tool', 'audit', 'check', 'grab', 'harvest', 'recon']
RESP = ['Fatal error', 'Warning: include(', 'SQL syntax', 'stack trace', 'Index of /',
        'root:x:0:0', 'uid=0(', 'Exception in thread', 'ODBC Driver', 'Traceback']
CLASSES = ['web-application-attack', 'attempted-recon', 'attempted-admin', 'policy-violation',
           'bad-unknown', 'trojan-activity']


def content(text, nocase=False, extra=''):
    """A content option; bytes Suricata would need escaped go in |hex|."""
    out, in_hex = '', False
    for ch in text:
        if ch in '";\\|' or not 32 <= ord(ch) < 127:
            out += ('|' if not in_hex else ' ') + '%02X' % ord(ch)
            in_hex = True
        else:
            out += ('|' if in_hex else '') + ch
            in_hex = False
    out += '|' if in_hex else ''
    return 'content:"%s";%s%s' % (out, ' nocase;' if nocase else '', extra)


def pcre_escape(text):
    return ''.join('\\' + c if c in '\\/.^$|?*+()[]{}' else c for c in text)


def request_path(r):
    return '/%s/%s%d.%s' % (r.choice(PATHS), r.choice(FILES), r.randrange(100), r.choice(EXTS))


def rule_body(r, i):
    """(msg, options, flow) of rule i."""
    kind = r.random()
    if kind < 0.40:
        tok = r.choice(TOKENS)
        param = r.choice(PARAMS)
        return ('param %s with %s' % (param, tok.strip()),
                content('%s=%s%d' % (param, tok, i), nocase=True), 'to_server')
    if kind < 0.55:
        path = request_path(r)
        return ('request for %s' % path,
                content('GET ', extra=' depth:4;') + ' ' + content(path, nocase=True,
                                                                   extra=' distance:0; within:%d;' % (len(path) + 64)),
                'to_server')
    if kind < 0.70:
        path = request_path(r)
        param = r.choice(PARAMS)
        return ('%s parameter %s' % (path, param),
                content(path, nocase=True) + ' ' +
                content('%s=' % param, extra=' distance:0; within:128;'), 'to_server')
    if kind < 0.85:
        name = '%s%s/%d.%d' % (r.choice(AGENTS), r.choice(AGENTS), r.randrange(10), r.randrange(100))
        return ('User-Agent %s' % name,
                'pcre:"/^User-Agent:[^\\r\\n]{0,64}%s/mi";' % pcre_escape(name), 'to_server')
    if kind < 0.93:
        tok = r.choice(TOKENS)
        return ('%s encoded in body %d' % (tok.strip(), i),
                'pcre:"/%s=[^&]{0,32}%s%d/i";' % (r.choice(PARAMS), pcre_escape(tok), i),
                'to_server')
    text = '%s %d' % (r.choice(RESP), i)
    return ('response leaks %s' % text, content(text), 'to_client')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('n', type=int, help='number of rules')
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    r = random.Random(args.seed)
    out = sys.stdout
    out.write('# %d synthetic rules (tools/rules/gen_rules.py %d --seed %d)\n'
              % (args.n, args.n, args.seed))
    for i in range(args.n):
        msg, body, flow = rule_body(r, i)
        if flow == 'to_client':
            head = 'alert http $HOME_NET $HTTP_PORTS -> $EXTERNAL_NET any'
        else:
            head = 'alert http $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS'
        out.write('%s (msg:"SYNTH %s"; flow:established,%s; %s classtype:%s; sid:%d; rev:1;)\n'
                  % (head, msg.replace('"', "'").replace(';', ','), flow, body,
                     r.choice(CLASSES), 8000001 + i))


if __name__ == '__main__':
    main()
