/*
 * init.c - the whole userland of `make bench-linux`'s initramfs: a static
 * /init that loads /edu_dma_bench.ko (the module measures at probe and
 * prints its figures on the console), says how the load went, and powers
 * the machine off so QEMU ends.  Built with the host's gcc -static.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MODULE_PATH "/edu_dma_bench.ko"

/* Parameters for the module: the kernel command line's "bench_linux.args="
 * is not parsed by Linux, so /init passes on what follows "--" instead (the
 * kernel hands those words to init as arguments). */
static void module_args(int argc, char **argv, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (used + n + 2 > len)
			break;
		if (used)
			out[used++] = ' ';
		memcpy(out + used, argv[i], n + 1);
		used += n;
	}
}

int main(int argc, char **argv)
{
	char args[256];
	int fd = open(MODULE_PATH, O_RDONLY | O_CLOEXEC);
	long rc = -1;

	module_args(argc, argv, args, sizeof(args));
	if (fd < 0)
		perror("bench-linux-init: open " MODULE_PATH);
	else {
		rc = syscall(SYS_finit_module, fd, args, 0);
		if (rc != 0)
			perror("bench-linux-init: finit_module");
		close(fd);
	}
	printf("bench-linux-init: module load %s (args \"%s\"), powering off\n",
	       rc == 0 ? "ok" : "failed", args);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	perror("bench-linux-init: reboot");
	for (;;)
		pause();
}
