/*
 * serial.c - polled driver for a 16550-compatible UART on COM1: the boot log
 * and the test verdicts go out here, and QEMU's -serial captures them.
 */
#include "serial.h"

#include <stdint.h>

#include "io.h"

#define COM1     0x3F8
#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_RBR 0 /* receive buffer (DLAB=0) */
#define UART_DLL 0 /* divisor low (DLAB=1) */
#define UART_IER 1
#define UART_DLH 1
#define UART_FCR 2 /* write */
#define UART_IIR 2 /* read */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5

#define LCR_8N1   0x03
#define LCR_DLAB  0x80
#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10
#define IER_THRE  0x02 /* transmit holding register empty interrupt */
#define IIR_ID_MASK 0x0F /* bit 0: none pending; 3:1 which */
#define IIR_THRE  0x02
#define LSR_DR    0x01 /* data ready */
#define LSR_THRE  0x20 /* transmit holding register empty */

static bool present;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 / 1 */
	outb(COM1 + UART_DLH, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0xC7); /* FIFOs on, cleared, 14-byte trigger */
	/* Loopback probe: a UART echoes a byte to itself; no UART reads 0xFF. */
	outb(COM1 + UART_MCR, MCR_LOOP | MCR_RTS | MCR_DTR);
	outb(COM1 + UART_THR, 0xAE);
	for (int i = 0; i < 1000 && !(inb(COM1 + UART_LSR) & LSR_DR); i++)
		;
	present = inb(COM1 + UART_RBR) == 0xAE;
	outb(COM1 + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
}

bool serial_present(void)
{
	return present;
}

static void put_raw(char c)
{
	/* Bounded wait: a missing or wedged UART must not hang the kernel. */
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		;
	outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	if (!present)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put_raw('\r');
		put_raw(s[i]);
	}
}

void serial_thre_irq(bool on)
{
	uint8_t ier = inb(COM1 + UART_IER);

	outb(COM1 + UART_IER, on ? ier | IER_THRE : ier & (uint8_t)~IER_THRE);
}

bool serial_irq_ack_thre(void)
{
	return (inb(COM1 + UART_IIR) & IIR_ID_MASK) == IIR_THRE;
}

int serial_getc(void)
{
	if (!present || !(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_RBR);
}
