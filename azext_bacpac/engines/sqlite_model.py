"""Which model an export of a SQLite database writes, and how each table's rows are read.

- 'stored': the database was made by an import and no table was changed since (every table's
  fingerprint matches the catalog): the stored model.xml is used as it is, byte for byte.
- 'merged': it was made by an import, and the user has since added, dropped or altered tables.
  Unchanged tables keep their stored definition. An altered table keeps every column whose
  declared type and nullability are still what the import wrote (with all its stored properties:
  collation, identity, computed columns, ...) and derives the others from SQLite; its stored
  constraints and indexes stay when the columns they use still exist, and new SQLite indexes and
  foreign keys are added. A dropped table disappears with every object that refers to it (views,
  procedures, foreign keys: each one named in a warning). A new table is derived from SQLite. Views
  the import created stay as stored while their SQL is unchanged; a view dropped since goes, one
  added or changed is derived from SQLite.
- 'derived': an ordinary SQLite database: the whole model is derived (see sqlite_derive,
  sqlite_derive_table and sqlite_views).

Stored types are authoritative: a value the user wrote since the import that no longer fits its
column (text in an INT column, 'someday' in a DATE column) fails the export with an EngineError
that names the table, the column and the row; it is never silently converted or dropped.
Derived types are chosen from the data, so they fit (or the export stops before writing anything,
naming the row, when no SQL Server type can hold a column's mix of values).
"""
import copy
import functools
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ..format.model import (BUILTIN_SCHEMAS, DEFAULT_ATTRIBUTES, Column, DatabaseOptions, DefaultConstraint, Index,
                            Model, Schema, Table, quote, split_name)
from ..format.xmlio import q
from . import sqlite_catalog
from .rowmap import compile_row_mapper
from .sqlite_ddl import plan_tables
from .sqlite_derive import derive_columns, key_columns
from .sqlite_derive_table import DerivedTable, NameSpace, derive_foreign_keys, derive_table, tsql_default
from .sqlite_schema import other_objects, read_tables
from .sqlite_views import derive_views, live_views
from .sqlite_types import export_fast_adapter, variant_from_sqlite

DERIVED_COLLATION = "SQL_Latin1_General_CP1_CI_AS"
# Objects that belong to one table: they go with it without a warning of their own.
_PART_OF_TABLE = {"SqlPrimaryKeyConstraint", "SqlUniqueConstraint", "SqlDefaultConstraint", "SqlCheckConstraint",
                  "SqlIndex", "SqlPermissionStatement", "SqlExtendedProperty", "SqlStatistic"}
_BOM = b"\xef\xbb\xbf"


@dataclass
class TableBinding:
    """Where a model table's rows are in SQLite and how they become codec values."""
    table: Table
    sqlite_name: str
    select: list                # SQLite columns to read, in order (stored columns, then sql_variant bytes:
    #                             a companion column or a sqlite_catalog.variant_sql subquery)
    outputs: list               # row mapper specs: SQLite row -> BCP row
    order_by: str = None        # the rowid's name, to read rows in insertion order

    @functools.cached_property
    def mapper(self):
        return compile_row_mapper(len(self.select), self.outputs)

    def column_name(self, output_index):
        return self.table.stored_columns[output_index].name


@dataclass
class Resolution:
    model: Model
    source: str                 # stored, merged or derived
    bindings: dict              # model full name -> TableBinding
    model_bytes: bytes = None   # the stored model.xml, when used unchanged
    bom: bool = False
    warnings: list = field(default_factory=list)


def resolve(conn):
    infos = read_tables(conn)
    warnings = [f"SQLite {kind} '{name}' is not exported (its SQL is not T-SQL)" for kind, name in other_objects(conn)
                if kind != "view"]
    views = live_views(conn)
    catalog = sqlite_catalog.read(conn)
    if catalog is None:
        return _derived(conn, infos, views, warnings)
    return _from_catalog(conn, infos, views, catalog, warnings)


def bind(model, table, sqlite_name, info, companions=None):
    columns = table.stored_columns
    select = [column.name for column in columns]
    outputs = []
    live = {column.name for column in info.columns}
    order_by = None
    if not info.without_rowid:
        names = {c.name.lower() for c in info.columns}
        order_by = next((n for n in ("rowid", "_rowid_", "oid") if n not in names), None)
    for i, column in enumerate(columns):
        sql_type = model.resolved_type(column)
        companion = (companions or {}).get(column.name)
        variant = sql_type.name == "sql_variant" and not column.is_encrypted
        if variant and (companion in live or companion == sqlite_catalog.VARIANTS_TABLE and order_by):
            outputs.append((variant_from_sqlite, i, len(select)))
            select.append(companion if companion in live else
                          sqlite_catalog.variant_sql(sqlite_name, column.name, order_by))
            continue
        adapter = export_fast_adapter(sql_type, column.is_encrypted)
        outputs.append(i if adapter is None else (adapter, i))
    return TableBinding(table, sqlite_name, select, outputs, order_by)


def model_names(sqlite_names, taken=()):
    """{SQLite table: (schema, name)}: 'sales.Orders' is [sales].[Orders], anything else is dbo. A table
    named 'dbo.dotted' is [dbo].[dbo.dotted]: dbo tables are written without their schema, so splitting
    it would come back as 'dotted'."""
    seen = {name.lower() for name in taken}
    result = {}
    for sqlite_name in sqlite_names:
        schema, dot, rest = sqlite_name.partition(".")
        pair = (schema, rest) if dot and schema and rest and schema.lower() != "dbo" else ("dbo", sqlite_name)
        if quote(*pair).lower() in seen:
            pair = ("dbo", sqlite_name)
        number = 2
        while quote(*pair).lower() in seen:
            pair, number = ("dbo", f"{sqlite_name}_{number}"), number + 1
        seen.add(quote(*pair).lower())
        result[sqlite_name] = pair
    return result


class _Parents:
    """Resolves a foreign key's parent (SQLite resolves table names ignoring case)."""

    def __init__(self):
        self.by_name = {}

    def add(self, sqlite_name, full_name, info):
        self.by_name[sqlite_name.lower()] = (full_name, info)

    def __call__(self, sqlite_name):
        return self.by_name.get(sqlite_name.lower())


# ---- derived ----------------------------------------------------------------------------------

def _derived(conn, infos, views, warnings):
    model = Model(dict(DEFAULT_ATTRIBUTES))
    model.add(DatabaseOptions({"Collation": DERIVED_COLLATION}))
    mapping = model_names(infos)
    view_names = model_names(views, taken=[quote(*pair) for pair in mapping.values()])
    for schema in sorted({schema for schema, _ in (*mapping.values(), *view_names.values())} - BUILTIN_SCHEMAS):
        model.add(Schema(schema))
    parents = _Parents()
    for sqlite_name, info in infos.items():
        parents.add(sqlite_name, quote(*mapping[sqlite_name]), info)
    names = NameSpace(quote(*pair) for pair in (*mapping.values(), *view_names.values()))
    objects = []                # the tables' own objects follow all tables; the tables are not kept twice
    columns = {}                # (schema, name) -> column names, for the views
    for name, info in infos.items():
        table = derive_table(conn, info, *mapping[name], parents, names)
        columns[(table.table.schema, table.table.name)] = [c.name for c in table.table.columns]
        model.add(table.table)
        warnings.extend(table.warnings)
        objects.append(table.objects)
    for group in objects:
        for obj in group:
            model.add(obj)
    for view in _views(conn, views, {**mapping, **view_names}, columns, warnings):
        model.add(view)
    sources = {quote(*mapping[name]): (name, info, None) for name, info in infos.items()}
    return Resolution(model, "derived", _bindings(model, sources), warnings=warnings)


def _views(conn, views, names, columns, warnings):
    """Views derived from SQLite: `names` {SQLite name: (schema, name)} of tables and views, `columns`
    {(schema, name): column names} of the tables they may read."""
    found, problems = derive_views(conn, views, names, columns)
    warnings.extend(problems)
    return found


def _bindings(model, sources):
    bindings = {}
    for table in model.tables:
        sqlite_name, info, companions = sources[table.full_name]
        bindings[table.full_name] = bind(model, table, sqlite_name, info, companions)
    return bindings


# ---- stored and merged ------------------------------------------------------------------------

def _from_catalog(conn, infos, views, catalog, warnings):
    stored = Model.from_bytes(catalog.model_bytes)
    kept_views = {name for name, (_, sql) in catalog.views.items() if views.get(name) == sql}
    new_views = {name: sql for name, sql in views.items() if name not in kept_views}
    gone_views = {name: model_name for name, (model_name, _) in catalog.views.items() if name not in kept_views}
    changed, dropped = [], []
    for sqlite_name, entry in catalog.tables.items():
        info = infos.get(sqlite_name)
        if info is None:
            dropped.append(entry)
        elif info.fingerprint() != entry.fingerprint:
            changed.append(entry)
    added = [name for name in infos if name not in catalog.tables]
    bom = catalog.model_bytes.startswith(_BOM)
    if not (changed or dropped or added or new_views or gone_views):
        sources = {quote(e.schema, e.name): (e.sqlite_name, infos[e.sqlite_name], e.companions)
                   for e in catalog.tables.values()}
        return Resolution(stored, "stored", _bindings(stored, sources), catalog.model_bytes, bom, warnings)
    merge = _Merge(conn, infos, catalog, stored, changed, dropped, added, warnings)
    merge.views(new_views, gone_views)
    return merge.run(bom)


class _Merge:
    def __init__(self, conn, infos, catalog, stored, changed, dropped, added, warnings):
        self.conn, self.infos, self.catalog, self.stored = conn, infos, catalog, stored
        self.changed, self.dropped, self.added = changed, dropped, added
        self.warnings = warnings
        self.new_views, self.gone_views = {}, {}
        self.stored_tables = {t.full_name: t for t in stored.tables}
        self.names = NameSpace(e.get("Name") for e in stored.elements)
        self.parents = _Parents()
        for entry in catalog.tables.values():
            if entry.sqlite_name in infos:
                self.parents.add(entry.sqlite_name, quote(entry.schema, entry.name), infos[entry.sqlite_name])
        self.added_names = model_names(added, taken=self.stored_tables)
        for name in added:
            self.parents.add(name, quote(*self.added_names[name]), infos[name])

    def views(self, new_views, gone_views):
        """Views added or changed in SQLite since the import (derived again), and the ones the import
        created that are gone or changed ({SQLite name: model name}): their stored element goes."""
        self.new_views, self.gone_views = new_views, gone_views

    def _view_elements(self, columns):
        """Elements of the views added or changed in SQLite (a changed one keeps its model name)."""
        names = {e.sqlite_name: (e.schema, e.name) for e in self.catalog.tables.values() if e.sqlite_name in self.infos}
        names.update(self.added_names)
        for name in self.new_views:
            if name in self.gone_views:
                names[name] = tuple(split_name(self.gone_views[name])[-2:])
        taken = [e.get("Name") for e in self.stored.elements if e.get("Name")] + [quote(*p) for p in names.values()]
        names.update(model_names([n for n in self.new_views if n not in names], taken=taken))
        readable = {tuple(split_name(full)): sorted(names_) for full, names_ in columns.items()}
        return [view.to_element() for view in _views(self.conn, self.new_views, names, readable, self.warnings)]

    def run(self, bom):
        summary = []
        if self.changed:
            summary.append("changed " + ", ".join(f"'{e.sqlite_name}'" for e in self.changed))
        if self.dropped:
            summary.append("dropped " + ", ".join(f"'{e.sqlite_name}'" for e in self.dropped))
        if self.added:
            summary.append("added " + ", ".join(f"'{n}'" for n in self.added))
        if self.new_views or self.gone_views:
            summary.append("views " + ", ".join(f"'{n}'" for n in sorted({*self.new_views, *self.gone_views})))
        self.warnings.append("the database was changed since the import (" + "; ".join(summary) + "): the exported "
                             "model merges the stored one with what SQLite now holds")
        plans = {plan.table.full_name: plan for plan in plan_tables(self.stored, self.stored.tables)[0]}
        replaced, extra, gone_indexes = {}, [], set()
        for entry in self.changed:
            full = quote(entry.schema, entry.name)
            element, objects, gone = self._merge_table(full, plans[full], self.infos[entry.sqlite_name], entry)
            replaced[full] = element
            extra.extend(objects)
            gone_indexes |= gone
        derived = [derive_table(self.conn, self.infos[name], *self.added_names[name], self.parents, self.names)
                   for name in self.added]
        for table in derived:
            self.warnings.extend(table.warnings)
        dropped = {quote(e.schema, e.name) for e in self.dropped}
        columns = self._final_columns(replaced, derived, dropped)
        index_names = {index.name for index in self.stored.indexes}
        elements = []
        for element, obj in self.stored.typed_objects():
            if isinstance(obj, Table):
                if obj.full_name not in dropped:
                    elements.append(replaced.get(obj.full_name, element))
                continue
            if isinstance(obj, Index) and obj.name in gone_indexes:
                continue
            if element.get("Type") == "SqlView" and element.get("Name") in self.gone_views.values():
                continue
            missing = _missing_reference(element, dropped, columns, index_names)
            if missing and element.get("Type") in _PART_OF_TABLE:
                continue
            if missing:
                self.warnings.append(f"{element.get('Type')} {element.get('Name') or _describe(obj)} was left out: "
                                     f"it refers to {missing}, which no longer exists")
                continue
            elements.append(element)
        elements.extend(table.table.to_element() for table in derived)
        elements.extend(obj.to_element() for obj in extra)
        elements.extend(obj.to_element() for table in derived for obj in table.objects)
        if self.new_views:
            elements.extend(self._view_elements(columns))
        model = Model(self.stored.attributes, elements, self.stored.prologue, self.stored.epilogue)
        sources = {}
        for entry in self.catalog.tables.values():
            if entry.sqlite_name in self.infos:
                sources[quote(entry.schema, entry.name)] = (entry.sqlite_name, self.infos[entry.sqlite_name],
                                                            entry.companions)
        for name in self.added:
            sources[quote(*self.added_names[name])] = (name, self.infos[name], None)
        return Resolution(model, "merged", _bindings(model, sources), None, bom, self.warnings)

    def _final_columns(self, replaced, derived, dropped):
        columns = {}
        for full, table in self.stored_tables.items():
            if full in dropped:
                continue
            if full in replaced:
                table = Table.from_element(replaced[full])
            columns[full] = {column.name for column in table.columns}
        for table in derived:
            columns[table.table.full_name] = {column.name for column in table.table.columns}
        return columns

    def _merge_table(self, full, plan, info, entry):
        """(new table element, new objects, names of stored indexes gone) for an altered table."""
        table = self.stored_tables[full]
        schema, name = table.schema, table.name
        planned = {column.name: column for column in plan.columns}
        companions = set(entry.companions.values())
        computed = {column.name for column in table.columns if column.is_computed}
        # (a computed column the import made a generated column stays as stored, at its place)
        live = [column for column in info.columns if column.name not in companions and
                not (column.generated and column.name in computed)]
        fresh = []
        for column in live:
            expected = planned.get(column.name)
            if expected is None or column.declared.strip().upper() != expected.declared.upper() \
                    or column.notnull != (not expected.nullable):
                fresh.append(column)
        types, _ = derive_columns(self.conn, info, fresh, keys=key_columns(info))
        element = copy.deepcopy(self._stored_element(full))
        stored_columns = _column_elements(element)
        anchored, anchor = {}, None
        for column in table.columns:
            if column.is_computed:
                anchored.setdefault(anchor, []).append(stored_columns[column.name])
            else:
                anchor = column.name
        new_columns = list(anchored.pop(None, []))
        objects = []
        fresh_names = {column.name for column in fresh}
        for column in live:
            if column.name in fresh_names:
                nullable = not (column.notnull or column.name in info.primary_key)
                new_columns.append(Column(column.name, types[column.name], nullable=nullable,
                                          identity=column.name == info.rowid_alias).to_element(full))
                if column.default is not None:
                    expression, _ = tsql_default(column.default, types[column.name])
                    if expression is not None:
                        objects.append(DefaultConstraint(full, quote(schema, name, column.name), expression,
                                                         self.names.claim(schema, f"DF_{name}_{column.name}")))
            else:
                new_columns.append(stored_columns[column.name])
            new_columns.extend(anchored.pop(column.name, []))
        for orphans in anchored.values():
            new_columns.extend(orphans)
        _replace_columns(element, new_columns)
        live_indexes = {index.name: index for index in info.indexes}
        gone = {model_name for sqlite_name, model_name in entry.indexes.items() if sqlite_name not in live_indexes}
        for index in info.indexes:
            if index.origin == "c" and index.name not in entry.indexes and index.columns:
                objects.append(Index(quote(schema, name, index.name), full,
                                     [(quote(schema, name, c), not desc) for c, desc in index.columns],
                                     unique=index.unique))
        objects.extend(self._new_foreign_keys(full, info, schema, name))
        return element, objects, gone

    def _new_foreign_keys(self, full, info, schema, name):
        known = {(tuple(split_name(c)[-1] for c in fk.columns), fk.foreign_table)
                 for fk in self.stored.foreign_keys if fk.table == full}
        objects = []
        scratch = DerivedTable(Table(schema, name))
        derive_foreign_keys(info, schema, name, self.parents, self.names, scratch)
        for fk in scratch.objects:
            if (tuple(split_name(c)[-1] for c in fk.columns), fk.foreign_table) not in known:
                objects.append(fk)
        self.warnings.extend(scratch.warnings)
        return objects

    def _stored_element(self, full):
        for element, obj in self.stored.typed_objects():
            if isinstance(obj, Table) and obj.full_name == full:
                return element
        raise KeyError(full)


def _column_elements(table_element):
    found = {}
    for rel in table_element.findall(q("Relationship")):
        if rel.get("Name") == "Columns":
            for entry in rel.findall(q("Entry")):
                for child in entry:
                    found[split_name(child.get("Name", ""))[-1]] = child
    return found


def _replace_columns(table_element, column_elements):
    for rel in table_element.findall(q("Relationship")):
        if rel.get("Name") == "Columns":
            for entry in list(rel):
                rel.remove(entry)
            for column in column_elements:
                ET.SubElement(rel, q("Entry")).append(column)


def _missing_reference(element, dropped, columns, index_names):
    """The first name an element refers to that is gone (a dropped table or one of its columns)."""
    for ref in element.iter(q("References")):
        name = ref.get("Name")
        if not name or ref.get("ExternalSource") == "BuiltIns" or name in index_names:
            continue
        parts = split_name(name)
        if len(parts) < 2:
            continue
        table = quote(parts[0], parts[1])
        if table in dropped:
            return table
        if len(parts) == 3 and table in columns and parts[2] not in columns[table]:
            return name
    return None


def _describe(obj):
    return getattr(obj, "display_name", None) or getattr(obj, "name", None) or ""
