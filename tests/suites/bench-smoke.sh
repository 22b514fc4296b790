# bench-smoke.sh - a short run of `make bench` (bench quick, -smp 2): it boots,
# ends with "bench: done", and a figure for every pattern, scope and impl
# reaches the JSON list; and one run of `make bench-trace` (-smp 2): the
# trace ends, is plotted, and has its twelve gaps.  Not timed tests: the
# figures, and whether a gap restored the watermarks, are not judged.
cd "$(dirname "$0")/../.."
OUT=build/bench/kernel-smoke.json
echo "KTAP version 1"
echo "1..3"
passed=0 failed=0
if tools/kernel-bench --quick --smp 2 --timeout 180 --out "$OUT"; then
  echo "ok 1 bench_quick_smp2_runs"; passed=$((passed + 1))
else
  echo "not ok 1 bench_quick_smp2_runs"; failed=$((failed + 1))
fi
if python3 - "$OUT" <<'PY'
import json, sys
figs = json.load(open(sys.argv[1]))
have = {(f["pattern"], f["cpus"], f["scope"], f["impl"]) for f in figs
        if isinstance(f.get("cycles_per_pair"), int)}
missing = [(p, s, i) for p in ["single", "sparse", "burst", "cross_cpu"]
           for s in ["alloc", "map_unmap"] for i in ["pool", "mempool_policy", "direct"]
           if (p, 2, s, i) not in have]
for m in missing:
    print("    # no figure for pattern %s scope %s impl %s" % m)
sys.exit(1 if missing or len(figs) != 24 else 0)
PY
then
  echo "ok 2 bench_json_has_every_pattern_scope_impl"; passed=$((passed + 1))
else
  echo "not ok 2 bench_json_has_every_pattern_scope_impl"; failed=$((failed + 1))
fi
TRACE_OUT=build/bench/trace-smoke
if tools/plot-trace --smp 2 --dat "$TRACE_OUT.dat" --png "$TRACE_OUT.png" >"$TRACE_OUT.txt" &&
   [ -s "$TRACE_OUT.png" ] && [ "$(grep -c '^gap after' "$TRACE_OUT.txt")" -eq 12 ]; then
  echo "ok 3 bench_trace_smp2_plotted"; passed=$((passed + 1))
else
  sed 's/^/    # /' "$TRACE_OUT.txt" 2>/dev/null
  echo "not ok 3 bench_trace_smp2_plotted"; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
