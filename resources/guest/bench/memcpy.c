/* memcpy: explicit word-at-a-time and byte-at-a-time copy loops over buffers
 * of several sizes and alignments, plus the library memcpy/memset. Every copy
 * is verified element by element against the source, and the combined FNV
 * checksum must match a host-verified constant. */
#include "lib.h"

#define BUF 65536u
#define ROUNDS 20u
#define EXPECTED 0x53510b2cu /* host-verified */

static u32 src_w[BUF / 4];
static u32 dst_w[BUF / 4];

static __attribute__((noinline)) void copy_words(u32 *d, const u32 *s, usize nwords)
{
    for (usize i = 0; i < nwords; i++)
        d[i] = s[i];
}

static __attribute__((noinline)) void copy_bytes(u8 *d, const u8 *s, usize n)
{
    for (usize i = 0; i < n; i++)
        d[i] = s[i];
}

static __attribute__((noinline)) u32 verify(const u8 *d, const u8 *s, usize n, int *ok)
{
    u32 h = 0x811c9dc5u;
    for (usize i = 0; i < n; i++) {
        if (d[i] != s[i])
            *ok = 0;
        h = (h ^ d[i]) * 0x01000193u;
    }
    return h;
}

static const usize sizes[] = {1, 3, 8, 61, 256, 1000, 4096, 12345, 32768, 65000};

int main(void)
{
    int ok = 1;
    u32 st = 0x6d2b79f5u, check = 0;
    u8 *src = (u8 *)src_w, *dst = (u8 *)dst_w;

    for (u32 r = 0; r < ROUNDS; r++) {
        for (usize i = 0; i < BUF / 4; i++)
            src_w[i] = xorshift32(&st);
        for (usize k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
            usize n = sizes[k];
            usize so = (r + k) & 3, doff = (r * 3 + k) & 3;
            if (n + 4 > BUF)
                n = BUF - 4;

            /* aligned word loop */
            memset(dst, 0xa5, BUF);
            copy_words(dst_w, src_w, n / 4);
            check ^= verify(dst, src, n / 4 * 4, &ok);
            if (n / 4 * 4 < BUF && dst[n / 4 * 4] != 0xa5)
                ok = 0; /* must not write past the end */

            /* byte loop, possibly misaligned source and destination */
            memset(dst, 0x5a, BUF);
            copy_bytes(dst + doff, src + so, n);
            check ^= verify(dst + doff, src + so, n, &ok) * 3u;
            if (dst[doff + n] != 0x5a || (doff && dst[doff - 1] != 0x5a))
                ok = 0;

            /* library memcpy (word fast path when both are aligned) */
            memcpy(dst + doff, src + so, n);
            check ^= verify(dst + doff, src + so, n, &ok) * 5u;
        }
    }
    if (check != EXPECTED)
        ok = 0;
    return report("memcpy", "checksum", check, ok);
}
