/* corescope/cpu_session.h -- Cpu_session client (own: SEL_CPU); threads: cpu_thread.h.
 * Results: RPC code or negative SYS_* error. */
#ifndef CORESCOPE_CPU_SESSION_H
#define CORESCOPE_CPU_SESSION_H

#include <corescope/cpu_thread.h>

/* A new thread in PD `pd` (a Pd_session capability), not yet started (cpu_thread_start).
 * OUT_OF_RAM, OUT_OF_CAPS, INVALID_ARGS, DENIED. */
int cpu_create_thread(unsigned cpu, unsigned pd, char const *name, unsigned affinity_x, unsigned affinity_y,
                      unsigned weight, unsigned *thread_out);
int cpu_kill_thread(unsigned cpu, unsigned thread);
/* Default exception handler for threads of this session. */
int cpu_exception_sigh(unsigned cpu, unsigned context);
int cpu_affinity_space(unsigned cpu, unsigned *width_out, unsigned *height_out);

#endif /* CORESCOPE_CPU_SESSION_H */
