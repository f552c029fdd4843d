/* corescope/rpc.h -- marshalling RPC messages in the UTCB.
 *
 * A message is built in place in the calling thread's UTCB. Payload words are 32-bit; word 0 is
 * the op number (request) or the result code (reply). A string is a u32 byte length, the bytes
 * (no terminator) and zero padding to a multiple of 4. Capabilities go to the UTCB cap list (at
 * most UTCB_MAX_CAPS), in argument order, not into the payload.
 *
 * Client:
 *     rpc_begin(RPC_PD_SESSION_ALLOC_RAM); rpc_u32(size); rpc_u32(1);
 *     int r = rpc_call(pd);                 // RPC result code, or a negative SYS_* error
 *     if (r == RPC_OK) ds = rpc_reply_cap(0);
 *
 * Server (inside an entrypoint dispatch function): read the request with an rpc_reader, THEN
 * begin the reply -- request and reply share the UTCB, so writing the reply overwrites the
 * request (copy strings out first). Do not make RPC calls after rpc_reply_begin: they would
 * overwrite the reply.
 *     struct rpc_reader r; rpc_reader_init(&r);
 *     unsigned x = rpc_read_u32(&r);
 *     if (!rpc_reader_ok(&r)) { rpc_reply_begin(RPC_INVALID_ARGS); return; }
 *     rpc_reply_begin(RPC_OK); rpc_u32(x + 1);
 *
 * Overflowing the payload or the cap list makes the message invalid: rpc_call then returns
 * SYS_BAD_MESSAGE without calling (and a reply is sent as RPC_INVALID_ARGS by the entrypoint). */
#ifndef CORESCOPE_RPC_H
#define CORESCOPE_RPC_H

#include <corescope/abi.h>
#include <corescope/utcb.h>

/* The small functions every call and dispatch uses are inline (an RPC round trip runs a few
 * hundred instructions; calls to them were a third of that). */

/* Overflow marks a message invalid with an out-of-range length or cap count, which the kernel
 * would reject with SYS_BAD_MESSAGE as well. */
#define RPC_OVERFLOW 0xffffffffu

/* Payload words: the payload is a byte array, so word accesses go through a may_alias type. */
typedef unsigned __attribute__((may_alias)) rpc_word_t;
#define RPC_WORD(u, off)  (*(rpc_word_t *)&(u)->data[off])
#define RPC_CWORD(u, off) (*(rpc_word_t const *)&(u)->data[off])

extern unsigned _rpc_reply_serial; /* counts rpc_reply_begin calls (the entrypoint checks it) */

/* ---- writing (requests and replies) ---- */

static inline void rpc_u32(unsigned v)
{
	struct utcb *u = utcb();
	if (u->data_len > UTCB_MAX_DATA - 4) {
		u->data_len = RPC_OVERFLOW;
		return;
	}
	RPC_WORD(u, u->data_len) = v;
	u->data_len += 4;
}

/* Empties the UTCB message and writes word 0. */
static inline void rpc_begin(unsigned op)
{
	struct utcb *u = utcb();
	u->data_len = 4;
	u->cap_count = 0;
	RPC_WORD(u, 0) = op;
}

void rpc_str(char const *s);        /* NUL-terminated string (the NUL is not sent) */
void rpc_bytes(void const *p, unsigned len); /* a string of len bytes (same encoding) */
void rpc_cap(unsigned sel);         /* appends a selector to the cap list */

/* 0 if the message overflowed. */
static inline int rpc_message_ok(void)
{
	struct utcb const *u = utcb();
	return u->data_len <= UTCB_MAX_DATA && u->cap_count <= UTCB_MAX_CAPS;
}

/* ---- calling ---- */

/* Sends the UTCB message to object `sel`; returns word 0 of the reply (RPC_OK ...) or a negative
 * SYS_* error (SYS_BAD_MESSAGE also for a reply shorter than one word). */
int rpc_call(unsigned sel);

/* Results after the result word: u32 number `index` (0 = the word after the result code; 0 if
 * absent) and received capability `i` (SEL_INVALID if absent). Indices count u32 results only
 * as long as no string precedes them; use an rpc_reader otherwise. */
static inline unsigned rpc_reply_u32(unsigned index)
{
	struct utcb const *u = utcb();
	if (index >= UTCB_MAX_DATA / 4 - 1 || u->data_len > UTCB_MAX_DATA || 4 * (index + 2) > u->data_len)
		return 0;
	return RPC_CWORD(u, 4 * (index + 1));
}
unsigned rpc_reply_cap(unsigned i);

/* ---- reading (requests and replies) ---- */

struct rpc_reader {
	unsigned at;  /* byte offset of the next payload word */
	unsigned cap; /* next cap-list entry */
	int bad;      /* set when a read ran past the message */
};

/* Starts reading after word 0 (the op number or result code). */
static inline void rpc_reader_init(struct rpc_reader *r)
{
	unsigned len = utcb()->data_len;
	r->at = 4;
	r->cap = 0;
	r->bad = len < 4 || len > UTCB_MAX_DATA;
}

static inline unsigned rpc_read_u32(struct rpc_reader *r)
{
	struct utcb const *u = utcb();
	if (r->bad || r->at + 4 > u->data_len) {
		r->bad = 1;
		return 0;
	}
	unsigned v = RPC_CWORD(u, r->at);
	r->at += 4;
	return v;
}
unsigned rpc_read_cap(struct rpc_reader *r);
/* Copies a string into buf (at most size-1 bytes, always NUL-terminated if size > 0) and
 * returns its full length; a string longer than size-1 sets r->bad. */
unsigned rpc_read_str(struct rpc_reader *r, char *buf, unsigned size);
/* A string in place: returns a pointer into the UTCB (not terminated) and its length. */
char const *rpc_read_str_ref(struct rpc_reader *r, unsigned *len);
static inline int rpc_reader_ok(struct rpc_reader const *r) { return !r->bad; }

/* ---- serving ---- */

/* The op number (word 0) and the badge of a received request. */
static inline unsigned rpc_request_op(void)
{
	struct utcb const *u = utcb();
	return u->data_len >= 4 && u->data_len <= UTCB_MAX_DATA ? RPC_CWORD(u, 0) : 0;
}
static inline unsigned rpc_request_badge(void) { return utcb()->badge; }

/* Empties the UTCB message and writes the result code; then add results with rpc_u32 ... */
static inline void rpc_reply_begin(int result)
{
	_rpc_reply_serial++;
	rpc_begin((unsigned)result);
}

/* ---- names ---- */

/* "OK", "OUT_OF_RAM", ... for RPC results; "SYS_INVALID_CAP", ... for negative syscall errors. */
char const *rpc_result_name(int result);

#endif /* CORESCOPE_RPC_H */
