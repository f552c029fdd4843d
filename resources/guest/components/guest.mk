# Corescope components (see ../sdk/README.md): each NAME.c defines component_construct() and is
# linked with the SDK. Built from this folder; the SDK is referenced relatively (../sdk), so the
# debug info holds no absolute paths.
components_SDK    := ../sdk
components_PROGS  := hello inspector
components_COMMON := $(components_SDK)/src/crt0.S \
  $(addprefix $(components_SDK)/src/,start.c rpc.c entrypoint.c root.c heap.c log.c libc.c \
    parent.c pd_session.c dataspace.c rm_session.c region_map.c rom_session.c cpu_session.c \
    cpu_thread.c log_session.c timer_session.c io_mem_session.c io_port_session.c \
    irq_session.c trace_session.c)
components_LDS    := $(components_SDK)/component.ld
components_CFLAGS := -g -fno-omit-frame-pointer -I$(components_SDK)/include
components_DEPS   := $(wildcard $(SRC)/sdk/include/corescope/*.h)
