; efi_call.asm - calls one UEFI runtime service in the Microsoft x64 ABI
; [UEFI 2.10 2.3.4.2] on the firmware's own stack, with a recovery point that
; the fault path (efi_rt.c) can resume at when the firmware faults.
;
;   uint64_t efi_call_guarded(struct efi_call *c)   (System V: c in RDI)
;
; struct efi_call (efi_rt.c), byte offsets:
;   +0 fn   +8..+40 arg[0..4]   +48 stack_top (16-byte aligned)   +56 resume_rsp
;
; The callee-saved registers of System V (RBX RBP R12-R15) are pushed on the
; kernel stack, whose pointer is then kept in c->resume_rsp; the call runs on
; c->stack_top with 32 bytes of shadow space and the fifth argument above it
; [UEFI 2.10 2.3.4.2: RCX RDX R8 R9, then the stack].  Both returns -- the
; normal one and efi_call_resume, where a caught fault lands with RAX set --
; restore RSP from c->resume_rsp and pop the same registers.  RBX holds c
; across the call: it is callee-saved in the Microsoft ABI as well.

bits 64
section .text

global efi_call_guarded, efi_call_resume

efi_call_guarded:
	push rbp
	mov rbp, rsp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov rbx, rdi
	mov [rbx + 56], rsp
	mov rsp, [rbx + 48]
	sub rsp, 48                 ; shadow space 32, arg 5 at +32, 8 spare: aligned
	mov rax, [rbx + 40]
	mov [rsp + 32], rax
	mov rcx, [rbx + 8]
	mov rdx, [rbx + 16]
	mov r8, [rbx + 24]
	mov r9, [rbx + 32]
	cld                         ; the ABI's DF = 0 at calls
	call [rbx]
	mov rsp, [rbx + 56]
	jmp efi_call_out

; Reached by iretq from the fault path with RSP = c->resume_rsp and RAX the
; status it chose; nothing of the firmware's registers is used.
efi_call_resume:
	cld
efi_call_out:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
