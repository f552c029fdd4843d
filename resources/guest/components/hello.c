/* hello -- the first Corescope component: logging, the heap and a Timer session. */
#include <corescope/component.h>

#define HEAP_TEST_SIZE (100 * 1024)

static unsigned pattern(unsigned i) { return (i * 2654435761u) >> 24; }

void component_construct(struct env *env)
{
	log("Hello from a Corescope component! The answer is %d (0x%x).", 42, 42);

	unsigned char *buf = malloc(HEAP_TEST_SIZE);
	if (!buf) {
		log("hello: malloc(%u) failed: %s", HEAP_TEST_SIZE, rpc_result_name(heap_last_error()));
		parent_exit(1);
		return;
	}
	for (unsigned i = 0; i < HEAP_TEST_SIZE; i++)
		buf[i] = (unsigned char)pattern(i);
	unsigned bad = 0, sum = 0;
	for (unsigned i = 0; i < HEAP_TEST_SIZE; i++) {
		bad += buf[i] != (unsigned char)pattern(i);
		sum += buf[i];
	}
	log("hello: heap block of %u bytes at %p: sum %u, %u mismatches -> %s", HEAP_TEST_SIZE, (void *)buf, sum,
	    bad, bad ? "FAILED" : "ok");
	free(buf);

	struct timer_connection timer;
	int r = timer_open(env, &timer);
	if (r != RPC_OK) {
		log("hello: no Timer session: %s", rpc_result_name(r));
		parent_exit(2);
		return;
	}
	for (int i = 1; i <= 2; i++) {
		unsigned before = timer_now_ms(&timer);
		r = timer_msleep(&timer, 10);
		unsigned after = timer_now_ms(&timer);
		log("hello: sleep %d of 10 ms: %u ms elapsed (%s), virtual time %llu us", i, after - before,
		    rpc_result_name(r), sys_time_us());
	}

	log("hello: done");
	parent_exit(0);
}
