/*
 * uart_probe -- a second component that tries to get at the UART behind the driver's back.
 *
 * Core hands out each device range and each interrupt once, and never RAM through IO_MEM. The
 * probe waits until uart_driver owns the UART, then asks for the same register window, a
 * part of it, ordinary RAM, and IRQ 10: core denies each (init logs the reason).
 */
#include <corescope/component.h>

static unsigned granted;

static void try_session(char const *what, char const *service, char const *args)
{
	unsigned cap;
	int r = parent_session(service, args, &cap);
	log("uart_probe: %s %s: %s", service, what, rpc_result_name(r));
	if (r == RPC_OK) {
		granted++;
		parent_close(cap);
	}
}

void component_construct(struct env *env)
{
	struct timer_connection timer;
	int r = timer_open(env, &timer);
	if (r != RPC_OK) {
		log("uart_probe: no Timer session: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	timer_msleep(&timer, 10); /* let uart_driver take the device first */

	try_session("0x10000000+0x100 (the UART's registers)", "IO_MEM",
	            "ram_quota=8K, cap_quota=4, base=0x10000000, size=0x100");
	try_session("0x10000004+0x4 (a part of them)", "IO_MEM", "ram_quota=8K, cap_quota=4, base=0x10000004, size=0x4");
	try_session("0x80000000+0x1000 (RAM)", "IO_MEM", "ram_quota=8K, cap_quota=4, base=0x80000000, size=0x1000");
	try_session("irq_number=10 (the UART's interrupt)", "IRQ", "ram_quota=8K, cap_quota=4, irq_number=10");

	log("uart_probe: done, %u of 4 requests granted", granted);
	timer_close(env, &timer);
	parent_exit(granted == 0 ? 0 : 2);
}
