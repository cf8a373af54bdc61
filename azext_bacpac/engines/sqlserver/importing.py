"""Building a SQL Server / Azure SQL database from a package.

The target: a database that does not exist yet (CREATE DATABASE, with EDITION / SERVICE_OBJECTIVE /
MAXSIZE on Azure SQL Database when given), or an existing EMPTY one (no tables, views, procedures,
functions, sequences, synonyms, user schemas, user types or column master keys; users may exist).
A database with objects is refused (ConflictError) before anything is read.

Order: the Always Encrypted preflight (before anything is created), the plan (ddl.py; a package the
target cannot take fails here), CREATE DATABASE if needed, the objects before the data, the data
(load.py / bulkcopy.py), the objects after the data.

All or nothing: leaving the block without commit() (an error, a cancel) puts the target back as it
was. A database this import created is dropped. In an existing empty database, everything the
import created is dropped in reverse order (it keeps a list of what it made): foreign keys first,
then modules, tables, sequences, types, keys, schemas, permissions, memberships, users, roles.
While an import into an existing database runs, other sessions can see its objects appear: the
database is only "as it was" again after a failure, not isolated during the run.
"""
import logging
import re
import time

from ...errors import ConflictError, InvalidInputError, UnsupportedError
from ..base import ImportTarget
from . import preflight
from .ddl import plan_import
from .errors import DatabaseNotFoundError, MissingPermissionsError, SqlServerError
from .load import TableLoader
from .tsql import ident, nstring, quoted_name, string

logger = logging.getLogger(__name__)

EDITIONS = {"basic": "Basic", "standard": "Standard", "premium": "Premium", "generalpurpose": "GeneralPurpose",
            "businesscritical": "BusinessCritical", "hyperscale": "Hyperscale"}
SERVICE_OBJECTIVES = {"Basic": r"Basic", "Standard": r"S(0|1|2|3|4|6|7|9|12)", "Premium": r"P(1|2|4|6|11|15)",
                      "GeneralPurpose": r"GP_(S_)?[A-Za-z0-9]+_\d+", "BusinessCritical": r"BC_[A-Za-z0-9]+_\d+",
                      "Hyperscale": r"HS_(S_|PRMS_|MOPRMS_)?[A-Za-z0-9]+_\d+"}
MB = 1 << 20
GB = 1 << 30
SMALL_SIZES_MB = (100, 250, 500)

TARGET_OBJECTS = ("/* bacpac:target_objects */ SELECT "
                  "(SELECT COUNT(*) FROM sys.tables WHERE is_ms_shipped = 0) AS tables, "
                  "(SELECT COUNT(*) FROM sys.objects WHERE is_ms_shipped = 0 AND type IN "
                  "('V', 'P', 'FN', 'IF', 'TF', 'TR', 'SO', 'SN')) AS modules, "
                  "(SELECT COUNT(*) FROM sys.schemas AS s JOIN sys.database_principals AS p ON p.principal_id = "
                  "s.principal_id WHERE s.name NOT IN (N'dbo', N'guest', N'sys', N'INFORMATION_SCHEMA') AND NOT "
                  "(p.type = 'R' AND p.is_fixed_role = 1 AND p.name = s.name)) AS schemas, "
                  "(SELECT COUNT(*) FROM sys.types WHERE is_user_defined = 1) AS types, "
                  "CONVERT(nvarchar(128), DATABASEPROPERTYEX(DB_NAME(), 'Collation')) AS collation_name")
# Only where sys.column_master_keys exists (SQL Server 2016+): preflight.always_encrypted_supported.
MASTER_KEYS = "/* bacpac:master_key_count */ SELECT COUNT(*) AS master_keys FROM sys.column_master_keys"
SERVER_FACTS = ("/* bacpac:server_facts */ SELECT CONVERT(int, SERVERPROPERTY('EngineEdition')) AS engine_edition, "
                "CONVERT(nvarchar(128), SERVERPROPERTY('ProductVersion')) AS product_version")
DATABASE_STATE = "/* bacpac:database_state */ SELECT d.state_desc FROM sys.databases AS d WHERE d.name = ?"
USER_OPTION = ("/* bacpac:user_option */ SELECT p.principal_id, p.name, p.allow_encrypted_value_modifications "
               "FROM sys.database_principals AS p WHERE p.principal_id = DATABASE_PRINCIPAL_ID()")
DROP = {"ROLE": "DROP ROLE {0}", "USER": "DROP USER {0}", "SCHEMA": "DROP SCHEMA {0}",
        "COLUMN MASTER KEY": "DROP COLUMN MASTER KEY {0}", "COLUMN ENCRYPTION KEY": "DROP COLUMN ENCRYPTION KEY {0}",
        "TYPE": "DROP TYPE {0}", "SEQUENCE": "DROP SEQUENCE {0}", "TABLE": "DROP TABLE {0}", "VIEW": "DROP VIEW {0}",
        "PROCEDURE": "DROP PROCEDURE {0}", "FUNCTION": "DROP FUNCTION {0}", "TRIGGER": "DROP TRIGGER {0}"}
_COLLATION = re.compile(r"^[A-Za-z0-9_]+$")


def database_options_sql(edition=None, service_objective=None, max_size_bytes=None):
    """The ( EDITION = ..., SERVICE_OBJECTIVE = ..., MAXSIZE = ... ) clause, validated; '' when none given."""
    parts = []
    canonical = None
    if edition is not None and str(edition).strip().lower() not in ("", "none", "default"):
        canonical = EDITIONS.get(str(edition).strip().lower())
        if canonical is None:
            raise InvalidInputError(f"edition '{edition}' cannot be created with T-SQL; use one of "
                                    f"{', '.join(EDITIONS.values())}")
        parts.append(f"EDITION = {string(canonical)}")
    if service_objective:
        slo = str(service_objective).strip()
        editions = [canonical] if canonical else list(SERVICE_OBJECTIVES)
        match = next((e for e in editions if re.fullmatch(SERVICE_OBJECTIVES[e], slo, re.IGNORECASE)), None)
        if match is None:
            expected = SERVICE_OBJECTIVES[canonical] if canonical else "S0..S12, P1..P15, Basic, GP_Gen5_2, ..."
            raise InvalidInputError(f"service objective '{slo}' is not valid"
                                    f"{' for edition ' + canonical if canonical else ''} (expected {expected})")
        canonical = canonical or match
        parts.append(f"SERVICE_OBJECTIVE = {string(slo)}")
    if max_size_bytes is not None:
        size = int(max_size_bytes)
        if canonical == "Hyperscale":
            raise InvalidInputError("--max-size does not apply to Hyperscale databases (they grow as needed)")
        if size % MB or size <= 0:
            raise InvalidInputError(f"--max-size {size} is not a whole number of megabytes")
        megabytes = size // MB
        if megabytes in SMALL_SIZES_MB:
            text = f"{megabytes} MB"
        elif megabytes % 1024 == 0 and 1 <= megabytes // 1024 <= 4096:
            text = f"{megabytes // 1024} GB"
        else:
            raise InvalidInputError(f"--max-size must be 100MB, 250MB, 500MB or a whole number of GB from 1GB to "
                                    f"4096GB (got {size} bytes)")
        if canonical == "Basic" and size > 2 * GB:
            raise InvalidInputError("--max-size of a Basic database is at most 2GB")
        parts.append(f"MAXSIZE = {text}")
    return f"({', '.join(parts)})" if parts else ""


class SqlServerImportTarget(ImportTarget):
    """A database being built. Use as a context manager; call commit() to keep it."""

    def __init__(self, engine, database):
        self.engine = engine
        self.database = engine.check_database_name(database)
        self.path = f"{engine.settings.address}/{self.database}"
        self.session = None
        self.master = None
        self.state = None                  # 'absent' | 'empty'
        self.created_database = False
        self.created = []                  # creates tuples of statements that succeeded, in order
        self.committed = False
        self.warnings = []
        self._plans = {}
        self._loader = None
        self._user_option = None           # (user, previous value) when ALLOW_ENCRYPTED_VALUE_MODIFICATIONS was set
        self.plan = None
        self.server_facts = {}
        self.failed_principals = set()     # users and roles whose optional CREATE failed
        self.ae_supported = True           # the target has Always Encrypted (sys.column_master_keys)

    # -- the target ----------------------------------------------------------------------------
    def check_target(self):
        """ConflictError unless the database is absent or empty; remembers which."""
        if self.state is not None:
            return
        settings = self.engine.settings
        logger.info("SQL Server engine: %s; server %s", settings.driver.description, settings.address)
        try:
            session = self.engine.session(self.database)
        except DatabaseNotFoundError as not_found:
            master = self._open_master()
            if master.one(DATABASE_STATE, (self.database,)):
                raise not_found from None              # it exists, but this login may not open it
            self.state = "absent"
            return
        try:
            counts = dict(session.one(TARGET_OBJECTS) or {})
            self.ae_supported = preflight.always_encrypted_supported(session.one)
            if self.ae_supported:
                counts.update(session.one(MASTER_KEYS) or {})
        except BaseException:
            session.close()
            raise
        held = [f"{counts[key]} {one if counts[key] == 1 else many}" for key, one, many in
                (("tables", "table", "tables"),
                 ("modules", "view, procedure, function, trigger, sequence or synonym",
                  "views, procedures, functions, triggers, sequences or synonyms"),
                 ("schemas", "user schema", "user schemas"), ("types", "user type", "user types"),
                 ("master_keys", "column master key", "column master keys"))
                if counts.get(key)]
        if held:
            session.close()
            raise ConflictError(f"database '{self.database}' already exists on server '{settings.address}' and holds "
                                f"{', '.join(held)}; import only into a new database or an existing empty one")
        self.session = session
        self.state = "empty"
        self._existing_collation = counts.get("collation_name")
        options = (self.engine.edition, self.engine.service_objective, self.engine.max_size_bytes)
        if any(v is not None for v in options):
            self.warnings.append(f"database '{self.database}' already exists (empty); --edition, "
                                 f"--service-objective and --max-size were not applied to it")

    def _open_master(self):
        if self.master is None:
            self.master = self.engine.session("master")
            self.server_facts = self.master.one(SERVER_FACTS) or {}
        return self.master

    # -- lifetime ------------------------------------------------------------------------------
    def __enter__(self):
        self.check_target()
        return self

    def __exit__(self, *_):
        try:
            if not self.committed:
                self._rollback()
        finally:
            self._close()

    def _close(self):
        if self._loader is not None:
            self._loader = None
        for session in (self.session, self.master):
            if session is not None:
                session.close()
        self.session = self.master = None

    # -- building ------------------------------------------------------------------------------
    def create_schema(self, model, tables):
        """Preflight, plan, create the database if needed, then everything the data needs."""
        self.check_target()
        self._preflight(model)
        self.plan = plan_import(model, tables, import_users=self.engine.import_users)
        self.warnings.extend(self.plan.warnings)
        self._plans = self.plan.tables
        encrypted = [p.full_name for p in self._plans.values() if p.encrypted]
        if encrypted:
            self._bulk_copy_check(encrypted)
        collation = model.database_options.collation if model.database_options else None
        if self.state == "absent":
            self._create_database(collation)
        elif collation and getattr(self, "_existing_collation", None) and collation != self._existing_collation:
            self.warnings.append(f"database '{self.database}' has collation {self._existing_collation}; the package "
                                 f"was exported with {collation}")
        self._run_in_order(self.plan.before_data)
        if encrypted:
            self._allow_encrypted_values()

    def _preflight(self, model):
        azure = self.engine.settings.address.is_azure
        if self.state == "absent":
            master = self._open_master()
            row = master.one(preflight.CREATE_QUERY) or {}
            supported = preflight.always_encrypted_supported(master.one)
            user, checks = preflight.check_import(None, model, creating=True, create_row=row, supported=supported)
        else:
            user, checks = preflight.check_import(self.session.one, model, supported=self.ae_supported)
        self.preflight_results = [c.as_dict() for c in checks]
        preflight.enforce(checks, user=user, database=self.database, direction="import", azure=azure)

    def _bulk_copy_check(self, tables):
        from .bulkcopy import bulk_copy_unavailable
        reason = bulk_copy_unavailable(self.engine.settings)
        if reason:
            raise UnsupportedError(f"table(s) {', '.join(tables)} have Always Encrypted columns, whose ciphertext "
                                   f"can only be loaded by bulk copy, and {reason}; nothing was created (leave "
                                   f"those tables out with --exclude-tables to import the rest)")

    def _create_database(self, collation):
        master = self._open_master()
        options = database_options_sql(self.engine.edition, self.engine.service_objective, self.engine.max_size_bytes)
        azure_db = self.server_facts.get("engine_edition") == 5 or \
            (not self.server_facts and self.engine.settings.address.is_azure)
        if options and not azure_db:
            raise InvalidInputError("--edition, --service-objective and --max-size apply only to Azure SQL Database; "
                                    "leave them out for SQL Server")
        sql = f"CREATE DATABASE {ident(self.database)}"
        if collation:
            if not _COLLATION.match(collation):
                raise InvalidInputError(f"the package's collation {collation!r} is not a collation name")
            sql += f" COLLATE {collation}"
        if options:
            sql += f" {options}"
        master.execute(sql, subject=f"creating database '{self.database}'")
        self.created_database = True
        self._wait_online(master)
        self.session = self.engine.session(self.database)

    def _wait_online(self, master):
        deadline = time.monotonic() + self.engine.create_timeout
        while True:
            row = master.one(DATABASE_STATE, (self.database,))
            state = (row or {}).get("state_desc")
            if state == "ONLINE":
                return
            if time.monotonic() > deadline:
                raise SqlServerError(f"database '{self.database}' was created but is still {state or 'not visible'} "
                                     f"after {self.engine.create_timeout} s")
            time.sleep(self.engine.poll_seconds)

    def _run(self, statement):
        """Execute one planned statement: optional ones warn, ones with a fallback try it, ones that name a
        principal that was not created run their alternative or are skipped, with a warning."""
        missing = [name for name in statement.needs if name in self.failed_principals]
        sql = statement.sql
        if missing:
            if statement.alternative is None:
                self.warnings.append(f"{statement.subject} was not created: {', '.join(map(ident, missing))} "
                                     f"could not be created in the target")
                return
            sql = statement.alternative
            self.warnings.append(statement.alternative_warning or f"{statement.subject}: created without "
                                                                  f"{', '.join(map(ident, missing))}")
        try:
            self._execute(sql, statement)
        except (SqlServerError, MissingPermissionsError) as error:
            if statement.fallback and isinstance(error, SqlServerError):
                self.session.execute(statement.fallback, subject=statement.subject)
                self.warnings.append(statement.fallback_warning or f"{statement.subject}: {error}")
            elif statement.optional:
                self.warnings.append(f"{statement.subject} was not created: {error}")
                if statement.creates and statement.creates[0] in ("USER", "ROLE"):
                    self.failed_principals.add(statement.creates[1])
                return
            else:
                raise
        if statement.creates:
            self.created.append(statement.creates)

    def _execute(self, sql, statement):
        for option in statement.settings:
            self.session.execute(f"SET {option} OFF", subject=statement.subject)
        try:
            self.session.execute(sql, subject=statement.subject)
        finally:
            for option in statement.settings:
                self.session.execute(f"SET {option} ON", subject=statement.subject)

    def _run_in_order(self, statements):
        """Statements in plan order; a run of deferrable ones (modules) goes in passes (_run_deferred)."""
        block = []
        for statement in statements:
            if statement.deferrable:
                block.append(statement)
                continue
            if block:
                self._run_deferred(block)
                block = []
            self._run(statement)
        if block:
            self._run_deferred(block)

    def _allow_encrypted_values(self):
        """Ciphertext goes in by bulk copy with BCPMODIFYENCRYPTED, the ODBC counterpart of
        SqlBulkCopyOptions.AllowEncryptedValueModifications, which SqlPackage relies on; that needs no
        change to the database owner. The user option ALLOW_ENCRYPTED_VALUE_MODIFICATIONS ("Bulk load
        encrypted data to columns using Always Encrypted") is turned on only for an importing user that
        is not dbo (SQL Server refuses several ALTER USER options for dbo, Msg 15150), and only for the
        data phase; if it cannot be set, the bulk copy still runs and the server has the last word."""
        row = self.session.one(USER_OPTION) or {}
        name = row.get("name") or "dbo"
        if row.get("allow_encrypted_value_modifications") or row.get("principal_id") == 1 or name == "dbo":
            return
        try:
            self.session.execute(f"ALTER USER {ident(name)} WITH ALLOW_ENCRYPTED_VALUE_MODIFICATIONS = ON",
                                 subject="allowing the bulk copy of Always Encrypted ciphertext")
        except (SqlServerError, MissingPermissionsError) as error:
            logger.info("ALLOW_ENCRYPTED_VALUE_MODIFICATIONS could not be set for %s (%s); the bulk copy relies on "
                        "BCPMODIFYENCRYPTED alone", ident(name), error)
            return
        self._user_option = name

    def _restore_user_option(self):
        if self._user_option and self.session is not None:
            name, self._user_option = self._user_option, None
            self.session.execute(f"ALTER USER {ident(name)} WITH ALLOW_ENCRYPTED_VALUE_MODIFICATIONS = OFF",
                                 subject="restoring ALLOW_ENCRYPTED_VALUE_MODIFICATIONS")

    def table_loader(self, full_name):
        self._close_loader()
        plan = self._plans[full_name]
        if plan.encrypted:
            from .bulkcopy import BulkCopyLoader
            self._loader = BulkCopyLoader(self.engine.settings, self.database, plan, self.session)
        else:
            self._loader = TableLoader(self.session, plan, self.engine.insert_rows)
        return self._loader

    def loaded_rows(self, full_name):
        """Rows the table holds once its load is committed: the pipeline compares them with the rows sent."""
        self._close_loader()
        row = self.session.one(f"/* bacpac:loaded_rows */ SELECT COUNT_BIG(*) AS row_count FROM {full_name}",
                               subject=f"table {full_name}")
        return int((row or {}).get("row_count") or 0)

    def _close_loader(self):
        loader, self._loader = self._loader, None
        if loader is not None:
            loader.close()

    def finish(self, package_parts):
        """Keys, indexes, foreign keys, checks, modules and triggers; returns the warnings."""
        del package_parts                     # the model is in the database itself now
        self._close_loader()
        self._restore_user_option()
        self._run_in_order(self.plan.after_data)
        return self.warnings

    def _run_deferred(self, statements):
        """Modules in passes: one that needs another not created yet is tried again in the next pass."""
        pending = list(statements)
        while pending:
            failed, first_error = [], None
            for statement in pending:
                try:
                    self._run(statement)
                except SqlServerError as error:
                    failed.append(statement)
                    first_error = first_error or error
            if len(failed) == len(pending):
                raise first_error
            pending = failed

    def commit(self):
        self._close_loader()
        self._restore_user_option()
        self.committed = True

    # -- putting it back -----------------------------------------------------------------------
    def _rollback(self):
        loader, self._loader = self._loader, None
        if loader is not None:
            try:
                loader.abort()
            except Exception:   # noqa: BLE001
                pass
        problems = []
        if self.created_database:
            self._drop_database(problems)
        elif self.created or self._user_option:
            self._drop_created(problems)
        if problems:
            logger.warning("the failed import could not remove everything it created in database '%s': %s",
                           self.database, "; ".join(problems))

    def _fresh(self, name):
        try:
            return self.engine.session(name)
        except Exception as error:   # noqa: BLE001
            logger.warning("cannot reconnect to clean up: %s", error)
            return None

    def _drop_database(self, problems):
        if self.session is not None:
            self.session.close()
            self.session = None
        master = self.master or self._fresh("master")
        self.master = master
        if master is None:
            problems.append(f"database '{self.database}' was created and must be dropped by hand")
            return
        if self.server_facts.get("engine_edition") not in (5, 8):
            try:
                master.execute(f"ALTER DATABASE {ident(self.database)} SET SINGLE_USER WITH ROLLBACK IMMEDIATE")
            except Exception:   # noqa: BLE001 - DROP says why if it matters
                pass
        try:
            master.execute(f"DROP DATABASE {ident(self.database)}", subject=f"dropping database '{self.database}'")
        except Exception as error:   # noqa: BLE001
            problems.append(f"DROP DATABASE failed: {error}")

    def _drop_created(self, problems):
        session = self.session
        try:
            if session is not None:
                session.conn.rollback()
                session.conn.autocommit = True
        except Exception:   # noqa: BLE001 - a broken connection is replaced below
            session = None
        if session is None:
            session = self.session = self._fresh(self.database)
            if session is None:
                problems.append("no connection to remove the created objects")
                return
        try:
            self._restore_user_option()
        except Exception as error:   # noqa: BLE001
            problems.append(f"ALLOW_ENCRYPTED_VALUE_MODIFICATIONS could not be reset: {error}")
        tables = [c[1] for c in self.created if c[0] == "TABLE"]
        if tables:
            ids = ", ".join(f"OBJECT_ID({nstring(t)})" for t in tables)
            try:
                query = ("/* bacpac:created_foreign_keys */ SELECT OBJECT_SCHEMA_NAME(fk.parent_object_id) AS "
                         "schema_name, OBJECT_NAME(fk.parent_object_id) AS table_name, fk.name FROM sys.foreign_keys "
                         f"AS fk WHERE fk.parent_object_id IN ({ids}) OR fk.referenced_object_id IN ({ids})")
                for row in session.rows(query):
                    session.execute(f"ALTER TABLE {ident(row['schema_name'])}.{ident(row['table_name'])} "
                                    f"DROP CONSTRAINT {ident(row['name'])}")
            except Exception as error:   # noqa: BLE001
                problems.append(f"foreign keys: {error}")
        for creates in reversed(self.created):
            sql = _drop_sql(creates)
            if sql is None:
                continue
            try:
                session.execute(sql)
            except Exception as error:   # noqa: BLE001
                problems.append(f"{sql}: {error}")


def _drop_sql(creates):
    kind = creates[0]
    if kind == "FOREIGN KEY":
        return None                        # dropped with the query above (unnamed ones included)
    if kind == "MEMBERSHIP":
        return f"ALTER ROLE {ident(creates[1])} DROP MEMBER {ident(creates[2])}"
    if kind == "PERMISSION":
        return f"REVOKE {creates[1]} FROM {ident(creates[2])} CASCADE"
    template = DROP.get(kind)
    if template is None:
        return None
    return template.format(quoted_name(creates[1]))


__all__ = ["SqlServerImportTarget", "database_options_sql", "TARGET_OBJECTS"]
