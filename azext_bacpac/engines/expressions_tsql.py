"""SQLite text for a package's model: check constraints, generated columns, index filters and views
of a SQLite database, translated to T-SQL by sqlglot.

What comes out is T-SQL SQL Server runs with the same meaning, or an ExpressionError that says why
not: sqlglot renames what T-SQL spells otherwise (length -> LEN, instr -> CHARINDEX, ifnull ->
COALESCE), `||` becomes `+` between text (non-text operands cast to NVARCHAR(MAX), as SQLite
concatenates their text), and the result must parse again as T-SQL calling only T-SQL's built-in
functions (TSQL_FUNCTIONS): typeof(), GLOB, date() and the like have no T-SQL form and are refused.
Identifiers come out bracket-quoted, as DacFx writes them.
"""
from .expressions import ExpressionError, _depth, _shown, _tokens_and_statements, calls_outside, is_text

TSQL_FUNCTIONS = frozenset("""
abs acos asin atan atn2 avg cast ceiling char charindex checksum choose coalesce concat concat_ws convert cos
cot count count_big cume_dist datalength dateadd datediff datefromparts datename datepart day degrees
dense_rank difference eomonth exp first_value floor format getdate getutcdate greatest grouping iif isjson
isnull isnumeric json_query json_value lag last_value lead least left len log log10 lower ltrim max min month
nchar newid ntile nullif patindex percent_rank pi power quotename radians rand rank replace replicate reverse
right round row_number rtrim sign sin soundex space sqrt square stdev str string_agg stuff substring sum
sysdatetime sysutcdatetime tan translate trim try_cast try_convert unicode upper var year exists
""".split())


def _sqlite_statements(text, what):
    import sqlglot
    from sqlglot.errors import ParseError, TokenError
    source = text if isinstance(text, str) else ""
    if not source.strip() or "\x00" in source:
        raise ExpressionError(f"{what}: there is no expression")
    try:
        statements = [node for node in sqlglot.parse(source, read="sqlite") if node is not None]
    except (ParseError, TokenError) as error:
        raise ExpressionError(f"{what}: {_shown(source)} does not parse as SQLite "
                              f"({str(error).splitlines()[0][:200]})") from None
    return statements


def tsql_from_sqlite(text, what, columns=None, predicate=False):
    """One SQLite expression as T-SQL. `columns`: {column name: SqlType} (text columns concatenate as
    they are); `predicate`: the result must be a condition (a CHECK), so a bare value v is `v <> 0`."""
    from sqlglot import exp
    statements = _sqlite_statements(text, what)
    if len(statements) != 1 or not isinstance(statements[0], exp.Condition) or \
            isinstance(statements[0], (exp.Query, exp.DDL, exp.DML, exp.Command)):
        raise ExpressionError(f"{what}: {_shown(text)} is not one expression")
    node = _for_tsql(statements[0], columns or {}, what)
    if predicate and not isinstance(node, (exp.Predicate, exp.Connector, exp.Not, exp.Boolean, exp.Paren)):
        node = exp.NEQ(this=node, expression=exp.Literal.number(0))
    sql = _tsql_sql(node, text, what)
    _check_tsql(sql, what, query=False)
    return sql


def tsql_query_from_sqlite(text, what, table_name):
    """A view's SELECT as T-SQL: (query, [model names of the tables it reads]). `table_name(sqlite
    name)` gives (schema, name) of a table or view the package holds, or None (then it is refused,
    unless it is a common table expression of the query)."""
    from sqlglot import exp
    statements = _sqlite_statements(text, what)
    if len(statements) != 1 or not isinstance(statements[0], exp.Query) or \
            statements[0].find(exp.DDL, exp.DML, exp.Command) is not None:
        raise ExpressionError(f"{what}: {_shown(text)} is not one query")
    node = _for_tsql(statements[0], {}, what)
    if node.args.get("order") is not None and node.args.get("limit") is None and node.args.get("offset") is None:
        # T-SQL allows ORDER BY in a view only with TOP or OFFSET: OFFSET 0 ROWS keeps the order
        node.set("offset", exp.Offset(expression=exp.Literal.number(0)))
    ctes = {cte.alias_or_name.lower() for cte in node.find_all(exp.CTE)}
    read = []
    for table in list(node.find_all(exp.Table)):
        if table.args.get("db") is not None or table.args.get("catalog") is not None:
            raise ExpressionError(f"{what}: it reads {table.sql(dialect='sqlite')} of an attached database")
        if table.name.lower() in ctes:
            continue
        pair = table_name(table.name)
        if pair is None:
            raise ExpressionError(f"{what}: it reads '{table.name}', which is not exported")
        table.set("db", exp.to_identifier(pair[0], quoted=True))
        table.set("this", exp.to_identifier(pair[1], quoted=True))
        if pair not in read:
            read.append(pair)
    sql = _tsql_sql(node, text, what)
    _check_tsql(sql, what, query=True)
    return sql, read


def _for_tsql(node, columns, what):
    from sqlglot import exp
    if node.find(exp.Glob) is not None:
        raise ExpressionError(f"{what}: GLOB has no T-SQL form")
    for substring in node.find_all(exp.Substring):
        if substring.args.get("length") is None:
            raise ExpressionError(f"{what}: substr() without a length has no T-SQL form")
    for cast in node.find_all(exp.Cast):
        # SQLite's CAST to text keeps every character (it ignores a length): NVARCHAR(MAX) does too
        if isinstance(cast.to, exp.DataType) and cast.to.is_type(*exp.DataType.TEXT_TYPES):
            cast.set("to", exp.DataType.build("NVARCHAR(MAX)", dialect="tsql"))
    made = set()                # the additions made here concatenate text
    for concatenation in sorted(node.find_all(exp.DPipe), key=_depth, reverse=True):
        parts = [concatenation.this, concatenation.expression]
        parts = [part if is_text(part, columns) or id(part) in made else
                 exp.Cast(this=part, to=exp.DataType.build("NVARCHAR(MAX)", dialect="tsql")) for part in parts]
        addition = exp.Add(this=parts[0], expression=parts[1])
        made.add(id(addition))
        if concatenation is node:
            node = addition
        else:
            concatenation.replace(addition)
    return node


def _tsql_sql(node, text, what):
    from sqlglot.errors import ErrorLevel, SqlglotError
    try:
        return node.sql(dialect="tsql", identify=True, comments=False, unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as error:
        raise ExpressionError(f"{what}: {_shown(text)} has no T-SQL form "
                              f"({str(error).splitlines()[0][:200]})") from None


def _check_tsql(sql, what, query):
    """The T-SQL must read back as one expression (or query) calling T-SQL's own functions only."""
    from sqlglot import exp
    try:
        _, statements = _tokens_and_statements(sql, what)
    except ExpressionError:
        statements = []
    expected = exp.Query if query else exp.Condition
    if len(statements) != 1 or not isinstance(statements[0], expected) or \
            (not query and isinstance(statements[0], exp.Query)):
        raise ExpressionError(f"{what}: its T-SQL form {_shown(sql)} does not read back as one "
                              f"{'query' if query else 'expression'}")
    unknown = calls_outside(statements[0], "tsql", TSQL_FUNCTIONS)
    if unknown:
        raise ExpressionError(f"{what}: it uses {', '.join(unknown)}, which T-SQL does not have")


def dependencies(sql, columns):
    """The columns (of `columns`, a set of names) a T-SQL expression refers to, in first-use order."""
    from sqlglot import exp
    _, statements = _tokens_and_statements(sql, "expression")
    found = []
    for column in statements[0].find_all(exp.Column):
        if column.name in columns and column.name not in found:
            found.append(column.name)
    return found


def query_sources(sql, columns_of):
    """What a T-SQL query reads, for a view's model: ({output column: [column full names]}, [column full
    names it refers to]). `columns_of((schema, name))` gives a table's column names, or None."""
    from sqlglot import exp
    from ..format.model import quote
    _, statements = _tokens_and_statements(sql, "query")
    node = statements[0]
    aliases = {}
    for table in node.find_all(exp.Table):
        pair = (table.db or "dbo", table.name)
        if columns_of(pair) is not None:
            aliases[table.alias_or_name.lower()] = pair

    def resolve(column):
        if column.table:
            pair = aliases.get(column.table.lower())
        else:
            owners = {p for p in aliases.values() if column.name in columns_of(p)}
            pair = owners.pop() if len(owners) == 1 else None
        return quote(*pair, column.name) if pair is not None and column.name in columns_of(pair) else None

    referred = []
    for column in node.find_all(exp.Column):
        name = resolve(column)
        if name is not None and name not in referred:
            referred.append(name)
    select = node
    while isinstance(select, getattr(exp, "SetOperation", exp.Union)):
        select = select.this
    outputs = {}
    for projection in getattr(select, "expressions", ()):
        target = projection.unalias()
        source = resolve(target) if isinstance(target, exp.Column) else None
        outputs[projection.alias_or_name] = [source] if source else []
    return outputs, referred


__all__ = ["tsql_from_sqlite", "query_sources", "tsql_query_from_sqlite", "dependencies", "TSQL_FUNCTIONS"]
