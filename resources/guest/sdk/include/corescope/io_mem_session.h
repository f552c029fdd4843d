/* corescope/io_mem_session.h -- Io_mem_session client. Results: RPC code or SYS_* error. */
#ifndef CORESCOPE_IO_MEM_SESSION_H
#define CORESCOPE_IO_MEM_SESSION_H

/* The device memory as a dataspace; *offset_out: offset of the requested base within its first
 * page. */
int io_mem_dataspace(unsigned io_mem, unsigned *ds_out, unsigned *offset_out);

#endif /* CORESCOPE_IO_MEM_SESSION_H */
