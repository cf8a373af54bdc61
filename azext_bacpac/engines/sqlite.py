"""The embedded SQLite engine: a folder whose databases are `<folder>/<name>.sqlite` files.

No server, no credentials: a database is a file. Export reads it through a read-only connection
inside one read transaction (a consistent snapshot; the file is never modified). Import builds a
new file beside the target and publishes it only when complete (see sqlite_import).
"""
import os
import sqlite3
import urllib.request
from pathlib import Path

from ..errors import EngineError, InvalidInputError, NotFoundError

SUFFIX = ".sqlite"
DEFAULT_BUSY_TIMEOUT = 5.0     # seconds to wait for another process's write lock


class SqliteEngine:
    kind = "sqlite"

    def __init__(self, folder, server=None, busy_timeout=DEFAULT_BUSY_TIMEOUT, bookkeeping=True, password=None):
        # password: the worker hands the admin password to any engine that has options; SQLite has no sign-in
        self.folder = Path(folder)
        self.bookkeeping = bookkeeping      # imports write the __bacpac_* tables (sqlite_catalog)
        self.server = server or f"sqlite:///{folder}"
        self.busy_timeout = busy_timeout
        if not self.folder.exists():
            raise NotFoundError(f"folder {self.folder} does not exist (server '{self.server}')")
        if not self.folder.is_dir():
            raise InvalidInputError(f"{self.folder} is not a folder (server '{self.server}' must name a folder "
                                    f"of .sqlite databases)")

    def __repr__(self):
        return f"SqliteEngine({str(self.folder)!r})"

    # -- databases -----------------------------------------------------------------------------
    def database_path(self, name):
        """`<folder>/<name>.sqlite`, after checking that `name` is a plain database name."""
        if not isinstance(name, str) or not name.strip():
            raise InvalidInputError("the database name is empty")
        if name in (".", "..") or any(c in name for c in "/\\\x00") or name != name.strip():
            raise InvalidInputError(f"'{name}' is not a valid database name (no path separators, no leading or "
                                    f"trailing spaces)")
        return self.folder / (name + SUFFIX)

    def database_files(self, name):
        """The files of database `name` (its journal and WAL files too), which an export must not write over."""
        path = self.database_path(name)
        return [path] + [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]

    def databases(self):
        return sorted(p.name[:-len(SUFFIX)] for p in self.folder.glob("*" + SUFFIX)
                      if p.is_file() and not p.name.startswith("."))

    def existing_database_path(self, name):
        path = self.database_path(name)
        if not path.is_file():
            available = self.databases()
            listed = ", ".join(available[:20]) + (" ..." if len(available) > 20 else "") if available else "none"
            raise NotFoundError(f"database '{name}' not found in folder {self.folder} (expected {path.name}; "
                                f"databases there: {listed})")
        return path

    def export_source(self, name):
        from .sqlite_export import SqliteExportSource
        return SqliteExportSource(self, name)

    def import_target(self, name):
        from .sqlite_import import SqliteImportTarget
        return SqliteImportTarget(self, name)

    # -- connections ---------------------------------------------------------------------------
    def connect_readonly(self, path):
        uri = "file:" + urllib.request.pathname2url(os.path.abspath(path)) + "?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as error:
            raise engine_error(error, f"database {path.name}") from None
        return conn


def engine_error(error, subject):
    """A one-line EngineError for a sqlite3 error, with advice for the common causes."""
    text = str(error)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return EngineError(f"{subject} is locked by another process (a write is in progress); try again when "
                           f"it finishes")
    if "not a database" in lowered or "malformed" in lowered:
        return EngineError(f"{subject} is not a valid SQLite database ({text})")
    if "disk is full" in lowered or "disk i/o" in lowered:
        return EngineError(f"{subject}: the disk is full or failing ({text})")
    return EngineError(f"{subject}: SQLite failed: {text}")
