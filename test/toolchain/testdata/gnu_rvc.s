# Compressed instructions: explicit c. mnemonics, and base forms that .option rvc compresses.
# gnu.test.ts compares our bytes with GNU as and our disassembly with objdump's.
.option rvc
.option norelax
        .text
        .globl _start
_start:
        c.addi4spn a0, sp, 16
        c.addi4spn s1, sp, 1020
        c.lw    a1, 4(a2)
        c.sw    a3, 124(a4)
        c.nop
        c.addi  a0, -32
        c.addi  t6, 31
        c.li    a5, 31
        c.li    ra, -1
        c.addi16sp sp, -512
        c.addi16sp sp, 496
        c.lui   a1, 1
        c.lui   t0, 0xfffff
        c.lui   s1, 0x1f
        c.srli  s0, 31
        c.srai  s1, 1
        c.andi  a5, -1
        c.andi  a5, 31
        c.sub   a0, a1
        c.xor   a2, a3
        c.or    a4, a5
        c.and   s0, s1
        c.slli  t0, 5
        c.lwsp  ra, 252(sp)
        c.swsp  s11, 0(sp)
        c.ebreak
        c.jr    t0
        c.jalr  a0
        c.mv    a0, t6
        c.add   a0, t6
1:      c.j     1b
        c.jal   1b
        c.beqz  a0, 1b
        c.bnez  s1, 2f
        c.j     2f
2:      addi    sp, sp, -16
        addi    sp, sp, 16
        addi    sp, sp, -64
        addi    a0, sp, 8
        addi    a0, a0, 0
        li      a0, 5
        li      a0, 0x1000
        li      a0, 0x12345
        li      t0, -2049
        li      sp, 0x2000
        lui     a0, 1
        lui     sp, 1
        mv      a0, a1
        add     a0, a0, a1
        add     a0, a1, a0
        add     a0, zero, a1
        sub     s0, s0, s1
        and     a0, a0, a1
        or      a0, a1, a0
        xor     a5, a5, a4
        andi    s0, s0, 7
        slli    a0, a0, 3
        srli    a5, a5, 2
        srai    a4, a4, 2
        lw      a0, 0(sp)
        sw      a0, 8(sp)
        lw      s0, 4(s1)
        sw      s0, 4(s1)
        lw      s0, 128(s1)
        jr      ra
        ret
        jalr    a0
        jalr    ra, 0(t0)
        ebreak
        nop
        unimp
        addi    a0, a1, 1
        .byte   1
        .align  3
        addi    a1, a1, 1
        .balign 16
        ecall
