"""A damaged, unwritable or locked operation store (issue 17 #9), for scripts/faults.py.

Each case gives az (the real parser, in this process: fuzz_cli.run_az) a store in some bad state:
garbage, truncated, a zeroed header, a zero-byte file, a directory in its place, a read-only
store (SQLite refusing writes, as a read-only mount does: file modes do not stop root), and a
store locked by another process past the busy timeout. Then `list`, `export` and `inspect`, and
the checks:
  * no traceback, and a failing command's error is one line naming the store's file;
  * a damaged store is kept aside byte for byte (the user's history), and commands go on;
  * inspect needs no store; an export that cannot be recorded writes no package;
  * nothing is left behind (no partial package, no temporary file).
"""
import contextlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

DAMAGES = ("garbage", "truncated", "header", "zero-bytes", "directory", "read-only", "locked")
# A command's expected outcome per damage: None (succeeds) or words its one ERROR line must hold.
REFUSED = {"directory": ("list", "export"), "read-only": ("export",), "locked": ("export",)}


def _with_history(folder):
    from azext_bacpac.operations.store import OperationRecord, OperationStore, new_operation_id
    store = OperationStore(str(folder / "operations.db"))
    store.create(OperationRecord(id=new_operation_id(), request_type="Export", server="sqlite:///x", database="d",
                                 storage_uri="x.bacpac", state="Succeeded"))
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(str(folder / "operations.db") + suffix)


def _damage(folder, damage):
    path = folder / "operations.db"
    if damage == "garbage":
        path.write_bytes(os.urandom(3000))
    elif damage in ("truncated", "header", "read-only", "locked"):
        _with_history(folder)
        data = path.read_bytes()
        if damage == "truncated":
            path.write_bytes(data[:1500])
        elif damage == "header":
            path.write_bytes(b"\0" * 100 + data[100:])
    elif damage == "zero-bytes":
        path.write_bytes(b"")
    elif damage == "directory":
        path.mkdir()


@contextlib.contextmanager
def _condition(folder, damage):
    """What must hold while the commands run: SQLite refusing writes, or a lock held elsewhere."""
    from azext_bacpac.operations.store import OperationStore
    if damage == "read-only":
        real = sqlite3.connect

        def read_only(path, *args, **kwargs):
            return real(f"file:{path}?mode=ro", *args, uri=True, **kwargs)
        sqlite3.connect = read_only
        try:
            yield
        finally:
            sqlite3.connect = real
    elif damage == "locked":
        busy, OperationStore.busy_seconds = OperationStore.busy_seconds, 0.5
        holder = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys, time\n"
                                   "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                                   "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(120)",
                                   str(folder / "operations.db")], stdout=subprocess.PIPE, text=True)
        try:
            holder.stdout.readline()
            yield
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()
            OperationStore.busy_seconds = busy
    else:
        yield


def _case(root, number, damage, server, name, package):
    """Run the commands against one damaged store; returns [(count name, text)]."""
    from azure.cli.core import azclierror
    from fuzz_cli import run_az
    folder = root / f"store-{number}"
    folder.mkdir()
    os.environ["AZEXT_BACPAC_OPERATIONS_DIR"] = str(folder)
    _damage(folder, damage)
    before = (folder / "operations.db").read_bytes() if (folder / "operations.db").is_file() else None
    out = root / f"out-{number}"
    out.mkdir()
    found = []
    with _condition(folder, damage):
        for command in ("list", "export", "inspect"):
            args = {"list": ("list",),
                    "export": ("export", "-s", server, "-n", name, "--storage-uri", str(out / "o.bacpac")),
                    "inspect": ("inspect", "--storage-uri", str(package))}[command]
            code, _, stderr, error = run_az("sql", "db", "bacpac", *args)
            message = str(error or "")
            if "Traceback" in stderr or isinstance(error, azclierror.CLIInternalError):
                found.append(("tracebacks", f"{command}: {message} {stderr.strip()[-500:]}"))
            refused = command in REFUSED.get(damage, ())
            if refused and (code == 0 or "\n" in message or "operations.db" not in message):
                found.append(("tracebacks", f"{command}: not one line naming the store (exit {code}): {message!r}"))
            if not refused and code != 0:
                found.append(("tracebacks", f"{command}: failed (exit {code}): {message!r}"))
            if command == "export" and refused and (out / "o.bacpac").exists():
                found.append(("partial outputs", "an export that could not be recorded wrote its package"))
    if damage in ("garbage", "truncated", "header"):
        aside = [p for p in folder.iterdir() if ".damaged-" in p.name and not p.name.endswith(("-wal", "-shm"))]
        if len(aside) != 1 or aside[0].read_bytes() != before:
            found.append(("corrupted targets", f"the damaged store was not kept aside as it was: {aside}"))
    left = [p.name for p in out.iterdir() if p.name != "o.bacpac"]
    if left:
        found.append(("leftover files", f"left: {left}"))
    return found


def run(root, report=print):
    """Every damage once; returns counts in the issue's form."""
    from azext_bacpac.pipelines.export import export_database
    root = Path(root)
    data = root / "data"
    data.mkdir()
    connection = sqlite3.connect(str(data / "shop.sqlite"))
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)")
    connection.executemany("INSERT INTO t VALUES (?, ?)", ((i, f"n{i}") for i in range(200)))
    connection.commit()
    connection.close()
    package = root / "shop.bacpac"
    export_database("sqlite:///" + str(data), "shop", str(package), workers=0)
    counts = dict.fromkeys(("cases tried", "tracebacks", "hangs", "partial outputs", "corrupted targets",
                            "stuck or flipped records", "leftover files"), 0)
    from fuzz_cli import _cli_environment
    # az's private config first (each case then points it at its own store); the caller's environment is
    # put back at the end (this runs inside the test suite too)
    before = dict(os.environ)
    saved = {name: before.get(name) for name in _cli_environment()}
    try:
        for number, damage in enumerate(DAMAGES):
            counts["cases tried"] += 1
            try:
                found = _case(root, number, damage, "sqlite:///" + str(data), "shop", package)
            except Exception as error:       # noqa: BLE001 - what this run counts
                found = [("tracebacks", f"{type(error).__name__}: {error}")]
            for name, text in found:
                counts[name] += 1
                report(f"store {damage}: {name}: {text}")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return counts
