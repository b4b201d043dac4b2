/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * TLS analyzer output as event arguments: each struct sm_tls_event under
 * its Zeek argument names, and a session's TLS summary as the `ssl` object
 * of connection_state_remove. Worker thread (the records are the worker's);
 * both functions only append arguments to a record already begun.
 */
#ifndef SESSMON_TLS_EVENTS_H
#define SESSMON_TLS_EVENTS_H

#include "sessmon/event.h"
#include "sessmon/tls.h"

/** Append the arguments of @p ev (Zeek's, in Zeek's order) to @p e. */
void sm_tls_events_args(struct sm_ev_rec *e, const struct sm_tls_event *ev);

/** Append the summary @p s as object `ssl` to @p e. */
void sm_tls_events_summary(struct sm_ev_rec *e, const struct sm_tls_summary *s);

#endif /* SESSMON_TLS_EVENTS_H */
