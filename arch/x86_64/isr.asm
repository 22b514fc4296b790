; isr.asm - one entry stub per interrupt vector.  Each pushes a zero where the
; CPU pushes no error code, then the vector, saves every general register and
; calls trap_dispatch(struct trap_frame *) [SDM 3A 6.12, 6.14].
;
; Stack at the call, lowest address first (struct trap_frame in traps.h):
;   r15 r14 r13 r12 r11 r10 r9 r8 rbp rdi rsi rdx rcx rbx rax
;   vector error_code rip cs rflags rsp ss
; The CPU aligns RSP to 16 before pushing its 5 words; with error code and
; vector that is 7 words, plus 15 registers: 22 words, so the call is aligned.

bits 64
section .text

extern trap_dispatch

%macro STUB 1
align 16
isr_stub_%1:
%if (%1 = 8) || (%1 = 10) || (%1 = 11) || (%1 = 12) || (%1 = 13) || (%1 = 14) || (%1 = 17) || (%1 = 21) || (%1 = 29) || (%1 = 30)
	; the CPU pushed an error code
%else
	push qword 0
%endif
	push qword %1
	jmp isr_common
%endmacro

%assign v 0
%rep 256
STUB v
%assign v v + 1
%endrep

align 16
isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	call trap_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16             ; vector and error code
	iretq

section .rodata
global isr_stub_table
align 8
isr_stub_table:
%assign v 0
%rep 256
	dq isr_stub_ %+ v
%assign v v + 1
%endrep
