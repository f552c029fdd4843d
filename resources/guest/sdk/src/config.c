/* config.c -- see corescope/config.h. */
#include <corescope/component.h>

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int xml_attr(char const *text, unsigned len, char const *name, char *buf, unsigned size)
{
	unsigned n = strlen(name);
	if (size)
		buf[0] = 0;
	for (unsigned i = 1; i + n + 2 <= len; i++) {
		if (text[i] == '>')
			return 0; /* end of the first tag */
		if (!is_space(text[i - 1]) || strncmp(text + i, name, n) || text[i + n] != '=' || text[i + n + 1] != '"')
			continue;
		unsigned j = i + n + 2, k = 0;
		while (j < len && text[j] != '"' && k + 1 < size)
			buf[k++] = text[j++];
		if (size)
			buf[k] = 0;
		return 1;
	}
	return 0;
}

static struct {
	int tried;
	char const *text; /* 0: no config ROM */
	unsigned size;
} config;

int config_attr(char const *name, char *buf, unsigned size)
{
	if (!config.tried) {
		unsigned rom, ds, addr;
		config.tried = 1;
		if (parent_session("ROM", "ram_quota=4K, cap_quota=2, label=\"config\"", &rom) == RPC_OK &&
		    rom_dataspace(rom, &ds, &config.size) == RPC_OK && rm_attach(env_get()->rm, ds, 0, &addr) == RPC_OK)
			config.text = (char const *)addr;
	}
	if (!config.text) {
		if (size)
			buf[0] = 0;
		return 0;
	}
	return xml_attr(config.text, config.size, name, buf, size);
}

unsigned config_attr_u32(char const *name, unsigned dflt)
{
	char buf[24];
	return config_attr(name, buf, sizeof buf) ? parse_number(buf) : dflt;
}
