# Corescope user-level device drivers (UART over IO_MEM + IRQ, CMOS RTC over IO_PORT) and the
# CPU-affinity demo (see ../sdk/README.md): each NAME.c defines component_construct() and is
# linked with the SDK. Built from this folder; the SDK is referenced relatively (../sdk), so the
# debug info holds no absolute paths.
include $(SRC)/sdk/sdk.mk
drivers_PROGS  := uart_driver uart_probe rtc cpu_burner
drivers_COMMON := $(SDK_COMMON)
drivers_LDS    := $(SDK_LDS)
drivers_CFLAGS := $(SDK_CFLAGS)
drivers_DEPS   := $(SDK_DEPS)
