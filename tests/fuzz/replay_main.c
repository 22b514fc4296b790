/*
 * replay_main.c - runs the fuzz target over files named on the command line,
 * so kept crashers replay as regression tests without libFuzzer (gcc, ASan).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		perror(path);
		if (f)
			fclose(f);
		return 1;
	}
	/* An exact-size heap copy, so ASan catches any read past the end. */
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;

	printf("KTAP version 1\n1..%d\n", argc - 1);
	for (int i = 1; i < argc; i++) {
		int bad = replay(argv[i]);

		failed += bad;
		printf("%sok %d %s\n", bad ? "not " : "", i, argv[i]);
	}
	printf("%d passed, %d failed\n", argc - 1 - failed, failed);
	return failed ? 1 : 0;
}
