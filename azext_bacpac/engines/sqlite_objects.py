"""What an import into SQLite creates besides tables and keys, and what it keeps without creating.

Planned with the tables (sqlite_ddl.plan_tables) and created with them:
- computed columns, as generated columns (`GENERATED ALWAYS AS (...) VIRTUAL`; STORED when the
  column is persisted), and
- check constraints,
where the T-SQL translates (expressions.sqlite_expression) and SQLite takes the result. SQLite
checks functions and columns when a table is created, so each one is tried first in a scratch
in-memory database, with the columns and generated columns taken before it.
Created at the end of the import: the views whose query translates (expressions.sqlite_query) and
then reads (SQLite resolves a view's tables only when it is read: each is read once, and dropped
again when that fails).

Checks are not enforced while the rows load (PRAGMA ignore_check_constraints): a row the source holds
but a check refuses (SQL Server's WITH NOCHECK) is kept, and counted in a warning; rows written
later are checked.

Everything else of the model SQLite has no place for (functions, procedures, triggers, sequences,
users...) and what did not translate stays in the stored model (the bookkeeping tables), so that a
re-export gives it back. One warning counts it by kind; `not_created` names each one, with the
reason (az --verbose lists them).
"""
import re
import sqlite3
from dataclasses import dataclass

from ..format.model import split_name
from .expressions import ExpressionError, sqlite_expression, sqlite_query
from .sqlite_ddl import leaf as _leaf, sqlite_table_name as _sqlite_name
from .sqlite_facts import quoted_type
from .sqlite_schema import quote_ident


@dataclass
class GeneratedPlan:
    """A computed column as a SQLite generated column."""
    name: str
    expression: str             # SQLite
    stored: bool
    after: str = None           # the stored column it follows (the model's order); None: before all
    declared: str = None        # the SQLite type a package carried (sqlite_facts)

    def sql(self):
        declared = f" {quoted_type(self.declared)}" if self.declared else ""
        return (f"{quote_ident(self.name)}{declared} GENERATED ALWAYS AS ({self.expression}) "
                f"{'STORED' if self.stored else 'VIRTUAL'}")


@dataclass
class CheckPlan:
    name: str                   # the constraint's name in SQLite, None when the model has none
    model_name: str
    expression: str             # SQLite

    def sql(self):
        prefix = f"CONSTRAINT {quote_ident(self.name)} " if self.name else ""
        return f"{prefix}CHECK ({self.expression})"


@dataclass
class NotCreated:
    kind: str
    name: str
    reason: str

    def as_dict(self):
        return {"kind": self.kind, "name": self.name, "reason": self.reason}


class Expressions:
    """Computed columns and checks of an import (see the module docstring), and what was not created."""

    def __init__(self):
        self.not_created = []               # NotCreated
        self.facts = None                   # sqlite_facts.Facts of the package

    def plan(self, model, plans, facts):
        self.facts = facts
        probe = sqlite3.connect(":memory:")
        try:
            for plan in plans.values():
                self._plan_generated(model, plan, probe)
            for check in model.checks:
                plan = plans.get(check.table)
                if plan is not None:
                    self._plan_check(model, plan, check, probe)
        finally:
            probe.close()

    def _plan_generated(self, model, plan, probe):
        if not any(column.is_computed for column in plan.table.columns):
            return
        anchor = None
        types = _types(model, plan.table)
        for column in plan.table.columns:
            if not column.is_computed:
                anchor = column.name
                continue
            name = f"{plan.table.full_name}.[{column.name.replace(']', ']]')}]"
            fact = self.facts.columns.get((plan.table.schema, plan.table.name, column.name)) if self.facts else None
            try:
                expression = sqlite_expression(column.computed_expression, f"computed column {name}", types)
            except ExpressionError as error:
                self.skip("computed column", name, _reason(error))
                continue
            generated = GeneratedPlan(column.name, expression, column.persisted, anchor,
                                      fact.declared if fact is not None else None)
            failure = _probe(probe, plan, plan.generated + [generated], plan.checks)
            if failure:
                self.skip("computed column", name, f"SQLite refused {expression!r}: {failure}")
                continue
            plan.generated.append(generated)

    def _plan_check(self, model, plan, check, probe):
        name = check.name or f"check on {check.table}"
        try:
            expression = sqlite_expression(check.expression, f"check constraint {name}", _types(model, plan.table))
        except ExpressionError as error:
            self.skip("check constraint", name, _reason(error))
            return
        planned = CheckPlan(_leaf(check.name), name, expression)
        failure = _probe(probe, plan, plan.generated, plan.checks + [planned])
        if failure:
            self.skip("check constraint", name, f"SQLite refused {expression!r}: {failure}")
            return
        plan.checks.append(planned)

    def skip(self, kind, name, reason):
        self.not_created.append(NotCreated(kind, name, reason))


def _types(model, table):
    return {column.name: model.resolved_type(column) for column in table.columns if not column.is_computed}


def _reason(error):
    text = str(error)
    return text.split(": ", 1)[1] if ": " in text else text


def _probe(probe, plan, generated, checks):
    """SQLite's error for the table with these generated columns and checks, or None."""
    try:
        probe.execute(plan.create_table_sql(generated, checks, references=False))
    except sqlite3.Error as error:
        return str(error)
    probe.execute(f"DROP TABLE {quote_ident(plan.sqlite_name)}")
    return None


# ---- after the rows: check violations, views ----------------------------------------------------

def count_violations(conn, plans):
    """Warnings for rows that do not satisfy a check (one scan of each table that has checks)."""
    warnings = []
    for plan in plans:
        if not plan.checks:
            continue
        sums = ", ".join(f"sum(NOT ({check.expression}))" for check in plan.checks)
        try:
            counts = conn.execute(f"SELECT {sums} FROM {quote_ident(plan.sqlite_name)}").fetchone()
        except sqlite3.Error as error:        # (a function that fails on some value, e.g. on malformed JSON)
            warnings.append(f"table {plan.table.full_name}: its rows could not be checked against its check "
                            f"constraints ({error}); SQLite checks the rows written from now on")
            continue
        for check, count in zip(plan.checks, counts):
            if count:
                warnings.append(f"table {plan.table.full_name}: {count} row(s) do not satisfy check constraint "
                                f"{check.model_name} (the source did not enforce it on them: WITH NOCHECK); "
                                f"they were kept, and SQLite checks the rows written from now on")
    return warnings


def create_views(conn, model, plans, taken, expressions):
    """Create the model's views that translate and read; returns {SQLite view name: model name}.
    `taken`: the SQLite names in use (lower case)."""
    tables = {}
    for plan in plans:
        tables[(plan.table.schema.lower(), plan.table.name.lower())] = plan.sqlite_name
    views = [module for module in model.modules if module.element_type == "SqlView"]
    for view in views:
        schema, name = _two_parts(view.name)
        tables.setdefault((schema.lower(), name.lower()), _sqlite_name(schema, name))
    types = {}
    for plan in plans:
        types.update(_types(model, plan.table))
    created = {}
    for view in views:
        schema, name = _two_parts(view.name)
        sqlite_name = _sqlite_name(schema, name)
        if sqlite_name.lower() in taken:
            expressions.skip("view", view.name, f"its SQLite name '{sqlite_name}' is taken")
            continue

        def table_name(table_schema, table, view_schema=schema):
            for candidate in ((table_schema,) if table_schema else ("dbo", view_schema)):
                found = tables.get((candidate.lower(), table.lower()))
                if found is not None:
                    return found
            return None
        try:
            query = sqlite_query(view.body, f"view {view.name}", table_name, types)
            conn.execute(f"CREATE VIEW {quote_ident(sqlite_name)} AS {query}")
        except (ExpressionError, sqlite3.Error) as error:
            expressions.skip("view", view.name, _reason(error) if isinstance(error, ExpressionError) else str(error))
            continue
        created[sqlite_name] = view.name
        taken.add(sqlite_name.lower())
    while True:                 # a view that reads a dropped view fails in turn
        failed = {}
        for sqlite_name in created:
            try:
                conn.execute(f"SELECT * FROM {quote_ident(sqlite_name)} LIMIT 0").fetchall()
            except sqlite3.Error as error:
                failed[sqlite_name] = str(error)
        if not failed:
            return created
        for sqlite_name, error in failed.items():
            conn.execute(f"DROP VIEW {quote_ident(sqlite_name)}")
            expressions.skip("view", created.pop(sqlite_name), f"SQLite cannot read it: {error}")


def _two_parts(name):
    parts = split_name(name or "")
    return (parts[-2], parts[-1]) if len(parts) >= 2 else ("dbo", parts[-1] if parts else "")


# ---- what was kept in the package but not created ------------------------------------------------

_LABELS = {
    "SqlScalarFunction": "function", "SqlInlineTableValuedFunction": "function",
    "SqlMultiStatementTableValuedFunction": "function", "SqlProcedure": "procedure", "SqlDmlTrigger": "trigger",
    "SqlDatabaseDdlTrigger": "trigger", "SqlUserDefinedDataType": "user-defined data type",
    "SqlPermissionStatement": "permission", "SqlColumnMasterKey": "column master key",
}
# Created, or named in warnings of their own (keys, foreign keys and indexes that SQLite refused).
_ACCOUNTED = {"SqlTable", "SqlSchema", "SqlDatabaseOptions", "SqlPrimaryKeyConstraint", "SqlUniqueConstraint",
              "SqlForeignKeyConstraint", "SqlIndex", "SqlCmdVariable", "SqlCheckConstraint", "SqlView",
              "SqlDefaultConstraint"}
_ORDER = ["view", "computed column", "check constraint", "default", "sequence default", "function", "procedure",
          "trigger", "sequence"]


def label(element_type):
    """'SqlFullTextCatalog' -> 'full text catalog'."""
    if element_type in _LABELS:
        return _LABELS[element_type]
    bare = element_type[3:] if element_type.startswith("Sql") else element_type
    return " ".join(word.lower() for word in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", bare)) or "object"


def plural(kind, count):
    if count == 1:
        return kind
    if kind.endswith("y") and kind[-2:-1] not in "aeiou":
        return kind[:-1] + "ies"
    return kind + ("es" if kind.endswith(("s", "x", "ch", "sh")) else "s")


def inventory(model, plans, expressions):
    """Everything of the model not created in SQLite, after the import: NotCreated, model order."""
    found = list(expressions.not_created)
    used = expressions.facts.used if expressions.facts is not None else set()
    by_table = {plan.table.full_name: plan for plan in plans}
    for default in model.defaults:
        plan = by_table.get(default.table)
        column = next((c for c in plan.columns if c.name == _leaf(default.column)), None) if plan else None
        if column is not None and column.default is None and column.name != plan.rowid_alias:
            sequence = "NEXT VALUE FOR" in " ".join((default.expression or "").upper().split())
            found.append(NotCreated("sequence default" if sequence else "default",
                                    default.name or f"default of {default.column}",
                                    "SQLite has no sequences" if sequence else
                                    f"{(default.expression or '').strip()[:80]} has no SQLite form"))
    for element, obj in model.typed_objects():
        element_type = element.get("Type") or ""
        if element_type in _ACCOUNTED or (element_type == "SqlExtendedProperty" and element.get("Name") in used):
            continue
        kind = label(element_type)
        found.append(NotCreated(kind, element.get("Name") or _describe(obj, element_type),
                                f"SQLite has no {plural(kind, 2)}"))
    return found


def _describe(obj, element_type):
    for attribute in ("member", "grantee", "name"):
        value = getattr(obj, attribute, None)
        if value:
            return f"{label(element_type)} of {value}"
    return label(element_type)


def summary_warning(found, bookkeeping=True):
    """One line: what the package has that SQLite did not get, counted by kind."""
    if not found:
        return None
    counts = {}
    for item in found:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    kinds = sorted(counts, key=lambda k: (_ORDER.index(k) if k in _ORDER else len(_ORDER), k))
    listed = ", ".join(f"{counts[k]} {plural(k, counts[k])}" for k in kinds)
    where = ("kept in the package but not created in SQLite" if bookkeeping else
             "in the package but not created in SQLite (without the bookkeeping tables a re-export will not have "
             "them)")
    return f"{where}: {listed}; --verbose names them"


__all__ = ["Expressions", "GeneratedPlan", "CheckPlan", "NotCreated", "count_violations", "create_views",
           "inventory", "summary_warning", "label", "plural"]
