"""The SQL Server and Azure SQL engine: export from and import into a server reached over TDS (pyodbc).

  engine = SqlServerEngine("myserver", user=..., password=...)      # or no credentials: Entra token
  engine.export_source(database) / engine.import_target(database)  # the interface of engines/__init__.py
  engine.preflight(database, "export" | "import", model)             # [{permission, granted, required}]

Layout: addressing (what --server names), connect (driver, connection string, sign-in), errors (the
driver's errors as domain errors), catalog (catalog views -> model), export (consistent reads, rows),
ddl (model -> T-SQL in dependency order), load (batched INSERTs), bulkcopy (Always Encrypted
ciphertext), importing (the target's lifecycle and undo), preflight (key permissions), values
(conversions), tsql (text helpers), arm (optional Azure Resource Manager help).
Nothing here imports pyodbc at module import: `az` start-up stays fast.
"""
import logging

from ...errors import InvalidInputError
from ..base import Capabilities, Engine
from ..registry import register
from .connect import ConnectionOptions, ConnectionSettings, describe_driver, find_driver
from .errors import (CertificateError, DatabaseNotFoundError, FirewallError, LoginFailedError,
                     MissingPermissionsError, ServerNotFoundError, SqlServerError)

logger = logging.getLogger(__name__)

_CONNECTION_OPTIONS = {"user", "password", "auth_type", "access_token", "trust_server_certificate", "login_timeout",
                       "command_timeout", "driver", "application_name", "odbc_connection_string", "token_provider",
                       "resource_group", "server_suffix"}


def check_database_name(name):
    """`name`, when SQL Server can hold it: 1 to 128 characters (sysname), no control characters."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError("the database name is empty")
    if len(name) > 128 or any(ord(c) < 32 for c in name):
        raise InvalidInputError("the database name must be at most 128 characters, without control characters")
    return name


@register
class SqlServerEngine(Engine):
    name = kind = "sqlserver"
    title = "SQL Server"
    default = True           # a --server without a scheme is a SQL Server / Azure SQL name
    address_hint = "a SQL Server / Azure SQL server name"
    capabilities = Capabilities(signs_in=True, database_options=True, always_encrypted=True)
    options = frozenset(_CONNECTION_OPTIONS | {
        "consistency", "edition", "service_objective", "max_size_bytes", "import_users", "batch_rows",
        "insert_rows", "create_timeout", "poll_seconds", "connect", "bulk_copy_factory", "sql_log"})

    @classmethod
    def claims(cls, server):
        return False          # no scheme of its own: it answers as the default engine

    @classmethod
    def check_address(cls, server, database):
        from .addressing import parse_server
        parse_server(server)
        check_database_name(database)

    @classmethod
    def target_identity(cls, server, database):
        """Host, port and database, case-insensitively (SQL Server's default collation)."""
        from .addressing import canonical_target
        return canonical_target(server, database)

    def __init__(self, server=None, *, consistency="auto", edition=None, service_objective=None,
                 max_size_bytes=None, import_users=True, batch_rows=None, insert_rows=1000, create_timeout=900,
                 poll_seconds=2.0, connect=None, bulk_copy_factory=None, sql_log=None, **options):
        connection = {}
        unknown = []
        for key, value in options.items():
            if key in _CONNECTION_OPTIONS:
                if value is not None:
                    connection[key] = value
            elif value is not None:
                unknown.append(key)
        if unknown:
            raise InvalidInputError(f"option(s) {', '.join(sorted(unknown))} do not apply to the SQL Server engine")
        from .export import CONSISTENCY_MODES
        if consistency not in CONSISTENCY_MODES:
            raise InvalidInputError(f"consistency '{consistency}' is not one of {', '.join(CONSISTENCY_MODES)}")
        self.settings = ConnectionSettings(server, ConnectionOptions(**connection), connect=connect)
        self.settings.bulk_copy_factory = bulk_copy_factory
        self.server = server or str(self.settings.address)
        self.consistency = consistency
        self.edition, self.service_objective, self.max_size_bytes = edition, service_objective, max_size_bytes
        if any(v is not None for v in (edition, service_objective, max_size_bytes)):
            from .importing import database_options_sql
            database_options_sql(edition, service_objective, max_size_bytes)      # validate now
        self.import_users = import_users
        self.batch_rows = batch_rows
        self.insert_rows = insert_rows
        self.create_timeout = create_timeout
        self.poll_seconds = poll_seconds
        self.sql_log = sql_log

    def __repr__(self):
        return f"SqlServerEngine({str(self.settings.address)!r})"

    # -- what the engine offers ----------------------------------------------------------------
    @staticmethod
    def check_database_name(name):
        return check_database_name(name)

    def session(self, database):
        """A Session on a new connection to `database` (autocommit)."""
        from .session import Session
        conn = self.settings.connect(database, autocommit=True)
        return Session(conn, f"database '{database}'", self.settings.secrets, self.sql_log)

    def export_source(self, database):
        from .export import SqlServerExportSource
        return SqlServerExportSource(self, database)

    def import_target(self, database):
        from .importing import SqlServerImportTarget
        return SqlServerImportTarget(self, database)

    def preflight(self, database, direction, model=None):
        """The Always Encrypted permission checks for an export or import: [{permission, granted, required}]."""
        from . import preflight
        database = self.check_database_name(database)
        if direction == "export":
            session = self.session(database)
            try:
                _, checks, _ = preflight.check_export(session.one)
            finally:
                session.close()
            return [c.as_dict() for c in checks]
        if direction != "import":
            raise InvalidInputError(f"direction must be 'export' or 'import', not {direction!r}")
        try:
            session = self.session(database)
        except DatabaseNotFoundError:
            master = self.session("master")
            try:
                from .importing import DATABASE_STATE
                if master.one(DATABASE_STATE, (database,)):
                    raise
                _, checks = preflight.check_import(None, model, creating=True,
                                                   create_row=master.one(preflight.CREATE_QUERY),
                                                   supported=preflight.always_encrypted_supported(master.one))
            finally:
                master.close()
            return [c.as_dict() for c in checks]
        try:
            _, checks = preflight.check_import(session.one, model,
                                               supported=preflight.always_encrypted_supported(session.one))
        finally:
            session.close()
        return [c.as_dict() for c in checks]


__all__ = ["SqlServerEngine", "ConnectionOptions", "describe_driver", "find_driver",
           "MissingPermissionsError", "LoginFailedError", "FirewallError", "ServerNotFoundError",
           "DatabaseNotFoundError", "CertificateError", "SqlServerError"]
