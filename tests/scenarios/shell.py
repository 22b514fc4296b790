# shell.py - the serial shell ("shell" on the command line): commands typed
# over the serial port (piped into qemu-run), and the decoded output checked
# against what the commands set up: a page mapped shows in walk with the
# physical page map reported, a DMA made to fault shows in faults with the
# edu device's source id and the reason; line editing; bad input answered
# with errors while the shell runs on; a unit with register-based
# invalidation; a machine without an IOMMU.
import re

EDU = "00:03.0"  # the first device after q35's own with these arguments

TOUR = "\n".join([
    "domain new",
    "attach 1 " + EDU,
    "map 1 0x100000",
    "map 1 0x200000",
    "map 1 0x201000 r",
    "walk %s 0x100040" % EDU,
    "dma read 0x100000 16",
    "dma write 0x200000 16",
    "unmap 1 0x200000",
    "walk %s 0x200000" % EDU,
    "dma write 0x200000 16",
    "dma read 0x201000 8",
    "faults",
    "maps 1",
    "ctx " + EDU,
    "devices",
    "qi",
    "lat",
    "pool",
    "iova 1",
    "regs",
    "units",
    "ir",
    "help",
    # bad input: each answered with an error, and the shell goes on
    "walk zz 0x1000", "walk %s" % EDU, "map 9 0x1000", "map 1 0x1001", "map 1 0x3000 0x5000",
    "dma write 0x100000 99999", "dma sideways 0", "maps 0", "iova banana", "frobnicate",
    "unmap 1 0x900000", "domain del 1", "regs 7", "ctx 00:20.0",
    # editing: a backspace, Ctrl-U, a CR LF line end
    "unitz\x7fs", "garbage\x15units\r",
    "exit",
]) + "\n"


def page_of(log, iova):
    m = re.search(r"^domain 1: iova %s -> physical (0x[0-9a-f]+) \(page of '(.)'\), (.*)$"
                  % iova, log, re.M)
    return (int(m.group(1), 16), m.group(2), m.group(3)) if m else None


def tour_check(log):
    problems = []
    a, b, c = page_of(log, "0x100000"), page_of(log, "0x200000"), page_of(log, "0x201000")
    if not (a and b and c):
        return ["map did not report the three pages"]
    # walk: every level decoded down to the page map reported
    walk = re.search(r"^walk of iova 0x100040 for 0000:%s on unit 0:\n((?:  .*\n)+)" % EDU,
                     log, re.M)
    if not walk:
        return ["no walk of 0x100040"]
    w = walk.group(1)
    want = "result: iova 0x100040 -> physical %#x (4K page %#x, read write)" % (a[0] + 0x40, a[0])
    if want not in w:
        problems.append("walk lacks %r" % want)
    if len(re.findall(r"^  L[321]\[", w, re.M)) != 3:
        problems.append("walk did not decode three levels")
    if not re.search(r"^  L1\[256\] at 0x[0-9a-f]+: 0x0*%x003: page %#x, read write$" % (a[0] >> 12, a[0]),
                     w, re.M):
        problems.append("walk's level-1 entry is not the mapped page, read write")
    # the DMA landed: page B holds page A's bytes
    if not re.search(r"physical %#x now holds: (41 ){15}41$" % b[0], log, re.M):
        problems.append("the DMA write did not show page A's bytes in page B")
    # after unmap: the walk stops, and the DMA faults with edu's source and reason 5
    if not re.search(r"walk of iova 0x200000 .*\n(?:  .*\n)*?  stops: level 1 entry not present",
                     log):
        problems.append("the walk after unmap did not stop at the missing entry")
    if not re.search(r"^dma write of 16 bytes at iova 0x200000 by %s: faulted: write of 0x200000, "
                     r"reason 0x5" % EDU, log, re.M):
        problems.append("the DMA after unmap did not fault")
    faults = re.search(r"^faults: (\d+) since iommu_init; the last \d+:\n((?:  .*\n)+)"
                       r"faults per function:\n((?:  .*\n)+)", log, re.M)
    if not faults:
        return problems + ["no faults dump"]
    if faults.group(1) != "1":
        problems.append("faults counted %s, expected 1 (a read of a read-only page is no fault)"
                        % faults.group(1))
    if not re.search(r"^  #1 [0-9.]+ s ago: unit 0 %s write of 0x200000: reason 0x5, write to a "
                     r"page without write permission$" % EDU, faults.group(2), re.M):
        problems.append("faults does not show edu's write to 0x200000 with reason 5")
    if "  unit 0 %s: 1\n" % EDU not in faults.group(3):
        problems.append("faults per function lacks %s: 1" % EDU)
    return problems


def errors_check(log):
    """Each bad line got its own error line, and the shell ran on to exit."""
    wants = [r"error: 'zz' is not a PCI function", r"error: usage: walk B:D.F IOVA",
             r"error: domain 9 is not one the shell made", r"error: IOVA 0x1001 is not 4 KiB aligned",
             r"error: 0x5000 is not a page the shell made", r"error: LEN must be 1 to 4095",
             r"error: usage: dma read\|write IOVA \[LEN\]", r"error: no domain 0",
             r"error: DOMAIN: 'banana' is not a number", r"error: no command 'frobnicate'",
             r"error: unmap: nothing there", r"error: domain del \(detach its functions first\): still in use",
             r"error: no unit 7 \(there is 1\)", r"error: '00:20.0' is not a PCI function"]
    return ["no error line /%s/" % w for w in wants if not re.search(w, log)]


def edit_check(log):
    """unitz<BS>s and garbage<Ctrl-U>units<CR> both ran units."""
    n = len(re.findall(r"^unit 0 at 0xfed90000, segment 0: version 1.0", log, re.M))
    return [] if n == 3 else ["units ran %d times, expected 3 (units, and two edited lines)" % n]


SCENARIOS = [
    {
        "name": "shell_tour",
        "args": ["--timeout", "120", "--cmdline", "shell", "--",
                 "-device", "intel-iommu", "-device", "edu"],
        "input": TOUR,
        "must": [r"^shell: 1 remapping unit; type help for the commands$",
                 r"^shell: leaving QEMU$",
                 r"^interrupt remapping: on, 1 IRTE in use",
                 # COM1's entry, set up at boot, for the I/O APIC's DMAR scope
                 r"^    IRTE   0: vector 0x30 to APIC id 0, fixed, edge, source ff:00\.0$",
                 r"^  GSTS   0xc7000000: TES RTPS QIES IRES IRTPS$",
                 r"^  \[ *\d+\] iotlb +page, domain 1, addr 0x200000, AM 0",
                 r"^  iotlb page +count [1-9]\d* failed 0 min \d+ median \d+ max \d+",
                 r"^  0x000000100000-0x000000100fff -> 0x[0-9a-f]+-0x[0-9a-f]+ RW 4K x1$",
                 r"^  0x000000201000-0x000000201fff -> 0x[0-9a-f]+-0x[0-9a-f]+ R- 4K x1$",
                 r"^0000:%s 1234:11e8 class 00ff00: unit 0, domain 1$" % EDU,
                 r"^dma read of 8 bytes at iova 0x201000 by %s: done, no fault$" % EDU],
        "must_not": [r"panic", r"FATAL", r"^not ok"],
        "check": lambda log: tour_check(log) + errors_check(log) + edit_check(log),
    },
    {
        "name": "shell_register_invalidation",
        "args": ["--timeout", "90", "--cmdline", "shell vtd_noqi", "--",
                 "-device", "intel-iommu", "-device", "edu"],
        "input": "domain new\nattach 1 %s\nmap 1 0x5000\nunmap 1 0x5000\nqi\nlat\nexit\n" % EDU,
        "must": [r"^unit 0: no invalidation queue: register-based invalidation",
                 r"^  iotlb page +count 1 failed 0", r"^shell: leaving QEMU$"],
        "must_not": [r"panic", r"^error:"],
    },
    {
        "name": "shell_without_iommu",
        "args": ["--timeout", "90", "--cmdline", "shell", "--", "-device", "edu"],
        "input": "units\nregs\nwalk %s 0x1000\ndomain new\ndma write 0x1000 4\nexit\n" % EDU,
        "must": [r"^no remapping unit is up: DMA is not translated$",
                 r"^error: walk: no unit translates it", r"^error: domain new: no unit translates it",
                 r"^dma write of 4 bytes at iova 0x1000 by %s: done, no fault$" % EDU,
                 r"^shell: leaving QEMU$"],
        "must_not": [r"panic"],
    },
]
