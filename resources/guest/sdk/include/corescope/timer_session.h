/* corescope/timer_session.h -- Timer_session client and a blocking timer connection.
 * Results: RPC code or negative SYS_* error. */
#ifndef CORESCOPE_TIMER_SESSION_H
#define CORESCOPE_TIMER_SESSION_H

#include <corescope/env.h>

/* Session calls. */
int timer_trigger_once(unsigned timer, unsigned us);
int timer_trigger_periodic(unsigned timer, unsigned us); /* 0 stops */
int timer_sigh(unsigned timer, unsigned context);
int timer_elapsed_us(unsigned timer, unsigned long long *us_out);
int timer_elapsed_ms(unsigned timer, unsigned *ms_out);

/* A Timer session with its own signal source and context, for blocking sleeps (they block
 * the calling thread, entrypoint included). */
struct timer_connection {
	unsigned session;
	unsigned source;
	unsigned context;
};

/* Asks the parent for a "Timer" session (ram_quota=8K, cap_quota=4, label="") and sets up the
 * signal source and context. */
int timer_open(struct env *env, struct timer_connection *t);
/* Closes the session and frees the source and context. */
int timer_close(struct env *env, struct timer_connection *t);
int timer_usleep(struct timer_connection *t, unsigned us);
int timer_msleep(struct timer_connection *t, unsigned ms);
/* Milliseconds since the timer session started (0 on error). */
unsigned timer_now_ms(struct timer_connection *t);

#endif /* CORESCOPE_TIMER_SESSION_H */
