# Basic Corescope components (see ../sdk/README.md): counter, an RPC server and client, a
# deadlock, and running out of RAM quota. Each NAME.c defines component_construct() and is
# linked with the SDK, referenced relatively (../sdk) so the debug info holds no absolute paths.
include $(SRC)/sdk/sdk.mk
basics_PROGS  := counter hello_server hello_client deadlock_server deadlock_client ram_hog
basics_COMMON := $(SDK_COMMON)
basics_LDS    := $(SDK_LDS)
basics_CFLAGS := $(SDK_CFLAGS)
basics_DEPS   := $(SDK_DEPS)
