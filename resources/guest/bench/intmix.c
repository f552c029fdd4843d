/* intmix: integer ALU mix — add/sub/logic, shifts and rotates, signed and
 * unsigned compares, mul/mulh/mulhu/mulhsu, div/divu/rem/remu, branches.
 * The final checksum is compared with a constant that was cross-checked by
 * building the same kernel natively on the host. */
#include "lib.h"

#define ITERS 1500000u
#define EXPECTED 0x12cfed29u /* host-verified */

static u32 rotl(u32 x, u32 r)
{
    r &= 31;
    return r ? (x << r) | (x >> (32 - r)) : x;
}

static __attribute__((noinline)) u32 kernel(u32 iters, u32 seed)
{
    u32 st = seed;
    u32 a = 0x12345678u, b = 0x9abcdef0u, c = 0x0f1e2d3cu, acc = 0;
    s32 sa = -123456789;

    for (u32 i = 0; i < iters; i++) {
        u32 x = xorshift32(&st);

        /* add / sub / logic */
        a += x ^ (b >> 3);
        b -= a | (x << 7);
        c ^= (a & 0x0ff0f00fu) + (~b & 0x00ffff00u);

        /* shifts: variable and constant, logical and arithmetic */
        u32 sh = x & 31;
        a ^= rotl(b, sh) + (c >> ((x >> 5) & 31));
        sa = (s32)((u32)sa + (u32)(((s32)c) >> ((x >> 10) & 31)));

        /* multiplies: low and high halves */
        u32 lo = a * (x | 1);
        u32 hu = (u32)(((u64)b * (u64)c) >> 32);
        s32 hs = (s32)(((long long)(s32)a * (long long)(s32)x) >> 32);
        u32 hsu = (u32)(((long long)(s32)c * (long long)(u64)b) >> 32);
        acc += lo ^ hu ^ (u32)hs ^ hsu;

        /* divides and remainders (never by zero, never INT_MIN / -1) */
        u32 du = (x >> 8) | 1;
        s32 ds = (s32)((x >> 16) | 1) - 0x8000;
        if (ds == -1)
            ds = -3;
        acc += a / du + b % du;
        acc ^= (u32)(sa / ds) + (u32)((s32)b % ds);

        /* compares and data-dependent branches */
        acc += (a < b) + ((s32)a < (s32)c) * 2 + (sa < 0) * 4 + (x > 0x80000000u) * 8;
        if ((s32)(a ^ x) < 0)
            c += 0x3779b9u;
        else
            c -= b >> 11;
        if ((x & 7) == 3)
            acc = rotl(acc, 1) ^ a;
    }
    return acc ^ a ^ b ^ c ^ (u32)sa;
}

int main(void)
{
    u32 r = kernel(ITERS, 0x2545f491u);
    return report("intmix", "checksum", r, r == EXPECTED);
}
