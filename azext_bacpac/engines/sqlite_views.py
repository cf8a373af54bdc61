"""The views of a SQLite database in an export's model: each one's query translated to T-SQL
(expressions_tsql), its tables named as the model names them, its columns (SQLite's own list)
and what each one shows, as DacFx writes a view (format.model_objects.View).

A view whose query has no T-SQL form (a SQLite-only function, an attached database, a table that is
not exported) is left out with a warning that says why.
"""
from ..format.model import quote
from ..format.model_objects import View
from .expressions import ExpressionError
from .expressions_tsql import query_sources, tsql_query_from_sqlite
from .sqlite_sql_text import view_query


def live_views(conn):
    """{view name: CREATE VIEW text} of the database, in creation order."""
    return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY rowid").fetchall())


def derive_views(conn, views, names, tables):
    """([View], warnings) for `views` ({SQLite name: CREATE VIEW text}). `names`: {SQLite name: (schema,
    name)} of every exported table and of these views; `tables`: {(schema, name): [column names]}."""
    by_lower = {sqlite_name.lower(): pair for sqlite_name, pair in names.items()}
    columns = dict(tables)
    for sqlite_name in views:
        columns[names[sqlite_name]] = [row[1] for row in conn.execute("SELECT cid, name FROM pragma_table_info(?)",
                                                                      (sqlite_name,))]
    found, warnings = [], []
    for sqlite_name, sql in views.items():
        schema, name = names[sqlite_name]
        query, named = view_query(sql)
        try:
            if named:
                raise ExpressionError(f"view '{sqlite_name}': it names its columns (CREATE VIEW v(a, b)), "
                                      f"which is not translated")
            if query is None:
                raise ExpressionError(f"view '{sqlite_name}': its query was not found in {sql[:80]!r}")
            tsql, read = tsql_query_from_sqlite(query, f"view '{sqlite_name}'", lambda t: by_lower.get(t.lower()))
            outputs, referred = query_sources(tsql, lambda pair: columns.get(pair))
        except ExpressionError as error:
            warnings.append(f"SQLite view '{sqlite_name}' is not exported: {str(error).split(': ', 1)[-1]}")
            continue
        view_columns = [(column, outputs.get(column, [])) for column in columns[(schema, name)]]
        found.append(View(schema, name, tsql, view_columns, [quote(*pair) for pair in read] + referred))
    return found, warnings


__all__ = ["live_views", "derive_views"]
