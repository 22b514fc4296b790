# usb-write.sh - tools/usb-write against a plain file standing in for a disk
# and, as root with losetup, loop devices: what it writes, what it refuses.
set -u
cd "$(dirname "$0")/../.."
UW=tools/usb-write
TMP=$(mktemp -d /tmp/usb-write-test.XXXXXX)
LOOPS=() MNT=""
cleanup() {
  [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
  for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT

N=12 n=0 passed=0 failed=0
echo "KTAP version 1"
echo "1..$N"
ok()   { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n $1"; }
nok()  { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; shift; for m in "$@"; do echo "    # $m"; done; }
skip() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n $1 # SKIP $2"; }
# run NAME: runs usb-write with the remaining arguments; output in $OUT, status in $RC.
run() { OUT=$("$UW" "$@" </dev/null 2>&1); RC=$?; }
# expect NAME STATUS REGEX [EXTRA-CONDITION-COMMAND...]
expect() {
  local name=$1 want=$2 rx=$3
  shift 3
  if [ "$RC" -ne "$want" ]; then nok "$name" "exit $RC, expected $want" "$OUT"; return; fi
  if ! grep -Eq -- "$rx" <<<"$OUT"; then nok "$name" "output lacks /$rx/" "$OUT"; return; fi
  if [ $# -gt 0 ] && ! "$@"; then nok "$name" "check failed: $*" "$OUT"; return; fi
  ok "$name"
}
same_prefix() { cmp -s -n "$(stat -c %s "$1")" "$1" "$2"; }
all_zero() { ! tr -d '\0' <"$1" | head -c 1 | grep -q .; }

head -c $((3 << 20)) /dev/urandom >"$TMP/image"
truncate -s 8M "$TMP/disk"
truncate -s 1M "$TMP/small"

run --yes "$TMP/image" "$TMP/disk"
expect file_written_and_verified 0 "verified: 3145728 bytes read back equal the image" \
  same_prefix "$TMP/image" "$TMP/disk"
run --yes "$TMP/image" "$TMP/small"
expect file_too_small_refused 1 "refused: .* is smaller than the image" all_zero "$TMP/small"
run "$TMP/image" "$TMP/disk"
expect no_terminal_needs_yes 1 "refused: standard input is not a terminal.*--yes"
# The question on a terminal: anything but "yes" writes nothing.
truncate -s 8M "$TMP/disk2"
OUT=$(python3 tests/suites/pty-answer.py no "$UW" "$TMP/image" "$TMP/disk2" 2>&1); RC=$?
expect terminal_prompt_declined 1 "refused: not confirmed" \
  all_zero "$TMP/disk2"
OUT=$(python3 tests/suites/pty-answer.py yes "$UW" "$TMP/image" "$TMP/disk2" 2>&1); RC=$?
expect terminal_prompt_accepted 0 "verified: 3145728 bytes" same_prefix "$TMP/image" "$TMP/disk2"
run --yes "$TMP/image" "$TMP/image"
expect image_itself_refused 1 "refused: .* is the image itself"

# The running system's root disk, checked only (--check-only never opens it
# for writing).
root_src=$(awk '$5 == "/" { split($0, r, " - "); split(r[2], f, " "); print f[2] }' \
  /proc/self/mountinfo | tail -1)
if [ -b "$root_src" ]; then
  root_disk=/dev/$(lsblk -no PKNAME "$root_src" 2>/dev/null | head -1)
  [ "$root_disk" = /dev/ ] && root_disk=$root_src
  run --check-only --force --yes "$TMP/image" "$root_disk"
  expect root_disk_refused 1 "refused: .*(holds the running system's root|is mounted)"
else
  skip root_disk_refused "the root file system is not on a block device ($root_src)"
fi

if [ "$(id -u)" -ne 0 ] || ! command -v losetup >/dev/null || \
   ! L=$(losetup -f --show "$TMP/disk" 2>/dev/null); then
  for t in loop_not_removable_refused loop_forced_written_and_verified \
           loop_too_small_refused loop_mounted_refused efi_image_on_loop; do
    skip $t "needs root and losetup"
  done
else
  LOOPS+=("$L")
  run --yes "$TMP/image" "$L"
  expect loop_not_removable_refused 1 "refused: .* is not a removable disk.*--force"
  truncate -s 0 "$TMP/disk" && truncate -s 32M "$TMP/disk" && losetup -c "$L"
  run --force --yes "$TMP/image" "$L"
  expect loop_forced_written_and_verified 0 "target $L: loop device backed by .*not removable" \
    same_prefix "$TMP/image" "$TMP/disk"
  S=$(losetup -f --show "$TMP/small") && LOOPS+=("$S")
  run --force --yes "$TMP/image" "$S"
  expect loop_too_small_refused 1 "refused: .* is smaller than the image"

  mkdir -p "$TMP/mnt"
  if mkfs.ext2 -q -F "$L" >/dev/null 2>&1 && mount "$L" "$TMP/mnt" 2>/dev/null; then
    MNT=$TMP/mnt
    run --force --yes "$TMP/image" "$L"
    expect loop_mounted_refused 1 "refused: .* is mounted at $TMP/mnt"
    umount "$MNT" && MNT=""
  else
    skip loop_mounted_refused "cannot make and mount an ext2 file system here"
  fi

  EFI=${BUILD:-build}/iommu-kernel-efi.img
  if [ -f "$EFI" ] && command -v sgdisk >/dev/null; then
    run --force --yes "$EFI" "$L"
    expect efi_image_on_loop 0 "verified:" bash -c "sgdisk -p '$L' | grep -q 'EF00'"
  else
    skip efi_image_on_loop "no $EFI (run make) or no sgdisk"
  fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
