# Memory scenarios (see ../sdk/README.md): managed dataspaces, on-demand paging, shared memory
# between PDs and a runtime that builds address spaces for its workers by hand. Each NAME.c
# defines component_construct() and is linked with the SDK, like ../components.
include $(SRC)/sdk/sdk.mk
memory_PROGS  := ds_manager ds_client shm_server shm_writer shm_reader stack_runtime
memory_COMMON := $(SDK_COMMON)
memory_LDS    := $(SDK_LDS)
memory_CFLAGS := $(SDK_CFLAGS)
memory_DEPS   := $(SDK_DEPS)
