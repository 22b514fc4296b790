# report-decode.sh - tools/report-decode reads what the kernel's encoder
# writes (build/host/report-sample), bare and in the efivarfs form, and
# rejects a changed byte, another version, a cut record and a bad magic the
# way the kernel does; its DMAR bug names are dmar_warn_name's, in order.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
make --no-print-directory -s "$BUILD/host/report-sample" >/dev/null || exit 1
exec python3 - "$BUILD/host/report-sample" <<'PY'
import os, re, shutil, struct, subprocess, sys, tempfile, zlib

sample = subprocess.run([sys.argv[1]], capture_output=True, check=True).stdout
tmp = tempfile.mkdtemp(prefix="report-decode-")
results = []


def decode(data, *flags):
    path = os.path.join(tmp, "rec")
    with open(path, "wb") as f:
        f.write(data)
    p = subprocess.run(["tools/report-decode", *flags, path], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def check(name, ok, detail=""):
    results.append((name, ok, detail))


def recrc(b):
    b = bytearray(b)
    b[12:16] = b"\0\0\0\0"
    b[12:16] = struct.pack("<I", zlib.crc32(bytes(b)))
    return bytes(b)


rc, out = decode(sample)
check("decodes_kernel_encoder", rc == 0 and out.startswith(
    "boot 3 by uefi-grub, verdict fail, 2 units (1 of 2 tested), "
    "table bugs drhd_base_duplicate,scope_empty_path") and
    "master 00:03.0, reason no-fault" in out and "(not brought up) include-all" in out, out)
rc, out = decode(b"\x07\0\0\0" + sample, "--json")
check("efivarfs_form_as_json", rc == 0 and '"verdict": "fail"' in out and
      '"boot_path": "uefi-grub"' in out, out)
bad = bytearray(sample); bad[50] ^= 1
rc, out = decode(bytes(bad))
check("changed_byte_is_crc_mismatch", rc == 2 and "CRC mismatch" in out, out)
bad = bytearray(sample); bad[4] = 2
rc, out = decode(recrc(bad))
check("other_version_rejected", rc == 2 and "unsupported report version 2" in out, out)
rc, out = decode(sample[:-1])
check("cut_record_rejected", rc == 2 and "disagrees with the %d bytes" % (len(sample) - 1) in out,
      out)
rc, out = decode(b"IKRX" + sample[4:])
check("no_magic_is_no_report", rc == 1 and "no report" in out, out)
src = open("iommu/dmar_check.c").read()
enum = re.findall(r"^\s*(DMAR_W_\w+)", open("iommu/dmar.h").read(), re.M)
names = dict(re.findall(r"\[(DMAR_W_\w+)\] = \"(\w+)\"", src))
tool = re.search(r"DMAR_BUGS = \[(.*?)\]", open("tools/report-decode").read(), re.S).group(1)
want = [names[k] for k in enum if k != "DMAR_W_COUNT"]
check("dmar_bug_names_match_kernel", re.findall(r'"(\w+)"', tool) == want, str(want))

print("KTAP version 1\n1..%d" % len(results))
for i, (name, ok, detail) in enumerate(results, 1):
    if not ok:
        print("    # " + detail.strip().replace("\n", "\n    # "))
    print("%s %d %s" % ("ok" if ok else "not ok", i, name))
shutil.rmtree(tmp, ignore_errors=True)
failed = sum(1 for r in results if not r[1])
print("%d passed, %d failed" % (len(results) - failed, failed))
sys.exit(1 if failed else 0)
PY
