# Components of the core benchmark (bench/core_bench.ts, npm run bench:core) and of the
# snapshot benchmark (bench/snapshot_bench.ts, npm run bench:snapshot).
include $(SRC)/sdk/sdk.mk
corebench_PROGS  := bench_rpc_client bench_lazy bench_pf_manager bench_pf_client bench_signal bench_snapshot
corebench_COMMON := $(SDK_COMMON)
corebench_LDS    := $(SDK_LDS)
corebench_CFLAGS := $(SDK_CFLAGS)
corebench_DEPS   := $(SDK_DEPS)
