/* sort: quicksort (recursive, median-of-three, insertion sort for small
 * ranges) and heapsort of pseudo-random arrays. Both results must be
 * non-decreasing, identical to each other, and preserve the element sum and
 * xor of the input; the running checksum must match a host-verified constant. */
#include "lib.h"

#define N 40000u
#define ROUNDS 6u
#define EXPECTED 0x7888f8d9u /* host-verified */

static u32 a[N];
static u32 b[N];

static void insertion(u32 *v, s32 lo, s32 hi)
{
    for (s32 i = lo + 1; i <= hi; i++) {
        u32 x = v[i];
        s32 j = i - 1;
        while (j >= lo && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static void swap(u32 *v, s32 i, s32 j)
{
    u32 t = v[i];
    v[i] = v[j];
    v[j] = t;
}

static __attribute__((noinline)) void quicksort(u32 *v, s32 lo, s32 hi)
{
    while (hi - lo > 16) {
        s32 mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo])
            swap(v, mid, lo);
        if (v[hi] < v[lo])
            swap(v, hi, lo);
        if (v[hi] < v[mid])
            swap(v, hi, mid);
        u32 pivot = v[mid];
        s32 i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                swap(v, i, j);
                i++;
                j--;
            }
        }
        /* recurse into the smaller part, loop on the larger one */
        if (j - lo < hi - i) {
            quicksort(v, lo, j);
            lo = i;
        } else {
            quicksort(v, i, hi);
            hi = j;
        }
    }
    insertion(v, lo, hi);
}

static void sift_down(u32 *v, u32 root, u32 n)
{
    for (;;) {
        u32 child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && v[child + 1] > v[child])
            child++;
        if (v[root] >= v[child])
            return;
        swap(v, (s32)root, (s32)child);
        root = child;
    }
}

static __attribute__((noinline)) void heapsort(u32 *v, u32 n)
{
    for (u32 i = n / 2; i-- > 0;)
        sift_down(v, i, n);
    for (u32 end = n - 1; end > 0; end--) {
        swap(v, 0, (s32)end);
        sift_down(v, 0, end);
    }
}

int main(void)
{
    int ok = 1;
    u32 st = 0xdeadbeefu, check = 0;
    for (u32 r = 0; r < ROUNDS; r++) {
        u32 sum = 0, x = 0;
        for (u32 i = 0; i < N; i++) {
            /* mix of wide values and many duplicates */
            u32 v = xorshift32(&st);
            if (r % 3 == 1)
                v &= 0x3ff;
            a[i] = b[i] = v;
            sum += v;
            x ^= v;
        }
        quicksort(a, 0, (s32)N - 1);
        heapsort(b, N);
        u32 sum2 = 0, x2 = 0;
        for (u32 i = 0; i < N; i++) {
            if (i && a[i - 1] > a[i])
                ok = 0;
            if (a[i] != b[i])
                ok = 0;
            sum2 += a[i];
            x2 ^= a[i];
            check = check * 0x01000193u ^ a[i];
        }
        if (sum2 != sum || x2 != x)
            ok = 0;
    }
    if (check != EXPECTED)
        ok = 0;
    return report("sort", "checksum", check, ok);
}
