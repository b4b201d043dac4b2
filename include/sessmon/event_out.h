/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The event stream: records drained from the workers' event rings
 * (event.h), rendered as JSON lines with json-c, filtered, written to a
 * stream. docs/events.md "Event stream format" describes a line.
 *
 * Threads: everything here is the control thread's (the rings' one
 * consumer).
 */
#ifndef SESSMON_EVENT_OUT_H
#define SESSMON_EVENT_OUT_H

#include <stdint.h>
#include <stdio.h>

#include "sessmon/event.h"

struct sm_evfilter;
struct sm_ev_out;

/**
 * Create an event writer.
 * @param f  where the lines go (left open by sm_ev_out_free())
 * @param filter  a compiled event filter (sessmon/evfilter.h) that a line
 *   must match to be written, or NULL for every line; it must outlive the
 *   writer
 * @return the writer, or NULL with rte_errno set (ENOMEM). Control thread.
 */
struct sm_ev_out *sm_ev_out_create(FILE *f, const struct sm_evfilter *filter);

/**
 * Drain up to @p max records from ring @p r: render each, write it if the
 * filter matches, give the records back to the worker's pool.
 * @return records taken. Control thread.
 */
unsigned int sm_ev_out_drain(struct sm_ev_out *o, struct sm_ev_ring *r, unsigned int max);

/** Flush the stream and free the writer; NULL is a no-op. Control thread. */
void sm_ev_out_free(struct sm_ev_out *o);

/**
 * Lines written, and records the filter left out. A record that could not
 * be rendered or written (out of memory, stream error) counts in neither.
 * Control thread.
 */
void sm_ev_out_counts(const struct sm_ev_out *o, uint64_t *written, uint64_t *filtered);

#endif /* SESSMON_EVENT_OUT_H */
