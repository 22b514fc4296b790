# acpi.py - ACPI discovery on QEMU's tables: the MADT lists the CPUs QEMU
# was given, the MCFG its ECAM window, and a table QEMU did not build is not
# invented.

SCENARIOS = [
    {
        # Without the loader's copies: the RSDP from a scan of the BIOS area.
        "name": "acpi_rsdp_from_bios_scan",
        "args": ["--bios", "--timeout", "60", "--cmdline", "acpi_no_loader_rsdp", "--",
                 "-device", "intel-iommu"],
        "must": [r"acpi: RSDP revision \d from BIOS memory scan, RSDT at 0x",
                 r"acpi:   DMAR at 0x", r"iommu_units=1\b"],
    },
    {
        # ... and from the EFI system table's configuration table.
        "name": "acpi_rsdp_from_efi_table",
        "args": ["--uefi", "--timeout", "150", "--cmdline", "acpi_no_loader_rsdp", "--",
                 "-device", "intel-iommu"],
        "must": [r"acpi: RSDP revision 2 from EFI configuration table, XSDT at 0x",
                 r"acpi:   DMAR at 0x", r"iommu_units=1\b"],
    },
    {
        "name": "acpi_madt_counts_cpus",
        "args": ["--timeout", "60", "--", "-smp", "4"],
        "must": [r"acpi: MADT: 4 CPUs enabled, 0 online-capable, 1 I/O APICs"],
    },
    {
        "name": "acpi_without_iommu_has_no_dmar",
        "args": ["--timeout", "60"],
        "must": [r"acpi: \d+ tables", r"acpi:   APIC at"],
        "must_not": [r"acpi:   DMAR at"],
    },
]
