/* Formatting and the LOG session (corescope/log.h). No 64-bit division: numbers are converted
 * with 32-bit operations only (no libgcc is linked). */
#include <corescope/log.h>
#include <corescope/log_session.h>
#include <corescope/abi.h>

struct out {
	char *buf;
	size_t size; /* capacity, including the terminator */
	size_t len;  /* characters produced so far (may exceed size) */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* Divides *n by d (< 65536) in place; returns the remainder. */
static unsigned divmod64(unsigned long long *n, unsigned d)
{
	unsigned hi = (unsigned)(*n >> 32), lo = (unsigned)*n;
	unsigned qhi = hi / d, r = hi % d;
	unsigned x = (r << 16) | (lo >> 16);
	unsigned q1 = x / d;
	r = x % d;
	x = (r << 16) | (lo & 0xffff);
	unsigned q0 = x / d;
	r = x % d;
	*n = ((unsigned long long)qhi << 32) | (q1 << 16) | q0;
	return r;
}

/* Emits a number: digits of v in `base`, an optional sign or prefix, padded to width. */
static void number(struct out *o, unsigned long long v, unsigned base, int upper, int negative,
                   char const *prefix, int width, int left, int zero)
{
	char digits[24];
	int n = 0;
	char const *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	do {
		digits[n++] = set[divmod64(&v, base)];
	} while (v);
	int plen = 0;
	while (prefix[plen])
		plen++;
	int len = n + plen + (negative ? 1 : 0);
	if (!left && !zero)
		pad(o, ' ', width - len);
	if (negative)
		put(o, '-');
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!left && zero)
		pad(o, '0', width - len);
	while (n)
		put(o, digits[--n]);
	if (left)
		pad(o, ' ', width - len);
}

int vsnprintf(char *buf, size_t size, char const *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	for (char const *f = fmt; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		int left = 0, zero = 0, width = 0, prec = -1, lng = 0;
		for (f++;; f++) {
			if (*f == '-')
				left = 1;
			else if (*f == '0')
				zero = 1;
			else
				break;
		}
		if (*f == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = 1;
				width = -width;
			}
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				width = width * 10 + (*f++ - '0');
		}
		if (*f == '.') {
			prec = 0;
			f++;
			if (*f == '*') {
				prec = va_arg(ap, int);
				f++;
			} else {
				while (*f >= '0' && *f <= '9')
					prec = prec * 10 + (*f++ - '0');
			}
		}
		while (*f == 'l') {
			lng++;
			f++;
		}
		if (*f == 'z')
			f++; /* size_t is unsigned int */

		unsigned long long u;
		switch (*f) {
		case 'd':
		case 'i': {
			long long s = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
			u = s < 0 ? 0ull - (unsigned long long)s : (unsigned long long)s;
			number(&o, u, 10, 0, s < 0, "", width, left, zero);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			u = lng >= 2 ? va_arg(ap, unsigned long long)
			    : lng    ? va_arg(ap, unsigned long)
			             : va_arg(ap, unsigned);
			number(&o, u, *f == 'u' ? 10 : 16, *f == 'X', 0, "", width, left, zero);
			break;
		case 'p':
			u = (unsigned long)va_arg(ap, void *);
			number(&o, u, 16, 0, 0, "0x", width ? width : 10, left, 1);
			break;
		case 'c':
			if (!left)
				pad(&o, ' ', width - 1);
			put(&o, (char)va_arg(ap, int));
			if (left)
				pad(&o, ' ', width - 1);
			break;
		case 's': {
			char const *s = va_arg(ap, char const *);
			if (!s)
				s = "(null)";
			int n = 0;
			while (s[n] && (prec < 0 || n < prec))
				n++;
			if (!left)
				pad(&o, ' ', width - n);
			for (int i = 0; i < n; i++)
				put(&o, s[i]);
			if (left)
				pad(&o, ' ', width - n);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case 0:
			f--; /* a lone '%' at the end */
			break;
		default: /* unknown conversion: print it as is */
			put(&o, '%');
			put(&o, *f);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, char const *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* One line, in pieces of at most LOG_MAX bytes. */
static void write_line(char const *s, size_t len)
{
	do {
		unsigned n = len > LOG_MAX ? LOG_MAX : (unsigned)len, written = 0;
		if (log_write(SEL_LOG, s, n, &written) != 0 || written == 0 || written > n)
			written = n; /* no progress report: skip the piece rather than loop */
		s += written;
		len -= written;
	} while (len);
}

void log_text(char const *text, size_t len)
{
	if (len && text[len - 1] == '\n')
		len--;
	for (;;) {
		size_t n = 0;
		while (n < len && text[n] != '\n')
			n++;
		write_line(text, n);
		if (n == len)
			return;
		text += n + 1;
		len -= n + 1;
	}
}

void vlog(char const *fmt, va_list ap)
{
	char buf[LOG_BUF_SIZE];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
	log_text(buf, len);
}

void log(char const *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}
