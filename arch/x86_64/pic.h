/*
 * pic.h - the legacy 8259 interrupt controllers, which the kernel does not
 * use: they are moved off the exception vectors and masked.
 */
#ifndef ARCH_PIC_H
#define ARCH_PIC_H

/* Remap the two 8259s to vectors 0x20-0x2F and mask every line.  Until this
 * runs, a timer tick would arrive as vector 8 and look like a double fault. */
void pic_disable(void);

#endif /* ARCH_PIC_H */
