; multiboot2.asm - the Multiboot2 header and the 32-bit entry: checks the
; loader's magic and the CPU, builds the early page tables, enters long mode.
;
; State at entry [MB2 3.3]: 32-bit protected mode, paging off, EAX = magic
; 0x36d76289, EBX = physical address of the boot information.  GRUB gives us
; that state on BIOS and on UEFI (where it has already left boot services,
; because this header does not ask to keep them).
;
; Early address space (replaced by arch/x86_64/paging.c once memory is known):
;   0 .. 4 GiB identity                  (so this code keeps running)
;   0xFFFF800000000000 + 0 .. 4 GiB       (the direct map's first 4 GiB)
;   0xFFFFFFFF80000000 + 0 .. 1 GiB       (the kernel image, -mcmodel=kernel)
; all with 2 MiB pages, so four page directories serve all three.

bits 32

MB2_MAGIC        equ 0xE85250D6
MB2_ARCH_I386    equ 0
MB2_LOADER_MAGIC equ 0x36D76289
KERNEL_VMA       equ 0xFFFFFFFF80000000

COM1             equ 0x3F8

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; Information request [MB2 3.1.4]: we need these; the rest is optional.
	align 8
.info_req:
	dw 1, 0
	dd .info_req_end - .info_req
	dd 6                    ; memory map
.info_req_end:
	; Framebuffer [MB2 3.1.10]: any mode (0 = no preference), optional.
	align 8
.fb:
	dw 5, 1                 ; flags bit 0: optional
	dd 20
	dd 0, 0, 32
	; Console flags [MB2 3.1.6]: we can drive an EGA text console.
	align 8
.console:
	dw 4, 1
	dd 12
	dd 2                    ; bit 1: EGA text supported
	align 8
	dw 0, 0                 ; end tag
	dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
global _start
_start:
	cli
	cld
	mov esp, boot_stack_top
	mov [boot_magic], eax
	mov [boot_mbi], ebx
	call serial_init32

	cmp dword [boot_magic], MB2_LOADER_MAGIC
	jne .bad_magic
	call check_long_mode
	test eax, eax
	jz .no_long_mode
	call build_early_tables
	jmp enter_long_mode

.bad_magic:
	mov ebx, msg_bad_magic
	jmp halt_with_message
.no_long_mode:
	mov ebx, msg_no_lm
	jmp halt_with_message

; EAX = 1 when CPUID reports long mode, else 0.  Also sets nx_supported.
check_long_mode:
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no
	mov eax, 0x80000001
	cpuid
	bt edx, 20              ; NX
	jnc .no_nx
	mov byte [nx_supported], 1
.no_nx:
	bt edx, 29              ; LM
	jnc .no
	mov eax, 1
	ret
.no:
	xor eax, eax
	ret

; Page directories PD0..PD3 map 0..4 GiB with 2 MiB pages (present, writable,
; PS).  PDPT_LOW points at all four; PDPT_HIGH's entry 510 points at PD0.
build_early_tables:
	mov edi, early_pd
	mov eax, 0x83           ; P | RW | PS
	xor edx, edx
	mov ecx, 4 * 512
.pd:
	mov [edi], eax
	mov [edi + 4], edx
	add eax, 0x200000
	adc edx, 0
	add edi, 8
	loop .pd

	mov edi, early_pdpt_low
	mov eax, early_pd + 3   ; P | RW
	mov ecx, 4
.pdpt:
	mov [edi], eax
	add eax, 4096
	add edi, 8
	loop .pdpt

	mov dword [early_pdpt_high + 510 * 8], early_pd + 3
	mov dword [early_pml4], early_pdpt_low + 3
	mov dword [early_pml4 + 256 * 8], early_pdpt_low + 3
	mov dword [early_pml4 + 511 * 8], early_pdpt_high + 3
	ret

enter_long_mode:
	mov eax, cr4
	or eax, 1 << 5          ; PAE
	mov cr4, eax
	mov eax, early_pml4
	mov cr3, eax
	mov ecx, 0xC0000080     ; EFER
	rdmsr
	or eax, 1 << 8          ; LME
	cmp byte [nx_supported], 0
	je .no_nxe
	or eax, 1 << 11         ; NXE
.no_nxe:
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | 1   ; PG | WP | PE
	mov cr0, eax
	lgdt [early_gdt_ptr]
	jmp 0x08:long_mode_entry

; Minimal 16550 set-up so that a failure this early can still be reported.
serial_init32:
	mov dx, COM1 + 1
	xor al, al
	out dx, al              ; no interrupts
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al              ; DLAB
	mov dx, COM1
	mov al, 1
	out dx, al              ; divisor 1: 115200 baud
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 0x03
	out dx, al              ; 8N1
	ret

; Prints the NUL-terminated string at EBX on COM1, then halts for good.
halt_with_message:
.next:
	mov al, [ebx]
	test al, al
	jz .halt
	mov ah, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20           ; transmit holding register empty
	jz .wait
	mov dx, COM1
	mov al, ah
	out dx, al
	inc ebx
	jmp .next
.halt:
	cli
	hlt
	jmp .halt

bits 64
long_mode_entry:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top_high
	xor ebp, ebp            ; ends the backtrace
	push rbp                ; a zero return address, as after a call: keeps
	                        ; the ABI's stack alignment and ends gdb's unwind
	mov edi, [boot_magic]   ; arg 0: the loader's magic
	mov esi, [boot_mbi]     ; arg 1: physical address of the boot information
	extern kernel_entry
	mov rax, kernel_entry
	jmp rax

section .boot.data progbits alloc noexec write align=16
msg_bad_magic:
	db "iommu-kernel: not started by a Multiboot2 loader (bad magic in EAX); halting.", 13, 10, 0
msg_no_lm:
	db "iommu-kernel: this CPU has no 64-bit long mode; halting.", 13, 10, 0
nx_supported:
	db 0
align 4
boot_magic:
	dd 0
boot_mbi:
	dd 0
align 8
early_gdt:
	dq 0
	dq 0x00AF9A000000FFFF   ; 0x08: 64-bit code
	dq 0x00CF92000000FFFF   ; 0x10: data
early_gdt_ptr:
	dw early_gdt_ptr - early_gdt - 1
	dq early_gdt

section .boot.bss nobits alloc noexec write align=4096
global early_pml4
early_pml4:      resb 4096
early_pdpt_low:  resb 4096
early_pdpt_high: resb 4096
early_pd:        resb 4 * 4096
boot_stack:      resb 4096
boot_stack_top:

; The first CPU's kernel stack, in the higher half so that it survives the
; removal of the identity map.
section .bss nobits alloc noexec write align=16
global boot_stack_bottom_high, boot_stack_top_high
boot_stack_bottom_high: resb 32768
boot_stack_top_high:
