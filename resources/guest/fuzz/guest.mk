# The system-call fuzzer used by test/core/fuzz.test.ts (see fuzzer.c).
include $(SRC)/sdk/sdk.mk
fuzz_PROGS  := fuzzer
fuzz_COMMON := $(SDK_COMMON)
fuzz_LDS    := $(SDK_LDS)
fuzz_CFLAGS := $(SDK_CFLAGS)
fuzz_DEPS   := $(SDK_DEPS)
