# debug.sh - `make debug`'s machinery: QEMU halted with a gdb stub, gdb with
# the kernel's symbols stops at kernel_entry, and the kernel then boots on.
out=$(timeout 120 tools/debug --batch 2>&1)
rc=$?
echo "$out"
echo "KTAP version 1"
echo "1..1"
if [ $rc -eq 0 ] && echo "$out" | grep -q "Breakpoint 1, kernel_entry" &&
   grep -q "^ready:" build/logs/debug.log; then
  echo "ok 1 debug_gdb_stops_at_kernel_entry"
  echo "1 passed, 0 failed"
else
  echo "not ok 1 debug_gdb_stops_at_kernel_entry (exit $rc)"
  echo "0 passed, 1 failed"
fi
