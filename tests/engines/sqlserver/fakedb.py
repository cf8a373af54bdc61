"""A DB-API test double of pyodbc talking to SQL Server: connections, cursors, recorded result sets.

FakeServer.connect(connection_string, autocommit=, timeout=, attrs_before=) is what the engine's
`connect` option takes in place of pyodbc.connect. Every statement is recorded (server.statements:
(database, sql, params)), so tests can parse each one and check their order. Named catalog queries
(`/* bacpac:<name> */ ...`) are answered from FakeDatabase.answers; data SELECTs from
FakeDatabase.tables; INSERT parameter arrays land in FakeDatabase.inserted. DDL the engine sends
is tracked just enough to answer "is this database empty?", to drop what was created, and to fail
a chosen statement (FakeServer.fail_on) the way SQL Server fails it.
"""
import datetime
import re

from . import fakedriver, fakerules

CATALOG_TAG = re.compile(r"^/\* bacpac:(\w+) \*/")
DATA_SELECT = re.compile(r"^SELECT .* FROM (\[[^\]]*(?:\]\][^\]]*)*\]\.\[[^\]]*(?:\]\][^\]]*)*\])$", re.S)
INSERT = re.compile(r"^INSERT INTO (\S+\.\S+?)(?: WITH \(TABLOCK\))? ")
_OBJECT_NAME = rf"({fakerules.PART}(?:\s*\.\s*{fakerules.PART})?)"
CREATE_OBJECT = re.compile(r"^\s*CREATE\s+(TABLE|VIEW|PROCEDURE|PROC|FUNCTION|TRIGGER|SCHEMA|TYPE|SEQUENCE|ROLE|USER|"
                           r"COLUMN MASTER KEY|COLUMN ENCRYPTION KEY)\s+" + _OBJECT_NAME, re.IGNORECASE)
DROP_OBJECT = re.compile(r"^DROP (TABLE|VIEW|PROCEDURE|FUNCTION|TRIGGER|SCHEMA|TYPE|SEQUENCE|ROLE|USER|"
                         r"COLUMN MASTER KEY|COLUMN ENCRYPTION KEY) (\S+)")
FOREIGN_KEY = re.compile(r"^ALTER TABLE (\S+) WITH (?:NO)?CHECK ADD (?:CONSTRAINT (\[[^\]]+\]) )?FOREIGN KEY")


class FakeOdbcError(Exception):
    """Shaped as pyodbc.Error: args = (sqlstate, message)."""

    def __init__(self, sqlstate, message):
        super().__init__(sqlstate, message)


def server_error(number, text, sqlstate="42000", state=1):
    return FakeOdbcError(sqlstate, f"[{sqlstate}] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]{text} "
                                   f"({number}) (SQLExecDirectW)")


class FakeDatabase:
    def __init__(self, name, answers=None, tables=None, permissions=None, object_ids=None):
        self.name = name
        self.answers = dict(answers or {})            # query name -> (columns, rows) or callable(params) -> same
        self.tables = dict(tables or {})              # full name -> (columns, rows) for data SELECTs
        self.permissions = {p: 1 for p in PERMISSIONS} if permissions is None else dict(permissions)
        self.object_ids = dict(object_ids or {})      # object_id -> full name
        self.inserted = {}                            # full name -> [row tuples]
        self.objects = []                             # (kind, name) created through DDL
        self.foreign_keys = []                        # (table, name)
        self.user_name = "dbo"
        self.allow_encrypted_value_modifications = False
        self.preexisting = {}                         # target_objects counts that exist before the import
        self.bulk_loaded = {}                         # full name -> rows committed by bulk copy
        self.stored = {}                              # full name -> rows as the server keeps them (after binding)
        self.columns = {}                             # full name -> [(column name, declared type or None)]
        self.alias_types = {}                         # [schema].[type] -> base type
        self.lost_rows = {}                           # full name -> rows a server rolled back without an error
        self.partition_counts = {}                    # full name -> sys.partitions' estimate, when not the truth
        self.changed_rows = {}                        # full name -> rows added by others after the read

    def declared_types(self, table, names):
        """Declared type of each named column of a table this double saw created (None: not known)."""
        known = dict(self.columns.get(table, ()))
        if not known:
            return None
        types = []
        for name in names:
            kind = known.get(name)
            types.append(self.alias_types.get(kind, kind))
        return types

    def held_rows(self, table):
        """COUNT_BIG(*) of a table: its recorded rows, or what was inserted and bulk-copied into it."""
        if table in self.tables:
            return len(self.tables[table][1]) + self.changed_rows.get(table, 0)
        return len(self.inserted.get(table, ())) + len(self.bulk_loaded.get(table, ())) - self.lost_rows.get(table, 0)

    def answer(self, name, params, server):
        if name == "key_permissions":
            columns = ["user_name"] + PERMISSIONS
            return columns, [tuple([self.user_name] + [self.permissions.get(p) for p in PERMISSIONS])]
        if name in self.answers:
            found = self.answers[name]
            return found(params) if callable(found) else found
        if name == "target_objects":
            kinds = [k for k, _ in self.objects]
            counts = dict(tables=kinds.count("TABLE") + self.preexisting.get("tables", 0),
                          modules=sum(kinds.count(k) for k in ("VIEW", "PROCEDURE", "FUNCTION", "TRIGGER", "SEQUENCE"))
                          + self.preexisting.get("modules", 0),
                          schemas=kinds.count("SCHEMA") + self.preexisting.get("schemas", 0),
                          types=kinds.count("TYPE") + self.preexisting.get("types", 0),
                          master_keys=kinds.count("COLUMN MASTER KEY") + self.preexisting.get("master_keys", 0),
                          collation_name="SQL_Latin1_General_CP1_CI_AS")
            return list(counts), [tuple(counts.values())]
        if name == "always_encrypted_supported":
            return ["supported"], [(1 if server.always_encrypted else 0,)]
        if name == "master_key_count":
            kinds = [k for k, _ in self.objects]
            return ["master_keys"], [(kinds.count("COLUMN MASTER KEY") + self.preexisting.get("master_keys", 0),)]
        if name == "user_name":
            return ["user_name"], [(self.user_name,)]
        if name == "key_presence":
            return ["encrypted_columns", "master_keys", "encryption_keys"], [(0, 0, 0)]
        if name == "user_option":
            principal_id = 1 if self.user_name == "dbo" else 5
            return ["principal_id", "name", "allow_encrypted_value_modifications"], \
                [(principal_id, self.user_name, self.allow_encrypted_value_modifications)]
        if name == "created_foreign_keys":
            rows = []
            for table, fk in self.foreign_keys:
                schema, _, leaf = table.partition("].[")
                rows.append((schema.strip("["), leaf.strip("]"), fk.strip("[]")))
            return ["schema_name", "table_name", "name"], rows
        if name == "row_count":
            # sys.partitions.rows: "approximate number of rows" (the catalog's docs); partition_counts
            # gives a table the estimate a server with stale statistics would give
            full = self.object_ids.get(params[0])
            rows = self.tables.get(full, ([], []))[1]
            return ["row_count"], [(self.partition_counts.get(full, len(rows)),)]
        if name == "data_files":
            return ["name", "physical_name", "type"], [(self.name, f"/var/opt/mssql/data/{self.name}.mdf", 0),
                                                       (self.name + "_log", f"/var/opt/mssql/data/{self.name}.ldf", 1)]
        return [], []


PERMISSIONS = ["ALTER ANY COLUMN MASTER KEY", "ALTER ANY COLUMN ENCRYPTION KEY",
               "VIEW ANY COLUMN MASTER KEY DEFINITION", "VIEW ANY COLUMN ENCRYPTION KEY DEFINITION"]


class FakeServer:
    def __init__(self, engine_edition=5, version="16.0.1000.6"):
        self.databases = {"master": FakeDatabase("master")}
        self.statements = []                          # (database, sql, params)
        self.connections = []                         # (connection string, attrs_before, timeout)
        self.connect_error = None                     # callable(database) -> exception or None
        self.fail_on = []                             # [(regex, exception, times)] checked on every statement
        self.engine_edition = engine_edition
        self.version = version
        self.create_permission = (1, 1)
        self.closed = 0
        self.bulk_loads = {}                          # full name -> rows sent by bulk copy
        # SQL Server 2016 added Always Encrypted: before it, sys.column_master_keys, sys.column_encryption_keys
        # and the encryption columns of sys.columns do not exist, and naming them fails with Msg 208 / 207.
        self.always_encrypted = True
        self.bound_types = []                         # server types of parameters sent without fast_executemany
        self.lose_rows = {}                           # full name -> rows a new database's server drops silently
        self.logins = {"sqladmin"}                    # server logins (CREATE USER ... FOR LOGIN needs one)
        self.sql_authentication = True                # the engine signs in with a SQL login

    # -- what the engine calls -----------------------------------------------------------------
    def connect(self, connection_string, autocommit=True, timeout=0, attrs_before=None):
        database = _database_of(connection_string)
        self.connections.append((connection_string, attrs_before, timeout))
        if self.connect_error is not None:
            error = self.connect_error(database)
            if error is not None:
                raise error
        if database not in self.databases:
            raise FakeOdbcError("42000", f"[42000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Cannot "
                                         f"open database \"{database}\" requested by the login. The login failed. "
                                         f"(4060) (SQLDriverConnect)")
        return FakeConnection(self, database, autocommit)

    # -- helpers for tests ---------------------------------------------------------------------
    def add(self, database):
        self.databases[database.name] = database
        return database

    def sql(self, database=None):
        return [s for d, s, _ in self.statements if database is None or d == database]

    def fail(self, pattern, error, times=1):
        self.fail_on.append([re.compile(pattern, re.S), error, times])

    def _check_catalog(self, sql):
        sql = fakerules.code_of(sql)          # a name inside a string (OBJECT_ID(N'...')) is no reference
        if not self.always_encrypted:
            for view in ("sys.column_master_keys", "sys.column_encryption_keys", "sys.column_encryption_key_values"):
                if view in sql:
                    raise server_error(208, f"Invalid object name '{view}'.", "42S02")
            for column in ("encryption_type", "column_encryption_key_id", "encryption_algorithm_name"):
                if re.search(rf"\bc\.{column}\b", sql):
                    raise server_error(207, f"Invalid column name '{column}'.", "42S22")

    def _check_failure(self, sql):
        for entry in self.fail_on:
            pattern, error, times = entry
            if times and pattern.search(sql):
                entry[2] = times - 1
                raise error

    # -- DDL effects ---------------------------------------------------------------------------
    def effect(self, database, sql):
        db = self.databases.get(database)
        fakerules.check(db, sql, server_error, self.logins, self.sql_authentication)
        match = re.match(r"^CREATE DATABASE \[([^\]]+)\](?! ON)", sql)
        if match:
            if match.group(1) in self.databases:
                raise server_error(1801, f"Database '{match.group(1)}' already exists. Choose a different "
                                         f"database name.")
            self.databases[match.group(1)] = FakeDatabase(match.group(1))
            self.databases[match.group(1)].lost_rows = dict(self.lose_rows)
            return
        match = re.match(r"^CREATE DATABASE \[([^\]]+)\] ON .* AS SNAPSHOT OF \[([^\]]+)\]", sql, re.S)
        if match:
            source = self.databases[match.group(2)]
            snapshot = FakeDatabase(match.group(1), source.answers, source.tables, source.permissions,
                                    source.object_ids)
            self.databases[match.group(1)] = snapshot
            return
        match = re.match(r"^DROP DATABASE \[([^\]]+)\]", sql)
        if match:
            self.databases.pop(match.group(1), None)
            return
        if db is None:
            return
        match = CREATE_OBJECT.match(fakerules.code_of(sql))
        if match:
            kind = match.group(1).upper().replace("PROCEDURE", "PROC").replace("PROC", "PROCEDURE")
            db.objects.append((kind, match.group(2)))
            if match.group(1) == "TABLE":
                db.columns[match.group(2)] = table_columns(sql)
            elif match.group(1) == "TYPE":
                db.alias_types[match.group(2)] = re.search(r" FROM (\S+)", sql).group(1)
            return
        match = DROP_OBJECT.match(sql)
        if match:
            entry = (match.group(1), match.group(2))
            if entry in db.objects:
                db.objects.remove(entry)
            return
        match = FOREIGN_KEY.match(sql)
        if match:
            db.foreign_keys.append((match.group(1), match.group(2) or f"[FK__gen_{len(db.foreign_keys)}]"))
            return
        match = re.match(r"^ALTER TABLE (\S+) DROP CONSTRAINT (\S+)", sql)
        if match:
            db.foreign_keys = [fk for fk in db.foreign_keys if fk[1] != match.group(2)]
            return
        if re.match(r"^ALTER USER \[dbo\]", sql):
            # SQL Server: Msg 15150, Level 16 "Cannot alter the user 'dbo'." (reported for NAME, LOGIN and
            # DEFAULT_SCHEMA; the product never relies on any ALTER USER of dbo)
            raise server_error(15150, "Cannot alter the user 'dbo'.")
        match = re.match(r"^ALTER USER \S+ WITH ALLOW_ENCRYPTED_VALUE_MODIFICATIONS = (ON|OFF)", sql)
        if match:
            db.allow_encrypted_value_modifications = match.group(1) == "ON"


NAME = r"\[(?:[^\]]|\]\])*\]"
_SELECTS = {}


def check_recorded_columns(name, sql, columns):
    """A recorded result set must have exactly the columns the engine's query selects, in order: an
    answer with more, fewer or other columns would let the engine read what the server never sends."""
    if sql not in _SELECTS:
        import sqlglot
        _SELECTS[sql] = list(sqlglot.parse_one(sql, read="tsql").named_selects)
    expected = _SELECTS[sql]
    if [c.lower() for c in columns] != [c.lower() for c in expected]:
        raise AssertionError(f"the recorded answer to bacpac:{name} has columns {list(columns)}, but the query "
                             f"selects {expected}")


def _split_top_level(text):
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def table_columns(create_sql):
    """[(column name, declared type or None for a computed column)] of a CREATE TABLE statement."""
    body = create_sql[create_sql.index("(") + 1:create_sql.rindex(")")]
    columns = []
    for definition in _split_top_level(body):
        match = re.match(rf"^\s*({NAME})\s+(AS\s|{NAME}\.{NAME}|\w+(?:\([^)]*\))?)", definition)
        if match is None:
            continue
        columns.append((match.group(1), None if match.group(2).startswith("AS") else match.group(2)))
    return columns


def insert_columns(insert_sql):
    match = re.search(r"\(((?:\s*" + NAME + r"\s*,?)+)\) VALUES", insert_sql)
    return re.findall(NAME, match.group(1)) if match else []


def _database_of(connection_string):
    match = re.search(r"DATABASE=(\{(?:[^}]|\}\})*\}|[^;]*)", connection_string, re.IGNORECASE)
    if not match:
        return "master"
    value = match.group(1)
    return value[1:-1].replace("}}", "}") if value.startswith("{") else value


class FakeConnection:
    def __init__(self, server, database, autocommit):
        self.server = server
        self.database = database
        self.autocommit = autocommit
        self.timeout = 0
        self.converters = {}
        self.closed = False
        self.commits = 0
        self.rollbacks = 0

    def cursor(self):
        if self.closed:
            raise FakeOdbcError("08003", "[08003] [Microsoft][ODBC Driver Manager] Connection not open (0)")
        return FakeCursor(self)

    def add_output_converter(self, sql_type, function):
        self.converters[sql_type] = function

    def commit(self):
        self.commits += 1

    def rollback(self):
        self.rollbacks += 1

    def close(self):
        self.closed = True
        self.server.closed += 1


class FakeCursor:
    def __init__(self, conn):
        self.conn = conn
        self.description = None
        self._rows = []
        self.fast_executemany = False
        self.rowcount = -1

    def execute(self, sql, *params):
        server = self.conn.server
        server.statements.append((self.conn.database, sql, params))
        server._check_failure(sql)
        server._check_catalog(sql)
        database = server.databases.get(self.conn.database)
        match = CATALOG_TAG.match(sql)
        if match:
            name = match.group(1)
            if name in ("database_state",):
                exists = params[0] in server.databases
                columns, rows = ["state_desc"], [("ONLINE",)] if exists else []
            elif name == "create_permission":
                columns = ["user_name", "login_name", "server_level", "database_level"]
                rows = [("dbo", "sqladmin") + tuple(server.create_permission)]
            elif name == "server_facts":
                columns, rows = ["engine_edition", "product_version"], [(server.engine_edition, server.version)]
            elif name in ("exact_row_count", "loaded_rows"):
                table = re.search(r" FROM (\S+)$", sql).group(1)
                columns, rows = ["row_count"], [(database.held_rows(table),)]
            else:
                columns, rows = database.answer(name, params, server)
                if name in database.answers:
                    check_recorded_columns(name, sql, columns)
            self._set(columns, rows)
            return self
        match = DATA_SELECT.match(sql)
        if match and database is not None and match.group(1) in database.tables:
            columns, rows, *types = database.tables[match.group(1)]
            self._set(columns, rows, types[0] if types else None)
            return self
        server.effect(self.conn.database, sql)
        self._set(None, [])
        return self

    def executemany(self, sql, seq):
        server = self.conn.server
        rows = [tuple(r) for r in seq]
        server.statements.append((self.conn.database, sql, ("<executemany>", len(rows))))
        server._check_failure(sql)
        match = INSERT.match(sql)
        if match:
            database = server.databases[self.conn.database]
            declared = database.declared_types(match.group(1), insert_columns(sql))
            stored = [self._bind(row, declared) for row in rows]
            database.inserted.setdefault(match.group(1), []).extend(rows)
            database.stored.setdefault(match.group(1), []).extend(stored)

    def _bind(self, row, declared):
        if not self.fast_executemany:
            self.conn.server.bound_types.append(tuple(fakedriver.bound_type(value) for value in row))
        if not self.fast_executemany or declared is None:
            return row
        return tuple(fakedriver.bind(kind, value) if kind else value for kind, value in zip(declared, row))

    def _set(self, columns, rows, types=None):
        self.description = None if columns is None else [(c, None, None, None, None, None, True) for c in columns]
        self._rows = list(rows)
        self._types = types

    def _fetched(self, rows):
        converters = self.conn.converters
        result = []
        for row in rows:
            cells = []
            for index, value in enumerate(row):
                kind = self._types[index] if self._types else \
                    ("datetime" if isinstance(value, datetime.datetime) else None)   # catalog dates are datetime
                cells.append(fakedriver.fetched(kind, value, converters, index))
            result.append(tuple(cells))
        return result

    def fetchall(self):
        rows, self._rows = self._rows, []
        return self._fetched(rows)

    def fetchone(self):
        return self._fetched([self._rows.pop(0)])[0] if self._rows else None

    def fetchmany(self, size=1):
        rows, self._rows = self._rows[:size], self._rows[size:]
        return self._fetched(rows)

    def nextset(self):
        return False

    def close(self):
        self._rows = []


class FakeBulkCopy:
    """Stands in for the driver's bulk copy API: records what would be sent."""

    def __init__(self, server, settings, database, plan):
        self.server = server
        self.database = database
        self.plan = plan
        self.rows = []
        self.options = {}
        self.done_called = False

    def start(self, table, columns):
        self.table = table
        self.columns = columns
        self.server.statements.append((self.database, f"<bulk copy into {table}>", ()))

    def send_row(self, values):
        self.rows.append(tuple(values))

    def batch(self):
        pass

    def done(self):
        self.done_called = True
        self.server.bulk_loads.setdefault(self.table, []).extend(self.rows)
        self.server.databases[self.database].bulk_loaded.setdefault(self.table, []).extend(self.rows)

    def abort(self):
        pass

    def close(self):
        pass


__all__ = ["FakeServer", "FakeDatabase", "FakeConnection", "FakeCursor", "FakeOdbcError", "FakeBulkCopy",
           "server_error", "PERMISSIONS"]
