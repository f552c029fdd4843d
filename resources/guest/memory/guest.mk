# Memory scenarios (see ../sdk/README.md): managed dataspaces, on-demand paging, shared memory
# between PDs and a runtime that builds address spaces for its workers by hand. Each NAME.c
# defines component_construct() and is linked with the SDK, like ../components.
memory_SDK    := ../sdk
memory_PROGS  := ds_manager ds_client shm_server shm_writer shm_reader stack_runtime
memory_COMMON := $(memory_SDK)/src/crt0.S \
  $(addprefix $(memory_SDK)/src/,start.c rpc.c entrypoint.c root.c heap.c log.c libc.c \
    parent.c pd_session.c dataspace.c rm_session.c region_map.c rom_session.c cpu_session.c \
    cpu_thread.c log_session.c timer_session.c io_mem_session.c io_port_session.c \
    irq_session.c trace_session.c)
memory_LDS    := $(memory_SDK)/component.ld
memory_CFLAGS := -g -fno-omit-frame-pointer -I$(memory_SDK)/include
memory_DEPS   := $(wildcard $(SRC)/sdk/include/corescope/*.h)
