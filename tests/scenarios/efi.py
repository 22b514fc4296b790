# efi.py - the GNU-EFI direct loader: OVMF boots build/iommu-kernel-efi.img
# with no GRUB, the kernel reports uefi-direct, and broken kernels stop the
# loader with its own message on the UEFI console (OVMF mirrors it to serial).
import os
import re

BUILD = os.environ.get("BUILD", os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), "build"))
FIXTURES = os.path.join(BUILD, "fixtures", "efi")  # make efi-fixtures
READY = r"^ready: boot=uefi-direct cpus=\d+ mem_mib=\d+ iommu_units=\d+"
LOADER = r"iommu-kernel-efi: "


def mem_between(lo, hi):
    def check(log):
        m = re.search(r"^ready: .*\bmem_mib=(\d+)", log, re.M)
        if not m or not lo <= int(m.group(1)) <= hi:
            return ["mem_mib=%s, expected %d..%d" % (m and m.group(1), lo, hi)]
        return []
    return check


def bad_kernel(name, fixture, message):
    """The loader refuses a broken kernel: its error, and no kernel line."""
    return {
        "name": name,
        "args": ["--efi-direct", "--efi-kernel", os.path.join(FIXTURES, fixture),
                 "--timeout", "25"],
        "expect": "timeout",
        "must": [LOADER + "GNU-EFI direct loader", LOADER + "error: " + message,
                 LOADER + r"error: kernel not started; back to the firmware"],
        "must_not": [r"iommu-kernel: entered C", r"^ready:"],
    }


SCENARIOS = [
    {
        "name": "efi_direct_boot",
        "args": ["--efi-direct", "--timeout", "90", "--settle", "3", "--", "-m", "512M",
                 "-smp", "2", "-device", "intel-iommu"],
        "must": [READY, LOADER + r"kernel at 0x200000-0x[0-9A-F]+, entry 0x200050",
                 LOADER + r"ACPI RSDP 2\.0 1\.0", LOADER + r"boot information at 0x[0-9A-F]+; exiting boot services",
                 r'boot: path uefi-direct, loader "iommu-kernel-efi"',
                 r"boot: ACPI RSDP v2 v1", r"boot: EFI system table at 0x[0-9a-f]+",
                 r"an EFI memory map is present",
                 r"acpi: RSDP revision 2 from loader \(ACPI 2\.0\+ tag\), XSDT",
                 r"acpi:   DMAR at 0x", r"dmar: 1 remapping unit usable",
                 r"smp: 2 of 2 CPUs online",
                 r"video: framebuffer console \d+x\d+ characters"],
        "must_not": [r"EFI boot services were not exited", LOADER + "error"],
        "check": mem_between(480, 512),
    },
    {
        # The command line comes from EFI/BOOT/iommu-cmdline.txt on the ESP
        # (the unit tests under each boot path are in bootpaths.py).
        "name": "efi_direct_cmdline_file",
        "args": ["--efi-direct", "--cmdline", "loglevel=7 hello=world", "--timeout", "90"],
        "must": [LOADER + r'command line "loglevel=7 hello=world" \(file\)',
                 r'boot: command line "loglevel=7 hello=world"', r"^ready: boot=uefi-direct "],
    },
    {
        # The UEFI shell starts the loader with load options (startup.nsh on
        # the fixture image; -nic none skips the network boot before it).
        "name": "efi_direct_shell_load_options",
        "args": ["--efi-direct", "--image", os.path.join(FIXTURES, "shell.img"),
                 "--timeout", "90", "--", "-nic", "none"],
        "must": [LOADER + r'command line "loglevel=7 from=shell" \(load options\)',
                 r'boot: command line "loglevel=7 from=shell"', r"^ready: boot=uefi-direct "],
    },
    {
        "name": "efi_direct_no_iommu",
        "args": ["--efi-direct", "--timeout", "90"],
        "must": [r"^ready: boot=uefi-direct .*iommu_units=0"],
        "must_not": [r"acpi:   DMAR at"],
    },
    bad_kernel("efi_direct_corrupt_kernel", "kernel-badmagic.elf",
               r"\\boot\\kernel\.elf is not a usable kernel: no ELF magic"),
    bad_kernel("efi_direct_truncated_kernel", "kernel-truncated.elf",
               r"\\boot\\kernel\.elf is not a usable kernel: a segment runs past the end"),
    bad_kernel("efi_direct_kernel_memory_taken", "kernel-nomem.elf",
               r"no memory for the kernel: it must be loaded at physical 0x200000-"),
]
