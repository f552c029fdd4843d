/* corescope/irq_session.h -- Irq_session client. Results: RPC code or negative SYS_* error. */
#ifndef CORESCOPE_IRQ_SESSION_H
#define CORESCOPE_IRQ_SESSION_H

/* Ends handling; the IRQ is unmasked again while the client waits. */
int irq_ack(unsigned irq);
/* Signal context for IRQ occurrences. */
int irq_sigh(unsigned irq, unsigned context);

#endif /* CORESCOPE_IRQ_SESSION_H */
