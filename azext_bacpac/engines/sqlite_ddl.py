"""How a SQL Server model becomes SQLite tables: names, columns, keys, defaults and indexes.

Naming: a table of schema dbo keeps its name (`Orders`); any other schema is written into the
name (`sales.Orders`), so that every table is reachable without ATTACH. SQLite names are
case-insensitive, so names that differ only in case are refused with a clear error.

Primary keys, unique constraints, foreign keys, check constraints and computed columns (as
generated columns) are declared in CREATE TABLE (SQLite cannot add them later); secondary indexes
are created after the data is loaded. Checks and computed columns are T-SQL: they are created where
sqlglot translates them and SQLite accepts the result (sqlite_objects), else they stay in the stored
model only. Extended properties of an export from SQLite give columns their SQLite declared type and
date/time text form back (sqlite_facts).
"""
import re
from dataclasses import dataclass, field

from ..errors import UnsupportedError
from ..format import variant as variant_codec
from ..format.model import split_name
from .expressions import ExpressionError, sqlite_expression
from . import sqlite_facts
from .rowmap import compile_row_mapper
from .sqlite_catalog import VARIANTS_TABLE
from .sqlite_facts import quoted_type
from .sqlite_schema import CATALOG_PREFIX, quote_ident
from .sqlite_types import INTEGER_NAMES, declared_type, import_adapter, import_raw_decoder, type_sql, variant_natural


def sqlite_table_name(schema, name):
    return name if schema == "dbo" else f"{schema}.{name}"


def leaf(name):
    return split_name(name)[-1] if name else None


@dataclass
class ColumnPlan:
    name: str
    sql_type: object            # resolved SqlType
    declared: str
    nullable: bool
    encrypted: bool = False
    default: str = None         # SQLite DEFAULT expression
    companion: str = None       # sql_variant: where its exact bytes go (sqlite_catalog.VARIANTS_TABLE)
    carried: bool = False       # `declared` is the SQLite type a package carried (sqlite_facts): quoted in DDL
    text_format: object = None  # sqlite_facts.TextFormat of a date/time column's text, None: the usual one

    def type_ddl(self):
        return quoted_type(self.declared) if self.carried else type_sql(self.declared)


@dataclass
class IndexPlan:
    sqlite_name: str
    model_name: str
    unique: bool
    columns: list               # [(column, ascending)]
    where: str = None


@dataclass
class TablePlan:
    """One model table as a SQLite table."""
    table: object               # format.model.Table
    sqlite_name: str
    columns: list               # ColumnPlan for every stored column, in row order
    primary_key: object = None  # KeyConstraint
    rowid_alias: str = None
    uniques: list = field(default_factory=list)
    foreign_keys: list = field(default_factory=list)   # [(ForeignKey, parent sqlite name)]
    indexes: list = field(default_factory=list)
    generated: list = field(default_factory=list)      # sqlite_objects.GeneratedPlan (computed columns)
    checks: list = field(default_factory=list)         # sqlite_objects.CheckPlan

    @property
    def column_names(self):
        return {c.name for c in self.columns}

    @property
    def indexable_names(self):
        """Columns an index may use: the stored ones and the generated ones."""
        return self.column_names | {g.name for g in self.generated}

    @property
    def companions(self):
        return {c.name: c.companion for c in self.columns if c.companion}

    def create_table_sql(self, generated=None, checks=None, references=True):
        """CREATE TABLE with the given generated columns and checks (default: the planned ones);
        references=False leaves out the foreign keys (a probe of expressions in a scratch database)."""
        generated = self.generated if generated is None else generated
        checks = self.checks if checks is None else checks
        lines = [g.sql() for g in generated if g.after is None]
        for column in self.columns:
            text = f"{quote_ident(column.name)} {column.type_ddl()}".rstrip()
            if not column.nullable:
                text += " NOT NULL"
            if column.default is not None:
                text += f" DEFAULT {column.default}"
            lines.append(text)
            lines.extend(g.sql() for g in generated if g.after == column.name)
        if self.primary_key is not None:
            lines.append(_key_sql("PRIMARY KEY", self.primary_key))
        for unique in self.uniques:
            lines.append(_key_sql("UNIQUE", unique))
        for fk, parent in self.foreign_keys if references else ():
            lines.append(_foreign_key_sql(fk, parent))
        lines.extend(check.sql() for check in checks)
        body = ",\n  ".join(lines)
        return f"CREATE TABLE {quote_ident(self.sqlite_name)} (\n  {body}\n)"

    def insert_sql(self):
        names = [c.name for c in self.columns]
        return (f"INSERT INTO {quote_ident(self.sqlite_name)} ({', '.join(quote_ident(n) for n in names)}) "
                f"VALUES ({', '.join('?' * len(names))})")

    def row_mapper(self):
        """BCP row -> SQLite row: per-column conversions compiled once (None when there are none)."""
        return compile_row_mapper(*self.row_mapper_spec())

    def raw_decoders(self):
        """{column index: bytes -> SQLite value} for columns whose BCP bytes convert straight to
        what row_mapper() would give (sqlite_types.import_raw_decoder); picklable."""
        decoders = {}
        for i, column in enumerate(self.columns):
            decoder = None if column.companion or column.text_format else \
                import_raw_decoder(column.sql_type, column.encrypted)
            if decoder is not None:
                decoders[i] = decoder
        return decoders

    def row_mapper_spec(self, raw_decoded=()):
        """(width, output specs) of row_mapper(): picklable, for a decoder in another process.
        Columns in `raw_decoded` arrive converted already (raw_decoders) and are copied. After the
        table's columns come the exact bytes of each sql_variant column (None where not needed),
        which the loader stores in sqlite_catalog.VARIANTS_TABLE."""
        outputs, companions = [], []
        for i, column in enumerate(self.columns):
            if column.sql_type.name == "sql_variant" and not column.encrypted:
                outputs.append((variant_natural, i))
                if column.companion:
                    companions.append((_raw_bytes, i))
                continue
            if column.text_format is not None:
                adapter = column.text_format.text
            else:
                adapter = None if i in raw_decoded else import_adapter(column.sql_type, column.encrypted)
            outputs.append(i if adapter is None else (adapter, i))
        return len(self.columns), outputs + companions

    def index_sql(self, index, unique=None, where=True):
        unique = index.unique if unique is None else unique
        keys = ", ".join(quote_ident(c) + ("" if ascending else " DESC") for c, ascending in index.columns)
        sql = (f"CREATE {'UNIQUE ' if unique else ''}INDEX {quote_ident(index.sqlite_name)} "
               f"ON {quote_ident(self.sqlite_name)} ({keys})")
        if where and index.where:
            sql += f" WHERE {index.where}"
        return sql


def _raw_bytes(cell):
    """The exact sql_variant bytes, kept only where the visible value would not give them back."""
    try:
        if variant_codec.encode(variant_natural(cell)) == cell.raw:
            return None
    except (ValueError, TypeError):
        pass
    return cell.raw


def _key_sql(kind, key):
    name = leaf(key.display_name)
    columns = ", ".join(quote_ident(leaf(c)) + ("" if ascending else " DESC") for c, ascending in key.columns)
    prefix = f"CONSTRAINT {quote_ident(name)} " if name else ""
    return f"{prefix}{kind} ({columns})"


_ACTIONS = {1: "CASCADE", 2: "SET NULL", 3: "SET DEFAULT"}


def _foreign_key_sql(fk, parent):
    name = leaf(fk.display_name)
    prefix = f"CONSTRAINT {quote_ident(name)} " if name else ""
    sql = (f"{prefix}FOREIGN KEY ({', '.join(quote_ident(leaf(c)) for c in fk.columns)}) "
           f"REFERENCES {quote_ident(parent)} ({', '.join(quote_ident(leaf(c)) for c in fk.foreign_columns)})")
    if fk.on_delete in _ACTIONS:
        sql += f" ON DELETE {_ACTIONS[fk.on_delete]}"
    if fk.on_update in _ACTIONS:
        sql += f" ON UPDATE {_ACTIONS[fk.on_update]}"
    return sql


# ---- planning ----------------------------------------------------------------------------------

class _Names:
    """SQLite's single, case-insensitive namespace for tables and indexes."""

    def __init__(self):
        self.used = {}

    def claim(self, name, owner):
        key = name.lower()
        if key.startswith("sqlite_") or key.startswith(CATALOG_PREFIX):
            raise UnsupportedError(f"{owner} cannot be stored in SQLite: the name '{name}' is reserved "
                                   f"(names starting with 'sqlite_' or '{CATALOG_PREFIX}')")
        if key in self.used:
            raise UnsupportedError(f"{owner} and {self.used[key]} would both be the SQLite table '{name}' "
                                   f"(SQLite names ignore case); import them separately with --tables")
        self.used[key] = owner
        return name

    def free(self, *candidates):
        for name in candidates:
            if name.lower() not in self.used:
                self.used[name.lower()] = name
                return name
        base, number = candidates[-1], 2
        while f"{base}_{number}".lower() in self.used:
            number += 1
        self.used[f"{base}_{number}".lower()] = base
        return f"{base}_{number}"


def plan_tables(model, tables, expressions=None):
    """TablePlans for `tables` (model Tables, the ones to create), and warnings. `expressions` (a
    sqlite_objects.Expressions, for an import) plans the computed columns and check constraints."""
    names = _Names()
    warnings = []
    plans = {}
    for table in tables:
        sqlite_name = names.claim(sqlite_table_name(table.schema, table.name), table.full_name)
        plans[table.full_name] = _plan_columns(model, table, sqlite_name)
    facts = sqlite_facts.apply(model, plans, warnings)
    if expressions is not None:
        expressions.plan(model, plans, facts)

    def stored(plan, columns, what):
        return _in_sqlite(plan, columns, what, warnings)

    for key in model.primary_keys:
        plan = plans.get(key.table)
        if plan is not None and stored(plan, key.column_names, f"primary key {key.display_name}"):
            plan.primary_key = key
            plan.rowid_alias = _rowid_alias(model, plan, key)
    for plan in plans.values():
        if plan.rowid_alias:
            column = next(c for c in plan.columns if c.name == plan.rowid_alias)
            if not column.carried or column.declared.upper() != "INTEGER":
                column.declared, column.carried = declared_type(column.sql_type, rowid_alias=True), False
    for unique in model.unique_constraints:
        plan = plans.get(unique.table)
        if plan is not None and _in_sqlite(plan, unique.column_names, f"unique constraint {unique.display_name}",
                                           warnings, plan.indexable_names):
            plan.uniques.append(unique)
    for fk in model.foreign_keys:
        plan, parent = plans.get(fk.table), plans.get(fk.foreign_table)
        if plan is None:
            continue
        if parent is None:
            warnings.append(f"foreign key {fk.display_name} of {fk.table} was not created: "
                            f"{fk.foreign_table} is not imported")
            continue
        what = f"foreign key {fk.display_name}"
        if stored(plan, [leaf(c) for c in fk.columns], what) and \
                stored(parent, [leaf(c) for c in fk.foreign_columns], what):
            plan.foreign_keys.append((fk, parent.sqlite_name))
    _plan_defaults(model, plans)
    for index in model.indexes:
        plan = plans.get(index.table)
        if plan is None:
            continue
        if not _in_sqlite(plan, [leaf(c) for c, _ in index.columns], f"index {index.name}", warnings,
                          plan.indexable_names):
            continue
        where = None
        if index.filter:
            try:
                where = sqlite_expression(index.filter, f"the filter of index {index.name}",
                                          {c.name: c.sql_type for c in plan.columns})
            except ExpressionError as error:
                warnings.append(f"index {index.name} was not created in SQLite: {error}")
                continue
        index_leaf = leaf(index.name) or "unnamed_index"      # (only a damaged model.xml has one)
        sqlite_name = names.free(index_leaf, f"{plan.sqlite_name}.{index_leaf}")
        plan.indexes.append(IndexPlan(sqlite_name, index.name, index.unique,
                                      [(leaf(c), ascending) for c, ascending in index.columns], where))
    return list(plans.values()), warnings


def _in_sqlite(plan, columns, what, warnings, names=None):
    """Whether SQLite has every column (of `names`, default the stored ones: computed columns are
    generated columns at most)."""
    missing = [c for c in columns if c not in (plan.column_names if names is None else names)]
    if missing:
        warnings.append(f"{what} was not created in SQLite: it uses computed column(s) "
                        f"{', '.join(map(str, missing))} of {plan.table.full_name}; the package's definition is kept")
    return not missing


def _plan_columns(model, table, sqlite_name):
    stored = table.stored_columns
    if not stored:
        raise UnsupportedError(f"table {table.full_name} has no stored columns (only computed ones); "
                               f"SQLite cannot hold it")
    seen = {}
    columns = []
    for column in stored:
        key = column.name.lower()
        if key in seen:
            raise UnsupportedError(f"table {table.full_name} has columns [{seen[key]}] and [{column.name}], "
                                   f"which SQLite cannot tell apart (names ignore case)")
        seen[key] = column.name
        sql_type = model.resolved_type(column)
        columns.append(ColumnPlan(column.name, sql_type, declared_type(sql_type, column.is_encrypted),
                                  column.nullable, column.is_encrypted))
    for plan in columns:
        if plan.sql_type.name == "sql_variant" and not plan.encrypted:
            plan.companion = VARIANTS_TABLE
    return TablePlan(table, sqlite_name, columns)


def _rowid_alias(model, plan, key):
    """An identity integer primary key that orders the table becomes SQLite's rowid (INTEGER
    PRIMARY KEY): new rows then get the next value, as with IDENTITY. Only when the key is also
    the row order (clustered, ascending, no other clustered index), so that rows keep their order."""
    if len(key.columns) != 1 or not key.columns[0][1] or key.clustered is False:
        return None
    name = leaf(key.columns[0][0])
    column = plan.table.column(name)
    if column is None or not column.identity or column.is_encrypted:
        return None
    if model.resolved_type(column).name not in INTEGER_NAMES:
        return None
    if any(index.clustered and index.table == plan.table.full_name for index in model.indexes):
        return None
    return name


def _plan_defaults(model, plans):
    for default in model.defaults:
        plan = plans.get(default.table)
        if plan is None or not default.column:
            continue
        name = leaf(default.column)
        column = next((c for c in plan.columns if c.name == name), None)
        if column is not None and column.name != plan.rowid_alias:
            column.default = sqlite_default(default.expression, column.sql_type)


# ---- defaults: T-SQL -> SQLite ------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_STRING = re.compile(r"N?'((?:[^']|'')*)'", re.S)
_HEX = re.compile(r"0x([0-9A-Fa-f]*)")
# newid() in SQLite: a random (version 4) GUID as canonical upper-case text.
NEW_GUID_SQL = ("(upper(hex(randomblob(4))) || '-' || upper(hex(randomblob(2))) || '-4' || "
                "substr(upper(hex(randomblob(2))), 2) || '-' || substr('89AB', 1 + (abs(random()) % 4), 1) || "
                "substr(upper(hex(randomblob(2))), 2) || '-' || upper(hex(randomblob(6))))")


def strip_parens(text):
    """'((30))' -> '30': outer parentheses that enclose the whole expression."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _encloses(text):
        text = text[1:-1].strip()
    return text


def _encloses(text):
    depth, quoted = 0, False
    for i, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return False
    return depth == 0


def sqlite_default(expression, sql_type):
    """A SQLite DEFAULT for a T-SQL default expression, or None when SQLite has no equivalent
    (the default then lives in the stored model only)."""
    text = strip_parens(expression or "")
    if _NUMBER.fullmatch(text):
        return text
    match = _STRING.fullmatch(text)
    if match:
        return "'" + match.group(1) + "'"
    match = _HEX.fullmatch(text)
    if match:
        return f"X'{match.group(1)}'"
    lowered = text.lower().replace(" ", "")
    local = lowered in ("getdate()", "sysdatetime()", "current_timestamp")
    if local or lowered in ("getutcdate()", "sysutcdatetime()"):
        function = {"date": "date", "time": "time"}.get(sql_type.name, "datetime")
        return f"({function}('now'{', ' + repr('localtime') if local else ''}))"
    if lowered in ("newid()", "newsequentialid()"):
        return NEW_GUID_SQL
    return None
