"""Reading a SQL Server / Azure SQL database's catalog into the format model (what model.xml says).

The queries, by name, are in catalog_queries.py; CatalogReader runs them through a query(name)
function and reads results by column name.

What is read: schemas, alias types, sequences, tables (columns with identity, computed, sparse,
ROWGUIDCOL, collation and Always Encrypted settings), primary keys, unique constraints, indexes,
foreign keys, defaults, checks, views / procedures / functions / DML triggers (their stored
text), users, roles, role memberships, database permissions, column master keys and column
encryption keys (with their encrypted values), sequences' bounds, cache and current value, indexes of
views, modules' SET options. What is not is named in the export's warnings (omissions.py).
"""
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ...errors import BacpacError
from ...format.model import (CheckConstraint, Column, ColumnEncryptionKey, ColumnEncryptionKeyValue,
                             ColumnMasterKey, DatabaseOptions, DefaultConstraint, ForeignKey, Index,
                             KeyConstraint, Model, Module, Permission, Ref, Role, RoleMembership, Schema, Table,
                             User, add_property, add_relationship, new_element, quote, type_specifier_element)
from ...format.sqltypes import SqlType
from ...format.xmlio import q
from . import omissions
from .catalog_queries import Q  # noqa: F401 - re-exported: callers name the queries through this module
from .tsql import split_module

ENGINE_AZURE_SQL_DATABASE = 5
ENGINE_MANAGED_INSTANCE = 8
ENCRYPTION_TYPES = {1: "Deterministic", 2: "Randomized"}
# DacFx's numeric permission codes: only those seen in real packages (bacpac-format.md §2.3).
PERMISSION_CODES = {"VIEW ANY COLUMN MASTER KEY DEFINITION": "1107",
                    "VIEW ANY COLUMN ENCRYPTION KEY DEFINITION": "1108"}
MODULE_ELEMENTS = {"V": "SqlView", "P": "SqlProcedure", "FN": "SqlScalarFunction",
                   "IF": "SqlInlineTableValuedFunction", "TF": "SqlMultiStatementTableValuedFunction",
                   "TR": "SqlDmlTrigger"}
CLR_SYSTEM_TYPES = {"geography", "geometry", "hierarchyid"}


@dataclass
class TableBinding:
    """How one model table is read: its select list (CLR types cast to varbinary) and types."""
    table: Table
    object_id: int
    select: list                  # SQL expressions, in stored-column order
    types: list                   # resolved SqlType per stored column
    encrypted: list               # bool per stored column


@dataclass
class Catalog:
    model: Model
    facts: dict
    bindings: dict                # full name -> TableBinding, model order
    warnings: list = field(default_factory=list)
    encrypted_columns: list = field(default_factory=list)   # [schema].[table].[column] names
    invisible_keys: list = field(default_factory=list)      # encrypted columns whose CEK is not visible
    invisible_master_keys: list = field(default_factory=list)   # CEKs whose CMK is not visible


def dsp_name(facts):
    edition = facts.get("engine_edition")
    if edition == ENGINE_AZURE_SQL_DATABASE:
        return "Microsoft.Data.Tools.Schema.Sql.SqlAzureV12DatabaseSchemaProvider"
    try:
        major = int(str(facts.get("product_version") or "16").split(".")[0])
    except ValueError:
        major = 16
    major = min(max(major, 10), 17)
    return f"Microsoft.Data.Tools.Schema.Sql.Sql{major}0DatabaseSchemaProvider"


def model_attributes(facts):
    collation = facts.get("collation_name") or "SQL_Latin1_General_CP1_CI_AS"
    return {"FileFormatVersion": "1.2", "SchemaVersion": "2.9", "DspName": dsp_name(facts),
            "CollationLcid": str(facts.get("collation_lcid") or 1033),
            "CollationCaseSensitive": "True" if "_CS" in collation.upper() else "False"}


def database_options(facts):
    def flag(name):
        return "True" if facts.get(name) else "False"
    options = {"Collation": facts.get("collation_name") or "SQL_Latin1_General_CP1_CI_AS",
               "IsAnsiNullDefaultOn": flag("is_ansi_null_default_on"), "IsAnsiNullsOn": flag("is_ansi_nulls_on"),
               "IsAnsiPaddingOn": flag("is_ansi_padding_on"), "IsAnsiWarningsOn": flag("is_ansi_warnings_on"),
               "IsArithAbortOn": flag("is_arithabort_on"),
               "IsConcatNullYieldsNullOn": flag("is_concat_null_yields_null_on"),
               "IsQuotedIdentifierOn": flag("is_quoted_identifier_on"),
               "IsReadCommittedSnapshot": flag("is_read_committed_snapshot_on")}
    if facts.get("compatibility_level"):
        options["CompatibilityMode"] = str(facts["compatibility_level"])
    return DatabaseOptions(options)


def column_type(row):
    """(SqlType, alias type reference or None) of a sys.columns / sys.types row."""
    user_defined = bool(row.get("is_user_defined")) and not row.get("is_assembly_type")
    name = (row.get("system_type_name") if user_defined else row.get("type_name")) or "sql_variant"
    return sql_type_of(name, row.get("max_length"), row.get("precision"), row.get("scale")), \
        (quote(row["type_schema"], row["type_name"]) if user_defined else None)


def sql_type_of(name, max_length, precision, scale):
    name = name.lower()
    if name == "timestamp":
        name = "rowversion"
    is_max = max_length == -1
    if name in ("nchar", "nvarchar"):
        return SqlType(name, None if is_max else (max_length or 2) // 2, is_max=is_max)
    if name in ("char", "varchar", "binary", "varbinary"):
        return SqlType(name, None if is_max else max_length, is_max=is_max)
    if name in ("decimal", "numeric"):
        return SqlType(name, precision=precision, scale=scale or None)
    if name in ("time", "datetime2", "datetimeoffset"):
        return SqlType(name, scale=scale or None)
    if name == "float":
        return SqlType("float", precision=53) if (precision or 53) > 24 else SqlType("real")
    return SqlType(name)


class CatalogReader:
    """Runs the catalog queries through `query(name) -> [dict]` and builds the model."""

    def __init__(self, query):
        self.query = query
        self.warnings = []
        self.invisible_master_keys = []     # CEKs whose CMK is not visible (no VIEW ANY COLUMN MASTER KEY DEFINITION)
        self._disambiguator = 2
        self._collation = None
        self._logins = None
        self._always_encrypted = True
        self._azure_database = False

    def _next(self):
        self._disambiguator += 1
        return str(self._disambiguator)

    def read(self):
        facts = (self.query("facts") or [{}])[0]
        self._collation = facts.get("collation_name")
        self._always_encrypted = facts.get("has_always_encrypted", 1) != 0
        self._azure_database = facts.get("engine_edition") == ENGINE_AZURE_SQL_DATABASE
        model = Model(model_attributes(facts))
        model.add(database_options(facts))
        for row in self.query("schemas"):
            model.add(Schema(row["name"], quote(row["owner"] or "dbo")))
        self._security(model)
        if self._always_encrypted:
            self._keys(model)
        for row in self.query("types"):
            model.add(self._alias_type(row))
        used = None
        if facts.get("has_last_used_value"):
            used = {(r["schema_name"], r["name"]): bool(r.get("is_used")) for r in self.query("sequences_used")}
        for row in self.query("sequences"):
            model.add(self._sequence(row, used))
        tables, bindings, encrypted, invisible = self._tables(model)
        modules = self.query("modules")
        names = {oid: t.full_name for oid, t in tables.items()}
        views = {row["object_id"]: quote(row["schema_name"], row["name"]) for row in modules
                 if (row.get("type") or "").strip() == "V"}
        self._constraints(model, tables, names, views)
        self._modules(model, modules)
        self._other_objects()
        self.warnings.extend(omissions.warnings(self.query, facts))
        catalog = Catalog(model, facts, bindings, self.warnings, encrypted, invisible, self.invisible_master_keys)
        return catalog

    # -- security ------------------------------------------------------------------------------
    def _security(self, model):
        roles = set()
        for row in self.query("principals"):
            kind = (row.get("type") or "").strip()
            if kind == "R":
                roles.add(row["name"])
                model.add(Role(row["name"], quote(row.get("owner") or "dbo")))
            elif kind in ("S", "U", "G", "E", "X"):
                login = row.get("login_name")
                auth = row.get("authentication_type")
                if auth == 1 and not login:
                    login = self._login_of(row)
                model.add(User(row["name"], quote(login) if login and auth == 1 else None,
                               quote(row["default_schema_name"]) if row.get("default_schema_name") else None,
                               str(auth) if auth is not None else None))
            else:
                self.warnings.append(f"user [{row['name']}] (mapped to a certificate or key) is not exported")
        for row in self.query("role_members"):
            model.add(RoleMembership(quote(row["role_name"]), quote(row["member_name"]),
                                     bool(row.get("is_fixed_role"))))
        skipped = []
        for row in self.query("permissions"):
            state = (row.get("state") or "G").strip()
            action = {"G": "Grant", "W": "GrantWithGrantOption", "D": "Deny"}.get(state)
            code = PERMISSION_CODES.get(row["permission_name"])
            if row.get("class") == 0 and code and action:
                words = "".join(w.capitalize() for w in row["permission_name"].split())
                model.add(Permission(f"[{action}.{words}.Database].{quote(row['grantee'])}.[dbo]", code,
                                     quote(row["grantee"]), None, row["grantee"] == "public"))
            else:
                target = ""
                if row.get("object_name"):
                    target = f" ON {quote(row['object_schema'], row['object_name'])}"
                elif row.get("schema_name"):
                    target = f" ON SCHEMA::{quote(row['schema_name'])}"
                skipped.append(f"{action or state} {row['permission_name']}{target} TO {quote(row['grantee'])}")
        if skipped:
            shown = "; ".join(skipped[:10]) + (f"; and {len(skipped) - 10} more" if len(skipped) > 10 else "")
            self.warnings.append(f"{len(skipped)} permission statement(s) are not exported (re-grant them after "
                                 f"import): {shown}")

    def _login_of(self, row):
        """The login a user is mapped to, by its SID, where SUSER_SNAME cannot tell (Azure SQL Database:
        it answers only for the current login). The logins come from master's sys.sql_logins."""
        if self._logins is None:
            try:
                self._logins = {bytes(r["sid"]): r["name"] for r in self.query("logins") if r.get("sid")}
            except BacpacError as error:        # no access to master (a contained user), or no permission
                self._logins = {}
                self.warnings.append(f"the logins of the server could not be read from master ({error}); "
                                     f"users mapped to a login are exported without it")
        login = self._logins.get(bytes(row.get("sid") or b""))
        if login is None:
            self.warnings.append(f"user {quote(row['name'])} is mapped to a login that could not be found; it is "
                                 f"exported without its login, and an import creates it WITHOUT LOGIN")
        return login

    # -- Always Encrypted keys -----------------------------------------------------------------
    def _keys(self, model):
        masters = {}
        for row in self.query("column_master_keys"):
            signature = row.get("signature")
            masters[row["name"]] = ColumnMasterKey(
                row["name"], row.get("key_store_provider_name"), row.get("key_path"),
                bool(row.get("allow_enclave_computations")), hex_literal(signature) if signature else None)
        keys = {}
        for row in self.query("column_encryption_keys"):
            key = keys.setdefault(row["name"], ColumnEncryptionKey(row["name"]))
            if row.get("column_master_key") is None and row.get("column_master_key_id") is not None:
                self.invisible_master_keys.append(quote(row["name"]))
            if row.get("column_master_key") is not None:
                key.values.append(ColumnEncryptionKeyValue(quote(row["column_master_key"]),
                                                           hex_literal(row.get("encrypted_value") or b""),
                                                           row.get("encryption_algorithm_name") or "RSA_OAEP"))
        for key in masters.values():
            model.add(key)
        for key in keys.values():
            model.add(key)
        return masters, keys

    # -- types and sequences -------------------------------------------------------------------
    def _alias_type(self, row):
        base = sql_type_of(row["base_type"], row.get("max_length"), row.get("precision"), row.get("scale"))
        element = new_element("SqlUserDefinedDataType", quote(row["schema_name"], row["name"]))
        add_property(element, "IsNullable", None if row.get("is_nullable", True) else False)
        add_property(element, "Length", base.length)
        add_property(element, "Precision", base.precision if base.name in ("decimal", "numeric") else None)
        if base.scale:
            add_property(element, "Scale", base.scale)
        add_property(element, "IsMax", True if base.is_max else None)
        add_relationship(element, "Schema", [Ref(quote(row["schema_name"]), row["schema_name"] == "dbo")])
        add_relationship(element, "Type", [Ref(quote(base.name), builtin=True)])
        return element

    def _sequence(self, row, used=None):
        """A SqlSequence with its bounds, cache and current value (DacFx keeps the value an
        OnlinePropertyAnnotation, CurrentValue), so that NEXT VALUE FOR goes on where it was."""
        name = quote(row["schema_name"], row["name"])
        element = new_element("SqlSequence", name)
        add_property(element, "Increment", row.get("increment"))
        add_property(element, "StartValue", row.get("start_value"))
        add_property(element, "MinValue", row.get("minimum_value"))
        add_property(element, "MaxValue", row.get("maximum_value"))
        add_property(element, "IsCycling", True if row.get("is_cycling") else None)
        if row.get("is_cached") and row.get("cache_size") is not None:
            add_property(element, "CacheSize", row.get("cache_size"))
        elif row.get("is_cached") is not None and not row.get("is_cached"):
            self.warnings.append(f"sequence {name} is NO CACHE; the package carries no cache setting, so an import "
                                 f"creates it with the default cache")
        add_relationship(element, "Schema", [Ref(quote(row["schema_name"]), row["schema_name"] == "dbo")])
        sql_type = sql_type_of(row.get("type_name") or "bigint", None, row.get("precision"), row.get("scale"))
        add_relationship(element, "TypeSpecifier", [type_specifier_element(sql_type)])
        current = row.get("current_value")
        was_used = used.get((row["schema_name"], row["name"])) if used is not None else \
            (current is not None and str(current) != str(row.get("start_value")))
        if current is not None and was_used:
            annotation = ET.SubElement(element, q("Annotation"), {"Type": "OnlinePropertyAnnotation", "Name": name})
            add_property(annotation, "CurrentValue", current)
        return element

    # -- tables --------------------------------------------------------------------------------
    def _tables(self, model):
        tables, rows_by_table = {}, {}
        for row in self.query("tables"):
            table = Table(row["schema_name"], row["name"],
                          properties={"IsAnsiNullsOn": "True" if row.get("uses_ansi_nulls", True) else "False"})
            tables[row["object_id"]] = table
            if row.get("is_memory_optimized"):
                self.warnings.append(f"table {table.full_name} is memory-optimized; it is exported as an ordinary "
                                     f"table")
            if row.get("temporal_type") in (1, 2):
                self.warnings.append(f"table {table.full_name} is part of a system-versioned (temporal) pair; it is "
                                     f"exported as an ordinary table")
        for row in self.query("columns" if self._always_encrypted else "columns_before_2016"):
            rows_by_table.setdefault(row["object_id"], []).append(row)
        bindings, encrypted_columns, invisible = {}, [], []
        for object_id, table in tables.items():
            select, types, encrypted = [], [], []
            for row in rows_by_table.get(object_id, ()):
                column = self._column(table, row)
                table.columns.append(column)
                if column.is_computed:
                    continue
                name = quote(column.name)
                resolved = column.sql_type
                if column.is_encrypted:
                    encrypted_columns.append(f"{table.full_name}.{name}")
                elif row.get("column_encryption_key_id") is not None:
                    # The column is encrypted but its key is not visible: no VIEW ANY COLUMN ENCRYPTION KEY
                    # DEFINITION. Reading on would write ciphertext without its metadata.
                    invisible.append(f"{table.full_name}.{name}")
                is_clr = resolved.name in CLR_SYSTEM_TYPES or (row.get("is_assembly_type") and not column.is_encrypted)
                select.append(f"CAST({name} AS varbinary(max)) AS {name}" if is_clr and not column.is_encrypted
                              else name)
                types.append(resolved)
                encrypted.append(column.is_encrypted)
            model.add(table)
            bindings[table.full_name] = TableBinding(table, object_id, select, types, encrypted)
        return tables, bindings, encrypted_columns, invisible

    def _column(self, table, row):
        if row.get("is_computed"):
            return Column(row["name"], None, computed_expression=row.get("computed_definition") or "",
                          persisted=bool(row.get("is_persisted")), nullable=bool(row.get("is_nullable", True)))
        sql_type, alias = column_type(row)
        column_name = f"{table.full_name}.{quote(row['name'])}"
        if row.get("xml_collection_id"):
            self.warnings.append(f"column {column_name} is xml typed by an XML schema collection; it is exported as "
                                 f"untyped xml")
        if row.get("identity_not_for_replication"):
            self.warnings.append(f"identity column {column_name} is NOT FOR REPLICATION; the package cannot carry it")
        if row.get("is_assembly_type") and sql_type.name not in CLR_SYSTEM_TYPES:
            self.warnings.append(f"column {table.full_name}.{quote(row['name'])} has the CLR type "
                                 f"{row.get('type_name')}; it is exported as its binary serialization")
        encryption = ENCRYPTION_TYPES.get(row.get("encryption_type"))
        key = row.get("column_encryption_key")
        return Column(row["name"], sql_type, nullable=bool(row.get("is_nullable", True)),
                      identity=bool(row.get("is_identity")),
                      identity_seed=_identity_value(row.get("seed_value"), row.get("is_identity")),
                      identity_increment=_identity_value(row.get("increment_value"), row.get("is_identity")),
                      collation=row.get("collation_name") if row.get("collation_name") != self._collation else None,
                      sparse=bool(row.get("is_sparse")), rowguidcol=bool(row.get("is_rowguidcol")),
                      encryption_type=encryption if key else None,
                      encryption_algorithm=row.get("encryption_algorithm_name") if key else None,
                      encryption_key=quote(key) if key else None,
                      type_ref=alias, type_builtin=alias is None)

    # -- constraints and indexes ---------------------------------------------------------------
    def _constraints(self, model, tables, names, views=None):
        names = {**names, **(views or {})}       # indexes may be on views too
        columns_of = {}
        for row in self.query("index_columns"):
            columns_of.setdefault((row["object_id"], row["index_id"]), []).append(row)
        for row in self.query("indexes"):
            table_name = names.get(row["object_id"])
            if table_name is None:
                continue
            kind = row.get("type")
            cols = columns_of.get((row["object_id"], row["index_id"]), [])
            keys = sorted((c for c in cols if not c.get("is_included_column")), key=lambda c: c.get("key_ordinal") or 0)
            specs = [(f"{table_name}.{quote(c['name'])}", not c.get("is_descending_key")) for c in keys]
            included = [f"{table_name}.{quote(c['name'])}" for c in cols if c.get("is_included_column")]
            if kind not in (1, 2):
                self.warnings.append(f"index {table_name}.{quote(row['name'] or '')} ({_INDEX_KINDS.get(kind, kind)}) "
                                     f"is not exported (not supported yet)")
                continue
            clustered = kind == 1
            self._index_options(f"{table_name}.{quote(row['name'] or '')}", row)
            if row.get("is_primary_key") or row.get("is_unique_constraint"):
                primary = bool(row.get("is_primary_key"))
                default_clustered = primary
                system_named = bool(row.get("is_system_named"))
                schema = split_schema(table_name)
                constraint = KeyConstraint("PRIMARY KEY" if primary else "UNIQUE", table_name, specs,
                                           None if system_named else quote(schema, row["name"]),
                                           quote(schema, row["name"]) if system_named else None,
                                           None if clustered == default_clustered else clustered,
                                           self._next() if system_named else None)
                model.add(constraint)
                continue
            model.add(Index(f"{table_name}.{quote(row['name'])}", table_name, specs, bool(row.get("is_unique")),
                            clustered, included, row.get("filter_definition") if row.get("has_filter") else None))
            if row.get("is_disabled"):
                self.warnings.append(f"index {table_name}.{quote(row['name'])} is disabled in the source; it is "
                                     f"exported as an enabled index")
        fk_columns = {}
        for row in self.query("foreign_key_columns"):
            fk_columns.setdefault(row["constraint_object_id"], []).append(row)
        for row in self.query("foreign_keys"):
            table_name, foreign = names.get(row["parent_object_id"]), names.get(row["referenced_object_id"])
            if table_name is None or foreign is None:
                continue
            cols = fk_columns.get(row["object_id"], [])
            system_named = bool(row.get("is_system_named"))
            schema = split_schema(table_name)
            model.add(ForeignKey(table_name, [f"{table_name}.{quote(c['column_name'])}" for c in cols], foreign,
                                 [f"{foreign}.{quote(c['referenced_column'])}" for c in cols],
                                 None if system_named else quote(schema, row["name"]),
                                 quote(schema, row["name"]) if system_named else None,
                                 int(row.get("delete_referential_action") or 0),
                                 int(row.get("update_referential_action") or 0),
                                 self._next() if system_named else None))
            if row.get("is_disabled") or row.get("is_not_trusted"):
                self.warnings.append(f"foreign key {quote(schema, row['name'])} is disabled or not trusted in the "
                                     f"source; import creates it checked, or WITH NOCHECK if the data violates it")
        for row in self.query("defaults"):
            table_name = names.get(row["parent_object_id"])
            if table_name is None:
                continue
            system_named = bool(row.get("is_system_named"))
            schema = split_schema(table_name)
            model.add(DefaultConstraint(table_name, f"{table_name}.{quote(row['column_name'])}", row["definition"],
                                        None if system_named else quote(schema, row["name"]),
                                        quote(schema, row["name"]) if system_named else None,
                                        self._next() if system_named else None))
        for row in self.query("checks"):
            table_name = names.get(row["parent_object_id"])
            if table_name is None:
                continue
            system_named = bool(row.get("is_system_named"))
            schema = split_schema(table_name)
            if row.get("is_disabled"):
                self.warnings.append(f"check constraint {quote(schema, row['name'])} is disabled in the source; an "
                                     f"import creates it enabled (WITH NOCHECK if rows violate it)")
            model.add(CheckConstraint(table_name, row["definition"],
                                      None if system_named else quote(schema, row["name"]),
                                      quote(schema, row["name"]) if system_named else None,
                                      self._next() if system_named else None))

    def _index_options(self, label, row):
        """Index options the package does not carry, named (an import builds the index with defaults)."""
        options = []
        if row.get("fill_factor") not in (None, 0, 100):
            options.append(f"FILLFACTOR = {row['fill_factor']}")
        if row.get("is_padded"):
            options.append("PAD_INDEX = ON")
        if row.get("ignore_dup_key"):
            options.append("IGNORE_DUP_KEY = ON")
        if row.get("allow_row_locks") is False or row.get("allow_row_locks") == 0:
            options.append("ALLOW_ROW_LOCKS = OFF")
        if row.get("allow_page_locks") is False or row.get("allow_page_locks") == 0:
            options.append("ALLOW_PAGE_LOCKS = OFF")
        compression = {1: "ROW", 2: "PAGE", 3: "COLUMNSTORE", 4: "COLUMNSTORE_ARCHIVE"}.get(row.get("data_compression"))
        if compression:
            options.append(f"DATA_COMPRESSION = {compression}")
        if options:
            self.warnings.append(f"index {label} has {', '.join(options)}, which the package does not carry; an "
                                 f"import builds it with the defaults")

    # -- modules -------------------------------------------------------------------------------
    def _modules(self, model, rows):
        for row in rows:
            element_type = MODULE_ELEMENTS.get((row.get("type") or "").strip())
            name = quote(row["schema_name"], row["name"])
            if element_type is None:
                continue
            definition = row.get("definition")
            if definition is None:
                self.warnings.append(f"{element_type[3:].lower()} {name} is encrypted (WITH ENCRYPTION) or not "
                                     f"readable; it is not exported")
                continue
            header, body = split_module(definition, element_type)
            parent = quote(row["parent_schema"], row["parent_name"]) if element_type == "SqlDmlTrigger" and \
                row.get("parent_name") else None
            if header is None:
                self.warnings.append(f"{element_type[3:].lower()} {name}: its text could not be split into header and "
                                     f"body; it is exported as one script")
            model.add(Module(element_type, name, body, header if header is not None else "", None, parent,
                             quoted_identifier=row.get("uses_quoted_identifier") is not False
                             and row.get("uses_quoted_identifier") != 0,
                             ansi_nulls=row.get("uses_ansi_nulls") is not False and row.get("uses_ansi_nulls") != 0))

    def _other_objects(self):
        for row in self.query("other_objects"):
            self.warnings.append(f"{row['object_count']} object(s) of type {row['type_desc']} are not exported "
                                 f"(not supported yet)")


_INDEX_KINDS = {3: "XML", 4: "spatial", 5: "clustered columnstore", 6: "nonclustered columnstore", 7: "hash"}


def split_schema(full_name):
    from ...format.model import split_name
    return split_name(full_name)[0]


def _identity_value(value, is_identity):
    if not is_identity or value is None:
        return None
    text = str(value)
    return None if text == "1" else text


def hex_literal(data):
    """0x-hex (upper case) of bytes, as model.xml holds binary values."""
    return "0x" + bytes(data).hex().upper()


__all__ = ["Q", "CatalogReader", "Catalog", "TableBinding", "sql_type_of", "column_type", "hex_literal",
           "dsp_name", "model_attributes", "database_options", "ENGINE_AZURE_SQL_DATABASE", "ENGINE_MANAGED_INSTANCE",
           "MODULE_ELEMENTS"]
