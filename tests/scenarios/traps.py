# traps.py - a fault prints its name, error code, registers and a backtrace
# with function names, then stops the kernel; in test mode QEMU exits with
# the panic status at once.

DUMP = [r"FATAL EXCEPTION: vector \d+", r"RIP [0-9a-f]{16}  RSP", r"CR2 [0-9a-f]{16}",
        r"RAX [0-9a-f]{16}", r"R15 [0-9a-f]{16}", r"^backtrace:",
        r"#\d+ +[0-9a-f]{16} kernel_entry\+0x", r"^panic: fatal exception"]


def fault(kind, name, musts, test_mode=True):
    cmdline = ("test " if test_mode else "") + "fault=" + kind
    return {
        "name": name,
        "args": ["--timeout", "60", "--cmdline", cmdline],
        "expect": "panic",
        "must": DUMP + musts,
        "must_not": [r"^verdict: pass"],
    }


SCENARIOS = [
    fault("pf", "fault_page_fault_unmapped",
          [r"vector 14 \(#PF page fault\), error code 0x0",
           r"read access, not-present page", r"CR2 ffff900000000000",
           r"#0 +[0-9a-f]{16} fault_read_unmapped\+0x", r"^verdict: fail"]),
    fault("wp", "fault_write_to_kernel_text",
          [r"#PF page fault", r"write access, protection violation on a present page",
           r"fault_write_text\+0x"]),
    fault("nx", "fault_execute_data",
          [r"#PF page fault", r"instruction fetch access, protection violation",
           r"the fetch followed a call from fault_exec_data\+0x", r"#0 +[0-9a-f]{16} \?$"]),
    fault("ud", "fault_invalid_opcode", [r"vector 6 \(#UD invalid opcode\)",
                                         r"selftest_fault_if_asked\+0x"]),
    fault("gp", "fault_general_protection", [r"vector 13 \(#GP general protection\)",
                                             r"fault_non_canonical\+0x"]),
    fault("df", "fault_double_fault_on_ist", [r"vector 8 \(#DF double fault\), error code 0x0",
                                              r"RSP ffff900000001000"]),
    fault("panic", "fault_panic_outside_test_mode", [], test_mode=False) | {
        "must": [r"KERNEL PANIC: panic requested on the command line", r"^backtrace:",
                 r"kernel_entry\+0x", r"^system halted\."]},
]
