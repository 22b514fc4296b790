# examples.sh - examples/embed, a hypervisor's use of libiommu against the
# strict VT-d model, built from the archive and its installed headers and
# run plain and under ASan+UBSan: each run must pass every check it makes
# and leak nothing.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 pass=0 out=""
case_result() { # name rc log
  n=$((n + 1))
  if [ "$2" -eq 0 ]; then
    pass=$((pass + 1)); out+="ok $n $1"$'\n'
  else
    out+=$(sed 's/^/    # /' "$3" | tail -40)$'\n'"not ok $n $1"$'\n'
  fi
}

make --no-print-directory -s examples >"$tmp/build" 2>&1
rc=$?
case_result examples_build $rc "$tmp/build"
for prog in embed embed-asan; do
  if [ "$rc" -ne 0 ]; then
    echo "not built" >"$tmp/$prog"; case_result "$prog" 1 "$tmp/$prog"; continue
  fi
  start=$(date +%s%N)
  "$BUILD/examples/$prog" >"$tmp/$prog" 2>&1
  prc=$?
  echo "# $prog: exit $prc in $(( ($(date +%s%N) - start) / 1000000 )) ms;" \
       "$(grep -E '^embed: [0-9]+ checks' "$tmp/$prog" || echo 'no summary line')"
  cat "$tmp/$prog"
  case_result "$prog" $prc "$tmp/$prog"
done

echo "KTAP version 1"
echo "1..$n"
printf '%s' "$out"
echo "$pass passed, $((n - pass)) failed"
[ "$pass" -eq "$n" ]
