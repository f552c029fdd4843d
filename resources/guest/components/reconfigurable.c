/* reconfigurable -- a component that follows its configuration while it runs, and grows a
 * session's quota when the session runs out.
 *
 * 1. Session upgrade (Genode's resource trading): it opens an RM session with only 4K of
  *    quota, creates region maps (1K of session quota each) until core answers OUT_OF_RAM, then
 *    donates 3K more with parent_upgrade and goes on creating them.
 * 2. Dynamic ROM: its "config" ROM is the <config> node init holds for it. It reads the
 *    "greeting" attribute, registers a signal handler with rom_sigh, and when init's
 *    configuration changes (a live reload), asks rom_update, fetches the new dataspace and logs
 *    the new greeting -- without being restarted. */
#include <corescope/component.h>

static unsigned rom, rom_ds, rom_size, rom_addr, version;

/* Attaches the current version of the config ROM and logs its greeting. */
static void show_config(struct env *env)
{
	if (rom_addr) {
		rm_detach(env->rm, rom_addr);
		rom_addr = 0;
	}
	if (rom_dataspace(rom, &rom_ds, &rom_size) != RPC_OK || rm_attach(env->rm, rom_ds, 0, &rom_addr) != RPC_OK) {
		log("reconfigurable: cannot read the config ROM");
		return;
	}
	char greeting[48];
	xml_attr((char const *)rom_addr, rom_size, "greeting", greeting, sizeof greeting);
	version++;
	log("reconfigurable: config %u: greeting \"%s\" (%u bytes)", version, greeting, rom_size);
}

static void config_changed(void *arg, unsigned count)
{
	(void)count;
	unsigned same = 1;
	if (rom_update(rom, &same) != RPC_OK)
		return;
	if (same)
		log("reconfigurable: config signal, but the dataspace is still current");
	else
		show_config(arg);
}

static void upgrade_demo(void)
{
	unsigned rm, maps = 0, map;
	int r = parent_session("RM", "ram_quota=4K, cap_quota=12, label=\"\"", &rm);
	if (r != RPC_OK) {
		log("reconfigurable: no RM session: %s", rpc_result_name(r));
		return;
	}
	while ((r = rm_session_create(rm, 0x10000, &map)) == RPC_OK)
		maps++;
	log("reconfigurable: %u region maps, then %s", maps, rpc_result_name(r));
	r = parent_upgrade(rm, "ram_quota=3K");
	log("reconfigurable: upgrade by 3K: %s", rpc_result_name(r));
	unsigned more = 0;
	while ((r = rm_session_create(rm, 0x10000, &map)) == RPC_OK)
		more++;
	log("reconfigurable: %u more region maps, then %s", more, rpc_result_name(r));
}

void component_construct(struct env *env)
{
	upgrade_demo();

	int r = parent_session("ROM", "ram_quota=4K, cap_quota=2, label=\"config\"", &rom);
	if (r != RPC_OK) {
		log("reconfigurable: no config ROM: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	unsigned context;
	if ((r = ep_signal_handler(env, config_changed, env, &context)) != RPC_OK ||
	    (r = rom_sigh(rom, context)) != RPC_OK) {
		log("reconfigurable: no config signal: %s", rpc_result_name(r));
		parent_exit(1);
		return;
	}
	show_config(env);
	/* returning starts the entrypoint, which calls config_changed on each new version */
}
