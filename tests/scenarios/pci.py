# pci.py - PCI enumeration through ECAM, and through bridges: an edu device
# behind a PCIe root port and a PCIe-to-PCI bridge is found on its bus.

SCENARIOS = [
    {
        "name": "pci_msi_from_edu",
        "args": ["--timeout", "60", "--cmdline", "test=pci_msi", "--", "-device", "edu"],
        "must": [r"^ok \d+ pci_msi_from_edu_arrives$", r"^verdict: pass"],
    },
    {
        "name": "pci_enumerates_qemu_devices",
        "args": ["--timeout", "60", "--", "-device", "edu"],
        "must": [r"pci: \d+ functions through ECAM",
                 r"pci: 0000:00:00.0 8086:29c0 class 060000",
                 r"pci: 0000:00:1f.0 8086:2918", r"pci: 0000:00:0\d.0 1234:11e8 class 00ff00 MSI"],
    },
    {
        "name": "pci_walks_bridges",
        "args": ["--timeout", "60", "--", "-device", "pcie-root-port,id=rp,bus=pcie.0,addr=0x1c",
                 "-device", "pcie-pci-bridge,id=br,bus=rp",
                 "-device", "edu,bus=br,addr=0x5"],
        "must": [r"pci: 0000:00:1c.0 1b36:000c class 060400 bridge",
                 r"pci: 0000:01:00.0 1b36:000e class 060400 bridge",
                 r"pci: 0000:02:05.0 1234:11e8 class 00ff00"],
    },
]
