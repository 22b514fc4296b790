# host-timeout.sh - the host runner's per-case timeout: a case that hangs is
# reported "not ok" by name with a closing line that counts it, and the run
# exits 1, under both sanitizer builds.  A case marked manual stays out of
# ordinary runs.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}

N=3 n=0 passed=0 failed=0
echo "KTAP version 1"
echo "1..$N"
ok()  { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; shift; for m in "$@"; do echo "    # $m"; done; }

for bin in unit-tests unit-tests-tsan; do
  start=$(date +%s)
  out=$(timeout 60 "$BUILD/host/$bin" --timeout 1 harness_hang_for_timeout_check 2>&1)
  rc=$?
  took=$(( $(date +%s) - start ))
  if [ "$rc" -eq 1 ] &&
     grep -qx 'not ok 1 harness_hang_for_timeout_check' <<<"$out" &&
     grep -q '# timed out after 1 s' <<<"$out" &&
     grep -qx '0 passed, 1 failed, 0 skipped' <<<"$out" && [ "$took" -lt 30 ]; then
    ok "${bin//-/_}_hung_case_fails_by_name"
  else
    nok "${bin//-/_}_hung_case_fails_by_name" "exit $rc after ${took}s" "$out"
  fi
done

# The whole-name rule: a prefix does not select a manual case.
out=$("$BUILD/host/unit-tests" --timeout 5 harness_hang 2>&1)
if grep -qx '1\.\.0' <<<"$out" && ! grep -q harness_hang_for <<<"$out"; then
  ok manual_case_needs_its_whole_name
else
  nok manual_case_needs_its_whole_name "$out"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
