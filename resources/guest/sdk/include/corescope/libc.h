/* corescope/libc.h -- the few C library pieces the SDK provides (no libc is linked).
 *
 * Deliberately free of system headers: size_t and va_list come from compiler builtins, so the
 * debug info of a component refers to no file outside the source tree. */
#ifndef CORESCOPE_LIBC_H
#define CORESCOPE_LIBC_H

typedef __SIZE_TYPE__ size_t;

#ifndef NULL
#define NULL ((void *)0)
#endif

typedef __builtin_va_list va_list;
#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_arg(ap, type)   __builtin_va_arg(ap, type)
#define va_end(ap)         __builtin_va_end(ap)
#define va_copy(d, s)      __builtin_va_copy(d, s)

/* GCC may emit calls to memcpy/memset/memmove/memcmp even with -ffreestanding. */
void *memcpy(void *dst, void const *src, size_t n);
void *memmove(void *dst, void const *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(void const *a, void const *b, size_t n);
size_t strlen(char const *s);
int strcmp(char const *a, char const *b);
int strncmp(char const *a, char const *b, size_t n);
char *strcpy(char *dst, char const *src);

/* A decimal or 0x-hexadecimal number with an optional K, M or G suffix (powers of 1024), as
 * Genode writes quotas ("16K"); parsing stops at the first other character. */
unsigned parse_number(char const *s);

#endif /* CORESCOPE_LIBC_H */
