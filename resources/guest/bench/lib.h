/* Tiny freestanding support library shared by the benchmark guests. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include "sys.h"

void *memcpy(void *dst, const void *src, usize n);
void *memmove(void *dst, const void *src, usize n);
void *memset(void *dst, int c, usize n);
int memcmp(const void *a, const void *b, usize n);
usize strlen(const char *s);

/* Output helpers: everything goes to fd 1 through write(2). */
void put_str(const char *s);
void put_u32(u32 v);      /* decimal */
void put_hex32(u32 v);    /* 0x%08x */
void put_nl(void);

/* Prints "<name>: <label>=0x%08x ok|FAIL\n" and returns the exit status
 * (0 when ok != 0, 1 otherwise). */
int report(const char *name, const char *label, u32 value, int ok);

/* Small deterministic PRNG (xorshift32). State must be non-zero. */
static inline u32 xorshift32(u32 *state)
{
    u32 x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

#endif
