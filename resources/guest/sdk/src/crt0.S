/* Entry point of a Corescope component.
 *
 * The kernel starts the main thread with sp = top of its stack (16-byte aligned), tp = a0 =
 * address of its UTCB. We set gp for linker relaxation, terminate the frame-pointer chain
 * (s0 = ra = 0, so the debugger's unwinder stops here), clear .bss (the loader maps it as
 * zeroed RAM already; clearing again also covers the tail of the last data page) and call
 * _sdk_start(utcb) in start.c, which does not return. */
    .file "./../sdk/src/crt0.S"   /* from the group folder; a leading ".." would make ld drop the name */
    .section .text.start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    li s0, 0
    li ra, 0
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  mv a0, tp
    call _sdk_start
3:  li a7, 9            /* SYS_STOP (checked in start.c) */
    ecall
    j 3b
    .size _start, . - _start

/* _thread_entry: where thread_start() starts a thread of this component. The function to run
 * is the word at sp (stored by thread_start); gp is this program's, fp and ra are 0. If the
 * function returns, the thread stops itself. */
    .globl _thread_entry
    .type _thread_entry, @function
_thread_entry:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    lw t0, 0(sp)
    li s0, 0
    li ra, 0
    jalr t0
4:  li a7, 9            /* SYS_STOP */
    ecall
    j 4b
    .size _thread_entry, . - _thread_entry
