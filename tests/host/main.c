/*
 * main.c - the host unit-test runner: runs every KTEST linked into it.
 * Usage: unit-tests [--quick] [NAME-PREFIX]
 */
#include <stdio.h>
#include <string.h>

#include "ktest.h"

int main(int argc, char **argv)
{
	struct ktest_options opt = {NULL, false, false};
	struct ktest_result res;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			opt.quick = true;
		else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: %s [--quick] [NAME-PREFIX]\n", argv[0]);
			return 2;
		} else
			opt.filter = argv[i];
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	res = ktest_run(&opt);
	return res.failed ? 1 : 0;
}
