# bootpaths.py - the same checks on each of the three boot paths (BIOS and
# GRUB-EFI from the hybrid ISO, our own EFI loader from the GPT image):
# the path reported, the RSDP and the DMAR found with intel-iommu, and the
# unit tests run to a passing verdict.
PATHS = [
    # name, qemu-run flags, boot path, RSDP line
    ("bios", ["--bios"], "bios", r"acpi: RSDP revision \d from loader"),
    ("uefi_grub", ["--uefi"], "uefi-grub",
     r"acpi: RSDP revision 2 from loader \(ACPI 2\.0\+ tag\), XSDT"),
    ("uefi_direct", ["--efi-direct"], "uefi-direct",
     r"acpi: RSDP revision 2 from loader \(ACPI 2\.0\+ tag\), XSDT"),
]


def scenario(name, flags, path, rsdp):
    return {
        "name": "path_%s_iommu_tests" % name,
        "args": flags + ["--cmdline", "test", "--timeout", "200", "--",
                         "-device", "intel-iommu"],
        "must": [r"boot: path %s, loader " % path, r'boot: command line "test"', rsdp,
                 r"acpi:   DMAR at 0x", r"dmar: 1 remapping unit usable",
                 r"^KTAP version 1", r"^\d+ passed, 0 failed", r"^verdict: pass"],
        "must_not": [r"^not ok"],
    }


SCENARIOS = [scenario(*p) for p in PATHS]
