"""Reading a SQLite database for export: its model and its rows, as codec-ready batches."""
import sqlite3

from ..errors import EngineError
from ..format.parts import Origin
from .rowmap import first_failure
from .sqlite import engine_error
from .sqlite_model import resolve
from .sqlite_schema import quote_ident

BATCH_ROWS = 2000


class SqliteExportSource:
    """One database opened for export. Use as a context manager.

    Attributes once entered: model, model_bytes (exact stored bytes or None), model_bom,
    model_source ('stored', 'merged' or 'derived'), warnings, table_names (model order).
    """

    def __init__(self, engine, database):
        self.engine = engine
        self.database = database
        self.path = engine.existing_database_path(database)
        self.conn = None

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

    def row_batches(self, full_name, batch_rows=BATCH_ROWS):
        """Lists of rows (model column order, codec values) of a table, read with a cursor."""
        binding = self._bindings[full_name]
        sql = f"SELECT {', '.join(quote_ident(c) for c in binding.select)} FROM {quote_ident(binding.sqlite_name)}"
        if binding.order_by:
            # Insertion order (the package's row order), never an index's order.
            sql += f" NOT INDEXED ORDER BY {binding.order_by}"
        mapper = binding.mapper
        done = 0
        try:
            cursor = self.conn.execute(sql)
            while True:
                rows = cursor.fetchmany(batch_rows)
                if not rows:
                    return
                if mapper is not None:
                    try:
                        rows = list(map(mapper, rows))
                    except Exception:   # noqa: BLE001 - re-raised naming the row and column
                        raise self._row_error(binding, rows, done) from None
                yield rows
                done += len(rows)
        except sqlite3.Error as error:
            raise engine_error(error, f"table '{binding.sqlite_name}'") from None

    def _row_error(self, binding, rows, done):
        for offset, row in enumerate(rows):
            try:
                binding.mapper(row)
            except Exception:   # noqa: BLE001
                index, error = first_failure(binding.outputs, row)
                column = binding.column_name(index) if index is not None else "?"
                return EngineError(f"table {binding.table.full_name} (SQLite '{binding.sqlite_name}'), column "
                                   f"'{column}', row {done + offset + 1}: the value does not fit "
                                   f"{binding.table.stored_columns[index].sql_type if index is not None else ''}"
                                   f": {error}")
        return EngineError(f"table {binding.table.full_name}: a row could not be converted")
