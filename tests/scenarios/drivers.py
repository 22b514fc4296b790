# drivers.py - the NVMe and AHCI drivers of drivers/ as DMA masters (issue
# 18): Identify through an IOMMU domain and with identity addresses, NVMe on
# the root bus and behind a PCIe root port, the AHCI boot CD-ROM (ATAPI) and
# an ATA disk, each with intel-iommu and without.  The disk is a zero-filled
# file; after the run it must still be all zeros (the drivers never write).
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
DISK_SIZE = 1 << 20


def disk(name):
    """A zero-filled raw disk for one scenario (QEMU locks it: no sharing)."""
    path = os.path.join(BUILD, "fixtures", "drivers", "disk-%s.img" % name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.truncate(DISK_SIZE)
    return path


def untouched(path):
    def check(_log):
        with open(path, "rb") as f:
            data = f.read()
        if len(data) != DISK_SIZE or data.count(0) != DISK_SIZE:
            return ["%s was written to (it must stay all zeros)" % path]
        return []
    return check


def ata_disk(name):
    path = disk(name)
    return (["-drive", "if=none,id=d0,file=%s,format=raw" % path,
             "-device", "ide-hd,drive=d0,bus=ide.1"], untouched(path))

IOMMU = ["-device", "intel-iommu"]
NVME = ["-device", "nvme,serial=deadbeef"]
NVME_ROOT_PORT = ["-device", "pcie-root-port,id=rp1,chassis=1",
                  "-device", "nvme,serial=deadbeef,bus=rp1"]

NVME_BOTH = [r"^ok \d+ drivers_nvme_open_close_twice$",
             r"^ok \d+ drivers_nvme_open_finds_it_enabled$",
             r"^ok \d+ drivers_nvme_queue_wraps$",
             r"^ok \d+ drivers_nvme_rejects_bad_arguments$", r"^verdict: pass"]
NVME_IOMMU = NVME_BOTH + [r"^ok \d+ drivers_nvme_identify_through_domain$",
                          r"^ok \d+ drivers_nvme_identify_unmapped_iova$",
                          r"^ok \d+ drivers_nvme_lost_completion_times_out$",
                          r"error: nvme \S+: timed out: no completion of Identify",
                          r"^ready: .* iommu_units=1\b"]
NVME_NO_IOMMU = NVME_BOTH + [r"^ok \d+ drivers_nvme_identify_identity_without_iommu$",
                             r"^ready: .* iommu_units=0\b"]

AHCI_BOTH = [r"^ok \d+ drivers_ahci_identify_atapi_cdrom$",
             r"^ok \d+ drivers_ahci_open_close_twice$",
             r"^ok \d+ drivers_ahci_aborted_command_then_usable$",
             r"^ok \d+ drivers_ahci_close_restores_port$",
             r"^ok \d+ drivers_ahci_rejects_bad_arguments$",
             r"# port 2: ATAPI, model \"QEMU DVD-ROM",
             r"^verdict: pass"]
AHCI_IOMMU = AHCI_BOTH + [r"^ok \d+ drivers_ahci_identify_unmapped_iova$",
                          r"^ok \d+ drivers_ahci_lost_command_list_returns$",
                          r"error: ahci 00:1f.2: port \d+: timed out: IDENTIFY",
                          r"^ready: .* iommu_units=1\b"]
AHCI_NO_IOMMU = AHCI_BOTH + [r"^ready: .* iommu_units=0\b"]
ATA = [r"^ok \d+ drivers_ahci_identify_ata_disks$",
       r"# port 1: ATA, model \"QEMU HARDDISK"]


def run(name, tests, devices, musts, must_not=(), check=None):
    sc = {
        "name": name,
        "args": ["--timeout", "240", "--cmdline", "test=" + tests, "--"] + devices,
        "must": musts,
        # Every test the scenario is about must really run.
        "must_not": [r"^not ok", r"^ok \d+ drivers_\w+ # SKIP (?!needs a machine without"
                     r"|needs an active IOMMU)"] + list(must_not),
    }
    if check:
        sc["check"] = check
    return sc


DISK_IOMMU = ata_disk("iommu")
DISK_PLAIN = ata_disk("no-iommu")

SCENARIOS = [
    run("drivers_nvme_root_bus_iommu", "drivers_nvme", IOMMU + NVME,
        NVME_IOMMU + [r"nvme 00:0\d.0: enabled"]),
    run("drivers_nvme_root_bus_no_iommu", "drivers_nvme", NVME,
        NVME_NO_IOMMU + [r"nvme 00:0\d.0: enabled"]),
    run("drivers_nvme_root_port_iommu", "drivers_nvme", IOMMU + NVME_ROOT_PORT,
        NVME_IOMMU + [r"nvme 01:00.0: enabled"]),
    run("drivers_nvme_root_port_no_iommu", "drivers_nvme", NVME_ROOT_PORT,
        NVME_NO_IOMMU + [r"nvme 01:00.0: enabled"]),
    run("drivers_ahci_cdrom_iommu", "drivers_ahci", IOMMU, AHCI_IOMMU),
    run("drivers_ahci_cdrom_no_iommu", "drivers_ahci", [], AHCI_NO_IOMMU),
    # Caching mode: the unit may cache not-present entries, so every new
    # mapping of queues and buffers needs its invalidation.
    run("drivers_both_caching_mode", "drivers_", ["-device", "intel-iommu,caching-mode=on"] + NVME,
        NVME_IOMMU + AHCI_IOMMU + [r"vtd:   caching mode on"]),
    # iommu.strict=0 (issue 17): the drivers' domains defer their unmaps'
    # invalidations; every driver test passes as in strict domains.
    run("drivers_both_deferred", "drivers_ iommu.strict=0", IOMMU + NVME,
        NVME_IOMMU + AHCI_IOMMU +
        [r"iommu: iommu.strict=0: the kernel's DMA domains ask for deferred invalidation"]),
    run("drivers_ahci_ata_disk_iommu", "drivers_ahci", IOMMU + DISK_IOMMU[0], AHCI_IOMMU + ATA,
        check=DISK_IOMMU[1]),
    run("drivers_ahci_ata_disk_no_iommu", "drivers_ahci", DISK_PLAIN[0], AHCI_NO_IOMMU + ATA,
        check=DISK_PLAIN[1]),
]
