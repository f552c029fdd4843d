/* corescope/log.h -- formatted output to the component's LOG session.
 *
 * Formats: %d %i %u %x %X %p %s %c %%, length modifiers l and ll (%ld %lu %lld %llu %llx ...),
 * flags '-' (left-align) and '0' (zero-pad), a field width (or *), and a precision for %s.
 * log() prints one line per call (a trailing newline is dropped; embedded newlines start new
 * lines); lines longer than LOG_MAX bytes are split into several writes. Messages longer than
 * LOG_BUF_SIZE-1 bytes are cut. */
#ifndef CORESCOPE_LOG_H
#define CORESCOPE_LOG_H

#include <corescope/libc.h>

#define LOG_BUF_SIZE 1024

void log(char const *fmt, ...) __attribute__((format(printf, 1, 2)));
void vlog(char const *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Writes text[0..len) to the LOG session, split as log() does. */
void log_text(char const *text, size_t len);

/* Standard semantics: returns the length the full output would have. */
int snprintf(char *buf, size_t size, char const *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, char const *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

#endif /* CORESCOPE_LOG_H */
