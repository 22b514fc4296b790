/*
 * serial.h - the 16550 UART on COM1 (0x3F8), 115200 baud 8N1, polled.
 */
#ifndef KERNEL_SERIAL_H
#define KERNEL_SERIAL_H

#include <stdbool.h>
#include <stddef.h>

void serial_init(void);
void serial_write(const char *s, size_t n);
/* A received byte, or -1 when none is waiting. */
int serial_getc(void);
/* True when a UART answered the loopback probe at init. */
bool serial_present(void);
/* The transmitter-empty interrupt (IER bit 1) on or off: on, the UART
 * raises its interrupt line (COM1: ISA IRQ 4) as soon as the transmit
 * holding register is empty, which needs no input [16550 datasheet, IER,
 * IIR].  Output stays polled either way. */
void serial_thre_irq(bool on);
/* Read the interrupt identification register (which acknowledges a
 * transmitter-empty interrupt); true when that was the one pending. */
bool serial_irq_ack_thre(void);

#endif /* KERNEL_SERIAL_H */
