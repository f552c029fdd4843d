/* Irq_session client (corescope/irq_session.h). */
#include <corescope/irq_session.h>
#include <corescope/rpc.h>

int irq_ack(unsigned irq)
{
	rpc_begin(RPC_IRQ_SESSION_ACK_IRQ);
	return rpc_call(irq);
}

int irq_sigh(unsigned irq, unsigned context)
{
	rpc_begin(RPC_IRQ_SESSION_SIGH);
	rpc_cap(context);
	return rpc_call(irq);
}
