/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Event records and their per-worker transport to the control thread.
 *
 * A worker builds an event in a fixed-size record (SM_EV_REC_SIZE bytes):
 * a header (type, time, session serial, connection id) followed by the
 * event's arguments, each a small TLV (kind, name, value). Records come
 * from a per-worker rte_mempool and travel to the control thread on a
 * single-producer/single-consumer rte_ring of record pointers; the control
 * thread renders them (control/event_out.c) and gives them back to the
 * pool.
 *
 * The ring holds as many pointers as the pool has records, so a record
 * taken from the pool always finds room in the ring: sm_ev_begin() is the
 * only step that can run out, and sm_ev_commit() cannot fail. What
 * sm_ev_begin() does when every record is in flight depends on the mode:
 * lossy (live capture) gives up at once and counts a drop of that event
 * type, so a slow consumer never slows a worker; lossless (offline
 * capture, where the input can wait) spins until the control thread gives
 * a record back, counting the waits.
 *
 * An argument that does not fit in what is left of its record is cut
 * (strings, hex, vectors) or left out (everything else), and the record is
 * flagged truncated: nothing is ever written past a record.
 *
 * Threads: the worker that owns a ring raises events on it
 * (sm_ev_begin() .. sm_ev_commit()); the control thread drains it
 * (sm_ev_ring_dequeue_burst(), sm_ev_ring_recycle()); the main thread
 * creates and frees it. Counters are read from any thread.
 */
#ifndef SESSMON_EVENT_H
#define SESSMON_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "sessmon/tls.h"

/* ------------------------------------------------------------------ */
/* Event types                                                        */
/* ------------------------------------------------------------------ */

/*
 * X(enum suffix, Zeek name, FortiADC alias or NULL, on by default).
 * FortiADC's TCP_* events are TCP's: the renderer prints their aliases only
 * on TCP connections (sm_ev_alias()).
 */
#define SM_EV_CONN_LIST(X) \
	X(NEW_CONNECTION, "new_connection", NULL, true) \
	X(CONNECTION_ATTEMPT, "connection_attempt", NULL, true) \
	X(CONNECTION_ESTABLISHED, "connection_established", "TCP_ACCEPTED", true) \
	X(CONNECTION_REJECTED, "connection_rejected", NULL, true) \
	X(CONNECTION_RESET, "connection_reset", NULL, true) \
	X(CONNECTION_HALF_FINISHED, "connection_half_finished", NULL, true) \
	X(CONNECTION_FINISHED, "connection_finished", NULL, true) \
	X(CONNECTION_PARTIAL_CLOSE, "connection_partial_close", NULL, true) \
	X(CONNECTION_TIMEOUT, "connection_timeout", NULL, true) \
	X(CONNECTION_REUSED, "connection_reused", NULL, true) \
	X(CONNECTION_STATUS_UPDATE, "connection_status_update", NULL, false) \
	X(CONNECTION_FLOW_LABEL_CHANGED, "connection_flow_label_changed", NULL, true) \
	X(UDP_SESSION_DONE, "udp_session_done", NULL, true) \
	X(CONN_STATS, "conn_stats", NULL, true) \
	X(CONTENT_GAP, "content_gap", NULL, true) \
	X(REXMIT_INCONSISTENCY, "rexmit_inconsistency", NULL, true) \
	X(PROTOCOL_CONFIRMATION, "protocol_confirmation", NULL, true) \
	X(PROTOCOL_VIOLATION, "protocol_violation", NULL, true) \
	X(ESP_PACKET, "esp_packet", NULL, true) \
	X(NEW_PACKET, "new_packet", NULL, false) \
	X(CONN_WEIRD, "conn_weird", NULL, true) \
	X(FLOW_WEIRD, "flow_weird", NULL, true) \
	X(NET_WEIRD, "net_weird", NULL, true) \
	X(CONNECTION_STATE_REMOVE, "connection_state_remove", "TCP_CLOSED", true) \
	X(SIGNATURE_MATCH, "signature_match", NULL, true)

/** Event types: Zeek's connection events, then the TLS analyzer's
 * (enum sm_tls_ev, in its order). */
enum sm_ev {
#define SM_EV_ENUM(id, name, alias, on) SM_EV_##id,
	SM_EV_CONN_LIST(SM_EV_ENUM)
#undef SM_EV_ENUM
	SM_EV_TLS_FIRST,
	SM_EV_TLS_LAST = SM_EV_TLS_FIRST + SM_TLS_EV_MAX - 1,
	SM_EV_MAX
};

/** Name-table row of an event type. */
struct sm_ev_info {
	const char *name;   /**< Zeek event name */
	const char *alias;  /**< FortiADC name of the same moment, or NULL */
	bool default_on;    /**< false: raised only when asked for */
};

/** Row of an event type, or NULL if out of range. Any thread. */
const struct sm_ev_info *sm_ev_info(enum sm_ev ev);

/**
 * Type of a Zeek event name (exact, case-sensitive).
 * @return the enum sm_ev value, or -ENOENT. Any thread.
 */
int sm_ev_by_name(const char *name);

/**
 * The alias an event of type @p ev prints on a connection of IP protocol
 * @p proto: its row's alias, except that FortiADC's TCP_* aliases are
 * printed on TCP only. NULL if none. Any thread.
 */
const char *sm_ev_alias(enum sm_ev ev, uint8_t proto);

/** The event type of a TLS analyzer event. Any thread. */
static inline enum sm_ev
sm_ev_from_tls(enum sm_tls_ev t)
{
	return (enum sm_ev)(SM_EV_TLS_FIRST + t);
}

/* ------------------------------------------------------------------ */
/* Records                                                            */
/* ------------------------------------------------------------------ */

/** The connection an event is about (Zeek's conn_id). */
struct sm_ev_id {
	uint8_t orig_h[16];  /**< IPv4 in the first 4 bytes */
	uint8_t resp_h[16];
	uint16_t orig_p;     /**< host order; ICMP: the type (as Zeek does) */
	uint16_t resp_p;     /**< host order; ICMP: the code */
	uint8_t family;      /**< 4 or 6 */
	uint8_t proto;       /**< IP protocol number */
};

/** Argument kinds (the TLV encoding inside a record). */
enum sm_ev_kind {
	SM_EVK_U64,
	SM_EVK_I64,
	SM_EVK_BOOL,
	SM_EVK_DOUBLE,
	SM_EVK_STR,        /**< bytes, printed as a JSON string */
	SM_EVK_HEX,        /**< bytes, printed as lowercase hex */
	SM_EVK_ADDR,
	SM_EVK_VEC_U,      /**< unsigned integers */
	SM_EVK_STRV,       /**< strings */
	SM_EVK_OBJ_BEGIN,
	SM_EVK_OBJ_END,
	SM_EVK_TIME,       /**< epoch µs */
	SM_EVK_INTERVAL,   /**< µs */
	SM_EVK_MAX
};

/** Bytes of one record (one mempool object): header and arguments. */
#define SM_EV_REC_SIZE 1024
/** Bytes of a record's header: arguments take the rest. */
#define SM_EV_REC_HDR_SIZE 64
/** Bytes each argument takes besides its value (kind, value length,
 * name pointer); SM_EVK_OBJ_END takes only 3 (no name). */
#define SM_EV_ARG_HDR_SIZE 11
/** Deepest nesting of sm_ev_obj_begin(); a deeper object is left out. */
#define SM_EV_OBJ_DEPTH_MAX 8

/** struct sm_ev_hdr flags: an argument was cut or left out. */
#define SM_EV_RF_TRUNCATED 0x01

/** The fixed part of a record. */
struct sm_ev_hdr {
	uint64_t ts_us;      /**< capture or wall time, epoch µs */
	uint32_t serial;     /**< session serial (uid), 0 when none */
	uint16_t type;       /**< enum sm_ev */
	uint16_t used;       /**< argument bytes written */
	uint8_t flags;       /**< SM_EV_RF_* */
	struct sm_ev_id id;  /**< family 0 when the event has no connection */
};

/** One event being built or carried; opaque to raisers. */
struct sm_ev_rec;

/* ------------------------------------------------------------------ */
/* Rings                                                              */
/* ------------------------------------------------------------------ */

/** Parameters of sm_ev_ring_create(). */
struct sm_ev_ring_params {
	uint16_t worker;          /**< names the pool and ring (unique per worker) */
	uint32_t size;            /**< records, a power of two, at least 2 */
	bool lossless;            /**< wait for a free record instead of dropping */
	int socket;               /**< NUMA socket or SOCKET_ID_ANY */
	const uint8_t *enabled;   /**< SM_EV_MAX booleans (copied); NULL: each
				   * type's default_on */
};

/**
 * One worker's event transport. The owning worker writes the counters with
 * plain stores; other threads read them with relaxed loads
 * (sm_ev_ring_stats()). Other members are private to event.c.
 */
struct sm_ev_ring {
	struct rte_ring *ring;    /**< committed records (SP/SC) */
	struct rte_mempool *pool; /**< free records */
	bool lossless;            /**< atomic: sm_ev_ring_set_lossless() */
	bool enabled[SM_EV_MAX];
	uint64_t raised[SM_EV_MAX] __rte_cache_aligned;
	uint64_t dropped[SM_EV_MAX];
	uint64_t waits;
};

/**
 * Create a worker's pool of @p p->size records and its ring.
 * @return the ring, or NULL with rte_errno set (EINVAL for a bad size,
 *   EEXIST if the worker already has one, ENOMEM). Main thread.
 */
struct sm_ev_ring *sm_ev_ring_create(const struct sm_ev_ring_params *p);

/**
 * Free a ring, its pool and every record still in it; NULL is a no-op.
 * Main thread, once neither the worker nor the control thread uses it.
 */
void sm_ev_ring_free(struct sm_ev_ring *r);

/**
 * Switch lossless mode. Clearing it also releases a worker spinning in
 * sm_ev_begin() (that event then counts as dropped): the control thread
 * clears it before it stops draining. Any thread.
 */
void sm_ev_ring_set_lossless(struct sm_ev_ring *r, bool on);

/** Whether events of type @p t are raised on @p r. Worker (any thread). */
static inline bool
sm_ev_enabled(const struct sm_ev_ring *r, enum sm_ev t)
{
	return (unsigned int)t < SM_EV_MAX && r->enabled[t];
}

/**
 * Start an event: take a record and fill its header.
 * @param ts_us  capture or wall time, epoch µs
 * @param serial  the session's serial (0: no session, no uid printed)
 * @param id  the connection (copied), or NULL for an event without one
 * @return the record to add arguments to and then pass to sm_ev_commit();
 *   NULL if the type is disabled, or if no record is free (lossy mode:
 *   counted in dropped[t]; lossless mode waits, counted in waits, and
 *   returns NULL only if lossless mode is switched off meanwhile).
 * Owning worker.
 */
struct sm_ev_rec *sm_ev_begin(struct sm_ev_ring *r, enum sm_ev t, uint64_t ts_us,
			      uint32_t serial, const struct sm_ev_id *id);

/*
 * Arguments, in the order they are to be printed. @p name is kept by
 * pointer: a string literal or another string that outlives the record's
 * rendering. Values are copied. An argument that does not fit is cut or
 * left out and the record flagged (see the file comment). All owning
 * worker, on a record of sm_ev_begin() not yet committed.
 */

/** An unsigned integer. */
void sm_ev_u64(struct sm_ev_rec *e, const char *name, uint64_t v);
/** A signed integer. */
void sm_ev_i64(struct sm_ev_rec *e, const char *name, int64_t v);
/** A boolean. */
void sm_ev_bool(struct sm_ev_rec *e, const char *name, bool v);
/** A floating-point number. */
void sm_ev_double(struct sm_ev_rec *e, const char *name, double v);
/** A point in time, epoch µs (printed as seconds with 6 decimals). */
void sm_ev_time(struct sm_ev_rec *e, const char *name, uint64_t us);
/** A duration in µs (printed as seconds with 6 decimals). */
void sm_ev_interval(struct sm_ev_rec *e, const char *name, uint64_t us);
/** A string of @p len bytes of any value: printed as a JSON string, bytes
 * that are not UTF-8 as the code points U+0080..U+00FF of their value. */
void sm_ev_str(struct sm_ev_rec *e, const char *name, const void *s, size_t len);
/** Bytes, printed as a lowercase hex string. */
void sm_ev_hex(struct sm_ev_rec *e, const char *name, const void *p, size_t len);
/** An address (@p family 4: the first 4 bytes of @p a; 6: all 16; another
 * family leaves the argument out). */
void sm_ev_addr(struct sm_ev_rec *e, const char *name, const uint8_t a[16],
		uint8_t family);
/**
 * An array of unsigned integers as the wire has them (struct sm_tls_vec):
 * @p n big-endian values of @p width bytes (1 to 4), one every @p stride
 * bytes from @p be. A bad width or stride leaves the argument out.
 */
void sm_ev_vec_be(struct sm_ev_rec *e, const char *name, const uint8_t *be,
		  uint32_t n, uint8_t width, uint8_t stride);
/** An array of @p n strings @p s[i] of @p len[i] bytes (each at most
 * 65535 bytes kept), printed as sm_ev_str() prints one. */
void sm_ev_strv(struct sm_ev_rec *e, const char *name, uint32_t n,
		const uint8_t *const s[], const uint32_t len[]);
/** Open a nested object: the next arguments go in it until sm_ev_obj_end(). */
void sm_ev_obj_begin(struct sm_ev_rec *e, const char *name);
/** Close the innermost object opened by sm_ev_obj_begin(). */
void sm_ev_obj_end(struct sm_ev_rec *e);

/**
 * Send a record to the control thread (counted in raised[]). It cannot
 * fail: sm_ev_begin() reserved its place. Owning worker.
 */
void sm_ev_commit(struct sm_ev_ring *r, struct sm_ev_rec *e);

/** A ring's counters, per event type. */
struct sm_ev_stats {
	uint64_t raised[SM_EV_MAX];   /**< records committed */
	uint64_t dropped[SM_EV_MAX];  /**< events lost: no free record */
	uint64_t waits;               /**< lossless sm_ev_begin() calls that waited */
};

/** Read a ring's counters (relaxed loads). Any thread. */
void sm_ev_ring_stats(const struct sm_ev_ring *r, struct sm_ev_stats *out);

/* ------------------------------------------------------------------ */
/* Reading records (control thread)                                   */
/* ------------------------------------------------------------------ */

/**
 * Take up to @p n committed records, oldest first.
 * @return the number taken. Control thread (the ring's one consumer).
 */
unsigned int sm_ev_ring_dequeue_burst(struct sm_ev_ring *r, struct sm_ev_rec **recs,
				      unsigned int n);

/** Give @p n records taken by sm_ev_ring_dequeue_burst() back to the
 * worker's pool. Control thread. */
void sm_ev_ring_recycle(struct sm_ev_ring *r, struct sm_ev_rec *const *recs,
			unsigned int n);

/** The header of a record. Whichever thread holds the record. */
const struct sm_ev_hdr *sm_ev_rec_hdr(const struct sm_ev_rec *e);

/** One decoded argument (struct sm_ev_arg.kind says which member). */
struct sm_ev_arg {
	enum sm_ev_kind kind;
	const char *name;                /**< NULL for SM_EVK_OBJ_END */
	union {
		uint64_t u64;            /**< U64, TIME, INTERVAL */
		int64_t i64;
		bool b;
		double d;
		struct sm_tls_bytes bytes; /**< STR, HEX */
		struct {
			uint8_t a[16];
			uint8_t family;
		} addr;
		struct sm_tls_vec vec;   /**< VEC_U (stride == width) */
		struct {
			uint32_t n;      /**< strings kept */
			struct sm_tls_bytes enc; /**< read with sm_ev_strv_next() */
		} strv;
	};
};

/**
 * Decode the argument at byte @p *off of a record's arguments (start at 0)
 * and move @p *off past it. Objects nest properly: every SM_EVK_OBJ_BEGIN
 * has its SM_EVK_OBJ_END.
 * @return false at the end of the arguments. Whichever thread holds the
 *   record.
 */
bool sm_ev_arg_next(const struct sm_ev_rec *e, uint32_t *off, struct sm_ev_arg *a);

/**
 * The string at byte @p *off (start at 0) of a STRV argument, moving
 * @p *off past it. @return false after the last one. Any thread.
 */
bool sm_ev_strv_next(const struct sm_ev_arg *a, uint32_t *off, struct sm_tls_bytes *s);

#endif /* SESSMON_EVENT_H */
