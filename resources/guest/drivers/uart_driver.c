/*
 * uart_driver -- a user-level device driver for the machine's NS16550A UART.
 *
 * Everything a Genode driver needs comes from core's device services, routed by init:
 *   - IO_MEM: the UART's 0x100-byte register window at physical 0x1000_0000 as a dataspace,
 *     attached to our address space like any other dataspace (core maps it uncached);
 *   - IRQ: interrupt 10 of the PLIC, delivered as a signal. Core unmasks the interrupt only
 *     while we wait for it (after irq_ack) and masks it on delivery until the next irq_ack.
 *
 * The driver greets on the line, then on each interrupt drains the receive FIFO, logs what it
 * got and echoes it back upper-cased.
 */
#include <corescope/component.h>

#define UART_PHYS 0x10000000u
#define UART_SIZE 0x100u
#define UART_IRQ  10u

/* Register offsets (DLAB = 0) and bits; see src/engine/cpu/uart16550.ts. */
enum { RBR = 0, THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define IER_ERBFI 0x01   /* interrupt when received data is available */
#define FCR_ENABLE 0x01
#define FCR_RX_RESET 0x02
#define FCR_TX_RESET 0x04
#define FCR_TRIGGER_8 0x80 /* raise "data available" at 8 bytes; fewer raise a timeout */
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08
#define LSR_DR 0x01
#define LSR_THRE 0x20

static struct {
	volatile unsigned char *regs; /* the register window in our address space */
	unsigned io_mem;              /* IO_MEM session */
	unsigned irq;                 /* IRQ session */
	unsigned irq_context;         /* signal context for the IRQ */
	unsigned interrupts;          /* interrupts handled */
	unsigned received;            /* bytes received in total */
} uart;

static unsigned char reg_read(unsigned r) { return uart.regs[r]; }
static void reg_write(unsigned r, unsigned char v) { uart.regs[r] = v; }

static void uart_putc(char c)
{
	while (!(reg_read(LSR) & LSR_THRE))
		;
	reg_write(THR, (unsigned char)c);
}

static void uart_puts(char const *s)
{
	while (*s)
		uart_putc(*s++);
}

static char upper(char c) { return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c; }

static char const *iir_name(unsigned iir)
{
	switch (iir & 0x0f) {
	case 0x01: return "none";
	case 0x04: return "rx data";
	case 0x0c: return "rx timeout";
	case 0x06: return "line status";
	case 0x02: return "tx empty";
	default: return "modem status";
	}
}

/* Appends `c` to `out` (at *n, room for `size`), escaping what does not print. */
static void append_escaped(char *out, unsigned *n, unsigned size, unsigned char c)
{
	char tmp[8];
	if (c == '\n')
		strcpy(tmp, "\\n");
	else if (c == '\r')
		strcpy(tmp, "\\r");
	else if (c == '\'' || c == '\\')
		snprintf(tmp, sizeof tmp, "\\%c", c);
	else if (c < 0x20 || c >= 0x7f)
		snprintf(tmp, sizeof tmp, "\\x%02x", c);
	else {
		tmp[0] = (char)c;
		tmp[1] = 0;
	}
	unsigned len = strlen(tmp);
	if (*n + len + 1 > size)
		return;
	memcpy(out + *n, tmp, len);
	*n += len;
	out[*n] = 0;
}

/* One interrupt: drain the FIFO, log, echo, acknowledge (core unmasks the IRQ again). */
static void handle_irq(void *arg, unsigned count)
{
	(void)arg;
	(void)count;
	unsigned iir = reg_read(IIR);
	unsigned char data[64];
	unsigned n = 0;
	while ((reg_read(LSR) & LSR_DR) && n < sizeof data)
		data[n++] = reg_read(RBR);
	uart.interrupts++;
	uart.received += n;

	char text[4 * sizeof data + 1];
	unsigned len = 0;
	text[0] = 0;
	for (unsigned i = 0; i < n; i++)
		append_escaped(text, &len, sizeof text, data[i]);
	log("uart: received '%s' (%u bytes, interrupt %u: %s, %u bytes in total)", text, n, uart.interrupts,
	    iir_name(iir), uart.received);

	for (unsigned i = 0; i < n; i++)
		uart_putc(upper((char)data[i]));

	int r = irq_ack(uart.irq);
	if (r != RPC_OK)
		log("uart: irq_ack failed: %s", rpc_result_name(r));
}

static void fail(char const *what, int r)
{
	log("uart: %s failed: %s", what, rpc_result_name(r));
	parent_exit(1);
}

void component_construct(struct env *env)
{
	char args[96];
	snprintf(args, sizeof args, "ram_quota=8K, cap_quota=4, base=0x%x, size=0x%x", UART_PHYS, UART_SIZE);
	int r = parent_session("IO_MEM", args, &uart.io_mem);
	if (r != RPC_OK) {
		fail("IO_MEM session", r);
		return;
	}

	unsigned ds, offset, addr;
	r = io_mem_dataspace(uart.io_mem, &ds, &offset);
	if (r != RPC_OK) {
		fail("IO_MEM dataspace", r);
		return;
	}
	struct attach_args const device = { .writeable = 1, .executable = 0 };
	r = rm_attach(env->rm, ds, &device, &addr);
	if (r != RPC_OK) {
		fail("attaching the registers", r);
		return;
	}
	uart.regs = (volatile unsigned char *)(addr + offset);
	log("uart: IO_MEM 0x%08x+0x%x attached at %p (uncached device memory)", UART_PHYS, UART_SIZE,
	    (void *)uart.regs);

	/* 8N1, divisor 1 (ignored by the emulation), FIFOs on, modem lines up. */
	reg_write(IER, 0);
	reg_write(LCR, LCR_DLAB);
	reg_write(0, 1);
	reg_write(1, 0);
	reg_write(LCR, LCR_8N1);
	reg_write(FCR, FCR_ENABLE | FCR_RX_RESET | FCR_TX_RESET | FCR_TRIGGER_8);
	reg_write(MCR, MCR_DTR | MCR_RTS | MCR_OUT2);

	snprintf(args, sizeof args, "ram_quota=8K, cap_quota=4, irq_number=%u", UART_IRQ);
	r = parent_session("IRQ", args, &uart.irq);
	if (r != RPC_OK) {
		fail("IRQ session", r);
		return;
	}
	r = ep_signal_handler(env, handle_irq, 0, &uart.irq_context);
	if (r != RPC_OK) {
		fail("signal handler", r);
		return;
	}
	r = irq_sigh(uart.irq, uart.irq_context);
	if (r != RPC_OK) {
		fail("irq_sigh", r);
		return;
	}

	while (reg_read(LSR) & LSR_DR) /* nothing stale */
		(void)reg_read(RBR);
	reg_write(IER, IER_ERBFI);

	uart_puts("uart_driver: hello from a user-level driver; type and I echo in upper case\r\n");

	r = irq_ack(uart.irq);
	if (r != RPC_OK) {
		fail("irq_ack", r);
		return;
	}
	log("uart: IRQ %u ready, waiting for input", UART_IRQ);
	/* component_construct returns: the entrypoint dispatches the IRQ signals */
}
