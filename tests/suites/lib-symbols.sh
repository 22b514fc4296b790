# lib-symbols.sh - libiommu.a needs nothing from its host but the environment
# interface: every symbol the archive leaves undefined is a plat_* function
# of plat/plat.h or plat/extern/plat_impl.h, or one of the four functions GCC
# requires of every freestanding environment.  Also: the names it defines
# carry a module prefix, it has no constructors or thread-local data, its
# public headers compile alone, and it builds for the kernel code model.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
exec python3 - "$BUILD" <<'PY'
import os, re, subprocess, sys

build = sys.argv[1]
results = []


def check(name, ok, detail=""):
    results.append((name, ok, detail))


def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def declared_functions(path):
    """Names of the plat_* functions a header declares (not defines inline,
    not macros): the first plat_name( of each top-level declaration."""
    text = strip_comments(open(path).read())
    macros = set(re.findall(r"^\s*#\s*define\s+(\w+)", text, re.M))
    text = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.M)
    top, depth = [], 0
    for ch in text:  # keep what is outside braces; a body ends a statement
        if ch == "{":
            if depth == 0:
                top.append(";")
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            top.append(ch)
    names = set()
    for stmt in "".join(top).split(";"):
        if re.match(r"\s*static\b", stmt):
            continue
        m = re.search(r"\b(plat_\w+)\s*\(", stmt)
        if m and m.group(1) not in macros:
            names.add(m.group(1))
    return names


# GCC requires these of any freestanding environment and emits calls to
# them itself (structure copies and clears, -ffreestanding or not); the
# layer's <string.h> (plat/extern/libc/string.h) declares exactly these.
BUILTINS = {
    "memcpy": "structure copies, and the layer's copies of firmware records",
    "memset": "structure clears, and zeroing table pages and state",
    "memmove": "overlapping copies; GCC may emit it for assignments",
    "memcmp": "GCC may emit it for comparisons; the DMAR signature check",
}

# 1. the archive builds, with its headers.
rc, out = run("make", "--no-print-directory", "-s", "lib")
check("lib_builds", rc == 0, out)
archive = os.path.join(build, "libiommu.a")
if rc != 0 or not os.path.exists(archive):
    archive = None
NONE = "no archive to check: make lib failed"

# 2. the allowlist: the environment interface as the headers declare it.
plat = declared_functions("plat/plat.h")
hot = declared_functions("plat/extern/plat_impl.h")
env = plat | hot
# plat.h lists the hot calls in the comment above #include "plat_impl.h";
# the library's plat_impl.h must declare exactly those.
src = open("plat/plat.h").read()
head = src[:src.index('#include "plat_impl.h"')]
listed = set(re.findall(r"\b(plat_\w+)\(", re.findall(r"/\*.*?\*/", head, re.S)[-1]))
check("extern_impl_declares_the_hot_calls", listed == hot and len(hot) >= 10,
      "plat.h lists %s; plat/extern/plat_impl.h declares %s"
      % (sorted(listed), sorted(hot)))
print("# allowlist: %d environment functions: %s" % (len(env), " ".join(sorted(env))))
print("# allowlist: builtins: %s" % " ".join(sorted(BUILTINS)))

# 3. what the archive needs from outside, and 4. what it defines.
undef, defined, sections = {}, {}, []
if archive:
    rc, out = run("nm", "-P", "-A", archive)
    for line in out.splitlines():
        m = re.match(r"\S+\[(\S+)\]: (\S+) (\S)", line)
        if not m:
            continue
        member, sym, kind = m.groups()
        if kind in "Uwv":
            undef.setdefault(sym, set()).add(member)
        elif kind.isupper():
            defined[sym] = member
    sz = os.path.getsize(archive)
    rc, text = run("size", "-t", archive)
    total = text.strip().splitlines()[-1].split()[:3] if rc == 0 else ["?"] * 3
    print("# archive %s: %d bytes, %d members; text %s data %s bss %s"
          % (archive, sz, len(set(defined.values()) | {m for s in undef.values() for m in s}),
             *total))
needed = {s: m for s, m in undef.items() if s not in defined}
bad = {s: m for s, m in needed.items() if s not in env and s not in BUILTINS}
print("# undefined: %s" % " ".join(sorted(needed)))
check("undefined_symbols_are_environment_or_builtins", archive is not None and not bad,
      NONE if archive is None else "\n".join("%s (used by %s) is neither a plat_* function of the environment "
                "interface nor a freestanding builtin" % (s, ", ".join(sorted(m)))
                for s, m in sorted(bad.items())))

# 4. an embedder links the archive into its own program: the layer's names
# must not take generic ones (STYLE: external names carry their module's prefix).
PREFIXES = ("iommu_", "pool_", "iova_", "pgt_", "dmar_", "vtd_", "policy_", "scan_")
unprefixed = sorted(s for s in defined if not s.startswith(PREFIXES))
check("defined_symbols_carry_a_module_prefix", archive is not None and not unprefixed,
      NONE if archive is None else
      "defined without a module prefix (%s): %s" % (" ".join(PREFIXES), " ".join(unprefixed)))

# 5. a bare-metal host has no C runtime to run constructors or set up TLS.
if archive:
    rc, out = run("readelf", "-S", "-W", archive)
    sections = sorted(set(re.findall(
        r"\] (\.(?:init_array|fini_array|ctors|dtors|tdata|tbss)\S*)", out)))
check("no_constructors_or_thread_local_data", archive is not None and not sections,
      NONE if archive is None else
      "sections an embedder's runtime would have to handle: %s" % " ".join(sections))

# 6. each installed public header compiles on its own, freestanding and hosted.
inc = os.path.join(build, "lib", "include")
gccinc = subprocess.run(["gcc", "-print-file-name=include"], capture_output=True,
                        text=True).stdout.strip()
fails = []
for h in ("iommu.h", "iommu_dump.h", "pool.h", "plat.h", "plat_impl.h"):
    for mode in (["-ffreestanding", "-nostdinc", "-isystem", gccinc], []):
        rc, out = run("gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                      *mode, "-I", inc, "-x", "c", "-include", h, "/dev/null")
        if rc != 0:
            fails.append("%s (%s): %s" % (h, "freestanding" if mode else "hosted", out))
check("public_headers_compile_alone", archive is not None and not fails,
      NONE if archive is None else "\n".join(fails))

# 7. the kernel code model, for a higher-half hypervisor: it builds, and it
# needs no more than the default archive.
kdir = os.path.join(build, "lib-kernel")
rc, out = run("make", "--no-print-directory", "-s", "lib", "LIB_MCMODEL=kernel",
              "LIB_DIR=" + kdir, "LIB_A=" + os.path.join(kdir, "libiommu.a"))
if rc == 0:
    rc2, nmout = run("nm", "-u", os.path.join(kdir, "libiommu.a"))
    kund = set(l.split()[-1] for l in nmout.splitlines() if l.strip().startswith(("U", "w")))
    extra = sorted(kund - set(undef))
    ok = not extra
    out = "needs what the small model does not: %s" % " ".join(extra)
else:
    ok = False
check("builds_for_the_kernel_code_model", ok, out)

print("KTAP version 1\n1..%d" % len(results))
for i, (name, ok, detail) in enumerate(results, 1):
    if not ok:
        print("    # " + detail.strip().replace("\n", "\n    # "))
    print("%s %d %s" % ("ok" if ok else "not ok", i, name))
failed = sum(1 for r in results if not r[1])
print("%d passed, %d failed" % (len(results) - failed, failed))
sys.exit(1 if failed else 0)
PY
