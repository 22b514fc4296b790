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

#endif /* KERNEL_SERIAL_H */
