; trampoline.asm - where an application processor starts after INIT-SIPI-SIPI.
; smpboot.c copies this blob to a page below 1 MiB (base B, SIPI vector
; B >> 12), fills in the fields at its end, and maps the page at its own
; address so that the switch to long mode can run on [SDM 3A 8.4.4, 9.8].
;
;   16-bit real mode at B (CS = B >> 4, IP = 0)
;     -> 32-bit protected mode (trampoline GDT)
;     -> PAE, the kernel's CR3 (below 4 GiB), EFER.LME/NXE, paging
;     -> 64-bit mode, still at B, then jmp to ap_entry(cpu) on its own stack

bits 16
section .rodata
align 16
global trampoline_start, trampoline_end
global tramp_gdt_ptr, tramp_far32, tramp_cr3, tramp_efer, tramp_stack
global tramp_entry, tramp_cpu, tramp_gdt, pm32

trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	movzx ebx, ax
	shl ebx, 4                      ; EBX = B, kept through the mode switches
	lgdt [tramp_gdt_ptr - trampoline_start]
	mov eax, cr0
	or eax, 1                       ; PE
	mov cr0, eax
	db 0x66, 0xEA                   ; jmp dword 0x08:B + (pm32 - start)
tramp_far32:
	dd 0                            ; filled in by smpboot.c
	dw 0x08

bits 32
pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	lea esp, [ebx + 0x1000]         ; a few words of stack at the page's end
	mov eax, cr4
	or eax, 1 << 5                  ; PAE
	mov cr4, eax
	mov eax, [ebx + tramp_cr3 - trampoline_start]
	mov cr3, eax
	mov ecx, 0xC0000080             ; EFER
	mov eax, [ebx + tramp_efer - trampoline_start]
	xor edx, edx
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16)   ; PG | WP
	mov cr0, eax
	lea eax, [ebx + lm64 - trampoline_start]
	push dword 0x18
	push eax
	retf

bits 64
lm64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [rbx + tramp_stack - trampoline_start]
	mov edi, [rbx + tramp_cpu - trampoline_start]
	mov rax, [rbx + tramp_entry - trampoline_start]
	xor ebp, ebp
	push rbp                        ; zero return address ends backtraces
	jmp rax

align 8
tramp_gdt:
	dq 0
	dq 0x00CF9A000000FFFF           ; 0x08: 32-bit code
	dq 0x00CF92000000FFFF           ; 0x10: data
	dq 0x00AF9A000000FFFF           ; 0x18: 64-bit code
tramp_gdt_ptr:
	dw 4 * 8 - 1
	dd 0                            ; B + (tramp_gdt - start), filled in
align 8
tramp_cr3:   dq 0
tramp_efer:  dq 0
tramp_stack: dq 0
tramp_entry: dq 0
tramp_cpu:   dq 0
trampoline_end:
