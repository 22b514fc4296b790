/*
 * init.c - the whole userland of `make bench-linux`'s initramfs: a static
 * /init that loads /edu_dma_bench.ko (the module measures at probe and
 * prints its figures on the console), says how the load went, and powers
 * the machine off so QEMU ends.  Built with the host's gcc -static.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MODULE_PATH "/edu_dma_bench.ko"

#define KALLSYMS_WORD "init.kallsyms"

/* Parameters for the module: what follows "--" on the kernel command line
 * (the kernel hands those words to init as arguments), but the words meant
 * for /init itself (init.kallsyms) and the kernel's that reach init. */
static void module_args(int argc, char **argv, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);

		/* Words without '=' are /init's, or the kernel's own that it
		 * passes on (nokaslr): no module parameter. */
		if (!strchr(argv[i], '='))
			continue;
		if (used + n + 2 > len)
			break;
		if (used)
			out[used++] = ' ';
		memcpy(out + used, argv[i], n + 1);
		used += n;
	}
}

/* "init.kallsyms": copy /proc/kallsyms to the second serial port (ttyS1),
 * so that tools/bench-linux/profile can name the functions of a kernel
 * booted with nokaslr (Debian's System.map is a stub). */
static void dump_kallsyms(void)
{
	char buf[4096];
	ssize_t n;
	int in, out;

	mkdir("/proc", 0555);
	if (mount("proc", "/proc", "proc", 0, NULL) != 0 && errno != EBUSY) {
		perror("bench-linux-init: mount /proc");
		return;
	}
	if (mknod("/dev/ttyS1", S_IFCHR | 0600, makedev(4, 65)) != 0 && errno != EEXIST) {
		perror("bench-linux-init: mknod /dev/ttyS1");
		return;
	}
	in = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	out = open("/dev/ttyS1", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (in < 0 || out < 0)
		perror("bench-linux-init: kallsyms");
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			perror("bench-linux-init: write ttyS1");
			break;
		}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	printf("bench-linux-init: kallsyms written to ttyS1\n");
}

int main(int argc, char **argv)
{
	char args[256];
	int fd = open(MODULE_PATH, O_RDONLY | O_CLOEXEC);
	long rc = -1;

	module_args(argc, argv, args, sizeof(args));
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], KALLSYMS_WORD) == 0)
			dump_kallsyms();
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
