/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * FortiOS 7.2 text for session views and session counters: the output of
 * `diagnose sys session list` / `session6 list`, `diagnose sys session
 * stat` / `full-stat` and `get system session list`, byte for byte as in
 * ../shared/fortigate/README.md §2, §6 and §7.
 *
 * Every function writes one complete unit (a session block, a table row, a
 * footer, a whole stat report) to a stdio stream, so a dump can stop after
 * any unit and resume with the next view later: the caller keeps the
 * cursor, the formatter keeps no state. Write to a buffer with
 * open_memstream() or fmemopen(). Lines end in "\n"; an SSH front end that
 * emulates a FortiGate converts to CRLF itself.
 *
 * Every function is pure apart from its output and may be called from any
 * thread; the control thread is the one that does.
 */
#ifndef SESSMON_FGFMT_H
#define SESSMON_FGFMT_H

#include <stdint.h>
#include <stdio.h>

#include "sessmon/sess_view.h"
#include "sessmon/session.h"

/** Longest protocol name sm_fgfmt_proto_name() returns, with its NUL. */
#define SM_FGFMT_PROTO_NAME_LEN 8

/**
 * One `diagnose sys session list` block: a blank line, then `session info:`
 * (`session6 info:` for an IPv6 view) down to `no_ofld_reason:`.
 * @return 0, or -EIO if the stream reported an error.
 */
int sm_fgfmt_session(FILE *out, const struct sm_sess_view *v);

/**
 * The footer after the last block: `total session N` (7.2 spelling, no
 * colon, no blank line before it). @return 0 or -EIO.
 */
int sm_fgfmt_session_total(FILE *out, uint64_t n_sessions);

/**
 * `diagnose sys session stat` in its 7.x layout (README §6): misc info,
 * TCP state counts (non-zero ones, in state order), firewall error stat,
 * global limits. @return 0 or -EIO.
 */
int sm_fgfmt_stat(FILE *out, const struct sm_sess_stat *st);

/**
 * `diagnose sys session full-stat`: the `session table:` line, then the
 * same report as sm_fgfmt_stat(). @return 0 or -EIO.
 */
int sm_fgfmt_full_stat(FILE *out, const struct sm_sess_stat *st);

/** The header line of `get system session list`. @return 0 or -EIO. */
int sm_fgfmt_list_header(FILE *out);

/**
 * One row of `get system session list` for @p v: protocol, seconds to
 * expiry, source and destination `ip:port` of the original direction, `-`
 * for both NAT columns. @return 0 or -EIO.
 */
int sm_fgfmt_list_row(FILE *out, const struct sm_sess_view *v);

/**
 * Name of a `state=` flag as FortiOS prints it (`may_dirty`, `npu` ...).
 * @return the name, or NULL for a value outside enum sm_fgt_flag.
 */
const char *sm_fgfmt_flag_name(enum sm_fgt_flag f);

/**
 * Name of a `no_ofld_reason:` item (`non-npu-intf`, `not-established` ...).
 * @return the name, or NULL for a value outside enum sm_no_ofld.
 */
const char *sm_fgfmt_no_ofld_name(enum sm_no_ofld r);

/**
 * Lower-case protocol name as `get system session list` prints it
 * (`tcp`, `udp`, `icmp` ...), or the decimal number for a protocol without
 * a name. @p buf holds the number; @return @p buf or a static name.
 */
const char *sm_fgfmt_proto_name(uint8_t proto, char buf[SM_FGFMT_PROTO_NAME_LEN]);

#endif /* SESSMON_FGFMT_H */
