/*
 * cpu_burner -- keeps a CPU busy and reports how much work it got done.
 *
 * It runs a xorshift generator in work units of equal cost (deterministic work) without ever
 * blocking and, every round_ms of virtual time as its Timer session tells, logs how many units
 * it finished in that round. Started twice by init in an affinity space of 2x1, one instance
 * on each half, the two run on different CPUs at the same time; on a single CPU they share it
 * round-robin and each gets about half as much done per round.
 *
 * Its <config rounds="4" round_ms="2"/> sets the number and length of the rounds (rounds="0"
 * burns forever).
 */
#include <corescope/component.h>

#define UNITS_PER_LOOK 4 /* work units between two looks at the Timer */

static unsigned state = 2463534242u; /* xorshift32 state */
static unsigned checksum;
static unsigned units;

/* One unit of work: 256 steps of xorshift32, summed up. */
static void work_unit(void)
{
	for (unsigned i = 0; i < 256; i++) {
		state ^= state << 13;
		state ^= state >> 17;
		state ^= state << 5;
		checksum += state;
	}
	units++;
}

static unsigned long long now_us(unsigned timer)
{
	unsigned long long us = 0;
	timer_elapsed_us(timer, &us);
	return us;
}

void component_construct(struct env *env)
{
	unsigned width = 0, height = 0;
	int r = cpu_affinity_space(env->cpu, &width, &height);
	log("burner: affinity space %ux%u (%s)", width, height, rpc_result_name(r));

	struct timer_connection timer;
	r = timer_open(env, &timer);
	if (r != RPC_OK) {
		log("burner: no Timer session: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}

	unsigned rounds = config_attr_u32("rounds", 4);
	unsigned round_ms = config_attr_u32("round_ms", 2);
	unsigned long long start = now_us(timer.session);
	for (unsigned round = 1; rounds == 0 || round <= rounds; round++) {
		unsigned long long end = start + (unsigned long long)round * round_ms * 1000;
		unsigned before = units;
		do {
			for (unsigned i = 0; i < UNITS_PER_LOOK; i++)
				work_unit();
		} while (now_us(timer.session) < end);
		log("burner: round %u: %u work units in %u ms (checksum 0x%08x)", round, units - before, round_ms,
		    checksum);
	}
	log("burner: done, %u work units", units);
	timer_close(env, &timer);
	parent_exit(0);
}
