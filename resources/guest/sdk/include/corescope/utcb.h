/* corescope/utcb.h -- the calling thread's UTCB (user thread-control block).
 *
 * One page per thread, at the top of its stack slot; the kernel keeps its address in tp. All
 * RPC payload and capabilities of a message travel through it: a call sends the UTCB message and
 * the reply replaces it; a received request arrives in it. */
#ifndef CORESCOPE_UTCB_H
#define CORESCOPE_UTCB_H

#include <corescope/abi.h>

struct utcb {
	unsigned data_len;            /* payload length in bytes */
	unsigned cap_count;           /* number of valid entries in caps */
	unsigned caps[UTCB_MAX_CAPS]; /* selectors to send; on receive, where they were installed */
	unsigned badge;               /* badge of the invoked object (received requests) */
	unsigned reserved;
	unsigned char data[UTCB_MAX_DATA];
};

_Static_assert(__builtin_offsetof(struct utcb, data_len) == UTCB_DATA_LEN, "UTCB layout");
_Static_assert(__builtin_offsetof(struct utcb, cap_count) == UTCB_CAP_COUNT, "UTCB layout");
_Static_assert(__builtin_offsetof(struct utcb, caps) == UTCB_CAPS, "UTCB layout");
_Static_assert(__builtin_offsetof(struct utcb, badge) == UTCB_BADGE, "UTCB layout");
_Static_assert(__builtin_offsetof(struct utcb, reserved) == UTCB_RESERVED, "UTCB layout");
_Static_assert(__builtin_offsetof(struct utcb, data) == UTCB_DATA, "UTCB layout");
_Static_assert(sizeof(struct utcb) == UTCB_SIZE, "UTCB layout");

/* The calling thread's UTCB (tp). */
static inline struct utcb *utcb(void)
{
	struct utcb *u;
	__asm__("mv %0, tp" : "=r"(u));
	return u;
}

#endif /* CORESCOPE_UTCB_H */
