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

DEFAULT_SQLSERVER_PORT = 1433


def target_identity(server, database):
    """A canonical string for (server, database); the typed strings when they cannot be resolved."""
    from ..engines import SQLITE_PREFIX, sqlite_folder
    try:
        if server[:len(SQLITE_PREFIX)].lower() == SQLITE_PREFIX:
            return "sqlite:" + os.path.realpath(os.path.join(sqlite_folder(server), database + ".sqlite"))
        host = server.strip()
        if host.lower().startswith("tcp:"):
            host = host[4:]
        host, _, port = host.partition(",")
        return f"mssql:{host.strip().lower()}:{int(port or DEFAULT_SQLSERVER_PORT)}/{database.lower()}"
    except (BacpacError, ValueError, OSError):
        return f"{server}|{database}"


def scratch_patterns(request_type, server, database, storage_uri, pid):
    """Absolute glob patterns of the files the worker `pid` writes before it publishes."""
    from ..engines import SQLITE_PREFIX, sqlite_folder
    from ..storage.local import resolve_path
    patterns = []
    try:
        if request_type == "Export" and "://" not in storage_uri.split("?", 1)[0].replace("file://", ""):
            path = os.path.abspath(resolve_path(storage_uri))
            folder, name = os.path.split(path)
            patterns.append(os.path.join(glob.escape(folder), glob.escape(f".{name}.{pid}-") + "*.partial"))
        elif request_type == "Import" and server[:len(SQLITE_PREFIX)].lower() == SQLITE_PREFIX:
            folder = os.path.abspath(sqlite_folder(server))
            stem = glob.escape(f".{database}.sqlite.importing-{pid}")
            patterns += [os.path.join(glob.escape(folder), stem), os.path.join(glob.escape(folder), stem + "-journal")]
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
