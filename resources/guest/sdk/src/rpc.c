/* RPC marshalling in the UTCB (see corescope/rpc.h). */
#include <corescope/rpc.h>
#include <corescope/syscall.h>

/* The word accessors, OVERFLOW and the hot small functions are inline in corescope/rpc.h. */
#define WORD  RPC_WORD
#define CWORD RPC_CWORD
#define OVERFLOW RPC_OVERFLOW

unsigned _rpc_reply_serial; /* incremented by rpc_reply_begin (see entrypoint.c) */

void rpc_bytes(void const *p, unsigned len)
{
	struct utcb *u = utcb();
	unsigned padded = (len + 3) & ~3u;
	rpc_u32(len);
	if (u->data_len > UTCB_MAX_DATA || padded < len || padded > UTCB_MAX_DATA - u->data_len) {
		u->data_len = OVERFLOW;
		return;
	}
	unsigned char *d = &u->data[u->data_len];
	unsigned char const *s = p;
	for (unsigned i = 0; i < len; i++)
		d[i] = s[i];
	for (unsigned i = len; i < padded; i++)
		d[i] = 0;
	u->data_len += padded;
}

void rpc_str(char const *s)
{
	unsigned n = 0;
	if (s)
		while (s[n])
			n++;
	rpc_bytes(s, n);
}

void rpc_cap(unsigned sel)
{
	struct utcb *u = utcb();
	if (u->cap_count >= UTCB_MAX_CAPS) {
		u->cap_count = OVERFLOW;
		return;
	}
	u->caps[u->cap_count++] = sel;
}

int rpc_call(unsigned sel)
{
	struct utcb *u = utcb();
	if (!rpc_message_ok())
		return SYS_BAD_MESSAGE;
	int r = sys_call(sel);
	if (r < 0)
		return r;
	if (u->data_len < 4 || u->data_len > UTCB_MAX_DATA)
		return SYS_BAD_MESSAGE;
	return (int)CWORD(u, 0);
}

unsigned rpc_reply_cap(unsigned i)
{
	struct utcb const *u = utcb();
	if (i >= u->cap_count || i >= UTCB_MAX_CAPS)
		return SEL_INVALID;
	return u->caps[i];
}

unsigned rpc_read_cap(struct rpc_reader *r)
{
	struct utcb const *u = utcb();
	if (r->cap >= u->cap_count || r->cap >= UTCB_MAX_CAPS) {
		r->bad = 1;
		return SEL_INVALID;
	}
	return u->caps[r->cap++];
}

char const *rpc_read_str_ref(struct rpc_reader *r, unsigned *len)
{
	struct utcb const *u = utcb();
	unsigned n = rpc_read_u32(r);
	*len = 0;
	if (r->bad)
		return "";
	if (n > u->data_len - r->at) {
		r->bad = 1;
		return "";
	}
	char const *s = (char const *)&u->data[r->at];
	r->at += (n + 3) & ~3u;
	if (r->at > u->data_len)
		r->at = u->data_len; /* unpadded final string */
	*len = n;
	return s;
}

unsigned rpc_read_str(struct rpc_reader *r, char *buf, unsigned size)
{
	unsigned n;
	char const *s = rpc_read_str_ref(r, &n);
	if (size == 0) {
		if (n)
			r->bad = 1;
		return n;
	}
	unsigned m = n < size - 1 ? n : size - 1;
	for (unsigned i = 0; i < m; i++)
		buf[i] = s[i];
	buf[m] = 0;
	if (m < n)
		r->bad = 1;
	return n;
}

char const *rpc_result_name(int result)
{
	if (result < 0) {
		switch (result) {
#define SYS_CASE(name, value) \
	case value: return "SYS_" #name;
			SYS_RESULT_LIST(SYS_CASE)
#undef SYS_CASE
		}
		return "SYS_?";
	}
	switch (result) {
#define RPC_CASE(name, value) \
	case value: return #name;
		RPC_RESULT_LIST(RPC_CASE)
#undef RPC_CASE
	}
	return "?";
}
