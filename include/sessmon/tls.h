/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * TLS handshake analyzer: the events of Zeek's SSL analyzer and a per-session
 * TLS summary, from the in-order byte stream of each direction of one TCP
 * session.
 *
 * The caller (the worker, behind its TCP reassembly) hands each direction's
 * bytes in stream order to sm_tls_feed(), in chunks of any size split at any
 * byte, and reports a missing range with sm_tls_gap(). Per direction the
 * analyzer walks the record layer (RFC 8446 §5.1, RFC 5246 §6.2), reassembles
 * handshake messages across records and chunks (RFC 8446 §4, RFC 5246 §7.4)
 * and raises events through a callback table (struct sm_tls_env), one typed
 * argument struct per event. Handshake content is parsed only while it is
 * plaintext: until ChangeCipherSpec in TLS <= 1.2, until the ServerHello in
 * TLS 1.3.
 *
 * Memory: struct sm_tls is fixed-size and lives with the session. A
 * handshake message that does not arrive in one piece is copied into a
 * buffer of SM_TLS_HS_BUF_SIZE bytes taken from the environment's buffer
 * provider and given back once that direction's handshake is over; a
 * message longer than the buffer is skipped and counted. Nothing else is
 * allocated, except by libcrypto while it parses the server certificate.
 *
 * Malformed input never stops the worker: every oddity increments one
 * counter of enum sm_tls_anom and is flagged in the session summary. A
 * direction whose record framing is lost (a gap across a record boundary, an
 * impossible record header) stops being parsed; nothing after the loss is
 * read as a message.
 *
 * Threads: a struct sm_tls belongs to the worker that owns its session; all
 * sm_tls_* functions that take one are worker-thread only. The name tables
 * and fingerprint functions are pure and any thread may call them.
 */
#ifndef SESSMON_TLS_H
#define SESSMON_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Events                                                             */
/* ------------------------------------------------------------------ */

/* X(enum suffix, Zeek event name, FortiADC alias or NULL, on by default) */
#define SM_TLS_EV_LIST(X) \
	X(CLIENT_HELLO, "ssl_client_hello", NULL, true) \
	X(SERVER_HELLO, "ssl_server_hello", NULL, true) \
	X(EXTENSION, "ssl_extension", NULL, true) \
	X(EXT_SERVER_NAME, "ssl_extension_server_name", NULL, true) \
	X(EXT_ALPN, "ssl_extension_application_layer_protocol_negotiation", NULL, true) \
	X(EXT_SUPPORTED_VERSIONS, "ssl_extension_supported_versions", NULL, true) \
	X(EXT_KEY_SHARE, "ssl_extension_key_share", NULL, true) \
	X(EXT_ELLIPTIC_CURVES, "ssl_extension_elliptic_curves", NULL, true) \
	X(EXT_EC_POINT_FORMATS, "ssl_extension_ec_point_formats", NULL, true) \
	X(EXT_SIGNATURE_ALGORITHM, "ssl_extension_signature_algorithm", NULL, true) \
	X(EXT_PSK_KEY_EXCHANGE_MODES, "ssl_extension_psk_key_exchange_modes", NULL, true) \
	X(EXT_SIGNED_CERTIFICATE_TIMESTAMP, "ssl_extension_signed_certificate_timestamp", NULL, true) \
	X(HANDSHAKE_MESSAGE, "ssl_handshake_message", NULL, true) \
	X(CHANGE_CIPHER_SPEC, "ssl_change_cipher_spec", NULL, true) \
	X(ALERT, "ssl_alert", NULL, true) \
	X(ESTABLISHED, "ssl_established", "CLIENTSSL_HANDSHAKE", true) \
	X(SESSION_TICKET_HANDSHAKE, "ssl_session_ticket_handshake", NULL, true) \
	X(HEARTBEAT, "ssl_heartbeat", NULL, true) \
	X(STAPLED_OCSP, "ssl_stapled_ocsp", NULL, true) \
	X(DH_CLIENT_PARAMS, "ssl_dh_client_params", NULL, true) \
	X(DH_SERVER_PARAMS, "ssl_dh_server_params", NULL, true) \
	X(ECDH_CLIENT_PARAMS, "ssl_ecdh_client_params", NULL, true) \
	X(ECDH_SERVER_PARAMS, "ssl_ecdh_server_params", NULL, true) \
	X(RSA_CLIENT_PMS, "ssl_rsa_client_pms", NULL, true) \
	X(SERVER_SIGNATURE, "ssl_server_signature", NULL, true) \
	X(SERVER_CURVE, "ssl_server_curve", NULL, true) \
	X(PLAINTEXT_DATA, "ssl_plaintext_data", NULL, false) \
	X(ENCRYPTED_DATA, "ssl_encrypted_data", NULL, false)

/** Event types: Zeek's SSL analyzer events (zeek-ssl-events.txt). */
enum sm_tls_ev {
#define SM_TLS_EV_ENUM(id, name, alias, on) SM_TLS_EV_##id,
	SM_TLS_EV_LIST(SM_TLS_EV_ENUM)
#undef SM_TLS_EV_ENUM
	SM_TLS_EV_MAX
};

/** Name-table row of an event type. */
struct sm_tls_ev_info {
	const char *name;   /**< Zeek event name */
	const char *alias;  /**< FortiADC name of the same moment, or NULL */
	bool default_on;    /**< false: Zeek raises it only when asked */
};

/** Bytes inside the buffer of the current callback (see the lifetime rule
 * at struct sm_tls_event). */
struct sm_tls_bytes {
	const uint8_t *p;
	uint32_t len;
};

/**
 * A vector of unsigned integers (Zeek's index_vec) as it sits on the wire:
 * @p n big-endian values of @p width bytes (1, 2 or 3), one every
 * @p stride bytes from @p be. Read entries with sm_tls_vec_get().
 */
struct sm_tls_vec {
	const uint8_t *be;
	uint32_t n;
	uint8_t width;
	uint8_t stride;
};

/** Entry @p i (< v->n) of a vector. Any thread. */
static inline uint32_t
sm_tls_vec_get(const struct sm_tls_vec *v, uint32_t i)
{
	const uint8_t *e = v->be + (size_t)i * v->stride;
	uint32_t x = 0;

	for (unsigned int k = 0; k < v->width; k++)
		x = x << 8 | e[k];
	return x;
}

/** Most names a string vector of one event carries; more are counted
 * (SM_TLS_ANOM_VEC_TRUNCATED) and left out. */
#define SM_TLS_STRV_MAX 16

/** A vector of strings (Zeek's string_vec): SNI host names, ALPN ids. */
struct sm_tls_strv {
	uint32_t n;
	struct sm_tls_bytes s[SM_TLS_STRV_MAX];
};

/** Zeek's SSL::SignatureAndHashAlgorithm; both 256 before TLS 1.2, where the
 * message carries none (as Zeek fills it). */
struct sm_tls_sig_alg {
	uint16_t hash;
	uint16_t sig;
};

struct sm_tls_ev_client_hello {
	uint16_t version;          /**< legacy_version (SSLv2 hello: its version) */
	uint16_t record_version;   /**< record layer version; 0 for SSLv2 */
	uint32_t possible_ts;      /**< first 4 bytes of the random (0 for SSLv2) */
	struct sm_tls_bytes client_random; /**< SSLv2: the challenge */
	struct sm_tls_bytes session_id;
	struct sm_tls_vec ciphers; /**< width 2 (SSLv2: 3, cipher kinds) */
	struct sm_tls_vec comp_methods;
};

struct sm_tls_ev_server_hello {
	uint16_t version;
	uint16_t record_version;
	uint32_t possible_ts;
	struct sm_tls_bytes server_random;
	struct sm_tls_bytes session_id;
	uint16_t cipher;
	uint8_t comp_method;
};

struct sm_tls_ev_extension {
	uint16_t code;
	struct sm_tls_bytes val;
};

/** server_name, application_layer_protocol_negotiation. */
struct sm_tls_ev_names {
	const struct sm_tls_strv *names;
};

/** supported_versions, key_share, elliptic_curves, ec_point_formats,
 * signature_algorithm (hash << 8 | signature), psk_key_exchange_modes. */
struct sm_tls_ev_list {
	struct sm_tls_vec v;
};

struct sm_tls_ev_sct {
	uint8_t version;
	struct sm_tls_bytes logid;
	uint64_t timestamp;        /**< ms since the epoch */
	struct sm_tls_sig_alg sig_alg;
	struct sm_tls_bytes signature;
};

struct sm_tls_ev_handshake_message {
	uint8_t msg_type;
	uint32_t length;
};

struct sm_tls_ev_alert {
	uint8_t level;
	uint8_t desc;
};

struct sm_tls_ev_session_ticket {
	uint32_t ticket_lifetime_hint;
	struct sm_tls_bytes ticket;
};

struct sm_tls_ev_heartbeat {
	uint16_t length;           /**< record length */
	uint8_t heartbeat_type;
	uint16_t payload_length;   /**< as the message claims */
	struct sm_tls_bytes payload; /**< what the record holds after it */
};

struct sm_tls_ev_bytes {
	struct sm_tls_bytes b;     /**< OCSP response, Yc, point, pms */
};

struct sm_tls_ev_dh_server_params {
	struct sm_tls_bytes p, q, ys; /**< q is the generator, as Zeek names it */
};

struct sm_tls_ev_ecdh_server_params {
	uint16_t curve;
	struct sm_tls_bytes point;
};

struct sm_tls_ev_server_signature {
	struct sm_tls_sig_alg sig_alg;
	struct sm_tls_bytes signature;
};

struct sm_tls_ev_curve {
	uint16_t curve;
};

/** ssl_plaintext_data, ssl_encrypted_data. */
struct sm_tls_ev_record {
	uint16_t record_version;
	uint8_t content_type;
	uint16_t length;
};

/**
 * One event. The member of the union is named after the event (see
 * sm_tls_ev_info()); ESTABLISHED and CHANGE_CIPHER_SPEC have none.
 * Lifetime: every pointer (bytes, vectors, names) points into the data of
 * the current sm_tls_feed() call or into the session's reassembly buffer,
 * and is valid only until the callback returns: copy what you keep.
 */
struct sm_tls_event {
	enum sm_tls_ev type;
	/** Sent by the TLS client (Zeek's is_orig after its role flip): the
	 * side that sent the ClientHello, else the TCP originator. */
	bool is_orig;
	union {
		struct sm_tls_ev_client_hello client_hello;
		struct sm_tls_ev_server_hello server_hello;
		struct sm_tls_ev_extension extension;
		struct sm_tls_ev_names names;  /**< EXT_SERVER_NAME, EXT_ALPN */
		struct sm_tls_ev_list list;    /**< the other EXT_* lists */
		struct sm_tls_ev_sct sct;
		struct sm_tls_ev_handshake_message handshake_message;
		struct sm_tls_ev_alert alert;
		struct sm_tls_ev_session_ticket session_ticket;
		struct sm_tls_ev_heartbeat heartbeat;
		struct sm_tls_ev_bytes bytes;  /**< STAPLED_OCSP, DH/ECDH_CLIENT_PARAMS, RSA_CLIENT_PMS */
		struct sm_tls_ev_dh_server_params dh_server_params;
		struct sm_tls_ev_ecdh_server_params ecdh_server_params;
		struct sm_tls_ev_server_signature server_signature;
		struct sm_tls_ev_curve server_curve;
		struct sm_tls_ev_record record; /**< PLAINTEXT_DATA, ENCRYPTED_DATA */
	};
};

/** Row of the event name table, or NULL if @p ev is out of range. Any thread. */
const struct sm_tls_ev_info *sm_tls_ev_info(enum sm_tls_ev ev);

/* ------------------------------------------------------------------ */
/* Anomalies                                                          */
/* ------------------------------------------------------------------ */

/* X(enum suffix, counter name, meaning) */
#define SM_TLS_ANOM_LIST(X) \
	X(RECORD_BAD_TYPE, "tls_record_bad_type", "record content type outside 20-24: direction stopped") \
	X(RECORD_BAD_VERSION, "tls_record_bad_version", "record version major is not 3: direction stopped") \
	X(RECORD_TOO_LONG, "tls_record_too_long", "record length above 2^14+2048 (RFC 5246 §6.2.3): direction stopped") \
	X(RECORD_EMPTY, "tls_record_empty", "empty handshake, alert, change_cipher_spec or heartbeat record") \
	X(HS_TOO_LONG, "tls_handshake_too_long", "handshake message longer than the reassembly buffer: skipped") \
	X(HS_NO_BUFFER, "tls_handshake_no_buffer", "no reassembly buffer available: message skipped") \
	X(HS_TRUNCATED, "tls_handshake_truncated", "a field runs past the end of its handshake message") \
	X(HS_TRAILING, "tls_handshake_trailing", "bytes left after the last field of a handshake message") \
	X(HS_WRONG_SIDE, "tls_handshake_wrong_side", "handshake message sent by the side that never sends it") \
	X(HS_AFTER_STOP, "tls_handshake_after_encryption", "plaintext handshake bytes after the handshake turned encrypted") \
	X(EXT_TRUNCATED, "tls_extension_truncated", "extension block or an extension's field runs past its length") \
	X(VEC_TRUNCATED, "tls_vector_truncated", "more names than an event carries (SM_TLS_STRV_MAX)") \
	X(ALERT_PARTIAL, "tls_alert_partial", "alert record with an odd length") \
	X(CCS_BAD, "tls_ccs_bad", "change_cipher_spec record other than the single byte 1") \
	X(HB_TRUNCATED, "tls_heartbeat_truncated", "heartbeat record shorter than its 3-byte header") \
	X(HB_UNBUFFERED, "tls_heartbeat_unbuffered", "heartbeat record between the pieces of a handshake message: not reported") \
	X(SSLV2_UNSUPPORTED, "tls_sslv2_unsupported", "SSLv2 record other than a compatible ClientHello: direction stopped") \
	X(GAP_IN_RECORD, "tls_gap_in_record", "gap inside one record: its content skipped, framing kept") \
	X(GAP_IN_HANDSHAKE, "tls_gap_in_handshake", "gap hit a handshake message: the message, or the direction's handshake, dropped") \
	X(GAP_LOST_SYNC, "tls_gap_lost_sync", "gap across a record boundary: direction stopped") \
	X(CERT_UNPARSED, "tls_cert_unparsed", "server certificate libcrypto could not parse") \
	X(FP_TOO_MANY, "tls_fp_too_many", "hello with more than SM_TLS_FP_MAX ciphers or extensions: no fingerprint") \
	X(TRUNCATED_AT_END, "tls_truncated_at_end", "stream ended inside a record")

/** Anomaly reasons, one counter each. */
enum sm_tls_anom {
#define SM_TLS_ANOM_ENUM(id, name, doc) SM_TLS_ANOM_##id,
	SM_TLS_ANOM_LIST(SM_TLS_ANOM_ENUM)
#undef SM_TLS_ANOM_ENUM
	SM_TLS_ANOM_MAX
};

/** Per-worker anomaly counters (written by one worker, read relaxed). */
struct sm_tls_counters {
	uint64_t v[SM_TLS_ANOM_MAX];
};

/** Counter name of an anomaly, or NULL if out of range. Any thread. */
const char *sm_tls_anom_name(enum sm_tls_anom a);

/* ------------------------------------------------------------------ */
/* Environment (per worker)                                           */
/* ------------------------------------------------------------------ */

/** Bytes of one handshake reassembly buffer: the longest handshake message
 * parsed (certificate chains are the long ones). */
#define SM_TLS_HS_BUF_SIZE 65536

/** Event callback: @p ctx is the caller's argument of sm_tls_feed(). */
typedef void (*sm_tls_event_fn)(void *ctx, const struct sm_tls_event *ev);

/**
 * What the analyzer needs from its worker; read-only while sessions use it.
 * on[]: one callback per event type, NULL to leave the event off (its
 * arguments are then not even built). buf_get returns a buffer of
 * SM_TLS_HS_BUF_SIZE bytes or NULL (then the message is skipped and
 * counted); buf_put takes it back. Both run on the worker and must not
 * block (an rte_mempool fits). cnt may be NULL (the session summary still
 * flags each reason met).
 */
struct sm_tls_env {
	sm_tls_event_fn on[SM_TLS_EV_MAX];
	void *(*buf_get)(void *pool);
	void (*buf_put)(void *pool, void *buf);
	void *pool;
	struct sm_tls_counters *cnt;
};

/* ------------------------------------------------------------------ */
/* Session summary                                                    */
/* ------------------------------------------------------------------ */

#define SM_TLS_SNI_MAX 64
#define SM_TLS_ALPN_OFFERED_MAX 32
#define SM_TLS_ALPN_CHOSEN_MAX 16
#define SM_TLS_CERT_STR_MAX 128
/** JA4 is "t13d1516h2_" + 12 + "_" + 12 hex digits. */
#define SM_TLS_JA4_LEN 36
/** Most ciphers or extensions of a hello the fingerprints take (JA4 sorts
 * them on the stack); a hello with more gets none (SM_TLS_ANOM_FP_TOO_MANY). */
#define SM_TLS_FP_MAX 1024

/** struct sm_tls_summary flags. */
#define SM_TLS_SF_CLIENT_HELLO  (1u << 0)  /**< a ClientHello was parsed */
#define SM_TLS_SF_SERVER_HELLO  (1u << 1)  /**< a ServerHello was parsed */
#define SM_TLS_SF_ESTABLISHED   (1u << 2)  /**< ssl_established was raised */
#define SM_TLS_SF_RESUMED       (1u << 3)
#define SM_TLS_SF_ALERT         (1u << 4)  /**< last_alert_* are set */
#define SM_TLS_SF_SSLV2_HELLO   (1u << 5)  /**< the ClientHello was SSLv2-format */
#define SM_TLS_SF_JA3           (1u << 6)  /**< ja3 is set */
#define SM_TLS_SF_JA3S          (1u << 7)  /**< ja3s is set */
#define SM_TLS_SF_CERT          (1u << 8)  /**< cert is set */
#define SM_TLS_SF_OCSP_REQUESTED (1u << 9) /**< ClientHello has status_request */
#define SM_TLS_SF_OCSP_STAPLED  (1u << 10) /**< server sent CertificateStatus */
#define SM_TLS_SF_TICKET_ISSUED (1u << 11) /**< plaintext NewSessionTicket */
#define SM_TLS_SF_HRR           (1u << 12) /**< a HelloRetryRequest was seen */
#define SM_TLS_SF_STOPPED       (1u << 13) /**< a direction stopped (lost framing) */

/** struct sm_tls_summary trunc bits: which string lost its tail. */
#define SM_TLS_TR_SNI          (1u << 0)
#define SM_TLS_TR_ALPN_OFFERED (1u << 1)
#define SM_TLS_TR_ALPN_CHOSEN  (1u << 2)
#define SM_TLS_TR_SUBJECT      (1u << 3)
#define SM_TLS_TR_ISSUER       (1u << 4)
#define SM_TLS_TR_SANS         (1u << 5)

/** The server's leaf certificate (TLS <= 1.2, where it is plaintext). */
struct sm_tls_cert {
	int64_t not_before;        /**< validity, epoch seconds (UTC) */
	int64_t not_after;
	char subject[SM_TLS_CERT_STR_MAX]; /**< RFC 2253, as openssl prints it */
	char issuer[SM_TLS_CERT_STR_MAX];
	char sans[SM_TLS_CERT_STR_MAX];    /**< DNS names, comma-separated */
	uint8_t trunc;             /**< SM_TLS_TR_SUBJECT/ISSUER/SANS */
	uint8_t n_certs;           /**< certificates in the message (saturates) */
};

/**
 * What a session's TLS came to. Strings are NUL-terminated, cut to their
 * array (flagged in @p trunc), bytes outside printable ASCII replaced by '?'.
 * Numbers are 0 when unknown.
 */
struct sm_tls_summary {
	uint32_t flags;            /**< SM_TLS_SF_* */
	uint32_t anomalies;        /**< bit (1 << enum sm_tls_anom) per reason met */
	uint16_t ch_version;       /**< ClientHello legacy_version */
	uint16_t version;          /**< negotiated: ServerHello supported_versions, else legacy */
	uint16_t cipher;           /**< name: sm_tls_cipher_name() */
	uint16_t group;            /**< TLS 1.3 key_share group or ServerKeyExchange curve */
	uint8_t last_alert_level;
	uint8_t last_alert_desc;
	uint8_t last_alert_is_orig;
	uint8_t trunc;             /**< SM_TLS_TR_* */
	char server_name[SM_TLS_SNI_MAX];       /**< first host_name of the SNI */
	char alpn_offered[SM_TLS_ALPN_OFFERED_MAX]; /**< ids joined by ',' */
	char alpn_chosen[SM_TLS_ALPN_CHOSEN_MAX];   /**< ServerHello ALPN (TLS <= 1.2) */
	uint8_t ja3[16];           /**< MD5; print as lowercase hex */
	uint8_t ja3s[16];
	char ja4[SM_TLS_JA4_LEN + 1];   /**< "" when none */
	struct sm_tls_cert cert;
};

/* ------------------------------------------------------------------ */
/* Per-session analyzer                                               */
/* ------------------------------------------------------------------ */

/** Parser state of one direction (opaque to callers). */
struct sm_tls_dir {
	uint8_t *buf;              /**< reassembly buffer or NULL */
	uint32_t msg_len;          /**< body length of the current handshake message */
	uint32_t msg_have;         /**< body bytes of it seen */
	uint16_t rec_len;          /**< current record's body length */
	uint16_t rec_left;         /**< its bytes still to come */
	uint16_t rec_version;
	uint8_t rec_type;
	uint8_t hdr[5];            /**< record header being collected */
	uint8_t hdr_have;
	uint8_t msg_hdr[4];        /**< handshake header being collected */
	uint8_t msg_hdr_have;
	uint8_t carry;             /**< first alert byte, or the CCS byte */
	uint8_t carry_have;
	uint8_t flags;             /**< internal state bits */
	uint8_t n_records;         /**< records seen (saturates) */
};

/** A session's TLS analyzer: its two directions and its summary. */
struct sm_tls {
	struct sm_tls_dir dir[2];  /**< indexed by TCP direction, 0 = originator */
	struct sm_tls_summary sum;
	uint8_t ch_session_id[32]; /**< the ClientHello's, for resumption */
	uint8_t ch_session_id_len;
	uint8_t client;            /**< TCP direction of the TLS client */
	uint8_t kex;               /**< enum sm_tls_kex of the chosen cipher */
	uint8_t state;             /**< internal state bits */
};

/**
 * Content detection on the first bytes a client sends.
 * @return 1 if they start a TLS record holding a ClientHello, or an
 *   SSLv2-format ClientHello (RFC 5246 appendix E.2); 0 if not; -EAGAIN if
 *   @p len bytes are too few to tell (9 are always enough). Any thread.
 */
int sm_tls_detect(const uint8_t *p, size_t len);

/** Start a session's analyzer (zeroes it). Worker thread. */
void sm_tls_init(struct sm_tls *t);

/**
 * Feed the next bytes of one direction.
 * @param env  the worker's environment (callbacks, buffers, counters)
 * @param ctx  passed to every callback this call raises
 * @param from_orig  the bytes were sent by the TCP originator
 * @param p, len  the bytes, in stream order, right after the previous ones
 *   (or after a gap reported with sm_tls_gap()); @p p is read only during
 *   the call.
 * Worker thread.
 */
void sm_tls_feed(struct sm_tls *t, const struct sm_tls_env *env, void *ctx,
		 bool from_orig, const uint8_t *p, size_t len);

/**
 * Report @p len bytes of one direction missing from the stream (they will
 * never come). Inside a record the analyzer skips them and keeps framing
 * (dropping the handshake message they hit); otherwise the direction stops.
 * @p ctx goes to the callbacks of a record the gap completes. Worker thread.
 */
void sm_tls_gap(struct sm_tls *t, const struct sm_tls_env *env, void *ctx,
		bool from_orig, uint32_t len);

/** Whether nothing is left to learn: both directions are encrypted or
 * stopped. Worker thread. */
bool sm_tls_is_done(const struct sm_tls *t);

/**
 * End a session's analyzer: count a record cut by the end of the stream and
 * give the buffers back. The summary stays readable. Worker thread.
 */
void sm_tls_fini(struct sm_tls *t, const struct sm_tls_env *env);

/** The session's summary (valid until the next feed). Worker thread. */
const struct sm_tls_summary *sm_tls_summary(const struct sm_tls *t);

/* ------------------------------------------------------------------ */
/* Name tables (dataplane/tls_names.c)                                */
/* ------------------------------------------------------------------ */

/** Key exchange of a cipher suite, from its IANA name. */
enum sm_tls_kex {
	SM_TLS_KEX_UNKNOWN = 0, /**< not in the registry */
	SM_TLS_KEX_RSA,         /**< TLS_RSA_*: encrypted premaster secret */
	SM_TLS_KEX_DHE,         /**< TLS_DHE_*: signed DH parameters */
	SM_TLS_KEX_DH_ANON,     /**< TLS_DH_anon_*: unsigned DH parameters */
	SM_TLS_KEX_DH,          /**< TLS_DH_{RSA,DSS}_*: static DH */
	SM_TLS_KEX_ECDHE,       /**< TLS_ECDHE_{RSA,ECDSA}_* */
	SM_TLS_KEX_ECDH_ANON,   /**< TLS_ECDH_anon_* */
	SM_TLS_KEX_ECDH,        /**< TLS_ECDH_{RSA,ECDSA}_*: static ECDH */
	SM_TLS_KEX_TLS13,       /**< TLS 1.3 suites: key exchange in key_share */
	SM_TLS_KEX_OTHER,       /**< PSK, SRP, KRB5, GOST, SCSV ... */
	SM_TLS_KEX_MAX
};

/** IANA name of a cipher suite, or NULL. Any thread. */
const char *sm_tls_cipher_name(uint16_t suite);
/** Key exchange of a cipher suite. Any thread. */
enum sm_tls_kex sm_tls_cipher_kex(uint16_t suite);
/** IANA name of a supported group (named curve), or NULL. Any thread. */
const char *sm_tls_group_name(uint16_t group);
/** IANA name of an extension type, or NULL. Any thread. */
const char *sm_tls_ext_name(uint16_t type);
/** IANA name of an alert description, or NULL. Any thread. */
const char *sm_tls_alert_name(uint8_t desc);
/** IANA name of a handshake message type, or NULL. Any thread. */
const char *sm_tls_hs_type_name(uint8_t type);
/** Name of a protocol version ("TLSv1.2" ...), or NULL. Any thread. */
const char *sm_tls_version_name(uint16_t version);
/** Whether a 16-bit value is a GREASE value (RFC 8701 §2). Any thread. */
bool sm_tls_is_grease(uint16_t v);
/**
 * Put wire bytes into summary text: @p n bytes from @p src at @p dst[@p at]
 * (at < cap), cut to fit @p cap with the NUL, bytes outside printable ASCII
 * as '?'. @return whether the text lost its tail. Any thread.
 */
bool sm_tls_text_put(char *dst, size_t cap, size_t at, const uint8_t *src, size_t n);

/* ------------------------------------------------------------------ */
/* Fingerprints (dataplane/tls_fp.c)                                  */
/* ------------------------------------------------------------------ */

/**
 * The parts of a ClientHello or ServerHello the fingerprints read, filled
 * by the parser (pointers into the message; lengths validated).
 */
struct sm_tls_hello {
	uint16_t version;          /**< legacy_version */
	struct sm_tls_vec ciphers; /**< ServerHello: its one cipher */
	struct sm_tls_vec ext_types; /**< extension types in order (the well-formed
				      * ones, at most SM_TLS_FP_MAX) */
	struct sm_tls_vec groups;  /**< supported_groups */
	struct sm_tls_vec point_formats;
	struct sm_tls_vec sig_algs;
	struct sm_tls_vec versions; /**< supported_versions */
	struct sm_tls_bytes alpn;  /**< first ALPN protocol id */
	bool has_sni;
};

/** JA3 (ClientHello) MD5 digest. @return 0, or -EIO if libcrypto failed. Any thread. */
int sm_tls_fp_ja3(const struct sm_tls_hello *ch, uint8_t md5[16]);
/** JA3S (ServerHello) MD5 digest. @return 0 or -EIO. Any thread. */
int sm_tls_fp_ja3s(const struct sm_tls_hello *sh, uint8_t md5[16]);
/**
 * FoxIO JA4 (technical_details/JA4.md) of a ClientHello over TCP into @p out
 * (SM_TLS_JA4_LEN + 1 bytes).
 * @return 0; -E2BIG if the hello has more than SM_TLS_FP_MAX ciphers,
 *   extensions or signature algorithms; -EIO if libcrypto failed. Any thread.
 */
int sm_tls_fp_ja4(const struct sm_tls_hello *ch, char *out);

/* ------------------------------------------------------------------ */
/* Certificates (dataplane/tls_cert.c)                                */
/* ------------------------------------------------------------------ */

/**
 * Parse a DER certificate with libcrypto into @p out (names truncated to
 * their arrays, flagged).
 * @return 0, or -EBADMSG if libcrypto cannot read it. Any thread.
 */
int sm_tls_cert_parse(const uint8_t *der, size_t len, struct sm_tls_cert *out);

#endif /* SESSMON_TLS_H */
