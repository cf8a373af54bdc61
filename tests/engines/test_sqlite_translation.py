"""T-SQL <-> SQLite for checks, computed columns, index filters and views (issue 14, item 4): what
translates, what is refused and why, and what a hostile package cannot smuggle into SQLite."""
import sqlite3

import pytest

from azext_bacpac import pipelines
from azext_bacpac.engines.expressions import ExpressionError, sqlite_expression, sqlite_query
from azext_bacpac.engines.expressions_tsql import query_sources, tsql_from_sqlite, tsql_query_from_sqlite
from azext_bacpac.engines.sqlite_sql_text import index_where, parse_create_table, view_query
from azext_bacpac.format.model import CheckConstraint, Column, Model, Module, Table
from azext_bacpac.format.assembly import PackageWriter
from azext_bacpac.format.sqltypes import SqlType

TEXT = {"FirstName": SqlType("nvarchar", 50), "LastName": SqlType("nvarchar", 50), "Id": SqlType("int")}


@pytest.mark.parametrize("tsql, sqlite", [
    # T-SQL's + between text is SQLite's ||; between numbers it stays +
    ("[FirstName]+' '+[LastName]", "\"FirstName\" || ' ' || \"LastName\""),
    ("(isnull(N'SO'+CONVERT([nvarchar](23),[Id],(0)),N'*** ERROR ***'))",
     "(COALESCE('SO' || CAST(\"Id\" AS TEXT(30)), '*** ERROR ***'))"),
    ("[Id]+(1)", "\"Id\" + (1)"),
    ("[Id]>=(0) AND [Id]<=(8)", "\"Id\" >= (0) AND \"Id\" <= (8)"),
])
def test_tsql_expressions_for_sqlite(tsql, sqlite):
    assert sqlite_expression(tsql, "x", TEXT) == sqlite


@pytest.mark.parametrize("tsql, refused", [
    ("load_extension('/tmp/evil.so')", "LOAD_EXTENSION()"), ("writefile('/tmp/x', 'y')", "WRITEFILE()"),
    ("[dbo].[ufnLeadingZeros]([Id])", '"dbo"."ufnLeadingZeros"'), ("[x].value('a', 'b')", '"x".value'),
    ("YEAR([d])", "YEAR()"),
])
def test_sqlite_gets_only_its_own_functions(tsql, refused):
    with pytest.raises(ExpressionError, match="which SQLite does not have") as caught:
        sqlite_expression(tsql, "x")
    assert refused in str(caught.value)


def _tables(schema, name):
    return {("SalesLT", "Product"): "SalesLT.Product", ("dbo", "T"): "T", (None, "T"): "T"}.get((schema, name))


@pytest.mark.parametrize("query, expected", [
    ("SELECT p.[Name] FROM [SalesLT].[Product] p", 'SELECT p."Name" FROM "SalesLT.Product" AS p'),
    ("SELECT TOP 5 * FROM T ORDER BY 1;", 'SELECT * FROM "T" ORDER BY 1 LIMIT 5'),
    ("WITH c AS (SELECT 1 AS a) SELECT a FROM c", "WITH c AS (SELECT 1 AS a) SELECT a FROM c"),
    ("SELECT SalesLT.Product.Name FROM SalesLT.Product", 'SELECT "SalesLT.Product".Name FROM "SalesLT.Product"'),
])
def test_view_queries_for_sqlite(query, expected):
    assert sqlite_query(query, "view v", _tables) == expected


@pytest.mark.parametrize("query", ["SELECT 1; DROP TABLE T", "SELECT * INTO x FROM T", "DELETE FROM T",
                                   "SELECT * FROM other.dbo.T", "SELECT * FROM [dbo].[Missing]",
                                   "SELECT load_extension('x')", "1 + 1"])
def test_what_is_not_one_query_of_known_tables_is_refused(query):
    with pytest.raises(ExpressionError):
        sqlite_query(query, "view v", _tables)


@pytest.mark.parametrize("sqlite, tsql", [
    ("price >= 0", "[price] >= 0"), ("length(name) > 2", "LEN([name]) > 2"),
    ("name || qty", "[name] + CAST([qty] AS NVARCHAR(MAX)) <> 0"), ("active", "[active] <> 0"),
    ("instr(a, 'x') > 0", "CHARINDEX('x', [a]) > 0"), ("\"a]b\" > 0", "[a]]b] > 0"),
    ("'SO' || CAST(x AS TEXT(23)) <> ''", "'SO' + CAST([x] AS NVARCHAR(MAX)) <> ''"),
])
def test_sqlite_checks_for_tsql(sqlite, tsql):
    assert tsql_from_sqlite(sqlite, "x", {"name": SqlType("nvarchar", 9), "qty": SqlType("int")},
                            predicate=True) == tsql


@pytest.mark.parametrize("sqlite, why", [("typeof(x) = 'integer'", "TYPEOF()"), ("a GLOB 'x*'", "GLOB"),
                                         ("date(x) > '2020-01-01'", "DATE()"), ("substr(a, 2) = 'b'", "substr()"),
                                         ("1; DROP TABLE t", "not one expression")])
def test_sqlite_without_a_tsql_form_is_refused(sqlite, why):
    with pytest.raises(ExpressionError, match=r".*") as caught:
        tsql_from_sqlite(sqlite, "x")
    assert why in str(caught.value)


def test_sqlite_views_for_tsql_with_what_they_read():
    names = {"orders": ("dbo", "orders"), "sales.Orders": ("sales", "Orders")}
    query, read = tsql_query_from_sqlite("SELECT o.id, s.x AS y FROM orders o JOIN \"sales.Orders\" s ON o.id = s.id "
                                         "ORDER BY o.id", "v", lambda t: names.get(t))
    # T-SQL allows ORDER BY in a view with OFFSET only
    assert query == ("SELECT [o].[id], [s].[x] AS [y] FROM [dbo].[orders] AS [o] JOIN [sales].[Orders] AS [s] ON "
                     "[o].[id] = [s].[id] ORDER BY [o].[id] OFFSET 0 ROWS")
    assert read == [("dbo", "orders"), ("sales", "Orders")]
    outputs, referred = query_sources(query, {("dbo", "orders"): ["id"], ("sales", "Orders"): ["id", "x"]}.get)
    assert outputs == {"id": ["[dbo].[orders].[id]"], "y": ["[sales].[Orders].[x]"]}
    assert referred == ["[dbo].[orders].[id]", "[sales].[Orders].[x]", "[sales].[Orders].[id]"]
    with pytest.raises(ExpressionError, match="'nope', which is not exported"):
        tsql_query_from_sqlite("SELECT * FROM nope", "v", lambda t: None)


def test_sqlite_statement_texts():
    table = parse_create_table('''CREATE TABLE "t x" (
      id INTEGER PRIMARY KEY, -- a comment CHECK (1)
      price DECIMAL(10, 2) NOT NULL CHECK (price >= 0) CONSTRAINT ck_p2 CHECK(price < 1e9),
      name TEXT DEFAULT ('a(b') CHECK (length(name) > 0 AND name <> 'x)'),
      total REAL GENERATED ALWAYS AS (price * 2) STORED, half AS (price / 2),
      CONSTRAINT "ck table" CHECK (price < total), CHECK (id > 0), UNIQUE(name)) WITHOUT ROWID''')
    assert [(c.name, c.column, c.expression) for c in table.checks] == [
        (None, "price", "price >= 0"), ("ck_p2", "price", "price < 1e9"),
        (None, "name", "length(name) > 0 AND name <> 'x)'"), ("ck table", None, "price < total"),
        (None, None, "id > 0")]
    assert {k: (v.expression, v.stored) for k, v in table.generated.items()} == {
        "total": ("price * 2", True), "half": ("price / 2", False)}
    assert index_where('CREATE UNIQUE INDEX "i" ON t (a, (b + 1)) WHERE a IS NOT NULL AND (b > 0);') == \
        "a IS NOT NULL AND (b > 0)"
    assert index_where("CREATE INDEX i ON t (a)") is None
    assert view_query("CREATE VIEW v AS SELECT * FROM t WHERE x = (SELECT 1)") == (
        "SELECT * FROM t WHERE x = (SELECT 1)", False)
    assert view_query("CREATE VIEW IF NOT EXISTS v(a, b) AS SELECT 1, 2;") == ("SELECT 1, 2", True)


def _import(tmp_path, model, rows):
    path = tmp_path / "p.bacpac"
    with open(path, "wb") as handle, PackageWriter(handle, model, "p") as writer:
        writer.write_table("dbo", "T", rows)
    target = tmp_path / "db"
    target.mkdir()
    summary = pipelines.import_package(str(path), f"sqlite:///{target}", "p")
    return summary, sqlite3.connect(target / "p.sqlite")


def test_a_hostile_view_or_check_creates_nothing_and_is_named(tmp_path):
    model = Model()
    model.add(Table("dbo", "T", [Column("Id", SqlType("int"), nullable=False), Column("Qty", SqlType("int"))]))
    model.add(CheckConstraint("[dbo].[T]", "load_extension('/tmp/evil.so') IS NULL", "[dbo].[CK_T_evil]"))
    model.add(Module("SqlView", "[dbo].[V]", "SELECT writefile('/tmp/pwn', 'x') AS w FROM [dbo].[T]"))
    model.add(Module("SqlView", "[dbo].[W]", "SELECT [Id] FROM [dbo].[T]; DROP TABLE [dbo].[T]"))
    summary, conn = _import(tmp_path, model, [(1, 2)])
    assert conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall() == []
    assert "CHECK" not in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'T'").fetchone()[0]
    assert [(n["kind"], n["name"]) for n in summary["notCreated"]] == [
        ("check constraint", "[dbo].[CK_T_evil]"), ("view", "[dbo].[V]"), ("view", "[dbo].[W]")]
    assert "kept in the package but not created in SQLite: 2 views, 1 check constraint; --verbose names them" in \
        summary["warnings"]


def test_rows_a_check_refuses_are_kept_and_counted(tmp_path):
    model = Model()
    model.add(Table("dbo", "T", [Column("Id", SqlType("int"), nullable=False), Column("Qty", SqlType("int"))]))
    model.add(CheckConstraint("[dbo].[T]", "([Qty]>(0))", "[dbo].[CK_T_Qty]"))     # WITH NOCHECK at the source
    summary, conn = _import(tmp_path, model, [(1, 2), (2, 0), (3, -1), (4, None)])
    assert conn.execute("SELECT Id FROM T ORDER BY Id").fetchall() == [(1,), (2,), (3,), (4,)]
    assert "table [dbo].[T]: 2 row(s) do not satisfy check constraint [dbo].[CK_T_Qty] (the source did not " \
           "enforce it on them: WITH NOCHECK); they were kept, and SQLite checks the rows written from now on" \
           in summary["warnings"]
    with pytest.raises(sqlite3.IntegrityError, match="CK_T_Qty"):
        conn.execute("INSERT INTO T VALUES (5, 0)")


def test_checks_that_fail_on_the_source_rows_leave_a_warning_not_a_failure(tmp_path):
    model = Model()
    model.add(Table("dbo", "T", [Column("Id", SqlType("int"), nullable=False), Column("Qty", SqlType("nvarchar", 9))]))
    model.add(CheckConstraint("[dbo].[T]", "JSON_VALUE([Qty], '$.a') IS NOT NULL", "[dbo].[CK_T_json]"))
    summary, conn = _import(tmp_path, model, [(1, "not json")])     # SQLite's ->> fails on it
    assert conn.execute("SELECT Id FROM T").fetchall() == [(1,)]
    assert any(w.startswith("table [dbo].[T]: its rows could not be checked against its check constraints "
                            "(malformed JSON)") for w in summary["warnings"])
