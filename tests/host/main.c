/*
 * main.c - the host unit-test runner: runs every KTEST linked into it.
 * Usage: unit-tests [--quick] [--timeout SECONDS] [NAME-PREFIX[,PREFIX...]]
 *
 * Each case has SECONDS (default 120; 0: none) to finish.  A case that does
 * not is reported "not ok" by name with the closing line, and the run ends
 * with exit status 1: a hung test fails instead of hanging make check.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktest.h"

static unsigned int case_timeout = 120;
static char timeout_msg[64];

static void on_alarm(int sig)
{
	(void)sig;
	/* Not async-signal-safe (stdio), but the run ends here either way and
	 * the case is stuck, not inside the harness's own printing. */
	ktest_abandon_running(timeout_msg);
	fflush(stdout);
	_exit(1);
}

static void arm_timeout(const struct ktest_case *tc)
{
	(void)tc;
	alarm(case_timeout);
}

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--quick] [--timeout SECONDS] [NAME-PREFIX[,PREFIX...]]\n",
		argv0);
	return 2;
}

int main(int argc, char **argv)
{
	struct ktest_options opt = {NULL, false, false, arm_timeout};
	struct ktest_result res;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (strcmp(argv[i], "--quick") == 0) {
			opt.quick = true;
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			unsigned long s = strtoul(argv[++i], &end, 10);

			if (*end || s > 86400)
				return usage(argv[0]);
			case_timeout = (unsigned int)s;
		} else if (argv[i][0] == '-') {
			return usage(argv[0]);
		} else {
			opt.filter = argv[i];
		}
	}
	snprintf(timeout_msg, sizeof(timeout_msg), "timed out after %u s", case_timeout);
	signal(SIGALRM, on_alarm);
	setvbuf(stdout, NULL, _IOLBF, 0);
	res = ktest_run(&opt);
	alarm(0);
	return res.failed ? 1 : 0;
}
