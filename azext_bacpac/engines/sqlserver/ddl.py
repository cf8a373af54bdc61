"""The model as T-SQL: the statements that build a database from a package, in dependency order.

Before the data (plan.before_data):
  roles, users (WITHOUT LOGIN / FOR LOGIN / FROM EXTERNAL PROVIDER; a user the target cannot have is
  skipped with a warning; logins are never created), role memberships, schemas, database permissions,
  column master keys and column encryption keys (before the tables that use them), alias types,
  sequences, tables (identity, computed, sparse, ROWGUIDCOL, collation, ENCRYPTED WITH), defaults.
After the data (plan.after_data):
  primary keys and unique constraints and indexes (clustered ones first), foreign keys and checks
  (WITH CHECK, or WITH NOCHECK and a warning when the data violates them), views / functions /
  procedures from their stored definitions (retried in passes while one needs another), triggers.

Every statement says what it creates (Statement.creates), so that a failed import into an existing
empty database can drop exactly what it made.
"""
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ...errors import InvalidInputError
from ...format.model import (REFERENTIAL_ACTIONS, Module, properties, quote, read_type_specifier, relationships,
                             split_name)
from ...format.package import table_layout
from ...format.xmlio import q
from .dependencies import FunctionOrder
from ..expressions import tsql_expression
from .tsql import ident, nstring, quoted_name, string

_HEX = re.compile(r"^0x[0-9A-Fa-f]+$")
_COLLATION = re.compile(r"^[A-Za-z0-9_]+$")
DEFAULT_GRANTS = {"ViewAnyColumnMasterKeyDefinition", "ViewAnyColumnEncryptionKeyDefinition"}
LOB_TYPES = {"text", "ntext", "image", "xml", "sql_variant", "geography", "geometry", "hierarchyid"}
CLR_TYPES = {"geography", "geometry", "hierarchyid"}
# The built-in type names a package's type reference may name: any other reaches no DDL.
SQL_SERVER_TYPES = {"bigint", "binary", "bit", "char", "date", "datetime", "datetime2", "datetimeoffset", "decimal",
                    "float", "geography", "geometry", "hierarchyid", "image", "int", "money", "nchar", "ntext",
                    "numeric", "nvarchar", "real", "rowversion", "smalldatetime", "smallint", "smallmoney",
                    "sql_variant", "sysname", "text", "time", "timestamp", "tinyint", "uniqueidentifier", "varbinary",
                    "varchar", "xml"}
# Element types this engine builds; any other type in a package is named in a warning.
HANDLED = {"SqlDatabaseOptions", "SqlSchema", "SqlUser", "SqlRole", "SqlRoleMembership", "SqlPermissionStatement",
           "SqlColumnMasterKey", "SqlColumnEncryptionKey", "SqlUserDefinedDataType", "SqlSequence", "SqlTable",
           "SqlPrimaryKeyConstraint", "SqlUniqueConstraint", "SqlIndex", "SqlForeignKeyConstraint",
           "SqlDefaultConstraint", "SqlCheckConstraint", "SqlView", "SqlProcedure", "SqlScalarFunction",
           "SqlInlineTableValuedFunction", "SqlMultiStatementTableValuedFunction", "SqlDmlTrigger",
           "SqlLogin", "SqlFilegroup", "SqlStatistic"}


@dataclass
class Statement:
    sql: str
    phase: str
    creates: tuple = None          # (kind, name[, table]) of what this statement makes
    verbatim: bool = False         # the package's own module text, sent as it is
    optional: bool = False         # a failure is a warning, not an error
    fallback: str = None           # tried when the statement fails (e.g. WITH NOCHECK)
    fallback_warning: str = None
    deferrable: bool = False       # may be retried after later statements (module dependencies)
    subject: str = ""
    needs: tuple = ()              # principals this statement names: skipped if one of them was not created
    alternative: str = None        # run instead when a principal it needs was not created
    alternative_warning: str = None
    settings: tuple = ()           # SET options that differ from the connection's (ON): OFF before, ON after


@dataclass
class TablePlan:
    table: object
    full_name: str
    layout: list                   # ColumnLayout per stored column (row order)
    insert_columns: list           # indexes into the row of the values that are inserted
    insert_sql: str
    identity: bool
    encrypted: bool
    lob: bool
    column_ordinals: list          # 1-based table ordinal of each inserted value (bulk copy)

    @property
    def sql_types(self):
        return [self.layout[i].sql_type for i in self.insert_columns]

    @property
    def encrypted_flags(self):
        return [self.layout[i].encrypted for i in self.insert_columns]


@dataclass
class Plan:
    before_data: list = field(default_factory=list)
    after_data: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)

    @property
    def statements(self):
        return self.before_data + self.after_data


def leaf(name):
    return split_name(name)[-1] if name else None


def type_text(model, column):
    """A column's declared type as T-SQL: an alias type by name, a built-in one with its length."""
    if not column.type_builtin and column.type_ref:
        return quoted_name(column.type_ref)
    sql_type = column.sql_type
    if sql_type.name not in SQL_SERVER_TYPES:
        raise InvalidInputError(f"column {ident(column.name)}: {sql_type.name!r} is not a SQL Server type")
    if sql_type.name in ("char", "varchar", "nchar", "nvarchar", "binary", "varbinary") and not sql_type.is_max \
            and sql_type.length is None:
        return f"{sql_type.name}(1)"
    return str(sql_type)


def column_sql(model, column):
    name = ident(column.name)
    if column.is_computed:
        expression = tsql_expression(column.computed_expression, f"computed column {name}")
        text = f"{name} AS {expression}"
        if column.persisted:
            text += " PERSISTED"
            if not column.nullable:
                text += " NOT NULL"
        return text
    parts = [name, type_text(model, column)]
    if column.collation:
        if not _COLLATION.match(column.collation):
            raise InvalidInputError(f"column {column.name}: collation {column.collation!r} is not a collation name")
        parts.append(f"COLLATE {column.collation}")
    if column.sparse:
        parts.append("SPARSE")
    if column.identity:
        parts.append(f"IDENTITY({_number(column.identity_seed or '1')}, {_number(column.identity_increment or '1')})")
    parts.append("NULL" if column.nullable else "NOT NULL")
    if column.rowguidcol:
        parts.append("ROWGUIDCOL")
    if column.is_encrypted:
        kind = (column.encryption_type or "Deterministic").upper()
        if kind not in ("DETERMINISTIC", "RANDOMIZED"):
            raise InvalidInputError(f"column {column.name}: encryption type {column.encryption_type!r} is unknown")
        algorithm = column.encryption_algorithm or "AEAD_AES_256_CBC_HMAC_SHA_256"
        parts.append(f"ENCRYPTED WITH (COLUMN_ENCRYPTION_KEY = {ident(leaf(column.encryption_key))}, "
                     f"ENCRYPTION_TYPE = {kind}, ALGORITHM = {string(algorithm)})")
    return " ".join(parts)


def _next_sequence_value(element, props):
    """The value NEXT VALUE FOR must give after the import: the one after the package's CurrentValue
    (DacFx's OnlinePropertyAnnotation), wrapping as a cycling sequence does; None when the sequence
    was never used (it starts at its START WITH)."""
    current = None
    for annotation in element.findall(q("Annotation")):
        if annotation.get("Type") == "OnlinePropertyAnnotation":
            current = properties(annotation).get("CurrentValue")
    if current is None:
        return None
    current, increment = int(_number(current)), int(_number(props.get("Increment") or "1"))
    following = current + increment
    low, high = props.get("MinValue"), props.get("MaxValue")
    if high is not None and following > int(_number(high)) or low is not None and following < int(_number(low)):
        if props.get("IsCycling") != "True":
            return None                   # exhausted: NEXT VALUE FOR fails there as it did in the source
        following = int(_number(low if increment > 0 else high))
    return str(following)


def _number(text):
    if not re.fullmatch(r"-?\d+(\.0*)?", str(text).strip()):
        raise InvalidInputError(f"identity seed or increment {text!r} is not a whole number")
    return str(text).strip().split(".")[0]


def _paren(expression):
    text = (expression or "").strip()
    return text if text.startswith("(") and text.endswith(")") else f"({text})"


def _constraint_name(obj):
    return f"CONSTRAINT {ident(leaf(obj.name))} " if obj.name else ""


def _columns(names, with_order=None):
    if with_order is None:
        return ", ".join(ident(leaf(n)) for n in names)
    return ", ".join(f"{ident(leaf(n))} {'ASC' if asc else 'DESC'}" for n, asc in names)


class Planner:
    def __init__(self, model, tables, *, import_users=True):
        self.model = model
        self.tables = list(tables)
        self.table_names = {t.full_name for t in self.tables}
        self.import_users = import_users
        self.plan = Plan()
        self.created_principals = {"dbo", "public", "guest"}
        self.after_modules = []            # statements that need modules created after the data
        self.functions = None

    def build(self):
        self._security()
        self._keys()
        self._types()
        self._tables()                     # the functions the tables call come first

        self._after_data()
        self._unhandled()
        return self.plan

    def add(self, statement, after=False):
        (self.plan.after_data if after else self.plan.before_data).append(statement)

    # -- security ------------------------------------------------------------------------------
    def _security(self):
        model = self.model
        if self.import_users:
            for role in model.roles:
                self.add(Statement(f"CREATE ROLE {ident(role.name)}", "security", ("ROLE", role.name),
                                   optional=True, subject=f"role {ident(role.name)}"))
                self.created_principals.add(role.name)
            for user in model.users:
                sql = self._user_sql(user)
                if sql is None:
                    continue
                self.add(Statement(sql, "security", ("USER", user.name), optional=True,
                                   subject=f"user {ident(user.name)}"))
                self.created_principals.add(user.name)
            for membership in model.role_memberships:
                role, member = leaf(membership.role), leaf(membership.member)
                if member not in self.created_principals or \
                        (role not in self.created_principals and not membership.role_builtin):
                    continue
                self.add(Statement(f"ALTER ROLE {ident(role)} ADD MEMBER {ident(member)}", "security",
                                   ("MEMBERSHIP", role, member), optional=True,
                                   subject=f"membership of {ident(member)} in {ident(role)}",
                                   needs=(member,) if membership.role_builtin else (role, member)))
        for schema in model.schemas:
            owner = leaf(schema.authorizer) or "dbo"
            owner_sql = f" AUTHORIZATION {ident(owner)}" if owner in self.created_principals or owner == "dbo" else \
                " AUTHORIZATION [dbo]"
            if owner not in self.created_principals and owner != "dbo":
                self.plan.warnings.append(f"schema {ident(schema.name)} is owned by [dbo]: its owner {ident(owner)} "
                                          f"is not created in the target")
            planned_owner = owner in self.created_principals and owner not in ("dbo", "public", "guest")
            self.add(Statement(f"CREATE SCHEMA {ident(schema.name)}{owner_sql}", "schemas",
                               ("SCHEMA", schema.name), subject=f"schema {ident(schema.name)}",
                               needs=(owner,) if planned_owner else (),
                               alternative=f"CREATE SCHEMA {ident(schema.name)} AUTHORIZATION [dbo]",
                               alternative_warning=f"schema {ident(schema.name)} is owned by [dbo]: its owner "
                                                   f"{ident(owner)} could not be created in the target"))
        if self.import_users:
            for permission in model.permissions:
                sql = self._grant_sql(permission)
                if sql:
                    self.add(Statement(sql[0], "permissions", ("PERMISSION", sql[1], leaf(permission.grantee)),
                                       optional=True, subject=f"permission {permission.name}",
                                       needs=(leaf(permission.grantee),)))
        elif model.users or model.roles:
            self.plan.warnings.append("users, roles and permissions of the package were not imported "
                                      "(import_users is off)")

    def _user_sql(self, user):
        name = ident(user.name)
        schema = f" WITH DEFAULT_SCHEMA = {ident(leaf(user.default_schema))}" if user.default_schema else ""
        auth = str(user.authentication_type or "")
        if auth == "4":
            return f"CREATE USER {name} FROM EXTERNAL PROVIDER{schema}"
        if user.login:
            return f"CREATE USER {name} FOR LOGIN {ident(leaf(user.login))}{schema}"
        if auth == "2":
            self.plan.warnings.append(f"contained user {name} has a password the package cannot carry; create it "
                                      f"again in the target (CREATE USER {name} WITH PASSWORD = '...')")
            return None
        if auth == "3":
            self.plan.warnings.append(f"Windows user {name} is not created (no login is known for it)")
            return None
        return f"CREATE USER {name} WITHOUT LOGIN{schema}"

    def _grant_sql(self, permission):
        parts = split_name(permission.name or "")
        head = parts[0].split(".") if parts else []
        if len(head) != 3 or head[2] != "Database":
            self.plan.warnings.append(f"permission {permission.name} is not imported (only database permissions are)")
            return None
        action, words, grantee = head[0], head[1], leaf(permission.grantee)
        if grantee == "public" and words in DEFAULT_GRANTS:
            return None                          # every database grants these to public already
        if grantee not in self.created_principals:
            return None
        text = re.sub(r"(?<!^)(?=[A-Z])", " ", words).upper()
        if not re.fullmatch(r"[A-Z ]+", text):
            return None
        if action == "Deny":
            return f"DENY {text} TO {ident(grantee)}", text
        option = " WITH GRANT OPTION" if action == "GrantWithGrantOption" else ""
        return f"GRANT {text} TO {ident(grantee)}{option}", text

    # -- Always Encrypted keys -----------------------------------------------------------------
    def _keys(self):
        for key in self.model.column_master_keys:
            options = [f"KEY_STORE_PROVIDER_NAME = {nstring(key.key_store_provider or '')}",
                       f"KEY_PATH = {nstring(key.key_path or '')}"]
            if key.allow_enclave_computations:
                if not key.signature or not _HEX.match(key.signature):
                    raise InvalidInputError(f"column master key {ident(key.name)} allows enclave computations but "
                                            f"the package has no valid signature for it")
                options.append(f"ENCLAVE_COMPUTATIONS (SIGNATURE = {key.signature})")
            self.add(Statement(f"CREATE COLUMN MASTER KEY {ident(key.name)} WITH ({', '.join(options)})", "keys",
                               ("COLUMN MASTER KEY", key.name), subject=f"column master key {ident(key.name)}"))
        for key in self.model.column_encryption_keys:
            values = []
            for value in key.values:
                encrypted = value.encrypted_value or ""
                if not _HEX.match(encrypted):
                    raise InvalidInputError(f"column encryption key {ident(key.name)}: the package holds no encrypted "
                                            f"value for it (found {encrypted!r}); a DACPAC's keys cannot be imported")
                algorithm = value.algorithm or "RSA_OAEP"
                values.append(f"(COLUMN_MASTER_KEY = {ident(leaf(value.column_master_key))}, ALGORITHM = "
                              f"{string(algorithm)}, ENCRYPTED_VALUE = {encrypted})")
            if not values:
                raise InvalidInputError(f"column encryption key {ident(key.name)} has no value in the package")
            self.add(Statement(f"CREATE COLUMN ENCRYPTION KEY {ident(key.name)} WITH VALUES {', '.join(values)}",
                               "keys", ("COLUMN ENCRYPTION KEY", key.name),
                               subject=f"column encryption key {ident(key.name)}"))

    # -- types and sequences -------------------------------------------------------------------
    def _types(self):
        for alias in self.model.alias_types.values():
            base = alias.base
            text = str(base) if base.length is not None or base.is_max or base.name not in \
                ("char", "varchar", "nchar", "nvarchar", "binary", "varbinary") else f"{base.name}(1)"
            if base.name not in SQL_SERVER_TYPES:
                raise InvalidInputError(f"type {alias.name}: {base.name!r} is not a SQL Server type")
            self.add(Statement(f"CREATE TYPE {quoted_name(alias.name)} FROM {text} "
                               f"{'NULL' if alias.nullable else 'NOT NULL'}",
                               "types", ("TYPE", alias.name), subject=f"type {alias.name}"))
        for element in self.model.elements:
            if element.get("Type") != "SqlSequence":
                continue
            props = properties(element)
            spec = relationships(element).get("TypeSpecifier", [None])[0]
            sql_type = read_type_specifier(spec)[0] if isinstance(spec, ET.Element) else None
            name = ".".join(ident(part) for part in split_name(element.get("Name") or ""))
            parts = [f"CREATE SEQUENCE {name}"]
            if sql_type is not None:
                parts.append(f"AS {sql_type}")
            for prop, keyword in (("StartValue", "START WITH"), ("Increment", "INCREMENT BY"),
                                  ("MinValue", "MINVALUE"), ("MaxValue", "MAXVALUE"), ("CacheSize", "CACHE")):
                if props.get(prop) is not None:
                    parts.append(f"{keyword} {_number(props[prop])}")
            if props.get("IsCycling") == "True":
                parts.append("CYCLE")
            self.add(Statement(" ".join(parts), "sequences", ("SEQUENCE", element.get("Name")),
                               subject=f"sequence {name}"))
            restart = _next_sequence_value(element, props)
            if restart is not None:
                self.add(Statement(f"ALTER SEQUENCE {name} RESTART WITH {restart}", "sequences",
                                   subject=f"sequence {name}"))

    # -- tables --------------------------------------------------------------------------------
    def _tables(self):
        model = self.model
        defaults = [d for d in model.defaults if d.table in self.table_names]
        checks = [c for c in model.checks if c.table in self.table_names]
        computed = [(t, c) for t in self.tables for c in t.columns if c.is_computed]
        self.functions = FunctionOrder(self._modules(), self.table_names | self._view_names()).plan(
            [c.computed_expression for _, c in computed] + [d.expression for d in defaults]
            + [c.expression for c in checks])
        for name in self.functions.early:
            statement = self._module_statement(name)
            if statement is not None:
                self.add(statement)
        for table in self.tables:
            inline = [c for c in table.columns
                      if not (c.is_computed and self.functions.needs_late(c.computed_expression))]
            definitions = [column_sql(model, column) for column in inline]
            self.add(Statement(f"CREATE TABLE {table.full_name} ({', '.join(definitions)})", "tables",
                               ("TABLE", table.full_name), subject=f"table {table.full_name}"))
            self.plan.tables[table.full_name] = self._table_plan(table)
            for column in table.columns:
                if column not in inline:
                    self.after_modules.append(Statement(
                        f"ALTER TABLE {table.full_name} ADD {column_sql(model, column)}", "computed_columns",
                        subject=f"computed column {table.full_name}.{ident(column.name)}"))
                    self.plan.warnings.append(
                        f"computed column {table.full_name}.{ident(column.name)} calls "
                        f"{', '.join(self.functions.needs_late(column.computed_expression))}, which can only be "
                        f"created after the tables; it was added afterwards and is now the table's last column")
        for default in defaults:
            expression = tsql_expression(default.expression, f"default on {default.column}")
            statement = Statement(f"ALTER TABLE {default.table} ADD {_constraint_name(default)}DEFAULT "
                                  f"{_paren(expression)} FOR {ident(leaf(default.column))}", "defaults",
                                  subject=f"default on {default.column}")
            if self.functions.needs_late(default.expression):
                self.after_modules.append(statement)
            else:
                self.add(statement)

    def _modules(self):
        return [obj for _, obj in self.model.typed_objects() if isinstance(obj, Module)]

    def _view_names(self):
        return {m.name for m in self._modules() if m.element_type == "SqlView"}

    def _module_statement(self, name):
        for element, obj in self.model.typed_objects():
            if isinstance(obj, Module) and obj.name == name:
                return self._statement_of(element, obj)
        return None

    def _statement_of(self, element, obj):
        text = module_definition(element, obj)
        if text is None:
            self.plan.warnings.append(f"{obj.kind.lower()} {obj.name} is not imported: the package does not hold "
                                      f"its CREATE header")
            return None
        kind = {"VIEW": "VIEW", "PROCEDURE": "PROCEDURE", "FUNCTION": "FUNCTION", "TRIGGER": "TRIGGER"}[obj.kind]
        # A module keeps the QUOTED_IDENTIFIER and ANSI_NULLS it was created under (sys.sql_modules), and
        # those are the session's when CREATE runs: set apart, since CREATE must open its batch.
        settings = tuple(option for option, on in (("QUOTED_IDENTIFIER", obj.quoted_identifier),
                                                   ("ANSI_NULLS", obj.ansi_nulls)) if not on)
        return Statement(text, "triggers" if kind == "TRIGGER" else "modules", (kind, obj.name),
                         verbatim=True, deferrable=True, subject=f"{kind.lower()} {obj.name}", settings=settings)

    def _table_plan(self, table):
        layout = table_layout(self.model, table)
        ordinals = {}
        for position, column in enumerate(table.columns, start=1):
            ordinals[column.name] = position
        keep, names, values, column_ordinals = [], [], [], []
        lob = False
        for index, column in enumerate(layout):
            name = column.sql_type.name
            if name in ("rowversion", "timestamp"):
                continue                          # the server writes these itself
            keep.append(index)
            names.append(ident(column.name))
            column_ordinals.append(ordinals[column.name])
            if column.encrypted:
                values.append("?")
            elif name in CLR_TYPES:
                values.append(f"CAST(? AS {name})")
            elif name == "xml":
                # pyodbc binds a string over 4,000 characters as SQL_WLONGVARCHAR (ntext: pyodbc
                # src/params.cpp GetUnicodeInfo, past the connection's wvarchar maximum); the cast
                # makes every length arrive as xml.
                values.append("CAST(? AS xml)")
            else:
                values.append("?")
            if column.sql_type.is_max or name in LOB_TYPES:
                lob = True
        sql = (f"INSERT INTO {table.full_name} WITH (TABLOCK) ({', '.join(names)}) VALUES ({', '.join(values)})"
               if names else f"INSERT INTO {table.full_name} DEFAULT VALUES")
        return TablePlan(table, table.full_name, layout, keep, sql, any(c.identity for c in table.columns),
                         any(c.encrypted for c in layout), lob, column_ordinals)

    # -- after the data ------------------------------------------------------------------------
    def _after_data(self):
        model = self.model
        keys = [k for k in model.primary_keys + model.unique_constraints if k.table in self.table_names]
        indexes = [i for i in model.indexes if i.table in self.table_names]
        views = self._view_names()
        view_indexes = [i for i in model.indexes if i.table in views]

        def clustered(obj):
            if hasattr(obj, "kind"):
                return obj.clustered if obj.clustered is not None else obj.kind == "PRIMARY KEY"
            return obj.clustered
        for obj in sorted(keys + indexes, key=lambda o: not clustered(o)):
            if hasattr(obj, "kind"):
                kind = "CLUSTERED" if clustered(obj) else "NONCLUSTERED"
                self.add(Statement(f"ALTER TABLE {obj.table} ADD {_constraint_name(obj)}{obj.kind} {kind} "
                                   f"({_columns(obj.columns, True)})", "keys_and_indexes",
                                   subject=f"{obj.kind.lower()} {obj.display_name or ''} on {obj.table}"), after=True)
            else:
                text = ["CREATE", "UNIQUE" if obj.unique else None, "CLUSTERED" if obj.clustered else "NONCLUSTERED",
                        f"INDEX {ident(obj.leaf_name)} ON {obj.table} ({_columns(obj.columns, True)})"]
                if obj.included:
                    text.append(f"INCLUDE ({_columns(obj.included)})")
                if obj.filter:
                    text.append(f"WHERE {tsql_expression(obj.filter, f'the filter of index {obj.name}')}")
                self.add(Statement(" ".join(t for t in text if t), "keys_and_indexes",
                                   subject=f"index {obj.name}"), after=True)
        for index in sorted(view_indexes, key=lambda i: not i.clustered):   # a view's clustered index comes first
            text = ["CREATE", "UNIQUE" if index.unique else None, "CLUSTERED" if index.clustered else "NONCLUSTERED",
                    f"INDEX {ident(index.leaf_name)} ON {index.table} ({_columns(index.columns, True)})"]
            if index.included:
                text.append(f"INCLUDE ({_columns(index.included)})")
            self.after_modules.append(Statement(" ".join(t for t in text if t), "view_indexes",
                                                subject=f"index {index.name} on view {index.table}"))
        for fk in model.foreign_keys:
            if fk.table not in self.table_names or fk.foreign_table not in self.table_names:
                continue
            body = (f"{_constraint_name(fk)}FOREIGN KEY ({_columns(fk.columns)}) REFERENCES {fk.foreign_table} "
                    f"({_columns(fk.foreign_columns)})")
            for action, value in (("DELETE", fk.on_delete), ("UPDATE", fk.on_update)):
                if value:
                    body += f" ON {action} {REFERENTIAL_ACTIONS.get(int(value), 'NO ACTION')}"
            label = fk.display_name or f"on {fk.table}"
            self.add(Statement(f"ALTER TABLE {fk.table} WITH CHECK ADD {body}", "foreign_keys",
                               ("FOREIGN KEY", fk.name, fk.table),
                               fallback=f"ALTER TABLE {fk.table} WITH NOCHECK ADD {body}",
                               fallback_warning=f"foreign key {label} was created WITH NOCHECK: rows of {fk.table} "
                                                f"refer to rows missing from {fk.foreign_table}",
                               subject=f"foreign key {label}"), after=True)
        for check in model.checks:
            if check.table not in self.table_names:
                continue
            label = check.display_name if hasattr(check, "display_name") else (check.name or check.inline_name)
            label = label or f"on {check.table}"
            expression = tsql_expression(check.expression, f"check constraint {label}")
            body = f"{_constraint_name(check)}CHECK {_paren(expression)}"
            statement = Statement(f"ALTER TABLE {check.table} WITH CHECK ADD {body}", "checks",
                                  fallback=f"ALTER TABLE {check.table} WITH NOCHECK ADD {body}",
                                  fallback_warning=f"check constraint {label} was created WITH NOCHECK: rows of "
                                                   f"{check.table} do not satisfy it",
                                  subject=f"check constraint {label}")
            if self.functions.needs_late(check.expression):
                self.after_modules.append(statement)
            else:
                self.add(statement, after=True)
        triggers = []
        early = set(self.functions.early)
        for element, obj in model.typed_objects():
            if not isinstance(obj, Module) or obj.name in early:
                continue
            if obj.parent and obj.element_type == "SqlDmlTrigger" and obj.parent not in self.table_names \
                    and _is_table(model, obj.parent):
                continue
            statement = self._statement_of(element, obj)
            if statement is not None:
                (triggers if statement.phase == "triggers" else self.plan.after_data).append(statement)
        self.plan.after_data.extend(self.after_modules)
        self.plan.after_data.extend(triggers)

    def _unhandled(self):
        counts = {}
        for element in self.model.elements:
            kind = element.get("Type")
            if kind not in HANDLED:
                counts[kind] = counts.get(kind, 0) + 1
        for kind, count in sorted(counts.items()):
            self.plan.warnings.append(f"{count} {kind[3:] if kind.startswith('Sql') else kind} element(s) of the "
                                      f"package are not imported (not supported yet)")


def _is_table(model, name):
    parts = split_name(name)
    return len(parts) == 2 and model.table(parts[0], parts[1]) is not None


def module_definition(element, module):
    """The CREATE text of a module: header + body (+ footer), the header read where DacFx puts it."""
    if module.header is not None:
        return module.header + module.body + (module.footer or "")
    for implementation in relationships(element).get("FunctionBody", ()):
        if not isinstance(implementation, ET.Element):
            continue
        for annotation in implementation.findall(q("Annotation")) + implementation.findall(q("AttachedAnnotation")):
            if annotation.get("Type") == "SysCommentsObjectAnnotation":
                props = properties(annotation)
                if props.get("HeaderContents") is not None:
                    return props["HeaderContents"] + module.body + (props.get("FooterContents") or "")
    if module.element_type == "SqlView":
        return f"CREATE VIEW {module.name} AS\n{module.body}"
    if module.element_type == "SqlProcedure":
        parameters = _parameters(element)
        if parameters is not None:
            return f"CREATE PROCEDURE {module.name}{parameters}\nAS\n{module.body}"
    return None


def _parameters(element):
    items = []
    for parameter in relationships(element).get("Parameters", ()):
        if not isinstance(parameter, ET.Element):
            continue
        spec = relationships(parameter).get("Type", [None])[0]
        if not isinstance(spec, ET.Element):
            return None
        sql_type, type_ref, builtin = read_type_specifier(spec)
        text = f"{leaf(parameter.get('Name'))} {sql_type if builtin else type_ref}"
        props = properties(parameter)
        if props.get("DefaultExpressionScript"):
            text += f" = {props['DefaultExpressionScript']}"
        if props.get("IsOutput") == "True":
            text += " OUTPUT"
        items.append(text)
    return (" " + ", ".join(items)) if items else ""


def plan_import(model, tables, *, import_users=True):
    """The Plan that builds `tables` (model Tables) and everything around them."""
    return Planner(model, tables, import_users=import_users).build()


__all__ = ["Statement", "TablePlan", "Plan", "plan_import", "column_sql", "type_text", "module_definition",
           "quote"]
