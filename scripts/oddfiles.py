"""Odd files as --storage-uri and overwrite targets (issue 17, items 2 and 5), for scripts/faults.py.

Each case runs inspect, import or export against something that is not a regular file, or an export
whose destination is its own source database however spelled, in this process with a time box, and
checks: a one-line domain error (not a traceback), no hang, the target unchanged (same kind, same
bytes), no partial output and no leftover temporary file.
"""
import hashlib
import os
import signal
import sqlite3
import stat
from pathlib import Path

TIMEOUT = 20


class _Hang(BaseException):
    pass


def _alarm(*_):
    raise _Hang()


def _state(path):
    """What `path` is now: its kind and, for a regular file, its digest."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISREG(status.st_mode):
        return ("file", hashlib.sha256(Path(path).read_bytes()).hexdigest())
    return (stat.S_IFMT(status.st_mode), os.readlink(path) if stat.S_ISLNK(status.st_mode) else None)


def _cases(root):
    data = root / "data"
    data.mkdir()
    source = data / "shop.sqlite"
    connection = sqlite3.connect(str(source))
    connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)")
    connection.executemany("INSERT INTO t VALUES (?, ?)", ((i, f"n{i}") for i in range(500)))
    connection.commit()
    connection.close()
    odd = root / "odd"
    odd.mkdir()
    os.mkfifo(odd / "fifo.bacpac")
    (odd / "dangling.bacpac").symlink_to(odd / "missing.bacpac")
    (odd / "folder.bacpac").mkdir()
    (odd / "alias.bacpac").symlink_to(source)
    (odd / "notes.txt").write_text("not a package")
    readable = [odd / "fifo.bacpac", Path("/dev/zero"), odd / "dangling.bacpac", odd / "folder.bacpac"]
    writable = [odd / "fifo.bacpac", odd / "dangling.bacpac", odd / "folder.bacpac", source, odd / "alias.bacpac",
                data / ".." / "data" / "shop.sqlite"]
    try:
        os.mknod(odd / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        writable.append(odd / "null")
    except OSError:
        pass                                     # not root: no device node of our own
    server = "sqlite:///" + str(data)
    for path in readable:
        yield "inspect", path, server, False
        yield "import", path, server, False
    for path in writable:
        yield "export", path, server, True
    yield "export", odd / "notes.txt", server, False


def run(root, report=print):
    """Run every case; returns a dict of counts in the issue's form."""
    from azext_bacpac.errors import BacpacError
    from azext_bacpac.pipelines.export import export_database
    from azext_bacpac.pipelines.importing import import_package
    from azext_bacpac.pipelines.inspect import inspect_package
    root = Path(root)
    counts = dict.fromkeys(("cases tried", "tracebacks", "hangs", "partial outputs", "corrupted targets",
                            "leftover files"), 0)
    before_files = None
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for verb, path, server, overwrite in _cases(root):
            if before_files is None:
                before_files = {p for p in root.rglob("*")}
            counts["cases tried"] += 1
            watched = [path, root / "data" / "shop.sqlite"]
            before = [_state(p) for p in watched]
            signal.alarm(TIMEOUT)
            try:
                if verb == "inspect":
                    inspect_package(str(path))
                elif verb == "import":
                    import_package(str(path), server, "copy")
                else:
                    export_database(server, "shop", str(path), overwrite=overwrite)
                outcome = "accepted"
            except _Hang:
                outcome = "hang"
            except BacpacError as error:
                outcome = "refused"
                if "\n" in str(error):
                    outcome = f"traceback: a message of several lines: {error!r}"
            except Exception as error:          # noqa: BLE001 - what this run counts
                outcome = f"traceback: {type(error).__name__}: {error}"
            finally:
                signal.alarm(0)
            if outcome == "hang":
                counts["hangs"] += 1
            elif outcome.startswith("traceback") or outcome == "accepted":
                counts["tracebacks"] += 1
                report(f"{verb} {path}: {outcome}")
            if [_state(p) for p in watched] != before:
                counts["corrupted targets"] += 1
                report(f"{verb} {path}: changed {watched}")
            if verb == "import" and (root / "data" / "copy.sqlite").exists():
                counts["partial outputs"] += 1
                report(f"import from {path} created a database")
        extra = {p for p in root.rglob("*")} - (before_files or set())
        partial = [p for p in extra if p.name.endswith(".partial") or ".importing" in p.name]
        counts["leftover files"] += len(partial)
        counts["partial outputs"] += len(extra) - len(partial)
        if extra:
            report(f"left behind: {sorted(map(str, extra))}")
    finally:
        signal.signal(signal.SIGALRM, previous)
    return counts


def line(counts, records="-", secrets="-"):
    """The issue's form of the counts."""
    return (f"cases tried {counts['cases tried']}, tracebacks {counts['tracebacks']}, hangs {counts['hangs']}, "
            f"partial outputs {counts['partial outputs']}, corrupted targets {counts['corrupted targets']}, "
            f"stuck or flipped records {records}, leftover files {counts['leftover files']}, secrets seen {secrets}")
