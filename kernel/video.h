/*
 * video.h - the framebuffer console, so a machine without a serial port
 * shows the boot log on its screen.
 */
#ifndef KERNEL_VIDEO_H
#define KERNEL_VIDEO_H

#include <stdbool.h>
#include <stdint.h>

#include "bootinfo.h"

/* Map the loader's framebuffer and register it as a console (unless the
 * command line says "nofb" or there is none). */
void video_init(const struct bootinfo *bi);

/*
 * Clear the screen and draw n lines of text in letters as large as fit
 * (the self-test's summary, to be read on a photo), the first line in
 * 'rgb'; the log goes on below.  Returns false, drawing nothing, without a
 * pixel framebuffer console.  Called from the boot CPU while nothing else
 * prints.
 */
bool video_banner(const char *const *lines, uint32_t n, uint32_t rgb);

#endif /* KERNEL_VIDEO_H */
