/* corescope/io_port_session.h -- Io_port_session client (DENIED outside the session's range).
 * Results: RPC code or negative SYS_* error. */
#ifndef CORESCOPE_IO_PORT_SESSION_H
#define CORESCOPE_IO_PORT_SESSION_H

int io_port_inb(unsigned io_port, unsigned port, unsigned *value_out);
int io_port_inw(unsigned io_port, unsigned port, unsigned *value_out);
int io_port_inl(unsigned io_port, unsigned port, unsigned *value_out);
int io_port_outb(unsigned io_port, unsigned port, unsigned value);
int io_port_outw(unsigned io_port, unsigned port, unsigned value);
int io_port_outl(unsigned io_port, unsigned port, unsigned value);

#endif /* CORESCOPE_IO_PORT_SESSION_H */
