"""What an operation touches on disk, named so that another process (in another folder) finds it.

- The target's identity: two spellings of one database are one target (`sqlite:///./data`,
  `sqlite:///data` and `sqlite:////abs/data` are one file; SQL Server is host, port and database,
  case-insensitively), so the one-operation-per-database guard compares identities, not strings.
- The scratch files a worker writes before it publishes (`.<name>.<pid>-<random>.partial` beside an
  exported BACPAC, `.<name>.sqlite.importing-<pid>` beside an imported SQLite database): absolute
  glob patterns recorded when the worker starts, removed when the worker is found dead.
"""
import glob
import os

from ..errors import BacpacError


def target_identity(server, database):
    """A canonical string for (server, database), from the engine that answers `server`
    (engines/base.py, Engine.target_identity); the typed strings when they cannot be resolved."""
    from ..engines import engine_class
    try:
        return engine_class(server).target_identity(server, database)
    except (BacpacError, ValueError, OSError):
        return f"{server}|{database}"


def scratch_patterns(request_type, server, database, storage_uri, pid):
    """Absolute glob patterns of the files the worker `pid` writes before it publishes: an export's
    partial BACPAC beside a local output; an import's scratch files named by its engine."""
    from ..engines import engine_class
    from ..storage.local import resolve_path
    patterns = []
    try:
        if request_type == "Export" and "://" not in storage_uri.split("?", 1)[0].replace("file://", ""):
            path = os.path.abspath(resolve_path(storage_uri))
            folder, name = os.path.split(path)
            patterns.append(os.path.join(glob.escape(folder), glob.escape(f".{name}.{pid}-") + "*.partial"))
        elif request_type == "Import":
            patterns += engine_class(server).scratch_patterns(server, database, pid)
    except (BacpacError, OSError, ValueError):
        pass
    return patterns


def remove_scratch(patterns):
    """Delete what a dead worker left; returns the names removed."""
    removed = []
    for pattern in patterns or ():
        for path in glob.glob(pattern):
            try:
                os.unlink(path)
                removed.append(os.path.basename(path))
            except OSError:
                pass
    return removed
