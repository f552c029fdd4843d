/* corescope/rom_session.h -- Rom_session client. Results: RPC code or negative SYS_* error. */
#ifndef CORESCOPE_ROM_SESSION_H
#define CORESCOPE_ROM_SESSION_H

/* The current version of the module and its size in bytes. */
int rom_dataspace(unsigned rom, unsigned *ds_out, unsigned *size_out);
/* *same_out non-zero if the current dataspace can be kept. */
int rom_update(unsigned rom, unsigned *same_out);
/* Signal context for new versions. */
int rom_sigh(unsigned rom, unsigned context);

#endif /* CORESCOPE_ROM_SESSION_H */
