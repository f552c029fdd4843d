# Components of the core benchmark (bench/core_bench.ts, npm run bench:core).
corebench_SDK    := ../sdk
corebench_PROGS  := bench_rpc_client bench_lazy bench_pf_manager bench_pf_client bench_signal
corebench_COMMON := $(corebench_SDK)/src/crt0.S \
  $(addprefix $(corebench_SDK)/src/,start.c rpc.c entrypoint.c root.c heap.c log.c libc.c \
    parent.c pd_session.c dataspace.c rm_session.c region_map.c rom_session.c cpu_session.c \
    cpu_thread.c log_session.c timer_session.c io_mem_session.c io_port_session.c \
    irq_session.c trace_session.c)
corebench_LDS    := $(corebench_SDK)/component.ld
corebench_CFLAGS := -g -fno-omit-frame-pointer -I$(corebench_SDK)/include
corebench_DEPS   := $(wildcard $(SRC)/sdk/include/corescope/*.h)
