/* thread.c -- see thread.h. */
#include <corescope/component.h>
#include <corescope/thread.h>

void _thread_entry(void); /* crt0.S */

int thread_create(char const *name, void (*fn)(void), unsigned stack_size, unsigned *thread_out)
{
	unsigned th, utcb_addr, ds, stack_rm, at;
	*thread_out = SEL_INVALID;
	stack_size = (stack_size + 4095u) & ~4095u;
	int r = cpu_create_thread(SEL_CPU, SEL_PD, name, 0, 0, 0, &th);
	if (r == RPC_OUT_OF_CAPS) {
		/* Each thread costs the CPU session a capability: donate more and retry, as Genode's
		 * expanding CPU-session client does. */
		if ((r = parent_upgrade(SEL_CPU, "cap_quota=4")) != RPC_OK) return r;
		r = cpu_create_thread(SEL_CPU, SEL_PD, name, 0, 0, 0, &th);
	}
	if (r != RPC_OK) return r;
	if ((r = cpu_thread_utcb(th, &utcb_addr)) != RPC_OK) return r;
	if ((r = pd_alloc_ram(SEL_PD, stack_size, &ds)) != RPC_OK) return r;
	if ((r = pd_stack_area(SEL_PD, &stack_rm)) != RPC_OK) return r;
	struct attach_args a = { .size = stack_size, .offset = 0, .use_at = 1,
	                         .at = utcb_addr - LAYOUT_STACK_AREA_BASE - stack_size, .executable = 0, .writeable = 1 };
	if ((r = rm_attach(stack_rm, ds, &a, &at)) != RPC_OK) return r;
	/* _thread_entry finds the function at the top of the stack. */
	*(void (**)(void))(utcb_addr - 16) = fn;
	*thread_out = th;
	return RPC_OK;
}

int thread_start(unsigned thread)
{
	unsigned utcb_addr;
	int r = cpu_thread_utcb(thread, &utcb_addr);
	if (r != RPC_OK) return r;
	return cpu_thread_start(thread, (unsigned)_thread_entry, utcb_addr - 16);
}
