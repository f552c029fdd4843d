/* Entry point for the freestanding guests.
 * Nothing is set up here: sp comes from the loader (Linux or the emulator),
 * gp is unused (the linker script defines no __global_pointer$), and .bss is
 * expected to be zeroed by the loader (the programs do not rely on it anyway).
 * main() takes no arguments; its return value becomes the exit status. */
    .file "crt0.S"
    .section .text.start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    call main
    li a7, 93           /* exit(a0) */
    ecall
1:  j 1b
    .size _start, . - _start
