; enter.asm - leaves 64-bit long mode for 32-bit protected mode with paging
; off and jumps to the kernel's Multiboot2 entry, as GRUB would [MB2 3.3].
;
; Position-independent: handoff.c copies [efi_enter_start, efi_enter_end) to a
; page below 4 GiB (UEFI identity-maps it) and calls the copy after
; ExitBootServices as  void enter(uint32_t entry, uint32_t mbi)  (System V:
; EDI = entry, ESI = mbi).  The stack is touched only in 64-bit mode.
;
;   64-bit mode --lgdt, far jmp--> compatibility mode (CS = 32-bit code)
;     --CR0.PG = 0--> protected mode, EFER.LMA = 0 --EFER.LME = 0--> jmp entry
; [SDM 3A "Switching Out of IA-32e Mode Operation"]

bits 64
default rel

CODE32           equ 0x08
DATA32           equ 0x10
MB2_LOADER_MAGIC equ 0x36D76289
MSR_EFER         equ 0xC0000080
EFER_LME         equ 1 << 8
CR0_PG           equ 1 << 31
CR4_PCIDE        equ 1 << 17

section .text
global efi_enter_start, efi_enter_end

efi_enter_start:
	cli
	mov rax, cr4
	and rax, ~CR4_PCIDE     ; clearing CR0.PG faults while PCIDE is set
	mov cr4, rax
	sub rsp, 16
	lea rax, [gdt]
	mov word [rsp], gdt_end - gdt - 1
	mov [rsp + 2], rax
	lgdt [rsp]              ; the GDT is in this copy, below 4 GiB
	lea rax, [compat]
	mov dword [rsp], eax
	mov word [rsp + 4], CODE32
	jmp far dword [rsp]     ; m16:32 far pointer: into compatibility mode

bits 32
compat:
	mov ax, DATA32
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov eax, cr0
	and eax, ~CR0_PG        ; identity-mapped here, so fetching goes on
	mov cr0, eax
	mov ecx, MSR_EFER
	rdmsr
	and eax, ~EFER_LME
	wrmsr
	mov eax, MB2_LOADER_MAGIC
	mov ebx, esi            ; physical address of the boot information
	jmp edi                 ; the kernel's 32-bit _start

align 8
gdt:
	dq 0
	dq 0x00CF9A000000FFFF   ; 0x08: 32-bit code, base 0, limit 4 GiB
	dq 0x00CF92000000FFFF   ; 0x10: 32-bit data, base 0, limit 4 GiB
gdt_end:
efi_enter_end:

section .note.GNU-stack noalloc noexec nowrite progbits
