"""Huge single values (issue 17 #8), for scripts/faults.py.

Packages holding one (max) value of --huge-mib MiB (nvarchar(max) text and varbinary(max) bytes),
whole, cut to an odd length (half a UTF-16 code unit) and cut short (the part ends inside the
value), each inspected and imported by a child process whose peak RSS is measured (os.wait4).
Checks: a whole package inspects and imports, every byte of the value stored; a damaged one is
refused in one line and creates no database; inspect stays within BASE_SLACK_MIB of an idle
process (it never holds the value) and an import within IMPORT_FACTOR times the value. A memory
bound passed is counted under 'memory over bound' after the issue's counts.
"""
import io
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MiB = 1 << 20
BASE_SLACK_MIB = 64
IMPORT_FACTOR = 2.6

MAKE = textwrap.dedent("""
    import sys
    from azext_bacpac.format.model import Column, Model, Table
    from azext_bacpac.format.assembly import PackageWriter
    from azext_bacpac.format.sqltypes import SqlType
    path, mib, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    model = Model()
    big = SqlType("nvarchar", is_max=True) if kind == "text" else SqlType("varbinary", is_max=True)
    model.add(Table("dbo", "big", [Column("id", SqlType("int"), nullable=False), Column("body", big)]))
    value = "abcdefg\\u00e9" * (mib * (1 << 20) // 16) if kind == "text" else bytes(range(256)) * (mib * 4096)
    with open(path, "wb") as out, PackageWriter(out, model, "db", compresslevel=1) as writer:
        writer.write_table("dbo", "big", [(1, None), (2, value), (3, None)])
""")
RUN = textwrap.dedent("""
    import sys
    from azext_bacpac.errors import BacpacError
    from azext_bacpac.format.errors import BacpacFormatError
    verb, path = sys.argv[1], sys.argv[2]
    try:
        if verb == "inspect":
            from azext_bacpac.pipelines.inspect import inspect_package
            inspect_package(path, verify_checksum=False)
        else:
            from azext_bacpac.pipelines.importing import import_package
            import_package(path, "sqlite:///" + sys.argv[3], "huge", workers=0)
    except (BacpacError, BacpacFormatError) as error:
        print(str(error))
        sys.exit(1)
""")
IDLE = "import azext_bacpac.pipelines.importing, azext_bacpac.pipelines.inspect"
# The child's peak resident memory, printed as it exits (also after sys.exit).
PEAK_AT_EXIT = ("import atexit\n"
                "atexit.register(lambda: print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')),"
                " end='', flush=True))\n")


def child(code, *args, folder):
    """(exit code, its output, peak RSS MiB) of `code` run by a child python. The peak is the child's
    own VmHWM, read at its exit: ru_maxrss would also count the parent's pages at the fork."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    log = Path(folder) / "child.log"
    with open(log, "wb") as output:
        done = subprocess.run([sys.executable, "-c", PEAK_AT_EXIT + code, *map(str, args)], env=env, stdout=output,
                              stderr=subprocess.STDOUT, check=False)
    text = log.read_text(errors="replace")
    peaks = [line for line in text.splitlines() if line.startswith("VmHWM:")]
    peak = int(peaks[-1].split()[1]) / 1024 if peaks else float("nan")
    return done.returncode, "\n".join(line for line in text.splitlines() if not line.startswith("VmHWM:")), peak


def _damaged(path, how):
    """A copy of the package whose big value is cut to an odd length, or whose part ends inside it."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    name = max((n for n in parts if n.endswith(".BCP")), key=lambda n: len(parts[n]))   # the value's part
    data = bytearray(parts[name])
    start = "abcdefg\u00e9".encode("utf-16-le") if b"a\x00b\x00c\x00" in data[:64] else bytes(range(16))
    at = data.index(start) - 8                # the value's 8-byte length, then the value
    length = int.from_bytes(data[at:at + 8], "little")
    if how == "odd":
        data[at:at + 8] = (length - 1).to_bytes(8, "little")
        del data[at + 8 + length - 1]
    else:
        del data[at + 8 + length // 2:]
    parts[name] = bytes(data)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for entry, content in parts.items():
            target.writestr(entry, content)
    damaged = path.with_name(f"{path.stem}-{how}.bacpac")
    damaged.write_bytes(out.getvalue())
    return damaged


def _stored_length(database):
    import sqlite3
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT length(CAST(body AS BLOB)) FROM big WHERE id = 2").fetchone()[0]
    finally:
        connection.close()


def run(root, mib, report=print):
    """Every kind and damage; returns counts in the issue's form plus 'memory over bound'."""
    root = Path(root)
    counts = dict.fromkeys(("cases tried", "tracebacks", "hangs", "partial outputs", "corrupted targets",
                            "stuck or flipped records", "leftover files", "memory over bound"), 0)

    def finding(name, text):
        counts[name] += 1
        report(f"huge value: {name}: {text}")

    _, _, idle = child(IDLE, folder=root)
    for kind in ("text", "binary"):
        whole = root / f"{kind}.bacpac"
        code, output, _ = child(MAKE, whole, mib, kind, folder=root)
        if code != 0:
            raise RuntimeError(f"making the {kind} package failed: {output[-2000:]}")
        expected = mib * MiB // 16 * 9 if kind == "text" else mib * MiB
        for how in ("whole", "odd", "short"):
            if how == "odd" and kind != "text":
                continue
            package = whole if how == "whole" else _damaged(whole, how)
            target = root / f"db-{kind}-{how}"
            target.mkdir()
            for verb in ("inspect", "import"):
                counts["cases tried"] += 1
                code, output, peak = child(RUN, verb, package, target, folder=root)
                label = f"{verb} of {kind} {how} ({mib} MiB value)"
                if "Traceback" in output:
                    finding("tracebacks", f"{label}: {output.strip()[-800:]}")
                elif how == "whole" and code != 0:
                    finding("tracebacks", f"{label} failed: {output.strip()[-300:]}")
                elif how != "whole" and (code != 1 or len(output.strip().splitlines()) != 1):
                    finding("tracebacks", f"{label}: not refused in one line (exit {code}): {output.strip()[-300:]}")
                bound = idle + (BASE_SLACK_MIB if verb == "inspect" else IMPORT_FACTOR * mib + BASE_SLACK_MIB)
                if peak > bound:
                    finding("memory over bound", f"{label}: peak {peak:.0f} MiB, bound {bound:.0f} MiB")
                database = target / "huge.sqlite"
                if verb == "import" and how == "whole" and code == 0 and _stored_length(database) != expected:
                    finding("corrupted targets", f"{label}: the value stored is not the package's")
                if verb == "import" and how != "whole" and database.exists():
                    finding("partial outputs", f"{label}: a database was created from a damaged package")
                left = [p.name for p in target.iterdir() if p.name != "huge.sqlite"]
                if left:
                    finding("leftover files", f"{label}: left {left}")
            for path in ([] if package == whole else [package]) + list(target.iterdir()):
                path.unlink()
            target.rmdir()
        whole.unlink()
    return counts
