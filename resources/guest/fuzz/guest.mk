# The system-call fuzzer used by test/core/fuzz.test.ts (see fuzzer.c).
fuzz_SDK    := ../sdk
fuzz_PROGS  := fuzzer
fuzz_COMMON := $(fuzz_SDK)/src/crt0.S \
  $(addprefix $(fuzz_SDK)/src/,start.c rpc.c entrypoint.c root.c heap.c log.c libc.c \
    parent.c pd_session.c dataspace.c rm_session.c region_map.c rom_session.c cpu_session.c \
    cpu_thread.c log_session.c timer_session.c io_mem_session.c io_port_session.c \
    irq_session.c trace_session.c)
fuzz_LDS    := $(fuzz_SDK)/component.ld
fuzz_CFLAGS := -g -fno-omit-frame-pointer -I$(fuzz_SDK)/include
fuzz_DEPS   := $(wildcard $(SRC)/sdk/include/corescope/*.h)
