/*
 * pic.c - retires the 8259 PICs [8259A datasheet, ICW1-ICW4]: remapped away
 * from the CPU exception vectors, then fully masked.
 */
#include "pic.h"

#include "io.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1

#define ICW1_INIT_ICW4 0x11 /* edge triggered, cascade, ICW4 follows */
#define ICW4_8086      0x01
#define PIC1_VECTOR    0x20
#define PIC2_VECTOR    0x28

static void io_wait(void)
{
	outb(0x80, 0); /* an unused port: gives the old chips time */
}

void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4), io_wait();
	outb(PIC2_CMD, ICW1_INIT_ICW4), io_wait();
	outb(PIC1_DATA, PIC1_VECTOR), io_wait();
	outb(PIC2_DATA, PIC2_VECTOR), io_wait();
	outb(PIC1_DATA, 1 << 2), io_wait(); /* slave on IRQ 2 */
	outb(PIC2_DATA, 2), io_wait();      /* slave's cascade identity */
	outb(PIC1_DATA, ICW4_8086), io_wait();
	outb(PIC2_DATA, ICW4_8086), io_wait();
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
}
