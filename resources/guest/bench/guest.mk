# Guest programs in this folder (see ../Makefile for the variables).
bench_PROGS  := intmix crc recurse sort memcpy
bench_COMMON := crt0.S lib.c
bench_LDS    := user.ld
