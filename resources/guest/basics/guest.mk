# Basic Corescope components (see ../sdk/README.md): counter, an RPC server and client, a
# deadlock, and running out of RAM quota. Each NAME.c defines component_construct() and is
# linked with the SDK, referenced relatively (../sdk) so the debug info holds no absolute paths.
basics_SDK    := ../sdk
basics_PROGS  := counter hello_server hello_client deadlock_server deadlock_client ram_hog
basics_COMMON := $(basics_SDK)/src/crt0.S \
  $(addprefix $(basics_SDK)/src/,start.c rpc.c entrypoint.c root.c heap.c log.c libc.c \
    parent.c pd_session.c dataspace.c rm_session.c region_map.c rom_session.c cpu_session.c \
    cpu_thread.c log_session.c timer_session.c io_mem_session.c io_port_session.c \
    irq_session.c trace_session.c)
basics_LDS    := $(basics_SDK)/component.ld
basics_CFLAGS := -g -fno-omit-frame-pointer -I$(basics_SDK)/include
basics_DEPS   := $(wildcard $(SRC)/sdk/include/corescope/*.h)
