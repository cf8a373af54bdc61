"""Package text that becomes part of a SQL statement: an expression, parsed and re-emitted.

A package is hostile until proven otherwise (Origin.xml's checksum is no signature). So no text
of a package goes into DDL as it stands: names go in as quoted identifiers, type names from a
whitelist, and expressions (defaults, check constraints, computed columns, index filters) and view
queries through here. Each is tokenized and parsed with sqlglot's T-SQL dialect and must be exactly
one scalar expression (or one query); anything else (a statement, several statements, DML) is
refused with the object named.

  tsql_expression(text, what)    T-SQL for SQL Server: the tokens sqlglot read, each exactly as
                                 written, joined as they stood (a single space where whitespace or a
                                 comment was). What runs is what was parsed: a comment or a
                                 statement separator cannot survive, and nothing is rewritten, so
                                 functions keep their names (sqlglot's generator would rename some).
  sqlite_expression(text, what)  the same expression translated for SQLite by sqlglot's generator,
                                 without comments.
  sqlite_query(text, what, ...)  a view's query translated for SQLite, its tables renamed to the
                                 SQLite tables that hold them.

What SQLite gets may call only SQLite's own built-in functions (SQLITE_FUNCTIONS): never
load_extension(), nor the sqlite3 shell's readfile()/writefile(), which a view would run in the
hands of whoever queries it. T-SQL `+` between text is `||` in SQLite (`columns` tells which
columns hold text).

sqlglot is imported on first use, so that az starts without it.
"""
import re

from ..errors import InvalidInputError

# SQLite's core, date, math, aggregate, window and JSON functions (https://sqlite.org/lang_corefunc.html ...),
# plus the syntax sqlglot writes like a call (CAST, EXISTS).
SQLITE_FUNCTIONS = frozenset("""
abs char coalesce concat concat_ws format glob hex ifnull iif instr length like likelihood likely lower ltrim
max min nullif octet_length printf quote random randomblob replace round rtrim sign soundex substr substring
trim typeof unhex unicode unlikely upper zeroblob cast exists
date time datetime julianday unixepoch strftime timediff
acos acosh asin asinh atan atan2 atanh ceil ceiling cos cosh degrees exp floor ln log log10 log2 mod pi pow
power radians sin sinh sqrt tan tanh trunc
avg count group_concat string_agg sum total
row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
json json_array json_array_length json_extract json_insert json_object json_patch json_remove json_replace
json_set json_type json_valid json_quote json_group_array json_group_object json_each json_tree
""".split())


class ExpressionError(InvalidInputError):
    """Package text that is not one expression."""


def _tokens_and_statements(source, what):
    import sqlglot
    from sqlglot.dialects.tsql import TSQL
    from sqlglot.errors import ParseError, TokenError
    if not source.strip() or "\x00" in source:
        raise ExpressionError(f"{what}: the package gives no usable expression")
    try:
        tokens = TSQL().tokenize(source)
        parsed = sqlglot.parse(source, read="tsql")
    except (ParseError, TokenError) as error:
        raise ExpressionError(f"{what}: the package's expression {_shown(source)} does not parse as T-SQL "
                              f"({str(error).splitlines()[0][:200]})") from None
    return tokens, [node for node in parsed if node is not None]


def _parse(text, what):
    from sqlglot import exp
    source = text if isinstance(text, str) else ""
    tokens, statements = _tokens_and_statements(source, what)
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


def sqlite_expression(text, what, columns=None):
    """`text` (T-SQL) as one SQLite expression, translated by sqlglot; ExpressionError when it is not
    one, or has no SQLite form. `columns`: {column name: SqlType} of the table it belongs to."""
    _, _, node = _parse(text, what)
    return _sqlite_sql(_for_sqlite(node, columns or {}), text, what)


def sqlite_query(text, what, table_name, columns=None):
    """A view's query (T-SQL) for SQLite. `table_name(schema or None, name)` gives the SQLite name of a
    table or view the query reads (None: not one; an unqualified name may be a CTE and stays as it is)."""
    from sqlglot import exp
    source = text if isinstance(text, str) else ""
    tokens, statements = _tokens_and_statements(source, what)
    separators = [i for i, token in enumerate(tokens) if token.token_type.name == "SEMICOLON"]
    if len(statements) != 1 or not isinstance(statements[0], exp.Query) or \
            any(i != len(tokens) - 1 for i in separators) or \
            statements[0].find(exp.DDL, exp.DML, exp.Command, exp.Into) is not None:
        raise ExpressionError(f"{what}: the package's text {_shown(source)} is not one query; it was refused")
    node = _for_sqlite(statements[0], columns or {})
    for table in list(node.find_all(exp.Table)):
        _rename_table(table, table_name, what)
    for column in list(node.find_all(exp.Column)):
        if column.args.get("db") is not None:
            renamed = table_name(column.db, column.table)
            if renamed is None or column.args.get("catalog") is not None:
                raise ExpressionError(f"{what}: column {column.sql(dialect='tsql')} is not a column of a table "
                                      f"SQLite holds")
            column.set("db", None)
            column.set("table", exp.to_identifier(renamed, quoted=True))
    return _sqlite_sql(node, text, what)


def _rename_table(table, table_name, what):
    from sqlglot import exp
    if table.args.get("catalog") is not None or not table.name:
        raise ExpressionError(f"{what}: {table.sql(dialect='tsql')} is in another database")
    renamed = table_name(table.db or None, table.name)
    if renamed is None:
        if table.db:
            raise ExpressionError(f"{what}: it reads {table.sql(dialect='tsql')}, which SQLite does not hold")
        return                                          # a common table expression's name
    table.set("db", None)
    table.set("this", exp.to_identifier(renamed, quoted=True))


def _for_sqlite(node, columns):
    """T-SQL idioms SQLite spells otherwise: N'...' literals, `+` between text, CAST(x AS NVARCHAR(MAX))
    (a SQLite type has no MAX, and its length means nothing: CAST(x AS TEXT))."""
    from sqlglot import exp
    node = node.transform(lambda n: exp.Literal.string(n.this) if isinstance(n, exp.National) else n)
    for data_type in node.find_all(exp.DataType):
        if data_type.expressions:
            data_type.set("expressions", [])
    additions = sorted(node.find_all(exp.Add), key=lambda n: -_depth(n))     # innermost first
    for addition in additions:
        if is_text(addition.left, columns) or is_text(addition.right, columns):
            concatenation = exp.DPipe(this=addition.left, expression=addition.right)
            if addition is node:
                node = concatenation
            else:
                addition.replace(concatenation)
    return node


def _depth(node):
    depth = 0
    while node.parent is not None:
        node, depth = node.parent, depth + 1
    return depth


_TEXT_FUNCTIONS = ("Upper", "Lower", "Substring", "Trim", "Concat", "ConcatWs", "Left", "Right", "Replace",
                   "Initcap", "Repeat", "Reverse", "Stuff")
_TEXT_CALLS = {"ltrim", "rtrim", "str", "space", "replicate", "quotename", "char", "nchar", "format", "concat"}


def is_text(node, columns):
    """Whether an expression certainly gives text (T-SQL's `+` then concatenates)."""
    from sqlglot import exp
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Literal):
        return node.is_string
    if isinstance(node, (exp.National, exp.DPipe)):
        return True
    if isinstance(node, (exp.Cast, exp.TryCast)):
        return node.to.is_type(*exp.DataType.TEXT_TYPES)
    if hasattr(exp, "Convert") and isinstance(node, exp.Convert) and isinstance(node.this, exp.DataType):
        return node.this.is_type(*exp.DataType.TEXT_TYPES)
    if isinstance(node, exp.Column):
        sql_type = columns.get(node.name)
        return sql_type is not None and sql_type.name in ("char", "varchar", "nchar", "nvarchar", "text", "ntext",
                                                          "sysname", "xml")
    if isinstance(node, tuple(getattr(exp, name) for name in _TEXT_FUNCTIONS if hasattr(exp, name))):
        return True
    if isinstance(node, exp.Anonymous):
        return node.name.lower() in _TEXT_CALLS
    if isinstance(node, exp.Coalesce):
        return any(is_text(arg, columns) for arg in [node.this, *node.expressions])
    if isinstance(node, exp.Case):
        return any(is_text(branch.args.get("true"), columns) for branch in node.args.get("ifs") or ()) or \
            is_text(node.args.get("default"), columns)
    return False


def _sqlite_sql(node, text, what):
    from sqlglot.errors import ErrorLevel, SqlglotError
    try:
        sql = node.sql(dialect="sqlite", comments=False, unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as error:
        raise ExpressionError(f"{what}: the expression {_shown(text)} has no SQLite form "
                              f"({str(error).splitlines()[0][:200]})") from None
    unknown = calls_outside(node, "sqlite", SQLITE_FUNCTIONS)
    if unknown:
        raise ExpressionError(f"{what}: it uses {', '.join(unknown)}, which SQLite does not have")
    return sql


_CALL = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def calls_outside(node, dialect, allowed):
    """The functions an expression calls, as `dialect` writes them, that are not in `allowed`
    (a method call or a schema-qualified function is never allowed)."""
    from sqlglot import exp
    unknown = []
    for call in node.find_all(exp.Func):
        if isinstance(call.parent, exp.Dot) and call.parent.expression is call:
            unknown.append(call.parent.sql(dialect=dialect)[:60])
            continue
        match = _CALL.match(call.sql(dialect=dialect, comments=False))
        if match is None:
            if isinstance(call, exp.Anonymous):
                unknown.append(str(call.name)[:60])
            continue
        name = match.group(1).lower()
        if name not in allowed:
            unknown.append(match.group(1) + "()")
    return sorted(set(unknown))


def _shown(text):
    text = text if isinstance(text, str) else ""
    return repr(text if len(text) <= 120 else text[:117] + "...")


__all__ = ["ExpressionError", "tsql_expression", "sqlite_expression", "sqlite_query", "is_text", "calls_outside",
           "SQLITE_FUNCTIONS"]
