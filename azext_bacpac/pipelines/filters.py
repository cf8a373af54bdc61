"""--tables / --exclude-tables: which tables an export or import moves.

A pattern names tables with shell wildcards (*, ?, [seq]), case-insensitively:
  Orders          a table called Orders in any schema
  dbo.Orders      schema-qualified (split at the first dot)
  sales.*         every table of schema sales
  [dbo].[Orders]  bracket-quoted, T-SQL style; needed when a name holds a dot. Inside brackets,
                  only * and ? are wildcards, so [sales].[Order[1]]] is a literal name.
"""
import fnmatch
import re
from dataclasses import dataclass

from ..errors import InvalidInputError
from ..format.model import split_name

_BRACKETED = re.compile(r"^\[(?:[^\]]|\]\])*\](?:\.\[(?:[^\]]|\]\])*\])?$")
_LISTED = 30


@dataclass(frozen=True)
class TablePattern:
    text: str
    schema: str          # lower-case fnmatch pattern, or None for any schema
    name: str

    def matches(self, schema, name):
        return (self.schema is None or fnmatch.fnmatchcase(schema.lower(), self.schema)) and \
            fnmatch.fnmatchcase(name.lower(), self.name)


def parse_pattern(text):
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError("a table pattern is empty")
    text = text.strip()
    if _BRACKETED.match(text):
        # Literal names: brackets inside are not character classes.
        parts = [part.replace("[", "[[]").lower() for part in split_name(text)]
    else:
        schema, dot, name = text.partition(".")
        parts = [schema.lower(), name.lower()] if dot else [text.lower()]
    if len(parts) == 1:
        return TablePattern(text, None, parts[0])
    if not parts[0] or not parts[1]:
        raise InvalidInputError(f"table pattern '{text}' has an empty schema or table name")
    return TablePattern(text, parts[0], parts[1])


def select_tables(tables, include=None, exclude=None):
    """The (schema, name) pairs of `tables` to move, in their order.

    Every --tables pattern must match a table (InvalidInputError listing the tables otherwise);
    --exclude-tables patterns that match nothing are harmless.
    """
    tables = list(tables)
    includes = [parse_pattern(p) for p in _as_list(include)]
    excludes = [parse_pattern(p) for p in _as_list(exclude)]
    for pattern in includes:
        if not any(pattern.matches(schema, name) for schema, name in tables):
            raise InvalidInputError(f"table pattern '{pattern.text}' matches no table; tables: {_listing(tables)}")
    kept = [(schema, name) for schema, name in tables
            if (not includes or any(p.matches(schema, name) for p in includes))
            and not any(p.matches(schema, name) for p in excludes)]
    if (includes or excludes) and not kept:
        raise InvalidInputError(f"the table filters leave no table; tables: {_listing(tables)}")
    return kept


def _as_list(patterns):
    if patterns is None:
        return []
    if isinstance(patterns, str):
        return [patterns]
    return list(patterns)


def _listing(tables):
    if not tables:
        return "(none)"
    names = [f"{schema}.{name}" for schema, name in tables]
    return ", ".join(names[:_LISTED]) + (f" ... ({len(names)} in all)" if len(names) > _LISTED else "")
