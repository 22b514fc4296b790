# smp.py - every CPU QEMU was given comes up, runs cross-CPU calls, counts
# under a spinlock, runs background work in its idle loop and ticks; and a
# panic on one CPU stops the others and names the CPU.

def smp(n):
    return {
        "name": "smp_%d_cpus" % n,
        "args": ["--timeout", "120", "--cmdline", "test=smp_", "--", "-smp", str(n)],
        "must": [r"^ready: boot=bios cpus=%d " % n, r"smp: %d of %d CPUs online" % (n, n),
                 r"^ok \d+ smp_call_reaches_each_cpu_once",
                 r"^ok \d+ smp_spinlock_counter_loses_nothing",
                 r"^ok \d+ smp_idle_loops_run_background_work",
                 r"^ok \d+ smp_timer_ticks_on_every_cpu", r"^ok \d+ smp_timer_oneshot_fires_once",
                 r"^ok \d+ smp_clock_is_monotonic_across_cpus",
                 r"smp: CPU with APIC id 126 did not answer within 50 ms; left out",
                 r"^ok \d+ smp_absent_cpu_left_out", r"^verdict: pass"],
        "must_not": [r"APIC id [0-9] did not answer", r"^not ok"],
    }


SCENARIOS = [smp(1), smp(2), smp(4), smp(8), {
    "name": "smp_panic_on_one_cpu_stops_all",
    "args": ["--timeout", "60", "--cmdline", "test fault=panic-ap", "--", "-smp", "4"],
    "expect": "panic",
    "must": [r"KERNEL PANIC: panic requested on CPU 3",
             r"panic: stopped 3 of the 3 other CPUs", r"panic: see above \(on CPU 3\)",
             r"panic_here\+0x"],
}]
