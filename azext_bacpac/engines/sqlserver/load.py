"""Loading rows: batched parameter-array INSERTs (fast_executemany) with TABLOCK and identity kept.

For each table: SET IDENTITY_INSERT ON when it has an identity column (so the package's identity
values are kept, and the identity's next value follows the largest one), then
INSERT INTO t WITH (TABLOCK) (cols) VALUES (?, ...) in parameter arrays of `batch_rows` rows, a
COMMIT every `commit_rows` rows (so the log never has to hold a whole table), and at the end
IDENTITY_INSERT OFF. fast_executemany is off for tables with (max)/LOB/CLR/sql_variant columns,
where pyodbc would size every array cell for the largest possible value.

Always Encrypted columns cannot be INSERTed as ciphertext (the server rejects varbinary for an
encrypted column); their tables go through bulk copy (bulkcopy.py) instead.
"""
import logging

from ..base import TableLoader as BaseTableLoader
from .errors import is_odbc_error, statement_error
from .values import import_mapper

logger = logging.getLogger(__name__)

BATCH_ROWS = 1000
COMMIT_ROWS = 50_000


class TableLoader(BaseTableLoader):
    """Inserts one table's rows; the target closes it before the next table starts."""

    def __init__(self, session, plan, batch_rows=BATCH_ROWS, commit_rows=COMMIT_ROWS):
        self.session = session
        self.plan = plan
        self.batch_rows = batch_rows
        self.commit_rows = commit_rows
        self.rows = 0
        self._uncommitted = 0
        self._closed = False
        mapper = import_mapper(plan.sql_types, plan.encrypted_flags)
        keep = plan.insert_columns
        width = len(plan.layout)
        if keep == list(range(width)):
            self.mapper = mapper
        else:
            if mapper is None:
                self.mapper = _project(keep)
            else:
                project = _project(keep)
                self.mapper = lambda row: mapper(project(row))
        if plan.identity:
            session.execute(f"SET IDENTITY_INSERT {plan.full_name} ON", subject=f"table {plan.full_name}")
        session.conn.autocommit = False
        self.cursor = session.cursor()
        try:
            self.cursor.fast_executemany = not plan.lob
        except AttributeError:
            pass

    def insert(self, rows):
        if not rows:
            return
        values = list(map(self.mapper, rows)) if self.mapper is not None else rows
        sql = self.plan.insert_sql
        self.session.record(sql)
        for start in range(0, len(values), self.batch_rows):
            chunk = values[start:start + self.batch_rows]
            try:
                self.cursor.executemany(sql, chunk)
            except Exception as error:   # noqa: BLE001 - the driver's errors become domain errors
                if is_odbc_error(error):
                    raise statement_error(error, subject=f"table {self.plan.full_name}: a row after row "
                                                         f"{self.rows + start} was refused",
                                          secrets=self.session.secrets) from None
                raise
        self.rows += len(values)
        self._uncommitted += len(values)
        if self._uncommitted >= self.commit_rows:
            self.session.commit()
            self._uncommitted = 0

    def abort(self):
        """Stop without committing (the import is being undone)."""
        self._closed = True
        try:
            self.cursor.close()
        except Exception:   # noqa: BLE001
            pass
        try:
            self.session.conn.rollback()
            self.session.conn.autocommit = True
        except Exception:   # noqa: BLE001 - the undo reconnects if this connection is broken
            pass

    def close(self):
        if self._closed:
            return
        self._closed = True
        try:
            self.cursor.close()
        except Exception:   # noqa: BLE001
            pass
        self.session.commit()
        self.session.conn.autocommit = True
        if self.plan.identity:
            self.session.execute(f"SET IDENTITY_INSERT {self.plan.full_name} OFF",
                                 subject=f"table {self.plan.full_name}")


def _project(keep):
    indexes = list(keep)

    def project(row):
        return tuple(row[i] for i in indexes)
    return project


__all__ = ["TableLoader", "BATCH_ROWS", "COMMIT_ROWS"]
