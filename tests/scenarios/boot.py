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


STAMPED = re.compile(r"^\[\s*(\d+\.\d+)\] (.*)$", re.M)


def boot_steps(log):
    """The boot from the first C line to "boot: done" (the timestamped line
    just before ready:) as a list of (step, millions of guest TSC cycles):
    each stamped line, its numbers blotted out, and the time since the line
    before.  The stamps are cycles divided by the TSC rate the kernel
    measured against the PIT, and on a loaded machine that measurement has
    been off by as much as 3.3 times (one boot said 8205 MHz for a 2468 MHz
    TSC), so the log's own "tsc: N MHz" turns them back into cycles."""
    mhz = re.search(r"^\[[\s\d.]+\] tsc: (\d+) MHz", log, re.M)
    steps, prev = [], None
    for m in STAMPED.finditer(log):
        t, text = float(m.group(1)), m.group(2)
        if prev is None and not text.startswith("iommu-kernel: entered C"):
            continue
        if prev is not None:
            steps.append((re.sub(r"0x[0-9a-f]+|\d+", "#", text), (t - prev) * int(mhz.group(1))))
        prev = t
        if text == "boot: done":
            return steps if mhz else None
    return None


def best_boot(logs):
    """(fastest whole boot, sum of each step's fastest time) over the logs of
    one configuration, in millions of guest TSC cycles.  Other load on the
    machine only ever adds time and seldom hits the same step in every
    boot, so the sum of per-step minima is the steadier of the two; steps
    are matched by their text and how often it came before, and only those
    in every log count."""
    runs = [boot_steps(log) for log in logs]
    keyed = []
    for steps in runs:
        seen, d = {}, {}
        for text, dt in steps:
            seen[text] = seen.get(text, 0) + 1
            d[(text, seen[text])] = dt
        keyed.append(d)
    common = set.intersection(*(set(d) for d in keyed))
    return (min(sum(dt for _, dt in steps) for steps in runs),
            sum(min(d[k] for d in keyed) for k in common))


def boot_time_ratio(sizes, rounds, limit):
    """check for "boots": the -m sizes booted in turn, 'rounds' times.  The
    largest size's boot (best_boot's per-step sum) may take at most 'limit'
    times the smallest's.  A ratio of guest times, never a time limit."""
    def check(logs):
        bad = [i + 1 for i, log in enumerate(logs) if boot_steps(log) is None]
        if bad:
            return ["boots %s: no tsc, entered-C or boot: done stamps" % bad]
        best = {m: best_boot(logs[i::len(sizes)]) for i, m in enumerate(sizes)}
        ratio = best[sizes[-1]][1] / best[sizes[0]][1]
        print("    # guest Mcycles from entered C to boot: done over %d rounds, fastest boot / "
              "sum of fastest steps: %s; ratio %.2f" % (rounds, ", ".join(
                  "%s %.0f / %.0f" % (m, b[0], b[1]) for m, b in best.items()), ratio),
              flush=True)
        if ratio > limit:
            return ["-m %s boots in %.2fx the time of -m %s, more than %.2fx"
                    % (sizes[-1], ratio, sizes[0], limit)]
        return []
    return check


BOOT_TIME_SIZES, BOOT_TIME_ROUNDS = ["512M", "6G"], 5

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
        # Boot time must not grow with RAM (the first touch of guest memory
        # is slow on hosts that populate it on demand): 6 GiB within 1.3x
        # of 512 MiB, entering C to the end of boot, with the IOMMU up.
        "name": "mem_boot_time_flat",
        "boots": [["--timeout", "120", "--", "-m", m, "-device", "intel-iommu"]
                  for _ in range(BOOT_TIME_ROUNDS) for m in BOOT_TIME_SIZES],
        "must": [READY, r"^ready: .* iommu_units=1\b"],
        "check": boot_time_ratio(BOOT_TIME_SIZES, BOOT_TIME_ROUNDS, 1.3),
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
