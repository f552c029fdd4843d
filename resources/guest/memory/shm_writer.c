/* shm_writer -- writes messages into the memory it shares with shm_reader (see shm.h).
 *
 * It attaches shm_server's managed dataspace wherever its region map has room, writes
 * SHM_MESSAGES messages one by one and waits (polling with the timer) until the reader has
 * acknowledged each before writing the next. */
#include <corescope/component.h>
#include "shm.h"

static int attach_shm(struct env *env, unsigned use_at, unsigned at, struct shm_mailbox **out)
{
	unsigned session, ds = SEL_INVALID, addr = 0;
	int r = parent_session("Shm", "ram_quota=8K, cap_quota=4, label=\"\"", &session);
	if (r == RPC_OK) {
		rpc_begin(SHM_DATASPACE);
		r = rpc_call(session);
		ds = rpc_reply_cap(0);
	}
	if (r == RPC_OK) {
		struct attach_args a = { .use_at = use_at, .at = at, .writeable = 1 };
		r = rm_attach(env->rm, ds, &a, &addr);
	}
	*out = (struct shm_mailbox *)addr;
	return r;
}

void component_construct(struct env *env)
{
	struct timer_connection timer;
	struct shm_mailbox *mb = 0;
	int r = timer_open(env, &timer);
	if (r == RPC_OK)
		r = attach_shm(env, 0, 0, &mb);
	if (r != RPC_OK) {
		log("shm_writer: no shared memory: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	log("shm_writer: shared memory attached at %p", (void *)mb);
	mb->writer_va = (unsigned)mb;

	for (unsigned n = 1; n <= SHM_MESSAGES; n++) {
		mb->seq++; /* odd: writing */
		__sync_synchronize();
		snprintf(mb->text, sizeof mb->text, "message %u from shm_writer", n);
		mb->counter = n;
		__sync_synchronize();
		mb->seq++; /* even: complete */
		unsigned seq = mb->seq;
		log("shm_writer: wrote seq %u: \"%s\" (counter %u)", seq, mb->text, n);
		unsigned waited = 0;
		while (mb->ack != seq && waited < 1000) {
			timer_msleep(&timer, 1);
			waited++;
		}
		if (mb->ack != seq) {
			log("shm_writer: the reader did not acknowledge seq %u", seq);
			parent_exit(2);
			return;
		}
		log("shm_writer: reader acknowledged seq %u after %u ms", seq, waited);
	}
	log("shm_writer: done");
	parent_exit(0);
}
