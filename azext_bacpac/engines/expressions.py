"""Package text that becomes part of a SQL statement: an expression, parsed and re-emitted.

A package is hostile until proven otherwise (Origin.xml's checksum is no signature). So no text
of a package goes into DDL as it stands: names go in as quoted identifiers, type names from a
whitelist, and expressions (defaults, check constraints, computed columns, index filters) through
here. Each is tokenized and parsed with sqlglot's T-SQL dialect and must be exactly one scalar
expression; anything else (a statement, several statements, a query) is refused with the object
named.

  tsql_expression(text, what)    T-SQL for SQL Server: the tokens sqlglot read, each exactly as
                                 written, joined as they stood (a single space where whitespace or a
                                 comment was). What runs is what was parsed: a comment or a
                                 statement separator cannot survive, and nothing is rewritten, so
                                 functions keep their names (sqlglot's generator would rename some).
  sqlite_expression(text, what)  the same expression translated for SQLite by sqlglot's generator,
                                 without comments.

sqlglot is imported on first use, so that az starts without it.
"""
from ..errors import InvalidInputError


class ExpressionError(InvalidInputError):
    """Package text that is not one expression."""


def _parse(text, what):
    import sqlglot
    from sqlglot import exp
    from sqlglot.dialects.tsql import TSQL
    from sqlglot.errors import ParseError, TokenError
    source = text if isinstance(text, str) else ""
    if not source.strip() or "\x00" in source:
        raise ExpressionError(f"{what}: the package gives no usable expression")
    try:
        tokens = TSQL().tokenize(source)
        parsed = sqlglot.parse(source, read="tsql")
    except (ParseError, TokenError) as error:
        raise ExpressionError(f"{what}: the package's expression {_shown(source)} does not parse as T-SQL "
                              f"({str(error).splitlines()[0][:200]})") from None
    statements = [node for node in parsed if node is not None]
    if len(statements) != 1 or not isinstance(statements[0], exp.Condition) or \
            isinstance(statements[0], (exp.Query, exp.DDL, exp.DML, exp.Command)) or \
            any(token.token_type.name == "SEMICOLON" for token in tokens):
        raise ExpressionError(f"{what}: the package's text {_shown(source)} is not one expression; it was refused")
    return source, tokens, statements[0]


def tsql_expression(text, what):
    """`text` as one T-SQL expression, re-emitted from its tokens (see the module docstring)."""
    source, tokens, _ = _parse(text, what)
    pieces, previous_end = [], None
    for token in tokens:
        if previous_end is not None and token.start > previous_end + 1:
            pieces.append(" ")
        pieces.append(source[token.start:token.end + 1])
        previous_end = token.end
    return "".join(pieces)


def sqlite_expression(text, what):
    """`text` (T-SQL) as one SQLite expression, translated by sqlglot; ExpressionError when it is not one."""
    from sqlglot import exp
    from sqlglot.errors import SqlglotError
    _, _, node = _parse(text, what)
    # SQLite has no N'...' literals: its text is Unicode anyway
    node = node.transform(lambda n: exp.Literal.string(n.this) if isinstance(n, exp.National) else n)
    try:
        return node.sql(dialect="sqlite", comments=False)
    except SqlglotError as error:
        raise ExpressionError(f"{what}: the expression {_shown(text)} has no SQLite form ({error})") from None


def _shown(text):
    return repr(text if len(text) <= 120 else text[:117] + "...")


__all__ = ["ExpressionError", "tsql_expression", "sqlite_expression"]
