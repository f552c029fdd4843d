/* corescope/config.h -- the component's configuration: its "config" ROM, which init serves
 * from the <config> node of the component's <start> node (Genode's Attached_rom_dataspace
 * "config" and Xml_node::attribute_value, in small).
 *
 *     unsigned rounds = config_attr_u32("rounds", 4);
 *
 * The ROM is opened and attached on first use and kept. A component whose <start> node has no
 * <config> gets no config ROM: init denies the request (and logs that); then every attribute
 * is absent. A component that follows live changes uses a ROM session itself (rom_sigh). */
#ifndef CORESCOPE_CONFIG_H
#define CORESCOPE_CONFIG_H

/* Copies attribute `name` of the first XML tag in text[0..len) into buf (at most size-1 bytes,
 * NUL-terminated; "" if absent). Returns 1 if the attribute is there, 0 if not. */
int xml_attr(char const *text, unsigned len, char const *name, char *buf, unsigned size);

/* Attribute `name` of the <config> node into buf (as xml_attr); 0 if absent or no config. */
int config_attr(char const *name, char *buf, unsigned size);
/* Attribute `name` as a number (parse_number), or `dflt` if absent. */
unsigned config_attr_u32(char const *name, unsigned dflt);

#endif /* CORESCOPE_CONFIG_H */
