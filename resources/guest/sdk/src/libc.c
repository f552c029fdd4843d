/* The few C library functions the SDK provides (corescope/libc.h). Byte loops, plus a word loop
 * for aligned copies and fills; -fno-tree-loop-distribute-patterns keeps GCC from turning these
 * loops back into calls to themselves. */
#include <corescope/libc.h>

void *memcpy(void *dst, void const *src, size_t n)
{
	unsigned char *d = dst;
	unsigned char const *s = src;
	if ((((unsigned long)d | (unsigned long)s) & 3) == 0) {
		for (; n >= 4; n -= 4, d += 4, s += 4)
			*(unsigned *)d = *(unsigned const *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, void const *src, size_t n)
{
	unsigned char *d = dst;
	unsigned char const *s = src;
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	if (((unsigned long)d & 3) == 0) {
		unsigned w = (unsigned char)c * 0x01010101u;
		for (; n >= 4; n -= 4, d += 4)
			*(unsigned *)d = w;
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(void const *a, void const *b, size_t n)
{
	unsigned char const *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(char const *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(char const *a, char const *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(char const *a, char const *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	}
	return 0;
}

char *strcpy(char *dst, char const *src)
{
	char *d = dst;
	while ((*d++ = *src++))
		;
	return dst;
}

unsigned parse_number(char const *p)
{
	unsigned v = 0;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (p += 2;; p++) {
			unsigned d;
			if (*p >= '0' && *p <= '9')
				d = (unsigned)(*p - '0');
			else if (*p >= 'a' && *p <= 'f')
				d = (unsigned)(*p - 'a' + 10);
			else if (*p >= 'A' && *p <= 'F')
				d = (unsigned)(*p - 'A' + 10);
			else
				break;
			v = v * 16 + d;
		}
	} else {
		for (; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (unsigned)(*p - '0');
	}
	switch (*p) {
	case 'K': case 'k': v <<= 10; break;
	case 'M': case 'm': v <<= 20; break;
	case 'G': case 'g': v <<= 30; break;
	}
	return v;
}
