"""Reading a SQL Server / Azure SQL database for export: its model, and its rows as codec-ready batches.

Order of work in __enter__ (before any row is read):
  1. connect (ColumnEncryption=Disabled: encrypted columns come as ciphertext);
  2. the Always Encrypted preflight (preflight.py): missing key permissions stop the export here;
  3. a consistent read (CONSISTENCY_HELP): SNAPSHOT isolation when the database allows it, else a
     database snapshot where the server supports one (SQL Server, not Azure SQL Database), else a
     warning in the summary;
  4. the catalog (catalog.py), with the check that every encrypted column's key is visible.
Rows are read with an explicit column list (CLR types cast to varbinary(max)), fetchmany batches,
and turned into codec values (values.py).
"""
import logging
import uuid

from ...errors import EngineError, UnsupportedError
from ...format.parts import Origin
from ..base import ExportSource
from . import preflight
from .catalog import ENGINE_AZURE_SQL_DATABASE, ENGINE_MANAGED_INSTANCE, Q, CatalogReader
from .errors import SqlServerError
from .tsql import ident, nstring
from .values import export_mapper

logger = logging.getLogger(__name__)

BATCH_ROWS = 5000
CONSISTENCY_MODES = ("auto", "required", "none")
NOT_CONSISTENT = "export is not transactionally consistent"


class SqlServerExportSource(ExportSource):
    """One database opened for export. Use as a context manager."""

    model_bytes = None
    model_bom = False
    model_source = "catalog"
    row_count_is_estimate = True      # sys.partitions' approximate row counts

    def __init__(self, engine, database):
        self.engine = engine
        self.database = engine.check_database_name(database)
        self.session = None          # the connection rows are read from
        self.admin = None            # the connection to the source itself, when reading from a snapshot
        self.snapshot_name = None
        self.consistency = "none"
        self.warnings = []
        self.catalog = None
        self.user = None
        self._pending = None             # (full name, open cursor, rows read[, resume token])
        self._resume_token = 0

    # -- lifetime ------------------------------------------------------------------------------
    def __enter__(self):
        settings = self.engine.settings
        logger.info("SQL Server engine: %s; server %s", settings.driver.description, settings.address)
        try:
            self.session = self.engine.session(self.database)
            self._preflight()
            facts = self.session.one(Q["facts"]) or {}
            self._consistent_read(facts)
            reader = CatalogReader(self._catalog_query(facts))
            self.catalog = reader.read()
            preflight.enforce_visibility(self.catalog, user=self.user, database=self.database)
        except BaseException:
            self.close()
            raise
        self.model = self.catalog.model
        self.warnings = self.warnings + list(self.catalog.warnings)
        return self

    def __exit__(self, *_):
        self.close()

    def close(self):
        self._close_pending()
        if self.session is not None:
            try:
                self.session.conn.rollback()
            except Exception:   # noqa: BLE001 - the connection may already be broken
                pass
            self.session.close()
            self.session = None
        if self.snapshot_name and self.admin is not None:
            try:
                self.admin.execute(f"DROP DATABASE {ident(self.snapshot_name)}")
            except Exception as error:   # noqa: BLE001 - reported, never hides the export's own outcome
                logger.warning("the database snapshot %s could not be dropped (%s); drop it by hand",
                               self.snapshot_name, error)
            self.snapshot_name = None
        if self.admin is not None:
            self.admin.close()
            self.admin = None

    def _catalog_query(self, facts):
        def query(name):
            if name == "facts":
                return [facts]
            if name == "logins":                       # they live in master
                master = self.engine.session("master")
                try:
                    return master.rows(Q[name])
                finally:
                    master.close()
            return self.session.rows(Q[name])
        return query

    # -- preflight -----------------------------------------------------------------------------
    def _preflight(self):
        user, checks, _ = preflight.check_export(self.session.one)
        self.user = user
        preflight.enforce(checks, user=user, database=self.database, direction="export",
                          azure=self.engine.settings.address.is_azure)

    # -- consistency ---------------------------------------------------------------------------
    def _consistent_read(self, facts):
        mode = self.engine.consistency
        if mode == "none":
            self.consistency = "none"
            return
        reasons = []
        if facts.get("snapshot_isolation_state") == 1:
            self.session.execute("SET TRANSACTION ISOLATION LEVEL SNAPSHOT")
            self.session.conn.autocommit = False
            self.consistency = "snapshot-isolation"
            return
        reasons.append(f"ALLOW_SNAPSHOT_ISOLATION is OFF on database '{self.database}'")
        edition = facts.get("engine_edition")
        if edition in (ENGINE_AZURE_SQL_DATABASE, ENGINE_MANAGED_INSTANCE):
            reasons.append("database snapshots are not available on Azure SQL")
        else:
            reason = self._database_snapshot()
            if reason is None:
                self.consistency = "database-snapshot"
                return
            reasons.append(reason)
        message = (f"{NOT_CONSISTENT}: {'; '.join(reasons)}; rows changed while it runs may be inconsistent across "
                   f"tables (enable it with ALTER DATABASE {ident(self.database)} SET ALLOW_SNAPSHOT_ISOLATION ON, "
                   f"or export a copy of the database)")
        if mode == "required":
            raise UnsupportedError(message.replace(NOT_CONSISTENT, "a transactionally consistent export is not "
                                                                   "possible", 1))
        self.warnings.append(message)

    def _database_snapshot(self):
        """Create a database snapshot and read from it; None on success, else why not."""
        try:
            files = self.session.rows("/* bacpac:data_files */ SELECT f.name, f.physical_name, f.type "
                                      "FROM sys.database_files AS f ORDER BY f.file_id")
        except SqlServerError as error:
            return f"its data files could not be listed ({error})"
        data = [f for f in files if f.get("type") == 0]
        if not data or any(f.get("type") == 2 for f in files):
            return "a database snapshot cannot be made of it (FILESTREAM or no data files)"
        name = f"{self.database}_bacpac_{uuid.uuid4().hex[:8]}"
        specs = []
        for f in data:
            folder = _folder(f["physical_name"])
            specs.append(f"(NAME = {ident(f['name'])}, FILENAME = {nstring(folder + name + '_' + f['name'] + '.ss')})")
        try:
            self.session.execute(f"CREATE DATABASE {ident(name)} ON {', '.join(specs)} AS SNAPSHOT OF "
                                 f"{ident(self.database)}", subject="creating a database snapshot")
        except SqlServerError as error:
            return f"a database snapshot could not be created ({error})"
        self.admin, self.snapshot_name = self.session, name
        try:
            self.session = self.engine.session(name)
        except BaseException:
            self.session, self.admin = self.admin, None
            self.session.execute(f"DROP DATABASE {ident(name)}")
            self.snapshot_name = None
            raise
        logger.info("reading from database snapshot %s", name)
        return None

    # -- what the pipeline reads ---------------------------------------------------------------
    @property
    def table_names(self):
        return list(self.catalog.bindings)

    def origin(self):
        facts = self.catalog.facts
        version = facts.get("version_text") or f"Microsoft SQL Server {facts.get('product_version')}"
        return Origin(server_version=version,
                      source_database_size=int(facts.get("size_kb") or 0))

    def row_count(self, full_name):
        """Rows of a table as the server's partition statistics count them: an estimate ("approximate
        number of rows", sys.partitions), so it guides progress and never decides what is read;
        exact_row_count() checks the rows written."""
        self._close_pending()
        row = self.session.one("/* bacpac:row_count */ SELECT SUM(p.rows) AS row_count FROM sys.partitions AS p "
                               "WHERE p.object_id = ? AND p.index_id IN (0, 1)",
                               (self.catalog.bindings[full_name].object_id,), subject=f"table {full_name}")
        return int((row or {}).get("row_count") or 0)

    @property
    def consistent(self):
        """Whether every table is read from one point in time (snapshot isolation or a database snapshot)."""
        return self.consistency != "none"

    def exact_row_count(self, full_name):
        """COUNT_BIG(*) of a table in the export's own read (the same snapshot as its rows)."""
        self._close_pending()
        row = self.session.one(f"/* bacpac:exact_row_count */ SELECT COUNT_BIG(*) AS row_count FROM {full_name}",
                               subject=f"table {full_name}")
        return int((row or {}).get("row_count") or 0)

    def select_sql(self, full_name):
        binding = self.catalog.bindings[full_name]
        return f"SELECT {', '.join(binding.select)} FROM {full_name}"

    def row_batches(self, full_name, batch_rows=None, part=None):
        """Lists of rows (stored-column order, codec values) of a table.

        `part` is None (the whole table) or a key from resume(): the rest of a read that stopped
        after a part of the package was full. The read goes on from the same open cursor, in the
        same transaction, so no row is read twice or missed (SQL Server gives no stable order to
        re-read a range by position).
        """
        binding = self.catalog.bindings[full_name]
        batch_rows = batch_rows or self.engine.batch_rows or BATCH_ROWS
        if not binding.select:
            return
        mapper = export_mapper(binding.types, binding.encrypted,
                               text_temporals=not self.engine.settings.driver.is_microsoft)
        if part is None:
            self._close_pending()
            sql = self.select_sql(full_name)
            self.session.record(sql)
            cursor = self.session.cursor()
            done = 0
            try:
                cursor.execute(sql)
            except Exception as error:   # noqa: BLE001 - the driver's errors become domain errors
                _close(cursor)
                raise self._error(error, full_name) from None
        else:
            cursor, done = self._take_pending(full_name, part)
        try:
            while True:
                try:
                    rows = cursor.fetchmany(batch_rows)
                except Exception as error:   # noqa: BLE001 - the driver's errors become domain errors
                    raise self._error(error, full_name) from None
                if not rows:
                    break
                done += len(rows)
                self._pending = (full_name, cursor, done)
                yield list(map(mapper, rows)) if mapper is not None else rows
        except GeneratorExit:
            return                       # the reader stopped: the cursor stays open for resume()
        except BaseException:
            self._drop(cursor)
            raise
        self._drop(cursor)

    def _drop(self, cursor):
        if self._pending is not None and self._pending[1] is cursor:
            self._pending = None
        _close(cursor)

    def partitions(self, full_name, rows_per_part):
        """One range per table: a large table is split by resume() as its parts fill up."""
        del full_name, rows_per_part
        return [None]

    def resume(self, full_name, part, rows_done):
        """The key of the rest of a read that stopped after `rows_done` rows (of `part`)."""
        pending = self._pending
        if pending is None or pending[0] != full_name:
            return None
        started = part[2] if part is not None else 0
        if pending[2] != started + rows_done:
            raise EngineError(f"table {full_name}: the export stopped inside a batch of rows ({rows_done} rows taken "
                              f"of {pending[2] - started} read); it cannot go on consistently")
        self._resume_token += 1
        self._pending = (full_name, pending[1], pending[2], self._resume_token)
        return ("cursor", self._resume_token, pending[2])

    def parallel_reader(self):
        """None: worker processes would each see their own snapshot; this engine reads in one transaction."""
        return None

    def _take_pending(self, full_name, part):
        pending = self._pending
        if pending is None or len(pending) < 4 or pending[0] != full_name or part[:2] != ("cursor", pending[3]):
            raise EngineError(f"table {full_name}: the rest of this table's rows is no longer available to read")
        self._pending = (full_name, pending[1], pending[2])
        return pending[1], pending[2]

    def _close_pending(self):
        pending, self._pending = self._pending, None
        if pending is not None:
            _close(pending[1])

    def _error(self, error, full_name):
        translated = self.session.translate(error, f"reading table {full_name}")
        return translated


def _close(cursor):
    try:
        cursor.close()
    except Exception:   # noqa: BLE001
        pass


def _folder(physical_name):
    cut = max(physical_name.rfind("/"), physical_name.rfind("\\"))
    return physical_name[:cut + 1]


__all__ = ["SqlServerExportSource", "CONSISTENCY_MODES", "NOT_CONSISTENT"]
