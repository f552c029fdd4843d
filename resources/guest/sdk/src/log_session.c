/* Log_session client (corescope/log_session.h). */
#include <corescope/log_session.h>
#include <corescope/rpc.h>

int log_write(unsigned log, char const *text, unsigned len, unsigned *written_out)
{
	rpc_begin(RPC_LOG_SESSION_WRITE);
	rpc_bytes(text, len);
	int r = rpc_call(log);
	if (written_out)
		*written_out = r == RPC_OK ? rpc_reply_u32(0) : 0;
	return r;
}
