# Corescope user-level device drivers (UART over IO_MEM + IRQ, CMOS RTC over IO_PORT) and the
# CPU-affinity demo (see ../sdk/README.md): each NAME.c defines component_construct() and is
# linked with the SDK. Built from this folder; the SDK is referenced relatively (../sdk), so the
# debug info holds no absolute paths.
drivers_SDK    := ../sdk
drivers_PROGS  := uart_driver uart_probe rtc cpu_burner
drivers_COMMON := $(drivers_SDK)/src/crt0.S \
  $(addprefix $(drivers_SDK)/src/,start.c rpc.c entrypoint.c root.c heap.c log.c libc.c \
    parent.c pd_session.c dataspace.c rm_session.c region_map.c rom_session.c cpu_session.c \
    cpu_thread.c log_session.c timer_session.c io_mem_session.c io_port_session.c \
    irq_session.c trace_session.c)
drivers_LDS    := $(drivers_SDK)/component.ld
drivers_CFLAGS := -g -fno-omit-frame-pointer -I$(drivers_SDK)/include
drivers_DEPS   := $(wildcard $(SRC)/sdk/include/corescope/*.h)
