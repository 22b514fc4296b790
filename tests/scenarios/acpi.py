# acpi.py - ACPI discovery on QEMU's tables: the MADT lists the CPUs QEMU
# was given, the MCFG its ECAM window, and a table QEMU did not build is not
# invented.

SCENARIOS = [
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
