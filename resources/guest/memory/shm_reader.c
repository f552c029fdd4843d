/* shm_reader -- reads what shm_writer writes into their shared memory (see shm.h).
 *
 * It attaches shm_server's managed dataspace at a virtual address of its own choosing
 * (SHM_READER_AT, not where the writer has it), polls the mailbox every millisecond and
 * acknowledges each complete message. */
#include <corescope/component.h>
#include "shm.h"

#define SHM_READER_AT 0x70000000u

void component_construct(struct env *env)
{
	struct timer_connection timer;
	unsigned session, ds = SEL_INVALID, addr = 0;
	int r = timer_open(env, &timer);
	if (r == RPC_OK)
		r = parent_session("Shm", "ram_quota=8K, cap_quota=4, label=\"\"", &session);
	if (r == RPC_OK) {
		rpc_begin(SHM_DATASPACE);
		r = rpc_call(session);
		ds = rpc_reply_cap(0);
	}
	if (r == RPC_OK) {
		struct attach_args a = { .use_at = 1, .at = SHM_READER_AT, .writeable = 1 };
		r = rm_attach(env->rm, ds, &a, &addr);
	}
	if (r != RPC_OK) {
		log("shm_reader: no shared memory: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	struct shm_mailbox *mb = (struct shm_mailbox *)addr;
	log("shm_reader: shared memory attached at %p", (void *)mb);

	unsigned last = 0, got = 0, polls = 0;
	while (got < SHM_MESSAGES && polls < 10000) {
		unsigned seq = mb->seq;
		if (seq != last && !(seq & 1)) {
			__sync_synchronize();
			char text[sizeof mb->text];
			memcpy(text, mb->text, sizeof text);
			text[sizeof text - 1] = 0;
			unsigned counter = mb->counter;
			__sync_synchronize();
			if (mb->seq == seq) { /* not overwritten meanwhile */
				got++;
				last = seq;
				log("shm_reader: seq %u: \"%s\" (counter %u), written at 0x%08x in shm_writer, read at %p here", seq,
				    text, counter, mb->writer_va, (void *)mb);
				mb->ack = seq;
				continue;
			}
		}
		timer_msleep(&timer, 1);
		polls++;
	}
	log("shm_reader: %u of %u messages after %u polls", got, SHM_MESSAGES, polls);
	parent_exit(got == SHM_MESSAGES ? 0 : 1);
}
