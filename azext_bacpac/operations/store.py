"""Durable operation records: a small SQLite database in the user's state folder.

The store lives outside AZURE_CONFIG_DIR on purpose: CI tasks (AzureCLI@2, GitHub's azure/cli) give
every step a fresh config folder and delete it afterwards, and an operation must outlive the step
that started it. AZEXT_BACPAC_OPERATIONS_DIR moves it.

Safe for concurrent readers and writers (WAL, a busy timeout, one short transaction per call) and
readable by the user only. A record never holds a secret: the storage URI is stored without its
query string (a SAS lives there) and credentials are never passed in.
"""
import json
import os
import sqlite3
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields

from .store_health import StoreError, explain, is_damaged, set_aside

STORE_ENV = "AZEXT_BACPAC_OPERATIONS_DIR"
STORE_FOLDER = "azext_bacpac"
STORE_FILE = "operations.db"
ACTIVE_STATES = ("Pending", "InProgress", "CancelInProgress")
FINAL_STATES = ("Succeeded", "Failed", "Cancelled")


def default_store_folder():
    """$AZEXT_BACPAC_OPERATIONS_DIR, else the user's state folder: ~/.local/state/azext_bacpac
    ($XDG_STATE_HOME/azext_bacpac) on Linux and macOS, %LOCALAPPDATA%\\azext_bacpac on Windows."""
    configured = os.environ.get(STORE_ENV)
    if configured:
        return os.path.abspath(os.path.expanduser(configured))
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser(os.path.join("~", "AppData", "Local"))
    else:
        base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser(os.path.join("~", ".local", "state"))
    return os.path.join(base, STORE_FOLDER)


def default_store_path():
    return os.path.join(default_store_folder(), STORE_FILE)


def now():
    return time.time()


@dataclass
class OperationRecord:
    """One export or import. Times are POSIX seconds (UTC); state is one of the ARM operation states."""
    id: str
    request_type: str                   # Export / Import
    server: str
    database: str
    storage_uri: str                    # without query string
    target: str = None                  # the target's canonical identity (operations/identity.py)
    resource_group: str = None
    state: str = "Pending"              # Pending, InProgress, CancelInProgress, Succeeded, Failed, Cancelled
    percent: float = 0.0
    queued_time: float = field(default_factory=now)
    start_time: float = None
    last_modified_time: float = field(default_factory=now)
    finish_time: float = None
    current_table: str = None
    phase: str = None                   # scan, schema, data, finish (pipelines/progress.py)
    tables_done: int = 0
    tables_total: int = None
    rows_done: int = 0
    bytes_done: int = 0
    bytes_total: int = None
    error_message: str = None
    error_type: str = None              # the error's class name (e.g. NotFoundError), for exit codes
    worker_pid: int = None
    worker_start: str = None            # the worker's start time (/proc), so a reused pid is not taken for it
    heartbeat: float = None
    cancel_requested: int = 0
    parameters: dict = field(default_factory=dict)    # non-secret request parameters
    scratch: list = None                # glob patterns of the files the worker writes before it publishes
    summary: dict = None

    @property
    def is_active(self):
        return self.state in ACTIVE_STATES


_JSON_FIELDS = {"parameters", "summary", "scratch"}
_COLUMNS = [f.name for f in fields(OperationRecord)]
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS operations (
    {", ".join(name + (" TEXT PRIMARY KEY" if name == "id" else "") for name in _COLUMNS)}
);
CREATE INDEX IF NOT EXISTS operations_target ON operations(server, database, state);
"""


def _create_private(path):
    """Create the store file user-only (0600, whatever the umask); SQLite gives its WAL and shared-memory
    files the database file's permissions. Not by setting the umask: that is process-wide, and a worker
    creates its data files while its heartbeat thread writes here (filemodes.py)."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except OSError:
        return          # it exists, or cannot be made: SQLite's own error then says why (store_health.py)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)


class OperationStore:
    """Reads and writes operation records in one SQLite file."""

    busy_seconds = 30.0

    def __init__(self, path=None):
        self.path = path or default_store_path()
        self.set_aside = None          # where a damaged store was moved, when this opening found one
        folder = os.path.dirname(self.path)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        try:
            self._prepare()
        except StoreError as error:
            if not is_damaged(error.__cause__):
                raise
            self.set_aside = set_aside(self.path)     # the user's history: kept, never deleted
            self._prepare()

    def _prepare(self):
        with self._connect() as connection:
            connection.executescript(_SCHEMA)
            present = {row[1] for row in connection.execute("PRAGMA table_info(operations)")}
            for name in _COLUMNS:
                if name not in present:     # a store written by an older version of the extension
                    connection.execute(f"ALTER TABLE operations ADD COLUMN {name}")

    @contextmanager
    def _connect(self):
        """A connection; any SQLite error met while it is used becomes a one-line StoreError."""
        connection = None
        try:
            _create_private(self.path)
            connection = sqlite3.connect(self.path, timeout=self.busy_seconds, isolation_level=None)
            connection.execute(f"PRAGMA busy_timeout={int(self.busy_seconds * 1000)}")
            connection.execute("PRAGMA journal_mode=WAL")
            yield connection
        except sqlite3.Error as error:
            raise explain(self.path, error, self.busy_seconds) from error
        finally:
            if connection is not None:
                connection.close()

    @staticmethod
    def _row(values):
        data = dict(zip(_COLUMNS, values))
        for name in _JSON_FIELDS:
            data[name] = json.loads(data[name]) if data[name] else ({} if name == "parameters" else None)
        return OperationRecord(**data)

    @staticmethod
    def _values(record):
        data = asdict(record)
        for name in _JSON_FIELDS:
            data[name] = json.dumps(data[name]) if data[name] is not None else None
        return [data[name] for name in _COLUMNS]

    def create(self, record, conflict_check=True):
        """Insert a new record; with conflict_check, refuse when an active one has the same target."""
        with self._connect() as connection, _write_lock(connection):
            if conflict_check:
                active = connection.execute(
                    f"SELECT {', '.join(_COLUMNS)} FROM operations "
                    f"WHERE state IN ({', '.join('?' * len(ACTIVE_STATES))})", ACTIVE_STATES).fetchall()
                busy = next((row for row in map(self._row, active) if _same_target(row, record)), None)
                if busy is not None:
                    return busy                  # (nothing written: the commit ends a read)
            connection.execute(f"INSERT INTO operations ({', '.join(_COLUMNS)}) VALUES "
                               f"({', '.join('?' * len(_COLUMNS))})", self._values(record))
        return None

    def get(self, operation_id):
        with self._connect() as connection:
            return self._read(connection, operation_id)

    def _read(self, connection, operation_id):
        values = connection.execute(f"SELECT {', '.join(_COLUMNS)} FROM operations WHERE id = ?",
                                    (str(operation_id).lower(),)).fetchone()
        return self._row(values) if values else None

    def list(self, server=None, database=None, active_only=False):
        clauses, arguments = [], []
        if server is not None:
            clauses.append("server = ?")
            arguments.append(server)
        if database is not None:
            clauses.append("database = ?")
            arguments.append(database)
        if active_only:
            clauses.append(f"state IN ({', '.join('?' * len(ACTIVE_STATES))})")
            arguments += ACTIVE_STATES
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._connect() as connection:
            rows = connection.execute(f"SELECT {', '.join(_COLUMNS)} FROM operations {where} "
                                      f"ORDER BY queued_time", arguments).fetchall()
        return [self._row(values) for values in rows]

    @contextmanager
    def locked_record(self, operation_id):
        """(set_fields, record) under the store's write lock, held to the end of the block: nobody else
        can change any record meanwhile. set_fields(**changes) writes fields of this record in the
        same transaction, committed when the block ends without an error (else nothing is)."""
        with self._connect() as connection, _write_lock(connection):
            def set_fields(**changes):
                assignments, values = _assignments(changes)
                connection.execute(f"UPDATE operations SET {assignments} WHERE id = ?",
                                   [*values, str(operation_id).lower()])
            yield set_fields, self._read(connection, operation_id)

    def update(self, operation_id, only_if_active=False, **changes):
        """Set fields of a record (last_modified_time too). Returns False when nothing matched."""
        assignments, values = _assignments(changes)
        condition = f" AND state IN ({', '.join('?' * len(ACTIVE_STATES))})" if only_if_active else ""
        arguments = [*values, str(operation_id), *(ACTIVE_STATES if only_if_active else ())]
        with self._connect() as connection:
            cursor = connection.execute(f"UPDATE operations SET {assignments} WHERE id = ?{condition}", arguments)
            return cursor.rowcount > 0


def _assignments(changes):
    """("a = ?, b = ?", values) setting `changes` (JSON fields encoded) and last_modified_time."""
    changes = {"last_modified_time": now(), **changes}
    for name in _JSON_FIELDS & changes.keys():
        changes[name] = json.dumps(changes[name]) if changes[name] is not None else None
    return ", ".join(f"{name} = ?" for name in changes), list(changes.values())


@contextmanager
def _write_lock(connection):
    """A transaction holding the store's write lock from its start (BEGIN IMMEDIATE): committed when
    the block ends, rolled back when it raises."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def _same_target(one, other):
    if one.target and other.target:
        return one.target == other.target
    return (one.server, one.database) == (other.server, other.database)


def new_operation_id():
    return str(uuid.uuid4())
