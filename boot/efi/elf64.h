/*
 * elf64.h - the parts of the ELF-64 format the loader reads: the file header
 * and the program headers [gABI 4, 5].
 */
#ifndef EFI_ELF64_H
#define EFI_ELF64_H

#include <stdint.h>

#define ELF_MAGIC      "\177ELF"
#define ELFCLASS64     2
#define ELFDATA2LSB    1
#define EV_CURRENT     1
#define ET_EXEC        2
#define EM_X86_64      62
#define PT_LOAD        1

/* File header [gABI 4 "ELF Header"]. */
struct elf64_ehdr {
	uint8_t ident[16];    /* +0: magic, class, data, version, ... */
	uint16_t type;        /* +16 */
	uint16_t machine;     /* +18 */
	uint32_t version;     /* +20 */
	uint64_t entry;       /* +24 */
	uint64_t phoff;       /* +32 */
	uint64_t shoff;       /* +40 */
	uint32_t flags;       /* +48 */
	uint16_t ehsize;      /* +52 */
	uint16_t phentsize;   /* +54 */
	uint16_t phnum;       /* +56 */
	uint16_t shentsize;   /* +58 */
	uint16_t shnum;       /* +60 */
	uint16_t shstrndx;    /* +62 */
} __attribute__((packed));
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF-64 header");

#define EI_CLASS   4
#define EI_DATA    5
#define EI_VERSION 6

/* Program header [gABI 5 "Program Header"]. */
struct elf64_phdr {
	uint32_t type;   /* +0 */
	uint32_t flags;  /* +4 */
	uint64_t offset; /* +8 */
	uint64_t vaddr;  /* +16 */
	uint64_t paddr;  /* +24: where a Multiboot2 loader puts the segment */
	uint64_t filesz; /* +32 */
	uint64_t memsz;  /* +40 */
	uint64_t align;  /* +48 */
} __attribute__((packed));
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF-64 program header");

#endif /* EFI_ELF64_H */
