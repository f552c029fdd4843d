# Corescope components (see ../sdk/README.md): each NAME.c defines component_construct() and is
# linked with the SDK. Built from this folder; the SDK is referenced relatively (../sdk), so the
# debug info holds no absolute paths.
include $(SRC)/sdk/sdk.mk
components_PROGS  := hello inspector reconfigurable
components_COMMON := $(SDK_COMMON)
components_LDS    := $(SDK_LDS)
components_CFLAGS := $(SDK_CFLAGS)
components_DEPS   := $(SDK_DEPS)
