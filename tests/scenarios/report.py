# report.py - the boot report survives the reboot: on each UEFI path one boot
# with "selftest" writes the UEFI variable, the next prints "report: previous
# run", "selftest clear" deletes it and the boot after prints nothing, all
# through one OVMF variable store (qemu-run --efi-vars); tools/report-decode
# reads the store between boots.  The verdicts are the self-test's (the AHCI
# controller qemu-run's disks sit on is the DMA master).  A BIOS boot prints
# the record only, and a
# fault inside the firmware turns runtime services off without stopping the
# kernel.
import json
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
FWBUGS = os.path.join(BUILD, "fixtures", "dmar", "firmware-bugs.bin")  # make dmar-fixtures
VAR = r"IommuKernelReport-24355713-b7b6-45ff-b549-11ad7ebc0b33"
UNIT = r"^report:   unit 0 at 0xfed90000 segment 0: ver \d+\.\d+ cap 0x[0-9a-f]+ ecap 0x[0-9a-f]+"
DEVICES = ["--", "-device", "intel-iommu"]


def decoded(expect_rc, pattern=None):
    """After a boot: report-decode on the kept store exits expect_rc and
    (when given) prints a first line matching pattern."""
    def after(tmp):
        p = subprocess.run([os.path.join(ROOT, "tools", "report-decode"),
                            os.path.join(tmp, "vars.fd")], capture_output=True, text=True)
        if p.returncode != expect_rc:
            return ["report-decode exited %d, expected %d: %s" % (p.returncode, expect_rc,
                                                                  (p.stdout + p.stderr).strip())]
        if pattern and not re.match(pattern, p.stdout):
            return ["report-decode printed %r, expected /%s/" % (p.stdout[:200], pattern)]
        return []
    return after


def boot(flag, cmdline, must, must_not=(), after=None):
    b = {"args": [flag, "--efi-vars", "{tmp}/vars.fd", "--timeout", "150"] +
         (["--cmdline", cmdline] if cmdline else []) + DEVICES,
         "must": list(must) + [r"^ready: "], "must_not": list(must_not) + [r"FATAL"]}
    if after:
        b["after"] = after
    return b


def decoded_json(check):
    """After a boot: report-decode --json on the kept store, then check(obj)."""
    def after(tmp):
        p = subprocess.run([os.path.join(ROOT, "tools", "report-decode"), "--json",
                            os.path.join(tmp, "vars.fd")], capture_output=True, text=True)
        if p.returncode != 0:
            return ["report-decode --json exited %d: %s" % (p.returncode, p.stderr.strip())]
        return check(json.loads(p.stdout))
    return after


def fwbugs_kept(r):
    """The fixture's one usable unit carries the bugs of its own DRHD."""
    want_unit = ["drhd_regs_overlap", "include_all_twice"]
    u = r["units"]
    if len(u) != 1 or u[0]["reg_base"] != 0xfed91000 or u[0]["fw_bugs"] != want_unit:
        return ["units %r, expected one at 0xfed91000 with bugs %r" % (u, want_unit)]
    if "rmrr_unaligned" not in r["table_bugs"] or "drhd_base_zero" not in r["table_bugs"]:
        return ["table bugs %r lack rmrr_unaligned or drhd_base_zero" % r["table_bugs"]]
    return []


def sequence(name, flag, path, second_saves):
    """Write, print (and, with second_saves, write again), clear, nothing."""
    n2 = 2 if second_saves else 1
    return {"name": name, "boots": [
        boot(flag, "selftest",
             [r"^report: this run: boot 1 by %s, verdict pass, 1 unit \(1 of 1 tested\)" % path,
              UNIT + r", bugs none, verdict pass, master 00:1f\.2, reason none",
              r"^report: saved \d+ bytes in UEFI variable " + VAR,
              r"efi: runtime services on \(physical mode\)"],
             [r"^report: previous run"],
             decoded(0, r"boot 1 by %s, verdict pass, 1 unit" % path)),
        boot(flag, "selftest" if second_saves else None,
             [r"^report: previous run: boot 1 by %s, verdict pass, 1 unit" % path, UNIT] +
             ([r"^report: this run: boot 2 by " + path] if second_saves else []),
             [] if second_saves else [r"^report: (this run|saved)"],
             decoded(0, r"boot %d by %s" % (n2, path))),
        boot(flag, "selftest clear",
             [r"^report: previous run: boot %d by %s" % (n2, path),
              r"^report: deleted UEFI variable " + VAR],
             [r"^report: (this run|saved)"], decoded(1)),
        boot(flag, None, [], [r"^report:"], decoded(1)),
    ]}


FWBUGS_UNIT = (r"^report:   unit 0 at 0xfed91000 segment 0 \(not brought up\) include-all: "
               r"ver 0\.0 cap 0x0 ecap 0x0, bugs drhd_regs_overlap,include_all_twice, "
               r"verdict not-run")

SCENARIOS = [
    {
        # A DMAR table full of firmware bugs (tests/fixtures/dmar): the bugs
        # of each unit's own DRHD go in its record, all of them in the head.
        "name": "report_firmware_bugs_kept",
        "boots": [
            {"args": ["--efi-direct", "--efi-vars", "{tmp}/vars.fd", "--cmdline", "selftest",
                      "--timeout", "150", "--", "-acpitable", "file=" + FWBUGS],
             "must": [r"^report: this run: boot 1 by uefi-direct, verdict untested, 1 unit .*"
                      r"table bugs drhd_base_zero,drhd_base_unaligned,.*rmrr_unaligned,",
                      FWBUGS_UNIT, r"^report: saved"],
             "after": decoded_json(fwbugs_kept)},
            # Booted with QEMU's own table now: what it prints is boot 1's.
            {"args": ["--efi-direct", "--efi-vars", "{tmp}/vars.fd", "--timeout", "150"] + DEVICES,
             "must": [r"^report: previous run: boot 1 by uefi-direct", FWBUGS_UNIT,
                      r"^ready: boot=uefi-direct .*iommu_units=1"]},
        ],
    },
    sequence("report_uefi_grub_kept", "--uefi", "uefi-grub", False),
    sequence("report_uefi_direct_kept", "--efi-direct", "uefi-direct", True),
    {
        "name": "report_bios_log_only",
        "args": ["--bios", "--cmdline", "selftest", "--timeout", "120"] + DEVICES,
        "must": [r"^report: this run: boot 1 by bios, verdict pass, 1 unit", UNIT,
                 r"^report: a BIOS boot keeps no variable; the record is in this log only",
                 r"efi: no EFI system table \(a BIOS boot\)", r"^ready: boot=bios "],
        "must_not": [r"^report: (saved|previous run)"],
    },
    {
        # GetVariable through a copy of the runtime table aimed at runtime
        # data (no-execute): the #PF inside "firmware" is caught, runtime
        # services go off, and the report falls back to the log.
        "name": "report_efi_rt_fault_caught",
        "args": ["--efi-direct", "--cmdline", "efi_rt_fault_test selftest", "--timeout", "150",
                 "--settle", "2"] + DEVICES,
        "must": [r"efi: fault test: GetVariable through a copy of the runtime table",
                 r"efi: runtime services faulted \(#PF page fault at 0x[0-9a-f]+, in "
                 r"GetVariable \(fault test\)\); disabled",
                 r"efi: fault test: the call returned -14; runtime services off",
                 r"^report: this run: boot 1 by uefi-direct",
                 r"^report: runtime services are off; the record is in this log only",
                 r"^ready: boot=uefi-direct "],
        "must_not": [r"FATAL", r"panic", r"^report: saved"],
    },
    {
        # The firmware's own code faults: the flash (runtime MMIO) unmapped,
        # SetVariable's write to it is a #PF with RIP in runtime code.
        "name": "report_efi_rt_flash_fault_caught",
        "args": ["--uefi", "--cmdline", "efi_rt_fault_test=flash selftest", "--timeout", "150",
                 "--settle", "2"] + DEVICES,
        "must": [r"efi: fault test: SetVariable with the \d+ KiB of runtime MMIO unmapped",
                 r"efi: runtime services faulted \(#PF page fault at 0x[0-9a-f]+, in "
                 r"SetVariable\); disabled",
                 r"efi:   page fault address 0xff[0-9a-f]{6}, error code 0x[0-9a-f]+",
                 r"efi: fault test: the call returned -14; runtime services off",
                 r"^report: runtime services are off; the record is in this log only",
                 r"^ready: boot=uefi-grub "],
        "must_not": [r"FATAL", r"panic", r"^report: saved"],
    },
]
