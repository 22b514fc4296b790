/*
 * video.h - the framebuffer console, so a machine without a serial port
 * shows the boot log on its screen.
 */
#ifndef KERNEL_VIDEO_H
#define KERNEL_VIDEO_H

#include "bootinfo.h"

/* Map the loader's framebuffer and register it as a console (unless the
 * command line says "nofb" or there is none). */
void video_init(const struct bootinfo *bi);

#endif /* KERNEL_VIDEO_H */
