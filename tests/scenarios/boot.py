# boot.py - booting on each path and memory size, and the command line:
# each scenario asserts on what the kernel reports, not only that it booted.
import re

READY = r"^ready: boot=(bios|uefi-grub|uefi-direct) cpus=\d+ mem_mib=\d+ iommu_units=\d+"


def ready_field(log, key):
    m = re.search(r"^ready: .*\b%s=(\S+)" % key, log, re.M)
    return m.group(1) if m else None


def mem_between(lo, hi):
    """The ready line's mem_mib within [lo, hi] MiB (QEMU's -m, less firmware)."""
    def check(log):
        v = ready_field(log, "mem_mib")
        if v is None or not lo <= int(v) <= hi:
            return ["mem_mib=%s, expected %d..%d" % (v, lo, hi)]
        return []
    return check


SCENARIOS = [
    {
        "name": "boot_bios",
        "args": ["--bios", "--timeout", "60", "--settle", "3", "--", "-m", "512M",
                 "-device", "intel-iommu", "-device", "edu"],
        "must": [READY, r"^ready: boot=bios ", r"boot: path bios, loader \"GRUB",
                 r"acpi: RSDP revision \d from loader", r"acpi:   DMAR at 0x",
                 r"acpi: MADT: 1 CPUs enabled", r"acpi: MCFG: segment 0 buses 00-ff",
                 r"boot: ACPI RSDP", r"video: framebuffer console \d+x\d+ characters"],
        "check": mem_between(500, 512),
    },
    {
        "name": "boot_uefi",
        "args": ["--uefi", "--timeout", "150", "--settle", "3", "--", "-m", "512M",
                 "-device", "intel-iommu"],
        "must": [READY, r"^ready: boot=uefi-grub ", r"boot: ACPI RSDP v2",
                 r"acpi: RSDP revision 2 from loader \(ACPI 2.0\+ tag\), XSDT",
                 r"acpi:   DMAR at 0x",
                 r"boot: EFI system table at 0x[0-9a-f]+", r"an EFI memory map is present",
                 r"video: framebuffer console \d+x\d+ characters"],
        "must_not": [r"EFI boot services were not exited"],
        "check": mem_between(480, 512),
    },
    {
        # The hybrid image written raw to a disk, as on a USB stick.
        "name": "boot_bios_usb_disk",
        "args": ["--bios", "--disk", "--timeout", "60"],
        "must": [READY, r"^ready: boot=bios "],
    },
    {
        "name": "boot_uefi_usb_disk",
        "args": ["--uefi", "--disk", "--timeout", "150"],
        "must": [READY, r"^ready: boot=uefi-grub "],
    },
    {
        "name": "mem_128m",
        "args": ["--timeout", "60", "--", "-m", "128M"],
        "must": [READY, r"mm: \d+ MiB usable RAM, \d+ MiB free after boot, 0 MiB above 4 GiB"],
        "check": mem_between(120, 128),
    },
    {
        # 6 GiB on q35: 2 GiB below the PCI hole, 4 GiB above 4 GiB.
        "name": "mem_6g",
        "args": ["--timeout", "120", "--cmdline", "test=mm_high", "--", "-m", "6G"],
        "must": [r"mm: \d+ MiB usable RAM, \d+ MiB free after boot, 4096 MiB above 4 GiB",
                 r"^ok \d+ mm_high_memory_usable", r"^verdict: pass"],
        "check": mem_between(6100, 6144),
    },
    {
        "name": "cmdline_reaches_kernel",
        "args": ["--timeout", "60", "--cmdline", "loglevel=7 hello=world"],
        "must": [READY, r'boot: command line "loglevel=7 hello=world"',
                 r"\] mm: allocator started"],
    },
    {
        "name": "kernel_unit_tests_bios",
        "args": ["--timeout", "120", "--cmdline", "test"],
        "must": [r"^KTAP version 1", r"^\d+ passed, 0 failed", r"^verdict: pass"],
        "must_not": [r"^not ok"],
    },
]
