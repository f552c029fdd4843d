/* Minimal Linux (rv32) system-call wrappers for the freestanding guests.
 * Calling convention: a7 = syscall number, a0..a5 = arguments, a0 = result. */
#ifndef GUEST_SYS_H
#define GUEST_SYS_H

typedef unsigned int u32;
typedef int s32;
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned long long u64;
typedef unsigned int usize;

#define SYS_WRITE 64
#define SYS_EXIT 93
#define SYS_EXIT_GROUP 94
#define SYS_BRK 214

static inline long sys_call1(long n, long a0)
{
    register long r_a0 __asm__("a0") = a0;
    register long r_a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a7) : "memory");
    return r_a0;
}

static inline long sys_call3(long n, long a0, long a1, long a2)
{
    register long r_a0 __asm__("a0") = a0;
    register long r_a1 __asm__("a1") = a1;
    register long r_a2 __asm__("a2") = a2;
    register long r_a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a7) : "memory");
    return r_a0;
}

static inline long sys_write(int fd, const void *buf, usize len)
{
    return sys_call3(SYS_WRITE, fd, (long)buf, (long)len);
}

static inline __attribute__((noreturn)) void sys_exit(int status)
{
    sys_call1(SYS_EXIT, status);
    for (;;) {
    }
}

static inline __attribute__((noreturn)) void sys_exit_group(int status)
{
    sys_call1(SYS_EXIT_GROUP, status);
    for (;;) {
    }
}

/* brk(0) returns the current break; brk(p) tries to move it and returns the new break. */
static inline void *sys_brk(void *addr)
{
    return (void *)sys_call1(SYS_BRK, (long)addr);
}

#endif
