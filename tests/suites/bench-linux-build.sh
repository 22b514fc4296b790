# bench-linux-build.sh - the cheap half of `make bench-linux`, no Linux boot:
# the module builds against linux-headers-amd64 with warnings as errors
# (out of the tree, into build/bench-linux-check/), the static /init builds,
# the initramfs writer's archive reads back with cpio(1) (an independent
# reader) as /dev/console, /init and the module, the run tool skips with a
# message when the packages are missing, and it refuses the figures of a
# boot whose log contradicts its mode (a strict row whose log says lazy, a
# lazy row whose module found a strict domain, caching mode not seen).
# Cases whose package is missing are skipped, not failed.
cd "$(dirname "$0")/../.."
OUT=build/bench-linux-check
rm -rf "$OUT"; mkdir -p "$OUT"
echo "KTAP version 1"
echo "1..5"
n=0 passed=0 failed=0
ok()   { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n $1"; }
nok()  { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; shift; for m in "$@"; do printf '%s\n' "$m" | sed 's/^/    # /'; done; }
skip() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n $1 # SKIP $2"; }

hdr=""
for d in /usr/src/linux-headers-*-amd64; do [ -f "$d/Makefile" ] && hdr=$d; done
if [ -z "$hdr" ]; then
  skip module_builds_werror "no linux-headers-amd64 (tools/install-deps installs it)"
else
  cp tools/bench-linux/edu_dma_bench.c tools/bench-linux/Kbuild "$OUT/"
  if make -s -C "$hdr" M="$(pwd)/$OUT" modules >"$OUT/build.log" 2>&1 &&
     [ -s "$OUT/edu_dma_bench.ko" ]; then ok module_builds_werror
  else nok module_builds_werror "see $OUT/build.log:" "$(tail -5 "$OUT/build.log")"; fi
fi

if gcc -static -Os -Wall -Wextra -Werror -o "$OUT/init" tools/bench-linux/init.c 2>"$OUT/init.log" &&
   ! readelf -l "$OUT/init" 2>/dev/null | grep -q 'program interpreter'; then ok init_builds_static
elif [ ! -e /usr/lib/x86_64-linux-gnu/libc.a ]; then
  skip init_builds_static "no libc.a (libc6-dev)"
else nok init_builds_static "$(cat "$OUT/init.log")"; fi

if ! command -v cpio >/dev/null; then
  skip initramfs_reads_back "no cpio(1) to read the archive with"
else
  [ -s "$OUT/edu_dma_bench.ko" ] || head -c 1000 /dev/urandom >"$OUT/edu_dma_bench.ko"
  [ -s "$OUT/init" ] || head -c 999 /dev/urandom >"$OUT/init"
  tools/bench-linux/mkinitramfs "$OUT/initramfs.cpio" "$OUT/init" "$OUT/edu_dma_bench.ko"
  list=$(cpio -itv <"$OUT/initramfs.cpio" 2>/dev/null)
  mkdir -p "$OUT/x" && (cd "$OUT/x" && cpio -id --no-absolute-filenames init edu_dma_bench.ko \
                        <../initramfs.cpio 2>/dev/null)
  if echo "$list" | grep -qE '^crw------- .* 5, +1 .* dev/console$' &&
     echo "$list" | grep -qE '^-rwxr-xr-x .* init$' &&
     cmp -s "$OUT/x/init" "$OUT/init" && cmp -s "$OUT/x/edu_dma_bench.ko" "$OUT/edu_dma_bench.ko"
  then ok initramfs_reads_back
  else nok initramfs_reads_back "cpio -itv says:" "$list"; fi
fi

msg=$(BENCH_LINUX_SYSROOT=/nonexistent tools/bench-linux/run 2>&1); rc=$?
if [ $rc -eq 0 ] && echo "$msg" | grep -q 'skipped: no /boot/vmlinuz-\*-amd64 (Debian package linux-image-amd64)'
then ok run_skips_without_packages
else nok run_skips_without_packages "exit $rc: $msg"; fi

# A console log as a good strict boot prints it; then the same log made to
# contradict each row in turn.
cat >"$OUT/strict.log" <<'LOG'
[    1.5] iommu: DMA domain TLB invalidation policy: strict mode (set via kernel command line)
[    2.0] pci 0000:00:03.0: Adding to iommu group 3
[    4.0] bench-linux: device 0000:00:03.0 domain=DMA mode=strict dma_bits=28 tsc_khz=2445408 tsc_read_pair=49
[    4.1] bench-linux: mode=strict pattern=single cycles=19655 rounds=15 pairs=256 min=18039 max=61454
[    4.2] bench-linux: mode=strict pattern=burst cycles=18525 rounds=15 pairs=256 min=16711 max=60238
[    4.3] bench-linux: done errors=0
LOG
sed 's/strict mode/lazy mode/' "$OUT/strict.log" >"$OUT/says-lazy.log"
sed 's/errors=0/errors=3/' "$OUT/strict.log" >"$OUT/errors.log"
grep -v 'pattern=burst' "$OUT/strict.log" >"$OUT/no-burst.log"
sed 's/strict mode/lazy mode/' "$OUT/strict.log" >"$OUT/lazy-but-dma.log"
judge() { tools/bench-linux/run --parse-log "$OUT/$1" "$2" >/dev/null 2>&1; echo $?; }
got="$(judge strict.log strict) $(judge says-lazy.log strict) $(judge errors.log strict)"
got="$got $(judge no-burst.log strict) $(judge lazy-but-dma.log lazy) $(judge strict.log strict-cm)"
if [ "$got" = "0 1 1 1 1 1" ]; then ok run_refuses_contradicted_figures
else nok run_refuses_contradicted_figures \
  "verdicts (0 kept, 1 refused) good, says-lazy, errors, no-burst, lazy-but-DMA, cm-unseen: $got" \
  "wanted 0 1 1 1 1 1"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
