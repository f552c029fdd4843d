/* Freestanding helpers. GCC may emit calls to memcpy/memset/memmove/memcmp
 * even with -ffreestanding, so they must exist. The Makefile builds with
 * -fno-tree-loop-distribute-patterns so these loops are not turned back
 * into calls to themselves. */
#include "lib.h"

void *memcpy(void *dst, const void *src, usize n)
{
    u8 *d = dst;
    const u8 *s = src;
    if ((((usize)d | (usize)s) & 3) == 0) {
        while (n >= 4) {
            *(u32 *)d = *(const u32 *)s;
            d += 4;
            s += 4;
            n -= 4;
        }
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, usize n)
{
    u8 *d = dst;
    const u8 *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    d += n;
    s += n;
    while (n--)
        *--d = *--s;
    return dst;
}

void *memset(void *dst, int c, usize n)
{
    u8 *d = dst;
    u8 b = (u8)c;
    if (((usize)d & 3) == 0) {
        u32 w = b * 0x01010101u;
        while (n >= 4) {
            *(u32 *)d = w;
            d += 4;
            n -= 4;
        }
    }
    while (n--)
        *d++ = b;
    return dst;
}

int memcmp(const void *a, const void *b, usize n)
{
    const u8 *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p < *q ? -1 : 1;
    return 0;
}

usize strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (usize)(p - s);
}

void put_str(const char *s)
{
    sys_write(1, s, strlen(s));
}

void put_nl(void)
{
    sys_write(1, "\n", 1);
}

void put_u32(u32 v)
{
    char buf[11];
    int i = 10;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_str(&buf[i]);
}

void put_hex32(u32 v)
{
    static const char digits[] = "0123456789abcdef";
    char buf[11];
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 8; i++)
        buf[2 + i] = digits[(v >> (28 - 4 * i)) & 15];
    buf[10] = 0;
    put_str(buf);
}

int report(const char *name, const char *label, u32 value, int ok)
{
    /* Build the whole line first so it is emitted by a single write(). */
    static const char digits[] = "0123456789abcdef";
    char line[96];
    usize n = 0;
    for (const char *p = name; *p && n < 40; p++)
        line[n++] = *p;
    line[n++] = ':';
    line[n++] = ' ';
    for (const char *p = label; *p && n < 72; p++)
        line[n++] = *p;
    line[n++] = '=';
    line[n++] = '0';
    line[n++] = 'x';
    for (int i = 0; i < 8; i++)
        line[n++] = digits[(value >> (28 - 4 * i)) & 15];
    line[n++] = ' ';
    const char *verdict = ok ? "ok" : "FAIL";
    for (const char *p = verdict; *p; p++)
        line[n++] = *p;
    line[n++] = '\n';
    sys_write(1, line, n);
    return ok ? 0 : 1;
}
