/* bench.h -- shared by the core benchmark components (bench/core_bench.ts parses their LOG lines:
 * "<name>: start" marks the beginning of the timed phase, "<name>: done <count>" its end). */
#ifndef COREBENCH_BENCH_H
#define COREBENCH_BENCH_H

#define HELLO_ADD 2 /* the "Hello" service of basics/hello_server (see basics/hello_session.h) */

#endif
