#!/usr/bin/env python3
"""Disassembles the C2 code of one method from a HotSpot -XX:+PrintAssembly log, without hsdis.

Without the hsdis plugin, HotSpot prints compiled code as hex bytes ("abstract disassembly"). This script
takes the last non-OSR C2 compilation of the method in such a log, rebuilds its code bytes and runs
objdump on them, so the loop of a micro-kernel can be read (register spills, how broadcasts and loads were
folded into addresses) on any machine with binutils.

  java --add-modules jdk.incubator.vector -XX:+UnlockDiagnosticVMOptions \\
       -XX:CompileCommand=print,*MicroKernels.k6x4 -jar cli/target/sparse-mixer.jar \\
       bench --config base --threads 1 --warmup 3 --iterations 3 > /tmp/print.log
  python3 bench/tools/c2-disasm.py /tmp/print.log MicroKernels::k6x4 [--loop]

--loop prints only the hottest-looking part: from 40 instructions before the first vfmadd to 10 after
the last one.
"""
import re
import subprocess
import sys
import tempfile

HEX_LINE = re.compile(r"^\s+0x([0-9a-f]+): ((?:[0-9a-f]{2,8}\s*\|?\s*)+)$")


def last_c2_code(lines, method):
    starts = [i for i, line in enumerate(lines)
              if line.startswith("Compiled method (c2)") and method in line and " % " not in line]
    if not starts:
        sys.exit(f"no non-OSR C2 compilation of {method} in the log")
    code, base = bytearray(), None
    for line in lines[starts[-1] + 1:]:
        if line.startswith("Compiled method") or line.startswith("[Stub Code]") \
                or line.startswith("[Exception Handler]"):
            break
        m = HEX_LINE.match(line)
        if not m:
            continue
        address = int(m.group(1), 16)
        data = bytes.fromhex(m.group(2).replace("|", "").replace(" ", ""))
        if base is None:
            base = address
        at = address - base
        if at > len(code):
            code += bytes(at - len(code))
        code[at:at + len(data)] = data
    return base, bytes(code)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1], errors="replace") as f:
        lines = f.read().split("\n")
    base, code = last_c2_code(lines, sys.argv[2])
    with tempfile.NamedTemporaryFile(suffix=".bin") as tmp:
        tmp.write(code)
        tmp.flush()
        out = subprocess.run(["objdump", "-D", "-b", "binary", "-m", "i386:x86-64",
                              f"--adjust-vma={base:#x}", tmp.name],
                             check=True, capture_output=True, text=True).stdout
    listing = [line for line in out.split("\n") if re.match(r"^\s+[0-9a-f]+:\t", line)]
    if "--loop" in sys.argv:
        fma = [i for i, line in enumerate(listing) if "vfmadd" in line]
        if fma:
            listing = listing[max(0, fma[0] - 40):fma[-1] + 10]
    print("\n".join(listing))


if __name__ == "__main__":
    main()
