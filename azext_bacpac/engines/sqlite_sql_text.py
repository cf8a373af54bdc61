"""What SQLite keeps only as the text of a statement: CHECK constraints and generated columns of a
CREATE TABLE, the WHERE of a partial index, the query of a view.

SQLite's pragmas list columns, keys and indexes, but not these; sqlite_master holds the statement
as it was written. A small tokenizer (quotes, brackets, comments, parentheses) finds them in it:
the expression texts come back exactly as written, for the translation to T-SQL.
"""
import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"""
    (?P<space>\s+) | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<string>'(?:[^']|'')*'?)
  | (?P<quoted>"(?:[^"]|"")*"?|\[[^\]]*\]?|`(?:[^`]|``)*`?)
  | (?P<word>[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_$\x80-\U0010ffff]*)
  | (?P<open>\() | (?P<close>\)) | (?P<comma>,) | (?P<other>.)
""", re.S | re.X)


@dataclass
class Token:
    kind: str
    text: str
    start: int
    end: int

    def is_word(self, *words):
        return self.kind == "word" and self.text.upper() in words


def tokens(sql):
    return [Token(m.lastgroup, m.group(), m.start(), m.end()) for m in _TOKEN.finditer(sql)
            if m.lastgroup not in ("space", "comment")]


def dequote(text):
    """An identifier as SQLite reads it: "a""b" -> a"b, [x] -> x, `x` -> x, 'x' -> x."""
    if len(text) >= 2 and text[0] in "\"'`[":
        closing = "]" if text[0] == "[" else text[0]
        body = text[1:-1] if text.endswith(closing) else text[1:]
        return body if closing == "]" else body.replace(closing * 2, closing)
    return text


def _group_end(items, start):
    """Index just past the parenthesised group opening at items[start]."""
    depth = 0
    for i in range(start, len(items)):
        if items[i].kind == "open":
            depth += 1
        elif items[i].kind == "close":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(items)


def _inside(sql, items, start):
    """The text inside the group opening at items[start], and the index past it."""
    end = _group_end(items, start)
    close = items[end - 1]
    return sql[items[start].end:close.start if close.kind == "close" else len(sql)].strip(), end


def _split(items):
    """items split at the commas outside parentheses."""
    parts, current, depth = [], [], 0
    for item in items:
        if item.kind == "open":
            depth += 1
        elif item.kind == "close":
            depth -= 1
        if item.kind == "comma" and depth == 0:
            parts.append(current)
            current = []
        else:
            current.append(item)
    if current:
        parts.append(current)
    return parts


@dataclass
class CheckText:
    expression: str
    name: str = None            # CONSTRAINT name, None when unnamed
    column: str = None          # the column it was declared with, None for a table constraint


@dataclass
class GeneratedText:
    expression: str
    stored: bool


@dataclass
class TableText:
    checks: list = field(default_factory=list)         # CheckText, in declaration order
    generated: dict = field(default_factory=dict)      # column name -> GeneratedText

    def generated_for(self, column):
        """The GeneratedText of a column (SQLite names ignore case), or None."""
        found = self.generated.get(column)
        if found is None:
            found = next((g for name, g in self.generated.items() if name.lower() == column.lower()), None)
        return found


_TABLE_CONSTRAINTS = ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN")


def parse_create_table(sql):
    """The CHECK constraints and generated columns of a CREATE TABLE statement."""
    items = tokens(sql or "")
    result = TableText()
    first = next((i for i, item in enumerate(items) if item.kind == "open"), None)
    if first is None:
        return result                                    # CREATE TABLE ... AS SELECT
    body = items[first + 1:_group_end(items, first) - 1]
    for definition in _split(body):
        if not definition:
            continue
        column = None if definition[0].is_word(*_TABLE_CONSTRAINTS) else dequote(definition[0].text)
        _read_definition(sql, definition, column, result)
    return result


def _read_definition(sql, items, column, result):
    pending_name, i = None, 0 if column is None else 1
    while i < len(items):
        item = items[i]
        if item.is_word("CONSTRAINT") and i + 1 < len(items):
            pending_name, i = dequote(items[i + 1].text), i + 2
            continue
        nxt = items[i + 1] if i + 1 < len(items) else None
        if item.is_word("CHECK") and nxt is not None and nxt.kind == "open":
            expression, i = _inside(sql, items, i + 1)
            result.checks.append(CheckText(expression, pending_name, column))
            pending_name = None
            continue
        if column is not None and item.is_word("AS") and nxt is not None and nxt.kind == "open":
            expression, i = _inside(sql, items, i + 1)
            stored = i < len(items) and items[i].is_word("STORED")
            result.generated[column] = GeneratedText(expression, stored)
            pending_name = None
            continue
        if item.kind == "open":
            i = _group_end(items, i)
            continue
        if item.is_word("PRIMARY", "NOT", "NULL", "UNIQUE", "DEFAULT", "COLLATE", "REFERENCES", "FOREIGN",
                        "GENERATED"):
            pending_name = None
        i += 1


def index_where(sql):
    """The WHERE expression of a CREATE INDEX statement (a partial index), or None."""
    items = tokens(sql or "")
    first = next((i for i, item in enumerate(items) if item.kind == "open"), None)
    if first is None:
        return None
    end = _group_end(items, first)
    for i in range(end, len(items)):
        if items[i].is_word("WHERE"):
            return sql[items[i].end:].strip().rstrip(";").strip() or None
    return None


def view_query(sql):
    """(the SELECT of a CREATE VIEW statement, whether the view names its columns)."""
    items = tokens(sql or "")
    depth, named = 0, False
    for i, item in enumerate(items):
        if item.kind == "open":
            depth += 1
            named = True
        elif item.kind == "close":
            depth -= 1
        elif depth == 0 and item.is_word("AS"):
            return sql[item.end:].strip().rstrip(";").strip(), named
    return None, named


__all__ = ["parse_create_table", "index_where", "view_query", "dequote", "TableText", "CheckText",
           "GeneratedText"]
