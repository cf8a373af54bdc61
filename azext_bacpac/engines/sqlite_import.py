"""Building a SQLite database from a package: into a new file, published only when complete.

The database is built in `.<name>.sqlite.importing-<pid>` beside the target, with settings for
bulk-loading a file nobody else sees yet (no journal, no fsync per transaction, exclusive lock,
a large page cache), in one transaction: tables with their keys, rows in executemany batches,
then secondary indexes, a foreign key check and the catalog of the original model. Only then is
the file made durable and published with os.link, which fails if the target appeared meanwhile;
an existing *empty* database (no schema objects at all) may be replaced. Leaving the block without
commit() (an error, a cancel) deletes the temporary file: the target is left as it was.
"""
import glob
import itertools
import os
import sqlite3
import urllib.request

from ..errors import ConflictError, EngineError
from ..processes import pid_alive
from ..filemodes import PRIVATE, publish_mode
from . import sqlite_catalog
from .base import ImportTarget, TableLoader
from .sqlite import engine_error
from .sqlite_ddl import plan_tables
from .sqlite_objects import Expressions, count_violations, create_views, inventory, summary_warning
from .sqlite_parking import SchemaParking
from .sqlite_schema import fingerprint, quote_ident, user_object_count
from .sqlite_types import numbers_may_stay_text

# temp_store FILE: index builds sort in cache_size memory and spill the rest to a temporary file
# (MEMORY would keep the whole sort in RAM: peak RSS growing with the largest index).
# ignore_check_constraints: rows load as the source holds them; sqlite_objects.count_violations names
# the ones a check refuses afterwards (the setting belongs to this connection, not to the file).
_BULK_PRAGMAS = ("PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF", "PRAGMA locking_mode = EXCLUSIVE",
                 "PRAGMA temp_store = FILE", "PRAGMA cache_size = -16384", "PRAGMA foreign_keys = OFF",
                 "PRAGMA ignore_check_constraints = ON")
_INDEX_CACHE_PRAGMA = "PRAGMA cache_size = -2048"


class SqliteImportTarget(ImportTarget):
    """A new database being built. Use as a context manager; call commit() to publish it."""

    def __init__(self, engine, database):
        self.engine = engine
        self.database = database
        self.path = engine.database_path(database)
        self.temp_path = self.path.with_name(f".{self.path.name}.importing-{os.getpid()}")
        self.conn = None
        self.committed = False
        self.warnings = []
        self.not_created = []        # sqlite_objects.NotCreated as dicts: what the package has that SQLite did not get
        self._plans = {}
        self._model = None
        self._expressions = Expressions()
        self._views = {}
        self._parking = None         # SchemaParking once the tables are being created
        self._native = None          # the _load module once checked (False: not usable)

    # -- lifetime ------------------------------------------------------------------------------
    def __enter__(self):
        self.check_target()
        self._remove_stale_builds()
        try:
            fd = os.open(self.temp_path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), PRIVATE)
            os.close(fd)
        except FileExistsError:
            raise ConflictError(f"an import into database '{self.database}' is already running in this process "
                                f"({self.temp_path.name} exists)") from None
        except OSError as error:
            raise EngineError(f"cannot create a file in {self.path.parent}: {error.strerror or error}") from None
        try:
            self.conn = sqlite3.connect(self.temp_path, isolation_level=None, check_same_thread=False)
            for pragma in _BULK_PRAGMAS:
                self.conn.execute(pragma)
            self.conn.execute("BEGIN")
        except BaseException:
            self._discard()
            raise
        return self

    def __exit__(self, *_):
        if not self.committed:
            self._discard()

    def _remove_stale_builds(self):
        """Temporary files of imports whose process was killed (it could not clean up)."""
        prefix = f".{self.path.name}.importing-"
        for path in self.path.parent.glob(glob.escape(prefix) + "*"):
            pid = path.name[len(prefix):]
            if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
                try:
                    os.unlink(path)
                except OSError:
                    pass

    def _discard(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except sqlite3.Error:
                pass
            self.conn = None
        for path in (self.temp_path, self.temp_path.with_name(self.temp_path.name + "-journal")):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    # -- the no-overwrite rule -----------------------------------------------------------------
    def check_target(self):
        """ConflictError unless the target is absent or an empty database (nothing to lose)."""
        if not os.path.lexists(self.path):
            return
        reason = self._why_not_replaceable()
        if reason:
            raise ConflictError(f"database '{self.database}' already exists in folder {self.path.parent} and "
                                f"{reason}; import only into a new or empty database")

    def _why_not_replaceable(self):
        if not self.path.is_file():
            return "is not a file"
        for suffix in ("-wal", "-journal"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists() and side.stat().st_size:
                return f"is in use (it has a {suffix[1:]} file)"
        if self.path.stat().st_size == 0:
            return None
        uri = "file:" + urllib.request.pathname2url(os.path.abspath(self.path)) + "?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=self.engine.busy_timeout)
            try:
                count = user_object_count(conn)
            finally:
                conn.close()
        except sqlite3.Error as error:
            if "locked" in str(error).lower() or "busy" in str(error).lower():
                return "is locked by another process (a write is in progress)"
            return "is not an empty SQLite database"
        return f"holds {count} {'table, index or view' if count == 1 else 'tables, indexes or views'}" if count else None

    # -- building ------------------------------------------------------------------------------
    def create_schema(self, model, tables):
        """Create the tables (with keys and foreign keys) for the given model Tables."""
        plans, warnings = plan_tables(model, tables, self._expressions)
        self.warnings.extend(warnings)
        self._model = model
        self._plans = {plan.table.full_name: plan for plan in plans}
        if not self.engine.bookkeeping:
            for plan in plans:
                for column in plan.columns:
                    column.companion = None        # sql_variant: the visible value only
        try:
            if self.engine.bookkeeping:
                sqlite_catalog.create(self.conn)
            self._parking = SchemaParking(self.conn)
            for plan in plans:
                self.conn.execute(plan.create_table_sql())
                self._parking.created()
            self._parking.park()
        except sqlite3.Error as error:
            raise engine_error(error, f"database '{self.database}'") from None

    def table_loader(self, full_name):
        plan = self._plans[full_name]
        self._live(plan)
        return _TableLoader(self.conn, plan)

    def _live(self, plan):
        if self._parking is None:
            return
        try:
            self._parking.live(plan.sqlite_name)
        except sqlite3.Error as error:
            raise engine_error(error, f"database '{self.database}'") from None

    def loaded_rows(self, full_name):
        """Rows the table holds now (inside the import's transaction): the pipeline checks them
        against the rows it sent."""
        name = self._plans[full_name].sqlite_name
        try:
            return self.conn.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchone()[0]
        except sqlite3.Error as error:
            raise engine_error(error, f"table '{name}'") from None

    def loads_natively(self, full_name, layout):
        """Whether table_load_native() will load this table in C (the module is built and turned
        on, may share this connection, and covers every column; see sqlite_native_import)."""
        from . import sqlite_native_import
        if self._native is None:
            self._native = sqlite_native_import.available(self.conn) or False
        return bool(self._native) and sqlite_native_import.column_ops(self._plans[full_name], layout) is not None

    def table_load_native(self, full_name, layout):
        """(loader, NativeTableLoad) for a table loads_natively() accepted; close the second when done."""
        from .sqlite_native_import import NativeTableLoad
        loader = self.table_loader(full_name)
        return loader, NativeTableLoad(self._native, loader, layout)

    def finish(self, package_parts):
        """Secondary indexes, the foreign key check and the catalog; then commit the transaction.

        package_parts: dict with 'model.xml' (bytes to store), 'Origin.xml', 'DacMetadata.xml'.
        """
        try:
            # The index sorter works in cache_size memory: runs of a few MiB sort within the CPU's
            # caches and merge, more than twice as fast as one run of 32 MiB (3.4 M keys: 1.3 s, not 3.7 s).
            self.conn.execute(_INDEX_CACHE_PRAGMA)
            for plan in self._plans.values():
                texts = self._exact_text_columns(plan)
                if plan.indexes or texts or plan.checks:
                    self._live(plan)
                for index in plan.indexes:
                    self._create_index(plan, index)
                if texts:
                    self._count_exact_text(plan, texts)
                if plan.checks:
                    self.warnings.extend(count_violations(self.conn, [plan]))
            # The whole schema is read again (and held: ~20 MB at 50,000 tables) only when the foreign key
            # check or a view needs every table at once; the catalog reads the parked rows.
            has_views = self._model is not None and any(
                module.element_type == "SqlView" for module in self._model.modules)
            has_foreign_keys = any(plan.foreign_keys for plan in self._plans.values())
            if has_views or has_foreign_keys:
                self._restore()
            if has_foreign_keys:
                self._check_foreign_keys()
            if has_views:
                self._create_views()
            if self.engine.bookkeeping:
                self._write_catalog(package_parts)
            self._restore()
            self._report_not_created()
            self.conn.execute("COMMIT")
        except sqlite3.Error as error:
            raise engine_error(error, f"database '{self.database}'") from None
        return self.warnings

    def _create_views(self):
        if self._model is None:
            return
        taken = {name.lower() for (name,) in self.conn.execute("SELECT name FROM sqlite_master")}
        self._views = create_views(self.conn, self._model, list(self._plans.values()), taken, self._expressions)

    def _report_not_created(self):
        if self._model is None:
            return
        found = inventory(self._model, list(self._plans.values()), self._expressions)
        self.not_created = [item.as_dict() for item in found]
        warning = summary_warning(found, self.engine.bookkeeping)
        if warning:
            self.warnings.append(warning)

    def _write_catalog(self, package_parts):
        """The bookkeeping tables a lossless re-export reads (sqlite_catalog). Fingerprints come from the
        schema's text (parked or not), streamed (not read_tables(): its per-table detail is not needed
        here, and would be most of an import's memory at 50,000 tables)."""
        catalog = sqlite_catalog.StoredCatalog(package_parts["model.xml"], package_parts.get("Origin.xml"),
                                               package_parts.get("DacMetadata.xml"))
        view_sql = dict(self.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall())
        for name, model_name in self._views.items():
            catalog.views[name] = [model_name, view_sql.get(name)]
        sqlite_catalog.write(self.conn, catalog)
        plans = {plan.sqlite_name: plan for plan in self._plans.values()}
        explicit = {}
        for kind, name, table_name, sql in self._schema_rows("type = 'index' AND sql IS NOT NULL"):
            if table_name in plans:
                explicit.setdefault(table_name, {})[name] = sql
        tables = self._schema_rows("type = 'table'")
        sqlite_catalog.write_tables(self.conn, (
            self._stored_table(plans[name], sql, explicit.get(name, {}))
            for _, name, _, sql in tables if name in plans))

    def _schema_rows(self, where):
        """(type, name, tbl_name, sql) of the schema's rows, parked or not."""
        parked = self._parking.parked_rows(where) if self._parking is not None else []
        return itertools.chain(parked, self.conn.execute(f"SELECT type, name, tbl_name, sql FROM main.sqlite_master "
                                                         f"WHERE {where}"))

    @staticmethod
    def _stored_table(plan, table_sql, indexes):
        return sqlite_catalog.StoredTable(
            plan.sqlite_name, plan.table.schema, plan.table.name, fingerprint(table_sql, indexes), plan.companions,
            {index.sqlite_name: index.model_name for index in plan.indexes if index.sqlite_name in indexes})

    def _create_index(self, plan, index):
        try:
            self.conn.execute(plan.index_sql(index))
            return
        except sqlite3.Error as error:
            first_error = error
        # T-SQL filters SQLite cannot parse, or a unique index the data does not satisfy in SQLite.
        for unique, where in ((index.unique, False), (False, False)):
            try:
                self.conn.execute(plan.index_sql(index, unique=unique, where=where))
            except sqlite3.Error:
                continue
            changes = (["without its filter"] if index.where else []) + \
                (["as a non-unique index"] if index.unique and not unique else [])
            self.warnings.append(f"index {index.model_name} was created {' and '.join(changes)} in SQLite "
                                 f"({first_error}); the package's definition is kept for export")
            return
        self.warnings.append(f"index {index.model_name} could not be created in SQLite ({first_error})")

    @staticmethod
    def _exact_text_columns(plan):
        """The decimal/money columns of a plan where values may stay exact text (sqlite_types.exact_number)."""
        return [c.name for c in plan.columns if not c.encrypted and numbers_may_stay_text(c.sql_type)]

    def _count_exact_text(self, plan, columns):
        """Name the columns of a (live) table where values stayed exact text: one scan of the table."""
        sums = ", ".join(f"sum(typeof({quote_ident(c)}) = 'text')" for c in columns)
        counts = self.conn.execute(f"SELECT {sums} FROM {quote_ident(plan.sqlite_name)}").fetchone()
        kept = [f"{column} ({count})" for column, count in zip(columns, counts) if count]
        if kept:
            self.warnings.append(f"table {plan.table.full_name}: values kept as exact text, as SQLite numbers "
                                 f"would lose digits (more than 15 significant): {', '.join(kept)}; they "
                                 f"sort and compare as text")

    def _restore(self):
        if self._parking is not None:
            self._parking.restore()

    def _check_foreign_keys(self):
        try:
            violations = {}
            for table, _, parent, _ in self.conn.execute("PRAGMA foreign_key_check"):
                violations[(table, parent)] = violations.get((table, parent), 0) + 1
        except sqlite3.Error as error:
            self.warnings.append(f"foreign keys were not checked: {error}")
            return
        for (table, parent), count in violations.items():
            self.warnings.append(f"{count} row(s) of '{table}' refer to rows missing from '{parent}' (the source "
                                 f"data did not satisfy the foreign key)")

    # -- publishing ----------------------------------------------------------------------------
    def commit(self):
        """Make the new database durable and give it its name; the no-overwrite rule is checked again."""
        try:
            self.conn.close()
        except sqlite3.Error as error:
            raise engine_error(error, f"database '{self.database}'") from None
        self.conn = None
        try:
            publish_mode(self.temp_path, self.path)     # the umask's, or the replaced empty database's
            fd = os.open(self.temp_path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(self.temp_path, self.path)
            except FileExistsError:
                self.check_target()               # an empty database may be replaced, nothing else
                os.replace(self.temp_path, self.path)
            except OSError:
                # No hard links on this file system: check, then rename.
                self.check_target()
                os.replace(self.temp_path, self.path)
            else:
                os.unlink(self.temp_path)
        except OSError as error:
            raise EngineError(f"cannot publish database '{self.database}' in {self.path.parent}: "
                              f"{error.strerror or error}") from None
        self.committed = True


class _TableLoader(TableLoader):
    """Inserts one table's rows in executemany batches (inside the import's transaction)."""

    def __init__(self, conn, plan):
        self.conn = conn
        self.plan = plan
        self.sql = plan.insert_sql()
        self.mapper = plan.row_mapper()
        self.mapped_elsewhere = False     # set by a pipeline whose decoder already applies mapper_spec()
        self.rows = 0
        self.variants = [c.name for c in plan.columns if c.companion]
        self.alias = next((i for i, c in enumerate(plan.columns) if c.name == plan.rowid_alias), None)

    def mapper_spec(self):
        """(width, outputs) of this table's row mapper (rowmap.compile_row_mapper), picklable."""
        return self.plan.row_mapper_spec()

    def decode_spec(self):
        """(decoders for RowCodec, mapper spec after them): a decoder in another process yields
        rows ready for insert with mapped_elsewhere set. Both picklable."""
        decoders = self.plan.raw_decoders()
        return decoders, self.plan.row_mapper_spec(set(decoders))

    def insert(self, rows):
        mapper = None if self.mapped_elsewhere else self.mapper
        try:
            if self.variants:
                self._insert_with_variants(rows if mapper is None else list(map(mapper, rows)))
            else:
                self.conn.executemany(self.sql, rows if mapper is None else map(mapper, rows))
        except sqlite3.Error as error:
            raise EngineError(f"table {self.plan.table.full_name}: SQLite refused a row after row {self.rows}: "
                              f"{error}") from None
        except UnicodeEncodeError:
            # SQL Server text may hold unpaired UTF-16 surrogates; SQLite's UTF-8 text cannot.
            raise EngineError(f"table {self.plan.table.full_name}: a text value after row {self.rows} holds an "
                              f"unpaired UTF-16 surrogate, which SQLite text cannot store") from None
        except (ValueError, OverflowError, TypeError) as error:
            raise EngineError(f"table {self.plan.table.full_name}: a value after row {self.rows} cannot be "
                              f"stored in SQLite: {error}") from None
        self.rows += len(rows)

    def _insert_with_variants(self, rows):
        """Rows whose sql_variant bytes follow the table's columns: the columns into the table, the
        bytes into sqlite_catalog.VARIANTS_TABLE by rowid (the identity key's value, else the row's
        number: the table is new, so SQLite numbers its rows 1, 2, 3...)."""
        width = len(self.plan.columns)
        self.conn.executemany(self.sql, [row[:width] for row in rows])
        kept = []
        for number, row in enumerate(rows, self.rows + 1):
            rowid = number if self.alias is None else row[self.alias]
            kept.extend((self.plan.sqlite_name, column, rowid, raw)
                        for column, raw in zip(self.variants, row[width:]) if raw is not None)
        self.conn.executemany(f"INSERT INTO {quote_ident(sqlite_catalog.VARIANTS_TABLE)} VALUES (?, ?, ?, ?)", kept)
