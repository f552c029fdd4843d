/* ds_client -- uses the managed dataspace of ds_manager (seed 003).
 *
 * It attaches the "Ondemand" dataspace like any other dataspace and touches a few of its pages.
 * Each first touch is a page fault that core cannot resolve by itself: the thread blocks until
 * ds_manager has attached a page there. The values read prove that each page came from the
 * manager (every word of page n is 0x0dd5000n). */
#include <corescope/component.h>

#define PAGE                0x1000u
#define ONDEMAND_PATTERN(n) (0x0dd50000u | (n))
#define ONDEMAND_DATASPACE  1

struct touch {
	unsigned page;
	unsigned word;  /* word index within the page */
	unsigned write; /* 0: read; else the value to write first */
};

/* The pages this client touches, in order (each first touch faults). */
static struct touch const touches[] = {
	{ 0, 0, 0 },             /* read */
	{ 1, 5, 0x12345678u },   /* write, then read back */
	{ 2, 1023, 0 },          /* read the last word */
	{ 7, 0, 0xcafef00du },   /* write */
	{ 255, 512, 0 },         /* read the last page of the 1 MiB */
};
#define NTOUCH (sizeof touches / sizeof touches[0])

void component_construct(struct env *env)
{
	unsigned session, ds, size = 0, addr = 0, tid = 0;
	int r = parent_session("Ondemand", "ram_quota=8K, cap_quota=4, label=\"\"", &session);
	if (r == RPC_OK) {
		rpc_begin(ONDEMAND_DATASPACE);
		r = rpc_call(session);
		ds = rpc_reply_cap(0);
	}
	if (r == RPC_OK)
		r = ds_size(ds, &size);
	if (r == RPC_OK)
		r = rm_attach(env->rm, ds, 0, &addr);
	if (r == RPC_OK)
		r = cpu_thread_id(env->main_thread, &tid);
	if (r != RPC_OK) {
		log("ds_client: cannot use the Ondemand dataspace: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	log("ds_client: thread id %u; managed dataspace of %u KiB attached at 0x%08x", tid, size / 1024, addr);

	unsigned ok = 0;
	for (unsigned i = 0; i < NTOUCH; i++) {
		struct touch const *t = &touches[i];
		volatile unsigned *p = (volatile unsigned *)(addr + t->page * PAGE);
		unsigned other = t->word ? 0 : 1; /* a word this touch does not write */
		if (t->write) {
			p[t->word] = t->write; /* first touch: WRITE fault */
			unsigned back = p[t->word], pattern = p[other];
			int good = back == t->write && pattern == ONDEMAND_PATTERN(t->page);
			ok += good;
			log("ds_client: wrote page %u word %u: read back 0x%08x, word %u holds 0x%08x -> %s", t->page, t->word,
			    back, other, pattern, good ? "from ds_manager" : "WRONG");
		} else {
			unsigned v = p[t->word]; /* first touch: READ fault */
			int good = v == ONDEMAND_PATTERN(t->page);
			ok += good;
			log("ds_client: read page %u word %u: 0x%08x -> %s", t->page, t->word, v,
			    good ? "from ds_manager" : "WRONG");
		}
	}
	/* Touching populated pages again faults no more. */
	volatile unsigned *p0 = (volatile unsigned *)addr;
	unsigned again = p0[3];
	log("ds_client: page 0 again: 0x%08x; %u of %u pages ok", again, ok, (unsigned)NTOUCH);
	parent_exit(ok == NTOUCH ? 0 : 1);
}
