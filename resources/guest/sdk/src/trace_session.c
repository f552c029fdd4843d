/* Trace_session client (corescope/trace_session.h). */
#include <corescope/trace_session.h>
#include <corescope/rpc.h>

int trace_subjects(unsigned trace, unsigned first, unsigned *ids, unsigned max, unsigned *count_out)
{
	rpc_begin(RPC_TRACE_SESSION_SUBJECTS);
	rpc_u32(first);
	int r = rpc_call(trace);
	unsigned n = 0;
	if (r == RPC_OK) {
		/* count, then the ids (as many as the message holds) */
		struct rpc_reader rd;
		rpc_reader_init(&rd);
		unsigned count = rpc_read_u32(&rd);
		while (n < count && n < max && n < TRACE_SUBJECTS_MAX) {
			unsigned id = rpc_read_u32(&rd);
			if (!rpc_reader_ok(&rd))
				break;
			ids[n++] = id;
		}
	}
	*count_out = n;
	return r;
}

int trace_subject_info(unsigned trace, unsigned id, struct trace_subject_info *info_out)
{
	rpc_begin(RPC_TRACE_SESSION_SUBJECT_INFO);
	rpc_u32(id);
	int r = rpc_call(trace);
	struct rpc_reader rd;
	rpc_reader_init(&rd);
	info_out->state = rpc_read_u32(&rd);
	info_out->priority = rpc_read_u32(&rd);
	info_out->affinity_x = rpc_read_u32(&rd);
	unsigned lo = rpc_read_u32(&rd);
	unsigned hi = rpc_read_u32(&rd);
	info_out->exec = ((unsigned long long)hi << 32) | lo;
	rpc_read_str(&rd, info_out->label, sizeof info_out->label);
	rpc_read_str(&rd, info_out->thread, sizeof info_out->thread);
	if (r != RPC_OK) {
		info_out->state = info_out->priority = info_out->affinity_x = 0;
		info_out->exec = 0;
		info_out->label[0] = info_out->thread[0] = 0;
	}
	return r;
}

int trace_trace(unsigned trace, unsigned id, unsigned policy, unsigned buffer_size)
{
	rpc_begin(RPC_TRACE_SESSION_TRACE);
	rpc_u32(id);
	rpc_u32(policy);
	rpc_u32(buffer_size);
	return rpc_call(trace);
}

int trace_pause(unsigned trace, unsigned id)
{
	rpc_begin(RPC_TRACE_SESSION_PAUSE);
	rpc_u32(id);
	return rpc_call(trace);
}

int trace_resume(unsigned trace, unsigned id)
{
	rpc_begin(RPC_TRACE_SESSION_RESUME);
	rpc_u32(id);
	return rpc_call(trace);
}

int trace_read(unsigned trace, unsigned id, struct trace_event *events, unsigned max, unsigned *count_out)
{
	rpc_begin(RPC_TRACE_SESSION_READ);
	rpc_u32(id);
	rpc_u32(max);
	int r = rpc_call(trace);
	unsigned n = 0;
	if (r == RPC_OK) {
		struct rpc_reader rd;
		rpc_reader_init(&rd);
		unsigned count = rpc_read_u32(&rd);
		while (n < count && n < max) {
			struct trace_event e;
			e.time_lo = rpc_read_u32(&rd);
			e.kind = rpc_read_u32(&rd);
			e.a = rpc_read_u32(&rd);
			e.b = rpc_read_u32(&rd);
			if (!rpc_reader_ok(&rd))
				break;
			events[n++] = e;
		}
	}
	*count_out = n;
	return r;
}
