# dmar.py - the DMAR table at boot: QEMU's intel-iommu table summarised as
# QEMU built it; no table without intel-iommu; malformed tables fed through
# -acpitable (without intel-iommu) rejected with the reason while the kernel
# boots on with remapping off.  (QEMU recomputes the checksum of every
# -acpitable table, so a bad checksum is tested in tests/kernel/test_scan.c.)

QEMU_DMAR = [
    r"dmar: revision 1, OEM \"BOCHS \" \"BXPC    \", host address width 39 bits, flags 0x1 INTR_REMAP",
    r"dmar: DRHD at 0xfed90000, 4 KiB of registers, segment 0",
    r"dmar:     scope ioapic, enumeration id 0, start bus ff, path 00.0",
    r"dmar:     scope endpoint, enumeration id 0, start bus 00, path 1f.0",
    r"dmar: 1 remapping unit usable, 0 RMRRs, 0 firmware bugs",
    r"^ready: .* iommu_units=1\b",
]


def bad(name, reason):
    return {
        "name": "dmar_rejects_" + name.replace("-", "_"),
        "args": ["--timeout", "60", "--", "-acpitable", "file=build/fixtures/dmar-%s.bin" % name],
        "must": [r"acpi:   DMAR at 0x[0-9a-f]+, +\d+ bytes, rev 1, OEM \"FIXTUR\"",
                 r"error: dmar: table rejected: %s at offset \d+ \(in \w+\); DMA remapping stays off" % reason,
                 r"^ready: .* iommu_units=0\b"],
        "must_not": [r"remapping units? usable"],
    }


SCENARIOS = [
    {
        "name": "dmar_qemu_intel_iommu",
        "args": ["--timeout", "60", "--", "-device", "intel-iommu", "-device", "edu"],
        "must": QEMU_DMAR + [r"dmar:     scope endpoint, enumeration id 0, start bus 00, path 03.0",
                             r"vtd: unit 0 translates 7 PCI functions: 00:00.0 00:01.0 00:02.0 00:03.0 00:1f.0 00:1f.2 00:1f.3"],
    },
    {
        "name": "dmar_qemu_intel_iommu_aw48",
        "args": ["--timeout", "60", "--", "-device", "intel-iommu,aw-bits=48"],
        "must": [r"dmar: revision 1, .* host address width 48 bits", r"iommu_units=1\b"],
    },
    {
        "name": "dmar_absent_without_intel_iommu",
        "args": ["--timeout", "60"],
        "must": [r"dmar: no DMAR table: this machine reports no DMA remapping hardware",
                 r"^ready: .* iommu_units=0\b"],
    },
    bad("truncated", "structure runs past the end of the table"),
    bad("zerolen", "zero-length structure"),
    bad("scope-overrun", "device scope runs past the end of its structure"),
]
