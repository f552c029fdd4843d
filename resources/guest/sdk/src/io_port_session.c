/* Io_port_session client (corescope/io_port_session.h). */
#include <corescope/io_port_session.h>
#include <corescope/rpc.h>

static int in(unsigned io_port, unsigned op, unsigned port, unsigned *value_out)
{
	rpc_begin(op);
	rpc_u32(port);
	int r = rpc_call(io_port);
	*value_out = r == RPC_OK ? rpc_reply_u32(0) : 0;
	return r;
}

static int out(unsigned io_port, unsigned op, unsigned port, unsigned value)
{
	rpc_begin(op);
	rpc_u32(port);
	rpc_u32(value);
	return rpc_call(io_port);
}

int io_port_inb(unsigned io_port, unsigned port, unsigned *value_out)
{
	return in(io_port, RPC_IO_PORT_SESSION_INB, port, value_out);
}

int io_port_inw(unsigned io_port, unsigned port, unsigned *value_out)
{
	return in(io_port, RPC_IO_PORT_SESSION_INW, port, value_out);
}

int io_port_inl(unsigned io_port, unsigned port, unsigned *value_out)
{
	return in(io_port, RPC_IO_PORT_SESSION_INL, port, value_out);
}

int io_port_outb(unsigned io_port, unsigned port, unsigned value)
{
	return out(io_port, RPC_IO_PORT_SESSION_OUTB, port, value);
}

int io_port_outw(unsigned io_port, unsigned port, unsigned value)
{
	return out(io_port, RPC_IO_PORT_SESSION_OUTW, port, value);
}

int io_port_outl(unsigned io_port, unsigned port, unsigned value)
{
	return out(io_port, RPC_IO_PORT_SESSION_OUTL, port, value);
}
