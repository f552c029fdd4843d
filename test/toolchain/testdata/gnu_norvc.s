# Varied RV32IMAC source assembled by both GNU as and our assembler (no compression).
# gnu.test.ts compares the bytes, and our disassembly of GNU's bytes with objdump's.
.option norvc
.option norelax
        .equ    UART, 0x10000000
        .equ    COUNT, 16
        .equ    MASK, (1 << 11) | 0x7f
        .text
        .globl  _start
        .type   _start, @function
_start:
        auipc   t0, 0
        lui     a0, 0x12345
        lui     a1, 0xfffff
        lui     a2, %hi(UART)
        addi    a2, a2, %lo(UART)
        addi    a0, a0, -1
        addi    sp, sp, -16
        addi    s0, sp, 2047
        addi    zero, zero, 0
        addi    a0, zero, -2048
        addi    t6, t5, 1
        addi    a0, a1, 0
        slti    a0, a1, -5
        sltiu   a0, a1, 1
        sltiu   a0, a1, 7
        xori    a0, a1, -1
        xori    a0, a1, 0x55
        ori     a0, a1, 1
        andi    a0, a1, 255
        andi    a0, a1, -16
        slli    a0, a1, 31
        srli    a0, a1, 1
        srai    s1, s2, 17
        add     a0, a1, a2
        sub     a0, a1, a2
        sub     a0, zero, a2
        sll     a0, a1, a2
        slt     a0, a1, a2
        slt     a0, a1, zero
        slt     a0, zero, a2
        sltu    a0, a1, a2
        sltu    a0, zero, a2
        xor     a0, a1, a2
        srl     a0, a1, a2
        sra     a0, a1, a2
        or      a0, a1, a2
        and     a0, a1, a2
        mul     t0, t1, t2
        mulh    s0, s1, s2
        mulhsu  a3, a4, a5
        mulhu   a6, a7, s3
        div     s4, s5, s6
        divu    s7, s8, s9
        rem     s10, s11, t3
        remu    t4, t5, t6
        lb      a0, -1(a1)
        lh      a0, 2(a1)
        lw      a0, -2048(sp)
        lbu     a0, 2047(a1)
        lhu     a0, 0(a1)
        sb      a0, -1(a1)
        sh      a0, 2(a1)
        sw      ra, 12(sp)
        lw      a0, 16(zero)
        sw      a1, -4(tp)
        addi    a2, tp, 8
        lw      a3, 8(gp)
        addi    a4, gp, -2048
        lui     zero, 5
        addi    t0, zero, 1
1:      beq     a0, a1, 1b
        bne     a0, a1, 1f
        blt     a0, a1, 1b
        bge     a0, a1, 1f
        bltu    a0, a1, _start
        bgeu    a0, a1, far
1:      beqz    a0, 1b
        bnez    a1, 1b
        blez    a2, 1b
        bgez    a3, 1f
        bltz    a4, 1f
        bgtz    a5, 1f
        bgt     a0, a1, 1f
        ble     a0, a1, 1f
        bgtu    a0, a1, 1f
        bleu    a0, a1, 1f
1:      jal     ra, func
        jal     func
        jal     t0, func
        j       far
        jalr    ra, 0(a0)
        jalr    zero, 0(ra)
        jalr    a0
        jalr    t0, a1
        jalr    4(a0)
        jalr    a1, -8(a2)
        jr      a0
        jr      4(a0)
        ret
        call    func
        tail    func
        la      a0, msg
        lla     a1, table
        lw      a2, counter
        sw      a2, counter, t0
        lbu     a3, msg+1
.Lhi:   auipc   a4, %pcrel_hi(table)
        addi    a4, a4, %pcrel_lo(.Lhi)
2:      auipc   a5, %pcrel_hi(counter)
        lw      a5, %pcrel_lo(2b)(a5)
        sw      a5, %pcrel_lo(2b)(a5)
        lui     a6, %hi(table)
        lw      a6, %lo(table)(a6)
        li      a0, 0
        li      a0, -1
        li      a0, 0x7ff
        li      a0, 0x800
        li      a0, -2048
        li      a0, -2049
        li      a0, 0x7fffffff
        li      a0, 0x80000000
        li      a0, 0x12345678
        li      a0, 0xfffff800
        li      a0, UART
        li      a0, COUNT * 4 + 3
        li      a0, MASK
        li      a0, 'A'
        mv      a0, a1
        not     a0, a1
        neg     a0, a1
        seqz    a0, a1
        snez    a0, a1
        sltz    a0, a1
        sgtz    a0, a1
        nop
        csrrw   a0, mstatus, a1
        csrrs   a0, mie, a1
        csrrc   a0, mip, a1
        csrrwi  a0, mtvec, 5
        csrrsi  a0, mepc, 31
        csrrci  a0, mcause, 1
        csrr    a0, mhartid
        csrw    mscratch, a0
        csrs    sstatus, a1
        csrc    sie, a2
        csrwi   satp, 0
        csrsi   mstatus, 8
        csrci   mstatus, 8
        csrw    0x7c0, a0
        csrr    t0, 0x7c1
        rdcycle a0
        rdtime  a1
        rdinstret a2
        rdcycleh a3
        rdtimeh a4
        rdinstreth a5
        csrrs   a0, cycle, a1
        fence
        fence   rw, rw
        fence   r, w
        fence   iorw, o
        fence.i
        fence.tso
        ecall
        ebreak
        mret
        sret
        wfi
        sfence.vma
        sfence.vma a0
        sfence.vma a0, a1
        sfence.vma zero, a1
        lr.w    a0, (a1)
        lr.w.aq a0, (a1)
        lr.w.aqrl t0, (sp)
        sc.w    a0, a2, (a1)
        sc.w.rl a0, a2, (a1)
        amoswap.w a0, a2, (a1)
        amoadd.w.aq a0, a2, (a1)
        amoxor.w.rl a0, a2, (a1)
        amoand.w.aqrl a0, a2, (a1)
        amoor.w a0, a2, (a1)
        amomin.w a0, a2, (a1)
        amomax.w a0, a2, (a1)
        amominu.w a0, a2, (a1)
        amomaxu.w a0, a2, (a1)
        unimp
        .align  4
func:   addi    a0, a0, 1
        ret
        .size   func, . - func
        .balign 8
far:    j       _start
        .p2align 3
        lui     x31, 1

        .data
        .align  4
msg:    .string "hello, world\n"
        .asciz  "tab\there"
        .ascii  "raw"
        .align  2
counter: .word  42
table:  .word   msg, table + 4, func - _start, 0xdeadbeef, -1
        .half   0x1234, -2
        .byte   1, 2, 255, -128, 'z'
        .zero   3
        .space  2, 0xaa
        .balign 4
        .word   COUNT, UART >> 16
