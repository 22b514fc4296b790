# selftest.py - the bare-metal self-test ("selftest" on the command line)
# under QEMU: NVMe on the root bus and behind a PCIe root port, the AHCI
# CD-ROM q35 boots from, both together; BIOS and UEFI; 39- and 48-bit
# units and caching mode; no IOMMU; an IOMMU with no supported master.
import re

AHCI_PASS = (r"selftest: unit 0: AHCI 00:1f\.2 port 2 \(ATAPI\): pass: mapped DMA landed, "
             r"unmapped and stale IOVAs faulted")


def masters_tested(n):
    """The unit line must count n masters, and the summary must be a pass."""
    def check(log):
        m = re.search(r"selftest: unit 0 \(0xfed90000\): pass, (\d+) masters? tested", log)
        if not m:
            return ["no passing unit 0 line"]
        return [] if int(m.group(1)) == n else ["%s masters tested, expected %d" % (m.group(1), n)]
    return check


def run(name, devices, firmware="--bios", iommu="intel-iommu", musts=(), masters=1):
    return {
        "name": name,
        "args": [firmware, "--timeout", "240", "--cmdline", "selftest", "--",
                 "-device", iommu] + list(devices),
        "must": [r"^selftest: verdict=pass units=1 tested=1$",
                 r"^ready: .* iommu_units=1\b"] + list(musts),
        "must_not": [r"selftest: unit \d+: \w+ [0-9a-f:.]+: fail", r"panic"],
        "check": masters_tested(masters),
    }


NVME = ["-device", "nvme,serial=selftest1"]
NVME_BEHIND_PORT = ["-device", "pcie-root-port,id=rp1,chassis=1",
                    "-device", "nvme,serial=selftest2,bus=rp1"]

SCENARIOS = [
    run("selftest_nvme_and_ahci_bios", NVME, musts=[r"selftest: unit 0: NVMe 00:0[0-9a-f]\.0: pass",
                                                     AHCI_PASS], masters=2),
    run("selftest_ahci_only_bios", [], musts=[AHCI_PASS]),
    run("selftest_nvme_behind_root_port", NVME_BEHIND_PORT,
        musts=[r"selftest: unit 0: NVMe 01:00\.0: pass"], masters=2),
    run("selftest_uefi", NVME, firmware="--uefi",
        musts=[r"selftest: unit 0: NVMe 00:0[0-9a-f]\.0: pass", AHCI_PASS], masters=2),
    run("selftest_aw48", NVME, iommu="intel-iommu,aw-bits=48",
        musts=[r"selftest: unit 0: NVMe 00:0[0-9a-f]\.0: pass"], masters=2),
    run("selftest_caching_mode", NVME, iommu="intel-iommu,caching-mode=on",
        musts=[r"selftest: unit 0: NVMe 00:0[0-9a-f]\.0: pass"], masters=2),
    {
        # A DMAR (dmar_table=1) whose only unit covers edu alone.
        "name": "selftest_no_supported_master",
        "args": ["--timeout", "150", "--cmdline", "selftest dmar_table=1", "--",
                 "-device", "intel-iommu", "-device", "edu", "-device", "nvme,serial=x",
                 "-acpitable", "file=build/fixtures/dmar-scope-edu.bin"],
        "must": [r"selftest: unit 0 \(0xfed90000\): untested: no supported DMA master behind it",
                 r"^selftest: verdict=untested units=1 tested=0$"],
    },
    {
        "name": "selftest_without_iommu",
        "args": ["--timeout", "120", "--cmdline", "selftest", "--"] + NVME,
        "must": [r"selftest: no remapping unit is translating; nothing to test",
                 r"^selftest: verdict=untested units=0 tested=0$", r"^ready: .* iommu_units=0\b"],
    },
]

# The image as written to a USB stick, nothing added: GRUB shows its menu
# (self-test entries included) and boots the first after 5 s; the direct
# loader offers the self-test for 5 s and then boots.
SCENARIOS += [
    {
        "name": "selftest_offered_by_grub_menu",
        "args": ["--as-written", "--timeout", "120", "--", "-device", "intel-iommu"],
        "must": [r"IOMMU kernel: self-test \(DMA remapping proven", r"^ready: "],
        "must_not": [r"selftest: verdict"],
    },
    {
        "name": "selftest_offered_by_efi_loader",
        "args": ["--efi-direct", "--as-written", "--timeout", "150", "--",
                 "-device", "intel-iommu"],
        "must": [r"press S for the self-test, C to delete its kept report",
                 r'command line "" \(none\)', r"^ready: "],
        "must_not": [r"selftest: verdict"],
    },
]
