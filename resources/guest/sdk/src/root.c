/* Root interface: server helper and client calls (corescope/root.h). */
#include <corescope/libc.h>
#include <corescope/root.h>
#include <corescope/rpc.h>

void root_dispatch(void *root_obj, unsigned op)
{
	struct root const *root = root_obj;
	struct root_ops const *ops = root->ops;
	struct rpc_reader rd;
	char args[ROOT_ARGS_MAX];
	int r;

	rpc_reader_init(&rd);
	switch (op) {
	case RPC_ROOT_SESSION: {
		rpc_read_str(&rd, args, sizeof args);
		unsigned ax = rpc_read_u32(&rd);
		unsigned ay = rpc_read_u32(&rd);
		if (!rpc_reader_ok(&rd)) {
			rpc_reply_begin(RPC_INVALID_ARGS);
			return;
		}
		unsigned cap = SEL_INVALID;
		r = ops->session ? ops->session(root->obj, args, ax, ay, &cap) : RPC_DENIED;
		rpc_reply_begin(r);
		if (r == RPC_OK)
			rpc_cap(cap);
		return;
	}
	case RPC_ROOT_UPGRADE: {
		unsigned session = rpc_read_cap(&rd);
		rpc_read_str(&rd, args, sizeof args);
		if (!rpc_reader_ok(&rd)) {
			rpc_reply_begin(RPC_INVALID_ARGS);
			return;
		}
		rpc_reply_begin(ops->upgrade ? ops->upgrade(root->obj, session, args) : RPC_OK);
		return;
	}
	case RPC_ROOT_CLOSE: {
		unsigned session = rpc_read_cap(&rd);
		if (!rpc_reader_ok(&rd)) {
			rpc_reply_begin(RPC_INVALID_ARGS);
			return;
		}
		rpc_reply_begin(ops->close ? ops->close(root->obj, session) : RPC_OK);
		return;
	}
	default:
		rpc_reply_begin(RPC_UNKNOWN_OP);
	}
}

int root_session(unsigned root, char const *args, unsigned affinity_x, unsigned affinity_y, unsigned *session_out)
{
	rpc_begin(RPC_ROOT_SESSION);
	rpc_str(args);
	rpc_u32(affinity_x);
	rpc_u32(affinity_y);
	int r = rpc_call(root);
	*session_out = r == RPC_OK ? rpc_reply_cap(0) : SEL_INVALID;
	return r;
}

int root_upgrade(unsigned root, unsigned session, char const *args)
{
	rpc_begin(RPC_ROOT_UPGRADE);
	rpc_cap(session);
	rpc_str(args);
	return rpc_call(root);
}

int root_close(unsigned root, unsigned session)
{
	rpc_begin(RPC_ROOT_CLOSE);
	rpc_cap(session);
	return rpc_call(root);
}

/* ---- session arguments: key=value pairs separated by commas; values may be "quoted" ---- */

static int is_space(char c) { return c == ' ' || c == '\t'; }

int session_arg(char const *args, char const *key, char *buf, unsigned size)
{
	unsigned klen = 0;
	while (key[klen])
		klen++;
	char const *p = args;
	while (*p) {
		while (is_space(*p) || *p == ',')
			p++;
		char const *k = p;
		while (*p && *p != '=' && *p != ',')
			p++;
		char const *kend = p;
		while (kend > k && is_space(kend[-1]))
			kend--;
		char const *v = p, *vend = p;
		if (*p == '=') {
			v = ++p;
			while (is_space(*v))
				v++;
			p = v;
			if (*p == '"') {
				v = ++p;
				while (*p && *p != '"')
					p++;
				vend = p;
				if (*p == '"')
					p++;
			} else {
				while (*p && *p != ',')
					p++;
				vend = p;
				while (vend > v && is_space(vend[-1]))
					vend--;
			}
			while (*p && *p != ',')
				p++;
		}
		unsigned n = (unsigned)(kend - k);
		int match = n == klen;
		for (unsigned i = 0; match && i < n; i++)
			match = k[i] == key[i];
		if (match) {
			unsigned len = (unsigned)(vend - v), i = 0;
			for (; size && i < len && i < size - 1; i++)
				buf[i] = v[i];
			if (size)
				buf[i] = 0;
			return 1;
		}
	}
	return 0;
}

unsigned session_arg_ulong(char const *args, char const *key, unsigned dflt)
{
	char buf[24];
	if (!session_arg(args, key, buf, sizeof buf))
		return dflt;
	return parse_number(buf);
}
