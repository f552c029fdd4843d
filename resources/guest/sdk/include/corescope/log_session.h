/* corescope/log_session.h -- Log_session client (own: SEL_LOG). For formatted output use
 * log() from log.h. Results: RPC code or negative SYS_* error. */
#ifndef CORESCOPE_LOG_SESSION_H
#define CORESCOPE_LOG_SESSION_H

/* Prints one line of `len` bytes (at most LOG_MAX are taken; *written_out says how many;
 * written_out may be 0). */
int log_write(unsigned log, char const *text, unsigned len, unsigned *written_out);

#endif /* CORESCOPE_LOG_SESSION_H */
