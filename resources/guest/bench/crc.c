/* crc: table-driven CRC-32 (IEEE, reflected, poly 0xEDB88320) plus an
 * Adler-32 over a pseudo-random 64 KiB buffer, repeated. Self-checks: the
 * standard check value CRC-32("123456789") = 0xCBF43926, the table-driven and
 * bit-serial implementations agree on the buffer, and the final combined
 * checksum matches a host-verified constant. */
#include "lib.h"

#define BUF_SIZE 65536u
#define PASSES 140u
#define EXPECTED 0xcf48e254u /* host-verified */

static u32 table[256];
static u8 buf[BUF_SIZE];

static void make_table(void)
{
    for (u32 n = 0; n < 256; n++) {
        u32 c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[n] = c;
    }
}

static __attribute__((noinline)) u32 crc32_table(u32 crc, const u8 *p, usize n)
{
    crc = ~crc;
    while (n--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static __attribute__((noinline)) u32 crc32_bitwise(u32 crc, const u8 *p, usize n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static __attribute__((noinline)) u32 adler32(u32 adler, const u8 *p, usize n)
{
    u32 a = adler & 0xffff, b = adler >> 16;
    while (n) {
        usize chunk = n < 5552 ? n : 5552;
        n -= chunk;
        while (chunk--) {
            a += *p++;
            b += a;
        }
        a %= 65521u;
        b %= 65521u;
    }
    return (b << 16) | a;
}

int main(void)
{
    int ok = 1;
    u32 st = 0x1badb002u;

    make_table();
    for (usize i = 0; i < BUF_SIZE; i += 4) {
        u32 x = xorshift32(&st);
        buf[i] = (u8)x;
        buf[i + 1] = (u8)(x >> 8);
        buf[i + 2] = (u8)(x >> 16);
        buf[i + 3] = (u8)(x >> 24);
    }

    if (crc32_table(0, (const u8 *)"123456789", 9) != 0xCBF43926u)
        ok = 0;
    if (crc32_bitwise(0, (const u8 *)"123456789", 9) != 0xCBF43926u)
        ok = 0;
    if (crc32_table(0, buf, BUF_SIZE) != crc32_bitwise(0, buf, BUF_SIZE))
        ok = 0;

    u32 crc = 0, adler = 1, mix = 0;
    for (u32 pass = 0; pass < PASSES; pass++) {
        crc = crc32_table(crc, buf, BUF_SIZE);
        if ((pass & 7) == 0)
            adler = adler32(adler, buf, BUF_SIZE);
        mix = (mix << 5 | mix >> 27) ^ crc;
        buf[pass % BUF_SIZE] ^= (u8)crc; /* perturb so passes differ */
    }
    u32 sum = mix ^ adler;
    if (sum != EXPECTED)
        ok = 0;
    return report("crc", "checksum", sum, ok);
}
