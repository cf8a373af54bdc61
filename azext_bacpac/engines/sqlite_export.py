"""Reading a SQLite database for export: its model and its rows, as codec-ready batches."""
import functools
import os
import sqlite3
import urllib.request
from dataclasses import dataclass

from ..errors import EngineError
from ..format.parts import Origin
from .base import ExportSource, RowReader
from .rowmap import compile_row_mapper, first_failure
from .sqlite import engine_error
from .sqlite_catalog import SelectSql
from .sqlite_model import resolve
from .sqlite_schema import quote_ident

BATCH_ROWS = 2000


class _NativeEncoding(RowReader):
    """encoded_batches() of engines/__init__.py for a reader with .conn, ._native and read_spec()."""

    def encoded_batches(self, full_name, codec, part, encode):
        """(BCP bytes, row count) batches of a table or part (None: whole), as encode() would make
        of row_batches(): natively encoded where possible (engines/sqlite_native.py).

        encode(rows, done) encodes the rows that Python must (it names the row in its errors:
        `done` rows of this read come before them).
        """
        from .sqlite_native import encoded_batches, native_usable
        if self._native is None:
            self._native = native_usable(self.conn)          # once per connection
        return encoded_batches(self.conn, self.read_spec(full_name), codec, part, encode, usable=self._native)


class SqliteExportSource(_NativeEncoding, ExportSource):
    """One database opened for export. Use as a context manager.

    Attributes once entered: model, model_bytes (exact stored bytes or None), model_bom,
    model_source ('stored', 'merged' or 'derived'), warnings, table_names (model order).
    """

    def __init__(self, engine, database):
        self.engine = engine
        self.database = database
        self.path = engine.existing_database_path(database)
        self.conn = None
        self._native = None             # whether the native encoder may read self.conn

    def __enter__(self):
        self.conn = self.engine.connect_readonly(self.path)
        try:
            # One read transaction for the whole export: every table comes from the same snapshot.
            self.conn.execute("BEGIN")
            resolution = resolve(self.conn)
        except sqlite3.Error as error:
            self.close()
            raise engine_error(error, f"database '{self.database}'") from None
        except BaseException:
            self.close()
            raise
        self.model = resolution.model
        self.model_bytes = resolution.model_bytes
        self.model_bom = resolution.bom
        self.model_source = resolution.source
        self.warnings = list(resolution.warnings)
        self._bindings = resolution.bindings
        return self

    def __exit__(self, *_):
        self.close()

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None
                self._native = None

    @property
    def table_names(self):
        return list(self._bindings)

    def origin(self):
        """Origin.xml facts about this source."""
        size = self.path.stat().st_size
        return Origin(server_version=f"SQLite {sqlite3.sqlite_version} (file {self.path.name})",
                      source_database_size=(size + 1023) // 1024)

    def row_count(self, full_name):
        binding = self._bindings[full_name]
        try:
            return self.conn.execute(f"SELECT count(*) FROM {quote_ident(binding.sqlite_name)}").fetchone()[0]
        except sqlite3.Error as error:
            raise engine_error(error, f"table '{binding.sqlite_name}'") from None

    def row_batches(self, full_name, batch_rows=BATCH_ROWS, part=None):
        """Lists of rows (model column order, codec values) of a table, read with a cursor.

        `part` (a key from partitions(), None for the whole table) limits the rows to one range.
        """
        yield from read_batches(self.conn, self.read_spec(full_name), part, batch_rows)

    # -- parallel export (see engines/__init__.py) ----------------------------------------------
    def read_spec(self, full_name):
        """The picklable TableReadSpec of a table. Built on each call, not kept: 50,000 tables would
        hold 50,000 (tables of one shape share their compiled row mapper, rowmap.compile_row_mapper)."""
        return self._make_spec(full_name)

    def _make_spec(self, full_name):
        binding = self._bindings[full_name]
        return TableReadSpec(binding.table.full_name, binding.sqlite_name, tuple(binding.select),
                             tuple(binding.outputs), binding.order_by,
                             tuple(c.name for c in binding.table.stored_columns),
                             tuple(str(c.sql_type) for c in binding.table.stored_columns))

    def partitions(self, full_name, rows_per_part):
        """Keys of consecutive row ranges of about `rows_per_part` rows each, in row order.

        Tables read in rowid order split by rowid ranges; WITHOUT ROWID tables are one range.
        """
        spec = self.read_spec(full_name)
        if spec.order_by is None or rows_per_part <= 0:
            return [None]
        try:
            low, high, count = self.conn.execute(
                f"SELECT min({spec.order_by}), max({spec.order_by}), count(*) "
                f"FROM {quote_ident(spec.sqlite_name)} NOT INDEXED").fetchone()
        except sqlite3.Error as error:
            raise engine_error(error, f"table '{spec.sqlite_name}'") from None
        if not count or count <= rows_per_part:
            return [None]
        span = high - low + 1
        step = max(1, int(span * rows_per_part / count))
        keys = []
        start = low
        while start <= high:
            end = min(high, start + step - 1)
            keys.append(("rowid", start, end))
            start = end + 1
        return keys

    def parallel_reader(self):
        """A picklable recipe with which worker processes read this database's tables in the same
        snapshot, or None when that cannot be guaranteed (a WAL database: its writers are not held
        off by this export's read transaction)."""
        try:
            mode = self.conn.execute("PRAGMA journal_mode").fetchone()[0]
        except sqlite3.Error:
            return None
        if str(mode).lower() == "wal":
            return None
        return SqliteParallelReader(str(self.path), self.engine.busy_timeout,
                                    {name: self._make_spec(name) for name in self._bindings})


@dataclass
class TableReadSpec:
    """How to read one table's rows (picklable: worker processes get it)."""
    full_name: str
    sqlite_name: str
    select: tuple               # SQLite columns, in order
    outputs: tuple              # row mapper specs (rowmap)
    order_by: str               # the rowid's name, or None (WITHOUT ROWID)
    column_names: tuple         # model stored columns, for errors
    column_types: tuple

    @functools.cached_property
    def mapper(self):
        return compile_row_mapper(len(self.select), self.outputs)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("mapper", None)           # compiled code does not pickle; workers compile their own
        return state


def _select_sql(spec, part):
    columns = ", ".join(c if isinstance(c, SelectSql) else quote_ident(c) for c in spec.select)
    sql = f"SELECT {columns} FROM {quote_ident(spec.sqlite_name)}"
    if spec.order_by:
        # Insertion order (the package's row order), never an index's order.
        sql += " NOT INDEXED"
        if part is not None and part[0] == "rowid":
            sql += f" WHERE {spec.order_by} BETWEEN {int(part[1])} AND {int(part[2])}"
        sql += f" ORDER BY {spec.order_by}"
    return sql


def read_batches(conn, spec, part=None, batch_rows=BATCH_ROWS):
    """Lists of codec-ready rows of one table (or of one part of it), read with a cursor."""
    mapper = spec.mapper
    done = 0
    try:
        cursor = conn.execute(_select_sql(spec, part))
        while True:
            rows = cursor.fetchmany(batch_rows)
            if not rows:
                return
            if mapper is not None:
                try:
                    rows = list(map(mapper, rows))
                except Exception:   # noqa: BLE001 - re-raised naming the row and column
                    raise _row_error(spec, rows, done, part) from None
            yield rows
            done += len(rows)
    except sqlite3.Error as error:
        raise engine_error(error, f"table '{spec.sqlite_name}'") from None


def _row_error(spec, rows, done, part=None):
    where = f" from rowid {part[1]}" if part is not None else ""
    for offset, row in enumerate(rows):
        try:
            spec.mapper(row)
        except Exception:   # noqa: BLE001
            index, error = first_failure(spec.outputs, row)
            column = spec.column_names[index] if index is not None else "?"
            return EngineError(f"table {spec.full_name} (SQLite '{spec.sqlite_name}'), column "
                               f"'{column}', row {done + offset + 1}{where}: the value does not fit "
                               f"{spec.column_types[index] if index is not None else ''}"
                               f": {error}")
    return EngineError(f"table {spec.full_name}: a row could not be converted")


class SqliteParallelReader(_NativeEncoding):
    """Opened in a worker process: its own read-only connection, in one read transaction.

    The exporting process holds its read transaction for the whole export, so (outside WAL mode)
    no writer can commit meanwhile and every worker reads the same snapshot as the parent.
    """

    def __init__(self, path, busy_timeout, specs):
        self.path = path
        self.busy_timeout = busy_timeout
        self.specs = specs
        self.conn = None
        self._native = None

    def __getstate__(self):
        return {"path": self.path, "busy_timeout": self.busy_timeout, "specs": self.specs, "conn": None,
                "_native": None}

    def __enter__(self):
        uri = "file:" + urllib.request.pathname2url(os.path.abspath(self.path)) + "?mode=ro"
        try:
            self.conn = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout, isolation_level=None,
                                        check_same_thread=False)
            self.conn.execute("BEGIN")
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as error:
            raise engine_error(error, f"database {os.path.basename(self.path)}") from None
        return self

    def __exit__(self, *_):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
            self._native = None

    def row_batches(self, full_name, part=None, batch_rows=BATCH_ROWS):
        return read_batches(self.conn, self.specs[full_name], part, batch_rows)

    def read_spec(self, full_name):
        return self.specs[full_name]
