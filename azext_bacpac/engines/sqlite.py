"""The embedded SQLite engine: a folder whose databases are `<folder>/<name>.sqlite` files.

No server, no credentials: a database is a file. Export reads it through a read-only connection
inside one read transaction (a consistent snapshot; the file is never modified). Import builds a
new file beside the target and publishes it only when complete (see sqlite_import).
"""
import glob
import os
import sqlite3
import urllib.request
from pathlib import Path

from ..errors import EngineError, InvalidInputError, NotFoundError
from .base import Capabilities, Engine
from .registry import register

SUFFIX = ".sqlite"
DEFAULT_BUSY_TIMEOUT = 5.0     # seconds to wait for another process's write lock
SQLITE_PREFIX = "sqlite://"


def sqlite_folder(server):
    """The folder a `sqlite:///...` server string names.

    After `sqlite://` comes the path with one leading '/' removed, as in SQLAlchemy:
      sqlite:///data         ./data (relative to the current folder)
      sqlite:///./data       ./data
      sqlite:////srv/data    /srv/data (absolute: four slashes)
      sqlite:///C:/data      C:\\data (Windows)
      sqlite:///~/data       <home>/data
    For convenience `sqlite:///srv/data` also means /srv/data when ./srv/data does not exist but
    /srv/data does. Anything else after `sqlite:` (a host, no path) is an InvalidInputError.
    """
    if server[:len(SQLITE_PREFIX)].lower() != SQLITE_PREFIX:
        raise InvalidInputError(f"'{server}' is not a SQLite folder URL: use sqlite:///<folder>")
    rest = server[len(SQLITE_PREFIX):]
    if not rest.startswith("/"):
        raise InvalidInputError(f"'{server}' is not a SQLite folder URL: use sqlite:///<relative folder> or "
                                f"sqlite:////<absolute folder> (no host name)")
    path = rest[1:]
    if not path:
        raise InvalidInputError(f"'{server}' names no folder: use sqlite:///<relative folder> or "
                                f"sqlite:////<absolute folder>")
    if "\x00" in path:
        raise InvalidInputError("the server URL contains a NUL character")
    path = os.path.expanduser(path)
    if not os.path.isabs(path) and not os.path.exists(path) and os.path.isdir("/" + path):
        return Path("/" + path)
    return Path(path)


def check_database_name(name):
    """`name`, when it can be a file name `<name>.sqlite` in the folder (no path, no padding)."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError("the database name is empty")
    if name in (".", "..") or any(c in name for c in "/\\\x00") or name != name.strip():
        raise InvalidInputError(f"'{name}' is not a valid SQLite database name: it becomes the file "
                                f"<folder>/<name>.sqlite (no path separators, no leading or trailing spaces, "
                                f"not '.' or '..')")
    return name


@register
class SqliteEngine(Engine):
    name = "sqlite"
    title = "embedded SQLite"
    kind = "sqlite"
    schemes = ("sqlite",)
    address_hint = "-s sqlite:///<folder> for the embedded SQLite engine"
    capabilities = Capabilities(embedded=True)
    options = frozenset({"bookkeeping", "busy_timeout"})

    @classmethod
    def from_server(cls, server, **options):
        return cls(sqlite_folder(server), server, **options)

    @classmethod
    def check_address(cls, server, database):
        sqlite_folder(server)
        check_database_name(database)

    @classmethod
    def target_identity(cls, server, database):
        """The resolved file path: sqlite:///./data, sqlite:///data and sqlite:////abs/data are one."""
        return "sqlite:" + os.path.realpath(os.path.join(sqlite_folder(server), database + SUFFIX))

    @classmethod
    def scratch_patterns(cls, server, database, pid):
        """The new file an import builds beside the target (sqlite_import), and its journal."""
        folder = glob.escape(os.path.abspath(sqlite_folder(server)))
        stem = glob.escape(f".{database}{SUFFIX}.importing-{pid}")
        return [os.path.join(folder, stem), os.path.join(folder, stem + "-journal")]

    def __init__(self, folder, server=None, busy_timeout=DEFAULT_BUSY_TIMEOUT, bookkeeping=True):
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
        return self.folder / (check_database_name(name) + SUFFIX)

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
