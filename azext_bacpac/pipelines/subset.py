"""A model cut down to some of its tables.

Kept: the chosen tables and every object that refers to nothing but them (their keys, defaults,
checks and indexes, foreign keys among them, views and procedures over them) and every object that
refers to no table at all (schemas, users, roles, database options). Left out: the other tables
and every object that refers to one of them; foreign keys, views, procedures and the like are
named in a warning, so that the user knows what the package lacks.
"""
from ..format.model import Model, Table, quote, split_name
from ..format.xmlio import q

_SILENT = {"SqlPrimaryKeyConstraint", "SqlUniqueConstraint", "SqlDefaultConstraint", "SqlCheckConstraint",
           "SqlIndex", "SqlPermissionStatement", "SqlExtendedProperty", "SqlStatistic"}


def subset_model(model, keep):
    """(new Model, warnings) keeping the tables whose full names are in `keep`."""
    keep = set(keep)
    tables = {table.full_name for table in model.tables}
    dropped = tables - keep
    if not dropped:
        return model, []
    elements, warnings = [], []
    for element, obj in model.typed_objects():
        if isinstance(obj, Table):
            if obj.full_name in keep:
                elements.append(element)
            continue
        missing = _dropped_reference(element, dropped)
        if missing is None:
            elements.append(element)
        elif element.get("Type") not in _SILENT:
            label = element.get("Name") or getattr(obj, "display_name", None) or ""
            warnings.append(f"{_kind(element.get('Type'))} {label} left out: it refers to {missing}, "
                            f"which is not included".replace("  ", " "))
    return Model(model.attributes, elements, model.prologue, model.epilogue), warnings


def _dropped_reference(element, dropped):
    for ref in element.iter(q("References")):
        name = ref.get("Name")
        if not name or ref.get("ExternalSource") == "BuiltIns":
            continue
        parts = split_name(name)
        if len(parts) >= 2 and quote(parts[0], parts[1]) in dropped:
            return quote(parts[0], parts[1])
    return None


def _kind(element_type):
    names = {"SqlForeignKeyConstraint": "foreign key", "SqlView": "view", "SqlProcedure": "procedure",
             "SqlScalarFunction": "function", "SqlInlineTableValuedFunction": "function",
             "SqlMultiStatementTableValuedFunction": "function", "SqlDmlTrigger": "trigger"}
    return names.get(element_type, element_type or "object")
