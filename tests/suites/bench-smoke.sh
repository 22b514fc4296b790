# bench-smoke.sh - a short run of `make bench` (bench quick, -smp 2): it boots,
# ends with "bench: done", and a figure for every pattern, scope, impl and
# invalidation mode (strict, deferred) reaches the JSON list, with strict
# domains at 1000 invalidations per 1000 unmaps and deferred ones below; and one run of `make bench-trace` (-smp 2): the
# trace ends, is plotted, and has its twelve gaps; and `make bench-pool`'s
# program, --quick, twice: built with every peer this machine has (each
# peer has figures or says why it was skipped), and built with none (every
# peer skipped with the package to install, the pool and the baselines
# still measured).  Not timed tests: the figures, and whether a gap
# restored the watermarks, are not judged.
cd "$(dirname "$0")/../.."
OUT=build/bench/kernel-smoke.json
echo "KTAP version 1"
echo "1..5"
passed=0 failed=0
if tools/kernel-bench --quick --smp 2 --timeout 180 --out "$OUT"; then
  echo "ok 1 bench_quick_smp2_runs"; passed=$((passed + 1))
else
  echo "not ok 1 bench_quick_smp2_runs"; failed=$((failed + 1))
fi
if python3 - "$OUT" <<'PY'
import json, sys
figs = json.load(open(sys.argv[1]))
have = {(f["pattern"], f["cpus"], f["scope"], f["impl"], f.get("invalidation")) for f in figs
        if isinstance(f.get("cycles_per_pair"), int)
        and isinstance(f.get("invalidations_per_1000_unmaps"), int)}
missing = [(p, s, i, m) for p in ["single", "sparse", "burst", "cross_cpu"]
           for s in ["alloc", "map_unmap"] for i in ["pool", "mempool_policy", "direct"]
           for m in ["strict", "deferred"] if (p, 2, s, i, m) not in have]
for m in missing:
    print("    # no figure for pattern %s scope %s impl %s invalidation %s" % m)
# Strict domains wait for one invalidation per unmap; deferred ones batch them.
per = {(f["pattern"], f["invalidation"]): f["invalidations_per_1000_unmaps"] for f in figs
       if f.get("impl") == "pool" and f.get("scope") == "map_unmap"}
bad = [p for p in ["single", "burst"] if per.get((p, "strict")) != 1000 or
       per.get((p, "deferred"), 1000) >= 1000]
for p in bad:
    print("    # %s: invalidations per 1000 unmaps strict %s, deferred %s" % (
        p, per.get((p, "strict")), per.get((p, "deferred"))))
sys.exit(1 if missing or bad or len(figs) != 48 else 0)
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
# pool-bench: every row of the pool and the baselines in the JSON; each
# peer either measured on every row it has or skipped with a reason that
# (for the build without peers) says it was not built.
POOL_PEERS="dpdk_ring dpdk_stack mimalloc jemalloc ck_stack"
pool_bench_ok() { # binary json log expect(any|skipped)
  "$1" --quick "$2" >"$3" 2>&1 && python3 - "$2" "$3" "$4" $POOL_PEERS <<'PY'
import json, sys
figs, log, expect, peers = json.load(open(sys.argv[1])), open(sys.argv[2]).read(), sys.argv[3], sys.argv[4:]
rows = {(f["case"], f["threads"]) for f in figs if "ns_per_pair" in f}
want = {("lifo", 1), ("lifo", 2), ("batch64", 1), ("batch64", 2), ("bulk64", 1), ("bulk64", 2), ("prodcons", 2)}
bad = []
for impl in ["pool", "malloc", "mempool_policy", "locked_list"]:
    have = {(f["case"], f["threads"]) for f in figs if f.get("impl") == impl and "ns_per_pair" in f}
    need = want if impl == "pool" else want - {("bulk64", 1), ("bulk64", 2)}
    bad += ["%s has no figure for %s/%d" % ((impl,) + r) for r in sorted(need - have)]
for p in peers:
    skipped = [f["skipped"] for f in figs if f.get("impl") == p and "skipped" in f]
    measured = [f for f in figs if f.get("impl") == p and "ns_per_pair" in f]
    if skipped:
        if "skipped %s: %s" % (p, skipped[0]) not in log:
            bad.append("%s skipped without saying so" % p)
        if expect == "skipped" and not skipped[0].startswith("not built"):
            bad.append("%s: %s" % (p, skipped[0]))
    elif expect == "skipped" or len(measured) < 5:
        bad.append("%s neither skipped nor measured on every row" % p)
# Each figure says how many of its rounds no thread was switched out in,
# and has the median of those exactly when there were any.
for f in figs:
    if "ns_per_pair" not in f:
        continue
    n, r = f.get("undisturbed_rounds"), f.get("rounds")
    if not isinstance(n, int) or not isinstance(r, int) or not 0 <= n <= r or r < 1:
        bad.append("%s %s/%d: undisturbed_rounds %r of rounds %r" % (f["impl"], f["case"], f["threads"], n, r))
    elif (n > 0) != ("ns_per_pair_undisturbed" in f):
        bad.append("%s %s/%d: undisturbed median present iff undisturbed rounds" % (f["impl"], f["case"], f["threads"]))
for b in bad:
    print("    # " + b)
sys.exit(1 if bad or rows != want else 0)
PY
}
if make --no-print-directory -s build/bench/pool-bench >build/bench/pool-smoke-build.txt 2>&1 &&
   pool_bench_ok build/bench/pool-bench build/bench/pool-smoke.json build/bench/pool-smoke.txt any; then
  echo "ok 4 pool_bench_quick_every_peer_measured_or_skipped"; passed=$((passed + 1))
else
  sed 's/^/    # /' build/bench/pool-smoke-build.txt build/bench/pool-smoke.txt 2>/dev/null | tail -20
  echo "not ok 4 pool_bench_quick_every_peer_measured_or_skipped"; failed=$((failed + 1))
fi
if make --no-print-directory -s build/bench/pool-bench-nopeers >build/bench/pool-smoke-build.txt 2>&1 &&
   pool_bench_ok build/bench/pool-bench-nopeers build/bench/pool-smoke-nopeers.json \
     build/bench/pool-smoke-nopeers.txt skipped; then
  echo "ok 5 pool_bench_without_peers_skips_each"; passed=$((passed + 1))
else
  sed 's/^/    # /' build/bench/pool-smoke-build.txt build/bench/pool-smoke-nopeers.txt 2>/dev/null | tail -20
  echo "not ok 5 pool_bench_without_peers_skips_each"; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
