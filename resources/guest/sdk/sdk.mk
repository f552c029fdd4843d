# The SDK as a guest group links it (included by each component group's guest.mk): every
# group folder sits beside sdk/, so the SDK is referenced relatively and the debug info holds
# no absolute paths. A group sets NAME_PROGS and then:
#   NAME_COMMON := $(SDK_COMMON)   NAME_LDS := $(SDK_LDS)
#   NAME_CFLAGS := $(SDK_CFLAGS)   NAME_DEPS := $(SDK_DEPS)
SDK_DIR    := ../sdk
SDK_COMMON := $(SDK_DIR)/src/crt0.S \
  $(addprefix $(SDK_DIR)/src/,start.c rpc.c entrypoint.c root.c heap.c log.c libc.c \
    parent.c pd_session.c dataspace.c rm_session.c region_map.c rom_session.c cpu_session.c \
    cpu_thread.c log_session.c timer_session.c io_mem_session.c io_port_session.c \
    irq_session.c trace_session.c thread.c config.c)
SDK_LDS    := $(SDK_DIR)/component.ld
SDK_CFLAGS := -g -fno-omit-frame-pointer -I$(SDK_DIR)/include
SDK_DEPS   := $(wildcard $(SRC)/sdk/include/corescope/*.h)
