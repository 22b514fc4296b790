#!/usr/bin/env python3
# pty-answer.py - runs a command on a pseudo-terminal and types ANSWER at its
# "Type 'yes'" prompt: how usb-write.sh tests the confirmation question.
"""Usage: pty-answer.py ANSWER COMMAND [ARGS...]; exits with COMMAND's status."""
import os
import pty
import sys

PROMPT = b"Type 'yes'"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(sys.argv[2], sys.argv[2:])
    out, answered = b"", False
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
        if not answered and PROMPT in out:
            os.write(fd, sys.argv[1].encode() + b"\n")
            answered = True
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace"))
    return os.waitstatus_to_exitcode(status)


sys.exit(main())
