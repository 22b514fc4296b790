# self-contained.sh - the tests read nothing outside the checkout: no script,
# Makefile or test names a path beside the tree, the DMAR corpus the tests
# use resolves inside it, and every table the corpus MANIFEST lists is there.
# (.ci/run proves the same end to end by testing a copy with nothing beside it.)
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd -P)

N=4 n=0 passed=0 failed=0
echo "KTAP version 1"
echo "1..$N"
ok()  { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; shift; for m in "$@"; do echo "    # $m"; done; }

# What the build and the tests run: the Makefile, tools/, tests/ (but the
# data they read) and .ci/.  Documentation may mention other places.
CODE=$(git ls-files -- Makefile tools tests .ci | grep -v '^tests/data/' |
       while IFS= read -r f; do [ -f "$f" ] && echo "$f"; done)
hits=$(grep -nE '\.\./shared|\$\(CURDIR\)/\.\.|/work/' $CODE 2>/dev/null |
       grep -v '^tests/suites/self-contained.sh:')
if [ -z "$hits" ]; then ok code_names_no_path_outside_tree
else nok code_names_no_path_outside_tree "paths outside the tree:" "$hits"; fi

corpus=$(make --no-print-directory -s --eval 'print-corpus: ; @echo $(DMAR_CORPUS)' \
         print-corpus 2>/dev/null)
real=$(cd "$corpus" 2>/dev/null && pwd -P)
case "$real" in
  "$ROOT"/*) ok dmar_corpus_inside_tree ;;
  *) nok dmar_corpus_inside_tree "DMAR_CORPUS is '$corpus' (resolves to '${real:-nothing}'), not inside $ROOT" ;;
esac

missing=""
rows=0
while IFS=$'\t' read -r id src path _; do
  [ "$id" = id ] && continue
  rows=$((rows + 1))
  [ -n "$src" ] && [ -n "$path" ] || missing="$missing $id(no source)"
  [ -f "tests/data/dmar-corpus/tables/$id.bin" ] || missing="$missing $id.bin"
  [ -f "tests/data/dmar-corpus/reference/$id.dsl" ] || missing="$missing $id.dsl"
done < tests/data/dmar-corpus/MANIFEST.tsv
if [ "$rows" -gt 0 ] && [ -z "$missing" ]; then echo "# $rows tables, each with its source"; ok dmar_corpus_complete
else nok dmar_corpus_complete "$rows rows; missing:$missing"; fi

# Every table in the folder is one the MANIFEST accounts for.
extra=$(for f in tests/data/dmar-corpus/tables/*.bin; do
          id=$(basename "$f" .bin)
          grep -q "^$id"$'\t' tests/data/dmar-corpus/MANIFEST.tsv || echo "$id"
        done)
if [ -z "$extra" ]; then ok dmar_corpus_tables_all_in_manifest
else nok dmar_corpus_tables_all_in_manifest "not in MANIFEST.tsv: $extra"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
