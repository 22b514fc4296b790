# step-profile.py - gdb script for `tools/bench-linux/profile`: single-steps
# one whole map+unmap pair of a benchmark in a guest halted under QEMU's gdb
# stub and writes the address of every instruction executed, one a line.
#
# Set before sourcing (gdb -ex 'python ...'):
#   PROFILE = {"port": 1234, "entry": 0xffff..., "skip": 100,
#              "caller_min": 0 or the lowest return address that counts,
#              "out": "path", "max": 200000, "symbols": path or None}
# The pair starts at a hit of `entry` (the map function) whose return
# address is at least caller_min (so that other callers' maps are not
# counted), after `skip` such hits (past set-up and warm-up), and ends at
# the next such hit.  QEMU steps with interrupts and timers masked, so only
# the pair's own instructions are counted.
import gdb

P = PROFILE  # noqa: F821 - set by the caller

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set architecture i386:x86-64")
if P.get("symbols"):
    gdb.execute("symbol-file %s" % P["symbols"])
gdb.execute("target remote 127.0.0.1:%d" % P["port"])
gdb.execute("break *%#x" % P["entry"])


def ret_addr():
    rsp = int(gdb.parse_and_eval("$rsp"))
    raw = bytes(gdb.selected_inferior().read_memory(rsp, 8))
    return int.from_bytes(raw, "little")


hits = 0
while True:
    gdb.execute("continue", to_string=True)
    if int(gdb.parse_and_eval("$pc")) != P["entry"]:
        continue
    if ret_addr() < P["caller_min"]:
        continue
    hits += 1
    if hits > P["skip"]:
        break
gdb.execute("delete")
pcs = [P["entry"]]
while len(pcs) < P["max"]:
    gdb.execute("stepi", to_string=True)
    pc = int(gdb.parse_and_eval("$pc"))
    if pc == P["entry"] and ret_addr() >= P["caller_min"]:
        break
    pcs.append(pc)
with open(P["out"], "w") as fp:
    fp.write("\n".join("%x" % pc for pc in pcs) + "\n")
gdb.execute("kill")
