"""The model objects of one SQLite table: its columns (generated columns as computed columns), keys,
foreign keys, defaults, check constraints, indexes, and the extended properties that carry what a
SQL Server type cannot say (sqlite_facts). Column types come from sqlite_derive.

SQLite keeps check constraints, generated columns and partial indexes' WHERE only in the text of
their statements (sqlite_sql_text reads them); each is translated to T-SQL (expressions_tsql), and
what has no T-SQL form is named in a warning: a check or a partial index is left out, a generated
column is exported as a plain column holding its values.

Defaults are translated where T-SQL has the same meaning (numbers, strings, blobs, TRUE/FALSE,
CURRENT_TIMESTAMP -> getutcdate(), datetime('now','localtime') -> getdate()); others are left out
with a warning. Expression indexes are left out with a warning.
"""
import re
from dataclasses import dataclass, field

from ..format.model import Column, DefaultConstraint, ForeignKey, Index, KeyConstraint, Table, quote, split_name
from ..format.model_objects import ComputedColumn, DependentCheck
from . import sqlite_facts
from .expressions import ExpressionError
from .expressions_tsql import dependencies, tsql_from_sqlite
from .sqlite_ddl import NEW_GUID_SQL, strip_parens
from .sqlite_derive import candidate_for, derive_columns, key_columns
from .sqlite_sql_text import TableText, index_where, parse_create_table

# ---- defaults: SQLite -> T-SQL ------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_STRING = re.compile(r"'((?:[^']|'')*)'", re.S)
_BLOB = re.compile(r"[xX]'([0-9A-Fa-f]*)'")
_UNICODE = {"nchar", "nvarchar", "ntext", "sysname"}
_NOW = {"current_timestamp": "(getutcdate())", "datetime('now')": "(getutcdate())",
        "datetime('now','localtime')": "(getdate())", "current_date": "(CONVERT([date],getutcdate()))",
        "date('now')": "(CONVERT([date],getutcdate()))", "date('now','localtime')": "(CONVERT([date],getdate()))",
        "current_time": "(CONVERT([time],getutcdate()))", "time('now')": "(CONVERT([time],getutcdate()))",
        "time('now','localtime')": "(CONVERT([time],getdate()))"}


def tsql_default(expression, sql_type):
    """(T-SQL default expression or None, translated?) for a SQLite DEFAULT expression."""
    text = strip_parens(expression)
    if text.upper() == "NULL":
        return None, True
    if _NUMBER.fullmatch(text):
        return f"(({text}))", True
    match = _STRING.fullmatch(text)
    if match:
        prefix = "N" if sql_type.name in _UNICODE else ""
        return f"({prefix}'{match.group(1)}')", True
    match = _BLOB.fullmatch(text)
    if match:
        return f"(0x{match.group(1).upper()})", True
    if text.upper() in ("TRUE", "FALSE"):
        return ("((1))" if text.upper() == "TRUE" else "((0))"), True
    compact = re.sub(r"\s+", "", text).lower().replace('"', "'")
    if compact in _NOW:
        return _NOW[compact], True
    if re.sub(r"\s+", "", text) == re.sub(r"\s+", "", strip_parens(NEW_GUID_SQL)):
        return "(newid())", True
    return None, False


# ---- one table ---------------------------------------------------------------------------------

@dataclass
class DerivedTable:
    table: Table
    objects: list = field(default_factory=list)   # key constraints, foreign keys, defaults, indexes
    warnings: list = field(default_factory=list)


_ACTIONS = {"CASCADE": 1, "SET NULL": 2, "SET DEFAULT": 3}


class NameSpace:
    """SQL Server object names within a schema are unique; derived names get _2, _3 ... on clashes."""

    def __init__(self, taken=()):
        self.taken = {name.lower() for name in taken if name}

    def claim(self, schema, name):
        candidate, number = name, 2
        while quote(schema, candidate).lower() in self.taken:
            candidate, number = f"{name}_{number}", number + 1
        self.taken.add(quote(schema, candidate).lower())
        return quote(schema, candidate)


def derive_table(conn, info, schema, name, parents, names):
    """A DerivedTable for a live table. `parents(sqlite name)` -> (model full name, TableInfo) or
    None; `names` is the NameSpace of constraint names."""
    full = quote(schema, name)
    derived = DerivedTable(Table(schema, name))
    # (the statement is read only where it can hold something: a 50,000-table export reads none)
    text = parse_create_table(info.sql) if any(c.generated for c in info.columns) or \
        "CHECK" in (info.sql or "").upper() else TableText()
    computed = _computed_columns(info, schema, name, text, derived)
    keys = key_columns(info)
    types, stats = derive_columns(conn, info, [c for c in info.columns if c.name not in computed], keys=keys)
    _with_types(computed, text, types)
    alias = info.rowid_alias
    primary = info.primary_key
    if primary and any(stats[c].has_null for c in primary if c != alias):
        derived.warnings.append(f"table '{info.name}': its primary key holds NULLs, which SQL Server does not "
                                f"allow; exported without a primary key")
        primary = []
    for column in info.columns:
        if column.name in computed:
            derived.table.columns.append(computed[column.name])
            derived.objects.extend(sqlite_facts.column_properties(schema, name, column.name, column.declared, "",
                                                                  computed=True))
            continue
        sql_type = types[column.name]
        if stats[column.name].not_declared:
            derived.warnings.append(f"table '{info.name}': column '{column.name}' is declared {column.declared}, "
                                    f"but {stats[column.name].not_declared}; exported as {sql_type}")
        derived.table.columns.append(Column(
            column.name, sql_type, nullable=not (column.notnull or column.name in primary),
            identity=column.name == alias))
        derived.objects.extend(_facts(conn, info, column, sql_type, stats[column.name], schema, name, derived))
        if column.default is not None and column.name != alias:
            expression, translated = tsql_default(column.default, sql_type)
            if expression is not None:
                derived.objects.append(DefaultConstraint(full, quote(schema, name, column.name), expression,
                                                         names.claim(schema, f"DF_{name}_{column.name}")))
            elif not translated:
                derived.warnings.append(f"table '{info.name}': the default of column '{column.name}' "
                                        f"({column.default}) has no T-SQL equivalent and was left out")
    _derive_checks(info, schema, name, text, types, names, derived)
    _derive_keys(info, schema, name, primary, names, derived, types)
    derive_foreign_keys(info, schema, name, parents, names, derived)
    return derived


def _computed_columns(info, schema, name, text, derived):
    """{column name: ComputedColumn} for the generated columns whose expression translates; the others
    are exported as plain columns holding their values (a warning says why)."""
    found = {}
    stored = [c.name for c in info.columns if not c.generated]
    for column in info.columns:
        if not column.generated:
            continue
        source = text.generated_for(column.name)
        try:
            if source is None:
                raise ExpressionError("its expression was not found in the table's SQL")
            expression = tsql_from_sqlite(source.expression, f"generated column '{column.name}'")
        except ExpressionError as error:
            derived.warnings.append(f"table '{info.name}': generated column '{column.name}' is exported as a plain "
                                    f"column holding its values: {_reason(error)}")
            continue
        found[column.name] = ComputedColumn(
            column.name, None, computed_expression=expression, persisted=source.stored,
            dependencies=[quote(schema, name, c) for c in dependencies(expression, stored)])
    return found


def _with_types(computed, text, types):
    """The computed columns translated again, now that the column types are known: `||` between text
    columns needs no CAST."""
    for name, column in computed.items():
        try:
            column.computed_expression = tsql_from_sqlite(text.generated_for(name).expression,
                                                          f"generated column '{name}'", types)
        except ExpressionError:
            pass                                # (it translated without the types: that form stays)


def _facts(conn, info, column, sql_type, stats, schema, name, derived):
    """The extended properties of a stored column (sqlite_facts): its declared type, its date/time text."""
    text_format = None
    if sqlite_facts.needs_detection(candidate_for(column.declared), sql_type, stats):
        text_format, warning = sqlite_facts.detect_format(conn, info.name, column.name, sql_type)
        if warning:
            derived.warnings.append(f"table '{info.name}': column '{column.name}': {warning}")
    import_declared = sqlite_facts.import_declared_type(sql_type, rowid_alias=column.name == info.rowid_alias)
    return sqlite_facts.column_properties(schema, name, column.name, column.declared, import_declared, text_format)


def _derive_checks(info, schema, name, text, types, names, derived):
    full = quote(schema, name)
    columns = [c.name for c in info.columns]
    for check in text.checks:
        label = f"check constraint {check.name or ''}".rstrip()
        try:
            expression = tsql_from_sqlite(check.expression, label, types, predicate=True)
        except ExpressionError as error:
            derived.warnings.append(f"table '{info.name}': {label} ({check.expression[:80]}) was left out: "
                                    f"{_reason(error)}")
            continue
        default_name = f"CK_{name}_{check.column}" if check.column else f"CK_{name}"
        derived.objects.append(DependentCheck(
            full, expression, names.claim(schema, check.name or default_name),
            dependencies=[quote(schema, name, c) for c in dependencies(expression, columns)]))


def _reason(error):
    text = str(error)
    return text.split(": ", 1)[1] if ": " in text else text


def _derive_keys(info, schema, name, primary, names, derived, types):
    full = quote(schema, name)
    pk_index = next((i for i in info.indexes if i.origin == "pk"), None)
    if primary:
        descending = dict(pk_index.columns) if pk_index and pk_index.columns else {}
        derived.objects.append(KeyConstraint(
            "PRIMARY KEY", full, [(quote(schema, name, c), not descending.get(c, False)) for c in primary],
            names.claim(schema, f"PK_{name}")))
    for index in info.indexes:
        if index.origin == "pk":
            continue
        if index.columns is None:
            derived.warnings.append(f"table '{info.name}': index '{index.name}' indexes an expression, which "
                                    f"T-SQL cannot; it was left out")
            continue
        where = None
        if index.partial:
            try:
                where = tsql_from_sqlite(index_where(index.sql), f"the WHERE of index '{index.name}'", types,
                                         predicate=True)
            except ExpressionError as error:
                derived.warnings.append(f"table '{info.name}': index '{index.name}' was left out: {_reason(error)}")
                continue
        columns = [(quote(schema, name, c), not desc) for c, desc in index.columns]
        if index.origin == "u" and where is None:
            derived.objects.append(KeyConstraint(
                "UNIQUE", full, columns,
                names.claim(schema, f"UQ_{name}_{'_'.join(c for c, _ in index.columns)}")))
        else:
            derived.objects.append(Index(quote(schema, name, _index_leaf(index.name, info.name)), full, columns,
                                         unique=index.unique, filter=where))


def _index_leaf(index_name, table_name):
    prefix = table_name + "."
    return index_name[len(prefix):] if index_name.startswith(prefix) else index_name


def derive_foreign_keys(info, schema, name, parents, names, derived):
    full = quote(schema, name)
    for fk in info.foreign_keys:
        parent = parents(fk.parent)
        if parent is None:
            derived.warnings.append(f"table '{info.name}': a foreign key references '{fk.parent}', which is "
                                    f"not exported; it was left out")
            continue
        parent_full, parent_info = parent
        parent_columns = fk.parent_columns
        if any(c is None for c in parent_columns):
            parent_columns = parent_info.primary_key
        if len(parent_columns) != len(fk.columns):
            derived.warnings.append(f"table '{info.name}': a foreign key to '{fk.parent}' does not match that "
                                    f"table's key; it was left out")
            continue
        parent_schema, parent_name = _two(parent_full)
        derived.objects.append(ForeignKey(
            full, [quote(schema, name, c) for c in fk.columns], parent_full,
            [quote(parent_schema, parent_name, c) for c in parent_columns],
            names.claim(schema, f"FK_{name}_{parent_name}_{'_'.join(fk.columns)}"),
            on_delete=_ACTIONS.get((fk.on_delete or "").upper(), 0),
            on_update=_ACTIONS.get((fk.on_update or "").upper(), 0)))


def _two(full_name):
    parts = split_name(full_name)
    return parts[-2], parts[-1]
