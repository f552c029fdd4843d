/* corescope/trace_session.h -- Trace_session client. Results: RPC code or SYS_* error. */
#ifndef CORESCOPE_TRACE_SESSION_H
#define CORESCOPE_TRACE_SESSION_H

#define TRACE_SUBJECTS_MAX 64
#define TRACE_NAME_MAX     64

/* Up to `max` (<= TRACE_SUBJECTS_MAX per call) subject ids starting at index `first`;
 * *count_out is the number stored in ids. */
int trace_subjects(unsigned trace, unsigned first, unsigned *ids, unsigned max, unsigned *count_out);

struct trace_subject_info {
	unsigned state;
	unsigned priority;
	unsigned affinity_x;
	unsigned long long exec; /* execution time */
	char label[TRACE_NAME_MAX];
	char thread[TRACE_NAME_MAX];
};

/* NOT_FOUND. Names longer than TRACE_NAME_MAX-1 are cut. */
int trace_subject_info(unsigned trace, unsigned id, struct trace_subject_info *info_out);
/* Starts tracing subject `id`; policy: bit mask of trace event kinds. */
int trace_trace(unsigned trace, unsigned id, unsigned policy, unsigned buffer_size);
int trace_pause(unsigned trace, unsigned id);
int trace_resume(unsigned trace, unsigned id);

struct trace_event {
	unsigned time_lo;
	unsigned kind;
	unsigned a;
	unsigned b;
};

/* Up to `max` events of subject `id` into events; *count_out: how many were stored. */
int trace_read(unsigned trace, unsigned id, struct trace_event *events, unsigned max, unsigned *count_out);

#endif /* CORESCOPE_TRACE_SESSION_H */
