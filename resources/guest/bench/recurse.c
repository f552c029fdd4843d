/* recurse: call-heavy recursion — naive Fibonacci, Ackermann(3, n) and the
 * Towers of Hanoi. Results are checked against closed forms:
 * fib(FIB_N), A(3, n) = 2^(n+3) - 3, Hanoi moves = 2^discs - 1; the combined
 * checksum must match a constant cross-checked by a native host build. */
#include "lib.h"

#define FIB_N 27u
#define FIB_EXPECTED 196418u
#define ACK_N 6u
#define HANOI_DISCS 18u
#define ROUNDS 6u
#define EXPECTED 0x27dd4120u /* host-verified */

static __attribute__((noinline)) u32 fib(u32 n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static __attribute__((noinline)) u32 ack(u32 m, u32 n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

struct hanoi {
    u32 moves;
    u32 sig;
};

static __attribute__((noinline)) void hanoi(struct hanoi *h, u32 n, u32 from, u32 to, u32 via)
{
    if (n == 0)
        return;
    hanoi(h, n - 1, from, via, to);
    h->moves++;
    h->sig = (h->sig * 31u) ^ (n << 4 | from << 2 | to);
    hanoi(h, n - 1, via, to, from);
}

int main(void)
{
    int ok = 1;
    u32 sum = 0;
    for (u32 r = 0; r < ROUNDS; r++) {
        u32 f = fib(FIB_N);
        u32 a = ack(3, ACK_N);
        struct hanoi h = {0, 0};
        hanoi(&h, HANOI_DISCS, 0, 2, 1);
        if (f != FIB_EXPECTED || a != (1u << (ACK_N + 3)) - 3 || h.moves != (1u << HANOI_DISCS) - 1)
            ok = 0;
        sum = (sum * 33u) ^ f ^ (a << 20) ^ h.sig;
    }
    if (sum != EXPECTED)
        ok = 0;
    return report("recurse", "checksum", sum, ok);
}
