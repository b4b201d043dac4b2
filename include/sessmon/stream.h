/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-direction TCP stream reassembly: one reassembly, two consumers.
 *
 * Each direction of a TCP session is turned into a byte stream numbered by
 * stream offset (0 = the first byte after the SYN, or the first segment seen
 * when the capture began mid-stream). The stream goes to one consumer
 * (struct sm_stream_ops, set per worker) in offset order, exactly once:
 * payload (data), bytes the monitor will never see (gap, Zeek's
 * content_gap), a retransmission that disagrees with data still held
 * (inconsistency, Zeek's rexmit_inconsistency) and the end of the stream.
 * Data and gaps tile the stream: each starts where the one before ended.
 * The worker's consumer fans the stream out to the TLS analyzer and the
 * signature engine.
 *
 * In-order payload is handed over in place, from the packet: no copy, no
 * allocation. Out-of-order payload is copied into fixed-size chunks from a
 * per-worker rte_mempool (the rx mbufs are never held: that would starve the
 * port's pool) until the hole before it fills. A hole is skipped, reported as
 * a gap, when it cannot be filled any more: the peer acknowledged past it, a
 * RST came, the session ends (sm_stream_flush()), or holding more would pass
 * a bound. A FIN fixes where the stream ends (bytes past it are dropped) but
 * does not give up on the holes before it: a FIN can overtake the last data
 * in a capture, so those holes wait for the FIN's acknowledgement, a RST or
 * the session's end. A RST's own payload is not stream data. The bounds are
 * on chunk memory: per direction (sm_stream_params.dir_bytes) and per worker
 * (the pool, sm_stream_params.worker_bytes); a hit is counted both in the
 * direction's statistics and in the pool's.
 *
 * Overlaps: where a segment covers bytes still held, the held (first seen)
 * version wins and the two are compared; a difference is reported once per
 * segment. Bytes already delivered are not kept, so a retransmission of
 * them is counted but cannot be compared.
 *
 * Sequence numbers are compared modulo 2^32 (RFC 1982 serial arithmetic);
 * stream offsets are 64-bit and never wrap. A segment more than
 * sm_stream_params.window bytes ahead of the delivered point is ignored and
 * counted, and so is one more than that behind: a hostile or broken
 * sequence number costs nothing.
 *
 * Memory: a stream (both directions) is 256 bytes, taken from the pool's
 * object mempool only for the sessions that need reassembly (the 128-byte
 * session record does not hold it). A chunk is SM_STREAM_CHUNK_SIZE bytes.
 *
 * Threads: a pool and its streams belong to one worker lcore; every
 * function below is for that lcore only, except sm_stream_pool_create() and
 * sm_stream_pool_free() (main thread, before the worker starts / after it
 * stops). Callbacks run on the worker, inside sm_stream_segment(),
 * sm_stream_segment_burst() and sm_stream_flush(); from a callback, only
 * sm_stream_stop() may be called on the stream being processed.
 */
#ifndef SESSMON_STREAM_H
#define SESSMON_STREAM_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "sessmon/pkt.h"

/** Bytes of one out-of-order chunk (header included). A 1460-byte segment
 * fits one chunk. */
#define SM_STREAM_CHUNK_SIZE 2048

/** Default bound on the chunk memory one direction holds: 256 KiB is the
 * bandwidth-delay product of 100 Mbit/s at a 20 ms round trip, enough to
 * wait for the retransmission of a segment lost before such a window. */
#define SM_STREAM_DIR_BYTES_DEFAULT (256u * 1024)

/** Default chunk memory of a worker's pool: 32 MiB, 128 directions each
 * holding a full default window at once. */
#define SM_STREAM_WORKER_BYTES_DEFAULT (32u * 1024 * 1024)

/** Default and largest acceptance window (bytes ahead of the delivered
 * point): 2^30, TCP's largest window (65535 << 14, RFC 7323 §2.3). */
#define SM_STREAM_WINDOW_MAX (1u << 30)

/** Return value of a data or gap callback: stop this direction (as
 * sm_stream_stop()). 0 goes on. */
#define SM_STREAM_STOP 1

/** Why a stream ended (end callback). */
enum sm_stream_end {
	SM_STREAM_END_FIN = 0,  /**< the sender's FIN, every byte before it in or skipped */
	SM_STREAM_END_RST,      /**< a RST from either side */
	SM_STREAM_END_SESSION,  /**< sm_stream_flush(): the session ended */
	SM_STREAM_END_MAX
};

/** A retransmission whose bytes differ from the held version. */
struct sm_stream_overlap {
	uint64_t off;      /**< stream offset where the first differing overlap begins */
	uint32_t old_len;  /**< held (first seen, kept) bytes the segment overlapped */
	uint32_t new_len;  /**< payload bytes the segment carried */
	uint8_t tcp_flags; /**< the segment's SM_TCP_* flags */
};

/**
 * The consumer of a worker's streams. @c arg is the one given with the
 * segment (the owner's session), @c dir the direction (SM_DIR_ORIG or
 * SM_DIR_REPLY). Pointers passed in are valid during the call only.
 */
struct sm_stream_ops {
	/** In-order payload at stream offset @p off (required).
	 * @return 0, or SM_STREAM_STOP to stop the direction */
	int (*data)(void *arg, int dir, uint64_t off, const uint8_t *p, uint32_t len);
	/** @p len bytes at @p off will never be seen (optional).
	 * @return 0, or SM_STREAM_STOP to stop the direction */
	int (*gap)(void *arg, int dir, uint64_t off, uint32_t len);
	/** A retransmission differed from held data (optional). */
	void (*inconsistency)(void *arg, int dir, const struct sm_stream_overlap *o);
	/** The stream ended at offset @p off (optional); nothing follows. */
	void (*end)(void *arg, int dir, uint64_t off, enum sm_stream_end why);
};

/** Parameters of sm_stream_pool_create(); 0 selects a default. */
struct sm_stream_params {
	const struct sm_stream_ops *ops; /**< the consumer (kept by pointer) */
	uint32_t streams;      /**< stream objects in the pool (required) */
	uint32_t dir_bytes;    /**< chunk memory per direction (SM_STREAM_DIR_BYTES_DEFAULT) */
	uint32_t worker_bytes; /**< chunk memory of the pool (SM_STREAM_WORKER_BYTES_DEFAULT) */
	uint32_t window;       /**< acceptance window, at most SM_STREAM_WINDOW_MAX (the default) */
	uint16_t id;           /**< worker id: names the mempools, sm_strc_<id>
				    (chunks) and sm_strs_<id> (streams) */
	int socket;            /**< NUMA socket of the memory */
};

/** Per-direction statistics. The first six are Zeek's endpoint_stats
 * (conn_stats event) under their Zeek names. */
struct sm_stream_stats {
	uint64_t num_pkts;        /**< segments sent */
	uint64_t num_rxmit;       /**< segments carrying sequence space seen before */
	uint64_t num_rxmit_bytes; /**< those bytes (keep-alives excluded) */
	uint64_t num_in_order;    /**< data segments that went on from the delivered point */
	uint64_t num_OO;          /**< data segments that began past it (out of order) */
	uint64_t num_repl;        /**< data segments repeating the previous one (same
				       sequence number, length and flags) */
	uint64_t gap_bytes;       /**< bytes skipped as gaps */
	uint32_t gaps;            /**< gaps reported */
	uint32_t inconsistencies; /**< inconsistent retransmissions */
	uint32_t bound_hits;      /**< holes skipped because a bound was reached */
	uint32_t out_of_window;   /**< segments, FINs and RSTs ignored for their sequence
				       number (out of the window, a FIN before the
				       delivered point or after an earlier FIN) */
	uint32_t keepalives;      /**< keep-alives (one below the next byte, 0 or 1 byte) */
	uint32_t after_end;       /**< segments with data past the end (a FIN, a RST) */
};

/** A worker's pool counters. */
struct sm_stream_pool_stats {
	uint32_t streams_in_use; /**< stream objects allocated */
	uint32_t chunks;         /**< chunks in the pool */
	uint32_t chunks_held;    /**< chunks holding out-of-order data now */
	uint32_t chunks_peak;    /**< most chunks held at once */
	uint64_t dir_bound_hits;    /**< holes skipped: a direction's bound */
	uint64_t worker_bound_hits; /**< holes skipped: the pool was empty */
	uint64_t create_failures;   /**< sm_stream_create() found no object */
};

/** One TCP segment of a session, as the stream needs it. */
struct sm_stream_seg {
	const uint8_t *data;     /**< contiguous payload, or NULL: read @c m */
	const struct rte_mbuf *m; /**< payload in this chain at @c data_off
				      (only when @c data is NULL) */
	uint32_t data_off;       /**< offset of the payload in @c m */
	uint32_t seq;            /**< sequence number (host order) */
	uint32_t ack;            /**< acknowledgement number (with SM_TCP_ACK) */
	uint16_t len;            /**< captured payload bytes */
	uint16_t wire_len;       /**< payload bytes on the wire (>= len; more when
				      the capture cut the frame) */
	uint8_t flags;           /**< SM_TCP_* */
	uint8_t dir;             /**< SM_DIR_ORIG or SM_DIR_REPLY */
};

struct sm_stream_pool;
struct sm_stream;

/**
 * Create a worker's pool: its consumer, its stream objects and its chunks
 * (worker_bytes / SM_STREAM_CHUNK_SIZE of them). Main thread, before the
 * worker starts.
 * @return the pool, or NULL with rte_errno set: EINVAL (no ops or no data
 *   callback, no streams, window above SM_STREAM_WINDOW_MAX, a bound below
 *   one chunk), ENOMEM, EEXIST (a pool with this id exists)
 */
struct sm_stream_pool *sm_stream_pool_create(const struct sm_stream_params *p);

/** Free a pool and every stream and chunk in it; NULL is a no-op. Main
 * thread, once the worker has stopped; its streams are gone with it. */
void sm_stream_pool_free(struct sm_stream_pool *sp);

/** Copy the pool's counters to @p out. Owning worker. */
void sm_stream_pool_stats(const struct sm_stream_pool *sp, struct sm_stream_pool_stats *out);

/**
 * A new stream, both directions not started. Owning worker.
 * @return the stream, or NULL with rte_errno = ENOBUFS (counted) when the
 *   pool has no object left: the session goes on without reassembly
 */
struct sm_stream *sm_stream_create(struct sm_stream_pool *sp);

/**
 * Free a stream and the chunks it holds, without any callback (see
 * sm_stream_flush() to deliver them first); NULL is a no-op. Owning worker,
 * outside callbacks.
 */
void sm_stream_free(struct sm_stream_pool *sp, struct sm_stream *st);

/**
 * Start direction @p dir at sequence number @p seq (its stream offset 0),
 * for an owner that learned it before the stream existed (the SYN's
 * sequence number + 1, or the peer's acknowledgement number). Without it a
 * direction starts at its first SYN, data or FIN segment. Owning worker.
 * @return 0, -EINVAL (@p dir), -EALREADY (the direction has started)
 */
int sm_stream_anchor(struct sm_stream *st, int dir, uint32_t seq);

/**
 * Describe the TCP segment in @p m (an mbuf of a sessmon pool, parsed: its
 * struct sm_pkt_meta filled) travelling in direction @p dir. The payload is
 * referenced, not copied: @p m must outlive the segment's processing.
 * Owning worker.
 * @return 0, -EINVAL (not a TCP packet with its header, @p dir), -EBADMSG
 *   (the TCP header's data offset is below 20 bytes)
 */
int sm_stream_seg_from_mbuf(struct sm_stream_seg *seg, struct rte_mbuf *m, int dir);

/**
 * Run one segment through its session's stream: acknowledgement of the
 * peer's stream (a hole acknowledged is a gap), then the segment's data,
 * FIN or RST, with the resulting callbacks. Statistics are counted in any
 * state; a stopped direction costs one increment. Owning worker.
 * @param arg  passed to the callbacks (the owner's session)
 */
void sm_stream_segment(struct sm_stream_pool *sp, struct sm_stream *st,
		       const struct sm_stream_seg *seg, void *arg);

/**
 * sm_stream_segment() for a burst: segment @p seg[i] of stream @p st[i]
 * (NULL: a session without a stream, skipped) with @p arg[i], in order,
 * prefetching the streams ahead. Owning worker.
 */
void sm_stream_segment_burst(struct sm_stream_pool *sp, struct sm_stream *const st[],
			     const struct sm_stream_seg seg[], void *const arg[],
			     unsigned int n);

/**
 * Stop direction @p dir (inspection complete): its held chunks go back to
 * the pool, no callback follows (not even end) and its later segments are
 * only counted in num_pkts. Owning worker, also from a callback.
 * @return 0, -EINVAL (@p dir)
 */
int sm_stream_stop(struct sm_stream_pool *sp, struct sm_stream *st, int dir);

/**
 * The session ends: in each started direction not ended or stopped, deliver
 * what is held (holes between as gaps, up to its FIN if one came) and report
 * the end (SM_STREAM_END_FIN after a FIN, else SM_STREAM_END_SESSION). Free
 * the stream afterwards. Owning worker, outside callbacks.
 */
void sm_stream_flush(struct sm_stream_pool *sp, struct sm_stream *st, void *arg);

/**
 * A direction's statistics (conn_stats at the session's end). Owning
 * worker. @return NULL if @p dir is not a direction
 */
const struct sm_stream_stats *sm_stream_stats(const struct sm_stream *st, int dir);

#endif /* SESSMON_STREAM_H */
